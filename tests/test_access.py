"""Accessibility measures, summaries and the ``access`` verb, on hand-made cases and HCMC data."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from cityplanner import access
from cityplanner.cli import main
from cityplanner.demand import Demand
from cityplanner.errors import AnalysisError
from cityplanner.network import StreetNetwork

UTM48N = "EPSG:32648"


def _demand(xy, population) -> Demand:
    return Demand.from_points(np.asarray(xy, dtype=float), np.asarray(population, dtype=float))


def _roads(*lines) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in lines], crs=UTM48N)


# -- hand-made cases ----------------------------------------------------------------------------------
def test_summary_is_population_weighted_and_reports_unreachable_people():
    values = np.array([100.0, 200.0, 300.0, 1000.0, np.inf])
    weights = np.array([10.0, 50.0, 30.0, 10.0, 7.0])
    groups = np.array(["A", "A", "B", "B", "B"])
    out = access.summarise(values, weights, groups)
    assert out["weighted_mean"] == pytest.approx((1000 + 10000 + 9000 + 10000) / 100)
    assert out["median"] == 200.0  # 60 % of the people live within 200 m
    assert out["p90"] == 300.0  # 90 % within 300 m
    assert out["unreachable_population"] == 7.0
    assert out["by_group"]["A"] == {
        "weighted_mean": pytest.approx(11000 / 60),
        "median": 200.0,
        "p90": 200.0,
        "unreachable_population": 0.0,
    }
    assert out["by_group"]["B"]["p90"] == 1000.0
    assert out["by_group"]["B"]["unreachable_population"] == 7.0


def test_summary_of_nobody_reachable_is_nan_not_zero():
    out = access.summarise([np.inf, np.nan], [5.0, 6.0])
    assert np.isnan(out["weighted_mean"]) and np.isnan(out["median"])
    assert out["unreachable_population"] == 11.0


def test_nearest_facility_straight_line_and_walking_time():
    demand = _demand([(0, 0), (300, 400)], [1, 1])
    result = access.nearest_facility(demand, [(0, 100), (300, 0)])
    assert result.mode == "euclidean"
    assert result.distance_m == pytest.approx([100.0, 400.0])
    assert result.nearest.tolist() == [0, 1]
    assert result.time_min == pytest.approx([100 / 80, 400 / 80])  # 4.8 km/h = 80 m/min


def test_nearest_facility_along_streets_reports_far_and_disconnected_zones():
    net = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)], [(0, 2000), (1000, 2000)]))
    demand = _demand([(500, 20), (500, 300), (500, 2010)], [100, 30, 20])
    result = access.nearest_facility(demand, [(0, 5)], network=net, walk_speed_kmh=6.0)
    assert result.mode == "network"
    assert result.distance_m[0] == pytest.approx(525.0)
    assert result.time_min[0] == pytest.approx(5.25)
    assert result.too_far.tolist() == [False, True, False]
    assert result.disconnected.tolist() == [False, False, True]
    summary = access.summarise(result.distance_m, demand.population)
    assert summary["weighted_mean"] == pytest.approx(525.0)
    assert summary["unreachable_population"] == 50.0


def test_roads_that_do_not_reach_the_demand_raise():
    net = StreetNetwork.from_lines(_roads([(0, 0), (1000, 0)], [(0, 2000), (1000, 2000)]), source="'r.gpkg'")
    far = _demand([(500, 600), (500, 700)], [1, 1])
    with pytest.raises(AnalysisError, match="more than 250 m from the streets of 'r.gpkg'"):
        access.nearest_facility(far, [(0, 0)], network=net)
    other_part = _demand([(500, 2010)], [1])
    with pytest.raises(AnalysisError, match="leads to a facility"):
        access.nearest_facility(other_part, [(0, 0)], network=net)
    with pytest.raises(AnalysisError, match="Every facility"):
        access.cumulative_opportunities(other_part, [(0, 900)], 500, network=net)
    with pytest.raises(AnalysisError, match="No facilities"):
        access.nearest_facility(other_part, np.zeros((0, 2)))


def test_cumulative_opportunities_count_facilities_within_the_threshold():
    demand = _demand([(0, 0), (1000, 0)], [1, 1])
    sites = [(0, 100), (0, 250), (1000, 400)]
    assert access.cumulative_opportunities(demand, sites, 300).tolist() == [2.0, 0.0]
    net = StreetNetwork.from_lines(_roads([(-10, 0), (-10, 300), (1000, 300)]))
    # Along the street: zone 0 is 10 m off it; site 1 is 10 + 250 + 10 = 270 m away.
    counts = access.cumulative_opportunities(demand, sites, 300, network=net)
    assert counts[0] == 2.0 and np.isnan(counts[1])  # zone 1 is 300 m from the street


def test_two_step_fca_shares_supply_over_the_population_in_reach():
    demand = _demand([(0, 0), (100, 0), (5000, 0)], [100, 300, 50])
    ratio = access.two_step_fca(demand, [(50, 0), (5000, 10)], [20, 5], 200)
    assert ratio == pytest.approx([20 / 400, 20 / 400, 5 / 50])
    supply = float(np.dot(ratio, demand.population))
    assert supply == pytest.approx(25.0)  # all supply is reached by someone, so it is all allotted
    with pytest.raises(AnalysisError, match="capacity"):
        access.two_step_fca(demand, [(50, 0)], [np.nan], 200)


# -- HCMC ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hcmc(hcmc_gpkg):
    wards = gpd.read_file(hcmc_gpkg, layer="wards_pop2021").to_crs(UTM48N)
    clinics = gpd.read_file(hcmc_gpkg, layer="poi_medical").to_crs(UTM48N)
    roads = gpd.read_file(hcmc_gpkg, layer="roads_detail").to_crs(UTM48N)
    return wards, clinics.get_coordinates().to_numpy(), StreetNetwork.from_lines(roads)


@pytest.mark.shared_data
def test_hcmc_walking_distance_is_never_shorter_than_straight_line(hcmc):
    wards, clinics, net = hcmc
    demand = Demand.from_zones(wards, "Pop_2021")
    walk = access.nearest_facility(demand, clinics, network=net)
    straight = access.nearest_facility(demand, clinics)
    assert np.isfinite(walk.distance_m).all()
    assert (walk.distance_m >= straight.distance_m - 1e-9).all()
    summary = access.summarise(walk.distance_m, demand.population, wards["Dist_Name"])
    assert set(summary["by_group"]) == set(wards["Dist_Name"])
    assert summary["median"] <= summary["p90"]


@pytest.mark.shared_data
def test_hcmc_two_step_fca_equals_a_dense_computation(hcmc):
    wards, clinics, net = hcmc
    demand = Demand.from_zones(wards, "Pop_2021")
    beds = np.random.default_rng(1).integers(5, 60, len(clinics)).astype(float)
    ratio = access.two_step_fca(demand, clinics, beds, 1200.0, network=net)
    within = np.column_stack(
        [net.nearest_distance(clinics[j : j + 1], demand.points)[0] <= 1200.0 for j in range(len(clinics))]
    )
    served = within.T.astype(float) @ demand.population
    per_person = np.where(served > 0, beds / np.where(served > 0, served, 1), 0.0)
    assert ratio == pytest.approx(within.astype(float) @ per_person)
    counts = access.cumulative_opportunities(demand, clinics, 1200.0, network=net)
    assert counts.tolist() == within.sum(axis=1).astype(float).tolist()


# -- the access verb -----------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_access_verb_along_hcmc_streets(hcmc_gpkg, capsys):
    spec = str(hcmc_gpkg)
    code = main(
        [
            "access",
            "--zones", f"{spec}:wards_pop2021",
            "--population", "Pop_2021",
            "--facilities", f"{spec}:poi_medical",
            "--roads", f"{spec}:roads_detail",
            "--group-by", "Dist_Name",
            "--walk-speed", "6",
            "--json",
        ]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "network"
    for key in ("weighted_mean_m", "median_m", "p90_m", "unreachable_population", "by_group"):
        assert key in out
    assert out["median_m"] <= out["p90_m"]
    assert out["weighted_mean_min"] == pytest.approx(out["weighted_mean_m"] / 100.0)
    assert "District 4" in out["by_group"]
    assert set(out["by_group"]["District 4"]) == set(out) - {"mode", "by_group"}


def test_access_verb_names_the_roads_that_miss_the_zones(tmp_path, capsys):
    path = tmp_path / "city.gpkg"
    x0, y0 = 680_000.0, 1_189_000.0  # central HCMC in UTM 48N
    zones = gpd.GeoDataFrame(
        {"pop": [100, 200]}, geometry=shapely.points([(x0, y0), (x0 + 50, y0)]), crs=UTM48N
    )
    zones.to_file(path, layer="zones")
    gpd.GeoDataFrame(geometry=shapely.points([(x0, y0 + 2000)]), crs=UTM48N).to_file(path, layer="clinics")
    _roads([(x0, y0 + 2000), (x0 + 1000, y0 + 2000)]).to_file(path, layer="roads")
    code = main(
        ["access", "--zones", f"{path}:zones", "--population", "pop", "--facilities", f"{path}:clinics",
         "--roads", f"{path}:roads", "--json"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "more than 250 m from the streets of" in err and "roads" in err
    assert err.count("\n") == 1
    # Straight-line distances need no streets.
    assert main(
        ["access", "--zones", f"{path}:zones", "--population", "pop", "--facilities", f"{path}:clinics",
         "--json"]
    ) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "euclidean"
    assert out["weighted_mean_m"] == pytest.approx((100 * 2000 + 200 * np.hypot(50, 2000)) / 300)


def test_facilities_far_outside_the_zones_raise_in_a_straight_line():
    demand = _demand([(0, 0), (1000, 0)], [1, 1])
    with pytest.raises(AnalysisError, match="None of the 2 facilities is within 10 km of the zones"):
        access.nearest_facility(demand, [(0, 50_000), (60_000, 0)])
    # A facility just beyond the extent (another town's hospital) is a real answer.
    assert access.nearest_facility(demand, [(0, 9_000)]).distance_m[0] == pytest.approx(9_000.0)


@pytest.mark.shared_data
def test_access_verb_refuses_facilities_of_another_city(hcmc_gpkg, danang_gpkg, capsys):
    code = main(
        ["access", "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
         "--facilities", f"{danang_gpkg}:bus_stops"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and captured.err.count("\n") == 1
    assert "None of the 56 facilities" in captured.err and "wards_pop2021" in captured.err


def test_two_step_fca_with_no_pair_within_reach_is_zero_not_an_error():
    """No facility-person pair within the threshold: numpy's empty bincount is integer (took no NaN)."""
    import shapely

    from cityplanner.access import two_step_fca
    from cityplanner.demand import Demand
    from cityplanner.network import StreetNetwork

    xy = np.array([[0.0, 0.0], [50.0, 0.0], [50.0, 5_000.0]])
    demand = Demand.from_points(xy, np.array([10.0, 20.0, 5.0]))
    network = StreetNetwork.from_lines([shapely.LineString([(0, 0), (2_100, 0)])])
    ratio = two_step_fca(demand, np.array([[2_050.0, 0.0]]), np.array([10.0]), 100.0, network=network)
    assert ratio.dtype == float
    assert ratio[0] == 0.0 and ratio[1] == 0.0 and np.isnan(ratio[2])
