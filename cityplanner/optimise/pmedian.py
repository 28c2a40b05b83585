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
are dropped: they can never serve it.

Solving one round (uncapacitated)
---------------------------------
Greedy + 1-swaps give an incumbent. A Lagrangian relaxation of the assignment rows (Beasley
1993), optimised by subgradient steps, gives a lower bound and, by reduced costs, the sites that
must be in or out of any better solution; its subproblems also propose incumbents. Often that
settles every site. Otherwise HiGHS solves the rest in the distance-level formulation
(Cornuejols, Nemhauser & Wolsey 1980; Elloumi 2010): one row per distinct distance of each demand
point instead of one variable per pair, with the same LP bound, which HiGHS mostly closes at the
root. Capacities need the demand-site assignment, so the capacitated model stays in that form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from ..errors import OptimisationError
from ..progress import Progress, report
from . import _highs
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
        self.existing_capacities = existing_capacities
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
    ) -> SitingResult:
        """Choose the sites.

        ``"exact"`` solves the sparse model exactly, widening it until no fallback is used (see
        the module docstring): without capacities, greedy + 1-swaps give an incumbent, a
        Lagrangian relaxation bounds it and fixes sites in or out, and HiGHS solves what is left
        in distance-level form (often nothing: the bound meets the incumbent); with capacities,
        HiGHS solves the assignment MILP. ``"heuristic"`` stops after the Lagrangian pass and
        reports its bound; it cannot handle capacities. ``mip_gap`` is the relative gap at which
        the exact solver may stop (see :meth:`MCLP.solve`).
        """
        started = time.perf_counter()
        _check_solver(solver)
        mip_gap = _highs.check_gap(mip_gap)
        if self.capacities is not None and solver == "heuristic":
            raise OptimisationError(
                "The heuristic solver cannot handle site capacities; use the exact solver."
            )
        if self.capacities is not None:
            n_ex = self.n_existing
            ex_cap = np.full(n_ex, np.inf) if self.existing_capacities is None else self.existing_capacities
            total_cap = np.sort(self.capacities)[::-1][: self.sites].sum() + np.sum(ex_cap)
            if total_cap < self.weights.sum():
                raise OptimisationError(
                    f"The {self.sites} largest site capacities ({total_cap:,.0f}) cannot serve the whole "
                    f"population ({self.weights.sum():,.0f})."
                )
        n = len(self.weights)
        start_k = _FIRST_K if self.capacities is None else 2 * _FIRST_K
        if self._network is not None:
            k = np.full(n, np.inf if self.radius_m is None else 4 * self.radius_m)
        else:
            # A point's nearest open site is typically about its (sites / p)-th nearest.
            k = np.full(n, min(max(start_k, int(np.ceil(2 * self._n_sites / self.sites))), self._n_sites))
        report(progress, 0.0, "Measuring distances")
        notes: list[str] = []
        warm_sites: np.ndarray | None = None
        while True:
            pairs, fallback = self._kept(k)
            model = _SparseModel(self, pairs, fallback)
            unreachable = model.unreachable
            if self.capacities is None:
                chosen, bound, optimal, status = model.solve_uncapacitated(
                    solver, started, time_limit_s, progress, warm_sites, notes, mip_gap
                )
                if solver == "heuristic":
                    return self._finish(chosen, bound, optimal, started, solver, notes, unreachable)
                used_fallback = model.unserved(chosen)
            else:
                remaining = max(time_limit_s - (time.perf_counter() - started), 0.5)
                out = model.capacitated_milp(remaining, progress, mip_gap)
                chosen, used_fallback = model.decode(out.x)
                bound, optimal, status = out.bound, out.optimal, out.status
            if not used_fallback.any() or not optimal:
                if used_fallback.any():
                    notes.append("time limit reached while widening the sparse model; objective re-evaluated")
                if not optimal:
                    notes.append(f"HiGHS stopped ({status}) before proving optimality")
                return self._finish(
                    chosen,
                    bound,
                    optimal and not used_fallback.any(),
                    started,
                    "exact",
                    notes,
                    unreachable,
                    mip_gap,
                )
            notes.append(f"widened the sparse model for {int(used_fallback.sum())} demand points")
            k = k.copy()
            if self._network is not None:
                k[:] = np.inf
            else:
                k[used_fallback] = np.minimum(2 * k[used_fallback], self._n_sites)
            warm_sites = chosen

    def _finish(
        self, chosen, bound, optimal, started, solver, notes, unreachable, mip_gap=_highs.MIP_REL_GAP
    ) -> SitingResult:
        """The result for ``chosen``; ``optimal`` says the solve stopped as optimal at ``mip_gap``."""
        chosen = np.sort(np.asarray(chosen, dtype=np.int64))
        w = self.weights.copy()
        w[unreachable] = 0.0
        ex_cols = self.n_candidates + np.arange(self.n_existing)
        d_ex = self._distances_to(ex_cols).min(axis=1) if self.n_existing else np.full(len(w), np.inf)
        d_new = self._distances_to(chosen)
        if self.capacities is None:
            nearest = np.minimum(d_new.min(axis=1) if len(chosen) else np.inf, d_ex)
            # Demand no site can reach is out of the model (weight 0): never 0 x inf = NaN.
            objective = float(np.sum(w[w > 0] * nearest[w > 0]))
            left = float(w[(w > 0) & ~np.isfinite(nearest)].sum())
            if left > 0:
                one = len(chosen) == 1
                raise OptimisationError(
                    f"The {len(chosen)} new site{'' if one else 's'} chosen leave{'s' if one else ''} "
                    f"{left:,.0f} people whom candidate sites "
                    "could reach with no open site they can reach along the streets (the streets fall "
                    "apart into separate parts); give more sites or only candidates on connected streets."
                )
        else:
            objective = float(self._last_objective)
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
            notes=notes,
        )


