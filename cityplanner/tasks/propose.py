"""Propose sites inside a project (:class:`Propose`): ``cityplanner optimise PROJECT ...`` and the
app's Propose dialog are this one task, so they pick candidates, measure distances and write the
proposal the same way.

Candidates are a regular grid over the zones (``grid`` spacing), the street network's vertices
(``candidates="network"``), the zones' centres (``candidates="zones"``) or a point layer
(``candidates="FILE[:LAYER]"``, with an optional cost field). Distances are measured as the
project's KPIs measure them (:attr:`~cityplanner.project.Project.distance_mode`) unless ``mode``
says otherwise; demand is the project's population surface. The sites go into ``into_scenario``
(created when missing) through :func:`~cityplanner.optimise.propose_into_scenario`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..errors import OptimisationError
from ..progress import Incumbent, Progress, report
from ..project import Project, Scenario
from .base import (
    ENCODING,
    PROJECT,
    SOURCE_CRS,
    Parameter,
    Refer,
    Task,
    cli_refer,
    dialog_refer,
    read_source,
    scaled,
)

MODELS = ("mclp", "lscp", "pmedian")
SOLVERS = ("exact", "heuristic")
DISTANCE_MODES = ("euclidean", "network")
# Candidate kinds named in ``candidates`` (anything else is a FILE[:LAYER]); a ``grid`` spacing
# means a grid whatever ``candidates`` says.
CANDIDATE_KINDS = ("network", "zones")


def check_siting_options(
    model: str,
    sites: int | None,
    budget: float | None,
    cost_field: str | None,
    time_limit: float,
    target: float,
    refer: Refer = dialog_refer,
) -> None:
    """Refuse option combinations no siting model takes (one sentence, naming the options).

    Shared by :class:`Propose` and ``cityplanner optimise`` over files; ``refer(parameter,
    metavar)`` names an option (:func:`~cityplanner.tasks.base.cli_refer` on the command line).
    """

    def r(name: str, metavar: bool = False) -> str:
        return refer(Propose.parameter(name), metavar)

    if model not in MODELS:
        raise OptimisationError(f"Unknown model '{model}'; use one of {', '.join(MODELS)}.")
    if budget is not None and model != "mclp":
        raise OptimisationError(
            f"{r('budget')} goes with {r('model')} mclp (lscp minimises the cost itself)."
        )
    if cost_field and model == "pmedian":
        raise OptimisationError(f"{r('cost_field')} goes with {r('model')} mclp or lscp, not pmedian.")
    if model == "lscp" and sites is not None:
        raise OptimisationError(
            f"{r('sites')} goes with {r('model')} mclp or pmedian; lscp finds the fewest sites for "
            f"{r('target')} itself."
        )
    if time_limit <= 0:
        raise OptimisationError(
            f"{r('time_limit')} must be a positive number of seconds (got {time_limit:g})."
        )
    if model == "pmedian" and sites is None:
        raise OptimisationError(
            f"{r('model')} pmedian needs the number of new sites: add {r('sites', True)}."
        )
    if model == "mclp" and sites is None and budget is None:
        raise OptimisationError(
            f"{r('model')} mclp needs the number of new sites or a budget: add {r('sites', True)} or "
            f"{r('budget')}."
        )
    if not 0 < target <= 100:
        raise OptimisationError(f"{r('target')} must be a percentage in (0, 100] (got {target:g}).")


def candidate_costs(costs_field: str, candidates, name: str) -> np.ndarray:
    """Field ``costs_field`` of the candidate layer as costs of zero or more (one sentence if not)."""
    import pandas as pd

    if costs_field not in candidates.columns:
        raise OptimisationError(f"{name} has no cost field '{costs_field}'.")
    costs = pd.to_numeric(candidates[costs_field], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(costs) | (costs < 0)
    if bad.any():
        raise OptimisationError(
            f"Field '{costs_field}' of {name} must hold a cost of zero or more for every site "
            f"({int(bad.sum())} do not, e.g. row {int(np.flatnonzero(bad)[0])})."
        )
    return costs


def check_candidate_count(sites: int | None, candidates, name: str) -> None:
    """Refuse an empty candidate layer, or one with fewer sites than asked for."""
    if len(candidates) == 0:
        raise OptimisationError(f"{name} has no candidate sites.")
    if sites is not None and sites > len(candidates):
        raise OptimisationError(
            f"Cannot choose {sites} sites from {name}: it has only {len(candidates)} candidate sites."
        )


@dataclass
class Proposal:
    """The result of :class:`Propose`.

    Attributes
    ----------
    result : SitingResult
        The model's result (what ``optimise --json`` prints, :meth:`SitingResult.to_dict`).
    scenario : Scenario
        The scenario holding the proposal (its new placements are the optimiser's).
    candidates_xy : numpy.ndarray
        (k, 2) the candidate sites ``result.selected`` indexes, in the working CRS.
    project : Project
        The project the proposal went into.
    path : Path or None
        The project file it was saved to (None for a project given as an object).
    """

    result: Any
    scenario: Scenario
    candidates_xy: np.ndarray
    project: Project
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()


class Propose(Task):
    """Propose sites for new facilities of one type and write them into a scenario.

    Context (not parameters): ``network``, the project's street network already built from its
    road layer (the app's cached one; built here otherwise), and ``surface``, its population
    surface (an Evaluator's). A project given as a path is saved back to its file; a Project
    object gets the scenario in place and is not saved (the app applies it as an undoable edit).

    The solve is anytime, and two more context callables let a face follow and end it:
    ``on_incumbent(incumbent)`` hears each better answer or bound as an
    :class:`~cityplanner.progress.Incumbent` (from the thread running the task; its ``selected``
    index :attr:`Proposal.candidates_xy`), and ``stop()``, polled during the solve, returns True
    to finish now with the best answer so far, whose gap the result states (``result.stopped``).
    Cancelling the progress still raises :class:`~cityplanner.errors.Cancelled` and writes nothing.
    """

    name = "optimise"
    title = "Propose sites"
    description = (
        "Choose candidate sites for new facilities of a type. mclp: the sites covering the most "
        "people within the radius; lscp: the fewest sites covering the target share of the people; "
        "pmedian: sites minimising people x distance. Existing facilities (and the placements of the "
        "scenario kept) stay open and count. Demand is the project's population surface."
    )
    parameters = (
        PROJECT,
        Parameter(
            "candidates",
            "source",
            help="candidate sites: a layer, or 'network' for street vertices (with a project)",
            metavar="FILE[:LAYER]|network",
            label="Candidates",
            choices=("network", "zones"),
        ),
        Parameter(
            "grid",
            "float",
            help="candidates on a grid of this spacing in the zones (with a project)",
            metavar="M",
            label="Candidate spacing",
            minimum=5.0,
            unit="m",
        ),
        Parameter(
            "model",
            "choice",
            default="mclp",
            choices=MODELS,
            help="mclp: most people covered by --sites; lscp: fewest sites for --target; "
            "pmedian: least people x distance with --sites",
            label="Model",
            cli={"required": True, "default": None},
        ),
        Parameter(
            "sites",
            "int",
            help="number of new sites (mclp, pmedian)",
            metavar="P",
            label="New sites",
            minimum=1,
        ),  # fmt: skip
        Parameter(
            "budget",
            "float",
            help="mclp: spend at most this on new sites instead of --sites (site costs from --cost-field, "
            "or with a project the facility type's unit cost)",
            metavar="AMOUNT",
            label="Budget",
            minimum=0.0,
        ),
        Parameter(
            "cost_field",
            "field",
            help="cost of each candidate site, a field of --candidates (mclp with --budget; lscp then "
            "minimises the total cost instead of the number of sites)",
            metavar="FIELD",
            label="Cost field",
        ),
        Parameter(
            "radius",
            "float",
            help="coverage radius in metres",
            metavar="M",
            label="Service radius",
            minimum=0.0,
            unit="m",
        ),
        Parameter(
            "target",
            "float",
            default=100.0,
            help="lscp: % of the people to cover (default 100)",
            metavar="PERCENT",
            label="Target",
            minimum=0.0,
            maximum=100.0,
            unit="%",
        ),
        Parameter(
            "mode",
            "choice",
            choices=DISTANCE_MODES,
            help="straight line or along --roads; default: straight line, or with a project as its KPIs "
            "measure (along its streets when it has a road layer)",
            label="Distance",
        ),
        Parameter(
            "roads",
            "source",
            help="street centre lines for --mode network",
            metavar="FILE[:LAYER]",
            label="Streets",
        ),
        Parameter(
            "solver",
            "choice",
            default="exact",
            choices=SOLVERS,
            help="exact (default): proven optimal unless --time-limit stops it (HiGHS); "
            "heuristic: greedy and swaps, faster, with a bound on the gap",
            label="Solver",
        ),
        Parameter(
            "time_limit",
            "float",
            default=60.0,
            help="seconds (default 60)",
            metavar="S",
            label="Time limit",
            minimum=0.0,
            unit="s",
        ),
        Parameter(
            "gap",
            "float",
            help="exact solver: stop once the proven gap is at most this % (default: solve to optimality)",
            metavar="PERCENT",
            label="Gap",
            minimum=0.0,
            unit="%",
        ),
        Parameter(
            "type",
            "facility_type",
            help="facility type (with a project)",
            metavar="TYPE",
            label="Facility type",
            required=True,
        ),  # fmt: skip
        Parameter(
            "into_scenario",
            "scenario",
            help="scenario receiving the proposal (with a project)",
            metavar="NAME",
            label="Scenario name",
            required=True,
        ),
        Parameter(
            "keep_scenario",
            "scenario",
            help="the scenario whose placements stay open and count, as existing facilities do "
            "(default: the scenario receiving the proposal)",
            label="Keep the placements of",
            cli={"hidden": True},
        ),
        Parameter(
            "name_format",
            "text",
            help="how proposed sites are named, from {label}, {model} and {rank} (default "
            "'{label} {model} {rank}': 'Clinic MCLP 1'; the app gives its own in the UI language)",
            label="Site names",
            cli={"hidden": True},
        ),
        Parameter(
            "label",
            "text",
            help="the facility type's name in the site names (default: the type's label)",
            label="Type name in site names",
            cli={"hidden": True},
        ),
        Parameter(
            "reoptimise",
            "bool",
            default=False,
            help="re-optimise the proposal of the scenario kept: its proposed sites of the type (as the "
            "planner left them, moved or not) are where the search starts, and the new proposal "
            "replaces them; its other placements stay and count; the scenario receiving the proposal "
            "is then a new one (or the kept one itself) and holds them all",
            label="Re-optimise the current proposal",
            cli={"hidden": True},
        ),
        SOURCE_CRS,
        ENCODING,
    )

    def __init__(
        self,
        *,
        network=None,
        surface=None,
        on_incumbent: Callable[[Incumbent], None] | None = None,
        stop: Callable[[], bool] | None = None,
        **values: Any,
    ) -> None:
        super().__init__(**values)
        self.network = network
        self.surface = surface
        self.on_incumbent = on_incumbent
        self.stop = stop

    # -- what the values mean ---------------------------------------------------------------------
    def distance_mode(self, project: Project) -> str:
        """``mode``, else as the project's KPIs measure (along its streets when it has roads)."""
        return self["mode"] or project.distance_mode

    def candidate_kind(self) -> str:
        """``"grid"``, ``"network"``, ``"zones"`` or ``"file"`` (None-safe; see :meth:`check`)."""
        if self["grid"] is not None:
            return "grid"
        candidates = self["candidates"]
        if candidates in CANDIDATE_KINDS or candidates == "grid":
            return str(candidates)
        return "file" if candidates else ""

    def _needs_network(self, project: Project) -> bool:
        return self.distance_mode(project) == "network" or self.candidate_kind() == "network"

    # -- validation -------------------------------------------------------------------------------
    def check(self) -> None:
        check_siting_options(
            self["model"],
            self["sites"],
            self["budget"],
            self["cost_field"],
            self["time_limit"],
            self["target"],
            self._refer,
        )
        if not self["type"] or not self["into_scenario"]:
            raise OptimisationError(
                f"With a project, optimise needs {self.refer('type', True)} and "
                f"{self.refer('into_scenario', True)}."
            )
        project = self.load_project()
        project.facility_type(self["type"])
        if self["into_scenario"] == project.baseline.name:
            raise OptimisationError(
                "Proposals go into a named scenario, not the baseline; choose another name."
            )
        if self["keep_scenario"] is not None:
            project.scenario(self["keep_scenario"])
        if (
            self._needs_network(project)
            and self.network is None
            and not self["roads"]
            and project.layer_with_role("roads") is None
        ):
            raise OptimisationError(
                f"Project '{self.project_label()}' has no roads layer; add {self.refer('roads', True)}."
            )
        kind = self.candidate_kind()
        if kind in ("", "grid") and self["grid"] is None:
            raise OptimisationError(
                f"Give candidate sites: {self.refer('candidates')} FILE[:LAYER], "
                f"{self.refer('candidates')} network or {self.refer('grid', True)}."
            )
        if self["cost_field"] and kind != "file":
            raise OptimisationError(
                f"{self.refer('cost_field')} names a field of a {self.refer('candidates')} layer, not of "
                "a grid or the network."
            )
        if self["reoptimise"]:
            self._check_reoptimise(project)

    def _check_reoptimise(self, project: Project) -> None:
        """The proposal re-optimised must exist and go into a new scenario or back into itself."""
        keep, into = self._kept(), self["into_scenario"]
        if keep not in project.scenarios or keep == project.baseline.name:
            raise OptimisationError(
                f"{self.refer('reoptimise')} needs the scenario holding the proposal; '{keep}' is not one."
            )
        if into != keep and into in project.scenarios:
            raise OptimisationError(
                f"Scenario '{into}' already exists; a re-optimised proposal goes into a new scenario or "
                f"back into '{keep}'."
            )
        if self["cost_field"]:
            raise OptimisationError(
                f"{self.refer('reoptimise')} starts from sites that have no {self.refer('cost_field')}; "
                "give the candidates' costs another way or leave it out."
            )

    def _kept(self) -> str:
        """The scenario whose placements stay and count (by default, the one receiving the proposal)."""
        return self["keep_scenario"] if self["keep_scenario"] is not None else self["into_scenario"]

    # -- the work ---------------------------------------------------------------------------------
    def _network(self, project: Project):
        """The street network distances are measured along: given, or built from the roads."""
        if self.network is not None and not self["roads"]:
            return self.network
        from ..network import StreetNetwork

        if self["roads"]:
            roads = read_source(self["roads"], project.crs, self["source_crs"], self["encoding"])[0]
        else:
            roads = project.layer_with_role("roads").gdf
        return StreetNetwork.from_lines(roads)

    def _candidates(self, project: Project, network) -> tuple[np.ndarray, np.ndarray | None]:
        """The candidate sites (k, 2) in the working CRS, and their costs from ``cost_field``."""
        from ..optimise import grid_candidates
        from ..optimise._core import points_xy

        kind = self.candidate_kind()
        if kind == "grid":
            return grid_candidates(project.zones, self["grid"]), None
        if kind == "network":
            return np.asarray(network.nodes_xy), None
        if kind == "zones":
            return shapely.get_coordinates(shapely.point_on_surface(project.zones.geometry.values)), None
        gdf, name = read_source(self["candidates"], project.crs, self["source_crs"], self["encoding"])
        check_candidate_count(self["sites"], gdf, name)
        costs = candidate_costs(self["cost_field"], gdf, name) if self["cost_field"] else None
        return points_xy(gdf.geometry.values), costs

    def _restart(self, project: Project, candidates_xy: np.ndarray):
        """For ``reoptimise``: the scenario receiving the proposal, holding the kept scenario's
        placements but its proposed sites of the type; the candidates with those sites appended
        (they keep their exact place if nothing beats it); their rows, where the search starts;
        and how to undo the change to the project."""
        keep, into, type_name = self._kept(), self["into_scenario"], self["type"]
        if into == keep:
            target = project.scenario(into)
            placements = target.placements

            def undo() -> None:
                target.placements = placements
        else:
            target = project.add_scenario(into, copy_from=keep)

            def undo() -> None:
                project.remove_scenario(into)

        previous = [p for p in target.placements if p.type == type_name and p.source == "optimiser"]
        target.placements = [
            p for p in target.placements if not (p.type == type_name and p.source == "optimiser")
        ]
        start_xy = np.array([(p.x, p.y) for p in previous], dtype=np.float64).reshape(-1, 2)
        rows = np.arange(len(candidates_xy), len(candidates_xy) + len(start_xy))
        return np.vstack([candidates_xy, start_xy]), rows, undo

    def execute(self, progress: Progress | None) -> Proposal:
        from ..optimise import optimise_project, propose_into_scenario

        project = self.load_project()
        report(progress, 0.0, "Preparing candidate sites")
        mode = self.distance_mode(project)
        network = self._network(project) if self._needs_network(project) else None
        candidates_xy, costs = self._candidates(project, network)
        options: dict[str, Any] = {"target": self["target"] / 100.0} if self["model"] == "lscp" else {}
        if costs is not None:
            options["costs"] = costs
        keep, initial, undo = self._kept(), None, None
        if self["reoptimise"]:
            candidates_xy, initial, undo = self._restart(project, candidates_xy)
            keep = self["into_scenario"]  # the kept placements, less the proposal re-optimised
        try:
            result = optimise_project(
                project,
                self["type"],
                self["model"],
                candidates_xy,
                sites=self["sites"],
                radius_m=self["radius"],
                network=network if mode == "network" else None,
                scenario=keep,
                solver=self["solver"],
                time_limit_s=self["time_limit"],
                progress=scaled(progress, 0.05, 0.95),
                mip_gap=None if self["gap"] is None else self["gap"] / 100.0,
                budget=self["budget"],
                surface=self.surface,
                initial=initial,
                stop=self.stop,
                on_incumbent=self.on_incumbent,
                **options,
            )
        except BaseException:
            if undo is not None:  # cancelled or refused: the project is left as it was
                undo()
            raise
        scenario = propose_into_scenario(
            project,
            self["type"],
            result,
            candidates_xy,
            self["into_scenario"],
            name_format=self["name_format"],
            label=self["label"],
        )
        target = None
        if self.project_path is not None:
            from ..store import save_project

            report(progress, 0.95, "Saving the project")
            target = save_project(project, self.project_path)
        report(progress, 1.0, "Sites proposed")
        return Proposal(
            result=result, scenario=scenario, candidates_xy=candidates_xy, project=project, path=target
        )


__all__ = ["Proposal", "Propose", "check_siting_options", "cli_refer"]
