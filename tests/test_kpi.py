"""KPI catalogue and evaluation: exact values on a hand-made city, status logic, scenarios, CLI."""

from __future__ import annotations

import dataclasses
import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from cityplanner import kpi
from cityplanner.cli import main as cli_main
from cityplanner.errors import AnalysisError
from cityplanner.project import FacilityType, Layer, Placement, Project

CRS_UTM49 = CRS.from_epsg(32649)
CLI_KEYS = {"id", "code", "name", "value", "unit", "target", "status", "baseline_value"}

# Four 100 m square zones 2 km apart (corners at x, y = 0 or 2000) with 100/300/200/400 people:
# a facility at a zone's centre covers that whole zone and no other for every threshold <= 1 km.
ZONE_ORIGINS = [(0, 0), (2000, 0), (0, 2000), (2000, 2000)]
ZONE_POPULATION = [100.0, 300.0, 200.0, 400.0]


def _centre(zone: int) -> tuple[float, float]:
    x, y = ZONE_ORIGINS[zone]
    return x + 50.0, y + 50.0


def _layer(name: str, geoms: list, role: str | None = None, **columns) -> Layer:
    gdf = gpd.GeoDataFrame(columns, geometry=geoms, crs=CRS_UTM49)
    return Layer(name, gdf, role=role)


def _points(*xy) -> list:
    return [shapely.Point(x, y) for x, y in xy]


@pytest.fixture
def city() -> Project:
    """Hand-made city; Euclidean distances so every value is exact."""
    project = Project(crs=CRS_UTM49, name="Test city", settings={"distance_mode": "euclidean"})
    zones = [shapely.box(x, y, x + 100, y + 100) for x, y in ZONE_ORIGINS]
    project.add_layer(_layer("zones", zones, role="zones", pop=ZONE_POPULATION))
    project.zones_layer, project.population_field = "zones", "pop"
    # A park 100 m east of zone 0 whose centroid is 600 m away (edge distance must count), and a
    # 0.36 ha park inside zone 3 (the only green area inside the city).
    parks = [shapely.box(200, 0, 1200, 100), shapely.box(2020, 2020, 2080, 2080)]
    # A primary street through zones 0 and 1 (100 m inside each) and a residential one.
    roads = [shapely.LineString([(-100, 50), (2200, 50)]), shapely.LineString([(50, 1900), (50, 2200)])]
    layers = [
        _layer("bus_stops", _points(_centre(0)), role="bus_stop"),
        _layer("parks", parks, role="park"),
        _layer("hotspots", _points(_centre(2)), role="wifi"),
        _layer("small_cells", _points(_centre(0)), role="small_cell"),
        _layer("cameras", _points(_centre(0)), role="cctv"),
        _layer("chargers", _points(_centre(0), (5000, 5000)), role="ev_charger"),
        _layer("clinics", _points(_centre(0)), role="clinic", capacity=[10.0]),
        _layer("roads", roads, role="roads", highway=["primary", "residential"]),
    ]
    for layer in layers:
        project.add_layer(layer)
        if layer.role != "roads":
            project.facility_types[layer.role] = FacilityType(layer.role, layer=layer.name)
    return project


def _by_id(results: list[kpi.KpiResult]) -> dict[str, kpi.KpiResult]:
    return {r.id: r for r in results}


# -- catalogue ----------------------------------------------------------------------------------
def test_catalogue_has_the_issue_kpis_with_every_field():
    catalogue = kpi.load_catalogue()
    codes = {k.code for k in catalogue}
    for code in (
        "EC: I: T: 2A",
        "EN: EN: PSN: 2A",
        "EN: EN: PSN: 1C",
        "EC: ICT: ICT: 5C",
        "EC: ICT: ICT: 4C",
        "EC: ICT: T: 2C",
        "SC: SH: SA: 4A",
    ):
        assert code in codes
    for k in catalogue:
        assert k.name and k.name_vi and k.standard and k.unit and k.description
        assert k.direction in ("higher", "lower")
        assert k.method in kpi._METHODS
    methods = {k.method for k in catalogue}
    assert methods == set(kpi._METHODS)
    traffic = next(k for k in catalogue if k.id == "traffic_monitoring")
    assert set(traffic.facility_types) == {"cctv", "iot_sensor"}


