"""Coverage siting models: MCLP (maximal covering) and LSCP (location set covering).

Both work on one sparse core: the demand x candidate pairs within the radius, Euclidean or along
the streets alike. Before any solving the instance is reduced without changing its optimum:
demand already covered by an existing facility (or a site the caller fixes) is settled and leaves
the decision; demand points covered by exactly the same candidates are merged (their population
adds); candidates that reach no open demand, and candidates *dominated* by another that reaches
at least the same demand at no higher cost, leave the model (:func:`~._core.dominated_columns`).
The result's ``notes`` and ``reduction`` say how much went.

Solving is *anytime*: a greedy answer comes first (well within two seconds on a city), 1-swaps
improve it, then bounds and HiGHS improve answer and bound until the gap or the time limit is
reached; every improvement goes to ``on_incumbent`` / the progress sink, and a stop request
returns the best answer so far with its gap. The MCLP's bound comes from a Lagrangian relaxation
of the coverage rows (subgradient; small instances) or, from :data:`_PRICED_LP_GROUPS` demand
groups on, from the priced LP of :mod:`._cover_lp` (the exact LP bound in a few seconds); both
prove sites in or out by reduced costs, the LP's support is the core in which a small MILP finds
near-optimal answers, and HiGHS then solves the MILP over the sites still open to choice,
warm-started by the incumbent. With site capacities (clinic beds, school places) the MCLP assigns
each covered demand point to one open site within the radius, no site beyond its capacity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
from pyproj import CRS
from scipy import sparse

from ..errors import OptimisationError
from ..progress import Incumbent, Progress, Stopped, report
from . import _cover_lp, _highs
from ._anytime import Tracker, check_ids
from ._core import (
    check_radius,
    check_weights,
    dominated_columns,
    greedy_order,
    merge_identical_rows,
    pairs_from_cost_matrix,
    pairs_within,
    points_xy,
)
from .result import SitingResult

_TOL = 1e-9
# Subgradient optimisation of the MCLP Lagrangian: at most this many steps; a step counts as
# progress when the bound drops by this share; the step size halves after this many steps
# without progress and the search stops below this step size, or when a window of this many
# steps lowers the bound by less than this share (HiGHS closes the rest faster); the
# best-scoring sites are evaluated as an incumbent every this many steps.
_LAGRANGE_MAX_ITERATIONS = 10_000
_LAGRANGE_IMPROVES = 1e-12
_LAGRANGE_PATIENCE = 20
_LAGRANGE_MIN_STEP = 1e-4
_LAGRANGE_WINDOW = 200
_LAGRANGE_MIN_PROGRESS = 1e-5
_LAGRANGE_HEURISTIC_EVERY = 10
# From this many coverage groups on, HiGHS solves the MILP's root LP by interior point: dual
# simplex needs minutes on these degenerate covering LPs.
_ROOT_IPM_ROWS = 20_000
# From this many demand groups on, the MCLP bound comes from the priced LP (:mod:`._cover_lp`)
# rather than the subgradient, and a core MILP over the LP's support improves the answer.
_PRICED_LP_GROUPS = 10_000
# Share of the time left that the swaps, the LP bound search and the core MILP may take at most.
_SWAP_SHARE = 0.1
_SEARCH_SHARE = 0.4
_CORE_SHARE = 0.5
# Answers from the LP: at most this many roundings (the first of the LP's largest x, the others
# perturbed), each improved by swaps, within this share of the time left.
_ROUNDINGS = 4
_ROUNDING_SHARE = 0.1


def gdf_inputs(
    demand_gdf: gpd.GeoDataFrame,
    candidates_gdf: gpd.GeoDataFrame,
    population_field: str,
    existing: gpd.GeoDataFrame | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Demand points, population, candidate and existing coordinates in the demand's metric CRS."""
    if demand_gdf.crs is None or not CRS.from_user_input(demand_gdf.crs).is_projected:
        raise OptimisationError("The demand layer must be in a projected (metric) CRS to measure distances.")
    if population_field not in demand_gdf.columns:
        raise OptimisationError(f"The demand layer has no population field '{population_field}'.")
    population = demand_gdf[population_field].to_numpy(dtype=np.float64, na_value=np.nan)

    def xy_of(gdf: gpd.GeoDataFrame | None) -> np.ndarray:
        if gdf is None or len(gdf) == 0:
            return np.empty((0, 2))
        if gdf.crs is not None and not CRS.from_user_input(gdf.crs).equals(demand_gdf.crs):
            gdf = gdf.to_crs(demand_gdf.crs)
        return points_xy(gdf.geometry.values)

    return points_xy(demand_gdf.geometry.values), population, xy_of(candidates_gdf), xy_of(existing)


