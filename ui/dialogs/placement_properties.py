"""A placed facility's properties: name, type, capacity and cost, edited as one undoable step.

Capacity and cost may be the placement's own or the facility type's (the lowest value of each
spin box, shown as "Type default (…)" / "Unit cost (…)", means the type's: the placement then
follows later edits of the type). The service radius is the facility type's (edited in the
Facilities dock), shown here for reference; so is the WGS84 position.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from .. import commands, i18n
from ..document import ProjectDocument
from .identify import source_text, to_wgs84

# Spin box value standing for "the facility type's" (capacity, cost): below every real value.
TYPE_DEFAULT = -1.0


class PlacementPropertiesDialog(QDialog):
    """Edit one placement of ``scenario``; OK pushes :class:`ui.commands.EditPlacement` when anything changed.

    Attributes
    ----------
    name, type_combo, capacity, cost : widgets
        The editable properties (``capacity`` and ``cost`` at their minimum: the type's).
    """

    def __init__(self, doc: ProjectDocument, scenario: str, placement_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("PlacementPropertiesDialog")
        self.doc, self.scenario_name, self.placement_id = doc, scenario, placement_id
        project = doc.project
        placement = project.scenario(scenario).find(placement_id)
        self.shown_name = i18n.placement_label(placement, project)
        self.setWindowTitle(self.tr("Properties of {name}").format(name=self.shown_name))
        self.currency = str(project.setting("currency", "") or "")
        self.name = QLineEdit(self.shown_name)
        self.name.setPlaceholderText(self.tr("Name on the map and in the report"))
        self.type_combo = QComboBox()
        for ft in project.facility_types.values():
            self.type_combo.addItem(i18n.facility_label(ft), ft.name)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(placement.type)))
        self.capacity = QDoubleSpinBox()
        self.capacity.setRange(TYPE_DEFAULT, 1e9)
        self.capacity.setDecimals(0)
        self.capacity.setGroupSeparatorShown(True)
        self.capacity.setValue(TYPE_DEFAULT if placement.capacity is None else placement.capacity)
        self.cost = QDoubleSpinBox()
        self.cost.setRange(TYPE_DEFAULT, 1e13)
        self.cost.setDecimals(0)
        self.cost.setGroupSeparatorShown(True)
        self.cost.setSingleStep(1000)
        if self.currency:
            self.cost.setSuffix(f" {self.currency}")
        self.cost.setValue(TYPE_DEFAULT if placement.cost is None else placement.cost)
        self.radius = QLabel()
        self.type_combo.currentIndexChanged.connect(lambda _i: self._type_changed())
        self._type_changed()
        lon, lat = to_wgs84(project.crs, [placement.x], [placement.y])
        position = QLabel(
            self.tr("{lon}° E, {lat}° N (WGS84)").format(
                lon=i18n.format_degrees(lon[0]), lat=i18n.format_degrees(lat[0])
            )
        )
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Type"), self.type_combo)
        form.addRow(self.tr("Capacity"), self.capacity)
        form.addRow(self.tr("Cost"), self.cost)
        form.addRow(self.tr("Service radius"), self.radius)
        form.addRow(self.tr("Position"), position)
        form.addRow(self.tr("Scenario"), QLabel(i18n.scenario_label(scenario)))
        form.addRow(self.tr("Source"), QLabel(source_text(placement.source)))
        hint = QLabel(
            self.tr(
                "At its lowest value, capacity or cost is the facility type's: it then follows edits of "
                "the type in the Facilities dock."
            )
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)

    def _type_changed(self) -> None:
        """The type's defaults in the spin boxes' "type's" texts, and its radius."""
        ft = self.doc.project.facility_types.get(self.type_combo.currentData())
        if ft is None:
            return
        self.capacity.setSpecialValueText(
            self.tr("Type default ({value})").format(value=i18n.format_plain(ft.capacity))
        )
        self.cost.setSpecialValueText(
            self.tr("Unit cost ({value})").format(
                value=f"{i18n.format_number(ft.unit_cost, 0)} {self.currency}".strip()
            )
        )
        self.radius.setText(
            self.tr("{value} m (the type's; edit it in the Facilities dock)").format(
                value=i18n.format_plain(ft.radius_m)
            )
        )

    # -- result -----------------------------------------------------------------------------------
    @staticmethod
    def _own(spin: QDoubleSpinBox, old: float | None) -> float | None:
        """The spin box's value as a placement's own value (None: the type's), ``old`` if not changed."""
        value = spin.value()
        if value < 0:
            return None
        if old is not None and round(old, spin.decimals()) == value:
            return old  # shown rounded, not changed
        return float(value)

    def changes(self) -> dict:
        """The properties the widgets change, {attribute: new value} (empty: nothing changed)."""
        placement = self.doc.project.scenario(self.scenario_name).find(self.placement_id)
        new = {
            "type": self.type_combo.currentData(),
            "capacity": self._own(self.capacity, placement.capacity),
            "cost": self._own(self.cost, placement.cost),
        }
        typed = self.name.text().strip()
        if typed != self.shown_name:
            new["name"] = typed
        return {key: value for key, value in new.items() if getattr(placement, key) != value}

    def accept(self) -> None:
        changes = self.changes()
        if changes:
            self.doc.undo_stack.push(
                commands.EditPlacement(
                    self.doc,
                    self.scenario_name,
                    self.placement_id,
                    changes,
                    self.tr("Edit {name}").format(name=changes.get("name") or self.shown_name),
                )
            )
        super().accept()
