"""Identify results: what lies under a click on the map, a placed facility first.

A click on a placement shows the placement (name, type, capacity, cost, service radius, WGS84
position...) with a Properties… button opening its editor; the features of the layers under it
follow in the "Under the click" list. A click elsewhere shows the attributes of the topmost
layer's feature.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import i18n


@lru_cache(maxsize=8)
def _transformer(crs_text: str):
    from pyproj import Transformer

    return Transformer.from_crs(crs_text, "EPSG:4326", always_xy=True)


def to_wgs84(crs, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (WGS84, degrees) of points in ``crs`` (the project's working CRS).

    UI thread only (a pyproj transformer is not shared between threads).
    """
    lon, lat = _transformer(str(crs)).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.atleast_1d(lon), np.atleast_1d(lat)


# Placement fields and their value forms, translated in the "IdentifyDialog" context.
FIELD_TEXTS = {
    "name": QT_TRANSLATE_NOOP("IdentifyDialog", "Name"),
    "type": QT_TRANSLATE_NOOP("IdentifyDialog", "Type"),
    "scenario": QT_TRANSLATE_NOOP("IdentifyDialog", "Scenario"),
    "capacity": QT_TRANSLATE_NOOP("IdentifyDialog", "Capacity"),
    "cost": QT_TRANSLATE_NOOP("IdentifyDialog", "Cost"),
    "radius": QT_TRANSLATE_NOOP("IdentifyDialog", "Service radius"),
    "longitude": QT_TRANSLATE_NOOP("IdentifyDialog", "Longitude (WGS84)"),
    "latitude": QT_TRANSLATE_NOOP("IdentifyDialog", "Latitude (WGS84)"),
    "source": QT_TRANSLATE_NOOP("IdentifyDialog", "Source"),
    "gain": QT_TRANSLATE_NOOP("IdentifyDialog", "Marginal gain (people)"),
    "type_capacity": QT_TRANSLATE_NOOP("IdentifyDialog", "{value} (the type's)"),
    "type_cost": QT_TRANSLATE_NOOP("IdentifyDialog", "{value} (unit cost of the type)"),
    "type_radius": QT_TRANSLATE_NOOP("IdentifyDialog", "{value} m (the type's)"),
    "manual": QT_TRANSLATE_NOOP("IdentifyDialog", "placed by hand"),
    "optimiser": QT_TRANSLATE_NOOP("IdentifyDialog", "proposed by the optimiser"),
}


def _text(key: str) -> str:
    return QCoreApplication.translate("IdentifyDialog", FIELD_TEXTS[key])


def source_text(source: str) -> str:
    """Where a placement came from, in the UI language."""
    return _text(source) if source in ("manual", "optimiser") else source


def placement_fields(doc, scenario: str, placement) -> list[tuple[str, str]]:
    """(field, value) rows describing a placement, in the UI language and number format."""
    project = doc.project
    ftype = project.facility_types.get(placement.type)
    currency = str(project.setting("currency", "") or "")
    if placement.capacity is not None:
        capacity = i18n.format_plain(placement.capacity)
    elif ftype is not None and ftype.capacity:
        capacity = _text("type_capacity").format(value=i18n.format_plain(ftype.capacity))
    else:
        capacity = i18n.NO_NUMBER
    if placement.cost is not None:
        cost = f"{i18n.format_number(placement.cost, 0)} {currency}".strip()
    elif ftype is not None:
        cost = _text("type_cost").format(value=f"{i18n.format_number(ftype.unit_cost, 0)} {currency}".strip())
    else:
        cost = i18n.NO_NUMBER
    radius = (
        _text("type_radius").format(value=i18n.format_plain(ftype.radius_m))
        if ftype is not None
        else i18n.NO_NUMBER
    )
    lon, lat = to_wgs84(project.crs, [placement.x], [placement.y])
    rows = [
        (_text("name"), i18n.placement_label(placement, project)),
        (_text("type"), i18n.facility_label(ftype) if ftype is not None else placement.type),
        (_text("scenario"), i18n.scenario_label(scenario)),
        (_text("capacity"), capacity),
        (_text("cost"), cost),
        (_text("radius"), radius),
        (_text("longitude"), i18n.format_degrees(lon[0])),
        (_text("latitude"), i18n.format_degrees(lat[0])),
        (_text("source"), source_text(placement.source)),
    ]
    if placement.marginal_gain is not None:
        rows.append((_text("gain"), i18n.format_number(placement.marginal_gain, 0)))
    return rows


