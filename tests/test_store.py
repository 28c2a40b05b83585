"""The project file (.cityplan): round trip of every field, GeoPackage layout, atomic save, clear
errors for bad files, and the ``cityplanner show`` command."""

from __future__ import annotations

import copy
import dataclasses
import json
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS

from cityplanner.cli import main
from cityplanner.errors import Cancelled, ProjectError
from cityplanner.progress import Progress
from cityplanner.project import BASELINE, FacilityType, Layer, Placement, Project
from cityplanner.store import FORMAT_VERSION, load_project, project_summary, save_project
from cityplanner.surface import surface_summary

# GDAL notes, when tests open a .cityplan directly, that it does not end in ".gpkg"; on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")

UTM49N = CRS.from_epsg(32649)  # Đà Nẵng's working CRS


def assert_projects_equal(expected: Project, actual: Project) -> None:
    """Every field of every dataclass equal; layer frames equal column by column with dtypes."""
    for f in dataclasses.fields(Project):
        if f.name == "layers":
            continue
        assert getattr(actual, f.name) == getattr(expected, f.name), f.name
    assert list(actual.layers) == list(expected.layers)
    for name, want in expected.layers.items():
        got = actual.layers[name]
        for f in dataclasses.fields(Layer):
            if f.name != "gdf":
                assert getattr(got, f.name) == getattr(want, f.name), f"layer {name}: {f.name}"
        assert_geodataframe_equal(got.gdf, want.gdf, check_dtype=True, check_crs=True)
        assert got.gdf.crs == expected.crs


@pytest.fixture
def planned_project() -> Project:
    """A small project touching every field and the awkward cases of a GeoPackage."""
    zones = gpd.GeoDataFrame(
        {
            "ward": pd.Series(["Hải Châu 1", "Thạch Thang", None, "Phước Ninh"], dtype="str"),
            "pop": np.array([12_500, 8_300, 0, 15_020], dtype="int64"),
            "households": np.array([3100, 2050, 0, 3900], dtype="int32"),
            "density": [21_000.5, np.nan, 0.0, 18_400.25],
            "Density": np.array([1.5, 2.5, 3.5, 4.5], dtype="float32"),  # case clash with "density"
            "geom": ["a", "b", "c", "d"],  # clashes with the GeoPackage geometry column name
            "note": pd.Series(["ổn", None, None, "mới"], dtype=object),
            "schools": pd.array([2, None, 0, 3], dtype="Int64"),
            "coastal": [True, False, False, True],
            "surveyed": pd.to_datetime(["2019-04-01", None, "2021-05-05", "2019-04-01"]),
        },
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.MultiPolygon([shapely.box(100, 0, 200, 100), shapely.box(300, 0, 400, 100)]),
            shapely.box(0, 100, 100, 200),
            shapely.box(100, 100, 200, 200),
        ],
        crs=UTM49N,
    )
    schools = gpd.GeoDataFrame(
        {"name": ["Trường THCS Nguyễn Huệ", "Trường Tiểu học Đà Nẵng"], "capacity": [900.0, 650.0]},
        geometry=shapely.points(np.array([[50.0, 50.0], [150.0, 150.0]])),
        crs=UTM49N,
    )
    project = Project(crs=UTM49N, name="Quy hoạch Hải Châu 2030")
    project.add_layer(
        Layer(
            "phường",
            zones,
            source="/data/wards.gpkg",
            source_layer="wards",
            role="zones",
            notes=["repaired 1 invalid geometry"],
        )
    )
    project.add_layer(Layer("Trường học", schools, source="/data/schools.geojson", role="school"))
    project.add_layer(Layer("truong hoc", schools.iloc[:0], role="hazard"))  # same table name once folded
    project.zones_layer, project.population_field = "phường", "pop"
    project.priority = {0: 1, 2: 3, 3: 1}
    project.facility_types = {
        "school": FacilityType(
            "school", "Trường học", "school", "#e31a1c", 800.0, 650.0, 2.5e10, "Trường học"
        ),
        "park": FacilityType("park", icon="tree", radius_m=400.0),
    }
    plan = project.add_scenario("Kế hoạch A", description="Thêm trường và công viên")
    plan.placements += [
        Placement(
            "school",
            120.125,
            80.5,
            name="Trường mới",
            capacity=700.0,
            source="optimiser",
            marginal_gain=1234.5,
            cost=3.75e9,
        ),
        Placement("park", 10.0, 190.0),
    ]
    project.add_scenario("Empty plan")
    project.scenario(BASELINE).placements.append(Placement("park", 1e-3, 2e-3, name="Công viên 29/3"))
    project.kpi_targets = {"access_school_800m": 90.0, "green_m2_per_person": 7.5}
    project.settings = {"city": "Đà Nẵng", "walk_speed_kmh": 4.8, "max_snap_m": 250, "use_network": True}
    return project


