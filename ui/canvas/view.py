"""The map view: pyqtgraph GraphicsView with an equal-aspect ViewBox showing a ProjectDocument.

Overlays: zone outlines over every layer, priority tiers (hatched, in the engine's tier palette),
the coverage wash, placements, the scale bar and north arrow, and the legend. The legend is a
panel in the map's top-right corner (:class:`MapLegend`), grouped as Plan (placements, priority
tiers, coverage) / Existing facilities / Base layers under the layers' display names, each group
collapsible and the whole legend too; zooming to an extent fits the extent beside or below it,
collapsing it when the map is too small for both, so it never covers the city fitted.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from .. import i18n, workers
from ..document import ProjectDocument
from ..styles import (
    COVERAGE_COLOUR,
    COVERAGE_EDGE_ALPHA,
    COVERAGE_FILL_ALPHA,
    ZONE_OUTLINE,
    ZONE_OUTLINE_ALPHA,
    ZONE_OUTLINE_WIDTH,
    Classification,
    LayerStyle,
    classify,
    priority_colours,
)
from .layer_items import (
    POINT_EDGE,
    HighlightItem,
    PassiveScatterItem,
    PointLayerItem,
    RubberBandItem,
    VectorLayerItem,
)
from .symbols import letter_for, lettered_disc

PRIORITY_HATCH = {
    1: Qt.BrushStyle.DiagCrossPattern,
    2: Qt.BrushStyle.BDiagPattern,
    3: Qt.BrushStyle.FDiagPattern,
}
# Pixels within which a click picks a point, line or placement.
PICK_PIXELS = 8
LEGEND_MAX_CLASSES = 6
# Legend panel: distance from the map's edges, room kept free for the scale bar under it, and its
# width range in pixels.
LEGEND_MARGIN = 12
LEGEND_BOTTOM_RESERVE = 58
LEGEND_MIN_WIDTH, LEGEND_MAX_WIDTH = 150, 210
# Zooming to an extent keeps the legend open unless that shrinks the map by more than this factor.
LEGEND_MAX_SHRINK = 1.75
# The module holding the tiers' palette, and the grey the tiers are drawn in while it loads.
PALETTE_MODULE = "cityplanner.report.figures"
PENDING_PALETTE = {1: "#808080", 2: "#808080", 3: "#808080"}
# Legend groups, in order.
PLAN, EXISTING, BASE = "plan", "existing", "base"
# MapCanvas._overlays_of before the first drawing.
_NOT_DRAWN = object()
# Legend layouts kept (see legend_layout), by legend, font, width and closed groups.
LEGEND_LAYOUTS_KEPT = 64
_LAYOUTS: dict[tuple, tuple[list[tuple], int]] = {}


class MapViewBox(pg.ViewBox):
    """ViewBox that hands clicks and drags to the canvas's current tool before panning."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(lockAspect=True, enableMenu=False)
        self.canvas = canvas

    def mouseClickEvent(self, ev) -> None:
        tool = self.canvas.tool
        if tool is not None and tool.click(ev):
            ev.accept()
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        tool = self.canvas.tool
        if ev.button() == Qt.MouseButton.LeftButton and tool is not None and tool.drag(ev):
            ev.accept()
            return
        super().mouseDragEvent(ev, axis)


