"""Engine tasks, as in QGIS Processing: each long job of a plan is one object with declared
parameters, ``validate()`` and ``run(progress)``, shared by the command line and the app.

=================  ==============================  ============================================
Task               Command line                    Result
=================  ==============================  ============================================
:class:`CreateProject`  ``cityplanner new``         :class:`~.project.CreatedProject`
:class:`AddLayer`       (app: Add layer)            :class:`~.project.AddedLayer`
:class:`EvaluateKpis`   ``cityplanner kpis``        :class:`~.kpis.KpiTable`
:class:`Compare`        (app: Compare)              :class:`~.kpis.Comparison`
:class:`Propose`        ``cityplanner optimise PROJECT``  :class:`~.propose.Proposal`
:class:`Report`         ``cityplanner report``      :class:`~.report.Written`
=================  ==============================  ============================================

Running one from the app (off the UI thread, with progress and Cancel)::

    task = Propose(project=snapshot, type="clinic", model="mclp", sites=5, grid=100.0,
                   into_scenario="Proposal", keep_scenario=current, network=doc.street_network(),
                   on_incumbent=show_best, stop=stop_event.is_set)
    task.validate()                      # a CityPlannerError's one sentence for the dialog
    worker = workers.start(task.run, on_done, on_error, on_progress, on_cancelled)
    ...
    stop_event.set()                     # Propose only: finish now with the best answer so far
    worker.cancel()                      # run() stops with Cancelled at its next checkpoint

The app's Propose dialog builds and validates the task inside the worker's job as well, so that
importing the engine's modules never holds the UI thread.

``validate()`` computes nothing long, but reads what it must check against: a project given as a
path, and AddLayer's file's list of layers; with a Project in memory it reads no file. ``run``
validates again before working, so on a worker the call to ``validate()`` may be left out.

``run`` takes a :class:`~cityplanner.progress.Progress` (the worker's), reports fractions in
[0, 1] with a message and raises :class:`~cityplanner.errors.Cancelled` once it is cancelled.

Layers of the engine: tasks sit above ``kpi``, ``optimise`` and ``report`` (the Report task
writes through :mod:`cityplanner.report`) and below ``cli``; nothing in the engine but ``cli``
imports them.
"""

from .base import Parameter, Task, check_scenarios, cli_refer, dialog_refer
from .kpis import Compare, ComparedKpi, Comparison, EvaluateKpis, KpiTable, compare_scenarios
from .project import AddedLayer, AddLayer, CreatedProject, CreateProject, apply_roles, layer_roles
from .propose import Proposal, Propose, check_siting_options
from .report import Report, Written

# Every task by its name (the command-line verb where it has one).
TASKS: dict[str, type[Task]] = {
    task.name: task for task in (CreateProject, AddLayer, EvaluateKpis, Compare, Propose, Report)
}

__all__ = [
    "TASKS",
    "AddLayer",
    "AddedLayer",
    "Compare",
    "ComparedKpi",
    "Comparison",
    "CreateProject",
    "CreatedProject",
    "EvaluateKpis",
    "KpiTable",
    "Parameter",
    "Proposal",
    "Propose",
    "Report",
    "Task",
    "Written",
    "apply_roles",
    "check_scenarios",
    "check_siting_options",
    "cli_refer",
    "compare_scenarios",
    "dialog_refer",
    "layer_roles",
]
