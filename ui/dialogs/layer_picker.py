"""The layer picker: each layer of a GIS file with its geometry type, feature count and CRS.

A GeoPackage (or KML, OSM...) may hold many layers; the HCMC file holds 17. Neither the
New-project wizard nor File > Add layer takes them all: the planner ticks the ones wanted
(:class:`LayerPicker` in ``"multi"`` mode, the wizard) or picks one (:class:`LayerPickerDialog`,
Add layer, one layer at a time as the engine's ``AddLayer`` task reads it).

The lists come from :func:`cityplanner.io.list_layers` (``AddLayer.layers_of_file``), which reads
each layer's header, not its features; :func:`list_layers_job` runs it on a worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

# What each geometry type is called in the list (the file's own name is in the tooltip).
GEOMETRY_WORDS = {
    "Point": QT_TRANSLATE_NOOP("LayerPicker", "Points"),
    "MultiPoint": QT_TRANSLATE_NOOP("LayerPicker", "Points"),
    "LineString": QT_TRANSLATE_NOOP("LayerPicker", "Lines"),
    "MultiLineString": QT_TRANSLATE_NOOP("LayerPicker", "Lines"),
    "Polygon": QT_TRANSLATE_NOOP("LayerPicker", "Polygons"),
    "MultiPolygon": QT_TRANSLATE_NOOP("LayerPicker", "Polygons"),
    "None": QT_TRANSLATE_NOOP("LayerPicker", "No geometry (a table)"),
}
COLUMNS = [
    QT_TRANSLATE_NOOP("LayerPicker", "Layer"),
    QT_TRANSLATE_NOOP("LayerPicker", "Geometry"),
    QT_TRANSLATE_NOOP("LayerPicker", "Features"),
    QT_TRANSLATE_NOOP("LayerPicker", "CRS"),
    QT_TRANSLATE_NOOP("LayerPicker", "File"),
]
LAYER_COLUMN, GEOMETRY_COLUMN, COUNT_COLUMN, CRS_COLUMN, FILE_COLUMN = range(5)


@dataclass(frozen=True)
class PickedLayer:
    """One layer of one file: the file, and :class:`cityplanner.io.LayerInfo` of the layer."""

    path: Path
    info: object  # cityplanner.io.LayerInfo
    layers_in_file: int = 1

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def spec(self) -> str:
        """``FILE[:LAYER]`` as the engine reads it (the file alone when it holds one layer)."""
        path = os.fspath(self.path)
        return path if self.layers_in_file == 1 else f"{path}:{self.info.name}"

    @property
    def is_map_layer(self) -> bool:
        return str(self.info.geometry_type) != "None"

    @property
    def dimension(self) -> int | None:
        """0 points, 1 lines, 2 polygons; None for a table or a mix of kinds."""
        kind = str(self.info.geometry_type)
        if kind.startswith("Mixed") or kind == "None":
            return None
        if "Polygon" in kind:
            return 2
        if "Line" in kind:
            return 1
        if "Point" in kind:
            return 0
        return None


def geometry_word(geometry_type: str) -> str:
    """The geometry type as the list shows it ("Polygons"), in the UI language."""
    base = str(geometry_type).replace(" Z", "").replace(" M", "").replace("25D", "").strip()
    if base in GEOMETRY_WORDS:
        return QCoreApplication.translate("LayerPicker", GEOMETRY_WORDS[base])
    if base.startswith("Mixed"):
        return QCoreApplication.translate("LayerPicker", "Mixed") + base[len("Mixed") :]
    return str(geometry_type)


def list_layers_job(path: Path):
    """A worker job listing ``path``'s layers: returns ``(path, [LayerInfo, ...], None)``, or
    ``(path, None, message)`` with the engine's sentence when the file cannot be listed."""

    def job(_progress):
        from cityplanner.errors import CityPlannerError
        from cityplanner.tasks import AddLayer

        try:
            return path, AddLayer(file=path).layers_of_file(), None
        except CityPlannerError as err:
            return path, None, str(err)

    return job


def count_text(count: int) -> str:
    from ..docks.kpis import format_value

    return format_value(float(count), 0)


