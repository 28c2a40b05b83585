"""p-median: open ``p`` new sites to minimise the population-weighted distance to the nearest open
site (existing facilities of the type stay open), optionally with site capacities.

Sparse formulation and why it is exact
--------------------------------------
Each demand point keeps only its nearest sites (the ``k`` nearest by straight line, or those
within a distance limit along streets), plus one *fallback* assignment costing a lower bound on
the distance to any site it did not keep (the (k+1)-th nearest distance, or the limit). The
fallback needs no open site, so the sparse model is a relaxation of the full one: its optimum is
a lower bound. When no demand point uses its fallback, that optimum is a feasible assignment of
the full model, hence optimal. Otherwise the points that used it keep twice as many sites and the
model is solved again. Without capacities, sites farther than a point's nearest existing facility
(or site the caller fixed) are dropped: they can never serve it, and demand points whose kept
distances differ only by a constant (points snapped to the same place on a street, which reach
every site through it) are merged, the constant times their population going into the objective.

Solving one round (uncapacitated), anytime
------------------------------------------
Greedy gives a first answer at once; best-improvement swaps (Resende & Werneck's fast
interchange: per demand point its nearest and second-nearest open site, so the value of every
swap comes from one sparse pass and is updated locally after each move) improve it. A Lagrangian
relaxation of the assignment rows (Beasley 1993), optimised by subgradient steps from the
incumbent's distances, gives a lower bound and, by reduced costs, the sites that must be in or
out of any better solution; its subproblems also propose answers. Often that settles every site.
Otherwise HiGHS solves the rest in the distance-level formulation (Cornuejols, Nemhauser & Wolsey
1980; Elloumi 2010): one row per distinct distance of each demand point instead of one variable
per pair, with the same LP bound. Where that model is too large for HiGHS in the time (over
:data:`_LEVEL_MILP_MAX_PAIRS` pairs), iterated local search runs before the Lagrangian, whose
subgradient steps aim at the best answer's cost and gain from a better one, and again after it.
Every better answer and bound is streamed (see
:mod:`._anytime`); a stop returns the best answer so far with its gap. Capacities need the
demand-site assignment, so the capacitated model stays in that form (a greedy assignment first,
then HiGHS), and its result lists the assignment and each site's load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from .._grid import ranges
from ..errors import OptimisationError
from ..progress import Incumbent, Progress, Stopped, report
from . import _highs
from ._anytime import Tracker, check_ids
from ._core import check_radius, check_weights
from .coverage_models import _check_solver, gdf_inputs
from .result import SitingResult

_FIRST_K = 8
# Subgradient optimisation of the p-median Lagrangian: at most this many steps; a step counts
# as progress when the bound rises by this share; the step size halves after this many steps
# without progress; the subproblem's sites are costed as an incumbent every this many steps.
_LAGRANGE_MAX_ITERATIONS = 20_000
_LAGRANGE_IMPROVES = 1e-12
_LAGRANGE_PATIENCE = 50
_LAGRANGE_HEURISTIC_EVERY = 10
# Shares of the time left: swaps after greedy, then the Lagrangian (exact solver; the heuristic
# gives it nearly all).
_SWAP_SHARE = 0.2
_LAGRANGE_SHARE = 0.5
# Above this many kept pairs of sites open to choice, the level MILP is left out (its root LP
# alone would take minutes) and iterated local search, moving this many sites per kick, uses
# the time instead.
_LEVEL_MILP_MAX_PAIRS = 400_000
_ILS_MOVES = 2
# A kick draws its new sites among this many closed sites of the district that would save the most.
_KICK_POOL = 25
# When no level MILP will follow: the local search gets this share of the time left after the
# swaps, then the Lagrangian this share of what is left, and the local search the rest.
_ILS_FIRST_SHARE = 0.45
_LAGRANGE_SHARE_AFTER_ILS = 0.9
# Undone kicks leave rounding errors in the swap tables: rebuilt after this many.
_ILS_REBUILD_EVERY = 20


@dataclass
class _Lagrangian:
    """What the Lagrangian pass proved: a lower bound, the best sites seen and fixed sites."""

    bound: float
    sites: np.ndarray
    cost: float
    fixed_out: np.ndarray
    fixed_in: np.ndarray


class PMedian:
    """The p-median model over demand points and candidate sites.

    Build it with :meth:`from_geodataframe`, :meth:`from_points` or :meth:`from_cost_matrix`.

    Parameters
    ----------
    weights : numpy.ndarray
        (n,) population per demand point.
    n_candidates : int
        Number of candidate sites.
    sites : int
        Number of new sites ``p``.
    capacities : numpy.ndarray, optional
        Capacity per candidate (same unit as the population); each demand point is then served
        by one site and a site serves at most its capacity.
    radius_m : float, optional
        Only for reporting: population within this distance of its site counts as covered.
    existing_capacities : numpy.ndarray, optional
        With ``capacities``: capacity per existing facility (default: unlimited).
    """

    model = "pmedian"

    def __init__(
        self,
        weights: np.ndarray,
        n_candidates: int,
        sites: int,
        capacities: np.ndarray | None = None,
        radius_m: float | None = None,
        existing_capacities: np.ndarray | None = None,
    ) -> None:
        self.weights = check_weights(weights, len(np.asarray(weights).reshape(-1)))
        if n_candidates == 0:
            raise OptimisationError("There are no candidate sites to choose from.")
        if int(sites) != sites or sites < 1:
            raise OptimisationError(
                f"The number of sites must be a whole number of at least 1 (got {sites})."
            )
        if sites > n_candidates:
            raise OptimisationError(f"Cannot choose {sites} sites from only {n_candidates} candidate sites.")
        self.n_candidates = int(n_candidates)
        self.sites = int(sites)
        self.radius_m = None if radius_m is None else check_radius(radius_m)
        self.capacities = None
        if capacities is not None:
            cap = np.asarray(capacities, dtype=np.float64).reshape(-1)
            if len(cap) != n_candidates or np.any(~np.isfinite(cap) | (cap < 0)):
                raise OptimisationError("Capacities must be one non-negative number per candidate site.")
            self.capacities = cap
        self.existing_capacities = (
            None
            if existing_capacities is None
            else np.asarray(existing_capacities, dtype=np.float64).reshape(-1)
        )
        self.candidate_ids = np.arange(n_candidates)
        # Set by the constructors: how to measure demand-site distances.
        self._demand_xy: np.ndarray | None = None
        self._sites_xy: np.ndarray | None = None
        self._cost: np.ndarray | None = None
        self._network = None
        self._max_snap_m = 250.0
        self.n_existing = 0
        # Objective of the last capacitated MILP (its assignment is not simply "nearest open").
        self._last_objective = float("nan")

    # -- constructors -----------------------------------------------------------------------------
    @classmethod
    def from_points(
        cls,
        demand_xy: np.ndarray,
        weights: np.ndarray,
        candidates_xy: np.ndarray,
        existing_xy: np.ndarray | None = None,
        network=None,
        max_snap_m: float = 250.0,
        **options,
    ) -> PMedian:
        """Build from coordinates in a metric CRS (``network`` for distances along streets)."""
        cand = np.asarray(candidates_xy, dtype=np.float64).reshape(-1, 2)
        exist = (
            np.empty((0, 2))
            if existing_xy is None
            else np.asarray(existing_xy, dtype=np.float64).reshape(-1, 2)
        )
        model = cls(weights, len(cand), **options)
        model._demand_xy = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
        model._sites_xy = np.vstack([cand, exist])
        model._network = network
        model._max_snap_m = max_snap_m
        model.n_existing = len(exist)
        return model

    @classmethod
    def from_geodataframe(
        cls,
        demand_gdf: gpd.GeoDataFrame,
        candidates_gdf: gpd.GeoDataFrame,
        population_field: str,
        existing: gpd.GeoDataFrame | None = None,
        network=None,
        max_snap_m: float = 250.0,
        **options,
    ) -> PMedian:
        """Build from layers (see :meth:`MCLP.from_geodataframe`); options: ``sites``,
        ``capacities``, ``radius_m``."""
        demand_xy, population, cand_xy, exist_xy = gdf_inputs(
            demand_gdf, candidates_gdf, population_field, existing
        )
        return cls.from_points(demand_xy, population, cand_xy, exist_xy, network, max_snap_m, **options)

    @classmethod
    def from_cost_matrix(
        cls, cost_matrix: np.ndarray, weights: np.ndarray, *, existing: np.ndarray | None = None, **options
    ) -> PMedian:
        """Build from a dense demand x site cost matrix (``inf`` = unreachable); ``existing``
        masks columns that are existing facilities (always open, never in ``selected``)."""
        cost = np.asarray(cost_matrix, dtype=np.float64)
        if cost.ndim != 2:
            raise OptimisationError("The cost matrix must be two-dimensional (demand x sites).")
        is_existing = np.zeros(cost.shape[1], dtype=bool) if existing is None else np.asarray(existing, bool)
        order = np.r_[np.flatnonzero(~is_existing), np.flatnonzero(is_existing)]
        model = cls(weights, int((~is_existing).sum()), **options)
        model._cost = np.nan_to_num(cost[:, order], nan=np.inf, posinf=np.inf)  # inf stays inf
        model.candidate_ids = np.flatnonzero(~is_existing)
        model.n_existing = int(is_existing.sum())
        return model

    # -- distances --------------------------------------------------------------------------------
    @property
    def _n_sites(self) -> int:
        return self.n_candidates + self.n_existing

    def _kept(self, k: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Kept pairs (CSR of distance + 1) and each demand's fallback lower bound (inf if none).

        ``k`` is the number of nearest sites each demand keeps (Euclidean), or a distance limit
        per demand (network); a dense cost matrix keeps everything.
        """
        n, s = len(self.weights), self._n_sites
        if self._cost is not None:
            i, j = np.nonzero(np.isfinite(self._cost))
            mat = sparse.csr_matrix((self._cost[i, j] + 1.0, (i, j)), shape=(n, s))
            return mat, np.full(n, np.inf)
        if self._network is not None:
            limit = float(k.max())
            site_i, dem_i, dist = self._network.pairs_within(
                self._sites_xy, self._demand_xy, limit, max_snap_m=self._max_snap_m
            )
            # Without a limit, pairs on different street components come back at inf: no pair.
            ok = np.isfinite(dist)
            mat = sparse.csr_matrix((dist[ok] + 1.0, (dem_i[ok], site_i[ok])), shape=(n, s))
            return mat, np.full(n, limit) if np.isfinite(limit) else np.full(n, np.inf)
        kmax = int(min(k.max() + 1, s))
        dist, idx = cKDTree(self._sites_xy).query(self._demand_xy, k=kmax)
        dist, idx = dist.reshape(n, -1), idx.reshape(n, -1)
        rank = np.arange(kmax)[None, :]
        keep = rank < np.minimum(k, s)[:, None]
        fallback = np.full(n, np.inf)
        short = k < s
        fallback[short] = dist[short, np.minimum(k[short], kmax - 1)]
        rows = np.repeat(np.arange(n), keep.sum(axis=1))
        mat = sparse.csr_matrix((dist[keep] + 1.0, (rows, idx[keep])), shape=(n, s))
        mat.sort_indices()
        return mat, fallback

    def _exact_cost(self, cols: np.ndarray) -> float:
        """Person-metres with the candidate columns ``cols`` and the existing sites open
        (straight-line distances: no demand is unreachable)."""
        open_cols = np.r_[np.asarray(cols, dtype=np.int64), self.n_candidates + np.arange(self.n_existing)]
        return float(self.weights @ self._distances_to(open_cols).min(axis=1))

    def _distances_to(self, cols: np.ndarray) -> np.ndarray:
        """Exact (n, len(cols)) distances from every demand point to the given site columns."""
        if self._cost is not None:
            return self._cost[:, cols]
        if self._network is not None:
            out = np.full((len(self.weights), len(cols)), np.inf)
            site_i, dem_i, dist = self._network.pairs_within(
                self._sites_xy[cols], self._demand_xy, np.inf, max_snap_m=self._max_snap_m
            )
            out[dem_i, site_i] = dist
            return out
        diff = self._demand_xy[:, None, :] - self._sites_xy[None, cols, :]
        return np.sqrt(np.sum(diff**2, axis=2))

    # -- solving ----------------------------------------------------------------------------------
    def solve(
        self,
        solver: str = "exact",
        time_limit_s: float = 60.0,
        progress: Progress | None = None,
        mip_gap: float = _highs.MIP_REL_GAP,
        *,
        initial=None,
        fixed=None,
        stop: Callable[[], bool] | None = None,
        on_incumbent: Callable[[Incumbent], None] | None = None,
    ) -> SitingResult:
        """Choose the sites.

        ``"exact"`` solves the sparse model exactly, widening it until no fallback is used (see
        the module docstring): without capacities, greedy and swaps give answers at once, a
        Lagrangian relaxation bounds them and fixes sites in or out, and HiGHS solves what is left
        in distance-level form (often nothing: the bound meets the incumbent); with capacities, a
        greedy assignment comes first and HiGHS solves the assignment MILP. ``"heuristic"`` stops
        after the Lagrangian pass and reports its bound (with capacities: the greedy assignment
        and the LP bound). ``mip_gap``, ``initial``, ``fixed``, ``stop`` and ``on_incumbent`` are
        as for :meth:`MCLP.solve` (``fixed`` sites count towards ``sites``).
        """
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        forced = check_ids(fixed, self.candidate_ids, "fixed")
        start = check_ids(initial, self.candidate_ids, "initial")
        if len(forced) > self.sites:
            raise OptimisationError(
                f"{len(forced)} sites are fixed but only {self.sites} may be placed; fix fewer or place more."
            )
        if self.capacities is not None:
            n_ex = self.n_existing
            ex_cap = np.full(n_ex, np.inf) if self.existing_capacities is None else self.existing_capacities
            if len(ex_cap) != n_ex:
                raise OptimisationError(
                    f"There are {len(ex_cap)} existing capacities for {n_ex} existing facilities."
                )
            total_cap = np.sort(self.capacities)[::-1][: self.sites].sum() + np.sum(ex_cap)
            if total_cap < self.weights.sum():
                raise OptimisationError(
                    f"The {self.sites} largest site capacities ({total_cap:,.0f}) cannot serve the whole "
                    f"population ({self.weights.sum():,.0f})."
                )
        tracker = Tracker(False, started, time_limit_s, progress, on_incumbent, stop)
        run = _PMedianRun(self, solver, time_limit_s, progress, mip_gap, tracker, forced, start)
        try:
            return run.run()
        except Stopped:
            if not tracker.has_answer:
                raise
            tracker.stopped = True
            run.notes.append(tracker.stop_note())
            return run.finish(proven=False)

    def _finish(
        self,
        chosen,
        bound,
        optimal,
        started,
        solver,
        notes,
        unreachable,
        mip_gap=_highs.MIP_REL_GAP,
        tracker: Tracker | None = None,
        reduction: dict | None = None,
        assignment: np.ndarray | None = None,
    ) -> SitingResult:
        """The result for ``chosen``; ``optimal`` says the solve stopped as optimal at ``mip_gap``.

        With capacities, ``assignment`` holds the site column serving each demand point (-1 for
        its fallback or none) and the objective is the tracker's (the assignment's cost).
        """
        chosen = np.sort(np.asarray(chosen, dtype=np.int64))
        w = self.weights.copy()
        w[unreachable] = 0.0
        ex_cols = self.n_candidates + np.arange(self.n_existing)
        d_ex = self._distances_to(ex_cols).min(axis=1) if self.n_existing else np.full(len(w), np.inf)
        d_new = self._distances_to(chosen)
        if self.capacities is None:
            nearest = np.minimum(d_new.min(axis=1) if len(chosen) else np.inf, d_ex)
            # Demand no site can reach is out of the model (weight 0): never 0 x inf = NaN.
            served = (w > 0) & np.isfinite(nearest)
            objective = float(np.sum(w[served] * nearest[served]))
            left = float(w[(w > 0) & ~served].sum())
            if left > 0:
                # Serving a small separate street part would take a site from everyone else (the
                # searches charge an unserved person a long way, not an infinite one). Said, and
                # no bound stated: the bounds are those of serving everyone.
                one = len(chosen) == 1
                notes = [
                    *notes,
                    f"{left:,.0f} people live on separate parts of the street network that none of the "
                    f"{len(chosen)} chosen site{'' if one else 's'} nor an existing facility reaches: "
                    "they are left out of the objective, which states no bound (more sites, or "
                    "candidates on connected streets only, would serve them)",
                ]
                bound, optimal = float("nan"), False
        else:
            objective = float(self._last_objective if tracker is None else tracker.objective)
            left = 0.0
        # Marginal gains, adding the chosen sites greedily: population newly within the radius
        # when there is one, else person-metres saved; a point no open site served yet counts
        # from its farthest chosen site, so the first site's gain is finite too.
        finite_new = np.where(np.isfinite(d_new), d_new, np.nan)
        farthest = np.nanmax(finite_new, axis=1, initial=0.0) if len(chosen) else np.zeros(len(w))
        cur = np.where(np.isfinite(d_ex), d_ex, farthest)
        served = np.isfinite(d_ex) & (d_ex <= (np.inf if self.radius_m is None else self.radius_m))
        alive = np.ones(len(chosen), dtype=bool)
        order, gains = [], []
        for _ in range(len(chosen)):
            if self.radius_m is not None:
                save = (w * ~served) @ (d_new <= self.radius_m)
            else:
                save = w @ np.maximum(cur[:, None] - np.where(np.isfinite(d_new), d_new, cur[:, None]), 0.0)
            save = np.where(alive, save, -np.inf)
            j = int(np.argmax(save))
            alive[j] = False
            order.append(j)
            gains.append(float(save[j]))
            cur = np.minimum(cur, d_new[:, j])
            if self.radius_m is not None:
                served |= d_new[:, j] <= self.radius_m
        total = float(self.weights.sum())
        limit = np.inf if self.radius_m is None else self.radius_m
        nearest_after = np.minimum(d_new.min(axis=1) if len(chosen) else np.inf, d_ex)
        after = float(self.weights[np.isfinite(nearest_after) & (nearest_after <= limit)].sum())
        before = float(self.weights[np.isfinite(d_ex) & (d_ex <= limit)].sum())
        gap = abs(objective - bound) / max(abs(objective), 1e-12) if np.isfinite(bound) else float("nan")
        optimal = _highs.proven(optimal, objective, bound, mip_gap)
        if optimal:
            gap = min(gap, _highs.MIP_REL_GAP)
        gain_of = dict(zip([int(chosen[o]) for o in order], gains, strict=True))
        extra: dict = {}
        if self.capacities is not None and assignment is not None:
            m = self.n_candidates
            load = np.bincount(
                assignment[assignment >= 0], weights=self.weights[assignment >= 0], minlength=self._n_sites
            )
            ids = self.candidate_ids[np.clip(assignment, 0, m - 1)]
            extra = {
                "assignment": np.where(
                    assignment >= m, -2 - (assignment - m), np.where(assignment >= 0, ids, -1)
                ),
                "site_load": load[chosen],
                "existing_load": load[m:],
            }
        return SitingResult(
            model=self.model,
            selected=self.candidate_ids[chosen],
            objective=objective,
            population_covered=after,
            percent_covered=100.0 * after / total,
            optimal=bool(optimal),
            gap=float(gap),
            seconds=time.perf_counter() - started,
            marginal_gain=np.array([gain_of[int(c)] for c in chosen]),
            bound=float(bound),
            population_total=total,
            population_covered_before=before,
            percent_covered_before=100.0 * before / total,
            solver=solver,
            greedy_order=self.candidate_ids[chosen[order]] if len(chosen) else np.empty(0, dtype=np.int64),
            uncoverable=unreachable,
            unreachable_population=float(self.weights[unreachable].sum()),
            population_left_out=left if self.capacities is None else None,
            notes=notes,
            stopped=bool(tracker is not None and tracker.stopped),
            reduction=dict(reduction or {}),
            history=[] if tracker is None else list(tracker.history),
            **extra,
        )


