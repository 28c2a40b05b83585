"""A corpus of hostile inputs and damaged projects (issue 15), and a runner for the command line.

:func:`build_corpus` writes every case under a folder: GIS files a hostile or unlucky user might
hand CityPlanner (truncated, random, bit-flipped, special files, links to devices, absurd sizes,
malformed metadata, unreadable parts, over-long names ...) and ``.cityplan`` projects edited by
hand or damaged (settings of the wrong type, tiers and indices out of range, placements without
a geometry or of an unknown type, hostile colours, absurd radii, recursive SQL views ...).

:func:`run_corpus` puts every input through ``info``, ``new`` and ``coverage`` and every project
through ``show``, ``kpis`` and ``report``. The commands run through :func:`cityplanner.cli.main`
in a worker process (this module run as a script) that has imported everything once and forks
one child per command, so a command that would hang or exhaust memory is stopped by its own
limits (``RLIMIT_AS`` and an alarm) without taking the others with it. Each result carries the
exit status, stderr, wall time, peak memory (the child's maximum resident set, the interpreter's
imports included) and the files changed outside the output folder; :func:`problems` states what
breaks the property the test suite asserts.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

INPUT_COMMANDS = ("info", "new", "coverage")
# The corpus's folders, shared by the workers; each worker runs in its own ``run<N>`` folder, which
# links to them and holds its output folder ``out`` and temporary folder ``tmp``.
SHARED = ("good", "in", "proj")
PROJECT_COMMANDS = ("show", "kpis", "report")
TIMEOUT_S = 30
ADDRESS_SPACE = 2 * 1024**3
NOBODY = 65534

# Arrow's default allocator (jemalloc) and glibc's per-thread malloc arenas reserve address space
# far ahead of use (1.3 GB after one KPI run), which an address-space limit would count as used:
# the worker uses the system allocator and two arenas so RLIMIT_AS bounds what is really taken.
WORKER_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Case:
    """One hostile file.

    ``path`` is relative to the corpus root, as given on the command line; ``kind`` is ``"input"``
    (a GIS file) or ``"project"``. ``coverage`` reads an input as the zones, or as the facilities
    with ``facilities``. ``report`` names the outputs ``report`` writes (``build_corpus`` gives
    each project one in turn, or all five where a writer of its own is at stake). ``user`` runs
    the commands as that user id (root reads every file); ``names``: what the line on stderr may
    name instead of the file's own name.
    """

    id: str
    kind: str
    path: str
    facilities: bool = False
    report: tuple[str, ...] = ()
    user: int | None = None
    names: tuple[str, ...] = ()

    def commands(self) -> dict[str, list[str]]:
        p = self.path
        if self.kind == "project":
            outputs = [arg for name in self.report or OUTPUTS for arg in (f"--{name}", OUTPUT_PATHS[name])]
            return {"show": ["show", p], "kpis": ["kpis", p], "report": ["report", p, *outputs]}
        demand = ["--zones", p, "--population", "population"]
        facilities = ["--facilities", "good/stops.geojson"]
        if self.facilities:
            demand = ["--zones", "good/zones.geojson", "--population", "population"]
            facilities = ["--facilities", p]
        return {
            "info": ["info", p],
            "new": ["new", "out/new.cityplan", "--zones", p, "--population", "population"],
            "coverage": ["coverage", *demand, *facilities, "--radius", "400"],
        }

    def expected_names(self) -> tuple[str, ...]:
        names = [Path(self.path).name]
        if ":" in names[0]:  # FILE:LAYER
            names.append(names[0].rsplit(":", 1)[0])
        return (*names, *self.names)


OUTPUTS = ("html", "pdf", "xlsx", "gpkg", "csv")
# Projects whose report writes every output: each writer meets the damage in its own way (colours
# and radii drawn on the map, names and tiers in tables and the PDF's layout).
ALL_OUTPUTS = {
    "colour_javascript", "colour_css_breaker", "styles_colour_javascript", "radius_absurd", "tier_7",
    "zone_index_out_of_range", "placement_null_geometry", "placement_unknown_type", "currency_script",
    "project_name_5mb", "scenario_description_of_5mb", "bit_flips_0", "template_in_scenario_name",
    "formula_in_zone_text", "scenario_name_of_5005_characters", "html_breakers_in_labels",
}  # fmt: skip
OUTPUT_PATHS = {
    "html": "out/r.html",
    "pdf": "out/r.pdf",
    "xlsx": "out/r.xlsx",
    "gpkg": "out/r.gpkg",
    "csv": "out/csv",
}


@dataclass
class Result:
    case: str
    command: str
    argv: list[str]
    returncode: int | None
    signal: int | None
    seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str
    changed: list[str] = field(default_factory=list)


# -- building the corpus ----------------------------------------------------------------------------
_INPUTS: list[tuple[str, Callable[[Path], object], dict]] = []
_PROJECTS: list[tuple[str, Callable[[Path, Path], object], dict]] = []


def _input(name: str, **options):
    def register(fn):
        _INPUTS.append((name, fn, options))
        return fn

    return register


def _project(name: str, **options):
    def register(fn):
        _PROJECTS.append((name, fn, options))
        return fn

    return register


def build_corpus(root: Path) -> list[Case]:
    """Write every case under ``root`` (``good/``, ``in/``, ``proj/``); return them."""
    import data_factory as make

    for sub in SHARED:
        (root / sub).mkdir(parents=True, exist_ok=True)
    make.write(make.zones(16), root / "good" / "zones.geojson")
    make.write(make.stops(), root / "good" / "stops.geojson")
    base = _base_project(root / "good")
    cases = []
    for name, fn, options in _INPUTS:
        written = fn(root / "in")
        rel = os.path.relpath(written, root) if isinstance(written, Path) else str(written)
        cases.append(Case(f"input/{name}", "input", rel, **options))
    for i, (name, fn, options) in enumerate(_PROJECTS):
        target = root / "proj" / f"{name}.cityplan"
        written = fn(base, target)
        path = written if written is not None else target
        rel = os.path.relpath(path, root) if isinstance(path, Path) else str(path)
        # A report's content is collected once whatever it writes: one output each, in turn, keeps
        # the corpus fast; all five where a writer meets the damage in its own way.
        outputs = OUTPUTS if name in ALL_OUTPUTS else (OUTPUTS[i % len(OUTPUTS)],)
        cases.append(Case(f"project/{name}", "project", rel, report=outputs, **options))
    root.chmod(0o755)  # the cases run as nobody reach the files through it
    return cases


def _zones():
    import data_factory as make

    return make.zones(16)


def _stops():
    import data_factory as make

    return make.stops()


def _write(gdf, path: Path, **kwargs) -> Path:
    import data_factory as make

    return make.write(gdf, path, **kwargs)


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _random_bytes(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _flip_bits(source: Path, target: Path, seed: int, flips: int = 24, skip: int = 0) -> Path:
    """A copy of ``source`` with ``flips`` random bits flipped past the first ``skip`` bytes."""
    data = bytearray(source.read_bytes())
    rng = random.Random(seed)
    for _ in range(flips):
        at = rng.randrange(skip, len(data))
        data[at] ^= 1 << rng.randrange(8)
    target.write_bytes(bytes(data))
    return target


def _shapefile(folder: Path, stem: str, gdf=None) -> Path:
    return _write(_zones() if gdf is None else gdf, folder / f"{stem}.shp")


def _sparse(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no disk space (all zeros after ``head``)."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _link(path: Path, to: str) -> Path:
    os.symlink(to, path)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# Already handled before issue 15 (truncated/random GeoPackages, CRS, coordinates, bit flips, empty
# layers ...): kept so that they stay handled.
@_input("truncated_gpkg_10")
def _(d):
    return _truncated_gpkg(d, "truncated_10.gpkg", 0.1)


@_input("truncated_gpkg_50")
def _(d):
    return _truncated_gpkg(d, "truncated_50.gpkg", 0.5)


@_input("truncated_gpkg_95")
def _(d):
    return _truncated_gpkg(d, "truncated_95.gpkg", 0.95)


def _truncated_gpkg(d: Path, name: str, keep: float) -> Path:
    path = _write(_zones(), d / name, layer="wards")
    data = path.read_bytes()
    return _bytes(path, data[: int(len(data) * keep)])


for _ext in ("gpkg", "shp", "geojson", "json", "fgb", "kml", "zip", "parquet", "csv", "osm", "pbf"):
    _input(f"random_{_ext}")(lambda d, ext=_ext: _bytes(d / f"random.{ext}", _random_bytes(len(ext), 4096)))
    if _ext in ("gpkg", "shp", "geojson", "zip", "parquet", "csv"):
        _input(f"zero_bytes_{_ext}")(lambda d, ext=_ext: _bytes(d / f"zero.{ext}", b""))


@_input("sqlite_header_then_noise")
def _(d):
    return _bytes(d / "noise.gpkg", b"SQLite format 3\x00" + _random_bytes(3, 8192))


@_input("missing_file")
def _(d):
    return d / "nowhere.gpkg"


@_input("no_crs_shapefile")
def _(d):
    path = _write(_zones().to_crs("EPSG:32648"), d / "no_crs.shp")
    path.with_suffix(".prj").unlink()
    return path


@_input("metres_declared_degrees")
def _(d):
    gdf = _zones().to_crs("EPSG:32648").set_crs("EPSG:4326", allow_override=True)
    return _write(gdf, d / "wrong_crs.gpkg", layer="wards")


@_input("swapped_axes_geojson")
def _(d):
    import shapely

    gdf = _stops()
    gdf.geometry = shapely.points(gdf.geometry.y, gdf.geometry.x)
    return _write(gdf, d / "swapped.geojson")


@_input("swapped_axes_csv", facilities=True)
def _(d):
    return _bytes(d / "swapped.csv", "ten,lat,lon\nChợ Hàn,108.2245,16.0680\n".encode())


@_input("latitude_96_csv")
def _(d):
    return _bytes(d / "far_north.csv", b"name,lon,lat\nA,108.2245,96.068\n")


@_input("coordinates_1e300_geojson")
def _(d):
    feature = {
        "type": "Feature",
        "properties": {"population": 5},
        "geometry": {"type": "Point", "coordinates": [1e300, -1e300]},
    }
    return _bytes(
        d / "huge_coords.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    )


@_input("nan_coordinates_csv", facilities=True)
def _(d):
    return _bytes(d / "nan.csv", b"name,lon,lat,population\nA,nan,nan,5\nB,inf,-inf,6\n")


@_input("wrong_crs_declared_in_geojson")
def _(d):
    doc = json.loads(_write(_stops(), d / "tmp_stops.geojson").read_text())
    (d / "tmp_stops.geojson").unlink()
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    return _bytes(d / "unknown_crs.geojson", json.dumps(doc).encode())


@_input("swapped_epsg_projected_geojson")
def _(d):
    gdf = _zones().to_crs("EPSG:32649")
    return _write(gdf.set_crs("EPSG:32648", allow_override=True), d / "other_utm.gpkg", layer="wards")


def _bit_flip_cases():
    sources = {
        "gpkg": lambda d: _write(_zones(), d / "src_flip.gpkg", layer="wards"),
        "geojson": lambda d: _write(_zones(), d / "src_flip.geojson"),
        "fgb": lambda d: _write(_zones(), d / "src_flip.fgb"),
        "parquet": lambda d: _parquet(d / "src_flip.parquet"),
    }
    counts = {"gpkg": 5, "geojson": 2, "fgb": 1, "parquet": 1}
    for ext, n in counts.items():
        for seed in range(n):

            def build(d, ext=ext, seed=seed):
                source = sources[ext](d)
                target = _flip_bits(
                    source, d / f"flipped_{seed}.{ext}", seed, skip=100 if ext == "gpkg" else 0
                )
                source.unlink()
                return target

            _input(f"bit_flips_{ext}_{seed}")(build)
    for part, n in ((".shp", 2), (".dbf", 2), (".shx", 1)):
        for seed in range(n):

            def build_shp(d, part=part, seed=seed):
                stem = f"flipped{part[1:]}_{seed}"
                path = _shapefile(d, stem)
                _flip_bits(path.with_suffix(part), path.with_suffix(part), seed)
                return path

            _input(f"bit_flips_shapefile{part.replace('.', '_')}_{seed}")(build_shp)
    for seed in range(2):

        def build_zip(d, seed=seed):
            import data_factory as make

            sub = d / f"zip_flip_{seed}"
            sub.mkdir()
            archive = make.zip_shapefile(_shapefile(sub, "wards"), d / f"flipped_{seed}.zip")
            shutil.rmtree(sub)
            return _flip_bits(archive, archive, seed)

        _input(f"bit_flips_zip_{seed}")(build_zip)


def _parquet(path: Path) -> Path:
    _zones().to_parquet(path)
    return path


_bit_flip_cases()


@_input("empty_feature_collection")
def _(d):
    return _bytes(d / "empty.geojson", b'{"type": "FeatureCollection", "features": []}')


@_input("empty_gpkg_layer")
def _(d):
    return _write(_zones().iloc[:0], d / "empty_layer.gpkg", layer="wards")


@_input("csv_header_only")
def _(d):
    return _bytes(d / "header_only.csv", b"lon,lat,population\n")


@_input("shapefile_without_records")
def _(d):
    return _shapefile(d, "no_records", _zones().iloc[:0])


@_input("mixed_dimensions", facilities=True)
def _(d):
    import data_factory as make

    return make.mixed_dimensions(d)


@_input("invalid_polygons")
def _(d):
    import data_factory as make

    return make.invalid_polygons(d)


@_input("z_polygons")
def _(d):
    import data_factory as make

    return make.z_polygons(d)


@_input("zm_points_csv", facilities=True)
def _(d):
    import data_factory as make

    return make.zm_points_csv(d)


def _population(d: Path, name: str, values) -> Path:
    gdf = _zones()
    gdf["population"] = values
    return _write(gdf, d / name)


@_input("population_dates")
def _(d):
    import pandas as pd

    return _population(d, "pop_dates.gpkg", pd.date_range("2020-01-01", periods=16))


@_input("population_booleans")
def _(d):
    return _population(d, "pop_bool.gpkg", [True, False] * 8)


@_input("population_1e308")
def _(d):
    return _population(d, "pop_huge.geojson", [1e308] * 16)


@_input("population_negative")
def _(d):
    return _population(d, "pop_negative.geojson", [-5] * 16)


@_input("population_text")
def _(d):
    return _population(d, "pop_text.geojson", ["many"] * 16)


@_input("population_empty")
def _(d):
    return _population(d, "pop_empty.geojson", [None] * 15 + [3.0])


@_input("zip_bomb")
def _(d):
    import data_factory as make

    sub = d / "bomb_parts"
    sub.mkdir()
    made = make.zip_bomb(sub, expand_mib=101)
    target = made.rename(d / "bomb.zip")
    shutil.rmtree(sub)
    return target


@_input("encrypted_zip")
def _(d):
    import data_factory as make

    sub = d / "locked_parts"
    sub.mkdir()
    target = make.zip_with_encrypted_member(sub).rename(d / "locked.zip")
    shutil.rmtree(sub)
    return target


@_input("zip_claiming_3gb")
def _(d):
    import data_factory as make

    sub = d / "claims_parts"
    sub.mkdir()
    target = make.zip_claiming_size(sub, 3 * 1024**3).rename(d / "claims.zip")
    shutil.rmtree(sub)
    return target


for _part in (".shp", ".shx", ".dbf"):

    @_input(f"truncated_shapefile{_part.replace('.', '_')}")
    def _(d, part=_part):
        import data_factory as make

        return make.truncated_shapefile(d, part)


@_input("zip_inside_zip")
def _(d):
    inner = _zip_of(d, "inner")
    outer = d / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, inner.name)
    inner.unlink()
    return outer


@_input("zip_slip_names")
def _(d):
    import data_factory as make

    sub = d / "slip_parts"
    sub.mkdir()
    shp = _shapefile(sub, "wards")
    target = d / "slip.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for part in sorted(sub.glob("wards.*")):
            zf.write(part, f"../../../../tmp/evil/{part.name}")
    shutil.rmtree(sub)
    del make, shp
    return target


def _zip_of(d: Path, stem: str) -> Path:
    import data_factory as make

    sub = d / f"{stem}_parts"
    sub.mkdir()
    archive = make.zip_shapefile(_shapefile(sub, stem), d / f"{stem}.zip")
    shutil.rmtree(sub)
    return archive


@_input("cp1258_without_cpg", facilities=True)
def _(d):
    import data_factory as make

    return make.cp1258_shapefile(d)


@_input("undecodable_text")
def _(d):
    import data_factory as make

    return make.undecodable_shapefile(d)


@_input("wrong_utf8_cpg")
def _(d):
    import data_factory as make

    path = make.vietnamese_wards_shapefile(d, cpg="UTF-8", name="wrong_cpg")
    return path


@_input("template_and_formula_text")
def _(d):
    gdf = _zones()
    gdf["name"] = ["{{7*7}}", "=cmd|' /C calc'!A0", "{% raw %}", "</script>"] * 4
    return _write(gdf, d / "hostile_text.geojson")


@_input("kml_billion_laughs")
def _(d):
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE kml [{entities}]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&a9;</name>'
        "<Point><coordinates>108.21,16.05</coordinates></Point></Placemark></Document></kml>"
    )
    return _bytes(d / "laughs.kml", doc.encode())


@_input("osm_billion_laughs")
def _(d):
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE osm [{entities}]><osm version="0.6">'
        '<node id="1" lat="16.05" lon="108.21"><tag k="name" v="&a9;"/></node></osm>'
    )
    return _bytes(d / "laughs.osm", doc.encode())


@_input("geojson_nested_100000_deep")
def _(d):
    depth = 100_000
    doc = (
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": '
        + "[" * depth
        + "]" * depth
        + "}}"
    )
    return _bytes(d / "deep.geojson", doc.encode())


@_input("geojson_5mb_property")
def _(d):
    feature = {
        "type": "Feature",
        "properties": {"name": "x" * 5_000_000, "population": 1},
        "geometry": {"type": "Point", "coordinates": [108.21, 16.05]},
    }
    return _bytes(
        d / "long_text.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    )


@_input("geojson_a_number")
def _(d):
    return _bytes(d / "number.geojson", b"5")


@_input("geojson_topology")
def _(d):
    return _bytes(d / "topo.json", b'{"type": "Topology", "objects": {}, "arcs": []}')


# -- issue 15, item 2 ------------------------------------------------------------------------------
@_input("gpkg_attribute_table_only")
def _(d):
    import pandas as pd
    import pyogrio

    path = d / "table_only.gpkg"
    pyogrio.write_dataframe(
        pd.DataFrame({"ward": ["A", "B"], "population": [1, 2]}), path, layer="census", driver="GPKG"
    )
    return path


@_input("gpkg_attribute_table_named")
def _(d):
    import pandas as pd
    import pyogrio

    path = _write(_zones(), d / "with_table.gpkg", layer="wards")
    pyogrio.write_dataframe(
        pd.DataFrame({"population": [1, 2]}), path, layer="census", driver="GPKG", append=True
    )
    return "in/with_table.gpkg:census"


for _name, _junk in {
    "nul": b"\x00\x00UTF-8\x00",
    "binary": bytes(range(256)),
    "random_64k": None,
    "non_text_codec": b"rot13",
    "base64_codec": b"base64",
    "utf16": b"UTF-16",
}.items():

    @_input(f"cpg_{_name}")
    def _(d, name=_name, junk=_junk):
        path = _shapefile(d, f"cpg_{name}")
        path.with_suffix(".cpg").write_bytes(_random_bytes(7, 65536) if junk is None else junk)
        return path


@_input("cpg_fifo", names=("cpg_fifo.cpg",))
def _(d):
    path = _shapefile(d, "cpg_fifo")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    _fifo(path.with_suffix(".cpg"))
    return path


@_input("cpg_link_to_dev_zero", names=("cpg_zero.cpg",))
def _(d):
    path = _shapefile(d, "cpg_zero")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    _link(path.with_suffix(".cpg"), "/dev/zero")
    return path


@_input("dbf_without_read_permission", user=NOBODY, names=("no_read_dbf.dbf",))
def _(d):
    path = _shapefile(d, "no_read_dbf")
    path.with_suffix(".dbf").chmod(0o000)
    return path


@_input("shp_without_read_permission", user=NOBODY)
def _(d):
    path = _shapefile(d, "no_read_shp")
    path.chmod(0o000)
    return path


@_input("gpkg_without_read_permission", user=NOBODY)
def _(d):
    path = _write(_zones(), d / "no_read.gpkg", layer="wards")
    path.chmod(0o000)
    return path


@_input("csv_without_read_permission", user=NOBODY)
def _(d):
    path = _bytes(d / "no_read.csv", b"lon,lat,population\n108.21,16.05,4\n")
    path.chmod(0o000)
    return path


@_input("folder_without_search_permission", user=NOBODY, names=("locked_folder",))
def _(d):
    folder = d / "locked_folder"
    folder.mkdir()
    path = _write(_zones(), folder / "wards.geojson")
    folder.chmod(0o600)
    return path


@_input("name_over_255_bytes", names=("y" * 40,))
def _(d):
    return f"in/{'y' * 300}.geojson"


@_input("folder_name_over_255_bytes", names=("z" * 40,))
def _(d):
    return f"in/{'z' * 300}/wards.geojson"


@_input("path_over_4096_bytes", names=("w" * 40,))
def _(d):
    return "in/" + "/".join(["w" * 200] * 25) + "/wards.geojson"


@_input("name_with_newline", names=("new\\nline.geojson",))
def _(d):
    return _write(_zones(), d / "new\nline.geojson")


@_input("name_with_terminal_escape", names=("\\x1b[31mred.geojson",))
def _(d):
    path = d / "\x1b[31mred.geojson"
    _write(_stops(), d / "red_source.geojson").rename(path)
    return path


def _geo_parquet(d: Path, name: str, geo) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_zones().to_wkb(), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[b"geo"] = geo if isinstance(geo, bytes) else json.dumps(geo).encode()
    path = d / name
    pq.write_table(table.replace_schema_metadata(metadata), path)
    return path


_GOOD_GEO = {
    "version": "1.0.0",
    "primary_column": "geometry",
    "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Polygon"]}},
}
for _name, _geo in {
    "not_json": b"{not json",
    "a_list": [1, 2],
    "columns_a_list": {**_GOOD_GEO, "columns": [1, 2]},
    "geometry_types_int": {**_GOOD_GEO, "columns": {"geometry": {"encoding": "WKB", "geometry_types": 5}}},
    "primary_column_absent": {**_GOOD_GEO, "primary_column": "nowhere"},
    "crs_int": {**_GOOD_GEO, "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": 5}}},
    "null": b"null",
    "string_5mb": json.dumps("x" * 5_000_000).encode(),
    "encoding_unknown": {**_GOOD_GEO, "columns": {"geometry": {"encoding": "XYZ", "geometry_types": []}}},
    "column_not_object": {**_GOOD_GEO, "columns": {"geometry": "WKB"}},
}.items():
    _input(f"geoparquet_geo_{_name}")(
        lambda d, name=_name, geo=_geo: _geo_parquet(d, f"geo_{name}.parquet", geo)
    )


@_input("geoparquet_geometry_of_integers")
def _(d):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"geometry": [1, 2, 3], "population": [1, 2, 3]})
    table = table.replace_schema_metadata({b"geo": json.dumps(_GOOD_GEO).encode()})
    pq.write_table(table, d / "int_geometry.parquet")
    return d / "int_geometry.parquet"


@_input("geoparquet_wkb_garbage")
def _(d):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"geometry": [b"\x01\x03garbage", b"\x00" * 40], "population": [1, 2]})
    table = table.replace_schema_metadata({b"geo": json.dumps(_GOOD_GEO).encode()})
    pq.write_table(table, d / "wkb_garbage.parquet")
    return d / "wkb_garbage.parquet"


for _ext in ("csv", "geojson", "gpkg", "shp", "zip"):
    _input(f"link_to_dev_zero_{_ext}")(lambda d, ext=_ext: _link(d / f"dev_zero.{ext}", "/dev/zero"))
_input("link_to_dev_urandom_csv")(lambda d: _link(d / "dev_urandom.csv", "/dev/urandom"))
_input("link_to_dev_null_csv")(lambda d: _link(d / "dev_null.csv", "/dev/null"))

for _part in (".dbf", ".shx", ".prj"):

    @_input(f"shapefile_{_part[1:]}_link_to_dev_zero", names=(f"zero_{_part[1:]}{_part}",))
    def _(d, part=_part):
        path = _shapefile(d, f"zero_{part[1:]}")
        path.with_suffix(part).unlink()
        _link(path.with_suffix(part), "/dev/zero")
        return path


for _ext in ("csv", "geojson", "gpkg", "shp"):
    _input(f"fifo_{_ext}")(lambda d, ext=_ext: _fifo(d / f"fifo.{ext}"))


@_input("link_to_fifo_csv")
def _(d):
    _fifo(d / "fifo_target")
    return _link(d / "to_fifo.csv", "fifo_target")


for _part in (".dbf", ".shx", ".prj"):

    @_input(f"shapefile_{_part[1:]}_fifo", names=(f"fifo_{_part[1:]}{_part}",))
    def _(d, part=_part):
        path = _shapefile(d, f"fifo_{part[1:]}")
        path.with_suffix(part).unlink()
        _fifo(path.with_suffix(part))
        return path


@_input("sparse_3gb_csv")
def _(d):
    return _sparse(d / "sparse.csv", 3 * 1024**3, b"lon,lat,population\n")


@_input("sparse_3gb_geojson")
def _(d):
    return _sparse(d / "sparse.geojson", 3 * 1024**3, b'{"type": "FeatureCollection", "features": [')


@_input("sparse_3gb_kml")
def _(d):
    return _sparse(d / "sparse.kml", 3 * 1024**3, b'<?xml version="1.0"?><kml>')


@_input("sparse_3gb_gpkg")
def _(d):
    return _sparse(d / "sparse.gpkg", 3 * 1024**3, b"SQLite format 3\x00")


@_input("shapefile_sparse_3gb_dbf", names=("sparse_dbf.dbf",))
def _(d):
    path = _shapefile(d, "sparse_dbf")
    head = path.with_suffix(".dbf").read_bytes()[:32]
    _sparse(path.with_suffix(".dbf"), 3 * 1024**3, head)
    return path


@_input("csv_field_of_20mb")
def _(d):
    return _bytes(d / "long_field.csv", b"name,lon,lat\n" + b"x" * 20_000_000 + b",108.21,16.05\n")


@_input("csv_line_of_20mb_without_separators")
def _(d):
    return _bytes(d / "long_line.csv", b"lon,lat\n" + b"7" * 20_000_000 + b"\n")


@_input("csv_100000_columns")
def _(d):
    header = ",".join(f"c{i}" for i in range(100_000))
    return _bytes(d / "wide.csv", f"lon,lat,{header}\n108.21,16.05{',1' * 100_000}\n".encode())


@_input("csv_wkt_polygon_of_200kb")
def _(d):
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 6000, endpoint=False)
    ring = [(108.21 + 0.01 * np.cos(a), 16.05 + 0.01 * np.sin(a)) for a in angles]
    wkt = "POLYGON ((" + ", ".join(f"{x:.9f} {y:.9f}" for x, y in [*ring, ring[0]]) + "))"
    return _bytes(d / "big_wkt.csv", f'wkt,population\n"{wkt}",100\n'.encode())


@_input("csv_with_nul_bytes")
def _(d):
    return _bytes(d / "nul.csv", b"lon,lat\x00,population\n108.21,16.05,\x004\n")


@_input("csv_bom_only")
def _(d):
    return _bytes(d / "bom.csv", b"\xef\xbb\xbf")


@_input("csv_wkt_deeply_nested")
def _(d):
    depth = 5000
    wkt = "GEOMETRYCOLLECTION (" * depth + "POINT (108.21 16.05)" + ")" * depth
    return _bytes(d / "nested_wkt.csv", f'wkt,population\n"{wkt}",1\n'.encode())


@_input("csv_wkt_nan_point")
def _(d):
    return _bytes(d / "nan_wkt.csv", b'wkt,population\n"POINT (nan nan)",1\n')


for _ext in ("gpkg", "csv", "shp"):
    _input(f"folder_named_{_ext}")(lambda d, ext=_ext: _mkdir(d / f"folder.{ext}"))


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@_input("symlink_loop")
def _(d):
    return _link(d / "loop.csv", "loop.csv")


@_input("dangling_link")
def _(d):
    return _link(d / "dangling.geojson", "gone.geojson")


def _gpkg_with(d: Path, name: str, *sql: str) -> Path:
    path = _write(_zones(), d / name, layer="wards")
    con = sqlite3.connect(path)
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()
    return path


_RECURSIVE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"


@_input("gpkg_recursive_view_as_layer")
def _(d):
    return _gpkg_with(
        d,
        "recursive_view.gpkg",
        f"CREATE VIEW loop AS {_RECURSIVE} SELECT x AS fid, NULL AS geom, x AS population FROM c",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES ('loop', 'features', 'loop', 4326)",
        "INSERT INTO gpkg_geometry_columns VALUES ('loop', 'geom', 'POINT', 4326, 0, 0)",
    )


@_input("gpkg_recursive_view_unregistered")
def _(d):
    return _gpkg_with(d, "hidden_view.gpkg", f"CREATE VIEW loop AS {_RECURSIVE} SELECT x FROM c")


@_input("gpkg_recursive_view_as_attribute_table")
def _(d):
    return _gpkg_with(
        d,
        "recursive_table.gpkg",
        f"CREATE VIEW loop AS {_RECURSIVE} SELECT x AS fid, x AS population FROM c",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('loop', 'attributes', 'loop')",
    )


@_input("gpkg_generated_gigabyte_column")
def _(d):
    path = _write(_zones(), d / "generated.gpkg", layer="wards")
    con = sqlite3.connect(path)
    try:
        con.execute(
            "ALTER TABLE wards ADD COLUMN blob_ BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL"
        )
        con.commit()
    finally:
        con.close()
    return path


@_input("gpkg_srs_garbage")
def _(d):
    return _gpkg_with(
        d,
        "srs_garbage.gpkg",
        "UPDATE gpkg_spatial_ref_sys SET definition = 'garbage', organization = 'X' WHERE srs_id = 4326",
    )


@_input("gpkg_unknown_srs_id")
def _(d):
    return _gpkg_with(
        d,
        "srs_unknown.gpkg",
        "UPDATE gpkg_geometry_columns SET srs_id = 987654",
        "UPDATE gpkg_contents SET srs_id = 987654",
    )


@_input("shapefile_prj_junk")
def _(d):
    path = _shapefile(d, "prj_junk")
    path.with_suffix(".prj").write_bytes(_random_bytes(11, 2048))
    return path


@_input("shapefile_prj_1mb")
def _(d):
    path = _shapefile(d, "prj_big")
    path.with_suffix(".prj").write_bytes(b'GEOGCS["' + b"A" * 1_000_000 + b'"]')
    return path


@_input("shapefile_header_huge_record_length")
def _(d):
    path = _shapefile(d, "bad_header")
    data = bytearray(path.read_bytes())
    data[100 + 4 : 100 + 8] = struct.pack(">i", 0x7FFFFFF0)  # first record's content length
    path.write_bytes(bytes(data))
    return path


@_input("flatgeobuf_claims_1e12_features")
def _(d):
    path = _write(_zones(), d / "claims.fgb")
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<Q", 16))
    if at > 0:
        data[at : at + 8] = struct.pack("<Q", 10**12)
    path.write_bytes(bytes(data))
    return path


# -- damaged and hand-edited projects ---------------------------------------------------------------
def _base_project(folder: Path) -> Path:
    """A small project like a planner's: zones, a surface, bus stops, a plan with placements,
    priority tiers, KPI targets and layer styles."""
    from cityplanner.assemble import create_project
    from cityplanner.project import Placement
    from cityplanner.store import save_project
    from cityplanner.surface import set_project_surface

    project = create_project(
        str(folder / "zones.geojson"), "population", layers={"bus_stops": str(folder / "stops.geojson")}
    )
    set_project_surface(project, cell_size_m=100.0, use_census=True)
    x0, y0, _, _ = project.zones.total_bounds
    plan = project.add_scenario("Plan")
    for i, kind in enumerate(["bus_stop", "wifi", "clinic", "park"]):
        plan.placements.append(Placement(kind, x0 + 100 + 150 * i, y0 + 200, name=f"Điểm {i}", capacity=10.0))
    project.priority = {0: 1, 3: 2, 5: 3}
    project.kpi_targets = {next(iter(_kpi_ids())): 50.0}
    project.settings["ui.layer_styles"] = json.dumps(
        {"zones": json.dumps({"kind": "single", "colour": "#ff0000", "opacity": 0.5})}
    )
    return save_project(project, folder / "base.cityplan")


def _kpi_ids() -> list[str]:
    from cityplanner.kpi import load_catalogue

    return [k.id for k in load_catalogue()]


def _dummy_gpkg_functions(con: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers call, so plain sqlite3 can edit feature tables."""
    con.create_function("ST_IsEmpty", 1, lambda blob: 0 if blob else 1)
    for name in ("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"):
        con.create_function(name, 1, lambda blob: 0.0)


