"""``cityplanner optimise``: where to put new facilities (MCLP, LSCP or p-median).

Two forms: over files (``--zones``, ``--candidates``...) printing the proposal, or over a project
(``PROJECT.cityplan --type TYPE --into-scenario NAME``) writing the proposal into a scenario.
"""

from __future__ import annotations

import argparse

import numpy as np

from ..errors import OptimisationError
from ..optimise import LSCP, MCLP, PMedian, grid_candidates, optimise_project, propose_into_scenario
from ..optimise._core import points_xy
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
        "optimise",
        help="propose sites for new facilities (maximal covering, set covering, p-median)",
        description=(
            "Choose candidate sites for new facilities. mclp: --sites new sites covering the most people "
            "within --radius; lscp: the fewest sites covering --target of the people; pmedian: --sites "
            "new sites minimising people x distance. Existing facilities stay open and count. Demand "
            "is the population surface (the zones' people on --cell cells, placed by "
            "--population-raster when given), as the KPIs count it; --demand point puts each zone's "
            "people at one point. With PROJECT.cityplan the project's own surface is used and the "
            "proposal is saved into --into-scenario."
        ),
    )
    parser.add_argument("project", nargs="?", metavar="PROJECT.cityplan", help="optimise within a project")
    add_demand_arguments(parser, demand_model=True)
    parser.add_argument(
        "--candidates",
        metavar="FILE[:LAYER]|network",
        help="candidate sites: a layer, or 'network' for street vertices (with a project)",
    )
    parser.add_argument(
        "--grid",
        type=float,
        metavar="M",
        help="candidates on a grid of this spacing in the zones (with a project)",
    )
    parser.add_argument(
        "--model",
        required=True,
        choices=("mclp", "lscp", "pmedian"),
        help="mclp: most people covered by --sites; lscp: fewest sites for --target; "
        "pmedian: least people x distance with --sites",
    )
    parser.add_argument("--sites", type=int, metavar="P", help="number of new sites (mclp, pmedian)")
    parser.add_argument(
        "--budget",
        type=float,
        metavar="AMOUNT",
        help="mclp: spend at most this on new sites instead of --sites (site costs from --cost-field, "
        "or with a project the facility type's unit cost)",
    )
    parser.add_argument(
        "--cost-field",
        metavar="FIELD",
        help="cost of each candidate site, a field of --candidates (mclp with --budget; lscp then "
        "minimises the total cost instead of the number of sites)",
    )
    parser.add_argument("--radius", type=float, metavar="M", help="coverage radius in metres")
    parser.add_argument(
        "--target",
        type=float,
        default=100.0,
        metavar="PERCENT",
        help="lscp: %% of the people to cover (default 100)",
    )
    parser.add_argument("--existing", metavar="FILE[:LAYER]", help="existing facilities of the same type")
    parser.add_argument(
        "--mode",
        choices=("euclidean", "network"),
        help="straight line or along --roads; default: straight line, or with a project as its KPIs "
        "measure (along its streets when it has a road layer)",
    )
    parser.add_argument("--roads", metavar="FILE[:LAYER]", help="street centre lines for --mode network")
    parser.add_argument(
        "--solver",
        choices=("exact", "heuristic"),
        default="exact",
        help="exact (default): proven optimal unless --time-limit stops it (HiGHS); "
        "heuristic: greedy and swaps, faster, with a bound on the gap",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, metavar="S", help="seconds (default 60)")
    parser.add_argument(
        "--gap",
        type=float,
        metavar="PERCENT",
        help="exact solver: stop once the proven gap is at most this %% (default: solve to optimality)",
    )
    parser.add_argument("--type", metavar="TYPE", help="facility type (with a project)")
    parser.add_argument(
        "--into-scenario", metavar="NAME", help="scenario receiving the proposal (with a project)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_source_crs_argument(parser)
    add_encoding_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.budget is not None and args.model != "mclp":
        raise OptimisationError("--budget goes with --model mclp (lscp minimises the cost itself).")
    if args.cost_field and args.model == "pmedian":
        raise OptimisationError("--cost-field goes with --model mclp or lscp, not pmedian.")
    if args.model == "lscp" and args.sites is not None:
        raise OptimisationError(
            "--sites goes with --model mclp or pmedian; lscp finds the fewest sites for --target itself."
        )
    if args.time_limit <= 0:
        raise OptimisationError(
            f"--time-limit must be a positive number of seconds (got {args.time_limit:g})."
        )
    if args.model == "pmedian" and args.sites is None:
        raise OptimisationError("--model pmedian needs the number of new sites: add --sites P.")
    if args.model == "mclp" and args.sites is None and args.budget is None:
        raise OptimisationError(
            "--model mclp needs the number of new sites or a budget: add --sites P or --budget."
        )
    if not 0 < args.target <= 100:
        raise OptimisationError(f"--target must be a percentage in (0, 100] (got {args.target:g}).")
    result = _run_project(args) if args.project else _run_files(args)
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_result(result))
    return 0


