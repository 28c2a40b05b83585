"""The presentation's legend, sized for the room: the symbols on the map and what they are.

Laid out as a strip under the map (entries side by side, wrapping onto more lines) or as a column
on the side panel (one entry a line). Long names wrap rather than being cut off.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..canvas.symbols import lettered_disc
from . import theme

# Entry kinds: a heading, a planned facility (large outlined disc), an existing one (small disc),
# a coverage area, a priority tier (hatched square).
HEADER, PLANNED, EXISTING, AREA, HATCH = "header", "planned", "existing", "area", "hatch"


class RoomLegend(QWidget):
    """Entries of (kind, colour, letter or hatch, text), drawn large.

    ``flow`` True lays the entries side by side (the strip under the map), False one a line.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("RoomLegend")
        self.rows: list[tuple[str, str, object, str]] = []
        self.sizes = theme.RoomSizes(1.0)
        self.flow = False
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_sizes(self, sizes: theme.RoomSizes) -> None:
        self.sizes = sizes
        self.updateGeometry()
        self.update()

    def set_flow(self, flow: bool) -> None:
        self.flow = flow
        self.updateGeometry()
        self.update()

    def set_rows(self, rows: list[tuple[str, str, object, str]]) -> None:
        self.rows = list(rows)
        self.updateGeometry()
        self.update()

    def texts(self) -> list[str]:
        return [text for *_, text in self.rows]

    # -- layout -----------------------------------------------------------------------------------
    def _font(self, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(self.sizes.legend)
        font.setBold(bold)
        return font

    def _line(self) -> int:
        return round(self.sizes.legend * 1.5)

    def _swatch(self) -> float:
        return self.sizes.legend * 1.25

    def _layout(self, width: int) -> list[tuple[QRectF, QRectF, tuple]]:
        """(swatch box, text box, entry) for each entry, laid out in ``width`` pixels."""
        pad, gap = self.sizes.px(8), self.sizes.px(8)
        line, swatch = self._line(), self._swatch()
        room = max(width - 2 * pad, 40)
        boxes = []
        x, y, row_height = pad, pad, 0
        for entry in self.rows:
            kind, _colour, _mark, text = entry
            metrics = QFontMetrics(self._font(bold=kind == HEADER))
            lead = 0.0 if kind == HEADER else swatch + gap
            natural = lead + metrics.horizontalAdvance(text) + 2
            if self.flow and x > pad and x + natural > pad + room:
                x, y, row_height = pad, y + row_height + self.sizes.px(2), 0
            available = room - (x - pad)
            text_width = min(natural - lead, available - lead)
            box = metrics.boundingRect(
                QRect(0, 0, max(int(text_width), 20), 10_000), Qt.TextFlag.TextWordWrap, text
            )
            height = max(line, box.height() + self.sizes.px(4))
            boxes.append(
                (
                    QRectF(x, y + (line - swatch) / 2, swatch, swatch),
                    QRectF(x + lead, y, text_width, height),
                    entry,
                )
            )
            if self.flow:
                x += natural + self.sizes.px(22)
                row_height = max(row_height, height)
            else:
                y += height
        if self.flow and self.rows:
            y += row_height
        return boxes if self.rows else []

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        boxes = self._layout(width)
        if not boxes:
            return 0
        return int(max(text.bottom() for _s, text, _e in boxes) + self.sizes.px(8))

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 50 else self.sizes.panel_width
        return QSize(self.sizes.panel_width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(self.width())
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)
            self.updateGeometry()

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        if not self.rows:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pad = self.sizes.px(8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.PAPER))
        painter.drawRoundedRect(QRectF(self.rect()), pad, pad)
        for swatch, text_box, (kind, colour, mark, text) in self._layout(self.width()):
            centre = swatch.center()
            if kind in (PLANNED, EXISTING):
                size = swatch.width() if kind == PLANNED else swatch.width() * 0.7
                painter.save()
                painter.translate(centre)
                painter.scale(size, size)
                painter.setPen(QPen(QColor(theme.INK), 2.0 / size))
                painter.setBrush(QColor(colour))
                painter.drawPath(lettered_disc(str(mark)))
                painter.restore()
            elif kind == AREA:
                painter.setPen(QPen(QColor(colour), 2))
                fill = QColor(colour)
                fill.setAlpha(70)
                painter.setBrush(fill)
                painter.drawEllipse(centre, swatch.width() / 2, swatch.height() / 2.6)
            elif kind == HATCH:
                painter.setPen(QPen(QColor(colour), 2))
                painter.setBrush(QBrush(QColor(colour), mark))
                painter.drawRect(swatch.adjusted(0, swatch.height() / 6, 0, -swatch.height() / 6))
            painter.setFont(self._font(bold=kind == HEADER))
            painter.setPen(QColor(theme.INK))
            painter.drawText(
                text_box.adjusted(0, (self._line() - painter.fontMetrics().height()) / 2, 0, 0),
                Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                text,
            )
        painter.end()
