"""What every task shares: declared parameters, ``validate()``, ``run(progress)`` and a result.

A task is one long job of the planner's workflow, written once for both faces. Its class declares
its :class:`Parameter` s (name, type, default, help, choices, the label a dialog shows and the
option the command line spells); ``cityplanner.cli`` builds its ``argparse`` arguments from the
declaration and the app builds its dialog from it. An instance holds one set of values:

>>> task = EvaluateKpis(project="plan.cityplan", scenario="Plan A")   # doctest: +SKIP
>>> task.validate()             # CityPlannerError with one sentence, or nothing
>>> table = task.run(progress)  # the result object; progress may be None

``validate()`` checks the values (and loads a project given as a path, keeping it); it never
computes anything long. ``run(progress)`` validates again (cheap once done), then works,
reporting fractions in [0, 1] to a :class:`~cityplanner.progress.Progress` and stopping with
:class:`~cityplanner.errors.Cancelled` at its next checkpoint once the progress is cancelled.

Messages name a parameter through :meth:`Task.refer`: the command line passes
``refer=cli_refer`` so a message says ``--budget``, the app gets the dialog label ("Budget") by
default or passes its own (translated) one.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ProjectError
from ..progress import Progress, report
from ..project import Project

# The kinds of value a parameter takes (what a dialog shows for it):
TYPES = {
    "project": "a project: a .cityplan path, or a Project object already in memory",
    "path": "a file to read",
    "output": "a file to write",
    "folder": "a folder to write into",
    "source": "FILE[:LAYER], one layer of a GIS file",
    "layer": "the name of one layer inside a file",
    "layers": "project layers to read: {name: FILE[:LAYER]} or a list of (name, FILE[:LAYER])",
    "roles": "{layer name: role} overriding the roles guessed from layer names",
    "field": "a field (column) of a layer",
    "text": "free text",
    "int": "a whole number",
    "float": "a number",
    "bool": "yes or no",
    "choice": "one of ``choices``",
    "scenario": "the name of a scenario of the project",
    "scenarios": "names of scenarios of the project",
    "facility_type": "the name of a facility type of the project",
    "crs": "a coordinate reference system (EPSG code, WKT...)",
}


@dataclass(frozen=True)
class Parameter:
    """One declared input of a task.

    Attributes
    ----------
    name : str
        The keyword the task takes (``time_limit``).
    type : str
        One of :data:`TYPES`.
    default : object
        The value when none is given (None: not given; lists are copied per task).
    help : str
        One or two sentences for tooltips and ``--help`` (plain ``%``; the CLI escapes it).
    choices : tuple
        The allowed values of a ``choice`` (also offered for other types when not empty).
    label : str
        Short label for a dialog ("Time limit"); defaults to the name in words.
    required : bool
        The task cannot run without a value.
    metavar : str
        How the command line's help shows the value (``S``, ``FILE[:LAYER]``).
    flag : str or None
        The command-line option (``--time-limit``, derived from the name when None); ``""`` for
        a positional argument.
    cli : dict
        More ``argparse.add_argument`` keywords where the command line spells the parameter its
        own way (``{"action": "append"}``); ``{"hidden": True}`` keeps it off the command line.
    minimum, maximum : float or None
        Bounds of a number, for spin boxes (the task's ``validate`` checks what matters).
    unit : str
        Unit of a number shown beside it (``"m"``, ``"s"``, ``"%"``).
    """

    name: str
    type: str
    default: Any = None
    help: str = ""
    choices: tuple = ()
    label: str = ""
    required: bool = False
    metavar: str | None = None
    flag: str | None = None
    cli: dict = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"Parameter '{self.name}' has an unknown type '{self.type}'.")

    @property
    def option(self) -> str:
        """How the command line names the parameter: its flag, or its metavar when positional."""
        if self.flag == "":
            return self.metavar or self.name.upper()
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def title(self) -> str:
        """The dialog label ("Time limit" for ``time_limit`` when none is declared)."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def on_command_line(self) -> bool:
        return not self.cli.get("hidden", False)


Refer = Callable[[Parameter, bool], str]


def dialog_refer(parameter: Parameter, metavar: bool = False) -> str:
    """How messages name a parameter in the app: its label (the value's form is not shown)."""
    return parameter.title


def cli_refer(parameter: Parameter, metavar: bool = False) -> str:
    """How messages name a parameter on the command line: ``--sites`` or ``--sites P``."""
    option = parameter.option
    if metavar and parameter.flag != "" and parameter.metavar:
        return f"{option} {parameter.metavar}"
    return option


class Task:
    """Base class of the tasks: declared :attr:`parameters`, values, ``validate()``, ``run()``.

    Subclasses set :attr:`name`, :attr:`title`, :attr:`description` and :attr:`parameters`,
    implement :meth:`check` (the validation) and :meth:`execute` (the work).

    Parameters
    ----------
    refer : callable, optional
        ``refer(parameter, metavar) -> str``: how messages name a parameter
        (:func:`dialog_refer` by default; :func:`cli_refer` on the command line).
    **values
        A value per declared parameter; the others take their defaults.

    Raises
    ------
    TypeError
        For a keyword that is not a declared parameter (a programming error, not the user's).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]] = ()

    def __init__(self, *, refer: Refer | None = None, **values: Any) -> None:
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no parameter {', '.join(map(repr, unknown))}.")
        self.values: dict[str, Any] = {
            p.name: values[p.name] if p.name in values else copy.copy(p.default) for p in self.parameters
        }
        self._refer = refer or dialog_refer
        self._project: Project | None = None

    # -- declaration ------------------------------------------------------------------------------
    @classmethod
    def parameter(cls, name: str) -> Parameter:
        """The declared parameter called ``name``."""
        for p in cls.parameters:
            if p.name == name:
                return p
        raise KeyError(f"{cls.__name__} has no parameter '{name}'.")

    @classmethod
    def describe(cls) -> dict:
        """The declaration as plain data (for a generic dialog, docs, or ``--json`` listings)."""
        return {
            "name": cls.name,
            "title": cls.title,
            "description": cls.description,
            "parameters": [
                {
                    "name": p.name,
                    "type": p.type,
                    "default": p.default,
                    "help": p.help,
                    "choices": list(p.choices),
                    "label": p.title,
                    "required": p.required,
                    "option": p.option,
                    "minimum": p.minimum,
                    "maximum": p.maximum,
                    "unit": p.unit,
                }
                for p in cls.parameters
            ],
        }

    # -- values -----------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def refer(self, name: str, metavar: bool = False) -> str:
        """How a message names parameter ``name`` on this task's face (``--sites P``, "New sites")."""
        return self._refer(self.parameter(name), metavar)

    # -- the project ------------------------------------------------------------------------------
    def project_label(self) -> str:
        """How messages name the project: the path it was given as, else its name."""
        value = self.values.get("project")
        if isinstance(value, Project):
            return value.name
        return os.fspath(value) if value is not None else ""

    @property
    def project_path(self) -> Path | None:
        """The project file when ``project`` was given as a path (None for a Project object)."""
        value = self.values.get("project")
        return None if value is None or isinstance(value, Project) else Path(value)

    def load_project(self, progress: Progress | None = None) -> Project:
        """The ``project`` value as a :class:`Project`: the object given, or the file read once."""
        if self._project is None:
            value = self.values.get("project")
            if value is None:
                raise ProjectError(f"Give the project: {self.refer('project', True)}.")
            if isinstance(value, Project):
                self._project = value
            else:
                from ..store import load_project

                self._project = load_project(value, progress)
        return self._project

    # -- the work ---------------------------------------------------------------------------------
    def validate(self) -> None:
        """Check the values; raise a :class:`~cityplanner.errors.CityPlannerError` (one sentence).

        Cheap: no evaluation, no solving. A project given as a path is read here (once).
        """
        self.check()

    def run(self, progress: Progress | None = None) -> Any:
        """Validate, then do the work; returns the task's result object.

        Raises
        ------
        CityPlannerError
            When a value is refused or the work fails (one sentence).
        Cancelled
            When ``progress`` was cancelled, at the next checkpoint.
        """
        report(progress, 0.0, self.title)
        self.validate()
        return self.execute(progress)

    def check(self) -> None:  # pragma: no cover - every task overrides it
        """The validation of this task (see :meth:`validate`)."""

    def execute(self, progress: Progress | None) -> Any:  # pragma: no cover
        raise NotImplementedError


# -- helpers the tasks share ----------------------------------------------------------------------
def scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress sink mapping [0, 1] onto [start, end] of ``progress`` (cancel passes through)."""
    if progress is None:
        return None
    return Progress(lambda fraction, message: progress.update(start + (end - start) * fraction, message))


def check_scenarios(project: Project, label: str, names: str | Iterable[str] | None) -> None:
    """Raise naming the project when it has no scenario of one of ``names`` (None: the baseline).

    ``label`` is how the message names the project (its file, as ``cityplanner`` prints it).
    """
    if names is None or isinstance(names, str):
        names = [names]
    for name in names:
        if name is not None and name != project.baseline.name and name not in project.scenarios:
            known = ", ".join(project.scenarios)
            raise ProjectError(f"Project '{label}' has no scenario named '{name}' (it has: {known}).")


PROJECT = Parameter(
    "project",
    "project",
    required=True,
    help="the project file",
    metavar="PROJECT.cityplan",
    flag="",
    label="Project",
)

# The two options of every task (and command) that reads GIS files, declared once here; the
# command line's ``--source-crs`` / ``--encoding`` of the verbs without a task use them too.
_SOURCE_CRS_HELP = "CRS of input files that have none (e.g. EPSG:4326); never overrides a file's own CRS"
_ENCODING_HELP = (
    "text encoding of input Shapefiles and CSV files (e.g. 1258 for Windows-1258, UTF-8); "
    "overrides a shapefile's .cpg and the detection; other formats are UTF-8 by definition"
)


def source_crs_parameter(help: str = _SOURCE_CRS_HELP, label: str = "CRS of files without one") -> Parameter:
    """``source_crs`` (``--source-crs EPSG``): the CRS of input files that carry none.

    ``help`` and ``label`` change only the wording where a task reads one particular file.
    """
    return Parameter("source_crs", "crs", help=help, metavar="EPSG", label=label)


def encoding_parameter(help: str = _ENCODING_HELP) -> Parameter:
    """``encoding`` (``--encoding CODEPAGE``): the text encoding of input Shapefiles and CSV."""
    return Parameter("encoding", "text", help=help, metavar="CODEPAGE", label="Text encoding")


SOURCE_CRS = source_crs_parameter()
ENCODING = encoding_parameter()


def read_source(spec: str, crs=None, source_crs: str | None = None, encoding: str | None = None):
    """Read the layer ``FILE[:LAYER]`` (reprojected to ``crs`` if given) for a task or a command.

    Returns
    -------
    tuple
        ``(GeoDataFrame, name)``: the layer, and how messages name it ("'city.gpkg' (layer 'roads')").
    """
    from ..io import describe_source, parse_source, read_layer

    path, layer = parse_source(spec)
    gdf = read_layer(path, layer, crs=source_crs, encoding=encoding).gdf
    return (gdf if crs is None else gdf.to_crs(crs)), describe_source(path, layer)
