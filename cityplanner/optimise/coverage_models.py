"""Coverage siting models: MCLP (maximal covering) and LSCP (location set covering).

Both work on one sparse core: the demand x candidate pairs within the radius. Demand already
covered by an existing facility of the type is fixed as covered and leaves the decision; demand
points covered by exactly the same candidates are merged (their population adds), which shrinks
large instances a lot without changing the optimum.

The MCLP with a number of sites is solved in three stages: greedy + 1-swaps (incumbent), a
Lagrangian relaxation of the coverage rows (an upper bound from sparse products, and the sites
whose reduced cost proves them in or out), then a HiGHS MILP over the sites still open to choice.
On city-scale instances the MILP's root LP is what takes time; HiGHS solves it by interior point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from pyproj import CRS
from scipy import sparse

from ..errors import OptimisationError
from ..progress import Progress, report
from . import _highs
from ._core import (
    check_radius,
    check_weights,
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
        **options,
    ):
        """Build the model from coordinates in a metric CRS (``network`` for street distances)."""
        radius_m = check_radius(radius_m)
        demand_xy = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
        pairs = pairs_within(
            demand_xy,
            np.asarray(candidates_xy, dtype=np.float64).reshape(-1, 2),
            radius_m,
            network,
            max_snap_m,
        )
        existing_covered = np.zeros(len(demand_xy), dtype=bool)
        if existing_xy is not None and len(existing_xy):
            near = pairs_within(
                demand_xy,
                np.asarray(existing_xy, dtype=np.float64).reshape(-1, 2),
                radius_m,
                network,
                max_snap_m,
            )
            existing_covered = np.diff(near.indptr) > 0
        model = cls(pairs, weights, existing_covered, **options)
        model.radius_m = radius_m
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
        return model

    # -- shared pieces ----------------------------------------------------------------------------
    def _open_demand(self) -> np.ndarray:
        """Demand rows the decision is about: populated, reachable, not already covered."""
        return np.flatnonzero((self.weights > 0) & ~self.existing_covered & (np.diff(self.cover.indptr) > 0))

    def _reduced(self) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        """Merged coverage over the candidates that cover something: (groups, weights, columns)."""
        rows = self._open_demand()
        sub = self.cover[rows]
        useful = np.flatnonzero(np.diff(sub.tocsc().indptr) > 0)
        groups, group_weight, _ = merge_identical_rows(sub[:, useful].tocsr(), self.weights[rows])
        return groups, group_weight, useful

    def _finish(
        self,
        selected: np.ndarray,
        objective: float,
        bound: float,
        optimal: bool,
        started: float,
        solver: str,
        notes: list[str],
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
        )


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
        if len(self._open_demand()) == 0 and not np.any(self.existing_covered & (self.weights > 0)):
            raise OptimisationError("No candidate site lies within the radius of any populated demand point.")

    def _finish(self, selected, objective, bound, optimal, started, solver, notes) -> SitingResult:
        """Drop chosen sites that cover nobody new and say when fewer sites than asked remain.

        Greedy gains never increase, so the sites with no gain in the greedy order are redundant
        together: without them the coverage (and the objective) is the same. The MILP may leave
        such sites switched on when the ``p`` limit is not binding.
        """
        selected = np.sort(np.asarray(selected, dtype=np.int64))
        if len(selected):
            order, gains = greedy_order(self.cover.tocsc(), self.weights, self.existing_covered, selected)
            selected = np.sort(order[gains > 0])
        if self.sites is not None and len(selected) < self.sites:
            covered = self.existing_covered | (np.diff(self.cover[:, selected].tocsr().indptr) > 0)
            gain = self.cover.T @ np.where(covered, 0.0, self.weights)
            why = (
                ": every other candidate reaches only people already covered, or nobody, within the radius"
                if not np.any(gain > 0)
                else ""
            )
            notes = [*notes, f"only {len(selected)} of the {self.sites} sites asked for add coverage{why}"]
        return super()._finish(selected, objective, bound, optimal, started, solver, notes)

    def solve(
        self,
        solver: str = "exact",
        time_limit_s: float = 60.0,
        progress: Progress | None = None,
        mip_gap: float = _highs.MIP_REL_GAP,
    ) -> SitingResult:
        """Choose the sites.

        Parameters
        ----------
        solver : {"exact", "heuristic"}
            ``"exact"``: greedy + 1-swaps give an incumbent; with a number of sites (no budget) a
            Lagrangian relaxation bounds it and fixes sites in or out; HiGHS then solves the MILP
            over the sites still open to choice, warm-started by the incumbent. Optimal unless the
            time limit stops it (then the best solution and its gap). ``"heuristic"``: the same
            without the MILP; the bound is the better of the Lagrangian bound and the
            submodularity bound ``f(S) + sum of the p largest marginal gains``.
        time_limit_s : float
            Wall-clock limit for the whole solve.
        progress : Progress, optional
            Progress sink; cancelling raises :class:`~cityplanner.errors.Cancelled`.
        mip_gap : float
            Relative gap between the objective and its bound at which the exact solver may stop
            (e.g. 0.01 for "within 1 %"); ``optimal`` still means within 1e-6.
        """
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        report(progress, 0.0, "Reducing the covering problem")
        groups, weight, cols = self._reduced()
        fixed = float(self.weights[self.existing_covered].sum())
        costs = None if self.costs is None else self.costs[cols]
        share = 1.0 if solver == "heuristic" else 0.2
        chosen, value, bound = _mclp_greedy_swap(
            groups, weight, self.sites, costs, self.budget, started + share * time_limit_s, progress
        )
        notes = [
            f"{self.cover.shape[0]} demand points merged into {groups.shape[0]} distinct coverage groups"
        ]
        g, m = groups.shape
        fixed_out = fixed_in = np.zeros(m, dtype=bool)
        # With no more useful sites than p, greedy opens them all: nothing is left to bound.
        if g and self.budget is None and m > self.sites:
            lag = _mclp_lagrangian(
                groups,
                weight,
                self.sites,
                chosen,
                started + (0.9 if solver == "heuristic" else 0.1) * time_limit_s,
                progress,
            )
            bound = min(bound, lag.bound)
            chosen, value = lag.sites, lag.value
            fixed_out, fixed_in = lag.fixed_out, lag.fixed_in
        n_in = int(fixed_in.sum())
        # With every site fixed (or all p fixed in) only the incumbent is left to choose.
        settled = g == 0 or n_in == self.sites or not np.any(~fixed_out & ~fixed_in)
        if settled:
            bound = value
        # Without a looser gap asked for, skip the MILP only when the bound meets the incumbent.
        close_enough = bound - value <= (mip_gap if mip_gap > _highs.MIP_REL_GAP else 1e-9) * max(
            value + fixed, 1.0
        )
        if solver == "heuristic" or settled or close_enough:
            optimal = bound - value <= _highs.MIP_REL_GAP * max(value + fixed, 1.0)
            return self._finish(cols[chosen], value + fixed, bound + fixed, optimal, started, solver, notes)
        free = np.flatnonzero(~fixed_out & ~fixed_in)
        if fixed_out.any() or n_in:
            notes.append(
                f"Lagrangian bound fixed {int(fixed_out.sum())} sites out and {n_in} in; "
                f"HiGHS chose among the other {len(free)}"
            )
        # Groups an in-site covers are settled; groups only out-sites cover cannot be covered.
        in_covered = np.diff(groups[:, np.flatnonzero(fixed_in)].tocsr().indptr) > 0
        open_rows = np.flatnonzero(~in_covered & (np.diff(groups[:, free].tocsr().indptr) > 0))
        sub, sub_weight, _ = merge_identical_rows(groups[open_rows][:, free].tocsr(), weight[open_rows])
        in_weight = float(weight[in_covered].sum())
        out = _mclp_milp(
            sub,
            sub_weight,
            None if self.sites is None else self.sites - n_in,
            None if costs is None else costs[free],
            self.budget,
            np.flatnonzero(np.isin(free, chosen)),
            max(time_limit_s - (time.perf_counter() - started), 0.5),
            progress,
            # The MILP sees only the free part; its gap is relative to that part's objective.
            mip_gap * (value + fixed) / max(value - in_weight, 1e-12),
        )
        picked = np.r_[np.flatnonzero(fixed_in), free[np.flatnonzero(out.x[: len(free)] > 0.5)]]
        found = float(weight @ (groups[:, picked].sum(axis=1).A.ravel() > 0))
        if found < value:
            # HiGHS stopped before reaching the incumbent it was handed: keep the incumbent.
            picked, found = chosen, value
        if np.isfinite(out.bound):
            # A selection breaking a fixing covers less than the incumbent (Lagrangian proof).
            bound = min(bound, max(out.bound + in_weight, value))
        optimal = _highs.proven(out.optimal, found + fixed, bound + fixed, mip_gap)
        if not out.optimal:
            notes.append(f"HiGHS stopped ({out.status}) before proving optimality")
        return self._finish(cols[picked], found + fixed, bound + fixed, optimal, started, "exact", notes)


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
    ) -> SitingResult:
        """Choose the sites (see :meth:`MCLP.solve`; the heuristic is greedy covering with
        redundant sites dropped, bounded by the LP relaxation)."""
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        report(progress, 0.0, "Reducing the covering problem")
        full = self.target >= 1.0
        groups, weight, cols = self._reduced()
        need = self._need() if not full else float(weight.sum())
        costs = np.ones(len(cols)) if self.costs is None else self.costs[cols]
        notes = [
            f"{self.cover.shape[0]} demand points merged into {groups.shape[0]} distinct coverage groups"
        ]
        if need <= 0 or groups.shape[0] == 0:
            return self._finish(np.empty(0, dtype=np.int64), 0.0, 0.0, True, started, solver, notes)
        chosen = _lscp_greedy(groups, weight, costs, need, full, progress)
        value = float(costs[chosen].sum())
        g, m = groups.shape
        if full:
            rows, lower, upper = groups, np.ones(g), np.full(g, np.inf)
            cost, integer, n_col = costs, np.ones(m, dtype=bool), m
        else:
            link = sparse.hstack([-groups, sparse.identity(g, format="csr")], format="csr")
            cover_row = sparse.csr_matrix(np.r_[np.zeros(m), weight])
            rows = sparse.vstack([link, cover_row], format="csr")
            lower, upper = np.r_[np.full(g, -np.inf), need * (1 - 1e-12)], np.r_[np.zeros(g), np.inf]
            cost, integer, n_col = (
                np.r_[costs, np.zeros(g)],
                np.r_[np.ones(m, dtype=bool), np.zeros(g, dtype=bool)],
                m + g,
            )
        remaining = max(time_limit_s - (time.perf_counter() - started), 0.5)
        warm = np.zeros(n_col)
        warm[chosen] = 1.0
        if not full:
            warm[m:] = np.minimum(groups @ warm[:m], 1.0)
        out = _highs.solve(
            cost,
            rows,
            lower,
            upper,
            np.zeros(n_col),
            np.ones(n_col),
            integer if solver == "exact" else None,
            False,
            remaining,
            progress,
            (0.3, 0.98),
            warm_start=warm if solver == "exact" else None,
            rel_gap=mip_gap,
        )
        if solver == "heuristic":
            bound = out.bound
            if self.costs is None and np.isfinite(bound):
                bound = float(np.ceil(bound - 1e-6))  # a count of sites is whole
            optimal = np.isfinite(bound) and value - bound <= _highs.MIP_REL_GAP * max(value, 1.0)
            return self._finish(
                cols[chosen], value, bound, optimal, started, "heuristic", notes + ["bound: LP relaxation"]
            )
        picked = np.flatnonzero(out.x[:m] > 0.5)
        value = float(costs[picked].sum())
        if not out.optimal:
            notes.append(f"HiGHS stopped ({out.status}) before proving optimality")
        optimal = _highs.proven(out.optimal, value, out.bound, mip_gap)
        return self._finish(cols[picked], value, out.bound, optimal, started, "exact", notes)


def _check_solver(solver: str) -> None:
    if solver not in ("exact", "heuristic"):
        raise OptimisationError(f"Unknown solver '{solver}'; use 'exact' or 'heuristic'.")


def _mclp_greedy_swap(
    groups: sparse.csr_matrix,
    weight: np.ndarray,
    sites: int | None,
    costs: np.ndarray | None,
    budget: float | None,
    deadline: float,
    progress: Progress | None,
) -> tuple[np.ndarray, float, float]:
    """Greedy (by gain, or gain per cost under a budget) then best-improvement 1-swaps.

    Returns the chosen columns, their covered weight and an upper bound on the optimum from
    submodularity: for any set S, OPT <= f(S) + the best feasible sum of marginal gains w.r.t. S.
    """
    g, m = groups.shape
    by_site = groups.T.tocsr()  # (m, g): rows are sites, so gains are one sparse product
    count = np.zeros(g, dtype=np.int64)
    chosen = np.zeros(m, dtype=bool)
    cost = np.ones(m) if costs is None else costs
    limit_p = m if sites is None else sites
    limit_b = np.inf if budget is None else budget
    bound = np.inf

    def gains() -> np.ndarray:
        return by_site @ np.where(count == 0, weight, 0.0)

    def add(j: int, delta: int) -> None:
        count[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]] += delta
        chosen[j] = delta > 0

    def bound_at(gain: np.ndarray, value: float) -> float:
        free = np.where(chosen, 0.0, gain)
        best = np.inf
        if sites is not None:
            best = value + np.sort(free)[::-1][:sites].sum()
        if budget is not None:
            best = min(best, value + _fractional_knapsack(free, cost, budget))
        return best

    value = 0.0
    while True:
        gain = gains()
        bound = min(bound, bound_at(gain, value))
        spent = cost[chosen].sum()
        ok = ~chosen & (cost + spent <= limit_b + _TOL) & (gain > 0)
        if chosen.sum() >= limit_p or not ok.any():
            break
        score = np.where(ok, gain / np.maximum(cost, _TOL) if costs is not None else gain, -np.inf)
        j = int(np.argmax(score))
        add(j, 1)
        value += gain[j]
        report(
            progress, 0.2 * min(chosen.sum() / max(limit_p if sites else m, 1), 1.0) * 0.5, "Greedy siting"
        )
    # Best-improvement swaps: delta[j, s] = gain_j + (weight only s covers that j covers) - loss_s.
    while time.perf_counter() < deadline:
        report(progress, 0.15, "Improving by swaps")
        sel = np.flatnonzero(chosen)
        if len(sel) == 0:
            break
        gain = gains()
        sub = groups[:, sel].tocsr()
        only = np.flatnonzero(count == 1)
        owner_pos = np.zeros(g, dtype=np.int64)
        # A group with count 1 has exactly one chosen site among its columns in ``sub``.
        has = np.diff(sub.indptr) > 0
        owner_pos[has] = sub.indices[sub.indptr[:-1][has]]
        lost = sparse.csr_matrix((weight[only], (only, owner_pos[only])), shape=(g, len(sel)))
        loss = np.asarray(lost.sum(axis=0)).ravel()
        delta = gain[:, None] + (by_site @ lost).toarray() - loss[None, :]
        spent = cost[sel].sum()
        feasible = ~chosen[:, None] & (spent - cost[sel][None, :] + cost[:, None] <= limit_b + _TOL)
        delta[~feasible] = -np.inf
        best = int(np.argmax(delta))
        j, k = divmod(best, len(sel))
        if not delta[j, k] > _TOL * max(value, 1.0):
            break
        add(int(sel[k]), -1)
        add(j, 1)
        value += float(delta[j, k])
    gain = gains()
    value = float(weight[count > 0].sum())
    bound = min(bound, bound_at(gain, value))
    return np.flatnonzero(chosen), value, max(bound, value)


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
        rel_gap=mip_gap,
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
) -> np.ndarray:
    """Greedy covering (uncovered groups, or uncovered weight, per unit cost), then drop sites
    whose removal keeps the target, latest first."""
    g, m = groups.shape
    by_site = groups.T.tocsr()
    count = np.zeros(g, dtype=np.int64)
    order: list[int] = []
    unit = np.ones(g) if full else weight
    covered = 0.0
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