class MapCanvas(pg.GraphicsView):
    """Map of the project: layers in drawing order, selection, priority tiers, placements, overlays.

    Signals
    -------
    cursor_moved(x, y)
        Cursor position in the working CRS.
    scale_changed(denominator)
        Map scale 1:denominator after each pan/zoom.
    """

    cursor_moved = Signal(float, float)
    scale_changed = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#f4f3ef")
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.vb = MapViewBox(self)
        self.vb.setAspectLocked(True)
        self.setCentralItem(self.vb)
        self.doc: ProjectDocument | None = None
        self.tool = None
        self.layer_items: dict[str, pg.GraphicsObject] = {}
        self._trees: dict[str, shapely.STRtree] = {}
        self._show_legend = True
        self.coverage_type: str | None = None
        self.basemap = None
        self.selection_item = HighlightItem(QPen(QColor("#00b7ff"), 2.5), QBrush(QColor(0, 183, 255, 70)))
        # Tier colours come with the first tiers shown (set_priority_colours): the palette is the
        # engine report's, whose module is only imported when a project has tiers.
        self.priority_items = {
            tier: HighlightItem(QPen(QColor("#808080"), 2.0), QBrush(QColor("#808080"), PRIORITY_HATCH[tier]))
            for tier in PRIORITY_HATCH
        }
        self._priority_palette: dict[int, str] | None = None
        self._palette_loading = False
        self._service_areas_shown = False
        # While held (see _one_legend_update), legend updates wait for one at the end.
        self._legend_held = 0
        self._legend_stale = False
        # What the legend's coverage row was last drawn from: (coverage type, service areas shown).
        self._legend_coverage: tuple | None = None
        # Natural breaks per layer: (style key, data) a worker is classifying, and the last ones
        # computed as (style key, data, classes).
        self._classifying: dict[str, tuple] = {}
        self._breaks: dict[str, tuple] = {}
        # The zones' frame the overlays (tiers, outlines) were drawn from.
        self._overlays_of: object = _NOT_DRAWN
        outline = QColor(ZONE_OUTLINE)
        outline.setAlpha(ZONE_OUTLINE_ALPHA)
        self.zone_outline_item = HighlightItem(QPen(outline, ZONE_OUTLINE_WIDTH))
        edge, wash = QColor(COVERAGE_COLOUR), QColor(COVERAGE_COLOUR)
        edge.setAlpha(COVERAGE_EDGE_ALPHA)
        wash.setAlpha(COVERAGE_FILL_ALPHA)
        self.coverage_item = HighlightItem(QPen(edge, 1.4), QBrush(wash))
        self.placement_item = PassiveScatterItem(pxMode=True)
        self.rubber_band = RubberBandItem()
        for z, item in enumerate(
            [
                self.zone_outline_item,
                self.coverage_item,
                *self.priority_items.values(),
                self.selection_item,
                self.placement_item,
                self.rubber_band,
            ]
        ):
            item.setZValue(1000 + z)
            self.vb.addItem(item)
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.vb.sigRangeChanged.connect(lambda *_: self.scale_changed.emit(self.scale_denominator()))
        # The extent last fitted by a zoom action, kept fitted as the map resizes until the user
        # pans or zooms: at start-up the docks take their room after the project is first shown.
        self._fitted_bounds: tuple | None = None
        self.vb.sigRangeChangedManually.connect(self._navigated)
        self.legend = MapLegend(self)
        self.legend.toggled.connect(self._legend_toggled)
        self.legend.hide()

    # -- document -------------------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        self._classifying.clear()
        self._breaks.clear()
        self._overlays_of = _NOT_DRAWN
        doc.layers_changed.connect(self.rebuild_layers)
        doc.layer_style_changed.connect(self.restyle_layer)
        doc.selection_changed.connect(self._update_selection)
        doc.priority_changed.connect(self.update_priority)
        doc.placements_changed.connect(lambda _s: self.update_placements())
        doc.current_scenario_changed.connect(lambda _s: self.update_placements())
        doc.facility_types_changed.connect(self.update_placements)
        doc.display_names_changed.connect(lambda _n: self.update_legend())
        self.rebuild_layers()
        self.zoom_full()

    def rebuild_layers(self) -> None:
        """Create items for new layers, drop removed ones, and restack in the project's order."""
        with self._one_legend_update():
            self._rebuild_layers()
        self.viewport().update()

    def _rebuild_layers(self) -> None:
        project = self.doc.project
        for name in list(self.layer_items):
            if name not in project.layers or self.layer_items[name].source_layer is not project.layers[name]:
                self.vb.removeItem(self.layer_items.pop(name))
                self._trees.pop(name, None)
                self._breaks.pop(name, None)
        for z, name in enumerate(project.layers):
            if name not in self.layer_items:
                self.layer_items[name] = self._make_item(name)
                self.vb.addItem(self.layer_items[name])
            self.layer_items[name].setZValue(z)
            self._apply_visibility(name)
        self._update_selection()
        # The overlays drawn from the zones (tiers, outlines) and the placements change with the
        # zones or the document, not with the other layers: adding one redraws only the legend.
        zones = project.layers.get(project.zones_layer)
        zones = zones.gdf if zones is not None else None
        if zones is not self._overlays_of:
            self._overlays_of = zones
            self.update_priority()
            self.update_zone_outlines()
            self.update_placements()
        self._legend_stale = True

    @contextmanager
    def _one_legend_update(self) -> Iterator[None]:
        """Hold legend updates for the duration; one at the end if any was asked for (each lays
        out the whole legend, and a project's opening asked for half a dozen)."""
        self._legend_held += 1
        try:
            yield
        finally:
            self._legend_held -= 1
            if not self._legend_held and self._legend_stale:
                self.update_legend()

    def _classification(self, name: str, style: LayerStyle) -> Classification:
        """The layer's classes for ``style``, one per feature.

        Natural breaks (Fisher-Jenks, quadratic in the values: about 20 ms for the at most
        ``JENKS_SAMPLE`` values they are computed on, more on a busy machine) are computed on a
        worker and kept for the style: until they come the features show as "no data" and the
        legend lists no classes; then :meth:`_classified` restyles the layer.
        """
        gdf = self.doc.project.layer(name).gdf
        values = gdf[style.field] if style.field in gdf.columns else None
        if style.kind != "graduated" or style.method != "natural_breaks" or values is None:
            return fitted(classify(values, style), len(gdf))
        key = (style.field, style.palette, style.classes)
        known = self._breaks.get(name)
        if _same(known, key, gdf):
            return known[2]
        if not _same(self._classifying.get(name), key, gdf):
            self._classifying[name] = (key, gdf)
            wanted = LayerStyle(**vars(style))
            workers.start(
                lambda _progress: fitted(classify(values, wanted), len(gdf)),
                lambda classes: self._classified(name, key, gdf, classes),
            )
        return Classification(np.full(len(gdf), -1, dtype=np.int32), [], [])

    def _classified(self, name: str, key: tuple, gdf, classes: Classification) -> None:
        """Natural breaks computed on a worker: kept, and drawn if the layer still wants them."""
        if not _same(self._classifying.get(name), key, gdf) or self.doc is None:
            return
        del self._classifying[name]
        self._breaks[name] = (key, gdf, classes)
        if name in self.layer_items:
            self.restyle_layer(name)

    def _make_item(self, name: str):
        layer = self.doc.project.layer(name)
        style = self.doc.style(name)
        classes = self._classification(name, style)
        geoms = layer.gdf.geometry.to_numpy()
        kind = layer.geometry_type
        if "Point" in kind:
            xy = shapely.get_coordinates(shapely.centroid(geoms))
            ft = self.doc.project.facility_types.get(layer.role or "")
            symbol = lettered_disc(letter_for(ft.icon, ft.label)) if ft else "o"
            item = PointLayerItem(xy, classes, symbol, style.point_size + (4 if ft else 0))
        else:
            item = VectorLayerItem(
                geoms, classes, filled="Polygon" in kind and style.fill, line_width=style.line_width
            )
        # Kept for the legend, which is drawn on every repaint (recomputing them is slow on big layers).
        item.legend_kind = (
            "point" if "Point" in kind else ("fill" if "Polygon" in kind and style.fill else "line")
        )
        item.classification = classes
        item.source_layer = layer
        return item

    def restyle_layer(self, name: str) -> None:
        item = self.layer_items.get(name)
        if item is None:
            return
        layer = self.doc.project.layer(name)
        style = self.doc.style(name)
        if isinstance(item, VectorLayerItem) and item.filled != (
            "Polygon" in layer.geometry_type and style.fill
        ):
            self.vb.removeItem(item)
            self.layer_items[name] = self._make_item(name)
            self.vb.addItem(self.layer_items[name])
            self.layer_items[name].setZValue(item.zValue())
            self._apply_visibility(name)
            self.update_legend()
            return
        classes = self._classification(name, style)
        if isinstance(item, VectorLayerItem) and item.line_width != style.line_width:
            item.set_line_width(style.line_width)
        item.set_classification(classes)
        item.classification = classes
        self._apply_visibility(name)
        self.update_legend()
        self.viewport().update()

    def _apply_visibility(self, name: str) -> None:
        style = self.doc.style(name)
        item = self.layer_items[name]
        item.setVisible(style.visible)
        item.setOpacity(style.opacity)
        if name == self.doc.project.zones_layer:
            self.zone_outline_item.setVisible(style.visible)

    def update_zone_outlines(self) -> None:
        """The zones' outlines over every layer (a population surface or fill hides their edges)."""
        project = self.doc.project
        zones = project.zones_layer
        if not zones or zones not in project.layers:
            self.zone_outline_item.set_geometries(np.empty(0, dtype=object))
            return
        self.zone_outline_item.set_geometries(project.layers[zones].gdf.geometry.to_numpy())
        self.zone_outline_item.setVisible(self.doc.style(zones).visible)

    def set_priority_colours(self) -> dict[int, str]:
        """The tier palette (:func:`ui.styles.priority_colours`), applied to the tier overlays once.

        Its module (the report's) loads reportlab, half a second the first time: when it is not
        loaded yet, a worker loads it and the tiers take their colours when it is done (grey until
        then, a moment), so the UI thread never waits for it.
        """
        if self._priority_palette is None:
            if PALETTE_MODULE in sys.modules:
                self._apply_priority_colours(priority_colours())
            elif not self._palette_loading:
                self._palette_loading = True
                workers.start(lambda _progress: priority_colours(), self._apply_priority_colours)
        return self._priority_palette or PENDING_PALETTE

    def _apply_priority_colours(self, palette: dict[int, str]) -> None:
        self._priority_palette = dict(palette)
        for tier, item in self.priority_items.items():
            item.set_colour(QColor(palette.get(tier, palette[1])), PRIORITY_HATCH[tier])
        if self.doc is not None:
            self.update_legend()

    def _update_selection(self, _name: str | None = None) -> None:
        geoms = [
            self.doc.project.layers[n].gdf.geometry.to_numpy()[rows]
            for n, rows in self.doc.selections.items()
            if len(rows) and n in self.doc.project.layers
        ]
        self.selection_item.set_geometries(np.concatenate(geoms) if geoms else np.empty(0, dtype=object))

    def update_priority(self) -> None:
        project = self.doc.project
        if not project.zones_layer or project.zones_layer not in project.layers:
            for item in self.priority_items.values():
                item.set_geometries(np.empty(0, dtype=object))
            return
        zones = project.zones.geometry.to_numpy()
        rows = np.fromiter(project.priority.keys(), dtype=np.int64, count=len(project.priority))
        tiers = np.fromiter(project.priority.values(), dtype=np.int64, count=len(project.priority))
        valid = (rows >= 0) & (rows < len(zones))
        if valid.any():
            self.set_priority_colours()
        for tier, item in self.priority_items.items():
            item.set_geometries(zones[rows[valid & (tiers == tier)]])
        # The legend lists the tiers in use.
        self.update_legend()

    def update_placements(self) -> None:
        """Redraw the current scenario's placements (their coverage: :meth:`update_coverage`)."""
        project = self.doc.project
        placements = self.doc.scenario.placements
        spots = []
        for p in placements:
            ft = project.facility_types.get(p.type)
            colour = ft.color if ft else "#333333"
            symbol = lettered_disc(letter_for(ft.icon, ft.label)) if ft else "o"
            spots.append(
                {
                    "pos": (p.x, p.y),
                    "data": p.id,
                    "symbol": symbol,
                    "size": 20,
                    "brush": pg.mkBrush(colour),
                    "pen": pg.mkPen("#202020", width=1.5),
                }
            )
        self.placement_item.setData(spots)
        # The legend lists the planned types (it kept the previous scenario's without an update).
        self.update_legend()

    def update_coverage(self) -> None:
        """Coverage discs (radius of the type) around existing and placed facilities of the chosen type.

        The main window calls it once per change of the placements, the scenario or the types
        (it chooses between discs and service areas).
        """
        self._service_areas_shown = False
        self._legend_coverage_changed()
        if not self.coverage_type or self.coverage_type not in self.doc.project.facility_types:
            self.coverage_item.set_geometries(np.empty(0, dtype=object))
            return
        ft = self.doc.project.facility_type(self.coverage_type)
        points = self.doc.project.facility_points(ft.name, self.doc.current_scenario)
        discs = shapely.buffer(shapely.centroid(points), ft.radius_m, quad_segs=16)
        self.coverage_item.set_geometries(
            shapely.get_parts(shapely.union_all(discs)) if len(discs) else discs
        )

    def set_service_areas(self, geoms: np.ndarray) -> None:
        """Show network service areas (computed by the engine) in place of the discs."""
        self.coverage_item.set_geometries(geoms)
        self._service_areas_shown = len(geoms) > 0
        self._legend_coverage_changed()

    def _legend_coverage_changed(self) -> None:
        """Update the legend if its coverage row changes (the type shown, or service areas)."""
        if (self.coverage_type, self._service_areas_shown) != self._legend_coverage:
            self.update_legend()

    def set_basemap(self, basemap) -> None:
        """Show an offline basemap item under the layers (None removes it)."""
        if self.basemap is not None:
            self.vb.removeItem(self.basemap)
        self.basemap = basemap
        if basemap is not None:
            self.vb.addItem(basemap)

    # -- picking --------------------------------------------------------------------------------
    def pixel_size(self) -> float:
        """Map units (metres) per viewport pixel.

        From the view range and the ViewBox's width rather than pyqtgraph's ``viewPixelSize()``,
        which goes through the device transform (once seen off by a large factor on a real X11
        window; equal under Xvfb and offscreen).
        """
        width_px = self.vb.width()
        size = self.vb.viewRect().width() / width_px if width_px > 0 else float("nan")
        return float(size) if size > 0 and math.isfinite(size) else 1.0

    def _tree(self, name: str) -> shapely.STRtree:
        if name not in self._trees:
            self._trees[name] = shapely.STRtree(self.doc.project.layer(name).gdf.geometry.to_numpy())
        return self._trees[name]

    def features_at(self, name: str, xy: tuple[float, float]) -> np.ndarray:
        """Rows of layer ``name`` under the point ``xy`` (within a few pixels for points and lines)."""
        point = shapely.Point(xy)
        tree = self._tree(name)
        hits = tree.query(point, predicate="intersects")
        if len(hits):
            return np.sort(hits)
        tolerance = PICK_PIXELS * self.pixel_size()
        near = tree.query(point, predicate="dwithin", distance=tolerance)
        if len(near) == 0:
            return near
        distances = shapely.distance(tree.geometries[near], point)
        return near[[int(np.argmin(distances))]]

    def features_in(self, name: str, area: shapely.Geometry) -> np.ndarray:
        """Rows of layer ``name`` intersecting the polygon ``area`` (rectangle or lasso)."""
        return np.sort(self._tree(name).query(area, predicate="intersects"))

    def placement_at(self, xy: tuple[float, float]) -> str | None:
        """Id of the current scenario's placement nearest ``xy`` within a few pixels, if any."""
        placements = self.doc.scenario.placements
        if not placements:
            return None
        coords = np.array([(p.x, p.y) for p in placements])
        d = np.hypot(coords[:, 0] - xy[0], coords[:, 1] - xy[1])
        i = int(np.argmin(d))
        return placements[i].id if d[i] <= 1.5 * PICK_PIXELS * self.pixel_size() else None

    def to_map(self, scene_pos) -> tuple[float, float]:
        p = self.vb.mapSceneToView(scene_pos)
        return float(p.x()), float(p.y())

    # -- navigation -----------------------------------------------------------------------------
    def _navigated(self, *_args) -> None:
        self._fitted_bounds = None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # pyqtgraph calls this from its constructor (before ours has run) and from close(), after
        # clearing the scene: touching the deleted view box then crashes.
        if getattr(self, "closed", False) or not hasattr(self, "legend"):
            return
        self.place_legend()
        if self._fitted_bounds is not None:
            self.zoom_to_bounds(self._fitted_bounds)

    def zoom_to_bounds(self, bounds) -> None:
        """Show ``bounds`` (x0, y0, x1, y1) whole, with a margin, where the legend covers none of it.

        The extent goes left of the legend or under it, whichever shows it larger; when either
        would shrink it by more than :data:`LEGEND_MAX_SHRINK`, the legend is collapsed to its
        title (unless the planner opened it) and the extent fitted beside that.
        """
        x0, y0, x1, y1 = (float(v) for v in bounds)
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            return
        self._fitted_bounds = (x0, y0, x1, y1)
        pad = max(x1 - x0, y1 - y0, 50.0) * 0.05
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        view_w, view_h = float(self.vb.width()), float(self.vb.height())
        if view_w <= 0 or view_h <= 0:
            self.vb.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)
            return
        region = QRectF(0, 0, view_w, view_h)
        if self.legend.isVisibleTo(self):
            region = self._free_region(x1 - x0, y1 - y0, view_w, view_h)
        size = max((x1 - x0) / region.width(), (y1 - y0) / region.height())
        # The extent's centre at the free region's centre (screen y grows downwards).
        xmin = (x0 + x1) / 2 - region.center().x() * size
        ymax = (y0 + y1) / 2 + region.center().y() * size
        self.vb.setRange(QRectF(xmin, ymax - view_h * size, view_w * size, view_h * size), padding=0)

    def _free_region(self, ext_w: float, ext_h: float, view_w: float, view_h: float) -> QRectF:
        """The part of the map (pixels) an extent is fitted into: beside or under the legend.

        May collapse or reopen the legend (see :meth:`zoom_to_bounds`).
        """
        full = max(ext_w / view_w, ext_h / view_h)

        def best(collapsed: bool) -> tuple[float, QRectF]:
            size = self.legend.panel_size(collapsed, self.viewport().size())
            room_w = view_w - size.width() - 2 * LEGEND_MARGIN
            room_h = view_h - size.height() - 2 * LEGEND_MARGIN
            options = []
            if room_w > 0:
                options.append((max(ext_w / room_w, ext_h / view_h), QRectF(0, 0, room_w, view_h)))
            if room_h > 0:
                top = size.height() + 2 * LEGEND_MARGIN
                options.append((max(ext_w / view_w, ext_h / room_h), QRectF(0, top, view_w, room_h)))
            return min(options, key=lambda o: o[0]) if options else (math.inf, QRectF(0, 0, view_w, view_h))

        collapsed = self.legend.collapsed
        if self.legend.user_choice is None:
            # Open when the map can afford it, else collapsed to its title.
            collapsed = best(False)[0] > LEGEND_MAX_SHRINK * full
        size, region = best(collapsed)
        if collapsed != self.legend.collapsed:
            self.legend.set_collapsed(collapsed, by_user=False)
        return region if math.isfinite(size) else QRectF(0, 0, view_w, view_h)

    def zoom_to_layer(self, name: str) -> None:
        self.zoom_to_bounds(self.doc.project.layer(name).gdf.total_bounds)

    def zoom_to_selection(self) -> None:
        geoms = [
            self.doc.project.layers[n].gdf.geometry.to_numpy()[rows]
            for n, rows in self.doc.selections.items()
            if len(rows) and n in self.doc.project.layers
        ]
        if geoms:
            self.zoom_to_bounds(shapely.total_bounds(np.concatenate(geoms)))

    def zoom_full(self) -> None:
        layers = [lyr.gdf for lyr in self.doc.project.layers.values() if len(lyr.gdf)]
        if layers:
            bounds = np.array([g.total_bounds for g in layers])
            self.zoom_to_bounds(
                (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
            )

    def _mouse_moved(self, scene_pos) -> None:
        x, y = self.to_map(scene_pos)
        self.cursor_moved.emit(x, y)
        if self.tool is not None:
            self.tool.hover(scene_pos)

    def scale_denominator(self) -> float:
        """Map scale 1:N on this screen (metres per pixel over metres per screen pixel)."""
        metres_per_screen_pixel = 0.0254 / max(self.logicalDpiX(), 1)
        return self.pixel_size() / metres_per_screen_pixel

    # -- overlays: scale bar, north arrow, legend -----------------------------------------------
    def drawForeground(self, painter: QPainter, rect) -> None:
        super().drawForeground(painter, rect)
        if self.doc is None:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() - 0.5))
        painter.setFont(font)
        if not self.doc.project.layers:
            self._draw_start_hint(painter)  # nothing to measure: no scale bar or north arrow
        else:
            self._draw_scale_bar(painter)
            self._draw_north_arrow(painter)
            # On screen the legend is its own panel (MapLegend); a picture of the map (the view
            # rendered into an image) gets it painted in the same corner.
            if self.show_legend and not isinstance(painter.device(), QWidget):
                self.paint_legend(painter)
        painter.restore()

    def _draw_start_hint(self, painter: QPainter) -> None:
        """What to do on an empty map: start a project, open one, or drop layer files."""
        lines = [
            self.tr("No layers yet"),
            self.tr("File > New project… (Ctrl+N): start from your zones and their population."),
            self.tr("File > Open… (Ctrl+O): open a .cityplan project."),
            self.tr("File > Open the sample city: central Hải Châu, Đà Nẵng."),
            self.tr("Drop layer files (GeoPackage, Shapefile, GeoJSON, KML, CSV…) here to add them."),
        ]
        metrics = painter.fontMetrics()
        line = metrics.height() + 6
        top = self.viewport().height() / 2 - line * len(lines) / 2
        for i, text in enumerate(lines):
            font = painter.font()
            font.setBold(i == 0)
            painter.setFont(font)
            painter.setPen(QColor("#202020" if i == 0 else "#505050"))
            width = painter.fontMetrics().horizontalAdvance(text)
            painter.drawText(QPointF((self.viewport().width() - width) / 2, top + i * line), text)

    def _draw_scale_bar(self, painter: QPainter) -> None:
        metres = self.pixel_size() * 120
        step = 10 ** math.floor(math.log10(max(metres, 1e-9)))
        nice = max(m for m in (step, 2 * step, 5 * step) if m <= metres)
        width_px = nice / self.pixel_size()
        h = self.viewport().height()
        x0, y0 = 16, h - 22
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 210))
        painter.drawRoundedRect(QRectF(x0 - 8, y0 - 26, width_px + 70, 40), 4, 4)
        painter.setBrush(QColor("#202020"))
        painter.drawRect(QRectF(x0, y0 - 4, width_px / 2, 5))
        painter.setBrush(QColor("#ffffff"))
        painter.setPen(QPen(QColor("#202020"), 1))
        painter.drawRect(QRectF(x0 + width_px / 2, y0 - 4, width_px / 2, 5))
        painter.drawRect(QRectF(x0, y0 - 4, width_px, 5))
        label = f"{i18n.format_plain(nice / 1000)} km" if nice >= 1000 else f"{i18n.format_plain(nice)} m"
        # "0" over the bar's start and the distance centred over its end.
        painter.drawText(QPointF(x0, y0 - 9), "0")
        label_width = painter.fontMetrics().horizontalAdvance(label)
        painter.drawText(QPointF(x0 + max(width_px - label_width / 2, 12.0), y0 - 9), label)
        painter.drawText(
            QPointF(x0 + width_px + 8, y0 + 2), f"1:{i18n.format_number(self.scale_denominator(), 0)}"
        )

    def _draw_north_arrow(self, painter: QPainter) -> None:
        x, y = 30, 18
        painter.setPen(QPen(QColor("#202020"), 1))
        painter.setBrush(QColor(255, 255, 255, 210))
        painter.drawEllipse(QRectF(x - 17, y - 4, 34, 50))
        painter.setBrush(QColor("#202020"))
        painter.drawPolygon(QPolygonF([QPointF(x, y + 4), QPointF(x + 8, y + 34), QPointF(x, y + 28)]))
        painter.setBrush(QColor("#ffffff"))
        painter.drawPolygon(QPolygonF([QPointF(x, y + 4), QPointF(x - 8, y + 34), QPointF(x, y + 28)]))
        painter.drawText(QRectF(x - 10, y + 30, 20, 16), Qt.AlignmentFlag.AlignCenter, "N")

    # -- legend -------------------------------------------------------------------------------
    @property
    def show_legend(self) -> bool:
        """Whether the legend is shown (View > Legend; presentation mode has its own)."""
        return self._show_legend

    @show_legend.setter
    def show_legend(self, on: bool) -> None:
        self._show_legend = bool(on)
        self.update_legend()

    def _layer_rows(self, name: str) -> list[tuple]:
        """Legend rows of one visible layer: one swatch, or its name then one swatch per class."""
        style = self.doc.style(name)
        item = self.layer_items.get(name)
        if item is None:
            return []
        layer = self.doc.project.layers[name]
        kind = item.legend_kind
        title = self.doc.display_name(name)
        ftype = self.doc.project.facility_types.get(layer.role or "")
        letter = letter_for(ftype.icon, ftype.label) if ftype is not None and kind == "point" else ""
        if style.kind == "single" or not style.field:
            return [(kind, style.colour, title, 0, letter)]
        if layer.role != "population_surface":  # its name says what it shows
            title = f"{title} — {style.field}"
        classes = item.classification
        if classes.bounds is not None and len(classes.bounds) == len(classes.colours):
            labels = [
                f"{i18n.format_number(lo, classes.decimals)} – {i18n.format_number(hi, classes.decimals)}"
                for lo, hi in classes.bounds
            ]
        else:
            labels = list(classes.labels)
            if classes.other_count and labels:
                labels[-1] = self.tr("other ({count} values)").format(
                    count=i18n.format_number(classes.other_count, 0)
                )
        rows: list[tuple] = [("header", "", title, 0, "")]
        shown = list(zip(classes.colours, labels, strict=True))
        rows += [(kind, colour, label, 1, letter) for colour, label in shown[:LEGEND_MAX_CLASSES]]
        if len(shown) > LEGEND_MAX_CLASSES:
            more = i18n.format_number(len(shown) - LEGEND_MAX_CLASSES, 0)
            rows.append(("note", "", self.tr("… {count} more").format(count=more), 1, ""))
        return rows

    def legend_groups(self) -> list[tuple[str, str, list[tuple]]]:
        """The legend as (key, title, rows) groups: Plan, Existing facilities, Base layers.

        A row is (kind, colour, text, indent, letter); kinds: ``placed`` (a placement's symbol),
        ``point``, ``fill``, ``line``, ``outline`` (zone edges), ``hatch1``-``hatch3`` (tiers),
        ``area`` (coverage), ``header`` (a layer with classes), ``note``. Empty groups are left out.
        """
        project = self.doc.project
        plan: list[tuple] = []
        types = {p.type for p in self.doc.scenario.placements}
        for name, ft in project.facility_types.items():
            if name in types:
                plan.append(("placed", ft.color, i18n.facility_label(ft), 0, letter_for(ft.icon, ft.label)))
        tiers = set(project.priority.values())
        if tiers:
            palette = self.set_priority_colours()
            plan += [
                (
                    f"hatch{t}",
                    palette.get(t, palette[1]),
                    self.tr("Priority tier {tier}").format(tier=t),
                    0,
                    "",
                )
                for t in sorted(tiers)
                if t in PRIORITY_HATCH
            ]
        coverage = project.facility_types.get(self.coverage_type or "")
        if coverage is not None:
            plan.append(
                (
                    "area",
                    COVERAGE_COLOUR,
                    self.tr("Within {radius} m of a {type}").format(
                        radius=i18n.format_plain(coverage.radius_m), type=i18n.facility_label(coverage)
                    ),
                    0,
                    "",
                )
            )
        elif self._service_areas_shown:
            plan.append(("area", COVERAGE_COLOUR, self.tr("Service areas along the streets"), 0, ""))
        existing: list[tuple] = []
        base: list[tuple] = []
        for name in reversed(list(project.layers)):
            if not self.doc.style(name).visible:
                continue
            rows = self._layer_rows(name)
            if name == project.zones_layer:
                rows.append(("outline", ZONE_OUTLINE, self.tr("Zone boundaries"), 0, ""))
            role = project.layers[name].role
            (existing if role in project.facility_types else base).extend(rows)
        groups = [
            (
                PLAN,
                self.tr("Plan ({scenario})").format(scenario=i18n.scenario_label(self.doc.current_scenario)),
                plan,
            ),
            (EXISTING, self.tr("Existing facilities"), existing),
            (BASE, self.tr("Base layers"), base),
        ]
        return [g for g in groups if g[2]]

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """The legend flattened to (kind, colour, text) rows, each group's title as a ``group`` row."""
        rows: list[tuple[str, str, str]] = []
        for _key, title, group in self.legend_groups():
            rows.append(("group", "", title))
            rows += [(kind, colour, text) for kind, colour, text, *_ in group]
        return rows

    def update_legend(self) -> None:
        """Rebuild the legend panel from the document and place it; refit a fitted extent around it."""
        legend = getattr(self, "legend", None)
        if legend is None:
            return
        if self._legend_held:
            self._legend_stale = True
            return
        self._legend_stale = False
        self._legend_coverage = (self.coverage_type, self._service_areas_shown)
        on = self._show_legend and self.doc is not None and bool(self.doc.project.layers)
        legend.set_groups(self.legend_groups() if on else [])
        legend.setVisible(on)
        self.place_legend()
        if (
            on
            and self._fitted_bounds is not None
            and legend.geometry() != getattr(self, "_legend_at_fit", None)
        ):
            self.zoom_to_bounds(self._fitted_bounds)
        self._legend_at_fit = legend.geometry()
        self.viewport().update()

    def place_legend(self) -> None:
        """The legend in the top-right corner, as tall as its rows or the map allows (it scrolls)."""
        size = self.legend.fit(self.viewport().size())
        x = self.viewport().width() - size.width() - LEGEND_MARGIN
        self.legend.setGeometry(QRect(max(0, x), LEGEND_MARGIN, size.width(), size.height()))

    def _legend_toggled(self) -> None:
        self.place_legend()
        if self._fitted_bounds is not None:
            self.zoom_to_bounds(self._fitted_bounds)
        self._legend_at_fit = self.legend.geometry()

    def paint_legend(self, painter: QPainter) -> None:
        """The whole legend (every group open) in the top-right corner: for pictures of the map."""
        groups = self.legend_groups()
        if not groups:
            return
        metrics = painter.fontMetrics()
        width = legend_width(groups, metrics, set())
        height = legend_layout(groups, painter.font(), width, set())[1]
        x0 = self.viewport().width() - width - LEGEND_MARGIN
        painter.setPen(QPen(QColor("#b0b0b0"), 1))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawRoundedRect(QRectF(x0, LEGEND_MARGIN, width, height + 8), 4, 4)
        paint_legend_rows(painter, groups, QPointF(x0, LEGEND_MARGIN + 4), width, set())


