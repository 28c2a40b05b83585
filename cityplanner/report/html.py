"""The interactive HTML map: one self-contained page, rendered once, that works with no internet.

The page is put together here with no template engine. folium was used before, but branca, under
it, compiles the output of every element as a Jinja template a second time, so ``{{ ... }}`` in a
ward name or a scenario name ran as Python when the map was exported; that cannot be switched off.
The map needs nothing of folium beyond Leaflet itself (GeoJSON layers, circle markers, popups, the
layer control, a scale bar), so the page now carries:

* Leaflet 1.9.3 inlined from the pinned ``xstatic-leaflet`` package (its CSS images as data URIs),
  so the page works offline; there is no tile layer: the background is the city's own layers;
* every layer, name and value as one JSON document in a ``<script type="application/json">``
  element (``<``, ``>`` and ``&`` written as ``\\u`` escapes, so no text can close the element);
* a fixed script, ``html_map.js`` beside this module, that builds the map from that document and
  puts project text into the page only as DOM text (``textContent``), never as markup;
* the KPI panel as plain HTML whose every value is HTML-escaped here, once.

Layers are sent column by column (geometries as GeoJSON from GEOS, values per field), so a large
layer costs a few vectorised calls, not a Python loop over its features.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xstatic_leaflet

from ..errors import ReportError
from ..progress import Progress, report
from ..project import Project
from . import i18n
from ._common import attribute_table, content_for, kpi_rows, placement_rows, replaced_atomically
from .content import ReportContent, ScenarioContent, decision_rows, decision_summary, decision_text
from .figures import (
    BUILDING_COLOUR,
    DEFAULT_FACILITY_COLOUR,
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

_SCRIPT = Path(__file__).with_name("html_map.js")
_CSS_URL = re.compile(r"url\((images/[^)]+)\)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def write_html(
    project: Project,
    scenarios: list[str] | None,
    path: str | os.PathLike,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
    lang: str | None = None,
) -> Path:
    """Write an interactive map of ``project`` for ``scenarios`` as one offline HTML file.

    Parameters
    ----------
    project, scenarios, progress, content, lang
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
    content = content_for(project, scenarios, content, progress, lang=lang)
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
    lang = content.lang
    west, south, east, north = project.zones.geometry.to_crs(4326).total_bounds
    headline = content.headline_kpi()
    last = content.scenarios[-1].name
    layers = [_zones_layer(content, s, headline, show=s.name == last) for s in content.scenarios]
    layers += _city_layers(project, lang)
    priority = _priority_layer(project, lang)
    if priority is not None:
        layers.append(priority)
    layers += _existing_layers(project, lang)
    for scenario in content.plans:
        if not scenario.placements.empty:
            layers += [_coverage_layer(project, scenario, lang), _placements_layer(project, scenario, lang)]
    data = {
        # The view opens on the zones (the city), not on everything drawn (1 km service discs).
        "bounds": [[float(south), float(west)], [float(north), float(east)]],
        "padding": FIT_PADDING_PX,
        "zoomSnap": ZOOM_SNAP,
        "attribution": content.attribution,
        "layers": [layer.to_json() for layer in layers],
    }
    html = '<html lang="vi">' if lang == "vi" else "<html>"
    return (
        f"<!DOCTYPE html>\n{html}\n<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{escape(content.title)}</title>\n"
        f"{_inline_leaflet()}\n{_PAGE_CSS}\n"
        "</head>\n<body>\n"
        '<div id="cp-map"></div>\n'
        f"{_kpi_panel(content, headline)}\n"
        f'<script type="application/json" id="cp-map-data">{script_json(data)}</script>\n'
        f"<script>{_map_script()}</script>\n"
        "</body>\n</html>\n"
    )


