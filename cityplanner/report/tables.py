"""Table and GIS exports of a plan: CSV, Excel (.xlsx) and a GeoPackage with QGIS styles.

The KPI rows hold exactly the record ``cityplanner kpis --json`` prints (``KpiResult.as_dict``),
preceded by the scenario and the KPI's standard, so a spreadsheet and the command line agree to
the last digit. Numbers are written unrounded; only their display format rounds.

Spreadsheet formula injection
-----------------------------
A project's text comes from files planners are sent, so a zone attribute, field name, scenario,
placement or type label may read ``=cmd|' /C calc'!A0``. Every text cell and column header of
the CSV and Excel exports goes through :func:`spreadsheet_text`, which puts a single quote
before text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (the OWASP rule
for CSV injection), so spreadsheet programs show it as text and never evaluate it. Numbers stay
numbers: a numeric column keeps its negative values as numbers, unquoted. A *text* cell is quoted
even when it reads like a number (``"-5"`` becomes ``'-5``): it was text in the project, the
export keeps it text, and telling a harmless ``-5`` from ``-5+cmd|…`` is exactly what the rule
refuses to guess.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from contextlib import closing
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..errors import ReportError
from ..kpi_status import STATUS_COLOURS
from ..progress import Progress, report
from ..project import Project
from ..store import write_failure_cause
from . import i18n
from ._common import all_replaced_atomically, attribute_table, content_for, replaced_atomically
from .content import ReportContent, ScenarioContent
from .figures import coverage_classes, priority_colour, priority_zones

KPI_COLUMNS = (
    "id",
    "code",
    "name",
    "value",
    "unit",
    "target",
    "status",
    "baseline_value",
    "name_vi",
    "change",
    "direction",
    "mode",
    "note",
)
# Columns of the placement table and their types, the same whether or not any plan places anything.
PLACEMENT_COLUMNS = {
    "scenario": "object",
    "number": "int64",
    "id": "object",
    "type": "object",
    "type_label": "object",
    "name": "object",
    "source": "object",
    "capacity": "float64",
    "marginal_gain": "float64",
    "lon": "float64",
    "lat": "float64",
    "x": "float64",
    "y": "float64",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# First characters that make a spreadsheet program read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a ``'`` before it when it starts like a formula.

    Every text cell, column header and sheet name of the CSV and Excel exports goes through here
    (see the module's notes); numbers never do.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name passed through :func:`spreadsheet_text`.

    Numeric, boolean and missing cells are left as they are, also inside text (object) columns.
    """
    out = frame.copy()
    out.columns = [spreadsheet_text(c) if isinstance(c, str) else c for c in frame.columns]
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out.isetitem(i, column.map(lambda v: spreadsheet_text(v) if isinstance(v, str) else v))
    return out


# -- frames -------------------------------------------------------------------------------------
def kpi_frame(content: ReportContent) -> pd.DataFrame:
    """One row per scenario and KPI: scenario, standard, then the ``kpis --json`` record."""
    standards = {k.id: k.standard for k in content.catalogue}
    rows = [
        {"scenario": s.name, "standard": standards[k.id], **k.as_dict()}
        for s in content.scenarios
        for k in s.kpis
    ]
    return pd.DataFrame(rows, columns=["scenario", "standard", *KPI_COLUMNS])


def zone_frame(content: ReportContent, scenario: ScenarioContent) -> pd.DataFrame:
    """The zone layer's attributes, population, priority tier and every KPI's per-zone measure.

    KPI columns are named by KPI id; ``<id>_covered`` columns hold the people covered for the
    KPIs that count people.
    """
    project = content.project
    zones = project.zones
    frame = attribute_table(zones)
    frame["population_used"] = content.population
    tiers = pd.Series(project.priority, dtype="Int64")
    frame["priority"] = pd.array([tiers.get(i, pd.NA) for i in range(len(zones))], dtype="Int64")
    covered = scenario.zone_covered.add_suffix("_covered")
    return pd.concat([frame, scenario.zone_values, covered], axis=1)


def district_frame(content: ReportContent) -> pd.DataFrame:
    """% of population covered per scenario, district (and whole city) and people-counting KPI."""
    frames = []
    for scenario in content.scenarios:
        table = content.district_coverage(scenario)
        long = (
            table.rename_axis("district")
            .reset_index()
            .melt(id_vars="district", var_name="kpi_id", value_name="percent_covered")
        )
        frames.append(long.assign(scenario=scenario.name))
    if not frames:
        return pd.DataFrame(columns=["scenario", "district", "kpi_id", "kpi_name", "percent_covered"])
    out = pd.concat(frames, ignore_index=True)
    out["kpi_name"] = out["kpi_id"].map({k.id: k.name for k in content.catalogue})
    return out[["scenario", "district", "kpi_id", "kpi_name", "percent_covered"]]


