"""Propose sites: the engine's Propose task (maximal covering, MCLP) with progress and Cancel.

The dialog is a face of :class:`cityplanner.tasks.Propose`, the task ``cityplanner optimise
PROJECT`` runs: it picks the candidates, builds the distances and writes the proposal, so the
dialog and the command line cannot drift apart. The task runs on a snapshot of the project
through :func:`ui.workers.start`; the proposal's sites are named in the UI language ("Clinic
(proposed) 1") and listed with their marginal gain and WGS84 position. "Create scenario" hands
the proposal over as :attr:`ProposeSitesDialog.scenario`, which the planner then edits like any
other plan.

The settings are remembered per open project for the next time the dialog opens, after Cancel
too. The dialog fits a 1024x768 screen: the settings in two columns, the result table scrolls
and the buttons stay in view.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .. import i18n, workers
from ..docks.scenarios import unique_name
from ..document import ProjectDocument, snapshot
from .identify import to_wgs84

# Candidate kinds offered (key: the dialog's, value: its text); see candidate_values().
CANDIDATES = {
    "grid": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Regular grid over the zones"),
    "streets": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Street network vertices"),
    "zones": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Zone centres"),
}
DISTANCES = {
    "euclidean": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Straight line"),
    "network": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Along the streets"),
}
# Result rows shown without scrolling (the rest scroll): keeps the dialog within 768 pixels.
VISIBLE_SITES = 8

# The settings of the last dialog of each open project (kept after Cancel), by document.
_REMEMBERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def candidate_values(kind: str, spacing: float) -> dict:
    """The Propose task's ``candidates`` / ``grid`` values for a candidate kind of the dialog."""
    if kind == "grid":
        return {"grid": float(spacing)}
    return {"candidates": "network" if kind == "streets" else "zones"}


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
        self.setSizeGripEnabled(True)
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
        self.radius.setDecimals(0)
        self.radius.setGroupSeparatorShown(True)
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
        self.spacing.setDecimals(0)
        self.spacing.setGroupSeparatorShown(True)
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
        self._restore()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.message = QLabel(
            self.tr(
                "Maximal covering: choose the sites that cover the most people within the radius; "
                "existing facilities of the type (and the current plan's) stay and count."
            )
        )
        self.message.setWordWrap(True)
        self.sites_table = QTableWidget(0, 4)
        self.sites_table.setHorizontalHeaderLabels(
            [self.tr("Site"), self.tr("Marginal gain (people)"), self.tr("Longitude"), self.tr("Latitude")]
        )
        self.sites_table.setToolTip(self.tr("Positions are WGS84 longitude and latitude in decimal degrees."))
        self.sites_table.verticalHeader().setVisible(False)
        # Compact rows: more sites in view.
        self.sites_table.verticalHeader().setDefaultSectionSize(self.sites_table.fontMetrics().height() + 8)
        self.sites_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.sites_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.sites_table.setWordWrap(False)
        self.sites_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.sites_table.hide()
        # Two columns of settings, so that the result table has room on a 768-pixel screen.
        left, right = QFormLayout(), QFormLayout()
        left.addRow(self.tr("Facility type"), self.type_combo)
        left.addRow(self.tr("Limit"), self.limit)
        left.addRow(self.tr("New sites"), self.sites)
        left.addRow(self.tr("Budget"), self.budget)
        left.addRow(self.tr("Service radius"), self.radius)
        right.addRow(self.tr("Distance"), self.distance)
        right.addRow(self.tr("Candidates"), self.candidates)
        right.addRow(self.tr("Candidate spacing"), self.spacing)
        right.addRow(self.tr("Time limit"), self.time_limit)
        right.addRow(self.tr("Scenario name"), self.name)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(12)
        columns.addLayout(right, 1)
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
        layout.addLayout(columns)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.sites_table, 1)
        layout.addWidget(self.buttons)
        self._limit_changed()
        self.spacing.setEnabled(self.candidates.currentData() == "grid")

    # -- settings ---------------------------------------------------------------------------------
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

    def settings(self) -> dict:
        """What the dialog is set to (kept for the next dialog on this project)."""
        return {
            "type": self.type_combo.currentData(),
            "limit": self.limit.currentData(),
            "sites": self.sites.value(),
            "budget": self.budget.value(),
            "radius": self.radius.value(),
            "distance": self.distance.currentData(),
            "candidates": self.candidates.currentData(),
            "spacing": self.spacing.value(),
            "time_limit": self.time_limit.value(),
            "name": self.name.text().strip(),
        }

    def _restore(self) -> None:
        """The settings the last dialog on this project closed with (after Run, Cancel or Create)."""
        kept = _REMEMBERED.get(self.doc)
        if not kept:
            return
        for combo, key in (
            (self.type_combo, "type"),
            (self.limit, "limit"),
            (self.distance, "distance"),
            (self.candidates, "candidates"),
        ):
            index = combo.findData(kept.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)  # the type sets its radius and budget first
        self.sites.setValue(kept["sites"])
        self.budget.setValue(kept["budget"])
        self.radius.setValue(kept["radius"])
        self.spacing.setValue(kept["spacing"])
        self.time_limit.setValue(kept["time_limit"])
        if kept["name"] and kept["name"] not in self.doc.project.scenarios:
            self.name.setText(kept["name"])

    def done(self, result: int) -> None:
        _REMEMBERED[self.doc] = self.settings()
        super().done(result)

    # -- running ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    def _refer(self, parameter, _metavar: bool = False) -> str:
        """How the task's messages name a parameter: by this dialog's (translated) label."""
        labels = {
            "type": self.tr("Facility type"),
            "sites": self.tr("New sites"),
            "budget": self.tr("Budget"),
            "radius": self.tr("Service radius"),
            "mode": self.tr("Distance"),
            "candidates": self.tr("Candidates"),
            "grid": self.tr("Candidate spacing"),
            "time_limit": self.tr("Time limit"),
            "into_scenario": self.tr("Scenario name"),
        }
        return labels.get(parameter.name, parameter.title)

    def task(self):
        """The engine's Propose task for the current settings, on a snapshot of the project."""
        from cityplanner.tasks import Propose

        by_budget = self.limit.currentData() == "budget"
        return Propose(
            refer=self._refer,
            project=snapshot(self.doc.project),
            type=self.type_combo.currentData(),
            into_scenario=self.name.text().strip(),
            # The current plan's placements stay and count, as existing facilities do.
            keep_scenario=self.doc.current_scenario,
            model="mclp",
            sites=None if by_budget else self.sites.value(),
            budget=self.budget.value() if by_budget else None,
            radius=self.radius.value(),
            mode=self.distance.currentData(),
            time_limit=float(self.time_limit.value()),
            **candidate_values(self.candidates.currentData(), self.spacing.value()),
        )

    def run(self) -> None:
        """Validate, then run the task on a worker thread (the street network built there too)."""
        from cityplanner.errors import CityPlannerError
        from cityplanner.optimise.project_siting import proposal_name

        name = self.name.text().strip()
        if not name or name in self.doc.project.scenarios:
            self.message.setText(
                self.tr("Choose a new scenario name ('{name}' is empty or already used).").format(name=name)
            )
            return
        task = self.task()
        try:
            task.validate()
        except CityPlannerError as err:
            self.message.setText(str(err))
            return
        doc = self.doc
        needs_network = task.distance_mode(task["project"]) == "network" or task.candidate_kind() == "network"
        ftype = doc.project.facility_type(task["type"])
        label, name_format = i18n.facility_label(ftype), self.tr("{label} (proposed) {rank}")

        def job(progress):
            if needs_network:
                task.network = doc.street_network()  # the app's cached network, built once
            proposal = task.run(progress)
            # Named in the UI language, in the task's order (greedy: site 1 adds the most).
            proposed = [p for p in proposal.scenario.placements if p.source == "optimiser"]
            for rank, placement in enumerate(proposed, start=1):
                placement.name = proposal_name(label, proposal.result.model, rank, name_format)
            return proposal

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

    def _done(self, proposal) -> None:
        result, scenario = proposal.result, proposal.scenario
        self.worker = None
        self.result, self.scenario = result, scenario
        self.progress.setValue(100)
        status = (
            self.tr("optimal")
            if result.optimal
            else self.tr("within {gap} % of the best possible").format(
                gap=i18n.format_number(100 * result.gap)
            )
        )
        self.message.setText(
            self.tr(
                "'{scenario}': {sites} new sites cover {covered} of {total} people "
                "({percent} %, {before} % before); {status}, {seconds} s."
            ).format(
                scenario=scenario.name,
                sites=i18n.format_number(len(result.selected), 0),
                covered=i18n.format_number(result.population_covered, 0),
                total=i18n.format_number(result.population_total, 0),
                percent=i18n.format_number(result.percent_covered),
                before=i18n.format_number(result.percent_covered_before),
                status=status,
                seconds=i18n.format_number(result.seconds),
            )
        )
        self._fill_table(scenario.placements)
        self.run_button.setEnabled(True)
        self.create_button.setEnabled(True)
        self.create_button.setDefault(True)

    def _fill_table(self, placements) -> None:
        """Sites, largest marginal gain first, with WGS84 positions; the table scrolls past eight."""
        placements = sorted(placements, key=lambda p: -(p.marginal_gain or 0.0))
        lon, lat = to_wgs84(self.doc.project.crs, [p.x for p in placements], [p.y for p in placements])
        table = self.sites_table
        table.setRowCount(len(placements))
        for row, p in enumerate(placements):
            cells = [
                p.name,
                i18n.format_number(p.marginal_gain, 0),
                i18n.format_degrees(lon[row]),
                i18n.format_degrees(lat[row]),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, col, item)
        header = table.horizontalHeader()
        rows = table.verticalHeader()
        frame = header.sizeHint().height() + 2 * table.frameWidth()
        table.setMinimumHeight(frame + min(len(placements), 3) * rows.defaultSectionSize())
        table.setMinimumWidth(
            sum(
                max(table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(table.columnCount())
            )
            + table.verticalScrollBar().sizeHint().width()
            + 2 * table.frameWidth()
        )
        table.show()
        self._fit_to_screen(frame + min(len(placements), VISIBLE_SITES) * rows.defaultSectionSize())

    def _fit_to_screen(self, table_height: int) -> None:
        """Grow to show up to eight sites, never beyond the screen: the buttons stay in view."""
        layout = self.layout()
        layout.activate()
        table = self.sites_table
        screen = (self.screen() or self.parentWidget().screen()).availableGeometry()
        frame_extra = max(0, self.frameGeometry().height() - self.height())
        # The rest of the dialog as laid out now, plus the table at the height wanted.
        others = layout.sizeHint().height() - max(table.sizeHint().height(), table.minimumHeight())
        height = min(others + table_height, screen.height() - frame_extra)
        width = min(max(self.width(), layout.sizeHint().width()), screen.width())
        self.resize(width, max(height, self.minimumSizeHint().height()))
        # Keep the whole dialog on the screen after growing.
        frame = self.frameGeometry()
        x = min(max(frame.left(), screen.left()), screen.right() - frame.width() + 1)
        y = min(max(frame.top(), screen.top()), screen.bottom() - frame.height() + 1)
        self.move(max(x, screen.left()), max(y, screen.top()))

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
