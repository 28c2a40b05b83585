"""p-median with demand no site can reach (issue 10, item 6): that demand is left out of the model
and reported, and the objective, bound and gap stay finite (they were NaN / null: 0 x inf)."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from cityplanner.cli import main
from cityplanner.network import StreetNetwork
from cityplanner.optimise import PMedian

# A T of streets: the main street y = 0 for x in [0, 1000] and a branch x = 500 for y in [0, 800]
# meeting it at (500, 0); and an island street (y = 5000, x in [0, 300]) joined to nothing.
STREETS = [
    shapely.LineString([(0, 0), (1000, 0)]),
    shapely.LineString([(500, 0), (500, 800)]),
    shapely.LineString([(0, 5000), (300, 5000)]),
]
# Demand: where it snaps on the T (street, position) and how far it lies from it. Rows 4 and 5
# cannot reach any site: 4 sits on the island street, 5 is 2 km from every street (max snap 250 m).
DEMAND = np.array([[100, 10], [900, -20], [520, 700], [250, 230], [200, 5010], [3000, 3000]], float)
ON_T = [("main", 100, 10), ("main", 900, 20), ("branch", 700, 20), ("main", 250, 230)]
WEIGHTS = np.array([10, 20, 30, 25, 40, 50], float)
UNREACHABLE = [4, 5]
CANDIDATES = np.array([[0, 0], [1000, 0], [500, 400], [500, 800], [300, 0]], float)
CAND_ON_T = [("main", 0), ("main", 1000), ("branch", 400), ("branch", 800), ("main", 300)]
EXISTING = np.array([[700, 0]], float)
EXIST_ON_T = [("main", 700)]

OLD_KEYS = {
    "model", "selected", "objective", "population_covered", "percent_covered", "optimal", "gap",
    "seconds", "bound", "solver", "population_total", "population_covered_before",
    "percent_covered_before", "marginal_gain", "notes",
}  # fmt: skip


def _along_t(a, b) -> float:
    """Distance along the T between two points given as (street, position)."""
    (sa, pa), (sb, pb) = a, b
    if sa == sb:
        return abs(pa - pb)
    main, branch = (pa, pb) if sa == "main" else (pb, pa)
    return abs(main - 500) + branch


def _site_distances(sites_on_t) -> np.ndarray:
    """Hand-computed network distances: reachable demand rows x sites (snap walk included)."""
    return np.array([[snap + _along_t((s, pos), site) for site in sites_on_t] for s, pos, snap in ON_T])


def _brute_force(p: int, with_existing: bool) -> float:
    """The p-median optimum over the reachable demand, trying every choice of p candidates."""
    w = WEIGHTS[: len(ON_T)]
    d = _site_distances(CAND_ON_T)
    d_ex = _site_distances(EXIST_ON_T).min(axis=1) if with_existing else np.full(len(w), np.inf)
    return min(
        float(w @ np.minimum(d[:, list(c)].min(axis=1), d_ex))
        for c in itertools.combinations(range(len(CAND_ON_T)), p)
    )


@pytest.fixture(scope="module")
def network():
    return StreetNetwork.from_lines(gpd.GeoSeries(STREETS, crs="EPSG:32648"))


def _check_finite(result, best):
    assert np.isfinite([result.objective, result.bound, result.gap]).all(), result.to_dict()
    assert result.bound <= result.objective * (1 + 1e-9)
    assert result.unreachable_population == pytest.approx(WEIGHTS[UNREACHABLE].sum())
    assert sorted(result.uncoverable.tolist()) == UNREACHABLE
    assert result.population_total == pytest.approx(WEIGHTS.sum())
    doc = result.to_dict()
    assert OLD_KEYS <= set(doc) and doc["unreachable_population"] == pytest.approx(90.0)
    json.dumps(doc, allow_nan=False)  # no NaN or infinity left anywhere
    if best is not None:
        assert result.objective == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("with_existing", [False, True])
@pytest.mark.parametrize("radius", [None, 300.0])
def test_exact_objective_is_finite_and_equals_brute_force(network, with_existing, radius):
    existing = EXISTING if with_existing else None
    for p in (1, 2, 3):
        best = _brute_force(p, with_existing)
        model = PMedian.from_points(DEMAND, WEIGHTS, CANDIDATES, existing, network, sites=p, radius_m=radius)
        result = model.solve()
        _check_finite(result, best)
        assert result.optimal and result.gap <= 1e-6


def test_heuristic_gives_a_finite_bound_and_gap(network):
    best = _brute_force(2, False)
    result = PMedian.from_points(DEMAND, WEIGHTS, CANDIDATES, network=network, sites=2).solve("heuristic")
    _check_finite(result, None)
    assert result.bound <= best * (1 + 1e-9) <= result.objective * (1 + 1e-9)


def test_cost_matrix_rows_without_any_finite_cost_are_left_out():
    d = np.full((len(DEMAND), len(CANDIDATES)), np.inf)
    d[: len(ON_T)] = _site_distances(CAND_ON_T)
    result = PMedian.from_cost_matrix(d, WEIGHTS, sites=2).solve()
    _check_finite(result, _brute_force(2, False))
    assert result.optimal


def test_all_demand_reachable_reports_zero(network):
    reachable = slice(0, len(ON_T))
    result = PMedian.from_points(DEMAND[reachable], WEIGHTS[reachable], CANDIDATES, network=network, sites=2)
    result = result.solve()
    assert result.unreachable_population == 0.0 and result.to_dict()["unreachable_population"] == 0.0


# -- command line ---------------------------------------------------------------------------------
# The same fixture placed in UTM 48N near Ho Chi Minh City (10.8 N), so the working CRS the file
# form picks (the UTM zone of the zones) is the files' own: distances stay as computed by hand.
OFFSET = np.array([680_000.0, 1_190_000.0])


def _files(tmp_path):
    crs = "EPSG:32648"
    gpd.GeoDataFrame({"pop": WEIGHTS}, geometry=shapely.points(DEMAND + OFFSET), crs=crs).to_file(
        tmp_path / "demand.gpkg"
    )
    gpd.GeoDataFrame(geometry=shapely.points(CANDIDATES + OFFSET), crs=crs).to_file(tmp_path / "sites.gpkg")
    roads = [shapely.transform(line, lambda xy: xy + OFFSET) for line in STREETS]
    gpd.GeoDataFrame(geometry=roads, crs=crs).to_file(tmp_path / "roads.gpkg")
    return [
        "optimise", "--zones", str(tmp_path / "demand.gpkg"), "--population", "pop",
        "--candidates", str(tmp_path / "sites.gpkg"), "--roads", str(tmp_path / "roads.gpkg"),
        "--model", "pmedian", "--mode", "network", "--sites", "2",
    ]  # fmt: skip


def test_cli_pmedian_network_reports_unreachable_with_finite_figures(tmp_path, capsys):
    argv = _files(tmp_path)
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert OLD_KEYS <= set(doc) and set(doc) - OLD_KEYS == {"unreachable_population"}
    assert doc["objective"] == pytest.approx(_brute_force(2, False), rel=1e-9)
    assert doc["bound"] is not None and doc["gap"] is not None and doc["optimal"] is True
    assert doc["unreachable_population"] == pytest.approx(90.0)

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    assert f"Objective: {_brute_force(2, False):,.1f}" in out
    assert "Unreachable: 90 of 175 people (51.4%) cannot reach any candidate or existing site" in out


def test_people_on_a_street_part_no_chosen_site_reaches_are_said_and_left_out():
    # Two street parts, each with people and a candidate: one site cannot serve both. The answer
    # serves the larger group and says who is left out; its objective is finite and no bound is
    # claimed (the bounds are those of serving everyone), so it is never called optimal.
    lines = [shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(0, 5000), (300, 5000)])]
    net = StreetNetwork.from_lines(gpd.GeoSeries(lines, crs="EPSG:32648"))
    demand = np.array([[100, 10], [900, -20], [200, 5010]], float)
    w = np.array([10, 20, 40], float)
    cands = np.array([[0, 0], [1000, 0], [100, 5000]], float)
    for solver in ("exact", "heuristic"):
        seen = []
        result = PMedian.from_points(demand, w, cands, network=net, sites=1).solve(
            solver, on_incumbent=seen.append
        )
        assert result.selected.tolist() == [2]
        # Streamed as the planner would read it: the distances of those served, no bound claimed.
        assert seen and seen[-1].selected == (2,) and seen[-1].left_out == pytest.approx(30)
        assert seen[-1].objective == pytest.approx(result.objective) and np.isnan(seen[-1].bound)
        assert result.objective == pytest.approx(40 * (10 + 100))
        assert not result.optimal and np.isnan(result.bound) and np.isnan(result.gap)
        assert any(
            note.startswith("30 people live on separate parts of the street network") for note in result.notes
        )
    result = PMedian.from_points(demand, w, cands, network=net, sites=2).solve()
    # Sites 1 and 2: 10 x (10 + 900) + 20 x (20 + 100) + 40 x (10 + 100); sites 0 and 2 cost 23,900.
    assert result.optimal and result.selected.tolist() == [1, 2]
    assert result.objective == pytest.approx(9100 + 2400 + 4400)