class _SparseModel:
    """One round of the sparse p-median: kept pairs, fallbacks, heuristic and MILP."""

    def __init__(self, owner: PMedian, pairs: sparse.csr_matrix, fallback: np.ndarray) -> None:
        self.owner = owner
        m = owner.n_candidates
        coo = pairs.tocoo()
        row, col, dist = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data - 1.0
        fallback = fallback.copy()
        if owner.capacities is None:
            # Nothing beyond a point's nearest kept existing facility can serve it.
            is_ex = col >= m
            nearest_ex = np.full(len(fallback), np.inf)
            np.minimum.at(nearest_ex, row[is_ex], dist[is_ex])
            keep = dist <= nearest_ex[row]
            row, col, dist = row[keep], col[keep], dist[keep]
            fallback[np.isfinite(nearest_ex)] = np.inf
        has_pair = np.bincount(row, minlength=len(fallback)) > 0
        self.unreachable = np.flatnonzero(~has_pair & ~np.isfinite(fallback))
        order = np.lexsort((col, row))
        self.row, self.col, self.dist = row[order], col[order], dist[order]
        self.fallback = fallback
        self.weights = owner.weights.copy()
        self.weights[self.unreachable] = 0.0
        finite = dist[np.isfinite(dist)]
        self.big = 10.0 * (float(finite.max()) if len(finite) else 1.0) + 1e6

    def _cap(self) -> np.ndarray:
        """Per demand, the cost without any new site: nearest existing, else the fallback (or inf)."""
        cap = self.fallback.copy()
        is_ex = self.col >= self.owner.n_candidates
        np.minimum.at(cap, self.row[is_ex], self.dist[is_ex])
        return cap

    def _base(self) -> np.ndarray:
        """:meth:`_cap` with a large finite cost for demand no kept site can serve."""
        return np.minimum(self._cap(), self.big)

    def heuristic(
        self, deadline: float, progress: Progress | None, start: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Greedy adding (or the ``start`` sites) then best-improvement 1-swaps (uncapacitated
        only; None otherwise)."""
        if self.owner.capacities is not None:
            return None
        m, p, w = self.owner.n_candidates, self.owner.sites, self.weights
        cand = self.col < m
        r, c, d = self.row[cand], self.col[cand], self.dist[cand]
        base = self._base()
        cur = base.copy()
        chosen = np.zeros(m, dtype=bool)
        if start is not None:
            chosen[start] = True
        for step in range(p if start is None else 0):
            save = np.bincount(c, weights=w[r] * np.maximum(cur[r] - d, 0.0), minlength=m)
            save[chosen] = -np.inf
            j = int(np.argmax(save))
            chosen[j] = True
            hit = c == j
            np.minimum.at(cur, r[hit], d[hit])
            report(progress, 0.05 + 0.1 * (step + 1) / p, "Greedy siting")
        while time.perf_counter() < deadline:
            report(progress, 0.15, "Improving by swaps")
            open_ = chosen[c]
            rr = np.r_[r[open_], np.arange(len(base))]
            cc = np.r_[c[open_], np.full(len(base), -1)]
            dd = np.r_[d[open_], base]
            o = np.lexsort((cc, dd, rr))
            rr, cc, dd = rr[o], cc[o], dd[o]
            first = np.r_[True, rr[1:] != rr[:-1]]
            cur1, who = dd[first], cc[first]
            second_mask = np.r_[False, first[:-1]] & ~first
            cur2 = np.full(len(base), self.big)
            cur2[rr[second_mask]] = dd[second_mask]
            best_delta, best = -1e-9 * max(float(np.sum(w * cur1)), 1.0), None
            for s in np.flatnonzero(chosen):
                without = np.where(who == s, cur2, cur1)
                loss = float(np.sum(w * (without - cur1)))
                save = np.bincount(c, weights=w[r] * np.maximum(without[r] - d, 0.0), minlength=m)
                save[chosen] = -np.inf
                j = int(np.argmax(save))
                if loss - save[j] < best_delta:
                    best_delta, best = loss - save[j], (int(s), j)
            if best is None:
                break
            chosen[best[0]], chosen[best[1]] = False, True
        return np.flatnonzero(chosen)

    def lagrangian(self, sites: np.ndarray, deadline: float, progress: Progress | None) -> _Lagrangian:
        """Lagrangian bound of the uncapacitated sparse model and the sites it proves in or out.

        Relaxing "each demand is served once" with multipliers ``lam`` (Beasley 1993) leaves
        ``sum(lam) + the p most negative site terms rho_j = sum_i min(0, w_i d_ij - lam_i)``, a
        lower bound for every ``lam``; each demand's cap (nearest existing facility or fallback)
        is always available, so ``lam_i <= w_i cap_i``. Subgradient optimisation with Polyak steps
        aimed at the incumbent raises it; every few steps the subproblem's ``p`` sites are costed
        as a candidate incumbent (Lagrangian heuristic). A site whose forced opening (closing)
        lifts the bound above the incumbent cannot be in (out of) a better solution.

        Parameters
        ----------
        sites : numpy.ndarray
            A feasible selection of ``p`` candidates (the starting incumbent).
        """
        m, p = self.owner.n_candidates, self.owner.sites
        w = self.weights
        cap = self._cap()
        keep = (self.col < m) & (w[self.row] > 0) & (self.dist < cap[self.row])
        r, c = self.row[keep], self.col[keep]
        pair_cost = w[r] * self.dist[keep]
        cap_cost = w * np.where(w > 0, cap, 0.0)

        def cost_of(chosen: np.ndarray) -> float:
            is_open = np.zeros(m, dtype=bool)
            is_open[chosen] = True
            served = cap_cost.copy()
            np.minimum.at(served, r[is_open[c]], pair_cost[is_open[c]])
            return float(served.sum())

        best_sites = np.sort(np.asarray(sites, dtype=np.int64))
        upper = cost_of(best_sites)
        cheapest = np.full(len(w), np.inf)
        np.minimum.at(cheapest, r, pair_cost)
        # Start between the cheapest pair and the cap; demand without pairs sits at its cap.
        lam = np.where(np.isfinite(cheapest), np.minimum(2.0 * cheapest, cap_cost), cap_cost)
        best_bound, best_lam = -np.inf, lam
        step_scale, stall = 2.0, 0
        for it in range(_LAGRANGE_MAX_ITERATIONS):
            reduced = np.minimum(pair_cost - lam[r], 0.0)
            rho = np.bincount(c, weights=reduced, minlength=m)
            top = np.argsort(rho, kind="stable")[:p]
            bound = float(lam.sum() + rho[top].sum())
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
                report(progress, 0.16, f"Lagrangian bound (gap {(upper - best_bound) / upper:.2%})")
            if upper - best_bound <= _highs.MIP_REL_GAP * abs(upper) or step_scale < 1e-5:
                break
            if time.perf_counter() > deadline:
                break
            is_open = np.zeros(m, dtype=bool)
            is_open[top] = True
            served = np.bincount(r[is_open[c] & (reduced < 0)], minlength=len(w))
            direction = np.where(w > 0, 1.0 - served, 0.0)
            direction[(lam >= cap_cost) & (direction > 0)] = 0.0
            norm = float(direction @ direction)
            if norm == 0.0:
                break
            # Aim at the incumbent; while there is none (some demand unserved), a bit above the bound.
            target = upper if np.isfinite(upper) else bound + 0.1 * abs(bound) + 1.0
            lam = np.minimum(lam + step_scale * (target - bound) / norm * direction, cap_cost)
        rho = np.bincount(c, weights=np.minimum(pair_cost - best_lam[r], 0.0), minlength=m)
        ranked = np.sort(rho)
        slack = upper - best_bound + 1e-9 * abs(upper)
        fixed_out = rho - ranked[p - 1] > slack
        fixed_in = ranked[p] - rho > slack if p < m else np.ones(m, dtype=bool)
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
        are open and, like existing facilities, cap the distance of the demand they reach.
        """
        own = self.owner
        m, p = own.n_candidates, own.sites
        w = self.weights
        fixed_out = np.zeros(m, dtype=bool) if fixed_out is None else fixed_out
        fixed_in = np.zeros(m, dtype=bool) if fixed_in is None else fixed_in
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
        offset = float(w[lv_row[first]] @ lv_dist[first])
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
        )

    def capacitated_milp(self, time_limit_s: float, progress: Progress | None, mip_gap: float):
        """Solve the capacitated sparse model (assignment form: capacities need ``x_ij``) with HiGHS.

        Each demand point is served whole by one kept site or by its fallback; a site serves at
        most its capacity, and only when open.
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
        out = _highs.solve(
            cost,
            sparse.vstack([assign, link, count, load], format="csr"),
            np.r_[np.ones(len(live_rows)), np.full(len(pc), -np.inf), own.sites, np.full(n_sites, -np.inf)],
            np.r_[np.ones(len(live_rows)), np.zeros(len(pc)), own.sites, np.zeros(m), cap[m:]],
            np.zeros(n_col),
            col_upper,
            np.r_[np.ones(m, dtype=bool), np.ones(npair + n, dtype=bool)],
            False,
            time_limit_s,
            progress,
            (0.2, 0.98),
            rel_gap=mip_gap,
        )
        own._last_objective = out.objective
        return out

    def decode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chosen candidates of a capacitated MILP solution and the demand left on its fallback."""
        m = self.owner.n_candidates
        return np.flatnonzero(x[:m] > 0.5), (x[m + len(self.row) :] > 1e-6) & np.isfinite(self.fallback)

    def unserved(self, chosen: np.ndarray) -> np.ndarray:
        """Demand (with population) that no kept chosen site or existing facility serves, so the
        sparse model charged it its fallback."""
        is_open = np.zeros(self.owner._n_sites, dtype=bool)
        is_open[chosen] = True
        served = np.zeros(len(self.weights), dtype=bool)
        served[self.row[is_open[self.col]]] = True
        return np.isfinite(self.fallback) & (self.weights > 0) & ~served

    def solve_uncapacitated(
        self,
        solver: str,
        started: float,
        time_limit_s: float,
        progress: Progress | None,
        warm_sites: np.ndarray | None,
        notes: list[str],
        mip_gap: float,
    ) -> tuple[np.ndarray, float, bool, str]:
        """Incumbent, Lagrangian bound and (exact solver) the reduced level MILP of this round.

        Returns the chosen candidates, a lower bound, whether they are proven optimal for the
        sparse model, and how the solve ended.
        """
        heuristic_only = solver == "heuristic"
        sites = self.heuristic(started + 0.2 * time_limit_s, progress, start=warm_sites)
        lag = self.lagrangian(sites, started + (0.9 if heuristic_only else 0.5) * time_limit_s, progress)
        if not np.array_equal(lag.sites, sites):
            sites = self.heuristic(started + 0.6 * time_limit_s, progress, start=lag.sites)
        free = self.owner.n_candidates - int(lag.fixed_out.sum()) - int(lag.fixed_in.sum())
        # Proven when the fixings leave no choice, or the bound meets the incumbent to rounding.
        tolerance = mip_gap if mip_gap > _highs.MIP_REL_GAP else 1e-9
        proven = free == 0 or lag.cost - lag.bound <= tolerance * abs(lag.cost)
        if heuristic_only or proven:
            notes.append("bound: Lagrangian relaxation" + (" and the sites it fixes" if free == 0 else ""))
            # With every site fixed, any other selection costs more than the incumbent.
            bound = lag.cost if free == 0 else lag.bound
            return sites, bound, bool(proven), "Optimal" if proven else "Heuristic"
        notes.append(
            f"Lagrangian bound fixed {int(lag.fixed_out.sum())} sites out and {int(lag.fixed_in.sum())} in; "
            f"HiGHS chose among the other {free}"
        )
        remaining = max(time_limit_s - (time.perf_counter() - started), 0.5)
        out = self.level_milp(
            remaining, progress, warm=sites, fixed_out=lag.fixed_out, fixed_in=lag.fixed_in, mip_gap=mip_gap
        )
        # Any selection outside the fixings costs more than lag.cost, which bounds the rest.
        bound = max(lag.bound, min(out.bound, lag.cost)) if np.isfinite(out.bound) else lag.bound
        return np.flatnonzero(out.x[: self.owner.n_candidates] > 0.5), bound, out.optimal, out.status
