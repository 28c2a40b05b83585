"""The interactive HTML map: one self-contained file that works with no internet.

Plain folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, so offline the page is
blank (``L is not defined``). Here folium only builds the map script: its CDN links are dropped
and Leaflet 1.9.3 (the version folium targets) is inlined from the pinned ``xstatic-leaflet``
package, its CSS images as data URIs. The map uses only what Leaflet itself provides (GeoJSON
layers, circle markers, GeoJSON popups, the layer control), so nothing else is needed; a
``<details>`` element makes the KPI panel foldable without scripts. This was chosen over the
folium-offline fork, which would add a second copy of folium lagging upstream, for a handful of
assets we can inline ourselves. There is no tile layer: the background is the city's own layers.
The view opens fitted to the zones with the KPI panel and layer list folded, so the city fills
the window.

Every attribute value shown in a popup or the KPI panel is HTML-escaped, because folium's
GeoJSON popups insert property values as HTML.
"""

from __future__ import annotations

import base64
import os
import re
from html import escape
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import Element, MacroElement
from jinja2 import Template

from ..errors import ReportError
from ..progress import Progress, report
from ..project import Project
from ._common import attribute_table, content_for, kpi_rows, placement_rows, replaced_atomically
from .content import ReportContent, ScenarioContent, format_number
from .figures import (
    BUILDING_COLOUR,
    EXISTING_COLOUR,
    NO_DATA_COLOUR,
    PARK_COLOUR,
    STATUS_COLOURS,
    coverage_classes,
    coverage_colour,
    facility_styles,
    major_road_mask,
    priority_colour,
    priority_zones,
)

# Outlines are simplified to this many metres before export (screen maps of a district).
SIMPLIFY_M = 0.5
# WGS84 coordinates are rounded to 1e-6 degrees (about 0.1 m).
COORDINATE_GRID_DEG = 1e-6
# Zoom steps of a quarter level, and the margin in pixels kept around the zones on opening.
ZOOM_SNAP = 0.25
FIT_PADDING_PX = 10

_CSS_URL = re.compile(r"url\((images/[^)]+)\)")


def write_html(
    project: Project,
    scenarios: list[str] | None,
    path: str | os.PathLike,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
) -> Path:
    """Write an interactive map of ``project`` for ``scenarios`` as one offline HTML file.

    Parameters
    ----------
    project, scenarios, progress, content
        As for :func:`cityplanner.report.pdf.write_pdf`.
    path : path-like
        The HTML file to write (replaced atomically when it exists).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ReportError
        If the file cannot be written.
    """
    content = content_for(project, scenarios, content, progress)
    report(progress, 0.5, "Building the map")
    page = render_map(content)
    target = Path(path)
    with replaced_atomically(target, "map") as tmp:
        tmp.write_text(page, encoding="utf-8")
    report(progress, 1.0, "Map written")
    return target


def render_map(content: ReportContent) -> str:
    """The HTML page of the interactive map (Leaflet inlined, no external reference)."""
    project = content.project
    west, south, east, north = project.zones.geometry.to_crs(4326).total_bounds
    # Fractional zoom lets the view fit the city closely instead of halving it to the next level.
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        zoom_snap=ZOOM_SNAP,
        zoom_delta=ZOOM_SNAP,
    )
    figure = fmap.get_root()
    figure.header.add_child(Element(_inline_leaflet()), name="leaflet_inline")
    figure.header.add_child(Element(_PANEL_CSS), name="cityplanner_css")
    # The view opens on the zones (the city), not on everything drawn (1 km service discs).
    fmap.fit_bounds([[south, west], [north, east]], padding=(FIT_PADDING_PX, FIT_PADDING_PX))

    headline = content.headline_kpi()
    last = content.scenarios[-1].name
    for scenario in content.scenarios:
        _zones_layer(content, scenario, headline, show=scenario.name == last).add_to(fmap)
    for layer in _city_layers(project):
        layer.add_to(fmap)
    priority = _priority_layer(project)
    if priority is not None:
        priority.add_to(fmap)
    for layer in _existing_layers(project):
        layer.add_to(fmap)
    for scenario in content.plans:
        if scenario.placements.empty:
            continue
        _coverage_layer(project, scenario).add_to(fmap)
        _placements_layer(project, scenario).add_to(fmap)
    # Collapsed to its icon (opens on hover or tap) so it does not hide the city.
    folium.LayerControl(collapsed=True).add_to(fmap)
    _Attribution(content.attribution).add_to(fmap)
    figure.html.add_child(Element(_kpi_panel(content, headline)), name="kpi_panel")
    _drop_cdn_links(figure)
    return figure.render()


