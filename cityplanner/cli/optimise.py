"""``cityplanner optimise``: where to put new facilities (MCLP, LSCP or p-median).

Two forms: over files (``--zones``, ``--candidates``...) printing the proposal, or over a project
(``PROJECT.cityplan --type TYPE --into-scenario NAME``) writing the proposal into a scenario. The
project form is a face on :class:`cityplanner.tasks.Propose`, the task the app's Propose dialog
runs; the options both forms share are declared there.
"""

from __future__ import annotations

import argparse

import numpy as np

from ..errors import OptimisationError
from ..optimise import LSCP, MCLP, PMedian
from ..optimise._core import points_xy
from ..tasks import Propose, check_siting_options, cli_refer
from ..tasks.propose import candidate_costs, check_candidate_count
from ._common import add_demand_arguments, print_json, read_demand, read_source
from ._tasks import add_task_arguments, build_task


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
    add_task_arguments(
        parser, Propose, ["project"], project={"nargs": "?", "help": "optimise within a project"}
    )
    add_demand_arguments(parser, demand_model=True)
    add_task_arguments(
        parser,
        Propose,
        ["candidates", "grid", "model", "sites", "budget", "cost_field", "radius", "target"],
    )
    parser.add_argument("--existing", metavar="FILE[:LAYER]", help="existing facilities of the same type")
    add_task_arguments(
        parser, Propose, ["mode", "roads", "solver", "time_limit", "gap", "type", "into_scenario"]
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_task_arguments(parser, Propose, ["source_crs", "encoding"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_siting_options(
        args.model, args.sites, args.budget, args.cost_field, args.time_limit, args.target, cli_refer
    )
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
    return candidate_costs(args.cost_field, candidates, name)


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
    if not args.candidates:
        raise OptimisationError("Without a project, optimise needs --candidates FILE[:LAYER].")
    if args.model in ("mclp", "lscp") and args.radius is None:
        raise OptimisationError(f"--model {args.model} needs a coverage radius: add --radius M.")
    # read_demand refuses missing --zones / --population as every verb over files does.
    demand = read_demand(args)[0]
    crs = demand.crs
    candidates, cand_name = read_source(args.candidates, crs, args.source_crs, args.encoding)
    check_candidate_count(args.sites, candidates, cand_name)
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
    """The project form: :class:`~cityplanner.tasks.Propose` with the parsed options."""
    return build_task(Propose, args).run().result


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
