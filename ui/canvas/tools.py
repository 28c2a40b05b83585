"""Map tools: what a click or drag on the canvas does (pan, identify, select, place).

Identify shows a placed facility before the layers under it; in Place mode a double-click on a
placement opens its properties editor.

A tool returns True from :meth:`MapTool.click` / :meth:`MapTool.drag` when it used the event;
otherwise the view pans (left drag) and zooms (wheel) as usual.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt

from .view import MapCanvas


class MapTool:
    """Base tool: does nothing, so the view pans and zooms."""

    name = "pan"
    cursor = Qt.CursorShape.OpenHandCursor

    def __init__(self, canvas: MapCanvas) -> None:
        self.canvas = canvas

    def click(self, ev) -> bool:
        return False

    def drag(self, ev) -> bool:
        return False

    def hover(self, scene_pos) -> None:
        """Called on every mouse move (scene coordinates)."""


class PanTool(MapTool):
    """Drag to pan, wheel to zoom (the view's own behaviour)."""


class IdentifyTool(MapTool):
    """Click to see what is there: a placed facility first, else the topmost visible layer's feature.

    ``on_identify(layer, row)`` shows a layer feature (the main window selects it too);
    ``on_identify_placement(placement_id, features)`` shows a placement of the current scenario
    with the ``(layer, row)`` feature under it (by default in the Identify dialog).
    """

    name = "identify"
    cursor = Qt.CursorShape.WhatsThisCursor

    def __init__(
        self,
        canvas: MapCanvas,
        on_identify: Callable[[str, int], None],
        on_identify_placement: Callable[[str, list[tuple[str, int]]], None] | None = None,
    ) -> None:
        super().__init__(canvas)
        self.on_identify = on_identify
        self.on_identify_placement = on_identify_placement or self._show_placement

    def _show_placement(self, placement_id: str, features: list[tuple[str, int]]) -> None:
        from ..dialogs.identify import IdentifyDialog

        IdentifyDialog.show_hits(self.canvas.window(), self.canvas.doc, placement_id, features)

    def feature_at(self, xy: tuple[float, float]) -> tuple[str, int] | None:
        """(layer, row) of the topmost visible layer's feature at ``xy``, or None."""
        doc = self.canvas.doc
        for name in reversed(list(doc.project.layers)):
            if not doc.style(name).visible:
                continue
            rows = self.canvas.features_at(name, xy)
            if len(rows):
                return name, int(rows[-1])
        return None

    def click(self, ev) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        xy = self.canvas.to_map(ev.scenePos())
        feature = self.feature_at(xy)
        # Placements are drawn over every layer: the one under the click comes first.
        placement = self.canvas.placement_at(xy)
        if placement is not None:
            self.on_identify_placement(placement, [feature] if feature else [])
        elif feature is not None:
            self.on_identify(*feature)
        return True


class SelectTool(MapTool):
    """Select features of the target layer by click, rectangle or lasso (Shift adds, Ctrl removes).

    Parameters
    ----------
    mode : str
        ``"click"`` (also selects on click in the other modes), ``"rectangle"`` or ``"lasso"``.
    target_layer : callable
        Returns the name of the layer to select in (the active layer of the Layers dock).
    """

    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas, mode: str, target_layer: Callable[[], str | None]) -> None:
        super().__init__(canvas)
        self.mode = mode
        self.name = f"select_{mode}"
        self.target_layer = target_layer
        self._points: list[QPointF] = []

    def _combine(self, name: str, rows: np.ndarray, modifiers) -> None:
        current = self.canvas.doc.selection(name)
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            rows = np.union1d(current, rows)
        elif modifiers & Qt.KeyboardModifier.ControlModifier:
            rows = np.setdiff1d(current, rows)
        self.canvas.doc.set_selection(name, rows)

    def click(self, ev) -> bool:
        name = self.target_layer()
        if ev.button() != Qt.MouseButton.LeftButton or name is None:
            return False
        rows = self.canvas.features_at(name, self.canvas.to_map(ev.scenePos()))
        self._combine(name, rows, ev.modifiers())
        return True

    def drag(self, ev) -> bool:
        name = self.target_layer()
        if self.mode == "click" or name is None:
            return False
        p = self.canvas.vb.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.canvas.vb.mapSceneToView(ev.buttonDownScenePos())
            self._points = [start]
        self._points.append(p)
        if self.mode == "rectangle":
            a, b = self._points[0], p
            outline = [a, QPointF(b.x(), a.y()), b, QPointF(a.x(), b.y())]
        else:
            outline = self._points
        self.canvas.rubber_band.set_points(list(outline))
        if ev.isFinish():
            self.canvas.rubber_band.set_points([])
            self.select_polygon(name, [(q.x(), q.y()) for q in outline], ev.modifiers())
            self._points = []
        return True

    def select_polygon(
        self, name: str, ring: list[tuple[float, float]], modifiers=Qt.KeyboardModifier.NoModifier
    ) -> None:
        """Select the features of ``name`` intersecting the polygon ``ring`` (map coordinates)."""
        if len(ring) < 3:
            return
        area = shapely.make_valid(shapely.Polygon(ring))
        self._combine(name, self.canvas.features_in(name, area), modifiers)


