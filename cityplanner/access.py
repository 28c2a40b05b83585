"""Accessibility measures per zone and their population-weighted summaries.

* :func:`nearest_facility` — distance (and walking time) to the nearest facility.
* :func:`cumulative_opportunities` — number of facilities within a threshold.
* :func:`two_step_fca` — two-step floating catchment area supply-to-demand ratio.
* :func:`summarise` — population-weighted mean, median and 90th percentile, per group too.
* :func:`weighted_quantile` and :func:`gini` — a measure's distribution over people (the capacity
  KPIs report the 10th percentile, the median and the Gini coefficient of 2SFCA access per person).

Distances are straight-line (Euclidean) without a network, or along a
:class:`~cityplanner.network.StreetNetwork` with one. Along the network a zone can be
unmeasurable: farther than the maximum snap distance from every street (``too_far``) or on a part
of the street network that no facility is on (``disconnected``). Such zones get ``inf`` distances
(``NaN`` counts and ratios for zones too far from the streets) and are reported as unreachable
population instead of being folded into the averages. When no zone at all can be measured, an
:class:`~cityplanner.errors.AnalysisError` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .errors import AnalysisError
from .network import DEFAULT_MAX_SNAP_M, DEFAULT_WALK_SPEED_KMH, StreetNetwork

# Smallest margin around the zones' extent within which some facility must lie (straight line).
_NEAR_EXTENT_M = 10_000.0


@dataclass
class Access:
    """Distance from each zone to its nearest facility.

    Attributes
    ----------
    distance_m : numpy.ndarray
        Metres to the nearest facility per zone; ``inf`` where unreachable.
    nearest : numpy.ndarray
        Index of the nearest facility per zone; -1 where unreachable.
    mode : str
        ``"network"`` or ``"euclidean"``.
    walk_speed_kmh : float
        Speed used for :attr:`time_min`.
    too_far : numpy.ndarray
        Zones farther than the maximum snap distance from every street (network mode).
    disconnected : numpy.ndarray
        Zones on a part of the street network that no facility is on (network mode).
    """

    distance_m: np.ndarray
    nearest: np.ndarray
    mode: str
    walk_speed_kmh: float
    too_far: np.ndarray
    disconnected: np.ndarray

    @property
    def time_min(self) -> np.ndarray:
        """Walking time in minutes to the nearest facility (``inf`` where unreachable)."""
        return self.distance_m / (self.walk_speed_kmh * 1000.0 / 60.0)

    @property
    def unreachable(self) -> np.ndarray:
        return ~np.isfinite(self.distance_m)


def nearest_facility(
    demand,
    facilities_xy,
    network: StreetNetwork | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_speed_kmh: float | None = None,
) -> Access:
    """Distance and walking time from every zone to its nearest facility.

    Parameters
    ----------
    demand : cityplanner.demand.Demand
        Zones (their representative ``points`` are measured from).
    facilities_xy : array_like
        (k, 2) facility points in the demand's CRS.
    network : StreetNetwork, optional
        Measure along the streets (snap distances included); straight-line without it.
    max_snap_m : float
        Zones and facilities farther than this from every street are left out (network mode).
    walk_speed_kmh : float, optional
        Walking speed for times; by default the network's, else 4.8 km/h.

    Returns
    -------
    Access

    Raises
    ------
    AnalysisError
        No facilities, no facility within reach of the zones' extent (straight line), or no zone
        can reach any facility along the network.
    """
    facilities_xy = _facility_points(facilities_xy)
    points = np.asarray(demand.points, dtype=float)
    none = np.zeros(len(points), dtype=bool)
    if network is None:
        _check_facilities_near(demand, facilities_xy)
        distance, nearest = cKDTree(facilities_xy).query(points)
        speed = walk_speed_kmh or DEFAULT_WALK_SPEED_KMH
        return Access(distance, nearest.astype(np.int64), "euclidean", speed, none, none.copy())
    result = network.measure(facilities_xy, points, max_snap_m)
    network.check_reach(result.sources, result.targets, max_snap_m, _demand_name(demand))
    return Access(
        result.distance_m,
        result.nearest,
        "network",
        walk_speed_kmh or network.walk_speed_kmh,
        result.too_far,
        result.disconnected,
    )


def cumulative_opportunities(
    demand,
    facilities_xy,
    threshold_m: float,
    network: StreetNetwork | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> np.ndarray:
    """Number of facilities within ``threshold_m`` of each zone (cumulative opportunities).

    Returns
    -------
    numpy.ndarray
        float64 count per zone; ``NaN`` for zones farther than ``max_snap_m`` from every street.
    """
    facility, zone, _ = _pairs_within(demand, facilities_xy, threshold_m, network, max_snap_m)
    counts = np.bincount(zone, minlength=len(demand.points)).astype(float)
    return _blank_too_far(counts, demand, network, max_snap_m)


def two_step_fca(
    demand,
    facilities_xy,
    capacity,
    threshold_m: float,
    network: StreetNetwork | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> np.ndarray:
    """Two-step floating catchment area (2SFCA) supply-to-demand ratio per zone.

    Step 1: each facility's ratio ``R_j = capacity_j / population within threshold_m of j``.
    Step 2: each zone's accessibility ``A_i = sum of R_j over facilities within threshold_m of i``,
    i.e. capacity per person (multiply by 1,000 for "per 1,000 inhabitants").

    Parameters
    ----------
    demand : cityplanner.demand.Demand
        Zones with ``points`` and ``population``.
    facilities_xy : array_like
        (k, 2) facility points.
    capacity : array_like
        (k,) supply of each facility (clinic beds, charger ports), finite and >= 0.
    threshold_m : float
        Catchment distance.
    network : StreetNetwork, optional
        Measure along the streets; straight-line without it.
    max_snap_m : float
        Maximum snap distance (network mode).

    Returns
    -------
    numpy.ndarray
        float64 ratio per zone; ``NaN`` for zones farther than ``max_snap_m`` from every street.
    """
    facilities_xy = _facility_points(facilities_xy)
    capacity = np.asarray(capacity, dtype=float).reshape(-1)
    if len(capacity) != len(facilities_xy):
        raise AnalysisError(
            f"2SFCA needs one capacity per facility: {len(facilities_xy)} facilities, "
            f"{len(capacity)} capacities."
        )
    if not (np.isfinite(capacity).all() and (capacity >= 0).all()):
        bad = int((~(np.isfinite(capacity) & (capacity >= 0))).sum())
        raise AnalysisError(f"{bad} facilities have a missing or negative capacity, which 2SFCA needs.")
    facility, zone, _ = _pairs_within(demand, facilities_xy, threshold_m, network, max_snap_m)
    population = np.asarray(demand.population, dtype=float)
    served = np.bincount(facility, weights=population[zone], minlength=len(facilities_xy))
    ratio = np.divide(capacity, served, out=np.zeros(len(capacity)), where=served > 0)
    # float: numpy's bincount of no pairs at all is an integer array, which cannot take NaN.
    access = np.bincount(zone, weights=ratio[facility], minlength=len(population)).astype(float)
    return _blank_too_far(access, demand, network, max_snap_m)


def summarise(values, weights, groups=None) -> dict:
    """Population-weighted summary of a per-zone measure, overall and per group.

    Zones whose value is not finite (unreachable: ``inf`` or ``NaN``) are left out of the
    statistics and their weight is reported as ``unreachable_population``. The median and the
    90th percentile are weighted: the smallest value at or below which that share of the
    (reachable) population lies.

    Parameters
    ----------
    values : array_like
        (n,) measure per zone (distance, time, count, ratio).
    weights : array_like
        (n,) population per zone.
    groups : array_like, optional
        (n,) group label per zone (e.g. district) for an equity breakdown.

    Returns
    -------
    dict
        ``weighted_mean``, ``median``, ``p90``, ``unreachable_population`` (NaN statistics when no
        population is reachable) and ``by_group``: group label -> the same keys (without
        ``by_group``), in order of first appearance.
    """
    values = np.asarray(values, dtype=float).reshape(-1)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    if len(values) != len(weights):
        raise AnalysisError(f"{len(values)} values but {len(weights)} population weights to summarise.")
    summary = _weighted_summary(values, weights)
    by_group: dict = {}
    if groups is not None:
        codes, labels = pd.factorize(pd.Series(np.asarray(groups, dtype=object)), use_na_sentinel=False)
        if len(codes) != len(values):
            raise AnalysisError(f"{len(values)} values but {len(codes)} group labels to summarise.")
        for code, label in enumerate(labels):
            member = codes == code
            by_group[_plain_label(label)] = _weighted_summary(values[member], weights[member])
    summary["by_group"] = by_group
    return summary


def _weighted_summary(values: np.ndarray, weights: np.ndarray) -> dict:
    reachable = np.isfinite(values)
    unreachable_population = float(weights[~reachable].sum())
    keep = reachable & (weights > 0)
    v, w = values[keep], weights[keep]
    if w.sum() <= 0:
        return {
            "weighted_mean": float("nan"),
            "median": float("nan"),
            "p90": float("nan"),
            "unreachable_population": unreachable_population,
        }
    median, p90 = _quantiles(v, w, np.array([0.5, 0.9]))
    return {
        "weighted_mean": float(np.dot(v, w) / w.sum()),
        "median": float(median),
        "p90": float(p90),
        "unreachable_population": unreachable_population,
    }


def _quantiles(v: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Weighted quantiles of finite ``v`` with positive weights ``w`` (see :func:`weighted_quantile`)."""
    order = np.argsort(v, kind="stable")
    v, cumulative = v[order], np.cumsum(w[order])
    total = cumulative[-1]
    # The relative slack keeps a share that lands exactly on a boundary (10 % of 10,000 people is
    # the 1,000th person) on that boundary despite rounding in the cumulative sum.
    share = np.searchsorted(cumulative, q * total * (1.0 - 1e-12), side="left")
    return v[np.minimum(share, len(v) - 1)]


