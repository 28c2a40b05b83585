"""The ``cityplanner`` command line: one module per verb, each a thin face on engine functions.

Each verb module defines ``add_parser(subparsers)`` (which registers its arguments and sets
``func``) and a ``run(args) -> int``. Errors meant for the user (:class:`CityPlannerError`) print
one sentence on stderr and exit 2; a traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import warnings
from collections.abc import Iterator

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


def one_line(text: str) -> str:
    """``text`` with control characters escaped (a file named with a line break or a terminal
    escape sequence), so a message stays one line and cannot drive the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@contextlib.contextmanager
def _warnings_as_sentences(debug: bool) -> Iterator[None]:
    """A project opened without damaged parts is one line on stderr (``cityplanner: warning: ...``);
    the warnings of the libraries underneath are shown only with ``--debug``."""
    from ..project_schema import ProjectWarning

    with warnings.catch_warnings():
        if not debug:
            warnings.simplefilter("ignore")
        warnings.simplefilter("always", ProjectWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, ProjectWarning):
                print(f"cityplanner: warning: {one_line(str(message))}", file=sys.stderr)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _warnings_as_sentences(args.debug):
            return int(args.func(args) or 0)
    except CityPlannerError as err:
        if args.debug:
            raise
        print(f"cityplanner: error: {one_line(str(err))}", file=sys.stderr)
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
