"""Input files that used to end in a traceback or a hang (issue 15, item 2): now one sentence each.

Before: a GeoPackage holding only an attribute table (AttributeError 'DataFrame' has no 'crs'), a
.cpg of binary junk (ValueError embedded null character), a .dbf without read permission
(PermissionError), a file name over 255 bytes (OSError File name too long), GeoParquet with
malformed ``geo`` metadata (JSONDecodeError, TypeError, AttributeError), a CSV or .dbf linked to
/dev/zero (MemoryError) and a FIFO named .csv (blocked for ever). Special files, and links to
them, are refused before anything opens them; absurd sizes are refused with the limit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import data_factory as make
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest

from cityplanner.cli import main
from cityplanner.errors import LayerLoadError
from cityplanner.io import MAX_CSV_BYTES, MAX_CSV_COLUMNS, MAX_CSV_FIELD_CHARS, list_layers, read_layer

REPO = Path(__file__).resolve().parent.parent
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX special files")


def _refused(path: Path | str, *needles: str, name: str | None = None) -> None:
    """list_layers, read_layer and ``cityplanner new`` each give one sentence naming the file."""
    shown = name or Path(path).name
    for reader in (list_layers, read_layer):
        with pytest.raises(LayerLoadError) as err:
            reader(path)
        message = str(err.value)
        assert shown in message and "\n" not in message, message
        for needle in needles:
            assert needle in message, (needle, message)


def _cli_refuses(capsys, tmp_path: Path, path: Path | str, *needles: str) -> None:
    target = tmp_path / "plan.cityplan"
    assert main(["new", str(target), "--zones", str(path), "--population", "population"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cityplanner: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not target.exists()


def test_a_geopackage_holding_only_an_attribute_table(tmp_path, capsys):
    path = tmp_path / "census.gpkg"
    pyogrio.write_dataframe(
        pd.DataFrame({"ward": ["A"], "population": [10]}), path, layer="census", driver="GPKG"
    )
    with pytest.raises(LayerLoadError, match="is a table without geometry, not a map layer"):
        read_layer(path)
    assert list_layers(path)[0].geometry_type == "None"  # info lists it, as a table
    _cli_refuses(capsys, tmp_path, path, "census.gpkg", "table without geometry")


@pytest.mark.parametrize("junk", [b"\x00\x00UTF-8\x00", bytes(range(256)), b"x" * 5000])
def test_a_cpg_of_binary_junk(tmp_path, capsys, junk):
    path = make.write(make.zones(4), tmp_path / "wards.shp")
    path.with_suffix(".cpg").write_bytes(junk)
    _refused(path, "has a .cpg file that does not name a text encoding")
    _cli_refuses(capsys, tmp_path, path, "wards.shp", ".cpg")


def test_a_cpg_naming_utf16_is_a_wrong_encoding_not_a_crash(tmp_path):
    path = make.write(make.zones(4), tmp_path / "wards.shp")
    path.with_suffix(".cpg").write_text("UTF-16")
    _refused(path, "not valid utf-16, the encoding its .cpg file declares")


def test_a_file_name_over_255_bytes(tmp_path, capsys):
    path = tmp_path / ("y" * 300 + ".geojson")
    _refused(path, "its name is too long for the file system")
    _cli_refuses(capsys, tmp_path, path, "too long")


@pytest.mark.parametrize(
    "geo",
    [
        b"{not json",  # JSONDecodeError
        json.dumps([1, 2]).encode(),  # AttributeError: 'list' object has no attribute 'get'
        json.dumps({"primary_column": "geometry", "columns": {"geometry": {"geometry_types": 5}}}).encode(),
        json.dumps({"primary_column": "geometry", "columns": [1, 2]}).encode(),
        json.dumps({"primary_column": "geometry", "columns": {"geometry": "WKB"}}).encode(),
        b"null",
    ],
)
def test_geoparquet_with_malformed_geo_metadata(tmp_path, geo):
    table = pa.Table.from_pandas(make.zones(4).to_wkb(), preserve_index=False)
    path = tmp_path / "zones.parquet"
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": geo}), path)
    with pytest.raises(LayerLoadError, match="GeoParquet") as err:
        list_layers(path)
    assert "zones.parquet" in str(err.value)
    with pytest.raises(LayerLoadError, match="zones.parquet"):
        read_layer(path)


@posix_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["zones.csv", "zones.geojson", "zones.gpkg", "zones.shp"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys, name):
    path = tmp_path / name
    os.mkfifo(path)
    _refused(path, "is a named pipe (FIFO), not a data file")
    link = tmp_path / f"link_{name}"
    link.symlink_to(path)
    _refused(link, "is a named pipe (FIFO)")
    _cli_refuses(capsys, tmp_path, path, name, "FIFO")


@posix_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["zones.csv", "zones.geojson", "zones.zip"])
def test_a_link_to_dev_zero_is_refused_before_reading(tmp_path, name):
    path = tmp_path / name
    path.symlink_to("/dev/zero")
    _refused(path, "is a device, not a data file")


@posix_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize("part", [".dbf", ".shx", ".prj", ".cpg"])
def test_a_shapefile_part_that_is_a_special_file(tmp_path, part):
    path = make.write(make.zones(4), tmp_path / "wards.shp")
    path.with_suffix(part).unlink(missing_ok=True)
    path.with_suffix(part).symlink_to("/dev/zero")
    _refused(path, f"its part 'wards{part}' is a device")
    path.with_suffix(part).unlink()
    os.mkfifo(path.with_suffix(part))
    _refused(path, f"its part 'wards{part}' is a named pipe (FIFO)")


_AS_NOBODY = r"""
import os, sys
from cityplanner.errors import CityPlannerError
from cityplanner.io import list_layers, read_layer
os.chdir(sys.argv[1])
if os.geteuid() == 0:
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
for reader in (list_layers, read_layer):
    try:
        reader("wards.shp")
    except CityPlannerError as err:
        print(err)
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="needs POSIX users")
def test_a_dbf_without_read_permission(tmp_path):
    """As root every file is readable: the reader runs as user nobody (as test_export_hardening does)."""
    path = make.write(make.zones(4), tmp_path / "wards.shp")
    path.with_suffix(".dbf").chmod(0o000)
    tmp_path.chmod(0o755)
    child = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0 and "Traceback" not in child.stderr, child.stderr[-3000:]
    lines = child.stdout.strip().splitlines()
    assert lines == ["File 'wards.shp' cannot be read: its part 'wards.dbf' (permission denied)."] * 2