def weighted_quantile(values, weights, q: float) -> float:
    """The ``q`` quantile (0..1) of a per-zone measure over people.

    The smallest value at or below which a share ``q`` of the people lies: what
    ``numpy.percentile(..., method="inverted_cdf")`` gives on one value per person. Values that
    are not finite and zero weights are left out; NaN when no one is left.
    """
    values = np.asarray(values, dtype=float).reshape(-1)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return float("nan")
    return float(_quantiles(values[keep], weights[keep], np.array([float(q)]))[0])


def distribution(values, weights, q) -> tuple[np.ndarray, float | None]:
    """Weighted quantiles ``q`` (as :func:`weighted_quantile`) and the :func:`gini` of one measure.

    One sort serves both (the KPI dock asks for all three after every placement on ~200,000
    cells). Quantiles are NaN and the Gini None when no one is left.
    """
    values = np.asarray(values, dtype=float).reshape(-1)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    q = np.asarray(q, dtype=float).reshape(-1)
    keep = np.isfinite(values) & (weights > 0)
    v, w = values[keep], weights[keep]
    if not len(v):
        return np.full(len(q), np.nan), None
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cumulative = np.cumsum(w)
    share = np.searchsorted(cumulative, q * cumulative[-1] * (1.0 - 1e-12), side="left")
    quantiles = v[np.minimum(share, len(v) - 1)]
    mass = np.dot(v, w)
    if mass <= 0:
        return quantiles, None
    lorenz = np.concatenate(([0.0], np.cumsum(v * w) / mass))
    area = np.dot(w / cumulative[-1], (lorenz[:-1] + lorenz[1:]) / 2.0)
    return quantiles, float(max(0.0, 1.0 - 2.0 * area))


