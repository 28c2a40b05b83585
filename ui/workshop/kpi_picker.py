"""Choose the KPIs the presentation's tiles show (the facilitator's pick, saved with the project)."""

from __future__ import annotations

import json
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from .. import i18n

# Key in Project.settings: the chosen KPI ids as a JSON list.
SETTING = "ui.workshop_kpis"
DEFAULT_COUNT = 4


def chosen_kpis(project, results: list, catalogue=None) -> list[str]:
    """The KPIs to show: the saved pick (those still in the catalogue), else a default.

    The default is what the project's plans are about: KPIs of the facility types placed in its
    scenarios (one per type in turn, most placed type first; ``catalogue`` gives each KPI's
    types), then the first KPIs with a value, :data:`DEFAULT_COUNT` in all, in catalogue order.
    """
    known = [r.id for r in results]
    stored = project.settings.get(SETTING)
    if isinstance(stored, str) and stored:
        try:
            ids = [i for i in json.loads(stored) if not known or i in known]
        except (ValueError, TypeError):
            ids = []
        if ids:
            return ids
    with_value = [r.id for r in results if r.value is not None]
    placed = Counter(p.type for s in project.scenarios.values() for p in s.placements)
    by_type = [
        [k.id for k in catalogue or [] if t in k.facility_types and k.id in known]
        for t, _n in placed.most_common()
    ]
    picked: list[str] = []
    while len(picked) < DEFAULT_COUNT and any(by_type):
        for ids in by_type:
            fresh = [i for i in ids if i not in picked]
            if fresh and len(picked) < DEFAULT_COUNT:
                picked.append(fresh[0])
            ids[:] = fresh[1:]
    for kpi_id in with_value or known:
        if len(picked) >= DEFAULT_COUNT:
            break
        if kpi_id not in picked:
            picked.append(kpi_id)
    order = {kpi_id: i for i, kpi_id in enumerate(known)}
    return sorted(picked, key=lambda i: order.get(i, len(order)))


def store_kpis(project, ids: list[str]) -> None:
    project.settings[SETTING] = json.dumps(list(ids))


class KpiPickerDialog(QDialog):
    """A checkable list of every KPI; the checked ones become tiles, in catalogue order."""

    def __init__(self, results: list, chosen: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiPickerDialog")
        self.setWindowTitle(self.tr("KPI tiles"))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for r in results:
            item = QListWidgetItem(f"{i18n.kpi_name(r)}  ({r.code})")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r.id in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Show these KPIs as tiles (three or four read best from the back):")))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(560, 560)

    def chosen(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]
