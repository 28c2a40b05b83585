"""Both sides of one map: scenario A left of a divider, scenario B right of it (a swipe view).

The layers are the same in every scenario; what differs is the placements and the coverage of the
facility type chosen. Each side draws its scenario's placements and coverage discs in a group
clipped to its half of the view; the divider is a line the facilitator drags (or moves with [ and
]) and stays where it is on the screen while the map pans. With the divider at the right edge the
whole map shows scenario A: the "before" of before/after.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from ..canvas.layer_items import HighlightItem, PassiveScatterItem
from . import theme
from .mapstyle import MapTheme, coverage_discs

# Z above the layers and the canvas's own overlays (which start at 1000).
Z = 2000
# Margin of the clip rectangles beyond the view, in view widths (symbols near the edge stay whole).
MARGIN = 2.0


class ClipGroup(pg.GraphicsObject):
    """An invisible item whose children are drawn only inside :attr:`rect` (view coordinates)."""

    def __init__(self) -> None:
        super().__init__()
        self.rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self.rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.rect)
        return path

    def paint(self, painter, option, widget=None) -> None:
        pass


class Side:
    """One scenario's placements and coverage, clipped to one side of the divider."""

    def __init__(self, canvas) -> None:
        self.group = ClipGroup()
        self.group.setZValue(Z)
        self.coverage = HighlightItem(QPen(QColor(theme.COVERAGE), 2.0), QBrush(QColor(0, 114, 178, 50)))
        self.placements = PassiveScatterItem(pxMode=True)
        for item in (self.coverage, self.placements):
            item.setParentItem(self.group)
        self.scenario = ""
        canvas.vb.addItem(self.group, ignoreBounds=True)

    def show(self, scenario: str, spots: list[dict], discs: np.ndarray) -> None:
        self.scenario = scenario
        self.placements.setData(spots)
        self.coverage.set_geometries(discs)

    def spot_count(self) -> int:
        return len(self.placements.data)


class ScenarioSplit:
    """Scenario ``left`` and ``right`` either side of a divider at ``fraction`` of the view's width.

    Call :meth:`show` to turn it on (or change what it shows), :meth:`hide` to go back to the
    canvas's own drawing of the current scenario, :meth:`refresh` after edits.
    """

    def __init__(self, canvas, map_theme: MapTheme, coverage_type) -> None:
        self.canvas = canvas
        self.theme = map_theme
        self.coverage_type = coverage_type  # callable: the facility type whose coverage is drawn
        self.active = False
        self.fraction = 0.5
        self.divider_shown = True
        self.left_name = self.right_name = ""
        self.sides = [Side(canvas), Side(canvas)]
        self.divider = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=pg.mkPen(theme.INK, width=4),
            hoverPen=pg.mkPen(theme.COVERAGE, width=6),
        )
        self.divider.setZValue(Z + 10)
        self.divider.setCursor(Qt.CursorShape.SplitHCursor)
        self.labels = [
            pg.TextItem(anchor=(1, 0), color=theme.PAPER, fill=pg.mkBrush(theme.INK)),
            pg.TextItem(anchor=(0, 0), color=theme.PAPER, fill=pg.mkBrush(theme.INK)),
        ]
        for label in self.labels:
            label.setZValue(Z + 11)
            canvas.vb.addItem(label, ignoreBounds=True)
        canvas.vb.addItem(self.divider, ignoreBounds=True)
        self._placing = False
        self.divider.sigPositionChanged.connect(self._dragged)
        canvas.vb.sigRangeChanged.connect(self._place)
        canvas.vb.sigResized.connect(self._place)
        self._set_visible(False)

    def set_font_pixels(self, pixels: int) -> None:
        font = QFont()
        font.setPixelSize(pixels)
        font.setBold(True)
        for label in self.labels:
            label.setFont(font)

    def _set_visible(self, on: bool) -> None:
        for side in self.sides:
            side.group.setVisible(on)
        self.divider.setVisible(on and self.divider_shown)
        self.labels[0].setVisible(on)
        self.labels[1].setVisible(on and self.divider_shown)
        # The canvas's drawing of the current scenario gives way to the two sides.
        self.canvas.placement_item.setVisible(not on)
        self.canvas.coverage_item.setVisible(not on)

    def show(self, left: str, right: str, fraction: float = 0.5, divider: bool = True) -> None:
        self.left_name, self.right_name = left, right
        self.fraction = min(max(fraction, 0.0), 1.0)
        self.divider_shown = divider
        self.active = True
        self.refresh()
        self._set_visible(True)
        self._place()

    def hide(self) -> None:
        self.active = False
        self._set_visible(False)

    def refresh(self, *_args) -> None:
        """Redraw both sides from the project (after an edit, a scenario or type change)."""
        if not self.active:
            return
        project = self.canvas.doc.project
        type_name = self.coverage_type()
        for side, name in zip(self.sides, (self.left_name, self.right_name), strict=True):
            if name not in project.scenarios:
                side.show(name, [], np.empty(0, dtype=object))
                continue
            side.show(name, self.theme.spots(name), coverage_discs(project, type_name, name))
        if self.divider_shown:
            self.labels[0].setText(f"◀ {self.left_name}")
            self.labels[1].setText(f"{self.right_name} ▶")
        else:
            before = QCoreApplication.translate("Workshop", "BEFORE: {scenario}")
            self.labels[0].setText(before.format(scenario=self.left_name))

    def move(self, step: float) -> None:
        """Move the divider by ``step`` of the view's width ([ and ] keys)."""
        if self.active and self.divider_shown:
            self.fraction = min(max(self.fraction + step, 0.02), 0.98)
            self._place()

    def divider_x(self) -> float:
        rect = self.canvas.vb.viewRect()
        return rect.left() + self.fraction * rect.width()

    def side_of(self, x: float) -> int:
        """0 when map x is left of the divider, 1 right of it."""
        return 0 if x < self.divider_x() else 1

    def _dragged(self) -> None:
        if self._placing or not self.active:
            return
        rect = self.canvas.vb.viewRect()
        if rect.width() > 0:
            self.fraction = min(max((self.divider.value() - rect.left()) / rect.width(), 0.02), 0.98)
            self._place()

    def _place(self, *_args) -> None:
        """Clip rectangles, divider and labels where the fraction puts them in the current view."""
        if not self.active:
            return
        rect = self.canvas.vb.viewRect()
        if rect.width() <= 0 or rect.height() <= 0:
            return
        x = self.divider_x()
        margin_x, margin_y = MARGIN * rect.width(), MARGIN * rect.height()
        top, height = rect.top() - margin_y, rect.height() + 2 * margin_y
        self.sides[0].group.set_rect(QRectF(rect.left() - margin_x, top, x - rect.left() + margin_x, height))
        self.sides[1].group.set_rect(QRectF(x, top, rect.right() + margin_x - x, height))
        self._placing = True
        self.divider.setValue(x)
        self._placing = False
        pixel = self.canvas.pixel_size()
        y = rect.bottom() - 8 * pixel  # the view's y grows upwards: bottom() is the top edge
        if self.divider_shown:
            self.labels[0].setAnchor((1, 0))
            self.labels[0].setPos(x - 10 * pixel, y)
            self.labels[1].setPos(x + 10 * pixel, y)
        else:
            # Right of the north arrow.
            self.labels[0].setAnchor((0, 0))
            self.labels[0].setPos(rect.left() + 70 * pixel, y)
