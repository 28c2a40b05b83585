"""Capacity KPIs (2SFCA): the share of people whose accessible capacity meets a standard.

Issue 10, item 4. The old KPI was the population-weighted mean of the 2SFCA ratios, which always
equals total capacity / total population (1.6 beds per 1,000 on the city below, wherever the
clinics stand). The figures here are worked out by hand on a city of four one-cell zones.
"""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from cityplanner import access, kpi
from cityplanner.cli import main as cli_main
from cityplanner.project import FacilityType, Layer, Placement, Project
from cityplanner.store import load_project, save_project

CRS_UTM49 = CRS.from_epsg(32649)
# Four 100 m zones on a line, their centres 800 m apart (x = 50, 850, 1650, 2450): with the 1 km
# catchment a clinic at a zone's centre serves that zone and its neighbours, never two away.
ZONE_X = [0.0, 800.0, 1600.0, 2400.0]
POPULATION = [1000.0, 2000.0, 3000.0, 4000.0]
STANDARD = 3.0  # beds per 1,000 people


def _centre(zone: int) -> tuple[float, float]:
    return ZONE_X[zone] + 50.0, 50.0


@pytest.fixture
def line_city() -> Project:
    """Clinic 1 (10 beds in its 'beds' field) at zone A, clinic 2 (no beds value) at zone C.

    2SFCA by hand, per 1,000 people: clinic 1 serves A + B (3,000 people): R1 = 10/3,000;
    clinic 2 serves B + C + D (9,000): R2 = 6/9,000 (the type default of 6 beds). So A reaches
    10/3 = 3.33, B 10/3 + 2/3 = 4, C and D 2/3: A and B (3,000 of 10,000 people) meet 3 per 1,000.
    """
    project = Project(crs=CRS_UTM49, name="Line city", settings={"distance_mode": "euclidean"})
    zones = gpd.GeoDataFrame(
        {"pop": POPULATION, "district": ["West", "West", "East", "East"]},
        geometry=[shapely.box(x, 0, x + 100, 100) for x in ZONE_X],
        crs=CRS_UTM49,
    )
    project.add_layer(Layer("zones", zones, role="zones"))
    project.zones_layer, project.population_field = "zones", "pop"
    health = gpd.GeoDataFrame(
        {"name": ["One", "Two"], "beds": [10.0, np.nan]},
        geometry=[shapely.Point(*_centre(0)), shapely.Point(*_centre(2))],
        crs=CRS_UTM49,
    )
    project.add_layer(Layer("health", health, role="clinic"))
    project.facility_types["clinic"] = FacilityType(
        "clinic", label="Clinic", capacity=6.0, capacity_unit="beds", layer="health", capacity_field="beds"
    )
    return project


def _catalogue() -> list[kpi.KpiDefinition]:
    """The shipped catalogue with the health standard fixed at 3 beds per 1,000 for the hand figures."""
    return [
        dataclasses.replace(k, standard_per_population=STANDARD, distance="euclidean")
        if k.id == "health_capacity_2sfca"
        else k
        for k in kpi.load_catalogue()
    ]


def _health(project: Project, scenario: str | None = None) -> kpi.KpiResult:
    return kpi.Evaluator(project, _catalogue()).evaluate_kpi("health_capacity_2sfca", scenario)


def _move_clinic_one_to(project: Project, zone: int) -> None:
    health = project.layers["health"]
    geoms = health.gdf.geometry.to_numpy().copy()
    geoms[0] = shapely.Point(*_centre(zone))
    health.gdf = health.gdf.set_geometry(gpd.GeoSeries(geoms, crs=CRS_UTM49))


# -- the catalogue --------------------------------------------------------------------------------
def test_capacity_kpis_state_a_standard_and_are_a_share_of_people():
    catalogue = {k.id: k for k in kpi.load_catalogue()}
    for kpi_id in ("health_capacity_2sfca", "school_capacity_2sfca"):
        k = catalogue[kpi_id]
        assert k.method == "two_step_fca" and k.unit == "%"
        assert k.standard_per_population > 0 and k.per_population == 1000
        assert "standard" in k.description and "Gini" in k.description
        assert "mean" not in k.description  # the old measure was a population-weighted mean
    health = catalogue["health_capacity_2sfca"]
    assert health.standard_unit == "beds per 1,000 people"


