"""The command line's face on the engine tasks: ``argparse`` arguments from a task's declared
parameters, and the task built back from the parsed arguments.

A parameter becomes ``--name-with-dashes`` (or its declared ``flag``; a positional argument when
the flag is ``""``) with its help, metavar and default; ``bool`` parameters are switches, ``int``
and ``float`` ones are typed, ``choice`` ones list their choices. A parameter's ``cli`` keywords
are passed on to ``add_argument`` (``action``, ``nargs``, ``required``...); ``{"hidden": True}``
keeps it off the command line. Messages name options as the command line spells them
(:func:`~cityplanner.tasks.base.cli_refer`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from ..tasks.base import Parameter, Task, cli_refer

_TYPES = {"int": int, "float": float}


def add_task_arguments(
    parser: argparse.ArgumentParser,
    task: type[Task],
    names: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    **overrides: dict,
) -> None:
    """Add the arguments of ``task``'s parameters (those in ``names``, all by default) to ``parser``.

    ``overrides`` maps a parameter name to more ``add_argument`` keywords for this verb only
    (e.g. ``type=`` a parsing function).
    """
    wanted = list(names) if names is not None else [p.name for p in task.parameters]
    skipped = set(skip)
    for name in wanted:
        p = task.parameter(name)
        if name in skipped or not p.on_command_line:
            continue
        parser.add_argument(*_flags(p), **_keywords(p, overrides.get(name, {})))


def _flags(p: Parameter) -> list[str]:
    return [p.cli.get("dest", p.name)] if p.flag == "" else [p.option]


def _keywords(p: Parameter, override: dict) -> dict[str, Any]:
    keywords: dict[str, Any] = {"help": p.help.replace("%", "%%")}
    if p.flag != "":
        keywords["dest"] = p.cli.get("dest", p.name)
    if p.type == "bool":
        keywords["action"] = "store_true"
    else:
        if p.metavar:
            keywords["metavar"] = p.metavar
        if p.type in _TYPES:
            keywords["type"] = _TYPES[p.type]
        if p.type == "choice" and p.choices:
            keywords["choices"] = p.choices
        if p.default is not None:
            keywords["default"] = p.default
    keywords.update({k: v for k, v in p.cli.items() if k not in ("hidden", "dest")})
    keywords.update(override)
    if keywords.get("action") == "store_const":
        keywords.pop("metavar", None)
        keywords.pop("choices", None)
    if p.flag == "":
        keywords.pop("dest", None)
    return keywords


def task_values(args: argparse.Namespace, task: type[Task], names: Iterable[str] | None = None) -> dict:
    """The parsed values of ``task``'s command-line parameters, by parameter name."""
    wanted = list(names) if names is not None else [p.name for p in task.parameters]
    values = {}
    for name in wanted:
        p = task.parameter(name)
        dest = p.cli.get("dest", p.name)
        if p.on_command_line and hasattr(args, dest):
            values[name] = getattr(args, dest)
    return values


def build_task(task: type[Task], args: argparse.Namespace, **context: Any) -> Task:
    """``task`` with the parsed command-line values, naming its options as the command line does."""
    return task(refer=cli_refer, **task_values(args, task), **context)
