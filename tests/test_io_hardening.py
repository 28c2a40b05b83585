"""Hostile and awkward input files (issue 16, items 3-5).

- Archives: a zip's sizes, compression ratio and encryption are judged from its central directory
  before anything is unpacked or read.
- Population fields: numbers only (no dates, yes/no fields or text), finite, >= 0 and at most
  ``MAX_ZONE_POPULATION`` per zone; a shapefile holding fewer records than its headers declare
  (a truncated copy) is refused.
- Text encodings: a shapefile's ``.cpg`` is honoured in every spelling Windows and GIS tools
  write, and ``encoding=`` / ``--encoding`` overrides it; checked on a genuine Windows-1258
  shapefile with Vietnamese field names and values.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
import zipfile

import data_factory as make
import numpy as np
import pandas as pd
import pyogrio
import pytest

from cityplanner import io as cp_io
from cityplanner.assemble import create_project
from cityplanner.cli import main
from cityplanner.errors import LayerLoadError
from cityplanner.io import check_population, list_layers, numeric_fields, read_layer
from cityplanner.store import load_project


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_sentence(message: str) -> None:
    """One sentence: no line breaks, one final full stop (numbers such as 1.5 are fine)."""
    assert "\n" not in message and message.endswith(".")
    assert not re.search(r"\.\s+[A-Z]", message), message


def _assert_cli_refuses(capsys, argv, *needles) -> str:
    rc, out, err = _run(capsys, *argv)
    assert rc == 2, (out, err)
    assert "Traceback" not in err and err.startswith("cityplanner: error: ")
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


# -- item 3: archive limits -------------------------------------------------------------------------
@pytest.fixture
def forbid_unpacking(monkeypatch):
    """Call it once the test's archive is written: from then on, opening any zip member or asking
    GDAL to read anything fails the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the archive was unpacked or read before its limits were checked")

    def forbid():
        monkeypatch.setattr(zipfile.ZipFile, "open", forbidden)
        monkeypatch.setattr(pyogrio, "read_dataframe", forbidden)
        monkeypatch.setattr(pyogrio, "read_info", forbidden)
        monkeypatch.setattr(pyogrio, "list_layers", forbidden)

    return forbid


def test_zip_bomb_is_refused_from_its_central_directory(tmp_path, forbid_unpacking):
    # 160 MiB of .dbf padding in a 160 KB zip (about 1,000 to 1): read in full before the fix.
    path = make.zip_bomb(tmp_path, expand_mib=160)
    forbid_unpacking()
    assert path.stat().st_size < 1024 * 1024
    for reader in (read_layer, list_layers):
        with pytest.raises(LayerLoadError) as info:
            reader(path)
        message = str(info.value)
        _one_sentence(message)
        assert f"'{path}'" in message and "bomb.dbf" in message
        assert f"at most {cp_io.MAX_ARCHIVE_RATIO} times" in message


def test_zip_bomb_is_refused_on_the_command_line(tmp_path, capsys):
    path = make.zip_bomb(tmp_path, expand_mib=160)
    _assert_cli_refuses(capsys, ["info", path], str(path), "compressed")


def test_zip_expanding_past_the_total_limit_is_refused(tmp_path, forbid_unpacking):
    path = make.zip_claiming_size(tmp_path, 3 * 1024**3)
    forbid_unpacking()
    with pytest.raises(LayerLoadError) as info:
        read_layer(path)
    message = str(info.value)
    _one_sentence(message)
    assert f"'{path}'" in message and "3.0 GiB" in message and "2.0 GiB" in message


def test_encrypted_zip_member_is_refused_in_one_sentence(tmp_path, forbid_unpacking):
    path = make.zip_with_encrypted_member(tmp_path)
    forbid_unpacking()
    for reader in (read_layer, list_layers):
        with pytest.raises(LayerLoadError) as info:
            reader(path)
        message = str(info.value)
        _one_sentence(message)
        assert f"'{path}'" in message and "locked.dbf" in message and "password" in message


def test_small_zip_that_compresses_well_is_still_read(tmp_path):
    # 8 MiB of blank .dbf padding compresses 1,000 to 1 too, but is harmless: below the size from
    # which the ratio counts, as blank-padded attribute tables of real data are.
    path = make.zip_bomb(tmp_path, expand_mib=8)
    assert read_layer(path).feature_count == 4
    assert list_layers(path)[0].feature_count == 4


