"""Every kind of bad input gives one clear sentence naming the file and the problem, and changes nothing.

Each case is checked three ways: the engine's message, a project that stays exactly as it was
after a failed add, and ``cityplanner new`` exiting 2 with one line on stderr, no traceback and no
project file written (nor an existing one overwritten).
"""

from __future__ import annotations

import os
import subprocess
import sys

import data_factory as make
import pytest

from cityplanner.assemble import add_layer_from_file, create_project
from cityplanner.cli import main
from cityplanner.errors import LayerLoadError
from cityplanner.io import read_layer
from cityplanner.store import load_project

CLI = "import sys; from cityplanner.cli import main; sys.exit(main())"


@pytest.fixture
def project(tmp_path):
    zones = make.write(make.zones(), tmp_path / "base_zones.geojson")
    return create_project(str(zones), "population")


def _snapshot(project):
    return (
        list(project.layers),
        [id(lyr) for lyr in project.layers.values()],
        [len(lyr.gdf) for lyr in project.layers.values()],
        {name: ft.layer for name, ft in project.facility_types.items()},
    )


def _assert_cli_refuses(capsys, tmp_path, argv_tail, *needles):
    """``cityplanner new`` exits 2 with one line naming the problem and writes no project."""
    target = tmp_path / "plan.cityplan"
    rc = main(["new", str(target), *argv_tail])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cityplanner: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]
    assert not target.exists()
    return lines[0]


# (factory, words the message must contain besides the file name)
LAYER_CASES = {
    "missing": (lambda tmp: tmp / "nowhere.gpkg", ["does not exist"]),
    "garbage": (lambda tmp: make.garbage_file(tmp, "garbage.fgb"), ["not a readable FlatGeobuf"]),
    "bad_zip": (lambda tmp: make.garbage_file(tmp, "shapes.zip"), ["not a readable zip archive"]),
    "zero_bytes": (lambda tmp: make.csv_file(tmp, "", name="blank.csv"), ["is empty"]),
    "truncated_gpkg": (make.truncated_gpkg, ["not a readable GeoPackage", "truncated or corrupt"]),
    "corrupt_gpkg": (make.corrupt_gpkg, ["not a readable GeoPackage", "truncated or corrupt"]),
    "no_crs": (make.shapefile_without_crs, ["no coordinate reference system", "--source-crs"]),
    "swapped": (make.swapped_geojson, ["latitude and longitude swapped"]),
    # Columns named lat/lon are degrees whatever their values: swapped, not "no CRS".
    "swapped_csv": (
        lambda tmp: make.csv_file(tmp, "ten,lat,lon\nChợ Hàn,108.2245,16.0680\n", name="swapped.csv"),
        ["latitude and longitude swapped"],
    ),
    "out_of_range_csv": (
        lambda tmp: make.csv_file(tmp, "ten,lon,lat\nChợ Hàn,108.2245,96.0680\n", name="far_north.csv"),
        ["out of range for EPSG:4326", "y 96.068"],
    ),
    "out_of_range": (make.metres_declared_degrees, ["out of range for EPSG:4326", "--source-crs"]),
    "mixed_dimensions": (make.mixed_dimensions, ["mixes geometry dimensions", "2 points", "3 polygons"]),
    "empty": (make.empty_geojson, ["has no features"]),
    "undecodable": (make.undecodable_shapefile, ["not valid in any of these encodings", "Windows-1258"]),
    "no_geometry_csv": (
        lambda tmp: make.csv_file(tmp, "ward,total\nHải Châu I,11160\n"),
        ["no geometry", "ward, total"],
    ),
    "bad_wkt_csv": (
        lambda tmp: make.csv_file(tmp, "wkt,population\nPOINT (108.2 16.0),1\nPOINT (oops),2\n"),
        ["unreadable WKT", "data row 2"],
    ),
}


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_bad_layer_names_file_and_problem_and_changes_nothing(case, tmp_path, project, capsys):
    factory, needles = LAYER_CASES[case]
    path = factory(tmp_path)
    before = _snapshot(project)

    with pytest.raises(LayerLoadError) as info:
        add_layer_from_file(project, str(path), name="bus_stops")
    message = str(info.value)
    assert path.name in message
    for needle in needles:
        assert needle in message
    assert "\n" not in message
    assert _snapshot(project) == before

    _assert_cli_refuses(capsys, tmp_path, ["--zones", str(path), "--population", "population"], path.name)


