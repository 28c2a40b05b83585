"""Identify results: the attributes of one feature clicked on the map."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)


class IdentifyDialog(QDialog):
    """Non-modal table of field -> value; one instance is reused for successive clicks."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("IdentifyDialog")
        self.resize(380, 420)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    @classmethod
    def show_feature(cls, parent, layer_name: str, gdf, row: int) -> IdentifyDialog:
        dialog = parent.findChild(cls, "IdentifyDialog") or cls(parent)
        record = gdf.iloc[row]
        geometry = record[gdf.geometry.name]
        fields = [(str(c), record[c]) for c in gdf.columns if c != gdf.geometry.name]
        fields.append(("geometry", f"{geometry.geom_type}" if geometry is not None else ""))
        dialog.setWindowTitle(
            QCoreApplication.translate("IdentifyDialog", "{layer} — feature {number}").format(
                layer=layer_name, number=row + 1
            )
        )
        dialog.table.setRowCount(len(fields))
        for i, (name, value) in enumerate(fields):
            text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
            dialog.table.setItem(i, 0, QTableWidgetItem(name))
            dialog.table.setItem(i, 1, QTableWidgetItem(text))
        dialog.show()
        dialog.raise_()
        return dialog
