"""What a worker does with one unit: make its project as a planner would by hand, evaluate it.

:func:`run_unit` is the one function Dask runs (on a worker process of a ``LocalCluster`` or of a
remote cluster) and the serial path runs in-process: the same code either way. It never raises
for a problem of the unit's data: the unit's result then carries the one-sentence error, so the
other units finish.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
from pyarrow import ArrowException

from ..assemble import create_project
from ..errors import CityPlannerError
from ..io import describe_source, layer_name_from
from ..kpi import Evaluator
from ..project import Project
from ..store import load_project
from ..surface import set_project_surface
from .units import UnitTask


def unit_project(task: UnitTask, folder: str | os.PathLike) -> Project:
    """The unit's project, made from its zones and layers exactly as ``cityplanner new`` makes one.

    The unit's inputs are written to GeoParquet files in ``folder`` (:func:`unit_files`; quicker
    to write and read than a GeoPackage, and read by the same :func:`~cityplanner.io.read_layer`)
    and assembled by :func:`~cityplanner.assemble.create_project`; the spec's settings and KPI
    targets are applied and the population surface is built by
    :func:`~cityplanner.surface.set_project_surface` (from the raster when the spec gives one,
    rescaled to the census when the zones carry one).
    """
    zones, layers = unit_files(task, folder)
    zones = _write(task.zones, zones)
    layers = {name: _write(task.layers[name], path) for name, path in layers.items()}
    project = create_project(
        zones,
        task.population_field,
        layers={name: str(path) for name, path in layers.items()},
        crs=task.crs,
        name=task.name,
    )
    project.settings.update(task.settings)
    project.kpi_targets.update(task.kpi_targets)
    set_project_surface(
        project,
        raster=task.raster,
        dasymetric_layer=task.dasymetric if task.dasymetric in project.layers else None,
        use_census=bool(task.population_field),
    )
    return project


def _write(gdf, path: Path) -> Path:
    """``gdf`` as GeoParquet at ``path``; as a GeoPackage beside it when Arrow cannot store a
    column (an attribute mixing numbers and text, as some GeoJSON files do)."""
    try:
        gdf.to_parquet(path)
        return path
    except (ArrowException, TypeError, ValueError):
        path.unlink(missing_ok=True)
        gpkg = path.with_suffix(".gpkg")
        pyogrio.write_dataframe(gdf, gpkg, layer=path.stem, driver="GPKG")
        return gpkg


def unit_files(task: UnitTask, folder: str | os.PathLike) -> tuple[Path, dict[str, Path]]:
    """Where :func:`unit_project` writes the unit's zones and each of its layers.

    The zones file is named after the zone layer (the project names its zone layer after it).
    """
    folder = Path(folder)
    stem = layer_name_from(f"{task.zones_layer}.parquet")
    return folder / f"{stem}.parquet", {
        name: folder / f"layer{i}.parquet" for i, name in enumerate(task.layers)
    }


def evaluate_project(project: Project, proposal: dict[str, Any] | None = None) -> dict[str, Any]:
    """The baseline KPIs of ``project`` and what they were computed on, as plain values.

    ``rows`` holds one record per catalogue KPI (``kpi``, ``code``, ``name``, ``value``,
    ``unit_of_measure``, ``target``, ``status``, ``direction``, ``mode``, ``note``): the values of
    :meth:`cityplanner.kpi.Evaluator.evaluate`, unrounded; ``scenario`` names the baseline.
    With a ``proposal`` (a spec's, :func:`cityplanner.batch.spec.parse_spec`), ``proposal`` holds
    the proposal's scenario, sites, cost and KPI ``rows`` (:func:`propose_unit`).
    """
    evaluator = Evaluator(project)
    surface = evaluator.surface
    record = {
        "scenario": project.baseline.name,
        "rows": _rows(evaluator.evaluate()),
        "population": float(surface.population_total),
        "cells": len(surface),
        "demand_method": surface.method,
        "demand_note": surface.note,
        "distance_mode": project.distance_mode,
        "crs": project.crs.to_string(),
    }
    if proposal is not None:
        record["proposal"] = propose_unit(project, evaluator, proposal)
    return record


def _rows(results) -> list[dict[str, Any]]:
    return [
        {
            "kpi": r.id,
            "code": r.code,
            "name": r.name,
            "value": r.value,
            "unit_of_measure": r.unit,
            "target": r.target,
            "status": r.status,
            "direction": r.direction,
            "mode": r.mode,
            "note": r.method_note,
        }
        for r in results
    ]


def propose_unit(project: Project, evaluator: Evaluator, proposal: dict[str, Any]) -> dict[str, Any]:
    """New sites for the unit as the engine's siting proposes them, and the KPIs of that plan.

    The maximal covering model (:func:`~cityplanner.optimise.optimise_project`) places
    ``proposal["sites"]`` sites, or as many as ``proposal["budget"]`` buys at the facility type's
    unit cost, on candidate sites (a grid over the zones, or the street vertices), on the
    evaluator's population surface and street network, measured as the project's KPIs measure; the
    sites go into a new scenario (:func:`~cityplanner.optimise.propose_into_scenario`), which is
    evaluated. A proposal that cannot be made (no candidate site, a budget below one site's cost)
    gives ``error``, one sentence, and leaves the baseline's figures standing.

    Returns
    -------
    dict
        ``scenario``, ``type``, ``budget``, ``sites`` (placed), ``cost`` and ``currency``
        (:func:`cityplanner.cost.scenario_cost`), ``covered`` (people the type's sites cover
        within its radius, new and existing), ``optimal`` (proven within the time limit),
        ``rows`` (as :func:`evaluate_project`'s) and ``error`` (None when made).
    """
    from ..cost import scenario_cost
    from ..optimise import grid_candidates, optimise_project, propose_into_scenario

    name, type_name = proposal["name"], proposal["type"]
    out: dict[str, Any] = {
        "scenario": name, "type": type_name, "budget": proposal.get("budget"), "sites": 0, "cost": 0.0,
        "currency": "", "covered": None, "optimal": None, "rows": [], "error": None,
    }  # fmt: skip
    try:
        network = evaluator.network
        if proposal["candidates"] == "network":
            if network is None:
                raise CityPlannerError(
                    f"Unit '{project.name}' has no streets, so the proposal has no street vertices to "
                    "choose from; give a 'grid' spacing instead."
                )
            candidates = np.asarray(network.nodes_xy)
        else:
            candidates = grid_candidates(project.zones, proposal["grid"])
        result = optimise_project(
            project,
            type_name,
            "mclp",
            candidates,
            sites=proposal.get("sites"),
            budget=proposal.get("budget"),
            network=network,
            time_limit_s=proposal["time_limit"],
            surface=evaluator.surface,
        )
        propose_into_scenario(project, type_name, result, candidates, name)
        cost = scenario_cost(project, name)
        out.update(
            sites=cost.placements,
            cost=cost.total,
            currency=cost.currency,
            covered=float(result.population_covered),
            optimal=bool(result.optimal),
            rows=_rows(evaluator.evaluate(name)),
        )
    except CityPlannerError as err:
        out["error"] = str(err)
    return out


def run_unit(task: UnitTask) -> dict[str, Any]:
    """Make and evaluate one unit; a result record (JSON-ready), ``ok`` False with ``error`` on failure."""
    start, cpu = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {"unit": task.name, "key": task.key, "ok": False, "error": None}
    with tempfile.TemporaryDirectory(prefix="cityplanner-unit-") as folder:
        try:
            if task.project_bytes is not None:
                path = Path(folder) / "unit.cityplan"
                path.write_bytes(task.project_bytes)
                project = load_project(path)
                record["outline_wkb"] = _outline_wkb(project)
            else:
                project = unit_project(task, folder)
            record.update(evaluate_project(project, task.proposal))
            record["ok"] = True
        except CityPlannerError as err:
            record["error"] = _unit_sentence(str(err), task, Path(folder))
    record["seconds"] = time.perf_counter() - start
    record["cpu_seconds"] = time.process_time() - cpu
    record["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    record["peak_rss_mb"] = peak_rss_mb()
    return record


def _unit_sentence(message: str, task: UnitTask, folder: Path) -> str:
    """The error as the user reads it: the unit's temporary files named as the unit's inputs."""
    if task.project_bytes is not None:
        return message.replace(str(folder / "unit.cityplan"), task.project_file or task.name)
    zones, layers = unit_files(task, folder)
    for layer, path in [(task.zones_layer, zones), *layers.items()]:
        for source in (describe_source(path), describe_source(path.with_suffix(".gpkg"), path.stem)):
            message = message.replace(source, f"layer '{layer}' of unit '{task.name}'")
    message = message.replace(str(folder), f"the inputs of unit '{task.name}'")
    if f"'{task.name}'" not in message:
        # "Unit 'X': the population surface of ... holds nobody."
        start = message[:1].lower() if message[1:2].islower() else message[:1]
        message = f"Unit '{task.name}': {start}{message[1:]}"
    return message


def _outline_wkb(project: Project) -> str:
    """The union of the project's zones in WGS84, as hex WKB (the unit's polygon in the outputs)."""
    import geopandas as gpd
    import shapely

    geoms = project.zones.geometry.to_numpy()
    outline = shapely.union_all(geoms[shapely.get_dimensions(geoms) == 2]) if len(geoms) else None
    if outline is None or outline.is_empty:
        outline = shapely.convex_hull(shapely.union_all(geoms)).buffer(1.0)
    return shapely.to_wkb(gpd.GeoSeries([outline], crs=project.crs).to_crs(4326).iloc[0], hex=True)


def peak_rss_mb() -> float:
    """The largest resident memory of this process so far, in MiB.

    On Linux the ``VmHWM`` of ``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` survives
    ``fork`` and ``exec``, so a worker process would report the peak of the process that started
    it.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows: psutil (a dependency of distributed) reads the peak working set
        import psutil

        info = psutil.Process().memory_info()
        return float(getattr(info, "peak_wset", info.rss)) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024.0