def _tampered(base: Path, target: Path, *sql: str | tuple[str, tuple], params: tuple = ()) -> Path:
    """A copy of ``base`` at ``target`` edited with ``sql`` (statements, or (statement, parameters));
    ``params`` go to every statement with a ``?``."""
    if base != target:
        shutil.copyfile(base, target)
    con = sqlite3.connect(target)
    _dummy_gpkg_functions(con)
    try:
        for statement in sql:
            if isinstance(statement, tuple):
                con.execute(*statement)
            else:
                con.execute(statement, params if "?" in statement else ())
        con.commit()
    finally:
        con.close()
    return target


def _gpkg_point(x: float, y: float, srs_id: int = 32649) -> bytes:
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, x, y)


def _gpkg_blob(geometry, srs_id: int = 32649) -> bytes:
    import shapely

    return b"GP\x00\x01" + struct.pack("<i", srs_id) + shapely.to_wkb(geometry)


def _setting(key: str, value: str, kind: str = "str") -> tuple:
    """The statements that set ``key`` to ``value`` of type ``kind`` in cp_settings."""
    return (
        ("DELETE FROM cp_settings WHERE key = ?", (key,)),
        ("INSERT INTO cp_settings (key, value, value_type) VALUES (?, ?, ?)", (key, value, kind)),
    )


