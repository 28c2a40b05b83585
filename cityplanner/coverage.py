"""Coverage: how many people live within a service radius of a facility, and where the gaps are.

A facility's *service region* is its geometry buffered by its radius: a disc around a point
facility, the polygon grown by the radius for a park given as a polygon (people are measured to
the polygon, not to its centroid). The covered region is the union of the service regions, or the
streets' service area in network mode (:func:`network_coverage`).

How a zone counts as covered depends on its :class:`~cityplanner.demand.Demand` model:

* ``"point"``: the zone's representative point is covered when its distance to a facility is at
  most the facility's radius. This is exact (k-d tree for point facilities, GEOS ``dwithin`` for
  polygons); a point exactly at the radius is covered.
* ``"area"``: the covered share is ``area(zone ∩ covered region) / area(zone)``. Service regions
  are polygons built with ``shapely.buffer(geometry, radius, quad_segs=16)``: a disc is
  approximated by a 64-gon inscribed in the circle, whose area is 0.16 % smaller than the disc's.
  The same polygons are used everywhere (full runs, incremental updates, gap maps), so numbers
  agree with a GIS overlay of the zones with the dissolved buffers.

Overlapping service regions are never double counted: per zone, the regions touching it are
unioned before intersecting. Zones strictly inside one region skip the intersection.

:class:`CoverageTracker` keeps the per-zone state and, when one facility is added, moved or
removed, recomputes only the zones (or demand points) near its old and new positions; the result
is identical to a full run.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from ._grid import boxes_holding
from ._threads import engine_threads
from .demand import Demand
from .errors import AnalysisError
from .progress import Progress, report

QUAD_SEGS = 16
# With more distinct radii than this, point facilities are matched with one ball query of the
# demand points (per-facility radii) instead of one nearest-neighbour query per radius class.
_MAX_RADIUS_CLASSES = 8
# cKDTree's distance_upper_bound is exclusive; widen it and test ``d <= radius`` ourselves.
_BOUND_SLACK = 1.0 + 1e-9
# Coverages kept per point demand (see _kept_points_covered); up to this many new facilities are
# checked against every point (a box test) rather than through a k-d tree of the points.
_KEPT_RUNS = 4
_KEPT_SCAN = 8
# Zone-region pairs below which the per-zone unions of area coverage run on one thread.
_UNION_PAIRS_PER_THREAD = 500


@dataclass(eq=False)
class CoverageResult:
    """Coverage of a demand by a set of facilities.

    Attributes
    ----------
    model : str
        Demand model, ``"area"`` or ``"point"``.
    mode : str
        ``"euclidean"`` or ``"network"``.
    radius_m : float or numpy.ndarray
        The radius used (one value, or one per facility).
    covered_share : numpy.ndarray
        (n,) share of each zone's population that is covered, in [0, 1] (0 or 1 for point demand).
    covered_population : numpy.ndarray
        (n,) persons covered per zone.
    population_total, population_covered : float
        Persons in all zones and persons covered.
    percent_covered : float
        ``100 * population_covered / population_total``.
    unreachable_population : float
        Network mode: persons of the zones whose demand point no facility can reach along the
        streets (beyond the maximum snap distance, or on a part of the network without a
        facility); they count as uncovered under point demand. 0 in Euclidean mode.
    """

    model: str
    mode: str
    radius_m: float | np.ndarray
    covered_share: np.ndarray
    covered_population: np.ndarray
    population_total: float
    population_covered: float
    percent_covered: float
    demand: Demand = field(repr=False)
    _regions: Callable[[], np.ndarray] | np.ndarray | None = field(default=None, repr=False)
    unreachable_population: float = 0.0

    @property
    def regions(self) -> np.ndarray | None:
        """Service regions whose union is the covered region (None for point demand)."""
        if callable(self._regions):
            self._regions = self._regions()
        return self._regions

    @classmethod
    def from_share(
        cls,
        demand: Demand,
        covered_share: np.ndarray,
        mode: str,
        radius_m: float | np.ndarray,
        regions: Callable[[], np.ndarray] | np.ndarray | None = None,
    ) -> CoverageResult:
        """Result from the covered share per zone; ``regions`` may be a function building them."""
        covered_population = demand.population * covered_share
        total = demand.population_total
        covered = float(covered_population.sum())
        return cls(
            model=demand.model,
            mode=mode,
            radius_m=radius_m,
            covered_share=covered_share,
            covered_population=covered_population,
            population_total=total,
            population_covered=covered,
            percent_covered=100.0 * covered / total,
            demand=demand,
            _regions=regions,
        )

    def gap(self) -> np.ndarray:
        """The uncovered part of each zone, as a (n,) shapely array.

        Area demand: the zone minus the covered region (empty where fully covered). Point demand:
        the zone's geometry where it is not covered, empty where it is.
        """
        zones = self.demand.geometry
        if self.model == "point":
            return np.where(self.covered_share > 0, shapely.Polygon(), zones)
        gap = zones.copy()
        gap[self.covered_share >= 1.0] = shapely.Polygon()
        partial = np.flatnonzero((self.covered_share > 0) & (self.covered_share < 1.0))
        if len(partial):
            regions = self.regions
            zi, ri = shapely.STRtree(regions).query(zones[partial], predicate="intersects")
            ids, unions = _union_by_zone(zi, ri, regions)
            gap[partial[ids]] = shapely.difference(zones[partial[ids]], unions)
        return gap

    def by_group(self, groups) -> dict:
        """Totals per group of zones.

        Parameters
        ----------
        groups : array-like
            (n,) group value of each zone (ward, district...); missing values form a group keyed
            ``None``.

        Returns
        -------
        dict
            ``{group: {"population_total", "population_covered", "percent_covered"}}`` in sorted
            group order; ``percent_covered`` is NaN for a group without people.
        """
        codes, labels = pd.factorize(
            pd.Series(np.asarray(groups, dtype=object)), sort=True, use_na_sentinel=False
        )
        total = np.bincount(codes, weights=self.demand.population, minlength=len(labels))
        covered = np.bincount(codes, weights=self.covered_population, minlength=len(labels))
        with np.errstate(invalid="ignore", divide="ignore"):
            percent = np.where(total > 0, 100.0 * covered / total, np.nan)
        return {
            (None if pd.isna(label) else label): {
                "population_total": float(t),
                "population_covered": float(c),
                "percent_covered": float(p),
            }
            for label, t, c, p in zip(labels, total, covered, percent, strict=True)
        }


def euclidean_coverage(
    demand: Demand,
    facilities,
    radius_m,
    progress: Progress | None = None,
) -> CoverageResult:
    """Straight-line coverage of ``demand`` by ``facilities``.

    Parameters
    ----------
    demand : Demand
        Zones with population (metric CRS).
    facilities : numpy.ndarray or geopandas.GeoSeries or geopandas.GeoDataFrame or shapely array
        (m, 2) facility coordinates, or facility geometries (points or polygons) in the demand's
        CRS.
    radius_m : float or array-like
        Service radius in metres, one for all or one per facility (e.g. by facility type).

    Raises
    ------
    AnalysisError
        A radius is not a positive number, the facilities are in another CRS than the zones, or
        no facility is within reach of the zones' extent.
    """
    fac = _Facilities.build(facilities, radius_m, demand)
    fac.check_reaches(demand)
    report(progress, 0.05, "Matching demand to facilities")
    if demand.model == "point" and fac.geoms is None and fac.count and (fac.radius == fac.radius[0]).all():
        share = _kept_points_covered(demand, fac.xy, float(fac.radius[0])).astype("float64")
    else:
        share = _covered_share(demand, np.arange(len(demand)), fac, np.arange(fac.count))
    report(progress, 1.0, "Coverage computed")
    regions = (lambda: fac.regions(np.arange(fac.count))) if demand.model == "area" else None
    return CoverageResult.from_share(demand, share, "euclidean", fac.radius_label, regions)


def network_coverage(
    demand: Demand,
    network,
    facilities,
    radius_m: float,
    max_snap_m: float = 250.0,
    progress: Progress | None = None,
) -> CoverageResult:
    """Coverage along the street network: within ``radius_m`` metres of walking from a facility.

    Point demand uses ``network.nearest_distance`` (snap distances included); area demand
    intersects the zones with ``network.service_area``. A polygon facility is reached anywhere
    on its boundary: its outline, densified to a vertex every 25 m, supplies the sources.

    Parameters
    ----------
    demand : Demand
    network : cityplanner.network.StreetNetwork
    facilities : as for :func:`euclidean_coverage`
    radius_m : float
        Network distance threshold in metres (one for all facilities).
    max_snap_m : float
        Demand points or facilities farther than this from a street are unreachable.

    Raises
    ------
    AnalysisError
        The radius is not positive, no facility is within reach of the zones' extent, or the
        streets do not connect any zone to a facility (see :meth:`StreetNetwork.check_reach`).
    """
    if np.size(radius_m) != 1:
        raise AnalysisError("Network coverage takes one radius for all facilities.")
    radius = float(_radii(radius_m, 1)[0])
    fac = _Facilities.build(facilities, radius, demand)
    fac.check_reaches(demand)
    sources = fac.source_points()
    cut_off = np.zeros(len(demand), dtype=bool)
    if fac.count:
        # Facilities or zones off the streets would silently count as uncovered: say why instead.
        snapped_sources = network.snap(sources, max_snap_m)
        snapped_demand = network.snap(demand.points, max_snap_m)
        network.check_reach(snapped_sources, snapped_demand, max_snap_m, demand.source)
        cut_off = network.cut_off(snapped_sources, snapped_demand)
    report(progress, 0.05, "Walking the street network")
    if fac.count == 0:
        share = np.zeros(len(demand))
        regions = np.array([], dtype=object)
    elif demand.model == "point":
        # Only whether a point is within the radius matters: the walk stops there.
        distance, _ = network.nearest_distance(sources, demand.points, max_snap_m=max_snap_m, limit_m=radius)
        share = (np.asarray(distance) <= radius).astype("float64")
        regions = None
    else:
        area = network.service_area(sources, radius, max_snap_m=max_snap_m)
        regions = shapely.get_parts(np.asarray(area, dtype=object).reshape(-1))
        regions = regions[~shapely.is_empty(regions)]
        share = _area_share(demand, np.arange(len(demand)), regions)
    report(progress, 1.0, "Coverage computed")
    result = CoverageResult.from_share(demand, share, "network", radius, regions)
    result.unreachable_population = float(demand.population[cut_off].sum())
    return result


def region_coverage(demand: Demand, regions) -> CoverageResult:
    """Share of each zone inside given polygons (e.g. a hazard layer), under the demand model.

    Area demand: ``area(zone ∩ union(regions)) / area(zone)``; point demand: 1 where the zone's
    point lies in (or on the edge of) a region, else 0.

    Parameters
    ----------
    demand : Demand
    regions : array-like of shapely geometries
        Polygons in the demand's CRS.
    """
    regions = np.asarray(regions, dtype=object).reshape(-1)
    regions = regions[~(shapely.is_missing(regions) | shapely.is_empty(regions))]
    if demand.model == "area":
        share = _area_share(demand, np.arange(len(demand)), regions)
    else:
        share = np.zeros(len(demand))
        if len(regions):
            share[_near_any(demand, np.arange(len(demand)), regions, 0.0)] = 1.0
    return CoverageResult.from_share(demand, share, "euclidean", 0.0, regions)


class CoverageTracker:
    """Euclidean coverage kept up to date while facilities are added, moved or removed.

    Each change recomputes only the zones whose envelope meets the facility's old or new service
    region (area demand), or the demand points within its radius of either position (point
    demand), against the facilities that can reach them. :meth:`result` equals
    :func:`euclidean_coverage` over the current facilities.

    Parameters
    ----------
    demand : Demand
    facilities : as for :func:`euclidean_coverage`
        The initial facilities; their keys are ``0 .. m-1`` in the given order.
    radius_m : float or array-like
        Radius of the initial facilities; when it is one value, also the default radius of added
        facilities.
    """

    def __init__(self, demand: Demand, facilities, radius_m) -> None:
        self.demand = demand
        self._fac = _Facilities.build(facilities, radius_m, demand)
        self._fac.check_reaches(demand)
        self._default_radius = float(_radii(radius_m, 1)[0]) if np.size(radius_m) == 1 else None
        self._active = np.ones(self._fac.count, dtype=bool)
        if demand.model == "area":
            self._zone_bounds = shapely.bounds(demand.geometry)
            self._zone_tree = shapely.STRtree(demand.geometry)
        else:
            self._point_tree = cKDTree(demand.points)
        self._share = _covered_share(demand, np.arange(len(demand)), self._fac, self.keys)

    @property
    def keys(self) -> np.ndarray:
        """Keys of the facilities currently present."""
        return np.flatnonzero(self._active)

    def add(self, xy, radius_m: float | None = None) -> int:
        """Add a point facility at ``xy``; return its key.

        ``radius_m`` defaults to the tracker's radius (required when it was given per facility).
        """
        if radius_m is None and self._default_radius is None:
            raise AnalysisError("Give the new facility's radius: the coverage has one radius per facility.")
        radius = self._default_radius if radius_m is None else float(_radii(radius_m, 1)[0])
        key = self._fac.append(_xy(xy), radius)
        self._active = np.append(self._active, True)
        self._update([key])
        return key

    def move(self, key: int, xy) -> None:
        """Move facility ``key`` so that its position (a polygon's centroid) is ``xy``."""
        self._check_key(key)
        old = self._fac.subset(np.array([key]))
        self._fac.move(key, _xy(xy))
        self._update([key], old)

    def remove(self, key: int) -> None:
        """Remove facility ``key``."""
        self._check_key(key)
        self._active[key] = False
        self._update([], self._fac.subset(np.array([key])))

    def result(self) -> CoverageResult:
        """Coverage with the current facilities."""
        current = self._fac.subset(self.keys)
        regions = (lambda: current.regions(np.arange(current.count))) if self.demand.model == "area" else None
        return CoverageResult.from_share(
            self.demand, self._share.copy(), "euclidean", current.radius_label, regions
        )

    def _check_key(self, key: int) -> None:
        if not (0 <= key < len(self._active) and self._active[key]):
            raise AnalysisError(f"There is no facility with key {key} in this coverage.")

    def _update(self, keys: list[int], old: _Facilities | None = None) -> None:
        """Recompute the zones or points that facilities ``keys`` (now) and ``old`` can reach."""
        changed = [self._fac.subset(np.asarray(keys, dtype=np.int64))] + ([old] if old is not None else [])
        if self.demand.model == "area":
            reach = np.vstack([f.reach_bounds(np.arange(f.count)) for f in changed])
            boxes = shapely.box(reach[:, 0], reach[:, 1], reach[:, 2], reach[:, 3])
            zones = np.unique(self._zone_tree.query(boxes)[1])
            if len(zones) == 0:
                return
            box = _union_box(self._zone_bounds[zones])
        else:
            centres, radii = zip(*(f.reach_circles(np.arange(f.count)) for f in changed), strict=True)
            hits = self._point_tree.query_ball_point(np.vstack(centres), np.concatenate(radii))
            zones = np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]))
            if len(zones) == 0:
                return
            pts = self.demand.points[zones]
            box = np.concatenate([pts.min(axis=0), pts.max(axis=0)])
        keys_now = self.keys
        near = keys_now[_boxes_overlap(self._fac.reach_bounds(keys_now), box)]
        self._share[zones] = _covered_share(self.demand, zones, self._fac, near)


