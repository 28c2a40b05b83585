"""Figures of the PDF report: vector maps drawn from shapely coordinates, and bar charts.

Maps are written straight into the PDF content stream as path operators built with numpy (one
string per layer, no Python loop over features or vertices), after simplifying every geometry to a
quarter of a printer's point. They stay crisp at any zoom and cost kilobytes, not megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable

from ..kpi_status import STATUS_COLOURS
from ..project import Project
from . import i18n
from .content import ReportContent, ScenarioContent
from .fonts import BOLD, REGULAR

# Largest deviation a simplified outline may have from the true one, in points (1/4 pt ≈ 0.09 mm).
PRINT_TOLERANCE_PT = 0.25

LEGEND_WIDTH_PT = 138.0
# The key-figures panel beside a landscape map: shown from this width, never wider than the max.
KEY_FIGURES_MIN_WIDTH_PT = 170.0
KEY_FIGURES_MAX_WIDTH_PT = 260.0
MIN_MAP_HEIGHT_PT = 330.0

# Shading of zones by the share of their population covered (ColorBrewer "Blues", 5 classes).
COVERAGE_BREAKS = (20.0, 40.0, 60.0, 80.0)
COVERAGE_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOUR = "#e0e0e0"
# Priority tiers, darkest first (ColorBrewer RdPu): magenta, a hue no default layer style, facility
# type, coverage class or population ramp uses. The one palette of the tiers: the app's map and
# legend take it from here too (ui.styles.priority_colours).
PRIORITY_COLOURS = {1: "#ae017e", 2: "#dd3497", 3: "#f768a1"}
PARK_COLOUR = "#74c476"
BUILDING_COLOUR = "#9e9e9e"
ROAD_COLOUR = "#757575"
MAJOR_ROAD_COLOUR = "#424242"
EXISTING_COLOUR = "#252525"
# Placements of a type the project does not define.
DEFAULT_FACILITY_COLOUR = "#1f78b4"
SCENARIO_COLOURS = ("#bdbdbd", "#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928")

# OSM ``highway`` values drawn as main roads.
MAJOR_HIGHWAYS = ("trunk", "primary", "secondary", "tertiary", "primary_link", "secondary_link")

_BEZIER_K = 0.5523  # control-point distance of a quarter circle drawn as one cubic Bézier
_CIRCLE_UNIT = np.array(
    [
        (1, 0), (1, _BEZIER_K), (_BEZIER_K, 1), (0, 1),
        (-_BEZIER_K, 1), (-1, _BEZIER_K), (-1, 0),
        (-1, -_BEZIER_K), (-_BEZIER_K, -1), (0, -1),
        (_BEZIER_K, -1), (1, -_BEZIER_K), (1, 0),
    ],
    dtype=float,
)  # fmt: skip
_CIRCLE_OPS = np.array([" m\n", " ", " ", " c\n", " ", " ", " c\n", " ", " ", " c\n", " ", " ", " c h\n"])


# -- PDF path operators ---------------------------------------------------------------------------
def _format_points(xy: np.ndarray, ops: np.ndarray) -> str:
    """``"x y op"`` for every vertex, joined: the body of a PDF path."""
    if len(xy) == 0:
        return ""
    text = np.char.add(np.char.add(np.char.mod("%.2f ", xy[:, 0]), np.char.mod("%.2f", xy[:, 1])), ops)
    return "".join(text.tolist())


def path_ops(geoms: np.ndarray, to_page, closed: bool) -> str:
    """PDF path operators for the rings (``closed``) or lines of ``geoms``, in page points."""
    if len(geoms) == 0:
        return ""
    parts = shapely.get_parts(geoms)
    parts = parts[~shapely.is_empty(parts)]
    if closed:
        parts = shapely.get_rings(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON])
    else:
        line_types = (shapely.GeometryType.LINESTRING, shapely.GeometryType.LINEARRING)
        parts = parts[np.isin(shapely.get_type_id(parts), line_types)]
    xy, index = shapely.get_coordinates(parts, return_index=True)
    if len(xy) == 0:
        return ""
    starts = np.r_[True, index[1:] != index[:-1]]
    ends = np.r_[index[1:] != index[:-1], True]
    ops = np.where(starts, " m\n", " l\n")
    if closed:
        ops[ends] = " l h\n"
    return _format_points(to_page(xy), ops)


def circle_ops(centres: np.ndarray, radius) -> str:
    """PDF path operators for circles (page points; ``radius`` one value or one per circle)."""
    if len(centres) == 0:
        return ""
    radius = np.broadcast_to(np.asarray(radius, dtype=float), (len(centres),))
    xy = centres[:, None, :] + _CIRCLE_UNIT[None, :, :] * radius[:, None, None]
    ops = np.tile(_CIRCLE_OPS, len(centres))
    return _format_points(xy.reshape(-1, 2), ops)


# -- colours and classes every output shares ------------------------------------------------------
def coverage_colour(value: float) -> str:
    if not np.isfinite(value):
        return NO_DATA_COLOUR
    return COVERAGE_COLOURS[int(np.searchsorted(COVERAGE_BREAKS, value, side="right"))]


def coverage_classes() -> list[tuple[float, float, str, str]]:
    """The zone shading classes as (lower %, upper %, colour, label), lowest first."""
    edges = (0.0, *COVERAGE_BREAKS, 100.0)
    return [
        (lo, hi, colour, f"{lo:g}–{hi:g} %")
        for lo, hi, colour in zip(edges[:-1], edges[1:], COVERAGE_COLOURS, strict=True)
    ]


def priority_colour(tier: int) -> str:
    """Outline colour of a priority tier (tiers past the palette look like tier 1)."""
    return PRIORITY_COLOURS.get(tier, PRIORITY_COLOURS[1])


def facility_styles(project: Project, types: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Colour and service radius in metres for each facility type name in ``types``.

    Types the project does not define get :data:`DEFAULT_FACILITY_COLOUR` and no radius.
    """
    defined = project.facility_types
    colours = types.map({name: ft.color for name, ft in defined.items()}).fillna(DEFAULT_FACILITY_COLOUR)
    radii = types.map({name: ft.radius_m for name, ft in defined.items()}).fillna(0.0)
    return colours.to_numpy(dtype=object), radii.to_numpy(dtype=float)


