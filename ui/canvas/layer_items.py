"""Graphics items drawing project layers and overlays on the map view.

Polygons and lines are batched QPainterPaths (see :mod:`ui.canvas.geometry_paths`), one per style
class and spatial chunk. Small layers are drawn as vectors on every repaint. Large layers are not:
zoomed out past their overview image, that image is drawn; closer in, the view is assembled from
image tiles cached per screen scale (:class:`TileGrid`). A repaint blits cached tiles, renders
missing ones within a small time budget and shows the rest from other scales' tiles or the
overview until idle-time rendering fills them in. That rendering runs in short steps of a
zero-interval timer on the UI thread: QPainter calls hold Python's GIL, so a worker thread would
stall the event loop for as long as each of its draws and gain no parallelism.
Small layers build their paths on a worker thread (after each restyle too) and are drawn once
they are ready: QPainterPath is a value type, built anywhere and drawn on the UI thread.
Points are ScatterPlotItems.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import shapely
import shiboken6
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QRegion, QTransform
from PySide6.QtWidgets import QGraphicsItem

from .. import workers
from ..styles import Classification
from .geometry_paths import chunk_of_features, grouped_paths

NO_DATA_COLOUR = "#d9d9d9"
# Edge of point symbols (existing facilities and other point layers).
POINT_EDGE = "#303030"
# Layers with more vertices than this get the overview image and cached tiles.
LOD_MIN_VERTICES = 200_000
# Simplification tolerance of the overview's geometry, as a fraction of the layer's extent.
COARSE_TOLERANCE = 1 / 6000
# Long side of the overview image in pixels; halved copies serve smaller screen sizes.
OVERVIEW_PIXELS = 4096
# Polygon outlines of large layers are left out once a screen pixel covers this many metres.
OUTLINE_MAX_PIXEL_M = 1.5
# Side of a cached tile in screen pixels.
TILE_PX = 256
# Tiles kept per large layer (256 KB each at one device pixel per screen pixel), least recently
# drawn dropped first: room for the view and its margin at two scales on a 2560x1440 screen.
TILE_CACHE_TILES = 384
# Time a repaint may spend rendering missing tiles before it shows placeholders for the rest.
PAINT_RENDER_BUDGET_S = 0.020
# Time one idle step may spend building paths or rendering tiles, so input is handled in between.
IDLE_RENDER_BUDGET_S = 0.012
# Features per step of building a large layer's full-detail paths in idle time (about 15 ms).
DETAIL_BATCH_FEATURES = 4000
# Highlight sets (selection, priority tiers, discs) above this many vertices are drawn fast and plain.
LARGE_HIGHLIGHT_VERTICES = 20_000
# ...and without outlines while their typical feature spans fewer screen pixels than this.
LARGE_HIGHLIGHT_OUTLINE_MIN_PX = 4
# Relative scale difference under which two views share a tile grid (pans change it by ~1e-14).
SCALE_TOLERANCE = 1e-7
# Tile grids (screen scales) remembered for reuse when the view returns to an earlier scale.
REMEMBERED_GRIDS = 16


def class_paths(geoms: np.ndarray, keys: np.ndarray, n_chunks: int) -> list[tuple[int, QRectF, QPainterPath]]:
    """(class, rect, path) per class and spatial chunk, from keys ``class * n_chunks + chunk``
    (negative: left out). Thread-safe: workers build them too."""
    return [(key // n_chunks, rect, path) for key, rect, path in grouped_paths(geoms, keys)]


def _darker(colour: str, factor: int = 150) -> QColor:
    return QColor(colour).darker(factor)


@dataclass(frozen=True)
class TileGrid:
    """Square tiles of the map at one screen scale, independent of the pan position.

    Tile (i, j) holds the map scaled by (``sx``, ``sy``) screen pixels per metre (``sy`` negative:
    north up) over the scaled coordinates [i, i + 1) x [j, j + 1) times ``TILE_PX``; a view at this
    scale shows it at that position plus the view's translation, so a pan reuses every tile.
    ``dpr`` is the device pixel ratio the tiles are rendered for.
    """

    sx: float
    sy: float
    dpr: float

    def matches(self, sx: float, sy: float, dpr: float) -> bool:
        return (
            dpr == self.dpr
            and abs(sx / self.sx - 1) < SCALE_TOLERANCE
            and abs(sy / self.sy - 1) < SCALE_TOLERANCE
        )

    def map_rect(self, i: int, j: int) -> QRectF:
        """Map area of tile (i, j) in the working CRS."""
        x0, x1 = TILE_PX * i / self.sx, TILE_PX * (i + 1) / self.sx
        y0, y1 = TILE_PX * j / self.sy, TILE_PX * (j + 1) / self.sy
        return QRectF(QPointF(min(x0, x1), min(y0, y1)), QPointF(max(x0, x1), max(y0, y1)))


def _tile_range(device_rect: QRectF, ox: int, oy: int) -> list[tuple[int, int]]:
    """Tiles of a grid shown at offset (ox, oy) that meet ``device_rect``, nearest its centre first."""
    if device_rect.isEmpty():
        return []
    i0 = math.floor((device_rect.left() - ox) / TILE_PX)
    i1 = math.ceil((device_rect.right() - ox) / TILE_PX)
    j0 = math.floor((device_rect.top() - oy) / TILE_PX)
    j1 = math.ceil((device_rect.bottom() - oy) / TILE_PX)
    ci = (device_rect.center().x() - ox) / TILE_PX - 0.5
    cj = (device_rect.center().y() - oy) / TILE_PX - 0.5
    tiles = [(i, j) for i in range(i0, i1) for j in range(j0, j1)]
    return sorted(tiles, key=lambda t: (t[0] - ci) ** 2 + (t[1] - cj) ** 2)


def _device_rect(painter: QPainter) -> QRectF:
    """The paint device's area in unscaled painter coordinates (logical pixels on high-DPI screens)."""
    device = painter.device()
    if hasattr(device, "deviceIndependentSize"):  # images and pixmaps count physical pixels
        return QRectF(QPointF(0, 0), device.deviceIndependentSize())
    return QRectF(0, 0, device.width(), device.height())


