"""Layer style dialog: single colour, categorised or graduated with a ColorBrewer palette."""

from __future__ import annotations

import copy

import pandas as pd
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
)

from ..styles import METHODS, PALETTES, LayerStyle

KINDS = {
    "single": QT_TRANSLATE_NOOP("StyleDialog", "Single colour"),
    "categorised": QT_TRANSLATE_NOOP("StyleDialog", "Categorised"),
    "graduated": QT_TRANSLATE_NOOP("StyleDialog", "Graduated"),
}
# The classification methods of ui.styles.METHODS, named for the user.
METHOD_TEXTS = {
    "quantiles": QT_TRANSLATE_NOOP("StyleDialog", "Quantiles"),
    "natural_breaks": QT_TRANSLATE_NOOP("StyleDialog", "Natural breaks (Jenks)"),
    "equal": QT_TRANSLATE_NOOP("StyleDialog", "Equal interval"),
}


class StyleDialog(QDialog):
    """Edit a copy of a layer's style; :meth:`style` returns the result when accepted."""

    def __init__(self, layer_name: str, gdf, style: LayerStyle, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Style of {layer}").format(layer=layer_name))
        self._style = copy.deepcopy(style)
        self.kind = QComboBox()
        for key, text in KINDS.items():
            self.kind.addItem(self.tr(text), key)
        self.kind.setCurrentIndex(list(KINDS).index(style.kind))
        self.colour = QPushButton()
        self.colour.clicked.connect(self._pick_colour)
        self._show_colour()
        self.field = QComboBox()
        self._numeric = {
            c for c in gdf.columns if c != gdf.geometry.name and pd.api.types.is_numeric_dtype(gdf[c])
        }
        self.field.addItems([c for c in gdf.columns if c != gdf.geometry.name])
        if style.field:
            self.field.setCurrentText(style.field)
        self.palette = QComboBox()
        self.palette.addItems(list(PALETTES))
        self.palette.setCurrentText(style.palette)
        self.method = QComboBox()
        for key, text in METHODS.items():
            self.method.addItem(self.tr(METHOD_TEXTS.get(key, text)), key)
        self.method.setCurrentIndex(list(METHODS).index(style.method) if style.method in METHODS else 0)
        self.classes = QSpinBox()
        self.classes.setRange(2, 9)
        self.classes.setValue(style.classes)
        self.fill = QCheckBox(self.tr("Fill polygons"))
        self.fill.setChecked(style.fill)
        self.line_width = QDoubleSpinBox()
        self.line_width.setRange(0.2, 10)
        self.line_width.setValue(style.line_width)
        form = QFormLayout(self)
        form.addRow(self.tr("Style"), self.kind)
        form.addRow(self.tr("Colour"), self.colour)
        form.addRow(self.tr("Field"), self.field)
        form.addRow(self.tr("Palette"), self.palette)
        form.addRow(self.tr("Classes by"), self.method)
        form.addRow(self.tr("Number of classes"), self.classes)
        form.addRow("", self.fill)
        form.addRow(self.tr("Line width (px)"), self.line_width)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        kind = self.kind.currentData()
        self.colour.setEnabled(kind == "single")
        self.field.setEnabled(kind != "single")
        self.method.setEnabled(kind == "graduated")
        self.classes.setEnabled(kind == "graduated")

    def _show_colour(self) -> None:
        self.colour.setText(self._style.colour)
        self.colour.setStyleSheet(f"background: {self._style.colour};")

    def _pick_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(self._style.colour), self, self.tr("Layer colour"))
        if colour.isValid():
            self._style.colour = colour.name()
            self._show_colour()

    def style(self) -> LayerStyle:
        s = self._style
        s.kind = self.kind.currentData()
        if s.kind == "graduated" and self.field.currentText() not in self._numeric:
            s.kind = "categorised"
        field = self.field.currentText() if s.kind != "single" else ""
        if s.kind != "categorised" or field != s.field or self.palette.currentText() != s.palette:
            s.categories = []  # fixed colours (KPI status) belong to their field and palette only
        s.field = field
        s.palette = self.palette.currentText()
        s.method = self.method.currentData()
        s.classes = self.classes.value()
        s.line_width = self.line_width.value()
        s.fill = self.fill.isChecked()
        return s
