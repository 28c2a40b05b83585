"""The ``cityplanner`` command line: one module per verb, each a thin face on engine functions.

Each verb module defines ``add_parser(subparsers)`` (which registers its arguments and sets
``func``) and a ``run(args) -> int``. Errors meant for the user (:class:`CityPlannerError`) print
one sentence on stderr and exit 2; a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import CityPlannerError

# Verb modules, in the order ``--help`` lists them.
_VERBS = ["info", "new", "show", "coverage", "optimise", "access", "kpis", "report", "selftest", "batch"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityplanner",
        description="CityPlanner: offline smart-city master planning "
        "(layers, coverage, KPIs, siting, reports).",
    )
    parser.add_argument("--debug", action="store_true", help="show a full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for verb in _VERBS:
        importlib.import_module(f"{__name__}.{verb}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CityPlannerError as err:
        if args.debug:
            raise
        print(f"cityplanner: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cityplanner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: not an error of ours. Point stdout at devnull
        # so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