def test_zip_member_lying_about_its_size_is_refused(tmp_path):
    path = make.zip_claiming_size(tmp_path, 100)  # the .dbf really holds more
    for reader in (read_layer, list_layers):
        with pytest.raises(LayerLoadError, match=r"claims\.zip' is not a readable zip archive \(Bad CRC"):
            reader(path)


def test_archive_limits_are_sane():
    assert cp_io.MAX_ARCHIVE_BYTES == 2 * 1024**3
    assert cp_io.MAX_ARCHIVE_RATIO == 100
    assert 10 * 1024**2 <= cp_io.ARCHIVE_RATIO_FROM_BYTES <= cp_io.MAX_ARCHIVE_BYTES


# -- item 4: population fields ----------------------------------------------------------------------
def _zones_with(tmp_path, column, name="pop.gpkg"):
    gdf = make.zones(4)
    gdf["population"] = column
    return make.write(gdf, tmp_path / name)


@pytest.mark.parametrize(
    ("column", "name", "needles"),
    [
        (pd.to_datetime(["2021-04-01 08:00"] * 4), "pop.gpkg", ["dates"]),
        ([datetime.date(2019, 4, 1)] * 4, "pop.geojson", ["dates"]),
        ([True, False, True, True], "pop.gpkg", ["yes/no"]),
        (["many", "few", "none", "some"], "pop.gpkg", ["not numeric", "'many'"]),
        ([1e308, 10.0, 20.0, 30.0], "pop.gpkg", ["above", "50,000,000", "feature 1"]),
        ([120.0, 60_000_000.0, 20.0, 30.0], "pop.gpkg", ["above", "60,000,000", "feature 2"]),
    ],
    ids=["datetime", "date", "boolean", "text", "1e308", "sixty_million"],
)
def test_population_field_of_the_wrong_kind_is_refused(tmp_path, capsys, column, name, needles):
    path = _zones_with(tmp_path, column, name)
    with pytest.raises(LayerLoadError) as info:
        create_project(str(path), "population")
    message = str(info.value)
    _one_sentence(message)
    assert path.name in message and "Population field 'population'" in message
    for needle in needles:
        assert needle in message
    target = tmp_path / "out.cityplan"
    _assert_cli_refuses(capsys, ["new", target, "--zones", path, "--population", "population"], *needles)
    assert not target.exists()


def test_infinite_population_is_refused():
    gdf = make.zones(4)
    gdf["population"] = [1.0, np.inf, 2.0, 3.0]
    with pytest.raises(LayerLoadError, match="infinite.*feature 2"):
        check_population(gdf, "population", "'wards.gpkg'")


def test_population_up_to_the_bound_is_accepted(tmp_path):
    # A ward of Ho Chi Minh City holds tens of thousands; a whole province as one zone, millions.
    path = _zones_with(tmp_path, [14_000_000, 45_000, 0, cp_io.MAX_ZONE_POPULATION])
    project = create_project(str(path), "population")
    assert project.population.tolist() == [14_000_000.0, 45_000.0, 0.0, float(cp_io.MAX_ZONE_POPULATION)]
    assert cp_io.MAX_ZONE_POPULATION == 50_000_000


def test_numeric_fields_offer_no_boolean_or_date_fields():
    gdf = make.zones(4)
    gdf["flag"] = [True, False, True, True]
    gdf["nullable_flag"] = pd.array([True, None, False, True], dtype="boolean")
    gdf["surveyed"] = pd.to_datetime(["2021-04-01"] * 4)
    gdf["duration"] = pd.to_timedelta([1, 2, 3, 4], unit="D")
    gdf["area_m2"] = [1.5, 2.5, 3.5, 4.5]
    assert numeric_fields(gdf) == ["population", "area_m2"]


# -- item 4: truncated shapefiles -------------------------------------------------------------------
@pytest.mark.parametrize("part", [".shp", ".dbf", ".shx"])
def test_truncated_shapefile_is_refused_with_the_counts(tmp_path, capsys, part):
    path = make.truncated_shapefile(tmp_path, part, keep=0.4, n=36)
    for reader in (read_layer, list_layers):
        with pytest.raises(LayerLoadError) as info:
            reader(path)
        message = str(info.value)
        _one_sentence(message)
        assert f"'{path}'" in message and "truncated" in message and part in message
        held = re.search(r"36 records but .*?(\d+)", message)
        assert held and 0 < int(held.group(1)) < 36, message
    _assert_cli_refuses(capsys, ["info", path], "truncated", "36 records")