# -- assets -------------------------------------------------------------------------------------
def _inline_leaflet() -> str:
    """Leaflet's CSS (images as data URIs) and script, ready for the page header."""
    base = Path(xstatic_leaflet.BASE_DIR)
    try:
        css = (base / "leaflet.css").read_text(encoding="utf-8")
        script = (base / "leaflet.js").read_text(encoding="utf-8")

        def data_uri(match: re.Match) -> str:
            image = base / match.group(1)
            return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

        css = _CSS_URL.sub(data_uri, css)
    except OSError as err:
        raise ReportError(f"Leaflet from xstatic-leaflet cannot be read in {base} ({err}).") from None
    # A literal "</script" would end the inline script early; the source map is not shipped.
    script = script.replace("</script", "<\\/script")
    script = re.sub(r"//# sourceMappingURL=\S+", "", script)
    return f"<style>{css}</style>\n<script>{script}</script>"


def _drop_cdn_links(element) -> None:
    """Remove the CDN scripts and stylesheets folium elements would link (Leaflet is inlined)."""
    if hasattr(element, "default_js"):
        element.default_js = []
        element.default_css = []
    for child in element._children.values():
        _drop_cdn_links(child)


class _Attribution(MacroElement):
    """Data attribution (if any) in Leaflet's attribution control, whose prefix is plain "Leaflet"."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix("Leaflet");
            {% if this.text %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
            {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = escape(text)


# -- layers -------------------------------------------------------------------------------------
def _to_wgs84(gdf: gpd.GeoDataFrame, project: Project) -> gpd.GeoDataFrame:
    """Simplified, WGS84, coordinates on a 1e-6 degree grid; empty geometries dropped."""
    geoms = gdf.geometry.to_numpy()
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    geoms = np.where(points, geoms, shapely.simplify(geoms, SIMPLIFY_M, preserve_topology=True))
    out = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geoms, crs=project.crs)
    out = out.to_crs(4326)
    out.geometry = shapely.set_precision(out.geometry.to_numpy(), COORDINATE_GRID_DEG)
    return out[~out.geometry.is_empty & out.geometry.notna()]


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as HTML-escaped text, for popups that insert values as HTML."""
    return frame.apply(lambda column: column.map(lambda v: "" if _missing(v) else escape(str(v))))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA


def _popup(frame: pd.DataFrame) -> folium.GeoJsonPopup:
    fields = [c for c in frame.columns if c != frame.geometry.name]
    return folium.GeoJsonPopup(fields=fields, aliases=[escape(str(f)) for f in fields], labels=True)


def _zones_layer(
    content: ReportContent, scenario: ScenarioContent, headline: str | None, show: bool
) -> folium.GeoJson:
    project = content.project
    zones = project.zones
    attributes = attribute_table(zones)
    values = pd.DataFrame(
        {
            content.definition(k).name: scenario.zone_values[k].map(format_number)
            for k in scenario.zone_values.columns
        },
        index=zones.index,
    )
    fill = (
        scenario.zone_values[headline].map(coverage_colour)
        if headline is not None
        else pd.Series(NO_DATA_COLOUR, index=zones.index)
    )
    frame = gpd.GeoDataFrame(
        pd.concat([_escaped(attributes), _escaped(values)], axis=1),
        geometry=zones.geometry.to_numpy(),
        crs=project.crs,
    )
    frame = _to_wgs84(frame.assign(_fill=fill.to_numpy()), project)
    what = content.definition(headline).name if headline else "zones"
    return folium.GeoJson(
        frame,
        name=f"Zones, {escape(what)}: {escape(scenario.name)}",
        show=show,
        marker=_point_marker(),
        style_function=lambda feature: {
            "fillColor": feature["properties"]["_fill"],
            "fillOpacity": 0.7,
            "color": "#ffffff",
            "weight": 0.5,
        },
        popup=_popup(frame.drop(columns="_fill")),
    )