def _settings_case(name: str, key: str, value: str, kind: str = "str") -> None:
    _project(name)(lambda base, target: _tampered(base, target, *_setting(key, value, kind)))


for _name, _key, _value, _kind in [
    ("setting_float_as_text", "walk_speed_kmh", "fast", "float"),
    ("setting_unknown_type", "walk_speed_kmh", "{}", "dict"),
    ("setting_int_1e400", "max_snap_m", "1e400", "int"),
    ("setting_bool_maybe", "euclidean", "maybe", "bool"),
    ("cell_size_1mm", "cell_size_m", "0.001", "float"),
    ("cell_size_nan", "cell_size_m", "nan", "float"),
    ("cell_size_as_text", "cell_size_m", "tiny", "str"),
    ("max_snap_negative", "max_snap_m", "-1", "float"),
    ("walk_speed_zero", "walk_speed_kmh", "0", "float"),
    ("distance_mode_unknown", "distance_mode", "teleport", "str"),
    ("styles_a_number", "ui.layer_styles", "5", "str"),
    ("styles_values_numbers", "ui.layer_styles", '{"zones": 5, "bus_stops": "x"}', "str"),
    (
        "styles_colour_javascript",
        "ui.layer_styles",
        json.dumps({"zones": json.dumps({"colour": "javascript:alert(1)"})}),
        "str",
    ),
    (
        "styles_style_of_wrong_types",
        "ui.layer_styles",
        json.dumps({"zones": {"kind": 5, "opacity": "x", "classes": 1e9}}),
        "str",
    ),
    ("styles_nested_100000_deep", "ui.layer_styles", "[" * 100_000 + "]" * 100_000, "str"),
    ("demand_method_unknown", "demand_method", "magic", "str"),
    ("demand_note_5mb", "demand_note", "n" * 5_000_000, "str"),
    ("population_raster_dev_zero", "population_raster", "/dev/zero", "str"),
    ("setting_of_40mb", "city", "c" * 40_000_000, "str"),
    ("currency_script", "currency", "<script>alert(1)</script>", "str"),
    ("none_exist_unknown_types", "none_exist", "nothing, at, all", "str"),
    ("dasymetric_layer_missing", "dasymetric_layer", "nowhere", "str"),
    ("decision_log_nested", "decision_log", "[" * 100_000 + "]" * 100_000, "str"),
    (
        "decision_log_of_wrong_values",
        "decision_log",
        '[{"time": 5, "scenario": [], "state": "agreed"}]',
        "str",
    ),
]:
    _settings_case(_name, _key, _value, _kind)