def test_truncated_shapefile_inside_a_zip_is_refused(tmp_path):
    path = make.zip_shapefile(make.truncated_shapefile(tmp_path, ".dbf", keep=0.5, n=36))
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    with pytest.raises(LayerLoadError, match=r"truncated.*member 'cut_dbf\.dbf'.*36 records"):
        read_layer(path)


def test_complete_shapefiles_with_deleted_records_and_null_shapes_still_read(tmp_path):
    gdf = make.zones(9)
    gdf.loc[4, "geometry"] = None  # a null shape record
    path = make.write(gdf, tmp_path / "holes.shp")
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[int.from_bytes(dbf[8:10], "little")] = ord("*")  # first record marked deleted
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    lyr = read_layer(path)
    assert lyr.feature_count == 7 and "dropped 1 features without geometry" in lyr.notes
    assert list_layers(path)[0].feature_count == 9


@pytest.mark.shared_data
def test_truncated_hcmc_wards_shapefile_is_refused(tmp_path, hcmc_gpkg):
    # The case: a cut .shp of the 40 HCMC wards was read as 16 zones with a note.
    wards = pyogrio.read_dataframe(hcmc_gpkg, layer="wards_pop2021")
    path = make.write(wards, tmp_path / "wards_pop2021.shp")
    shp = path.with_suffix(".shp")
    shp.write_bytes(shp.read_bytes()[: int(shp.stat().st_size * 0.4)])
    with pytest.raises(LayerLoadError) as info:
        create_project(str(path), "Pop_2021")
    message = str(info.value)
    _one_sentence(message)
    assert f"'{path}'" in message and "40 records" in message and "truncated" in message


# -- item 5: text encodings -------------------------------------------------------------------------
VI_NAMES = [name for name, *_ in make.VI_WARD_FIELDS]
VI_VALUES = [ward for ward, *_ in make.VI_WARDS]


def _assert_vietnamese(gdf, values=VI_VALUES):
    assert [c for c in gdf.columns if c != "geometry"] == VI_NAMES
    assert gdf["Phường"].tolist() == values
    assert gdf["Dân_số"].tolist() == [p for _, _, p, _ in make.VI_WARDS]
    assert all(unicodedata.is_normalized("NFC", text) for text in [*gdf.columns[:-1], *gdf["Phường"]])


def test_vietnamese_fixture_is_genuine_windows_1258(tmp_path):
    dbf = make.vietnamese_wards_shapefile(tmp_path).with_suffix(".dbf").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        dbf.decode("utf-8")
    # Tone marks as Windows-1258 writes them: "ờ" is horn-o (0xF5) + combining grave (0xCC).
    assert "Phường Hải Châu I".encode() not in dbf
    assert b"Ph\xfd\xf5\xccng Ha\xd2i Ch\xe2u I" in dbf
    for text in [*VI_NAMES, *VI_VALUES, "Hải Châu"]:
        raw = make.encode_cp1258(text)
        assert raw in dbf
        assert unicodedata.normalize("NFC", raw.decode("cp1258")) == text


@pytest.mark.parametrize(
    "cpg",
    [
        "1258",
        "cp1258",
        "CP1258",
        "Windows-1258",
        "ANSI 1258",
        "1258\r\n",
        "WINDOWS1258",
        "CP 1258",
        "win1258",
    ],
)
def test_cpg_spellings_of_windows_1258_are_honoured(tmp_path, cpg):
    path = make.vietnamese_wards_shapefile(tmp_path, cpg=cpg)
    lyr = read_layer(path)
    _assert_vietnamese(lyr.gdf)
    assert "read attribute text as Windows-1258" in lyr.notes
    assert [f.name for f in list_layers(path)[0].fields] == VI_NAMES


@pytest.mark.parametrize("cpg", ["UTF-8", "utf8", "65001", "CP65001"])
def test_cpg_spellings_of_utf8_are_honoured(tmp_path, cpg):
    path = make.write(make.zones(4), tmp_path / "utf8.shp")
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    lyr = read_layer(path)
    assert lyr.gdf["name"].tolist() == ["Phường 1", "Phường 2", "Phường 3", "Phường 4"]
    assert lyr.notes == []