def _same(entry: tuple | None, key: tuple, gdf) -> bool:
    """An entry of ``MapCanvas._classifying`` or ``_breaks`` is for this style key and data."""
    return entry is not None and entry[0] == key and entry[1] is gdf


def fitted(classes: Classification, n: int) -> Classification:
    """``classes`` with a class for each of ``n`` features (all in the first when it has none)."""
    if len(classes.class_index) != n:
        classes.class_index = np.zeros(n, dtype=np.int32)
    return classes


# -- the legend ---------------------------------------------------------------------------------------
def _line_height(metrics) -> int:
    return metrics.height() + 4


def _bold(font: QFont, bold: bool = True, italic: bool = False) -> QFont:
    font = QFont(font)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _text_left(kind: str, indent: int) -> int:
    """Where a row's text starts: after the symbol (titles and notes have none)."""
    left = 10 + 12 * indent
    return left if kind in ("header", "note") else left + 24


def legend_width(groups, metrics, closed: set[str]) -> int:
    """The legend's width: what its longest line needs, within LEGEND_MIN_WIDTH..LEGEND_MAX_WIDTH
    (longer lines wrap)."""
    needs = []
    for key, title, rows in groups:
        needs.append(metrics.horizontalAdvance(title) * 1.1 + 30)
        if key not in closed:
            needs += [metrics.horizontalAdvance(r[2]) * 1.05 + _text_left(r[0], r[3]) + 8 for r in rows]
    return int(min(LEGEND_MAX_WIDTH, max([LEGEND_MIN_WIDTH, *needs])))


