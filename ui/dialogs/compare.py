"""Side-by-side KPI comparison of two scenarios, with each one's capital cost.

The figures come from the engine's :class:`~cityplanner.tasks.Compare` task (A, B and B − A is
``Compare(scenarios=[a, b], reference=a)``) on a worker, with a progress bar and Cancel. The
evaluator shares the KPI dock's cached inputs (population surface, street network), so a
comparison on a large city does not build them again.
"""

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
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import i18n, workers
from ..docks.kpis import STATUS_COLOURS, decimals_for, format_change, format_value
from ..document import ProjectDocument, snapshot

# What an Evaluator computes once per project and keeps (cached properties); a comparison's
# evaluator takes them from the KPI dock's instead of building them again.
SHARED_INPUTS = (
    "settings",
    "surface",
    "demand",
    "zone_geometry",
    "zone_population",
    "distance_mode",
    "network",
    "city",
    "_zone_tree",
)


def shared_evaluator(project, source=None):
    """A new :class:`~cityplanner.kpi.Evaluator` of ``project`` (a snapshot) that reuses the
    inputs ``source`` (another evaluator of the same project and layers) has already built."""
    from cityplanner.kpi import Evaluator

    evaluator = Evaluator(project, catalogue=source.catalogue if source is not None else None)
    if source is not None:
        for name in SHARED_INPUTS:
            if name in vars(source):
                vars(evaluator)[name] = vars(source)[name]
    return evaluator


class CompareDialog(QDialog):
    """Pick scenarios A and B; the table shows each KPI's value in both and B minus A, and the
    line under it each one's capital cost.

    Attributes
    ----------
    comparison : cityplanner.tasks.Comparison or None
        The last comparison shown.
    results : tuple or None
        ``(a, b, results_a, results_b)``: the KpiResults of both, as shown.
    """

    def __init__(self, doc: ProjectDocument, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("CompareDialog")
        self.setWindowTitle(self.tr("Compare scenarios"))
        self.resize(820, 520)
        self.doc = doc
        dock = getattr(parent, "kpi_dock", None)
        self.source_evaluator = dock.evaluator if dock is not None and dock.doc is doc else None
        names = list(doc.project.scenarios)
        self.a = QComboBox()
        self.b = QComboBox()
        for name in names:  # shown in the UI language (the baseline's default name), kept as named
            self.a.addItem(i18n.scenario_label(name), name)
            self.b.addItem(i18n.scenario_label(name), name)
        self.a.setCurrentIndex(self.a.findData(doc.project.baseline.name))
        chosen = doc.current_scenario if doc.current_scenario != names[0] else names[-1]
        self.b.setCurrentIndex(self.b.findData(chosen))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.verticalHeader().setVisible(False)
        # Long KPI names wrap onto a second line instead of being cut with "…".
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.cost_label = QLabel()
        self.cost_label.setObjectName("CompareCost")
        self.cost_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Scenario A")))
        row.addWidget(self.a, 1)
        row.addWidget(QLabel(self.tr("Scenario B")))
        row.addWidget(self.b, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(progress_row)
        layout.addWidget(self.table)
        layout.addWidget(self.cost_label)
        layout.addWidget(buttons)
        self.worker = None
        self._waiting = False  # a newer choice waits for the running comparison to stop
        self.a.currentIndexChanged.connect(lambda _i: self.refresh())
        self.b.currentIndexChanged.connect(lambda _i: self.refresh())
        self.results: tuple | None = None
        self.comparison = None
        self.refresh()

    # -- running the Compare task ---------------------------------------------------------------
    def refresh(self) -> None:
        """Compare the chosen scenarios on a worker (a comparison still running is cancelled)."""
        if self.worker is not None:
            self._waiting = True
            self.worker.cancel()
            return
        from cityplanner.tasks import Compare

        a, b = self.a.currentData(), self.b.currentData()
        project = snapshot(self.doc.project)
        evaluator = shared_evaluator(project, self.source_evaluator)
        task = Compare(project=project, scenarios=[a, b], reference=a, evaluator=evaluator)
        self.status.setText(
            self.tr("Evaluating {a} and {b}…").format(a=i18n.scenario_label(a), b=i18n.scenario_label(b))
        )
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.worker = workers.start(task.run, self._show, self._failed, self._progress, self._cancelled)

    def cancel(self) -> None:
        """Stop the comparison running (the table keeps what it showed)."""
        if self.worker is not None:
            self._waiting = False
            self.worker.cancel()

    def _progress(self, fraction: float, _message: str) -> None:
        self.progress.setValue(int(round(fraction * 100)))

    def _stopped(self) -> bool:
        """The worker is done; True when a newer choice was waiting (and is now started)."""
        self.worker = None
        self.progress.hide()
        self.cancel_button.hide()
        if self._waiting:
            self._waiting = False
            self.refresh()
            return True
        return False

    def _failed(self, message: str) -> None:
        if not self._stopped():
            self.status.setText(message)

    def _cancelled(self) -> None:
        if not self._stopped():
            self.status.setText(self.tr("Comparison cancelled."))

    def reject(self) -> None:
        self.cancel()
        super().reject()

    # -- showing --------------------------------------------------------------------------------
    def _show(self, comparison) -> None:
        if self._stopped():
            return  # the scenarios changed meanwhile: the newer comparison is running
        a, b = comparison.scenarios[0], comparison.scenarios[-1]
        rows = comparison.kpis
        results_a = [k.results[a] for k in rows]
        results_b = [k.results[b] for k in rows]
        self.comparison = comparison
        self.results = (a, b, results_a, results_b)
        label_a, label_b = i18n.scenario_label(a), i18n.scenario_label(b)
        self.table.setHorizontalHeaderLabels([self.tr("KPI"), label_a, label_b, f"{label_b} − {label_a}"])
        self.table.setRowCount(len(rows))
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
                if col == 0:
                    item.setToolTip(text)
                if col in (1, 2):
                    status = (ra if col == 1 else rb).status
                    item.setBackground(QColor(STATUS_COLOURS.get(status, "#ffffff")))
                self.table.setItem(row, col, item)
        cost_a, cost_b = comparison.costs[a], comparison.costs[b]
        currency = cost_b.currency
        self.cost_label.setText(
            self.tr("Capital cost: {a} {cost_a}, {b} {cost_b} ({b} − {a}: {change})").format(
                a=label_a,
                b=label_b,
                cost_a=format_value(cost_a.total, 0, currency),
                cost_b=format_value(cost_b.total, 0, currency),
                change=f"{format_change(cost_b.total - cost_a.total, 0)} {currency}",
            )
        )
        self.status.setText(
            self.tr("{count} KPIs; colours show each scenario's status against the target.").format(
                count=len(rows)
            )
        )