def _gap(args: argparse.Namespace) -> dict:
    return {} if args.gap is None else {"mip_gap": args.gap / 100.0}


def _options(args: argparse.Namespace, costs: np.ndarray | None = None) -> dict:
    options = {"target": args.target / 100.0} if args.model == "lscp" else {}
    if args.budget is not None:
        options["budget"] = args.budget
    if costs is not None:
        options["costs"] = costs
    return options


def _candidate_costs(args: argparse.Namespace, candidates, name: str) -> np.ndarray | None:
    """The ``--cost-field`` of the candidate layer as non-negative numbers, or None."""
    if not args.cost_field:
        if args.budget is not None:
            raise OptimisationError("--budget needs the cost of each candidate site: add --cost-field FIELD.")
        return None
    if args.cost_field not in candidates.columns:
        raise OptimisationError(f"{name} has no cost field '{args.cost_field}'.")
    import pandas as pd

    costs = pd.to_numeric(candidates[args.cost_field], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(costs) | (costs < 0)
    if bad.any():
        raise OptimisationError(
            f"Field '{args.cost_field}' of {name} must hold a cost of zero or more for every site "
            f"({int(bad.sum())} do not, e.g. row {int(np.flatnonzero(bad)[0])})."
        )
    return costs


def _check_candidate_count(args: argparse.Namespace, candidates, name: str) -> None:
    if len(candidates) == 0:
        raise OptimisationError(f"{name} has no candidate sites.")
    if args.sites is not None and args.sites > len(candidates):
        raise OptimisationError(
            f"Cannot choose {args.sites} sites from {name}: it has only {len(candidates)} candidate sites."
        )


def _network(roads_gdf):
    from ..network import StreetNetwork

    return StreetNetwork.from_lines(roads_gdf)


def _run_files(args: argparse.Namespace):
    if args.grid is not None or args.candidates == "network":
        given = "--grid" if args.grid is not None else "--candidates network"
        raise OptimisationError(
            f"{given} needs a project (PROJECT.cityplan) to place the sites in; without one give "
            "--candidates FILE[:LAYER]."
        )
    missing = [
        flag
        for flag, value in (
            ("--zones or --population-raster", args.zones or args.population_raster),
            ("--population or --population-raster", args.population or args.population_raster),
            ("--candidates", args.candidates),
        )
        if not value
    ]
    if missing:
        raise OptimisationError(f"Without a project, optimise needs {', '.join(missing)}.")
    if args.model in ("mclp", "lscp") and args.radius is None:
        raise OptimisationError(f"--model {args.model} needs a coverage radius: add --radius M.")
    demand = read_demand(args)[0]
    crs = demand.crs
    candidates, cand_name = read_source(args.candidates, crs, args.source_crs, args.encoding)
    _check_candidate_count(args, candidates, cand_name)
    existing = read_source(args.existing, crs, args.source_crs, args.encoding)[0] if args.existing else None
    network = None
    if args.mode == "network":
        if not args.roads:
            raise OptimisationError("--mode network needs the street lines: add --roads FILE[:LAYER].")
        network = _network(read_source(args.roads, crs, args.source_crs, args.encoding)[0])
    cls = {"mclp": MCLP, "lscp": LSCP, "pmedian": PMedian}[args.model]
    options = _options(args, _candidate_costs(args, candidates, cand_name))
    if args.sites is not None:
        options["sites"] = args.sites
    candidates_xy = points_xy(candidates.geometry.values)
    existing_xy = points_xy(existing.geometry.values) if existing is not None and len(existing) else None
    if args.model == "pmedian":
        model = cls.from_points(
            demand.points,
            demand.population,
            candidates_xy,
            existing_xy,
            network,
            radius_m=args.radius,
            **options,
        )
    else:
        model = cls.from_points(
            demand.points, demand.population, candidates_xy, args.radius, existing_xy, network, **options
        )
    return model.solve(solver=args.solver, time_limit_s=args.time_limit, **_gap(args))


def _run_project(args: argparse.Namespace):
    from ..store import load_project, save_project

    if not args.type or not args.into_scenario:
        raise OptimisationError("With a project, optimise needs --type TYPE and --into-scenario NAME.")
    project = load_project(args.project)
    project.facility_type(args.type)
    mode = args.mode or project.distance_mode  # as the KPIs measure: along the streets if there are roads
    network = None
    if mode == "network" or args.candidates == "network":
        if args.roads:
            roads = read_source(args.roads, project.crs, args.source_crs, args.encoding)[0]
        else:
            roads = _project_roads(project, args.project)
        network = _network(roads)
    costs = None
    if args.grid is not None:
        candidates_xy = grid_candidates(project.zones, args.grid)
    elif args.candidates == "network":
        candidates_xy = np.asarray(network.nodes_xy)
    elif args.candidates:
        gdf, name = read_source(args.candidates, project.crs, args.source_crs, args.encoding)
        _check_candidate_count(args, gdf, name)
        candidates_xy = points_xy(gdf.geometry.values)
        if args.cost_field:
            costs = _candidate_costs(args, gdf, name)
    else:
        raise OptimisationError(
            "Give candidate sites: --candidates FILE[:LAYER], --candidates network or --grid M."
        )
    if args.cost_field and costs is None:
        raise OptimisationError(
            "--cost-field names a field of a --candidates layer, not of a grid or the network."
        )
    result = optimise_project(
        project,
        args.type,
        args.model,
        candidates_xy,
        sites=args.sites,
        radius_m=args.radius,
        network=network if mode == "network" else None,
        scenario=args.into_scenario,
        solver=args.solver,
        time_limit_s=args.time_limit,
        **_gap(args),
        **_options(args, costs),
    )
    propose_into_scenario(project, args.type, result, candidates_xy, args.into_scenario)
    save_project(project, args.project)
    return result


def _project_roads(project, path: str):
    roads = project.layer_with_role("roads")
    if roads is None:
        raise OptimisationError(f"Project '{path}' has no roads layer; add --roads FILE[:LAYER].")
    return roads.gdf


def format_result(result) -> str:
    """The text report of ``cityplanner optimise``."""
    status = (
        "optimal" if result.optimal else (f"gap {result.gap:.2%}" if np.isfinite(result.gap) else "no bound")
    )
    lines = [
        f"Model: {result.model} ({result.solver}, {status}, {result.seconds:.1f} s)",
        f"Objective: {result.objective:,.1f}",
        f"Covered: {result.population_covered:,.0f} of {result.population_total:,.0f} people "
        f"({result.percent_covered:.1f}%; {result.percent_covered_before:.1f}% before)",
        f"Selected sites ({len(result.selected)}), marginal gain in greedy order:",
    ]
    if result.unreachable_population:  # p-median: demand no site reaches is left out of the objective
        share = result.unreachable_population / result.population_total
        lines.insert(
            3,
            f"Unreachable: {result.unreachable_population:,.0f} of {result.population_total:,.0f} people "
            f"({share:.1%}) cannot reach any candidate or existing site; the objective leaves them out",
        )
    gain = dict(zip(result.selected.tolist(), result.marginal_gain.tolist(), strict=True))
    lines += [f"  {int(i):>7}  {gain[int(i)]:>14,.1f}" for i in result.greedy_order]
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines)