class _CoverageModel:
    """Shared constructors, reduction and reporting of :class:`MCLP` and :class:`LSCP`.

    Parameters
    ----------
    pairs : scipy.sparse.csr_matrix
        (n, m) demand x candidate pairs within the radius (any stored value means covered).
    weights : numpy.ndarray
        (n,) population per demand point.
    existing_covered : numpy.ndarray
        (n,) bool, demand within the radius of an existing facility.
    costs : numpy.ndarray, optional
        (m,) cost per candidate site.
    candidate_ids : numpy.ndarray, optional
        Index reported for each candidate (default ``0..m-1``).
    """

    model = ""

    def __init__(
        self,
        pairs: sparse.csr_matrix,
        weights: np.ndarray,
        existing_covered: np.ndarray,
        costs: np.ndarray | None = None,
        candidate_ids: np.ndarray | None = None,
    ) -> None:
        n, m = pairs.shape
        self.weights = check_weights(weights, n)
        if m == 0:
            raise OptimisationError("There are no candidate sites to choose from.")
        self.cover = sparse.csr_matrix((np.ones(pairs.nnz), pairs.indices, pairs.indptr), shape=(n, m))
        self.existing_covered = np.asarray(existing_covered, dtype=bool)
        self.candidate_ids = np.arange(m) if candidate_ids is None else np.asarray(candidate_ids)
        if costs is None:
            self.costs = None
        else:
            self.costs = np.asarray(costs, dtype=np.float64).reshape(-1)
            if len(self.costs) != m or not np.all(np.isfinite(self.costs)) or np.any(self.costs < 0):
                raise OptimisationError("Site costs must be one non-negative number per candidate site.")
        reachable = np.diff(self.cover.indptr) > 0
        self.uncoverable = np.flatnonzero(~reachable & ~self.existing_covered & (self.weights > 0))
        # Demand x existing facility pairs within the radius (set by the constructors).
        self.existing_pairs = sparse.csr_matrix((n, 0))

    # -- constructors -----------------------------------------------------------------------------
    @classmethod
    def from_points(
        cls,
        demand_xy: np.ndarray,
        weights: np.ndarray,
        candidates_xy: np.ndarray,
        radius_m: float,
        existing_xy: np.ndarray | None = None,
        network=None,
        max_snap_m: float = 250.0,
        progress=None,
        **options,
    ):
        """Build the model from coordinates in a metric CRS (``network`` for street distances;
        ``progress`` can cancel the street search)."""
        radius_m = check_radius(radius_m)
        demand_xy = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
        pairs = pairs_within(
            demand_xy,
            np.asarray(candidates_xy, dtype=np.float64).reshape(-1, 2),
            radius_m,
            network,
            max_snap_m,
            progress,
        )
        existing_covered = np.zeros(len(demand_xy), dtype=bool)
        near = sparse.csr_matrix((len(demand_xy), 0))
        if existing_xy is not None and len(existing_xy):
            near = pairs_within(
                demand_xy,
                np.asarray(existing_xy, dtype=np.float64).reshape(-1, 2),
                radius_m,
                network,
                max_snap_m,
                progress,
            )
            existing_covered = np.diff(near.indptr) > 0
        model = cls(pairs, weights, existing_covered, **options)
        model.radius_m = radius_m
        model.existing_pairs = near
        return model

    @classmethod
    def from_geodataframe(
        cls,
        demand_gdf: gpd.GeoDataFrame,
        candidates_gdf: gpd.GeoDataFrame,
        population_field: str,
        radius_m: float,
        existing: gpd.GeoDataFrame | None = None,
        network=None,
        max_snap_m: float = 250.0,
        **options,
    ):
        """Build the model from layers: demand at each feature's representative point.

        Parameters
        ----------
        demand_gdf : geopandas.GeoDataFrame
            Demand (zones or points) in a metric CRS; polygons count at ``representative_point()``.
        candidates_gdf : geopandas.GeoDataFrame
            Candidate sites; ``selected`` refers to its row positions.
        population_field : str
            Column of ``demand_gdf`` with the population.
        radius_m : float
            Coverage radius in metres (along streets when ``network`` is given).
        existing : geopandas.GeoDataFrame, optional
            Existing facilities of the same type, kept and counted as covering.
        network : cityplanner.network.StreetNetwork, optional
            Measure along streets instead of straight lines.
        **options
            Model options (``sites``, ``costs``, ``budget`` for MCLP; ``target``, ``costs`` for LSCP).
        """
        demand_xy, population, cand_xy, exist_xy = gdf_inputs(
            demand_gdf, candidates_gdf, population_field, existing
        )
        return cls.from_points(
            demand_xy, population, cand_xy, radius_m, exist_xy, network, max_snap_m, **options
        )

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: np.ndarray,
        weights: np.ndarray | None = None,
        *,
        radius_m: float,
        existing: np.ndarray | None = None,
        **options,
    ):
        """Build the model from a dense demand x site cost matrix (``inf`` = unreachable).

        ``existing`` is a boolean mask over the matrix columns marking existing facilities: they
        are always open and never reported in ``selected``, which holds column indices.
        """
        radius_m = check_radius(radius_m)
        cost = np.asarray(cost_matrix, dtype=np.float64)
        pairs = pairs_from_cost_matrix(cost, radius_m)
        weights = np.ones(cost.shape[0]) if weights is None else weights
        is_existing = (
            np.zeros(cost.shape[1], dtype=bool) if existing is None else np.asarray(existing, dtype=bool)
        )
        existing_covered = np.diff(pairs[:, is_existing].tocsr().indptr) > 0
        candidate_cols = np.flatnonzero(~is_existing)
        model = cls(
            pairs[:, candidate_cols].tocsr(),
            weights,
            existing_covered,
            candidate_ids=candidate_cols,
            **options,
        )
        model.radius_m = radius_m
        model.existing_pairs = pairs[:, np.flatnonzero(is_existing)].tocsr()
        return model

    # -- shared pieces ----------------------------------------------------------------------------
    def _open_demand(self) -> np.ndarray:
        """Demand rows the decision is about: populated, reachable, not already covered."""
        return np.flatnonzero((self.weights > 0) & ~self.existing_covered & (np.diff(self.cover.indptr) > 0))

    def _reduce(self, forced: np.ndarray, costs: np.ndarray | None) -> _Reduction:
        """The reduced instance: settled demand out, identical rows merged, useless and
        dominated candidates out (see the module docstring)."""
        m = self.cover.shape[1]
        rows = self._open_demand()
        sub = self.cover[rows]
        settled_rows = np.zeros(len(rows), dtype=bool)
        if len(forced):
            settled_rows = np.diff(sub[:, forced].tocsr().indptr) > 0
        settled = float(self.weights[rows[settled_rows]].sum())
        rows = rows[~settled_rows]
        sub = sub[~settled_rows]
        is_forced = np.zeros(m, dtype=bool)
        is_forced[forced] = True
        useful = np.flatnonzero((np.diff(sub.tocsc().indptr) > 0) & ~is_forced)
        groups, group_weight, _ = merge_identical_rows(sub[:, useful].tocsr(), self.weights[rows])
        stats = {
            "demand_points": int(self.cover.shape[0]),
            "candidates": int(m),
            "candidates_useless": int(m - len(useful) - len(forced)),
            "sites_forced": int(len(forced)),
        }
        return _Reduction(groups, group_weight, useful, settled, forced, stats, costs)

    def _finish(
        self,
        selected: np.ndarray,
        objective: float,
        bound: float,
        optimal: bool,
        started: float,
        solver: str,
        notes: list[str],
        tracker: Tracker | None = None,
        reduction: dict | None = None,
    ) -> SitingResult:
        selected = np.sort(np.asarray(selected, dtype=np.int64))
        w = self.weights
        total = float(w.sum())
        before = float(w[self.existing_covered].sum())
        cover_csc = self.cover.tocsc()
        reached = np.asarray(cover_csc[:, selected].sum(axis=1)).ravel() > 0
        after = float(w[self.existing_covered | reached].sum())
        order, gains = greedy_order(cover_csc, w, self.existing_covered, selected)
        gain_of = dict(zip(order.tolist(), gains.tolist(), strict=True))
        if np.isfinite(bound):
            gap = abs(bound - objective) / max(abs(objective), 1e-12)
        else:
            gap = float("nan")
        if optimal:
            gap = min(gap, _highs.MIP_REL_GAP) if np.isfinite(gap) else 0.0
        return SitingResult(
            model=self.model,
            selected=self.candidate_ids[selected],
            objective=float(objective),
            population_covered=after,
            percent_covered=100.0 * after / total,
            optimal=bool(optimal),
            gap=float(gap),
            seconds=time.perf_counter() - started,
            marginal_gain=np.array([gain_of[i] for i in selected.tolist()]),
            bound=float(bound),
            population_total=total,
            population_covered_before=before,
            percent_covered_before=100.0 * before / total,
            solver=solver,
            greedy_order=self.candidate_ids[order],
            uncoverable=self.uncoverable,
            notes=notes,
            stopped=bool(tracker is not None and tracker.stopped),
            reduction=dict(reduction or {}),
            history=[] if tracker is None else list(tracker.history),
        )


