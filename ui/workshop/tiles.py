"""Large KPI tiles for the room: value, target, change from the baseline and status (mark and word).

The numbers are the KPI dock's: the tiles show the :class:`~cityplanner.kpi.KpiResult` list the
dock's one Evaluator produced for the current scenario (each result carries the baseline's value
too), so "before", "after" and the split view need no evaluation of their own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cityplanner.kpi import kpi_status
from cityplanner.kpi_status import STATUS_MARKS

from .. import i18n
from ..docks.kpis import decimals_for, format_change, format_value
from . import theme

# What a tile shows: the current scenario's value, the baseline's, or both (the split view).
AFTER, BEFORE, SPLIT = "after", "before", "split"
# In the split view each value starts with the side of the map it belongs to.
SIDE_MARKS = ("◀", "▶")


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def value_text(value: float | None, status: str, decimals: int, unit: str, side: str = "") -> str:
    """'✓ 92.0 %' (the mark says the status without its colour); '◀ ✗ 69.5 %' in the split view."""
    shown = format_value(value, decimals, "%" if unit == "%" else "")
    return f"{side} {STATUS_MARKS.get(status, '')} {shown}".strip()


class KpiTile(QFrame):
    """One KPI: its name, the value in large type (two in the split view), status, target, change."""

    def __init__(self, kpi_id: str, parent=None) -> None:
        super().__init__(parent)
        self.kpi_id = kpi_id
        self.setObjectName("KpiTile")
        self.result = None
        self.mode = AFTER
        self.name_label = QLabel(kpi_id)
        self.name_label.setWordWrap(True)
        self.values = [QLabel(), QLabel()]
        for label in self.values:
            label.setObjectName("TileValue")
        self.unit_label = QLabel()
        self.unit_label.setWordWrap(True)
        self.badge = QLabel()
        self.badge.setObjectName("TileStatus")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.detail, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.addWidget(self.name_label)
        # The unit (when not %) in small type after the first value, so it costs no line of its own.
        first = QHBoxLayout()
        first.setSpacing(8)
        first.addWidget(self.values[0])
        first.addWidget(self.unit_label, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(first)
        layout.addWidget(self.values[1])
        layout.addLayout(bottom)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.set_sizes(theme.RoomSizes(1.0))
        self.show_result(None)

    def set_sizes(self, sizes: theme.RoomSizes) -> None:
        self.sizes = sizes
        self.name_label.setFont(_font(sizes.name, bold=True))
        self.unit_label.setFont(_font(sizes.detail))
        self.detail.setFont(_font(sizes.detail))
        self.badge.setFont(_font(sizes.detail, bold=True))
        for value in self.values:
            value.setFont(_font(sizes.value, bold=True))
        self.layout().setContentsMargins(sizes.px(14), sizes.px(6), sizes.px(10), sizes.px(8))

    def show_result(self, result, mode: str = AFTER, busy: bool = False) -> None:
        """Show ``result`` (a KpiResult of the current scenario) as ``mode``; grey while ``busy``."""
        self.result, self.mode = result, mode
        if result is None:
            self.values[0].setText("…")
            self.values[1].hide()
            self.unit_label.hide()
            self.badge.hide()
            self.detail.setText(self.tr("computing…"))
            self._colour("n/a", busy=True)
            return
        decimals = decimals_for(result)
        baseline_status = kpi_status(result.baseline_value, result.target, result.direction)
        if mode == SPLIT:
            sides = [(result.baseline_value, baseline_status), (result.value, result.status)]
        elif mode == BEFORE:
            sides = [(result.baseline_value, baseline_status)]
        else:
            sides = [(result.value, result.status)]
        self.name_label.setText(i18n.kpi_name(result))
        for row, label in enumerate(self.values):
            label.setVisible(row < len(sides))
            if row < len(sides):
                side = SIDE_MARKS[row] if mode == SPLIT else ""
                label.setText(value_text(*sides[row], decimals, result.unit, side))
        self.unit_label.setText("" if result.unit == "%" else i18n.unit_label(result.unit))
        self.unit_label.setVisible(result.unit != "%")
        status = sides[-1][1]
        self.badge.setText(f"{STATUS_MARKS.get(status, '')} {theme.status_word(status)}".strip())
        self.badge.show()
        parts = [
            self.tr("target {target}").format(
                target=format_value(result.target, decimals, "%" if result.unit == "%" else "")
            )
        ]
        if mode == BEFORE:
            parts.append(self.tr("before the plan"))
        elif mode == AFTER and result.change is not None:
            parts.append(self.tr("change {change}").format(change=format_change(result.change, decimals)))
        # (The split view's two values show the change; a KPI without a baseline value has none.)
        self.detail.setText(" · ".join(parts))
        self._colour(status, busy)

    def _colour(self, status: str, busy: bool) -> None:
        """Edge and badge in the status colour; the values grey while the KPIs are recomputed."""
        colour = theme.STATUS_COLOURS.get(status, theme.STATUS_COLOURS["n/a"])
        ink = "#8a8a8a" if busy else theme.INK
        border, radius, pad = self.sizes.px(10), self.sizes.px(4), self.sizes.px(3)
        self.setStyleSheet(
            f"QFrame#KpiTile {{ background: {theme.PAPER}; border-left: {border}px solid {colour};"
            f" border-radius: {radius}px; }}"
            f" QLabel {{ color: {theme.INK}; background: transparent; }}"
            f" QLabel#TileValue {{ color: {ink}; }}"
            f" QLabel#TileStatus {{ background: {colour}; color: {theme.STATUS_TEXT_COLOURS.get(status)};"
            f" border-radius: {radius}px; padding: {pad}px {2 * pad}px; }}"
        )

    def text(self) -> str:
        """Everything the tile says, one line per label (tests, screen readers)."""
        labels = [self.name_label, *self.values, self.unit_label, self.badge, self.detail]
        return "\n".join(lbl.text() for lbl in labels if not lbl.isHidden() and lbl.text())


class KpiTiles(QWidget):
    """The chosen KPIs' tiles, in a column that scrolls when there are more than fit.

    Call :meth:`set_results` with each evaluation, :meth:`set_busy` while one runs, and
    :meth:`set_mode` for before / after / split.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiTiles")
        self.kpi_ids: list[str] = []
        self.results: dict[str, object] = {}
        self.tiles: dict[str, KpiTile] = {}
        self.mode = AFTER
        self.busy = False
        self.sizes = theme.RoomSizes(1.0)
        self.column = QWidget()
        self.column.setObjectName("TileColumn")
        self.column_layout = QVBoxLayout(self.column)
        self.column_layout.setContentsMargins(0, 0, 0, 0)
        self.column_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.column)
        self.scroll.setStyleSheet("QScrollArea, QWidget#TileColumn { background: transparent; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    def set_sizes(self, sizes: theme.RoomSizes) -> None:
        self.sizes = sizes
        self.column_layout.setSpacing(sizes.px(8))
        for tile in self.tiles.values():
            tile.set_sizes(sizes)
        self._refresh()

    def set_kpis(self, kpi_ids: list[str]) -> None:
        """Show tiles for these KPIs, in this order."""
        self.kpi_ids = list(kpi_ids)
        for kpi_id in list(self.tiles):
            if kpi_id not in self.kpi_ids:
                tile = self.tiles.pop(kpi_id)
                tile.hide()
                tile.deleteLater()
        for i, kpi_id in enumerate(self.kpi_ids):
            tile = self.tiles.get(kpi_id)
            if tile is None:
                tile = self.tiles[kpi_id] = KpiTile(kpi_id)
                tile.set_sizes(self.sizes)
            self.column_layout.insertWidget(i, tile)
        self._refresh()

    def set_results(self, results: list) -> None:
        self.results = {r.id: r for r in results}
        self.busy = False
        self._refresh()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._refresh()

    def _refresh(self) -> None:
        for kpi_id, tile in self.tiles.items():
            tile.show_result(self.results.get(kpi_id), self.mode, self.busy)
