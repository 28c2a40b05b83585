"""Our exact solvers reach spopt's optimum (spopt 0.7.0 + PuLP's CBC) on the same instances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pulp
import pytest
from scipy.spatial.distance import cdist

from cityplanner.optimise import LSCP, MCLP, PMedian, coverage_models, grid_candidates, pmedian
from cityplanner.optimise._core import points_xy

spopt_locate = pytest.importorskip("spopt.locate")
CBC = pulp.PULP_CBC_CMD(msg=False)
# PuLP 3.3 warns about its own API on every variable spopt creates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _instance(n: int, m: int, seed: int, size: float = 3000.0):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, size, (n, 2))
    sites = rng.uniform(0, size, (m, 2))
    weights = rng.integers(1, 100, n).astype(float)
    return demand, sites, weights, cdist(demand, sites)


@pytest.mark.parametrize(("p", "radius"), [(3, 400.0), (8, 300.0)])
def test_mclp_matches_spopt(p, radius):
    demand, sites, w, cost = _instance(400, 60, seed=p)
    ours = MCLP.from_cost_matrix(cost, w, radius_m=radius, sites=p).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(cost, w, radius, p_facilities=p).solve(CBC)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)
    # from_points measures the same distances with a k-d tree.
    again = MCLP.from_points(demand, w, sites, radius, sites=p).solve()
    assert again.objective == pytest.approx(ours.objective, rel=1e-9)


def test_mclp_with_sites_fixed_by_the_lagrangian_matches_spopt():
    # Seed 25 makes the Lagrangian fix sites both in and out before HiGHS.
    _, _, w, cost = _instance(400, 60, seed=25)
    ours = MCLP.from_cost_matrix(cost, w, radius_m=350.0, sites=6).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(cost, w, 350.0, p_facilities=6).solve(CBC)
    assert any("and 4 in" in note for note in ours.notes)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)


def test_mclp_with_existing_matches_spopt_predefined():
    _, _, w, cost = _instance(400, 60, seed=11)
    existing = np.zeros(60, dtype=bool)
    existing[[4, 17, 33]] = True
    ours = MCLP.from_cost_matrix(cost, w, radius_m=350.0, sites=4, existing=existing).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(
        cost, w, 350.0, p_facilities=7, predefined_facilities_arr=existing.astype(int)
    ).solve(CBC)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)
    assert not set(ours.selected) & {4, 17, 33}


def test_lscp_matches_spopt():
    _, _, w, cost = _instance(300, 60, seed=5)
    ours = LSCP.from_cost_matrix(cost, w, radius_m=700.0).solve()
    theirs = spopt_locate.LSCP.from_cost_matrix(cost, 700.0).solve(CBC)
    assert ours.optimal and ours.percent_covered == pytest.approx(100.0)
    assert ours.objective == pytest.approx(theirs.problem.objective.value())
    assert len(ours.selected) == ours.objective


@pytest.mark.parametrize("p", [2, 6])
def test_pmedian_matches_spopt(p):
    demand, sites, w, cost = _instance(120, 30, seed=p)
    ours = PMedian.from_points(demand, w, sites, sites=p).solve()
    dense = PMedian.from_cost_matrix(cost, w, sites=p).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(cost, w, p_facilities=p).solve(CBC)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)
    assert dense.objective == pytest.approx(ours.objective, rel=1e-9)


def test_pmedian_level_milp_matches_spopt_when_the_lagrangian_proves_little(monkeypatch):
    # One subgradient step fixes (almost) no site, so HiGHS solves the distance-level model.
    monkeypatch.setattr(pmedian, "_LAGRANGE_MAX_ITERATIONS", 1)
    demand, sites, w, cost = _instance(150, 30, seed=9)
    ours = PMedian.from_points(demand, w, sites, sites=5).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(cost, w, p_facilities=5).solve(CBC)
    assert any("HiGHS chose" in note for note in ours.notes)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)


@pytest.mark.parametrize("lagrange_steps", [1, 20_000])
def test_pmedian_with_existing_matches_spopt_predefined(monkeypatch, lagrange_steps):
    monkeypatch.setattr(pmedian, "_LAGRANGE_MAX_ITERATIONS", lagrange_steps)
    _, _, w, cost = _instance(150, 30, seed=13)
    existing = np.zeros(30, dtype=bool)
    existing[[2, 11]] = True
    ours = PMedian.from_cost_matrix(cost, w, sites=3, existing=existing).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(
        cost, w, p_facilities=5, predefined_facilities_arr=existing.astype(int)
    ).solve(CBC)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)
    assert not set(ours.selected) & {2, 11}


def test_mclp_milp_matches_spopt_when_the_lagrangian_proves_little(monkeypatch):
    monkeypatch.setattr(coverage_models, "_LAGRANGE_MAX_ITERATIONS", 1)
    _, _, w, cost = _instance(400, 60, seed=21)
    ours = MCLP.from_cost_matrix(cost, w, radius_m=350.0, sites=6).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(cost, w, 350.0, p_facilities=6).solve(CBC)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)


def test_capacitated_pmedian_matches_spopt():
    _, _, w, cost = _instance(60, 15, seed=3)
    capacities = np.full(15, w.sum() / 3)
    ours = PMedian.from_cost_matrix(cost, w, sites=4, capacities=capacities).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(
        cost, w, p_facilities=4, facility_capacities=capacities
    ).solve(CBC)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)


# -- real data: HCMC wards (population at representative points) ----------------------------------
@pytest.fixture(scope="module")
def hcmc(hcmc_gpkg):
    wards = gpd.read_file(hcmc_gpkg, layer="wards_pop2021").to_crs(32648)
    shops = gpd.read_file(hcmc_gpkg, layer="poi_commercial").to_crs(32648)
    demand = points_xy(wards.geometry.values)
    return wards, shops, demand, wards["Pop_2021"].to_numpy(dtype=float)


@pytest.mark.shared_data
@pytest.mark.parametrize(("p", "radius"), [(5, 300.0), (20, 500.0)])
def test_hcmc_mclp_poi_commercial(hcmc, p, radius):
    wards, shops, demand, pop = hcmc
    ours = MCLP.from_geodataframe(wards, shops, "Pop_2021", radius, sites=p).solve()
    cost = cdist(demand, points_xy(shops.geometry.values))
    theirs = spopt_locate.MCLP.from_cost_matrix(cost, pop, radius, p_facilities=p).solve(CBC)
    assert ours.optimal
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)
    assert ours.population_covered == pytest.approx(ours.objective)


@pytest.mark.shared_data
def test_hcmc_mclp_and_lscp_on_100m_grid(hcmc):
    wards, _, demand, pop = hcmc
    grid = grid_candidates(wards, 100.0)
    cost = cdist(demand, grid)
    ours = MCLP.from_points(demand, pop, grid, 400.0, sites=10).solve()
    theirs = spopt_locate.MCLP.from_cost_matrix(cost, pop, 400.0, p_facilities=10).solve(CBC)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)
    lscp = LSCP.from_points(demand, pop, grid, 500.0).solve()
    theirs = spopt_locate.LSCP.from_cost_matrix(cost, 500.0).solve(CBC)
    assert lscp.objective == pytest.approx(theirs.problem.objective.value())


@pytest.mark.shared_data
def test_hcmc_pmedian(hcmc):
    _, shops, demand, pop = hcmc
    sites = points_xy(shops.geometry.values)[::10]  # 141 shops keep CBC at a few seconds
    ours = PMedian.from_points(demand, pop, sites, sites=5).solve()
    theirs = spopt_locate.PMedian.from_cost_matrix(cdist(demand, sites), pop, p_facilities=5).solve(CBC)
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-7)
