"""The anytime solver path (issue 17, items 2 and 3): a feasible first answer at once, answers and
bounds streamed as they improve, the exact optimum at the end on small instances, a stop that
returns the best answer so far with its gap, and warm starts (``initial``, ``fixed``)."""

from __future__ import annotations

import itertools
import math

import highspy
import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist

from cityplanner.errors import Cancelled, OptimisationError
from cityplanner.optimise import LSCP, MCLP, PMedian, _highs, coverage_models
from cityplanner.progress import BestMessage, Incumbent, Progress, Stopped


def _instance(n=80, m=10, seed=0, size=2000.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, size, (n, 2)), rng.integers(1, 50, n).astype(float), rng.uniform(0, size, (m, 2))


def _covered(dist, w, chosen, radius):
    return float(w[(dist[:, list(chosen)] <= radius).any(axis=1)].sum()) if len(chosen) else 0.0


def _mclp_best(dist, w, p, radius, forced=()):
    m = dist.shape[1]
    options = [c for c in itertools.combinations(range(m), p) if set(forced) <= set(c)]
    return max(_covered(dist, w, c, radius) for c in options)


def _pmedian_cost(dist, w, chosen):
    return float(w @ dist[:, list(chosen)].min(axis=1))


def _pmedian_best(dist, w, p, forced=()):
    m = dist.shape[1]
    options = [c for c in itertools.combinations(range(m), p) if set(forced) <= set(c)]
    return min(_pmedian_cost(dist, w, c) for c in options)


def _check_stream(seen: list[Incumbent], maximise: bool):
    """Each answer at least as good as the one before, each bound at least as tight."""
    assert seen, "no answer was streamed"
    objectives = [inc.objective for inc in seen]
    assert objectives == sorted(objectives, reverse=not maximise)
    bounds = [inc.bound for inc in seen if math.isfinite(inc.bound)]
    assert bounds == sorted(bounds, reverse=maximise)
    for inc in seen:
        assert inc.maximise == maximise and inc.seconds >= 0
        if math.isfinite(inc.bound):
            assert inc.gap == pytest.approx(abs(inc.bound - inc.objective) / abs(inc.objective))
            assert (inc.bound >= inc.objective - 1e-6) if maximise else (inc.bound <= inc.objective + 1e-6)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("path", ["subgradient", "priced LP"])
def test_mclp_first_answer_is_feasible_and_the_last_is_the_optimum(monkeypatch, seed, path):
    if path == "priced LP":
        monkeypatch.setattr(coverage_models, "_PRICED_LP_GROUPS", 0)
    demand, w, sites = _instance(seed=seed)
    dist = cdist(demand, sites)
    seen: list[Incumbent] = []
    result = MCLP.from_points(demand, w, sites, 400.0, sites=3).solve(on_incumbent=seen.append)
    first = seen[0]
    assert first.stage == "greedy" and len(first.selected) == 3
    assert first.objective == pytest.approx(_covered(dist, w, first.selected, 400.0))
    _check_stream(seen, maximise=True)
    best = _mclp_best(dist, w, 3, 400.0)
    assert result.optimal and result.objective == pytest.approx(best)
    assert seen[-1].objective == pytest.approx(best)
    assert result.history[0][1] == pytest.approx(first.objective)
    assert result.first_answer_s <= result.seconds


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_first_answer_is_feasible_and_the_last_is_the_optimum(seed):
    demand, w, sites = _instance(seed=10 + seed)
    dist = cdist(demand, sites)
    seen: list[Incumbent] = []
    result = PMedian.from_points(demand, w, sites, sites=3).solve(on_incumbent=seen.append)
    assert seen[0].stage == "greedy" and len(seen[0].selected) == 3
    assert seen[0].objective == pytest.approx(_pmedian_cost(dist, w, seen[0].selected))
    _check_stream(seen, maximise=False)
    best = _pmedian_best(dist, w, 3)
    assert result.optimal and result.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(3))
def test_lscp_first_answer_is_feasible_and_the_last_is_the_optimum(seed):
    demand, w, sites = _instance(n=60, m=12, seed=20 + seed)
    dist = cdist(demand, sites)
    reach = (dist <= 900.0).any(axis=1)
    demand, w, dist = demand[reach], w[reach], dist[reach]
    seen: list[Incumbent] = []
    result = LSCP.from_points(demand, w, sites, 900.0).solve(on_incumbent=seen.append)
    assert (dist[:, list(seen[0].selected)] <= 900.0).any(axis=1).all()
    _check_stream(seen, maximise=False)
    best = min(
        k
        for k in range(1, 13)
        for c in itertools.combinations(range(12), k)
        if (dist[:, list(c)] <= 900.0).any(axis=1).all()
    )
    assert result.optimal and result.objective == best


