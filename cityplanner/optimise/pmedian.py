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
"""

from __future__ import annotations

import time

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
        model._cost = np.nan_to_num(cost[:, order], nan=np.inf)
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
            mat = sparse.csr_matrix((dist + 1.0, (dem_i, site_i)), shape=(n, s))
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
        self, solver: str = "exact", time_limit_s: float = 60.0, progress: Progress | None = None
    ) -> SitingResult:
        """Choose the sites.

        ``"exact"`` solves the sparse MILP with HiGHS, widening it until no fallback is used
        (see the module docstring). ``"heuristic"`` runs greedy + best-improvement 1-swaps and
        reports the LP relaxation of the sparse model as its lower bound; it ignores nothing
        but cannot handle capacities.
        """
        started = time.perf_counter()
        _check_solver(solver)
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
            heur = model.heuristic(started + (0.9 if solver == "heuristic" else 0.2) * time_limit_s, progress)
            if solver == "heuristic":
                remaining = max(time_limit_s - (time.perf_counter() - started), 0.5)
                lp = model.milp(remaining, progress, relax=True)
                return self._finish(
                    heur, lp.bound, False, started, "heuristic", notes + ["bound: LP relaxation"], unreachable
                )
            remaining = max(time_limit_s - (time.perf_counter() - started), 0.5)
            out = model.milp(remaining, progress, warm=heur if warm_sites is None else warm_sites)
            chosen, used_fallback = model.decode(out.x)
            if not used_fallback.any() or not out.optimal:
                if used_fallback.any():
                    notes.append("time limit reached while widening the sparse model; objective re-evaluated")
                if not out.optimal:
                    notes.append(f"HiGHS stopped ({out.status}) before proving optimality")
                return self._finish(
                    chosen,
                    out.bound,
                    out.optimal and not used_fallback.any(),
                    started,
                    "exact",
                    notes,
                    unreachable,
                )
            notes.append(f"widened the sparse model for {int(used_fallback.sum())} demand points")
            k = k.copy()
            if self._network is not None:
                k[:] = np.inf
            else:
                k[used_fallback] = np.minimum(2 * k[used_fallback], self._n_sites)
            warm_sites = chosen

    def _finish(self, chosen, bound, optimal, started, solver, notes, unreachable) -> SitingResult:
        chosen = np.sort(np.asarray(chosen, dtype=np.int64))
        w = self.weights.copy()
        w[unreachable] = 0.0
        ex_cols = self.n_candidates + np.arange(self.n_existing)
        d_ex = self._distances_to(ex_cols).min(axis=1) if self.n_existing else np.full(len(w), np.inf)
        d_new = self._distances_to(chosen)
        if self.capacities is None:
            objective = float(np.sum(w * np.minimum(d_new.min(axis=1) if len(chosen) else np.inf, d_ex)))
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

    def _base(self) -> np.ndarray:
        """Per demand, the cost without any new site: nearest existing or the fallback."""
        base = np.minimum(self.fallback, self.big)
        is_ex = self.col >= self.owner.n_candidates
        np.minimum.at(base, self.row[is_ex], self.dist[is_ex])
        return base

    def heuristic(self, deadline: float, progress: Progress | None) -> np.ndarray | None:
        """Greedy adding then best-improvement 1-swaps (uncapacitated only; None otherwise)."""
        if self.owner.capacities is not None:
            return None
        m, p, w = self.owner.n_candidates, self.owner.sites, self.weights
        cand = self.col < m
        r, c, d = self.row[cand], self.col[cand], self.dist[cand]
        base = self._base()
        cur = base.copy()
        chosen = np.zeros(m, dtype=bool)
        for step in range(p):
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

    def milp(self, time_limit_s: float, progress: Progress | None, warm=None, relax: bool = False):
        """Solve the sparse model (or its LP relaxation) with HiGHS."""
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
        blocks = [assign, link, count]
        lower = [np.ones(len(live_rows)), np.full(len(pc), -np.inf), [own.sites]]
        upper = [np.ones(len(live_rows)), np.zeros(len(pc)), [own.sites]]
        integer = np.r_[np.ones(m, dtype=bool), np.zeros(npair + n, dtype=bool)]
        if own.capacities is not None:
            n_sites = own._n_sites
            cap = np.r_[
                own.capacities,
                np.full(own.n_existing, np.inf)
                if own.existing_capacities is None
                else own.existing_capacities,
            ]
            load = sparse.csr_matrix((w[self.row], (self.col, z)), shape=(n_sites, n_col)).tolil()
            for j in range(m):
                load[j, j] = -cap[j]
            blocks.append(load.tocsr())
            lower.append(np.full(n_sites, -np.inf))
            upper.append(np.r_[np.zeros(m), cap[m:]])
            integer[m:] = True
        warm_x = None
        if warm is not None and not relax:
            warm_x = self._warm_vector(np.asarray(warm), n_col)
        out = _highs.solve(
            cost,
            sparse.vstack(blocks, format="csr"),
            np.concatenate(lower),
            np.concatenate(upper),
            np.zeros(n_col),
            col_upper,
            None if relax else integer,
            False,
            time_limit_s,
            progress,
            (0.2, 0.98),
            warm_start=warm_x,
        )
        if own.capacities is not None:
            own._last_objective = out.objective
        return out

    def _warm_vector(self, chosen: np.ndarray, n_col: int) -> np.ndarray | None:
        """Assign each demand to its nearest open kept site (or fallback) for a warm start."""
        if self.owner.capacities is not None:
            return None
        m, n = self.owner.n_candidates, len(self.weights)
        open_site = np.zeros(self.owner._n_sites, dtype=bool)
        open_site[chosen] = True
        open_site[m:] = True
        x = np.zeros(n_col)
        x[chosen] = 1.0
        ok = np.flatnonzero(open_site[self.col])
        o = ok[np.lexsort((self.col[ok], self.dist[ok], self.row[ok]))]
        first = o[np.r_[True, self.row[o][1:] != self.row[o][:-1]]] if len(o) else o
        best = np.full(n, np.inf)
        best[self.row[first]] = self.dist[first]
        use_fb = np.isfinite(self.fallback) & (self.fallback < best)
        x[m + first[~use_fb[self.row[first]]]] = 1.0
        x[m + len(self.row) + np.flatnonzero(use_fb)] = 1.0
        return x

    def decode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chosen candidates and which demand points used their fallback."""
        m, npair = self.owner.n_candidates, len(self.row)
        used = (x[m + npair :] > 1e-6) & np.isfinite(self.fallback)
        return np.flatnonzero(x[:m] > 0.5), used