@_project("population_raster_fifo")
def _(base, target):
    raster = _fifo(target.parent / "raster_fifo.tif")
    # A stale fingerprint makes the stored surface out of date, so it would be rebuilt from the raster.
    stale = "UPDATE cp_settings SET value = 'x' WHERE key = 'demand_fingerprint'"
    return _tampered(base, target, *_setting("population_raster", str(raster.resolve())), stale)


def _project_meta(name: str, key: str, value) -> None:
    def build(base, target):
        return _tampered(
            base, target, "UPDATE cp_project SET value = ? WHERE key = '" + key + "'", params=(value,)
        )

    _project(name)(build)


for _name, _key, _value in [
    ("format_version_text", "format_version", "abc"),
    ("format_version_newer", "format_version", "99"),
    ("crs_garbage", "crs", "EPSG:nonsense"),
    ("crs_proj_init_file", "crs", "+init=/dev/zero:1"),
    ("crs_geographic", "crs", "EPSG:4326"),
    ("crs_feet", "crs", "EPSG:2227"),
    ("zones_layer_missing", "zones_layer", "nowhere"),
    ("population_field_missing", "population_field", "nobody"),
    ("project_name_5mb", "name", "N" * 5_000_000),
]:
    _project_meta(_name, _key, _value)


@_project("crs_empty_and_wkt_garbage")
def _(base, target):
    return _tampered(
        base,
        target,
        "UPDATE cp_project SET value = '' WHERE key = 'crs'",
        "UPDATE cp_project SET value = 'PROJCS[' WHERE key = 'crs_wkt'",
    )


