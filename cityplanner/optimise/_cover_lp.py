"""The MCLP's LP bound at city scale: price the site limit, split the city, solve small LPs.

The MCLP's LP relaxation on 100,000 demand points is one LP of ~45,000 rows that HiGHS needs a
minute for. Pricing the limit instead (a Lagrangian multiplier ``lam`` per site, or per unit of
cost under a budget) gives, for every ``lam >= 0``, the upper bound

    Z(lam) = lam * P + max { sum_i w_i y_i - lam * sum_j a_j x_j :
                             y_i <= sum_{j covers i} x_j, 0 <= x, y <= 1 }

(``P`` sites or budget, ``a_j`` 1 or the site's cost), and ``min Z`` is the LP bound. Two facts
make ``Z(lam)`` cheap near its minimum:

* a site that covers at most ``lam * a_j`` people in all can never pay for itself, so it is zero
  in an optimal solution of the priced LP and leaves the model; at the ``lam`` that matters only
  the sites of the dense districts remain;
* the remaining sites and the demand they cover fall apart into independent parts (districts
  with no demand in common), each a small LP.

``Z`` is convex and piecewise linear in ``lam`` with subgradient ``P - sum_j a_j x_j``, so a
bracketing search with tangent cuts finds its minimum in a few evaluations. Each evaluation's
bound is recomputed from its duals ``u`` as the Lagrangian value
``lam * P + sum_i (w_i - u_i) + sum_j max(0, c_j(u) - lam * a_j)`` with ``c_j(u)`` the duals a
site covers, which is an upper bound for *any* ``u`` in ``[0, w]``: a solver tolerance can only
make the bound weaker, never wrong. The same ``(u, lam)`` give each site's reduced cost
``c_j(u) - lam * a_j``: a site whose forced opening (closing) drops the bound below the incumbent
cannot be in (out of) a better solution. The sites of the LP's support are the *core* in which a
small MILP finds near-optimal selections.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

# The search stops when the best bound is within this share of the lower model of Z, or within
# this share of the gap to the incumbent (a better bound would not change the gap much), ...
_SEARCH_TOLERANCE = 1e-6
_SEARCH_GAP_SHARE = 0.05
# ... or after this many evaluations (this many while the minimum is not bracketed).
_SEARCH_MAX_EVALUATIONS = 14
_SEARCH_MAX_UNBRACKETED = 8
# First step of lam when the minimum is not yet bracketed (a share of lam), doubled each time.
_SEARCH_FIRST_STEP = 0.03


@dataclass
class PricedLP:
    """One evaluation of ``Z(lam)``."""

    lam: float
    bound: float
    x: np.ndarray
    u: np.ndarray
    used: float
    kept: int
    parts: int

    def reduced_costs(self, by_site: sparse.csr_matrix, resource: np.ndarray) -> np.ndarray:
        """``c_j(u) - lam * a_j`` per site."""
        return by_site @ self.u - self.lam * resource


@dataclass
class SearchOutcome:
    """The LP bound search: the best evaluation and every site any evaluation used."""

    best: PricedLP | None
    support: np.ndarray
    evaluations: list[PricedLP] = field(default_factory=list)


def lagrangian_value(
    weight: np.ndarray,
    by_site: sparse.csr_matrix,
    resource: np.ndarray,
    limit: float,
    lam: float,
    u: np.ndarray,
) -> float:
    """The Lagrangian upper bound for multipliers ``u`` (clipped into ``[0, w]``) and price ``lam``."""
    u = np.clip(u, 0.0, weight)
    score = by_site @ u
    return float(lam * limit + np.sum(weight - u) + np.sum(np.maximum(score - lam * resource, 0.0)))


def priced_lp(
    groups: sparse.csr_matrix,
    by_site: sparse.csr_matrix,
    weight: np.ndarray,
    resource: np.ndarray,
    limit: float,
    lam: float,
    check: Callable[[], None] | None = None,
) -> PricedLP:
    """Evaluate ``Z(lam)``: prune the sites that cannot pay for themselves, split, solve each part.

    Parameters
    ----------
    groups : scipy.sparse.csr_matrix
        (g, m) coverage of the demand groups.
    by_site : scipy.sparse.csr_matrix
        ``groups.T`` as CSR (sites x groups).
    resource : numpy.ndarray
        (m,) what a site uses of the limit: 1 per site, or its cost under a budget.
    limit : float
        Sites (or budget) available.
    check : callable, optional
        Called between parts (a stop or cancel checkpoint).
    """
    g, m = groups.shape
    alone = by_site @ weight
    keep = np.flatnonzero(alone > lam * resource + 1e-9 * np.maximum(alone, 1.0))
    x = np.zeros(m)
    u = weight.astype(np.float64).copy()
    if len(keep) == 0:
        return PricedLP(lam, lagrangian_value(weight, by_site, resource, limit, lam, u), x, u, 0.0, 0, 0)
    sub = groups[:, keep].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    a = sub[rows].tocsr()
    n_rows = len(rows)
    n_parts, label = connected_components(sparse.bmat([[None, a], [a.T, None]], format="csr"), directed=False)
    row_label, col_label = label[:n_rows], label[n_rows:]
    row_order = np.argsort(row_label, kind="stable")
    col_order = np.argsort(col_label, kind="stable")
    row_start = np.searchsorted(row_label[row_order], np.arange(n_parts + 1))
    col_start = np.searchsorted(col_label[col_order], np.arange(n_parts + 1))
    # Largest parts first: a stop between parts leaves the least undone.
    for part in np.argsort(-(col_start[1:] - col_start[:-1]), kind="stable"):
        cols = col_order[col_start[part] : col_start[part + 1]]
        if len(cols) == 0:
            continue
        part_rows = row_order[row_start[part] : row_start[part + 1]]
        block = a[part_rows][:, cols].tocsr()
        count = np.diff(block.indptr)
        single = count == 1
        # A group only one site of the part covers is served exactly when that site is open.
        gain = np.bincount(
            block.indices[block.indptr[:-1][single]],
            weights=weight[rows[part_rows[single]]],
            minlength=len(cols),
        )
        price = lam * resource[keep[cols]]
        multi = np.flatnonzero(~single)
        if len(multi) == 0:
            x[keep[cols]] = (gain > price).astype(np.float64)
            continue
        xs, duals = _part_lp(block[multi], weight[rows[part_rows[multi]]], gain - price)
        x[keep[cols]] = xs
        u[rows[part_rows[multi]]] = np.abs(duals)
        if check is not None:
            check()
    bound = lagrangian_value(weight, by_site, resource, limit, lam, u)
    return PricedLP(lam, bound, x, np.clip(u, 0.0, weight), float(resource @ x), len(keep), int(n_parts))


def _part_lp(
    block: sparse.csr_matrix, weight: np.ndarray, site_value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``max sum w y + sum v x`` s.t. ``y <= block x``, ``0 <= x, y <= 1``: site values and row duals."""
    n_rows, k = block.shape
    rows = sparse.hstack([-block, sparse.identity(n_rows, format="csr")], format="csr")
    n_col = k + n_rows
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("random_seed", 0)
    h.passModel(
        n_col,
        n_rows,
        int(rows.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        np.ascontiguousarray(np.r_[site_value, weight], dtype=np.float64),
        np.zeros(n_col),
        np.ones(n_col),
        np.full(n_rows, -np.inf),
        np.zeros(n_rows),
        rows.indptr.astype(np.int32),
        rows.indices.astype(np.int32),
        rows.data.astype(np.float64),
        np.zeros(n_col, dtype=np.int32),
    )
    h.run()
    solution = h.getSolution()
    return np.clip(np.asarray(solution.col_value)[:k], 0.0, 1.0), np.asarray(
        solution.row_dual, dtype=np.float64
    )


def search(
    groups: sparse.csr_matrix,
    by_site: sparse.csr_matrix,
    weight: np.ndarray,
    resource: np.ndarray,
    limit: float,
    lam0: float,
    out_of_time: Callable[[], bool],
    on_bound: Callable[[PricedLP], None] | None = None,
    check: Callable[[], None] | None = None,
    incumbent: Callable[[], float] | None = None,
) -> SearchOutcome:
    """Minimise ``Z(lam)`` from ``lam0``: bracket the minimum, then cut with tangents.

    ``on_bound`` hears every better evaluation (to stream the bound); the search returns early
    when ``out_of_time()``, or when what is left to gain on the bound is small against its gap to
    ``incumbent()`` (the best answer's value). The evaluation with the lowest bound is ``best``;
    ``support`` lists the sites with a positive ``x`` in it (the core for a MILP).
    """
    lam = max(float(lam0), 1e-9)
    evaluations: list[PricedLP] = []
    lo: PricedLP | None = None  # uses at least the limit: the minimum lies at a higher lam
    hi: PricedLP | None = None  # uses at most the limit: the minimum lies at a lower lam
    step = _SEARCH_FIRST_STEP
    best: PricedLP | None = None
    while len(evaluations) < _SEARCH_MAX_EVALUATIONS and not out_of_time():
        ev = priced_lp(groups, by_site, weight, resource, limit, lam, check)
        evaluations.append(ev)
        if best is None or ev.bound < best.bound:
            best = ev
            if on_bound is not None:
                on_bound(ev)
        slope = limit - ev.used
        if abs(slope) <= 1e-9 * max(limit, 1.0):
            break  # a zero subgradient: this lam minimises Z
        if slope < 0 and (lo is None or ev.lam > lo.lam):
            lo = ev
        if slope > 0 and (hi is None or ev.lam < hi.lam):
            hi = ev
        if lo is None or hi is None:
            if len(evaluations) >= _SEARCH_MAX_UNBRACKETED:
                break
            lam = lam * (1 + step) if hi is None else lam / (1 + step)
            step *= 2
            continue
        s_lo, s_hi = limit - lo.used, limit - hi.used
        cross = (hi.bound - lo.bound + s_lo * lo.lam - s_hi * hi.lam) / (s_lo - s_hi)
        floor = lo.bound + s_lo * (cross - lo.lam)
        left = best.bound - floor
        if left <= _SEARCH_TOLERANCE * max(abs(best.bound), 1.0):
            break
        if incumbent is not None and left <= _SEARCH_GAP_SHARE * (best.bound - incumbent()):
            break
        if not lo.lam < cross < hi.lam or math.isclose(cross, lam):
            cross = 0.5 * (lo.lam + hi.lam)
        lam = cross
    if best is None:
        return SearchOutcome(None, np.empty(0, dtype=np.int64), evaluations)
    return SearchOutcome(best, np.flatnonzero(best.x > 1e-6), evaluations)


def first_price(
    by_site: sparse.csr_matrix,
    weight: np.ndarray,
    resource: np.ndarray,
    chosen: np.ndarray,
    count: np.ndarray,
) -> float:
    """A starting ``lam`` from a local optimum: between what the best unchosen site would add and
    what the least useful chosen site covers alone (per unit of resource), a little above it,
    because evaluations at a higher ``lam`` keep fewer sites and cost less."""
    per = np.maximum(resource, 1e-12)
    gain = (by_site @ np.where(count == 0, weight, 0.0)) / per
    gain[chosen] = -np.inf
    alone_loss = np.array(
        [
            weight[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]][
                count[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]] == 1
            ].sum()
            / per[j]
            for j in chosen
        ]
    )
    candidates = [
        v for v in (gain.max() if len(gain) else -np.inf, alone_loss.min() if len(alone_loss) else -np.inf)
    ]
    lam = max(candidates)
    if not np.isfinite(lam) or lam <= 0:
        lam = float(np.median((by_site @ weight) / per))
    return 1.02 * lam