COST_COLUMNS = (
    "scenario",
    "type",
    "type_label",
    "placements",
    "unit_cost",
    "at_own_cost",
    "cost",
    "currency",
)


def cost_frame(content: ReportContent) -> pd.DataFrame:
    """The capital cost of each reported scenario: one row per facility type placed, then its total.

    Costs are :func:`cityplanner.cost.scenario_cost` (placements x the type's unit cost, or a
    placement's own cost; ``at_own_cost`` counts those), in the project's ``currency``. The total
    row of a scenario has an empty ``type`` and ``type_label`` "Total".
    """
    project = content.project
    rows = []
    for scenario in content.scenarios:
        cost = scenario.cost
        if cost is None:
            continue
        for t in cost.types:
            ftype = project.facility_types.get(t.type)
            rows.append(
                {
                    "scenario": scenario.name,
                    "type": t.type,
                    "type_label": i18n.type_label(ftype, content.lang) if ftype is not None else t.type,
                    "placements": t.count,
                    "unit_cost": t.unit_cost,
                    "at_own_cost": t.own_cost,
                    "cost": t.cost,
                    "currency": cost.currency,
                }
            )
        rows.append(
            {
                "scenario": scenario.name,
                "type": "",
                "type_label": "Total",
                "placements": cost.placements,
                "unit_cost": float("nan"),
                "at_own_cost": sum(t.own_cost for t in cost.types),
                "cost": cost.total,
                "currency": cost.currency,
            }
        )
    return pd.DataFrame(rows, columns=list(COST_COLUMNS)).astype(
        {"placements": "int64", "unit_cost": "float64", "at_own_cost": "int64", "cost": "float64"}
    )


def placement_frame(content: ReportContent) -> pd.DataFrame:
    """Every reported plan's placements, with WGS84 and working-CRS coordinates."""
    frames = [s.placements.assign(scenario=s.name) for s in content.scenarios if not s.placements.empty]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(PLACEMENT_COLUMNS))
    return table[list(PLACEMENT_COLUMNS)].astype(PLACEMENT_COLUMNS)


# -- CSV ----------------------------------------------------------------------------------------
def write_csv(
    project: Project,
    scenarios: list[str] | None,
    folder: str | os.PathLike,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
) -> list[Path]:
    """Write ``kpis.csv``, ``districts.csv``, ``placements.csv`` and ``zones_<scenario>.csv``.

    Files are UTF-8 with a byte-order mark, so Excel shows Vietnamese names correctly, and CRLF
    line ends; fields holding a line break are quoted. Text that starts like a formula is quoted
    (:func:`spreadsheet_text`). Either every file is written or none changes (each is written to
    a temporary file first).

    Parameters
    ----------
    project, scenarios, progress, content
        As for :func:`cityplanner.report.pdf.write_pdf`.
    folder : path-like
        Folder to write into (created if missing).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ReportError
        If the folder cannot be created or a file cannot be written (one sentence naming the
        folder and the cause); no file is left changed or half-written then.
    """
    content = content_for(project, scenarios, content, progress)
    report(progress, 0.6, "Writing CSV files")
    out = Path(folder)
    tables = {
        "kpis.csv": kpi_frame(content),
        "districts.csv": district_frame(content),
        "placements.csv": placement_frame(content),
    }
    slugs = _unique_slugs([s.name for s in content.scenarios])
    for scenario, slug in zip(content.scenarios, slugs, strict=True):
        tables[f"zones_{slug}.csv"] = zone_frame(content, scenario)
    targets = write_csv_files(out, tables)
    report(progress, 1.0, "CSV files written")
    return targets


