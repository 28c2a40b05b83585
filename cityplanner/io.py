"""Layer IO: list and read vector layers from the files planners have, checked and repaired.

Reading goes through pyogrio with Arrow (``use_arrow=True``); GeoParquet through
:func:`geopandas.read_parquet`; CSV through pandas (lon/lat, x/y or WKT columns); fiona only when
the pyogrio build does not recognise a format. Every problem a planner can fix becomes a
:class:`~cityplanner.errors.LayerLoadError` with one sentence naming the file and the problem.

:func:`read_layer` returns the layer in its *source* CRS, 2D, with valid geometries of one
dimension; :attr:`Layer.notes` says what was repaired. Reprojection to the project's working CRS
happens in :meth:`Project.add_layer`.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import os
import re
import sqlite3
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .errors import LayerLoadError
from .project import Layer

# File extensions CityPlanner reads, with the format name used in messages.
FORMATS = {
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".fgb": "FlatGeobuf",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".osm": "OSM XML",
    ".pbf": "OSM PBF",
    ".csv": "CSV",
}

# Column names recognised in CSV files (compared case-insensitively).
# ArcGIS exports write POINT_X/POINT_Y; Vietnamese tables kinh độ (longitude) / vĩ độ (latitude).
LON_COLUMNS = ("lon", "lng", "long", "longitude", "kinh_do", "kinh độ", "x", "point_x", "easting")
LAT_COLUMNS = ("lat", "latitude", "vi_do", "vĩ độ", "y", "point_y", "northing")
# Of those, the names that can only mean degrees of longitude/latitude.
DEGREE_COLUMNS = (
    *("lon", "lng", "long", "longitude", "kinh_do", "kinh độ"),
    *("lat", "latitude", "vi_do", "vĩ độ"),
)
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom")

# Encodings tried, in order, for attribute text without a declared encoding: Vietnamese Windows
# data is usually Windows-1258, older Western tools wrote Windows-1252.
FALLBACK_ENCODINGS = ("utf-8", "cp1258", "cp1252")
_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1258": "Windows-1258", "cp1252": "Windows-1252"}

_OGR_FIELD_TYPES = {
    "OFTString": "string",
    "OFTInteger": "integer",
    "OFTInteger64": "integer",
    "OFTReal": "real",
    "OFTDate": "date",
    "OFTTime": "time",
    "OFTDateTime": "datetime",
    "OFTBinary": "binary",
}
_DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}
_MULTI_BUILDERS = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
# shapely type ids of the multi-part types and collections.
_COLLECTION_TYPE_IDS = (4, 5, 6, 7)
_GEOMETRYCOLLECTION_TYPE_ID = 7


@dataclass(frozen=True)
class FieldInfo:
    """An attribute column: its name and a simple type (string, integer, real, date, ...)."""

    name: str
    type: str


@dataclass(frozen=True)
class LayerInfo:
    """What a file holds in one layer, read without loading the features."""

    name: str
    geometry_type: str
    crs: str | None
    feature_count: int
    fields: tuple[FieldInfo, ...]

    def to_dict(self) -> dict:
        """Plain dict for JSON output (``fields`` as a list of ``{"name", "type"}``)."""
        out = asdict(self)
        out["fields"] = [asdict(f) for f in self.fields]
        return out


# -- sources ----------------------------------------------------------------------------------------
def parse_source(spec: str | os.PathLike) -> tuple[Path, str | None]:
    """Split ``"FILE[:LAYER]"`` into the file path and the layer name (None when not given).

    The split happens on the last ``':'`` only when the part before it is an existing file or has
    a known extension, so Windows paths such as ``C:\\data\\zones.gpkg`` stay whole.
    """
    text = os.fspath(spec)
    if os.path.exists(text) or ":" not in text:
        return Path(text), None
    head, _, tail = text.rpartition(":")
    if os.path.exists(head) or Path(head).suffix.lower() in FORMATS:
        return Path(head), (tail or None)
    return Path(text), None


def describe_source(path: str | os.PathLike, layer: str | None = None) -> str:
    """How messages name an input: the path, plus the layer inside a multi-layer file."""
    return f"'{os.fspath(path)}'" + (f" (layer '{layer}')" if layer else "")


# Largest files read whole into memory by CityPlanner itself (GDAL streams the other formats):
# a CSV table of points (pandas needs about ten times its size) and a GeoJSON file (read once to
# detect its text encoding). Larger data belongs in a GeoPackage.
MAX_CSV_BYTES = 256 * 1024**2
MAX_JSON_BYTES = 1024**3
# The dBASE format caps a .dbf at 2 GB; a bigger one is not a shapefile part (and is read whole).
MAX_DBF_BYTES = 2 * 1024**3
# Longest value in a CSV cell: Python's csv module stops at 128 KiB, shorter than the WKT of a
# detailed ward boundary; longer than this is not a table cell.
MAX_CSV_FIELD_CHARS = 16 * 1024**2
# Most columns a CSV table may have: a wider one is not a table of places (pandas takes minutes).
MAX_CSV_COLUMNS = 10_000
# GDAL's KML driver holds a whole file in memory.
MAX_KML_BYTES = 1024**3
_SIZE_LIMITS = {
    ".csv": MAX_CSV_BYTES,
    ".geojson": MAX_JSON_BYTES,
    ".json": MAX_JSON_BYTES,
    ".kml": MAX_KML_BYTES,
}


def special_file_kind(mode: int) -> str | None:
    """What a file of ``mode`` (``os.stat``) is when it is neither a regular file nor a folder."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def os_error_phrase(err: OSError) -> str:
    """Why the file system refused to open or read a file, as a phrase for a message."""
    phrases = {
        errno.ENAMETOOLONG: "its name is too long for the file system (at most 255 bytes per name)",
        errno.ELOOP: "it is a symbolic link that leads round in a loop",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "it does not exist",
        errno.ENOTDIR: "part of its path is a file, not a folder",
        errno.EIO: "the disk reported an input/output error",
        errno.EISDIR: "it is a folder",
    }
    return phrases.get(err.errno, err.strerror or str(err))


def check_readable(path: Path) -> None:
    """Refuse, before anything opens it, what cannot or must not be read: a missing or unreadable
    file, a name the file system refuses, special files (a FIFO blocks for ever, a device never
    ends) and links to them, an empty file, and one over the size CityPlanner reads whole."""
    try:
        info = os.stat(path)  # follows links: a link to /dev/zero is a device
    except OSError as err:
        if err.errno == errno.ENOENT:
            dangling = os.path.islink(path)
            raise LayerLoadError(
                f"File '{path}' does not exist" + (" (it is a link to a missing file)." if dangling else ".")
            ) from err
        raise LayerLoadError(f"File '{path}' cannot be read: {os_error_phrase(err)}.") from err
    kind = special_file_kind(info.st_mode)
    if kind is not None:
        raise LayerLoadError(
            f"File '{path}' is {kind}, not a data file; CityPlanner reads regular files only."
        )
    if not stat.S_ISREG(info.st_mode):
        return  # a folder: GDAL reads some (a folder of shapefiles); it says what it makes of others
    if not os.access(path, os.R_OK):
        raise LayerLoadError(f"File '{path}' cannot be read (permission denied).")
    if info.st_size == 0:
        raise LayerLoadError(f"File '{path}' is empty (0 bytes).")
    limit = _SIZE_LIMITS.get(path.suffix.lower())
    if limit is not None and info.st_size > limit:
        fmt = FORMATS[path.suffix.lower()]
        raise LayerLoadError(
            f"File '{path}' is {_size_text(info.st_size)}, more than the {_size_text(limit)} CityPlanner "
            f"reads from a {fmt} file; convert it to a GeoPackage (e.g. in QGIS) and load that."
        )


