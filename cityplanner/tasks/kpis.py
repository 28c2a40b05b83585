"""KPI tasks: the KPI table of one scenario (:class:`EvaluateKpis`, ``cityplanner kpis``) and
scenarios side by side (:class:`Compare`, the app's Compare dialog).

Both evaluate with one :class:`~cityplanner.kpi.Evaluator` (the app may hand over the one it
keeps, so nothing is rebuilt) and carry each scenario's capital cost
(:func:`cityplanner.cost.scenario_cost`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cost import ScenarioCost, scenario_cost
from ..errors import AnalysisError
from ..kpi import Evaluator, KpiResult
from ..progress import Progress, report
from ..project import Project
from .base import PROJECT, Parameter, Task, check_scenarios, scaled


@dataclass
class KpiTable:
    """The result of :class:`EvaluateKpis`: every KPI of one scenario, and its cost.

    Attributes
    ----------
    scenario : str
    results : list of KpiResult
        In catalogue order, as :meth:`cityplanner.kpi.Evaluator.evaluate` returns them.
    cost : ScenarioCost
    """

    scenario: str
    results: list[KpiResult]
    cost: ScenarioCost

    def records(self) -> list[dict[str, Any]]:
        """What ``cityplanner kpis --json`` prints: one record per KPI
        (:meth:`~cityplanner.kpi.KpiResult.as_dict`) with the scenario's ``cost_total``,
        ``cost_by_type`` and ``cost_currency`` added to each.
        """
        cost = self.cost.as_dict()
        return [{**result.as_dict(), **cost} for result in self.results]


class EvaluateKpis(Task):
    """Evaluate every KPI of the catalogue for one scenario (``cityplanner kpis``).

    Context (not parameters): ``evaluator``, an :class:`~cityplanner.kpi.Evaluator` of the same
    project to reuse (the app's, with its caches); a new one otherwise.
    """

    name = "kpis"
    title = "Evaluate KPIs"
    description = (
        "Evaluate every KPI of the catalogue for a scenario (the baseline by default), with its "
        "target, status (met / near / not met / n/a) and the baseline's value."
    )
    parameters = (
        PROJECT,
        Parameter(
            "scenario",
            "scenario",
            help="scenario to evaluate (default: the baseline)",
            metavar="NAME",
            label="Scenario",
        ),
    )

    def __init__(self, *, evaluator: Evaluator | None = None, **values: Any) -> None:
        project = values.get("project")
        if evaluator is not None and project is None:
            values["project"] = evaluator.project
        super().__init__(**values)
        self.evaluator = evaluator

    def check(self) -> None:
        project = self.load_project()
        check_scenarios(project, self.project_label(), self["scenario"])

    def execute(self, progress: Progress | None) -> KpiTable:
        project = self.load_project()
        evaluator = self.evaluator if self.evaluator is not None else Evaluator(project)
        name = project.scenario(self["scenario"]).name
        results = evaluator.evaluate(self["scenario"], progress)
        return KpiTable(scenario=name, results=results, cost=scenario_cost(project, name))


# -- comparison ---------------------------------------------------------------------------------
@dataclass
class ComparedKpi:
    """One KPI across the compared scenarios.

    ``values``, ``statuses`` and ``results`` are by scenario name; ``changes`` is each scenario's
    value minus the reference scenario's (None where either is None; 0 for the reference).
    """

    id: str
    code: str
    name: str
    name_vi: str
    unit: str
    direction: str
    target: float
    values: dict[str, float | None]
    statuses: dict[str, str]
    changes: dict[str, float | None]
    results: dict[str, KpiResult] = field(repr=False, default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "name_vi": self.name_vi,
            "unit": self.unit,
            "direction": self.direction,
            "target": self.target,
            "values": dict(self.values),
            "statuses": dict(self.statuses),
            "changes": dict(self.changes),
        }


@dataclass
class Comparison:
    """Scenarios side by side: per KPI, each scenario's value, status and change from ``reference``.

    Attributes
    ----------
    scenarios : list of str
        In the order given (the reference first when it was not among them).
    reference : str
    kpis : list of ComparedKpi
        In catalogue order.
    costs : dict
        Scenario name -> :class:`~cityplanner.cost.ScenarioCost`.
    """

    scenarios: list[str]
    reference: str
    kpis: list[ComparedKpi]
    costs: dict[str, ScenarioCost]

    def cost_changes(self) -> dict[str, float]:
        """Each scenario's capital cost minus the reference's."""
        base = self.costs[self.reference].total
        return {name: cost.total - base for name, cost in self.costs.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenarios": list(self.scenarios),
            "reference": self.reference,
            "kpis": [k.as_dict() for k in self.kpis],
            "costs": {name: cost.as_dict() for name, cost in self.costs.items()},
        }


def compare_scenarios(
    evaluator: Evaluator,
    scenarios: list[str],
    reference: str | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Evaluate ``scenarios`` with one evaluator and line their KPIs up against ``reference``.

    What the app's Compare dialog shows (A, B and B − A) is ``compare_scenarios(ev, [a, b], a)``.

    Parameters
    ----------
    evaluator : Evaluator
    scenarios : list of str
        At least one scenario name of ``evaluator.project``.
    reference : str, optional
        The scenario changes are measured from; default the first of ``scenarios``.
    progress : Progress, optional
        One share per scenario; cancellable between KPIs.
    """
    project = evaluator.project
    if not scenarios:
        raise AnalysisError("Name at least one scenario to compare.")
    names = [project.scenario(name).name for name in scenarios]
    reference = project.scenario(reference).name if reference is not None else names[0]
    if reference not in names:
        names = [reference, *names]
    names = list(dict.fromkeys(names))  # each once, in order
    evaluated: dict[str, list[KpiResult]] = {}
    for i, name in enumerate(names):
        report(progress, i / len(names), f"Evaluating {name}")
        evaluated[name] = evaluator.evaluate(name, scaled(progress, i / len(names), (i + 1) / len(names)))
    rows = []
    for position, kpi in enumerate(evaluated[reference]):
        results = {name: evaluated[name][position] for name in names}
        base = results[reference].value
        rows.append(
            ComparedKpi(
                id=kpi.id,
                code=kpi.code,
                name=kpi.name,
                name_vi=kpi.name_vi,
                unit=kpi.unit,
                direction=kpi.direction,
                target=kpi.target,
                values={name: r.value for name, r in results.items()},
                statuses={name: r.status for name, r in results.items()},
                changes={
                    name: None if r.value is None or base is None else r.value - base
                    for name, r in results.items()
                },
                results=results,
            )
        )
    report(progress, 1.0, "Scenarios compared")
    return Comparison(
        scenarios=names,
        reference=reference,
        kpis=rows,
        costs={name: scenario_cost(project, name) for name in names},
    )


class Compare(Task):
    """Scenarios side by side: every KPI's value and status in each, the change from a reference
    scenario, and each scenario's capital cost.

    Context (not parameters): ``evaluator``, as for :class:`EvaluateKpis`.
    """

    name = "compare"
    title = "Compare scenarios"
    description = (
        "Evaluate the KPIs of several scenarios and show them side by side with each one's change "
        "from a reference scenario and its capital cost."
    )
    parameters = (
        PROJECT,
        Parameter(
            "scenarios",
            "scenarios",
            help="scenarios to compare (default: every scenario)",
            metavar="NAME",
            label="Scenarios",
            cli={"nargs": "+", "action": "extend"},
            flag="--scenario",
        ),
        Parameter(
            "reference",
            "scenario",
            help="the scenario changes are measured from (default: the first one compared)",
            metavar="NAME",
            label="Compared with",
        ),
    )

    def __init__(self, *, evaluator: Evaluator | None = None, **values: Any) -> None:
        if evaluator is not None and values.get("project") is None:
            values["project"] = evaluator.project
        super().__init__(**values)
        self.evaluator = evaluator

    def _names(self, project: Project) -> list[str]:
        return list(self["scenarios"] or project.scenarios)

    def check(self) -> None:
        project = self.load_project()
        label = self.project_label()
        check_scenarios(project, label, self._names(project))
        check_scenarios(project, label, self["reference"])

    def execute(self, progress: Progress | None) -> Comparison:
        project = self.load_project()
        evaluator = self.evaluator if self.evaluator is not None else Evaluator(project)
        return compare_scenarios(evaluator, self._names(project), self["reference"], progress)