@pytest.fixture
def saved(tmp_path, planned_project) -> tuple[Project, object]:
    path = tmp_path / "hai_chau.cityplan"
    save_project(planned_project, path)
    return planned_project, path


# -- round trip ---------------------------------------------------------------------------------
def test_round_trip_keeps_every_field(saved):
    project, path = saved
    loaded = load_project(path)
    assert_projects_equal(project, loaded)
    # the details a planner would notice first
    assert loaded.layers["phường"].gdf["ward"].iloc[0] == "Hải Châu 1"
    assert loaded.layers["phường"].gdf["households"].dtype == np.dtype("int32")
    assert loaded.layers["phường"].gdf.geom_type.tolist() == ["Polygon", "MultiPolygon", "Polygon", "Polygon"]
    assert loaded.settings["max_snap_m"] == 250 and isinstance(loaded.settings["max_snap_m"], int)
    assert isinstance(loaded.settings["walk_speed_kmh"], float) and loaded.settings["use_network"] is True
    assert [p.id for p in loaded.scenario("Kế hoạch A").placements] == [
        p.id for p in project.scenario("Kế hoạch A").placements
    ]
    assert list(loaded.scenarios) == [BASELINE, "Kế hoạch A", "Empty plan"]


def test_saving_twice_gives_the_same_project(saved, tmp_path):
    project, path = saved
    again = tmp_path / "again.cityplan"
    save_project(load_project(path), again)
    assert_projects_equal(project, load_project(again))


def test_saving_does_not_modify_the_project(planned_project, tmp_path):
    before = copy.deepcopy(planned_project)
    save_project(planned_project, tmp_path / "p.cityplan")
    assert_projects_equal(before, planned_project)


def test_mixed_object_column_is_stored_as_text(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"code": pd.Series(["A1", 7, None], dtype=object)}, geometry=shapely.points([[0, 0]] * 3), crs=UTM49N
    )
    project = Project(crs=UTM49N)
    project.add_layer(Layer("mixed", gdf))
    save_project(project, tmp_path / "m.cityplan")
    assert load_project(tmp_path / "m.cityplan").layers["mixed"].gdf["code"].tolist() == ["A1", "7", None]


def test_real_danang_layers_round_trip(danang_gpkg, tmp_path):
    project = Project(crs=UTM49N, name="Hải Châu")
    for name in pyogrio.list_layers(danang_gpkg)[:, 0]:
        gdf = gpd.read_file(danang_gpkg, layer=name)
        project.add_layer(Layer(name, gdf, source=str(danang_gpkg), source_layer=name))
    buildings = project.layers["buildings"]
    buildings.role = "zones"
    # A plausible population per building (30 m² per person) so the project has demand.
    buildings.gdf["population"] = np.round(buildings.gdf.area / 30.0).astype("int64")
    project.zones_layer, project.population_field = "buildings", "population"
    project.facility_types["bus_stop"] = FacilityType("bus_stop", radius_m=400.0, layer="bus_stops")
    stops = project.layers["bus_stops"].gdf
    project.add_scenario("More stops").placements.extend(
        Placement("bus_stop", float(x), float(y))
        for x, y in shapely.get_coordinates(stops.geometry[:5]) + 150.0
    )

    path = tmp_path / "hai_chau.cityplan"
    save_project(project, path)
    loaded = load_project(path)

    assert_projects_equal(project, loaded)
    assert "Đường Nguyễn Tri Phương" in set(loaded.layers["roads"].gdf["name"])
    assert loaded.layers["roads"].source_crs == "EPSG:4326"
    assert loaded.population.sum() == project.population.sum() > 0