class LayerPicker(QTableWidget):
    """The layers of one or more files, one row each: name, geometry type, feature count, CRS, file.

    Parameters
    ----------
    mode : {"multi", "single"}
        ``"multi"``: a check box per layer (the wizard); ``"single"``: one row is selected.

    Signals
    -------
    changed()
        A layer was ticked or unticked, or the selection changed.
    """

    changed = Signal()

    def __init__(self, mode: str = "multi", parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("LayerPicker")
        self.mode = mode
        self.entries: list[PickedLayer] = []
        self.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
            if mode == "single"
            else QAbstractItemView.SelectionMode.NoSelection
        )
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(LAYER_COLUMN, QHeaderView.ResizeMode.Stretch)
        for col in (GEOMETRY_COLUMN, COUNT_COLUMN, CRS_COLUMN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FILE_COLUMN, QHeaderView.ResizeMode.Interactive)
        self.setColumnHidden(FILE_COLUMN, True)  # shown once layers of two files are listed
        self.itemChanged.connect(lambda _item: self.changed.emit())
        self.itemSelectionChanged.connect(self.changed.emit)
        self.itemClicked.connect(self._clicked)

    # -- content --------------------------------------------------------------------------------
    def add_file(self, path: Path, infos, checked: bool | None = None) -> list[PickedLayer]:
        """List the layers of ``path`` (``infos`` from ``list_layers``); returns the new entries.

        In ``"multi"`` mode a file of one layer is ticked at once (there is nothing to choose),
        a file of several is not (unless ``checked`` says so). A file listed already is skipped.
        """
        path = Path(path)
        if any(e.path == path for e in self.entries):
            return []
        added = [PickedLayer(path, info, len(infos)) for info in infos]
        self.blockSignals(True)
        for entry in added:
            tick = checked if checked is not None else len(infos) == 1
            self._add_row(entry, tick and entry.is_map_layer)
        self.blockSignals(False)
        self.setColumnHidden(FILE_COLUMN, len({e.path for e in self.entries}) < 2)
        if self.mode == "single" and self.currentRow() < 0:
            first = next((i for i, e in enumerate(self.entries) if e.is_map_layer), None)
            if first is not None:
                self.selectRow(first)
        self.changed.emit()
        return added

    def remove_file(self, path: Path) -> None:
        path = Path(path)
        for row in reversed(range(len(self.entries))):
            if self.entries[row].path == path:
                self.removeRow(row)
                del self.entries[row]
        self.setColumnHidden(FILE_COLUMN, len({e.path for e in self.entries}) < 2)
        self.changed.emit()

    def clear_layers(self) -> None:
        self.setRowCount(0)
        self.entries = []
        self.changed.emit()

    def _add_row(self, entry: PickedLayer, checked: bool) -> None:
        row = self.rowCount()
        self.insertRow(row)
        self.entries.append(entry)
        info = entry.info
        crs = info.crs or self.tr("none: to be chosen")
        cells = [
            info.name,
            geometry_word(info.geometry_type),
            count_text(info.feature_count),
            crs,
            entry.path.name,
        ]
        tip = self.tr("{layer} in {file}: {geometry}, {count} features, CRS {crs}").format(
            layer=info.name,
            file=os.fspath(entry.path),
            geometry=info.geometry_type,
            count=count_text(info.feature_count),
            crs=crs,
        )
        if not entry.is_map_layer:
            tip = self.tr("{layer} is a table without geometry, not a map layer.").format(layer=info.name)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if col == LAYER_COLUMN and self.mode == "multi":
                flags |= Qt.ItemFlag.ItemIsUserCheckable
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            if not entry.is_map_layer:
                flags = Qt.ItemFlag.NoItemFlags
            item.setFlags(flags)
            if col == COUNT_COLUMN:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == CRS_COLUMN and not info.crs:
                item.setForeground(QColor("#b00020"))
            self.setItem(row, col, item)

    # -- choice ---------------------------------------------------------------------------------
    def _clicked(self, item: QTableWidgetItem) -> None:
        """A click anywhere on a row ticks or unticks it (not only on the small check box)."""
        if self.mode != "multi" or item.column() == LAYER_COLUMN:
            return
        box = self.item(item.row(), LAYER_COLUMN)
        if box.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            ticked = box.checkState() == Qt.CheckState.Checked
            box.setCheckState(Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked)

    def row_of(self, name: str, path: Path | None = None) -> int:
        """The row of layer ``name`` (of ``path`` when given); -1 when not listed."""
        for row, entry in enumerate(self.entries):
            if entry.name == name and (path is None or entry.path == Path(path)):
                return row
        return -1

    def set_checked(self, name: str, checked: bool = True, path: Path | None = None) -> None:
        row = self.row_of(name, path)
        if row >= 0:
            self.item(row, LAYER_COLUMN).setCheckState(
                Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
            )

    def checked(self) -> list[PickedLayer]:
        """The ticked layers (``"multi"``), in list order."""
        return [
            entry
            for row, entry in enumerate(self.entries)
            if self.item(row, LAYER_COLUMN).checkState() == Qt.CheckState.Checked
        ]

    def current(self) -> PickedLayer | None:
        """The selected layer (``"single"``)."""
        rows = {index.row() for index in self.selectionModel().selectedRows()}
        if not rows:
            return None
        entry = self.entries[min(rows)]
        return entry if entry.is_map_layer else None


class LayerPickerDialog(QDialog):
    """Choose ONE layer of a multi-layer file (File > Add layer): the list, OK and Cancel."""

    def __init__(self, path: Path, infos, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("LayerPickerDialog")
        self.setWindowTitle(self.tr("Add layer"))
        self.path = Path(path)
        self.picker = LayerPicker("single", self)
        self.picker.add_file(self.path, infos)
        self.picker.setMinimumHeight(200)
        note = QLabel(
            self.tr("{file} holds {count} layers. Choose the one to add (add others one at a time).").format(
                file=self.path.name, count=len(infos)
            )
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add layer"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.picker.changed.connect(self._update)
        self.picker.itemDoubleClicked.connect(lambda _item: self.accept() if self.chosen() else None)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.buttons)
        self.resize(720, min(560, 160 + 28 * len(infos)))
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)

    def chosen(self) -> PickedLayer | None:
        return self.picker.current()
