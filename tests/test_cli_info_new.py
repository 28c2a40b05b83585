"""``cityplanner info`` and ``cityplanner new`` on generated files and the real city data."""

from __future__ import annotations

import json

import data_factory as make
import pytest

from cityplanner.cli import main

# Fixtures (tests/conftest.py) of every file in ../shared/data.
SHARED_FILES = ["hcmc_gpkg", "danang_gpkg", "danang_osm", "danang_census_csv"]


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.shared_data
@pytest.mark.parametrize("fixture", SHARED_FILES)
def test_info_works_on_every_shared_file(capsys, request, fixture):
    path = request.getfixturevalue(fixture)
    rc, out, err = _run(capsys, "info", "--json", path)
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["file"] == str(path)
    assert doc["layers"]
    for layer in doc["layers"]:
        assert set(layer) == {"name", "geometry_type", "crs", "feature_count", "fields"}
        assert layer["feature_count"] >= 0
        assert all(set(f) == {"name", "type"} for f in layer["fields"])
    rc, out, _ = _run(capsys, "info", path)
    assert rc == 0 and doc["layers"][0]["name"] in out


@pytest.mark.shared_data
def test_info_text_on_hcmc_shows_z_and_multilinestring(capsys, hcmc_gpkg):
    rc, out, _ = _run(capsys, "info", hcmc_gpkg)
    assert rc == 0
    assert "18 layers" in out
    assert "MultiLineString Z" in out and "Polygon Z" in out
    assert "features: 10,057" in out
    assert "Pop_2021 (real)" in out



@pytest.mark.shared_data
def test_info_text_says_the_census_csv_has_no_geometry(capsys, danang_census_csv):
    rc, out, _ = _run(capsys, "info", danang_census_csv)
    assert rc == 0
    assert "geometry: none - a plain table (no lon/lat, x/y or WKT column)" in out
    assert "cannot be a map layer" in out and "total (integer)" in out

def test_info_one_layer_of_a_geopackage(capsys, tmp_path):
    city = make.multi_layer_gpkg(tmp_path)
    rc, out, _ = _run(capsys, "info", "--json", f"{city}:bus_stops")
    assert rc == 0
    doc = json.loads(out)
    assert [lyr["name"] for lyr in doc["layers"]] == ["bus_stops"]
    assert doc["layers"][0] == {
        "name": "bus_stops",
        "geometry_type": "Point",
        "crs": "EPSG:4326",
        "feature_count": 5,
        "fields": [{"name": "name", "type": "string"}, {"name": "routes", "type": "integer"}],
    }
    rc, _, err = _run(capsys, "info", f"{city}:roads")
    assert rc == 2 and "has no layer 'roads' (it has: wards, bus_stops)" in err


def test_info_missing_file_exits_2_with_one_line(capsys, tmp_path):
    rc, out, err = _run(capsys, "info", tmp_path / "nowhere.shp")
    assert rc == 2 and out == ""
    assert err == f"cityplanner: error: File '{tmp_path / 'nowhere.shp'}' does not exist.\n"


@pytest.mark.parametrize("verb", ["info", "new"])
def test_help(capsys, verb):
    with pytest.raises(SystemExit) as info:
        main([verb, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--json" in out if verb == "info" else "--source-crs" in out and "--force" in out


def test_new_creates_a_project_that_loads_back(capsys, tmp_path):
    from cityplanner.store import load_project

    city = make.multi_layer_gpkg(tmp_path)
    parks = make.write(make.stops(3), tmp_path / "parks.geojson")
    target = tmp_path / "hai_chau.cityplan"
    rc, out, err = _run(
        capsys,
        "new", target,
        "--zones", f"{city}:wards",
        "--population", "population",
        "--layer", f"bus_stops={city}:bus_stops",
        "--layer", f"green={parks}",
        "--name", "Hải Châu",
    )
    assert rc == 0, err
    assert f"Created {target}" in out and "EPSG:32649" in out
    project = load_project(target)
    assert project.name == "Hải Châu"
    assert project.zones_layer == "wards" and project.population_field == "population"
    assert project.population.sum() == sum(50 + 100 * i for i in range(9))
    assert {n: lyr.role for n, lyr in project.layers.items()} == {
        "wards": "zones",
        "bus_stops": "bus_stop",
        "green": "park",
        "population_surface": "population_surface",  # the demand, built once at creation
    }
    assert project.facility_types["park"].layer == "green"
    assert project.settings["walk_speed_kmh"] == 4.8


def test_new_refuses_to_overwrite_without_force(capsys, tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    target = tmp_path / "plan.cityplan"
    assert _run(capsys, "new", target, "--zones", zones, "--population", "population")[0] == 0
    before = target.read_bytes()
    argv = ["new", target, "--zones", zones, "--population", "population", "--crs", "32648"]
    rc, _, err = _run(capsys, *argv)
    assert rc == 2
    assert err == f"cityplanner: error: Project '{target}' already exists; use --force to overwrite it.\n"
    assert target.read_bytes() == before
    rc, out, _ = _run(capsys, *argv, "--force")
    assert rc == 0 and "EPSG:32648" in out


def test_new_rejects_a_repeated_layer_name(capsys, tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    stops = make.write(make.stops(), tmp_path / "stops.geojson")
    rc, _, err = _run(
        capsys, "new", tmp_path / "p.cityplan", "--zones", zones, "--population", "population",
        "--layer", f"bus_stops={stops}", "--layer", f"bus_stops={stops}",
    )
    assert rc == 2 and "'bus_stops' is given more than once" in err
    assert not (tmp_path / "p.cityplan").exists()


@pytest.mark.shared_data
def test_new_from_hcmc(capsys, tmp_path, hcmc_gpkg):
    target = tmp_path / "hcmc.cityplan"
    rc, out, err = _run(
        capsys, "new", target,
        "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--layer", f"roads={hcmc_gpkg}:roads_detail",
        "--layer", f"bus_routes={hcmc_gpkg}:bus_routes",
    )
    assert rc == 0, err
    assert "EPSG:32648" in out
    assert "note (bus_routes): dropped Z/M coordinates of 84 features" in out


def test_new_rejects_a_road_layer_without_lines(capsys, tmp_path):
    # Points given as roads used to make a project on which every `kpis` then failed with
    # "the road layer contains no line geometries" (no file, no layer named).
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    stops = make.write(make.stops(), tmp_path / "stops.geojson")
    rc, _, err = _run(
        capsys, "new", tmp_path / "p.cityplan", "--zones", zones, "--population", "population",
        "--layer", f"roads={stops}",
    )
    assert rc == 2 and err.count("\n") == 1
    assert "stops.geojson" in err and "layer 'roads'" in err and "holds no lines (Point)" in err
    assert not (tmp_path / "p.cityplan").exists()


def test_add_layer_named_like_streets_but_without_lines_gets_no_role(tmp_path):
    from cityplanner.assemble import add_layer_from_file, create_project
    from cityplanner.errors import LayerLoadError

    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    stops = make.write(make.stops(), tmp_path / "roads.geojson")
    project = create_project(str(zones), "population")
    added = add_layer_from_file(project, str(stops))
    assert added.name == "roads" and added.role is None
    with pytest.raises(LayerLoadError, match="holds no lines"):
        add_layer_from_file(project, str(stops), name="streets", role="roads")
    assert "streets" not in project.layers