def test_windows_1258_field_names_are_detected_without_a_cpg(tmp_path):
    # Only the field names carry Windows-1258 bytes: this was read as UTF-8 and failed.
    path = make.vietnamese_wards_shapefile(tmp_path, cpg=None, ascii_values=True)
    lyr = read_layer(path)
    assert [c for c in lyr.gdf.columns if c != "geometry"] == VI_NAMES
    assert lyr.gdf["Phường"].tolist() == ["Phuong Hai Chau I", "Thach Thang", "Phuoc Ninh", "Hoa Thuan Dong"]
    assert [f.name for f in list_layers(path)[0].fields] == VI_NAMES


def test_zipped_windows_1258_shapefile_is_read(tmp_path):
    (tmp_path / "src").mkdir()
    shp = make.vietnamese_wards_shapefile(tmp_path / "src")
    path = make.zip_shapefile(shp, tmp_path / "phuong.zip")
    _assert_vietnamese(read_layer(path).gdf)
    assert [f.name for f in list_layers(path)[0].fields] == VI_NAMES


def test_zip_from_a_mac_is_read_with_its_own_cpg(tmp_path):
    # Finder puts __MACOSX/._phuong_hai_chau.dbf (and .cpg) first: they were taken for the table.
    (tmp_path / "src").mkdir()
    shp = make.vietnamese_wards_shapefile(tmp_path / "src")
    path = make.zip_with_macos_copies(shp, tmp_path / "phuong.zip")
    assert zipfile.ZipFile(path).namelist()[0].startswith("__MACOSX/._")
    _assert_vietnamese(read_layer(path).gdf)
    assert [f.name for f in list_layers(path)[0].fields] == VI_NAMES


def test_a_wrong_utf8_cpg_names_the_cpg_and_the_option(tmp_path):
    path = make.vietnamese_wards_shapefile(tmp_path, cpg="UTF-8")
    with pytest.raises(LayerLoadError) as info:
        read_layer(path)
    message = str(info.value)
    _one_sentence(message)
    assert f"'{path}'" in message and "UTF-8" in message and ".cpg" in message and "--encoding" in message


@pytest.mark.parametrize("given", ["1258", "cp1258", "CP1258", "Windows-1258", "windows-1258"])
@pytest.mark.parametrize("cpg", ["UTF-8", "1252", None])
def test_explicit_encoding_overrides_the_cpg(tmp_path, given, cpg):
    path = make.vietnamese_wards_shapefile(tmp_path, cpg=cpg)
    lyr = read_layer(path, encoding=given)
    _assert_vietnamese(lyr.gdf)
    assert "read attribute text as Windows-1258" in lyr.notes
    assert [f.name for f in list_layers(path, encoding=given)[0].fields] == VI_NAMES
    zipped = make.zip_shapefile(path, tmp_path / "wards.zip")
    _assert_vietnamese(read_layer(zipped, encoding=given).gdf)


def test_without_override_a_wrong_1252_cpg_is_obeyed(tmp_path):
    # The .cpg is the file's own word; only --encoding overrides it.
    path = make.vietnamese_wards_shapefile(tmp_path, cpg="1252")
    misread = make.encode_cp1258("Phường").decode("cp1252")
    assert misread in read_layer(path).gdf.columns and "Phường" not in read_layer(path).gdf.columns


def test_explicit_encoding_applies_to_csv_not_to_utf8_formats(tmp_path):
    csv = make.csv_file(tmp_path, "name,lon,lat\nSão Tomé,108.21,16.05\n", encoding="cp1252")
    assert read_layer(csv).gdf["name"].tolist() == ["Săo Tomé"]  # detected as Windows-1258
    assert read_layer(csv, encoding="1252").gdf["name"].tolist() == ["São Tomé"]
    assert [f.name for f in list_layers(csv, encoding="1252")[0].fields] == ["name", "lon", "lat"]
    feature = {
        "type": "Feature",
        "properties": {"name": "São Tomé"},
        "geometry": {"type": "Point", "coordinates": [108.21, 16.05]},
    }
    geojson = tmp_path / "p.geojson"
    geojson.write_bytes(
        json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False).encode("cp1252")
    )
    assert read_layer(geojson).gdf["name"].tolist() == ["Săo Tomé"]  # legacy GeoJSON: detected
    # GeoJSON is UTF-8 by definition (RFC 7946): one --encoding serves every input of a command.
    stops = make.write(make.stops(2), tmp_path / "stops.geojson")
    assert read_layer(stops, encoding="1258").gdf["name"].tolist() == ["Trạm Đà Nẵng 0", "Trạm Đà Nẵng 1"]
    gpkg = make.write(make.stops(2), tmp_path / "stops.gpkg")
    assert read_layer(gpkg, encoding="1258").gdf["name"].tolist() == ["Trạm Đà Nẵng 0", "Trạm Đà Nẵng 1"]