def legend_layout(groups, font: QFont, width: float, closed: set[str]) -> tuple[list[tuple], int]:
    """Each line of the legend as (key or None, row or title, y, height, text rect) and the total
    height: titles and rows wrap onto more lines within ``width``.

    Kept for the same legend, font, width and closed groups: fitting the map around the legend
    lays it out several times per update, each measuring every row's wrapped text.
    """
    key = (
        tuple((k, title, tuple(rows)) for k, title, rows in groups),
        font.key(),
        width,
        frozenset(closed),
    )
    if key not in _LAYOUTS:
        if len(_LAYOUTS) >= LEGEND_LAYOUTS_KEPT:
            _LAYOUTS.clear()
        _LAYOUTS[key] = _legend_layout(groups, font, width, closed)
    return _LAYOUTS[key]


def _legend_layout(groups, font: QFont, width: float, closed: set[str]) -> tuple[list[tuple], int]:
    line = _line_height(QFontMetrics(font))
    laid: list[tuple] = []
    y = 0
    wrap = int(Qt.TextFlag.TextWordWrap.value)
    for key, title, rows in groups:
        metrics = QFontMetrics(_bold(font))
        text = QRect(20, 0, int(width - 26), 10_000)
        height = max(line, metrics.boundingRect(text, wrap, title).height() + 4)
        laid.append((key, title, y, height, QRect(20, y, text.width(), height)))
        y += height + 2
        if key in closed:
            continue
        for row in rows:
            kind, _colour, label, indent, _letter = row
            metrics = QFontMetrics(_bold(font, kind == "header", kind == "note"))
            left = _text_left(kind, indent)
            text = QRect(left, 0, int(width - left - 6), 10_000)
            height = max(line, metrics.boundingRect(text, wrap, label).height() + 4)
            laid.append((None, row, y, height, QRect(left, y, text.width(), height)))
            y += height
    return laid, y


