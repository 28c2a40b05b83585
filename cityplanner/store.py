"""The project file: a ``.cityplan`` is a GeoPackage that QGIS opens like any ``.gpkg``.

Layout of the file
------------------
``layer_<name>``
    One feature table per project layer, in the working CRS (names sanitised and made unique).
``placements``
    Point layer with the placements of every scenario (``scenario, id, type, name, capacity,
    source, marginal_gain, cost``), so QGIS shows them; ``cost`` is NULL for a placement priced at
    its type's unit cost (files saved before it existed have no such column).
``priority_zones``
    The prioritised zones with their geometry (``zone_index, tier``), for QGIS only.
``cp_project``, ``cp_layers``, ``cp_facility_types``, ``cp_scenarios``, ``cp_priority``,
``cp_kpi_targets``, ``cp_settings``
    Plain attribute tables registered in ``gpkg_contents`` as ``attributes``: text and numbers
    only (JSON text where a cell holds a list), never pickled objects.

Saving writes the whole file to ``.<name>.tmp-<pid>.gpkg`` next to the target (see
:func:`files_replaced_atomically`, which the report writers share), flushes it to disk and atomically
replaces the target, so a crash at any moment leaves the last good file intact. Loading copies the
file into memory in one SQLite read transaction and reads every table from that copy, so a save by
another process while loading gives the old or the new version, never parts of both.
"""

from __future__ import annotations

import dataclasses
import errno
import glob
import json
import numbers
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pandas.api.types import pandas_dtype
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from pyproj import CRS
from pyproj.exceptions import CRSError

from . import __version__
from .errors import CityPlannerError, ProjectError
from .progress import Progress, report
from .project import FacilityType, Layer, Placement, Project, Scenario
from .project_schema import LoadCheck

#: Version of the file layout written by :func:`save_project`; older versions stay readable.
FORMAT_VERSION = 1

LAYER_PREFIX = "layer_"
PLACEMENTS_TABLE = "placements"
PRIORITY_TABLE = "priority_zones"

_SQLITE_MAGIC = b"SQLite format 3\x00"
# Names GDAL uses in every feature table; an attribute column may not take them.
_GEOMETRY_FIELD = "geom"
_FID_FIELD = "cp_fid"
_LAYER_OPTIONS = {"GEOMETRY_NAME": _GEOMETRY_FIELD, "FID": _FID_FIELD, "SPATIAL_INDEX": "YES"}
_GDAL_ERRORS = (DataSourceError, DataLayerError, FieldError, GeometryError)
# What the file system, SQLite and GDAL raise when they refuse a write.
_WRITE_ERRORS = (OSError, sqlite3.Error, *_GDAL_ERRORS)
_SAVE_LOCK = threading.Lock()


_METADATA_TABLES = {
    "cp_project": ("key TEXT NOT NULL UNIQUE", "value TEXT"),
    "cp_layers": (
        "name TEXT NOT NULL UNIQUE",
        "table_name TEXT NOT NULL",
        "source TEXT",
        "source_layer TEXT",
        "source_crs TEXT",
        "role TEXT",
        "notes TEXT",  # JSON list of strings
        "layer_order INTEGER NOT NULL",
        "columns TEXT NOT NULL",  # JSON list of {name, field, dtype} / {name, geometry: true}
    ),
    "cp_facility_types": (
        "name TEXT NOT NULL UNIQUE",
        "label TEXT",
        "icon TEXT",
        "color TEXT",
        "radius_m REAL",
        "capacity REAL",
        "unit_cost REAL",
        "layer TEXT",
        "label_vi TEXT",
        "capacity_unit TEXT",
        "type_order INTEGER NOT NULL",
        # Added in issue 10 (files written before lack them and load with the defaults).
        "capacity_field TEXT",
        "area_per_point_m2 REAL",
    ),
    "cp_scenarios": ("name TEXT NOT NULL UNIQUE", "description TEXT", "scenario_order INTEGER NOT NULL"),
    "cp_priority": ("zone_index INTEGER NOT NULL UNIQUE", "tier INTEGER NOT NULL"),
    "cp_kpi_targets": ("kpi_id TEXT NOT NULL UNIQUE", "target REAL"),
    "cp_settings": ("key TEXT NOT NULL UNIQUE", "value TEXT", "value_type TEXT NOT NULL"),
}
_METADATA_DESCRIPTIONS = {
    "cp_project": "CityPlanner project: format version, name, working CRS, zone layer",
    "cp_layers": "CityPlanner layers: source, role, table and column types",
    "cp_facility_types": "CityPlanner facility types: service radius (m), capacity, unit cost",
    "cp_scenarios": "CityPlanner scenarios (the first is the baseline)",
    "cp_priority": "CityPlanner priority tier (1-3) per zone row",
    "cp_kpi_targets": "CityPlanner KPI targets overriding the catalogue",
    "cp_settings": "CityPlanner settings",
}


