"""Attribute table dock: sortable, filterable, with the selection kept in step with the map."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
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

# Rows of features selected on the map: the map's selection blue, lightened.
SELECTED_ROW = QColor(0, 183, 255, 70)


class FrameModel(QAbstractTableModel):
    """Read-only table over a layer's attributes (geometry left out), sorted and filtered in numpy.

    ``order`` maps table rows to feature rows. Sorting (``np.argsort``) and filtering (pandas string
    matching) work on whole columns: a QSortFilterProxyModel would call back into Python for every
    row, which takes minutes on a layer of 500,000 buildings. Nothing is read up front: a column
    becomes a numpy array when a cell of it is first shown, sorted or searched, and a cell is
    formatted only when the view asks for it (the rows on screen).
    """

    def __init__(self, frame: pd.DataFrame, source: object = None) -> None:
        super().__init__()
        self.frame = frame
        self.source = source  # what the frame was read from (the dock: the layer's GeoDataFrame)
        self._columns: dict[int, np.ndarray] = {}  # column -> its values, read on first use
        self._text: dict[int, np.ndarray] = {}  # lower-case text per column, built when filtering
        self._sorted = np.arange(len(frame))  # feature rows in the current sort order
        self._shown = np.ones(len(frame), dtype=bool)  # per feature: passes the filters
        self.selected = np.zeros(len(frame), dtype=bool)  # per feature: selected on the map
        self.order = self._sorted

    # -- Qt model interface ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.order)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.frame.columns)

    def column(self, column: int) -> np.ndarray:
        """The values of one column (read from the frame the first time)."""
        if column not in self._columns:
            self._columns[column] = self.frame.iloc[:, column].to_numpy()
        return self._columns[column]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        value = self.column(index.column())[self.order[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
                return ""
            if isinstance(value, float | np.floating):
                return f"{value:,.6g}"
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float | np.number):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.selected[self.order[index.row()]]:
            return SELECTED_ROW
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.frame.columns[section])
        return str(int(self.order[section]) + 1)  # the feature's number, whatever the sort

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Stable sort on one column; numbers numerically, text case-insensitively, gaps last."""
        if not 0 <= column < self.columnCount():
            return
        values = pd.Series(self.column(column))
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        numbers = values if numeric else pd.to_numeric(values, errors="coerce")
        # Text holding only numbers (codes read as strings) sorts as numbers: "9" before "10".
        if numbers.notna().sum() >= values.notna().sum() and values.notna().any():
            key = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            key = values.astype("string").str.lower().to_numpy(dtype=object, na_value=None)
        missing = pd.isna(key)
        present = np.flatnonzero(~missing)
        ranked = present[np.argsort(key[present], kind="stable")]
        if order == Qt.SortOrder.DescendingOrder:
            ranked = ranked[::-1]
        self.beginResetModel()
        self._sorted = np.concatenate([ranked, np.flatnonzero(missing)])
        self.order = self._sorted[self._shown[self._sorted]]
        self.endResetModel()

    # -- filtering ------------------------------------------------------------------------------
    def matching(self, text: str) -> np.ndarray:
        """Per feature: some attribute contains ``text`` (case-insensitive)."""
        found = np.zeros(len(self.frame), dtype=bool)
        needle = text.lower()
        for column in range(self.columnCount()):
            if column not in self._text:
                self._text[column] = (
                    pd.Series(self.column(column)).astype("string").str.lower().fillna("").to_numpy()
                )
            found |= pd.Series(self._text[column]).str.contains(needle, regex=False).to_numpy(dtype=bool)
        return found

    def set_shown(self, shown: np.ndarray) -> None:
        """Show only the features where ``shown`` is True, in the current sort order."""
        self.beginResetModel()
        self._shown = np.asarray(shown, dtype=bool)
        self.order = self._sorted[self._shown[self._sorted]]
        self.endResetModel()

    def set_selected(self, features: np.ndarray) -> None:
        """Highlight the rows of these features (the map's selection)."""
        self.selected = np.zeros(len(self.frame), dtype=bool)
        self.selected[np.asarray(features, dtype=np.int64)] = True
        if len(self.order):
            last = self.index(len(self.order) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.BackgroundRole])

    def rows_of(self, features: np.ndarray) -> np.ndarray:
        """Table rows (ascending) of the given feature rows; features not shown are left out."""
        position = np.full(len(self.frame), -1, dtype=np.int64)
        position[self.order] = np.arange(len(self.order))
        rows = position[np.asarray(features, dtype=np.int64)]
        return np.sort(rows[rows >= 0])


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
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.model: FrameModel | None = None
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
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
        chosen = (
            current if current in names else (self.doc.project.zones_layer or (names[0] if names else ""))
        )
        if chosen:
            self.layer_combo.setCurrentText(chosen)
        self.layer_combo.blockSignals(False)
        self.show_layer(chosen)

    def show_layer(self, name: str) -> None:
        if not name or name not in self.doc.project.layers:
            self._set_model(None)
            return
        gdf = self.doc.project.layers[name].gdf
        if self.model is not None and self.model.source is gdf:
            return  # the table shows it already (another layer was added or removed)
        self._set_model(FrameModel(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), source=gdf))
        self.model.set_selected(self.doc.selection(name))
        if self.layer_combo.currentText() != name:
            self.layer_combo.setCurrentText(name)
        self._apply_filter()

    def _set_model(self, model: FrameModel | None) -> None:
        self.model = model
        self.table.setModel(model)
        # Sorting is the model's own (numpy): a header click goes straight to model.sort. A new
        # table starts in feature order (no sort indicator; enabling sorting sorts by it at once).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(model is not None)
        if model is not None:
            self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

    def _apply_filter(self) -> None:
        if self.model is None:
            self.count_label.setText("")
            return
        total = len(self.model.frame)
        text = self.filter.text()
        shown = self.model.matching(text) if text else np.ones(total, dtype=bool)
        if self.selected_only.isChecked() and self.layer_name:
            shown &= self.model.selected
        self.model.set_shown(shown)
        self.count_label.setText(
            self.tr("{shown} of {total}").format(shown=f"{self.model.rowCount():,}", total=f"{total:,}")
        )

    def selected_features(self) -> np.ndarray:
        """Feature rows the table shows as selected (the map's selection), ascending."""
        if self.model is None:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.model.selected)

    def _table_selection_changed(self, *_args) -> None:
        """Rows picked in the table become the map's selection."""
        if self._syncing or not self.layer_name or self.model is None:
            return
        spans = [np.arange(r.top(), r.bottom() + 1) for r in self.table.selectionModel().selection()]
        rows = np.unique(np.concatenate(spans)) if spans else np.empty(0, dtype=np.int64)
        features = np.sort(self.model.order[rows])
        self.model.set_selected(features)
        self._syncing = True
        self.doc.set_selection(self.layer_name, features.tolist())
        self._syncing = False

    def _map_selection_changed(self, name: str) -> None:
        """The map's selection, highlighted in the table.

        Highlighted by the model, not mirrored in Qt's selection model: selecting 70,000 scattered
        rows there took 16 s (Qt merges the ranges one by one).
        """
        if self._syncing or name != self.layer_name or self.model is None:
            return
        self._syncing = True
        self.table.clearSelection()
        self._syncing = False
        features = self.doc.selection(name)
        self.model.set_selected(features)
        if self.selected_only.isChecked():
            self._apply_filter()
        rows = self.model.rows_of(features)
        if len(rows):
            self.table.scrollTo(self.model.index(int(rows[0]), 0), QAbstractItemView.ScrollHint.PositionAtTop)
