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
import io
import json
import os
import re
import unicodedata
import zipfile
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


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise LayerLoadError(f"File '{path}' does not exist.")
    if path.is_file() and not os.access(path, os.R_OK):
        raise LayerLoadError(f"File '{path}' cannot be read (permission denied).")
    if path.is_file() and path.stat().st_size == 0:
        raise LayerLoadError(f"File '{path}' is empty (0 bytes).")


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
def _decode_ladder(data: bytes, path: Path, declared: str | None = None) -> str:
    """Name of the first encoding that decodes ``data``: the declared one, else UTF-8, cp1258, cp1252."""
    candidates = (declared,) if declared else FALLBACK_ENCODINGS
    for enc in candidates:
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    tried = ", ".join(_ENCODING_NAMES.get(e, e) for e in candidates)
    raise LayerLoadError(f"File '{path}' has text that is not valid in any of these encodings: {tried}.")


def _decoded(data: bytes, encoding: str) -> str:
    """Text of ``data``; Windows-1258 writes tones as combining marks, so compose them (NFC)."""
    text = data.decode(encoding)
    return text if encoding == "utf-8" else unicodedata.normalize("NFC", text)


def _python_codec(name: str, path: Path) -> str:
    """Python codec of a .cpg code page ("1258", "CP1258", "UTF-8", "ANSI 1252", "88591")."""
    text = name.strip().upper().replace("ANSI", "").strip()
    if text.startswith("8859") and text[4:].isdigit():
        text = f"iso8859-{text[4:]}"
    elif text.isdigit():
        text = f"cp{text}"
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise LayerLoadError(f"File '{path}' declares an unknown text encoding '{name.strip()}'.") from None


def _dbf_bytes(path: Path) -> tuple[bytes | None, str | None]:
    """Records of the shapefile's .dbf and the text of its .cpg (either may be missing)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                dbf = next((n for n in names if n.lower().endswith(".dbf")), None)
                cpg = next((n for n in names if n.lower().endswith(".cpg")), None)
                data = zf.read(dbf) if dbf else None
                cpg_text = zf.read(cpg).decode("ascii", "ignore") if cpg else None
        except (zipfile.BadZipFile, OSError) as err:
            raise LayerLoadError(f"File '{path}' is not a readable zip archive ({err}).") from err
    else:
        dbf_path = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
        cpg_path = next((p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None)
        data = dbf_path.read_bytes() if dbf_path else None
        cpg_text = cpg_path.read_text("ascii", "ignore") if cpg_path else None
    if data is not None and len(data) >= 10:
        header_length = int.from_bytes(data[8:10], "little")
        data = data[header_length:]
    return data, cpg_text


def _shapefile_encoding(path: Path) -> str:
    """Python codec of a shapefile's attribute text: its .cpg when there is one, else detected."""
    data, cpg = _dbf_bytes(path)
    declared = _python_codec(cpg, path) if cpg and cpg.strip() else None
    return _decode_ladder(data or b"", path, declared)


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


def list_layers(path: str | os.PathLike) -> list[LayerInfo]:
    """Every layer of a file with its geometry type, CRS, feature count and fields.

    Raises
    ------
    LayerLoadError
        When the file is missing, unreadable or corrupt.
    """
    path = Path(path)
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_csv_info(path)]
    if suffix in (".parquet", ".geoparquet"):
        return [_parquet_info(path)]
    encoding = _shapefile_encoding(path) if suffix in (".shp", ".zip") else None
    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        infos = [
            pyogrio.read_info(path, layer=n, force_feature_count=True, encoding=_gdal_encoding(encoding))
            for n in names
        ]
    except Exception as err:  # any reader failure becomes one sentence
        raise _read_failure(path, err) from err
    out = []
    for name, info in zip(names, infos, strict=True):
        field_names = list(info["fields"])
        if encoding and encoding != "utf-8":
            field_names = list(_recode_latin1(pd.DataFrame(columns=field_names), encoding).columns)
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
    geo = json.loads((schema.metadata or {}).get(b"geo", b"{}") or b"{}")
    primary = geo.get("primary_column")
    column = geo.get("columns", {}).get(primary, {})
    types = column.get("geometry_types") or []
    crs = column.get("crs", "OGC:CRS84") if primary else None
    fields = tuple(
        FieldInfo(f.name, _pandas_field_type(f.type.to_pandas_dtype()) if f.type.num_fields == 0 else "list")
        for f in schema
        if f.name != primary
    )
    return LayerInfo(
        name=path.stem,
        geometry_type=(types[0] if len(types) == 1 else "Unknown") if primary else "None",
        crs=_crs_label(crs),
        feature_count=int(meta.num_rows),
        fields=fields,
    )


