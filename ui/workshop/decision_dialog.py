"""The decision log: mark the plan shown as agreed, rejected or to study, with a short note.

An entry records the time, the scenario, the change (its placements against the baseline and the
last edit), the KPI changes from the baseline and the note (:mod:`cityplanner.decisions`). It is
kept in the project, so saving the project saves the log, and the report lists it.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from cityplanner import decisions

from .. import i18n
from ..document import ProjectDocument

STATE_TEXTS = {
    "agreed": QT_TRANSLATE_NOOP("DecisionDialog", "&Agreed"),
    "rejected": QT_TRANSLATE_NOOP("DecisionDialog", "&Rejected"),
    "to study": QT_TRANSLATE_NOOP("DecisionDialog", "To &study"),
}
LOG_COLUMNS = [
    QT_TRANSLATE_NOOP("DecisionDialog", "Time"),
    QT_TRANSLATE_NOOP("DecisionDialog", "Scenario"),
    QT_TRANSLATE_NOOP("DecisionDialog", "Decision"),
    QT_TRANSLATE_NOOP("DecisionDialog", "Change"),
    QT_TRANSLATE_NOOP("DecisionDialog", "KPI changes"),
    QT_TRANSLATE_NOOP("DecisionDialog", "Note"),
]


def state_text(state: str) -> str:
    """'Agreed', 'Rejected', 'To study' in the UI language (without the mnemonic)."""
    return QCoreApplication.translate("DecisionDialog", STATE_TEXTS.get(state, state)).replace("&", "")


def change_text(project, scenario: str, last_edit: str = "") -> str:
    """The scenario's placements against the baseline in the UI language, the last edit first
    (the words the room used; :func:`cityplanner.decisions.describe_change` is the English)."""
    if scenario == project.baseline.name:
        text = QCoreApplication.translate("DecisionDialog", "{scenario}: the existing facilities").format(
            scenario=scenario
        )
    else:
        placements = project.scenario(scenario).placements
        counts = Counter(p.type for p in placements)
        types = ", ".join(
            f"{n} {i18n.facility_label(project.facility_types[t]) if t in project.facility_types else t}"
            for t, n in counts.most_common()
        )
        if not placements:
            text = QCoreApplication.translate("DecisionDialog", "no new facilities")
        elif len(placements) == 1:
            text = QCoreApplication.translate("DecisionDialog", "1 new facility: {types}").format(types=types)
        else:
            text = QCoreApplication.translate("DecisionDialog", "{count} new facilities: {types}").format(
                count=len(placements), types=types
            )
    return f"{last_edit}; {text}" if last_edit else text


def kpi_changes_text(entry: decisions.DecisionEntry) -> str:
    """The entry's KPI changes with the KPI names in the UI language."""
    changed = [k for k in entry.kpis if k.changed]
    if not changed:
        return QCoreApplication.translate("DecisionDialog", "no KPI changed")
    return "; ".join(k.text(i18n.catalogue_label(k.name, k.name_vi)) for k in changed)


class DecisionDialog(QDialog):
    """Record a decision about ``scenario`` (Save), see and prune the log.

    ``results`` are the KPI dock's results for ``scenario``; ``shown`` the KPI ids on the tiles;
    ``last_edit`` the undo stack's last edit ("Place Clinic"), put before the change in words.
    """

    def __init__(
        self,
        doc: ProjectDocument,
        scenario: str,
        results: list,
        shown: list[str],
        last_edit: str = "",
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DecisionDialog")
        self.setWindowTitle(self.tr("Decision log"))
        self.doc = doc
        self.entry_scenario = scenario
        self.draft = decisions.new_entry(doc.project, scenario, "to study", "", results, shown, last_edit)
        self.draft.change = change_text(doc.project, scenario, last_edit)
        self.state_buttons: dict[str, QRadioButton] = {}
        self.states = QButtonGroup(self)
        states_row = QHBoxLayout()
        for state in decisions.STATES:
            button = QRadioButton(self.tr(STATE_TEXTS[state]))
            button.setObjectName(f"state_{state.replace(' ', '_')}")
            self.states.addButton(button)
            self.state_buttons[state] = button
            states_row.addWidget(button)
        states_row.addStretch(1)
        self.change = QLineEdit(self.draft.change)
        self.change.setMaxLength(decisions.CHANGE_CHARS)
        self.note = QLineEdit()
        self.note.setObjectName("DecisionNote")
        self.note.setMaxLength(decisions.NOTE_CHARS)
        self.note.setPlaceholderText(self.tr("A short note: who, why, what next"))
        self.kpis = QLabel(kpi_changes_text(self.draft))
        self.kpis.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Scenario"), QLabel(scenario))
        form.addRow(self.tr("Decision"), states_row)
        form.addRow(self.tr("Change"), self.change)
        form.addRow(self.tr("KPI changes"), self.kpis)
        form.addRow(self.tr("Note"), self.note)
        self.log = QTableWidget(0, len(LOG_COLUMNS))
        self.log.setObjectName("DecisionLog")
        self.log.setHorizontalHeaderLabels([self.tr(c) for c in LOG_COLUMNS])
        self.log.verticalHeader().setVisible(False)
        self.log.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log.setWordWrap(True)
        header = self.log.horizontalHeader()
        for col in range(len(LOG_COLUMNS)):
            header.setSectionResizeMode(
                col,
                QHeaderView.ResizeMode.Stretch
                if col in (3, 4, 5)
                else QHeaderView.ResizeMode.ResizeToContents,
            )
        self.log.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.remove_button = QPushButton(self.tr("Remove the selected entry"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(
            self.tr("Add to the log"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("AddDecision")
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.states.buttonToggled.connect(lambda *_: self.save_button.setEnabled(self.state() is not None))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("The log (saved with the project, listed in the report)")))
        layout.addWidget(self.log, 1)
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.fill_log()
        self.resize(900, 520)

    def state(self) -> str | None:
        return next((s for s, b in self.state_buttons.items() if b.isChecked()), None)

    def entry(self) -> decisions.DecisionEntry:
        """The entry as filled in (state, change and note from the form)."""
        return decisions.DecisionEntry(
            time=self.draft.time,
            scenario=self.entry_scenario,
            state=self.state() or "to study",
            change=self.change.text(),
            note=self.note.text(),
            kpis=self.draft.kpis,
        )

    def accept(self) -> None:
        if self.state() is None:
            return
        decisions.add_decision(self.doc.project, self.entry())
        self.doc.mark_view_dirty()
        super().accept()

    def fill_log(self) -> None:
        entries = decisions.decision_log(self.doc.project)
        self.log.setRowCount(len(entries))
        for row, e in enumerate(entries):
            cells = [e.time, e.scenario, state_text(e.state), e.change, kpi_changes_text(e), e.note]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.log.setItem(row, col, item)
        self.remove_button.setEnabled(bool(entries))

    def remove_selected(self) -> None:
        rows = self.log.selectionModel().selectedRows()
        if not rows:
            return
        decisions.remove_decision(self.doc.project, rows[0].row())
        self.doc.mark_view_dirty()
        self.fill_log()

    def log_texts(self) -> list[list[str]]:
        return [
            [self.log.item(r, c).text() for c in range(self.log.columnCount())]
            for r in range(self.log.rowCount())
        ]