def test_explicit_encoding_leaves_utf8_text_intact(tmp_path):
    # One --encoding for a command's old files must not garble its UTF-8 ones (mojibake, silently).
    shp = make.write(make.zones(4), tmp_path / "utf8.shp")
    lyr = read_layer(shp, encoding="1258")
    assert lyr.gdf["name"].tolist()[:2] == ["Phường 1", "Phường 2"]
    assert "read attribute text as UTF-8, not the Windows-1258 given: it is valid UTF-8" in lyr.notes
    csv = make.csv_file(tmp_path, "ten,lon,lat\nChợ Hàn,108.2245,16.0680\n")
    assert read_layer(csv, encoding="1258").gdf["ten"].tolist() == ["Chợ Hàn"]


@pytest.mark.parametrize(
    ("given", "needle"),
    [("klingon", "not a text encoding CityPlanner knows"), ("ascii", "not valid ascii")],
)
def test_unusable_explicit_encoding_is_refused(tmp_path, given, needle):
    path = make.vietnamese_wards_shapefile(tmp_path)
    with pytest.raises(LayerLoadError) as info:
        read_layer(path, encoding=given)
    message = str(info.value)
    _one_sentence(message)
    assert f"'{path}'" in message and given in message and needle in message


def test_info_shows_vietnamese_field_names(tmp_path, capsys):
    path = make.vietnamese_wards_shapefile(tmp_path)
    rc, out, err = _run(capsys, "info", path)
    assert rc == 0, err
    assert "fields: Phường (string), Quận (string), Dân_số (integer), Diện_tích (real)" in out
    rc, out, err = _run(capsys, "info", "--json", path)
    assert rc == 0, err
    assert [f["name"] for f in json.loads(out)["layers"][0]["fields"]] == VI_NAMES


def test_new_keeps_vietnamese_field_names_and_values(tmp_path, capsys):
    path = make.vietnamese_wards_shapefile(tmp_path)
    target = tmp_path / "da_nang.cityplan"
    rc, out, err = _run(capsys, "new", target, "--zones", path, "--population", "Dân_số")
    assert rc == 0, err
    assert "population 55,800 from 'Dân_số'" in out
    project = load_project(target)
    _assert_vietnamese(project.zones)
    assert project.population_field == "Dân_số"


def test_encoding_option_of_info_and_new(tmp_path, capsys):
    path = make.vietnamese_wards_shapefile(tmp_path, cpg="UTF-8")
    _assert_cli_refuses(capsys, ["info", path], ".cpg", "--encoding")
    rc, out, err = _run(capsys, "info", "--encoding", "1258", path)
    assert rc == 0, err
    assert "Phường (string), Quận (string), Dân_số (integer)" in out
    target = tmp_path / "p.cityplan"
    argv = ["new", target, "--zones", path, "--population", "Dân_số"]
    _assert_cli_refuses(capsys, argv, ".cpg")
    rc, out, err = _run(capsys, *argv, "--encoding", "cp1258")
    assert rc == 0, err
    _assert_vietnamese(load_project(target).zones)


@pytest.mark.parametrize("command", ["coverage", "access", "optimise"])
def test_encoding_option_of_the_analysis_commands(tmp_path, capsys, command):
    zones = make.vietnamese_wards_shapefile(tmp_path, cpg="UTF-8")
    stops = make.write(make.stops(3), tmp_path / "stops.geojson")
    argv = [command, "--zones", zones, "--population", "Dân_số", "--json"]
    argv += {
        "coverage": ["--facilities", stops, "--radius", "300", "--group-by", "Phường"],
        "access": ["--facilities", stops, "--group-by", "Phường"],
        "optimise": ["--candidates", stops, "--model", "mclp", "--sites", "1", "--radius", "300"],
    }[command]
    _assert_cli_refuses(capsys, argv, ".cpg", "--encoding")
    rc, out, err = _run(capsys, *argv, "--encoding", "1258")
    assert rc == 0, err
    doc = json.loads(out)
    if command != "optimise":
        assert sorted(doc["by_group"]) == sorted(VI_VALUES)