def test_catalogue_errors_name_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kpis:\n  - {id: x, standard: s, code: c, name: n, name_vi: v, method: teleport,"
        " unit: '%', direction: higher, target: 1, facility_types: [a], description: d}\n",
        encoding="utf-8",
    )
    with pytest.raises(AnalysisError, match=r"KPI 'x' in .*bad.yaml names the unknown method 'teleport'"):
        kpi.load_catalogue(bad)
    bad.write_text("kpis:\n  - {id: y, method: count}\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"KPI 'y' .* lacks standard"):
        kpi.load_catalogue(bad)
    bad.write_text(
        "kpis:\n  - {id: z, standard: s, code: c, name: n, name_vi: v, method: count,"
        " unit: n, direction: higher, target: 1, facility_types: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(AnalysisError, match=r"KPI 'z' in .*bad.yaml lacks description\.$"):
        kpi.load_catalogue(bad)


# What issue 3 asks of the catalogue: (code, facility types, threshold m, distance, unit, direction).
ISSUE_KPIS = {
    "transit_stop_500m": ("EC: I: T: 2A", {"bus_stop"}, 500, "network_if_roads", "%", "higher"),
    "green_access_400m": ("EN: EN: PSN: 2A", {"park"}, 400, None, "%", "higher"),
    "green_area_per_100k": ("EN: EN: PSN: 1C", {"park"}, None, None, "ha per 100,000 inhabitants", "higher"),
    "wifi_hotspots": ("EC: ICT: ICT: 5C", {"wifi"}, None, None, "hotspots", "higher"),
    "wifi_population_100m": ("EC: ICT: ICT: 5C", {"wifi"}, 100, None, "%", "higher"),
    "broadband_area_250m": ("EC: ICT: ICT: 4C", {"small_cell"}, 250, None, "%", "higher"),
    "broadband_population_250m": ("EC: ICT: ICT: 4C", {"small_cell"}, 250, None, "%", "higher"),
    "traffic_monitoring": ("EC: ICT: T: 2C", {"cctv"}, 150, None, "%", "higher"),
    "ev_chargers_per_100k": (None, {"ev_charger"}, None, None, "per 100,000 inhabitants", "higher"),
    "ev_charger_1km": (None, {"ev_charger"}, 1000, "network_if_roads", "%", "higher"),
    "health_access_1km": (None, {"clinic"}, 1000, "network_if_roads", "%", "higher"),
    "health_capacity_2sfca": (None, {"clinic"}, 1000, "network_if_roads", None, "higher"),
    "school_access_1km": (None, {"school"}, 1000, "network_if_roads", "%", "higher"),
    "school_capacity_2sfca": (None, {"school"}, 1000, "network_if_roads", None, "higher"),
    "disaster_prone_population": ("SC: SH: SA: 4A", set(), None, None, "%", "lower"),
}


def test_catalogue_holds_each_issue_kpi_with_its_definition():
    catalogue = {k.id: k for k in kpi.load_catalogue()}
    assert set(ISSUE_KPIS) <= set(catalogue)
    for kpi_id, (code, types, threshold, distance, unit, direction) in ISSUE_KPIS.items():
        k = catalogue[kpi_id]
        assert k.standard and k.code and k.name and k.name_vi and k.description, kpi_id
        assert k.name_vi != k.name, kpi_id
        assert isinstance(k.target, float) and k.target > 0, kpi_id
        if code is not None:
            assert (k.standard, k.code) == ("U4SSC", code), kpi_id
        assert types <= set(k.facility_types), kpi_id
        assert k.threshold_m == threshold, kpi_id
        if distance is not None:
            assert k.distance == distance, kpi_id
        if unit is not None:
            assert k.unit == unit, kpi_id
        assert k.direction == direction, kpi_id
    assert catalogue["ev_chargers_per_100k"].standard.startswith("ISO 37122")
    assert catalogue["ev_chargers_per_100k"].per_population == 100_000
    assert catalogue["green_area_per_100k"].per_population == 100_000
    for kpi_id in ("health_capacity_2sfca", "school_capacity_2sfca"):
        assert catalogue[kpi_id].method == "two_step_fca"


# -- status -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "target", "direction", "status"),
    [
        (80.0, 80.0, "higher", "met"),
        (95.0, 80.0, "higher", "met"),
        (72.0, 80.0, "higher", "near"),
        (71.9, 80.0, "higher", "not met"),
        (4.0, 5.0, "lower", "met"),
        (5.5, 5.0, "lower", "near"),
        (5.6, 5.0, "lower", "not met"),
        (None, 5.0, "lower", "n/a"),
    ],
)
def test_status(value, target, direction, status):
    assert kpi.kpi_status(value, target, direction) == status


# -- exact values on the hand-made city -----------------------------------------------------------
def test_exact_values_on_hand_made_city(city):
    results = _by_id(kpi.evaluate(city))
    # Only zone 0 (100 of 1,000 people) is near the one bus stop.
    assert results["transit_stop_500m"].value == pytest.approx(10.0)
    assert results["transit_stop_500m"].mode == "euclidean"
    assert "distance mode is Euclidean" in results["transit_stop_500m"].method_note
    # Zone 3 holds a park; zone 0 is 100-200 m from the long park's edge (600 m from its centroid).
    assert results["green_access_400m"].value == pytest.approx(50.0)
    # 0.36 ha inside the city for 1,000 people -> 36 ha per 100,000.
    assert results["green_area_per_100k"].value == pytest.approx(36.0)
    assert results["wifi_hotspots"].value == 1
    assert results["wifi_population_100m"].value == pytest.approx(20.0)
    # One of four equal zones lies inside the small cell's range.
    assert results["broadband_area_250m"].value == pytest.approx(25.0)
    assert results["broadband_population_250m"].value == pytest.approx(10.0)
    # 100 of the 200 m of primary street inside the city is within 150 m of the camera.
    assert results["traffic_monitoring"].value == pytest.approx(50.0)
    # One charger inside the city (the other is outside every zone) for 1,000 people.
    assert results["ev_chargers_per_100k"].value == pytest.approx(100.0)
    assert results["ev_charger_1km"].value == pytest.approx(10.0)
    assert results["health_access_1km"].value == pytest.approx(10.0)
    # 10 beds shared by the 100 people in range: 100 per 1,000 in zone 0, above the standard of
    # 3; the other 900 people reach none. So 10 % of the people meet it.
    health = results["health_capacity_2sfca"]
    assert health.value == pytest.approx(10.0) and health.unit == "%"
    assert health.capacity_source == "field 'capacity' of layer 'clinics' (1 of 1 facilities)"
    assert health.distribution["median"] == 0.0 and health.distribution["gini"] == pytest.approx(0.9)


def test_missing_inputs_give_n_a_with_a_reason(city):
    results = _by_id(kpi.evaluate(city))
    hazard = results["disaster_prone_population"]
    assert hazard.value is None and hazard.baseline_value is None
    assert hazard.status == "n/a"
    assert "no hazard layer" in hazard.method_note
    school = results["school_access_1km"]
    assert school.status == "n/a" and "no facility type school" in school.method_note
    assert results["school_capacity_2sfca"].status == "n/a"


def test_hazard_layer_counts_people_inside(city):
    x, y = ZONE_ORIGINS[1]
    city.add_layer(_layer("flood", [shapely.box(x - 10, y - 10, x + 110, y + 110)], role="hazard"))
    result = kpi.Evaluator(city).evaluate_kpi("disaster_prone_population")
    assert result.value == pytest.approx(30.0)
    assert result.direction == "lower" and result.status == "not met"


def test_two_step_fca_without_capacities_is_n_a(city):
    city.layers["clinics"].gdf = city.layers["clinics"].gdf.drop(columns="capacity")
    result = kpi.Evaluator(city).evaluate_kpi("health_capacity_2sfca")
    assert result.status == "n/a" and "capacity" in result.method_note


def test_traffic_monitoring_reads_type_field_and_reports_missing_field(city):
    roads = city.layers["roads"].gdf
    city.layers["roads"].gdf = roads.drop(columns="highway").assign(Type=["Road", "Alley"])
    assert kpi.Evaluator(city).evaluate_kpi("traffic_monitoring").value == pytest.approx(50.0)
    city.layers["roads"].gdf = roads.drop(columns="highway")
    result = kpi.Evaluator(city).evaluate_kpi("traffic_monitoring")
    assert result.status == "n/a" and "no highway or Type field" in result.method_note


# -- targets, scenarios, per-zone ----------------------------------------------------------------
def test_project_target_overrides_catalogue(city):
    evaluator = kpi.Evaluator(city)
    assert evaluator.evaluate_kpi("transit_stop_500m").status == "not met"
    city.kpi_targets["transit_stop_500m"] = 10.5
    result = evaluator.evaluate_kpi("transit_stop_500m")
    assert result.target == 10.5 and result.status == "near"


def test_placement_raises_value_and_baseline_stays(city):
    plan = city.add_scenario("Plan")
    plan.placements.append(Placement("bus_stop", *_centre(3)))
    evaluator = kpi.Evaluator(city)
    result = _by_id(evaluator.evaluate("Plan"))["transit_stop_500m"]
    assert result.value == pytest.approx(50.0)
    assert result.baseline_value == pytest.approx(10.0)
    assert result.change == pytest.approx(40.0)
    baseline = _by_id(evaluator.evaluate())["transit_stop_500m"]
    assert baseline.value == pytest.approx(10.0) and baseline.change == pytest.approx(0.0)
    # KPIs of other facility types keep the baseline's value.
    assert _by_id(evaluator.evaluate("Plan"))["wifi_population_100m"].change == pytest.approx(0.0)
    # Moving the placement is picked up by the same evaluator.
    plan.placements[0].x, plan.placements[0].y = _centre(1)
    assert evaluator.evaluate_kpi("transit_stop_500m", "Plan").value == pytest.approx(40.0)


def test_zone_metrics(city):
    metrics = kpi.Evaluator(city).zone_metrics("transit_stop_500m")
    assert list(metrics["value"]) == pytest.approx([100.0, 0.0, 0.0, 0.0])
    assert list(metrics["covered_population"]) == pytest.approx([100.0, 0.0, 0.0, 0.0])
    assert list(metrics["population"]) == ZONE_POPULATION
    assert metrics.crs == city.crs and len(metrics) == 4
    hotspots = kpi.Evaluator(city).zone_metrics("wifi_hotspots")
    assert list(hotspots["value"]) == [0.0, 0.0, 1.0, 0.0]
    hazard = kpi.Evaluator(city).zone_metrics("disaster_prone_population")
    assert hazard["value"].isna().all()


def test_progress_reaches_one(city):
    from cityplanner.progress import Progress

    seen = []
    kpi.evaluate(city, progress=Progress(lambda f, m: seen.append(f)))
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_network_mode_is_used_when_the_project_has_roads(city):
    del city.settings["distance_mode"]
    results = _by_id(kpi.evaluate(city))
    transit = results["transit_stop_500m"]
    assert transit.mode == "network" and "street network" in transit.method_note
    assert 0.0 < transit.value <= 10.0 + 1e-9
    # Radio ranges stay Euclidean whatever the roads.
    assert results["broadband_area_250m"].mode == "euclidean"


def test_network_kpi_with_every_facility_off_the_streets_is_n_a_not_zero(city):
    del city.settings["distance_mode"]
    # Zone 3's centre is more than 250 m from both streets.
    stops = city.layers["bus_stops"]
    stops.gdf = stops.gdf.set_geometry(_points(_centre(3)), crs=CRS_UTM49)
    transit = _by_id(kpi.evaluate(city))["transit_stop_500m"]
    assert transit.value is None and transit.status == "n/a"
    assert "Every facility is more than 250 m from the streets" in transit.method_note


def test_two_step_fca_counts_zones_off_the_streets_as_reaching_no_capacity(city):
    # Zone 3 (400 of 1,000 people) is more than 250 m from every street. Leaving it out made
    # the few reachable zones stand for the whole city. Like the coverage KPIs, it counts as
    # reaching nothing (and the note says so): only zone 0's 100 people meet the standard.
    del city.settings["distance_mode"]
    result = kpi.Evaluator(city).evaluate_kpi("health_capacity_2sfca")
    assert result.mode == "network"
    assert result.value == pytest.approx(10.0)
    assert "400 people off the street network count as reaching none" in result.method_note
    assert result.distribution["p10"] == 0.0


def test_rounding_noise_is_no_change_from_the_baseline(city, monkeypatch):
    # Recomputing a KPI for a plan that changes nothing may differ from the baseline in the last
    # bits (summation order); that printed as "-0.0" and counted as a change in the report.
    plan = city.add_scenario("Plan")
    plan.placements.append(Placement("bus_stop", 9000.0, 9000.0))
    original = kpi.Evaluator._outcome

    def noisy(self, definition, scenario):
        outcome = original(self, definition, scenario)
        if scenario is not city.baseline and outcome.value:
            outcome = dataclasses.replace(outcome, value=outcome.value * (1.0 - 3e-16) - 1e-14)
        return outcome

    monkeypatch.setattr(kpi.Evaluator, "_outcome", noisy)
    result = kpi.Evaluator(city).evaluate_kpi("transit_stop_500m", "Plan")
    assert result.change == 0.0 and result.value == result.baseline_value
    assert result.status == kpi.Evaluator(city).evaluate_kpi("transit_stop_500m").status


# -- command line ---------------------------------------------------------------------------------
def test_cli_json_and_table(city, tmp_path, capsys):
    from cityplanner.store import save_project

    path = tmp_path / "city.cityplan"
    plan = city.add_scenario("Plan")
    plan.placements.append(Placement("bus_stop", *_centre(3)))
    save_project(city, path)
    assert cli_main(["kpis", str(path), "--scenario", "Plan", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == len(kpi.load_catalogue())
    for record in records:
        assert CLI_KEYS <= set(record)
    transit = next(r for r in records if r["id"] == "transit_stop_500m")
    assert transit["value"] == pytest.approx(50.0) and transit["baseline_value"] == pytest.approx(10.0)
    hazard = next(r for r in records if r["id"] == "disaster_prone_population")
    assert hazard["value"] is None and hazard["status"] == "n/a" and hazard["note"]

    assert cli_main(["kpis", str(path)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["Id", "Code", "Name"]
    assert any(line.startswith("transit_stop_500m") for line in table)

    assert cli_main(["kpis", str(path), "--scenario", "Nope"]) == 2
    err = capsys.readouterr().err
    assert f"Project '{path}' has no scenario named 'Nope'" in err and err.count("\n") == 1


# -- sample city ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_project_path(sample_dir):
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    return path


def test_every_kpi_evaluates_on_the_sample_city(sample_project_path, capsys):
    from cityplanner.store import load_project

    project = load_project(sample_project_path)
    evaluator = kpi.Evaluator(project)
    results = evaluator.evaluate()
    assert [r.id for r in results] == [k.id for k in kpi.load_catalogue()]
    for r in results:
        assert r.status in kpi.STATUSES
        if r.value is None:
            assert r.status == "n/a" and r.method_note
            continue
        assert math.isfinite(r.value) and r.value >= 0
        if r.unit == "%":
            assert r.value <= 100.0 + 1e-9
        assert r.baseline_value == pytest.approx(r.value)
    transit = _by_id(results)["transit_stop_500m"]
    assert transit.mode == "network" and 0 < transit.value <= 100
    metrics = evaluator.zone_metrics("transit_stop_500m")
    assert len(metrics) == len(project.zones)
    assert np.nanmax(metrics["value"]) <= 100.0 + 1e-9

    assert cli_main(["kpis", str(sample_project_path), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    for record in records:
        assert CLI_KEYS <= set(record)
        assert record["status"] in kpi.STATUSES