@contextmanager
def _failures_named(path: Path) -> Iterator[None]:
    """What the file system or the memory refuse while reading ``path``, as one sentence."""
    try:
        yield
    except OSError as err:
        raise LayerLoadError(f"File '{path}' cannot be read: {os_error_phrase(err)}.") from err
    except MemoryError as err:
        raise LayerLoadError(f"File '{path}' is too big to read with the memory available.") from err
    except RecursionError as err:
        raise LayerLoadError(f"File '{path}' nests its data too deeply to be read.") from err


def _check_geopackage_tables(path: Path) -> None:
    """Refuse a GeoPackage with an SQL view, or computed columns in a layer GDAL would read.

    A recursive view never ends and a computed column can build a value of any size from nothing;
    GDAL evaluates either while listing or reading the layers (it lists views the GeoPackage does
    not register, too). A file SQLite cannot open is left for GDAL to name.
    """
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, ValueError):
        return
    try:
        views = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
        if views:
            raise LayerLoadError(
                f"File '{path}' holds the SQL view '{views[0]}', which CityPlanner does not read (a view is "
                "computed anew at every read, without bound); save the layers you need as tables, e.g. in "
                "QGIS."
            )
        tables = {r[0].lower() for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        registered = [
            r[0] for r in con.execute("SELECT table_name FROM gpkg_contents") if isinstance(r[0], str)
        ]
        for name in registered:
            if name.lower() not in tables:
                continue
            quoted = '"' + name.replace('"', '""') + '"'
            computed = [r[1] for r in con.execute(f"PRAGMA table_xinfo({quoted})") if r[6] in (2, 3)]
            if computed:
                raise LayerLoadError(
                    f"File '{path}' has computed (generated) columns in its layer '{name}' "
                    f"({', '.join(computed)}), which CityPlanner does not read; save the layer as plain data."
                )
    except sqlite3.Error:
        return  # not a GeoPackage SQLite can read: GDAL says what it is
    finally:
        con.close()


def _check_shapefile_parts(path: Path) -> None:
    """:func:`check_readable` for every part of a shapefile beside ``path`` (GDAL and the
    encoding detection open them all), with the dBASE size limit for the .dbf."""
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        part = _sibling(path, suffix)
        if part is None or part == path:
            continue
        try:
            info = os.stat(part)
        except OSError as err:
            raise LayerLoadError(
                f"File '{path}' cannot be read: its part '{part.name}': {os_error_phrase(err)}."
            ) from err
        kind = special_file_kind(info.st_mode)
        if kind is not None:
            raise LayerLoadError(
                f"File '{path}' cannot be read: its part '{part.name}' is {kind}, not a data file."
            )
        if not os.access(part, os.R_OK):
            raise LayerLoadError(f"File '{path}' cannot be read: its part '{part.name}' (permission denied).")
        if suffix == ".dbf" and info.st_size > MAX_DBF_BYTES:
            raise LayerLoadError(
                f"File '{path}' cannot be read: its part '{part.name}' is {_size_text(info.st_size)}, "
                f"beyond the {_size_text(MAX_DBF_BYTES)} a shapefile's table may hold."
            )


def _read_failure(path: Path, err: Exception) -> LayerLoadError:
    """Turn a reader's exception into one sentence naming the file."""
    fmt = FORMATS.get(path.suffix.lower())
    detail = " ".join(str(err).split()).rstrip(".")
    if len(detail) > 160:
        detail = detail[:157] + "..."
    if fmt == "GeoPackage":
        return LayerLoadError(f"File '{path}' is not a readable GeoPackage; it may be truncated or corrupt.")
    unrecognised = "not recognized as" in detail and "supported" in detail
    if unrecognised and fmt:
        return LayerLoadError(
            f"File '{path}' is not a readable {fmt} file; its content is not {fmt} (corrupt or misnamed)."
        )
    if unrecognised:
        known = ", ".join(sorted(set(FORMATS.values())))
        return LayerLoadError(f"File '{path}' is not in a format CityPlanner reads (it reads {known}).")
    what = f"a readable {fmt} file" if fmt else "readable"
    return LayerLoadError(f"File '{path}' is not {what} ({detail}).")


# -- text encodings --------------------------------------------------------------------------------
# Text is checked against an encoding this many bytes at a time, so a large .dbf is never held twice.
_DECODE_CHUNK = 16 * 1024 * 1024


def _encoding_label(codec: str) -> str:
    """How messages name a Python codec: "UTF-8", "Windows-1258", "ISO-8859-1", else its name."""
    if codec in _ENCODING_NAMES:
        return _ENCODING_NAMES[codec]
    if re.fullmatch(r"cp125\d", codec):
        return f"Windows-{codec[2:]}"
    if codec.startswith("iso8859-"):
        return f"ISO-8859-{codec[8:]}"
    return codec


def _decodes(parts: tuple, encoding: str) -> bool:
    """Whether the bytes of ``parts``, one after the other, are valid text in ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for part in parts:
            view = memoryview(part)
            for start in range(0, len(view), _DECODE_CHUNK):
                decoder.decode(view[start : start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeError:  # also UTF-16's "stream does not start with BOM"
        return False
    return True


def _has_non_ascii(parts: tuple) -> bool:
    return any(len(p) and int(np.frombuffer(p, dtype=np.uint8).max()) >= 0x80 for p in parts)


def _decode_ladder(data, path: Path, declared: str | None = None, origin: str | None = None) -> str:
    """Name of the first encoding that decodes ``data``: the declared one, else UTF-8, cp1258, cp1252.

    ``data`` is bytes or a tuple of byte strings checked as one text; ``origin`` says where a
    declared encoding came from (``"cpg"``: the shapefile's .cpg, ``"given"``: the caller), for the
    message when the text does not fit it. Non-ASCII text that is valid UTF-8 is read as UTF-8 even
    when another encoding is given: legacy 8-bit text (Vietnamese included) practically never is, so
    one ``--encoding`` for the old files of a command leaves its UTF-8 files intact.
    """
    parts = data if isinstance(data, tuple) else (data,)
    if declared and declared != "utf-8" and origin == "given" and _has_non_ascii(parts):
        if _decodes(parts, "utf-8"):
            return "utf-8"
    candidates = (declared,) if declared else FALLBACK_ENCODINGS
    for enc in candidates:
        if _decodes(parts, enc):
            return enc
    if declared and origin == "cpg":
        raise LayerLoadError(
            f"File '{path}' has text that is not valid {_encoding_label(declared)}, the encoding its .cpg "
            "file declares; give the right one with --encoding, such as --encoding 1258 for Windows-1258."
        )
    if declared and origin == "given":
        raise LayerLoadError(
            f"File '{path}' has text that is not valid {_encoding_label(declared)}, "
            "the encoding given for it."
        )
    tried = ", ".join(_encoding_label(e) for e in candidates)
    raise LayerLoadError(f"File '{path}' has text that is not valid in any of these encodings: {tried}.")


def _decoded(data: bytes, encoding: str) -> str:
    """Text of ``data``; Windows-1258 writes tones as combining marks, so compose them (NFC)."""
    text = data.decode(encoding)
    return text if encoding == "utf-8" else unicodedata.normalize("NFC", text)


def _python_codec(name: str, path: Path, given: bool = False) -> str:
    """Python codec of a code page as .cpg files and users write it.

    "1258", "CP1258", "cp 1258", "Windows-1258", "WINDOWS1258", "ANSI 1258", "UTF-8", "65001",
    "88591", "ISO-8859-1"... ``given``: the name came from the caller (``--encoding``), not a .cpg.
    """
    shown = name.strip()
    if len(shown) > 40 or not shown.isprintable():  # a .cpg of binary junk, not a code page name
        shown = (shown[:40] + "...").encode("unicode_escape").decode("ascii") if shown else ""
        if given:
            raise LayerLoadError(f"'{shown}' given as the text encoding of '{path}' is not a code page name.")
        raise LayerLoadError(f"File '{path}' has a .cpg file that does not name a text encoding ('{shown}').")
    text = shown.upper()
    compact = re.sub(r"[\s_-]+", "", text)
    if match := re.fullmatch(r"(?:ISO)?8859(\d{1,2})", compact):
        text = f"iso8859-{match[1]}"
    elif match := re.fullmatch(r"(?:ANSI|WINDOWS|WIN|CP|MS)?(\d{3,5})", compact):
        text = f"cp{match[1]}"
    try:
        info = codecs.lookup(text)
    except (LookupError, ValueError):
        info = None
    if info is not None and getattr(info, "_is_text_encoding", True):
        return info.name
    if given:
        raise LayerLoadError(
            f"'{name.strip()}' given as the text encoding of '{path}' is not a text encoding CityPlanner "
            "knows (try UTF-8, 1258 for Windows-1258 or 1252 for Windows-1252)."
        )
    raise LayerLoadError(f"File '{path}' declares an unknown text encoding '{name.strip()}'.")


def _zip_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files, without folders and the ``__MACOSX/`` and ``._name`` copies macOS adds."""
    return [
        info
        for info in zf.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not info.filename.rsplit("/", 1)[-1].startswith("._")
    ]


def _dbf_text(data: bytes) -> tuple[bytes, memoryview]:
    """The parts of a .dbf whose encoding matters: its field names (NUL-separated) and its records."""
    if len(data) < 32:
        return b"", memoryview(data)
    header_length = min(int.from_bytes(data[8:10], "little"), len(data))
    names = []
    for start in range(32, header_length - 31, 32):  # one 32-byte descriptor per field
        if data[start] == 0x0D:  # end of the field descriptors
            break
        names.append(data[start : start + 11].split(b"\0", 1)[0])
    return b"\0".join(names) + b"\0", memoryview(data)[header_length:]


def _dbf_bytes(path: Path) -> tuple[tuple[bytes, memoryview] | None, str | None]:
    """Field names and records of the shapefile's .dbf and the text of its .cpg (either may be missing)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [info.filename for info in _zip_members(zf)]
                dbf = next((n for n in names if n.lower().endswith(".dbf")), None)
                stem = dbf[:-4].lower() if dbf else None
                cpg = next((n for n in names if n.lower() == f"{stem}.cpg"), None)
                data = zf.read(dbf) if dbf else None
                cpg_text = zf.read(cpg).decode("ascii", "ignore") if cpg else None
        except _ZIP_ERRORS as err:
            raise LayerLoadError(f"File '{path}' is not a readable zip archive ({err}).") from err
    else:
        dbf_path = _sibling(path, ".dbf")
        cpg_path = _sibling(path, ".cpg")
        data = dbf_path.read_bytes() if dbf_path else None
        cpg_text = cpg_path.read_text("ascii", "ignore") if cpg_path else None
    return (_dbf_text(data) if data is not None else None), cpg_text


def _sibling(path: Path, suffix: str) -> Path | None:
    """The part of a shapefile with ``suffix`` (lower or upper case), if it exists."""
    return next(
        (p for p in (path.with_suffix(suffix), path.with_suffix(suffix.upper())) if os.path.lexists(p)), None
    )


def _shapefile_encoding(path: Path, encoding: str | None = None) -> str:
    """Python codec of a shapefile's attribute text: ``encoding`` if given, else its .cpg, else detected.

    Field names count as much as the values: a table with Vietnamese field names and plain ASCII
    values is still Windows-1258.
    """
    text, cpg = _dbf_bytes(path)
    parts = text or (b"",)
    if encoding:
        return _decode_ladder(parts, path, encoding, origin="given")
    declared = _python_codec(cpg, path) if cpg and cpg.strip() else None
    return _decode_ladder(parts, path, declared, origin="cpg" if declared else None)


# -- archives and truncated shapefiles ---------------------------------------------------------------
# Limits of a zip archive, judged from its central directory before anything is unpacked or read.
# - 2 GiB in all: the shapefile format caps each of its .shp and .dbf at 2 GB, and read into a
#   GeoDataFrame that much data takes several times its size in memory, more than a planner's
#   laptop has; bigger data belongs in a GeoPackage, which is read without unpacking.
# - 100 to 1: real shapefile parts compress 2 to 20 times (coordinates hardly compress; blank-padded
#   .dbf text some tens of times), while zip bombs reach about 1,000 to 1 with deflate. The ratio
#   counts only for members (and archives) past 100 MiB, so small tables with much blank padding,
#   harmless even at 1,000 to 1, stay readable.
# Python's zipfile and the minizip code under GDAL's /vsizip/ stop inflating a member at the size its
# header declares (zipfile then reports a bad CRC), so the declared sizes bound what reading costs.
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_ARCHIVE_RATIO = 100
ARCHIVE_RATIO_FROM_BYTES = 100 * 1024**2
_ENCRYPTED_FLAG = 0x1  # bit 0 of a zip member's general-purpose flags
# What a damaged archive raises while read (a bad CRC, a cut or corrupt deflate stream).
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error)


def _size_text(size: int) -> str:
    """``3.0 GiB``, ``160.0 MiB``, ``12.5 KiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _check_archive(path: Path) -> None:
    """Refuse a zip whose members are encrypted, too big or too compressed, before unpacking any."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = _zip_members(zf)
    except _ZIP_ERRORS as err:
        raise LayerLoadError(f"File '{path}' is not a readable zip archive ({err}).") from err
    locked = next((m for m in members if m.flag_bits & _ENCRYPTED_FLAG), None)
    if locked is not None:
        raise LayerLoadError(
            f"File '{path}' holds '{locked.filename}' encrypted with a password; unzip it with the "
            "password and load the unzipped .shp instead."
        )
    unpacked = np.array([m.file_size for m in members], dtype=np.int64)
    packed = np.maximum(np.array([m.compress_size for m in members], dtype=np.int64), 1)
    total = int(unpacked.sum())
    if total > MAX_ARCHIVE_BYTES:
        raise LayerLoadError(
            f"File '{path}' would unpack to {_size_text(total)}, more than the "
            f"{_size_text(MAX_ARCHIVE_BYTES)} CityPlanner unpacks from an archive; unzip it yourself and "
            "load the .shp, or convert it to a GeoPackage."
        )
    bombs = (unpacked > ARCHIVE_RATIO_FROM_BYTES) & (unpacked > MAX_ARCHIVE_RATIO * packed)
    if bombs.any() or (total > ARCHIVE_RATIO_FROM_BYTES and total > MAX_ARCHIVE_RATIO * int(packed.sum())):
        i = int(np.flatnonzero(bombs)[0]) if bombs.any() else int(np.argmax(unpacked / packed))
        raise LayerLoadError(
            f"File '{path}' holds '{members[i].filename}', compressed {unpacked[i] // packed[i]:,} to 1 "
            f"({_size_text(int(packed[i]))} unpacking to {_size_text(int(unpacked[i]))}), as zip bombs are; "
            f"CityPlanner unpacks members of over {_size_text(ARCHIVE_RATIO_FROM_BYTES)} compressed at most "
            f"{MAX_ARCHIVE_RATIO} times, so unzip it yourself if you trust it."
        )


def _shapefile_parts(path: Path):
    """Each shapefile of ``path`` (a .shp, or every one in a .zip) as ``(label, parts)``.

    ``parts`` maps ".shp", ".shx" and ".dbf" to ``(size, read)``, ``read(n)`` giving the first
    ``n`` bytes (all with None). A generator, so a zip stays open while its parts are read.
    """
    if path.suffix.lower() != ".zip":
        parts = {}
        for suffix in (".shp", ".shx", ".dbf"):
            part = _sibling(path, suffix)
            if part is not None:
                parts[suffix] = (part.stat().st_size, lambda n, part=part: _read_head(part.open("rb"), n))
        yield "", parts
        return
    with zipfile.ZipFile(path) as zf:
        groups: dict[str, dict] = {}
        for info in _zip_members(zf):
            stem, suffix = os.path.splitext(info.filename)
            if suffix.lower() in (".shp", ".shx", ".dbf"):
                read = lambda n, info=info: _read_head(zf.open(info), n)  # noqa: E731
                groups.setdefault(stem, {})[suffix.lower()] = (info.file_size, read, info.filename)
        for parts in groups.values():
            yield "member", parts


def _read_head(stream, n: int | None) -> bytes:
    with stream:
        return stream.read() if n is None else stream.read(n)


def _check_shapefile_complete(path: Path) -> None:
    """Refuse a shapefile holding fewer records than its headers declare: a truncated copy.

    GDAL reads the records a cut .dbf still holds and gives the records a cut .shp lost no geometry,
    so a partial copy would otherwise load as fewer zones (or zones without shapes) with only a note.
    Only headers, the .shx index and file sizes are read.
    """
    try:
        for kind, parts in _shapefile_parts(path):
            _check_parts(path, kind, parts)
    except _ZIP_ERRORS as err:
        if path.suffix.lower() != ".zip":
            raise _read_failure(path, err) from err
        raise LayerLoadError(f"File '{path}' is not a readable zip archive ({err}).") from err


def _part_name(kind: str, parts: dict, suffix: str) -> str:
    if kind:
        return f"its member '{parts[suffix][2]}'"
    return "its .shx index" if suffix == ".shx" else f"its {suffix}"


def _check_parts(path: Path, kind: str, parts: dict) -> None:
    """:func:`_check_shapefile_complete` of one shapefile (``kind``: "member" inside a zip, else "")."""
    n_dbf = None
    if ".dbf" in parts:
        size, read = parts[".dbf"][:2]
        head = read(32)
        if len(head) >= 12:
            n_dbf = int.from_bytes(head[4:8], "little")
            header_length = int.from_bytes(head[8:10], "little")
            record_length = int.from_bytes(head[10:12], "little")
            held = max(0, (size - header_length) // record_length) if record_length else n_dbf
            if held < n_dbf:
                raise LayerLoadError(
                    f"File '{path}' is truncated: {_part_name(kind, parts, '.dbf')} declares {n_dbf:,} "
                    f"records but holds only {held:,}; copy the complete file again."
                )
    if ".shx" not in parts:
        return
    index = parts[".shx"][1](None)
    if len(index) < 100:
        return
    shx = _part_name(kind, parts, ".shx")
    n_shx = (len(index) - 100) // 8
    declared = (int.from_bytes(index[24:28], "big") * 2 - 100) // 8
    if n_shx < declared:
        raise LayerLoadError(
            f"File '{path}' is truncated: {shx} declares {declared:,} records but holds only {n_shx:,}; "
            "copy the complete file again."
        )
    if n_dbf is not None and n_dbf != n_shx:
        raise LayerLoadError(
            f"File '{path}' is truncated or mixes parts of different copies: {shx} lists {n_shx:,} "
            f"records but {_part_name(kind, parts, '.dbf')} {n_dbf:,}; copy the complete file again."
        )
    if ".shp" in parts and n_shx:
        # Each index entry: offset and content length of a record, in 16-bit words, big-endian.
        entries = np.frombuffer(index, dtype=">i4", count=2 * n_shx, offset=100).reshape(-1, 2)
        ends = (entries[:, 0].astype(np.int64) + entries[:, 1]) * 2 + 8
        held = int((ends <= parts[".shp"][0]).sum())
        if held < n_shx:
            raise LayerLoadError(
                f"File '{path}' is truncated: {shx} lists {n_shx:,} records but "
                f"{_part_name(kind, parts, '.shp')} holds only {held:,} of them whole; "
                "copy the complete file again."
            )


def _recode_latin1(df: pd.DataFrame, encoding: str) -> pd.DataFrame:
    """Re-decode text read byte-for-byte as Latin-1 with the real ``encoding`` (NFC-normalised).

    GDAL's own Windows-1258 conversion drops the last character of every value (iconv keeps it
    pending for a combining mark), so shapefiles are read as Latin-1 and decoded here.
    """

    def fix(text: str) -> str:
        return unicodedata.normalize("NFC", text.encode("latin-1").decode(encoding))

    df = df.rename(columns={c: fix(c) for c in df.columns if isinstance(c, str) and c != "geometry"})
    for col in df.columns:
        s = df[col]
        if col == "geometry" or not pd.api.types.is_string_dtype(s):
            continue
        is_text = s.notna().to_numpy()
        if is_text.any():
            text = s[is_text].astype(object)
            fixed = text.str.encode("latin-1").str.decode(encoding).str.normalize("NFC")
            df[col] = s.astype(object).where(~is_text, fixed).astype(s.dtype)
    return df


# -- listing ---------------------------------------------------------------------------------------
def _pandas_field_type(dtype) -> str:
    """Simple type name of a pandas/numpy column dtype."""
    types = pd.api.types
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_integer_dtype(dtype):
        return "integer"
    if types.is_float_dtype(dtype):
        return "real"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "string"


def _crs_label(crs) -> str | None:
    """``"EPSG:4326"`` when the CRS has an authority code, else its name; None when missing."""
    if crs is None:
        return None
    crs = CRS.from_user_input(crs)
    auth = crs.to_authority(min_confidence=90)
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


# Layers of undeclared geometry type (KML, some GeoJSON) up to this size are read to name it.
_SCAN_TYPES_MAX = 200_000


def _scanned_geometry_type(path: Path, layer: str, declared: str) -> str:
    """The geometry type the features really have ("Point", "Mixed (Point, LineString)")."""
    try:
        geoms = pyogrio.read_dataframe(path, layer=layer, columns=[]).geometry.to_numpy()
    except Exception:  # the declared type stands; reading the layer will name any problem
        return declared
    geoms = geoms[~shapely.is_missing(geoms)]
    # Each type once, in shapely's type-id order (Point, LineString, ..., Polygon, Multi...).
    _ids, first = np.unique(shapely.get_type_id(geoms), return_index=True)
    labels = [geoms[i].geom_type for i in first]
    if len(labels) == 1:
        return labels[0]
    return f"Mixed ({', '.join(labels)})" if labels else declared


def list_layers(path: str | os.PathLike, encoding: str | None = None) -> list[LayerInfo]:
    """Every layer of a file with its geometry type, CRS, feature count and fields.

    ``encoding`` is the text encoding of a Shapefile's or CSV's attributes, for when a ``.cpg``
    file or the detection gets it wrong (see :func:`read_layer`).

    Raises
    ------
    LayerLoadError
        When the file is missing, unreadable, corrupt, truncated or an archive beyond the limits.
    """
    path = Path(path)
    with _failures_named(path):
        return _list_layers(path, encoding)


def _list_layers(path: Path, encoding: str | None) -> list[LayerInfo]:
    check_readable(path)
    codec = _python_codec(encoding, path, given=True) if encoding else None
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        _check_geopackage_tables(path)
    if suffix == ".csv":
        return [_csv_info(path, codec)]
    if suffix in (".parquet", ".geoparquet"):
        return [_parquet_info(path)]
    text_encoding = _checked_shapefile_encoding(path, codec) if suffix in (".shp", ".zip") else None
    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        infos = [
            pyogrio.read_info(
                path, layer=n, force_feature_count=True, encoding=_gdal_encoding(text_encoding)
            )
            for n in names
        ]
    except Exception as err:  # any reader failure becomes one sentence
        raise _read_failure(path, err) from err
    out = []
    for name, info in zip(names, infos, strict=True):
        field_names = list(info["fields"])
        if text_encoding and text_encoding != "utf-8":
            field_names = list(_recode_latin1(pd.DataFrame(columns=field_names), text_encoding).columns)
        types = [
            "boolean" if sub == "OFSTBoolean" else _OGR_FIELD_TYPES.get(t, "list")
            for t, sub in zip(info["ogr_types"], info["ogr_subtypes"], strict=True)
        ]
        geometry_type = str(info["geometry_type"] or "None")
        if geometry_type == "Unknown" and 0 < info["features"] <= _SCAN_TYPES_MAX:
            geometry_type = _scanned_geometry_type(path, name, geometry_type)
        out.append(
            LayerInfo(
                name=name,
                geometry_type=geometry_type,
                crs=_crs_label(info["crs"]),
                feature_count=int(info["features"]),
                fields=tuple(FieldInfo(n, t) for n, t in zip(field_names, types, strict=True)),
            )
        )
    return out


def _checked_shapefile_encoding(path: Path, codec: str | None) -> str:
    """A (zipped) shapefile's text encoding, once the archive limits and its completeness are checked."""
    if path.suffix.lower() == ".shp":
        _check_shapefile_parts(path)
    if path.suffix.lower() == ".zip":
        _check_archive(path)
    _check_shapefile_complete(path)
    return _shapefile_encoding(path, codec)


def _gdal_encoding(encoding: str | None) -> str | None:
    """Encoding passed to pyogrio: UTF-8 as is, anything else read as Latin-1 and re-decoded."""
    if encoding is None:
        return None
    return "UTF-8" if encoding == "utf-8" else "ISO-8859-1"


def _parquet_info(path: Path) -> LayerInfo:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except Exception as err:  # any reader failure becomes one sentence
        raise _read_failure(path, err) from err
    primary, types, crs = _geo_metadata(path, (schema.metadata or {}).get(b"geo"))
    fields = tuple(
        FieldInfo(f.name, _pandas_field_type(f.type.to_pandas_dtype()) if f.type.num_fields == 0 else "list")
        for f in schema
        if f.name != primary
    )
    return LayerInfo(
        name=path.stem,
        geometry_type=(types[0] if len(types) == 1 else "Unknown") if primary else "None",
        crs=crs,
        feature_count=int(meta.num_rows),
        fields=fields,
    )


def _geo_metadata(path: Path, raw: bytes | None) -> tuple[str | None, list, object]:
    """The primary geometry column, its geometry types and CRS from GeoParquet ``geo`` metadata.

    The metadata is JSON anyone can write; every part of it is checked before use.
    """
    if raw is None:
        return None, [], None
    malformed = LayerLoadError(
        f"File '{path}' is not a readable GeoParquet file: its 'geo' metadata is malformed "
        "(see geoparquet.org for what it must hold)."
    )
    if len(raw) > MAX_GEO_METADATA_BYTES:
        raise malformed
    try:
        geo = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise malformed from err
    if not isinstance(geo, dict):
        raise malformed
    primary, columns = geo.get("primary_column"), geo.get("columns", {})
    if primary is None:
        return None, [], None
    if (
        not isinstance(primary, str)
        or not isinstance(columns, dict)
        or not isinstance(columns.get(primary), dict)
    ):
        raise malformed
    column = columns[primary]
    types = column.get("geometry_types") or []
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise malformed
    crs = column.get("crs", "OGC:CRS84")
    if crs is not None:
        try:
            crs = _crs_label(crs)
        except (CRSError, TypeError, ValueError) as err:
            raise LayerLoadError(
                f"File '{path}' declares a CRS in its 'geo' metadata that is not a known CRS."
            ) from err
    return primary, types, crs


# GeoParquet 'geo' metadata is a few kilobytes (a PROJJSON CRS at most); more is not metadata.
MAX_GEO_METADATA_BYTES = 1024**2


def _csv_info(path: Path, encoding: str | None = None) -> LayerInfo:
    table, _ = _read_csv_table(path, encoding)
    gdf = _csv_geometry(table, path, allow_none=True)
    fields = tuple(FieldInfo(str(c), _pandas_field_type(table[c].dtype)) for c in table.columns)
    if gdf is None:
        geometry_type = "None"
    else:
        types = gdf.geom_type.dropna().unique()
        geometry_type = str(types[0]) if len(types) == 1 else "Unknown"
    return LayerInfo(
        name=path.stem,
        geometry_type=geometry_type,
        crs=_crs_label(gdf.crs) if gdf is not None else None,
        feature_count=len(table),
        fields=fields,
    )


# -- CSV -------------------------------------------------------------------------------------------
def _read_csv_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """The table and the codec its text was read in (``encoding`` when given, else detected)."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _decode_ladder(data, path, encoding, origin="given" if encoding else None)
    header = data[: data.find(b"\n")] if b"\n" in data[:MAX_CSV_FIELD_CHARS] else data[:MAX_CSV_FIELD_CHARS]
    columns = 1 + max(header.count(sep) for sep in (b",", b";", b"\t", b"|"))
    if columns > MAX_CSV_COLUMNS:
        raise LayerLoadError(
            f"File '{path}' has {columns:,} columns, more than the {MAX_CSV_COLUMNS:,} CityPlanner reads "
            "from a CSV table; keep the columns you need (e.g. in a spreadsheet)."
        )
    if csv.field_size_limit() < MAX_CSV_FIELD_CHARS:
        csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    try:
        table = pd.read_csv(io.StringIO(_decoded(data, encoding)), sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as err:
        detail = " ".join(str(err).split())
        if "field larger than field limit" in detail:
            raise LayerLoadError(
                f"File '{path}' has a value longer than {MAX_CSV_FIELD_CHARS // 1024**2} million characters, "
                "more than CityPlanner reads from a CSV cell; is it a CSV table?"
            ) from err
        if "NUL" in detail or "null byte" in detail:
            raise LayerLoadError(
                f"File '{path}' is not a readable CSV table: it holds NUL bytes, as binary files do."
            ) from err
        raise LayerLoadError(f"File '{path}' is not a readable CSV table ({detail[:160]}).") from err
    table.columns = [str(c).strip() for c in table.columns]
    return table, encoding


def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[c] for c in candidates if c in lowered), None)


def _named_in_degrees(columns: list[str]) -> bool:
    """Whether the coordinate columns found are named longitude/latitude (not x/y, easting...)."""
    x_col, y_col = _find_column(columns, LON_COLUMNS), _find_column(columns, LAT_COLUMNS)
    return bool(x_col and y_col) and x_col.lower() in DEGREE_COLUMNS and y_col.lower() in DEGREE_COLUMNS


def _csv_geometry(table: pd.DataFrame, path: Path, allow_none: bool = False) -> gpd.GeoDataFrame | None:
    """Build points from lon/lat (x/y) columns or geometries from a WKT column.

    Coordinates within +-180/+-90 get EPSG:4326; anything else is left without a CRS.
    """
    columns = list(table.columns)
    x_col, y_col = _find_column(columns, LON_COLUMNS), _find_column(columns, LAT_COLUMNS)
    wkt_col = _find_column(columns, WKT_COLUMNS)
    if x_col and y_col:
        x = pd.to_numeric(table[x_col], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(table[y_col], errors="coerce").to_numpy(dtype=float)
        geoms = shapely.points(x, y)
        geoms[~(np.isfinite(x) & np.isfinite(y))] = None
    elif wkt_col:
        text = table[wkt_col].astype("string").fillna("").to_numpy(dtype=object)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        bad = (text != "") & shapely.is_missing(geoms)
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise LayerLoadError(
                f"File '{path}' has {int(bad.sum())} unreadable WKT value(s) in column '{wkt_col}' "
                f"(first in data row {row})."
            )
    elif allow_none:
        return None
    else:
        raise LayerLoadError(
            f"File '{path}' has no geometry: no lon/lat, x/y or WKT column among {', '.join(columns)}."
        )
    # Coordinate columns stay as attributes; a WKT column would only duplicate the geometry.
    attrs = table if (x_col and y_col) else table.drop(columns=[wkt_col])
    valid = geoms[~shapely.is_missing(geoms)]
    crs = None
    if len(valid):
        xmin, ymin, xmax, ymax = shapely.total_bounds(valid)
        if -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90:
            crs = "EPSG:4326"
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=attrs.index), crs=crs)


# -- reading ---------------------------------------------------------------------------------------
def read_layer(
    path: str | os.PathLike, layer: str | None = None, crs=None, encoding: str | None = None
) -> Layer:
    """Read one layer: 2D, valid geometries of one dimension, in the file's own CRS.

    Parameters
    ----------
    path : path-like
        The file (see :data:`FORMATS`).
    layer : str, optional
        Layer name inside a multi-layer file (GeoPackage, OSM); needed when there are several.
    crs : str, int or pyproj.CRS, optional
        CRS to assign when the file has none (a file's own CRS is never overridden).
    encoding : str, optional
        Text encoding of the attributes of the formats that do not define one, Shapefiles (also
        zipped) and CSV, overriding a ``.cpg`` file and the detection (UTF-8, then Windows-1258,
        then Windows-1252); written as code pages are in .cpg files ("1258", "cp1258",
        "Windows-1258", "ANSI 1258", "UTF-8", "65001"...). GeoJSON, GeoPackage and the other
        formats define their text as UTF-8 and ignore it, so one encoding can be given for all the
        inputs of a command.

    Returns
    -------
    Layer
        ``gdf`` in the source CRS, ``source``, ``source_layer``, ``source_crs`` and ``notes``
        (what was repaired or assumed on the way).

    Raises
    ------
    LayerLoadError
        One sentence naming the file and the problem.
    """
    path = Path(path)
    with _failures_named(path):
        return _read_layer(path, layer, crs, encoding)


def _read_layer(path: Path, layer: str | None, crs, encoding: str | None) -> Layer:
    check_readable(path)
    codec = _python_codec(encoding, path, given=True) if encoding else None
    if path.suffix.lower() == ".gpkg":
        _check_geopackage_tables(path)
    gdf, layer, notes = _read_raw(path, layer, crs, codec)
    label = describe_source(path, layer)
    if len(gdf) == 0:
        raise LayerLoadError(f"{label} has no features.")
    gdf = _assign_crs(gdf, crs, label, notes)
    gdf = _clean_geometries(gdf, label, notes)
    _check_coordinates(gdf, label)
    return Layer(
        name=layer_name_from(path, layer),
        gdf=gdf,
        source=str(path),
        source_layer=layer,
        source_crs=_crs_label(gdf.crs) or "",
        notes=notes,
    )


def _read_raw(
    path: Path, layer: str | None, crs=None, codec: str | None = None
) -> tuple[gpd.GeoDataFrame, str | None, list[str]]:
    """The features as stored, the resolved layer name and notes on the text encoding.

    ``codec`` is the Python codec of the attribute text when the caller gave one.

    ``crs`` is the CRS the user gave for files without one; a CSV whose coordinate columns are
    named longitude/latitude but hold values beyond +-180/+-90 is checked as degrees when none
    was given, so swapped columns are reported as such rather than as a missing CRS.
    """
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix == ".csv":
        table, encoding = _read_csv_table(path, codec)
        _encoding_notes(notes, encoding, codec)
        gdf = _csv_geometry(table, path)
        if gdf.crs is not None:
            notes.append("assumed longitude/latitude in EPSG:4326 (WGS 84)")
        elif crs is None and _named_in_degrees(list(table.columns)):
            gdf = gdf.set_crs("EPSG:4326")
        return gdf, None, notes
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path), None, notes
        except Exception as err:  # any reader failure becomes one sentence
            raise _read_failure(path, err) from err

    encoding = _checked_shapefile_encoding(path, codec) if suffix in (".shp", ".zip") else None
    source: Path | io.BytesIO = path
    if suffix in (".geojson", ".json") and path.is_file():
        data = path.read_bytes()
        encoding = _decode_ladder(data, path)  # UTF-8 by RFC 7946; legacy files are detected
        if encoding != "utf-8":
            source = io.BytesIO(_decoded(data, encoding).encode("utf-8"))
    _encoding_notes(notes, encoding, codec if suffix in (".shp", ".zip") else None)
    try:
        layer = _resolve_layer(path, layer)
        gdf = pyogrio.read_dataframe(
            source,
            layer=layer,
            use_arrow=True,
            encoding=_gdal_encoding(encoding) if isinstance(source, Path) else None,
        )
    except LayerLoadError:
        raise
    except pyogrio.errors.DataSourceError as err:
        if "not recognized" not in str(err):
            raise _read_failure(path, err) from err
        gdf = _read_with_fiona(path, layer, err)
    except Exception as err:  # any reader failure becomes one sentence
        raise _read_failure(path, err) from err
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerLoadError(
            f"{describe_source(path, layer)} is a table without geometry, not a map layer; join it to a "
            "layer with shapes (e.g. in QGIS) or give a file with geometry."
        )
    if encoding and encoding != "utf-8" and isinstance(source, Path):
        gdf = _recode_latin1(gdf, encoding)
    return gdf, layer, notes


def _encoding_notes(notes: list[str], encoding: str | None, given: str | None) -> None:
    """Say which encoding the attribute text was read in, when not plain UTF-8 or not the one given."""
    if given and encoding != given:
        notes.append(
            f"read attribute text as {_encoding_label(encoding)}, not the {_encoding_label(given)} "
            f"given: it is valid {_encoding_label(encoding)}"
        )
    elif encoding and encoding != "utf-8":
        notes.append(f"read attribute text as {_encoding_label(encoding)}")


def _read_with_fiona(path: Path, layer: str | None, pyogrio_error: Exception) -> gpd.GeoDataFrame:
    """Fallback for formats the pyogrio build lacks but fiona's GDAL has."""
    try:
        return gpd.read_file(path, layer=layer, engine="fiona")
    except Exception:  # report pyogrio's reason, the primary reader
        raise _read_failure(path, pyogrio_error) from pyogrio_error


def _resolve_layer(path: Path, layer: str | None) -> str | None:
    """Check the requested layer exists; pick the only layer when none was named."""
    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if layer is None:
        if len(names) > 1:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise LayerLoadError(f"File '{path}' has {len(names)} layers ({shown}); name one as FILE:LAYER.")
        return None
    if layer not in names:
        raise LayerLoadError(f"File '{path}' has no layer '{layer}' (it has: {', '.join(names)}).")
    return layer


def _assign_crs(gdf: gpd.GeoDataFrame, crs, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    if gdf.crs is not None:
        return gdf
    if crs is None:
        raise LayerLoadError(
            f"{label} has no coordinate reference system (CRS); tell CityPlanner which one it uses "
            "with --source-crs (e.g. --source-crs EPSG:32648 for UTM 48N, EPSG:4326 for longitude/latitude), "
            "or with --crs when creating a project whose working CRS the file is in."
        )
    try:
        target = CRS.from_user_input(crs)
    except CRSError as err:
        raise LayerLoadError(f"'{crs}' given as the CRS of {label} is not a known CRS.") from err
    notes.append(f"assigned CRS {_crs_label(target)} (the file has none)")
    return gdf.set_crs(target)


# Geometry collections nest one in another at most this deep; GIS software writes one or two levels
# (a collection of multi-parts), and each level costs a pass over every part.
MAX_COLLECTION_DEPTH = 16


def _flatten(geoms: np.ndarray, label: str = "A layer") -> tuple[np.ndarray, np.ndarray]:
    """Single-part pieces of every geometry and the index of the geometry each came from.

    Raises :class:`LayerLoadError` (starting with ``label``) when collections nest deeper than
    :data:`MAX_COLLECTION_DEPTH`.
    """
    index = np.arange(len(geoms))
    parts = geoms
    depth = 0
    while len(parts) and np.isin(shapely.get_type_id(parts), _COLLECTION_TYPE_IDS).any():
        depth += 1
        if depth > MAX_COLLECTION_DEPTH:
            raise LayerLoadError(
                f"{label} nests geometry collections more than {MAX_COLLECTION_DEPTH} levels deep, "
                "which no GIS writes; it is not a layer CityPlanner reads."
            )
        parts, sub = shapely.get_parts(parts, return_index=True)
        index = index[sub]
    return parts, index


def _collect(parts: np.ndarray, index: np.ndarray, n: int, dimension: int) -> np.ndarray:
    """One geometry per feature from its parts: single when one part, multi when several."""
    counts = np.bincount(index, minlength=n)
    out = np.full(n, None, dtype=object)
    single = counts[index] == 1
    out[index[single]] = parts[single]
    multi = ~single
    if multi.any():
        built = np.full(n, None, dtype=object)
        _MULTI_BUILDERS[dimension](parts[multi], indices=index[multi], out=built)
        out[counts > 1] = built[counts > 1]
    return out


def _clean_geometries(gdf: gpd.GeoDataFrame, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    """Drop missing geometries, drop Z/M, check one dimension, repair invalid ones (vectorised)."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.all():
        raise LayerLoadError(f"{label} has no features with a geometry.")
    if missing.any():
        notes.append(f"dropped {int(missing.sum())} features without geometry")
        gdf = gdf.loc[~missing]
        geoms = geoms[~missing]

    has_zm = shapely.has_z(geoms) | shapely.has_m(geoms)
    if has_zm.any():
        geoms = shapely.force_2d(geoms)
        notes.append(f"dropped Z/M coordinates of {int(has_zm.sum())} features (analysis is 2D)")

    # Dimension of every feature; a collection counts by its parts and may itself be mixed.
    parts, owner = _flatten(geoms, label)
    part_dims = shapely.get_dimensions(parts)
    lowest = np.full(len(geoms), 3)
    highest = np.full(len(geoms), -1)
    np.minimum.at(lowest, owner, part_dims)
    np.maximum.at(highest, owner, part_dims)
    if (lowest != highest).any() or len(np.unique(highest)) > 1:
        counts = np.bincount(part_dims, minlength=3)
        found = ", ".join(f"{counts[d]} {_DIMENSION_NAMES[d]}" for d in range(3) if counts[d])
        raise LayerLoadError(
            f"{label} mixes geometry dimensions ({found}); split it into one layer per geometry "
            "type (e.g. in QGIS) and load the one you need."
        )
    dimension = int(highest[0])

    collections = shapely.get_type_id(geoms) == _GEOMETRYCOLLECTION_TYPE_ID
    if collections.any():
        rebuilt = _collect(parts, owner, len(geoms), dimension)
        geoms = np.where(collections, rebuilt, geoms)

    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        rep_parts, rep_owner = _flatten(repaired, label)
        keep = shapely.get_dimensions(rep_parts) == dimension
        fixed = _collect(rep_parts[keep], rep_owner[keep], len(repaired), dimension)
        geoms[invalid] = fixed
        notes.append(f"repaired {int(invalid.sum())} invalid geometries")
        lost = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if lost.all():
            raise LayerLoadError(f"{label} has no valid {_DIMENSION_NAMES[dimension]} left after repair.")
        if lost.any():
            kind = _DIMENSION_NAMES[dimension]
            notes.append(f"dropped {int(lost.sum())} features with no valid {kind} left after repair")
            gdf = gdf.loc[~lost]
            geoms = geoms[~lost]

    # Polygon + MultiPolygon (or lines, points) are one family: store them all as multi-part.
    type_ids = shapely.get_type_id(geoms)
    if len(np.unique(type_ids)) > 1:
        single = type_ids < 4
        promoted = np.full(len(geoms), None, dtype=object)
        idx = np.flatnonzero(single)
        _MULTI_BUILDERS[dimension](geoms[single], indices=idx, out=promoted)
        geoms = np.where(single, promoted, geoms)

    out = gdf.drop(columns=gdf.geometry.name).reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=gdf.crs), crs=gdf.crs)


def _check_coordinates(gdf: gpd.GeoDataFrame, label: str) -> None:
    """Refuse coordinates that cannot be right for the layer's CRS (swapped axes, wrong units)."""
    xmin, ymin, xmax, ymax = gdf.total_bounds
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        raise LayerLoadError(f"{label} has coordinates that are not finite numbers.")
    crs = CRS.from_user_input(gdf.crs)
    within_degrees = -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90
    span = f"x {xmin:.6g} to {xmax:.6g}, y {ymin:.6g} to {ymax:.6g}"
    if crs.is_geographic:
        if within_degrees:
            return
        if -90 <= xmin and xmax <= 90 and -180 <= ymin and ymax <= 180:
            raise LayerLoadError(
                f"{label} has coordinates that look like latitude and longitude swapped ({span}: "
                "y goes beyond +-90 degrees); swap the two columns or axes and load it again."
            )
        raise LayerLoadError(
            f"{label} has coordinates out of range for {_crs_label(crs)} ({span}); "
            "they look projected, so give the file's real CRS with --source-crs."
        )
    if within_degrees and max(xmax - xmin, ymax - ymin) < 1000:
        raise LayerLoadError(
            f"{label} declares the projected CRS {_crs_label(crs)} but its coordinates look like "
            f"degrees of longitude/latitude ({span}); fix the file's CRS (e.g. EPSG:4326)."
        )
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    bounds = to_lonlat.transform_bounds(xmin, ymin, xmax, ymax)
    if not np.isfinite(bounds).all():
        raise LayerLoadError(f"{label} has coordinates out of range for {_crs_label(crs)} ({span}).")


# -- project helpers -------------------------------------------------------------------------------
def working_crs_for(gdf: gpd.GeoDataFrame) -> CRS:
    """The metric working CRS for data: the UTM zone of its centre."""
    try:
        return CRS.from_user_input(gdf.estimate_utm_crs())
    except (RuntimeError, ValueError, CRSError) as err:
        raise LayerLoadError(f"No UTM zone fits data with bounds {tuple(gdf.total_bounds)} ({err}).") from err


# Most people one zone may hold. Zones are wards, districts, grid cells or, at most, whole cities
# and provinces: the largest (Tokyo's and Jakarta's metropolitan areas, Chongqing, Ho Chi Minh City
# after the 2025 merger at about 14 million) hold under 45 million. A larger value is not a head
# count but a date or time stored as a number, an ID, an area in square metres or a no-data
# placeholder such as 999,999,999 or 1e308 (which would also make the total infinite).
MAX_ZONE_POPULATION = 50_000_000


def _is_count_dtype(dtype) -> bool:
    """Whether a column dtype holds plain numbers (not booleans, dates, durations or complex)."""
    types = pd.api.types
    return (
        types.is_numeric_dtype(dtype)
        and not types.is_bool_dtype(dtype)
        and not types.is_complex_dtype(dtype)
        and not types.is_timedelta64_dtype(dtype)
    )


def numeric_fields(gdf: gpd.GeoDataFrame) -> list[str]:
    """Attribute columns holding numbers (booleans, dates and durations excluded)."""
    return [str(c) for c in gdf.columns if c != gdf.geometry.name and _is_count_dtype(gdf[c].dtype)]


def _not_a_count(values: pd.Series) -> str | None:
    """What a column holds when it is typed as something other than numbers or text, else None."""
    types = pd.api.types
    dtype = values.dtype
    if types.is_bool_dtype(dtype):
        return "yes/no (boolean) values"
    if types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "dates"
    if types.is_timedelta64_dtype(dtype):
        return "durations"
    if types.is_complex_dtype(dtype):
        return "complex numbers"
    if types.is_numeric_dtype(dtype):
        return None
    # Object columns: GeoJSON dates come as datetime.date objects, nullable booleans as bools.
    inferred = types.infer_dtype(values, skipna=True)
    if inferred == "boolean":
        return "yes/no (boolean) values"
    if inferred in ("date", "datetime", "datetime64", "period", "time"):
        return "dates"
    if inferred in ("timedelta", "timedelta64"):
        return "durations"
    return None


def _count_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) < 1e15 else f"{value:.3g}"


def check_population(gdf: gpd.GeoDataFrame, field: str, source: str) -> np.ndarray:
    """Validate a population column and return it as float64.

    Numbers, and numbers stored as text, between 0 and :data:`MAX_ZONE_POPULATION` are accepted;
    dates, yes/no fields, other text and empty, negative, infinite or larger values are not.

    Raises
    ------
    LayerLoadError
        Naming ``source`` (how the file/layer is shown to the user) and the problem.
    """
    numeric = numeric_fields(gdf)
    others = f"its numeric fields are: {', '.join(numeric)}" if numeric else "it has no numeric fields"
    if field not in gdf.columns or field == gdf.geometry.name:
        raise LayerLoadError(f"{source} has no population field '{field}'; {others}.")
    raw = gdf[field]
    kind = _not_a_count(raw)
    if kind is not None:
        raise LayerLoadError(
            f"Population field '{field}' of {source} holds {kind}, not numbers of people; {others}."
        )
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    not_numeric = raw.notna().to_numpy() & values.isna().to_numpy()
    if not_numeric.any():
        first = int(np.flatnonzero(not_numeric)[0])
        raise LayerLoadError(
            f"Population field '{field}' of {source} is not numeric: {int(not_numeric.sum())} value(s) "
            f"such as {raw.iloc[first]!r} (feature {first + 1})."
        )
    array = values.to_numpy()
    empty = np.isnan(array)
    if empty.any():
        first = int(np.flatnonzero(empty)[0])
        raise LayerLoadError(
            f"Population field '{field}' of {source} has {int(empty.sum())} empty value(s) (first: feature "
            f"{first + 1}); fill them in, with 0 where nobody lives."
        )
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise LayerLoadError(
            f"Population field '{field}' of {source} has {int(bad.sum())} negative or infinite value(s) "
            f"such as {array[first]:g} (feature {first + 1})."
        )
    too_many = array > MAX_ZONE_POPULATION
    if too_many.any():
        first = int(np.flatnonzero(too_many)[0])
        raise LayerLoadError(
            f"Population field '{field}' of {source} has {int(too_many.sum())} value(s) above "
            f"{MAX_ZONE_POPULATION:,} people, more than any city or province holds, such as "
            f"{_count_text(array[first])} (feature {first + 1}); it does not look like a head count."
        )
    return array


_SAFE_NAME = re.compile(r"[^0-9A-Za-z_]+")


def layer_name_from(path: str | os.PathLike, layer: str | None = None) -> str:
    """A default layer name: the layer inside the file, else the file name without extension."""
    return layer or _SAFE_NAME.sub("_", Path(path).stem).strip("_") or "layer"
