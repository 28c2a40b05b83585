"""Layers dock: visibility, drawing order (drag to reorder), opacity, display name, remove, style.

Layers are listed under their display names (:meth:`ui.document.ProjectDocument.display_name`:
the facility type's label for a layer of existing facilities, a role's name, or the planner's
own); renaming one here changes its display name, as one undoable step, and the legend follows.
The layer's own name (the project's and the command line's) shows in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from .. import commands, i18n
from ..dialogs.errors import show_error
from ..document import ProjectDocument
from ..styles import LayerStyle, palette_colours

NAME_ROLE = Qt.ItemDataRole.UserRole


def swatch(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def style_swatch(style: LayerStyle, size: int = 14) -> QIcon:
    """The layer's colour, or for a categorised/graduated style stripes of its palette."""
    if style.kind == "single" or not style.field:
        return swatch(style.colour, size)
    colours = palette_colours(style.palette, max(2, min(style.classes, 4)))
    pixmap = QPixmap(size, size)
    painter = QPainter(pixmap)
    for i, colour in enumerate(colours):
        x0, x1 = i * size // len(colours), (i + 1) * size // len(colours)
        painter.fillRect(x0, 0, x1 - x0, size, QColor(colour))
    painter.end()
    return QIcon(pixmap)


class LayersDock(QDockWidget):
    """The project's layers, top of the list drawn on top.

    Signals
    -------
    zoom_requested(name), style_requested(name), table_requested(name), current_changed(name)
    """

    zoom_requested = Signal(str)
    style_requested = Signal(str)
    table_requested = Signal(str)
    current_changed = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Layers"), parent)
        self.setObjectName("LayersDock")
        self.doc: ProjectDocument | None = None
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemChanged.connect(self._item_changed)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.list.currentItemChanged.connect(self._current_changed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.valueChanged.connect(self._opacity_changed)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Opacity")))
        row.addWidget(self.opacity)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.setWidget(body)
        self._updating = False

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        doc.layers_changed.connect(self.refresh)
        doc.layer_style_changed.connect(lambda _n: self.refresh())
        doc.display_names_changed.connect(lambda _n: self.refresh())
        self.refresh()

    def current_layer(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item else None

    def set_current_layer(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(NAME_ROLE) == name:
                self.list.setCurrentRow(i)

    def item(self, name: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(NAME_ROLE) == name:
                return self.list.item(i)
        return None

    def refresh(self) -> None:
        current = self.current_layer()
        self._updating = True
        self.list.clear()
        project = self.doc.project
        for name in reversed(list(project.layers)):
            layer = project.layers[name]
            style = self.doc.style(name)
            item = QListWidgetItem(style_swatch(style), self.doc.display_name(name))
            item.setData(NAME_ROLE, name)
            item.setFlags(
                item.flags()
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsEditable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            item.setCheckState(Qt.CheckState.Checked if style.visible else Qt.CheckState.Unchecked)
            role = f", {layer.role}" if layer.role else ""
            item.setToolTip(
                self.tr("Layer {name}").format(name=name)
                + "\n"
                + self.tr("{geometry}, {count} features{role}").format(
                    geometry=layer.geometry_type, count=i18n.format_number(layer.feature_count, 0), role=role
                )
                + f"\n{layer.source}"
                + ("\n" + "\n".join(layer.notes) if layer.notes else "")
            )
            self.list.addItem(item)
        self._updating = False
        if current and self.item(current):
            self.set_current_layer(current)
        elif project.zones_layer in project.layers:
            self.set_current_layer(project.zones_layer)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._updating:
            return
        name = item.data(NAME_ROLE)
        shown = self.doc.display_name(name)
        text = item.text().strip()
        if text != shown:
            # A new display name (empty: back to the default one); the layer keeps its own name.
            self.doc.undo_stack.push(
                commands.SetDisplayName(
                    self.doc,
                    name,
                    text or None,
                    self.tr("Name layer {layer} '{name}'").format(
                        layer=name, name=text or self.doc.default_display_name(name)
                    ),
                )
            )
            return
        self.doc.set_visible(name, item.checkState() == Qt.CheckState.Checked)

    def _rows_moved(self, *_args) -> None:
        order = [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())]
        self.doc.undo_stack.push(commands.ReorderLayers(self.doc, list(reversed(order))))

    def _current_changed(self, current, _previous) -> None:
        if current is None:
            return
        name = current.data(NAME_ROLE)
        self.opacity.blockSignals(True)
        self.opacity.setValue(int(round(self.doc.style(name).opacity * 100)))
        self.opacity.blockSignals(False)
        self.current_changed.emit(name)

    def _opacity_changed(self, value: int) -> None:
        name = self.current_layer()
        if name:
            self.doc.set_opacity(name, value / 100)

    def _context_menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        name = item.data(NAME_ROLE)
        menu = QMenu(self)
        actions = [
            (self.tr("Zoom to layer"), lambda: self.zoom_requested.emit(name)),
            (self.tr("Style…"), lambda: self.style_requested.emit(name)),
            (self.tr("Attribute table"), lambda: self.table_requested.emit(name)),
            (self.tr("Rename"), lambda: self.list.editItem(item)),
            (self.tr("Default name"), lambda: self.reset_name(name)),
            (self.tr("Remove"), lambda: self.remove(name)),
        ]
        for text, slot in actions:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.exec(self.list.mapToGlobal(pos))

    def reset_name(self, name: str) -> None:
        """Back to the layer's default display name (its facility type's or role's)."""
        if name in self.doc.display_names:
            self.doc.undo_stack.push(
                commands.SetDisplayName(
                    self.doc,
                    name,
                    None,
                    self.tr("Name layer {layer} '{name}'").format(
                        layer=name, name=self.doc.default_display_name(name)
                    ),
                )
            )

    def remove(self, name: str) -> None:
        if name == self.doc.project.zones_layer:
            show_error(
                self,
                self.tr("Remove layer"),
                self.tr("Layer '{name}' holds the zones and population and cannot be removed.").format(
                    name=self.doc.display_name(name)
                ),
            )
            return
        self.doc.undo_stack.push(commands.RemoveLayer(self.doc, name))
