"""``cityplanner access``: distance from where people live to the nearest facility, population-weighted."""

from __future__ import annotations

import argparse
import math

import numpy as np
import shapely

from ..access import nearest_facility, summarise
from ..errors import AnalysisError
from ..network import DEFAULT_MAX_SNAP_M, DEFAULT_WALK_SPEED_KMH, StreetNetwork
from ._common import (
    add_demand_arguments,
    add_encoding_argument,
    add_source_crs_argument,
    print_json,
    read_demand,
    read_source,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "access",
        help="distance and walking time from zones to their nearest facility",
        description=(
            "Measure the distance from where people live (the cells of the population surface, or each "
            "zone's point with --demand point) to the nearest facility and summarise it weighted by "
            "population: mean, median and 90th percentile, also per --group-by value. With --roads "
            "the distance runs along the streets (the walk to the nearest street included), "
            "otherwise in a straight line. People who cannot reach a facility along the streets are "
            "reported as unreachable population. Facility polygons count at a point inside them."
        ),
    )
    add_demand_arguments(parser, demand_model=True)
    parser.add_argument("--facilities", required=True, metavar="FILE[:LAYER]", help="facility points")
    parser.add_argument("--roads", metavar="FILE[:LAYER]", help="street centre lines: measure along them")
    parser.add_argument("--group-by", metavar="FIELD", help="also report per value of this zone field")
    parser.add_argument(
        "--max-snap",
        type=float,
        default=DEFAULT_MAX_SNAP_M,
        metavar="M",
        help=f"zones and facilities farther than this from every street are unreachable "
        f"(default {DEFAULT_MAX_SNAP_M:g})",
    )
    parser.add_argument(
        "--walk-speed",
        type=float,
        default=DEFAULT_WALK_SPEED_KMH,
        metavar="KMH",
        help=f"walking speed for travel times in km/h (default {DEFAULT_WALK_SPEED_KMH:g})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_source_crs_argument(parser)
    add_encoding_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.max_snap > 0:
        raise AnalysisError(f"--max-snap must be a positive distance in metres (got {args.max_snap:g}).")
    if not args.walk_speed > 0:
        raise AnalysisError(f"--walk-speed must be a positive speed in km/h (got {args.walk_speed:g}).")
    demand, zones, zone_of_unit, zones_name, how = read_demand(args)
    if args.group_by and (zones is None or args.group_by not in zones.columns):
        raise AnalysisError(f"{zones_name} has no field '{args.group_by}' to group by.")
    crs = demand.crs
    facilities, facilities_name = read_source(
        args.facilities, source_crs=args.source_crs, encoding=args.encoding
    )
    sites = facilities.to_crs(crs).geometry.to_numpy()
    sites = sites[~(shapely.is_missing(sites) | shapely.is_empty(sites))]
    if len(sites) == 0:
        raise AnalysisError(f"{facilities_name} has no facilities to measure access to.")
    facilities_xy = shapely.get_coordinates(shapely.point_on_surface(sites))
    network = None
    if args.roads:
        roads, roads_name = read_source(args.roads, source_crs=args.source_crs, encoding=args.encoding)
        network = StreetNetwork.from_lines(
            roads.to_crs(crs), walk_speed_kmh=args.walk_speed, source=roads_name
        )
    result = nearest_facility(
        demand, facilities_xy, network=network, max_snap_m=args.max_snap, walk_speed_kmh=args.walk_speed
    )
    groups = zones[args.group_by].to_numpy()[zone_of_unit] if args.group_by else None
    distance = summarise(result.distance_m, demand.population, groups)
    minutes = summarise(result.time_min, demand.population, groups)
    out = {"mode": result.mode, **_keys(distance, minutes)}
    out["by_group"] = {
        group: _keys(row, minutes["by_group"][group]) for group, row in distance["by_group"].items()
    }
    if args.json:
        print_json(out)
        return 0
    how = "along the streets" if result.mode == "network" else "straight line"
    print(f"Distance to the nearest facility ({how}, {args.walk_speed:g} km/h walking):")
    print(_line("everyone", out))
    print(f"  People: {how}")
    if np.any(result.too_far):
        people = float(demand.population[result.too_far].sum())
        print(f"  {people:,.0f} people live more than {args.max_snap:g} m from every street.")
    if np.any(result.disconnected):
        people = float(demand.population[result.disconnected].sum())
        print(f"  {people:,.0f} people live by streets that lead to no facility.")
    if out["by_group"]:
        print(f"By {args.group_by}:")
        for group, row in out["by_group"].items():
            print(_line(str(group), row))
    return 0


def _keys(distance: dict, minutes: dict) -> dict:
    """The JSON keys of one summary row (distance in metres, time in minutes)."""
    return {
        "weighted_mean_m": distance["weighted_mean"],
        "median_m": distance["median"],
        "p90_m": distance["p90"],
        "weighted_mean_min": minutes["weighted_mean"],
        "median_min": minutes["median"],
        "p90_min": minutes["p90"],
        "unreachable_population": distance["unreachable_population"],
    }


def _line(label: str, row: dict) -> str:
    def metres(key: str) -> str:
        value = row[f"{key}_m"]
        return "n/a" if math.isnan(value) else f"{value:,.0f} m ({row[f'{key}_min']:.1f} min)"

    text = f"  {label}: mean {metres('weighted_mean')}, median {metres('median')}, "
    text += f"90th percentile {metres('p90')}"
    if row["unreachable_population"] > 0:
        text += f"; {row['unreachable_population']:,.0f} people cannot reach one"
    return text