@dataclass(eq=False)
class _Facilities:
    """Facilities normalised for coverage: coordinates of points, geometries of the rest.

    ``xy`` holds each facility's point (NaN for non-point geometries, which live in ``geoms``);
    ``geoms`` is None while every facility is a point, so a million-point run never builds
    shapely objects.
    """

    xy: np.ndarray
    radius: np.ndarray
    geoms: np.ndarray | None

    @property
    def count(self) -> int:
        return len(self.radius)

    @property
    def radius_label(self) -> float | np.ndarray:
        """The radius as reported: one number when all facilities share it."""
        if self.count and np.all(self.radius == self.radius[0]):
            return float(self.radius[0])
        return self.radius

    @classmethod
    def build(cls, facilities, radius_m, demand: Demand) -> _Facilities:
        """Normalise (m, 2) coordinates, a GeoSeries/GeoDataFrame or a shapely array."""
        if isinstance(facilities, gpd.GeoDataFrame | gpd.GeoSeries):
            crs = facilities.crs
            if crs is not None and demand.crs is not None and not CRS.from_user_input(crs).equals(demand.crs):
                raise AnalysisError(
                    f"The facilities are in {CRS.from_user_input(crs).name}, not in the CRS of "
                    f"{demand.source} ({demand.crs.name}); reproject them first."
                )
            facilities = facilities.geometry.to_numpy()
        array = np.asarray(facilities)
        if array.dtype != object:
            xy = np.array(array, dtype="float64").reshape(-1, 2)
            if not np.isfinite(xy).all():
                raise AnalysisError("Some facility coordinates are not numbers.")
            return cls(xy, _radii(radius_m, len(xy)), None)
        geoms = array.reshape(-1)
        radius = _radii(radius_m, len(geoms))
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms, radius = geoms[keep], radius[keep]
        is_point = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
        xy = np.full((len(geoms), 2), np.nan)
        xy[is_point] = shapely.get_coordinates(geoms[is_point])
        return cls(xy, radius, None if is_point.all() else geoms)

    def subset(self, keys: np.ndarray) -> _Facilities:
        """A copy holding facilities ``keys`` only."""
        return _Facilities(self.xy[keys], self.radius[keys], None if self.geoms is None else self.geoms[keys])

    def is_point(self, keys: np.ndarray) -> np.ndarray:
        return ~np.isnan(self.xy[keys, 0])

    def geometries(self, keys: np.ndarray) -> np.ndarray:
        out = shapely.points(self.xy[keys])
        if self.geoms is not None:
            other = ~self.is_point(keys)
            out[other] = self.geoms[keys[other]]
        return out

    def regions(self, keys: np.ndarray) -> np.ndarray:
        """Service regions (geometries buffered by their radius) of facilities ``keys``."""
        return shapely.buffer(self.geometries(keys), self.radius[keys], quad_segs=QUAD_SEGS)

    def reach_bounds(self, keys: np.ndarray) -> np.ndarray:
        """(k, 4) bounding boxes of the service regions of facilities ``keys``."""
        bounds = np.column_stack([self.xy[keys], self.xy[keys]])
        if self.geoms is not None:
            other = ~self.is_point(keys)
            bounds[other] = shapely.bounds(self.geoms[keys[other]])
        r = self.radius[keys, None]
        return bounds + np.hstack([-r, -r, r, r])

    def reach_circles(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres and radii of circles holding the service regions of facilities ``keys``.

        A point's circle is its service disc; a polygon's is the circle around its reach box.
        """
        bounds = self.reach_bounds(keys)
        centres = (bounds[:, :2] + bounds[:, 2:]) / 2.0
        radii = np.where(
            self.is_point(keys), self.radius[keys], np.hypot(*(bounds[:, 2:] - bounds[:, :2]).T) / 2.0
        )
        return centres, radii

    def source_points(self) -> np.ndarray:
        """Points standing for the facilities on a network: polygons by their densified outline."""
        is_point = self.is_point(np.arange(self.count))
        if is_point.all():
            return self.xy
        outlines = shapely.segmentize(shapely.boundary(self.geoms[~is_point]), 25.0)
        return np.vstack([self.xy[is_point], shapely.get_coordinates(outlines)])

    def check_reaches(self, demand: Demand) -> None:
        """Raise when no facility's service region reaches the zones' extent."""
        if self.count == 0:
            return
        reach = self.reach_bounds(np.arange(self.count))
        if not _boxes_overlap(reach, np.asarray(demand.bounds)).any():
            raise AnalysisError(
                f"None of the {self.count} facilities is within its radius of {demand.source}; "
                "the two layers do not cover the same area."
            )

    def append(self, xy: np.ndarray, radius: float) -> int:
        self.xy = np.vstack([self.xy, xy])
        self.radius = np.append(self.radius, radius)
        if self.geoms is not None:
            self.geoms = np.append(self.geoms, shapely.Point())
        return self.count - 1

    def move(self, key: int, xy: np.ndarray) -> None:
        if not np.isnan(self.xy[key, 0]):
            self.xy[key] = xy
        else:
            shift = xy - shapely.get_coordinates(shapely.centroid(self.geoms[key]))[0]
            self.geoms[key] = shapely.transform(self.geoms[key], lambda c: c + shift)


def _xy(xy) -> np.ndarray:
    point = np.asarray(xy, dtype="float64").reshape(-1)
    if point.size != 2 or not np.isfinite(point).all():
        raise AnalysisError(f"A facility position must be two coordinates, not {xy!r}.")
    return point


def _radii(radius_m, count: int) -> np.ndarray:
    """Validated (count,) radii from one value or one per facility."""
    try:
        radius = np.asarray(radius_m, dtype="float64").reshape(-1)
    except (TypeError, ValueError):
        raise AnalysisError(f"The service radius must be a number of metres, not {radius_m!r}.") from None
    if radius.size == 1:
        radius = np.full(count, radius[0])
    elif radius.size != count:
        raise AnalysisError(f"{radius.size} radii were given for {count} facilities.")
    bad = radius[~(np.isfinite(radius) & (radius > 0))]
    if bad.size:
        raise AnalysisError(f"The service radius must be a positive number of metres (got {bad[0]:g}).")
    return radius


def _covered_share(demand: Demand, zones: np.ndarray, fac: _Facilities, keys: np.ndarray) -> np.ndarray:
    """Covered share of the zones ``zones`` by the facilities ``keys``."""
    if demand.model == "area":
        return _area_share(demand, zones, fac.regions(keys))
    return _points_covered(demand, zones, fac, keys).astype("float64")


def _area_share(demand: Demand, zones: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """``area(zone ∩ union(regions)) / area(zone)`` for the zones ``zones``."""
    return area_share(demand.geometry[zones], demand.area_m2[zones], regions)


def area_share(geoms: np.ndarray, area: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """``area(geometry ∩ union(regions)) / area`` per polygon, without the union of all regions.

    Each polygon meets only the union of the regions that intersect it, so a city's zones under
    thousands of service discs cost a few small unions instead of one large one; a polygon
    strictly inside one region is covered whole (share 1) without an intersection.

    Parameters
    ----------
    geoms : numpy.ndarray
        (n,) polygons (zones, surface pieces).
    area : numpy.ndarray
        (n,) their areas in m² (the denominators).
    regions : numpy.ndarray
        Polygons (service discs, hazard areas), overlapping or not.

    Returns
    -------
    numpy.ndarray
        (n,) shares in [0, 1]; 0 where ``area`` is 0.
    """
    share = np.zeros(len(geoms))
    if len(geoms) == 0 or len(regions) == 0:
        return share
    zi, ri = shapely.STRtree(regions).query(geoms, predicate="intersects")
    shapely.prepare(regions)
    inside = np.zeros(len(geoms), dtype=bool)
    inside[zi[shapely.contains_properly(regions[ri], geoms[zi])]] = True
    share[inside] = 1.0
    partial = ~inside[zi]
    ids, covered = _covered_areas(geoms, zi[partial], ri[partial], regions)
    area = np.asarray(area, dtype=float)[ids]
    with np.errstate(invalid="ignore", divide="ignore"):
        share[ids] = np.clip(np.where(area > 0, covered / area, 0.0), 0.0, 1.0)
    return share


def _covered_areas(
    geoms: np.ndarray, zi: np.ndarray, ri: np.ndarray, regions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``area(geoms[z] ∩ union(regions[ri where zi == z]))`` for each zone ``z`` in the pairs.

    Zones go in chunks of about equal numbers of pairs to the engine's threads (GEOS releases
    the GIL); each zone's union is the same whatever the chunk. Returns the zones and the areas.
    """

    def measure(pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids, unions = _union_by_zone(zi[pair], ri[pair], regions)
        return ids, shapely.area(shapely.intersection(geoms[ids], unions))

    workers = min(engine_threads(), len(zi) // _UNION_PAIRS_PER_THREAD)
    if workers < 2:
        return measure(np.arange(len(zi)))
    per_zone = np.bincount(zi, minlength=len(geoms))
    parts = 4 * workers
    chunk = ((np.cumsum(per_zone) - per_zone) * parts // len(zi))[zi]
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lambda c: measure(np.flatnonzero(chunk == c)), range(parts)))
    return np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])