def major_road_mask(roads: gpd.GeoDataFrame) -> np.ndarray:
    """Which roads are main roads (OSM ``highway`` in :data:`MAJOR_HIGHWAYS`); none without that field."""
    if "highway" not in roads.columns:
        return np.zeros(len(roads), dtype=bool)
    return roads["highway"].astype("string").isin(MAJOR_HIGHWAYS).fillna(False).to_numpy(dtype=bool)


def priority_zones(project: Project) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The zones marked as priority (in the order they were marked) and their tiers."""
    rows = np.fromiter(project.priority.keys(), dtype=int, count=len(project.priority))
    tiers = np.fromiter(project.priority.values(), dtype=int, count=len(project.priority))
    return project.zones.iloc[rows], tiers


# -- the city's layers, prepared once per report -------------------------------------------------
@dataclass
class CityLayers:
    """Geometries every map of a report draws (working CRS, unsimplified)."""

    bounds: tuple[float, float, float, float]
    zones: np.ndarray
    boundary: np.ndarray
    parks: np.ndarray
    buildings: np.ndarray
    major_roads: np.ndarray
    minor_roads: np.ndarray
    priority: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_project(cls, project: Project) -> CityLayers:
        zones = project.zones.geometry.to_numpy()
        minx, miny, maxx, maxy = shapely.total_bounds(zones)
        pad = 0.03 * max(maxx - minx, maxy - miny)
        roads = project.layer_with_role("roads")
        major = minor = np.empty(0, dtype=object)
        if roads is not None:
            lines = roads.gdf.geometry.to_numpy()
            is_major = major_road_mask(roads.gdf)
            major, minor = lines[is_major], lines[~is_major]
        marked, tiers = priority_zones(project)
        marked_geoms = marked.geometry.to_numpy()
        priority = {tier: marked_geoms[tiers == tier] for tier in sorted(set(tiers.tolist()))}
        return cls(
            bounds=(minx - pad, miny - pad, maxx + pad, maxy + pad),
            zones=zones,
            boundary=_layer_geoms(project, None, "boundary"),
            parks=_layer_geoms(project, "park", "parks"),
            buildings=_layer_geoms(project, "buildings", "buildings"),
            major_roads=major,
            minor_roads=minor,
            priority=priority,
        )

    def simplified(self, tolerance_m: float) -> CityLayers:
        """The same layers simplified to ``tolerance_m`` (polygons keep their topology)."""

        def simple(geoms: np.ndarray) -> np.ndarray:
            return shapely.simplify(geoms, tolerance_m, preserve_topology=True) if len(geoms) else geoms

        return CityLayers(
            bounds=self.bounds,
            zones=simple(self.zones),
            boundary=simple(self.boundary),
            parks=simple(self.parks),
            buildings=simple(self.buildings),
            major_roads=simple(self.major_roads),
            minor_roads=simple(self.minor_roads),
            priority={tier: simple(g) for tier, g in self.priority.items()},
        )


def _layer_geoms(project: Project, role: str | None, name: str) -> np.ndarray:
    layer = project.layer_with_role(role) if role else None
    if layer is None and name in project.layers:
        layer = project.layers[name]
    if layer is None:
        return np.empty(0, dtype=object)
    geoms = layer.gdf.geometry.to_numpy()
    return geoms[shapely.get_dimensions(geoms) == 2]


# -- the map ------------------------------------------------------------------------------------
@dataclass
class _LegendEntry:
    kind: str  # "fill", "outline", "line", "marker", "circle", "heading"
    colour: str
    label: str
    width: float = 0.5


class MapFigure(Flowable):
    """A map of one scenario: zone shading, city layers, priority zones, facilities, legend.

    The legend sits beside the map on landscape frames and below it in three columns on portrait
    ones. The map is as wide as the space allows and no taller than the city needs (at most
    ``height_pt`` in all). Scale bar, north arrow and attribution sit inside the map frame.
    """

    def __init__(
        self,
        content: ReportContent,
        scenario: ScenarioContent,
        city: CityLayers,
        height_pt: float,
        headline_kpi: str | None,
    ) -> None:
        super().__init__()
        self.content = content
        self.scenario = scenario
        self.city = city
        self.height_pt = height_pt
        self.headline_kpi = headline_kpi
        self.types = self._placement_types()
        self.entries = self._legend_entries()

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        limit = min(self.height_pt, avail_height)
        minx, miny, maxx, maxy = self.city.bounds
        aspect = (maxy - miny) / (maxx - minx)
        self.legend_beside = avail_width > limit
        self.figures_w = 0.0
        if self.legend_beside:
            widest = avail_width - LEGEND_WIDTH_PT - 8.0
            self.legend_columns = [self.entries]
            # No taller than the city needs, but tall enough for the legend beside it; no wider
            # than the city needs at that height.
            self.map_h = min(limit, max(widest * aspect, _legend_height(self.entries, LEGEND_WIDTH_PT)))
            self.map_w = min(widest, max(self.map_h / aspect, 0.5 * widest))
            self.legend_h = 0.0
            # Wide (landscape) pages leave room right of the legend: the scenario's key figures.
            room = avail_width - self.map_w - LEGEND_WIDTH_PT - 24.0
            self.figures_w = min(room, KEY_FIGURES_MAX_WIDTH_PT) if room >= KEY_FIGURES_MIN_WIDTH_PT else 0.0
        else:
            self.legend_col_w = (avail_width - 16.0) / 3.0
            self.legend_columns = _split_columns(self.entries, self.legend_col_w, 3)
            self.legend_h = max(_legend_height(col, self.legend_col_w) for col in self.legend_columns) + 6.0
            self.map_w = avail_width
            self.map_h = min(limit - self.legend_h, self.map_w * aspect)
        self.width = avail_width
        self.height = self.map_h + self.legend_h
        return self.width, self.height

    def draw(self) -> None:
        lang = self.content.lang
        canvas = self.canv
        x0, y0, frame_w, frame_h = 0.0, self.legend_h, self.map_w, self.map_h
        minx, miny, maxx, maxy = self.city.bounds
        scale = min(frame_w / (maxx - minx), frame_h / (maxy - miny))
        # Centre the city in the frame.
        off_x = x0 + (frame_w - (maxx - minx) * scale) / 2.0
        off_y = y0 + (frame_h - (maxy - miny) * scale) / 2.0

        def to_page(xy: np.ndarray) -> np.ndarray:
            return np.column_stack([off_x + (xy[:, 0] - minx) * scale, off_y + (xy[:, 1] - miny) * scale])

        city = self.city.simplified(PRINT_TOLERANCE_PT / scale)
        canvas.saveState()
        canvas.addLiteral(f"{x0:.2f} {y0:.2f} {frame_w:.2f} {frame_h:.2f} re W n")
        self._draw_zones(canvas, city, to_page)
        _fill(canvas, path_ops(city.parks, to_page, True), PARK_COLOUR, alpha=0.55)
        _fill(canvas, path_ops(city.buildings, to_page, True), BUILDING_COLOUR, alpha=0.6)
        _stroke(canvas, path_ops(city.minor_roads, to_page, False), ROAD_COLOUR, 0.25)
        _stroke(canvas, path_ops(city.major_roads, to_page, False), MAJOR_ROAD_COLOUR, 0.9)
        _stroke(canvas, path_ops(city.boundary, to_page, True), "#000000", 0.8)
        for tier, geoms in sorted(city.priority.items()):
            _stroke(canvas, path_ops(geoms, to_page, True), priority_colour(tier), 1.6)
        self._draw_facilities(canvas, to_page, scale)
        canvas.restoreState()

        canvas.saveState()
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.6)
        canvas.rect(x0, y0, frame_w, frame_h, stroke=1, fill=0)
        _north_arrow(canvas, x0 + frame_w - 16, y0 + frame_h - 36, lang)
        _scale_bar(canvas, x0 + 8, y0 + 8, scale, frame_w, lang)
        if self.content.attribution:
            _attribution(canvas, x0 + frame_w - 3, y0 + 3, self.content.attribution)
        canvas.restoreState()
        if self.legend_beside:
            _legend(
                canvas, x0 + frame_w + 8, y0 + frame_h, LEGEND_WIDTH_PT, self.entries, title=True, lang=lang
            )
            if self.figures_w:
                left = x0 + frame_w + LEGEND_WIDTH_PT + 24
                _key_figures(canvas, left, y0 + frame_h, self.figures_w, y0, self.scenario, lang)
        else:
            for i, column in enumerate(self.legend_columns):
                left = i * (self.legend_col_w + 8.0)
                _legend(canvas, left, self.legend_h - 4, self.legend_col_w, column, title=i == 0, lang=lang)

    # -- content ------------------------------------------------------------------------------------
    def _existing_geoms(self) -> tuple[np.ndarray, list[str]]:
        """Existing facilities of the headline KPI's types, and those types' labels."""
        project = self.content.project
        if self.headline_kpi is None:
            return np.empty(0, dtype=object), []
        kpi = self.content.definition(self.headline_kpi)
        types = [t for t in kpi.facility_types if t in project.facility_types]
        existing = [project.existing_facilities(t).geometry.to_numpy() for t in types]
        geoms = np.concatenate(existing) if existing else np.empty(0, dtype=object)
        return geoms, [i18n.type_label(project.facility_types[t], self.content.lang) for t in types]

    def _placement_types(self) -> list[tuple[str, str, str, float, np.ndarray]]:
        """(type, label, colour, service radius in m, row positions) per placed facility type."""
        placements = self.scenario.placements
        colours, radii = facility_styles(self.content.project, placements["type"])
        types = []
        for type_name, rows in placements.groupby("type", sort=False).groups.items():
            at = placements.index.get_indexer(rows)
            label = str(placements["type_label"].iloc[at[0]])
            types.append((type_name, label, colours[at[0]], float(radii[at[0]]), at))
        return types

    def _legend_entries(self) -> list[_LegendEntry]:
        lang = self.content.lang

        def tr(key: str, **fields) -> str:
            return i18n.tr(lang, key, **fields)

        entries = []
        if self.headline_kpi is not None:
            kpi = self.content.definition(self.headline_kpi)
            entries.append(
                _LegendEntry("heading", "#000000", tr("legend_zones", kpi=i18n.kpi_name(kpi, lang)))
            )
            entries += [_LegendEntry("fill", colour, label) for _, _, colour, label in coverage_classes()]
            if not np.isfinite(self.scenario.zone_values[self.headline_kpi].to_numpy(dtype=float)).all():
                entries.append(_LegendEntry("fill", NO_DATA_COLOUR, tr("no_value")))
        entries.append(_LegendEntry("heading", "#000000", tr("legend_layers")))
        if len(self.city.parks):
            entries.append(_LegendEntry("fill", PARK_COLOUR, tr("legend_parks")))
        if len(self.city.buildings):
            entries.append(_LegendEntry("fill", BUILDING_COLOUR, tr("legend_buildings")))
        if len(self.city.major_roads):
            entries.append(_LegendEntry("line", MAJOR_ROAD_COLOUR, tr("legend_main_roads"), 0.9))
        if len(self.city.minor_roads):
            entries.append(_LegendEntry("line", ROAD_COLOUR, tr("legend_other_streets"), 0.25))
        for tier in sorted(self.city.priority):
            entries.append(
                _LegendEntry("outline", priority_colour(tier), tr("legend_priority", tier=tier), 1.6)
            )
        geoms, labels = self._existing_geoms()
        if len(geoms):
            entries.append(
                _LegendEntry("marker", EXISTING_COLOUR, tr("legend_existing", labels=", ".join(labels)), 1.6)
            )
        if self.types:
            entries.append(_LegendEntry("heading", "#000000", tr("legend_placements")))
        for _, label, colour, radius_m, _ in self.types:
            radius = i18n.format_general(radius_m, lang)
            entries.append(
                _LegendEntry("circle", colour, tr("legend_radius", label=label, radius=radius), 4.2)
            )
        return entries

    # -- drawing ------------------------------------------------------------------------------------
    def _draw_zones(self, canvas, city: CityLayers, to_page) -> None:
        if self.headline_kpi is None:
            _fill(canvas, path_ops(city.zones, to_page, True), "#f7f7f7")
        else:
            values = self.scenario.zone_values[self.headline_kpi].to_numpy(dtype=float)
            classes = np.full(len(values), -1)
            finite = np.isfinite(values)
            classes[finite] = np.searchsorted(COVERAGE_BREAKS, values[finite], side="right")
            for cls, colour in [(-1, NO_DATA_COLOUR), *enumerate(COVERAGE_COLOURS)]:
                _fill(canvas, path_ops(city.zones[classes == cls], to_page, True), colour)
        _stroke(canvas, path_ops(city.zones, to_page, True), "#ffffff", 0.2)

    def _draw_facilities(self, canvas, to_page, scale: float) -> None:
        geoms, _ = self._existing_geoms()
        if len(geoms):
            points = to_page(shapely.get_coordinates(shapely.point_on_surface(geoms)))
            _fill(canvas, circle_ops(points, 1.6), EXISTING_COLOUR)
        placements = self.scenario.placements
        if placements.empty:
            return
        xy = to_page(placements[["x", "y"]].to_numpy(dtype=float))
        for _, _, colour, radius_m, at in self.types:
            _stroke(canvas, circle_ops(xy[at], radius_m * scale), colour, 0.7, dash=(2.5, 1.5))
            canvas.setStrokeColor(colors.white)
            canvas.setLineWidth(0.6)
            _fill(canvas, circle_ops(xy[at], 5.0), colour, stroke=True)
        canvas.setFillColor(colors.white)
        canvas.setFont(BOLD, 5.5)
        for (px, py), number in zip(xy, placements["number"], strict=True):
            canvas.drawCentredString(px, py - 1.9, str(number))


def _fill(canvas, ops: str, colour: str, alpha: float = 1.0, stroke: bool = False) -> None:
    if not ops:
        return
    canvas.setFillColor(colors.HexColor(colour))
    canvas.setFillAlpha(alpha)
    canvas.addLiteral(ops + ("B*" if stroke else "f*"))
    canvas.setFillAlpha(1.0)


def _stroke(canvas, ops: str, colour: str, width: float, dash: tuple[float, float] | None = None) -> None:
    if not ops:
        return
    canvas.setStrokeColor(colors.HexColor(colour))
    canvas.setLineWidth(width)
    canvas.setLineJoin(1)
    if dash:
        canvas.setDash(*dash)
    canvas.addLiteral(ops + "S")
    canvas.setDash()


def _north_arrow(canvas, x: float, y: float, lang: str = "en") -> None:
    """A north arrow with its tip at (x, y + 24). The working CRS is projected, so grid north is up."""
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
    canvas.rect(x - 9, y - 9, 18, 36, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.5)
    path = canvas.beginPath()
    path.moveTo(x, y + 24)
    path.lineTo(x - 6, y + 4)
    path.lineTo(x, y + 8)
    path.close()
    canvas.drawPath(path, stroke=1, fill=1)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    path.moveTo(x, y + 24)
    path.lineTo(x + 6, y + 4)
    path.lineTo(x, y + 8)
    path.close()
    canvas.drawPath(path, stroke=1, fill=1)
    canvas.setFont(BOLD, 8)
    canvas.drawCentredString(x, y - 6, i18n.tr(lang, "north"))


def _nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10^k metres not above ``max_m``."""
    exponent = np.floor(np.log10(max_m))
    for step in (5, 2, 1):
        if step * 10**exponent <= max_m:
            return float(step * 10**exponent)
    return float(10**exponent)


