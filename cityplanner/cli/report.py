"""``cityplanner report PROJECT.cityplan [--scenario NAME ...] [--pdf OUT.pdf] [--html OUT.html] ...``.

Writes the plan report and exports of a project; the KPIs are evaluated once and shared by every
output, so they all show the same numbers as ``cityplanner kpis``. A face on
:class:`cityplanner.tasks.Report`, the task the app's File > Export runs; ``--lang vi`` writes the
Vietnamese report.
"""

from __future__ import annotations

import argparse

from ..tasks import Report
from ._tasks import add_task_arguments, build_task

# How each output is announced, in the order they are written.
_WRITTEN = {
    "pdf": "PDF report",
    "html": "HTML map",
    "xlsx": "Excel workbook",
    "gpkg": "GeoPackage",
    "csv": "CSV tables",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the plan report (PDF), an offline HTML map and table/GIS exports",
        description=Report.description,
    )
    add_task_arguments(parser, Report)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    written = build_task(Report, args).run()
    for name, value in written.files.items():
        shown = ", ".join(str(f) for f in value) if isinstance(value, list) else str(value)
        print(f"{_WRITTEN[name]}: {shown}")
    return 0