# -- writing files atomically ------------------------------------------------------------------
_TMP_MARK = ".tmp-"
# SQLite (and so GDAL's GeoPackage driver) may leave these beside a database it was writing.
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")
# A temporary of another process that cannot be asked whether it still runs (Windows) is stale
# when it has not been touched for this long.
_STALE_AFTER_S = 24 * 3600
# Temporary files this process is writing (several threads may write beside one target).
_CLAIMED: set[Path] = set()
_CLAIMS_LOCK = threading.Lock()


@contextmanager
def files_replaced_atomically(
    targets: Sequence[Path],
    error: Callable[[str], CityPlannerError],
    extension: str | None = None,
) -> Iterator[list[Path]]:
    """Temporary paths beside ``targets`` that replace them, all together, when the block succeeds.

    Each temporary file is ``.<target name>.tmp-<pid><extension>`` in the target's folder
    (``extension`` defaults to the target's own; GDAL picks its driver by it). When the block
    succeeds every temporary file is flushed to disk, then each replaces its target with
    ``os.replace``; when anything fails, or the process is interrupted, every temporary file (and
    any SQLite journal beside it) is removed and no target changes. Temporaries of this pattern
    that an earlier, killed process left beside a target are removed first.

    Parameters
    ----------
    targets : sequence of Path
        The files to write.
    error : callable
        Builds the error to raise from the cause of a failure, a phrase naming the folder
        (for instance ``"the disk holding the folder /data is full"``).
    extension : str, optional
        Ending of the temporary files, such as ``".gpkg"``.

    Raises
    ------
    CityPlannerError
        ``error(cause)`` when the file system, SQLite or GDAL refuse a write, a flush or a rename
        (also when the block raised a :class:`CityPlannerError` caused by such a refusal); other
        errors raised in the block propagate unchanged.
    """
    temporaries = []
    try:
        for target in targets:
            _remove_stale_temporaries(target)
            temporaries.append(_claim_temporary(target, extension or target.suffix))
        yield list(temporaries)
        for tmp in temporaries:
            _fsync_path(tmp)
        for tmp, target in zip(temporaries, targets, strict=True):
            os.replace(tmp, target)
        if os.name == "posix":  # make the renames themselves durable; Windows cannot open folders
            for folder in dict.fromkeys(t.parent for t in targets):
                _fsync_path(folder)
    except BaseException as err:
        folder = targets[0].parent if targets else Path(".")
        cause = write_failure_cause(err, folder)
        for tmp in temporaries:
            _remove_temporary(tmp)
        if cause is not None:
            raise error(cause) from err
        raise
    finally:
        with _CLAIMS_LOCK:
            _CLAIMED.difference_update(temporaries)


def _claim_temporary(target: Path, extension: str) -> Path:
    """``.<name>.tmp-<pid><extension>`` beside ``target``; ``-<n>`` is added while another thread of
    this process writes that one."""
    with _CLAIMS_LOCK:
        tmp, n = target.with_name(f".{target.name}{_TMP_MARK}{os.getpid()}{extension}"), 2
        while tmp in _CLAIMED:
            tmp, n = target.with_name(f".{target.name}{_TMP_MARK}{os.getpid()}-{n}{extension}"), n + 1
        _CLAIMED.add(tmp)
    _remove_temporary(tmp)  # left by an earlier process of the same id
    return tmp


def write_failure_cause(err: BaseException, folder: Path) -> str | None:
    """Why writing in ``folder`` failed, as a phrase naming the folder; None when not an OS refusal.

    Looks through ``err`` and the errors it was raised from for the file system's, SQLite's or
    GDAL's refusal (a full disk, a file size limit, no permission, a read-only disk ...). SQLite
    and GDAL do not say why a write failed beyond "disk I/O error"; the free space in ``folder`` and
    the file size limit of the process tell a full disk and a size limit apart from other failures.
    """
    chain = list(_error_chain(err))
    for link in chain:
        if isinstance(link, OSError) and link.errno is not None:
            return _errno_phrase(link.errno, link.strerror or str(link), folder)
        if isinstance(link, _WRITE_ERRORS):
            phrase = _message_phrase(link, folder)
            if phrase is not None:
                return phrase
    if any(isinstance(link, _WRITE_ERRORS) for link in chain):
        # GDAL often reports the statement that failed ("no such table: gpkg_contents" when the
        # table could not be created), not why: a full disk or a file at the size limit tells.
        probed = _probe_write_errno(folder)
        if probed != errno.EIO:
            return _errno_phrase(probed, os.strerror(probed), folder)
    for link in chain:
        if isinstance(link, CityPlannerError):
            return None  # a refusal of ours (values a GeoPackage cannot store ...): its sentence stands
        if isinstance(link, _WRITE_ERRORS):
            return f"writing in the folder {folder} failed ({link})"
    return None


