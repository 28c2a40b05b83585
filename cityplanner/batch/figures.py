"""Figures of a batch: a ranking chart and a choropleth map per KPI, an offline HTML map, a PDF.

Charts and maps are drawn with matplotlib (Agg, no display) as PNG; the PDF (reportlab, DejaVu
Sans so Vietnamese names print) places them with the summary tables. The HTML map is built as
the plan report's map is (:mod:`cityplanner.report.html`): Leaflet inlined, every name and value
in one JSON document in a ``<script type="application/json">`` element, project text put in the
page only as DOM text or HTML-escaped here; no template engine.

Classes: KPIs in % are shaded in the report's fixed classes (0-20 ... 80-100 %), so every map
reads the same; other KPIs in up to five quantile classes of the units' values. Units where the
KPI is n/a (or that failed) are grey.
"""

from __future__ import annotations

import datetime as dt
import io
from html import escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ReportError
from ..io import working_crs_for
from ..report._common import replaced_atomically
from ..report.figures import COVERAGE_COLOURS, NO_DATA_COLOUR, STATUS_COLOURS, coverage_classes
from ..report.html import _inline_leaflet, _map_script, _MapLayer, script_json
from .outputs import numeric_values, unit_outlines
from .run import BatchResult, slug

DPI = 110
# HTML outlines are simplified to this many degrees (about 1 m) and rounded to 1e-6 degrees.
HTML_SIMPLIFY_DEG = 1e-5


def write_figures(result: BatchResult, kpis: pd.DataFrame, units: pd.DataFrame, out: Path) -> list[Path]:
    """Write ``charts/rank_<kpi>.png``, ``maps/map_<kpi>.png``, ``map.html`` and ``summary.pdf``."""
    outlines = unit_outlines(result)
    definitions = _definitions(kpis)
    charts: dict[str, Path] = {}
    maps: dict[str, Path] = {}
    canvas = _MapCanvas(_metric_outlines(outlines))
    for kpi_id, info in definitions.items():
        values = numeric_values(kpis, kpi_id).reindex(outlines.index)
        rows = kpis[kpis["kpi"] == kpi_id].set_index("unit")
        statuses = rows["status"].reindex(outlines.index).fillna("n/a")
        classes = value_classes(values, info["unit"])
        charts[kpi_id] = _save_png(
            out / "charts" / f"rank_{slug(kpi_id)}.png", _ranking_chart(values, statuses, info)
        )
        maps[kpi_id] = _save_png(out / "maps" / f"map_{slug(kpi_id)}.png", canvas.draw(values, classes, info))
    files = [*charts.values(), *maps.values()]
    files.append(_write_html(out / "map.html", result, kpis, outlines, definitions))
    files.append(_write_pdf(out / "summary.pdf", result, kpis, units, definitions, charts, maps))
    return files


def _definitions(kpis: pd.DataFrame) -> dict[str, dict]:
    """Name, code, unit, target and direction of each KPI in the table, in catalogue order."""
    first = kpis.drop_duplicates("kpi")
    return {
        row.kpi: {
            "name": row.name,
            "code": row.code,
            "unit": row.unit_of_measure,
            "target": row.target,
            "direction": row.direction,
        }
        for row in first.itertuples(index=False)
    }


# -- classes -------------------------------------------------------------------------------------
def value_classes(values: pd.Series, unit: str) -> list[tuple[float, float, str, str]]:
    """Classes ``(low, high, colour, label)`` for a KPI's values (see the module notes)."""
    if unit.strip() == "%":
        return coverage_classes()
    finite = np.unique(values.to_numpy(dtype=float)[np.isfinite(values.to_numpy(dtype=float))])
    if finite.size == 0:
        return []
    k = int(min(5, finite.size))
    edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, k + 1)))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    colours = [
        COVERAGE_COLOURS[int(round(i))] for i in np.linspace(0, len(COVERAGE_COLOURS) - 1, edges.size - 1)
    ]
    return [
        (float(lo), float(hi), colour, f"{_number(lo)} – {_number(hi)}")
        for lo, hi, colour in zip(edges[:-1], edges[1:], colours, strict=True)
    ]


