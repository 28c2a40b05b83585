"""Attribute table dock: sortable, filterable, with the selection kept in step with the map."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..document import ProjectDocument

SORT_ROLE = Qt.ItemDataRole.UserRole


class FrameModel(QAbstractTableModel):
    """Read-only table over a layer's attributes (geometry left out); row i is feature i."""

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__()
        self.frame = frame
        self._columns = [frame[c].to_numpy() for c in frame.columns]

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.frame)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.frame.columns)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        value = self._columns[index.column()][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
                return ""
            if isinstance(value, float | np.floating):
                return f"{value:,.6g}"
            return str(value)
        if role == SORT_ROLE:
            if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
                return float(value) if np.isfinite(value) else float("-inf")
            return "" if value is None or value is pd.NA else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float | np.number):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.frame.columns[section])
        return str(section + 1)


class AttributesDock(QDockWidget):
    """Attribute table of one layer; selecting rows selects the features on the map and back."""

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Attributes"), parent)
        self.setObjectName("AttributesDock")
        self.doc: ProjectDocument | None = None
        self.layer_combo = QComboBox()
        self.layer_combo.currentTextChanged.connect(self.show_layer)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter rows…"))
        self.filter.setClearButtonEnabled(True)
        self.selected_only = QPushButton(self.tr("Selected only"))
        self.selected_only.setCheckable(True)
        self.selected_only.toggled.connect(lambda _on: self._apply_filter())
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table.setModel(self.proxy)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        top = QHBoxLayout()
        top.addWidget(self.layer_combo, 1)
        top.addWidget(self.filter, 2)
        top.addWidget(self.selected_only)
        top.addWidget(self.count_label)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.setWidget(body)
        self._syncing = False

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        doc.layers_changed.connect(self.refresh_layers)
        doc.selection_changed.connect(self._map_selection_changed)
        self.refresh_layers()

    @property
    def layer_name(self) -> str:
        return self.layer_combo.currentText()

    def refresh_layers(self) -> None:
        current = self.layer_name
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        names = list(reversed(list(self.doc.project.layers)))
        self.layer_combo.addItems(names)
        self.layer_combo.blockSignals(False)
        chosen = (
            current if current in names else (self.doc.project.zones_layer or (names[0] if names else ""))
        )
        if chosen:
            self.layer_combo.setCurrentText(chosen)
        self.show_layer(chosen)

    def show_layer(self, name: str) -> None:
        if not name or name not in self.doc.project.layers:
            self.proxy.setSourceModel(None)
            return
        gdf = self.doc.project.layers[name].gdf
        self.proxy.setSourceModel(FrameModel(pd.DataFrame(gdf.drop(columns=gdf.geometry.name))))
        if self.layer_combo.currentText() != name:
            self.layer_combo.setCurrentText(name)
        self._apply_filter()
        self._map_selection_changed(name)

    def _apply_filter(self) -> None:
        text = self.filter.text()
        self.proxy.setFilterFixedString(text)
        if self.selected_only.isChecked() and self.layer_name:
            rows = set(self.doc.selection(self.layer_name).tolist())
            for source_row in range(self.proxy.sourceModel().rowCount() if self.proxy.sourceModel() else 0):
                hide = source_row not in rows
                self.table.setRowHidden(
                    self.proxy.mapFromSource(self.proxy.sourceModel().index(source_row, 0)).row(), hide
                )
        else:
            for row in range(self.proxy.rowCount()):
                self.table.setRowHidden(row, False)
        total = self.proxy.sourceModel().rowCount() if self.proxy.sourceModel() else 0
        self.count_label.setText(
            self.tr("{shown} of {total}").format(shown=f"{self.proxy.rowCount():,}", total=f"{total:,}")
        )

    def _table_selection_changed(self, *_args) -> None:
        if self._syncing or not self.layer_name:
            return
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        self._syncing = True
        self.doc.set_selection(self.layer_name, sorted(rows))
        self._syncing = False

    def _map_selection_changed(self, name: str) -> None:
        if self._syncing or name != self.layer_name or self.proxy.sourceModel() is None:
            return
        self._syncing = True
        source = self.proxy.sourceModel()
        selection = QItemSelection()
        for row in self.doc.selection(name).tolist():
            index = self.proxy.mapFromSource(source.index(int(row), 0))
            if index.isValid():
                selection.select(index, index)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        if not selection.isEmpty():
            self.table.scrollTo(selection.indexes()[0])
        self._syncing = False
        if self.selected_only.isChecked():
            self._apply_filter()
