"""``cityplanner selftest [PROJECT.cityplan] [--out DIR]``: check this installation end to end."""

from __future__ import annotations

import argparse

from ..selftest import exit_code


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "selftest",
        help="check this installation: sample city, every KPI, one proposal, PDF/HTML/Excel outputs",
        description=(
            "Open the shipped sample city (or PROJECT.cityplan), check the shipped data files and the "
            "GDAL/PROJ data, compute every KPI, run one small proposal, write a PDF report, an HTML "
            "map, an Excel workbook and a GeoPackage to a temporary folder and check them. Exits 0 "
            "when every check passes, 1 at the first that fails (named on stderr)."
        ),
    )
    parser.add_argument(
        "project", nargs="?", metavar="PROJECT.cityplan", help="project to test on (default: the sample)"
    )
    parser.add_argument("--out", metavar="DIR", help="keep the written files in this folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return exit_code(args.project, args.out)
