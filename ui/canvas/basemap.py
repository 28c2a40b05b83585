"""Optional offline basemap: raster tiles from a local MBTiles file (no network tiles, ever).

Tiles are Web Mercator (EPSG:3857, TMS rows); each tile's corners are projected to the working
CRS and the image drawn into that quadrilateral, so the basemap lines up with the vector layers.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyproj import CRS, Transformer
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter, QPolygonF, QTransform

from cityplanner.errors import LayerLoadError

WORLD = 20037508.342789244
MAX_TILES = 96
CACHE_TILES = 512


class MBTilesBasemap(pg.GraphicsObject):
    """Draws the tiles of ``path`` at the zoom level matching the view."""

    def __init__(self, path: Path, crs: CRS) -> None:
        super().__init__()
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
            row = self.db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", key
            ).fetchone()
            image = QImage.fromData(bytes(row[0])) if row else None
            self._cache[key] = image if image is not None and not image.isNull() else None
        return self._cache[key]

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
        return tiles[:MAX_TILES]

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pixel = 1.0 / (abs(painter.worldTransform().m11()) or 1.0)
        base = painter.worldTransform()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        for z, col, row in self.tiles_for(option.exposedRect, pixel):
            image = self._tile(z, col, row)
            if image is None:
                continue
            size = 2 * WORLD / 2**z
            x0, y0 = -WORLD + col * size, -WORLD + row * size
            xs, ys = self.from_mercator.transform(
                np.array([x0, x0 + size, x0 + size, x0]), np.array([y0 + size, y0 + size, y0, y0])
            )
            source = QPolygonF(
                [
                    QPointF(0, 0),
                    QPointF(image.width(), 0),
                    QPointF(image.width(), image.height()),
                    QPointF(0, image.height()),
                ]
            )
            target = QPolygonF([QPointF(x, y) for x, y in zip(xs, ys, strict=True)])
            quad = QTransform()
            if QTransform.quadToQuad(source, target, quad):
                painter.setTransform(quad * base)
                painter.drawImage(0, 0, image)
        painter.setTransform(base)
