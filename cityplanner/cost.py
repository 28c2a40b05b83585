"""Capital cost of a scenario: what its placements cost to build.

Each placement costs its own ``cost`` when it carries one (a quotation the planner entered), else
its facility type's ``unit_cost``; both are in the project's ``currency`` setting (the facility
type catalogue's currency, USD in the shipped one). A placement of a type the project does not
define, without a cost of its own, costs nothing and is counted in :attr:`ScenarioCost.unpriced`.

The baseline describes what exists, so it costs nothing unless it holds placements. The KPI dock,
Compare, ``cityplanner kpis`` and the reports all call :func:`scenario_cost`, so they print the same
figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .project import Project

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class TypeCost:
    """The placements of one facility type in a scenario and what they cost.

    Attributes
    ----------
    type : str
        Facility type name (``"clinic"``).
    count : int
        Placements of the type.
    unit_cost : float
        The type's unit cost (0 for a type the project does not define).
    own_cost : int
        How many of them are priced at their own ``cost`` instead of ``unit_cost``.
    cost : float
        Their total cost.
    """

    type: str
    count: int
    unit_cost: float
    own_cost: int
    cost: float


@dataclass(frozen=True)
class ScenarioCost:
    """The capital cost of one scenario's placements.

    Attributes
    ----------
    scenario : str
    currency : str
        The project's ``currency`` setting.
    total : float
        Sum over every placement.
    types : tuple of TypeCost
        One entry per facility type with placements, in the project's facility-type order (types
        it does not define last, by name).
    unpriced : int
        Placements with neither a cost of their own nor a facility type the project defines.
    """

    scenario: str
    currency: str
    total: float
    types: tuple[TypeCost, ...] = field(default_factory=tuple)
    unpriced: int = 0

    @property
    def by_type(self) -> dict[str, float]:
        """Facility type name -> cost of its placements (what ``kpis --json`` prints as ``cost_by_type``)."""
        return {t.type: t.cost for t in self.types}

    @property
    def placements(self) -> int:
        return sum(t.count for t in self.types)

    def as_dict(self) -> dict:
        """``cost_total``, ``cost_by_type`` and ``cost_currency``, as ``kpis --json`` adds them."""
        return {"cost_total": self.total, "cost_by_type": self.by_type, "cost_currency": self.currency}


def project_currency(project: Project) -> str:
    """The currency of the project's costs (its ``currency`` setting, USD when unset)."""
    return str(project.setting("currency", "") or DEFAULT_CURRENCY)


def scenario_cost(project: Project, scenario: str | None = None) -> ScenarioCost:
    """The capital cost of ``scenario``'s placements (the baseline by default).

    Raises
    ------
    ProjectError
        If the project has no such scenario.
    """
    chosen = project.scenario(scenario)
    order = {name: i for i, name in enumerate(project.facility_types)}
    counts: dict[str, list] = {}
    unpriced = 0
    for p in chosen.placements:
        ftype = project.facility_types.get(p.type)
        unit = float(ftype.unit_cost) if ftype is not None else 0.0
        own = p.cost
        entry = counts.setdefault(p.type, [0, unit, 0, 0.0])
        entry[0] += 1
        if own is not None:
            entry[2] += 1
            entry[3] += float(own)
        else:
            entry[3] += unit
            unpriced += ftype is None
    types = tuple(
        TypeCost(type=name, count=n, unit_cost=unit, own_cost=own, cost=cost)
        for name, (n, unit, own, cost) in sorted(
            counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
    )
    return ScenarioCost(
        scenario=chosen.name,
        currency=project_currency(project),
        total=float(sum(t.cost for t in types)),
        types=types,
        unpriced=unpriced,
    )


def scenario_costs(project: Project, scenarios: list[str] | None = None) -> dict[str, ScenarioCost]:
    """:func:`scenario_cost` of each of ``scenarios`` (every scenario by default), by name."""
    names = list(project.scenarios) if scenarios is None else scenarios
    return {name: scenario_cost(project, name) for name in names}