def class_colour(value: float, classes: list[tuple[float, float, str, str]]) -> str:
    """The colour of ``value``'s class (the no-data grey for NaN)."""
    if value is None or not np.isfinite(value) or not classes:
        return NO_DATA_COLOUR
    for _low, high, colour, _ in classes:
        if value <= high:
            return colour
    return classes[-1][2]


def _number(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    return f"{value:,.0f}" if magnitude >= 1000 else f"{value:,.1f}" if magnitude >= 10 else f"{value:,.2f}"


# -- PNG ------------------------------------------------------------------------------------------
# Figures are drawn on matplotlib's Agg canvas directly (no pyplot: no global state, no display),
# with fixed margins (constrained layout measures every label again and costs most of the time).
def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _save_png(path: Path, figure) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    with replaced_atomically(path, "figure") as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path


def _title(info: dict) -> str:
    better = "higher" if info["direction"] == "higher" else "lower"
    return f"{info['name']} ({info['unit']}; {better} is better, target {_number(info['target'])})"


def _ranking_chart(values: pd.Series, statuses: pd.Series, info: dict):
    """Units as horizontal bars, best at the top, coloured by status; n/a units listed below."""
    ascending = info["direction"] == "lower"
    known = values[np.isfinite(values.to_numpy(dtype=float))].sort_values(ascending=ascending, kind="stable")
    missing = [u for u in values.index if u not in known.index]
    names = [_clip(n, 40) for n in [*known.index, *missing]]
    width_in, row_in = 8.0, 0.24
    height_in = 1.1 + row_in * max(len(names), 3)
    label_in = min(0.3 + 0.075 * max((len(n) for n in names), default=4), 3.2)
    figure = _figure(width_in, height_in)
    ax = figure.add_axes(
        (label_in / width_in, 0.55 / height_in, 1 - (label_in + 0.5) / width_in, 1 - 1.0 / height_in)
    )
    y = np.arange(len(names))[::-1]
    bars = [*known.to_numpy(dtype=float), *([0.0] * len(missing))]
    colours = [STATUS_COLOURS.get(statuses.get(u, "n/a"), NO_DATA_COLOUR) for u in [*known.index, *missing]]
    ax.barh(y, bars, color=colours, height=0.7)
    for yi in y[len(known) :]:
        ax.text(0, yi, "  n/a", va="center", fontsize=8, color="#555555")
    for yi, value in zip(y[: len(known)], known.to_numpy(dtype=float), strict=True):
        ax.text(value, yi, f" {_number(value)}", va="center", fontsize=7.5)
    target = info["target"]
    if target is not None and np.isfinite(target):
        ax.axvline(target, color="#333333", linestyle="--", linewidth=1)
    ax.set_yticks(y, labels=names, fontsize=8)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.set_xlabel(info["unit"], fontsize=8)
    figure.suptitle(_clip(_title(info), 110), fontsize=9.5, y=1 - 0.12 / height_in, va="top")
    ax.spines[["top", "right"]].set_visible(False)
    top = max([*bars, target if target is not None and np.isfinite(target) else 0.0, 1e-9])
    ax.set_xlim(0, top * 1.15)
    return figure


def _metric_outlines(outlines: gpd.GeoSeries) -> gpd.GeoSeries:
    """The outlines in the UTM zone of their centre, for undistorted maps."""
    present = outlines[~outlines.is_empty]
    if present.empty:
        return outlines
    return outlines.to_crs(working_crs_for(gpd.GeoDataFrame(geometry=present)))


class _MapCanvas:
    """The units drawn once; each KPI's map only recolours them and changes title and legend."""

    def __init__(self, outlines: gpd.GeoSeries) -> None:
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path as MplPath

        self.present = ~outlines.is_empty.to_numpy()
        geoms = outlines.to_numpy()[self.present]
        self.figure = _figure(8.0, 7.0)
        self.ax = self.figure.add_axes((0.01, 0.01, 0.98, 0.91))
        self.ax.set_axis_off()
        self.ax.set_aspect("equal")
        patches = []
        if len(geoms):
            xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
            # A 1,500th of the map's extent is under a pixel of the 8-inch figure.
            geoms = shapely.simplify(geoms, max(xmax - xmin, ymax - ymin) / 1500.0, preserve_topology=True)
            for geom in geoms:
                vertices, codes = [], []
                for polygon in shapely.get_parts(geom):
                    for ring in [polygon.exterior, *polygon.interiors]:
                        xy = np.asarray(ring.coords)
                        vertices.append(xy)
                        codes.append(
                            [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
                        )
                path = (
                    MplPath(np.concatenate(vertices), np.concatenate(codes))
                    if vertices
                    else MplPath([[0, 0]])
                )
                patches.append(PathPatch(path))
            self.ax.set_xlim(xmin, xmax)
            self.ax.set_ylim(ymin, ymax)
        self.collection = PatchCollection(patches, edgecolor="#ffffff", linewidth=0.6)
        self.ax.add_collection(self.collection)
        self.title = self.figure.suptitle("", fontsize=9.5, y=0.985, va="top")
        self.legend = None

    def draw(self, values: pd.Series, classes, info: dict):
        from matplotlib.patches import Patch

        colours = [class_colour(v, classes) for v in values.to_numpy(dtype=float)[self.present]]
        self.collection.set_facecolor(colours)
        self.title.set_text(_clip(_title(info), 110))
        if self.legend is not None:
            self.legend.remove()
        handles = [Patch(facecolor=c, edgecolor="#999999", label=label) for _, _, c, label in classes]
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999", label="n/a"))
        self.legend = self.ax.legend(
            handles=handles,
            loc="lower left",
            fontsize=7.5,
            title=info["unit"],
            title_fontsize=8,
            framealpha=0.9,
        )
        return self.figure


def _clip(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


# -- HTML -----------------------------------------------------------------------------------------
def _write_html(
    path: Path, result: BatchResult, kpis: pd.DataFrame, outlines: gpd.GeoSeries, definitions
) -> Path:
    present = ~outlines.is_empty.to_numpy()
    geoms = shapely.simplify(outlines.to_numpy(), HTML_SIMPLIFY_DEG, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 1e-6)
    layers = []
    legends = []
    for i, (kpi_id, info) in enumerate(definitions.items()):
        rows = kpis[kpis["kpi"] == kpi_id].set_index("unit")
        values = rows["value"].reindex(outlines.index)
        classes = value_classes(values, info["unit"])
        table = pd.DataFrame(
            {
                "unit": outlines.index,
                info["name"]: [f"{_number(v)} {info['unit']}" if np.isfinite(v) else "n/a" for v in values],
                "status": rows["status"].reindex(outlines.index).fillna("failed").to_numpy(),
                "rank": [_rank_text(r) for r in rows["rank"].reindex(outlines.index)],
                "population": [_number(p) for p in rows["population"].reindex(outlines.index)],
            }
        )
        fill = np.array([class_colour(v, classes) for v in values.to_numpy(dtype=float)])
        layers.append(
            _MapLayer(
                name=f"{info['name']} ({info['unit']})",
                geometries=geoms[present],
                values=table[present],
                style={"fillOpacity": 0.75, "color": "#ffffff", "weight": 1},
                show=i == 0,
                feature_style={"fillColor": fill[present]},
            )
        )
        legends.append((info, classes))
    west, south, east, north = (
        outlines[present].total_bounds if present.any() else np.array([-180.0, -85.0, 180.0, 85.0])
    )
    data = {
        "bounds": [[float(south), float(west)], [float(north), float(east)]],
        "padding": 10,
        "zoomSnap": 0.25,
        "attribution": "",
        "layers": [layer.to_json() for layer in layers],
    }
    title = f"{result.spec.name}: KPIs of {len(result.units)} units"
    page = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{escape(title)}</title>\n{_inline_leaflet()}\n{_CSS}\n</head>\n<body>\n"
        f'<div id="cp-map"></div>\n{_panel(title, result, legends)}\n'
        f'<script type="application/json" id="cp-map-data">{script_json(data)}</script>\n'
        f"<script>{_map_script()}</script>\n</body>\n</html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path, "map") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def _rank_text(rank) -> str:
    return "" if rank is None or pd.isna(rank) else str(int(rank))


_CSS = """<style>
html,body{width:100%;height:100%;margin:0;padding:0}
#cp-map{position:absolute;top:0;bottom:0;right:0;left:0}
.leaflet-container{font:12px/1.4 "DejaVu Sans",Arial,sans-serif}
.cp-popup th{text-align:left;padding-right:6px;vertical-align:top}
.cp-panel{position:fixed;left:10px;bottom:48px;z-index:1000;max-height:70vh;max-width:min(380px,45vw);overflow:auto;
background:rgba(255,255,255,.95);border:1px solid #999;border-radius:4px;padding:4px 8px;
font:12px/1.3 "DejaVu Sans",Arial,sans-serif}
.cp-panel summary{font-weight:bold;cursor:pointer}
.cp-legend span{display:inline-block;width:12px;height:10px;margin-right:4px;border:1px solid #999}
.cp-panel .vi{color:#555;font-size:11px}
</style>"""


def _panel(title: str, result: BatchResult, legends) -> str:
    parts = ['<div class="cp-panel"><details open><summary>', escape(title), "</summary>"]
    failed = result.failed
    parts.append(
        f"<div class='vi'>{len(result.units) - len(failed)} units evaluated"
        + (f", {len(failed)} failed" if failed else "")
        + ". Choose the KPI in the layer control (top right).</div>"
    )
    for info, classes in legends:
        parts.append(f"<details><summary>{escape(str(info['name']))}</summary><div class='cp-legend'>")
        for _, _, colour, label in classes:
            parts.append(
                f'<span style="background:{colour}"></span>{escape(label)} {escape(info["unit"])}<br>'
            )
        parts.append(f'<span style="background:{NO_DATA_COLOUR}"></span>n/a</div></details>')
    parts.append("</details></div>")
    return "".join(parts)


# -- PDF ------------------------------------------------------------------------------------------
def _write_pdf(path: Path, result, kpis, units, definitions, charts, maps) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from ..report.fonts import BOLD, REGULAR, register_fonts

    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=8.6, spaceAfter=0)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.2, leading=8.8, spaceAfter=0)
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=16, leading=20, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=6)

    def p(text, style=cell):
        return Paragraph(xml_escape(str(text)), style)

    def table(rows, widths):
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#bdbdbd")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    width = A4[0] - 30 * mm
    ok = [o for o in result.units if o.ok]
    population = float(sum(o.record.get("population") or 0.0 for o in ok))
    story: list = [
        Paragraph(xml_escape(result.spec.name), h1),
        p(
            f"KPI benchmark of {len(result.units)} units, {dt.date.today().isoformat()}: {len(ok)} evaluated "
            f"({result.cached} from the cache), {len(result.failed)} failed; {population:,.0f} people in the "
            "units evaluated.",
            body,
        ),
    ]
    if result.spec.form == "units":
        story.append(
            p(
                f"Each unit holds the people of the population zones inside it (zones its border crosses "
                f"share their census by area) and the facilities within {result.reach_m:,.0f} m of it (the "
                f"longest KPI threshold), streets within {result.roads_reach_m:,.0f} m; its population "
                "surface and street network are built and the KPI catalogue is evaluated for the baseline, "
                "as for a project made by hand from the same zones and layers. Units without a road layer "
                "are measured in straight lines; KPIs whose inputs are absent are n/a.",
                small,
            )
        )
    rows = [[p(h) for h in ("KPI", "met", "near", "not met", "n/a", "best unit", "worst unit", "median")]]
    for kpi_id, info in definitions.items():
        sub = kpis[kpis["kpi"] == kpi_id]
        counts = sub["status"].value_counts()
        values = numeric_values(kpis, kpi_id).dropna()
        if len(values):
            ordered = values.sort_values(ascending=info["direction"] == "lower", kind="stable")
            best, worst, median = ordered.index[0], ordered.index[-1], float(values.median())
        else:
            best = worst = "–"
            median = float("nan")
        rows.append(
            [
                p(f"{info['name']} ({info['unit']})"),
                *[p(int(counts.get(s, 0))) for s in ("met", "near", "not met", "n/a")],
                p(best),
                p(worst),
                p(_number(median)),
            ]
        )
    story += [
        Paragraph("KPIs across the network", h2),
        table(rows, _widths(width, [30, 6, 6, 7, 6, 17, 17, 11])),
    ]
    if result.failed:
        story.append(Paragraph("Units that failed", h2))
        story.append(table([[p("unit"), p("error")]] + [[p(o.name), p(o.error)] for o in result.failed],
                           _widths(width, [22, 78])))  # fmt: skip
    story.append(Paragraph("Units", h2))
    unit_rows = [
        [p(h) for h in ("unit", "population", "distances", "people placed", "met", "near", "not met", "n/a")]
    ]
    for row in units.itertuples(index=False):
        if row.state != "ok":
            continue
        unit_rows.append(
            [
                p(row.unit),
                p(_number(row.population)),
                p(row.distance_mode),
                p(row.demand_method),
                *[p(_int(v)) for v in (row.met, row.near, row.not_met, row.n_a)],
            ]
        )
    story.append(table(unit_rows, _widths(width, [28, 14, 12, 14, 8, 8, 8, 8])))
    if result.spec.proposal is not None:
        story += _proposal_section(result, units, p, table, width, small, h2)
    for kpi_id, info in definitions.items():
        story += [PageBreak(), Paragraph(xml_escape(f"{info['name']} ({info['code']})"), h2)]
        story.append(p(_title(info), small))
        story.append(Spacer(1, 4))
        story.append(_image(Image, charts[kpi_id], width, 120 * mm))
        story.append(_image(Image, maps[kpi_id], width, 110 * mm))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=result.spec.name,
        creator="CityPlanner",
        initialFontName=REGULAR,
    )
    try:
        document.build(story)
    except (OSError, ValueError) as err:
        raise ReportError(f"The summary {path} cannot be written ({err}).") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path, "summary") as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path


