"""``cityplanner report PROJECT.cityplan [--scenario NAME ...] [--pdf OUT.pdf] [--html OUT.html] ...``.

Writes the plan report and exports of a project; the KPIs are evaluated once and shared by every
output, so they all show the same numbers as ``cityplanner kpis``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ReportError
from ..report.content import collect
from ..report.html import write_html
from ..report.pdf import PAPERS, write_pdf
from ..report.tables import write_csv, write_gpkg, write_xlsx
from ..store import load_project
from ._common import check_scenarios

_OUTPUTS = ("pdf", "html", "xlsx", "gpkg", "csv")
# File name endings each single-file output accepts (any case); --csv names a folder.
_SUFFIXES = {"pdf": (".pdf",), "html": (".html", ".htm"), "xlsx": (".xlsx",), "gpkg": (".gpkg",)}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the plan report (PDF), an offline HTML map and table/GIS exports",
        description=(
            "Write a PDF plan report, an interactive HTML map that works offline, an Excel workbook, "
            "a GeoPackage with QGIS styles and/or CSV tables for the baseline and the chosen plans "
            "(all scenarios by default). Name at least one output."
        ),
    )
    parser.add_argument("project", metavar="PROJECT.cityplan", help="the project file")
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        nargs="+",
        action="extend",
        help="plans to report, named after PROJECT.cityplan (one or more names, or repeat the flag); "
        "the baseline is always included (default: all scenarios)",
    )
    parser.add_argument("--pdf", metavar="OUT.pdf", help="write the PDF plan report here")
    parser.add_argument("--html", metavar="OUT.html", help="write the interactive map here")
    parser.add_argument(
        "--xlsx", metavar="OUT.xlsx", help="write the KPI and zone tables as an Excel workbook"
    )
    parser.add_argument(
        "--gpkg", metavar="OUT.gpkg", help="write placements and zone metrics as a GeoPackage"
    )
    parser.add_argument("--csv", metavar="OUTDIR", help="write the tables as CSV files into this folder")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="a4", help="PDF paper size (default a4)")
    parser.add_argument("--landscape", action="store_true", help="PDF in landscape orientation")
    parser.add_argument("--author", help="author named on the title page (default: the project's setting)")
    parser.add_argument("--title", help="title of the report (default: the project's plan name)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    wanted = {name: getattr(args, name) for name in _OUTPUTS if getattr(args, name)}
    if not wanted:
        raise ReportError("Nothing to write: name at least one of --pdf, --html, --xlsx, --gpkg or --csv.")
    for name, target in wanted.items():
        suffixes = _SUFFIXES.get(name)
        if suffixes and Path(target).suffix.lower() not in suffixes:
            raise ReportError(f"--{name} {target} must be a file name ending in {' or '.join(suffixes)}.")
        folder = Path(target) if name == "csv" else Path(target).parent
        if name == "csv" and folder.exists() and not folder.is_dir():
            raise ReportError(f"--csv {target} is a file, not a folder.")
        if name != "csv" and not (folder if str(folder) else Path(".")).is_dir():
            raise ReportError(f"The folder of --{name} {target} does not exist.")
    project = load_project(args.project)
    check_scenarios(project, args.project, args.scenario)
    content = collect(project, args.scenario, author=args.author, title=args.title)
    if "pdf" in wanted:
        path = write_pdf(
            project, args.scenario, wanted["pdf"], paper=args.paper, landscape=args.landscape, content=content
        )
        print(f"PDF report: {path}")
    if "html" in wanted:
        print(f"HTML map: {write_html(project, args.scenario, wanted['html'], content=content)}")
    if "xlsx" in wanted:
        print(f"Excel workbook: {write_xlsx(project, args.scenario, wanted['xlsx'], content=content)}")
    if "gpkg" in wanted:
        print(f"GeoPackage: {write_gpkg(project, args.scenario, wanted['gpkg'], content=content)}")
    if "csv" in wanted:
        files = write_csv(project, args.scenario, wanted["csv"], content=content)
        print(f"CSV tables: {', '.join(str(f) for f in files)}")
    return 0