@posix_only
def test_a_csv_over_the_size_limit_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "big.csv"
    with open(path, "wb") as fh:  # sparse: no disk space taken
        fh.write(b"lon,lat,population\n")
        fh.truncate(MAX_CSV_BYTES + 1)
    _refused(path, "more than the 256.0 MiB CityPlanner reads from a CSV file")
    _cli_refuses(capsys, tmp_path, path, "big.csv", "256.0 MiB")


def test_a_csv_field_beyond_the_limit(tmp_path):
    path = tmp_path / "field.csv"
    path.write_bytes(b"name,lon,lat\n" + b"x" * (MAX_CSV_FIELD_CHARS + 10) + b",108.21,16.05\n")
    _refused(path, "has a value longer than 16 million characters")


def test_a_long_wkt_field_below_the_limit_is_read(tmp_path):
    """Python's csv module stopped at 128 KiB, shorter than a detailed ward's WKT."""
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 8000, endpoint=False)
    ring = [(108.21 + 0.01 * np.cos(a), 16.05 + 0.01 * np.sin(a)) for a in angles]
    wkt = "POLYGON ((" + ", ".join(f"{x:.9f} {y:.9f}" for x, y in [*ring, ring[0]]) + "))"
    assert len(wkt) > 131072
    path = tmp_path / "ward.csv"
    path.write_text(f'wkt,population\n"{wkt}",100\n')
    assert len(read_layer(path).gdf) == 1


def test_a_csv_with_too_many_columns(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS + 5))
    path.write_text(f"lon,lat,{header}\n108.21,16.05" + ",1" * (MAX_CSV_COLUMNS + 5) + "\n")
    _refused(path, f"columns, more than the {MAX_CSV_COLUMNS:,}")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("registered", [True, False])
def test_a_geopackage_with_a_recursive_view_is_refused_without_evaluating_it(tmp_path, registered):
    path = make.write(make.zones(4), tmp_path / "city.gpkg", layer="wards")
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE VIEW loop AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
            "SELECT x AS fid, NULL AS geom FROM c"
        )
        if registered:
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES ('loop', 'features', 'loop', 4326)"
            )
            con.execute("INSERT INTO gpkg_geometry_columns VALUES ('loop', 'geom', 'POINT', 4326, 0, 0)")
    _refused(path, "holds the SQL view 'loop'")


def test_a_geopackage_with_a_computed_column_is_refused(tmp_path):
    path = make.write(make.zones(4), tmp_path / "city.gpkg", layer="wards")
    with sqlite3.connect(path) as con:
        con.execute(
            "ALTER TABLE wards ADD COLUMN huge BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL"
        )
    _refused(path, "computed (generated) columns in its layer 'wards' (huge)")


def test_geometry_collections_nested_without_end(tmp_path):
    depth = 2000
    wkt = "GEOMETRYCOLLECTION (" * depth + "POINT (108.21 16.05)" + ")" * depth
    path = tmp_path / "nested.csv"
    path.write_text(f'wkt,population\n"{wkt}",1\n')
    with pytest.raises(LayerLoadError, match="nests geometry collections more than 16 levels deep"):
        read_layer(path)


def test_control_characters_in_a_file_name_stay_on_one_line(tmp_path, capsys):
    path = tmp_path / "new\nline\x1b[31m.geojson"
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "new\\nline\\x1b[31m.geojson" in err and "\x1b" not in err
