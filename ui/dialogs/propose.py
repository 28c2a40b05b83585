"""Propose sites: the engine's Propose task (three goals) with progress and Cancel.

The goal is one of the task's siting models: cover the most people within the radius with a
number of sites or a budget (maximal covering, ``mclp``); the shortest travel for everyone, the
given number of sites with the least people x distance (p-median, ``pmedian``; the radius only
says what the result counts as covered); or the fewest sites that bring a target share of the
people within the radius (set covering, ``lscp``). Only the settings the goal takes are enabled.

The dialog is a face of :class:`cityplanner.tasks.Propose`, the task ``cityplanner optimise
PROJECT`` runs: it picks the candidates, builds the distances and writes the proposal, so the
dialog and the command line cannot drift apart. The task is built, validated and run on a
snapshot of the project through :func:`ui.workers.start`, the engine's modules imported there:
the UI thread only reads the settings. The task names the proposal's sites in the UI language
("Clinic (proposed) 1"); they are listed with their marginal gain and WGS84 position. "Create
scenario" hands the proposal over as :attr:`ProposeSitesDialog.scenario`, which the planner then
edits like any other plan.

The solve is anytime: while it runs the dialog shows the best proposal so far in the goal's terms
(people covered, the average distance to the nearest facility, or the number of sites), the bound
on what is possible and the gap, and the time it has run. "Stop and keep the best"
ends it with that proposal, whose gap the result states; Cancel discards the run. When the
current plan holds a proposal of the type, "Re-optimise" starts the search from its sites as the
planner left them (moved or not) and replaces them; sites placed by hand stay and count.

The settings are remembered per open project for the next time the dialog opens, after Cancel
too. The dialog fits a 1024x768 screen: the settings in two columns, the result table scrolls
and the buttons stay in view.
"""

from __future__ import annotations

import math
import threading
import weakref

from PySide6.QtCore import QT_TRANSLATE_NOOP, QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
# The goals offered (key: the Propose task's model, value: its text), in the combo's order.
GOALS = {
    "mclp": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Cover the most people within the radius"),
    "pmedian": QT_TRANSLATE_NOOP(
        "ProposeSitesDialog", "Shortest travel for everyone (least people × distance)"
    ),
    "lscp": QT_TRANSLATE_NOOP("ProposeSitesDialog", "Fewest sites to cover a share of the people"),
}
# Result rows shown without scrolling (the rest scroll): keeps the dialog within 768 pixels.
VISIBLE_SITES = 8

