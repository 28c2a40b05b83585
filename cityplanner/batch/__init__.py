"""The KPI benchmark of a network of cities: many units evaluated at once, on dask.distributed.

``cityplanner batch SPEC.yaml --out DIR`` reads a spec (:mod:`.spec`), cuts national layers into
units on the client, or on the cluster with dask-geopandas for a layer too large for memory
(:mod:`.units`), makes and evaluates each unit's project, and optionally a proposal for a budget,
on a Dask worker (:mod:`.work`, :mod:`.run`) with a per-unit cache, and writes one table of
units x scenarios x KPIs with rankings, maps and a PDF summary (:mod:`.outputs`, :mod:`.figures`).
"""

from __future__ import annotations

from .run import BatchResult, ClusterInfo, UnitOutcome, run_batch
from .spec import BatchError, BatchSpec, load_spec, parse_spec
from .units import UnitTask, plan_units, reach_m
from .work import evaluate_project, run_unit, unit_project

__all__ = [
    "BatchError",
    "BatchResult",
    "BatchSpec",
    "ClusterInfo",
    "UnitOutcome",
    "UnitTask",
    "evaluate_project",
    "load_spec",
    "parse_spec",
    "plan_units",
    "reach_m",
    "run_batch",
    "run_unit",
    "unit_project",
]