@_project("cp_project_emptied")
def _(base, target):
    return _tampered(base, target, "DELETE FROM cp_project")


@_project("cp_priority_dropped")
def _(base, target):
    return _tampered(base, target, "DROP TABLE cp_priority")


@_project("facility_types_column_dropped")
def _(base, target):
    return _tampered(base, target, "ALTER TABLE cp_facility_types DROP COLUMN radius_m")


@_project("placements_column_dropped")
def _(base, target):
    return _tampered(base, target, "ALTER TABLE placements DROP COLUMN capacity")


for _name, _update in [
    ("layer_columns_a_number", "columns = '5'"),
    ("layer_columns_list_of_numbers", "columns = '[5, 6]'"),
    ("layer_columns_not_json", "columns = '[{'"),
    ("layer_columns_unknown_dtype", "columns = replace(columns, '\"float64\"', '\"bogus\"')"),
    (
        "layer_columns_datetime_on_text",
        'columns = replace(columns, \'"dtype": "float64"\', \'"dtype": "datetime64[ns]"\')',
    ),
    (
        "layer_columns_field_missing",
        'columns = replace(columns, \'"field": "population"\', \'"field": "nowhere"\')',
    ),
    ("layer_table_missing", "table_name = 'nowhere'"),
    ("layer_table_is_metadata", "table_name = 'cp_settings'"),
    ("layer_notes_a_number", "notes = '5'"),
    ("layer_notes_nested", "notes = '" + "[" * 50_000 + "]" * 50_000 + "'"),
]:

    def _layer_build(base, target, update=_update):
        return _tampered(base, target, f"UPDATE cp_layers SET {update} WHERE name = 'zones'")

    _project(_name)(_layer_build)