def _city_layers(project: Project) -> list[folium.GeoJson]:
    layers = []
    styles = {
        "park": (
            "Parks",
            {"fillColor": PARK_COLOUR, "fillOpacity": 0.6, "color": PARK_COLOUR, "weight": 0.5},
        ),
        "buildings": (
            "Buildings",
            {"fillColor": BUILDING_COLOUR, "fillOpacity": 0.6, "color": BUILDING_COLOUR, "weight": 0.3},
        ),
    }
    for role, (name, style) in styles.items():
        layer = project.layer_with_role(role)
        if layer is None:
            continue
        frame = _to_wgs84(_attribute_frame(layer.gdf), project)
        layers.append(
            folium.GeoJson(
                frame,
                name=name,
                marker=_point_marker(),
                style_function=lambda _, s=style: s,
                popup=_popup(frame),
            )
        )
    roads = project.layer_with_role("roads")
    if roads is not None:
        is_major = major_road_mask(roads.gdf)
        frame = _to_wgs84(_attribute_frame(roads.gdf).assign(_weight=np.where(is_major, 3.0, 1.0)), project)
        layers.append(
            folium.GeoJson(
                frame,
                name="Streets",
                style_function=lambda f: {"color": "#616161", "weight": f["properties"]["_weight"]},
                popup=_popup(frame.drop(columns="_weight")),
            )
        )
    return layers


def _point_marker() -> folium.CircleMarker:
    """How point features of area layers (parks, buildings, zones given as points) are drawn.

    Leaflet's default pin would need marker images that it looks up by a CSS path, which the
    inlined CSS (images as data URIs) no longer gives, so it would show as a broken image.
    """
    return folium.CircleMarker(radius=5, weight=1, fill=True)


def _attribute_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(_escaped(attribute_table(gdf)), geometry=gdf.geometry.to_numpy(), crs=gdf.crs)


def _priority_layer(project: Project) -> folium.GeoJson | None:
    if not project.priority:
        return None
    zones, tiers = priority_zones(project)
    frame = gpd.GeoDataFrame(
        pd.concat(
            [
                _escaped(pd.DataFrame({"priority tier": tiers}, index=zones.index)),
                _escaped(attribute_table(zones)),
            ],
            axis=1,
        ),
        geometry=zones.geometry.to_numpy(),
        crs=project.crs,
    )
    frame = _to_wgs84(frame.assign(_colour=[priority_colour(t) for t in tiers]), project)
    return folium.GeoJson(
        frame,
        name="Priority zones",
        marker=_point_marker(),
        style_function=lambda f: {"color": f["properties"]["_colour"], "weight": 3, "fillOpacity": 0},
        popup=_popup(frame.drop(columns="_colour")),
    )


def _existing_layers(project: Project) -> list[folium.GeoJson]:
    layers = []
    for ft in project.facility_types.values():
        if not ft.layer or ft.layer not in project.layers:
            continue
        gdf = project.layers[ft.layer].gdf
        points = shapely.point_on_surface(gdf.geometry.to_numpy())
        frame = _to_wgs84(
            gpd.GeoDataFrame(_escaped(attribute_table(gdf)), geometry=points, crs=project.crs), project
        )
        layers.append(
            folium.GeoJson(
                frame,
                name=f"Existing: {escape(ft.label)}",
                show=False,
                marker=folium.CircleMarker(radius=4, weight=1, color="#ffffff", fill=True, fill_opacity=0.9),
                style_function=lambda _, c=ft.color: {"fillColor": c, "color": EXISTING_COLOUR},
                popup=_popup(frame),
            )
        )
    return layers


def _placements_layer(project: Project, scenario: ScenarioContent) -> folium.GeoJson:
    placements = scenario.placements
    shown = placement_rows(placements, blank="").rename(
        columns={"number": "#", "lon": "longitude", "lat": "latitude", "marginal_gain": "marginal gain"}
    )
    colours, _ = facility_styles(project, placements["type"])
    frame = gpd.GeoDataFrame(
        _escaped(shown).assign(_colour=colours),
        geometry=gpd.points_from_xy(placements["x"], placements["y"]),
        crs=project.crs,
    )
    frame = _to_wgs84(frame, project)
    return folium.GeoJson(
        frame,
        name=f"Placements: {escape(scenario.name)}",
        marker=folium.CircleMarker(radius=8, weight=2, color="#ffffff", fill=True, fill_opacity=1.0),
        style_function=lambda f: {"fillColor": f["properties"]["_colour"]},
        popup=_popup(frame.drop(columns="_colour")),
    )


