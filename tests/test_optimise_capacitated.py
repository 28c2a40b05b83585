"""Capacitated siting (issue 17, item 4): p-median and MCLP with site capacities and demand
assignment, against brute force on small fixtures and on HCMC (no site beyond its capacity)."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from cityplanner.errors import OptimisationError
from cityplanner.optimise import MCLP, PMedian, grid_candidates
from cityplanner.optimise._core import points_xy


def _fixture(seed: int, n: int = 7, m: int = 5):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 1000, (n, 2))
    sites = rng.uniform(0, 1000, (m, 2))
    w = rng.integers(5, 30, n).astype(float)
    cap = rng.uniform(30, 70, m).round()
    return demand, sites, w, cap, cdist(demand, sites)


def _loads(assign: np.ndarray, w: np.ndarray, m: int) -> np.ndarray:
    return np.bincount(assign[assign >= 0], weights=w[assign >= 0], minlength=m)


def _brute_pmedian(dist, w, cap, p, existing=None, existing_cap=None):
    """Every choice of p sites and every single-source assignment within capacity."""
    n, m = dist.shape
    ex = [] if existing is None else list(range(m, m + existing.shape[1]))
    full = dist if existing is None else np.hstack([dist, existing])
    caps = np.r_[cap, [] if existing_cap is None else existing_cap]
    best, best_sites = np.inf, None
    for chosen in itertools.combinations(range(m), p):
        open_sites = list(chosen) + ex
        for assign in itertools.product(open_sites, repeat=n):
            load = np.bincount(assign, weights=w, minlength=len(caps))
            if np.all(load <= caps + 1e-9):
                cost = float(sum(w[i] * full[i, j] for i, j in enumerate(assign)))
                if cost < best:
                    best, best_sites = cost, chosen
    return best, best_sites


def _brute_mclp(dist, w, cap, p, radius):
    n, m = dist.shape
    best = 0.0
    for chosen in itertools.combinations(range(m), p):
        options = [[-1] + [j for j in chosen if dist[i, j] <= radius] for i in range(n)]
        for assign in itertools.product(*options):
            a = np.asarray(assign)
            if np.all(_loads(a, w, m) <= cap + 1e-9):
                best = max(best, float(w[a >= 0].sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [2, 3])
def test_capacitated_pmedian_equals_brute_force(seed, p):
    demand, sites, w, cap, dist = _fixture(seed)
    if np.sort(cap)[::-1][:p].sum() < w.sum():
        cap = cap * w.sum() / np.sort(cap)[::-1][:p].sum() * 1.05
    best, best_sites = _brute_pmedian(dist, w, cap, p)
    result = PMedian.from_points(demand, w, sites, sites=p, capacities=cap).solve()
    assert result.optimal
    assert result.objective == pytest.approx(best, rel=1e-9)
    # The assignment is what the objective measures, and no site takes more than its capacity.
    assign = result.assignment
    assert assign.shape == (len(w),) and set(assign.tolist()) <= set(result.selected.tolist())
    assert float(sum(w[i] * dist[i, j] for i, j in enumerate(assign))) == pytest.approx(result.objective)
    loads = _loads(assign, w, len(sites))
    assert np.all(loads <= cap + 1e-6)
    assert result.site_load == pytest.approx(loads[result.selected])
    # Same answer from a dense cost matrix.
    dense = PMedian.from_cost_matrix(dist, w, sites=p, capacities=cap).solve()
    assert dense.objective == pytest.approx(best, rel=1e-9)


def test_capacitated_pmedian_with_existing_capacities_equals_brute_force():
    demand, sites, w, cap, dist = _fixture(4, n=6, m=4)
    existing_xy = np.array([[500.0, 500.0]])
    existing_cap = np.array([40.0])
    cap = np.maximum(cap, 45.0)
    d_ex = cdist(demand, existing_xy)
    best, _ = _brute_pmedian(dist, w, cap, 2, d_ex, existing_cap)
    result = PMedian.from_points(
        demand, w, sites, existing_xy, sites=2, capacities=cap, existing_capacities=existing_cap
    ).solve()
    assert result.objective == pytest.approx(best, rel=1e-9)
    assert np.all(result.existing_load <= existing_cap + 1e-6)
    # Points served by the existing facility are marked -2 - k.
    on_existing = result.assignment == -2
    assert result.existing_load[0] == pytest.approx(w[on_existing].sum())


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_capacitated_mclp_equals_brute_force(seed):
    demand, sites, w, cap, dist = _fixture(seed)
    radius = 450.0
    best = _brute_mclp(dist, w, cap, 2, radius)
    result = MCLP.from_points(demand, w, sites, radius, sites=2, capacities=cap).solve()
    assert result.optimal and result.objective == pytest.approx(best)
    assign = result.assignment
    served = assign >= 0
    assert result.population_covered == pytest.approx(w[served].sum())
    # Every assignment lies within the radius of an open site, within its capacity.
    assert all(dist[i, assign[i]] <= radius for i in np.flatnonzero(served))
    assert np.all(_loads(assign, w, len(sites)) <= cap + 1e-6)


def test_capacitated_mclp_is_never_above_the_uncapacitated():
    demand, sites, w, cap, _ = _fixture(8, n=30, m=10)
    free = MCLP.from_points(demand, w, sites, 400.0, sites=3).solve()
    tight = MCLP.from_points(demand, w, sites, 400.0, sites=3, capacities=cap).solve()
    assert tight.objective <= free.objective + 1e-9
    roomy = MCLP.from_points(demand, w, sites, 400.0, sites=3, capacities=np.full(10, w.sum())).solve()
    assert roomy.objective == pytest.approx(free.objective)


def test_capacitated_first_answer_is_feasible_and_streamed():
    demand, sites, w, _, _ = _fixture(9, n=40, m=12)
    cap = np.full(12, 0.45 * w.sum())
    seen = []
    result = PMedian.from_points(demand, w, sites, sites=3, capacities=cap).solve(on_incumbent=seen.append)
    assert seen and seen[0].stage == "greedy assignment"
    assert all(len(inc.selected) == 3 for inc in seen)
    objectives = [inc.objective for inc in seen]
    assert objectives == sorted(objectives, reverse=True)  # each answer at least as good
    assert result.objective == pytest.approx(min(objectives))


def test_capacities_that_cannot_serve_everyone_are_refused():
    demand, sites, w, _, _ = _fixture(10)
    with pytest.raises(OptimisationError, match="cannot serve the whole population"):
        PMedian.from_points(demand, w, sites, sites=2, capacities=np.full(5, 1.0)).solve()
    with pytest.raises(OptimisationError, match="Capacities must be one non-negative number"):
        MCLP.from_points(demand, w, sites, 400.0, sites=2, capacities=np.full(3, 10.0))


# -- real data: HCMC wards (population at representative points) ----------------------------------
@pytest.fixture(scope="module")
def hcmc(hcmc_gpkg):
    wards = gpd.read_file(hcmc_gpkg, layer="wards_pop2021").to_crs(32648)
    return wards, points_xy(wards.geometry.values), wards["Pop_2021"].to_numpy(dtype=float)


@pytest.mark.shared_data
def test_hcmc_capacitated_pmedian_assigns_no_site_beyond_its_capacity(hcmc):
    wards, demand, pop = hcmc
    sites = grid_candidates(wards, 500.0)  # 45 candidates over the 40 wards
    p = 5
    capacity = np.full(len(sites), 1.25 * pop.sum() / p)
    result = PMedian.from_points(demand, pop, sites, sites=p, capacities=capacity).solve(time_limit_s=60.0)
    assign = result.assignment
    assert len(result.selected) == p and np.all(assign >= 0)
    assert set(assign.tolist()) <= set(result.selected.tolist())
    loads = np.bincount(assign, weights=pop, minlength=len(sites))
    assert np.all(loads <= capacity + 1e-6), "a site is assigned beyond its capacity"
    assert result.site_load == pytest.approx(loads[result.selected])
    assert np.isfinite(result.objective) and result.bound <= result.objective * (1 + 1e-9)


@pytest.mark.shared_data
def test_hcmc_capacitated_mclp_assigns_no_site_beyond_its_capacity(hcmc):
    wards, demand, pop = hcmc
    sites = grid_candidates(wards, 500.0)
    capacity = np.full(len(sites), 80_000.0)
    # Whole wards of ~16,000 people packed into 80,000 places: a bin-packing core that HiGHS
    # need not close here; the answer within 10 s must respect every capacity all the same.
    result = MCLP.from_points(demand, pop, sites, 1000.0, sites=5, capacities=capacity).solve(
        time_limit_s=10.0
    )
    assert np.isfinite(result.gap)
    assign = result.assignment
    served = assign >= 0
    loads = np.bincount(assign[served], weights=pop[served], minlength=len(sites))
    assert np.all(loads <= capacity + 1e-6), "a site is assigned beyond its capacity"
    assert result.population_covered == pytest.approx(pop[served].sum())
    dist = cdist(demand, sites)
    assert all(dist[i, assign[i]] <= 1000.0 for i in np.flatnonzero(served))
    # The capacities bind: five sites of 80,000 places cannot take all 639,881 people.
    assert result.population_covered <= 5 * 80_000.0 + 1e-6
    assert result.objective <= result.bound * (1 + 1e-9)