@dataclass
class _Reduction:
    """A coverage instance after the exact reductions.

    ``groups`` (g x k) covers the merged demand groups by the ``cols`` (internal candidate
    columns) still in the model; ``settled`` is the population the ``forced`` sites cover.
    """

    groups: sparse.csr_matrix
    weight: np.ndarray
    cols: np.ndarray
    settled: float
    forced: np.ndarray
    stats: dict
    costs: np.ndarray | None
    # Per column of the model before :meth:`drop_dominated`: its position afterwards (its
    # dominator's when it went), -1 for none.
    moved_to: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def shape(self) -> tuple[int, int]:
        return self.groups.shape

    def column_costs(self) -> np.ndarray | None:
        return None if self.costs is None else self.costs[self.cols]

    def drop_dominated(self, interrupted=None) -> int:
        """Remove dominated columns (re-merging rows that become identical); how many went.

        ``interrupted()`` ends the check early (see :func:`~cityplanner.optimise._core.dominated_columns`).
        """
        k = self.groups.shape[1]
        dominator = dominated_columns(self.groups, self.column_costs(), interrupted)
        keep = np.flatnonzero(dominator < 0)
        position = np.full(k, -1, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        self.moved_to = np.where(dominator < 0, position, position[np.maximum(dominator, 0)])
        gone = k - len(keep)
        if gone:
            self.groups, self.weight, _ = merge_identical_rows(self.groups[:, keep].tocsr(), self.weight)
            self.cols = self.cols[keep]
        return gone

    def positions_of(self, internal: np.ndarray) -> np.ndarray:
        """Positions in the model of internal candidate columns (dominated ones moved to their
        dominator; columns no longer in the model left out)."""
        where = {int(c): p for p, c in enumerate(self.cols.tolist())}
        return np.unique(np.array([where[int(c)] for c in internal if int(c) in where], dtype=np.int64))

    def note(self) -> str:
        s = self.stats
        g, k = self.groups.shape
        text = (
            f"reduction: {s['demand_points']} demand points merged into {g} distinct coverage groups; "
            f"{s['candidates']} candidate sites -> {k} in the model"
        )
        parts = []
        if s.get("candidates_useless"):
            parts.append(f"{s['candidates_useless']} reach no demand left open")
        if s.get("candidates_dominated"):
            parts.append(
                f"{s['candidates_dominated']} dominated by a site reaching at least the same people at no "
                "higher cost"
            )
        if s.get("sites_forced"):
            parts.append(f"{s['sites_forced']} fixed by the caller")
        if s.get("sites_essential"):
            parts.append(f"{s['sites_essential']} the only site reaching some demand (forced in)")
        return text + (f" ({'; '.join(parts)})" if parts else "")

    def as_dict(self) -> dict:
        g, k = self.groups.shape
        return {**self.stats, "demand_groups": int(g), "candidates_kept": int(k)}


class MCLP(_CoverageModel):
    """Maximal covering location: open ``sites`` new sites (or spend at most ``budget``) to
    maximise the population within the radius of an open site.

    The objective counts every covered person, including those existing facilities already cover.

    Parameters
    ----------
    sites : int, optional
        Number of new sites ``p``; required unless ``budget`` is given.
    costs : numpy.ndarray, optional
        Cost per candidate, used with ``budget``.
    budget : float, optional
        Maximum total cost of the new sites.
    capacities : numpy.ndarray, optional
        Capacity per candidate (people it can serve). A covered person then counts only when
        assigned to an open site within the radius, each demand point to one site, no site beyond
        its capacity (capacitated MCLP, solved exactly by HiGHS; ``result.assignment`` and
        ``result.site_load`` give the assignment).
    existing_capacities : numpy.ndarray, optional
        Capacity per existing facility, with ``capacities``; without it existing facilities
        serve everyone within their radius.
    """

    model = "mclp"

    def __init__(
        self,
        pairs,
        weights,
        existing_covered,
        sites: int | None = None,
        costs=None,
        budget: float | None = None,
        candidate_ids=None,
        capacities=None,
        existing_capacities=None,
    ) -> None:
        super().__init__(pairs, weights, existing_covered, costs, candidate_ids)
        m = self.cover.shape[1]
        if sites is None and budget is None:
            raise OptimisationError("Give the number of sites to place or a budget.")
        if sites is not None:
            if int(sites) != sites or sites < 1:
                raise OptimisationError(
                    f"The number of sites must be a whole number of at least 1 (got {sites})."
                )
            if sites > m:
                raise OptimisationError(f"Cannot choose {sites} sites from only {m} candidate sites.")
        if budget is not None:
            if not np.isfinite(budget) or budget <= 0:
                raise OptimisationError(f"The budget must be a positive number (got {budget}).")
            if self.costs is None:
                raise OptimisationError("A budget needs a cost for every candidate site.")
        self.sites = None if sites is None else int(sites)
        self.budget = None if budget is None else float(budget)
        self.capacities = _check_capacities(capacities, m, "candidate")
        self.existing_capacities = (
            None
            if existing_capacities is None
            else np.asarray(existing_capacities, dtype=np.float64).reshape(-1)
        )
        if len(self._open_demand()) == 0 and not np.any(self.existing_covered & (self.weights > 0)):
            raise OptimisationError("No candidate site lies within the radius of any populated demand point.")

    def _finish(
        self,
        selected,
        objective,
        bound,
        optimal,
        started,
        solver,
        notes,
        tracker=None,
        reduction=None,
        keep=(),
    ) -> SitingResult:
        """Drop chosen sites that cover nobody new and say when fewer sites than asked remain.

        Greedy gains never increase, so the sites with no gain in the greedy order are redundant
        together: without them the coverage (and the objective) is the same. The MILP may leave
        such sites switched on when the ``p`` limit is not binding. Sites the caller fixed stay.
        """
        selected = np.sort(np.asarray(selected, dtype=np.int64))
        if len(selected):
            order, gains = greedy_order(self.cover.tocsc(), self.weights, self.existing_covered, selected)
            selected = np.union1d(order[gains > 0], np.asarray(keep, dtype=np.int64))
        if self.sites is not None and len(selected) < self.sites:
            covered = self.existing_covered | (np.diff(self.cover[:, selected].tocsr().indptr) > 0)
            gain = self.cover.T @ np.where(covered, 0.0, self.weights)
            why = (
                ": every other candidate reaches only people already covered, or nobody, within the radius"
                if not np.any(gain > 0)
                else ""
            )
            notes = [*notes, f"only {len(selected)} of the {self.sites} sites asked for add coverage{why}"]
        return super()._finish(
            selected, objective, bound, optimal, started, solver, notes, tracker, reduction
        )

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

        Parameters
        ----------
        solver : {"exact", "heuristic"}
            ``"exact"``: greedy + 1-swaps give a first answer at once; a bound (Lagrangian, or the
            priced LP on large instances) proves sites in or out, a core MILP over the LP's
            support improves the answer, and HiGHS solves the MILP over the sites still open to
            choice, warm-started by the best answer so far. Optimal unless the time limit or a
            stop ends it (then the best answer and its gap). ``"heuristic"``: the same without
            MILPs; the bound is the best of the Lagrangian (or LP) bound and the submodularity
            bound ``f(S) + sum of the p largest marginal gains``.
        time_limit_s : float
            Wall-clock limit for the whole solve.
        progress : Progress, optional
            Progress sink; cancelling raises :class:`~cityplanner.errors.Cancelled`,
            :meth:`~cityplanner.progress.Progress.stop` returns the best answer so far. Each
            better answer or bound arrives as a :class:`~cityplanner.progress.BestMessage`.
        mip_gap : float
            Relative gap between the objective and its bound at which the exact solver may stop
            (e.g. 0.01 for "within 1 %"); ``optimal`` still means within 1e-6.
        initial : array_like, optional
            Candidate sites (as ``selected`` lists them) to start from instead of greedy, e.g.
            the previous answer after the planner moved or removed a site (a warm start).
        fixed : array_like, optional
            Candidate sites that must be in the answer; they count towards ``sites`` (and
            ``budget``).
        stop : callable, optional
            Polled during the solve; when it returns True the solve returns the best answer so
            far (``stopped=True``, ``optimal`` only if proven, ``gap`` stated).
        on_incumbent : callable, optional
            Called with a :class:`~cityplanner.progress.Incumbent` at each better answer or bound.
        """
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        forced = check_ids(fixed, self.candidate_ids, "fixed")
        start = check_ids(initial, self.candidate_ids, "initial")
        if self.sites is not None and len(forced) > self.sites:
            raise OptimisationError(
                f"{len(forced)} sites are fixed but only {self.sites} may be placed; fix fewer or place more."
            )
        if self.budget is not None and len(forced) and self.costs[forced].sum() > self.budget * (1 + 1e-12):
            raise OptimisationError("The fixed sites alone cost more than the budget.")
        tracker = Tracker(True, started, time_limit_s, progress, on_incumbent, stop)
        if self.capacities is not None:
            return _CapacitatedCoverRun(
                self, solver, time_limit_s, progress, mip_gap, tracker, forced, start
            ).run()
        run = _MCLPRun(self, solver, time_limit_s, progress, mip_gap, tracker, forced, start)
        try:
            return run.run()
        except Stopped:
            tracker.stopped = True
            return run.finish()


class _MCLPRun:
    """One uncapacitated MCLP solve (see :meth:`MCLP.solve`); its state outlives a stop request."""

    def __init__(self, model: MCLP, solver, time_limit_s, progress, mip_gap, tracker: Tracker, forced, start):
        self.model = model
        self.solver = solver
        self.time_limit_s = time_limit_s
        self.progress = progress
        self.mip_gap = mip_gap
        self.tracker = tracker
        self.forced = forced
        self.start = start
        self.notes: list[str] = []
        self.red: _Reduction | None = None
        self.base = float(model.weights[model.existing_covered].sum())
        self.proven = False
        self.solver_used = solver

    # -- the incumbent ----------------------------------------------------------------------------
    def offer(self, positions: np.ndarray, stage: str, value: float | None = None) -> bool:
        red = self.red
        positions = np.asarray(positions, dtype=np.int64)
        if value is None:
            value = _covered_weight(red.groups, red.weight, positions)
        payload = np.sort(np.r_[self.forced, red.cols[positions]])
        return self.tracker.offer(
            payload, value + red.settled + self.base, self.model.candidate_ids[payload], stage
        )

    def tighten(self, bound: float, stage: str) -> None:
        self.tracker.tighten(bound + self.red.settled + self.base, stage)

    def best_positions(self) -> np.ndarray:
        return self.red.positions_of(self.tracker.payload)

    def best_value(self) -> float:
        """The best answer's covered weight within the reduced model."""
        return self.tracker.objective - self.red.settled - self.base

    def target(self) -> float:
        """The relative gap at which to stop."""
        return self.mip_gap if self.mip_gap > _highs.MIP_REL_GAP else 1e-9

    def left(self) -> float:
        """Seconds left, less a reserve for building the result."""
        return self.tracker.remaining() - min(1.0, 0.02 * self.time_limit_s)

    # -- the solve --------------------------------------------------------------------------------
    def run(self) -> SitingResult:
        own, tracker = self.model, self.tracker
        report(self.progress, 0.0, "Reducing the covering problem")
        costs = own.costs
        self.red = red = own._reduce(self.forced, costs)
        p = None if own.sites is None else own.sites - len(self.forced)
        budget = None if own.budget is None else own.budget - float(costs[self.forced].sum())
        self.p, self.budget = p, budget
        g, k = red.shape
        if g == 0 or k == 0 or p == 0:
            self.offer(np.empty(0, dtype=np.int64), "fixed sites")
            self.tighten(self.best_value(), "nothing left to choose")
            self.proven = True
            self.notes.append(red.note())
            return self.finish()
        search = _CoverSearch(red.groups, red.weight, p, red.column_costs(), budget)
        first = red.positions_of(self.start) if len(self.start) else None
        chosen = search.begin(first, self.progress)
        self.offer(chosen, "your sites" if first is not None else "greedy", search.value())
        # Greedy's steps bound the optimum (submodularity): a stop from here on states a gap.
        self.tighten(search.bound, "submodular bound")
        # Dominated sites go once a first answer is out (it takes a sparse product).
        gone = red.drop_dominated(tracker.interrupted)
        red.stats["candidates_dominated"] = gone
        self.notes.append(red.note())
        if gone:
            search = _CoverSearch(red.groups, red.weight, p, red.column_costs(), budget)
            chosen = search.begin(np.unique(red.moved_to[chosen]), self.progress)
            self.offer(chosen, "greedy", search.value())
        tracker.check()
        share = 1.0 if self.solver == "heuristic" else _SWAP_SHARE
        chosen = search.swaps(
            time.perf_counter() + max(share * self.left(), 0.05),
            self.progress,
            check=tracker.check,
            on_better=lambda sel, value: self.offer(sel, "swaps", value),
        )
        self.offer(chosen, "swaps", search.value())
        self.tighten(search.bound, "submodular bound")
        g, k = red.shape
        if self.settled_by_count():
            return self.finish()
        large = g >= _PRICED_LP_GROUPS
        if (p is None) != (budget is None) and (large or (budget is not None and self.solver == "heuristic")):
            self.priced_lp_stage(search)
        elif p is not None and budget is None:
            self.lagrangian_stage()
        if self.solver == "heuristic" or self.proven or tracker.reached(self.target()):
            return self.finish()
        fixed_out, fixed_in = self.fixed_out, self.fixed_in
        if self.core is not None:
            self.core_milp()
            fixed_out, fixed_in = self.lp_fixings()
        self.global_milp(fixed_out, fixed_in)
        return self.finish()

    fixed_out: np.ndarray
    fixed_in: np.ndarray
    core: np.ndarray | None = None
    priced: _cover_lp.PricedLP | None = None

    def settled_by_count(self) -> bool:
        """With no more useful sites than ``p``, greedy opens them all: nothing is left to bound."""
        k = self.red.shape[1]
        self.fixed_out = self.fixed_in = np.zeros(k, dtype=bool)
        if self.budget is None and k <= self.p:
            self.tighten(self.best_value(), "every useful site open")
            self.proven = True
            return True
        return False

    def lagrangian_stage(self) -> None:
        """Subgradient on the coverage rows: bound, fixings, Lagrangian-heuristic answers."""
        red, k = self.red, self.red.shape[1]
        share = 0.9 if self.solver == "heuristic" else 0.1
        lag = _mclp_lagrangian(
            red.groups,
            red.weight,
            self.p,
            self.best_positions(),
            self.tracker.started + share * self.time_limit_s,
            self.progress,
            check=self.tracker.check,
        )
        self.offer(lag.sites, "Lagrangian heuristic", lag.value)
        self.tighten(lag.bound, "Lagrangian bound")
        self.fixed_out, self.fixed_in = lag.fixed_out, lag.fixed_in
        n_in = int(lag.fixed_in.sum())
        if n_in == self.p or not np.any(~lag.fixed_out & ~lag.fixed_in):
            # With every site fixed (or all p fixed in) only the incumbent is left to choose.
            self.tighten(self.best_value(), "Lagrangian fixings")
            self.proven = True
        self.notes.append("bound: Lagrangian relaxation of the coverage rows")
        if self.solver != "heuristic" and not self.proven and (lag.fixed_out.any() or n_in):
            free = k - int(lag.fixed_out.sum()) - n_in
            self.notes.append(
                f"Lagrangian bound fixed {int(lag.fixed_out.sum())} sites out and {n_in} in; "
                f"HiGHS chose among the other {free}"
            )
            self.red.stats["sites_fixed_out"] = int(lag.fixed_out.sum())
            self.red.stats["sites_fixed_in"] = n_in

    def priced_lp_stage(self, search: _CoverSearch) -> None:
        """The LP bound by pricing the limit (:mod:`._cover_lp`); its support becomes the core."""
        red = self.red
        g, k = red.shape
        by_site = search.by_site
        resource = np.ones(k) if self.budget is None else red.column_costs()
        limit = float(self.p if self.budget is None else self.budget)
        positions = self.best_positions()
        lam0 = _cover_lp.first_price(by_site, red.weight, resource, positions, search.count_of(positions))
        share = 0.9 if self.solver == "heuristic" else _SEARCH_SHARE
        deadline = time.perf_counter() + share * self.left()
        report(self.progress, 0.2, "LP bound by district")
        outcome = _cover_lp.search(
            red.groups,
            by_site,
            red.weight,
            resource,
            limit,
            lam0,
            out_of_time=lambda: time.perf_counter() > deadline,
            on_bound=lambda ev: self.tighten(ev.bound, "LP bound"),
            check=self.tracker.check,
            incumbent=self.best_value,
        )
        if outcome.best is None:
            return
        self.priced = outcome.best
        self.by_site, self.resource = by_site, resource
        self.notes.append(
            f"bound: LP relaxation, the site limit priced ({len(outcome.evaluations)} evaluations, "
            f"the best on {outcome.best.kept} sites in {outcome.best.parts} independent parts)"
        )
        core = np.union1d(outcome.support, self.best_positions())
        core = np.union1d(core, self.lp_rounding(search, outcome.best))
        self.fixed_out, self.fixed_in = self.lp_fixings()
        # The core: the LP's support and every local optimum found (more sites make the core
        # MILP slower to find the same answers).
        self.core = core[~self.fixed_out[core]]

    def lp_rounding(self, search: _CoverSearch, lp: _cover_lp.PricedLP) -> np.ndarray:
        """Answers from the LP: its largest ``x`` (then randomly perturbed ones) improved by swaps;
        returns the sites they use."""
        rc = lp.reduced_costs(search.by_site, self.resource)
        tie = 1e-6 * rc / max(float(np.abs(rc).max()), 1e-12)
        rng = np.random.default_rng(0)
        deadline = time.perf_counter() + _ROUNDING_SHARE * self.left()
        found = [np.empty(0, dtype=np.int64)]
        for attempt in range(_ROUNDINGS):
            if attempt and time.perf_counter() > deadline:
                break
            noise = rng.uniform(0.0, 0.3, len(lp.x)) * (lp.x > 0) if attempt else 0.0
            ranked = np.argsort(-(lp.x + noise + tie), kind="stable")
            if self.budget is None:
                start = ranked[: self.p]
            else:
                start = ranked[: int(np.count_nonzero(lp.x >= 0.5))]
            search.begin(start, self.progress)
            chosen = search.swaps(
                max(deadline, time.perf_counter() + 0.05), self.progress, check=self.tracker.check
            )
            self.offer(chosen, "LP rounding and swaps", search.value())
            found.append(chosen)
        return np.unique(np.concatenate(found))

    def lp_fixings(self) -> tuple[np.ndarray, np.ndarray]:
        """Sites the priced LP's reduced costs prove out of (in) any answer better than the best."""
        k = self.red.shape[1]
        if self.priced is None:
            return np.zeros(k, dtype=bool), np.zeros(k, dtype=bool)
        rc = self.priced.reduced_costs(self.by_site, self.resource)
        slack = self.priced.bound - self.best_value() + 1e-9 * max(abs(self.best_value()), 1.0)
        fixed_out = rc < -slack
        fixed_in = rc > slack
        self.red.stats["sites_fixed_out"] = int(fixed_out.sum())
        self.red.stats["sites_fixed_in"] = int(fixed_in.sum())
        return fixed_out, fixed_in

    def core_milp(self) -> None:
        """HiGHS on the core sites only: a fast, usually near-optimal answer (no bound from it)."""
        k = self.red.shape[1]
        outside = np.ones(k, dtype=bool)
        outside[self.core] = False
        self.notes.append(f"core MILP over {len(self.core)} sites (the LP support and the incumbent)")
        self.milp(
            outside, np.zeros(k, dtype=bool), _CORE_SHARE * self.left(), exact_bound=False, stage="core MILP"
        )

    def global_milp(self, fixed_out: np.ndarray, fixed_in: np.ndarray) -> None:
        if self.tracker.reached(self.target()):
            return
        n_out, n_in = int(fixed_out.sum()), int(fixed_in.sum())
        if self.priced is not None:
            self.notes.append(
                f"LP reduced costs fixed {n_out} sites out and {n_in} in; HiGHS chose among the other "
                f"{self.red.shape[1] - n_out - n_in}"
            )
        self.milp(fixed_out, fixed_in, self.left(), exact_bound=True, stage="HiGHS")

    def milp(self, fixed_out, fixed_in, seconds: float, exact_bound: bool, stage: str) -> None:
        """The MILP over the sites neither fixed out nor in, warm-started by the best answer."""
        red, tracker = self.red, self.tracker
        groups, weight = red.groups, red.weight
        free = np.flatnonzero(~fixed_out & ~fixed_in)
        inside = np.flatnonzero(fixed_in)
        if len(free) == 0:
            if exact_bound:
                self.tighten(self.best_value(), stage)
                self.proven = True
            return
        in_covered = np.diff(groups[:, inside].tocsr().indptr) > 0
        open_rows = np.flatnonzero(~in_covered & (np.diff(groups[:, free].tocsr().indptr) > 0))
        sub, sub_weight, _ = merge_identical_rows(groups[open_rows][:, free].tocsr(), weight[open_rows])
        in_weight = float(weight[in_covered].sum())
        costs = red.column_costs()
        value = self.best_value()

        def picked_of(x: np.ndarray) -> np.ndarray:
            return np.r_[inside, free[np.flatnonzero(x[: len(free)] > 0.5)]]

        def on_solution(x: np.ndarray, objective: float, bound: float) -> bool:
            self.offer(picked_of(x), stage)
            return tracker.reached(self.target())

        warm = np.flatnonzero(np.isin(free, self.best_positions()))
        out = _mclp_milp(
            sub,
            sub_weight,
            None if self.p is None else self.p - len(inside),
            None if costs is None else costs[free],
            None if self.budget is None else self.budget - float(costs[inside].sum()),
            warm,
            max(seconds, 0.5),
            self.progress,
            # The MILP sees only the free part; its gap is relative to that part's objective. The
            # core MILP's own gap says nothing about the whole: it runs to its optimum unless
            # the global target is reached first (``on_solution``).
            self.mip_gap * (value + red.settled + self.base) / max(value - in_weight, 1e-12)
            if exact_bound
            else _highs.MIP_REL_GAP,
            on_solution=on_solution,
            stop=tracker.stop_requested,
        )
        if out.x is not None:
            self.offer(picked_of(out.x), stage)
        if out.stopped:
            raise Stopped("The optimisation was stopped early.")
        if exact_bound:
            if np.isfinite(out.bound):
                # A selection breaking a fixing covers less than the incumbent (Lagrangian proof).
                self.tighten(max(out.bound + in_weight, self.best_value()), stage)
            if out.optimal and self.mip_gap <= _highs.MIP_REL_GAP:
                self.proven = True
            elif not out.optimal and out.status != "Stopped at the caller's target":
                self.notes.append(f"HiGHS stopped ({out.status}) before proving optimality")

    def finish(self) -> SitingResult:
        tracker, own = self.tracker, self.model
        notes = list(self.notes)
        if tracker.stopped:
            notes.append(tracker.stop_note())
        optimal = self.proven or tracker.reached(_highs.MIP_REL_GAP)
        solver = "heuristic" if self.solver == "heuristic" else "exact"
        return own._finish(
            tracker.payload,
            tracker.objective,
            tracker.bound,
            optimal,
            tracker.started,
            solver,
            notes,
            tracker,
            None if self.red is None else self.red.as_dict(),
            keep=self.forced,
        )


def _covered_weight(groups: sparse.csr_matrix, weight: np.ndarray, positions: np.ndarray) -> float:
    """Weight of the groups at least one of the columns ``positions`` covers."""
    if len(positions) == 0:
        return 0.0
    return float(weight[np.diff(groups[:, np.asarray(positions, dtype=np.int64)].tocsr().indptr) > 0].sum())


def _check_capacities(capacities, n: int, what: str) -> np.ndarray | None:
    if capacities is None:
        return None
    cap = np.asarray(capacities, dtype=np.float64).reshape(-1)
    if len(cap) != n or np.any(~np.isfinite(cap) | (cap < 0)):
        raise OptimisationError(f"Capacities must be one non-negative number per {what} site.")
    return cap


class LSCP(_CoverageModel):
    """Location set covering: the fewest new sites (or least total cost) covering a target share
    of the population.

    Parameters
    ----------
    target : float
        Share of the whole population to cover, in (0, 1]; 1 means everyone.
    costs : numpy.ndarray, optional
        Cost per candidate; the objective becomes the total cost.

    Raises
    ------
    OptimisationError
        When the target cannot be reached even with every candidate; the message says how many
        demand points (and which) no candidate reaches. They are also in :attr:`uncoverable`.
    """

    model = "lscp"

    def __init__(
        self, pairs, weights, existing_covered, target: float = 1.0, costs=None, candidate_ids=None
    ) -> None:
        super().__init__(pairs, weights, existing_covered, costs, candidate_ids)
        if not 0 < target <= 1:
            raise OptimisationError(f"The coverage target must be a share in (0, 1] (got {target}).")
        self.target = float(target)
        total = self.weights.sum()
        reachable = self.weights[~np.isin(np.arange(len(self.weights)), self.uncoverable)].sum()
        if reachable < self.target * total * (1 - 1e-12):
            rows = ", ".join(str(i) for i in self.uncoverable[:10]) + (
                ", ..." if len(self.uncoverable) > 10 else ""
            )
            raise OptimisationError(
                f"The {self.target:.0%} coverage target is infeasible: {len(self.uncoverable)} demand points "
                f"(rows {rows}) holding {total - reachable:,.0f} people are out of reach of every candidate, "
                f"so at most {100 * reachable / total:.1f}% can be covered."
            )

    def _need(self) -> float:
        """Population the new sites must add (on top of existing coverage) to meet the target."""
        already = self.weights[self.existing_covered].sum()
        return max(self.target * self.weights.sum() - already, 0.0)

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
        """Choose the sites (see :meth:`MCLP.solve` for the options; the first answer is greedy
        covering with redundant sites dropped, HiGHS improves it and bounds it; the heuristic is
        bounded by the LP relaxation). With a full target, a site that is the only one reaching
        some demand is forced in before solving."""
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        forced = check_ids(fixed, self.candidate_ids, "fixed")
        start = check_ids(initial, self.candidate_ids, "initial")
        tracker = Tracker(False, started, time_limit_s, progress, on_incumbent, stop)
        state: dict = {"notes": [], "reduction": {}, "proven": False}
        try:
            self._run(solver, time_limit_s, progress, mip_gap, tracker, forced, start, state)
        except Stopped:
            if not tracker.has_answer:
                raise
            tracker.stopped = True
            state["notes"].append(tracker.stop_note())
        optimal = state["proven"] or tracker.reached(_highs.MIP_REL_GAP)
        return self._finish(
            tracker.payload,
            tracker.objective,
            tracker.bound,
            optimal,
            started,
            solver,
            state["notes"],
            tracker,
            state["reduction"],
        )

    def _run(self, solver, time_limit_s, progress, mip_gap, tracker: Tracker, forced, start, state) -> None:
        report(progress, 0.0, "Reducing the covering problem")
        full = self.target >= 1.0
        all_costs = np.ones(self.cover.shape[1]) if self.costs is None else self.costs
        red = self._reduce(forced, self.costs)
        red.stats["candidates_dominated"] = red.drop_dominated(tracker.interrupted)
        must = np.empty(0, dtype=np.int64)
        if full:
            must = _essential_columns(red.groups)
            red.stats["sites_essential"] = len(must)
        state["reduction"] = red.as_dict()
        state["notes"].append(red.note())
        forced_cost = float(all_costs[forced].sum())
        costs = all_costs[red.cols]

        def offer(positions: np.ndarray, stage: str) -> bool:
            positions = np.unique(np.r_[must, np.asarray(positions, dtype=np.int64)])
            payload = np.sort(np.r_[forced, red.cols[positions]])
            return tracker.offer(
                payload, forced_cost + float(costs[positions].sum()), self.candidate_ids[payload], stage
            )

        # Groups the sites forced in (essential ones) cover are settled; the rest is the model.
        groups, weight = red.groups, red.weight
        in_covered = np.diff(groups[:, must].tocsr().indptr) > 0 if len(must) else np.zeros(len(weight), bool)
        need = float(weight.sum()) if full else self._need() - red.settled
        need -= float(weight[in_covered].sum())
        rows = np.flatnonzero(~in_covered)
        is_must = np.zeros(groups.shape[1], dtype=bool)
        is_must[must] = True
        free = np.flatnonzero(~is_must)
        sub = groups[rows][:, free].tocsr()
        live = np.flatnonzero(np.diff(sub.tocsc().indptr) > 0)
        free, sub = free[live], sub[:, live].tocsr()
        weight = weight[rows]
        if need <= 1e-9 * max(self.weights.sum(), 1.0) or sub.shape[0] == 0:
            offer(np.empty(0, dtype=np.int64), "forced sites")
            tracker.tighten(tracker.objective, "nothing left to choose")
            state["proven"] = True
            return
        sub_costs = costs[free]
        first = None
        if len(start):
            first = np.flatnonzero(np.isin(free, red.positions_of(start)))
        chosen = _lscp_greedy(sub, weight, sub_costs, need, full, progress, start=first)
        offer(free[chosen], "greedy")
        # Each site reaches at most the most any one site reaches and costs at least the least
        # any costs: a first lower bound, so a stop from here on states a gap.
        reach = sub.T @ (np.ones(sub.shape[0]) if full else weight)
        need_units = float(sub.shape[0]) if full else need
        at_least = np.ceil(need_units / max(float(reach.max()), 1e-12) - 1e-9)
        tracker.tighten(
            forced_cost + float(costs[must].sum()) + at_least * float(sub_costs.min()), "counting bound"
        )
        g, m = sub.shape
        if full:
            rows_m, lower, upper = sub, np.ones(g), np.full(g, np.inf)
            cost, integer, n_col = sub_costs, np.ones(m, dtype=bool), m
        else:
            link = sparse.hstack([-sub, sparse.identity(g, format="csr")], format="csr")
            cover_row = sparse.csr_matrix(np.r_[np.zeros(m), weight])
            rows_m = sparse.vstack([link, cover_row], format="csr")
            lower, upper = np.r_[np.full(g, -np.inf), need * (1 - 1e-12)], np.r_[np.zeros(g), np.inf]
            cost, integer, n_col = (
                np.r_[sub_costs, np.zeros(g)],
                np.r_[np.ones(m, dtype=bool), np.zeros(g, dtype=bool)],
                m + g,
            )
        warm = np.zeros(n_col)
        warm[chosen] = 1.0
        if not full:
            warm[m:] = np.minimum(sub @ warm[:m], 1.0)
        settled_cost = forced_cost + float(costs[must].sum())
        target_gap = mip_gap if mip_gap > _highs.MIP_REL_GAP else 1e-9

        def on_solution(x: np.ndarray, objective: float, bound: float) -> bool:
            offer(free[np.flatnonzero(x[:m] > 0.5)], "HiGHS")
            if np.isfinite(bound):
                tracker.tighten(bound + settled_cost, "HiGHS")
            return tracker.reached(target_gap)

        exact = solver == "exact"
        out = _highs.solve(
            cost,
            rows_m,
            lower,
            upper,
            np.zeros(n_col),
            np.ones(n_col),
            integer if exact else None,
            False,
            max(tracker.remaining(), 0.5),
            progress,
            (0.3, 0.98),
            warm_start=warm if exact else None,
            rel_gap=mip_gap,
            on_solution=on_solution if exact else None,
            stop=tracker.stop_requested,
        )
        if not exact:
            bound = out.bound
            if self.costs is None and np.isfinite(bound):
                bound = float(np.ceil(bound - 1e-6))  # a count of sites is whole
            tracker.tighten(bound + settled_cost, "LP bound")
            state["notes"].append("bound: LP relaxation")
            return
        if out.x is not None:
            offer(free[np.flatnonzero(out.x[:m] > 0.5)], "HiGHS")
        if out.stopped:
            raise Stopped("The optimisation was stopped early.")
        if np.isfinite(out.bound):
            bound = out.bound
            if self.costs is None:
                bound = float(np.ceil(bound - 1e-6))
            tracker.tighten(bound + settled_cost, "HiGHS")
        if out.optimal and mip_gap <= _highs.MIP_REL_GAP:
            state["proven"] = True
        elif not out.optimal and out.status != "Stopped at the caller's target":
            state["notes"].append(f"HiGHS stopped ({out.status}) before proving optimality")


def _essential_columns(groups: sparse.csr_matrix) -> np.ndarray:
    """Columns that are the only cover of some row: every full cover contains them."""
    single = np.diff(groups.indptr) == 1
    return np.unique(groups.indices[groups.indptr[:-1][single]]).astype(np.int64)


class _CapacitatedCoverRun:
    """The capacitated MCLP: each covered demand point assigned whole to one open site within
    the radius, no site beyond its capacity (a HiGHS MILP in assignment form, warm-started by a
    greedy assignment; no row merging, which would tie merged points to one site)."""

    def __init__(self, model: MCLP, solver, time_limit_s, progress, mip_gap, tracker: Tracker, forced, start):
        self.model, self.solver, self.progress, self.mip_gap = model, solver, progress, mip_gap
        self.tracker, self.forced, self.start = tracker, forced, start
        self.notes: list[str] = []
        self.proven = False
        own = model
        n, m = own.cover.shape
        ex = own.existing_pairs
        n_ex = ex.shape[1]
        if own.existing_capacities is not None and len(own.existing_capacities) != n_ex:
            raise OptimisationError(
                f"There are {len(own.existing_capacities)} existing capacities for {n_ex} existing "
                "facilities."
            )
        w = own.weights
        # Existing facilities without capacities serve everyone within their radius.
        settled = own.existing_covered if own.existing_capacities is None else np.zeros(n, dtype=bool)
        live = (w > 0) & ~settled
        cand = own.cover.tocoo()
        pair_row = cand.row.astype(np.int64)
        pair_site = cand.col.astype(np.int64)
        if own.existing_capacities is not None and n_ex:
            exc = ex.tocoo()
            pair_row = np.r_[pair_row, exc.row]
            pair_site = np.r_[pair_site, m + exc.col.astype(np.int64)]
        keep = live[pair_row]
        self.row, self.site = pair_row[keep], pair_site[keep]
        order = np.lexsort((self.site, self.row))
        self.row, self.site = self.row[order], self.site[order]
        self.n, self.m, self.n_ex = n, m, n_ex if own.existing_capacities is not None else 0
        self.cap = np.r_[
            own.capacities, np.zeros(0) if own.existing_capacities is None else own.existing_capacities
        ]
        self.settled = settled
        self.base = float(w[settled].sum())
        self.notes.append(
            "capacitated: each covered demand point is assigned whole to one open site within the radius; "
            f"{len(self.row)} demand-site pairs, no row merging"
        )

    def objective_of(self, assign: np.ndarray) -> float:
        w = self.model.weights
        return self.base + float(w[assign >= 0].sum())

    def offer(self, is_open: np.ndarray, assign: np.ndarray, stage: str) -> None:
        chosen = np.flatnonzero(is_open[: self.m])
        payload = (chosen, assign.copy())
        self.tracker.offer(payload, self.objective_of(assign), self.model.candidate_ids[chosen], stage)

    def greedy(self) -> tuple[np.ndarray, np.ndarray]:
        """Open sites by the population they could take in (at most their capacity), assigning
        the heaviest unassigned points first."""
        own, w, m = self.model, self.model.weights, self.m
        n_sites = m + self.n_ex
        is_open = np.zeros(n_sites, dtype=bool)
        is_open[m:] = True
        is_open[self.forced] = True
        left = self.cap.copy()
        assign = np.full(self.n, -1, dtype=np.int64)
        by_site = np.argsort(self.site, kind="stable")
        site_start = np.searchsorted(self.site[by_site], np.arange(n_sites + 1))
        cost = np.ones(m) if own.costs is None else own.costs
        p = own.sites if own.sites is not None else m
        budget = np.inf if own.budget is None else own.budget

        def fill(j: int) -> None:
            rows = self.row[by_site[site_start[j] : site_start[j + 1]]]
            rows = rows[assign[rows] < 0]
            for i in rows[np.argsort(-w[rows], kind="stable")].tolist():
                if w[i] <= left[j] + 1e-9:
                    assign[i] = j
                    left[j] -= w[i]

        for j in np.flatnonzero(is_open).tolist():
            fill(j)
        free_rows = np.zeros(self.n)
        while is_open[:m].sum() < p:
            free_rows[:] = np.where(assign < 0, w, 0.0)
            room = np.bincount(self.site, weights=free_rows[self.row], minlength=n_sites)[:m]
            take = np.minimum(room, left[:m])
            spent = cost[is_open[:m]].sum()
            take[is_open[:m] | (cost + spent > budget + _TOL)] = -1.0
            j = int(np.argmax(take))
            if take[j] <= 0:
                break
            is_open[j] = True
            fill(j)
        return is_open, assign

    def run(self) -> SitingResult:
        tracker = self.tracker
        try:
            is_open, assign = self.greedy()
            self.offer(is_open, assign, "greedy")
            self.milp(is_open, assign)
        except Stopped:
            if not tracker.has_answer:
                raise
            tracker.stopped = True
            self.notes.append(tracker.stop_note())
        return self.finish()

    def milp(self, is_open: np.ndarray, assign: np.ndarray) -> None:
        own, tracker = self.model, self.tracker
        w, m, n_ex = own.weights, self.m, self.n_ex
        n_sites = m + n_ex
        npair = len(self.row)
        # Columns: x (m candidates) | z (pairs).
        n_col = m + npair
        rows_live = np.unique(self.row)
        local = np.full(self.n, -1, dtype=np.int64)
        local[rows_live] = np.arange(len(rows_live))
        z = m + np.arange(npair)
        assign_rows = sparse.csr_matrix((np.ones(npair), (local[self.row], z)), shape=(len(rows_live), n_col))
        pc = np.flatnonzero(self.site < m)
        link = sparse.csr_matrix(
            (
                np.r_[np.ones(len(pc)), -np.ones(len(pc))],
                (np.r_[np.arange(len(pc)), np.arange(len(pc))], np.r_[z[pc], self.site[pc]]),
            ),
            shape=(len(pc), n_col),
        )
        load = sparse.csr_matrix(
            (np.r_[w[self.row], -self.cap[:m]], (np.r_[self.site, np.arange(m)], np.r_[z, np.arange(m)])),
            shape=(n_sites, n_col),
        )
        limits, upper = [], []
        if own.sites is not None:
            limits.append(sparse.csr_matrix(np.r_[np.ones(m), np.zeros(npair)][None, :]))
            upper.append(float(own.sites))
        if own.budget is not None:
            limits.append(sparse.csr_matrix(np.r_[own.costs, np.zeros(npair)][None, :]))
            upper.append(own.budget)
        rows = sparse.vstack([assign_rows, link, load, *limits], format="csr")
        row_upper = np.r_[np.ones(len(rows_live)), np.zeros(len(pc)), np.zeros(m), self.cap[m:], upper]
        col_lower = np.zeros(n_col)
        col_lower[self.forced] = 1.0
        warm = np.zeros(n_col)
        warm[:m] = is_open[:m]
        has = np.flatnonzero(assign >= 0)
        # Pairs are sorted by (row, site): find each assignment's pair by its key.
        keys = self.row * n_sites + self.site
        warm[m + np.searchsorted(keys, has * n_sites + assign[has])] = 1.0
        target = self.mip_gap if self.mip_gap > _highs.MIP_REL_GAP else 1e-9

        def decode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            opened = np.r_[x[:m] > 0.5, np.ones(n_ex, dtype=bool)]
            used = x[m:] > 0.5
            out = np.full(self.n, -1, dtype=np.int64)
            out[self.row[used]] = self.site[used]
            return opened, out

        def on_solution(x: np.ndarray, objective: float, bound: float) -> bool:
            self.offer(*decode(x), "HiGHS")
            if np.isfinite(bound):
                tracker.tighten(bound + self.base, "HiGHS")
            return tracker.reached(target)

        exact = self.solver == "exact"
        out = _highs.solve(
            np.r_[np.zeros(m), w[self.row]],
            rows,
            np.full(rows.shape[0], -np.inf),
            row_upper,
            col_lower,
            np.ones(n_col),
            np.ones(n_col, dtype=bool) if exact else None,
            True,
            max(tracker.remaining(), 0.5),
            self.progress,
            (0.1, 0.98),
            warm_start=warm if exact else None,
            rel_gap=self.mip_gap,
            on_solution=on_solution if exact else None,
            stop=tracker.stop_requested,
        )
        if not exact:
            tracker.tighten(
                out.bound + self.base if np.isfinite(out.bound) else out.objective + self.base, "LP bound"
            )
            self.notes.append("bound: LP relaxation of the assignment model")
            return
        if out.x is not None:
            self.offer(*decode(out.x), "HiGHS")
        if out.stopped:
            raise Stopped("The optimisation was stopped early.")
        if np.isfinite(out.bound):
            tracker.tighten(out.bound + self.base, "HiGHS")
        if out.optimal and self.mip_gap <= _highs.MIP_REL_GAP:
            self.proven = True
        elif not out.optimal and out.status != "Stopped at the caller's target":
            self.notes.append(f"HiGHS stopped ({out.status}) before proving optimality")

    def finish(self) -> SitingResult:
        own, tracker = self.model, self.tracker
        chosen, assign = tracker.payload
        w = own.weights
        # Demand settled by existing facilities without capacities: the nearest one within reach.
        if self.settled.any() and own.existing_pairs.shape[1]:
            ex = own.existing_pairs[np.flatnonzero(self.settled)].tocsr()
            nearest = np.array(
                [
                    int(ex.indices[a:b][np.argmin(ex.data[a:b])])
                    for a, b in zip(ex.indptr[:-1], ex.indptr[1:], strict=True)
                ],
                dtype=np.int64,
            )
            assign = assign.copy()
            assign[np.flatnonzero(self.settled)] = self.m + nearest
        n_ex_all = own.existing_pairs.shape[1]
        load = np.bincount(assign[assign >= 0], weights=w[assign >= 0], minlength=self.m + n_ex_all)
        optimal = self.proven or tracker.reached(_highs.MIP_REL_GAP)
        result = own._finish(
            chosen,
            tracker.objective,
            tracker.bound,
            optimal,
            tracker.started,
            self.solver,
            self.notes,
            tracker,
            {"demand_points": self.n, "candidates": self.m, "sites_forced": len(self.forced)},
            keep=chosen,
        )
        order = np.argsort(-load[chosen], kind="stable")
        ids = own.candidate_ids[np.clip(assign, 0, self.m - 1)]
        mapped = np.where(assign >= self.m, -2 - (assign - self.m), np.where(assign >= 0, ids, -1))
        covered = float(w[assign >= 0].sum())
        total = float(w.sum())
        result.assignment = mapped
        result.site_load = load[chosen]
        result.existing_load = load[self.m :]
        result.marginal_gain = load[chosen]
        result.greedy_order = own.candidate_ids[chosen[order]]
        result.population_covered = covered
        result.percent_covered = 100.0 * covered / total
        return result


def _check_solver(solver: str) -> None:
    if solver not in ("exact", "heuristic"):
        raise OptimisationError(f"Unknown solver '{solver}'; use 'exact' or 'heuristic'.")


class _CoverSearch:
    """Greedy (by gain, or gain per cost under a budget) then best-improvement 1-swaps on the
    groups; also the bound from submodularity: for any set S, OPT <= f(S) + the best feasible
    sum of marginal gains w.r.t. S."""

    def __init__(
        self,
        groups: sparse.csr_matrix,
        weight: np.ndarray,
        sites: int | None,
        costs: np.ndarray | None,
        budget: float | None,
    ) -> None:
        self.groups, self.weight = groups, weight
        g, m = groups.shape
        self.by_site = groups.T.tocsr()  # (m, g): rows are sites, so gains are one sparse product
        self.count = np.zeros(g, dtype=np.int64)
        self.chosen = np.zeros(m, dtype=bool)
        self.sites, self.costs, self.budget = sites, costs, budget
        self.cost = np.ones(m) if costs is None else costs
        self.limit_p = m if sites is None else sites
        self.limit_b = np.inf if budget is None else budget
        self.bound = np.inf

    def gains(self) -> np.ndarray:
        return self.by_site @ np.where(self.count == 0, self.weight, 0.0)

    def add(self, j: int, delta: int) -> None:
        by_site = self.by_site
        self.count[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]] += delta
        self.chosen[j] = delta > 0

    def count_of(self, selection: np.ndarray) -> np.ndarray:
        """How many of ``selection`` cover each group."""
        by_site = self.by_site
        starts, lengths = by_site.indptr[selection], np.diff(by_site.indptr)[selection]
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return np.bincount(by_site.indices[np.repeat(starts, lengths) + offsets], minlength=len(self.weight))

    def value(self) -> float:
        return float(self.weight[self.count > 0].sum())

    def bound_at(self, gain: np.ndarray, value: float) -> float:
        free = np.where(self.chosen, 0.0, gain)
        best = np.inf
        if self.sites is not None:
            best = value + np.sort(free)[::-1][: self.sites].sum()
        if self.budget is not None:
            best = min(best, value + _fractional_knapsack(free, self.cost, self.budget))
        return best

    def begin(self, start: np.ndarray | None, progress: Progress | None) -> np.ndarray:
        """Greedy from nothing, or from ``start`` (trimmed to the limits by the smallest losses,
        then filled greedily)."""
        self.count[:] = 0
        self.chosen[:] = False
        for j in [] if start is None else np.unique(np.asarray(start, dtype=np.int64)).tolist():
            self.add(j, 1)
        while self.chosen.sum() > self.limit_p or self.cost[self.chosen].sum() > self.limit_b + _TOL:
            sel = np.flatnonzero(self.chosen)
            only = self.by_site[sel] @ np.where(self.count == 1, self.weight, 0.0)
            self.add(int(sel[np.argmin(only)]), -1)
        value = self.value()
        while True:
            gain = self.gains()
            self.bound = min(self.bound, self.bound_at(gain, value))
            spent = self.cost[self.chosen].sum()
            ok = ~self.chosen & (self.cost + spent <= self.limit_b + _TOL) & (gain > 0)
            if self.chosen.sum() >= self.limit_p or not ok.any():
                break
            score = np.where(
                ok, gain / np.maximum(self.cost, _TOL) if self.costs is not None else gain, -np.inf
            )
            j = int(np.argmax(score))
            self.add(j, 1)
            value += gain[j]
            done = self.chosen.sum() / max(self.limit_p if self.sites else len(self.chosen), 1)
            report(progress, 0.1 * min(done, 1.0), "Greedy siting")
        return np.flatnonzero(self.chosen)

    def swaps(
        self,
        deadline: float,
        progress: Progress | None,
        check: Callable[[], None] | None = None,
        on_better: Callable[[np.ndarray, float], object] | None = None,
    ) -> np.ndarray:
        """Best-improvement swaps until none improves or the deadline:
        ``delta[j, s] = gain_j + (weight only s covers that j covers) - loss_s``."""
        groups, weight, by_site, count = self.groups, self.weight, self.by_site, self.count
        g = len(weight)
        value = self.value()
        told = time.perf_counter()
        while time.perf_counter() < deadline:
            report(progress, 0.15, "Improving by swaps")
            if check is not None:
                check()
            sel = np.flatnonzero(self.chosen)
            if len(sel) == 0:
                break
            gain = self.gains()
            sub = groups[:, sel].tocsr()
            only = np.flatnonzero(count == 1)
            owner_pos = np.zeros(g, dtype=np.int64)
            # A group with count 1 has exactly one chosen site among its columns in ``sub``.
            has = np.diff(sub.indptr) > 0
            owner_pos[has] = sub.indices[sub.indptr[:-1][has]]
            lost = sparse.csr_matrix((weight[only], (only, owner_pos[only])), shape=(g, len(sel)))
            loss = np.asarray(lost.sum(axis=0)).ravel()
            delta = gain[:, None] + (by_site @ lost).toarray() - loss[None, :]
            spent = self.cost[sel].sum()
            feasible = ~self.chosen[:, None] & (
                spent - self.cost[sel][None, :] + self.cost[:, None] <= self.limit_b + _TOL
            )
            delta[~feasible] = -np.inf
            best = int(np.argmax(delta))
            j, k = divmod(best, len(sel))
            if not delta[j, k] > _TOL * max(value, 1.0):
                break
            self.add(int(sel[k]), -1)
            self.add(j, 1)
            value += float(delta[j, k])
            if on_better is not None and time.perf_counter() - told > 0.5:
                told = time.perf_counter()
                on_better(np.flatnonzero(self.chosen), self.value())
        value = self.value()
        self.bound = max(min(self.bound, self.bound_at(self.gains(), value)), value)
        return np.flatnonzero(self.chosen)