def _proposal_section(result, units, p, table, width, small, h2) -> list:
    """The proposal of every unit: its sites, their cost, the people they cover, the KPIs met."""
    from reportlab.platypus import Paragraph

    spec = result.spec.proposal
    limit = (
        f"a budget of {_number(spec['budget'])}" if spec["budget"] is not None else f"{spec['sites']} sites"
    )
    candidates = "the street vertices" if spec["candidates"] == "network" else f"a {spec['grid']:g} m grid"
    rows = [[p(h) for h in ("unit", "new sites", "cost", "people covered", "KPIs met", "note")]]
    for row, outcome in zip(units.itertuples(index=False), result.units, strict=True):
        if row.state != "ok":
            continue
        proposal = outcome.record.get("proposal") or {}
        met = sum(r["status"] == "met" for r in proposal.get("rows") or [])
        share = 100.0 * row.proposal_covered / row.population if row.population else float("nan")
        rows.append(
            [
                p(row.unit),
                p(_int(row.proposal_sites)),
                p(f"{_number(row.proposal_cost)} {row.currency}".strip()),
                p(f"{_number(row.proposal_covered)} ({_number(share)} %)"),
                p(f"{_int(row.met)} → {met}"),
                p(
                    row.proposal_error
                    or ("" if _true(row.proposal_optimal) else "best found in the time limit")
                ),
            ]
        )
    return [
        Paragraph(xml_escape(f"Proposal: {spec['name']}"), h2),
        p(
            f"New {spec['type']} sites in every unit for {limit}, chosen by the maximal covering model on "
            f"the unit's population surface (candidates: {candidates}), at the facility type's unit "
            "cost; people covered are those within its radius.",
            small,
        ),
        table(rows, _widths(width, [24, 10, 18, 20, 10, 18])),
    ]


def _widths(total: float, shares: list[float]) -> list[float]:
    return [total * s / sum(shares) for s in shares]


def _true(value) -> bool:
    """A nullable boolean cell is True (not False, not missing)."""
    return bool(pd.notna(value) and value)


def _int(value) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _image(image_class, path: Path, max_width: float, max_height: float):
    """A PNG scaled to fit ``max_width`` x ``max_height``, keeping its shape."""
    from PIL import Image as PILImage

    with PILImage.open(path) as img:
        w, h = img.size
    scale = min(max_width / w, max_height / h)
    return image_class(str(path), width=w * scale, height=h * scale)