def _scale_bar(canvas, x: float, y: float, scale: float, frame_w: float, lang: str = "en") -> None:
    """A two-segment scale bar about a quarter of the frame wide, on a white box."""
    length_m = _nice_length(0.25 * frame_w / scale)
    bar = length_m * scale
    label = (
        f"{i18n.format_general(length_m / 1000, lang)} km"
        if length_m >= 1000
        else f"{i18n.format_general(length_m, lang)} m"
    )
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
    canvas.rect(x - 3, y - 3, bar + 6, 17, stroke=0, fill=1)
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.4)
    canvas.setFillColor(colors.black)
    canvas.rect(x, y, bar / 2, 3, stroke=1, fill=1)
    canvas.setFillColor(colors.white)
    canvas.rect(x + bar / 2, y, bar / 2, 3, stroke=1, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont(REGULAR, 6)
    canvas.drawString(x, y + 5, "0")
    canvas.drawRightString(x + bar, y + 5, label)


def _attribution(canvas, right: float, bottom: float, text: str) -> None:
    canvas.setFont(REGULAR, 5.5)
    width = canvas.stringWidth(text, REGULAR, 5.5)
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
    canvas.rect(right - width - 3, bottom - 1, width + 4, 8, stroke=0, fill=1)
    canvas.setFillColor(colors.HexColor("#333333"))
    canvas.drawRightString(right, bottom + 1, text)


_LEGEND_FONT = 6.5
_LEGEND_LEADING = 8.0


def _entry_lines(entry: _LegendEntry, width: float) -> list[str]:
    if entry.kind == "heading":
        return simpleSplit(entry.label, BOLD, _LEGEND_FONT, width)
    return simpleSplit(entry.label, REGULAR, _LEGEND_FONT, width - 17)


def _entry_height(entry: _LegendEntry, width: float) -> float:
    gap = 1.0 if entry.kind == "heading" else 2.0
    return _LEGEND_LEADING * len(_entry_lines(entry, width)) + gap


def _legend_height(entries: list[_LegendEntry], width: float) -> float:
    return 20.0 + sum(_entry_height(e, width) for e in entries)


def _split_columns(entries: list[_LegendEntry], width: float, count: int) -> list[list[_LegendEntry]]:
    """Entries in ``count`` columns of about equal height, a heading never last in its column."""
    target = sum(_entry_height(e, width) for e in entries) / count
    columns: list[list[_LegendEntry]] = [[]]
    height = 0.0
    for entry in entries:
        h = _entry_height(entry, width)
        if height + h > target + 4 and columns[-1] and len(columns) < count:
            carried = [columns[-1].pop()] if columns[-1][-1].kind == "heading" else []
            columns.append(carried)
            height = sum(_entry_height(e, width) for e in carried)
        columns[-1].append(entry)
        height += h
    return columns


def _key_figures(
    canvas, x: float, top: float, width: float, bottom: float, scenario: ScenarioContent, lang: str = "en"
) -> None:
    """The scenario's KPIs stacked from ``top``: status colour, name, value and change from baseline.

    Rows that would pass ``bottom`` are left out (the KPI table pages list every one).
    """
    y = top - 8
    canvas.setFillColor(colors.black)
    canvas.setFont(BOLD, 8)
    canvas.drawString(x, y, i18n.tr(lang, "key_figures" if scenario.is_baseline else "key_figures_change"))
    y -= 14
    value_w = 78.0  # right-hand column: the value, its unit (wrapped) and the change
    for kpi in scenario.kpis:
        lines = simpleSplit(i18n.kpi_name(kpi, lang), REGULAR, _LEGEND_FONT, width - value_w - 14)
        number = i18n.format_number(kpi.value, lang)
        percent = kpi.unit == "%" and kpi.value is not None
        right = [(BOLD, f"{number} %" if percent else number)]
        if kpi.value is not None and not percent:
            unit = i18n.unit(kpi.unit, lang)
            right += [(REGULAR, line) for line in simpleSplit(unit, REGULAR, _LEGEND_FONT, value_w)]
        if not scenario.is_baseline and round(kpi.change or 0.0, 1) != 0:
            right.append((REGULAR, f"({i18n.format_change(kpi.change, lang)})"))
        height = max(len(lines), len(right)) * _LEGEND_LEADING + 3
        if y - height < bottom:
            break
        canvas.setFillColor(colors.HexColor(STATUS_COLOURS[kpi.status]))
        canvas.rect(x, y - 1, 7, 7, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(REGULAR, _LEGEND_FONT)
        for i, line in enumerate(lines):
            canvas.drawString(x + 11, y - i * _LEGEND_LEADING, line)
        for i, (font, text) in enumerate(right):
            canvas.setFont(font, _LEGEND_FONT)
            canvas.drawRightString(x + width, y - i * _LEGEND_LEADING, text)
        y -= height


def _legend(
    canvas, x: float, top: float, width: float, entries: list[_LegendEntry], title: bool, lang: str = "en"
) -> None:
    """Legend entries stacked downwards from ``top`` (under a title), labels wrapped to ``width``."""
    y = top - 8
    if title:
        canvas.setFillColor(colors.black)
        canvas.setFont(BOLD, 8)
        canvas.drawString(x, y, i18n.tr(lang, "legend"))
    y -= 12
    for entry in entries:
        lines = _entry_lines(entry, width)
        if entry.kind == "heading":
            canvas.setFont(BOLD, _LEGEND_FONT)
            canvas.setFillColor(colors.black)
            for line in lines:
                canvas.drawString(x, y, line)
                y -= _LEGEND_LEADING
            y -= 1
            continue
        colour = colors.HexColor(entry.colour)
        sy = y + 2
        canvas.setLineWidth(entry.width)
        if entry.kind == "fill":
            canvas.setFillColor(colour)
            canvas.setStrokeColor(colors.HexColor("#9e9e9e"))
            canvas.setLineWidth(0.3)
            canvas.rect(x, sy - 3, 12, 7, stroke=1, fill=1)
        elif entry.kind == "outline":
            canvas.setStrokeColor(colour)
            canvas.rect(x + 1, sy - 2, 10, 5, stroke=1, fill=0)
        elif entry.kind == "line":
            canvas.setStrokeColor(colour)
            canvas.line(x, sy, x + 12, sy)
        else:
            canvas.setFillColor(colour)
            canvas.setStrokeColor(colors.white)
            canvas.setLineWidth(0.5)
            canvas.circle(x + 6, sy, min(entry.width, 4), stroke=entry.kind == "circle", fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(REGULAR, _LEGEND_FONT)
        for line in lines:
            canvas.drawString(x + 17, y, line)
            y -= _LEGEND_LEADING
        y -= 2


# -- charts -------------------------------------------------------------------------------------
def district_bar_chart(
    title: str, districts: list[str], series: dict[str, list[float]], width: float
) -> Drawing:
    """Horizontal grouped bars: one group per district, one bar per scenario, values in % (0–100)."""
    bar_h = 6.0
    group_h = bar_h * len(series) + 6.0
    plot_h = group_h * len(districts)
    legend_h = 10.0 * len(series)
    height = plot_h + legend_h + 40.0
    drawing = Drawing(width, height, initialFontName=REGULAR)
    drawing.add(String(0, height - 10, title, fontName=BOLD, fontSize=7.5))
    chart = HorizontalBarChart()
    chart.x = 70
    chart.y = legend_h + 18
    chart.width = width - 80
    chart.height = plot_h
    # reportlab draws the first category at the bottom; list districts top-down instead.
    chart.data = [[0.0 if not np.isfinite(v) else v for v in values[::-1]] for values in series.values()]
    chart.categoryAxis.categoryNames = [_clip(d, 16) for d in districts[::-1]]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = "%d %%"
    chart.barWidth = bar_h
    chart.groupSpacing = 6
    chart.barSpacing = 0
    chart.bars.strokeWidth = 0
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)])
    drawing.add(chart)
    legend = Legend()
    legend.x = 70
    legend.y = legend_h + 2
    legend.fontName = REGULAR
    legend.fontSize = 6.5
    legend.dx = legend.dy = 6
    legend.deltay = 10
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]), _clip(name, 60))
        for i, name in enumerate(series)
    ]
    drawing.add(legend)
    return drawing


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