def write_csv_files(out: Path, tables: dict[str, pd.DataFrame], what: str = "CSV files") -> list[Path]:
    """Write each frame of ``tables`` as the CSV file of its name in ``out``, all or none.

    UTF-8 with a byte-order mark, CRLF, text made safe with :func:`spreadsheet_text` (see
    :func:`write_csv`); the batch's tables are written here too. ``what`` names the files in an
    error.
    """
    targets = [out / name for name in tables]
    # All files or none: each is written to a temporary file beside it, and they replace the old
    # files only when every one is written.
    with all_replaced_atomically(targets, what, out) as temporaries:
        for tmp, frame in zip(temporaries, tables.values(), strict=True):
            # CRLF line ends (RFC 4180) make the csv module quote every field holding a CR or LF:
            # with LF alone a bare CR split a row in Excel, letting "\r=cmd…" start a cell.
            text = spreadsheet_frame(frame).to_csv(index=False, lineterminator="\r\n")
            with open(tmp, "wb") as fh:
                fh.write(text.encode("utf-8-sig"))
    return targets


# -- Excel --------------------------------------------------------------------------------------
def write_xlsx(
    project: Project,
    scenarios: list[str] | None,
    path: str | os.PathLike,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
) -> Path:
    """Write the KPI, district, placement and per-zone tables to one Excel workbook.

    Sheets: ``KPIs`` (every scenario), ``Districts``, ``Placements``, ``Costs`` (the capital cost
    of each scenario, :func:`cost_frame`) and ``Zones <n>`` per scenario (sheet names are limited
    to 31 characters; each zone sheet names its scenario in its first column). Text that starts
    like a formula is quoted (:func:`spreadsheet_text`), so no cell is ever a formula.

    Parameters
    ----------
    project, scenarios, progress, content
        As for :func:`cityplanner.report.pdf.write_pdf`.
    path : path-like
        The workbook to write (replaced atomically when it exists).

    Returns
    -------
    Path
        The workbook written.

    Raises
    ------
    ReportError
        If the file cannot be written.
    """
    content = content_for(project, scenarios, content, progress)
    report(progress, 0.6, "Writing the workbook")
    sheets = {
        "KPIs": kpi_frame(content),
        "Districts": district_frame(content),
        "Placements": placement_frame(content),
        "Costs": cost_frame(content),
    }
    for i, scenario in enumerate(content.scenarios):
        name = spreadsheet_text(_SHEET_FORBIDDEN.sub(" ", f"Zones {i} {scenario.name}")[:31])
        sheets[name] = zone_frame(content, scenario).assign(scenario=scenario.name)
        sheets[name] = sheets[name][["scenario", *sheets[name].columns[:-1]]]
    target = write_workbook(path, sheets)
    report(progress, 1.0, "Workbook written")
    return target