def _union_by_zone(zi: np.ndarray, ri: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of the regions ``ri`` per zone ``zi`` (pairs sorted by zone, as STRtree returns them).

    Returns the distinct zones and their unions. Zones are bucketed by their number of regions
    (powers of two) so each bucket is one vectorised ``union_all`` over a padded 2-D array.
    """
    if len(zi) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    order = np.argsort(zi, kind="stable")
    zi, ri = zi[order], ri[order]
    ids, start, count = np.unique(zi, return_index=True, return_counts=True)
    unions = np.empty(len(ids), dtype=object)
    bucket = np.ceil(np.log2(count)).astype(int)
    for b in np.unique(bucket):
        members = np.flatnonzero(bucket == b)
        width = int(count[members].max())
        column = np.arange(width)
        filled = column[None, :] < count[members, None]
        padded = np.full((len(members), width), None, dtype=object)
        padded[filled] = regions[ri[(start[members, None] + column[None, :])[filled]]]
        unions[members] = padded[:, 0] if width == 1 else shapely.union_all(padded, axis=1)
    return ids, unions


def _points_covered(demand: Demand, zones: np.ndarray, fac: _Facilities, keys: np.ndarray) -> np.ndarray:
    """Whether each of the points ``zones`` is within its radius of one of facilities ``keys``."""
    points = demand.points if len(zones) == len(demand) else demand.points[zones]
    covered = np.zeros(len(zones), dtype=bool)
    if len(keys) == 0 or len(zones) == 0:
        return covered
    point_keys = keys[fac.is_point(keys)]
    radii = np.unique(fac.radius[point_keys])
    if len(radii) > _MAX_RADIUS_CLASSES:
        hits = cKDTree(points).query_ball_point(
            fac.xy[point_keys], fac.radius[point_keys], workers=engine_threads()
        )
        covered[np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])] = True
    else:
        for i, radius in enumerate(radii):
            # Later radius classes only test the points earlier ones left uncovered.
            open_ = np.arange(len(points)) if i == 0 else np.flatnonzero(~covered)
            tree = cKDTree(fac.xy[point_keys[fac.radius[point_keys] == radius]])
            distance, _ = tree.query(
                points if i == 0 else points[open_],
                k=1,
                distance_upper_bound=radius * _BOUND_SLACK,
                workers=engine_threads(),
            )
            covered[open_[distance <= radius]] = True
    other_keys = keys[~fac.is_point(keys)]
    for radius in np.unique(fac.radius[other_keys]):
        geoms = fac.geoms[other_keys[fac.radius[other_keys] == radius]]
        covered[_near_any(demand, zones, geoms, float(radius))] = True
    return covered


def _near_any(demand: Demand, zones: np.ndarray, geoms: np.ndarray, distance: float) -> np.ndarray:
    """Indices into ``zones`` of the demand features within ``distance`` of one of ``geoms``.

    ``distance`` 0 asks which intersect (a point on an edge counts). Point demand held as
    coordinates only (the population surface) tests just the points inside a geometry's box
    grown by ``distance`` (:func:`~cityplanner._grid.boxes_holding`), so no shapely point is
    built for the many far from every geometry; GEOS decides the rest as it did for all.
    """
    own = demand.model == "point" and demand.holds_geometry
    if own:
        tree = shapely.STRtree(geoms)
        if distance > 0:
            return tree.query(demand.geometry[zones], predicate="dwithin", distance=distance)[0]
        return tree.query(demand.geometry[zones], predicate="intersects")[0]
    points = demand.points if len(zones) == len(demand) else demand.points[zones]
    point_i, geom_i = boxes_holding(points, shapely.bounds(geoms), distance)
    shapely.prepare(geoms)
    if distance > 0:
        hit = shapely.dwithin(geoms[geom_i], shapely.points(points[point_i]), distance)
    else:
        hit = shapely.intersects_xy(geoms[geom_i], points[point_i, 0], points[point_i, 1])
    return point_i[hit]


@dataclass(eq=False)
class _KeptCoverage:
    """A point demand's coverage by the last few point facility sets (one radius each)."""

    tree: cKDTree | None = None
    runs: list = field(default_factory=list)  # (radius, facilities' xy, covered), newest first
    lock: threading.Lock = field(default_factory=threading.Lock)


_KEPT: weakref.WeakKeyDictionary[Demand, _KeptCoverage] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _kept_points_covered(demand: Demand, xy: np.ndarray, radius: float) -> np.ndarray:
    """Which demand points are within ``radius`` of one of the point facilities ``xy``.

    Equal to :func:`_points_covered` for one radius class. The result is kept per demand for the
    last few facility sets: the same set again is a lookup, and a set extending a kept one (a
    placement appended) only tests the points near its new facilities, with the same k-d tree
    distance and bound as the full test, so the answer is the same.
    """
    with _KEPT_LOCK:
        kept = _KEPT.get(demand)
        if kept is None:
            kept = _KEPT[demand] = _KeptCoverage()
    head = None
    with kept.lock:
        for i, (r, seen, covered) in enumerate(kept.runs):
            if r != radius or len(seen) > len(xy) or not np.array_equal(seen, xy[: len(seen)]):
                continue
            if len(seen) == len(xy):
                kept.runs.insert(0, kept.runs.pop(i))
                return covered.copy()
            if head is None or len(seen) > len(head[0]):
                head = (seen, covered)
    if head is None:
        covered = _points_covered(
            demand,
            np.arange(len(demand)),
            _Facilities(xy, np.full(len(xy), radius), None),
            np.arange(len(xy)),
        )
    else:
        seen, covered = head
        covered = covered.copy()
        new = xy[len(seen) :]
        reach = radius * (1.0 + 1e-9)  # candidates: a superset of the points within the radius
        if len(new) <= _KEPT_SCAN:
            points = demand.points
            near_any = np.zeros(len(points), dtype=bool)
            for x, y in new:
                near_any |= (np.abs(points[:, 0] - x) <= reach) & (np.abs(points[:, 1] - y) <= reach)
            near = np.flatnonzero(near_any & ~covered)
        else:
            if kept.tree is None:
                kept.tree = cKDTree(demand.points)
            hits = kept.tree.query_ball_point(new, reach, return_sorted=False)
            near = np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]))
            near = near[~covered[near]]
        if len(near):
            distance, _ = cKDTree(new).query(
                demand.points[near], k=1, distance_upper_bound=radius * _BOUND_SLACK
            )
            covered[near[distance <= radius]] = True
    with kept.lock:
        kept.runs.insert(0, (radius, xy.copy(), covered))
        del kept.runs[_KEPT_RUNS:]
    return covered.copy()


def _boxes_overlap(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Which of the (k, 4) ``boxes`` overlap the one (4,) ``box`` (touching counts)."""
    return (
        (boxes[:, 0] <= box[2]) & (boxes[:, 2] >= box[0]) & (boxes[:, 1] <= box[3]) & (boxes[:, 3] >= box[1])
    )


def _union_box(bounds: np.ndarray) -> np.ndarray:
    """The (4,) box enclosing the (k, 4) boxes ``bounds``."""
    if len(bounds) == 0:
        return np.array([np.inf, np.inf, -np.inf, -np.inf])
    return np.concatenate([bounds[:, :2].min(axis=0), bounds[:, 2:].max(axis=0)])