def test_catalogue_refuses_a_capacity_kpi_without_a_standard(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kpis:\n  - {id: c, standard: s, code: c, name: n, name_vi: v, method: two_step_fca,"
        " unit: '%', direction: higher, target: 90, facility_types: [clinic], threshold_m: 1000,"
        " per_population: 1000, description: d}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        kpi.AnalysisError, match=r"KPI 'c' in .*bad.yaml needs a positive standard_per_population"
    ):
        kpi.load_catalogue(bad)


# -- hand-computed values ---------------------------------------------------------------------------
def test_share_meeting_the_standard_by_hand(line_city):
    result = _health(line_city)
    assert result.unit == "%"
    assert result.value == pytest.approx(30.0)
    assert result.status == "not met"  # target 90 %
    assert "3 beds per 1,000 people" in result.method_note
    metrics = kpi.Evaluator(line_city, _catalogue()).zone_metrics("health_capacity_2sfca")
    assert list(metrics["value"]) == pytest.approx([100.0, 100.0, 0.0, 0.0])
    assert list(metrics["covered_population"]) == pytest.approx([1000.0, 2000.0, 0.0, 0.0])
    by_district = kpi.Evaluator(line_city, _catalogue()).by_group(
        "health_capacity_2sfca", line_city.zones["district"].to_numpy()
    )
    assert by_district["West"] == pytest.approx(100.0) and by_district["East"] == pytest.approx(0.0)


def test_distribution_and_gini_by_hand_and_against_an_independent_computation(line_city):
    result = _health(line_city)
    per_person = np.array([10 / 3, 4.0, 2 / 3, 2 / 3])  # beds per 1,000 people, zones A-D
    dist = result.distribution
    assert set(dist) == {"p10", "median", "gini", "unit"}
    assert dist["unit"] == "beds per 1,000 people"
    # 7,000 of 10,000 people reach 2/3: the 10th percentile and the median are both 2/3.
    assert dist["p10"] == pytest.approx(2 / 3) and dist["median"] == pytest.approx(2 / 3)
    # Mean 1.6; sum of w_i w_j |x_i - x_j| over ordered pairs 133.3e6; G = 133.3e6 / (2 x 1e8 x 1.6).
    assert dist["gini"] == pytest.approx(5 / 12)
    # Independently: every person as one value (np.percentile's inverted CDF is the weighted rule).
    people = np.repeat(per_person, np.array(POPULATION, dtype=int))
    assert dist["p10"] == pytest.approx(np.percentile(people, 10, method="inverted_cdf"))
    assert dist["median"] == pytest.approx(np.percentile(people, 50, method="inverted_cdf"))
    w = np.array(POPULATION)
    brute = (w[:, None] * w[None, :] * np.abs(per_person[:, None] - per_person[None, :])).sum()
    assert dist["gini"] == pytest.approx(brute / (2 * w.sum() ** 2 * np.average(per_person, weights=w)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_gini_and_quantiles_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 3.0, 40) * (rng.random(40) > 0.2)  # a fifth with no access at all
    weights = rng.integers(0, 30, 40).astype(float)
    people = np.repeat(values, weights.astype(int))
    pairs = np.abs(people[:, None] - people[None, :]).sum()
    assert access.gini(values, weights) == pytest.approx(pairs / (2 * len(people) ** 2 * people.mean()))
    for q in (0.1, 0.5, 0.9):
        expected = np.percentile(people, 100 * q, method="inverted_cdf")
        assert access.weighted_quantile(values, weights, q) == pytest.approx(expected)
    assert access.gini(np.zeros(3), np.ones(3)) is None  # nobody reaches anything: undefined
    assert access.gini(np.full(3, 2.0), np.ones(3)) == pytest.approx(0.0)


def _old_mean(project: Project) -> float:
    """What the old KPI reported: the population-weighted mean 2SFCA ratio per 1,000 people."""
    evaluator = kpi.Evaluator(project)
    facilities = project.facilities("clinic")
    xy = shapely.get_coordinates(facilities.geometry.to_numpy())
    ratio = access.two_step_fca(evaluator.demand, xy, facilities["capacity"].to_numpy(), 1000.0)
    return 1000.0 * float(np.average(ratio, weights=evaluator.demand.population))


def test_moving_a_clinic_changes_the_share_while_the_old_mean_would_not(line_city):
    before, old_before = _health(line_city), _old_mean(line_city)
    _move_clinic_one_to(line_city, 1)
    after, old_after = _health(line_city), _old_mean(line_city)
    # The old figure: all 16 beds over all 10,000 people, wherever the clinics stand.
    assert old_before == pytest.approx(1.6) and old_after == pytest.approx(1.6)
    # Clinic 1 at B serves A + B + C (6,000): 10/6 = 1.67 per 1,000; B and C also reach clinic 2's
    # 2/3: 2.33. Nobody reaches 3 per 1,000 any more.
    assert before.value == pytest.approx(30.0) and after.value == pytest.approx(0.0)
    # 4,000 people reach 2/3 and 1,000 reach 10/6: the median person (the 5,000th) reaches 10/6.
    assert after.distribution["median"] == pytest.approx(10 / 6)
    assert before.distribution["gini"] != pytest.approx(after.distribution["gini"])


def test_moving_a_placed_clinic_changes_the_plan_figure(line_city):
    plan = line_city.add_scenario("Plan")
    plan.placements.append(Placement("clinic", *_centre(3), capacity=28.0))
    evaluator = kpi.Evaluator(line_city, _catalogue())
    # 28 beds for C + D (7,000 people): 4 per 1,000 more for both, so everyone meets the standard.
    placed_at_d = evaluator.evaluate_kpi("health_capacity_2sfca", "Plan")
    assert placed_at_d.value == pytest.approx(100.0)
    assert placed_at_d.baseline_value == pytest.approx(30.0) and placed_at_d.change == pytest.approx(70.0)
    # The same beds at A only add to A and B, who already meet it: back to 30 %.
    plan.placements[0].x, plan.placements[0].y = _centre(0)
    assert evaluator.evaluate_kpi("health_capacity_2sfca", "Plan").value == pytest.approx(30.0)


def test_people_off_the_streets_reach_no_capacity_and_are_said(line_city):
    # A street along zones A-C only; zone D's centre is 750 m past its end (beyond the 250 m snap).
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 50), (1700, 50)])], crs=CRS_UTM49)
    line_city.add_layer(Layer("roads", road, role="roads"))
    del line_city.settings["distance_mode"]
    catalogue = [
        dataclasses.replace(k, distance="network_if_roads") if k.id == "health_capacity_2sfca" else k
        for k in _catalogue()
    ]
    result = kpi.Evaluator(line_city, catalogue).evaluate_kpi("health_capacity_2sfca")
    assert result.mode == "network"
    # Along the street the catchments are the same for A-C; D is not reached: clinic 2 serves B + C
    # (5,000): 6/5,000 = 1.2 per 1,000. A 3.33 and B 4.53 meet the standard: 3,000 of 10,000.
    assert result.value == pytest.approx(30.0)
    assert "4,000 people off the street network count as reaching none" in result.method_note
    assert result.distribution["p10"] == 0.0