# -- the file is a GeoPackage QGIS opens ----------------------------------------------------------
def test_file_is_a_geopackage_gdal_lists(saved):
    _, path = saved
    with open(path, "rb") as fh:
        header = fh.read(72)
    assert header[:16] == b"SQLite format 3\x00" and header[68:72] == b"GPKG"  # GeoPackage application id

    layers = dict(pyogrio.list_layers(path).tolist())
    assert layers["layer_phuong"] == "Unknown"  # Polygon and MultiPolygon rows kept as they are
    assert layers["layer_truong_hoc"] == "Point" and "layer_truong_hoc_2" in layers
    assert layers["placements"] == "Point" and layers["priority_zones"] == "Polygon"
    for table in (
        "cp_project",
        "cp_layers",
        "cp_facility_types",
        "cp_scenarios",
        "cp_priority",
        "cp_kpi_targets",
        "cp_settings",
    ):
        assert layers[table] is None  # attribute table, no geometry

    placements = pyogrio.read_dataframe(path, layer="placements")
    assert placements["scenario"].tolist() == [BASELINE, "Kế hoạch A", "Kế hoạch A"]
    assert placements.columns.tolist() == [
        "scenario",
        "id",
        "type",
        "name",
        "capacity",
        "source",
        "marginal_gain",
        "cost",
        "geometry",
    ]
    assert pyogrio.read_info(path, layer="layer_phuong")["crs"] == "EPSG:32649"
    priority = pyogrio.read_dataframe(path, layer="priority_zones")
    assert sorted(zip(priority["zone_index"], priority["tier"], strict=True)) == [(0, 1), (2, 3), (3, 1)]
    settings = pyogrio.read_dataframe(path, layer="cp_settings", read_geometry=False)
    assert dict(zip(settings["key"], settings["value_type"], strict=True))["max_snap_m"] == "int"

    with sqlite3.connect(path) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert kinds["cp_project"] == "attributes" and kinds["layer_phuong"] == "features"
    assert not any("pickle" in t for t in tables)


# -- atomic save --------------------------------------------------------------------------------
def test_save_replaces_the_file_and_leaves_no_temporary_file(saved, tmp_path):
    project, path = saved
    project.scenario("Kế hoạch A").placements.pop()
    save_project(project, path)
    assert len(load_project(path).scenario("Kế hoạch A").placements) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["hai_chau.cityplan"]


def test_failed_save_keeps_the_previous_file(saved, tmp_path):
    project, path = saved
    before = path.read_bytes()
    project.settings["bad"] = ["a", "list"]
    with pytest.raises(ProjectError, match="Setting 'bad' holds a list"):
        save_project(project, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["hai_chau.cityplan"]


def test_cancelled_save_keeps_the_previous_file(saved, tmp_path):
    project, path = saved
    before = path.read_bytes()
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        save_project(project, path, progress=progress)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["hai_chau.cityplan"]


def test_progress_is_reported(planned_project, tmp_path):
    seen: list[float] = []
    save_project(planned_project, tmp_path / "p.cityplan", Progress(lambda f, _m: seen.append(f)))
    load_project(tmp_path / "p.cityplan", Progress(lambda f, _m: seen.append(f)))
    assert seen.count(1.0) == 2 and all(0.0 <= f <= 1.0 for f in seen)


def test_save_into_missing_folder_is_a_clear_error(planned_project, tmp_path):
    target = tmp_path / "no such folder" / "p.cityplan"
    with pytest.raises(ProjectError, match="does not exist") as err:
        save_project(planned_project, target)
    assert str(target) in str(err.value)


# -- clear errors when loading --------------------------------------------------------------------
def _one_sentence_naming(err: pytest.ExceptionInfo, path) -> None:
    message = str(err.value)
    assert str(path) in message and "\n" not in message and "Traceback" not in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.cityplan"
    with pytest.raises(ProjectError, match="does not exist") as err:
        load_project(path)
    _one_sentence_naming(err, path)


@pytest.mark.parametrize("content", [b"", b"not a geopackage at all\n" * 10])
def test_not_a_geopackage(tmp_path, content):
    path = tmp_path / "notes.cityplan"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match="empty|not a GeoPackage") as err:
        load_project(path)
    _one_sentence_naming(err, path)


