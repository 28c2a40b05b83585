"""The p-median's iterated local search: kicks, descents and their undoing keep the swap tables
right, and the answers it streams are costed as they are."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from cityplanner.optimise import PMedian, pmedian
from cityplanner.progress import Incumbent


def _instance(n=300, m=40, seed=0, size=3000.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, size, (n, 2)), rng.integers(1, 50, n).astype(float), rng.uniform(0, size, (m, 2))


def _search(seed: int, p: int = 6):
    demand, w, sites = _instance(seed=seed)
    own = PMedian.from_points(demand, w, sites, sites=p)
    pairs, fallback = own._kept(np.full(len(w), len(sites)))
    model = pmedian._SparseModel(own, pairs, fallback)
    return model.swap_search(), cdist(demand, sites), w


def _tables(search):
    """The swap tables, ``extra`` by open site (its columns are open positions, which swaps reorder)."""
    is_open = np.sort(search.open_list)
    return search.gain.copy(), search.loss.copy(), search.extra[:, search.pos[is_open]].copy(), search.cost


@pytest.mark.parametrize("seed", range(3))
def test_kick_descend_and_undo_keep_the_tables_of_a_fresh_start(seed):
    search, dist, w = _search(seed)
    search.start(search.greedy(None))
    first = np.sort(search.open_list)
    before = _tables(search)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        moves = search.kick(rng, 3)
        moves += search.descend(np.inf, None)
        here = np.sort(search.open_list)
        assert len(here) == 6
        # Tables updated locally are those of a rebuild on the same sites.
        local = _tables(search)
        search.start(here)
        for a, b in zip(local, _tables(search), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
        assert search.total() == pytest.approx(float(w @ dist[:, here].min(axis=1)))
        search.undo(moves)
        np.testing.assert_array_equal(np.sort(search.open_list), first)
        for a, b in zip(_tables(search), before, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)


def test_iterated_local_search_streams_answers_at_their_cost(monkeypatch):
    # Route a small instance to the local search that large ones take instead of the level MILP
    # (on this one the Lagrangian leaves sites free, and the local search improves the answer).
    monkeypatch.setattr(pmedian, "_LEVEL_MILP_MAX_PAIRS", -1)
    demand, w, sites = _instance(n=400, m=60, seed=21)
    dist = cdist(demand, sites)
    seen: list[Incumbent] = []
    result = PMedian.from_points(demand, w, sites, sites=8).solve(time_limit_s=3.0, on_incumbent=seen.append)
    assert any("iterated local search" in note for note in result.notes)
    assert any(inc.stage == "iterated local search" for inc in seen)
    for inc in seen:
        assert len(inc.selected) == 8
        assert inc.objective == pytest.approx(float(w @ dist[:, list(inc.selected)].min(axis=1)))
    assert result.objective == pytest.approx(float(w @ dist[:, result.selected].min(axis=1)))
    assert result.bound <= result.objective * (1 + 1e-9)


def test_a_kick_moves_sites_of_one_district_to_closed_sites_there():
    search, dist, w = _search(3, p=8)
    search.start(search.greedy(None))
    before = set(search.open_list.tolist())
    rng = np.random.default_rng(0)
    for _ in range(20):
        after = search.perturb(rng, 2)
        assert len(after) == 8 and len(set(after.tolist())) == 8
        closed, opened = before - set(after.tolist()), set(after.tolist()) - before
        assert len(closed) == len(opened) == 2
        # Every moved site shares demand points with the first one closed or opened: one district.
        moved = sorted(closed | opened)
        reach = [set(search.r[search.c == j].tolist()) for j in moved]
        assert any(all(reach[i] & other for other in reach) for i in range(len(moved)))


def test_an_answer_beyond_the_kept_sites_is_costed_exactly_under_a_bound_that_still_holds():
    # A remote hamlet among 30 candidates nobody else uses: its nearest open site lies beyond its
    # kept nearest candidates, so the sparse model charges it a lower bound (the fallback). It
    # weighs little: costed exactly, the answer stays within the target without widening.
    rng = np.random.default_rng(5)
    town = rng.uniform(0, 3000, (600, 2))
    demand = np.vstack([town, [[20_000.0, 20_000.0]]])
    w = np.r_[rng.integers(5, 30, len(town)).astype(float), 0.01]
    sites = np.vstack([rng.uniform(0, 3000, (80, 2)), rng.normal(20_000.0, 300.0, (30, 2))])
    result = PMedian.from_points(demand, w, sites, sites=10).solve(time_limit_s=30.0, mip_gap=0.01)
    dist = cdist(demand, sites)
    assert any("costed exactly" in note for note in result.notes)
    assert not any("widened" in note for note in result.notes)
    assert result.objective == pytest.approx(float(w @ dist[:, result.selected].min(axis=1)))
    assert result.gap <= 0.01
    optimum = PMedian.from_cost_matrix(dist, w, sites=10).solve(time_limit_s=60.0)
    assert optimum.optimal
    assert result.bound <= optimum.objective * (1 + 1e-9) <= result.objective * (1 + 1e-9)