# -- where capacities come from -------------------------------------------------------------------
def test_capacity_field_is_used_and_the_source_says_so(line_city):
    result = _health(line_city)
    assert result.capacity_source == (
        "field 'beds' of layer 'health' (1 of 2 facilities; the rest at the type default 6 beds)"
    )
    # Give clinic 2 its own 24 beds: R2 = 24/9,000, so C and D reach 2.67 per 1,000 (not 3) and B
    # 6, A still 3.33: the share stays 30 %, but the median moves from 2/3 to 8/3.
    line_city.layers["health"].gdf.loc[1, "beds"] = 24.0
    result = _health(line_city)
    assert result.capacity_source == "field 'beds' of layer 'health' (2 of 2 facilities)"
    assert result.distribution["median"] == pytest.approx(8 / 3)


def test_type_default_is_stated_when_no_field_is_named(line_city):
    line_city.facility_types["clinic"].capacity_field = None
    result = _health(line_city)
    assert result.capacity_source == "type default: 6 beds each"
    # Both clinics at 6 beds: A reaches 2 per 1,000, B 2 + 2/3: nobody meets 3.
    assert result.value == pytest.approx(0.0)


def test_a_named_field_the_layer_lacks_is_said(line_city):
    line_city.facility_types["clinic"].capacity_field = "giuong"
    result = _health(line_city)
    assert result.capacity_source == "type default: 6 beds each (layer 'health' has no field 'giuong')"


