"""Shapely arrays to batched QPainterPaths, grouped by style class and spatial chunk.

One path per (class, chunk) instead of one item per feature: Qt then draws a whole class of a
chunk in a single call, and chunks outside the visible area are skipped.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

# Roughly this many features per spatial chunk: small enough that a zoomed-in view draws few of them.
FEATURES_PER_CHUNK = 2000


def chunk_of_features(geoms: np.ndarray) -> tuple[np.ndarray, int]:
    """Spatial chunk of each geometry (equal-count strips by x, then by y) and the chunk count.

    Equal counts rather than a regular grid keep chunks small where the city is dense.
    """
    n = len(geoms)
    side = int(max(1, np.ceil(np.sqrt(n / FEATURES_PER_CHUNK))))
    if side == 1:
        return np.zeros(n, dtype=np.int64), 1
    bounds = shapely.bounds(geoms)
    cx = np.nan_to_num((bounds[:, 0] + bounds[:, 2]) / 2)
    cy = np.nan_to_num((bounds[:, 1] + bounds[:, 3]) / 2)
    strip = np.empty(n, dtype=np.int64)
    strip[np.argsort(cx, kind="stable")] = np.arange(n) * side // n
    order = np.lexsort((cy, strip))
    strip_sizes = np.bincount(strip, minlength=side)
    strip_starts = np.concatenate([[0], np.cumsum(strip_sizes)[:-1]])
    rank_in_strip = np.arange(n) - strip_starts[strip[order]]
    chunk = np.empty(n, dtype=np.int64)
    chunk[order] = strip[order] * side + rank_in_strip * side // np.maximum(strip_sizes[strip[order]], 1)
    return chunk, side * side


def outline_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rings of polygons and parts of lines as linestring-like geometries, with their feature index."""
    parts, feature_of_part = shapely.get_parts(geoms, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    if polygonal.any():
        rings, ring_part = shapely.get_rings(parts[polygonal], return_index=True)
        feature_of_ring = feature_of_part[polygonal][ring_part]
        lines = parts[~polygonal]
        parts = np.concatenate([rings, lines])
        feature_of_part = np.concatenate([feature_of_ring, feature_of_part[~polygonal]])
    return parts, feature_of_part


def outline_vertices(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices of all polygon rings and line parts, the part each belongs to, and its feature.

    Layers of only (multi)polygons or only (multi)lines go through ``shapely.to_ragged_array``,
    which yields plain arrays: no Python object per ring, so no garbage-collector passes over
    hundreds of thousands of them. Mixed layers take the rings out as geometries.
    """
    types = shapely.get_type_id(geoms)
    present = types[types >= 0]
    if len(present) and (np.isin(present, (3, 6)).all() or np.isin(present, (1, 5)).all()):
        _, coords, (part_offsets, *nesting) = shapely.to_ragged_array(geoms)
        feature_of_part = np.arange(len(geoms))
        # Offsets nest from the vertices outwards: expand feature numbers inwards to the parts.
        for offsets in reversed(nesting):
            feature_of_part = np.repeat(feature_of_part, np.diff(offsets))
        part_of_coord = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
        return coords, part_of_coord, feature_of_part[part_of_coord]
    parts, feature_of_part = outline_parts(geoms)
    coords, part_of_coord = shapely.get_coordinates(parts, return_index=True)
    return coords, part_of_coord, feature_of_part[part_of_coord]


def grouped_paths(geoms: np.ndarray, group_of_feature: np.ndarray) -> list[tuple[int, QRectF, QPainterPath]]:
    """Build one QPainterPath per group of features.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons and/or lines (points are drawn by scatter items instead).
    group_of_feature : numpy.ndarray of int
        Group key of each geometry; features with a negative key are left out.

    Returns
    -------
    list of (group, bounding rect, path), ordered by group.
    """
    coords, part_of_coord, feature_of_coord = outline_vertices(geoms)
    key_of_coord = group_of_feature[feature_of_coord]
    keep = key_of_coord >= 0
    # Stable, so each part's vertices stay together and in order.
    order = np.argsort(key_of_coord[keep], kind="stable")
    coords = coords[keep][order]
    part_of_coord = part_of_coord[keep][order]
    key_of_coord = key_of_coord[keep][order]
    if len(coords) == 0:
        return []
    connect = np.ones(len(coords), dtype=np.ubyte)
    connect[:-1] = part_of_coord[1:] == part_of_coord[:-1]
    connect[-1] = 0
    starts = np.flatnonzero(np.concatenate([[True], key_of_coord[1:] != key_of_coord[:-1]]))
    ends = np.concatenate([starts[1:], [len(coords)]])
    out = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        x = coords[start:end, 0]
        y = coords[start:end, 1]
        path = pg.arrayToQPath(x, y, connect=connect[start:end], finiteCheck=False)
        rect = QRectF(float(x.min()), float(y.min()), float(np.ptp(x)), float(np.ptp(y)))
        out.append((int(key_of_coord[start]), rect, path))
    return out