class _PMedianRun:
    """One p-median solve (see :meth:`PMedian.solve`): rounds of the sparse model, anytime."""

    def __init__(
        self, owner: PMedian, solver, time_limit_s, progress, mip_gap, tracker: Tracker, forced, start
    ):
        self.owner, self.solver, self.time_limit_s = owner, solver, time_limit_s
        self.progress, self.mip_gap, self.tracker = progress, mip_gap, tracker
        self.forced, self.start = forced, start
        self.notes: list[str] = []
        self.reduction: dict = {}
        self.unreachable = np.empty(0, dtype=np.int64)
        self.assignment: np.ndarray | None = None

    def left(self) -> float:
        """Seconds left, less a reserve for building the result."""
        return self.tracker.remaining() - min(1.0, 0.02 * self.time_limit_s)

    def target(self) -> float:
        return self.mip_gap if self.mip_gap > _highs.MIP_REL_GAP else 1e-9

    def offer(self, model: _SparseModel, sites: np.ndarray, cost: float, stage: str) -> bool:
        """Offer free candidates ``sites`` (the forced ones are added) at their sparse-model cost;
        streamed without the charge for people it leaves with no site to reach."""
        payload = np.unique(np.r_[self.forced, np.asarray(sites, dtype=np.int64)])
        left = model.left_unserved(payload)
        return self.tracker.offer(payload, cost, self.owner.candidate_ids[payload], stage, left_out=left)

    def run(self) -> SitingResult:
        own = self.owner
        n = len(own.weights)
        start_k = _FIRST_K if own.capacities is None else 2 * _FIRST_K
        if own._network is not None:
            k = np.full(n, np.inf if own.radius_m is None else 4 * own.radius_m)
        else:
            # A point's nearest open site is typically about its (sites / p)-th nearest.
            k = np.full(n, min(max(start_k, int(np.ceil(2 * own._n_sites / own.sites))), own._n_sites))
        report(self.progress, 0.0, "Measuring distances")
        warm = self.start if len(self.start) else None
        while True:
            pairs, fallback = own._kept(k)
            forced = np.zeros(own.n_candidates, dtype=bool)
            forced[self.forced] = True
            model = _SparseModel(own, pairs, fallback, forced=forced)
            self.unreachable = model.unreachable
            self.reduction = model.reduction()
            if own.capacities is None:
                proven = self.uncapacitated_round(model, warm)
                if self.solver == "heuristic":
                    return self.finish(proven)
                used_fallback = model.unserved(self.tracker.payload)
            else:
                proven = self.capacitated_round(model)
                used_fallback = model.fallback_rows(self.assignment)
            if not used_fallback.any() or not proven:
                if used_fallback.any():
                    self.notes.append(
                        "time limit reached while widening the sparse model; objective re-evaluated"
                    )
                return self.finish(proven and not used_fallback.any())
            straight_line = own._network is None and own._cost is None and own.capacities is None
            if straight_line:
                # Fallbacks are lower bounds of the true distances, so the bound holds for the
                # true problem; the answer, costed exactly, may already be within the target.
                self.tracker.restate(own._exact_cost(self.tracker.payload), "costed exactly")
                if self.tracker.reached(self.target()):
                    self.notes.append(
                        f"{int(used_fallback.sum())} demand points served beyond their nearest kept "
                        "sites, costed exactly"
                    )
                    return self.finish(True)
            self.notes.append(f"widened the sparse model for {int(used_fallback.sum())} demand points")
            k = k.copy()
            if own._network is not None:
                k[:] = np.inf
            else:
                k[used_fallback] = np.minimum(2 * k[used_fallback], own._n_sites)
            warm = self.tracker.payload
            if not straight_line:
                # Along streets the wider model may find the demand unreachable and leave it out,
                # and a capacitated answer is its assignment's: the narrower model's answer, cost
                # and bound do not carry over.
                self.tracker.reset_answer()

    def uncapacitated_round(self, model: _SparseModel, warm: np.ndarray | None) -> bool:
        """Greedy, swaps, Lagrangian and (exact) the level MILP; whether the answer is proven."""
        tracker, progress = self.tracker, self.progress
        if model.p_free == 0:
            self.offer(
                model, np.empty(0, dtype=np.int64), model.cost_of(np.empty(0, dtype=np.int64)), "fixed sites"
            )
            tracker.tighten(tracker.objective, "nothing left to choose")
            return True
        search = model.swap_search()
        if warm is None:
            chosen = search.greedy(progress)
            stage = "greedy"
        else:
            chosen = search.complete(np.setdiff1d(warm, self.forced))
            stage = "your sites"
        search.start(chosen)
        self.offer(model, chosen, search.total(), stage)
        # Every candidate open at once bounds the optimum from below: a stop states a gap.
        tracker.tighten(model.all_open_cost(), "all candidates open")
        share = 0.9 if self.solver == "heuristic" else _SWAP_SHARE
        chosen = search.improve(
            time.perf_counter() + max(share * self.left(), 0.05),
            progress,
            check=tracker.check,
            on_better=lambda sel, cost: self.offer(model, sel, cost, "swaps"),
        )
        self.offer(model, chosen, search.total(), "swaps")
        large = self.level_pairs(model, model.forced) > _LEVEL_MILP_MAX_PAIRS
        if large and self.solver != "heuristic":
            # No level MILP will follow: the local search runs first, so that the subgradient
            # aims at a good answer (its Polyak steps aim at the best answer's cost).
            self.local_search(model, search, _ILS_FIRST_SHARE * self.left())
        best = self.free_sites()
        if self.solver == "heuristic":
            share = 0.95
        else:
            share = _LAGRANGE_SHARE_AFTER_ILS if large else _LAGRANGE_SHARE
        lag = model.lagrangian(
            best,
            time.perf_counter() + max(share * self.left(), 0.05),
            progress,
            check=tracker.check,
            on_bound=lambda bound: tracker.tighten(bound, "Lagrangian bound"),
            on_sites=lambda sel, cost: self.offer(model, sel, cost, "Lagrangian heuristic"),
            start=chosen,
            enough=self.target(),
        )
        tracker.tighten(lag.bound, "Lagrangian bound")
        if not np.array_equal(lag.sites, best) and self.left() > 0:
            search.start(lag.sites)
            better = search.improve(
                time.perf_counter() + max(0.2 * self.left(), 0.05), progress, check=tracker.check
            )
            self.offer(model, better, search.total(), "Lagrangian heuristic and swaps")
        free = model.n_free - int(lag.fixed_out.sum()) - int(lag.fixed_in.sum())
        # Proven when the fixings leave no choice, or the bound meets the incumbent to rounding.
        if free == 0:
            # With every site fixed, any other selection costs more than the Lagrangian's incumbent.
            tracker.tighten(min(lag.cost, tracker.objective), "Lagrangian fixings")
        proven = free == 0 or tracker.reached(self.target())
        if self.solver == "heuristic" or proven:
            self.notes.append(
                "bound: Lagrangian relaxation" + (" and the sites it fixes" if free == 0 else "")
            )
            return bool(proven)
        level_pairs = self.level_pairs(model, lag.fixed_out | lag.fixed_in | model.forced)
        if level_pairs > _LEVEL_MILP_MAX_PAIRS:
            # HiGHS could not even solve the level model's root LP in the time left: improve the
            # answer by iterated local search instead (the bound stays the Lagrangian's).
            self.notes.append(
                f"bound: Lagrangian relaxation; the level MILP ({level_pairs:,} demand-site pairs over "
                f"{free} open sites) is too large for the time left, so iterated local search used it"
            )
            self.local_search(model, search)
            return tracker.reached(self.target())
        self.notes.append(
            f"Lagrangian bound fixed {int(lag.fixed_out.sum())} sites out and {int(lag.fixed_in.sum())} in; "
            f"HiGHS chose among the other {free}"
        )
        self.reduction["sites_fixed_out"] = int(lag.fixed_out.sum())
        self.reduction["sites_fixed_in"] = int(lag.fixed_in.sum())
        m = self.owner.n_candidates

        def on_solution(x: np.ndarray, objective: float, bound: float) -> bool:
            self.offer(model, np.flatnonzero(x[:m] > 0.5), objective, "HiGHS")
            return tracker.reached(self.target())

        try:
            out = model.level_milp(
                max(self.left(), 0.5),
                progress,
                warm=tracker.payload,
                fixed_out=lag.fixed_out,
                fixed_in=lag.fixed_in,
                mip_gap=self.mip_gap,
                on_solution=on_solution,
                stop=tracker.stop_requested,
            )
        except OptimisationError:
            if model.leaves_unserved(tracker.payload):
                # No p sites reach every street part with people: the answer says so in finish.
                return True
            raise
        if out.x is not None:
            self.offer(model, np.flatnonzero(out.x[:m] > 0.5), out.objective, "HiGHS")
        if out.stopped:
            raise Stopped("The optimisation was stopped early.")
        # Any selection outside the fixings costs more than lag.cost, which bounds the rest.
        if np.isfinite(out.bound):
            tracker.tighten(max(lag.bound, min(out.bound, lag.cost)), "HiGHS")
        if not out.optimal and out.status != "Stopped at the caller's target":
            self.notes.append(f"HiGHS stopped ({out.status}) before proving optimality")
        return bool(out.optimal and self.mip_gap <= _highs.MIP_REL_GAP) or tracker.reached(self.target())

    def free_sites(self) -> np.ndarray:
        """The best answer's sites other than the caller's fixed ones."""
        return np.setdiff1d(np.asarray(self.tracker.payload, dtype=np.int64), self.forced)

    def level_pairs(self, model: _SparseModel, settled: np.ndarray) -> int:
        """Kept pairs of the sites not in ``settled`` (a mask over candidates): the level MILP's size."""
        free_mask = ~settled
        return int(np.count_nonzero(free_mask[np.minimum(model.col, self.owner.n_candidates - 1)]))

    def local_search(self, model: _SparseModel, search: _SwapSearch, seconds: float | None = None) -> None:
        """Iterated local search for ``seconds`` (default: until the time is up): move a few
        sites of the best answer to promising closed sites, swap to a local optimum, keep it
        when better.

        Kicks, swaps and their undoing update the swap tables locally: rebuilding them for
        all points took most of the time of a kick."""
        tracker = self.tracker
        rng = np.random.default_rng(0)
        best = self.free_sites()
        if len(best) != model.p_free:
            return
        deadline = time.perf_counter() + (self.left() if seconds is None else seconds)
        search.start(best)
        kicks = 0
        while time.perf_counter() < deadline:
            tracker.check()
            best_cost = search.cost
            moves = search.kick(rng, min(_ILS_MOVES, model.p_free))
            moves += search.descend(deadline, self.progress, check=tracker.check)
            kicks += 1
            if search.cost < best_cost - 1e-9 * max(abs(best_cost), 1.0):
                # The tables' cost drifts by rounding: the answer is costed afresh.
                found = np.sort(search.open_list)
                search.start(found)
                if self.offer(model, found, search.total(), "iterated local search"):
                    best = found
                else:
                    search.start(best)
            elif moves:
                search.undo(moves)
                if kicks % _ILS_REBUILD_EVERY == 0:
                    search.start(best)

    def capacitated_round(self, model: _SparseModel) -> bool:
        """A greedy assignment, then HiGHS on the assignment model; whether the answer is proven."""
        tracker = self.tracker
        first = model.capacitated_greedy(self.start)
        if first is not None:
            sites, assign, cost = first
            self.assignment = assign
            self.offer(model, sites, cost, "greedy assignment")

        def on_solution(x: np.ndarray, objective: float, bound: float) -> bool:
            sites, assign = model.decode(x)
            if self.offer(model, sites, objective, "HiGHS"):
                self.assignment = assign
            if np.isfinite(bound):
                tracker.tighten(bound, "HiGHS")
            return tracker.reached(self.target())

        out = model.capacitated_milp(
            max(self.left(), 0.5),
            self.progress,
            self.mip_gap,
            warm=first,
            relax=self.solver == "heuristic",
            on_solution=on_solution,
            stop=tracker.stop_requested,
        )
        if self.solver == "heuristic":
            if out.x is not None and np.isfinite(out.objective):
                tracker.tighten(out.objective, "LP bound")
            self.notes.append("bound: LP relaxation of the assignment model")
            if not tracker.has_answer:
                raise OptimisationError(
                    "The greedy assignment found no feasible answer with these capacities; use the exact "
                    "solver."
                )
            return tracker.reached(_highs.MIP_REL_GAP)
        if out.x is not None:
            sites, assign = model.decode(out.x)
            if self.offer(model, sites, out.objective, "HiGHS"):
                self.assignment = assign
        if out.stopped:
            raise Stopped("The optimisation was stopped early.")
        if np.isfinite(out.bound):
            tracker.tighten(out.bound, "HiGHS")
        if not out.optimal and out.status != "Stopped at the caller's target":
            self.notes.append(f"HiGHS stopped ({out.status}) before proving optimality")
        return bool(out.optimal and self.mip_gap <= _highs.MIP_REL_GAP) or tracker.reached(self.target())

    def finish(self, proven: bool) -> SitingResult:
        tracker = self.tracker
        return self.owner._finish(
            tracker.payload,
            tracker.bound,
            proven or tracker.reached(_highs.MIP_REL_GAP),
            tracker.started,
            "heuristic" if self.solver == "heuristic" else "exact",
            self.notes,
            self.unreachable,
            self.mip_gap,
            tracker=tracker,
            reduction=self.reduction,
            assignment=self.assignment,
        )


