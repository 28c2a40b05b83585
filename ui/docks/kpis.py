"""KPI dock: the catalogue's KPIs for the current scenario, and a per-district breakdown chart.

Every number comes from :class:`cityplanner.kpi.Evaluator`, run on a worker thread; a request made
while one runs supersedes it, so the dock always ends on the latest edit and the UI never waits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..document import ProjectDocument, snapshot
from ..workers import CoalescingRunner

STATUS_COLOURS = {"met": "#b7e1b0", "near": "#fde7a3", "not met": "#f4b6b0", "n/a": "#e6e6e6"}
COLUMNS = ["KPI", "Value", "Target", "Status", "Δ baseline"]


def format_value(value: float | None, unit: str = "") -> str:
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{text} {unit}".strip() if unit and unit != "%" else (f"{text} %" if unit == "%" else text)


def format_change(change: float | None) -> str:
    if change is None or not np.isfinite(change) or abs(change) < 1e-9:
        return "–" if change is None else "0"
    return f"{change:+,.2f}" if abs(change) < 10 else f"{change:+,.0f}"


class KpiDock(QDockWidget):
    """Live KPI table and district chart for the document's current scenario.

    Signals
    -------
    evaluated(list)
        The KpiResults shown after each finished evaluation.
    """

    evaluated = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__("KPIs", parent)
        self.setObjectName("KpiDock")
        self.doc: ProjectDocument | None = None
        self.evaluator = None
        self.results: list = []
        self.runner = CoalescingRunner(self)
        self.runner.result.connect(self._show)
        self.runner.error.connect(self._show_error)
        self.runner.busy_changed.connect(self._busy)
        self.status = QLabel("No project")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self.update_chart)
        self.group_combo = QComboBox()
        self.group_combo.currentTextChanged.connect(lambda _t: self.update_chart())
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(120)
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(False, False)
        self.chart_title = QLabel()
        self.chart_title.setWordWrap(True)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("By"))
        row.addWidget(self.group_combo, 1)
        chart_layout.addLayout(row)
        chart_layout.addWidget(self.chart_title)
        chart_layout.addWidget(self.chart)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(chart_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 320])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(splitter)
        self.setWidget(body)

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        self.evaluator = None
        doc.placements_changed.connect(lambda _s: self.refresh())
        doc.current_scenario_changed.connect(lambda _s: self.refresh())
        doc.facility_types_changed.connect(self.refresh)
        doc.layers_changed.connect(self.reset)
        self.reset()

    def reset(self) -> None:
        """Forget cached analysis inputs (layers or zones changed) and re-evaluate."""
        self.evaluator = None
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        project = self.doc.project
        if project.zones_layer in project.layers:
            zones = project.zones
            fields = [
                c
                for c in zones.columns
                if c != zones.geometry.name and not pd.api.types.is_numeric_dtype(zones[c])
            ]
            preferred = sorted(fields, key=lambda c: (c.lower() not in ("district", "ward", "sector"), c))
            self.group_combo.addItems(preferred)
        self.group_combo.blockSignals(False)
        self.refresh()

    def _evaluator_for(self, project_copy):
        # Imported on first use: the analysis stack is not needed to show the window (start-up time).
        from cityplanner.kpi import Evaluator

        if self.evaluator is None:
            self.evaluator = Evaluator(project_copy)
        else:
            # Cached demand and network stay valid (same layers); placements come from the copy.
            self.evaluator.project = project_copy
        return self.evaluator

    def refresh(self) -> None:
        """Evaluate the current scenario on a worker (superseding one still running)."""
        if self.doc is None:
            return
        project_copy = snapshot(self.doc.project)
        scenario = self.doc.current_scenario

        def job(progress):
            evaluator = self._evaluator_for(project_copy)
            return scenario, evaluator.evaluate(scenario, progress)

        self.runner.request(job)

    def _busy(self, busy: bool) -> None:
        if busy:
            self.status.setText(f"Updating KPIs for {self.doc.current_scenario}…")

    def _show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.setToolTip(message)

    def _show(self, outcome) -> None:
        scenario, results = outcome
        self.results = results
        selected = self.selected_kpi()
        self.table.setRowCount(len(results))
        for row, r in enumerate(results):
            unit = "%" if r.unit == "%" else ""
            cells = [
                r.name,
                format_value(r.value, unit),
                format_value(r.target, unit),
                r.status,
                format_change(r.change),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 3:
                    item.setBackground(QColor(STATUS_COLOURS.get(r.status, "#ffffff")))
                item.setToolTip(f"{r.code} {r.name} ({r.unit})\n{r.name_vi}\n{r.method_note}".strip())
                self.table.setItem(row, col, item)
        met = sum(r.status == "met" for r in results)
        self.status.setText(f"{scenario}: {met} of {len(results)} KPI targets met")
        if selected:
            self.select_kpi(selected)
        elif results:
            self.table.selectRow(0)
        self.evaluated.emit(results)

    def selected_kpi(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_kpi(self, kpi_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == kpi_id:
                self.table.selectRow(row)
                return

    def result(self, kpi_id: str):
        return next((r for r in self.results if r.id == kpi_id), None)

    def update_chart(self) -> None:
        """Bar chart of the selected KPI per zone group, population-weighted (engine zone metrics)."""
        self.chart.clear()
        kpi_id = self.selected_kpi()
        group = self.group_combo.currentText()
        if not kpi_id or not group or self.evaluator is None or self.runner.busy:
            return
        metrics = self.evaluator.zone_metrics(kpi_id, self.doc.current_scenario)
        groups = self.doc.project.zones[group].astype(str).to_numpy()
        names, inverse = np.unique(groups, return_inverse=True)
        weights = metrics["population"].to_numpy(dtype=float)
        values = metrics["value"].to_numpy(dtype=float)
        ok = np.isfinite(values)
        sums = np.bincount(inverse[ok], weights=(values * weights)[ok], minlength=len(names))
        pops = np.bincount(inverse[ok], weights=weights[ok], minlength=len(names))
        means = np.divide(sums, pops, out=np.full(len(names), np.nan), where=pops > 0)
        result = self.result(kpi_id)
        self.chart_title.setText(f"{result.name if result else kpi_id} by {group} (population-weighted)")
        x = np.arange(len(names))
        self.chart.addItem(pg.BarGraphItem(x=x, height=np.nan_to_num(means), width=0.6, brush="#4a90c2"))
        axis = self.chart.getAxis("bottom")
        axis.setTicks([[(i, str(n)) for i, n in enumerate(names)]])
        if result is not None and result.target is not None and np.isfinite(result.target):
            self.chart.addItem(
                pg.InfiniteLine(result.target, angle=0, pen=pg.mkPen("#d7191c", style=Qt.PenStyle.DashLine))
            )
