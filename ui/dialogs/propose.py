"""Propose sites: run the engine's maximal covering model (MCLP) with progress and Cancel.

Candidates, the model run and the proposal all come from :mod:`cityplanner.optimise`
(``grid_candidates``, ``optimise_project``, ``propose_into_scenario``), the functions
``cityplanner optimise PROJECT`` calls. After a run the dialog shows what the proposal covers and
each site's marginal gain; "Create scenario" hands the proposal over as
:attr:`ProposeSitesDialog.scenario`, which the planner then edits like any other plan.
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import i18n, workers
from ..docks.scenarios import unique_name
from ..document import ProjectDocument, snapshot

CANDIDATES = {
    "grid": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Regular grid over the zones"),
    "streets": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Street network vertices"),
    "zones": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Zone centres"),
}
DISTANCES = {
    "euclidean": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Straight line"),
    "network": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Along the streets"),
}


class ProposeSitesDialog(QDialog):
    """Set the type, number of sites, radius and candidates; Run shows progress with Cancel.

    Attributes
    ----------
    result : cityplanner.optimise.SitingResult or None
        The last finished run.
    scenario : cityplanner.project.Scenario or None
        The proposal (optimiser placements with their marginal gains), set when the run finished.
    """

    def __init__(self, doc: ProjectDocument, type_name: str | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ProposeSitesDialog")
        self.setWindowTitle(self.tr("Propose sites"))
        self.doc = doc
        self.scenario = None
        self.result = None
        self.worker = None
        project = doc.project
        has_roads = project.layer_with_role("roads") is not None
        self.type_combo = QComboBox()
        for ft in project.facility_types.values():
            self.type_combo.addItem(i18n.facility_label(ft), ft.name)
        if type_name:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(type_name)))
        self.sites = QSpinBox()
        self.sites.setRange(1, 500)
        self.sites.setValue(5)
        # "How many" is a number of sites or a budget spent at the type's unit cost.
        self.limit = QComboBox()
        self.limit.addItem(self.tr("Number of sites"), "sites")
        self.limit.addItem(self.tr("Budget"), "budget")
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0, 1e12)
        self.budget.setDecimals(0)
        self.budget.setGroupSeparatorShown(True)
        self.budget.setSuffix(f" {project.setting('currency', '')}".rstrip())
        self.limit.currentIndexChanged.connect(lambda _i: self._limit_changed())
        self.radius = QDoubleSpinBox()
        self.radius.setRange(10, 50_000)
        self.radius.setSuffix(" m")
        self.distance = QComboBox()
        for key, text in DISTANCES.items():
            if key != "network" or has_roads:
                self.distance.addItem(self.tr(text), key)
        mode = project.distance_mode  # as the KPIs measure
        self.distance.setCurrentIndex(max(0, self.distance.findData(mode)))
        self.candidates = QComboBox()
        for key, text in CANDIDATES.items():
            if key != "streets" or has_roads:
                self.candidates.addItem(self.tr(text), key)
        self.spacing = QDoubleSpinBox()
        self.spacing.setRange(5, 5000)
        self.spacing.setValue(100)
        self.spacing.setSuffix(" m")
        self.candidates.currentIndexChanged.connect(
            lambda _i: self.spacing.setEnabled(self.candidates.currentData() == "grid")
        )
        self.time_limit = QSpinBox()
        self.time_limit.setRange(1, 3600)
        self.time_limit.setValue(30)
        self.time_limit.setSuffix(" s")
        self.name = QLineEdit(unique_name(project.scenarios, self.tr("Proposal")))
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.message = QLabel(
            self.tr(
                "Maximal covering: choose the sites that cover the most people within the radius; "
                "existing facilities of the type (and the current plan's) stay and count."
            )
        )
        self.message.setWordWrap(True)
        self.sites_table = QTableWidget(0, 3)
        self.sites_table.setHorizontalHeaderLabels(
            [self.tr("Site"), self.tr("Marginal gain (people)"), self.tr("Position (x, y)")]
        )
        self.sites_table.verticalHeader().setVisible(False)
        self.sites_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.sites_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.sites_table.setWordWrap(False)
        self.sites_table.hide()
        form = QFormLayout()
        form.addRow(self.tr("Facility type"), self.type_combo)
        form.addRow(self.tr("Limit"), self.limit)
        form.addRow(self.tr("New sites"), self.sites)
        form.addRow(self.tr("Budget"), self.budget)
        form.addRow(self.tr("Service radius"), self.radius)
        form.addRow(self.tr("Distance"), self.distance)
        form.addRow(self.tr("Candidates"), self.candidates)
        form.addRow(self.tr("Candidate spacing"), self.spacing)
        form.addRow(self.tr("Time limit"), self.time_limit)
        form.addRow(self.tr("Scenario name"), self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = self.buttons.addButton(self.tr("Run"), QDialogButtonBox.ButtonRole.ActionRole)
        self.create_button = self.buttons.addButton(
            self.tr("Create scenario"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.sites_table)
        layout.addWidget(self.buttons)
        self._limit_changed()

    def _type_changed(self) -> None:
        ft = self.doc.project.facility_types.get(self.type_combo.currentData())
        if ft is not None:
            self.radius.setValue(ft.radius_m)
            # Default budget: what the number of sites would cost.
            self.budget.setValue(ft.unit_cost * self.sites.value())

    def _limit_changed(self) -> None:
        by_budget = self.limit.currentData() == "budget"
        self.sites.setEnabled(not by_budget)
        self.budget.setEnabled(by_budget)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def run(self) -> None:
        """Solve on a worker thread; the proposal is built on a copy of the project."""
        from cityplanner.optimise import grid_candidates, optimise_project, propose_into_scenario

        name = self.name.text().strip()
        if not name or name in self.doc.project.scenarios:
            self.message.setText(
                self.tr("Choose a new scenario name ('{name}' is empty or already used).").format(name=name)
            )
            return
        doc = self.doc
        project = snapshot(doc.project)
        type_name = self.type_combo.currentData()
        sites, radius, limit = self.sites.value(), self.radius.value(), float(self.time_limit.value())
        budget = self.budget.value() if self.limit.currentData() == "budget" else None
        if budget is not None:
            sites = None
        kind, spacing = self.candidates.currentData(), self.spacing.value()
        along_streets = self.distance.currentData() == "network"
        current = doc.current_scenario

        preparing = self.tr("Preparing candidate sites")

        def job(progress):
            progress.update(0.0, preparing)
            network = doc.street_network() if along_streets or kind == "streets" else None
            if kind == "grid":
                candidates_xy = grid_candidates(project.zones, spacing)
            elif kind == "streets":
                candidates_xy = np.asarray(network.nodes_xy)
            else:
                candidates_xy = shapely.get_coordinates(
                    shapely.point_on_surface(project.zones.geometry.values)
                )
            result = optimise_project(
                project,
                type_name,
                "mclp",
                candidates_xy,
                sites=sites,
                radius_m=radius,
                network=network if along_streets else None,
                scenario=current,
                time_limit_s=limit,
                progress=progress,
                budget=budget,
            )
            return result, propose_into_scenario(project, type_name, result, candidates_xy, name)

        self.run_button.setEnabled(False)
        self.create_button.setEnabled(False)
        self.sites_table.hide()
        self.progress.setValue(0)
        self.message.setText(self.tr("Solving…"))
        self.worker = workers.start(job, self._done, self._failed, self._progress, self._cancelled)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        if message:
            self.message.setText(message)

    def _done(self, outcome) -> None:
        result, scenario = outcome
        self.worker = None
        self.result, self.scenario = result, scenario
        self.progress.setValue(100)
        status = (
            self.tr("optimal")
            if result.optimal
            else self.tr("within {gap} of the best possible").format(gap=f"{result.gap:.1%}")
        )
        self.message.setText(
            self.tr(
                "'{scenario}': {sites} new sites cover {covered} of {total} people "
                "({percent} %, {before} % before); {status}, {seconds} s."
            ).format(
                scenario=scenario.name,
                sites=len(result.selected),
                covered=f"{result.population_covered:,.0f}",
                total=f"{result.population_total:,.0f}",
                percent=f"{result.percent_covered:.1f}",
                before=f"{result.percent_covered_before:.1f}",
                status=status,
                seconds=f"{result.seconds:.1f}",
            )
        )
        # Largest marginal gain first (the scenario is new: it holds this run's sites only).
        placements = sorted(scenario.placements, key=lambda p: -p.marginal_gain)
        self.sites_table.setRowCount(len(placements))
        for row, p in enumerate(placements):
            cells = [p.name, f"{p.marginal_gain:,.0f}", f"{p.x:,.0f}, {p.y:,.0f}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.sites_table.setItem(row, col, item)
        # Room for the header and up to eight sites (the rest scroll); the dialog grows to fit them,
        # where the table used to get one row and a header cut at both ends.
        table = self.sites_table
        shown = min(len(placements), 8)
        table.setMinimumHeight(
            table.horizontalHeader().sizeHint().height()
            + shown * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
        )
        header = table.horizontalHeader()
        table.setMinimumWidth(
            sum(max(table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(3))
            + table.verticalScrollBar().sizeHint().width()
            + 2 * table.frameWidth()
        )
        table.show()
        self.adjustSize()
        self.run_button.setEnabled(True)
        self.create_button.setEnabled(True)
        self.create_button.setDefault(True)

    def _failed(self, message: str) -> None:
        self.worker = None
        self.run_button.setEnabled(True)
        self.progress.setValue(0)
        self.message.setText(message)

    def _cancelled(self) -> None:
        self.worker = None
        super().reject()

    def reject(self) -> None:
        """Cancel (button or Esc): stop a running solve at its next checkpoint, then close."""
        if self.worker is not None:
            self.message.setText(self.tr("Cancelling…"))
            self.worker.cancel()
        else:
            super().reject()
