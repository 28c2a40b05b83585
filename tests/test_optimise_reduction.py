"""The instance reductions keep the optimum (issue 17, item 1).

Each reduced solve is compared with the unreduced model solved on its own (``scipy.optimize.milp``
on the full demand x candidate matrix, or brute force): merged rows (points and street
distances), dropped useless and dominated candidates, LSCP's essential sites, the priced LP bound
and the sites its reduced costs fix, the p-median's rows merged up to a constant.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from cityplanner.network import StreetNetwork
from cityplanner.optimise import LSCP, MCLP, PMedian, _cover_lp, coverage_models
from cityplanner.optimise._core import dominated_columns, merge_identical_rows, pairs_within


def _instance(n, m, seed, size=3000.0, clustered=True):
    rng = np.random.default_rng(seed)
    if clustered:
        centres = rng.uniform(0, size, (4, 2))
        demand = centres[rng.integers(0, 4, n)] + rng.normal(0, size / 10, (n, 2))
    else:
        demand = rng.uniform(0, size, (n, 2))
    sites = demand[rng.integers(0, n, m)] + rng.normal(0, 80, (m, 2))
    return demand, sites, rng.integers(1, 60, n).astype(float), rng.uniform(1, 5, m).round(1)


def _mclp_reference(cover, w, existing_covered, sites=None, costs=None, budget=None):
    """The unreduced MCLP as one MILP: binary x per candidate, y per demand point, y <= A x."""
    cover = sparse.csr_matrix(cover)
    rows = np.flatnonzero(~existing_covered & (w > 0))
    a = (cover[rows] > 0).astype(float)
    g, m = a.shape
    constraints = [LinearConstraint(sparse.hstack([-a, sparse.identity(g)]), -np.inf, 0.0)]
    if sites is not None:
        constraints.append(LinearConstraint(np.r_[np.ones(m), np.zeros(g)][None, :], -np.inf, sites))
    if budget is not None:
        constraints.append(LinearConstraint(np.r_[costs, np.zeros(g)][None, :], -np.inf, budget))
    out = milp(
        -np.r_[np.zeros(m), w[rows]],
        constraints=constraints,
        integrality=np.r_[np.ones(m), np.zeros(g)],
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 1e-9},
    )
    assert out.success
    return -out.fun + float(w[existing_covered].sum())


def _lscp_reference(cover, w, existing_covered, target, costs):
    cover = sparse.csr_matrix(cover)
    rows = np.flatnonzero(~existing_covered & (w > 0))
    a = (cover[rows] > 0).astype(float)
    g, m = a.shape
    need = target * w.sum() - w[existing_covered].sum()
    if target >= 1:
        constraints = [LinearConstraint(a, 1.0, np.inf)]
        c, integrality = costs, np.ones(m)
    else:
        constraints = [
            LinearConstraint(sparse.hstack([-a, sparse.identity(g)]), -np.inf, 0.0),
            LinearConstraint(np.r_[np.zeros(m), w[rows]][None, :], need * (1 - 1e-12), np.inf),
        ]
        c, integrality = np.r_[costs, np.zeros(g)], np.r_[np.ones(m), np.zeros(g)]
    out = milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(0, 1))
    assert out.success
    return out.fun


def test_dominated_columns_follow_subsets_costs_and_ties():
    # Rows x sites: site 1 covers a subset of site 0; sites 2 and 3 cover the same rows, site 4 a
    # subset of theirs.
    cover = sparse.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0],
                [1, 0, 0, 0, 0],
                [0, 0, 1, 1, 0],
                [0, 0, 1, 1, 1],
            ]
        )
    )
    assert dominated_columns(cover).tolist() == [-1, 0, -1, 2, 2]
    # A smaller site that is cheaper stays; of two equal sites the cheaper one stays.
    costs = np.array([5.0, 1.0, 3.0, 2.0, 1.0])
    assert dominated_columns(cover, costs).tolist() == [-1, -1, 3, -1, -1]
    # Chains end at an undominated site.
    chain = sparse.csr_matrix(np.array([[1, 1, 1], [0, 1, 1], [0, 0, 1]]))
    assert dominated_columns(chain).tolist() == [2, 2, -1]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("path", ["subgradient", "priced LP"])
def test_mclp_reductions_keep_the_optimum(monkeypatch, seed, path):
    if path == "priced LP":
        monkeypatch.setattr(coverage_models, "_PRICED_LP_GROUPS", 0)
    demand, sites, w, _ = _instance(400, 60, seed)
    existing = sites[:3] if seed % 2 else None
    model = MCLP.from_points(demand, w, sites[3:], 300.0, existing_xy=existing, sites=5)
    best = _mclp_reference(model.cover, model.weights, model.existing_covered, sites=5)
    result = model.solve()
    assert result.optimal and result.objective == pytest.approx(best, rel=1e-9)
    assert result.population_covered == pytest.approx(result.objective)
    red = result.reduction
    assert red["demand_points"] == 400 and red["demand_groups"] < 400
    assert red["candidates_kept"] == 57 - red["candidates_useless"] - red["candidates_dominated"]
    assert any(note.startswith("reduction: 400 demand points merged into") for note in result.notes)


@pytest.mark.parametrize("seed", range(4))
def test_mclp_budget_reductions_keep_the_optimum(monkeypatch, seed):
    demand, sites, w, costs = _instance(300, 40, 10 + seed)
    if seed % 2:
        monkeypatch.setattr(coverage_models, "_PRICED_LP_GROUPS", 0)
    model = MCLP.from_points(demand, w, sites, 350.0, costs=costs, budget=9.0)
    best = _mclp_reference(model.cover, model.weights, model.existing_covered, costs=costs, budget=9.0)
    result = model.solve()
    assert result.objective == pytest.approx(best, rel=1e-9)
    assert costs[result.selected].sum() <= 9.0 + 1e-9


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("target", [1.0, 0.8])
def test_lscp_reductions_keep_the_optimum(seed, target):
    demand, sites, w, costs = _instance(300, 50, 20 + seed, clustered=False)
    reachable = np.diff(pairs_within(demand, sites, 700.0).indptr) > 0
    model = LSCP.from_points(demand[reachable], w[reachable], sites, 700.0, costs=costs, target=target)
    best = _lscp_reference(model.cover, model.weights, model.existing_covered, target, costs)
    result = model.solve()
    assert result.objective == pytest.approx(best, rel=1e-9)
    covered = w[reachable][np.diff(model.cover[:, result.selected].tocsr().indptr) > 0].sum()
    assert covered >= target * w[reachable].sum() * (1 - 1e-9)
    if target == 1.0:
        assert "sites_essential" in result.reduction


def _street_grid(n: int = 6, spacing: float = 200.0) -> StreetNetwork:
    lines = [shapely.LineString([(0, i * spacing), ((n - 1) * spacing, i * spacing)]) for i in range(n)]
    lines += [shapely.LineString([(i * spacing, 0), (i * spacing, (n - 1) * spacing)]) for i in range(n)]
    return StreetNetwork.from_lines(gpd.GeoSeries(lines, crs="EPSG:32648"))


def _cells(spacing: float = 50.0, size: float = 1000.0, seed: int = 0):
    xs = np.arange(spacing / 2, size, spacing)
    gx, gy = np.meshgrid(xs, xs)
    rng = np.random.default_rng(seed)
    return np.column_stack([gx.ravel(), gy.ravel()]), rng.integers(1, 40, gx.size).astype(float)


@pytest.mark.parametrize("p", [2, 4])
def test_network_distances_merge_rows_and_keep_the_mclp_optimum(p):
    network = _street_grid()
    demand, w = _cells()
    sites = np.array([[x, y] for x in range(0, 1001, 200) for y in range(0, 1001, 200)], float)
    model = MCLP.from_points(demand, w, sites, 350.0, network=network, sites=p)
    result = model.solve()
    # Cells reaching the same sites along the streets are one row of the model.
    assert result.reduction["demand_groups"] < result.reduction["demand_points"] == len(demand)
    cover = pairs_within(demand, sites, 350.0, network)
    best = _mclp_reference(cover, w, np.zeros(len(w), dtype=bool), sites=p)
    assert result.optimal and result.objective == pytest.approx(best, rel=1e-9)
    merged, merged_w, _ = merge_identical_rows((cover > 0).astype(float).tocsr(), w)
    assert merged_w.sum() == pytest.approx(w.sum())


def test_network_p_median_merges_points_at_one_street_place_and_keeps_the_optimum():
    network = _street_grid(4, 300.0)
    # Points straight off the same street places (perpendicular, at different distances) reach
    # every site through the same place: their rows differ by a constant.
    base = np.array([[150.0, 0.0], [450.0, 300.0], [750.0, 600.0], [300.0, 450.0], [600.0, 150.0]])
    offsets = np.array([[0.0, 10.0], [0.0, 40.0], [0.0, 90.0]])
    demand = np.vstack([b + o if b[1] in (0.0, 300.0, 600.0) else b + o[::-1] for b in base for o in offsets])
    w = np.arange(1, len(demand) + 1, dtype=float)
    sites = np.array([[0, 0], [900, 900], [300, 300], [600, 0], [0, 600], [900, 300]], float)
    site_i, dem_i, dist = network.pairs_within(sites, demand, np.inf)
    d = np.full((len(demand), len(sites)), np.inf)
    d[dem_i, site_i] = dist
    for p in (1, 2, 3):
        best = min(float(w @ d[:, list(c)].min(axis=1)) for c in itertools.combinations(range(6), p))
        result = PMedian.from_points(demand, w, sites, network=network, sites=p).solve()
        assert result.optimal and result.objective == pytest.approx(best, rel=1e-9)
        assert result.reduction["demand_groups"] < len(demand)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_priced_lp_bound_is_the_lp_relaxation(seed):
    demand, sites, w, _ = _instance(500, 80, 30 + seed)
    groups, weight, _ = merge_identical_rows(pairs_within(demand, sites, 300.0).tocsr(), w)
    groups = (groups > 0).astype(float).tocsr()
    g, m = groups.shape
    p = 6
    lp = linprog(
        -np.r_[np.zeros(m), weight],
        A_ub=sparse.vstack(
            [sparse.hstack([-groups, sparse.identity(g)]), sparse.csr_matrix(np.r_[np.ones(m), np.zeros(g)])]
        ),
        b_ub=np.r_[np.zeros(g), p],
        bounds=(0, 1),
    )
    by_site = groups.T.tocsr()
    lam0 = float(np.sort(by_site @ weight)[::-1][p])
    out = _cover_lp.search(groups, by_site, weight, np.ones(m), p, lam0, out_of_time=lambda: False)
    assert out.best.bound >= -lp.fun - 1e-6 * abs(lp.fun)
    assert out.best.bound == pytest.approx(-lp.fun, rel=1e-4)
    # Any multipliers in [0, w] give an upper bound on the integer optimum.
    best = _mclp_reference(groups, weight, np.zeros(g, dtype=bool), sites=p)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        u = rng.uniform(0, 1, g) * weight
        lam = float(rng.uniform(0.5, 2.0) * lam0)
        assert _cover_lp.lagrangian_value(weight, by_site, np.ones(m), p, lam, u) >= best - 1e-6


def test_reduced_costs_fix_sites_soundly(monkeypatch):
    # Larger instances, priced-LP path: many sites fixed out, the optimum unchanged.
    monkeypatch.setattr(coverage_models, "_PRICED_LP_GROUPS", 0)
    for seed in range(3):
        demand, sites, w, _ = _instance(1500, 150, 40 + seed, size=5000.0)
        model = MCLP.from_points(demand, w, sites, 350.0, sites=8)
        result = model.solve()
        best = _mclp_reference(model.cover, model.weights, model.existing_covered, sites=8)
        assert result.objective == pytest.approx(best, rel=1e-9)
        assert result.reduction.get("sites_fixed_out", 0) > 0


def test_dominated_sites_are_not_chosen_but_their_dominator_is():
    # Site 1 sits at site 0's place but reaches less (it is farther from the demand's edge).
    demand = np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0], [5000.0, 0.0]])
    w = np.array([10.0, 10.0, 10.0, 1.0])
    sites = np.array([[100.0, 0.0], [0.0, 0.0], [5000.0, 0.0]])
    result = MCLP.from_points(demand, w, sites, 100.0, sites=1).solve()
    assert result.selected.tolist() == [0] and result.objective == pytest.approx(30.0)
    assert result.reduction["candidates_dominated"] == 1


def test_essential_sites_are_forced_for_a_full_cover():
    demand = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0], [2100.0, 0.0]])
    sites = np.array([[0.0, 0.0], [1000.0, 0.0], [2050.0, 0.0], [2100.0, 0.0]])
    result = LSCP.from_points(demand, np.ones(4), sites, 60.0).solve()
    assert result.objective == 3 and result.reduction["sites_essential"] == 3
    assert set(result.selected.tolist()) == {0, 1, 2}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dominance_in_blocks_equals_one_product_and_an_interrupted_check_stays_valid(seed, monkeypatch):
    from cityplanner.optimise import _core

    rng = np.random.default_rng(seed)
    dense = rng.random((60, 40)) < 0.15
    dense[:, 5] = dense[:, 6] | dense[:, 7]  # some sites dominate others for sure
    dense[:, 30] = dense[:, 31]
    cover = sparse.csr_matrix(dense.astype(float))
    costs = rng.integers(1, 4, 40).astype(float)
    whole = dominated_columns(cover, costs)
    monkeypatch.setattr(_core, "_DOMINANCE_BLOCK", 7)
    assert dominated_columns(cover, costs).tolist() == whole.tolist()
    calls = []
    partial = dominated_columns(cover, costs, interrupted=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3 and (partial >= 0).sum() <= (whole >= 0).sum()
    # Every site the partial check drops has a dominator that stays and covers all its rows.
    for j in np.flatnonzero(partial >= 0):
        k = partial[j]
        assert partial[k] < 0 and costs[k] <= costs[j] and not (dense[:, j] & ~dense[:, k]).any()


def test_a_cancel_reaches_the_street_search_of_a_covering_model():
    from cityplanner.errors import Cancelled
    from cityplanner.progress import Progress

    network = _street_grid()
    rng = np.random.default_rng(3)
    demand = rng.uniform(0, 1000, (400, 2))
    candidates = rng.uniform(0, 1000, (60, 2))
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        MCLP.from_points(demand, np.ones(400), candidates, 300.0, network=network, sites=3, progress=progress)
    # Without a cancel the same call builds the model.
    assert MCLP.from_points(demand, np.ones(400), candidates, 300.0, network=network, sites=3).cover.nnz > 0
