"""Scenarios dock: baseline and named plans; new, duplicate, rename, delete, switch, compare."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import commands
from ..dialogs.errors import show_error
from ..document import ProjectDocument


def unique_name(existing, base: str) -> str:
    name, i = base, 2
    while name in existing:
        name = f"{base} {i}"
        i += 1
    return name


class ScenariosDock(QDockWidget):
    """List of scenarios; double-click (or select) switches the map and KPIs to it."""

    compare_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("Scenarios"), parent)
        self.setObjectName("ScenariosDock")
        self.doc: ProjectDocument | None = None
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._switch)
        buttons = QGridLayout()
        self.buttons = {}
        for i, (key, text, slot) in enumerate(
            [
                ("new", self.tr("New"), self.new_scenario),
                ("duplicate", self.tr("Duplicate"), self.duplicate),
                ("rename", self.tr("Rename"), self.rename),
                ("delete", self.tr("Delete"), self.delete),
                ("compare", self.tr("Compare…"), self.compare_requested.emit),
            ]
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            buttons.addWidget(button, i // 3, i % 3)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.setWidget(body)

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        doc.scenarios_changed.connect(self.refresh)
        doc.current_scenario_changed.connect(lambda _s: self.refresh())
        doc.placements_changed.connect(lambda _s: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        baseline = self.doc.project.baseline.name
        for name, scenario in self.doc.project.scenarios.items():
            count = len(scenario.placements)
            suffix = (
                self.tr(" (existing facilities)")
                if name == baseline and not count
                else self.tr(" — {count} new").format(count=count)
            )
            item = QListWidgetItem(name + suffix)
            item.setData(Qt.ItemDataRole.UserRole, name)
            if name == self.doc.current_scenario:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if name == self.doc.current_scenario:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        is_baseline = self.doc.current_scenario == baseline
        self.buttons["rename"].setEnabled(not is_baseline)
        self.buttons["delete"].setEnabled(not is_baseline)

    def _switch(self, item, _previous) -> None:
        if item is not None:
            self.doc.set_current_scenario(item.data(Qt.ItemDataRole.UserRole))

    def _ask(self, title: str, label: str, text: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, label, text=text)
        name = name.strip()
        if not ok or not name:
            return None
        if name in self.doc.project.scenarios:
            show_error(self, title, self.tr("A scenario named '{name}' already exists.").format(name=name))
            return None
        return name

    def new_scenario(self, name: str | None = None) -> None:
        name = name or self._ask(
            self.tr("New scenario"),
            self.tr("Name of the new plan:"),
            unique_name(self.doc.project.scenarios, self.tr("Plan")),
        )
        if name:
            self.doc.undo_stack.push(commands.AddScenario(self.doc, name))

    def duplicate(self, name: str | None = None) -> None:
        source = self.doc.current_scenario
        name = name or self._ask(
            self.tr("Duplicate scenario"),
            self.tr("Name of the copy of '{scenario}':").format(scenario=source),
            unique_name(self.doc.project.scenarios, self.tr("{scenario} copy").format(scenario=source)),
        )
        if name:
            self.doc.undo_stack.push(commands.AddScenario(self.doc, name, copy_from=source))

    def rename(self, new: str | None = None) -> None:
        old = self.doc.current_scenario
        new = new or self._ask(
            self.tr("Rename scenario"), self.tr("New name for '{scenario}':").format(scenario=old), old
        )
        if new and new != old:
            self.doc.undo_stack.push(commands.RenameScenario(self.doc, old, new))

    def delete(self) -> None:
        name = self.doc.current_scenario
        if name != self.doc.project.baseline.name:
            self.doc.undo_stack.push(commands.DeleteScenario(self.doc, name))