@_project("bus_stops_layer_columns_broken")
def _(base, target):
    return _tampered(base, target, "UPDATE cp_layers SET columns = '{\"a\": 1}' WHERE name = 'bus_stops'")


for _name, _update in [
    ("colour_javascript", "color = 'javascript:alert(1)'"),
    ("colour_css_breaker", "color = 'red;}</style><script>alert(1)</script>'"),
    ("radius_negative", "radius_m = -500"),
    ("radius_absurd", "radius_m = 1e12"),
    ("radius_null", "radius_m = NULL"),
    ("radius_text", "radius_m = 'far'"),
    ("capacity_infinite", "capacity = 9e999"),
    ("unit_cost_negative", "unit_cost = -1"),
    ("area_per_point_negative", "area_per_point_m2 = -5"),
    ("capacity_field_a_number", "capacity_field = 5"),
    ("facility_name_empty", "name = ''"),
    ("facility_label_a_blob", "label = x'00ff00'"),
    ("facility_layer_unknown", "layer = 'nowhere'"),
]:

    def _type_build(base, target, update=_update):
        return _tampered(base, target, f"UPDATE cp_facility_types SET {update} WHERE name = 'bus_stop'")

    _project(_name)(_type_build)


@_project("every_facility_type_deleted")
def _(base, target):
    return _tampered(base, target, "DELETE FROM cp_facility_types")


@_project("no_scenarios")
def _(base, target):
    return _tampered(base, target, "DELETE FROM cp_scenarios", "DELETE FROM placements")


@_project("scenario_description_of_5mb")
def _(base, target):
    return _tampered(
        base, target, "UPDATE cp_scenarios SET description = ? WHERE name = 'Plan'", params=("d" * 5_000_000,)
    )


for _name, _sql in [
    ("tier_7", "UPDATE cp_priority SET tier = 7 WHERE zone_index = 0"),
    ("tier_negative", "UPDATE cp_priority SET tier = -1 WHERE zone_index = 3"),
    ("tier_text", "UPDATE cp_priority SET tier = 'high' WHERE zone_index = 5"),
    ("zone_index_out_of_range", "INSERT INTO cp_priority (zone_index, tier) VALUES (1000000, 1)"),
    ("zone_index_negative", "INSERT INTO cp_priority (zone_index, tier) VALUES (-3, 2)"),
    ("zone_index_huge", "INSERT INTO cp_priority (zone_index, tier) VALUES (9223372036854775807, 3)"),
    ("kpi_target_unknown", "INSERT INTO cp_kpi_targets (kpi_id, target) VALUES ('no_such_kpi', 5)"),
    ("kpi_target_infinite", "UPDATE cp_kpi_targets SET target = 9e999"),
    ("kpi_target_text", "UPDATE cp_kpi_targets SET target = 'lots'"),
    ("placement_null_geometry", "UPDATE placements SET geom = NULL WHERE name = 'Điểm 0'"),
    ("placement_unknown_type", "UPDATE placements SET type = 'teleporter' WHERE name = 'Điểm 1'"),
    ("placement_unknown_scenario", "UPDATE placements SET scenario = 'Elsewhere' WHERE name = 'Điểm 2'"),
    ("placement_capacity_negative", "UPDATE placements SET capacity = -10 WHERE name = 'Điểm 3'"),
    ("placement_capacity_infinite", "UPDATE placements SET capacity = 9e999 WHERE name = 'Điểm 3'"),
    ("placement_id_null", "UPDATE placements SET id = NULL"),
    ("placement_geometry_garbage", "UPDATE placements SET geom = x'475000010000000001020304'"),
    ("placement_geometry_random_blob", "UPDATE placements SET geom = randomblob(64)"),
    ("zone_geometry_null", "UPDATE layer_zones SET geom = NULL WHERE cp_fid = 2"),
    ("zone_population_negative", "UPDATE layer_zones SET population = -100 WHERE cp_fid = 1"),
    ("zone_population_text", "UPDATE layer_zones SET population = 'many' WHERE cp_fid = 1"),
    ("zone_population_null", "UPDATE layer_zones SET population = NULL WHERE cp_fid = 1"),
    ("zone_population_infinite", "UPDATE layer_zones SET population = 9e999"),
    ("all_zones_deleted", "DELETE FROM layer_zones"),
    ("bus_stop_geometry_null", "UPDATE layer_bus_stops SET geom = NULL WHERE cp_fid = 1"),
    ("surface_population_negative", "UPDATE layer_population_surface SET population = -5"),
    ("surface_zone_row_out_of_range", "UPDATE layer_population_surface SET zone_row = 99999"),
    ("surface_column_dropped", "ALTER TABLE layer_population_surface DROP COLUMN zone_row"),
    (
        "settings_20000_rows",
        "INSERT INTO cp_settings (key, value, value_type) WITH RECURSIVE c(x) AS "
        "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT 'k' || x, 'v', 'str' FROM c",
    ),
]:

    def _sql_build(base, target, sql=_sql):
        return _tampered(base, target, sql)

    _project(_name)(_sql_build)


