"""``cityplanner kpis PROJECT.cityplan [--scenario NAME] [--json]``: the KPI table of a scenario."""

from __future__ import annotations

import argparse

from ..kpi import KpiResult, capacity_summary, evaluate
from ..store import load_project
from ._common import check_scenarios, print_json

_COLUMNS = ("id", "code", "name", "value", "unit", "target", "status", "baseline", "change")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kpis",
        help="evaluate the KPI catalogue for a scenario",
        description=(
            "Evaluate every KPI of the catalogue for a scenario (the baseline by default), with its "
            "target, status (met / near / not met / n/a) and the baseline's value."
        ),
    )
    parser.add_argument("project", metavar="PROJECT.cityplan", help="the project file")
    parser.add_argument("--scenario", metavar="NAME", help="scenario to evaluate (default: the baseline)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    check_scenarios(project, args.project, args.scenario)
    results = evaluate(project, args.scenario)
    if args.json:
        print_json([result.as_dict() for result in results])
    else:
        print(format_table(results))
    return 0


def format_table(results: list[KpiResult]) -> str:
    """The results as an aligned plain-text table, one KPI per line."""
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