def write_workbook(path: str | os.PathLike, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``sheets`` (name: frame) as one Excel workbook, replaced atomically.

    Text is made safe with :func:`spreadsheet_text`; headers bold and frozen, floats shown with
    one decimal, statuses coloured (:func:`_format_sheet`). The batch's workbook is written here
    too.

    Raises
    ------
    ReportError
        If the file cannot be written.
    """
    target = Path(path)
    try:
        data = _workbook_bytes(sheets)
    except OSError as err:
        # openpyxl writes each sheet to a temporary file of the system's before zipping them.
        cause = write_failure_cause(err, Path(tempfile.gettempdir()))
        raise ReportError(f"The workbook {target} cannot be written: {cause}.") from None
    except ValueError as err:  # a value openpyxl refuses
        raise ReportError(f"The workbook {target} cannot be written ({err}).") from None
    with replaced_atomically(target, "workbook") as tmp:
        tmp.write_bytes(data)
    return target


def _workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The workbook as bytes, so only one plain write goes to the target's folder."""
    buffer = io.BytesIO()
    try:
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = spreadsheet_frame(frame)
                safe.to_excel(writer, sheet_name=name, index=False)
                _format_sheet(writer.sheets[name], safe)
    except OSError as err:
        _discard_sheet_streams(err)
        raise
    return buffer.getvalue()


def _discard_sheet_streams(err: OSError) -> None:
    """Close what openpyxl left open when ``err`` stopped it, and remove its sheet files.

    openpyxl leaves the XML stream of the sheet it was writing and the zip archive open; closing
    them when they are garbage-collected fails again and prints "Exception ignored ... Traceback".
    Its temporary sheet file would stay until the program ends.
    """
    tb = err.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            steps = []
            stream = getattr(value, "xf", None)
            if inspect.isgenerator(stream) and callable(getattr(value, "cleanup", None)):
                steps = [stream.close, value.cleanup]
            elif isinstance(value, zipfile.ZipFile):
                steps = [value.close]
            for step in steps:
                try:
                    step()
                except (OSError, ValueError):
                    pass
        tb = tb.tb_next


def _format_sheet(sheet, frame: pd.DataFrame) -> None:
    """Bold frozen header, readable widths, one-decimal display of floats, coloured statuses."""
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(i)
        values = frame[column]
        text_width = max((len(str(v)) for v in values.head(200)), default=0)
        sheet.column_dimensions[letter].width = min(max(len(str(column)), text_width) + 2, 50)
        if pd.api.types.is_float_dtype(values):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0.0"
    if "status" in frame.columns:
        col = list(frame.columns).index("status") + 1
        for (cell,) in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
            colour = STATUS_COLOURS.get(str(cell.value), "#ffffff").lstrip("#")
            cell.fill = PatternFill("solid", fgColor=colour)


# -- GeoPackage ---------------------------------------------------------------------------------
def write_gpkg(
    project: Project,
    scenarios: list[str] | None,
    path: str | os.PathLike,
    progress: Progress | None = None,
    *,
    content: ReportContent | None = None,
) -> Path:
    """Write placements, per-zone metrics and priority zones as GeoPackage layers QGIS styles on open.

    Layers (in the project's working CRS): ``placements`` (every reported plan, with WGS84
    ``lon``/``lat``), ``zone_metrics_<scenario>`` (zone attributes, population, priority and each
    KPI's per-zone measure) and ``priority_zones``. Their QGIS styles are stored as QML in the
    ``layer_styles`` table (as QGIS does), marked default, so QGIS draws placements by facility
    colour, zones by the map's coverage classes and priority zones by tier.

    Parameters
    ----------
    project, scenarios, progress, content
        As for :func:`cityplanner.report.pdf.write_pdf`.
    path : path-like
        The GeoPackage to write (replaced atomically when it exists).

    Returns
    -------
    Path
        The GeoPackage written.

    Raises
    ------
    ReportError
        If the file cannot be written.
    """
    content = content_for(project, scenarios, content, progress)
    report(progress, 0.6, "Writing the GeoPackage")
    headline = content.headline_kpi()
    styles: dict[str, str] = {}
    layers: dict[str, gpd.GeoDataFrame] = {}

    placements = placement_frame(content)
    layers["placements"] = gpd.GeoDataFrame(
        placements,
        geometry=gpd.points_from_xy(placements["x"].astype(float), placements["y"].astype(float)),
        crs=project.crs,
    )
    styles["placements"] = categorized_qml(
        "type",
        [
            (name, ft.label, ft.color)
            for name, ft in project.facility_types.items()
            if name in set(placements["type"])
        ],
        "marker",
    )
    zone_geoms = project.zones.geometry.to_numpy()
    for scenario, slug in zip(
        content.scenarios, _unique_slugs([s.name for s in content.scenarios]), strict=True
    ):
        name = f"zone_metrics_{slug}"
        frame = zone_frame(content, scenario)
        frame.insert(0, "scenario", scenario.name)
        layers[name] = gpd.GeoDataFrame(frame, geometry=zone_geoms, crs=project.crs)
        if headline is not None:
            styles[name] = _graduated_qml(headline)
    if project.priority:
        zones, tiers = priority_zones(project)
        layers["priority_zones"] = gpd.GeoDataFrame(
            attribute_table(zones).assign(priority=tiers), geometry=zones.geometry.to_numpy(), crs=project.crs
        )
        styles["priority_zones"] = categorized_qml(
            "priority",
            [(str(t), f"Priority tier {t}", priority_colour(t)) for t in sorted(set(tiers.tolist()))],
            "outline",
        )
    # The placements' type is declared: GDAL cannot infer the type of an empty layer (a
    # baseline-only export).
    target = write_styled_gpkg(path, layers, styles, geometry_types={"placements": "Point"})
    report(progress, 1.0, "GeoPackage written")
    return target


def write_styled_gpkg(
    path: str | os.PathLike,
    layers: dict[str, gpd.GeoDataFrame],
    styles: dict[str, str],
    *,
    geometry_types: dict[str, str] | None = None,
    promote_to_multi: bool | None = None,
) -> Path:
    """Write ``layers`` (name: frame) to one GeoPackage, replaced atomically, with QGIS ``styles``.

    ``styles`` maps layer names to QML (:func:`categorized_qml`...), stored as the layers' default
    styles (:func:`_write_layer_styles`). ``geometry_types`` declares a layer's type (for empty
    layers); ``promote_to_multi`` as GeoPandas' ``to_file``. The batch's GeoPackage is written here too.

    Raises
    ------
    ReportError
        If the file cannot be written.
    """
    target = Path(path)
    types = geometry_types or {}
    with replaced_atomically(target, "GeoPackage") as tmp:
        for name, gdf in layers.items():
            gdf.to_file(
                tmp,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                geometry_type=types.get(name),
                promote_to_multi=promote_to_multi,
            )
        _write_layer_styles(tmp, styles)
    return target


def _write_layer_styles(path: Path, styles: dict[str, str]) -> None:
    """Store QML styles in the ``layer_styles`` table QGIS reads when it opens a layer."""
    with closing(sqlite3.connect(path)) as db, db:
        geometry_columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        db.execute(
            """CREATE TABLE IF NOT EXISTS layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
                f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
                styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
                update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""
        )
        db.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')"
        )
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
            "styleName, styleQML, styleSLD, useAsDefault, description, owner) "
            "VALUES ('', '', ?, ?, ?, ?, '', 1, 'CityPlanner report style', '')",
            [(table, geometry_columns.get(table, "geom"), table, qml) for table, qml in styles.items()],
        )


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _symbol(index: int, kind: str, colour: str) -> str:
    """A QGIS symbol: ``marker`` (filled circle), ``fill`` (solid) or ``outline`` (hollow polygon)."""
    if kind == "marker":
        symbol_type, layer_class = "marker", "SimpleMarker"
        options = {
            "name": "circle",
            "color": _rgba(colour),
            "size": "3.2",
            "outline_color": "255,255,255,255",
            "outline_width": "0.4",
        }
    else:
        symbol_type, layer_class = "fill", "SimpleFill"
        options = {
            "color": _rgba(colour, 0 if kind == "outline" else 200),
            "style": "no" if kind == "outline" else "solid",
            "outline_color": _rgba(colour) if kind == "outline" else "255,255,255,255",
            "outline_width": "0.8" if kind == "outline" else "0.1",
        }
    option_xml = "".join(
        f'<Option type="QString" name="{key}" value="{value}"/>' for key, value in options.items()
    )
    return (
        f'<symbol type="{symbol_type}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_class}" enabled="1" pass="0" locked="0">'
        f'<Option type="Map">{option_xml}</Option></layer></symbol>'
    )


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="3.28.0" styleCategories="Symbology">{renderer}</qgis>\n'
    )


def categorized_qml(field: str, categories: list[tuple[str, str, str]], kind: str) -> str:
    """A QGIS style colouring ``field``'s values: categories as (value, label, colour); ``kind`` as
    :func:`_symbol`'s."""
    items = "".join(
        f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(label)} render="true"/>'
        for i, (value, label, _) in enumerate(categories)
    )
    symbols = "".join(_symbol(i, kind, colour) for i, (_, _, colour) in enumerate(categories))
    return _qml(
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
        f'enableorderby="0" forceraster="0"><categories>{items}</categories>'
        f"<symbols>{symbols}</symbols></renderer-v2>"
    )


def _graduated_qml(field: str) -> str:
    """The PDF map's coverage classes (0–20 … 80–100 %) on ``field``."""
    classes = coverage_classes()
    ranges = "".join(
        f'<range symbol="{i}" lower="{lo:g}" upper="{hi:g}" label={quoteattr(label)} render="true"/>'
        for i, (lo, hi, _, label) in enumerate(classes)
    )
    symbols = "".join(_symbol(i, "fill", colour) for i, (_, _, colour, _) in enumerate(classes))
    return _qml(
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} graduatedMethod="GraduatedColor" '
        f'symbollevels="0" enableorderby="0" forceraster="0"><ranges>{ranges}</ranges>'
        f"<symbols>{symbols}</symbols></renderer-v2>"
    )


# Longest scenario slug in file and table names (with the rest of a file name, far under 255 bytes).
SLUG_CHARS = 60


def _unique_slugs(names: list[str]) -> list[str]:
    """ASCII, lower-case, underscore names for files and tables, unique within the list."""
    slugs: list[str] = []
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
        ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
        # Short enough for any file system (a 5,005-character scenario name made the CSV export
        # fail with "File name too long"); uniqueness comes from the suffix below.
        slug = slug[:SLUG_CHARS].rstrip("_") or "scenario"
        candidate, i = slug, 2
        while candidate in slugs:
            candidate, i = f"{slug}_{i}", i + 1
        slugs.append(candidate)
    return slugs