def _error_chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


_ERRNO_PHRASES = {
    errno.ENOSPC: "the disk holding the folder {folder} is full",
    getattr(errno, "EDQUOT", -1): "the disk quota for the folder {folder} is used up",  # not on Windows
    errno.EFBIG: "a file in the folder {folder} grew beyond the size limit this system sets for one file",
    errno.EACCES: "there is no permission to write in the folder {folder}",
    errno.EPERM: "there is no permission to write in the folder {folder}",
    errno.EROFS: "the folder {folder} is on a read-only disk",
    errno.ENOENT: "the folder {folder} does not exist",
    errno.ENOTDIR: "the folder {folder} does not exist (part of its path is a file)",
    errno.EIO: "the disk holding the folder {folder} reported an input/output error (removed or damaged?)",
    errno.EISDIR: "the folder {folder} holds a folder of that name",
}


def _errno_phrase(number: int, strerror: str, folder: Path) -> str:
    template = _ERRNO_PHRASES.get(number)
    if template is None:
        return f"writing in the folder {folder} failed ({strerror})"
    return template.format(folder=folder)


# What SQLite and GDAL say instead of an errno, and the errno it stands for.
_MESSAGE_ERRNOS = (
    ("database or disk is full", errno.ENOSPC),
    ("no space left on device", errno.ENOSPC),
    ("file too large", errno.EFBIG),
    ("disk quota exceeded", getattr(errno, "EDQUOT", -1)),
    ("read-only file system", errno.EROFS),
    ("attempt to write a readonly database", errno.EACCES),
    ("permission denied", errno.EACCES),
    ("unable to open database file", errno.EACCES),
)


def _message_phrase(err: BaseException, folder: Path) -> str | None:
    message = str(err).lower()
    for text, number in _MESSAGE_ERRNOS:
        if text in message:
            if number == errno.EACCES and not folder.is_dir():
                number = errno.ENOENT
            return _errno_phrase(number, text, folder)
    if "disk i/o error" in message or "i/o error" in message or "short write" in message:
        return _errno_phrase(_probe_write_errno(folder), "input/output error", folder)
    return None


def _probe_write_errno(folder: Path) -> int:
    """ENOSPC when ``folder``'s disk is (nearly) full, EFBIG under a file size limit, else EIO.

    SQLite rolls a failed transaction back, truncating the file again, so the size a file
    reached is gone by now; a process with a file size limit at all most likely met it.
    """
    try:
        if shutil.disk_usage(folder).free < 1 << 20:
            return errno.ENOSPC
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return errno.EIO
    if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
        return errno.EFBIG
    return errno.EIO