def script_json(data: dict) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element of an HTML page.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes (JSON reads them back as the same characters), so
    no string can write ``</script>`` or ``<!--`` into the page; U+2028/U+2029 too, for old parsers.
    """
    text = _dumps(data)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _dumps(value, depth: int = 0) -> str:
    """``json.dumps(value)`` (compact, UTF-8, no NaN) encoded in slices of at most ``_SLICE`` items.

    The C encoder holds the GIL for a whole call: the map's document of a large city took up to
    250 ms on the report worker, which stopped the app's UI thread as long. Slices let it run.
    """
    if isinstance(value, dict) and depth < 3:
        items = (f"{_dump(str(key))}:{_dumps(item, depth + 1)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list) and len(value) > _SLICE:
        slices = (_dump(value[i : i + _SLICE])[1:-1] for i in range(0, len(value), _SLICE))
        return "[" + ",".join(slices) + "]"
    return _dump(value)


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_SLICE = 500


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


def _map_script() -> str:
    try:
        return _SCRIPT.read_text(encoding="utf-8")
    except OSError as err:
        raise ReportError(f"The map script {_SCRIPT} cannot be read ({err.strerror}).") from None


# -- layers -------------------------------------------------------------------------------------
@dataclass
class _MapLayer:
    """One overlay of the map, column by column, as ``html_map.js`` reads it.

    ``values`` are the popup's fields (text, shown as text); ``feature_style`` holds per-feature
    style values (a colour or a line weight per feature) merged over ``style``.
    """

    name: str
    geometries: np.ndarray  # shapely geometries in WGS84
    values: pd.DataFrame
    style: dict
    show: bool = True
    marker: dict | None = None
    feature_style: dict[str, np.ndarray] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "show": self.show,
            "style": self.style,
            "marker": self.marker,
            # GEOS writes the GeoJSON; parsed back so the page holds one JSON document.
            "geometries": [json.loads(g) for g in shapely.to_geojson(self.geometries)],
            "fields": [str(c) for c in self.values.columns],
            "values": [_texts(self.values.iloc[:, i]) for i in range(self.values.shape[1])],
            "featureStyle": {k: np.asarray(v).tolist() for k, v in self.feature_style.items()},
        }


def _texts(column: pd.Series) -> list[str]:
    """A column as the strings a popup shows ('' for a missing value)."""
    text = column.astype(object).where(column.notna(), "")
    return [str(v) for v in text.to_numpy()]


def _wgs84(gdf: gpd.GeoDataFrame, project: Project) -> tuple[np.ndarray, np.ndarray]:
    """Simplified WGS84 geometries on a 1e-6 degree grid (empty ones dropped), and which rows are kept."""
    geoms = gdf.geometry.to_numpy()
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    geoms = np.where(points, geoms, shapely.simplify(geoms, SIMPLIFY_M, preserve_topology=True))
    wgs84 = gpd.GeoSeries(geoms, crs=project.crs).to_crs(4326).to_numpy()
    wgs84 = shapely.set_precision(wgs84, COORDINATE_GRID_DEG)
    keep = ~shapely.is_empty(wgs84) & ~shapely.is_missing(wgs84)
    return wgs84[keep], keep


def _layer(
    name: str,
    gdf: gpd.GeoDataFrame,
    project: Project,
    style: dict,
    *,
    feature_style: dict[str, object] | None = None,
    **kw,
) -> _MapLayer:
    """A :class:`_MapLayer` showing ``gdf``'s attributes; ``feature_style`` has one value per row."""
    geoms, keep = _wgs84(gdf, project)
    return _MapLayer(
        name=name,
        geometries=geoms,
        values=attribute_table(gdf)[keep],
        style=style,
        feature_style={k: np.asarray(v)[keep] for k, v in (feature_style or {}).items()},
        **kw,
    )