def gini(values, weights) -> float | None:
    """Population-weighted Gini coefficient of a non-negative measure (0 = everyone equal).

    ``sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``, computed from the Lorenz curve of the values
    sorted ascending (the same number, in O(n log n)). Values that are not finite and zero
    weights are left out. None when no one is left or the mean is 0 (nobody has any: the
    coefficient is undefined).
    """
    values = np.asarray(values, dtype=float).reshape(-1)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    keep = np.isfinite(values) & (weights > 0)
    v, w = values[keep], weights[keep]
    total_weight = w.sum()
    mass = np.dot(v, w)
    if total_weight <= 0 or mass <= 0:
        return None
    order = np.argsort(v, kind="stable")
    lorenz = np.concatenate(([0.0], np.cumsum(v[order] * w[order]) / mass))
    area = np.dot(w[order] / total_weight, (lorenz[:-1] + lorenz[1:]) / 2.0)
    return float(max(0.0, 1.0 - 2.0 * area))


def _plain_label(label):
    """Group labels as plain Python values: numpy scalars become int/float/str, missing is None."""
    if pd.isna(label):
        return None
    return label.item() if isinstance(label, np.generic) else label


def _facility_points(facilities_xy) -> np.ndarray:
    xy = np.asarray(facilities_xy, dtype=float)
    if xy.size == 0:
        raise AnalysisError("No facilities were given, so there is nothing to measure access to.")
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise AnalysisError(f"Facility coordinates must be an (n, 2) array (got shape {xy.shape}).")
    return xy