def _coverage_layer(project: Project, scenario: ScenarioContent) -> folium.GeoJson:
    """Service radius (the facility type's ``radius_m``) around each placement."""
    placements = scenario.placements
    colours, radius = facility_styles(project, placements["type"])
    discs = shapely.buffer(shapely.points(placements[["x", "y"]].to_numpy(dtype=float)), radius, quad_segs=16)
    shown = pd.DataFrame(
        {"#": placements["number"], "type": placements["type_label"], "service radius (m)": radius.round(1)}
    )
    frame = _to_wgs84(
        gpd.GeoDataFrame(_escaped(shown).assign(_colour=colours), geometry=discs, crs=project.crs), project
    )
    return folium.GeoJson(
        frame,
        name=f"Service radius: {escape(scenario.name)}",
        style_function=lambda f: {
            "color": f["properties"]["_colour"],
            "fillColor": f["properties"]["_colour"],
            "fillOpacity": 0.05,
            "weight": 1.5,
            "dashArray": "6 4",
        },
        popup=_popup(frame.drop(columns="_colour")),
    )


# -- KPI panel ----------------------------------------------------------------------------------
_PANEL_CSS = """<style>
.leaflet-container{font:12px/1.4 "DejaVu Sans",Arial,sans-serif}
.leaflet-control-layers{font-size:12px}
.cp-panel{position:fixed;left:10px;bottom:50px;z-index:1000;max-height:65vh;max-width:min(400px,45vw);overflow:auto;
background:rgba(255,255,255,.95);border:1px solid #999;border-radius:4px;padding:4px 8px;
font:12px/1.3 "DejaVu Sans",Arial,sans-serif}
.cp-panel summary{font-weight:bold;cursor:pointer}
.cp-panel table{border-collapse:collapse;margin:4px 0 8px}
.cp-panel th,.cp-panel td{border-bottom:1px solid #ddd;padding:2px 4px;text-align:left;vertical-align:top}
.cp-panel td.num{text-align:right}
.cp-panel .vi{color:#555;font-size:11px}
.cp-panel .status{color:#fff;border-radius:3px;padding:0 4px;white-space:nowrap}
.cp-legend span{display:inline-block;width:12px;height:10px;margin-right:4px;border:1px solid #999}
</style>"""


def _kpi_panel(content: ReportContent, headline: str | None) -> str:
    # Starts folded to its title so the map is visible; one click opens the tables.
    parts = ['<div class="cp-panel"><details><summary>KPI summary</summary>']
    parts.append(f"<div><b>{escape(content.title)}</b>")
    if content.city:
        parts.append(f" — {escape(content.city)}")
    parts.append("</div>")
    if headline is not None:
        name = escape(content.definition(headline).name)
        parts.append(f'<div class="cp-legend">Zones: % of population, {name}<br>')
        parts += [
            f'<span style="background:{colour}"></span>{escape(label)} '
            for _, _, colour, label in coverage_classes()
        ]
        parts.append("</div>")
    for scenario in content.scenarios:
        parts.append(f"<details{' open' if scenario is content.scenarios[-1] else ''}>")
        parts.append(f"<summary>{escape(scenario.name)}</summary><table>")
        parts.append("<tr><th>KPI</th><th>Value</th><th>Target</th><th>Status</th><th>Change</th></tr>")
        for kpi in kpi_rows(scenario):
            colour = STATUS_COLOURS[kpi.status]
            parts.append(
                f"<tr><td>{escape(kpi.name)}<div class='vi'>{escape(kpi.name_vi)}</div></td>"
                f"<td class='num'>{escape(kpi.value)}"
                f"<div class='vi'>{escape(kpi.unit)}</div></td>"
                f"<td class='num'>{escape(kpi.target)}</td>"
                f"<td><span class='status' style='background:{colour}'>{escape(kpi.status)}</span></td>"
                f"<td class='num'>{escape(kpi.change)}</td></tr>"
            )
        parts.append("</table></details>")
    if content.attribution:
        parts.append(f"<div class='vi'>Map data {escape(content.attribution)}</div>")
    parts.append("</details></div>")
    return "".join(parts)