def test_stop_returns_the_best_answer_so_far_with_its_gap():
    demand, w, sites = _instance(n=400, m=40, seed=3, size=4000.0)
    dist = cdist(demand, sites)
    seen: list[Incumbent] = []
    result = MCLP.from_points(demand, w, sites, 350.0, sites=6).solve(
        on_incumbent=seen.append, stop=lambda: len(seen) > 0
    )
    assert result.stopped and not result.optimal
    assert len(result.selected) <= 6
    assert result.objective == pytest.approx(_covered(dist, w, result.selected, 350.0))
    assert result.objective == pytest.approx(seen[-1].objective)
    assert math.isfinite(result.gap) and result.bound >= result.objective
    assert any("stopped early on request" in note for note in result.notes)
    # The p-median stops the same way.
    seen.clear()
    pm = PMedian.from_points(demand, w, sites, sites=6).solve(
        on_incumbent=seen.append, stop=lambda: bool(seen)
    )
    assert pm.stopped and pm.objective == pytest.approx(_pmedian_cost(dist, w, pm.selected))


def test_progress_stop_and_best_pass_through_a_wrapping_sink():
    # The tasks hand the engine a sink that forwards to the dialog's: stop and best pass through.
    demand, w, sites = _instance(n=300, m=30, seed=4, size=4000.0)
    heard: list[Incumbent] = []
    messages: list[str] = []

    def on_best(incumbent: Incumbent) -> None:
        heard.append(incumbent)
        dialog.stop()  # the planner presses Stop once the first proposal shows

    dialog = Progress(lambda f, m: messages.append(m), on_best=on_best)
    engine_side = Progress(lambda f, m: dialog.update(0.1 + 0.8 * f, m))
    result = PMedian.from_points(demand, w, sites, sites=4).solve(progress=engine_side)
    assert result.stopped and heard and heard[0].stage == "greedy"
    # The answer returned is the best so far: the last one heard, or one found just after it.
    assert result.objective <= heard[-1].objective + 1e-6
    assert math.isfinite(result.gap)
    assert any(isinstance(m, BestMessage) and m.startswith("Siting: best") for m in messages)


def test_cancel_still_abandons_the_solve():
    demand, w, sites = _instance(n=300, m=30, seed=5, size=4000.0)
    progress = Progress(on_best=lambda inc: progress.cancel())
    with pytest.raises(Cancelled) as caught:
        MCLP.from_points(demand, w, sites, 350.0, sites=4).solve(progress=progress)
    assert not isinstance(caught.value, Stopped)


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_warm_start_reaches_the_same_optimum(model):
    demand, w, sites = _instance(n=200, m=25, seed=6, size=3000.0)

    def build():
        if model == "mclp":
            return MCLP.from_points(demand, w, sites, 400.0, sites=4)
        return PMedian.from_points(demand, w, sites, sites=4)

    cold = build().solve()
    again: list[Incumbent] = []
    warm = build().solve(initial=cold.selected, on_incumbent=again.append)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert again[0].stage == "your sites" and again[0].objective == pytest.approx(cold.objective)
    # From a poor start (and from too many or too few sites) the optimum is the same.
    for start in ([0, 1, 2, 3], [5, 6, 7, 8, 9, 10], [11]):
        result = build().solve(initial=start)
        assert result.objective == pytest.approx(cold.objective, rel=1e-9)


