"""The presentation's map tools: place, move and delete facilities with single clicks and drags.

Every edit goes through the main window's editor API (``place_facility``, ``move_placement``,
``delete_placement``), the same undoable scenario edits as the Place facility tool. A drag that
does not start on a facility pans the map, and the wheel zooms, in every mode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from ..canvas.tools import MapTool, PlacementDrag

PLACE, MOVE, DELETE = "place", "move", "delete"
CURSORS = {
    PLACE: Qt.CursorShape.CrossCursor,
    MOVE: Qt.CursorShape.OpenHandCursor,
    DELETE: Qt.CursorShape.PointingHandCursor,
}


class WorkshopTool(MapTool):
    """One tool, three modes.

    place : a click places a facility of the chosen type (a click on one selects it); drag one to
        move it; a right click deletes it.
    move : drag a facility to move it; a click selects it.
    delete : a click on a facility deletes it.

    ``controller`` (the presentation mode) says where edits may go (``editable_at``: not on the
    baseline's side of the split view), which placement is under the mouse (``placement_at``: none
    of the plan's while the map shows the baseline), shows the plan again before a placement
    (``before_edit``) and redraws the placements while one is dragged (``redraw_placements``).
    """

    def __init__(self, canvas, editor, controller, mode: str = MOVE) -> None:
        super().__init__(canvas)
        self.editor = editor
        self.controller = controller
        self.mode = mode
        self._drag = PlacementDrag(canvas, editor, controller.placement_at, controller.redraw_placements)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"workshop_{self.mode}"

    @property
    def cursor(self):  # type: ignore[override]
        return CURSORS[self.mode]

    def click(self, ev) -> bool:
        xy = self.canvas.to_map(ev.scenePos())
        button = ev.button()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return False
        if not self.controller.editable_at(xy):
            return True
        hit = self.controller.placement_at(xy)
        if button == Qt.MouseButton.RightButton or self.mode == DELETE:
            if hit is not None:
                self.editor.delete_placement(hit)
            return hit is not None or self.mode == DELETE
        if hit is not None:
            self.editor.select_placement(hit)
        elif self.mode == PLACE:
            self.controller.before_edit()
            self.editor.place_facility(xy)
        return True

    def drag(self, ev) -> bool:
        if self.mode == DELETE:
            return False
        return self._drag.drag(ev)