def _pairs_within(
    demand, facilities_xy, threshold_m: float, network: StreetNetwork | None, max_snap_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(facility, zone, distance) for every pair within ``threshold_m``."""
    facilities_xy = _facility_points(facilities_xy)
    points = np.asarray(demand.points, dtype=float)
    if not threshold_m > 0:
        raise AnalysisError(f"The distance threshold must be positive (got {threshold_m} m).")
    if network is None:
        # A demand keeps its k-d tree: the KPIs ask for pairs after every placement.
        tree = demand.kdtree if hasattr(demand, "kdtree") else cKDTree(points)
        pairs = cKDTree(facilities_xy).sparse_distance_matrix(tree, threshold_m, output_type="ndarray")
        return pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    sources, targets = network.snap(facilities_xy, max_snap_m), network.snap(points, max_snap_m)
    network.check_reach(sources, targets, max_snap_m, _demand_name(demand))
    return network.pairs_within(facilities_xy, points, threshold_m, max_snap_m=max_snap_m)


def _blank_too_far(
    values: np.ndarray, demand, network: StreetNetwork | None, max_snap_m: float
) -> np.ndarray:
    """Set zones that cannot be attached to the streets to NaN (they were not measured)."""
    if network is not None:
        values[network.snap(demand.points, max_snap_m).too_far] = np.nan
    return values


def _check_facilities_near(demand, facilities_xy: np.ndarray) -> None:
    """Raise when every facility lies far outside the zones' extent (the layers do not overlap).

    "Far" is beyond the larger side of the zones' extent or 10 km, whichever is more: a nearest
    hospital just outside a small town is fine, one in another city means the wrong file.
    """
    points = np.asarray(demand.points, dtype=float)
    lower, upper = points.min(axis=0), points.max(axis=0)
    margin = max(float((upper - lower).max()), _NEAR_EXTENT_M)
    near = ((facilities_xy >= lower - margin) & (facilities_xy <= upper + margin)).all(axis=1)
    if not near.any():
        raise AnalysisError(
            f"None of the {len(facilities_xy)} facilities is within {margin / 1000:,.0f} km of the zones of "
            f"{_demand_name(demand)}; the two layers do not cover the same area."
        )


def _demand_name(demand) -> str:
    """How messages name the zones behind ``demand``."""
    return getattr(demand, "source", None) or "the zones"