class PlacementDrag:
    """Moving a placement by dragging it: it follows the mouse, and the drop is one undoable move.

    Shared by the Place tool and the workshop's tools. ``placement_at(xy)`` is the placement a
    drag may start on (or None: the drag is not this one's, the view pans); ``redraw()`` shows
    the placement where it is being dragged; ``editor.move_placement`` makes the move.
    """

    def __init__(
        self,
        canvas: MapCanvas,
        editor,
        placement_at: Callable[[tuple[float, float]], str | None],
        redraw: Callable[[], None],
    ) -> None:
        self.canvas = canvas
        self.editor = editor
        self.placement_at = placement_at
        self.redraw = redraw
        self._moving: str | None = None
        self._origin: tuple[float, float] | None = None

    def drag(self, ev) -> bool:
        """Handle one drag event; False when the drag did not start on a placement."""
        if ev.isStart():
            start = self.canvas.to_map(ev.buttonDownScenePos())
            self._moving = self.placement_at(start)
            if self._moving is None:
                return False
            placement = self.canvas.doc.scenario.find(self._moving)
            self._origin = (placement.x, placement.y)
        if self._moving is None:
            return False
        xy = self.canvas.to_map(ev.scenePos())
        placement = self.canvas.doc.scenario.find(self._moving)
        if ev.isFinish():
            # Back where it was, so that the undoable move takes it from there.
            placement.x, placement.y = self._origin
            moving, self._moving = self._moving, None
            self.editor.move_placement(moving, self._origin, xy)
        else:
            placement.x, placement.y = xy
            self.redraw()
        return True


class PlaceTool(MapTool):
    """Place facilities of the palette's type by clicking; drag a placement to move it; right-click deletes.

    The edits themselves are made by ``editor`` (the main window) as undoable commands.
    """

    name = "place"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: MapCanvas, editor) -> None:
        super().__init__(canvas)
        self.editor = editor
        self._drag = PlacementDrag(canvas, editor, canvas.placement_at, self._redraw)

    def _redraw(self) -> None:
        # The placement and its coverage disc follow the mouse.
        self.canvas.update_placements()
        self.canvas.update_coverage()

    def click(self, ev) -> bool:
        xy = self.canvas.to_map(ev.scenePos())
        hit = self.canvas.placement_at(xy)
        if ev.button() == Qt.MouseButton.RightButton:
            if hit is not None:
                self.editor.delete_placement(hit)
            return hit is not None
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        if hit is not None:
            if ev.double():
                self.edit_properties(hit)
            else:
                self.editor.select_placement(hit)
        else:
            self.editor.place_facility(xy)
        return True

    def edit_properties(self, placement_id: str) -> None:
        """Double-click on a placement: its properties editor (name, type, capacity, cost)."""
        from ..dialogs.placement_properties import PlacementPropertiesDialog

        doc = self.canvas.doc
        dialog = PlacementPropertiesDialog(doc, doc.current_scenario, placement_id, self.canvas.window())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def drag(self, ev) -> bool:
        return self._drag.drag(ev)
