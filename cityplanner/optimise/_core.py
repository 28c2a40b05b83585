"""Shared building blocks: demand-site pairs within a radius, row merging, validation, greedy gains.

Every model works on a sparse demand x candidate matrix holding only the pairs within reach
(Euclidean via a k-d tree, or network distances from :mod:`cityplanner.network`), so memory and
model size grow with the pairs that matter rather than with demand x candidates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from ..errors import OptimisationError

# Multiplications per block of the dominance check's sparse product (a fraction of a second each).
_DOMINANCE_BLOCK = 20_000_000


def points_xy(geometries) -> np.ndarray:
    """(n, 2) coordinates: points as they are, other geometries at their representative point."""
    geoms = np.asarray(geometries)
    if len(geoms) == 0:
        return np.empty((0, 2))
    if np.any(shapely.is_missing(geoms) | shapely.is_empty(geoms)):
        raise OptimisationError("Some demand or site features have no geometry.")
    is_point = shapely.get_type_id(geoms) == 0
    pts = np.where(is_point, geoms, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(pts)[:, :2]


def check_radius(radius_m: float) -> float:
    """The radius as a float, or an :class:`OptimisationError` if it is not a positive number."""
    r = float(radius_m)
    if not np.isfinite(r) or r <= 0:
        raise OptimisationError(f"The coverage radius must be a positive number of metres (got {radius_m}).")
    return r


def check_weights(weights: np.ndarray, n: int) -> np.ndarray:
    """Population per demand point as float64; refuses negative, non-finite or all-zero values."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != n:
        raise OptimisationError(f"There are {len(w)} population values for {n} demand points.")
    if n == 0:
        raise OptimisationError("There are no demand points to serve.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise OptimisationError("The population must be a non-negative number at every demand point.")
    if w.sum() <= 0:
        raise OptimisationError("The population sums to zero, so there is nothing to serve.")
    return w


def pairs_within(
    demand_xy: np.ndarray,
    sites_xy: np.ndarray,
    radius_m: float,
    network=None,
    max_snap_m: float = 250.0,
    progress=None,
) -> sparse.csr_matrix:
    """Distances of every demand-site pair within ``radius_m`` as a CSR matrix (demand x site).

    Stored values are distance + 1 m so that a site exactly on a demand point (distance 0) stays
    a stored entry; subtract 1 to read the distance. Euclidean distances are computed as
    ``sqrt(dx**2 + dy**2)`` like ``scipy.spatial.distance.cdist``, so the ``<= radius_m`` test
    agrees with a dense cost matrix. With ``network`` (a :class:`cityplanner.network.StreetNetwork`)
    distances are along streets, snap distances included, and ``progress`` (a
    :class:`~cityplanner.progress.Progress`) can cancel the street search between its batches.
    """
    n, m = len(demand_xy), len(sites_xy)
    if n == 0 or m == 0:
        return sparse.csr_matrix((n, m), dtype=np.float64)
    if network is not None:
        return _network_pairs_within(demand_xy, sites_xy, radius_m, network, max_snap_m, progress)
    pairs = cKDTree(demand_xy).sparse_distance_matrix(
        cKDTree(sites_xy), radius_m * (1 + 1e-9) + 1e-9, output_type="ndarray"
    )
    i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    d = np.sqrt(np.sum((demand_xy[i] - sites_xy[j]) ** 2, axis=1))
    keep = d <= radius_m
    return _csr(i[keep], j[keep], d[keep], (n, m))


def pairs_from_cost_matrix(cost_matrix: np.ndarray, radius_m: float) -> sparse.csr_matrix:
    """Same as :func:`pairs_within` for a dense cost matrix (``inf``/NaN = unreachable)."""
    cost = np.asarray(cost_matrix, dtype=np.float64)
    if cost.ndim != 2:
        raise OptimisationError("The cost matrix must be two-dimensional (demand x sites).")
    i, j = np.nonzero(np.nan_to_num(cost, nan=np.inf) <= radius_m)
    return _csr(i, j, cost[i, j], cost.shape)


def _csr(i: np.ndarray, j: np.ndarray, dist: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    mat = sparse.csr_matrix((dist + 1.0, (i, j)), shape=shape)
    mat.sum_duplicates()
    mat.sort_indices()
    return mat


def _network_pairs_within(
    demand_xy: np.ndarray, sites_xy: np.ndarray, radius_m: float, network, max_snap_m: float, progress=None
) -> sparse.csr_matrix:
    """Network distances of the demand-site pairs within ``radius_m`` (see ``StreetNetwork.pairs_within``)."""
    site_i, demand_i, dist = network.pairs_within(
        sites_xy, demand_xy, radius_m, max_snap_m=max_snap_m, progress=progress
    )
    return _csr(demand_i, site_i, dist, (len(demand_xy), len(sites_xy)))


def merge_identical_rows(
    cover: sparse.csr_matrix, weights: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Merge demand rows that are covered by exactly the same sites (their weights add).

    Rows are keyed by their site count and two 64-bit random-projection sums of their site
    indices; every merge is then verified index by index, and if a (vanishingly unlikely) hash
    collision shows up the rows are returned unmerged, so the reduction is always exact.
    Every row must have at least one site.

    Returns
    -------
    groups : scipy.sparse.csr_matrix
        (g, m) coverage of each distinct row.
    group_weight : numpy.ndarray
        (g,) summed weights.
    row_group : numpy.ndarray
        (n,) group of each input row.
    """
    n, m = cover.shape
    counts = np.diff(cover.indptr)
    rng = np.random.default_rng(7_919)  # fixed seed: the same input always merges the same way
    keys = [counts.astype(np.uint64)]
    for _ in range(2):
        salt = rng.integers(1, np.iinfo(np.int64).max, m, dtype=np.int64).astype(np.uint64)
        keys.append(np.add.reduceat(salt[cover.indices], cover.indptr[:-1]))
    _, first, row_group = np.unique(np.column_stack(keys), axis=0, return_index=True, return_inverse=True)
    row_group = row_group.reshape(-1)
    # Keep groups in order of their first row so the merged model does not depend on hash values.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    row_group = rank[row_group]
    first = first[order]
    rep_start = np.repeat(cover.indptr[first[row_group]], counts)
    offset = np.arange(cover.nnz) - np.repeat(cover.indptr[:-1], counts)
    if not np.array_equal(cover.indices, cover.indices[rep_start + offset]):
        return cover, weights.copy(), np.arange(n)
    groups = cover[first]
    return groups, np.bincount(row_group, weights=weights, minlength=len(first)), row_group


def greedy_order(
    cover: sparse.csc_matrix, weights: np.ndarray, covered: np.ndarray, selected: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Order ``selected`` sites greedily by the population each newly covers.

    Parameters
    ----------
    cover : scipy.sparse.csc_matrix
        (n, m) demand x candidate coverage.
    weights : numpy.ndarray
        (n,) population.
    covered : numpy.ndarray
        (n,) bool, demand already covered (by existing facilities).

    Returns
    -------
    order, gains : numpy.ndarray
        Selected site indices in greedy order (ties to the lower index) and their gains.
    """
    remaining = np.sort(np.asarray(selected, dtype=np.int64))
    covered = covered.copy()
    sub = cover[:, remaining].tocsc()
    alive = np.ones(len(remaining), dtype=bool)
    order, gains = [], []
    for _ in range(len(remaining)):
        gain = sub.T @ np.where(covered, 0.0, weights)
        gain[~alive] = -np.inf
        k = int(np.argmax(gain))
        alive[k] = False
        order.append(remaining[k])
        gains.append(float(gain[k]))
        covered[sub.indices[sub.indptr[k] : sub.indptr[k + 1]]] = True
    return np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=np.float64)


def dominated_columns(
    cover: sparse.csr_matrix, costs: np.ndarray | None = None, interrupted: Callable[[], bool] | None = None
) -> np.ndarray:
    """For each column (site), a column that dominates it, or -1 when none does.

    Site ``j`` is dominated by site ``k`` when every row ``j`` covers ``k`` covers too and ``k``
    costs no more (``costs`` None: all cost the same); of two sites covering the same rows at the
    same cost the lower index stays. Any selection using ``j`` is then matched or beaten by one
    using ``k`` instead (or neither, when ``k`` is already chosen), for MCLP and LSCP alike, so
    dominated sites can leave the model without changing its optimum. The dominator returned is
    itself undominated among the sites checked (chains are followed). Rows shared are counted with
    sparse products ``cover[:, J].T @ cover`` over blocks of columns ``J`` of about
    ``_DOMINANCE_BLOCK`` multiplications each (dense candidates with a long radius make the whole
    product billions), and ``interrupted()`` (a stop, a cancel, the time limit) is asked between
    blocks: sites not checked yet simply stay, which keeps the optimum too.
    """
    m = cover.shape[1]
    csr = sparse.csr_matrix(cover)
    ones = sparse.csr_matrix((np.ones(csr.nnz, dtype=np.int32), csr.indices, csr.indptr), shape=csr.shape)
    csc = ones.tocsc()
    size = np.diff(csc.indptr)
    cost = np.zeros(m) if costs is None else np.asarray(costs, dtype=np.float64)
    # Multiplications of column j's block: each row it covers pairs it with every column there.
    row_nnz = np.diff(ones.indptr)
    work = np.add.reduceat(np.r_[row_nnz[csc.indices], 0], np.r_[csc.indptr[:-1], csc.nnz])[:m] * (size > 0)
    edges = np.searchsorted(np.cumsum(work), np.arange(_DOMINANCE_BLOCK, work.sum() + 1, _DOMINANCE_BLOCK))
    starts = np.unique(np.r_[0, np.minimum(edges + 1, m)])
    found_j, found_k = [], []
    for begin, end in zip(starts, np.r_[starts[1:], m], strict=True):
        if begin >= end:
            continue
        if begin > 0 and interrupted is not None and interrupted():
            break
        overlap = (csc[:, begin:end].T @ csc).tocoo()
        j, k, shared = overlap.row + begin, overlap.col, overlap.data
        inside = (j != k) & (shared == size[j]) & (size[j] > 0)
        strict = inside & (size[j] < size[k]) & (cost[k] <= cost[j])
        same = inside & (size[j] == size[k]) & ((cost[k] < cost[j]) | ((cost[k] == cost[j]) & (k < j)))
        pick = strict | same
        found_j.append(j[pick])
        found_k.append(k[pick])
    j = np.concatenate(found_j) if found_j else np.zeros(0, dtype=np.int64)
    k = np.concatenate(found_k) if found_k else np.zeros(0, dtype=np.int64)
    dominator = np.full(m, -1, dtype=np.int64)
    if len(j) == 0:
        return dominator
    # Prefer the largest dominator (the most likely to be undominated itself), then the lowest index.
    order = np.lexsort((k, -size[k], j))
    first = order[np.r_[True, j[order][1:] != j[order][:-1]]]
    dominator[j[first]] = k[first]
    # Follow chains to an undominated site (the relation is acyclic: size, cost, then index fall).
    for _ in range(64):
        nxt = np.where(dominator >= 0, dominator[np.maximum(dominator, 0)], -1)
        chained = (dominator >= 0) & (nxt >= 0)
        if not chained.any():
            break
        dominator[chained] = nxt[chained]
    return dominator