def _cell_text(value) -> str:
    """An attribute value as shown: numbers in the UI language's format, nothing for no value."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return i18n.format_number(int(value), 0)
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        return i18n.format_plain(float(value), 6)
    return str(value)


class IdentifyDialog(QDialog):
    """Non-modal table of field -> value; one instance is reused for successive clicks.

    ``hits`` lists what lies under the click (a placement first, then layer features, topmost
    layer first) when there is more than one; ``properties_button`` opens the editor of a
    placement shown.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("IdentifyDialog")
        self.resize(400, 440)
        self.doc = None
        self.scenario: str | None = None
        self._entries: list[tuple] = []
        self.hits = QComboBox()
        self.hits.currentIndexChanged.connect(self._show_entry)
        self.hits_form = QFormLayout()
        self.hits_form.addRow(self.tr("Under the click"), self.hits)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.properties_button = buttons.addButton(
            self.tr("Properties…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.properties_button.clicked.connect(self.edit_placement)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.hits_form)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    # -- what is shown ----------------------------------------------------------------------------
    @classmethod
    def _instance(cls, parent) -> IdentifyDialog:
        return parent.findChild(cls, "IdentifyDialog") or cls(parent)

    @classmethod
    def show_feature(cls, parent, layer_name: str, gdf, row: int) -> IdentifyDialog:
        """The attributes of feature ``row`` of a layer (the Identify tool's click on a layer)."""
        dialog = cls._instance(parent)
        dialog.doc = getattr(parent, "doc", None)
        dialog._set_entries([("feature", layer_name, gdf, row)])
        return dialog

    @classmethod
    def show_hits(
        cls, parent, doc, placement_id: str | None, features: list[tuple[str, int]]
    ) -> IdentifyDialog:
        """A placement of the current scenario (when ``placement_id``), then ``(layer, row)`` features."""
        dialog = cls._instance(parent)
        dialog.doc = doc
        entries: list[tuple] = []
        if placement_id is not None:
            entries.append(("placement", doc.current_scenario, placement_id))
        for name, row in features:
            entries.append(("feature", name, doc.project.layer(name).gdf, row))
        dialog._set_entries(entries)
        return dialog

    def _set_entries(self, entries: list[tuple]) -> None:
        self._entries = entries
        self.hits.blockSignals(True)
        self.hits.clear()
        for entry in entries:
            self.hits.addItem(self._entry_title(entry))
        self.hits.setCurrentIndex(0)
        self.hits.blockSignals(False)
        self.hits_form.setRowVisible(0, len(entries) > 1)
        self._show_entry(0)
        self.show()
        self.raise_()

    def _layer_title(self, layer_name: str) -> str:
        if self.doc is not None and layer_name in self.doc.project.layers:
            return self.doc.display_name(layer_name)
        return layer_name

    def _placement(self, scenario: str, placement_id: str):
        """The placement, or None once it (or its scenario) is gone."""
        found = self.doc.project.scenarios.get(scenario) if self.doc is not None else None
        return next((p for p in found.placements if p.id == placement_id), None) if found else None

    def _entry_title(self, entry: tuple) -> str:
        if entry[0] == "placement":
            placement = self._placement(entry[1], entry[2])
            if placement is None:
                return ""
            return self.tr("Placement: {name}").format(name=i18n.placement_label(placement, self.doc.project))
        _kind, name, _gdf, row = entry
        return self.tr("{layer} — feature {number}").format(
            layer=self._layer_title(name), number=i18n.format_number(row + 1, 0)
        )

    def _show_entry(self, index: int) -> None:
        if not 0 <= index < len(self._entries):
            return
        entry = self._entries[index]
        if entry[0] == "placement":
            self.scenario = entry[1]
            placement = self._placement(entry[1], entry[2])
            if placement is None:  # deleted (or its placing undone) since the click
                self.close()
                return
            fields = placement_fields(self.doc, entry[1], placement)
        else:
            self.scenario = None
            _kind, _name, gdf, row = entry
            record = gdf.iloc[row]
            geometry = record[gdf.geometry.name]
            fields = [(str(c), _cell_text(record[c])) for c in gdf.columns if c != gdf.geometry.name]
            fields.append(("geometry", f"{geometry.geom_type}" if geometry is not None else ""))
        title = self._entry_title(entry)
        self.setWindowTitle(title)
        self.hits.setItemText(index, title)
        self.properties_button.setVisible(entry[0] == "placement")
        self.table.setRowCount(len(fields))
        for i, (name, value) in enumerate(fields):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(value))

    @property
    def placement_id(self) -> str | None:
        """The id of the placement shown, or None when a layer feature is shown."""
        entry = self._entries[self.hits.currentIndex()] if self._entries else None
        return entry[2] if entry is not None and entry[0] == "placement" else None

    # -- editing ----------------------------------------------------------------------------------
    def edit_placement(self) -> None:
        """Open the properties editor of the placement shown; its OK is one undoable edit."""
        from .placement_properties import PlacementPropertiesDialog

        placement_id = self.placement_id
        if placement_id is None or self.doc is None:
            return
        if self._placement(self.scenario, placement_id) is None:
            return  # deleted (or undone) since it was identified
        editor = PlacementPropertiesDialog(self.doc, self.scenario, placement_id, self)
        editor.accepted.connect(lambda: self._show_entry(self.hits.currentIndex()))
        editor.finished.connect(editor.deleteLater)
        editor.open()
