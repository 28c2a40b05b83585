"""Point demand held as coordinates meets polygons as GEOS decides for shapely points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from cityplanner import coverage
from cityplanner.demand import Demand


def _polygons(rng: np.random.Generator, n: int) -> np.ndarray:
    centres = rng.uniform(0.0, 5_000.0, (n, 2))
    half = rng.uniform(20.0, 300.0, (n, 2))
    boxes = shapely.box(*(centres - half).T, *(centres + half).T)
    discs = shapely.buffer(shapely.points(centres[: n // 2]), half[: n // 2, 0])
    return np.concatenate([boxes[n // 2 :], discs])


@pytest.mark.parametrize("distance", [0.0, 150.0, 400.0])
def test_near_any_on_coordinates_equals_the_strtree_on_points(distance):
    rng = np.random.default_rng(int(distance))
    polygons = _polygons(rng, 60)
    xy = rng.uniform(-500.0, 5_500.0, (20_000, 2))
    # Points exactly on polygon edges and vertices (the edge counts as intersecting).
    on_edge = shapely.get_coordinates(shapely.boundary(polygons[:30]))[::3]
    xy = np.vstack([xy, on_edge])
    demand = Demand.from_points(xy, np.ones(len(xy)))
    tree = shapely.STRtree(polygons)
    points = shapely.points(xy)
    if distance > 0:
        expected = np.unique(tree.query(points, predicate="dwithin", distance=distance)[0])
    else:
        expected = np.unique(tree.query(points, predicate="intersects")[0])
    zones = np.arange(len(xy))
    got = np.unique(coverage._near_any(demand, zones, polygons, distance))
    np.testing.assert_array_equal(got, expected)
    assert 0 < len(expected) < len(xy)
    # A subset of the points gives the subset's answer (indices into the subset).
    subset = zones[::2]
    got_subset = np.unique(coverage._near_any(demand, subset, polygons, distance))
    np.testing.assert_array_equal(subset[got_subset], np.intersect1d(expected, subset))