def _mclp_greedy_swap(
    groups: sparse.csr_matrix,
    weight: np.ndarray,
    sites: int | None,
    costs: np.ndarray | None,
    budget: float | None,
    deadline: float,
    progress: Progress | None,
) -> tuple[np.ndarray, float, float]:
    """Greedy then best-improvement 1-swaps: the chosen columns, their covered weight and the
    submodularity bound (see :class:`_CoverSearch`)."""
    search = _CoverSearch(groups, weight, sites, costs, budget)
    search.begin(None, progress)
    chosen = search.swaps(deadline, progress)
    return chosen, search.value(), search.bound


def _mclp_milp(
    groups: sparse.csr_matrix,
    weight: np.ndarray,
    sites: int | None,
    costs: np.ndarray | None,
    budget: float | None,
    warm_sites: np.ndarray,
    time_limit_s: float,
    progress: Progress | None,
    mip_gap: float,
    on_solution=None,
    stop=None,
) -> _highs.HighsOutcome:
    """The MCLP as a HiGHS MILP: binary ``x`` per site, ``y`` per group in [0, 1], ``y <= A x``."""
    g, m = groups.shape
    # Columns: x (m candidates, binary) then y (g groups, continuous in [0, 1]).
    link = sparse.hstack([-groups, sparse.identity(g, format="csr")], format="csr")
    limit_rows, upper = [], []
    if sites is not None:
        limit_rows.append(sparse.csr_matrix(np.r_[np.ones(m), np.zeros(g)]))
        upper.append(sites)
    if budget is not None:
        limit_rows.append(sparse.csr_matrix(np.r_[costs, np.zeros(g)]))
        upper.append(budget)
    warm = np.zeros(m + g)
    warm[warm_sites] = 1.0
    warm[m:] = np.minimum(groups @ warm[:m], 1.0)
    return _highs.solve(
        cost=np.r_[np.zeros(m), weight],
        rows=sparse.vstack([link, *limit_rows], format="csr"),
        row_lower=np.r_[np.full(g, -np.inf), np.full(len(limit_rows), -np.inf)],
        row_upper=np.r_[np.zeros(g), upper],
        col_lower=np.zeros(m + g),
        col_upper=np.ones(m + g),
        integer=np.r_[np.ones(m, dtype=bool), np.zeros(g, dtype=bool)],
        maximise=True,
        time_limit_s=time_limit_s,
        progress=progress,
        progress_span=(0.25, 0.98),
        warm_start=warm,
        root_ipm=g >= _ROOT_IPM_ROWS,
        rel_gap=min(max(mip_gap, 0.0), 0.999),
        on_solution=on_solution,
        stop=stop,
    )