def _draw_symbol(painter: QPainter, kind: str, colour: str, letter: str, swatch: QRectF) -> None:
    """A legend swatch drawn as the map draws the thing."""
    if kind == "fill":
        painter.setPen(QPen(QColor(colour).darker(150), 1))
        painter.setBrush(QColor(colour))
        painter.drawRect(swatch)
    elif kind == "outline":
        outline = QColor(colour)
        outline.setAlpha(ZONE_OUTLINE_ALPHA)
        painter.setPen(QPen(outline, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(swatch)
    elif kind == "area":
        edge, wash = QColor(colour), QColor(colour)
        edge.setAlpha(COVERAGE_EDGE_ALPHA)
        wash.setAlpha(COVERAGE_FILL_ALPHA * 2)  # a small swatch needs a little more to be seen
        painter.setPen(QPen(edge, 1.2))
        painter.setBrush(wash)
        painter.drawRect(swatch)
    elif kind.startswith("hatch"):
        # The tier's own pattern, as the map draws it.
        painter.setPen(QPen(QColor(colour), 1.5))
        painter.setBrush(QBrush(QColor(colour), PRIORITY_HATCH[int(kind[5:])]))
        painter.drawRect(swatch)
    elif kind == "line":
        painter.setPen(QPen(QColor(colour), 2.5))
        painter.drawLine(
            QPointF(swatch.left(), swatch.center().y()), QPointF(swatch.right(), swatch.center().y())
        )
    elif kind in ("point", "placed"):
        # The map's symbols: a lettered disc (larger, with a darker edge, for placements).
        placed = kind == "placed"
        radius = 7.5 if placed else 5.5
        edge = QColor("#202020" if placed else POINT_EDGE)
        painter.save()
        painter.translate(swatch.center())
        if letter:
            painter.scale(2 * radius, 2 * radius)
            pen = QPen(edge, 1.5 if placed else 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QColor(colour))
            painter.drawPath(lettered_disc(letter))
        else:
            painter.setPen(QPen(edge, 1))
            painter.setBrush(QColor(colour))
            painter.drawEllipse(QPointF(0, 0), radius, radius)
        painter.restore()


def paint_legend_rows(painter: QPainter, groups, origin: QPointF, width: float, closed: set[str]) -> None:
    """Draw the legend's groups (titles with an open/closed mark) and rows from ``origin`` down."""
    base_font = QFont(painter.font())
    laid, _height = legend_layout(groups, base_font, width, closed)
    painter.save()
    painter.translate(origin)
    flags = int(Qt.TextFlag.TextWordWrap.value) | int(Qt.AlignmentFlag.AlignVCenter.value)
    line = _line_height(painter.fontMetrics())
    for key, item, y, height, rect in laid:
        painter.setPen(QColor("#202020"))
        if key is not None:  # a group's title
            painter.setFont(_bold(base_font))
            mark = "▸" if key in closed else "▾"
            painter.drawText(QRectF(6, y, 14, line), int(Qt.AlignmentFlag.AlignVCenter.value), mark)
            painter.drawText(rect, flags, item)
            continue
        kind, colour, text, indent, letter = item
        painter.setFont(_bold(base_font, kind == "header", kind == "note"))
        if kind not in ("header", "note"):
            top = y + (height - line) / 2
            _draw_symbol(painter, kind, colour, letter, QRectF(10 + 12 * indent, top + 3, 18, line - 7))
            painter.setPen(QColor("#202020"))
        painter.drawText(rect, flags, text)
    painter.restore()
    painter.setFont(base_font)


class _LegendBody(QWidget):
    """The legend's rows; a click on a group's title opens or closes the group."""

    def __init__(self, legend: MapLegend) -> None:
        super().__init__()
        self.legend = legend
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def content_height(self, width: int) -> int:
        return legend_layout(self.legend.groups, self.font(), width, self.legend.closed_groups)[1] + 4

    def sizeHint(self) -> QSize:
        width = legend_width(self.legend.groups, self.fontMetrics(), self.legend.closed_groups)
        return QSize(width, self.content_height(width))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        paint_legend_rows(painter, self.legend.groups, QPointF(0, 0), self.width(), self.legend.closed_groups)
        painter.end()

    def mousePressEvent(self, event) -> None:
        laid, _height = legend_layout(
            self.legend.groups, self.font(), self.width(), self.legend.closed_groups
        )
        y = event.position().y()
        for key, _item, top, height, _rect in laid:
            if key is not None and top <= y < top + height + 2:
                self.legend.toggle_group(key)
                return
        super().mousePressEvent(event)


class MapLegend(QFrame):
    """The map's legend: a title button that collapses it, and its groups in a scroll area.

    Attributes
    ----------
    groups : list
        (key, title, rows) from :meth:`MapCanvas.legend_groups`.
    collapsed : bool
        Only the title shows.
    closed_groups : set of str
        Keys of the groups closed by a click on their title.
    user_choice : bool or None
        The collapsed state the planner chose with the title button (None: the map chooses).

    Signals
    -------
    toggled()
        The legend or one of its groups was opened or closed: its size changed.
    """

    toggled = Signal()

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas.viewport())
        self.setObjectName("MapLegend")
        self.groups: list = []
        self.collapsed = False
        self.closed_groups: set[str] = set()
        self.user_choice: bool | None = None
        self.setAutoFillBackground(False)
        self.setStyleSheet(
            "#MapLegend { background: rgba(255, 255, 255, 232); border: 1px solid #b0b0b0;"
            " border-radius: 4px; }"
        )
        self.title = QToolButton(self)
        self.title.setObjectName("MapLegendTitle")
        self.title.setAutoRaise(True)
        self.title.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.clicked.connect(lambda: self.set_collapsed(not self.collapsed, by_user=True))
        self.body = _LegendBody(self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll)
        self._update_title()

    def _update_title(self) -> None:
        mark = "▸" if self.collapsed else "▾"
        title = self.tr("Legend")
        self.title.setText(f"{mark} {title}")
        self.title.setToolTip(self.tr("Show the legend") if self.collapsed else self.tr("Hide the legend"))
        self.scroll.setVisible(not self.collapsed)

    def set_groups(self, groups: list) -> None:
        self.groups = groups
        self.body.updateGeometry()
        self.body.adjustSize()
        self.body.update()

    def set_collapsed(self, collapsed: bool, by_user: bool = True) -> None:
        if by_user:
            self.user_choice = collapsed
        if collapsed != self.collapsed:
            self.collapsed = collapsed
            self._update_title()
            self.toggled.emit()

    def toggle_group(self, key: str) -> None:
        self.closed_groups ^= {key}
        self.body.updateGeometry()
        self.body.adjustSize()
        self.body.update()
        self.toggled.emit()

    def panel_size(self, collapsed: bool, viewport: QSize) -> QSize:
        """The panel's size in a map of ``viewport`` size, open or collapsed (rows scroll beyond)."""
        return self._measure(collapsed, viewport)[0]

    def _measure(self, collapsed: bool, viewport: QSize) -> tuple[QSize, int]:
        """(panel size, body height) in a map of ``viewport`` size."""
        margins = self.layout().contentsMargins()
        side = margins.left() + margins.right()
        title = self.title.sizeHint()
        if collapsed or not self.groups:
            return QSize(title.width() + side, title.height() + margins.top() + 2), 0
        room = max(title.height() + 40, viewport.height() - LEGEND_MARGIN - LEGEND_BOTTOM_RESERVE)
        width = min(
            max(legend_width(self.groups, self.body.fontMetrics(), self.closed_groups), title.width()),
            max(LEGEND_MIN_WIDTH, viewport.width() // 2 - side),
        )
        body = self.body.content_height(width)
        chrome = title.height() + margins.top() + margins.bottom()
        if chrome + body > room:  # the rows scroll: a scroll bar beside them
            width += self.scroll.verticalScrollBar().sizeHint().width()
        return QSize(width + side, min(chrome + body, room)), body

    def fit(self, viewport: QSize) -> QSize:
        """Size the rows for a map of ``viewport`` size; the panel's size."""
        size, body = self._measure(self.collapsed, viewport)
        if body:
            self.body.setFixedHeight(body)
        return size


# -- export ---------------------------------------------------------------------------------------------
def render_to_image(canvas: MapCanvas, dpi: float) -> QImage:
    """The map as the canvas shows it now (layers, overlays, scale bar, north arrow, legend) as an
    image at ``dpi`` dots per inch.

    The view's extent is kept and drawn ``dpi / screen dpi`` times as finely: a view of W x H
    screen pixels becomes round(W x dpi / screen dpi) x round(H x dpi / screen dpi) pixels, its
    physical size in the image's metadata that of the map on the screen. Runs on the UI thread
    (the scene is Qt's); encode and write the image elsewhere (``QImage.save`` is safe on a worker
    thread), which takes several times longer than drawing it.
    """
    viewport = canvas.viewport()
    width, height = viewport.width(), viewport.height()
    screen_dpi = float(canvas.logicalDpiX() or 96)
    scale = float(dpi) / screen_dpi
    image = QImage(
        max(1, round(width * scale)), max(1, round(height * scale)), QImage.Format.Format_ARGB32_Premultiplied
    )
    # Drawn in screen pixels (fonts sized at the screen's dpi), stored finer: text, symbols and
    # line widths keep their look; the image's own dpi is set once it is drawn.
    screen_dots_per_metre = round(screen_dpi / 0.0254)
    image.setDotsPerMeterX(screen_dots_per_metre)
    image.setDotsPerMeterY(screen_dots_per_metre)
    image.setDevicePixelRatio(scale)
    image.fill(canvas.backgroundBrush().color() if canvas.backgroundBrush().style() else QColor("#ffffff"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        # The scene and the view's foreground (scale bar, north arrow, and the legend, which the
        # foreground paints into images where the screen shows its panel).
        canvas.render(painter, QRectF(0, 0, width, height), viewport.rect())
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    dots_per_metre = round(float(dpi) / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return image
