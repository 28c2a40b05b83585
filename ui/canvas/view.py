"""The map view: pyqtgraph GraphicsView with an equal-aspect ViewBox showing a ProjectDocument."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF

from .. import i18n
from ..document import ProjectDocument
from ..styles import classify
from .layer_items import (
    HighlightItem,
    PassiveScatterItem,
    PointLayerItem,
    RubberBandItem,
    VectorLayerItem,
)
from .symbols import letter_for, lettered_disc

PRIORITY_COLOURS = {1: "#d7191c", 2: "#fd8d3c", 3: "#e6c700"}
PRIORITY_HATCH = {
    1: Qt.BrushStyle.DiagCrossPattern,
    2: Qt.BrushStyle.BDiagPattern,
    3: Qt.BrushStyle.FDiagPattern,
}
# Pixels within which a click picks a point, line or placement.
PICK_PIXELS = 8
LEGEND_MAX_CLASSES = 6


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
        self.show_legend = True
        self.coverage_type: str | None = None
        self.basemap = None
        self.selection_item = HighlightItem(QPen(QColor("#00b7ff"), 2.5), QBrush(QColor(0, 183, 255, 70)))
        self.priority_items = {
            tier: HighlightItem(QPen(QColor(c), 2.0), QBrush(QColor(c), PRIORITY_HATCH[tier]))
            for tier, c in PRIORITY_COLOURS.items()
        }
        self.coverage_item = HighlightItem(
            QPen(QColor(30, 120, 200, 200), 1.2), QBrush(QColor(30, 120, 200, 45))
        )
        self.placement_item = PassiveScatterItem(pxMode=True)
        self.rubber_band = RubberBandItem()
        for z, item in enumerate(
            [
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

    # -- document -------------------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        doc.layers_changed.connect(self.rebuild_layers)
        doc.layer_style_changed.connect(self.restyle_layer)
        doc.selection_changed.connect(self._update_selection)
        doc.priority_changed.connect(self.update_priority)
        doc.placements_changed.connect(lambda _s: self.update_placements())
        doc.current_scenario_changed.connect(lambda _s: self.update_placements())
        doc.facility_types_changed.connect(self.update_placements)
        self.rebuild_layers()
        self.zoom_full()

    def rebuild_layers(self) -> None:
        """Create items for new layers, drop removed ones, and restack in the project's order."""
        project = self.doc.project
        for name in list(self.layer_items):
            if name not in project.layers or self.layer_items[name].source_layer is not project.layers[name]:
                self.vb.removeItem(self.layer_items.pop(name))
                self._trees.pop(name, None)
        for z, name in enumerate(project.layers):
            if name not in self.layer_items:
                self.layer_items[name] = self._make_item(name)
                self.vb.addItem(self.layer_items[name])
            self.layer_items[name].setZValue(z)
            self._apply_visibility(name)
        self._update_selection()
        self.update_priority()
        self.update_placements()
        self.viewport().update()

    def _make_item(self, name: str):
        layer = self.doc.project.layer(name)
        style = self.doc.style(name)
        classes = classify(layer.gdf[style.field] if style.field in layer.gdf.columns else None, style)
        geoms = layer.gdf.geometry.to_numpy()
        if len(classes.class_index) != len(geoms):
            classes.class_index = np.zeros(len(geoms), dtype=np.int32)
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
            return
        classes = classify(layer.gdf[style.field] if style.field in layer.gdf.columns else None, style)
        if len(classes.class_index) != len(layer.gdf):
            classes.class_index = np.zeros(len(layer.gdf), dtype=np.int32)
        if isinstance(item, VectorLayerItem) and item.line_width != style.line_width:
            item.set_line_width(style.line_width)
        item.set_classification(classes)
        item.classification = classes
        self._apply_visibility(name)
        self.viewport().update()

    def _apply_visibility(self, name: str) -> None:
        style = self.doc.style(name)
        item = self.layer_items[name]
        item.setVisible(style.visible)
        item.setOpacity(style.opacity)

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
        for tier, item in self.priority_items.items():
            item.set_geometries(zones[rows[valid & (tiers == tier)]])
        # The legend lists the tiers in use: repaint the whole view, not just the zones' area.
        self.viewport().update()

    def update_placements(self) -> None:
        """Redraw the current scenario's placements and the coverage discs of the chosen type."""
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
        self.update_coverage()
        # The legend lists the planned types: without a full repaint it kept the previous scenario's.
        self.viewport().update()

    def update_coverage(self) -> None:
        """Coverage discs (radius of the type) around existing and placed facilities of the chosen type."""
        if not self.coverage_type or self.coverage_type not in self.doc.project.facility_types:
            self.coverage_item.set_geometries(np.empty(0, dtype=object))
            return
        ft = self.doc.project.facility_type(self.coverage_type)
        points = self.doc.project.facilities(ft.name, self.doc.current_scenario).geometry.to_numpy()
        discs = shapely.buffer(shapely.centroid(points), ft.radius_m, quad_segs=16)
        self.coverage_item.set_geometries(
            shapely.get_parts(shapely.union_all(discs)) if len(discs) else discs
        )

    def set_service_areas(self, geoms: np.ndarray) -> None:
        """Show network service areas (computed by the engine) in place of the discs."""
        self.coverage_item.set_geometries(geoms)

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
        if getattr(self, "_fitted_bounds", None) is not None and not getattr(self, "closed", False):
            self.zoom_to_bounds(self._fitted_bounds)

    def zoom_to_bounds(self, bounds) -> None:
        x0, y0, x1, y1 = (float(v) for v in bounds)
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            return
        self._fitted_bounds = (x0, y0, x1, y1)
        pad = max(x1 - x0, y1 - y0, 50.0) * 0.05
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        view_w, view_h = self.vb.width(), self.vb.height()
        legend_w = self._legend_layout(self.viewport().fontMetrics())[2] if self.show_legend else 0.0
        if legend_w and view_w > 2 * (legend_w + 24) and view_h > 0:
            # Fit the extent left of the legend, so the legend covers none of it.
            free_w = view_w - legend_w - 24
            size = max((x1 - x0) / free_w, (y1 - y0) / view_h)
            cy = (y0 + y1) / 2
            xmin = x0 - (free_w * size - (x1 - x0)) / 2
            self.vb.setRange(QRectF(xmin, cy - view_h * size / 2, view_w * size, view_h * size), padding=0)
            return
        self.vb.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)

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
            if self.show_legend:
                self._draw_legend(painter)
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
        label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
        # "0" over the bar's start and the distance centred over its end.
        painter.drawText(QPointF(x0, y0 - 9), "0")
        label_width = painter.fontMetrics().horizontalAdvance(label)
        painter.drawText(QPointF(x0 + max(width_px - label_width / 2, 12.0), y0 - 9), label)
        painter.drawText(QPointF(x0 + width_px + 8, y0 + 2), f"1:{self.scale_denominator():,.0f}")

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

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """(kind, colour, text) rows of the legend: layer headers and class swatches, top layer first."""
        rows: list[tuple[str, str, str]] = []
        project = self.doc.project
        if project.priority:
            rows.append(("header", "", self.tr("Priority zones")))
            rows += [
                (f"hatch{t}", PRIORITY_COLOURS[t], self.tr("Tier {tier}").format(tier=t))
                for t in (1, 2, 3)
                if t in set(project.priority.values())
            ]
        types = {p.type for p in self.doc.scenario.placements}
        if types:
            rows.append(
                ("header", "", self.tr("Planned ({scenario})").format(scenario=self.doc.current_scenario))
            )
            rows += [
                ("point", project.facility_types[t].color, i18n.facility_label(project.facility_types[t]))
                for t in sorted(types)
                if t in project.facility_types
            ]
        for name in reversed(list(project.layers)):
            style = self.doc.style(name)
            if not style.visible:
                continue
            item = self.layer_items.get(name)
            if item is None:
                continue
            kind = item.legend_kind
            if style.kind == "single" or not style.field:
                rows.append((kind, style.colour, name))
                continue
            rows.append(("header", "", f"{name} — {style.field}"))
            classes = item.classification
            shown = list(zip(classes.colours, classes.labels, strict=True))
            for colour, label in shown[:LEGEND_MAX_CLASSES]:
                rows.append((kind, colour, label))
            if len(shown) > LEGEND_MAX_CLASSES:
                rows.append(
                    ("header", "", self.tr("… {count} more").format(count=len(shown) - LEGEND_MAX_CLASSES))
                )
        return rows

    def _legend_layout(self, metrics) -> tuple[list[tuple[str, str, str]], int, float, float]:
        """The legend's rows that fit, its line height, width and height in pixels."""
        rows = self.legend_entries()
        if not rows:
            return [], 0, 0.0, 0.0
        line = metrics.height() + 3
        max_rows = max(1, (self.viewport().height() - 90) // line)
        rows = rows[:max_rows]
        width = min(260, max(metrics.horizontalAdvance(t) for _, _, t in rows) + 40)
        return rows, line, float(width), float(line * len(rows) + 12)

    def _draw_legend(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        rows, line, width, height = self._legend_layout(metrics)
        if not rows:
            return
        x0 = self.viewport().width() - width - 12
        y0 = 12
        painter.setPen(QPen(QColor("#b0b0b0"), 1))
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(QRectF(x0, y0, width, height), 4, 4)
        y = y0 + 6
        for kind, colour, text in rows:
            swatch = QRectF(x0 + 8, y + 3, 18, line - 8)
            if kind == "fill":
                painter.setPen(QPen(QColor(colour).darker(150), 1))
                painter.setBrush(QColor(colour))
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
            elif kind == "point":
                painter.setPen(QPen(QColor("#ffffff"), 1))
                painter.setBrush(QColor(colour))
                painter.drawEllipse(swatch.center(), 6, 6)
            painter.setPen(QColor("#202020"))
            text_x = x0 + 8 if kind == "header" else x0 + 32
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(x0 + width - text_x - 6))
            font = painter.font()
            font.setBold(kind == "header")
            painter.setFont(font)
            painter.drawText(QPointF(text_x, y + line - 6), shown)
            y += line
        font = painter.font()
        font.setBold(False)
        painter.setFont(font)