@dataclass
class _CoverLagrangian:
    """What the MCLP Lagrangian pass proved: an upper bound, the best sites seen, fixed sites."""

    bound: float
    sites: np.ndarray
    value: float
    fixed_out: np.ndarray
    fixed_in: np.ndarray


def _mclp_lagrangian(
    groups: sparse.csr_matrix,
    weight: np.ndarray,
    sites: int,
    chosen: np.ndarray,
    deadline: float,
    progress: Progress | None,
    check: Callable[[], None] | None = None,
) -> _CoverLagrangian:
    """Lagrangian upper bound of the MCLP and the sites it proves in or out of a better solution.

    Relaxing the coverage rows ``y_i <= sum_{j covers i} x_j`` with multipliers ``u_i`` in
    ``[0, w_i]`` leaves ``sum_i (w_i - u_i) + the p largest site scores c_j = sum_{i covered by
    j} u_i``, an upper bound for every ``u``: one sparse product and a partial sort per step.
    Subgradient optimisation with Polyak steps aimed at the incumbent lowers it; every few steps
    the ``p`` best-scoring sites are evaluated as an incumbent (Lagrangian heuristic). A site
    whose forced opening (closing) drops the bound below the incumbent cannot be in (out of) a
    better solution.

    Parameters
    ----------
    groups : scipy.sparse.csr_matrix
        (g, m) coverage of the merged demand groups.
    chosen : numpy.ndarray
        A feasible selection of ``sites`` columns (the starting incumbent).
    """
    g, m = groups.shape
    by_site = groups.T.tocsr()

    def covered_by(selection: np.ndarray) -> np.ndarray:
        # How many selected sites cover each group, from the selected rows of ``by_site``.
        starts, lengths = by_site.indptr[selection], np.diff(by_site.indptr)[selection]
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return np.bincount(by_site.indices[np.repeat(starts, lengths) + offsets], minlength=g)

    best_sites = np.sort(np.asarray(chosen, dtype=np.int64))
    lower = float(weight[covered_by(best_sites) > 0].sum())
    u = 0.5 * weight
    best_bound, best_u = np.inf, u
    step_scale, stall = 1.0, 0
    window_start = np.inf
    for it in range(_LAGRANGE_MAX_ITERATIONS):
        score = by_site @ u
        top = np.argsort(-score, kind="stable")[:sites]
        serve = weight > u
        bound = float((weight - u)[serve].sum() + score[top].sum())
        if bound < best_bound - _LAGRANGE_IMPROVES * abs(best_bound) or it == 0:
            best_bound, best_u, stall = bound, u, 0
        else:
            stall += 1
            if stall >= _LAGRANGE_PATIENCE:
                step_scale, stall = step_scale / 2, 0
        count = covered_by(top)
        if it % _LAGRANGE_HEURISTIC_EVERY == 0:
            value = float(weight[count > 0].sum())
            if value > lower:
                lower, best_sites = value, np.sort(top)
            report(progress, 0.2, f"Lagrangian bound (gap {(best_bound - lower) / max(lower, 1e-12):.2%})")
        if best_bound - lower <= 1e-9 * abs(lower) or step_scale < _LAGRANGE_MIN_STEP:
            break
        if time.perf_counter() > deadline:
            break
        if check is not None:
            check()
        if it % _LAGRANGE_WINDOW == 0:
            if window_start - best_bound < _LAGRANGE_MIN_PROGRESS * abs(best_bound):
                break
            window_start = best_bound
        direction = count - serve.astype(np.float64)
        direction[((u <= 0) & (direction > 0)) | ((u >= weight) & (direction < 0))] = 0.0
        norm = float(direction @ direction)
        if norm == 0.0:
            break
        u = np.clip(u - step_scale * (bound - lower) / norm * direction, 0.0, weight)
    score = by_site @ best_u
    ranked = np.sort(score)[::-1]
    slack = best_bound - lower + 1e-9 * abs(lower)
    fixed_out = ranked[sites - 1] - score > slack
    fixed_in = score - ranked[sites] > slack if sites < m else np.ones(m, dtype=bool)
    return _CoverLagrangian(max(best_bound, lower), best_sites, lower, fixed_out, fixed_in)


