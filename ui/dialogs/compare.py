"""Side-by-side KPI comparison of two scenarios (values from the engine's Evaluator, on a worker)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import i18n, workers
from ..docks.kpis import STATUS_COLOURS, decimals_for, format_change, format_value
from ..document import ProjectDocument, snapshot


class CompareDialog(QDialog):
    """Pick scenarios A and B; the table shows each KPI's value in both and B minus A."""

    def __init__(self, doc: ProjectDocument, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("CompareDialog")
        self.setWindowTitle(self.tr("Compare scenarios"))
        self.resize(820, 520)
        self.doc = doc
        names = list(doc.project.scenarios)
        self.a = QComboBox()
        self.b = QComboBox()
        self.a.addItems(names)
        self.b.addItems(names)
        self.a.setCurrentText(doc.project.baseline.name)
        self.b.setCurrentText(doc.current_scenario if doc.current_scenario != names[0] else names[-1])
        self.status = QLabel()
        self.table = QTableWidget(0, 4)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Scenario A")))
        row.addWidget(self.a, 1)
        row.addWidget(QLabel(self.tr("Scenario B")))
        row.addWidget(self.b, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.runner = workers.CoalescingRunner(self)
        self.runner.result.connect(self._show)
        self.runner.error.connect(self.status.setText)
        self.a.currentTextChanged.connect(lambda _t: self.refresh())
        self.b.currentTextChanged.connect(lambda _t: self.refresh())
        self.results: tuple | None = None
        self.refresh()

    def refresh(self) -> None:
        from cityplanner.kpi import Evaluator

        project = snapshot(self.doc.project)
        a, b = self.a.currentText(), self.b.currentText()
        self.status.setText(self.tr("Evaluating…"))

        def job(progress):
            evaluator = Evaluator(project)
            return a, b, evaluator.evaluate(a), evaluator.evaluate(b, progress)

        self.runner.request(job)

    def _show(self, outcome) -> None:
        a, b, results_a, results_b = outcome
        self.results = outcome
        self.table.setHorizontalHeaderLabels([self.tr("KPI"), a, b, f"{b} − {a}"])
        self.table.setRowCount(len(results_a))
        for row, (ra, rb) in enumerate(zip(results_a, results_b, strict=True)):
            change = None if ra.value is None or rb.value is None else rb.value - ra.value
            decimals = decimals_for(rb)
            cells = [
                i18n.kpi_name(ra),
                format_value(ra.value, decimals, ra.unit),
                format_value(rb.value, decimals, rb.unit),
                format_change(change, decimals),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col in (1, 2):
                    status = (ra if col == 1 else rb).status
                    item.setBackground(QColor(STATUS_COLOURS.get(status, "#ffffff")))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.status.setText(
            self.tr("{count} KPIs; colours show each scenario's status against the target.").format(
                count=len(results_a)
            )
        )
