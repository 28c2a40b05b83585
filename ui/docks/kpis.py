"""KPI dock: the catalogue's KPIs for the current scenario, its capital cost, and a per-district
breakdown chart.

Every number comes from the engine's :class:`~cityplanner.tasks.EvaluateKpis` task (the
:class:`cityplanner.kpi.Evaluator` kept here, and :func:`cityplanner.cost.scenario_cost`), run on a
worker thread; a request made while one runs supersedes it, so the dock always ends on the latest
edit and the UI never waits. Another project clears the dock at once: it says "computing" and shows
no number until the new project's values come.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cityplanner.kpi_status import STATUS_MARKS

from .. import i18n
from ..document import ProjectDocument, snapshot
from ..workers import CoalescingRunner
from . import fit_sections

# The district chart's least height (plot and axis labels), under its title.
CHART_MIN_HEIGHT = 120
STATUS_COLOURS = {"met": "#b7e1b0", "near": "#fde7a3", "not met": "#f4b6b0", "n/a": "#e6e6e6"}
# The status is a mark before the value (cityplanner.kpi_status.STATUS_MARKS), not a column of
# its own, which leaves the KPI names room to wrap less.
COLUMNS = [
    QT_TRANSLATE_NOOP("KpiDock", "KPI"),
    QT_TRANSLATE_NOOP("KpiDock", "Value"),
    QT_TRANSLATE_NOOP("KpiDock", "Target"),
    QT_TRANSLATE_NOOP("KpiDock", "Change"),
]
VALUE_COLUMN, CHANGE_COLUMN = 1, 3


def decimals_for(result) -> int:
    """Decimals that suit a KPI's unit, the same for its value, target and change.

    Percentages one; counts (whole values and target, e.g. hotspots) none; other ratios one, or
    two when the target is below 10 (e.g. beds per 1,000 inhabitants).
    """
    if result.unit == "%":
        return 1
    numbers = [v for v in (result.value, result.baseline_value, result.target) if v is not None]
    if numbers and all(np.isfinite(v) and float(v).is_integer() for v in numbers):
        return 0
    return 2 if abs(result.target) < 10 else 1


def fit_labels(names: list[str], metrics: QFontMetricsF, slot_px: float) -> list[str]:
    """Bar labels that fit under their bars (``slot_px`` wide each) without running into each other.

    Names that fit are kept. Otherwise the words every name starts with are dropped ('District 1',
    'District 2', ... become '1', '2', ...) and what is still too long is cut with '…'.
    """
    limit = max(slot_px - metrics.horizontalAdvance("  "), 0.0)
    if all(metrics.horizontalAdvance(n) <= limit for n in names):
        return list(names)
    words = [n.split() for n in names]
    common = 0
    while all(len(w) > common + 1 for w in words) and len({w[common] for w in words}) == 1:
        common += 1
    short = [" ".join(w[common:]) for w in words] if common else list(names)
    return [metrics.elidedText(n, Qt.TextElideMode.ElideRight, limit) for n in short]


def format_value(value: float | None, decimals: int, unit: str = "") -> str:
    """A value with thousands separators and the given decimals in the UI language's number format
    (``1,234.5`` in English, ``1.234,5`` in Vietnamese; '–' when there is none)."""
    if value is None or not np.isfinite(value):
        return "–"
    text = i18n.format_number(value, decimals)
    return f"{text} {unit}" if unit else text


def format_change(change: float | None, decimals: int) -> str:
    """Change from the baseline with its sign ('+3.4', '-1.0'), '0.0' when it rounds to nothing
    (in the UI language's number format)."""
    if change is None or not np.isfinite(change):
        return "–"
    if round(change, decimals) == 0:
        return i18n.format_number(0.0, decimals)
    return i18n.format_number(change, decimals, sign=True)


class KpiDock(QDockWidget):
    """Live KPI table and district chart for the document's current scenario.

    Signals
    -------
    evaluated(list)
        The KpiResults shown after each finished evaluation.
    """

    evaluated = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(self.tr("KPIs"), parent)
        self.setObjectName("KpiDock")
        self.doc: ProjectDocument | None = None
        self.evaluator = None
        # Bumped whenever cached inputs go stale (another project, other layers): a job started
        # before never hands its evaluator to a later one.
        self._generation = 0
        self.results: list = []
        # The chart's figures: KPI value per group of zones, as the engine aggregates them.
        self.group_values = None
        # (kpi, group, scenario, figures) computed with the last values shown.
        self._chart_ready: tuple | None = None
        self._chart_names: list[str] = []
        self.runner = CoalescingRunner(self)
        self.runner.result.connect(self._show)
        self.runner.error.connect(self._show_error)
        self.runner.busy_changed.connect(self._busy)
        self.status = QLabel(self.tr("No project"))
        self.status.setWordWrap(True)
        # The scenario's capital cost (placements x unit cost, or a placement's own cost).
        self.cost = None
        self.cost_label = QLabel()
        self.cost_label.setObjectName("KpiCost")
        self.cost_label.setWordWrap(True)
        self.cost_label.hide()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # Names wrap onto more lines instead of being cut with '…'; rows grow to fit them.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        fit_sections(self.table)
        self.table.horizontalHeaderItem(VALUE_COLUMN).setToolTip(
            self.tr("Status: ✓ target met, ≈ within 10 % of it, ✗ short of it")
        )
        self.table.horizontalHeaderItem(CHANGE_COLUMN).setToolTip(
            self.tr("Change from the baseline scenario")
        )
        self.table.itemSelectionChanged.connect(self.update_chart)
        self.group_combo = QComboBox()
        self.group_combo.currentTextChanged.connect(lambda _t: self.update_chart())
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(CHART_MIN_HEIGHT)
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(False, False)
        self.chart_title = QLabel()
        self.chart_title.setWordWrap(True)
        chart_box = self.chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("By")))
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
        layout.addWidget(self.cost_label)
        layout.addWidget(splitter)
        self.setWidget(body)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_chart_box()
        self._set_chart_ticks()

    def _fit_chart_box(self) -> None:
        """Keep room for the chart under its title, however many lines the title wraps onto.

        The splitter sizes the chart's box by its minimum size, which leaves out a wrapped label's
        extra lines; a two-line (Vietnamese) title pushed the axis labels out of the dock.
        """
        title = self.chart_title
        extra_lines = title.heightForWidth(max(self.chart_box.width(), 1)) - title.minimumSizeHint().height()
        height = self.chart_box.layout().totalMinimumSize().height() + max(extra_lines, 0)
        if self.chart_box.minimumHeight() != height:
            self.chart_box.setMinimumHeight(height)

    def set_document(self, doc: ProjectDocument) -> None:
        self.doc = doc
        self.evaluator = None
        doc.placements_changed.connect(lambda _s: self.refresh())
        doc.current_scenario_changed.connect(lambda _s: self.refresh())
        doc.facility_types_changed.connect(self.refresh)
        doc.layers_changed.connect(self.reset)
        # Another project: none of the previous one's numbers stay while its values are computed.
        self.clear()
        self.status.setText(self.tr("Computing the KPIs of {project}…").format(project=doc.title))
        self.reset()

    def clear(self) -> None:
        """Show no value: an empty table, chart and cost (a project's values are on their way)."""
        self.results = []
        self.cost = None
        self.group_values = None
        self._chart_ready = None
        self._chart_names = []
        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(0)
        self.table.blockSignals(False)
        self.chart.clear()
        self.chart_title.clear()
        self.chart.setToolTip("")
        self.cost_label.clear()
        self.cost_label.hide()

    def reset(self) -> None:
        """Forget cached analysis inputs (layers or zones changed) and re-evaluate."""
        self.evaluator = None
        self._generation += 1
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        project = self.doc.project
        if project.zones_layer in project.layers:
            from cityplanner.kpi import district_field

            zones = project.zones
            fields = [
                c
                for c in zones.columns
                if c != zones.geometry.name and not pd.api.types.is_numeric_dtype(zones[c])
            ]
            # The report's district field first, so the chart and the report's tables agree.
            district = district_field(project)
            self.group_combo.addItems(sorted(fields, key=lambda c: (c != district, c)))
        self.group_combo.blockSignals(False)
        self.refresh()

    def _evaluator_for(self, project_copy, generation: int | None = None):
        # Imported on first use: the analysis stack is not needed to show the window (start-up time).
        from cityplanner.kpi import Evaluator

        generation = self._generation if generation is None else generation
        evaluator = self.evaluator
        if evaluator is None or getattr(evaluator, "_dock_generation", None) != generation:
            evaluator = Evaluator(project_copy)
            evaluator._dock_generation = generation
            if generation == self._generation:
                self.evaluator = evaluator
        else:
            # Cached demand and network stay valid (same layers); placements come from the copy.
            evaluator.project = project_copy
        return evaluator

    def refresh(self) -> None:
        """Evaluate the current scenario and its cost on a worker (superseding one still running)."""
        if self.doc is None:
            return
        project_copy = snapshot(self.doc.project)
        scenario = self.doc.current_scenario
        doc = self.doc
        generation = self._generation
        # The chart's figures too (the KPI that will be selected, by the chosen group): an engine
        # computation that took up to 0.1 s of the UI thread after each evaluation.
        wanted, group = self.selected_kpi(), self.group_combo.currentText()
        zones = project_copy.zones if group and project_copy.zones_layer in project_copy.layers else None
        groups = zones[group].to_numpy() if zones is not None and group in zones.columns else None

        def job(progress):
            from cityplanner.tasks import EvaluateKpis

            evaluator = self._evaluator_for(project_copy, generation)
            task = EvaluateKpis(project=project_copy, scenario=scenario, evaluator=evaluator)
            table = task.run(progress)
            ids = [r.id for r in table.results]
            kpi = wanted if wanted in ids else (ids[0] if ids else None)
            chart = None
            if kpi is not None and groups is not None:
                chart = (kpi, group, scenario, evaluator.by_group(kpi, groups, scenario))
            return doc, table, chart

        self.runner.request(job)

    def _busy(self, busy: bool) -> None:
        if busy and self.results:
            self.status.setText(
                self.tr("Updating KPIs for {scenario}…").format(
                    scenario=i18n.scenario_label(self.doc.current_scenario)
                )
            )

    def _show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.setToolTip(message)

    def _show(self, outcome) -> None:
        doc, table, chart = outcome
        if doc is not self.doc:
            return  # another project's values, finished after this one was opened
        self._chart_ready = chart
        scenario, results = table.scenario, table.results
        self.results = results
        self._show_cost(table.cost)
        selected = self.selected_kpi()
        fit_sections(self.table, False)
        self.table.setRowCount(len(results))
        for row, r in enumerate(results):
            unit = "%" if r.unit == "%" else ""
            decimals = decimals_for(r)
            mark = STATUS_MARKS.get(r.status, "")
            cells = [
                i18n.kpi_name(r),
                f"{mark} {format_value(r.value, decimals, unit)}".strip(),
                format_value(r.target, decimals, unit),
                format_change(r.change, decimals),
            ]
            status = i18n.status_text(r.status)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == VALUE_COLUMN:
                    item.setBackground(QColor(STATUS_COLOURS.get(r.status, "#ffffff")))
                tip = f"{r.code} {r.name} ({r.unit})\n{r.name_vi}\n{status}\n{r.method_note}"
                item.setToolTip(tip.strip())
                self.table.setItem(row, col, item)
        fit_sections(self.table)
        met = sum(r.status == "met" for r in results)
        self.status.setText(
            self.tr("{scenario}: {met} of {total} KPI targets met").format(
                scenario=i18n.scenario_label(scenario), met=met, total=len(results)
            )
        )
        # Reselecting the same KPI changes no selection, so the chart is redrawn here: its
        # per-district figures are the new scenario's even when the selected KPI is not new.
        self.table.blockSignals(True)
        if selected:
            self.select_kpi(selected)
        elif results:
            self.table.selectRow(0)
        self.table.blockSignals(False)
        self.update_chart()
        self.evaluated.emit(results)

    def _show_cost(self, cost) -> None:
        """The scenario's capital cost, and what it is made of (per facility type) in the tooltip."""
        self.cost = cost
        total = format_value(cost.total, 0, cost.currency)
        if not cost.types:
            text = self.tr("Capital cost: {total} (no new facilities)").format(total=total)
        else:
            text = self.tr("Capital cost: {total} for {count} new facilities").format(
                total=total, count=format_value(cost.placements, 0)
            )
        types = self.doc.project.facility_types
        lines = [
            self.tr("{count} × {type}: {cost}").format(
                count=t.count,
                type=i18n.facility_label(types[t.type]) if t.type in types else t.type,
                cost=format_value(t.cost, 0, cost.currency),
            )
            for t in cost.types
        ]
        if cost.unpriced:
            lines.append(
                self.tr("{count} placements of types the project does not define cost nothing.").format(
                    count=cost.unpriced
                )
            )
        self.cost_label.setText(text)
        self.cost_label.setToolTip("\n".join(lines))
        self.cost_label.show()

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
        """Bar chart of the selected KPI per zone group (the engine's ``Evaluator.by_group``)."""
        self.chart.clear()
        self._chart_names = []
        kpi_id = self.selected_kpi()
        group = self.group_combo.currentText()
        # No zone field to group by (an empty project): a blank plot, not empty 0-1 axes.
        for side in ("left", "bottom"):
            self.chart.showAxis(side, bool(self.group_combo.count()))
        if not kpi_id or not group or self.evaluator is None or self.runner.busy:
            return
        ready = self._chart_ready
        if ready is not None and ready[:3] == (kpi_id, group, self.doc.current_scenario):
            self.group_values = ready[3]  # computed with the values, on the worker
        else:
            self.group_values = self.evaluator.by_group(
                kpi_id, self.doc.project.zones[group].to_numpy(), self.doc.current_scenario
            )
        names = self.group_values.index.to_numpy()
        result = self.result(kpi_id)
        unit = f" ({result.unit})" if result and result.unit else ""
        self.chart_title.setText(
            self.tr("{kpi}{unit} by {group}").format(
                kpi=i18n.kpi_name(result) if result else kpi_id, unit=unit, group=group
            )
        )
        self._fit_chart_box()
        x = np.arange(len(names))
        heights = np.nan_to_num(self.group_values.to_numpy(dtype=float))
        self.chart.addItem(pg.BarGraphItem(x=x, height=heights, width=0.6, brush="#4a90c2"))
        self._chart_names = [str(n) for n in names]
        self.chart.setToolTip("\n".join(self._chart_names))
        self._set_chart_ticks()
        if result is not None and result.target is not None and np.isfinite(result.target):
            self.chart.addItem(
                pg.InfiniteLine(result.target, angle=0, pen=pg.mkPen("#d7191c", style=Qt.PenStyle.DashLine))
            )

    def _set_chart_ticks(self) -> None:
        """Group names under the bars, shortened to the room each bar has (full names in the tooltip)."""
        names = self._chart_names
        if not names:
            return
        axis = self.chart.getAxis("bottom")
        width = self.chart.getPlotItem().vb.width() or self.chart.width()
        metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
        labels = fit_labels(names, metrics, width / len(names))
        axis.setTicks([list(enumerate(labels))])
