"""The dead-end join's candidate search (``_grid.boxes_holding``) against a brute-force test."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from cityplanner._grid import boxes_holding


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boxes_holding_finds_every_point_within_the_margin_of_a_segment(seed):
    rng = np.random.default_rng(seed)
    start = rng.uniform(0.0, 2_000.0, (1_000, 2))
    # Mostly short segments, some long ones crossing many cells, some of zero length.
    length = np.where(
        rng.random(1_000) < 0.05, rng.uniform(300.0, 1_500.0, 1_000), rng.uniform(0.0, 60.0, 1_000)
    )
    angle = rng.uniform(0.0, 2 * np.pi, 1_000)
    stop = start + length[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    stop[:20] = start[:20]
    seg = np.column_stack([start, stop])
    # Points near segments (within a few metres) and anywhere.
    on = rng.integers(0, 1_000, 500)
    t = rng.random(500)[:, None]
    near = start[on] + t * (stop[on] - start[on]) + rng.normal(0.0, 2.0, (500, 2))
    points = np.vstack([near, rng.uniform(-100.0, 2_100.0, (200, 2))])
    margin = 2.5
    point_i, seg_i = boxes_holding(points, seg, margin)
    low = np.minimum(seg[:, :2], seg[:, 2:]) - margin
    high = np.maximum(seg[:, :2], seg[:, 2:]) + margin
    inside = (points[:, None, :] >= low[None]).all(axis=2) & (points[:, None, :] <= high[None]).all(axis=2)
    expected = set(zip(*np.nonzero(inside), strict=True))
    found = list(zip(point_i.tolist(), seg_i.tolist(), strict=True))
    assert len(found) == len(set(found))  # no pair twice
    assert set(found) == expected
    lines = shapely.linestrings(seg.reshape(-1, 2, 2))
    within = shapely.dwithin(shapely.points(points)[:, None], lines[None, :], margin)
    assert set(zip(*np.nonzero(within), strict=True)) <= set(found)


def test_boxes_holding_keeps_a_small_grid_for_boxes_without_extent():
    # Zero-size boxes along one line and margin 0: the grid must not shrink to nothing.
    x = np.linspace(0.0, 100_000.0, 1_000)
    boxes = np.column_stack([x, np.zeros_like(x), x, np.zeros_like(x)])
    points = np.column_stack([x[::10], np.zeros(100)])
    point_i, box_i = boxes_holding(points, boxes, 0.0)
    np.testing.assert_array_equal(np.sort(box_i), np.arange(0, 1_000, 10))
    np.testing.assert_array_equal(x[box_i], points[point_i, 0])
