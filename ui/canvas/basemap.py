"""Optional offline basemap: raster tiles from a local MBTiles file (no network tiles, ever).

Tiles are Web Mercator (EPSG:3857, TMS rows); each tile's corners are projected to the working
CRS and the image drawn onto them (affine: exact to far below a pixel over one tile), so the
basemap lines up with the vector layers.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyproj import CRS, Transformer
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem

from cityplanner.errors import LayerLoadError

WORLD = 20037508.342789244
MAX_TILES = 96
CACHE_TILES = 512


class MBTilesBasemap(pg.GraphicsObject):
    """Draws the tiles of ``path`` at the zoom level matching the view."""

    def __init__(self, path: Path, crs: CRS) -> None:
        super().__init__()
        # Without this Qt passes the whole bounding rect as the exposed area, not the view.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            row = self.db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        except sqlite3.Error as err:
            raise LayerLoadError(f"{self.path} is not a readable MBTiles file ({err}).") from None
        if row is None or row[0] is None:
            raise LayerLoadError(f"{self.path} holds no tiles.")
        self.min_zoom, self.max_zoom = int(row[0]), int(row[1])
        self.to_mercator = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
        self.from_mercator = Transformer.from_crs("EPSG:3857", crs, always_xy=True)
        self._cache: dict[tuple[int, int, int], QImage | None] = {}
        self._placements: dict[tuple[int, int, int], QTransform] = {}
        self.setZValue(-1000)
        self._bounds = self._data_bounds()

    def _data_bounds(self) -> QRectF:
        z = self.min_zoom
        cols, rows = zip(
            *self.db.execute("SELECT tile_column, tile_row FROM tiles WHERE zoom_level=?", (z,)).fetchall(),
            strict=True,
        )
        size = 2 * WORLD / 2**z
        x0, x1 = -WORLD + min(cols) * size, -WORLD + (max(cols) + 1) * size
        y0, y1 = -WORLD + min(rows) * size, -WORLD + (max(rows) + 1) * size
        xs, ys = self.from_mercator.transform(np.array([x0, x1, x1, x0]), np.array([y0, y0, y1, y1]))
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _tile(self, z: int, x: int, y_tms: int) -> QImage | None:
        key = (z, x, y_tms)
        if key not in self._cache:
            if len(self._cache) > CACHE_TILES:
                self._cache.clear()
                self._placements.clear()
            row = self.db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", key
            ).fetchone()
            image = QImage.fromData(bytes(row[0])) if row else None
            self._cache[key] = image if image is not None and not image.isNull() else None
        return self._cache[key]

    def _placement(self, z: int, col: int, row: int, image: QImage) -> QTransform:
        """Image pixels to the working CRS for one tile, affine through its NW, NE and SW corners.

        Over one tile the reprojection is affine to far below a pixel, and Qt draws an affine image
        several times faster than a projective one; pyproj runs once per tile, not per repaint.
        """
        key = (z, col, row)
        if key not in self._placements:
            size = 2 * WORLD / 2**z
            x0, north = -WORLD + col * size, -WORLD + (row + 1) * size
            xs, ys = self.from_mercator.transform(
                np.array([x0, x0 + size, x0]), np.array([north, north, north - size])
            )
            w, h = image.width(), image.height()
            self._placements[key] = QTransform(
                (xs[1] - xs[0]) / w,
                (ys[1] - ys[0]) / w,
                (xs[2] - xs[0]) / h,
                (ys[2] - ys[0]) / h,
                xs[0],
                ys[0],
            )
        return self._placements[key]

    def tiles_for(self, rect: QRectF, pixel_size_m: float) -> list[tuple[int, int, int]]:
        """(zoom, column, TMS row) of the tiles covering ``rect`` (working CRS) at this pixel size."""
        xs, ys = self.to_mercator.transform(
            np.array([rect.left(), rect.right(), rect.right(), rect.left()]),
            np.array([rect.top(), rect.top(), rect.bottom(), rect.bottom()]),
        )
        z = int(round(math.log2(2 * WORLD / 256 / max(pixel_size_m, 1e-6))))
        z = min(max(z, self.min_zoom), self.max_zoom)
        size = 2 * WORLD / 2**z
        c0, c1 = int((min(xs) + WORLD) // size), int((max(xs) + WORLD) // size)
        r0, r1 = int((min(ys) + WORLD) // size), int((max(ys) + WORLD) // size)
        tiles = [
            (z, c, r)
            for c in range(max(c0, 0), min(c1, 2**z - 1) + 1)
            for r in range(max(r0, 0), min(r1, 2**z - 1) + 1)
        ]
        # Past the cap, the tiles nearest the middle of the area are the ones kept.
        mid_c, mid_r = (c0 + c1) / 2, (r0 + r1) / 2
        tiles.sort(key=lambda t: (t[1] - mid_c) ** 2 + (t[2] - mid_r) ** 2)
        return tiles[:MAX_TILES]

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pixel = 1.0 / (abs(painter.worldTransform().m11()) or 1.0)
        base = painter.worldTransform()
        device = painter.device()
        # The part of the map on the paint device (an exposed rect can be far larger).
        on_device = base.inverted()[0].mapRect(QRectF(0, 0, device.width(), device.height()))
        area = option.exposedRect.intersected(on_device)
        if area.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        # Antialiased edges make each slightly rotated tile about three times slower to draw and
        # leave faint seams where tiles meet.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for z, col, row in self.tiles_for(area, pixel):
            image = self._tile(z, col, row)
            if image is None:
                continue
            painter.setTransform(self._placement(z, col, row, image) * base)
            painter.drawImage(0, 0, image)
        painter.setTransform(base)