def test_unreadable_file_names_file_and_problem_and_changes_nothing(tmp_path, project, capsys, monkeypatch):
    # Tests run as root in CI containers, where chmod 000 does not stop reading: deny it in os.access.
    path = make.write(make.stops(), tmp_path / "locked.geojson")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(path) else real_access(p, mode))
    before = _snapshot(project)
    with pytest.raises(LayerLoadError) as info:
        add_layer_from_file(project, str(path), name="bus_stops")
    assert str(info.value) == f"File '{path}' cannot be read (permission denied)."
    assert _snapshot(project) == before
    argv = ["--zones", str(path), "--population", "population"]
    _assert_cli_refuses(capsys, tmp_path, argv, "permission denied")


def test_no_crs_is_read_once_the_source_crs_is_given(tmp_path, project):
    path = make.shapefile_without_crs(tmp_path)
    lyr = add_layer_from_file(project, str(path), name="wards_utm", source_crs="EPSG:32648")
    assert lyr.source_crs == "EPSG:32648"
    assert any("assigned CRS EPSG:32648" in n for n in lyr.notes)
    # Back in the right place: the same cells as the project's zones, in the working CRS.
    assert lyr.gdf.total_bounds == pytest.approx(project.zones.total_bounds, abs=0.01)


def test_no_crs_cli_accepts_source_crs(tmp_path, capsys):
    path = make.shapefile_without_crs(tmp_path)
    target = tmp_path / "plan.cityplan"
    argv = ["new", str(target), "--zones", str(path), "--population", "population", "--source-crs", "32648"]
    rc = main(argv)
    assert rc == 0, capsys.readouterr().err
    assert target.exists()


