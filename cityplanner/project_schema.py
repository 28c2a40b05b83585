"""What a project file may hold, and the checks everything read from one goes through.

A ``.cityplan`` is a GeoPackage anyone can open in QGIS or any SQLite tool and change, and files
travel by e-mail and USB stick, so nothing read from one is trusted: :func:`cityplanner.store.load_project`
runs every read through a :class:`LoadCheck`, which checks the file against the schema declared
here (:data:`TABLES`, :data:`SETTINGS`, :data:`STYLE_FIELDS`). What fails is either

* **refused**: the load fails with one sentence naming the file and the part (a missing or
  unreadable zone layer, a working CRS that is not a projected CRS in metres, a table replaced by an
  SQL view ...), raised as :class:`~cityplanner.errors.ProjectError`; or
* **dropped**: the project opens without the bad part and one :class:`ProjectWarning` says what
  was left out and why (a placement without a geometry or of an unknown facility type, a priority
  tier out of range, a setting of the wrong type, an unreadable style, an SQL view ...).

Reads are bounded: no value over :data:`MAX_CELL_BYTES` is read (SQLite's own length limit on the
private copy the loader reads from), SQL views are dropped from that copy before anything is read
(a recursive view would otherwise never finish), computed columns are dropped too, and JSON is
parsed only when short and shallow. The checks run on the copy in memory; the file is never
written.

Order of use (see ``load_project``)::

    check = LoadCheck(path)
    check.file()                       # before opening: special files, over-long names
    check.snapshot(copy, FORMAT_VERSION)   # the in-memory copy, before any table is read
    with check.reading("layer 'roads'", drop=True): ...   # each layer read by GDAL
    check.project(project)             # the layers, zones, placements and priority read
    check.warn()                       # one ProjectWarning when something was dropped
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import sqlite3
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import ProjectError
from .io import MAX_ZONE_POPULATION, _flatten, _not_a_count, os_error_phrase, special_file_kind
from .settings import CELL_SIZE_RANGE_M, DISTANCE_MODES

# -- limits -----------------------------------------------------------------------------------------
#: No single value (text or blob: a geometry, a setting, a description) larger than this is read.
MAX_CELL_BYTES = 64 * 1024**2
#: Names: of layers, facility types, scenarios, settings, KPIs, fields.
MAX_NAME_CHARS = 10_000
#: Any other text: labels, descriptions, notes, setting values, JSON manifests.
MAX_TEXT_CHARS = 1_000_000
#: JSON read from a project (column manifests, notes, layer styles) nests no deeper than this.
MAX_JSON_DEPTH = 32
#: Service radius of a facility type: more than 0 and at most this (metres).
MAX_RADIUS_M = 50_000.0
MAX_CAPACITY = 1e9
MAX_UNIT_COST = 1e15
MAX_AREA_PER_POINT_M2 = 1e8
#: Coordinates in a projected working CRS stay well within this (metres): the Earth is 4e7 m round.
MAX_COORDINATE = 1e8
#: Placements of all scenarios together: planners place tens, the optimiser proposes hundreds;
#: reading and evaluating many more would take minutes.
MAX_PLACEMENTS = 10_000
#: Settings rows: a project has tens (the app's and the analysis's).
MAX_SETTINGS = 10_000
#: How many dropped parts the warning lists before "and N more".
_LISTED = 6

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_AUTHORITY_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}:[0-9]{1,9}")
_WKT_START = re.compile(r"\s*[A-Z][A-Z0-9_]*\s*\[")
# pandas dtypes a layer column may be restored to (what store.save_project writes).
_DTYPE = re.compile(
    r"u?int(8|16|32|64)|U?Int(8|16|32|64)|float(16|32|64)|Float(32|64)|bool|boolean|object|str|category"
    r"|string(\[(python|pyarrow)\])?|datetime64\[(s|ms|us|ns)(, [A-Za-z0-9_/+\-:]+)?\]"
    r"|timedelta64\[(s|ms|us|ns)\]"
)
_NUMERIC_DTYPE = re.compile(r"u?int\d+|U?Int\d+|float\d+|Float\d+|bool|boolean")
_NOT_NULL_DTYPE = re.compile(r"u?int\d+|bool")
# GeoPackage binary geometry: flags bits 1-3 give the envelope's size.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

# The tables a project must have, with the column that orders their rows.
METADATA_TABLES = ("cp_project", "cp_layers", "cp_facility_types", "cp_scenarios", "cp_priority",
                   "cp_kpi_targets", "cp_settings")  # fmt: skip
PLACEMENTS = "placements"


class ProjectWarning(UserWarning):
    """A project opened without parts that were damaged or edited by hand; the message says which."""


# -- the declared schema ----------------------------------------------------------------------------
def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Column:
    """One column of a metadata table.

    ``kind`` is ``"text"``, ``"integer"`` or ``"real"`` (an integer is a real too); ``required``:
    NULL is not allowed (text must also not be empty); ``chars``: longest text; ``low``/``high``:
    range of a number (``low_open``: ``low`` itself excluded); ``choices``: allowed texts;
    ``optional``: files written before the column existed lack it; ``clear``: a bad value is
    cleared (the row stays) instead of the row being left out.
    """

    name: str
    kind: str = "text"
    required: bool = False
    chars: int = MAX_TEXT_CHARS
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] | None = None
    optional: bool = False
    clear: bool = False

    def problem(self, value) -> str | None:
        """Why ``value`` does not fit, as a phrase; None when it does."""
        if value is None:
            return f"no {self.name}" if self.required else None
        if self.kind == "text":
            if not isinstance(value, str):
                return f"its {self.name} is not text"
            if self.required and not value.strip():
                return f"its {self.name} is empty"
            if len(value) > self.chars:
                return f"its {self.name} is {len(value):,} characters long (at most {self.chars:,})"
            if self.choices is not None and value not in self.choices:
                return f"its {self.name} '{_short(value)}' is not one of {', '.join(self.choices)}"
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"its {self.name} is not a number"
        if self.kind == "integer" and not isinstance(value, int):
            return f"its {self.name} {value!r} is not a whole number"
        if not math.isfinite(value):
            return f"its {self.name} is not a finite number"
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return f"its {self.name} {value:g} is out of range"
        if self.high is not None and value > self.high:
            return f"its {self.name} {value:g} is out of range"
        return None


@dataclass(frozen=True)
class Table:
    """A metadata table: its columns, what one row is called in messages and the column naming it.

    ``on_bad_row``: ``"drop"`` (the row is left out and the warning says so) or ``"refuse"``.
    """

    name: str
    part: str
    key: str
    columns: tuple[Column, ...]
    on_bad_row: str = "drop"


TABLES = {
    "cp_layers": Table(
        "cp_layers",
        "layer",
        "name",
        (
            Column("name", required=True, chars=MAX_NAME_CHARS),
            Column("table_name", required=True, chars=MAX_NAME_CHARS),
            Column("source", clear=True),
            Column("source_layer", chars=MAX_NAME_CHARS, clear=True),
            Column("source_crs", clear=True),
            Column("role", chars=MAX_NAME_CHARS),
            Column("notes"),
            Column("layer_order", "integer", required=True),
            Column("columns", required=True),
        ),
    ),
    "cp_facility_types": Table(
        "cp_facility_types",
        "facility type",
        "name",
        (
            Column("name", required=True, chars=MAX_NAME_CHARS),
            Column("label", chars=MAX_NAME_CHARS, clear=True),
            Column("icon", chars=MAX_NAME_CHARS, clear=True),
            Column("color", chars=MAX_NAME_CHARS),
            Column("radius_m", "real", required=True, low=0.0, low_open=True, high=MAX_RADIUS_M),
            Column("capacity", "real", low=0.0, high=MAX_CAPACITY),
            Column("unit_cost", "real", low=0.0, high=MAX_UNIT_COST),
            Column("layer", chars=MAX_NAME_CHARS, clear=True),
            Column("label_vi", chars=MAX_NAME_CHARS, clear=True),
            Column("capacity_unit", chars=MAX_NAME_CHARS, clear=True),
            Column("type_order", "integer", required=True),
            Column("capacity_field", chars=MAX_NAME_CHARS, optional=True, clear=True),
            Column("area_per_point_m2", "real", low=0.0, high=MAX_AREA_PER_POINT_M2, optional=True),
        ),
    ),
    "cp_scenarios": Table(
        "cp_scenarios",
        "scenario",
        "name",
        (
            Column("name", required=True, chars=MAX_NAME_CHARS),
            Column("description", clear=True),
            Column("scenario_order", "integer", required=True),
        ),
    ),
    "cp_priority": Table(
        "cp_priority",
        "priority of zone row",
        "zone_index",
        (
            Column("zone_index", "integer", required=True, low=0, high=2**62),
            Column("tier", "integer", required=True, low=1, high=3),
        ),
    ),
    "cp_kpi_targets": Table(
        "cp_kpi_targets",
        "KPI target",
        "kpi_id",
        (Column("kpi_id", required=True, chars=MAX_NAME_CHARS), Column("target", "real", required=True)),
    ),
    "cp_settings": Table(
        "cp_settings",
        "setting",
        "key",
        (
            Column("key", required=True, chars=MAX_NAME_CHARS),
            Column("value"),
            Column("value_type", required=True, choices=("str", "float", "int", "bool")),
        ),
    ),
    PLACEMENTS: Table(
        PLACEMENTS,
        "placement",
        "name",
        (
            Column("scenario", required=True, chars=MAX_NAME_CHARS),
            Column("id", chars=MAX_NAME_CHARS),
            Column("type", required=True, chars=MAX_NAME_CHARS),
            Column("name", chars=MAX_NAME_CHARS, clear=True),
            Column("capacity", "real", low=0.0, high=MAX_CAPACITY),
            Column("source", chars=MAX_NAME_CHARS, clear=True),
            Column("marginal_gain", "real", clear=True),
            Column("cost", "real", low=0.0, high=MAX_UNIT_COST, optional=True),
        ),
    ),
}

# cp_project: key -> the column its value must fit (every value is stored as text).
PROJECT_KEYS = {
    "format_version": Column("format_version", chars=20),
    "saved_by": Column("saved_by", chars=MAX_NAME_CHARS),
    "name": Column("name", chars=MAX_NAME_CHARS),
    "crs": Column("crs", chars=100),
    "crs_wkt": Column("crs_wkt", chars=100_000),
    "zones_layer": Column("zones_layer", chars=MAX_NAME_CHARS),
    "population_field": Column("population_field", chars=MAX_NAME_CHARS),
}


@dataclass(frozen=True)
class Setting:
    """What a known setting may hold: ``kind`` ``"number"`` in ``[low, high]`` (``low_open``:
    above ``low``), ``"choice"`` of ``choices``, ``"text"``, ``"path"`` (of a regular file),
    ``"layer"`` (a layer of the project), ``"styles"`` (the app's layer styles, JSON) or
    ``"decisions"`` (the workshop's decision log, JSON; see :mod:`cityplanner.decisions`)."""

    kind: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()


SETTINGS = {
    "cell_size_m": Setting("number", *CELL_SIZE_RANGE_M),
    "max_snap_m": Setting("number", 0.0, 10_000.0, low_open=True),
    "walk_speed_kmh": Setting("number", 0.0, 50.0, low_open=True),
    "distance_mode": Setting("choice", choices=DISTANCE_MODES),
    "demand_method": Setting("choice", choices=("raster", "dasymetric", "uniform")),
    "population_raster": Setting("path"),
    "dasymetric_layer": Setting("layer"),
    "ui.layer_styles": Setting("styles"),
    "decision_log": Setting("decisions"),
    **{key: Setting("text") for key in ("city", "plan_name", "author", "currency", "demand_note",
                                        "demand_fingerprint", "none_exist", "zone_overlap_note")},
}  # fmt: skip

# The app's layer style (ui.styles.LayerStyle): field -> check of its value.
STYLE_FIELDS: dict[str, Callable[[object], bool]] = {
    "kind": lambda v: v in ("single", "categorised", "graduated"),
    "colour": lambda v: isinstance(v, str) and _COLOUR.fullmatch(v) is not None,
    "field": lambda v: isinstance(v, str) and len(v) <= MAX_NAME_CHARS,
    "palette": lambda v: isinstance(v, str) and len(v) <= 100,
    "method": lambda v: v in ("quantiles", "natural_breaks", "equal"),
    "classes": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 20,
    "visible": lambda v: isinstance(v, bool),
    "opacity": lambda v: _finite(v) and 0.0 <= v <= 1.0,
    "fill": lambda v: isinstance(v, bool),
    "line_width": lambda v: _finite(v) and 0.0 <= v <= 50.0,
    "point_size": lambda v: _finite(v) and 0.0 <= v <= 200.0,
    # Fixed category colours: [[value, colour], ...] (a KPI status layer).
    "categories": lambda v: (
        isinstance(v, list)
        and len(v) <= 100
        and all(
            isinstance(p, list)
            and len(p) == 2
            and isinstance(p[0], str)
            and len(p[0]) <= MAX_NAME_CHARS
            and isinstance(p[1], str)
            and _COLOUR.fullmatch(p[1]) is not None
            for p in v
        )
    ),
}

DEFAULT_COLOUR = "#1f78b4"


# -- helpers ----------------------------------------------------------------------------------------
def _short(text: object, chars: int = 40) -> str:
    """``text`` for a message: at most ``chars`` characters, control characters escaped."""
    shown = str(text)
    shown = shown if len(shown) <= chars else shown[: chars - 1] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


def _quoted(names) -> str:
    return ", ".join(f"'{_short(n)}'" for n in names)


def json_value(text: str, what: str) -> tuple[object, str | None]:
    """``text`` parsed as JSON, with why it cannot be (None when it can).

    Refuses text over :data:`MAX_TEXT_CHARS` and arrays or objects nested deeper than
    :data:`MAX_JSON_DEPTH` before parsing, so no file can make the parser recurse without bound.
    """
    if not isinstance(text, str):
        return None, f"{what} is not text"
    if len(text) > MAX_TEXT_CHARS:
        return None, f"{what} is {len(text):,} characters long (at most {MAX_TEXT_CHARS:,})"
    if _json_depth(text) > MAX_JSON_DEPTH:
        return None, f"{what} nests deeper than {MAX_JSON_DEPTH} levels"
    try:
        return json.loads(text), None
    except (ValueError, RecursionError):
        return None, f"{what} is not valid JSON"


def _json_depth(text: str) -> int:
    """Deepest nesting of brackets and braces outside strings (a bound, not a parse)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def gpkg_geometry(blob) -> object | None:
    """The shapely geometry of a GeoPackage geometry blob; None when it is not one."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0x7)
    if envelope is None or flags & 0x20:  # an unknown envelope or an extended (non-standard) type
        return None
    wkb = blob[8 + envelope :]
    if not wkb:
        return None
    try:
        geometry = shapely.from_wkb(wkb, on_invalid="ignore")
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None
    return geometry


def _point_problem(blob) -> str | None:
    """Why a placement's geometry blob is not a usable point (None when it is)."""
    if blob is None:
        return "it has no geometry"
    geometry = gpkg_geometry(blob)
    if geometry is None:
        return "its geometry is unreadable"
    if geometry.geom_type != "Point":
        return f"its geometry is a {geometry.geom_type}, not a point"
    if geometry.is_empty:
        return "its point is empty"
    x, y = shapely.get_x(geometry), shapely.get_y(geometry)
    if not (math.isfinite(x) and math.isfinite(y)):
        return "its coordinates are not finite numbers"
    if max(abs(x), abs(y)) > MAX_COORDINATE:
        return "its coordinates are far outside the Earth"
    return None


def _decisions_problem(key: str, text: str) -> str | None:
    """Why the decision log ``text`` cannot be shown (None when it can): bounded JSON, a list of
    entries :mod:`cityplanner.decisions` reads, with finite KPI values."""
    from types import SimpleNamespace

    from .decisions import decision_log

    records, problem = json_value(text or "[]", "it")
    if problem is not None:
        return problem
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return "it is not a list of decisions"
    try:
        entries = decision_log(SimpleNamespace(settings={key: text}))
    except (ProjectError, ValueError, TypeError, AttributeError) as err:
        return f"it cannot be read ({_short(err, 120)})"
    for entry in entries:
        if not all(isinstance(v, str) for v in (entry.time, entry.scenario, entry.change, entry.note)):
            return "an entry holds something other than text"
        for kpi in entry.kpis:
            if not all(isinstance(v, str) for v in (kpi.id, kpi.code, kpi.name, kpi.unit, kpi.status)):
                return "a KPI of an entry holds something other than text"
            if not all(v is None or _finite(v) for v in (kpi.baseline, kpi.value, kpi.change, kpi.target)):
                return "a KPI value of an entry is not a finite number"
    return None


def _quote_sql(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- the checks -------------------------------------------------------------------------------------
class LoadCheck:
    """The checks of one load of the project file ``source``; collects what is dropped."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.dropped: list[str] = []
        self.zones_layer = ""
        # table -> row key -> why the row was left out
        self.problems: dict[str, dict[str, str]] = {}

    # messages
    def refuse(self, phrase: str) -> ProjectError:
        return ProjectError(f"{self.source} cannot be opened as a project: {phrase}.")

    def drop(self, phrase: str) -> None:
        self.dropped.append(phrase)

    def sentence(self) -> str | None:
        """The warning: one sentence naming the file and every part left out (None when none was)."""
        if not self.dropped:
            return None
        listed = self.dropped[:_LISTED]
        more = len(self.dropped) - len(listed)
        parts = "; ".join(listed) + (f"; and {more} more" if more else "")
        count = f"{len(self.dropped)} part{'s' if len(self.dropped) != 1 else ''}"
        return f"{self.source} was damaged or edited outside CityPlanner and opened without {count}: {parts}."

    def warn(self) -> None:
        text = self.sentence()
        if text is not None:
            warnings.warn(ProjectWarning(text), stacklevel=3)

    # before opening
    def file(self) -> None:
        """Refuse what must not be opened at all: special files (a FIFO would block for ever, a
        device never ends) and links to them, names the file system refuses."""
        try:
            mode = os.stat(self.source).st_mode
        except OSError as err:
            if err.errno == errno.ENOENT:
                return  # the loader says it does not exist
            raise ProjectError(
                f"Cannot open the project file {self.source}: {os_error_phrase(err)}."
            ) from err
        kind = special_file_kind(mode)
        if kind is not None:
            raise ProjectError(
                f"{self.source} is {kind}, not a project file; CityPlanner opens regular files only."
            )

    # the private copy, before anything is read from it
    def snapshot(self, con: sqlite3.Connection, format_version: int) -> None:
        """Bound, clean and check the in-memory copy ``con`` before the loader reads it.

        Views and computed columns are dropped (never evaluated); then the metadata tables and the
        placements are checked against :data:`TABLES` and bad rows deleted from the copy (or the
        load refused). Files of a newer format are left for the loader to refuse.
        """
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_CELL_BYTES)
        # Rows are deleted and cleared in the copy; the R-tree triggers of its feature tables call
        # these GeoPackage functions of GDAL's. The copy's spatial indexes are never used.
        con.create_function("ST_IsEmpty", 1, lambda blob: 0 if blob else 1, deterministic=True)
        for name in ("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"):
            con.create_function(name, 1, lambda blob: 0.0, deterministic=True)
        problems = [r[0] for r in con.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            return  # the loader says it is damaged
        views = self._drop_views(con)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "gpkg_contents" not in tables or "cp_project" not in tables:
            return  # not a project: the loader says so
        meta = self._project_rows(con)
        version = meta.get("format_version") or "0"
        if not re.fullmatch(r"[0-9]{1,9}", version.strip()):
            raise self.refuse(f"its format version '{_short(version)}' is not a whole number")
        if int(version) > format_version:
            return  # the loader asks for a newer CityPlanner
        for table in (*METADATA_TABLES, PLACEMENTS):
            if table not in tables:
                if table in views:
                    raise self.refuse(
                        f"its table {table} was replaced by an SQL view, which CityPlanner does not read"
                    )
                raise self.refuse(f"it lacks its table {table}")
        self._drop_generated_columns(con, tables)
        for table in (*METADATA_TABLES, PLACEMENTS):
            self._check_columns(con, table)
        self._check_project_rows(con, meta)
        layers = self._check_layers(con, tables, views)
        self._check_cells(con, [PLACEMENTS, *layers.values()])
        types = self._check_rows(con, "cp_facility_types")
        self._check_colours(con, types)
        scenarios = self._check_rows(con, "cp_scenarios")
        if not scenarios:
            con.execute(
                "INSERT INTO cp_scenarios (name, description, scenario_order) VALUES ('Baseline', '', 0)"
            )
            self.drop("every scenario (it listed none; an empty baseline stands in)")
            scenarios = {"Baseline": None}
        self._check_rows(con, "cp_priority")
        # Targets of KPIs this version's catalogue lacks are kept: they do nothing, and the catalogue
        # a later version reads may have them again.
        self._check_rows(con, "cp_kpi_targets")
        self._check_settings(con, set(layers))
        self._check_placements(con, set(types), set(scenarios))

    def _drop_views(self, con: sqlite3.Connection) -> set[str]:
        views = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
        for view in views:
            con.execute(f"DROP VIEW {_quote_sql(view)}")
        if views:
            # GDAL lists what gpkg_contents registers; a dropped view must not be listed.
            existing = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for meta_table in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
                if meta_table in existing:
                    con.execute(
                        f"DELETE FROM {meta_table} WHERE table_name NOT IN "
                        "(SELECT name FROM sqlite_master WHERE type = 'table')"
                    )
            self.drop(
                f"the SQL view{'s' if len(views) > 1 else ''} {_quoted(views)} "
                "(CityPlanner reads tables only)"
            )
        return set(views)

    def _drop_generated_columns(self, con: sqlite3.Connection, tables: set[str]) -> None:
        """Computed columns are never evaluated: one could build a value of any size from nothing."""
        for table in sorted(tables):
            if table.startswith(("sqlite_", "rtree_")):
                continue
            generated = [
                r[1] for r in con.execute(f"PRAGMA table_xinfo({_quote_sql(table)})") if r[6] in (2, 3)
            ]
            for column in generated:
                try:
                    con.execute(f"ALTER TABLE {_quote_sql(table)} DROP COLUMN {_quote_sql(column)}")
                except sqlite3.Error as err:
                    raise self.refuse(
                        f"its table {_short(table)} has a computed column '{_short(column)}' "
                        "that cannot be left out"
                    ) from err
            if generated:
                self.drop(
                    f"the computed column{'s' if len(generated) > 1 else ''} {_quoted(generated)} "
                    f"of table {_short(table)}"
                )

    def _check_columns(self, con: sqlite3.Connection, table: str) -> None:
        have = {r[1] for r in con.execute(f"PRAGMA table_info({_quote_sql(table)})")}
        if table == "cp_project":
            wanted = ["key", "value"]
        elif table in TABLES:
            wanted = [c.name for c in TABLES[table].columns if not c.optional]
        else:
            wanted = []
        missing = [c for c in wanted if c not in have]
        if missing:
            raise self.refuse(
                f"its table {table} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            )

    def _project_rows(self, con: sqlite3.Connection) -> dict[str, str]:
        try:
            rows = con.execute("SELECT key, value FROM cp_project").fetchall()
        except sqlite3.DataError as err:
            raise self.refuse(
                f"its table cp_project holds a value over {MAX_CELL_BYTES // 1024**2} MiB"
            ) from err
        except sqlite3.OperationalError as err:
            raise self.refuse(f"its table cp_project cannot be read ({err})") from err
        return {str(k): v for k, v in rows if isinstance(k, str)}

    def _check_project_rows(self, con: sqlite3.Connection, meta: dict) -> None:
        """The project's name, working CRS, zone layer and population field (cp_project)."""
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        for key, column in PROJECT_KEYS.items():
            problem = column.problem(meta.get(key))
            if problem is None:
                continue
            if key in ("name", "saved_by"):
                value = self.source.stem if key == "name" else ""
                con.execute("UPDATE cp_project SET value = ? WHERE key = ?", (value, key))
                self.drop(f"the project's {key.replace('_', ' ')} ({problem.replace('its ', '', 1)})")
                continue
            raise self.refuse(f"its {key.replace('_', ' ')} is unusable ({problem.replace('its ', '', 1)})")
        code, wkt = (meta.get("crs") or "").strip(), meta.get("crs_wkt") or ""
        if code and not _AUTHORITY_CODE.fullmatch(code):
            raise self.refuse(f"its working CRS '{_short(code)}' is not an authority code such as EPSG:32648")
        if not code and not _WKT_START.match(wkt):
            raise self.refuse("it names no working CRS (its crs and crs_wkt are empty or not WKT)")
        try:
            crs = CRS.from_user_input(code) if code else CRS.from_wkt(wkt)
        except (CRSError, ValueError, TypeError) as err:
            shown = code or "in WKT"
            raise self.refuse(f"its working CRS {_short(shown)} is not a CRS PROJ knows") from err
        units = {axis.unit_name for axis in crs.axis_info}
        if not crs.is_projected or not units <= {"metre", "meter"}:
            raise self.refuse(
                f"its working CRS {_short(code or crs.name)} is not a projected CRS in metres, "
                "which every distance and area of a project is measured in"
            )
        self.zones_layer = meta.get("zones_layer") or ""

    def _rows(self, con: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple]]:
        names = [r[1] for r in con.execute(f"PRAGMA table_info({_quote_sql(table)})")]
        select = ", ".join(_quote_sql(n) for n in names)
        try:
            rows = con.execute(
                f"SELECT {self._primary_key(con, table)}, {select} FROM {_quote_sql(table)}"
            ).fetchall()
        except sqlite3.DataError as err:
            raise self.refuse(
                f"its table {table} holds a value over {MAX_CELL_BYTES // 1024**2} MiB"
            ) from err
        return ["__rowid__", *names], rows

    def _delete(self, con: sqlite3.Connection, table: str, rowids: list) -> None:
        if rowids:
            con.executemany(
                f"DELETE FROM {_quote_sql(table)} WHERE {self._primary_key(con, table)} = ?",
                [(r,) for r in rowids],
            )

    def _check_rows(
        self, con: sqlite3.Connection, table: str, extra: Callable[[dict], str | None] | None = None
    ) -> dict[str, dict]:
        """Rows of ``table`` that fit its declared columns (and ``extra``), by key; the rest deleted."""
        spec = TABLES[table]
        names, rows = self._rows(con, table)
        kept: dict[str, dict] = {}
        bad = []
        self.problems[table] = {}
        for values in rows:
            row = dict(zip(names, values, strict=True))
            key = row.get(spec.key)
            problem = self._row_problem(con, table, row, key)
            if problem is None and extra is not None:
                problem = extra(row)
            if problem is None and str(key) in kept:
                problem = "it is listed twice"
            if problem is not None:
                bad.append(row["__rowid__"])
                self.problems[table][str(key)] = problem
                if not (table == "cp_layers" and key == self.zones_layer):  # refused instead
                    self.drop(f"{spec.part} {self._name(key)} ({problem})")
                continue
            kept[str(key)] = row
        self._delete(con, table, bad)
        return kept

    def _row_problem(self, con: sqlite3.Connection, table: str, row: dict, key) -> str | None:
        """Why ``row`` must be left out; clears the values of ``clear`` columns that do not fit."""
        spec = TABLES[table]
        for column in spec.columns:
            if column.name not in row:
                continue
            problem = column.problem(row[column.name])
            if problem is None:
                continue
            if not column.clear:
                return problem
            pk = self._primary_key(con, table)
            con.execute(
                f"UPDATE {_quote_sql(table)} SET {_quote_sql(column.name)} = NULL WHERE {pk} = ?",
                (row["__rowid__"],),
            )
            row[column.name] = None
            self.drop(
                f"the {column.name} of {spec.part} {self._name(key)} ({problem.replace('its ', '', 1)})"
            )
        return None

    def _primary_key(self, con: sqlite3.Connection, table: str) -> str:
        pk = next((r[1] for r in con.execute(f"PRAGMA table_info({_quote_sql(table)})") if r[5] == 1), None)
        return _quote_sql(pk) if pk else "rowid"

    @staticmethod
    def _name(key) -> str:
        if isinstance(key, str):
            return f"'{_short(key)}'"
        return str(key) if _finite(key) else "(unnamed)"

    def _check_colours(self, con: sqlite3.Connection, types: dict[str, dict]) -> None:
        for name, row in types.items():
            colour = row.get("color")
            if colour is None or colour == "" or (isinstance(colour, str) and _COLOUR.fullmatch(colour)):
                continue
            con.execute("UPDATE cp_facility_types SET color = ? WHERE name = ?", (DEFAULT_COLOUR, name))
            self.drop(
                f"the colour of facility type '{_short(name)}' ('{_short(colour)}' is not #rrggbb; "
                f"{DEFAULT_COLOUR} instead)"
            )

    def _check_layers(self, con: sqlite3.Connection, tables: set[str], views: set[str]) -> dict[str, str]:
        """Layer rows whose table and column manifest the loader can read: name -> table."""
        geometry_tables = (
            {r[0].lower() for r in con.execute("SELECT table_name FROM gpkg_geometry_columns")}
            if "gpkg_geometry_columns" in tables
            else set()
        )
        lower_tables = {t.lower(): t for t in tables}

        def manifest(row: dict) -> str | None:
            table = lower_tables.get(str(row["table_name"]).lower())
            if table is None:
                if row["table_name"] in views:
                    return "its table was replaced by an SQL view, which CityPlanner does not read"
                return f"its table {_short(row['table_name'])} is missing"
            if table.lower() not in geometry_tables:
                return f"its table {_short(table)} is not a feature table"
            columns, problem = json_value(row["columns"], "its column list")
            if problem is not None:
                return problem
            fields = {r[1].lower(): r[2] for r in con.execute(f"PRAGMA table_info({_quote_sql(table)})")}
            problem = self._manifest_problem(con, table, columns, fields)
            if problem is not None:
                return problem
            if row["notes"] is not None:
                notes, problem = json_value(row["notes"], "its notes")
                if (
                    problem is not None
                    or not isinstance(notes, list)
                    or not all(isinstance(n, str) for n in notes)
                ):
                    con.execute("UPDATE cp_layers SET notes = '[]' WHERE name = ?", (row["name"],))
                    self.drop(f"the notes of layer '{_short(row['name'])}' (not a list of texts)")
            row["table_name"] = table
            return None

        kept = self._check_rows(con, "cp_layers", manifest)
        if self.zones_layer and self.zones_layer not in kept:
            reason = self.problems["cp_layers"].get(self.zones_layer)
            zones = f"its zone layer '{_short(self.zones_layer)}'"
            raise self.refuse(
                f"{zones} cannot be read: {reason.replace('its ', 'its ', 1)}"
                if reason
                else f"{zones} is missing"
            )
        return {name: row["table_name"] for name, row in kept.items()}

    def _manifest_problem(self, con, table: str, columns, fields: dict[str, str]) -> str | None:
        """Why a layer's column manifest (JSON) does not describe ``table``; None when it does."""
        if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
            return "its column list is not a list of columns"
        geometry = [c for c in columns if c.get("geometry") is True]
        if len(geometry) != 1:
            return "its column list does not name one geometry column"
        seen = set()
        for col in columns:
            name = col.get("name")
            if not isinstance(name, str) or not name or len(name) > MAX_NAME_CHARS or name in seen:
                return "its column list has a column without a proper name"
            seen.add(name)
            if col.get("geometry") is True:
                continue
            field, dtype = col.get("field"), col.get("dtype")
            if not isinstance(field, str) or field.lower() not in fields:
                return f"its column '{_short(name)}' is not in its table"
            if not isinstance(dtype, str) or not _DTYPE.fullmatch(dtype):
                return f"its column '{_short(name)}' has an unknown type '{_short(dtype)}'"
            if _NUMERIC_DTYPE.fullmatch(dtype):
                allowed = (
                    ("'integer', 'real'")
                    if _NOT_NULL_DTYPE.fullmatch(dtype)
                    else ("'integer', 'real', 'null'")
                )
                found = con.execute(
                    f"SELECT count(*) FROM {_quote_sql(table)} "
                    f"WHERE typeof({_quote_sql(field)}) NOT IN ({allowed})"
                ).fetchone()[0]
                if found:
                    return f"its column '{_short(name)}' of {dtype} numbers holds {found:,} other value(s)"
        return None

    def _check_cells(self, con: sqlite3.Connection, tables: list[str]) -> None:
        """No value of the tables GDAL reads is over :data:`MAX_CELL_BYTES`."""
        for table in dict.fromkeys(tables):
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({_quote_sql(table)})")]
            if not columns:
                continue
            test = " OR ".join(f"length({_quote_sql(c)}) > {MAX_CELL_BYTES}" for c in columns)
            try:
                over = con.execute(f"SELECT 1 FROM {_quote_sql(table)} WHERE {test} LIMIT 1").fetchone()
            except sqlite3.DataError:
                over = True
            if over:
                raise self.refuse(
                    f"its table {_short(table)} holds a value over {MAX_CELL_BYTES // 1024**2} MiB, "
                    "more than "
                    "CityPlanner reads from one cell"
                )

    def _check_settings(self, con: sqlite3.Connection, layers: set[str]) -> None:
        count = con.execute("SELECT count(*) FROM cp_settings").fetchone()[0]
        if count > MAX_SETTINGS:
            raise self.refuse(
                f"it holds {count:,} settings, more than the {MAX_SETTINGS:,} a project may hold"
            )

        def fits(row: dict) -> str | None:
            value, kind = row["value"], row["value_type"]
            if value is not None and not isinstance(value, str):
                return "its value is not stored as text"
            text = value or ""
            if kind == "float":
                try:
                    number = float(text)
                except ValueError:
                    return f"'{_short(text)}' is not a number"
                if not math.isfinite(number):
                    return "its value is not a finite number"
            elif kind == "int" and not re.fullmatch(r"[+-]?[0-9]{1,19}", text.strip()):
                return f"'{_short(text)}' is not a whole number"
            elif kind == "bool" and text not in ("True", "False"):
                return f"'{_short(text)}' is neither True nor False"
            known = SETTINGS.get(row["key"])
            return None if known is None else self._setting_problem(con, row, known, layers)

        self._check_rows(con, "cp_settings", fits)

    def _setting_problem(self, con, row: dict, setting: Setting, layers: set[str]) -> str | None:
        text = row["value"] or ""
        if setting.kind == "number":
            try:
                number = float(text)
            except ValueError:
                return f"'{_short(text)}' is not a number"
            low_ok = number > setting.low if setting.low_open else number >= setting.low
            if not (math.isfinite(number) and low_ok and number <= setting.high):
                low = f"above {setting.low:g}" if setting.low_open else f"from {setting.low:g}"
                return f"{_short(text)} is out of range ({low} to {setting.high:g})"
        elif setting.kind == "choice" and text not in setting.choices:
            return f"'{_short(text)}' is not one of {', '.join(setting.choices)}"
        elif setting.kind == "path" and text:
            try:
                mode = os.stat(text).st_mode
            except (OSError, ValueError):
                return None  # a raster that is gone: the surface is rebuilt uniformly when needed
            kind = special_file_kind(mode)
            if kind is not None:
                return f"'{_short(text)}' is {kind}, not a raster file"
        elif setting.kind == "layer" and text and text not in layers:
            return f"the project has no layer '{_short(text)}'"
        elif setting.kind == "styles":
            return self._styles_problem(con, row)
        elif setting.kind == "decisions":
            return _decisions_problem(row["key"], text)
        return None

    def _styles_problem(self, con, row: dict) -> str | None:
        """The app's layer styles: a JSON object of layer name -> style; bad styles are reset."""
        styles, problem = json_value(row["value"] or "{}", "it")
        if problem is not None:
            return problem
        if not isinstance(styles, dict):
            return "it is not a JSON object of layer styles"
        clean, reset = {}, []
        for layer, style in styles.items():
            if isinstance(style, str):
                style, problem = json_value(style, "style")
                if problem is not None:
                    style = None
            if not isinstance(style, dict):
                reset.append(layer)
                continue
            fields = {k: v for k, v in style.items() if k in STYLE_FIELDS and STYLE_FIELDS[k](v)}
            if len(fields) < len([k for k in style if k in STYLE_FIELDS]):
                reset.append(layer)
            clean[layer] = json.dumps(fields)
        if reset:
            con.execute("UPDATE cp_settings SET value = ? WHERE key = ?", (json.dumps(clean), row["key"]))
            self.drop(
                f"unusable style values of layer{'s' if len(reset) > 1 else ''} {_quoted(reset)} "
                "(defaults instead)"
            )
        return None

    def _check_placements(self, con: sqlite3.Connection, types: set[str], scenarios: set[str]) -> None:
        count = con.execute(f"SELECT count(*) FROM {PLACEMENTS}").fetchone()[0]
        if count > MAX_PLACEMENTS:
            raise self.refuse(
                f"it holds {count:,} placements, more than the {MAX_PLACEMENTS:,} a project may hold"
            )
        names, rows = self._rows(con, PLACEMENTS)
        geometry = next(
            (
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (PLACEMENTS,)
                )
            ),
            "geom",
        )
        bad, counts, ids, renumber = [], {}, set(), []
        for values in rows:
            row = dict(zip(names, values, strict=True))
            problem = self._row_problem(con, PLACEMENTS, row, row.get("name") or row.get("id"))
            if problem is None and row["scenario"] not in scenarios:
                problem = "its scenario is not in the project"
            if problem is None and row["type"] not in types:
                problem = f"its facility type '{_short(row['type'])}' is not in the project"
            if problem is None:
                problem = _point_problem(row.get(geometry))
            if problem is not None:
                bad.append(row["__rowid__"])
                counts.setdefault(problem, []).append(row)
                continue
            if not isinstance(row["id"], str) or not row["id"] or row["id"] in ids:
                renumber.append(row["__rowid__"])
            else:
                ids.add(row["id"])
        self._delete(con, PLACEMENTS, bad)
        for problem, dropped in counts.items():
            if len(dropped) == 1:
                row = dropped[0]
                self.drop(
                    f"placement {self._name(row.get('name') or row.get('id'))} "
                    f"of scenario {self._name(row.get('scenario'))} ({problem})"
                )
            else:
                self.drop(f"{len(dropped):,} placements ({problem})")
        if renumber:
            con.executemany(
                f"UPDATE {PLACEMENTS} SET id = ? WHERE {self._primary_key(con, PLACEMENTS)} = ?",
                [(uuid.uuid4().hex[:12], rowid) for rowid in renumber],
            )
            self.drop(f"the ids of {len(renumber):,} placement(s) (missing or repeated; new ids given)")

    # reading with GDAL
    @contextmanager
    def reading(self, what: str, drop: bool = False) -> Iterator[None]:
        """Turn a failure to read ``what`` into one sentence; with ``drop``, leave it out instead."""
        from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
        from pyproj.exceptions import CRSError

        try:
            yield
        except (DataLayerError, DataSourceError, FieldError, GeometryError, sqlite3.Error, CRSError,
                shapely.errors.GEOSException, KeyError, IndexError, ValueError, TypeError, AttributeError,
                RecursionError) as err:  # fmt: skip
            detail = _short(" ".join(str(err).split()) or type(err).__name__, 160)
            if not drop:
                raise self.refuse(f"{what} cannot be read ({detail})") from err
            self.drop(f"{what} (unreadable: {detail})")

    # the project read
    def project(self, project) -> None:
        """Check what GDAL read: the zone layer and its population, every layer's geometries, the
        population surface, placements and priority tiers; repair or drop, or refuse."""
        from .surface import SURFACE_LAYER

        zones = None
        if project.zones_layer:
            if project.zones_layer not in project.layers:
                raise self.refuse(f"its zone layer '{_short(project.zones_layer)}' is missing")
            zones = project.layers[project.zones_layer]
            self._check_zones(project, zones)
        for layer in list(project.layers.values()):
            if layer is zones:
                continue
            if layer.name == SURFACE_LAYER:
                self._check_surface(project, layer)
            else:
                self._check_layer_geometries(project, layer)
        self._check_points(project)
        self._check_priority(project, 0 if zones is None else len(zones.gdf))

    def _geometry_problems(self, gdf) -> tuple[np.ndarray, np.ndarray]:
        """(missing or empty or not finite, invalid) per feature."""
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        coords_ok = np.ones(len(geoms), dtype=bool)
        present = ~missing
        if present.any():
            coords, owner = shapely.get_coordinates(geoms[present], return_index=True)
            bad_coords = ~np.isfinite(coords).all(axis=1) | (np.abs(coords) > MAX_COORDINATE).any(axis=1)
            flagged = np.zeros(int(present.sum()), dtype=bool)
            flagged[np.unique(owner[bad_coords])] = True
            coords_ok[np.flatnonzero(present)] = ~flagged
        unusable = missing | ~coords_ok
        invalid = ~unusable & ~shapely.is_valid(np.where(unusable, None, geoms))
        return unusable, invalid

    def _repair(self, layer, invalid: np.ndarray) -> np.ndarray:
        """Make the invalid geometries of ``layer`` valid in place, keeping each one's dimension;
        True where nothing of that dimension is left."""
        geoms = np.asarray(layer.gdf.geometry.array, dtype=object).copy()
        lost = np.zeros(len(geoms), dtype=bool)
        for i in np.flatnonzero(invalid):
            dimension = shapely.get_dimensions(geoms[i])
            fixed = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
            parts, _ = _flatten(
                np.array([fixed], dtype=object), f"Layer '{_short(layer.name)}' of {self.source}"
            )
            parts = parts[(shapely.get_dimensions(parts) == dimension) & ~shapely.is_empty(parts)]
            if len(parts) == 0:
                geoms[i], lost[i] = None, True
            elif len(parts) == 1:
                geoms[i] = parts[0]
            else:
                geoms[i] = (shapely.multipoints, shapely.multilinestrings, shapely.multipolygons)[dimension](
                    parts
                )
        layer.gdf = layer.gdf.set_geometry(gpd.GeoSeries(geoms, index=layer.gdf.index, crs=layer.gdf.crs))
        return lost

    def _check_zones(self, project, zones) -> None:
        name = _short(zones.name)
        gdf = zones.gdf
        if len(gdf) == 0:
            raise self.refuse(f"its zone layer '{name}' has no zones")
        unusable, invalid = self._geometry_problems(gdf)
        if unusable.any():
            first = int(np.flatnonzero(unusable)[0]) + 1
            raise self.refuse(
                f"{int(unusable.sum())} zone(s) of its zone layer '{name}' have no usable geometry "
                f"(missing, empty or with coordinates that are not finite; first: feature {first})"
            )
        if invalid.any():
            lost = self._repair(zones, invalid)
            if lost.any():
                first = int(np.flatnonzero(lost)[0]) + 1
                raise self.refuse(
                    f"zone {first} of its zone layer '{name}' has a geometry that cannot be repaired"
                )
            self.drop(f"the invalid shapes of {int(invalid.sum())} zone(s) of layer '{name}' (repaired)")
        field = project.population_field
        if not field:
            return
        if field not in gdf.columns or field == gdf.geometry.name:
            raise self.refuse(f"its zone layer '{name}' has no population field '{_short(field)}'")
        kind = _not_a_count(gdf[field])
        if kind is not None:
            raise self.refuse(
                f"the population field '{_short(field)}' of its zone layer '{name}' holds {kind}"
            )
        values = pd.to_numeric(gdf[field], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0) | (values > MAX_ZONE_POPULATION)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise self.refuse(
                f"the population field '{_short(field)}' of its zone layer '{name}' "
                f"has {int(bad.sum())} value(s) "
                f"that are not head counts (empty, negative, not finite or over {MAX_ZONE_POPULATION:,}; "
                f"first: feature {first + 1})"
            )

    def _check_layer_geometries(self, project, layer) -> None:
        unusable, invalid = self._geometry_problems(layer.gdf)
        lost = np.zeros(len(unusable), dtype=bool)
        if invalid.any():
            lost = self._repair(layer, invalid)
            self.drop(
                f"the invalid shapes of {int(invalid.sum())} feature(s) of layer "
                f"'{_short(layer.name)}' (repaired)"
            )
        gone = unusable | lost
        if gone.any():
            layer.gdf = layer.gdf.loc[~gone].reset_index(drop=True)
            self.drop(
                f"{int(gone.sum())} feature(s) of layer '{_short(layer.name)}' (no usable geometry: missing, "
                "empty or with coordinates that are not finite)"
            )

    def _check_surface(self, project, layer) -> None:
        """The stored population surface must fit the zones; else it is left out (and rebuilt evenly
        over the zones when needed)."""
        gdf = layer.gdf
        n_zones = len(project.layers[project.zones_layer].gdf) if project.zones_layer in project.layers else 0
        problem = None
        missing = [c for c in ("population", "cell_id", "zone_row") if c not in gdf.columns]
        if missing:
            problem = f"it lacks {', '.join(missing)}"
        else:
            population = pd.to_numeric(gdf["population"], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
            zone = pd.to_numeric(gdf["zone_row"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            unusable, invalid = self._geometry_problems(gdf)
            if not np.isfinite(population).all() or (population < 0).any():
                problem = "it has empty, negative or infinite head counts"
            elif not np.isfinite(zone).all() or (zone < -1).any() or (zone >= n_zones).any():
                problem = "it names zones the zone layer does not have"
            elif unusable.any() or invalid.any():
                problem = "it has cells without a usable geometry"
        if problem is not None:
            del project.layers[layer.name]
            self.drop(
                f"the population surface layer '{_short(layer.name)}' ({problem}; "
                "rebuilt evenly over the zones when needed)"
            )

    def _check_points(self, project) -> None:
        for scenario in project.scenarios.values():
            keep = [p for p in scenario.placements if _finite(p.x) and _finite(p.y)
                    and max(abs(p.x), abs(p.y)) <= MAX_COORDINATE]  # fmt: skip
            if len(keep) != len(scenario.placements):
                self.drop(
                    f"{len(scenario.placements) - len(keep)} placement(s) of scenario "
                    f"'{_short(scenario.name)}' (no usable point)"
                )
                scenario.placements[:] = keep

    def _check_priority(self, project, n_zones: int) -> None:
        outside = sorted(z for z in project.priority if not 0 <= z < n_zones)
        for zone in outside:
            del project.priority[zone]
        if outside:
            shown = ", ".join(str(z) for z in outside[:3]) + (", ..." if len(outside) > 3 else "")
            self.drop(f"the priority of {len(outside)} zone row(s) the zone layer does not have ({shown})")
