"""Helpers shared by the verb modules: JSON output and ``FILE[:LAYER]`` arguments.

``read_source`` is the engine's :func:`cityplanner.tasks.base.read_source`, the one reader the
tasks use too; ``--source-crs`` and ``--encoding`` are the tasks' declarations of them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np

from ..tasks.base import ENCODING, SOURCE_CRS, read_source
from ._tasks import _flags, _keywords


def _plain(obj: Any) -> Any:
    """Convert numpy scalars/arrays and NaN to JSON-ready Python values."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    return obj


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    json.dump(_plain(obj), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def add_source_crs_argument(parser: argparse.ArgumentParser) -> None:
    """``--source-crs``: the CRS of input files that carry none (the tasks' declaration)."""
    _add_parameter(parser, SOURCE_CRS)


def add_encoding_argument(parser: argparse.ArgumentParser) -> None:
    """``--encoding``: the text encoding of input Shapefiles and CSV, overriding .cpg files."""
    _add_parameter(parser, ENCODING)


def _add_parameter(parser: argparse.ArgumentParser, parameter) -> None:
    parser.add_argument(*_flags(parameter), **_keywords(parameter, {}))


def add_demand_arguments(parser: argparse.ArgumentParser, *, demand_model: bool = False) -> None:
    """``--zones``, ``--population``, ``--population-raster`` and ``--cell``: who lives where.

    With ``demand_model``, also ``--demand area|point``.
    """
    from ..demand import DEMAND_MODELS
    from ..settings import CELL_SIZE_RANGE_M, DEFAULT_CELL_SIZE_M

    parser.add_argument("--zones", metavar="FILE[:LAYER]", help="zones (polygons) or demand points")
    parser.add_argument("--population", metavar="FIELD", help="population (census) field of the zones")
    parser.add_argument(
        "--population-raster",
        metavar="FILE.tif",
        help="population GeoTIFF (people per pixel): where people live inside the zones, rescaled to "
        "--population per zone when that is given; alone, its counts under the zones (or all of it)",
    )
    low, high = CELL_SIZE_RANGE_M
    parser.add_argument(
        "--cell",
        type=float,
        default=DEFAULT_CELL_SIZE_M,
        metavar="M",
        help=f"population surface cell size in metres ({low:g}-{high:g}, default {DEFAULT_CELL_SIZE_M:g})",
    )
    if demand_model:
        parser.add_argument(
            "--demand",
            choices=DEMAND_MODELS,
            help="area: people spread over the zones on cells (default for polygons); point: each "
            "zone's people at one point inside it (default for points)",
        )


def read_demand(args: argparse.Namespace):
    """The demand the arguments of :func:`add_demand_arguments` describe, in a metric working CRS.

    Returns
    -------
    tuple
        ``(demand, zones, zone_of_unit, name, how)``: a :class:`~cityplanner.demand.Demand`; the
        zones in the working CRS (None with a raster alone); the zone row of each demand unit (for
        ``--group-by``); how messages name the zones; and one sentence on how people were placed.
    """
    import numpy as np
    import shapely

    from ..demand import Demand
    from ..errors import AnalysisError
    from ..io import working_crs_for
    from ..surface import build_surface, raster_footprint

    if not args.zones and not args.population_raster:
        raise AnalysisError(
            "Give who lives where: --zones FILE[:LAYER] with --population FIELD, and/or "
            "--population-raster FILE.tif."
        )
    if args.zones and not args.population and not args.population_raster:
        raise AnalysisError("Give the zones' population: --population FIELD or --population-raster FILE.tif.")
    if args.zones:
        zones, name = read_source(args.zones, source_crs=args.source_crs, encoding=args.encoding)
        zones = zones.to_crs(working_crs_for(zones))
    else:
        zones, name = (
            raster_footprint(args.population_raster, args.cell),
            f"the raster {args.population_raster}",
        )
    points = bool((shapely.get_dimensions(zones.geometry.to_numpy()) == 0).all())
    if getattr(args, "demand", None) == "point" or points:
        if args.population_raster:
            raise AnalysisError("A population raster spreads people over areas; use it with zone polygons.")
        demand = Demand.from_zones(zones, args.population, model="point", source=name)
        return demand, zones, np.arange(len(zones)), name, f"each zone's people at one point of {name}"
    census = None
    if args.population:
        from ..io import check_population

        census = check_population(zones, args.population, name)
    surface = build_surface(zones, census, args.cell, raster=args.population_raster, source=name)
    return surface.demand(), (zones if args.zones else None), surface.zone, name, surface.note
