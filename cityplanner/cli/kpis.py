"""``cityplanner kpis PROJECT.cityplan [--scenario NAME] [--json]``: the KPI table of a scenario.

A face on :class:`cityplanner.tasks.EvaluateKpis`. ``--json`` prints the list of KPI records it
always printed; each record also carries the scenario's capital cost (``cost_total``,
``cost_by_type``, ``cost_currency``), the same on every record.
"""

from __future__ import annotations

import argparse

from ..cost import ScenarioCost
from ..kpi import KpiResult, capacity_summary
from ..tasks import EvaluateKpis
from ._common import print_json
from ._tasks import add_task_arguments, build_task

_COLUMNS = ("id", "code", "name", "value", "unit", "target", "status", "baseline", "change")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kpis",
        help="evaluate the KPI catalogue for a scenario",
        description=EvaluateKpis.description,
    )
    add_task_arguments(parser, EvaluateKpis)
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    task = build_task(EvaluateKpis, args)
    table = task.run()
    if args.json:
        print_json(table.records())
    else:
        print(format_table(table.results, table.cost, task.load_project()))
    return 0


def format_table(results: list[KpiResult], cost: ScenarioCost | None = None, project=None) -> str:
    """The results as an aligned plain-text table, one KPI per line, then the scenario's cost."""
    rows = [
        (
            r.id,
            r.code,
            r.name,
            _number(r.value),
            r.unit,
            _number(r.target),
            r.status,
            _number(r.baseline_value),
            _signed(r.change),
        )
        for r in results
    ]
    header = tuple(c.capitalize() for c in _COLUMNS)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(_COLUMNS))]
    numeric = {3, 5, 7, 8}
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    if cost is not None and project is not None:
        from ..report.content import cost_sentence

        lines += ["", cost_sentence(cost, project)]
    capacity = [f"{r.id} {capacity_summary(r)}" for r in results if capacity_summary(r)]
    if capacity:
        lines += ["", "Capacity KPIs (2SFCA):", *capacity]
    notes = [f"{r.id}: {r.method_note}" for r in results if r.status == "n/a"]
    if notes:
        lines += ["", "Not computed:", *notes]
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+,.1f}"