class _SparseModel:
    """One round of the sparse p-median: kept pairs, fallbacks, merged rows, searches and MILPs.

    ``forced`` (bool per candidate) marks the caller's fixed sites: open throughout, they cap
    distances like existing facilities and leave ``p - len(forced)`` sites to choose.
    """

    def __init__(
        self, owner: PMedian, pairs: sparse.csr_matrix, fallback: np.ndarray, forced: np.ndarray | None = None
    ) -> None:
        self.owner = owner
        m = owner.n_candidates
        self.forced = np.zeros(m, dtype=bool) if forced is None else np.asarray(forced, dtype=bool)
        self.always = np.r_[self.forced, np.ones(owner.n_existing, dtype=bool)]
        self.p_free = owner.sites - int(self.forced.sum())
        self.n_free = m - int(self.forced.sum())
        pairs = sparse.csr_matrix(pairs)
        pairs.sort_indices()
        coo = pairs.tocoo()
        row, col, dist = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data - 1.0
        fallback = fallback.copy()
        n_rows = len(fallback)
        if owner.capacities is None:
            # Nothing beyond a point's nearest existing (or fixed) site can serve it.
            is_ex = self.always[col]
            nearest_ex = np.full(n_rows, np.inf)
            np.minimum.at(nearest_ex, row[is_ex], dist[is_ex])
            keep = dist <= nearest_ex[row]
            row, col, dist = row[keep], col[keep], dist[keep]
            fallback[np.isfinite(nearest_ex)] = np.inf
        has_pair = np.bincount(row, minlength=n_rows) > 0
        self.unreachable = np.flatnonzero(~has_pair & ~np.isfinite(fallback))
        # By point, nearest first (ties by site): the order the searches and the merging read.
        order = np.lexsort((dist, row))  # stable: ties stay by site, as the CSR stores them
        row, col, dist = row[order], col[order], dist[order]
        weights = owner.weights.copy()
        weights[self.unreachable] = 0.0
        self.n_points = n_rows
        self.merged_rows = 0
        self.offset = 0.0
        self.row_group = np.arange(n_rows)
        if owner.capacities is None:
            row, col, dist, fallback, weights, self.row_group, self.offset = _merge_rows(
                row, col, dist, fallback, weights
            )
            self.merged_rows = n_rows - len(weights)
        self.row, self.col, self.dist = row, col, dist
        self.fallback = fallback
        self.weights = weights
        finite = dist[np.isfinite(dist)]
        self.big = 10.0 * (float(finite.max()) if len(finite) else 1.0) + 1e6

    def reduction(self) -> dict:
        """What this round's reductions removed (for ``SitingResult.reduction``)."""
        return {
            "demand_points": int(self.n_points),
            "demand_groups": int(len(self.weights)),
            "candidates": int(self.owner.n_candidates),
            "sites_forced": int(self.forced.sum()),
            "pairs": int(len(self.row)),
        }

    def _cap(self) -> np.ndarray:
        """Per demand, the cost without any new site: nearest existing or fixed site, else the
        fallback (or inf)."""
        cap = self.fallback.copy()
        is_ex = self.always[self.col]
        np.minimum.at(cap, self.row[is_ex], self.dist[is_ex])
        return cap

    def _base(self) -> np.ndarray:
        """:meth:`_cap` with a large finite cost for demand no kept site can serve."""
        return np.minimum(self._cap(), self.big)

    def _choosable(self) -> np.ndarray:
        """Pairs of candidates open to choice (not existing, not fixed)."""
        return (self.col < self.owner.n_candidates) & ~self.always[self.col]

    def _open(self, chosen: np.ndarray) -> np.ndarray:
        """Open sites (bool per site column): ``chosen`` and the existing and fixed ones."""
        is_open = self.always.copy()
        is_open[np.asarray(chosen, dtype=np.int64)] = True
        return is_open

    def _reached(self, chosen: np.ndarray) -> np.ndarray:
        """Per demand row, whether a kept pair joins it to an open site (see :meth:`_open`)."""
        served = np.zeros(len(self.weights), dtype=bool)
        served[self.row[self._open(chosen)[self.col]]] = True
        return served

    def cost_of(self, chosen: np.ndarray) -> float:
        """Sparse-model cost of opening ``chosen`` (plus the existing and fixed sites)."""
        is_open = self._open(chosen)
        base = self._base()
        served = base.copy()
        use = is_open[self.col]
        np.minimum.at(served, self.row[use], self.dist[use])
        w = self.weights
        return float(w[w > 0] @ served[w > 0]) + self.offset

    @cached_property
    def _uncapped(self) -> np.ndarray:
        """Demand with people and no cost without a new site (no fallback, no existing site)."""
        return ~np.isfinite(self._cap()) & (self.weights > 0)

    def left_unserved(self, chosen: np.ndarray) -> tuple[float, float] | None:
        """(What :meth:`cost_of` charges, people) for the demand that no open site (``chosen``,
        forced, existing) can reach and that has no fallback: a penalty for leaving it unserved,
        not a distance anyone travels. None when there is none."""
        uncapped = self._uncapped
        if not uncapped.any():  # every point has a fallback or an existing site: nothing to check
            return None
        left = uncapped & ~self._reached(chosen)
        if not left.any():
            return None
        people = float(self.weights[left].sum())
        return people * self.big, people

    def all_open_cost(self) -> float:
        """Sparse-model cost with every candidate open: a lower bound for any ``p``."""
        return self.cost_of(np.flatnonzero(~self.forced))

    def swap_search(self) -> _SwapSearch:
        """Greedy and fast swaps over the choosable candidates."""
        use = self._choosable() & (self.weights[self.row] > 0)
        base = self._base()
        use &= self.dist < base[self.row]
        # Pairs are already by point, nearest first: the order the search reads.
        return _SwapSearch(
            self.row[use],
            self.col[use],
            self.dist[use],
            self.weights,
            base,
            self.owner.n_candidates,
            self.p_free,
            self.offset,
        )

    def lagrangian(
        self,
        sites: np.ndarray,
        deadline: float,
        progress: Progress | None,
        check: Callable[[], None] | None = None,
        on_bound: Callable[[float], object] | None = None,
        on_sites: Callable[[np.ndarray, float], object] | None = None,
        start: np.ndarray | None = None,
        enough: float = 0.0,
    ) -> _Lagrangian:
        """Lagrangian bound of the uncapacitated sparse model and the sites it proves in or out.

        Relaxing "each demand is served once" with multipliers ``lam`` (Beasley 1993) leaves
        ``sum(lam) + the p most negative site terms rho_j = sum_i min(0, w_i d_ij - lam_i)``, a
        lower bound for every ``lam``; each demand's cap (nearest existing or fixed site, or the
        fallback) is always available, so ``lam_i <= w_i cap_i``. Subgradient optimisation with
        Polyak steps aimed at the incumbent raises it from ``lam_i = w_i d_i`` (the incumbent's
        distances); every few steps the subproblem's ``p`` sites are costed as an answer
        (Lagrangian heuristic). A site whose forced opening (closing) lifts the bound above the
        incumbent cannot be in (out of) a better solution.

        Parameters
        ----------
        sites : numpy.ndarray
            A feasible selection of the choosable candidates (the starting incumbent).
        start : numpy.ndarray, optional
            The selection whose costs are the first multipliers (default ``sites``). A swap
            optimum's costs start the subgradient better than a far better answer's (on
            20,000 x 2,000, p = 50, aimed at the same answer: 75.58 M against 75.50 M after
            30 s), whose costs leave less room for the steps.
        enough : float
            The relative gap at which to stop (the caller's target; at least the solver's
            optimality tolerance).
        """
        m, p = self.owner.n_candidates, self.p_free
        w = self.weights
        cap = self._cap()
        keep = self._choosable() & (w[self.row] > 0) & (self.dist < cap[self.row])
        r, c = self.row[keep], self.col[keep]
        pair_cost = w[r] * self.dist[keep]
        cap_cost = w * np.where(w > 0, cap, 0.0)
        starts = np.searchsorted(r, np.arange(len(w) + 1))
        nonempty = np.flatnonzero(starts[1:] > starts[:-1])

        def served(chosen: np.ndarray) -> np.ndarray:
            is_open = np.zeros(m, dtype=bool)
            is_open[chosen] = True
            out = cap_cost.copy()
            if len(nonempty):
                best = np.minimum.reduceat(np.where(is_open[c], pair_cost, np.inf), starts[nonempty])
                out[nonempty] = np.minimum(out[nonempty], best)
            return out

        def cost_of(chosen: np.ndarray) -> float:
            return float(served(chosen).sum()) + self.offset

        best_sites = np.sort(np.asarray(sites, dtype=np.int64))
        upper = cost_of(best_sites)
        # Start at the costs of ``start``: each point pays what it pays there (a point it leaves
        # unserved, between its cheapest pair and its cap).
        first = best_sites if start is None else np.asarray(start, dtype=np.int64)
        lam = np.minimum(served(first), cap_cost)
        if not np.all(np.isfinite(lam)):
            cheapest = np.full(len(w), np.inf)
            if len(nonempty):
                cheapest[nonempty] = np.minimum.reduceat(pair_cost, starts[nonempty])
            bad = ~np.isfinite(lam)
            lam[bad] = np.where(
                np.isfinite(cheapest[bad]), np.minimum(2.0 * cheapest[bad], cap_cost[bad]), cap_cost[bad]
            )
        best_bound, best_lam = -np.inf, lam
        step_scale, stall = 2.0, 0
        told = time.perf_counter()
        for it in range(_LAGRANGE_MAX_ITERATIONS):
            reduced = np.minimum(pair_cost - lam[r], 0.0)
            rho = np.bincount(c, weights=reduced, minlength=m)
            rho[self.forced] = np.inf
            top = np.argpartition(rho, p - 1)[:p]
            bound = float(lam.sum() + rho[top].sum()) + self.offset
            if bound > best_bound + _LAGRANGE_IMPROVES * abs(best_bound) or it == 0:
                best_bound, best_lam, stall = bound, lam, 0
            else:
                stall += 1
                if stall >= _LAGRANGE_PATIENCE:
                    step_scale, stall = step_scale / 2, 0
            if it % _LAGRANGE_HEURISTIC_EVERY == 0:
                candidate = np.sort(top)
                value = cost_of(candidate)
                if value < upper:
                    upper, best_sites = value, candidate
                    if on_sites is not None:
                        on_sites(best_sites, upper)
                if on_bound is not None and time.perf_counter() - told > 0.5:
                    told = time.perf_counter()
                    on_bound(best_bound)
                report(progress, 0.16, f"Lagrangian bound (gap {(upper - best_bound) / upper:.2%})")
                if check is not None:
                    check()
            if upper - best_bound <= max(_highs.MIP_REL_GAP, enough) * abs(upper) or step_scale < 1e-5:
                break
            if time.perf_counter() > deadline:
                break
            is_open = np.zeros(m, dtype=bool)
            is_open[top] = True
            served_by = np.bincount(r[is_open[c] & (reduced < 0)], minlength=len(w))
            direction = np.where(w > 0, 1.0 - served_by, 0.0)
            direction[(lam >= cap_cost) & (direction > 0)] = 0.0
            norm = float(direction @ direction)
            if norm == 0.0:
                break
            # Aim at the incumbent; while there is none (some demand unserved), a bit above the bound.
            target = upper if np.isfinite(upper) else bound + 0.1 * abs(bound) + 1.0
            lam = np.minimum(lam + step_scale * (target - bound) / norm * direction, cap_cost)
        rho = np.bincount(c, weights=np.minimum(pair_cost - best_lam[r], 0.0), minlength=m)
        # Only choosable candidates compete for the p places.
        rho[self.forced] = np.inf
        ranked = np.sort(rho)
        slack = upper - best_bound + 1e-9 * abs(upper)
        fixed_out = (rho - ranked[p - 1] > slack) & ~self.forced
        fixed_in = (ranked[p] - rho > slack) & ~self.forced if p < self.n_free else ~self.forced
        return _Lagrangian(min(best_bound, upper), best_sites, upper, fixed_out, fixed_in)

    def level_milp(
        self,
        time_limit_s: float,
        progress: Progress | None,
        warm: np.ndarray | None = None,
        relax: bool = False,
        fixed_out: np.ndarray | None = None,
        fixed_in: np.ndarray | None = None,
        mip_gap: float = _highs.MIP_REL_GAP,
        on_solution=None,
        stop=None,
    ):
        """Solve the uncapacitated sparse model (or its LP relaxation) in distance-level form.

        For each demand ``i`` the distinct kept candidate distances ``D_1 < ... < D_K`` closer than
        its cap (nearest existing facility, else the fallback) are levels; ``z_k`` >= 0 says "no
        open site within ``D_k``". The cost is ``w_i (D_1 + sum_k (D_{k+1} - D_k) z_k)`` with
        ``D_{K+1}`` the cap, under ``z_1 + y(level 1) >= 1`` and ``z_k - z_{k-1} + y(level k) >= 0``
        (Cornuejols, Nemhauser & Wolsey; Elloumi 2010). Its LP bound equals the assignment
        model's, with one row per level instead of one per pair, and HiGHS mostly closes it at the
        root. A level with at least ``m - p + 1`` candidates within it always has one open
        (Elloumi's reduction), so its ``z`` is fixed at 0.

        Sites in ``fixed_out`` (bool mask over candidates) are left out; sites in ``fixed_in``
        (and the caller's fixed sites) are open and, like existing facilities, cap the distance of
        the demand they reach. ``on_solution`` and ``stop`` go to :func:`._highs.solve`.
        """
        own = self.owner
        m, p = own.n_candidates, own.sites
        w = self.weights
        fixed_out = np.zeros(m, dtype=bool) if fixed_out is None else fixed_out
        fixed_in = (np.zeros(m, dtype=bool) if fixed_in is None else fixed_in) | self.forced
        cap = self._cap()
        is_cand = self.col < m
        by_fixed = np.flatnonzero(is_cand)[fixed_in[self.col[is_cand]]]
        np.minimum.at(cap, self.row[by_fixed], self.dist[by_fixed])
        free = np.zeros(own._n_sites, dtype=bool)
        free[:m] = ~fixed_out & ~fixed_in
        keep = free[self.col] & (w[self.row] > 0) & (self.dist < cap[self.row])
        order = np.flatnonzero(keep)[np.lexsort((self.col[keep], self.dist[keep], self.row[keep]))]
        r, c, d = self.row[order], self.col[order], self.dist[order]
        new_level = np.r_[True, (r[1:] != r[:-1]) | (d[1:] != d[:-1])]
        level = np.cumsum(new_level) - 1
        lv_row, lv_dist = r[new_level], d[new_level]
        n_lv = len(lv_row)
        first = np.r_[True, lv_row[1:] != lv_row[:-1]]
        following = np.r_[lv_dist[1:], 0.0]
        last_of_row = np.r_[first[1:], True]
        next_dist = np.where(last_of_row, cap[lv_row], following)
        # Candidates within each level, counted from the demand's nearest one.
        row_start = np.searchsorted(r, lv_row)
        last_pair = np.r_[np.flatnonzero(new_level)[1:], len(r)] - 1
        within = last_pair - row_start + 1
        must_open = ~np.isfinite(next_dist) | (within >= m - int(fixed_out.sum()) - p + 1)
        cost = np.r_[np.zeros(m), np.where(must_open, 0.0, w[lv_row] * (next_dist - lv_dist))]
        col_lower = np.r_[fixed_in.astype(float), np.zeros(n_lv)]
        col_upper = np.r_[(~fixed_out).astype(float), np.where(must_open, 0.0, 1.0)]
        has_level = np.zeros(len(w), dtype=bool)
        has_level[lv_row] = True
        offset = self.offset + float(w[lv_row[first]] @ lv_dist[first])
        plain = ~has_level & (w > 0)
        offset += float(w[plain] @ np.where(np.isfinite(cap[plain]), cap[plain], 0.0))
        z = m + np.arange(n_lv)
        chain = np.flatnonzero(~first)
        rows = sparse.csr_matrix(
            (
                np.r_[np.ones(n_lv), -np.ones(len(chain)), np.ones(len(r)), np.ones(m)],
                (
                    np.r_[np.arange(n_lv), chain, level, np.full(m, n_lv)],
                    np.r_[z, z[chain] - 1, c, np.arange(m)],
                ),
            ),
            shape=(n_lv + 1, m + n_lv),
        )
        warm_x = None
        if warm is not None and not relax:
            is_open = np.zeros(m, dtype=bool)
            is_open[np.asarray(warm, dtype=np.int64)] = True
            is_open |= fixed_in
            first_open = np.full(len(w), n_lv)
            np.minimum.at(first_open, r[is_open[c]], level[is_open[c]])
            warm_x = np.r_[is_open.astype(float), (np.arange(n_lv) < first_open[lv_row]).astype(float)]
        return _highs.solve(
            cost,
            rows,
            np.r_[first.astype(float), p],
            np.r_[np.full(n_lv, np.inf), p],
            col_lower,
            col_upper,
            None if relax else np.r_[np.ones(m, dtype=bool), np.zeros(n_lv, dtype=bool)],
            False,
            time_limit_s,
            progress,
            (0.2, 0.98),
            warm_start=warm_x,
            offset=offset,
            rel_gap=mip_gap,
            on_solution=on_solution,
            stop=stop,
        )

    def capacitated_greedy(self, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
        """A first capacitated answer: sites by fast uncapacitated greedy (or ``start``), then each
        demand point, the heaviest first, to its nearest open kept site with room left, else its
        fallback. None when some point can go nowhere."""
        own = self.owner
        n = len(self.weights)
        w = self.weights
        if self.p_free == 0:
            chosen = np.empty(0, dtype=np.int64)
        else:
            finder = self.swap_search()
            free_start = np.setdiff1d(start, np.flatnonzero(self.forced))
            chosen = finder.complete(free_start) if len(start) else finder.greedy(None)
        is_open = self._open(chosen)
        cap = np.r_[
            own.capacities,
            np.full(own.n_existing, np.inf) if own.existing_capacities is None else own.existing_capacities,
        ]
        left = cap.copy()
        assign = np.full(n, -1, dtype=np.int64)
        starts = np.searchsorted(self.row, np.arange(n + 1))
        cost = 0.0
        for i in np.argsort(-w, kind="stable").tolist():
            if w[i] <= 0:
                continue
            a, b = starts[i], starts[i + 1]
            cols, dist = self.col[a:b], self.dist[a:b]
            ok = is_open[cols] & (left[cols] >= w[i] - 1e-9)
            if ok.any():
                k = np.flatnonzero(ok)[np.argmin(dist[ok])]
                if not np.isfinite(self.fallback[i]) or dist[k] <= self.fallback[i]:
                    assign[i] = cols[k]
                    left[cols[k]] -= w[i]
                    cost += w[i] * dist[k]
                    continue
            if not np.isfinite(self.fallback[i]):
                return None
            cost += w[i] * self.fallback[i]
        return np.sort(chosen), assign, cost

    def capacitated_milp(
        self,
        time_limit_s: float,
        progress: Progress | None,
        mip_gap: float,
        warm: tuple[np.ndarray, np.ndarray, float] | None = None,
        relax: bool = False,
        on_solution=None,
        stop=None,
    ):
        """Solve the capacitated sparse model (assignment form: capacities need ``x_ij``) with HiGHS.

        Each demand point is served whole by one kept site or by its fallback; a site serves at
        most its capacity, and only when open; the caller's fixed sites are open. ``warm`` is a
        first answer (sites, assignment, cost) from :meth:`capacitated_greedy`; ``relax`` solves
        the LP relaxation (a bound).
        """
        own = self.owner
        m, n = own.n_candidates, len(self.weights)
        w = self.weights
        live = np.ones(n, dtype=bool)
        live[self.unreachable] = False
        npair = len(self.row)
        # Columns: x (m) | z (pairs) | f (n fallbacks).
        n_col = m + npair + n
        fb_ok = np.isfinite(self.fallback) & live
        cost = np.r_[
            np.zeros(m), w[self.row] * self.dist, np.where(fb_ok, w * np.where(fb_ok, self.fallback, 0), 0)
        ]
        col_upper = np.r_[np.ones(m + npair), fb_ok.astype(float)]
        col_lower = np.r_[self.forced.astype(float), np.zeros(npair + n)]
        z = m + np.arange(npair)
        f = m + npair + np.arange(n)
        live_rows = np.flatnonzero(live)
        assign = sparse.csr_matrix(
            (np.ones(npair + len(live_rows)), (np.r_[self.row, live_rows], np.r_[z, f[live_rows]])),
            shape=(n, n_col),
        )[live_rows]
        is_cand = self.col < m
        pc = np.flatnonzero(is_cand)
        link = sparse.csr_matrix(
            (
                np.r_[np.ones(len(pc)), -np.ones(len(pc))],
                (np.r_[np.arange(len(pc)), np.arange(len(pc))], np.r_[z[pc], self.col[pc]]),
            ),
            shape=(len(pc), n_col),
        )
        count = sparse.csr_matrix(np.r_[np.ones(m), np.zeros(npair + n)][None, :])
        n_sites = own._n_sites
        cap = np.r_[
            own.capacities,
            np.full(own.n_existing, np.inf) if own.existing_capacities is None else own.existing_capacities,
        ]
        # Row j: load served by site j minus its capacity when open (existing sites: just the load).
        load = sparse.csr_matrix(
            (np.r_[w[self.row], -cap[:m]], (np.r_[self.col, np.arange(m)], np.r_[z, np.arange(m)])),
            shape=(n_sites, n_col),
        )
        warm_x = None
        if warm is not None and not relax:
            sites, chosen_for, _ = warm
            warm_x = np.zeros(n_col)
            warm_x[:m] = self.forced
            warm_x[sites] = 1.0
            has = np.flatnonzero(chosen_for >= 0)
            keys = self.row * n_sites + self.col
            by_key = np.argsort(keys, kind="stable")
            found = by_key[np.searchsorted(keys[by_key], has * n_sites + chosen_for[has])]
            warm_x[m + found] = 1.0
            on_fb = np.flatnonzero((chosen_for < 0) & fb_ok & (w > 0))
            warm_x[f[on_fb]] = 1.0
            # Points of weight 0 take any pair, or their fallback.
            idle = np.flatnonzero((chosen_for < 0) & live & (w <= 0))
            warm_x[f[idle[fb_ok[idle]]]] = 1.0
        out = _highs.solve(
            cost,
            sparse.vstack([assign, link, count, load], format="csr"),
            np.r_[np.ones(len(live_rows)), np.full(len(pc), -np.inf), own.sites, np.full(n_sites, -np.inf)],
            np.r_[np.ones(len(live_rows)), np.zeros(len(pc)), own.sites, np.zeros(m), cap[m:]],
            col_lower,
            col_upper,
            None if relax else np.r_[np.ones(m, dtype=bool), np.ones(npair + n, dtype=bool)],
            False,
            time_limit_s,
            progress,
            (0.2, 0.98),
            warm_start=warm_x,
            rel_gap=mip_gap,
            on_solution=on_solution,
            stop=stop,
        )
        own._last_objective = out.objective
        return out

    def decode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chosen free candidates of a capacitated MILP solution and each point's site (-1: its
        fallback or none)."""
        m = self.owner.n_candidates
        chosen = np.flatnonzero((x[:m] > 0.5) & ~self.forced)
        used = x[m : m + len(self.row)] > 0.5
        assign = np.full(len(self.weights), -1, dtype=np.int64)
        assign[self.row[used]] = self.col[used]
        return chosen, assign

    def leaves_unserved(self, chosen: np.ndarray) -> bool:
        """Whether ``chosen`` leaves some demand with people and no way to any open site."""
        return bool(np.any((self.weights > 0) & ~self._reached(chosen) & ~np.isfinite(self.fallback)))

    def fallback_rows(self, assign: np.ndarray | None) -> np.ndarray:
        """Original demand points a capacitated answer leaves on their fallback."""
        if assign is None:
            return np.zeros(self.n_points, dtype=bool)
        return (assign < 0) & np.isfinite(self.fallback) & (self.weights > 0)

    def unserved(self, chosen: np.ndarray) -> np.ndarray:
        """Original demand points (with population) that no kept chosen, fixed or existing site
        serves, so the sparse model charged them their fallback."""
        return (np.isfinite(self.fallback) & (self.weights > 0) & ~self._reached(chosen))[self.row_group]


class _SwapSearch:
    """Greedy and best-improvement swaps for the uncapacitated sparse p-median (fast interchange).

    Pairs ``(r, c, d)`` of choosable sites closer than each point's ``cap`` (its cost with no new
    site), sorted by point then distance. Per point the search keeps its nearest open site ``f1``
    at ``d1`` and second-nearest at ``d2`` (the cap standing in for none). Then, for every closed
    ``j`` and open ``s`` (Resende & Werneck 2007):

    * ``gain[j] = sum_i w_i max(0, d1_i - d_ij)`` (opening ``j``),
    * ``loss[s] = sum_{i: f1_i = s} w_i (d2_i - d1_i)`` (closing ``s``),
    * ``extra[j, s] = sum_{i: f1_i = s, d_ij < d2_i} w_i (d2_i - max(d_ij, d1_i))``,

    and swapping ``s`` for ``j`` saves ``gain[j] - loss[s] + extra[j, s]``. After a swap only the
    points with a pair to the two sites change, so the three tables are updated from theirs.
    """

    def __init__(self, r, c, d, weights, cap, m: int, p: int, offset: float = 0.0) -> None:
        self.r, self.c, self.d = r, c, d
        self.w, self.cap, self.m, self.p, self.offset = weights, cap, m, p, offset
        n = len(weights)
        self.n = n
        self.row_start = np.searchsorted(r, np.arange(n + 1))
        self.by_col = np.argsort(c, kind="stable")
        self.col_start = np.searchsorted(c[self.by_col], np.arange(m + 1))
        self.is_open = np.zeros(m, dtype=bool)

    def _rows_of(self, sites) -> np.ndarray:
        sites = np.asarray(sites, dtype=np.int64)
        idx = ranges(self.col_start[sites], self.col_start[sites + 1] - self.col_start[sites])
        return np.unique(self.r[self.by_col[idx]])

    def _row_pairs(self, rows: np.ndarray) -> np.ndarray:
        """Positions of the pairs of ``rows``, row by row."""
        return ranges(self.row_start[rows], self.row_start[rows + 1] - self.row_start[rows])

    def _state(self, rows: np.ndarray):
        """``d1, f1, d2`` of ``rows`` (``f1`` -1 where the cap serves) and their pairs."""
        idx = self._row_pairs(rows)
        rr = np.repeat(np.arange(len(rows)), self.row_start[rows + 1] - self.row_start[rows])
        op = self.is_open[self.c[idx]]
        oi, orr = idx[op], rr[op]
        cap = self.cap[rows]
        d1, d2 = cap.copy(), cap.copy()
        f1 = np.full(len(rows), -1, dtype=np.int64)
        if len(orr):
            first = np.r_[True, orr[1:] != orr[:-1]]
            second = np.r_[False, first[:-1] & (orr[1:] == orr[:-1])]
            d1[orr[first]] = self.d[oi[first]]
            f1[orr[first]] = self.c[oi[first]]
            d2[orr[second]] = self.d[oi[second]]
        return d1, f1, d2, idx, rr

    def _tables(self, rows: np.ndarray):
        """Contributions of ``rows`` to gain, loss, extra (flat, by open position) and cost."""
        d1, f1, d2, idx, rr = self._state(rows)
        w = self.w[rows]
        dd, cc = self.d[idx], self.c[idx]
        g = dd < d1[rr]
        gain = np.bincount(cc[g], weights=w[rr[g]] * (d1[rr[g]] - dd[g]), minlength=self.m)
        has = f1 >= 0
        loss = np.bincount(f1[has], weights=w[has] * (d2[has] - d1[has]), minlength=self.m)
        e = (dd < d2[rr]) & (f1[rr] >= 0) & ~self.is_open[cc]
        val = w[rr[e]] * (d2[rr[e]] - np.maximum(dd[e], d1[rr[e]]))
        extra = np.bincount(cc[e] * self.p + self.pos[f1[rr[e]]], weights=val, minlength=self.m * self.p)
        return gain, loss, extra, float(w @ d1)

    def start(self, sites) -> None:
        """Open exactly ``sites`` (``p`` of them) and build the tables."""
        sites = np.unique(np.asarray(sites, dtype=np.int64))
        self.is_open[:] = False
        self.is_open[sites] = True
        self.open_list = sites.copy()
        self.pos = np.full(self.m, -1, dtype=np.int64)
        self.pos[sites] = np.arange(len(sites))
        self.gain, self.loss, extra, self.cost = self._tables(np.arange(self.n))
        self.extra = extra.reshape(self.m, self.p)

    def total(self) -> float:
        """Sparse-model cost of the open sites (with the merged rows' constant)."""
        return self.cost + self.offset

    def greedy(self, progress: Progress | None, initial=None) -> np.ndarray:
        """Add sites one by one, each saving the most (from ``initial`` when given); the saving of
        every site is updated from the points the last one reached."""
        cur = self.cap.copy()
        chosen = np.zeros(self.m, dtype=bool)
        wr = self.w[self.r]
        initial = np.empty(0, dtype=np.int64) if initial is None else np.asarray(initial, dtype=np.int64)
        for j in initial.tolist():
            sel = self.by_col[self.col_start[j] : self.col_start[j + 1]]
            np.minimum.at(cur, self.r[sel], self.d[sel])
            chosen[j] = True
        save = np.bincount(self.c, weights=wr * np.maximum(cur[self.r] - self.d, 0.0), minlength=self.m)
        for step in range(self.p - int(chosen.sum())):
            j = int(np.argmax(np.where(chosen, -np.inf, save)))
            chosen[j] = True
            rows = self._rows_of([j])
            idx = self._row_pairs(rows)
            old = wr[idx] * np.maximum(cur[self.r[idx]] - self.d[idx], 0.0)
            sel = self.by_col[self.col_start[j] : self.col_start[j + 1]]
            np.minimum.at(cur, self.r[sel], self.d[sel])
            new = wr[idx] * np.maximum(cur[self.r[idx]] - self.d[idx], 0.0)
            save -= np.bincount(self.c[idx], weights=old - new, minlength=self.m)
            report(progress, 0.05 + 0.1 * (step + 1) / self.p, "Greedy siting")
        return np.flatnonzero(chosen)

    def complete(self, sites) -> np.ndarray:
        """``sites`` made ``p``: the least useful dropped while too many, greedy added while too few."""
        sites = np.unique(np.asarray(sites, dtype=np.int64))
        while len(sites) > self.p:
            self.p, keep_p = len(sites), self.p
            self.start(sites)
            self.p = keep_p
            sites = np.delete(sites, int(np.argmin(self.loss[sites])))
        return self.greedy(None, initial=sites)

    def improve(
        self,
        deadline: float,
        progress: Progress | None,
        check: Callable[[], None] | None = None,
        on_better: Callable[[np.ndarray, float], object] | None = None,
    ) -> np.ndarray:
        """Best-improvement swaps from the current sites until none saves or the deadline."""
        self.descend(deadline, progress, check, on_better)
        self.start(self.open_list)
        return np.sort(self.open_list)

    def descend(
        self,
        deadline: float,
        progress: Progress | None,
        check: Callable[[], None] | None = None,
        on_better: Callable[[np.ndarray, float], object] | None = None,
    ) -> list[tuple[int, int]]:
        """:meth:`improve` without the closing rebuild of the tables; the swaps made, as
        ``(opened, closed)``, so that :meth:`undo` can take them back."""
        told = time.perf_counter()
        moves: list[tuple[int, int]] = []
        while time.perf_counter() < deadline:
            profit = self.gain[:, None] - self.loss[self.open_list][None, :] + self.extra
            profit[self.is_open] = -np.inf
            best = int(np.argmax(profit))
            j, q = divmod(best, self.p)
            if not profit[j, q] > 1e-9 * max(abs(self.cost), 1.0):
                break
            before, out = self.cost, int(self.open_list[q])
            self._swap(j, out)
            moves.append((j, out))
            if not self.cost < before:
                # Rounding made a swap look better than it is: rebuild, and undo it if so.
                self.start(self.open_list)
                if not self.cost < before:
                    self._swap(out, j)
                    moves.pop()
                    self.start(self.open_list)
                    break
            if len(moves) % 50 == 0:
                # Updates add rounding errors: rebuild the tables now and then.
                self.start(self.open_list)
            if time.perf_counter() - told > 0.25:
                told = time.perf_counter()
                report(progress, 0.15, "Improving by swaps")
                if check is not None:
                    check()
                if on_better is not None:
                    on_better(np.sort(self.open_list), self.total())
        return moves

    def kick(self, rng: np.random.Generator, k: int) -> list[tuple[int, int]]:
        """Move to :meth:`perturb`'s sites by swaps (tables updated locally); the swaps made."""
        target = self.perturb(rng, k)
        opened = np.setdiff1d(target, self.open_list)
        closed = np.setdiff1d(self.open_list, target)
        moves = list(zip(opened.tolist(), closed.tolist(), strict=True))
        for j, out in moves:
            self._swap(j, out)
        return moves

    def undo(self, moves: list[tuple[int, int]]) -> None:
        """Take back ``moves`` (as :meth:`kick` and :meth:`descend` list them), last first."""
        for j, out in reversed(moves):
            self._swap(out, j)

    def perturb(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """The open sites with ``k`` of those around a random open site replaced by closed sites
        there, drawn among the :data:`_KICK_POOL` that would save the most (kicks for an iterated
        local search). Around a site: the sites that share demand points with it.

        A kick in one district lets the descent re-place that district while the rest stays at
        its local optimum; kicks spread over the map mostly undid themselves (20,000 x 2,000,
        p = 50, bench_optimise_scale.py: 76.02 M with those, 75.88 M with these)."""
        sites = self.open_list
        centre = int(rng.choice(sites))
        rows = self._rows_of([centre])
        near = np.unique(self.c[self._row_pairs(rows)])
        open_near = near[self.is_open[near]]
        closed_near = near[~self.is_open[near]]
        closed_near = closed_near[np.argsort(-self.gain[closed_near], kind="stable")[: max(_KICK_POOL, k)]]
        k = min(k, len(open_near), len(closed_near))
        if k == 0:
            return np.sort(sites)
        out = rng.choice(open_near, k, replace=False)
        return np.sort(np.r_[np.setdiff1d(sites, out), rng.choice(closed_near, k, replace=False)])

    def _swap(self, j: int, s: int) -> None:
        rows = np.union1d(self._rows_of([j]), self._rows_of([s]))
        g0, l0, e0, c0 = self._tables(rows)
        q = self.pos[s]
        self.is_open[s], self.is_open[j] = False, True
        self.pos[s], self.pos[j] = -1, q
        self.open_list[q] = j
        g1, l1, e1, c1 = self._tables(rows)
        self.gain += g1 - g0
        self.loss += l1 - l0
        self.extra += (e1 - e0).reshape(self.m, self.p)
        self.cost += c1 - c0


def _merge_rows(row, col, dist, fallback, weights):
    """Merge demand rows whose kept distances differ by a constant (the same sites, the same
    differences, the same fallback relative to them).

    Their best site is the same for every selection, so one row with the summed weight and the
    distances of the first stands for all, and each member's constant (its nearest distance,
    times its weight) goes into ``offset``. Points snapped to the same place on a street reach
    every site through it: their distances differ by their own walk to the street only. Rows are
    keyed by hashes of their sites and differences (to 1 mm) and every merge is verified to 1e-6
    m; if a hash collision shows up the rows are returned unmerged.

    Pairs must be sorted by row, then distance, then column. Returns ``(row, col, dist, fallback, weights,
    row_group, offset)`` of the merged rows, ``row_group`` mapping each input row to its merged row.
    """
    n = len(weights)
    identity = (row, col, dist, fallback, weights, np.arange(n), 0.0)
    if len(row) == 0 or n < 2:
        return identity
    counts = np.bincount(row, minlength=n)
    starts = np.r_[0, np.cumsum(counts)]
    has = counts > 0
    base = np.zeros(n)
    base[has] = np.minimum.reduceat(dist, starts[:-1][has])
    rel = dist - base[row]
    rel_fb = np.where(np.isfinite(fallback), fallback - base, -1.0)
    q = np.round(rel * 1e3).astype(np.int64)
    rng = np.random.default_rng(104_729)  # fixed: the same input always merges the same way
    m = int(col.max()) + 1
    keys = [counts.astype(np.int64), np.round(rel_fb * 1e3).astype(np.int64)]
    for _ in range(2):
        salt = rng.integers(1, 2**61, m, dtype=np.int64).astype(np.uint64)
        mix = rng.integers(1, 2**61, dtype=np.int64).astype(np.uint64)
        term = salt[col] * (q.astype(np.uint64) * mix + np.uint64(1))
        h = np.zeros(n, dtype=np.uint64)
        h[has] = np.add.reduceat(term, starts[:-1][has])
        keys.append(h.view(np.int64))
    _, first, group = np.unique(np.column_stack(keys), axis=0, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    if len(first) == n:
        return identity
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    group = rank[group]
    first = first[order]
    # Verify every member against its group's first row, pair by pair.
    rep = first[group]
    rep_pair = np.repeat(starts[rep], counts) + (np.arange(len(row)) - np.repeat(starts[:-1], counts))
    same = np.array_equal(col, col[rep_pair]) and np.allclose(rel, rel[rep_pair], rtol=0.0, atol=1e-6)
    fb_same = np.all(np.isfinite(fallback) == np.isfinite(fallback[rep])) and np.allclose(
        rel_fb, rel_fb[rep], rtol=0.0, atol=1e-6
    )
    if not (same and fb_same):
        return identity
    live = weights > 0
    offset = float(weights[live] @ base[live])
    keep_pairs = np.isin(row, first)
    new_row = group[row[keep_pairs]]
    new_weights = np.bincount(group, weights=weights, minlength=len(first))
    new_fallback = np.where(np.isfinite(fallback[first]), fallback[first] - base[first], np.inf)
    return new_row, col[keep_pairs], rel[keep_pairs], new_fallback, new_weights, group, offset