class VectorLayerItem(pg.GraphicsObject):
    """A polygon or line layer drawn as batched paths (large layers through an overview and tiles).

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
        # Large layers build their full-detail paths in idle steps: rows still to do, groups so far.
        self._detail_batches: list[np.ndarray] = []
        self._detail_groups: list[tuple[int, QRectF, QPainterPath]] = []
        self._overview: list[QImage] = []
        self._tiles: OrderedDict[tuple[TileGrid, int, int], QImage] = OrderedDict()
        self._grids: list[TileGrid] = []
        # Tiles to render when idle: (grid, i, j, on screen), most wanted first.
        self._queue: list[tuple[TileGrid, int, int, bool]] = []
        self._idle_timer = QTimer()
        self._idle_timer.setInterval(0)
        self._idle_timer.timeout.connect(self._idle_step)
        # Style generation of the paths a worker is building (None: none is), so that the paths of
        # a style replaced meanwhile are never installed.
        self._generation = 0
        self._building: int | None = None
        # Running mean of the time to render one tile, so a repaint starts no tile it cannot finish.
        self._tile_seconds = 0.005
        n_vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        self.uses_lod = n_vertices > LOD_MIN_VERTICES
        bounds = shapely.total_bounds(geoms) if len(geoms) else np.array([0.0, 0.0, 1.0, 1.0])
        if not np.all(np.isfinite(bounds)):
            bounds = np.array([0.0, 0.0, 1.0, 1.0])
        self._bounds = QRectF(bounds[0], bounds[1], bounds[2] - bounds[0], bounds[3] - bounds[1])
        self._extent = max(self._bounds.width(), self._bounds.height(), 1e-9)
        self._coarse_tolerance = self._extent * COARSE_TOLERANCE
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
        self._detail_groups = []
        self._detail_batches = self._batches_by_chunk() if self.uses_lod else []
        self._drop_images()
        self._generation += 1
        self._building = None
        if not self.uses_lod and len(self.geoms):
            self._building = self._generation
            _PATH_BUILDER.request(self)
        self.prepareGeometryChange()
        self.update()

    def path_request(self) -> tuple | None:
        """(generation, geometries, keys, chunk count) of the paths to build, or None when none are
        wanted any more (built already, by an export's drawing)."""
        if self._building != self._generation or 0 in self._levels:
            return None
        return self._generation, self.geoms, self._classes * self._n_chunks + self._chunk, self._n_chunks

    def install_paths(self, generation: int, paths: list) -> None:
        """Paths built on a worker: drawn from now on, unless the layer was restyled meanwhile."""
        if generation != self._generation or not shiboken6.isValid(self):
            return  # restyled meanwhile (those paths show the old classes), or the map is gone
        self._building = None
        self._levels.setdefault(0, paths)
        self.update()

    def paths_failed(self, generation: int) -> None:
        """The worker failed: the next paint builds them on the UI thread (and shows the error)."""
        if generation == self._generation and shiboken6.isValid(self):
            self._building = None
            self.update()

    @property
    def paths_ready(self) -> bool:
        """The layer can be drawn without building paths first (large layers: see detail_ready)."""
        return self.uses_lod or 0 in self._levels

    def set_line_width(self, width: float) -> None:
        self.line_width = width
        for pen in self._pens:
            pen.setWidthF(0.7 if self.filled else width)
        self._drop_images()
        self.update()

    def _drop_images(self) -> None:
        """Forget the overview and every tile: they show the old style."""
        self._overview = []
        self._tiles.clear()
        self._queue.clear()
        self._idle_timer.stop()

    @property
    def tiles_pending(self) -> int:
        """Tiles of the current view still shown from a placeholder (0 once the view is sharp)."""
        return sum(on_screen for *_, on_screen in self._queue)

    @property
    def detail_ready(self) -> bool:
        """The full-detail paths exist (large layers build them in idle time after the first draw)."""
        return not self._detail_batches and (0 in self._levels or not self.uses_lod)

    @property
    def tiles_queued(self) -> int:
        """Tiles waiting for idle-time rendering: the screen's missing ones and the margin around it."""
        return len(self._queue)

    # -- levels of detail -----------------------------------------------------------------------
    def _batches_by_chunk(self) -> list[np.ndarray]:
        """Rows of the layer in batches of whole spatial chunks, about DETAIL_BATCH_FEATURES each."""
        step = max(1, round(DETAIL_BATCH_FEATURES * self._n_chunks / max(len(self.geoms), 1)))
        order = np.argsort(self._chunk, kind="stable")
        edges = np.searchsorted(self._chunk[order], np.arange(0, self._n_chunks + step, step))
        return [order[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]

    def _build_detail(self, budget_s: float) -> bool:
        """Build full-detail paths batch by batch for up to ``budget_s``; True once all are built."""
        start = time.perf_counter()
        while self._detail_batches and time.perf_counter() - start < budget_s:
            rows = self._detail_batches.pop()
            keys = self._classes[rows] * self._n_chunks + self._chunk[rows]
            self._detail_groups += grouped_paths(self.geoms[rows], keys)
        if not self._detail_batches and 0 not in self._levels:
            # In key order, as one build of the whole layer would draw them.
            self._detail_groups.sort(key=lambda group: group[0])
            self._levels[0] = [(key // self._n_chunks, rect, path) for key, rect, path in self._detail_groups]
            self._detail_groups = []
        return 0 in self._levels

    def _level(self, level: int) -> list[tuple[int, QRectF, QPainterPath]]:
        if level == 0 and self.uses_lod:
            self._build_detail(math.inf)
        if level not in self._levels:
            geoms = self.geoms
            keys = self._classes * self._n_chunks + self._chunk
            if level == 1:
                geoms = shapely.simplify(geoms, self._coarse_tolerance, preserve_topology=False)
                keys = np.where(shapely.is_empty(geoms), -1, keys)
            self._levels[level] = class_paths(geoms, keys, self._n_chunks)
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
            scale = OVERVIEW_PIXELS / self._extent
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

    # -- tiles ----------------------------------------------------------------------------------
    def _grid(self, sx: float, sy: float, dpr: float) -> TileGrid:
        """The remembered grid at this scale, or a new one (most recently used first)."""
        for grid in self._grids:
            if grid.matches(sx, sy, dpr):
                self._grids.remove(grid)
                break
        else:
            grid = TileGrid(sx, sy, dpr)
        self._grids = [grid, *self._grids[: REMEMBERED_GRIDS - 1]]
        return grid

    def _render_tile(self, grid: TileGrid, i: int, j: int) -> QImage:
        start = time.perf_counter()
        side = max(1, round(TILE_PX * grid.dpr))
        image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(grid.dpr)
        image.fill(Qt.GlobalColor.transparent)
        pixel = 1.0 / abs(grid.sx)
        painter = QPainter(image)
        painter.setTransform(QTransform(grid.sx, 0.0, 0.0, grid.sy, -TILE_PX * i, -TILE_PX * j))
        # Chunks just outside the tile still put outline pixels on its edge.
        margin = 2 * pixel
        area = grid.map_rect(i, j).adjusted(-margin, -margin, margin, margin)
        self._draw_level(painter, 0, area, outlines=pixel <= OUTLINE_MAX_PIXEL_M)
        painter.end()
        self._tile_seconds += 0.2 * (time.perf_counter() - start - self._tile_seconds)
        self._tiles[(grid, i, j)] = image
        while len(self._tiles) > TILE_CACHE_TILES:
            self._tiles.popitem(last=False)
        return image

    def _idle_step(self) -> None:
        """Build paths, then render queued tiles, for a few milliseconds; repaint if the screen gained."""
        if self.scene() is None:
            self._idle_timer.stop()
            return
        start = time.perf_counter()
        ready = self._build_detail(IDLE_RENDER_BUDGET_S)
        shown = False
        while ready and self._queue and time.perf_counter() - start < IDLE_RENDER_BUDGET_S:
            grid, i, j, on_screen = self._queue.pop(0)
            if (grid, i, j) not in self._tiles:
                self._render_tile(grid, i, j)
                shown |= on_screen
        if ready and not self._queue:
            self._idle_timer.stop()
        if shown:
            self.update()

    def _paint_tiles(self, painter: QPainter, exposed: QRectF, widget) -> None:
        view = painter.worldTransform()
        grid = self._grid(view.m11(), view.m22(), painter.device().devicePixelRatioF())
        # One rounding for the whole grid keeps neighbouring tiles exactly TILE_PX apart.
        ox, oy = round(view.dx()), round(view.dy())
        layer_area = view.mapRect(self._bounds)
        # The exposed rect can reach far beyond the device (a whole city when painting into an image).
        area = view.mapRect(exposed).intersected(layer_area).intersected(_device_rect(painter))
        if painter.hasClipping():
            area = area.intersected(view.mapRect(painter.clipBoundingRect()))
        drawn = _tile_range(area, ox, oy)
        # Painting into an image rather than onto the screen (an export) must not leave tiles out;
        # on screen, no tile is rendered here before the paths are built in idle time.
        if widget is None:
            budget = math.inf
        else:
            budget = PAINT_RENDER_BUDGET_S if 0 in self._levels else 0.0
        painter.save()
        painter.resetTransform()
        start = time.perf_counter()
        missing = []
        for i, j in drawn:
            image = self._tiles.get((grid, i, j))
            if image is not None:
                self._tiles.move_to_end((grid, i, j))
            elif time.perf_counter() - start + self._tile_seconds < budget:
                image = self._render_tile(grid, i, j)
            else:
                missing.append((i, j))
                continue
            painter.drawImage(QPointF(ox + TILE_PX * i, oy + TILE_PX * j), image)
        if missing:
            self._draw_placeholders(
                painter, view, grid, [(ox + TILE_PX * i, oy + TILE_PX * j) for i, j in missing]
            )
        painter.restore()
        self._queue_tiles(grid, layer_area, widget, ox, oy)

    def _draw_placeholders(
        self, painter: QPainter, view: QTransform, grid: TileGrid, corners: list[tuple[int, int]]
    ) -> None:
        """Fill missing tiles (device corners given) from other scales' tiles, else the overview."""
        missing = QRegion()
        for x, y in corners:
            missing = missing.united(QRegion(x, y, TILE_PX, TILE_PX))
        area = QRectF(missing.boundingRect())
        # Nearest scale last, so its sharper tiles end up on top.
        others = sorted(
            ((g, i, j) for g, i, j in self._tiles if g != grid),
            key=lambda key: -abs(math.log(abs(key[0].sx / grid.sx))),
        )
        stand_ins = []
        covered = QRegion()
        for key in others:
            target = view.mapRect(key[0].map_rect(key[1], key[2]))
            if target.intersects(area):
                stand_ins.append((target, self._tiles[key]))
                left, top = math.ceil(target.left()), math.ceil(target.top())
                inner = QRect(left, top, math.floor(target.right()) - left, math.floor(target.bottom()) - top)
                covered = covered.united(QRegion(inner))
        painter.setClipRegion(missing, Qt.ClipOperation.IntersectClip)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        # The overview, magnified many times here, is slow to draw: only where no tile stands in.
        bare = missing.subtracted(covered)
        if not bare.isEmpty():
            painter.save()
            painter.setClipRegion(bare, Qt.ClipOperation.IntersectClip)
            painter.setTransform(view)
            painter.drawImage(self._bounds, self._overview_image(self._extent * abs(view.m11())))
            painter.restore()
        for target, image in stand_ins:
            painter.drawImage(target, image)

    def _queue_tiles(self, grid: TileGrid, layer_area: QRectF, widget, ox: int, oy: int) -> None:
        """Queue the screen's missing tiles, then a one-tile margin around it for the next pan."""
        if widget is None:
            return
        screen = QRectF(widget.rect())
        on_screen = _tile_range(screen.intersected(layer_area), ox, oy)
        margin = screen.adjusted(-TILE_PX, -TILE_PX, TILE_PX, TILE_PX).intersected(layer_area)
        shown = set(on_screen)
        around = [t for t in _tile_range(margin, ox, oy) if t not in shown]
        if len(on_screen) + len(around) > TILE_CACHE_TILES // 2:
            around = []
        self._queue = [(grid, i, j, True) for i, j in on_screen if (grid, i, j) not in self._tiles] + [
            (grid, i, j, False) for i, j in around if (grid, i, j) not in self._tiles
        ]
        if (self._queue or self._detail_batches) and not self._idle_timer.isActive():
            self._idle_timer.start()

    # -- QGraphicsItem --------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.uses_lod:
            # On screen, a layer whose paths a worker is building appears when they are ready;
            # a picture of the map (no widget: an export) waits for nothing and builds them here.
            if widget is not None and self._building is not None and 0 not in self._levels:
                return
            self._draw_level(painter, 0, option.exposedRect)
            return
        screen_pixels = self._extent * abs(painter.worldTransform().m11())
        if screen_pixels <= OVERVIEW_PIXELS:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(self._bounds, self._overview_image(screen_pixels))
            # Ready the full detail while the user looks at the overview, before the first zoom in.
            if self._detail_batches and not self._idle_timer.isActive():
                self._idle_timer.start()
            return
        self._paint_tiles(painter, option.exposedRect, widget)


class _PathBuilder:
    """Builds the paths of the layers (re)styled during one turn of the event loop on one worker.

    Started once the event loop is back: a worker running meanwhile would contend for the GIL with
    the rest of the UI thread's work (a whole project's set-up), and one thread for all the layers
    is started once (each start waits for the new thread to run).
    """

    def __init__(self) -> None:
        self.waiting: list[VectorLayerItem] = []

    def request(self, item: VectorLayerItem) -> None:
        if not self.waiting:
            QTimer.singleShot(0, self._start)
        if item not in self.waiting:
            self.waiting.append(item)

    def _start(self) -> None:
        items, self.waiting = self.waiting, []
        requests = [(item, item.path_request()) for item in items if shiboken6.isValid(item)]
        requests = [(item, request) for item, request in requests if request is not None]
        if not requests:
            return

        def job(_progress):
            return [
                (item, generation, class_paths(geoms, keys, n_chunks))
                for item, (generation, geoms, keys, n_chunks) in requests
            ]

        def done(results) -> None:
            for item, generation, paths in results:
                item.install_paths(generation, paths)

        def failed(_message: str) -> None:
            for item, (generation, *_data) in requests:
                item.paths_failed(generation)

        workers.start(job, done, failed)


_PATH_BUILDER = _PathBuilder()


class PassiveScatterItem(pg.ScatterPlotItem):
    """A scatter item that leaves clicks to the map tools.

    pyqtgraph's scatter item accepts a click on one of its symbols (to emit ``sigClicked``), so
    the view box, and with it the current tool, never saw it: placing a facility on top of a
    bus stop, or identifying or selecting a point feature, did nothing.
    """

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class PointLayerItem(PassiveScatterItem):
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
            # A dark edge: the symbols of light colours stay readable on a light or dark map.
            pen=pg.mkPen(POINT_EDGE, width=1.0),
        )


class HighlightItem(pg.GraphicsObject):
    """Outline (and optional hatch) of a set of geometries: selection, priority tiers, discs.

    Paths per spatial chunk, so a zoomed-in view draws only the chunks it shows. A large set
    (a lasso over a whole district's buildings) is drawn without antialiasing, with a one-pixel
    outline and none while its features are only a few pixels across: antialiased filling and wide
    strokes of 20,000 buildings take about a second a frame.
    """

    def __init__(self, pen: QPen, brush: QBrush | None = None) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._pen = pen
        self._pen.setCosmetic(True)
        self._thin_pen = QPen(pen)
        self._thin_pen.setWidthF(1.0)
        self._brush = brush or QBrush(Qt.BrushStyle.NoBrush)
        self._chunks: list[tuple[QRectF, QPainterPath]] = []
        self._bounds = QRectF()
        self._large = False
        self._typical_size = 0.0

    def set_geometries(self, geoms: np.ndarray) -> None:
        self.prepareGeometryChange()
        chunk, _ = chunk_of_features(geoms)
        self._chunks = [(rect, path) for _, rect, path in grouped_paths(geoms, chunk)] if len(geoms) else []
        self._bounds = QRectF()
        self._large = False
        if len(geoms):
            x0, y0, x1, y1 = shapely.total_bounds(geoms)
            self._bounds = QRectF(x0, y0, x1 - x0, y1 - y0)
            self._large = int(shapely.get_num_coordinates(geoms).sum()) > LARGE_HIGHLIGHT_VERTICES
        if self._large:
            box = shapely.bounds(geoms)
            self._typical_size = float(np.nanmedian(np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])))
        self.update()

    def set_brush(self, brush: QBrush) -> None:
        self._brush = brush
        self.update()

    def set_colour(self, colour: QColor, pattern: Qt.BrushStyle | None = None) -> None:
        """Outline in ``colour`` (its width kept) and, with a ``pattern``, the fill in it too."""
        self._pen.setColor(colour)
        self._thin_pen.setColor(colour)
        if pattern is not None:
            self._brush = QBrush(colour, pattern)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds.adjusted(-5, -5, 5, 5)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not self._large)
        if not self._large:
            painter.setPen(self._pen)
        elif self._typical_size * abs(painter.worldTransform().m11()) >= LARGE_HIGHLIGHT_OUTLINE_MIN_PX:
            painter.setPen(self._thin_pen)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        brush = QBrush(self._brush)
        # Hatch patterns are in device pixels; undo the map scale so hatching stays a fixed size.
        brush.setTransform(painter.worldTransform().inverted()[0])
        painter.setBrush(brush)
        for rect, path in self._chunks:
            if rect.intersects(option.exposedRect) or not rect.isValid():
                painter.drawPath(path)


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