def test_no_crs_cli_takes_the_working_crs_given_with_crs(tmp_path, capsys):
    # As QGIS assigns the project CRS to a layer without one: --crs also names the file's CRS.
    path = make.shapefile_without_crs(tmp_path)
    target = tmp_path / "plan.cityplan"
    rc = main(["new", str(target), "--zones", str(path), "--population", "population", "--crs", "32648"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "assigned CRS EPSG:32648 (the file has none)" in out
    zones = load_project(target).zones
    assert zones.total_bounds == pytest.approx(make.zones().to_crs("EPSG:32648").total_bounds, abs=0.01)


def test_no_crs_degrees_refused_under_a_metric_crs(tmp_path, capsys):
    path = make.write(make.zones(), tmp_path / "degrees.shp")
    path.with_suffix(".prj").unlink()
    target = tmp_path / "plan.cityplan"
    rc = main(["new", str(target), "--zones", str(path), "--population", "population", "--crs", "32648"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "look like degrees of longitude/latitude" in err and "degrees.shp" in err
    assert not target.exists()


def test_source_crs_never_overrides_a_files_own_crs(tmp_path):
    path = make.write(make.stops(), tmp_path / "stops.geojson")
    lyr = read_layer(path, crs="EPSG:32648")
    assert lyr.source_crs == "EPSG:4326"


def test_invalid_geometries_are_repaired_and_counted(tmp_path, project):
    path = make.invalid_polygons(tmp_path)
    before = len(project.layers)
    lyr = add_layer_from_file(project, str(path), name="repaired")
    assert len(project.layers) == before + 1
    assert "repaired 3 invalid geometries" in lyr.notes
    assert "dropped 1 features with no valid polygons left after repair" in lyr.notes
    assert lyr.gdf.is_valid.all()
    assert set(lyr.gdf.geom_type) == {"MultiPolygon"}  # a bow-tie becomes two triangles
    assert len(lyr.gdf) == 8


def test_polygon_and_multipolygon_are_one_family(tmp_path):
    lyr = read_layer(make.polygon_family(tmp_path))
    assert lyr.geometry_type == "MultiPolygon"
    assert lyr.feature_count == 4
    assert lyr.notes == []


@pytest.mark.parametrize(
    ("values", "needles"),
    [
        (["120", "abc", "30", "7"], ["not numeric", "'abc'", "feature 2"]),
        ([10, -5, 30, 40], ["negative", "-5", "feature 2"]),
        ([10.0, None, 30.0, 40.0], ["1 empty value", "feature 2"]),
    ],
    ids=["non_numeric", "negative", "empty"],
)
def test_bad_population_values(values, needles, tmp_path, capsys):
    path = make.zones_with_population(tmp_path, values)
    with pytest.raises(LayerLoadError) as info:
        create_project(str(path), "population")
    message = str(info.value)
    assert path.name in message and "Population field 'population'" in message
    for needle in needles:
        assert needle in message
    _assert_cli_refuses(capsys, tmp_path, ["--zones", str(path), "--population", "population"], *needles)


def test_numbers_stored_as_text_are_accepted(tmp_path):
    path = make.zones_with_population(tmp_path, ["120", "0", "30.5", "7"])
    project = create_project(str(path), "population")
    assert project.population.tolist() == [120.0, 0.0, 30.5, 7.0]


def test_missing_population_field_lists_numeric_fields(tmp_path, capsys):
    gdf = make.zones(4)
    gdf["area_m2"] = 1.5
    path = make.write(gdf, tmp_path / "wards.geojson")
    with pytest.raises(LayerLoadError) as info:
        create_project(str(path), "dan_so")
    message = str(info.value)
    assert "wards.geojson" in message
    assert "no population field 'dan_so'" in message
    assert "its numeric fields are: population, area_m2" in message
    _assert_cli_refuses(capsys, tmp_path, ["--zones", str(path), "--population", "dan_so"], "dan_so")


def test_zones_that_are_lines_are_refused(tmp_path):
    outlines = make.zones(4).boundary.to_frame("geometry").assign(population=1)
    path = make.write(outlines, tmp_path / "lines.geojson")
    with pytest.raises(LayerLoadError, match="lines.geojson.*zones must be polygons"):
        create_project(str(path), "population")


@pytest.mark.parametrize("with_cpg", [False, True], ids=["detected", "from_cpg"])
def test_windows_1258_text_is_read_correctly(tmp_path, with_cpg):
    lyr = read_layer(make.cp1258_shapefile(tmp_path, with_cpg=with_cpg))
    assert lyr.gdf["name"].tolist()[:2] == ["Trạm Đà Nẵng 0", "Trạm Đà Nẵng 1"]
    assert "read attribute text as Windows-1258" in lyr.notes


def test_windows_1258_csv_is_read_correctly(tmp_path):
    text = "ten,lon,lat,dan_so\nChợ Hàn,108.2245,16.0680,120\nCầu Rồng,108.2270,16.0612,80\n"
    path = make.csv_file(tmp_path, text, encoding="cp1258")
    lyr = read_layer(path)
    assert lyr.gdf["ten"].tolist() == ["Chợ Hàn", "Cầu Rồng"]
    assert "read attribute text as Windows-1258" in lyr.notes


def test_z_coordinates_are_dropped_with_a_note(tmp_path):
    lyr = read_layer(make.z_polygons(tmp_path), "wards")
    assert not lyr.gdf.has_z.any()
    assert "dropped Z/M coordinates of 9 features (analysis is 2D)" in lyr.notes


def test_zm_coordinates_are_dropped_with_a_note(tmp_path):
    lyr = read_layer(make.zm_points_csv(tmp_path))
    assert not lyr.gdf.has_z.any()
    assert "dropped Z/M coordinates of 3 features (analysis is 2D)" in lyr.notes


def test_unknown_layer_and_ambiguous_file(tmp_path):
    path = make.multi_layer_gpkg(tmp_path)
    with pytest.raises(LayerLoadError, match=r"city\.gpkg' has 2 layers \(wards, bus_stops\); name one"):
        read_layer(path)
    with pytest.raises(LayerLoadError, match=r"city\.gpkg' has no layer 'roads' \(it has: wards, bus_stops"):
        read_layer(path, "roads")


def test_failed_new_does_not_overwrite_an_existing_project(tmp_path, capsys):
    target = tmp_path / "plan.cityplan"
    target.write_bytes(b"previous plan")
    bad = make.empty_geojson(tmp_path)
    rc = main(["new", str(target), "--zones", str(bad), "--population", "population", "--force"])
    assert rc == 2
    assert "empty.geojson" in capsys.readouterr().err
    assert target.read_bytes() == b"previous plan"


def test_cli_error_in_a_real_process_has_no_traceback(tmp_path):
    bad = make.swapped_geojson(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "info", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # info only lists layers, so it succeeds; reading it as zones is what fails.
    assert proc.returncode == 0
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            "new",
            str(tmp_path / "x.cityplan"),
            "--zones",
            str(bad),
            "--population",
            "population",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "swapped.geojson" in proc.stderr and "swapped" in proc.stderr
    assert not (tmp_path / "x.cityplan").exists()