def _frame(table: pd.DataFrame, geometry, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(table.reset_index(drop=True), geometry=np.asarray(geometry), crs=crs)


def _colour(value: str, default: str) -> str:
    """A ``#rrggbb`` colour from a project, or ``default`` for anything else (never script)."""
    return value if isinstance(value, str) and _COLOUR.fullmatch(value) else default


# How point features of area layers (parks, buildings, zones given as points) are drawn: Leaflet's
# default pin needs marker images it looks up by a CSS path, which the inlined CSS does not give.
_POINT_MARKER = {"radius": 5, "weight": 1}


def _zones_layer(
    content: ReportContent, scenario: ScenarioContent, headline: str | None, show: bool
) -> _MapLayer:
    project = content.project
    lang = content.lang
    zones = project.zones
    values = pd.DataFrame(
        {
            i18n.kpi_name(content.definition(k), lang): scenario.zone_values[k].map(
                lambda v: i18n.format_number(v, lang)
            )
            for k in scenario.zone_values.columns
        },
        index=zones.index,
    )
    fill = (
        scenario.zone_values[headline].map(coverage_colour)
        if headline is not None
        else pd.Series(NO_DATA_COLOUR, index=zones.index)
    )
    table = pd.concat([attribute_table(zones), values], axis=1)
    what = i18n.kpi_name(content.definition(headline), lang) if headline else i18n.tr(lang, "zones")
    return _layer(
        i18n.tr(lang, "layer_zones", what=what, scenario=scenario.name),
        _frame(table, zones.geometry.to_numpy(), project.crs),
        project,
        {"fillOpacity": 0.7, "color": "#ffffff", "weight": 0.5},
        feature_style={"fillColor": fill.to_numpy()},
        show=show,
        marker=_POINT_MARKER,
    )


def _city_layers(project: Project, lang: str = "en") -> list[_MapLayer]:
    layers = []
    styles = {
        "park": (
            i18n.tr(lang, "layer_parks"),
            {"fillColor": PARK_COLOUR, "fillOpacity": 0.6, "color": PARK_COLOUR, "weight": 0.5},
        ),
        "buildings": (
            i18n.tr(lang, "layer_buildings"),
            {"fillColor": BUILDING_COLOUR, "fillOpacity": 0.6, "color": BUILDING_COLOUR, "weight": 0.3},
        ),
    }
    for role, (name, style) in styles.items():
        layer = project.layer_with_role(role)
        if layer is not None:
            layers.append(_layer(name, layer.gdf, project, style, marker=_POINT_MARKER))
    roads = project.layer_with_role("roads")
    if roads is not None:
        weight = np.where(major_road_mask(roads.gdf), 3.0, 1.0)
        layers.append(
            _layer(
                i18n.tr(lang, "layer_streets"),
                roads.gdf,
                project,
                {"color": "#616161"},
                feature_style={"weight": weight},
            )
        )
    return layers


def _priority_layer(project: Project, lang: str = "en") -> _MapLayer | None:
    if not project.priority:
        return None
    zones, tiers = priority_zones(project)
    table = pd.concat(
        [
            pd.DataFrame({i18n.tr(lang, "field_priority_tier"): tiers}, index=zones.index),
            attribute_table(zones),
        ],
        axis=1,
    )
    return _layer(
        i18n.tr(lang, "layer_priority"),
        _frame(table, zones.geometry.to_numpy(), project.crs),
        project,
        {"weight": 3, "fillOpacity": 0},
        feature_style={"color": [priority_colour(t) for t in tiers]},
        marker=_POINT_MARKER,
    )


def _existing_layers(project: Project, lang: str = "en") -> list[_MapLayer]:
    layers = []
    for ft in project.facility_types.values():
        if not ft.layer or ft.layer not in project.layers:
            continue
        gdf = project.layers[ft.layer].gdf
        points = shapely.point_on_surface(gdf.geometry.to_numpy())
        layers.append(
            _layer(
                i18n.tr(lang, "layer_existing", label=i18n.type_label(ft, lang)),
                _frame(attribute_table(gdf), points, project.crs),
                project,
                {"fillColor": _colour(ft.color, DEFAULT_FACILITY_COLOUR), "color": EXISTING_COLOUR},
                show=False,
                marker={"radius": 4, "weight": 1, "fillOpacity": 0.9},
            )
        )
    return layers


def _placements_layer(project: Project, scenario: ScenarioContent, lang: str = "en") -> _MapLayer:
    placements = scenario.placements
    shown = placement_rows(placements, blank="", lang=lang)
    if lang == "vi":
        shown["source"] = shown["source"].map(lambda v: i18n.source_name(v, lang))
        names = {c: i18n.tr(lang, f"field_{c}") for c in ("type", "name", "source", "id")}
    else:
        names = {}
    shown = shown.rename(
        columns={
            "number": "#",
            "lon": i18n.tr(lang, "field_longitude"),
            "lat": i18n.tr(lang, "field_latitude"),
            "marginal_gain": i18n.tr(lang, "field_marginal_gain"),
            **names,
        }
    )
    colours, _ = facility_styles(project, placements["type"])
    return _layer(
        i18n.tr(lang, "layer_placements", scenario=scenario.name),
        _frame(shown, gpd.points_from_xy(placements["x"], placements["y"]), project.crs),
        project,
        {"color": "#ffffff"},
        feature_style={"fillColor": [_colour(c, DEFAULT_FACILITY_COLOUR) for c in colours]},
        marker={"radius": 8, "weight": 2, "fillOpacity": 1.0},
    )


def _coverage_layer(project: Project, scenario: ScenarioContent, lang: str = "en") -> _MapLayer:
    """Service radius (the facility type's ``radius_m``) around each placement."""
    placements = scenario.placements
    colours, radius = facility_styles(project, placements["type"])
    discs = shapely.buffer(shapely.points(placements[["x", "y"]].to_numpy(dtype=float)), radius, quad_segs=16)
    colours = [_colour(c, DEFAULT_FACILITY_COLOUR) for c in colours]
    shown = pd.DataFrame(
        {
            "#": placements["number"].to_numpy(),
            i18n.tr(lang, "field_type"): placements["type_label"].to_numpy(),
            i18n.tr(lang, "field_radius"): [i18n.format_general(r, lang) for r in radius.round(1)]
            if lang == "vi"
            else radius.round(1),
        }
    )
    return _layer(
        i18n.tr(lang, "layer_radius", scenario=scenario.name),
        _frame(shown, discs, project.crs),
        project,
        {"fillOpacity": 0.05, "weight": 1.5, "dashArray": "6 4"},
        feature_style={"color": colours, "fillColor": colours},
    )


# -- KPI panel ----------------------------------------------------------------------------------
_PAGE_CSS = """<style>
html,body{width:100%;height:100%;margin:0;padding:0}
#cp-map{position:absolute;top:0;bottom:0;right:0;left:0}
.leaflet-container{font:12px/1.4 "DejaVu Sans",Arial,sans-serif}
.leaflet-control-layers{font-size:12px}
.cp-popup th{text-align:left;padding-right:6px;vertical-align:top}
.cp-popup td{vertical-align:top}
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
.cp-cost{margin:0 0 8px}
</style>"""


def _kpi_panel(content: ReportContent, headline: str | None) -> str:
    lang = content.lang

    def tr(key: str, **fields) -> str:
        return escape(i18n.tr(lang, key, **fields))

    # Starts folded to its title so the map is visible; one click opens the tables.
    parts = [f'<div class="cp-panel"><details><summary>{tr("kpi_summary")}</summary>']
    parts.append(f"<div><b>{escape(content.title)}</b>")
    if content.city:
        parts.append(f" — {escape(content.city)}")
    parts.append("</div>")
    if headline is not None:
        name = i18n.kpi_name(content.definition(headline), lang)
        parts.append(f'<div class="cp-legend">{tr("legend_zones", kpi=name)}<br>')
        parts += [
            f'<span style="background:{colour}"></span>{escape(label)} '
            for _, _, colour, label in coverage_classes()
        ]
        parts.append("</div>")
    for scenario in content.scenarios:
        parts.append(f"<details{' open' if scenario is content.scenarios[-1] else ''}>")
        parts.append(f"<summary>{escape(scenario.name)}</summary><table>")
        head = [tr(key) for key in ("col_kpi", "col_value", "col_target", "col_status", "col_change")]
        parts.append("<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
        for kpi in kpi_rows(scenario, lang):
            colour = STATUS_COLOURS.get(kpi.status, STATUS_COLOURS["n/a"])
            first, second = kpi.names
            parts.append(
                f"<tr><td>{escape(first)}<div class='vi'>{escape(second)}</div></td>"
                f"<td class='num'>{escape(kpi.value)}"
                f"<div class='vi'>{escape(kpi.unit)}</div></td>"
                f"<td class='num'>{escape(kpi.target)}</td>"
                f"<td><span class='status' style='background:{colour}'>{escape(kpi.status_label)}</span></td>"
                f"<td class='num'>{escape(kpi.change)}</td></tr>"
            )
        parts.append("</table>")
        cost = content.cost_sentence(scenario)
        if cost:
            parts.append(f"<div class='cp-cost'>{escape(cost)}</div>")
        parts.append("</details>")
    parts += _decision_log(content)
    if content.attribution:
        parts.append(f"<div class='vi'>{tr('map_data', attribution=content.attribution)}</div>")
    parts.append("</details></div>")
    return "".join(parts)


def _decision_log(content: ReportContent) -> list[str]:
    """The workshop's decision log, as the PDF's section has it (every cell escaped here)."""
    if not content.decisions:
        return []
    lang = content.lang
    parts = [f"<details><summary>{escape(decision_text('heading', lang))}</summary>"]
    parts.append(f"<div class='cp-cost'>{escape(decision_summary(content.decisions, lang))}</div><table>")
    keys = ("time", "scenario", "decision", "change", "kpis", "note")
    parts.append(
        "<tr>" + "".join(f"<th>{escape(decision_text(f'col_{k}', lang))}</th>" for k in keys) + "</tr>"
    )
    for row in decision_rows(content.decisions, lang):
        parts.append("<tr>" + "".join(f"<td>{escape(row[k])}</td>" for k in keys) + "</tr>")
    parts.append("</table></details>")
    return parts