def _fractional_knapsack(value: np.ndarray, cost: np.ndarray, capacity: float) -> float:
    """Best total value with fractional items (an upper bound on the 0/1 knapsack)."""
    free = cost <= _TOL
    total = float(value[free & (value > 0)].sum())
    keep = ~free & (value > 0)
    v, c = value[keep], cost[keep]
    order = np.argsort(-v / c, kind="stable")
    v, c = v[order], c[order]
    cum = np.cumsum(c)
    full = cum <= capacity
    total += float(v[full].sum())
    k = int(full.sum())
    if k < len(v):
        total += float(v[k] * (capacity - (cum[k - 1] if k else 0.0)) / c[k])
    return total


def _lscp_greedy(
    groups: sparse.csr_matrix,
    weight: np.ndarray,
    costs: np.ndarray,
    need: float,
    full: bool,
    progress: Progress | None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy covering (uncovered groups, or uncovered weight, per unit cost), from the ``start``
    sites when given, then drop sites whose removal keeps the target, latest first."""
    g, m = groups.shape
    by_site = groups.T.tocsr()
    count = np.zeros(g, dtype=np.int64)
    order: list[int] = []
    unit = np.ones(g) if full else weight
    covered = 0.0
    for j in [] if start is None else np.unique(np.asarray(start, dtype=np.int64)).tolist():
        rows = by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]
        covered += float(weight[rows][count[rows] == 0].sum())
        count[rows] += 1
        order.append(j)
    while covered < need * (1 - 1e-12):
        gain = by_site @ np.where(count == 0, unit, 0.0)
        score = np.where(gain > 0, gain / np.maximum(costs, _TOL), -np.inf)
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            break
        rows = by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]
        covered += float(weight[rows][count[rows] == 0].sum())
        count[rows] += 1
        order.append(j)
        report(progress, 0.3 * min(covered / need, 1.0), "Greedy covering")
    for j in reversed(list(order)):
        rows = by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]
        sole = rows[count[rows] == 1]
        if (full and len(sole) == 0) or (not full and covered - weight[sole].sum() >= need * (1 - 1e-12)):
            count[rows] -= 1
            covered -= float(weight[sole].sum())
            order.remove(j)
    return np.sort(np.asarray(order, dtype=np.int64))