def test_fixed_sites_are_kept_and_the_rest_is_optimal():
    demand, w, sites = _instance(n=120, m=10, seed=7)
    dist = cdist(demand, sites)
    forced = [0, 9]
    mclp = MCLP.from_points(demand, w, sites, 450.0, sites=3).solve(fixed=forced)
    assert set(forced) <= set(mclp.selected.tolist())
    assert mclp.objective == pytest.approx(_mclp_best(dist, w, 3, 450.0, forced))
    pmed = PMedian.from_points(demand, w, sites, sites=3).solve(fixed=forced)
    assert set(forced) <= set(pmed.selected.tolist()) and len(pmed.selected) == 3
    assert pmed.optimal and pmed.objective == pytest.approx(_pmedian_best(dist, w, 3, forced))
    lscp = LSCP.from_points(demand, w, sites, 2000.0).solve(fixed=[4])
    assert 4 in lscp.selected.tolist()
    with pytest.raises(OptimisationError, match="3 sites are fixed but only 2"):
        MCLP.from_points(demand, w, sites, 450.0, sites=2).solve(fixed=[1, 2, 3])
    with pytest.raises(OptimisationError, match="not candidate sites"):
        PMedian.from_points(demand, w, sites, sites=2).solve(initial=[3, 42])


def test_fixed_sites_from_a_cost_matrix_use_its_column_ids():
    demand, w, sites = _instance(n=60, m=8, seed=8)
    cost = cdist(demand, sites)
    existing = np.zeros(8, dtype=bool)
    existing[2] = True
    result = MCLP.from_cost_matrix(cost, w, radius_m=500.0, existing=existing, sites=2).solve(fixed=[7])
    assert 7 in result.selected.tolist() and 2 not in result.selected.tolist()
    with pytest.raises(OptimisationError, match="not candidate sites"):
        MCLP.from_cost_matrix(cost, w, radius_m=500.0, existing=existing, sites=2).solve(fixed=[2])


def _knapsack(n=40, seed=0):
    rng = np.random.default_rng(seed)
    value, weight = rng.uniform(1, 10, n), rng.uniform(1, 10, n)
    rows = sparse.csr_matrix(weight[None, :])
    return value, rows, np.array([-np.inf]), np.array([weight.sum() / 3])


def test_highs_streams_improving_solutions_and_stops_at_the_callers_word():
    value, rows, lo, hi = _knapsack()
    n = len(value)
    args = (value, rows, lo, hi, np.zeros(n), np.ones(n), np.ones(n, dtype=bool), True, 30.0)
    seen = []
    full = _highs.solve(*args, on_solution=lambda x, obj, bound: seen.append((obj, x @ value)) and False)
    assert full.optimal and seen
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert all(obj == pytest.approx(check) for obj, check in seen)
    first = _highs.solve(*args, on_solution=lambda x, obj, bound: True)
    assert not first.optimal and first.status == "Stopped at the caller's target" and first.x is not None
    stopped = _highs.solve(*args, stop=lambda: True)
    assert stopped.stopped and not stopped.optimal


def test_stop_during_highs_keeps_the_answer(monkeypatch):
    # Force the MILP stage (one subgradient step proves little) and stop while HiGHS runs.
    monkeypatch.setattr(coverage_models, "_LAGRANGE_MAX_ITERATIONS", 1)
    calls = {"n": 0}
    original = highspy.Highs.run

    def run(self):
        calls["n"] += 1
        return original(self)

    monkeypatch.setattr(highspy.Highs, "run", run)
    demand, w, sites = _instance(n=600, m=60, seed=9, size=5000.0)
    dist = cdist(demand, sites)
    result = MCLP.from_points(demand, w, sites, 350.0, sites=8).solve(stop=lambda: calls["n"] > 0)
    assert calls["n"] >= 1
    assert result.objective == pytest.approx(_covered(dist, w, result.selected, 350.0))
    assert result.stopped or result.optimal


def test_optimise_project_passes_the_anytime_options_through():
    # What the Propose dialog will use: stream the proposal, re-solve from it with a site fixed.
    from test_optimise import _project

    from cityplanner.optimise import grid_candidates, optimise_project

    project = _project()
    grid = grid_candidates(project.zones, 200.0)
    heard: list[Incumbent] = []
    first = optimise_project(project, "clinic", "mclp", grid, sites=3, on_incumbent=heard.append)
    assert heard and heard[-1].objective == pytest.approx(first.objective)
    moved = [int(i) for i in first.selected[:2]]
    keep = int(np.setdiff1d(np.arange(len(grid)), first.selected)[0])
    again = optimise_project(project, "clinic", "mclp", grid, sites=3, initial=moved, fixed=[keep])
    assert keep in again.selected.tolist() and len(again.selected) <= 3
    stopped = optimise_project(project, "clinic", "pmedian", grid, sites=2, stop=lambda: True)
    assert stopped.stopped and len(stopped.selected) == 2
