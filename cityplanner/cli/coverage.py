"""``cityplanner coverage``: people within a service radius of facilities, in total and per group."""

from __future__ import annotations

import argparse
import math

from ..coverage import euclidean_coverage, network_coverage
from ..errors import AnalysisError
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
        "coverage",
        help="population within a radius of facilities (straight line or along streets)",
        description=(
            "Measure how many people live within --radius metres of the facilities. With area demand "
            "(the default for zone polygons) a zone's people are spread over it and the covered part "
            "counts; with point demand each zone's people sit at one point inside it. Facilities "
            "given as polygons (parks) are measured to the polygon's edge."
        ),
    )
    add_demand_arguments(parser, demand_model=True)
    parser.add_argument(
        "--facilities", required=True, metavar="FILE[:LAYER]", help="facility points or polygons"
    )
    parser.add_argument("--radius", required=True, type=float, metavar="M", help="service radius in metres")
    parser.add_argument(
        "--mode",
        choices=("euclidean", "network"),
        default="euclidean",
        help="straight-line distance (default) or walking distance along --roads",
    )
    parser.add_argument(
        "--roads", metavar="FILE[:LAYER]", help="street centre lines (needed by --mode network)"
    )
    parser.add_argument("--group-by", metavar="FIELD", help="also report per value of this zone field")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_source_crs_argument(parser)
    add_encoding_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.mode == "network" and not args.roads:
        raise AnalysisError("--mode network needs the street lines: add --roads FILE[:LAYER].")
    demand, zones, zone_of_unit, zones_name, how = read_demand(args)
    if args.group_by and (zones is None or args.group_by not in zones.columns):
        raise AnalysisError(f"{zones_name} has no field '{args.group_by}' to group by.")
    crs = demand.crs
    facilities, _ = read_source(args.facilities, source_crs=args.source_crs, encoding=args.encoding)
    if args.mode == "network":
        from ..network import StreetNetwork

        roads, roads_name = read_source(args.roads, source_crs=args.source_crs, encoding=args.encoding)
        network = StreetNetwork.from_lines(roads.to_crs(crs), source=roads_name)
        result = network_coverage(demand, network, facilities.to_crs(crs), args.radius)
    else:
        result = euclidean_coverage(demand, facilities.to_crs(crs), args.radius)
    by_group = result.by_group(zones[args.group_by].to_numpy()[zone_of_unit]) if args.group_by else {}
    model = "point" if args.demand == "point" else "area"
    if args.json:
        summary = {
            "population_total": result.population_total,
            "population_covered": result.population_covered,
            "percent_covered": result.percent_covered,
            "mode": args.mode,
            "demand": model,
            "demand_method": how,
            "cell_size_m": None if model == "point" else args.cell,
            "radius_m": args.radius,
            "by_group": by_group,
        }
        if args.mode == "network":
            summary["unreachable_population"] = result.unreachable_population
        print_json(summary)
        return 0
    print(
        f"Coverage within {args.radius:g} m ({args.mode}, {model} demand): "
        f"{result.population_covered:,.0f} of {result.population_total:,.0f} people "
        f"({result.percent_covered:.1f} %)"
    )
    if result.unreachable_population > 0:
        print(
            f"  {result.unreachable_population:,.0f} people live in zones that no facility can reach "
            "along the streets (off the streets or on streets cut off from every facility)"
        )
    print(f"  People: {how}")
    if by_group:
        print(f"By {args.group_by}:")
        for group, row in by_group.items():
            percent = "n/a" if math.isnan(row["percent_covered"]) else f"{row['percent_covered']:.1f} %"
            print(
                f"  {group}: {row['population_covered']:,.0f} of {row['population_total']:,.0f} ({percent})"
            )
    return 0