def _csv_info(path: Path) -> LayerInfo:
    table, _ = _read_csv_table(path)
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
def _read_csv_table(path: Path) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    encoding = _decode_ladder(data, path)
    try:
        table = pd.read_csv(io.StringIO(_decoded(data, encoding)), sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as err:
        detail = " ".join(str(err).split())
        raise LayerLoadError(f"File '{path}' is not a readable CSV table ({detail}).") from err
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
def read_layer(path: str | os.PathLike, layer: str | None = None, crs=None) -> Layer:
    """Read one layer: 2D, valid geometries of one dimension, in the file's own CRS.

    Parameters
    ----------
    path : path-like
        The file (see :data:`FORMATS`).
    layer : str, optional
        Layer name inside a multi-layer file (GeoPackage, OSM); needed when there are several.
    crs : str, int or pyproj.CRS, optional
        CRS to assign when the file has none (a file's own CRS is never overridden).

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
    _check_readable(path)
    gdf, layer, notes = _read_raw(path, layer, crs)
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
    path: Path, layer: str | None, crs=None
) -> tuple[gpd.GeoDataFrame, str | None, list[str]]:
    """The features as stored, the resolved layer name and notes on the text encoding.

    ``crs`` is the CRS the user gave for files without one; a CSV whose coordinate columns are
    named longitude/latitude but hold values beyond +-180/+-90 is checked as degrees when none
    was given, so swapped columns are reported as such rather than as a missing CRS.
    """
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix == ".csv":
        table, encoding = _read_csv_table(path)
        if encoding != "utf-8":
            notes.append(f"read attribute text as {_ENCODING_NAMES[encoding]}")
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

    encoding = _shapefile_encoding(path) if suffix in (".shp", ".zip") else None
    source: Path | io.BytesIO = path
    if suffix in (".geojson", ".json") and path.is_file():
        data = path.read_bytes()
        encoding = _decode_ladder(data, path)
        if encoding != "utf-8":
            source = io.BytesIO(_decoded(data, encoding).encode("utf-8"))
    if encoding and encoding != "utf-8":
        notes.append(f"read attribute text as {_ENCODING_NAMES.get(encoding, encoding)}")
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
    if encoding and encoding != "utf-8" and isinstance(source, Path):
        gdf = _recode_latin1(gdf, encoding)
    return gdf, layer, notes


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


def _flatten(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-part pieces of every geometry and the index of the geometry each came from."""
    index = np.arange(len(geoms))
    parts = geoms
    while len(parts) and np.isin(shapely.get_type_id(parts), _COLLECTION_TYPE_IDS).any():
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
    parts, owner = _flatten(geoms)
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
        rep_parts, rep_owner = _flatten(repaired)
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


def numeric_fields(gdf: gpd.GeoDataFrame) -> list[str]:
    """Attribute columns holding numbers (booleans excluded)."""
    return [
        str(c)
        for c in gdf.columns
        if c != gdf.geometry.name
        and pd.api.types.is_numeric_dtype(gdf[c])
        and not pd.api.types.is_bool_dtype(gdf[c])
    ]


def check_population(gdf: gpd.GeoDataFrame, field: str, source: str) -> np.ndarray:
    """Validate a population column and return it as float64.

    Numbers stored as text are accepted; empty, non-numeric, negative or infinite values are not.

    Raises
    ------
    LayerLoadError
        Naming ``source`` (how the file/layer is shown to the user) and the problem.
    """
    if field not in gdf.columns or field == gdf.geometry.name:
        numeric = numeric_fields(gdf)
        others = f"its numeric fields are: {', '.join(numeric)}" if numeric else "it has no numeric fields"
        raise LayerLoadError(f"{source} has no population field '{field}'; {others}.")
    raw = gdf[field]
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
    return array


_SAFE_NAME = re.compile(r"[^0-9A-Za-z_]+")


def layer_name_from(path: str | os.PathLike, layer: str | None = None) -> str:
    """A default layer name: the layer inside the file, else the file name without extension."""
    return layer or _SAFE_NAME.sub("_", Path(path).stem).strip("_") or "layer"