def _remove_temporary(tmp: Path) -> None:
    for path in (tmp, *(Path(f"{tmp}{side}") for side in _SQLITE_SIDE_FILES)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # the folder refuses: nothing more can be done, and the error says why


def _remove_stale_temporaries(target: Path) -> None:
    """Remove temporaries of ``target`` left by processes that no longer run (killed mid-save).

    Both this module's pattern (``.<name>.tmp-<pid>[-<n>].<ext>``) and the one earlier versions
    used (``<name>.tmp-<pid>``) are recognised, with their SQLite journals.
    """
    ours = re.compile(
        rf"(?:\.{re.escape(target.name)}{re.escape(_TMP_MARK)}(\d+)(?:-\d+)?\.[^.]+"
        rf"|{re.escape(target.name)}{re.escape(_TMP_MARK)}(\d+))"
        rf"(?:{'|'.join(map(re.escape, _SQLITE_SIDE_FILES))})?"
    )
    if not target.parent.is_dir():
        return
    pattern = f"*{glob.escape(target.name)}{_TMP_MARK}*"
    for name in glob.glob(pattern, root_dir=target.parent, include_hidden=True):
        match = ours.fullmatch(name)
        if match is None:
            continue
        path = target.parent / name
        if _left_by_a_dead_process(path, int(match.group(1) or match.group(2))):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass


def _left_by_a_dead_process(path: Path, pid: int) -> bool:
    if pid == os.getpid():
        return False  # another thread of this process may be writing it
    if os.name == "posix":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False  # it runs, as another user
        return False
    try:
        return time.time() - path.stat().st_mtime > _STALE_AFTER_S
    except OSError:
        return False


# -- saving -------------------------------------------------------------------------------------
def save_project(project: Project, path: str | os.PathLike, progress: Progress | None = None) -> Path:
    """Write ``project`` to ``path`` atomically (temporary file, fsync, ``os.replace``).

    The project object is not modified. If anything fails, or the process dies, the file that was
    at ``path`` before is left untouched and the temporary file is removed (when still possible;
    a later save removes what a killed process left).

    Parameters
    ----------
    project : Project
        The project to save.
    path : str or os.PathLike
        Target ``.cityplan`` file; its folder must exist.
    progress : Progress, optional
        Receives progress per layer; cancelling leaves the old file in place.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ProjectError
        When the folder does not exist, the file cannot be written (one sentence naming the folder
        and the cause: a full disk, no permission ...), or a layer holds values a GeoPackage cannot
        store.
    """
    target = Path(path)
    if target.is_dir():
        raise ProjectError(f"Cannot save the project to {target}: it is a folder, not a file.")
    if not target.parent.is_dir():
        raise ProjectError(f"Cannot save the project to {target}: the folder {target.parent} does not exist.")

    def failed(cause: str) -> ProjectError:
        return ProjectError(f"Cannot save the project to {target}: {cause}.")

    # The temporary file ends in .gpkg, or GDAL warns that a GeoPackage should.
    with files_replaced_atomically([target], failed, extension=".gpkg") as (tmp,):
        with _SAVE_LOCK, _unsynced_sqlite_writes():
            _write_gpkg(project, tmp, target, progress)
    report(progress, 1.0, "Project saved")
    return target


def _write_gpkg(project: Project, tmp: Path, target: Path, progress: Progress | None) -> None:
    """Write every table of the project into the new GeoPackage ``tmp`` (to become ``target``)."""
    settings = [_setting_record(str(k), v) for k, v in project.settings.items()]  # fail before writing
    crs = project.crs
    total = sum(lyr.feature_count for lyr in project.layers.values()) or 1
    done = 0
    used_tables = {PLACEMENTS_TABLE, PRIORITY_TABLE}
    layer_rows = []
    for order, lyr in enumerate(project.layers.values()):
        report(progress, 0.9 * done / total, f"Saving layer {lyr.name}")
        table = _unique_table_name(lyr.name, used_tables)
        columns = _write_layer(lyr, tmp, target, table, crs)
        layer_rows.append(
            (
                lyr.name,
                table,
                lyr.source,
                lyr.source_layer,
                lyr.source_crs,
                lyr.role,
                json.dumps(list(lyr.notes), ensure_ascii=False),
                order,
                json.dumps(columns, ensure_ascii=False),
            )
        )
        done += lyr.feature_count
    report(progress, 0.9, "Saving scenarios")
    placements = _placements_frame(project)
    _write_frame(placements, tmp, target, PLACEMENTS_TABLE, "the placements", geometry_type="Point")
    priority = _priority_frame(project)
    if priority is not None:
        _write_frame(priority, tmp, target, PRIORITY_TABLE, "the priority zones")
    _write_metadata(project, tmp, layer_rows, settings)


def _unique_table_name(layer_name: str, used: set[str]) -> str:
    """``layer_<ascii name>``, lower case (SQLite names are case-insensitive), unique in ``used``."""
    folded = unicodedata.normalize("NFKD", layer_name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = folded.encode("ascii", "ignore").decode().lower()
    base = LAYER_PREFIX + (re.sub(r"[^0-9a-z]+", "_", ascii_name).strip("_")[:40] or "unnamed")
    table, i = base, 2
    while table in used:
        table, i = f"{base}_{i}", i + 1
    used.add(table)
    return table


def _write_layer(lyr: Layer, tmp: Path, target: Path, table: str, crs: CRS) -> list[dict]:
    """Write one layer's features; return the column manifest that restores names and dtypes."""
    gdf = lyr.gdf
    geometry_name = gdf.geometry.name
    used_fields = {_GEOMETRY_FIELD, _FID_FIELD}
    columns: list[dict] = []
    renames: dict = {}
    for col in gdf.columns:
        if col == geometry_name:
            columns.append({"name": col, "geometry": True})
            continue
        # GeoPackage field names are case-insensitive and must not take the geometry/FID names.
        field, i = str(col), 2
        while field.lower() in used_fields:
            field, i = f"{col}_{i}", i + 1
        used_fields.add(field.lower())
        if field != col:
            renames[col] = field
        columns.append({"name": col, "field": field, "dtype": str(gdf[col].dtype)})
    out = gdf.rename(columns=renames) if renames else gdf
    mixed = [c for c in out.columns if c != geometry_name and not _arrow_can_store(out[c])]
    if mixed:
        # Columns mixing e.g. numbers and text are stored as text (a GeoPackage field has one type).
        out = out.assign(**{c: out[c].astype(str).where(out[c].notna(), None) for c in mixed})
    out = out.rename_geometry("geometry") if geometry_name != "geometry" else out
    if out.crs is None:
        out = out.set_crs(crs)
    elif not CRS.from_user_input(out.crs).equals(crs):
        out = out.to_crs(crs)  # every table of the file is in the working CRS
    _write_frame(out, tmp, target, table, f"layer '{lyr.name}'")
    return columns


def _arrow_can_store(column: pd.Series) -> bool:
    if column.dtype != np.dtype(object):
        return True
    try:
        pa.array(column, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return False
    return True


def _write_frame(
    gdf: gpd.GeoDataFrame,
    tmp: Path,
    target: Path,
    table: str,
    what: str,
    geometry_type: str | None = None,
) -> None:
    try:
        with _gdal_accepts_our_extension():
            pyogrio.write_dataframe(
                gdf,
                tmp,
                layer=table,
                driver="GPKG",
                use_arrow=True,
                promote_to_multi=False,  # keep Polygon and MultiPolygon rows exactly as they are
                geometry_type=geometry_type,
                layer_options=_LAYER_OPTIONS,
            )
    except _GDAL_ERRORS as err:
        raise ProjectError(f"Cannot save {what} into {target}: {err}") from err


def _placements_frame(project: Project) -> gpd.GeoDataFrame:
    rows = [(sc.name, p) for sc in project.scenarios.values() for p in sc.placements]
    places = [p for _, p in rows]
    return gpd.GeoDataFrame(
        {
            "scenario": pd.Series([name for name, _ in rows], dtype=str),
            "id": pd.Series([p.id for p in places], dtype=str),
            "type": pd.Series([p.type for p in places], dtype=str),
            "name": pd.Series([p.name for p in places], dtype=str),
            "capacity": _optional_floats([p.capacity for p in places]),
            "source": pd.Series([p.source for p in places], dtype=str),
            "marginal_gain": _optional_floats([p.marginal_gain for p in places]),
            "cost": _optional_floats([p.cost for p in places]),
        },
        geometry=gpd.points_from_xy([p.x for p in places], [p.y for p in places]),
        crs=project.crs,
    )


def _optional_floats(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype="float64")


def _priority_frame(project: Project) -> gpd.GeoDataFrame | None:
    """Prioritised zones with their geometry, for viewing in QGIS (None when there are none)."""
    if not project.priority or project.zones_layer not in project.layers:
        return None
    zones = project.layers[project.zones_layer].gdf
    index = np.fromiter(project.priority.keys(), dtype="int64", count=len(project.priority))
    tier = np.fromiter(project.priority.values(), dtype="int64", count=len(project.priority))
    inside = (index >= 0) & (index < len(zones))
    if not inside.any():
        return None
    return gpd.GeoDataFrame(
        {"zone_index": index[inside], "tier": tier[inside]},
        geometry=zones.geometry.to_numpy()[index[inside]],
        crs=project.crs,
    )


def _crs_record(crs: CRS) -> tuple[str, str]:
    """(authority code if it reproduces ``crs`` exactly else '', WKT2)."""
    authority = crs.to_authority(min_confidence=100)
    code = ":".join(authority) if authority else ""
    if code and not CRS.from_user_input(code).equals(crs):
        code = ""
    return code, crs.to_wkt()


def _setting_record(key: str, value: object) -> tuple[str, str, str]:
    """(key, text, type) so numbers come back as numbers."""
    if isinstance(value, bool | np.bool_):
        return key, str(bool(value)), "bool"
    if isinstance(value, numbers.Integral):
        return key, str(int(value)), "int"
    if isinstance(value, numbers.Real):
        return key, repr(float(value)), "float"
    if isinstance(value, str):
        return key, value, "str"
    raise ProjectError(
        f"Setting '{key}' holds a {type(value).__name__}; a project file stores only text and numbers."
    )


def _write_metadata(project: Project, tmp: Path, layer_rows: list[tuple], settings: list[tuple]) -> None:
    crs_code, crs_wkt = _crs_record(project.crs)
    rows = {
        "cp_project": [
            ("format_version", str(FORMAT_VERSION)),
            ("saved_by", f"CityPlanner {__version__}"),
            ("name", project.name),
            ("crs", crs_code),
            ("crs_wkt", crs_wkt),
            ("zones_layer", project.zones_layer),
            ("population_field", project.population_field),
        ],
        "cp_layers": layer_rows,
        "cp_facility_types": [
            (
                ft.name,
                ft.label,
                ft.icon,
                ft.color,
                float(ft.radius_m),
                float(ft.capacity),
                float(ft.unit_cost),
                ft.layer,
                ft.label_vi,
                ft.capacity_unit,
                order,
                ft.capacity_field or None,
                float(ft.area_per_point_m2 or 0.0),
            )
            for order, ft in enumerate(project.facility_types.values())
        ],
        "cp_scenarios": [
            (sc.name, sc.description, order) for order, sc in enumerate(project.scenarios.values())
        ],
        "cp_priority": [(int(zone), int(tier)) for zone, tier in project.priority.items()],
        "cp_kpi_targets": [(str(k), float(v)) for k, v in project.kpi_targets.items()],
        "cp_settings": settings,
    }
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA synchronous = OFF")  # the whole file is fsynced before it replaces the old one
        # No "with con": when SQLite has already rolled back (a full disk), its rollback would raise
        # "cannot rollback - no transaction is active" in place of the real error. The temporary
        # file is thrown away on any failure, so nothing needs undoing.
        con.execute("BEGIN")
        for table, column_defs in _METADATA_TABLES.items():
            names = [c.split()[0] for c in column_defs]
            # GeoPackage attribute tables need an integer primary key.
            con.execute(
                f"CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                + ", ".join(column_defs)
                + ")"
            )
            con.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                rows[table],
            )
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES (?, 'attributes', ?, ?)",
                (table, table, _METADATA_DESCRIPTIONS[table]),
            )
        con.commit()
    finally:
        con.close()


@contextmanager
def _unsynced_sqlite_writes() -> Iterator[None]:
    """Let GDAL skip SQLite's fsync after each transaction while it writes the temporary file.

    The temporary file is fsynced as a whole before it replaces the project, so syncing every
    transaction buys no safety; skipping it makes saving about twice as fast. GDAL config options
    are process-wide, hence the lock held by the caller so concurrent saves cannot leave it OFF.
    """
    previous = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": previous})


@contextmanager
def _gdal_accepts_our_extension() -> Iterator[None]:
    """Silence GDAL's warning, on every write and read, that the file does not end in ".gpkg".

    The ".cityplan" extension is deliberate; the file still carries the GeoPackage application id.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*should be 'gpkg' instead of", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=r".*non conformant file extension", category=RuntimeWarning)
        yield


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- loading ------------------------------------------------------------------------------------
def load_project(path: str | os.PathLike, progress: Progress | None = None) -> Project:
    """Read a ``.cityplan`` written by :func:`save_project`.

    Parameters
    ----------
    path : str or os.PathLike
        The project file.
    progress : Progress, optional
        Receives progress per layer.

    Returns
    -------
    Project
        Every field as saved: layers (same columns, dtypes and row order; the index is 0..n-1),
        zone layer and population field, priority, facility types, scenarios with their
        placements (same ids), KPI targets and settings.

    Raises
    ------
    ProjectError
        When the file is missing, is not a GeoPackage, is damaged or truncated, is a GeoPackage
        but not a CityPlanner project, was written by a newer CityPlanner, or holds a part it
        cannot open without (see :mod:`cityplanner.project_schema`).

    Warns
    -----
    ProjectWarning
        One sentence naming the file and the parts left out (damaged or edited by hand).
    """
    source = Path(path)
    check = LoadCheck(source)  # everything read is checked against the schema (project_schema)
    check.file()
    _check_is_geopackage(source)
    try:
        # One read transaction copies the whole file, so a save replacing it meanwhile (or QGIS
        # editing it) gives the old or the new version, never tables of both.
        copy = _snapshot(source)
        try:
            check.snapshot(copy, FORMAT_VERSION)
            tables = _read_metadata(source, copy)
            snapshot = copy.serialize()
        finally:
            copy.close()
        project = _project_from_metadata(source, tables)
        layer_rows = tables["cp_layers"]
        total = len(layer_rows) or 1
        for i, row in enumerate(layer_rows):
            report(progress, 0.9 * i / total, f"Loading layer {row['name']}")
            with check.reading(f"layer '{row['name']}'", drop=row["name"] != project.zones_layer):
                project.layers[row["name"]] = _read_layer(snapshot, row, project.crs)
        report(progress, 0.9, "Loading scenarios")
        with check.reading("the placements"):
            _read_placements(source, snapshot, project)
        check.project(project)
    except (*_GDAL_ERRORS, sqlite3.Error, KeyError, ValueError, TypeError, CRSError) as err:
        raise ProjectError(
            f"{source} is damaged or incomplete and cannot be opened as a project ({err})."
        ) from err
    except MemoryError as err:
        raise ProjectError(f"{source} is too big to open with the memory available.") from err
    check.warn()
    report(progress, 1.0, "Project loaded")
    return project


def _check_is_geopackage(source: Path) -> None:
    if not source.exists():
        raise ProjectError(f"The project file {source} does not exist.")
    if source.is_dir():
        raise ProjectError(f"{source} is a folder, not a project file.")
    try:
        with open(source, "rb") as fh:
            header = fh.read(len(_SQLITE_MAGIC))
    except OSError as err:
        raise ProjectError(f"Cannot read the project file {source}: {err.strerror}.") from err
    if not header:
        raise ProjectError(f"The project file {source} is empty.")
    if header != _SQLITE_MAGIC:
        raise ProjectError(f"{source} is not a CityPlanner project: it is not a GeoPackage.")


def _snapshot(source: Path) -> sqlite3.Connection:
    """An in-memory copy of the whole file, taken within one read transaction (SQLite backup).

    The file is opened once; on POSIX a save that replaces it by a rename meanwhile leaves the
    opened file whole, and one backup step holds SQLite's read lock for the whole copy.
    """
    con = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(":memory:")
        try:
            con.backup(copy)  # pages=-1: every page in one step
        except BaseException:
            copy.close()
            raise
    finally:
        con.close()
    return copy


def _read_metadata(source: Path, con: sqlite3.Connection) -> dict[str, list[sqlite3.Row]]:
    """Check the snapshot's integrity and read the ``cp_*`` tables."""
    con.row_factory = sqlite3.Row
    problems = [r[0] for r in con.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise ProjectError(
            f"{source} is damaged or incomplete and cannot be opened as a project ({problems[0]})."
        )
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "gpkg_contents" not in names:
        raise ProjectError(f"{source} is not a CityPlanner project: it is not a GeoPackage.")
    if "cp_project" not in names:
        raise ProjectError(
            f"{source} is a GeoPackage but not a CityPlanner project (it has no cp_project table)."
        )
    meta = {r["key"]: r["value"] for r in con.execute("SELECT key, value FROM cp_project")}
    version = int(meta.get("format_version") or 0)
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{source} was saved by a newer CityPlanner (project format {version}); "
            f"this version reads formats up to {FORMAT_VERSION}, so please update CityPlanner."
        )
    order = {
        "cp_layers": "layer_order",
        "cp_facility_types": "type_order",
        "cp_scenarios": "scenario_order",
        "cp_priority": "fid",
        "cp_kpi_targets": "fid",
        "cp_settings": "fid",
    }
    tables: dict[str, list] = {"cp_project": [meta]}
    for table, column in order.items():
        tables[table] = list(con.execute(f"SELECT * FROM {table} ORDER BY {column}"))
    return tables


def _project_from_metadata(source: Path, tables: dict[str, list]) -> Project:
    meta = tables["cp_project"][0]
    crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_wkt(meta["crs_wkt"])
    return Project(
        crs=crs,
        name=meta.get("name") or "",
        zones_layer=meta.get("zones_layer") or "",
        population_field=meta.get("population_field") or "",
        priority={int(r["zone_index"]): int(r["tier"]) for r in tables["cp_priority"]},
        facility_types={
            r["name"]: FacilityType(
                name=r["name"],
                label=r["label"] or "",
                icon=r["icon"] or "",
                color=r["color"] or "",
                radius_m=_real(r["radius_m"]),
                capacity=_real(r["capacity"]),
                unit_cost=_real(r["unit_cost"]),
                layer=r["layer"],
                label_vi=r["label_vi"] or "",
                capacity_unit=r["capacity_unit"] or "",
                capacity_field=(r["capacity_field"] or None) if "capacity_field" in r.keys() else None,
                area_per_point_m2=(r["area_per_point_m2"] or 0.0) if "area_per_point_m2" in r.keys() else 0.0,
            )
            for r in tables["cp_facility_types"]
        },
        scenarios={r["name"]: Scenario(r["name"], r["description"] or "") for r in tables["cp_scenarios"]},
        kpi_targets={r["kpi_id"]: _real(r["target"]) for r in tables["cp_kpi_targets"]},
        settings={r["key"]: _setting_value(source, r) for r in tables["cp_settings"]},
    )


def _real(value: float | None) -> float:
    """A REAL cell as float; SQLite stores NaN as NULL."""
    return float("nan") if value is None else float(value)


def _setting_value(source: Path, row: sqlite3.Row) -> str | float | int | bool:
    value, kind = row["value"], row["value_type"]
    if kind == "str":
        return value or ""
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return value == "True"
    raise ProjectError(f"{source} has setting '{row['key']}' of unknown type '{kind}'.")


def _read_layer(snapshot: bytes, row: sqlite3.Row, crs: CRS) -> Layer:
    """One layer from ``snapshot`` (the bytes of the whole file)."""
    with _gdal_accepts_our_extension():
        raw = pyogrio.read_dataframe(snapshot, layer=row["table_name"], use_arrow=True)
    data = {}
    geometry_name = "geometry"
    for col in json.loads(row["columns"]):
        if col.get("geometry"):
            geometry_name = col["name"]
            data[geometry_name] = raw.geometry.array
        else:
            data[col["name"]] = _restore_dtype(raw[col["field"]], col["dtype"])
    gdf = gpd.GeoDataFrame(data, geometry=geometry_name, crs=crs)
    return Layer(
        name=row["name"],
        gdf=gdf,
        source=row["source"] or "",
        source_layer=row["source_layer"],
        source_crs=row["source_crs"] or "",
        role=row["role"],
        notes=list(json.loads(row["notes"] or "[]")),
    )


def _restore_dtype(series: pd.Series, dtype_name: str) -> pd.Series:
    """Cast a column read from the GeoPackage back to the dtype it was saved with."""
    want = pandas_dtype(dtype_name)
    if series.dtype == want:
        return series
    if want == np.dtype(object):
        # Missing values of object columns come back as NaN; pandas readers give None there.
        return series.astype(object).where(series.notna(), None)
    return series.astype(want)


def _read_placements(source: Path, snapshot: bytes, project: Project) -> None:
    with _gdal_accepts_our_extension():
        raw = pyogrio.read_dataframe(snapshot, layer=PLACEMENTS_TABLE, use_arrow=True)
    if raw.empty:
        return
    x = shapely.get_x(raw.geometry.array).tolist()
    y = shapely.get_y(raw.geometry.array).tolist()
    capacity = raw["capacity"].to_numpy(dtype="float64")
    gain = raw["marginal_gain"].to_numpy(dtype="float64")
    # Placements' own costs came later: files saved before have no such column.
    cost = raw["cost"].to_numpy(dtype="float64") if "cost" in raw.columns else np.full(len(raw), np.nan)
    # Columns as lists once: a cell lookup per row (``.iat``) took minutes for 100,000 placements.
    types, names, sources, ids = (raw[c].tolist() for c in ("type", "name", "source", "id"))
    for i, scenario in enumerate(raw["scenario"].tolist()):
        if scenario not in project.scenarios:
            raise ProjectError(f"{source} has placements of a scenario '{scenario}' it does not list.")
        project.scenarios[scenario].placements.append(
            Placement(
                type=types[i],
                x=x[i],
                y=y[i],
                name=_text(names[i]),
                capacity=None if np.isnan(capacity[i]) else float(capacity[i]),
                source=_text(sources[i]),
                marginal_gain=None if np.isnan(gain[i]) else float(gain[i]),
                id=ids[i],
                cost=None if np.isnan(cost[i]) else float(cost[i]),
            )
        )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# -- summary ------------------------------------------------------------------------------------
def project_summary(project: Project) -> dict:
    """What ``cityplanner show`` prints and the app's project panel lists.

    Returns
    -------
    dict
        ``project, crs, zones_layer, population_field, population_total`` (None without a zone
        layer and population field), ``layers`` (``name, role, geometry_type, feature_count,
        source, source_crs``), ``facility_types`` (every field), ``scenarios`` (``name,
        description, placements`` as {type: count}, every facility type listed) and
        ``priority_zones`` ({"1": n, "2": n, "3": n}).
    """
    population_total = None
    zones = project.layers.get(project.zones_layer)
    if zones is not None and project.population_field in zones.gdf.columns:
        population_total = float(project.population.sum())
    tiers = Counter(project.priority.values())
    return {
        "project": project.name,
        "crs": project.crs.to_string(),
        "zones_layer": project.zones_layer,
        "population_field": project.population_field,
        "population_total": population_total,
        "layers": [
            {
                "name": lyr.name,
                "role": lyr.role,
                "geometry_type": lyr.geometry_type,
                "feature_count": lyr.feature_count,
                "source": lyr.source,
                "source_crs": lyr.source_crs,
            }
            for lyr in project.layers.values()
        ],
        "facility_types": [dataclasses.asdict(ft) for ft in project.facility_types.values()],
        "scenarios": [
            {
                "name": sc.name,
                "description": sc.description,
                "placements": _placement_counts(project, sc),
            }
            for sc in project.scenarios.values()
        ],
        "priority_zones": {str(tier): tiers.get(tier, 0) for tier in (1, 2, 3)},
    }


def _placement_counts(project: Project, scenario: Scenario) -> dict[str, int]:
    counts = Counter(p.type for p in scenario.placements)
    ordered = {name: counts.pop(name, 0) for name in project.facility_types}
    ordered.update(counts)  # placements of a type the project no longer defines
    return ordered