@_project("zone_geometry_garbage")
def _(base, target):
    blob = b"GP\x00\x01" + struct.pack("<i", 32649) + _random_bytes(5, 40)
    return _tampered(base, target, "UPDATE layer_zones SET geom = ? WHERE cp_fid = 3", params=(blob,))


@_project("bus_stop_geometry_blob_80mb")
def _(base, target):
    blob = b"GP\x00\x01" + struct.pack("<i", 32649) + _random_bytes(6, 80_000_000)
    return _tampered(base, target, "UPDATE layer_bus_stops SET geom = ? WHERE cp_fid = 2", params=(blob,))


@_project("placement_polygon_geometry")
def _(base, target):
    import shapely

    blob = _gpkg_blob(shapely.box(0, 0, 100, 100))
    return _tampered(base, target, "UPDATE placements SET geom = ? WHERE name = 'Điểm 1'", params=(blob,))


@_project("placement_coordinates_1e300")
def _(base, target):
    return _tampered(
        base,
        target,
        "UPDATE placements SET geom = ? WHERE name = 'Điểm 2'",
        params=(_gpkg_point(1e300, -1e300),),
    )


@_project("placement_coordinates_nan")
def _(base, target):
    return _tampered(
        base,
        target,
        "UPDATE placements SET geom = ? WHERE name = 'Điểm 2'",
        params=(_gpkg_point(float("nan"), 5.0),),
    )


@_project("placement_duplicate_ids")
def _(base, target):
    return _tampered(base, target, "UPDATE placements SET id = 'same'")


@_project("placements_20000")
def _(base, target):
    return _tampered(
        base,
        target,
        "INSERT INTO placements (scenario, id, type, name, capacity, source, geom) "
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) "
        "SELECT 'Plan', 'p' || x, 'wifi', 'w', NULL, 'manual', (SELECT geom FROM placements LIMIT 1) FROM c",
    )


for _table in (
    "cp_priority",
    "cp_settings",
    "cp_facility_types",
    "cp_scenarios",
    "cp_kpi_targets",
    "cp_layers",
):

    def _view_build(base, target, table=_table):
        with sqlite3.connect(base) as con:
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        select = ", ".join(f"x AS {c}" for c in columns)
        return _tampered(
            base, target, f"DROP TABLE {table}", f"CREATE VIEW {table} AS {_RECURSIVE} SELECT {select} FROM c"
        )

    _project(f"recursive_view_as_{_table}")(_view_build)


@_project("recursive_view_as_placements")
def _(base, target):
    return _tampered(
        base,
        target,
        "DROP TABLE placements",
        f"CREATE VIEW placements AS {_RECURSIVE} SELECT x AS cp_fid, 'Plan' AS scenario, 'p' || x AS id, "
        "'wifi' AS type, '' AS name, NULL AS capacity, 'manual' AS source, NULL AS marginal_gain, "
        "NULL AS geom FROM c",
    )


@_project("recursive_view_as_zone_layer")
def _(base, target):
    return _tampered(
        base,
        target,
        "ALTER TABLE layer_zones RENAME TO old_zones",
        f"CREATE VIEW layer_zones AS {_RECURSIVE} SELECT x AS cp_fid, NULL AS geom, x AS population FROM c",
    )


@_project("recursive_view_extra_layer")
def _(base, target):
    return _tampered(
        base,
        target,
        f"CREATE VIEW loop AS {_RECURSIVE} SELECT x AS fid, NULL AS geom FROM c",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES ('loop', 'features', 'loop', 32649)",
        "INSERT INTO gpkg_geometry_columns VALUES ('loop', 'geom', 'POINT', 32649, 0, 0)",
    )


@_project("generated_gigabyte_setting")
def _(base, target):
    return _tampered(
        base,
        target,
        "ALTER TABLE cp_settings ADD COLUMN huge BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL",
    )


@_project("generated_gigabyte_zone_column")
def _(base, target):
    return _tampered(
        base,
        target,
        "ALTER TABLE layer_zones ADD COLUMN huge BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL",
    )


# Issue 16's hostile text: template syntax, spreadsheet formulas, HTML/JS breakers, a long name.
_TEMPLATE = "SC{{ 5*5 }}{% raw %}{{ cycler.__init__.__globals__.os.getpid() }}SC"


@_project("template_in_scenario_name")
def _(base, target):
    return _tampered(
        base,
        target,
        ("UPDATE cp_scenarios SET name = ? WHERE name = 'Plan'", (_TEMPLATE,)),
        ("UPDATE placements SET scenario = ? WHERE scenario = 'Plan'", (_TEMPLATE,)),
    )


@_project("formula_in_zone_text")
def _(base, target):
    return _tampered(
        base, target, ("UPDATE layer_zones SET name = ? WHERE cp_fid = 1", ("=cmd|' /C calc'!A0",))
    )


# The CSV export names a file after each scenario (zones_<name>.csv) without shortening it, so a
# 5,005-character name is refused as "File name too long", in one sentence naming the output
# folder; cityplanner/report/tables.py should shorten the names (not this change's file).
@_project("scenario_name_of_5005_characters", names=("out/csv",))
def _(base, target):
    name = "Kế hoạch " * 556 + "x"
    return _tampered(
        base,
        target,
        ("UPDATE cp_scenarios SET name = ? WHERE name = 'Plan'", (name,)),
        ("UPDATE placements SET scenario = ? WHERE scenario = 'Plan'", (name,)),
    )


@_project("html_breakers_in_labels")
def _(base, target):
    breaker = "</script><script>alert(1)</script><b onmouseover=alert(2)>\"'"
    return _tampered(
        base,
        target,
        ("UPDATE cp_facility_types SET label = ? WHERE name = 'wifi'", (breaker,)),
        ("UPDATE placements SET name = ? WHERE type = 'wifi'", (breaker,)),
    )


