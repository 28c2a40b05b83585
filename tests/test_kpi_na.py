"""Honest n/a: a KPI whose input is absent says so, instead of 0 / "not met" (issue 10, item 5)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from cityplanner import kpi
from cityplanner.project import FacilityType, Layer, Placement, Project
from cityplanner.store import load_project, save_project

CRS_UTM49 = CRS.from_epsg(32649)
# Four 100 m zones 2 km apart with 100/300/200/400 people (one cell each).
ZONE_ORIGINS = [(0, 0), (2000, 0), (0, 2000), (2000, 2000)]
ZONE_POPULATION = [100.0, 300.0, 200.0, 400.0]
WIFI_NA = 'No layer of type Public Wi-Fi hotspot; declare "none exist" to count it as 0.'


def _centre(zone: int) -> tuple[float, float]:
    x, y = ZONE_ORIGINS[zone]
    return x + 50.0, y + 50.0


@pytest.fixture
def city() -> Project:
    """Bus stops and point parks loaded; Wi-Fi, small cells, EV chargers, clinics, cameras typed only."""
    project = Project(crs=CRS_UTM49, name="Test city", settings={"distance_mode": "euclidean"})
    zones = gpd.GeoDataFrame(
        {"pop": ZONE_POPULATION}, geometry=[shapely.box(x, y, x + 100, y + 100) for x, y in ZONE_ORIGINS]
    ).set_crs(CRS_UTM49)
    project.add_layer(Layer("zones", zones, role="zones"))
    project.zones_layer, project.population_field = "zones", "pop"
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(*_centre(0))], crs=CRS_UTM49)
    project.add_layer(Layer("bus_stops", stops, role="bus_stop"))
    # Two parks inside zones 0 and 3, one 5 km outside the city: points, as OSM often gives them.
    parks = gpd.GeoDataFrame(
        geometry=[shapely.Point(*_centre(0)), shapely.Point(*_centre(3)), shapely.Point(7000, 7000)],
        crs=CRS_UTM49,
    )
    project.add_layer(Layer("parks", parks, role="park"))
    project.facility_types = {
        "bus_stop": FacilityType("bus_stop", label="Bus stop", layer="bus_stops"),
        "park": FacilityType("park", label="Park", layer="parks"),
        "wifi": FacilityType("wifi", label="Public Wi-Fi hotspot"),
        "small_cell": FacilityType("small_cell", label="5G small cell"),
        "ev_charger": FacilityType("ev_charger", label="EV charger", capacity=4, capacity_unit="ports"),
        "clinic": FacilityType("clinic", label="Clinic", capacity=20, capacity_unit="beds"),
        "cctv": FacilityType("cctv", label="CCTV camera"),
        "iot_sensor": FacilityType("iot_sensor", label="IoT sensor"),
    }
    return project


def _results(project: Project, scenario: str | None = None) -> dict[str, kpi.KpiResult]:
    return {r.id: r for r in kpi.Evaluator(project).evaluate(scenario)}


# -- absent input -----------------------------------------------------------------------------------
def test_a_type_with_no_layer_and_no_placements_is_n_a_with_the_reason(city):
    results = _results(city)
    for kpi_id in ("wifi_hotspots", "wifi_population_100m"):
        r = results[kpi_id]
        assert r.value is None and r.baseline_value is None and r.change is None, kpi_id
        assert r.status == "n/a" and r.method_note == WIFI_NA, kpi_id
    for kpi_id, label in (
        ("broadband_area_250m", "5G small cell"),
        ("broadband_population_250m", "5G small cell"),
        ("ev_chargers_per_100k", "EV charger"),
        ("ev_charger_1km", "EV charger"),
        ("health_access_1km", "Clinic"),
        ("health_capacity_2sfca", "Clinic"),
    ):
        r = results[kpi_id]
        assert r.value is None and r.status == "n/a", kpi_id
        assert r.method_note.startswith(f'No layer of type {label}; declare "none exist"'), kpi_id
    # Two types, neither loaded (the project has no road layer either; the types are the first reason).
    traffic = results["traffic_monitoring"]
    assert traffic.value is None and traffic.method_note == (
        'No layer of type CCTV camera or IoT sensor; declare "none exist" to count them as 0.'
    )
    # A type that is loaded still counts: transit has its bus stops.
    assert results["transit_stop_500m"].value == pytest.approx(10.0)


def test_a_layer_named_but_missing_from_the_project_is_no_layer(city):
    city.facility_types["wifi"].layer = "hotspots"  # e.g. the layer was removed
    assert _results(city)["wifi_hotspots"].method_note == WIFI_NA


def test_one_loaded_type_of_two_is_counted_and_the_other_named(city):
    city.add_layer(
        Layer("cams", gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=CRS_UTM49), role="cctv")
    )
    city.facility_types["cctv"].layer = "cams"
    roads = gpd.GeoDataFrame(
        {"highway": ["primary"]}, geometry=[shapely.LineString([(-100, 50), (2200, 50)])], crs=CRS_UTM49
    )
    city.add_layer(Layer("roads", roads, role="roads"))
    traffic = _results(city)["traffic_monitoring"]
    assert traffic.value == pytest.approx(50.0)  # 100 of the 200 m inside the city are near the camera
    assert "no layer of type IoT sensor" in traffic.method_note


# -- declared none exist ----------------------------------------------------------------------------
def test_declared_none_exist_makes_the_baseline_a_true_zero(city):
    city.declare_none_exist("wifi")
    city.declare_none_exist("clinic")
    assert city.settings["none_exist"] == "wifi, clinic" and city.none_exist == {"wifi", "clinic"}
    results = _results(city)
    assert results["wifi_hotspots"].value == 0.0 and results["wifi_hotspots"].status == "not met"
    assert results["wifi_population_100m"].value == 0.0
    assert "declared none exist" in results["wifi_population_100m"].method_note
    assert results["health_capacity_2sfca"].value == 0.0
    assert results["health_access_1km"].value == 0.0
    # Undeclared types stay n/a.
    assert results["ev_chargers_per_100k"].value is None
    city.declare_none_exist("wifi", False)
    assert city.none_exist == {"clinic"} and city.settings["none_exist"] == "clinic"


def test_the_declaration_is_read_from_the_setting_and_stored_with_the_project(city, tmp_path):
    city.settings["none_exist"] = " wifi ,ev_charger,, "
    assert city.none_exist == {"wifi", "ev_charger"}
    loaded = load_project(save_project(city, tmp_path / "city.cityplan"))
    assert loaded.none_exist == {"wifi", "ev_charger"}
    assert _results(loaded)["ev_chargers_per_100k"].value == 0.0


def test_a_declaration_after_an_evaluation_is_not_answered_from_the_cache(city):
    evaluator = kpi.Evaluator(city)
    assert evaluator.evaluate_kpi("wifi_hotspots").value is None
    city.declare_none_exist("wifi")
    assert evaluator.evaluate_kpi("wifi_hotspots").value == 0.0


# -- placements without existing facilities -----------------------------------------------------------
def test_placements_count_in_the_plan_and_the_undeclared_baseline_stays_n_a(city):
    plan = city.add_scenario("Plan")
    plan.placements.append(Placement("wifi", *_centre(2)))
    results = _results(city, "Plan")
    count, people = results["wifi_hotspots"], results["wifi_population_100m"]
    assert count.value == 1.0 and people.value == pytest.approx(20.0)
    for r in (count, people):
        assert r.baseline_value is None and r.change is None and r.status != "n/a"
    assert (
        "placements only" in people.method_note
        and "no layer of type Public Wi-Fi hotspot" in people.method_note
    )


def test_placements_with_none_exist_declared_change_from_zero(city):
    city.declare_none_exist("wifi")
    plan = city.add_scenario("Plan")
    plan.placements.append(Placement("wifi", *_centre(2)))
    people = _results(city, "Plan")["wifi_population_100m"]
    assert people.baseline_value == 0.0
    assert people.value == pytest.approx(20.0) and people.change == pytest.approx(20.0)


# -- areas from points ------------------------------------------------------------------------------
def test_point_parks_have_no_area_so_green_area_is_n_a(city):
    results = _results(city)
    green = results["green_area_per_100k"]
    assert green.value is None and green.status == "n/a"
    assert "3 Park facilities are points" in green.method_note
    assert "area_per_point_m2" in green.method_note
    # Distance to a point park is still measured.
    assert results["green_access_400m"].value == pytest.approx(50.0)


def test_an_area_per_point_is_used_and_stated(city):
    city.facility_types["park"].area_per_point_m2 = 5000.0
    green = _results(city)["green_area_per_100k"]
    # Two points inside the city at 0.5 ha each for 1,000 people: 100 ha per 100,000.
    assert green.value == pytest.approx(100.0)
    assert (
        "2 Park points inside the city counted at 5,000 m² each (the type's area per point)"
        in green.method_note
    )
    metrics = kpi.Evaluator(city).zone_metrics("green_area_per_100k")
    # Zone 0 (100 people) holds 0.5 ha: 500 ha per 100,000; zone 3 (400 people): 125.
    assert list(metrics["value"]) == pytest.approx([500.0, 0.0, 0.0, 125.0])


def test_park_polygons_with_some_points_count_the_polygons_and_say_so(city):
    parks = city.layers["parks"]
    polygon = shapely.box(2020, 2020, 2080, 2080)  # 0.36 ha inside zone 3
    parks.gdf = gpd.GeoDataFrame(geometry=[polygon, shapely.Point(*_centre(0))], crs=CRS_UTM49)
    green = _results(city)["green_area_per_100k"]
    assert green.value == pytest.approx(36.0)
    assert "1 point facilities add no area" in green.method_note


def test_declared_none_exist_parks_are_zero_hectares(city):
    city.facility_types["park"].layer = None
    assert _results(city)["green_area_per_100k"].value is None
    city.declare_none_exist("park")
    assert _results(city)["green_area_per_100k"].value == 0.0


# -- the sample city ----------------------------------------------------------------------------------
def test_the_sample_baseline_has_no_wifi_layer_and_says_so(sample_dir):
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    project = load_project(path)
    plan = list(project.scenarios)[-1]
    evaluator = kpi.Evaluator(project)
    baseline = evaluator.evaluate_kpi("wifi_hotspots")
    assert baseline.value is None and baseline.method_note == WIFI_NA
    placed = evaluator.evaluate_kpi("wifi_population_100m", plan)
    assert placed.value > 0 and placed.baseline_value is None and placed.change is None
