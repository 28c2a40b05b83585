"""Array helpers on a regular grid shared by the surface, the street network and coverage."""

from __future__ import annotations

import numpy as np


def grid_cells(col0, row0, across, up) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell of the ranges ``col0 + [0, across)`` x ``row0 + [0, up)``, row by row.

    Returns (range index, column, row) per cell.
    """
    count = across * up
    owner = np.repeat(np.arange(len(count)), count)
    local = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    width = across[owner]
    return owner, col0[owner] + local % width, row0[owner] + local // width


def boxes_holding(points: np.ndarray, seg: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(point, segment) pairs where the point lies in the segment's box grown by ``margin``.

    ``seg`` holds segments ``x0, y0, x1, y1`` or boxes ``xmin, ymin, xmax, ymax`` (the box of a
    segment is the same). Every point within ``margin`` of a segment is among the pairs. Boxes
    and points meet on a grid (cells about as large as the median box, at most about twelve per
    segment); a summed-area table of the points per cell leaves out, first, every box without a
    point, so no geometry or tree is built for the many segments far from every point.
    """
    if len(points) == 0 or len(seg) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = np.minimum(seg[:, :2], seg[:, 2:]) - margin
    high = np.maximum(seg[:, :2], seg[:, 2:]) + margin
    origin = np.minimum(low.min(axis=0), points.min(axis=0))
    span = np.maximum(high.max(axis=0), points.max(axis=0)) - origin
    median_box = float(np.median((high - low).max(axis=1)))
    # Bounded below so the grid has at most 4 cells per segment along a side, about 12 in all.
    most = 4 * len(seg)
    cell = max(median_box, float(np.sqrt(span[0] * span[1] / most)), float(span.max()) / most, margin, 1e-9)
    first = np.floor((low - origin) / cell).astype(np.int64)
    last = np.floor((high - origin) / cell).astype(np.int64)
    at = np.floor((points - origin) / cell).astype(np.int64)
    columns, rows = np.maximum(last.max(axis=0), at.max(axis=0)) + 1
    table = np.zeros((rows + 1, columns + 1), dtype=np.int64)
    per_cell = np.bincount(at[:, 1] * columns + at[:, 0], minlength=rows * columns)
    table[1:, 1:] = per_cell.reshape(rows, columns).cumsum(axis=0).cumsum(axis=1)
    x0, y0, x1, y1 = first[:, 0], first[:, 1], last[:, 0] + 1, last[:, 1] + 1
    held = np.flatnonzero(table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0] > 0)
    owner, column, row = grid_cells(x0[held], y0[held], *(last[held] - first[held] + 1).T)
    point_key = at[:, 1] * columns + at[:, 0]
    by_key = np.argsort(point_key, kind="stable")
    sorted_keys = point_key[by_key]
    box_key = row * columns + column
    begin = np.searchsorted(sorted_keys, box_key, side="left")
    count = np.searchsorted(sorted_keys, box_key, side="right") - begin
    point_i = by_key[ranges(begin, count)]
    seg_i = held[np.repeat(owner, count)]
    inside = (points[point_i] >= low[seg_i]).all(axis=1) & (points[point_i] <= high[seg_i]).all(axis=1)
    return point_i[inside], seg_i[inside]


def ranges(begin: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``concatenate([arange(b, b + c) for b, c in zip(begin, count)])``, vectorised."""
    total = int(count.sum())
    return np.repeat(begin - np.cumsum(count) + count, count) + np.arange(total)