def test_plain_geopackage_is_not_a_project(tmp_path):
    path = tmp_path / "wards.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=UTM49N).to_file(path)
    with pytest.raises(ProjectError, match="GeoPackage but not a CityPlanner project") as err:
        load_project(path)
    _one_sentence_naming(err, path)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_file(saved, tmp_path, keep):
    _, path = saved
    data = path.read_bytes()
    cut = tmp_path / "cut.cityplan"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ProjectError, match="damaged or incomplete") as err:
        load_project(cut)
    _one_sentence_naming(err, cut)


def test_corrupted_file(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[4096 : len(data) - 4096] = b"\xff" * (len(data) - 8192)
    bad = tmp_path / "bad.cityplan"
    bad.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="damaged or incomplete") as err:
        load_project(bad)
    _one_sentence_naming(err, bad)


def test_newer_format_version(saved):
    _, path = saved
    with sqlite3.connect(path) as con:
        con.execute(
            "UPDATE cp_project SET value = ? WHERE key = 'format_version'", (str(FORMAT_VERSION + 1),)
        )
    with pytest.raises(ProjectError, match="newer CityPlanner") as err:
        load_project(path)
    _one_sentence_naming(err, path)


def test_directory_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)


# -- cityplanner show -----------------------------------------------------------------------------
def test_show_json(saved, capsys):
    project, path = saved
    assert main(["show", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "project",
        "crs",
        "zones_layer",
        "population_field",
        "population_total",
        "layers",
        "facility_types",
        "scenarios",
        "priority_zones",
        "population_surface",
    ]
    assert out["population_surface"]["method"] == "uniform"
    assert out["project"] == "Quy hoạch Hải Châu 2030" and out["crs"] == "EPSG:32649"
    assert out["zones_layer"] == "phường" and out["population_field"] == "pop"
    assert out["population_total"] == 12_500 + 8_300 + 15_020
    assert out["layers"][0] == {
        "name": "phường",
        "role": "zones",
        "geometry_type": "Mixed",
        "feature_count": 4,
        "source": "/data/wards.gpkg",
        "source_crs": "EPSG:32649",
    }
    assert [lyr["name"] for lyr in out["layers"]] == ["phường", "Trường học", "truong hoc"]
    assert out["facility_types"][0]["radius_m"] == 800.0 and out["facility_types"][0]["unit_cost"] == 2.5e10
    assert out["scenarios"] == [
        {"name": BASELINE, "description": "", "placements": {"school": 0, "park": 1}},
        {
            "name": "Kế hoạch A",
            "description": "Thêm trường và công viên",
            "placements": {"school": 1, "park": 1},
        },
        {"name": "Empty plan", "description": "", "placements": {"school": 0, "park": 0}},
    ]
    assert out["priority_zones"] == {"1": 2, "2": 0, "3": 1}
    expected = {**project_summary(project), "population_surface": surface_summary(project)}
    assert out == json.loads(json.dumps(expected, ensure_ascii=False))


def test_show_text(saved, capsys):
    _, path = saved
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Quy hoạch Hải Châu 2030" in out and "EPSG:32649" in out
    assert "total 35,820" in out
    assert "Kế hoạch A - Thêm trường và công viên: 2 placements (school 1, park 1)" in out
    assert "Empty plan: 0 placements" in out
    assert "tier 1: 2, tier 2: 0, tier 3: 1" in out


def test_show_missing_file_exits_2_with_one_line(tmp_path, capsys):
    assert main(["show", str(tmp_path / "nope.cityplan")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cityplanner: error:") and "nope.cityplan" in err and "\n" not in err
