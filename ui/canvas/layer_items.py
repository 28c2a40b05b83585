"""Graphics items drawing project layers and overlays on the map view.

Polygons and lines are batched QPainterPaths (see :mod:`ui.canvas.geometry_paths`), one per style
class and spatial chunk, with a simplified level of detail for zoomed-out views and, for large
layers, a cached overview image used when a screen pixel covers more than one of its pixels.
Points are ScatterPlotItems.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from ..styles import Classification
from .geometry_paths import chunk_of_features, grouped_paths, single_path

NO_DATA_COLOUR = "#d9d9d9"
# Layers with more vertices than this get the simplified level and the overview image.
LOD_MIN_VERTICES = 200_000
# Simplification tolerance of the coarse level, as a fraction of the layer's extent.
COARSE_TOLERANCE = 1 / 6000
# Long side of the overview image in pixels; halved copies serve smaller screen sizes.
OVERVIEW_PIXELS = 4096
# Polygon outlines of large layers are left out once a screen pixel covers this many metres.
OUTLINE_MAX_PIXEL_M = 1.5


def _darker(colour: str, factor: int = 150) -> QColor:
    return QColor(colour).darker(factor)


class VectorLayerItem(pg.GraphicsObject):
    """A polygon or line layer drawn as batched paths.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        The layer's geometries in the working CRS.
    classification : Classification
        Class index per feature and colour per class.
    filled : bool
        Polygons are filled with their class colour; lines are stroked with it.
    line_width : float
        Stroke width in screen pixels.
    """

    def __init__(
        self, geoms: np.ndarray, classification: Classification, filled: bool, line_width: float = 1.0
    ) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.geoms = geoms
        self.filled = filled
        self.line_width = line_width
        self._chunk, self._n_chunks = chunk_of_features(geoms)
        self._levels: dict[int, list[tuple[int, QRectF, QPainterPath]]] = {}
        self._overview: list[QImage] = []
        n_vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        self.uses_lod = n_vertices > LOD_MIN_VERTICES
        bounds = shapely.total_bounds(geoms) if len(geoms) else np.array([0.0, 0.0, 1.0, 1.0])
        if not np.all(np.isfinite(bounds)):
            bounds = np.array([0.0, 0.0, 1.0, 1.0])
        self._bounds = QRectF(bounds[0], bounds[1], bounds[2] - bounds[0], bounds[3] - bounds[1])
        self._coarse_tolerance = max(self._bounds.width(), self._bounds.height()) * COARSE_TOLERANCE
        self.set_classification(classification)

    # -- style ----------------------------------------------------------------------------------
    def set_classification(self, classification: Classification) -> None:
        """Recolour: regroups the paths by the new classes (geometry arrays are reused)."""
        colours = [*classification.colours, NO_DATA_COLOUR]
        classes = np.where(classification.class_index < 0, len(colours) - 1, classification.class_index)
        self._classes = classes.astype(np.int64)
        self._brushes = [QBrush(QColor(c)) for c in colours]
        self._pens = []
        for c in colours:
            pen = QPen(_darker(c) if self.filled else QColor(c))
            pen.setCosmetic(True)
            pen.setWidthF(0.7 if self.filled else self.line_width)
            self._pens.append(pen)
        self._levels.clear()
        self._overview = []
        self.prepareGeometryChange()
        self.update()

    def set_line_width(self, width: float) -> None:
        self.line_width = width
        for pen in self._pens:
            pen.setWidthF(0.7 if self.filled else width)
        self._overview = []
        self.update()

    # -- levels of detail -----------------------------------------------------------------------
    def _level(self, level: int) -> list[tuple[int, QRectF, QPainterPath]]:
        if level not in self._levels:
            geoms = self.geoms
            keys = self._classes * self._n_chunks + self._chunk
            if level == 1:
                geoms = shapely.simplify(geoms, self._coarse_tolerance, preserve_topology=False)
                keys = np.where(shapely.is_empty(geoms), -1, keys)
            self._levels[level] = [
                (key // self._n_chunks, rect, path) for key, rect, path in grouped_paths(geoms, keys)
            ]
        return self._levels[level]

    def _draw_level(
        self, painter: QPainter, level: int, visible: QRectF | None, outlines: bool = True
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not self.uses_lod)
        for cls, rect, path in self._level(level):
            if visible is not None and not rect.intersects(visible) and rect.isValid():
                continue
            painter.setPen(self._pens[cls] if outlines or not self.filled else Qt.PenStyle.NoPen)
            painter.setBrush(self._brushes[cls] if self.filled else Qt.BrushStyle.NoBrush)
            painter.drawPath(path)

    def _overview_image(self, screen_pixels: float) -> QImage:
        """The overview, or the smallest halved copy still at least as detailed as the screen."""
        if not self._overview:
            b = self._bounds
            scale = OVERVIEW_PIXELS / max(b.width(), b.height(), 1e-9)
            image = QImage(
                max(1, int(b.width() * scale)),
                max(1, int(b.height() * scale)),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setTransform(QTransform().scale(scale, scale).translate(-b.left(), -b.top()))
            self._draw_level(painter, 1, None)
            painter.end()
            self._overview = [image]
            while max(image.width(), image.height()) > 512:
                image = image.scaled(
                    image.width() // 2, image.height() // 2, mode=Qt.TransformationMode.SmoothTransformation
                )
                self._overview.append(image)
        for image in reversed(self._overview):
            if max(image.width(), image.height()) >= screen_pixels:
                return image
        return self._overview[0]

    # -- QGraphicsItem --------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        scale = abs(painter.worldTransform().m11()) or 1.0
        pixel = 1.0 / scale
        if self.uses_lod:
            overview_pixel = max(self._bounds.width(), self._bounds.height()) / OVERVIEW_PIXELS
            if pixel >= overview_pixel:
                screen = max(self._bounds.width(), self._bounds.height()) / pixel
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                painter.drawImage(self._bounds, self._overview_image(screen))
                return
            level = 1 if pixel > 2 * self._coarse_tolerance else 0
            outlines = pixel <= OUTLINE_MAX_PIXEL_M
        else:
            level, outlines = 0, True
        self._draw_level(painter, level, option.exposedRect, outlines)


class PointLayerItem(pg.ScatterPlotItem):
    """A point layer: one scatter item, brush per class, symbol per facility type."""

    def __init__(self, xy: np.ndarray, classification: Classification, symbol, size: float) -> None:
        super().__init__(pxMode=True)
        self.xy = xy
        self.symbol = symbol
        self.size = size
        self.set_classification(classification)

    def set_classification(self, classification: Classification) -> None:
        colours = [*classification.colours, NO_DATA_COLOUR]
        brushes = [pg.mkBrush(c) for c in colours]
        classes = np.where(classification.class_index < 0, len(colours) - 1, classification.class_index)
        self.setData(
            x=self.xy[:, 0],
            y=self.xy[:, 1],
            symbol=self.symbol,
            size=self.size,
            brush=[brushes[c] for c in classes] if len(colours) > 2 else brushes[0],
            pen=pg.mkPen("#ffffff", width=1.0),
        )


class HighlightItem(pg.GraphicsObject):
    """Outline (and optional hatch) of a set of geometries: selection, priority tiers, discs."""

    def __init__(self, pen: QPen, brush: QBrush | None = None) -> None:
        super().__init__()
        self._pen = pen
        self._pen.setCosmetic(True)
        self._brush = brush or QBrush(Qt.BrushStyle.NoBrush)
        self._path = QPainterPath()

    def set_geometries(self, geoms: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._path = single_path(geoms)
        self.update()

    def set_brush(self, brush: QBrush) -> None:
        self._brush = brush
        self.update()

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-5, -5, 5, 5)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self._pen)
        brush = QBrush(self._brush)
        # Hatch patterns are in device pixels; undo the map scale so hatching stays a fixed size.
        brush.setTransform(painter.worldTransform().inverted()[0])
        painter.setBrush(brush)
        painter.drawPath(self._path)


class RubberBandItem(pg.GraphicsObject):
    """The rectangle or lasso outline drawn while selecting."""

    def __init__(self) -> None:
        super().__init__()
        self._points: list[QPointF] = []
        self.setZValue(1e6)

    def set_points(self, points: list[QPointF]) -> None:
        self.prepareGeometryChange()
        self._points = points
        self.update()

    def boundingRect(self) -> QRectF:
        if not self._points:
            return QRectF()
        xs = [p.x() for p in self._points]
        ys = [p.y() for p in self._points]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)).adjusted(-10, -10, 10, 10)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if len(self._points) < 2:
            return
        pen = QPen(QColor("#0050c8"), 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QColor(0, 80, 200, 40))
        painter.drawPolygon(self._points)
