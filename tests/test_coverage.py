"""Coverage: exact small cases, agreement with independent computations on HCMC, the tracker, the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial.distance import cdist

from cityplanner.cli import main
from cityplanner.coverage import QUAD_SEGS, CoverageTracker, euclidean_coverage, network_coverage
from cityplanner.demand import Demand
from cityplanner.errors import AnalysisError
from cityplanner.surface import build_surface

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic_city import Extent, demand_points, facility_points, street_grid, zones

UTM = "EPSG:32648"


def _area_demand(geoms, pop):
    return Demand.from_zones(gpd.GeoDataFrame({"pop": pop}, geometry=geoms, crs=UTM), "pop")


# -- exact small cases ---------------------------------------------------------------------------
def test_square_zone_half_covered_is_fifty_percent():
    demand = _area_demand([shapely.box(0, 0, 100, 100)], [80.0])
    # A polygon facility grown by 10 m reaches exactly x = 50 across the whole zone.
    park = gpd.GeoSeries([shapely.box(-500, -500, 40, 600)], crs=UTM)
    result = euclidean_coverage(demand, park, 10.0)
    assert result.percent_covered == pytest.approx(50.0, rel=1e-12)
    assert result.population_covered == pytest.approx(40.0, rel=1e-12)
    np.testing.assert_allclose(result.covered_share, [0.5])
    gap = result.gap()
    assert shapely.equals(shapely.normalize(gap[0]), shapely.normalize(shapely.box(50, 0, 100, 100)))


def test_polygon_facility_is_measured_to_its_edge_not_its_centroid():
    # A 1 km wide park 450 m from the point: covered at 500 m; its centroid is 950 m away.
    demand = Demand.from_points([[0.0, 0.0], [2000.0, 0.0]], [10.0, 10.0])
    park = np.array([shapely.box(450, -500, 1450, 500)])
    np.testing.assert_array_equal(euclidean_coverage(demand, park, 500.0).covered_share, [1.0, 0.0])
    assert euclidean_coverage(demand, [[950.0, 0.0]], 500.0).percent_covered == 0.0


def test_point_exactly_at_the_radius_is_covered():
    demand = Demand.from_points([[300.0, 0.0], [180.0, 240.0], [300.001, 0.0], [0.0, -300.0]], [1, 2, 4, 8])
    result = euclidean_coverage(demand, np.array([[0.0, 0.0]]), 300.0)
    np.testing.assert_array_equal(result.covered_share, [1, 1, 0, 1])
    assert result.population_covered == 11.0
    assert result.percent_covered == pytest.approx(100 * 11 / 15)
    # Same answer with the facility given as a geometry, and via the tracker.
    geo = euclidean_coverage(demand, gpd.GeoSeries(shapely.points([[0.0, 0.0]]), crs=UTM), 300.0)
    np.testing.assert_array_equal(geo.covered_share, [1, 1, 0, 1])
    tracked = CoverageTracker(demand, [[0.0, 0.0]], 300.0).result()
    np.testing.assert_array_equal(tracked.covered_share, [1, 1, 0, 1])


def test_overlapping_discs_are_not_double_counted():
    zone = shapely.box(-1000, -1000, 1000, 1000)
    demand = _area_demand([zone], [1000.0])
    disc = shapely.buffer(shapely.Point(0, 0), 200.0, quad_segs=QUAD_SEGS)
    same = euclidean_coverage(demand, [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], 200.0)
    assert same.covered_share[0] == pytest.approx(disc.area / zone.area, rel=1e-12)
    overlap = euclidean_coverage(demand, [[0.0, 0.0], [150.0, 0.0]], 200.0)
    union = shapely.union(disc, shapely.buffer(shapely.Point(150, 0), 200.0, quad_segs=QUAD_SEGS))
    assert overlap.covered_share[0] == pytest.approx(union.area / zone.area, rel=1e-12)
    # The 64-gon is within 0.2 % of the true disc.
    assert disc.area == pytest.approx(np.pi * 200.0**2, rel=2e-3)


def test_zone_inside_a_disc_and_far_zone():
    demand = _area_demand([shapely.box(0, 0, 10, 10), shapely.box(5000, 0, 5010, 10)], [3.0, 7.0])
    result = euclidean_coverage(demand, [[5.0, 5.0]], 100.0)
    np.testing.assert_array_equal(result.covered_share, [1.0, 0.0])
    assert result.percent_covered == pytest.approx(30.0)


def test_radius_per_facility():
    demand = Demand.from_points([[100.0, 0.0], [1100.0, 0.0]], [1, 1])
    result = euclidean_coverage(demand, [[0.0, 0.0], [1000.0, 0.0]], [50.0, 150.0])
    np.testing.assert_array_equal(result.covered_share, [0.0, 1.0])


def test_no_facilities_covers_nobody():
    demand = _area_demand([shapely.box(0, 0, 10, 10)], [3.0])
    assert euclidean_coverage(demand, np.empty((0, 2)), 100.0).population_covered == 0.0


def test_by_group():
    demand = Demand.from_points([[0.0, 0.0], [10.0, 0.0], [5000.0, 0.0], [9000.0, 0.0]], [1, 3, 4, 0])
    result = euclidean_coverage(demand, [[0.0, 0.0]], 100.0)
    groups = result.by_group(["A", "A", "B", None])
    assert groups["A"] == {"population_total": 4.0, "population_covered": 4.0, "percent_covered": 100.0}
    assert groups["B"]["percent_covered"] == 0.0
    assert np.isnan(groups[None]["percent_covered"])


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("radius", [0.0, -5.0, float("nan")])
def test_radius_must_be_positive(radius):
    demand = Demand.from_points([[0.0, 0.0]], [1.0])
    with pytest.raises(AnalysisError, match="radius must be a positive number"):
        euclidean_coverage(demand, [[0.0, 0.0]], radius)


def test_facilities_outside_the_zones_extent():
    demand = _area_demand([shapely.box(0, 0, 100, 100)], [5.0])
    with pytest.raises(AnalysisError, match="None of the 2 facilities"):
        euclidean_coverage(demand, [[100_000.0, 0.0], [0.0, 90_000.0]], 500.0)


def test_facilities_in_another_crs():
    demand = _area_demand([shapely.box(0, 0, 100, 100)], [5.0])
    with pytest.raises(AnalysisError, match="reproject"):
        euclidean_coverage(demand, gpd.GeoSeries(shapely.points([[0, 0]]), crs=4326), 500.0)


# -- agreement with independent computations on real data -----------------------------------------
@pytest.fixture(scope="module")
def hcmc(hcmc_gpkg):
    wards = gpd.read_file(hcmc_gpkg, layer="wards_pop2021")
    crs = wards.estimate_utm_crs()
    return wards.to_crs(crs), gpd.read_file(hcmc_gpkg, layer="bus_stops").to_crs(crs)


@pytest.mark.shared_data
@pytest.mark.parametrize("radius", [150.0, 400.0])
def test_hcmc_area_coverage_equals_overlay_with_dissolved_buffers(hcmc, radius):
    wards, stops = hcmc
    result = euclidean_coverage(Demand.from_zones(wards, "Pop_2021"), stops, radius)
    buffers = gpd.GeoDataFrame(geometry=stops.buffer(radius, quad_segs=QUAD_SEGS), crs=stops.crs).dissolve()
    zones = wards.assign(zone=np.arange(len(wards)), zone_area=wards.area)
    pieces = gpd.overlay(zones, buffers, how="intersection")
    covered_area = pieces.area.groupby(pieces["zone"]).sum().reindex(range(len(wards)), fill_value=0.0)
    expected = (wards["Pop_2021"] * covered_area / zones["zone_area"]).to_numpy()
    assert result.population_covered == pytest.approx(expected.sum(), rel=1e-6)
    np.testing.assert_allclose(result.covered_population, expected, rtol=1e-6, atol=1e-6)
    gap_area = shapely.area(result.gap()).sum()
    assert gap_area == pytest.approx(wards.area.sum() - covered_area.sum(), rel=1e-6)


@pytest.mark.shared_data
def test_hcmc_point_coverage_equals_brute_force_distances(hcmc):
    wards, stops = hcmc
    demand = Demand.from_zones(wards, "Pop_2021", model="point")
    xy = shapely.get_coordinates(stops.geometry.to_numpy())
    expected = (cdist(demand.points, xy).min(axis=1) <= 300.0).astype(float)
    np.testing.assert_array_equal(euclidean_coverage(demand, stops, 300.0).covered_share, expected)


# -- incremental tracker -------------------------------------------------------------------------
def _exercise(tracker, start, rng, extent):
    for _ in range(25):
        keys = tracker.keys
        action = rng.random()
        if action < 0.5:
            tracker.move(int(rng.choice(keys)), start[0] + rng.uniform(0, extent.width, 2))
        elif action < 0.75:
            tracker.add(start[0] + rng.uniform(0, extent.width, 2))
        else:
            tracker.remove(int(rng.choice(keys)))


def _current_xy(tracker):
    return tracker._fac.xy[tracker.keys]


def test_tracker_matches_full_runs_area_model():
    extent = Extent.square(3000.0)
    demand = Demand.from_zones(zones(300, extent), "population")
    xy = facility_points(30, extent)
    tracker = CoverageTracker(demand, xy, 250.0)
    rng = np.random.default_rng(5)
    for _ in range(4):
        _exercise(tracker, np.array([[extent.xmin, extent.ymin]]), rng, extent)
        full = euclidean_coverage(demand, _current_xy(tracker), 250.0)
        incremental = tracker.result()
        np.testing.assert_allclose(incremental.covered_share, full.covered_share, rtol=0, atol=1e-12)
        assert incremental.population_covered == pytest.approx(full.population_covered, rel=1e-12)


def test_tracker_matches_full_runs_point_model():
    extent = Extent.square(4000.0)
    pts, pop = demand_points(20_000, extent)
    demand = Demand.from_points(pts, pop)
    xy = facility_points(40, extent, near=pts)
    tracker = CoverageTracker(demand, xy, 300.0)
    rng = np.random.default_rng(6)
    for _ in range(4):
        _exercise(tracker, np.array([[extent.xmin, extent.ymin]]), rng, extent)
        full = euclidean_coverage(demand, _current_xy(tracker), 300.0)
        np.testing.assert_array_equal(tracker.result().covered_share, full.covered_share)


def test_tracker_with_polygon_facilities_and_errors():
    demand = Demand.from_points([[0.0, 0.0], [1000.0, 0.0]], [1.0, 1.0])
    park = gpd.GeoSeries([shapely.box(100, -50, 200, 50)], crs=UTM)
    tracker = CoverageTracker(demand, park, 100.0)
    assert tracker.result().percent_covered == 50.0
    tracker.move(0, (1150.0, 0.0))  # the park's centroid moves; now 50 m from the second point
    np.testing.assert_array_equal(tracker.result().covered_share, [0.0, 1.0])
    tracker.remove(0)
    assert tracker.result().population_covered == 0.0
    with pytest.raises(AnalysisError, match="no facility with key 0"):
        tracker.move(0, (0.0, 0.0))


# -- network mode (engine and CLI) -----------------------------------------------------------------
def test_network_coverage_on_a_synthetic_grid():
    from cityplanner.network import StreetNetwork

    extent = Extent.square(1500.0)
    grid = street_grid(extent, seed=1)
    network = StreetNetwork.from_lines(grid.lines)
    pts, pop = demand_points(2000, extent, seed=4)
    demand = Demand.from_points(pts, pop)
    facility = grid.nodes[:1] + 0.0
    result = network_coverage(demand, network, facility, 400.0)
    straight = euclidean_coverage(demand, facility, 400.0)
    # Walking is never shorter than the straight line.
    assert 0 < result.population_covered <= straight.population_covered
    assert np.all(result.covered_share <= straight.covered_share)


def _cli(capsys, *argv):
    code = main(["coverage", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.shared_data
def test_cli_json_matches_engine(capsys, hcmc_gpkg, hcmc):
    wards, stops = hcmc
    code, out, _ = _cli(
        capsys,
        "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{hcmc_gpkg}:bus_stops", "--radius", "300", "--group-by", "Dist_Name", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "population_total", "population_covered", "percent_covered", "mode", "demand", "radius_m", "by_group",
        "demand_method", "cell_size_m",
    }  # fmt: skip
    assert (data["mode"], data["demand"], data["radius_m"]) == ("euclidean", "area", 300.0)
    assert data["cell_size_m"] == 100.0 and "spread evenly" in data["demand_method"]
    # The same people as the engine's population surface (100 m cells) covered by the same stops.
    surface = build_surface(wards, wards["Pop_2021"].to_numpy(float), 100.0)
    engine = euclidean_coverage(surface.demand(), stops, 300.0)
    assert data["population_covered"] == pytest.approx(engine.population_covered, rel=1e-9)
    assert data["population_total"] == pytest.approx(wards["Pop_2021"].sum())
    assert set(data["by_group"]) == set(wards["Dist_Name"])
    assert sum(g["population_covered"] for g in data["by_group"].values()) == pytest.approx(
        data["population_covered"]
    )
    keys = {"population_total", "population_covered", "percent_covered"}
    assert set(data["by_group"]["District 4"]) == keys


@pytest.mark.shared_data
def test_cli_polygon_facilities_and_network_mode(capsys, hcmc_gpkg, hcmc, tmp_path):
    wards, stops = hcmc
    parks = tmp_path / "parks.gpkg"
    round_parks = stops.geometry.iloc[:20].buffer(60.0)
    gpd.GeoDataFrame(geometry=round_parks, crs=stops.crs).to_file(parks, layer="parks")
    code, out, _ = _cli(
        capsys, "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{parks}:parks", "--radius", "200", "--demand", "point", "--json",
    )  # fmt: skip
    assert code == 0
    polygon_count = json.loads(out)["population_covered"]
    demand = Demand.from_zones(wards, "Pop_2021", model="point")
    grown = shapely.buffer(stops.geometry.iloc[:20].to_numpy(), 260.0)
    assert polygon_count > euclidean_coverage(demand, stops.iloc[:20], 200.0).population_covered
    assert polygon_count <= euclidean_coverage(demand, grown, 1e-6).population_covered + 1e-6
    code, out, _ = _cli(
        capsys, "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{hcmc_gpkg}:bus_stops", "--radius", "300", "--mode", "network",
        "--roads", f"{hcmc_gpkg}:roads_detail",
    )  # fmt: skip
    assert code == 0 and "(network, area demand)" in out


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--radius", "0"], "radius must be a positive number"),
        (["--radius", "300", "--mode", "network"], "needs the street lines"),
        (["--radius", "300", "--group-by", "Ward"], "no field 'Ward'"),
    ],
)
def test_cli_errors_exit_2_with_one_sentence(capsys, hcmc_gpkg, extra, message):
    code, out, err = _cli(
        capsys, "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{hcmc_gpkg}:bus_stops", *extra,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.shared_data
def test_cli_facilities_from_another_city(capsys, hcmc_gpkg, danang_gpkg):
    code, _, err = _cli(
        capsys, "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{danang_gpkg}:bus_stops", "--radius", "500",
    )  # fmt: skip
    assert code == 2 and "None of the 56 facilities" in err


def test_network_coverage_raises_when_the_streets_miss_the_zones_or_facilities():
    from cityplanner.network import StreetNetwork

    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=UTM)
    network = StreetNetwork.from_lines(road, source="'r.gpkg'")
    near, far = Demand.from_points([(500, 20)], [10.0]), Demand.from_points([(500, 600)], [10.0])
    with pytest.raises(AnalysisError, match="Every zone of .* more than 250 m from the streets of 'r.gpkg'"):
        network_coverage(far, network, [(0.0, 5.0)], 2000.0)
    with pytest.raises(AnalysisError, match="Every facility is more than 250 m from the streets of 'r.gpkg'"):
        network_coverage(near, network, [(0.0, 700.0)], 2000.0)
    assert network_coverage(near, network, [(0.0, 5.0)], 600.0).population_covered == pytest.approx(10.0)


def test_network_coverage_reports_demand_no_facility_can_reach():
    from cityplanner.network import StreetNetwork

    # Two streets that do not meet: the facility is on the first; one zone is on the second and
    # one lies 400 m from any street. Both count as uncovered, and are reported as cut off.
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(0, 500), (1000, 500)])],
        crs=UTM,
    )
    network = StreetNetwork.from_lines(roads, source="'r.gpkg'")
    demand = Demand.from_points([(100, 10), (300, 490), (500, 900)], [10.0, 20.0, 40.0])
    result = network_coverage(demand, network, [(0.0, 5.0)], 2000.0)
    assert result.population_covered == pytest.approx(10.0)
    assert result.unreachable_population == pytest.approx(60.0)
    assert euclidean_coverage(demand, [(0.0, 5.0)], 2000.0).unreachable_population == 0.0


def test_cli_network_coverage_prints_unreachable_population(capsys, tmp_path):
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(0, 500), (1000, 500)])],
        crs=UTM,
    )
    zones = gpd.GeoDataFrame(
        {"pop": [10.0, 20.0]}, geometry=shapely.points([(100, 10), (300, 490)]), crs=UTM
    ).to_crs("EPSG:4326")
    stops = gpd.GeoDataFrame(geometry=shapely.points([(0.0, 5.0)]), crs=UTM).to_crs("EPSG:4326")
    for name, gdf in (("roads", roads), ("zones", zones), ("stops", stops)):
        gdf.to_file(tmp_path / f"{name}.gpkg")
    argv = [
        "--zones", str(tmp_path / "zones.gpkg"), "--population", "pop",
        "--facilities", str(tmp_path / "stops.gpkg"), "--radius", "800", "--mode", "network",
        "--roads", str(tmp_path / "roads.gpkg"),
    ]  # fmt: skip
    code, out, _ = _cli(capsys, *argv, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["population_covered"] == pytest.approx(10.0)
    assert data["unreachable_population"] == pytest.approx(20.0)
    code, out, _ = _cli(capsys, *argv)
    assert "20 people live in zones that no facility can reach along the streets" in out


@pytest.mark.shared_data
def test_cli_roads_of_another_city_are_refused_in_network_mode(capsys, hcmc_gpkg, danang_gpkg):
    code, out, err = _cli(
        capsys, "--zones", f"{hcmc_gpkg}:wards_pop2021", "--population", "Pop_2021",
        "--facilities", f"{hcmc_gpkg}:bus_stops", "--radius", "500", "--mode", "network",
        "--roads", f"{danang_gpkg}:roads",
    )  # fmt: skip
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "more than 250 m from the streets of" in err and "layer 'roads'" in err