# The settings of the last dialog of each open project (kept after Cancel), by document.
_REMEMBERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Relay(QObject):
    """Carries the running solve's incumbents from the worker thread to the dialog (queued)."""

    incumbent = Signal(object)
    # The people the run counts (its population surface's total), sent before its first incumbent:
    # the p-median's person-metres shown as an average distance per person.
    population = Signal(float)


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
        self._type = type_name
        project = doc.project
        has_roads = project.layer_with_role("roads") is not None
        # The run's model, radius and target (the widgets may change while it runs).
        self._run: dict = {}
        self._population = 0.0
        self.goal = QComboBox()
        for key, text in GOALS.items():
            self.goal.addItem(self.tr(text), key)
        self.target = QSpinBox()
        self.target.setRange(1, 100)
        self.target.setValue(90)
        self.target.setSuffix(" %")
        self.target.setToolTip(
            self.tr("The share of the people the fewest sites must bring within the radius.")
        )
        # The limit a maximal covering run uses (the other goals take a number of sites or none).
        self._mclp_limit = "sites"
        self._shown_goal = "mclp"
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
        # Warm start: the current plan's proposal (as the planner moved it) is where the search
        # starts, and the new proposal replaces it; shown only when there is one to start from.
        self.reoptimise = QCheckBox()
        self.reoptimise.setToolTip(
            self.tr(
                "Start from the plan's proposed sites where they are now, moved or not; the new "
                "proposal replaces them. Sites placed by hand stay where they are and count."
            )
        )
        self.reoptimise.toggled.connect(self._reoptimise_toggled)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        # The best proposal so far while the solve runs, and the time it has run.
        self.best = QLabel()
        self.best.setWordWrap(True)
        self.best.hide()
        self._relay = _Relay(self)
        self._relay.incumbent.connect(self._incumbent)
        self._relay.population.connect(self._population_counted)
        self._stop = threading.Event()
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self._show_elapsed)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.sites_table = QTableWidget(0, 4)
        self._set_gain_header("mclp")
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
        # The target share shows for the set covering goal only; the radius heads the right column
        # so that the columns stay of a height.
        left, right = QFormLayout(), QFormLayout()
        self._left = left
        left.addRow(self.tr("Goal"), self.goal)
        left.addRow(self.tr("Facility type"), self.type_combo)
        left.addRow(self.tr("Limit"), self.limit)
        left.addRow(self.tr("New sites"), self.sites)
        left.addRow(self.tr("Budget"), self.budget)
        left.addRow(self.tr("Target coverage"), self.target)
        right.addRow(self.tr("Service radius"), self.radius)
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
        # Beside Cancel while a solve runs: Cancel discards, this keeps the best answer so far.
        self.stop_button = self.buttons.addButton(
            self.tr("Stop and keep the best"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.stop_button.setToolTip(
            self.tr("End the search now and keep the best proposal found so far, with its gap.")
        )
        self.stop_button.hide()
        self.stop_button.clicked.connect(self.stop)
        self.run_button.clicked.connect(self.run)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.reoptimise)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.best)
        layout.addWidget(self.sites_table, 1)
        layout.addWidget(self.buttons)
        self.goal.currentIndexChanged.connect(lambda _i: self._goal_changed())
        self._restore()
        self._goal_changed()
        self.spacing.setEnabled(self.candidates.currentData() == "grid")

    # -- settings ---------------------------------------------------------------------------------
    def _type_changed(self) -> None:
        ft = self.doc.project.facility_types.get(self.type_combo.currentData())
        if ft is not None:
            self.radius.setValue(ft.radius_m)
            # Default budget: what the number of sites would cost.
            self.budget.setValue(ft.unit_cost * self.sites.value())
        proposed = self._proposed()
        self.reoptimise.setVisible(bool(proposed))
        self.reoptimise.setChecked(False)
        self.reoptimise.setText(
            self.tr("Re-optimise the {count} proposed sites of '{scenario}'").format(
                count=len(proposed), scenario=i18n.scenario_label(self.doc.current_scenario)
            )
        )

    def _proposed(self) -> list:
        """The optimiser's sites of the chosen type in the current plan (what a re-run starts from)."""
        scenario = self.doc.scenario
        if scenario.name == self.doc.project.baseline.name:
            return []
        type_name = self.type_combo.currentData()
        return [p for p in scenario.placements if p.type == type_name and p.source == "optimiser"]

    def _reoptimise_toggled(self, checked: bool) -> None:
        # As many new sites as the proposal re-optimised, unless the planner says otherwise.
        if checked:
            self.sites.setValue(max(1, len(self._proposed())))

    def _limit_changed(self) -> None:
        goal = self.goal.currentData()
        by_budget = goal == "mclp" and self.limit.currentData() == "budget"
        self.sites.setEnabled(goal != "lscp" and not by_budget)
        self.budget.setEnabled(by_budget)

    def _goal_changed(self) -> None:
        """Enable what the goal takes: a number of sites or a budget (mclp), a number of sites
        (pmedian), a target share (lscp); the radius always (what "covered" means)."""
        goal = self.goal.currentData()
        if self._shown_goal == "mclp" and goal != "mclp":
            self._mclp_limit = self.limit.currentData()  # kept for a return to maximal covering
        self._shown_goal = goal
        if goal == "mclp":
            self.limit.setCurrentIndex(max(0, self.limit.findData(self._mclp_limit)))
        else:
            self.limit.setCurrentIndex(self.limit.findData("sites"))
        self.limit.setEnabled(goal == "mclp")
        self._limit_changed()
        self.target.setEnabled(goal == "lscp")
        self._left.setRowVisible(self.target, goal == "lscp")
        if not self.running:
            self.message.setText(self._explanation(goal))

    def _explanation(self, goal: str) -> str:
        if goal == "pmedian":
            return self.tr(
                "Shortest travel: choose the new sites that make the distance people travel to their "
                "nearest facility the least in total; the radius only sets what the result counts as "
                "covered. Existing facilities of the type (and the current plan's) stay and count."
            )
        if goal == "lscp":
            return self.tr(
                "Set covering: choose the fewest sites that bring the target share of the people "
                "within the radius; existing facilities of the type (and the current plan's) stay "
                "and count."
            )
        return self.tr(
            "Maximal covering: choose the sites that cover the most people within the radius; "
            "existing facilities of the type (and the current plan's) stay and count."
        )

    def _set_gain_header(self, model: str) -> None:
        """The marginal gain column in the model's unit: the people each site brings within the
        radius, added greedily (the p-median's, given a radius, are counted that way too)."""
        if model == "pmedian":
            gain = self.tr("Newly within the radius (people)")
        else:
            gain = self.tr("Marginal gain (people)")
        self.sites_table.setHorizontalHeaderLabels(
            [self.tr("Site"), gain, self.tr("Longitude"), self.tr("Latitude")]
        )

    def settings(self) -> dict:
        """What the dialog is set to (kept for the next dialog on this project)."""
        goal = self.goal.currentData()
        return {
            "goal": goal,
            "target": self.target.value(),
            "type": self.type_combo.currentData(),
            "limit": self.limit.currentData() if goal == "mclp" else self._mclp_limit,
            "sites": self.sites.value(),
            "budget": self.budget.value(),
            "radius": self.radius.value(),
            "distance": self.distance.currentData(),
            "candidates": self.candidates.currentData(),
            "spacing": self.spacing.value(),
            "time_limit": self.time_limit.value(),
            "name": self.name.text().strip(),
            "reoptimise": self.reoptimise.isChecked(),
        }

    def _restore(self) -> None:
        """The settings the last dialog on this project closed with (after Run, Cancel or Create);
        settings kept before the goal existed restore as maximal covering."""
        kept = _REMEMBERED.get(self.doc)
        if not kept:
            return
        for combo, key in (
            (self.goal, "goal"),
            (self.type_combo, "type"),
            (self.limit, "limit"),
            (self.distance, "distance"),
            (self.candidates, "candidates"),
        ):
            index = combo.findData(kept.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)  # the type sets its radius and budget first
        self._mclp_limit = kept.get("limit") or "sites"  # shown by the goal (when it takes a limit)
        # Before the numbers: ticking it sets the number of sites.
        self.reoptimise.setChecked(kept["reoptimise"] and not self.reoptimise.isHidden())
        self.sites.setValue(kept["sites"])
        self.budget.setValue(kept["budget"])
        self.radius.setValue(kept["radius"])
        self.spacing.setValue(kept["spacing"])
        self.time_limit.setValue(kept["time_limit"])
        self.target.setValue(int(kept.get("target", self.target.value())))
        if kept["name"] and kept["name"] not in self.doc.project.scenarios:
            self.name.setText(kept["name"])

    def done(self, result: int) -> None:
        _REMEMBERED[self.doc] = self.settings()
        super().done(result)

    # -- running ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    def _labels(self) -> dict[str, str]:
        """How the task's messages name its parameters: by this dialog's (translated) labels."""
        return {
            "type": self.tr("Facility type"),
            "sites": self.tr("New sites"),
            "budget": self.tr("Budget"),
            "model": self.tr("Goal"),
            "target": self.tr("Target coverage"),
            "radius": self.tr("Service radius"),
            "mode": self.tr("Distance"),
            "candidates": self.tr("Candidates"),
            "grid": self.tr("Candidate spacing"),
            "time_limit": self.tr("Time limit"),
            "into_scenario": self.tr("Scenario name"),
            "reoptimise": self.tr("Re-optimise"),
        }

    def task_values(self) -> dict:
        """The Propose task's values for the current settings (plain data, read on the UI thread):
        the goal's model with what it takes (sites or a budget, sites, or a target share)."""
        model = self.goal.currentData()
        by_budget = model == "mclp" and self.limit.currentData() == "budget"
        ftype = self.doc.project.facility_type(self.type_combo.currentData())
        return {
            "type": ftype.name,
            "into_scenario": self.name.text().strip(),
            # The current plan's placements stay and count, as existing facilities do.
            "keep_scenario": self.doc.current_scenario,
            "reoptimise": not self.reoptimise.isHidden() and self.reoptimise.isChecked(),
            "model": model,
            "sites": None if by_budget or model == "lscp" else self.sites.value(),
            "budget": self.budget.value() if by_budget else None,
            **({"target": float(self.target.value())} if model == "lscp" else {}),
            "radius": self.radius.value(),
            "mode": self.distance.currentData(),
            "time_limit": float(self.time_limit.value()),
            # Named in the UI language, in the task's order (greedy: site 1 adds the most).
            "name_format": self.tr("{label} (proposed) {rank}"),
            "label": i18n.facility_label(ftype),
            **candidate_values(self.candidates.currentData(), self.spacing.value()),
        }

    def run(self) -> None:
        """Run the Propose task on a worker thread: building, validating and solving all happen
        there (the engine's modules are imported there too), so the UI thread never waits."""
        name = self.name.text().strip()
        if not name or name in self.doc.project.scenarios:
            self.message.setText(
                self.tr("Choose a new scenario name ('{name}' is empty or already used).").format(name=name)
            )
            return
        doc, values, labels = self.doc, self.task_values(), self._labels()
        self._type = values["type"]
        self._run = {"model": values["model"], "radius": values["radius"], "target": values.get("target")}
        self._population = 0.0
        values["project"] = snapshot(doc.project)
        stop = self._stop = threading.Event()
        relay = self._relay

        def job(progress):
            from cityplanner.progress import BestMessage, Progress
            from cityplanner.tasks import Propose

            def refer(parameter, _metavar: bool = False) -> str:
                return labels.get(parameter.name, parameter.title)

            task = Propose(refer=refer, on_incumbent=relay.incumbent.emit, stop=stop.is_set, **values)
            task.validate()
            if task.distance_mode(task["project"]) == "network" or task.candidate_kind() == "network":
                task.network = doc.street_network()  # the app's cached network, built once
            if task["model"] == "pmedian":
                # The people counted, for the average distance per person of each best answer:
                # the surface the task would build itself, built here once and handed to it.
                from cityplanner.surface import project_surface

                task.surface = project_surface(task["project"])
                relay.population.emit(float(task.surface.population.sum()))
            # The best answers arrive as incumbents; their English progress lines are left out.
            quiet = Progress(
                lambda fraction, message: progress.update(
                    fraction, "" if isinstance(message, BestMessage) else message
                )
            )
            return task.run(quiet)

        self.run_button.setEnabled(False)
        self.create_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        self.stop_button.show()
        self.sites_table.hide()
        self.best.clear()
        self.best.show()
        self.progress.setValue(0)
        self.message.setText(self.tr("Solving…"))
        self._clock.start()
        self._ticker.start()
        self._show_elapsed()
        self.worker = workers.start(job, self._done, self._failed, self._progress, self._cancelled)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        # Once a proposal is shown, the solver's own steps (and their partial gaps) would only
        # blur the best answer's figures: the message says what the planner may do instead.
        if message and self.best.text():
            message = self.tr("Improving the proposal; stop at any time to keep the best so far.")
        if message and not self._stop.is_set():
            self.message.setText(message)

    def _show_elapsed(self) -> None:
        seconds = i18n.format_number(self._clock.elapsed() / 1000, 0)
        self.progress.setFormat(self.tr("%p % · {seconds} s").format(seconds=seconds))

    def _population_counted(self, total: float) -> None:
        self._population = total

    def _incumbent(self, incumbent) -> None:
        """A better proposal or bound from the running solve, in the goal's terms (people covered,
        average distance per person, number of sites), with its bound, gap and time."""
        if self.worker is None:
            return  # a late one from a run that has ended
        model = self._run.get("model", "mclp")
        bounded = math.isfinite(incumbent.gap) and math.isfinite(incumbent.bound)
        if model == "pmedian":
            if self._population <= 0:
                return  # the people counted are not known yet
            if bounded:
                text = self.tr(
                    "Best so far: {value} m on average to the nearest facility; at least {bound} m "
                    "possible (gap {gap} %); found after {seconds} s."
                )
            else:
                text = self.tr(
                    "Best so far: {value} m on average to the nearest facility (no bound yet); found "
                    "after {seconds} s."
                )
            # Over the people the answer serves: those it leaves on a street part no site reaches
            # are out of its objective (and it states no bound), as the final message says.
            counted = self._population - incumbent.left_out
            value = i18n.format_number(incumbent.objective / counted if counted > 0 else math.nan, 0)
            bound = i18n.format_number(max(incumbent.bound, 0.0) / self._population, 0)
            if incumbent.left_out > 0:
                text += " " + self.tr(
                    "{left} people live on separate parts of the street network that no site reaches yet."
                ).replace("{left}", i18n.format_number(incumbent.left_out, 0))
        elif model == "lscp":
            if bounded:
                text = self.tr(
                    "Best so far: {value} new sites; at least {bound} needed (gap {gap} %); found after "
                    "{seconds} s."
                )
            else:
                text = self.tr("Best so far: {value} new sites (no bound yet); found after {seconds} s.")
            value = i18n.format_number(incumbent.objective, 0)
            # A whole number of sites: the bound rounded up (less a rounding error) still holds.
            bound = i18n.format_number(math.ceil(incumbent.bound - 1e-6) if bounded else incumbent.bound, 0)
        else:
            if bounded:
                text = self.tr(
                    "Best so far: {covered} people covered; at most {bound} possible (gap {gap} %); found "
                    "after {seconds} s."
                )
            else:
                text = self.tr(
                    "Best so far: {covered} people covered (no bound yet); found after {seconds} s."
                )
            value = i18n.format_number(incumbent.objective, 0)
            bound = i18n.format_number(incumbent.bound, 0)
        self.best.setText(
            text.format(
                value=value,
                covered=value,
                bound=bound,
                gap=i18n.format_number(100 * incumbent.gap, 2),
                seconds=i18n.format_number(incumbent.seconds),
            )
        )
        if not self._stop.is_set():
            self.stop_button.setEnabled(True)

    def stop(self) -> None:
        """Stop and keep the best: the solve ends at its next checkpoint with the best answer so far."""
        if self.worker is not None:
            self._stop.set()
            self.stop_button.setEnabled(False)
            self.message.setText(self.tr("Stopping with the best proposal so far…"))

    def _finished(self) -> None:
        self.worker = None
        self._ticker.stop()
        self.stop_button.hide()
        self.run_button.setEnabled(True)

    def _done(self, proposal) -> None:
        self._finished()
        self._show_elapsed()
        result, scenario = proposal.result, proposal.scenario
        self.result, self.scenario = result, scenario
        self.progress.setValue(100)
        self.best.hide()
        self.message.setText(self._summary(result, scenario.name))
        self._set_gain_header(self._run.get("model", "mclp"))
        # The proposal's own sites (a re-optimised plan also holds the planner's).
        self._fill_table([p for p in scenario.placements if p.source == "optimiser" and p.type == self._type])
        self.create_button.setEnabled(True)
        self.create_button.setDefault(True)

    def _summary(self, result, scenario: str) -> str:
        """The finished run in its goal's terms: people covered (mclp), the average distance per
        person (pmedian) or the number of sites (lscp), with the share within the radius."""
        model = self._run.get("model", "mclp")
        if model == "pmedian":
            text = self.tr(
                "'{scenario}': with {sites} new sites people travel {average} m on average to the "
                "nearest facility; {percent} % are within {radius} m ({before} % before); {status}, "
                "{seconds} s."
            )
        elif model == "lscp":
            text = self.tr(
                "'{scenario}': {sites} new sites bring {percent} % of the people within {radius} m "
                "(target {target} %, {before} % before); {status}, {seconds} s."
            )
        else:
            text = self.tr(
                "'{scenario}': {sites} new sites cover {covered} of {total} people "
                "({percent} %, {before} % before); {status}, {seconds} s."
            )
        total = result.population_total
        # The people the objective counts: not those no site can reach, nor those the answer leaves
        # on a street part of their own (a note of the result says so).
        left_out = result.population_left_out or 0.0
        counted = total - (result.unreachable_population or 0.0) - left_out
        if model == "pmedian" and left_out > 0:
            text += " " + self.tr(
                "{left} people live on separate parts of the street network that no site reaches; "
                "they are left out of the average (more sites, or candidates on connected streets "
                "only, would serve them)."
            ).replace("{left}", i18n.format_number(left_out, 0))
        return text.format(
            scenario=scenario,
            sites=i18n.format_number(len(result.selected), 0),
            covered=i18n.format_number(result.population_covered, 0),
            total=i18n.format_number(total, 0),
            average=i18n.format_number(result.objective / counted if counted > 0 else math.nan, 0),
            percent=i18n.format_number(result.percent_covered),
            before=i18n.format_number(result.percent_covered_before),
            radius=i18n.format_number(self._run.get("radius"), 0),
            target=i18n.format_number(self._run.get("target"), 0),
            status=self._status(result),
            seconds=i18n.format_number(result.seconds),
        )

    def _status(self, result) -> str:
        """Optimal, or how far from the best possible the proposal kept may be (and why)."""
        if result.optimal:
            return self.tr("optimal")
        if not math.isfinite(result.gap):
            return (
                self.tr("stopped early, no bound on the gap yet") if result.stopped else self.tr("no bound")
            )
        gap = i18n.format_number(100 * result.gap, 2)
        if result.stopped:
            return self.tr("stopped early, within {gap} % of the best possible").format(gap=gap)
        return self.tr("within {gap} % of the best possible").format(gap=gap)

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
        self._finished()
        self.best.hide()
        self.progress.setValue(0)
        self.message.setText(message)

    def _cancelled(self) -> None:
        self._finished()
        super().reject()

    def reject(self) -> None:
        """Cancel (button or Esc): discard a running solve at its next checkpoint, then close."""
        if self.worker is not None:
            self.message.setText(self.tr("Cancelling…"))
            self.stop_button.setEnabled(False)
            self.worker.cancel()
        else:
            super().reject()