def test_placements_are_part_of_the_source(line_city):
    plan = line_city.add_scenario("Plan")
    plan.placements += [Placement("clinic", *_centre(3)), Placement("clinic", *_centre(3), capacity=9.0)]
    result = _health(line_city, "Plan")
    assert result.capacity_source == (
        "field 'beds' of layer 'health' (1 of 2 facilities; the rest at the type default 6 beds); "
        "2 placements (1 at its own capacity, the rest at the type default 6 beds)"
    )


def test_no_capacity_anywhere_is_n_a_with_what_to_do(line_city):
    ft = line_city.facility_types["clinic"]
    ft.capacity, ft.capacity_field = 0.0, None
    result = _health(line_city)
    assert result.value is None and result.status == "n/a"
    assert "No Clinic has a capacity" in result.method_note and "capacity_field" in result.method_note
    assert result.distribution is None


def test_capacity_field_and_area_per_point_are_stored_with_the_project(line_city, tmp_path):
    line_city.facility_types["clinic"].area_per_point_m2 = 250.0
    path = save_project(line_city, tmp_path / "line.cityplan")
    loaded = load_project(path).facility_types["clinic"]
    assert loaded.capacity_field == "beds" and loaded.area_per_point_m2 == 250.0
    assert loaded == line_city.facility_types["clinic"]


# -- what `kpis --json` prints -----------------------------------------------------------------------
def test_json_keeps_its_keys_and_adds_distribution_and_capacity_source(line_city, tmp_path, capsys):
    path = save_project(line_city, tmp_path / "line.cityplan")
    assert cli_main(["kpis", str(path), "--json"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    old_keys = {
        "id", "code", "name", "value", "unit", "target", "status", "baseline_value", "name_vi", "change",
        "direction", "mode", "note",
    }  # fmt: skip
    for record in records.values():
        # Issue 11 added the scenario's capital cost to every record (see tests/test_cost.py).
        cost_keys = {"cost_total", "cost_by_type", "cost_currency"}
        assert set(record) == old_keys | {"distribution", "capacity_source"} | cost_keys
    health = records["health_capacity_2sfca"]
    assert health["capacity_source"].startswith("field 'beds' of layer 'health'")
    assert set(health["distribution"]) == {"p10", "median", "gini", "unit"}
    assert records["transit_stop_500m"]["distribution"] is None
    assert records["transit_stop_500m"]["capacity_source"] is None
    assert cli_main(["kpis", str(path)]) == 0
    table = capsys.readouterr().out
    assert "health_capacity_2sfca capacity: field 'beds' of layer 'health'" in table
    assert "10th percentile" in table and "Gini" in table


def test_the_report_states_the_capacity_source_and_distribution(line_city, tmp_path):
    import pypdf

    from cityplanner.report.pdf import write_pdf

    plan = line_city.add_scenario("Plan")
    plan.placements.append(Placement("clinic", *_centre(3), capacity=28.0))
    path = write_pdf(line_city, ["Plan"], tmp_path / "report.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)
    assert "Baseline: capacity: field 'beds' of layer 'health' (1 of 2 facilities; the rest at the" in text
    assert "Plan: capacity: field 'beds' of layer 'health'" in text
    assert "1 placement at its own capacity" in text and "Gini" in text