@_project("truncated_half")
def _(base, target):
    data = base.read_bytes()
    return _bytes(target, data[: len(data) // 2])


for _seed in range(3):
    _project(f"bit_flips_{_seed}")(
        lambda base, target, seed=_seed: _flip_bits(base, target, 100 + seed, flips=40, skip=100)
    )

_project("random_bytes")(lambda base, target: _bytes(target, _random_bytes(99, 65536)))
_project("empty_file")(lambda base, target: _bytes(target, b""))
_project("fifo")(lambda base, target: _fifo(target))
_project("link_to_dev_zero")(lambda base, target: _link(target, "/dev/zero"))
_project("folder")(lambda base, target: _mkdir(target))
_project("plain_geopackage")(lambda base, target: _write(_zones(), target, layer="wards", driver="GPKG"))
_project("sparse_3gb")(lambda base, target: _sparse(target, 3 * 1024**3, b"SQLite format 3\x00"))
_project("missing")(lambda base, target: target.parent / "nowhere.cityplan")


@_project("without_read_permission", user=NOBODY)
def _(base, target):
    shutil.copyfile(base, target)
    target.chmod(0o000)
    return target


# -- running ----------------------------------------------------------------------------------------
def jobs_for(cases: list[Case]) -> list[dict]:
    return [
        {"case": case.id, "command": command, "argv": argv, "user": case.user}
        for case in cases
        for command, argv in case.commands().items()
    ]


def run_corpus(
    root: Path,
    cases: list[Case],
    workers: int = 1,
    timeout: int = TIMEOUT_S,
    address_space: int = ADDRESS_SPACE,
) -> list[Result]:
    """Every command of every case, shared among ``workers`` worker processes; results in job order."""
    jobs = jobs_for(cases)
    (root / "worker").mkdir(exist_ok=True)
    procs = []
    for i in range(workers):
        share = jobs[i::workers]
        cwd = _run_folder(root, i)
        spec = root / "worker" / f"jobs_{i}.json"
        spec.write_text(
            json.dumps(
                {
                    "root": str(root),
                    "cwd": str(cwd),
                    "timeout": timeout,
                    "address_space": address_space,
                    "jobs": share,
                }
            )
        )
        results = root / "worker" / f"results_{i}.jsonl"
        env = {**os.environ, **WORKER_ENV, "PYTHONPATH": str(REPO), "TMPDIR": str(cwd / "tmp")}
        command = [sys.executable, __file__, "serve", str(spec), str(results)]
        log = open(root / "worker" / f"log_{i}.txt", "w+")
        procs.append(
            (subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT), log, results, share)
        )
    out: dict[tuple[str, str], Result] = {}
    for proc, log, results, share in procs:
        try:
            proc.wait(timeout=timeout * (len(share) + 4))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.seek(0)
            text = log.read()
            log.close()
        if proc.returncode != 0:
            raise RuntimeError(f"fuzz worker failed ({proc.returncode}):\n{text[-4000:]}")
        for line in results.read_text().splitlines():
            result = Result(**json.loads(line))
            out[(result.case, result.command)] = result
    return [out[(job["case"], job["command"])] for job in jobs]


def _run_folder(root: Path, i: int) -> Path:
    """``run<i>``: links to the corpus's folders, and the worker's own ``out`` and ``tmp``."""
    cwd = root / f"run{i}"
    cwd.mkdir(exist_ok=True)
    cwd.chmod(0o755)
    for sub in SHARED:
        if not (cwd / sub).is_symlink():
            (cwd / sub).symlink_to(Path("..") / sub)
    for sub in ("out", "tmp"):
        (cwd / sub).mkdir(exist_ok=True)
        (cwd / sub).chmod(0o777)  # the cases run as nobody write there too
    return cwd


def problems(
    case: Case, result: Result, limit_s: float = TIMEOUT_S, limit_kb: int = ADDRESS_SPACE // 1024
) -> list[str]:
    """How ``result`` breaks the property: exit 0 or 2, at most one line on stderr naming the file,
    no traceback, nothing changed outside the output folder, under the time and memory limits."""
    found = []
    if result.signal is not None:
        name = signal.Signals(result.signal).name
        found.append(f"killed by {name}" + (" (over the time limit)" if name == "SIGALRM" else ""))
    elif result.returncode not in (0, 2):
        found.append(f"exit status {result.returncode}")
    lines = result.stderr.splitlines()
    if "Traceback" in result.stderr or "Exception ignored" in result.stderr:
        found.append("a traceback on stderr")
    if len(lines) > 1:
        found.append(f"{len(lines)} lines on stderr")
    if lines and not any(name in lines[0] for name in case.expected_names()):
        found.append("the message does not name the file")
    if result.returncode == 2 and not lines:
        found.append("exit status 2 without a message")
    if result.changed:
        found.append(f"changed outside the output folder: {', '.join(result.changed[:5])}")
    if result.seconds > limit_s:
        found.append(f"took {result.seconds:.1f} s")
    if result.max_rss_kb > limit_kb:
        found.append(f"took {result.max_rss_kb / 1024**2:.2f} GB")
    return found


# -- the worker -------------------------------------------------------------------------------------
def _tree_state(root: Path, cwd: Path) -> dict[str, tuple]:
    """The corpus's shared folders and the worker's folder but its output folder, as
    (mode, size, mtime, inode) per entry: what a command must not change."""
    state = {}
    tops = [root / sub for sub in SHARED] + [cwd]
    for top in tops:
        for folder, dirs, files in os.walk(top):
            if folder == str(cwd):
                dirs[:] = [d for d in dirs if d != "out"]
            for name in dirs + files:
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISDIR(st.st_mode):  # a folder's time changes when files come and go
                    state[os.path.relpath(path, root)] = (st.st_mode, st.st_ino)
                else:
                    state[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
    return state


def _clear(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _warm_up() -> None:
    """Import everything the commands use, so each forked child starts as a warm process.

    The parser is built once (``main`` asks for it on every call) and the objects made so far are
    frozen out of the garbage collector's reach, so children do not copy their pages to count them.
    """
    import functools
    import gc
    import importlib

    import cityplanner.cli as cli

    cli.build_parser = functools.lru_cache(maxsize=1)(cli.build_parser)
    cli.build_parser()
    for module in (
        "cityplanner.kpi",
        "cityplanner.report.html",
        "cityplanner.report.pdf",
        "cityplanner.report.tables",
    ):
        importlib.import_module(module)
    gc.collect()
    gc.freeze()


def _child(argv: list[str], user: int | None, address_space: int, timeout: int, out: int, err: int) -> None:
    """In the forked child: limits, output redirected, then the command; never returns."""
    code = 1
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        signal.alarm(timeout)  # SIGALRM's default action ends the process, even inside C code
        gc.disable()  # a collection would touch (and so copy) every page of the warmed parent
        os.dup2(out, 1)
        os.dup2(err, 2)
        if user is not None and os.geteuid() == 0:  # as another user, chmod 000 already denies
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
        from cityplanner.cli import main

        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(spec_path: str, results_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    root, cwd = Path(spec["root"]), Path(spec["cwd"])
    os.chdir(cwd)
    _warm_up()
    out_dir = cwd / "out"
    before = _tree_state(root, cwd)
    with open(results_path, "w") as results:
        for job in spec["jobs"]:
            out_path, err_path = Path(f"{results_path}.stdout"), Path(f"{results_path}.stderr")
            with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
                sys.stdout.flush()
                sys.stderr.flush()
                start = time.monotonic()
                pid = os.fork()
                if pid == 0:
                    _child(
                        job["argv"],
                        job["user"],
                        spec["address_space"],
                        spec["timeout"],
                        out.fileno(),
                        err.fileno(),
                    )
                _, status, usage = os.wait4(pid, 0)
                seconds = time.monotonic() - start
                out.seek(0)
                err.seek(0)
                stdout = out.read().decode("utf-8", "replace")
                stderr = err.read().decode("utf-8", "replace")
            out_path.unlink()
            err_path.unlink()
            after = _tree_state(root, cwd)
            changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
            _clear(out_dir)
            _clear(cwd / "tmp")
            # Each change is reported once, by the command that made it (a file it left in tmp is gone).
            before = after if not changed else _tree_state(root, cwd)
            result = Result(
                case=job["case"],
                command=job["command"],
                argv=job["argv"],
                returncode=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                seconds=seconds,
                max_rss_kb=usage.ru_maxrss,
                stdout=stdout[-2000:],
                stderr=stderr[-4000:],
                changed=changed,
            )
            results.write(json.dumps(asdict(result)) + "\n")
            results.flush()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: fuzz_corpus.py serve JOBS.json RESULTS.jsonl")
