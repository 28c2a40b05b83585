"""Facility palette: the project's facility types (editable) and placement options."""

from __future__ import annotations

import copy

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import commands, i18n
from ..canvas.symbols import letter_for, lettered_disc
from ..document import ProjectDocument
from . import fit_sections

COLUMNS = [
    QT_TRANSLATE_NOOP("PaletteDock", "Type"),
    QT_TRANSLATE_NOOP("PaletteDock", "Radius (m)"),
    QT_TRANSLATE_NOOP("PaletteDock", "Capacity"),
    QT_TRANSLATE_NOOP("PaletteDock", "Unit cost"),
]
NUMERIC = {1: "radius_m", 2: "capacity", 3: "unit_cost"}


def _number(value: float) -> str:
    """A setting in the UI language's number format (``2,500`` / ``2.500``, ``4.8`` / ``4,8``)."""
    return i18n.format_plain(value)


def facility_icon(colour: str, icon: str, label: str, size: int = 18) -> QIcon:
    """The map symbol of a facility type as an icon (same glyph as on the canvas)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(size / 2, size / 2)
    painter.scale(size - 2, size - 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(colour)))
    painter.drawPath(lettered_disc(letter_for(icon, label)))
    painter.end()
    return QIcon(pixmap)


class PaletteDock(QDockWidget):
    """Pick the facility type to place; edit its radius, capacity, cost (double-click the icon for colour).

    Signals
    -------
    type_changed(name), coverage_changed(), snap_changed(bool)
    """

    type_changed = Signal(str)
    coverage_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Facilities"), parent)
        self.setObjectName("PaletteDock")
        self.doc: ProjectDocument | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # Long type names wrap instead of being cut with '…' on small screens.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        fit_sections(self.table)
        self.table.itemChanged.connect(self._edited)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.show_coverage = QCheckBox(self.tr("Show coverage"))
        self.show_coverage.setChecked(True)
        self.coverage_mode = QComboBox()
        self.coverage_mode.addItems([self.tr("Radius discs"), self.tr("Network service areas")])
        self.snap = QCheckBox(self.tr("Snap to streets"))
        for signal in (self.show_coverage.toggled, self.coverage_mode.currentIndexChanged):
            signal.connect(lambda *_: self.coverage_changed.emit())
        options = QHBoxLayout()
        options.addWidget(self.show_coverage)
        options.addWidget(self.coverage_mode, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(options)
        layout.addWidget(self.snap)
        self.setWidget(body)
        self._filling = False

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        doc.facility_types_changed.connect(self.refresh)
        self.refresh()

    @property
    def current_type(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def set_current_type(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == name:
                self.table.selectRow(row)

    @property
    def network_areas(self) -> bool:
        return self.coverage_mode.currentIndex() == 1

    def refresh(self) -> None:
        current = self.current_type
        self._filling = True
        types = list(self.doc.project.facility_types.values())
        fit_sections(self.table, False)
        self.table.setRowCount(len(types))
        for row, ft in enumerate(types):
            name_item = QTableWidgetItem(facility_icon(ft.color, ft.icon, ft.label), i18n.facility_label(ft))
            name_item.setToolTip(
                self.tr(
                    "{type}: existing facilities from layer {layer}; double-click to change its colour"
                ).format(type=ft.name, layer=ft.layer or self.tr("(none)"))
            )
            name_item.setFlags(name_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            cells = [name_item] + [QTableWidgetItem(_number(getattr(ft, attr))) for attr in NUMERIC.values()]
            for col, item in enumerate(cells):
                item.setData(Qt.ItemDataRole.UserRole, ft.name)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        fit_sections(self.table)
        self._filling = False
        if current in self.doc.project.facility_types:
            self.set_current_type(current)
        elif types:
            self.table.selectRow(0)

    def _selected(self) -> None:
        if self.current_type:
            self.type_changed.emit(self.current_type)

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        ft = copy.copy(self.doc.project.facility_type(item.data(Qt.ItemDataRole.UserRole)))
        col = item.column()
        try:
            value = i18n.parse_number(item.text())
        except ValueError:
            value = -1.0
        if value < 0:
            self._filling = True
            item.setText(_number(getattr(ft, NUMERIC[col])))
            self._filling = False
            return
        setattr(ft, NUMERIC[col], value)
        self.edit_type(ft)

    def edit_type(self, ft) -> None:
        """Apply new settings of a facility type as an undoable edit."""
        self.doc.undo_stack.push(commands.EditFacilityType(self.doc, ft))

    def _double_clicked(self, row: int, col: int) -> None:
        if col != 0:
            return
        ft = copy.copy(self.doc.project.facility_type(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)))
        colour = QColorDialog.getColor(
            QColor(ft.color), self, self.tr("Colour of {facility}").format(facility=i18n.facility_label(ft))
        )
        if colour.isValid():
            ft.color = colour.name()
            self.edit_type(ft)
