"""Siting inside a project: candidate sites, the model run, and the proposal as a scenario.

The command line (``cityplanner optimise PROJECT ...``) and the desktop app both go through
:func:`optimise_project` and :func:`propose_into_scenario`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..errors import OptimisationError
from ..progress import Progress
from ..project import Placement, Project, Scenario
from ..settings import AnalysisSettings
from ..surface import PopulationSurface, project_surface
from ._core import points_xy
from .coverage_models import LSCP, MCLP
from .pmedian import PMedian
from .result import SitingResult

MODELS = {"mclp": MCLP, "lscp": LSCP, "pmedian": PMedian}
# How proposed sites are named unless the caller says otherwise (the command line's names).
PROPOSAL_NAME = "{label} {model} {rank}"


def grid_candidates(zones: gpd.GeoDataFrame, spacing_m: float) -> np.ndarray:
    """Points of a regular grid (multiples of ``spacing_m``) lying inside the zones, (k, 2)."""
    if not np.isfinite(spacing_m) or spacing_m <= 0:
        raise OptimisationError(
            f"The candidate grid spacing must be a positive number of metres (got {spacing_m})."
        )
    area = shapely.union_all(zones.geometry.values)
    xmin, ymin, xmax, ymax = area.bounds
    xs = np.arange(np.ceil(xmin / spacing_m), np.floor(xmax / spacing_m) + 1) * spacing_m
    ys = np.arange(np.ceil(ymin / spacing_m), np.floor(ymax / spacing_m) + 1) * spacing_m
    if len(xs) * len(ys) > 5_000_000:
        raise OptimisationError(
            f"A {spacing_m:g} m grid over the zones would give over 5 million candidate sites."
        )
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    shapely.prepare(area)
    inside = shapely.contains_xy(area, gx, gy)
    if not inside.any():
        raise OptimisationError(
            f"No point of a {spacing_m:g} m grid falls inside the zones; use a finer grid."
        )
    return np.column_stack([gx[inside], gy[inside]])


def optimise_project(
    project: Project,
    type_name: str,
    model: str,
    candidates_xy: np.ndarray,
    sites: int | None = None,
    radius_m: float | None = None,
    network=None,
    scenario: str | None = None,
    solver: str = "exact",
    time_limit_s: float = 60.0,
    progress: Progress | None = None,
    mip_gap: float | None = None,
    budget: float | None = None,
    surface: PopulationSurface | None = None,
    *,
    initial=None,
    fixed=None,
    stop=None,
    on_incumbent=None,
    **options,
) -> SitingResult:
    """Run a siting model for a facility type over the project's population surface.

    Demand is the project's population surface (:func:`cityplanner.surface.project_surface`), the
    same pieces of cells the KPIs count, so a proposal's covered figure is the KPI of the scenario
    it creates (same radius and distance mode). Distances along the streets include the walk to
    the nearest street; pieces beyond the project's ``max_snap_m`` are unreachable. The existing
    facilities of the type (plus the placements of ``scenario``, if it exists) stay open.

    Parameters
    ----------
    candidates_xy : numpy.ndarray
        (k, 2) candidate sites in the project CRS (see :func:`grid_candidates`, the network's
        ``nodes_xy`` or a point layer); ``result.selected`` indexes them.
    radius_m : float, optional
        Defaults to the facility type's ``radius_m``.
    network : cityplanner.network.StreetNetwork, optional
        Distances along streets.
    mip_gap : float, optional
        Relative gap at which the exact solver may stop (default: the solver's optimality gap).
    budget : float, optional
        MCLP: spend at most this on new sites instead of placing ``sites``; each candidate costs
        ``costs`` (an option) or else the facility type's ``unit_cost``.
    surface : PopulationSurface, optional
        The project's surface when the caller holds it already (an Evaluator's).
    initial, fixed, stop, on_incumbent
        The anytime options of the models' ``solve`` (see :meth:`MCLP.solve`): start from the
        previous proposal's sites (rows of ``candidates_xy``), force sites in, stop early with the
        best answer so far, hear each better answer and bound as it is found.
    **options
        More model options (``target`` for LSCP, ``capacities`` for p-median, ``costs``).
    """
    if model not in MODELS:
        raise OptimisationError(f"Unknown model '{model}'; use one of {', '.join(MODELS)}.")
    if model == "lscp" and sites is not None:
        raise OptimisationError(
            "The set covering model (lscp) finds the fewest sites for its target itself; give no number "
            "of sites."
        )
    ftype = project.facility_type(type_name)
    radius_m = ftype.radius_m if radius_m is None else radius_m
    if budget is not None:
        if options.get("costs") is None:
            if ftype.unit_cost <= 0:
                raise OptimisationError(
                    f"Facility type '{type_name}' has no unit cost to spend a budget on; set one or give "
                    "a cost per candidate site."
                )
            options["costs"] = np.full(len(candidates_xy), float(ftype.unit_cost))
        options["budget"] = budget
    surface = surface if surface is not None else project_surface(project)
    demand_xy, population = surface.xy, surface.population
    max_snap_m = AnalysisSettings.of(project).max_snap_m
    kept = project.facilities(type_name, scenario if scenario in project.scenarios else None)
    existing_xy = points_xy(kept.geometry.values) if len(kept) else np.empty((0, 2))
    cls = MODELS[model]
    if model == "pmedian":
        built = cls.from_points(
            demand_xy,
            population,
            candidates_xy,
            existing_xy,
            network,
            max_snap_m,
            sites=sites,
            radius_m=radius_m,
            **options,
        )
    else:
        if sites is not None:
            options["sites"] = sites
        built = cls.from_points(
            demand_xy, population, candidates_xy, radius_m, existing_xy, network, max_snap_m,
            progress=progress, **options,
        )  # fmt: skip
    gap = {} if mip_gap is None else {"mip_gap": mip_gap}
    return built.solve(
        solver=solver,
        time_limit_s=time_limit_s,
        progress=progress,
        initial=initial,
        fixed=fixed,
        stop=stop,
        on_incumbent=on_incumbent,
        **gap,
    )


def proposal_name(label: str, model: str, rank: int, name_format: str | None = None) -> str:
    """The name of a proposed site: ``name_format`` filled with ``{label}`` (the facility type's
    label), ``{model}`` (``MCLP``, ``LSCP``, ``PMEDIAN``) and ``{rank}`` (1 adds the most).

    The default, :data:`PROPOSAL_NAME`, is the command line's ``"Clinic MCLP 1"``; the app passes
    its own format in the UI language (``"Clinic (proposed) 1"``, ``"Trạm y tế (đề xuất) 1"``).
    """
    return (name_format or PROPOSAL_NAME).format(label=label, model=model.upper(), rank=rank)


def propose_into_scenario(
    project: Project,
    type_name: str,
    result: SitingResult,
    candidates_xy: np.ndarray,
    scenario_name: str,
    name_format: str | None = None,
    label: str | None = None,
) -> Scenario:
    """Add the result's sites as optimiser placements to a scenario (created if missing).

    Sites are numbered in greedy order (``result.greedy_order``): "1" adds the most. Their names
    are :func:`proposal_name` of ``label`` (default: the facility type's label) and
    ``name_format`` (default :data:`PROPOSAL_NAME`, ``"Clinic MCLP 1"``).

    Each :class:`~cityplanner.project.Placement` carries ``source="optimiser"`` and its
    ``marginal_gain``. The baseline cannot receive proposals: it describes what exists.
    """
    ftype = project.facility_type(type_name)
    if scenario_name == project.baseline.name:
        raise OptimisationError("Proposals go into a named scenario, not the baseline; choose another name.")
    scenario = project.scenarios.get(scenario_name) or project.add_scenario(scenario_name)
    xy = np.asarray(candidates_xy, dtype=np.float64).reshape(-1, 2)
    gain_of = dict(zip(result.selected.tolist(), result.marginal_gain.tolist(), strict=True))
    # Numbered in greedy order: site 1 adds the most.
    for rank, row in enumerate(result.greedy_order.tolist(), start=1):
        gain = gain_of[row]
        scenario.placements.append(
            Placement(
                type=type_name,
                x=float(xy[row, 0]),
                y=float(xy[row, 1]),
                name=proposal_name(label or ftype.label, result.model, rank, name_format),
                capacity=ftype.capacity or None,
                source="optimiser",
                marginal_gain=float(gain),
            )
        )
    return scenario
