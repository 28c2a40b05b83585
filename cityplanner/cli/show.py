"""``cityplanner show PROJECT.cityplan``: a project's layers, facility types, scenarios and placements."""

from __future__ import annotations

import argparse

from ..store import load_project, project_summary
from ..surface import surface_summary
from ._common import print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "show",
        help="list a project's layers, scenarios and placements per type",
        description=(
            "List a project's layers, facility types, scenarios (placements per type) and priority zones."
        ),
    )
    parser.add_argument("project", metavar="PROJECT.cityplan", help="the project file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    summary = project_summary(project)
    summary["population_surface"] = surface_summary(project)
    if project.settings.get("zone_overlap_note"):  # zones accepted with --allow-overlap
        summary["zone_overlap_note"] = project.settings["zone_overlap_note"]
    if args.json:
        print_json(summary)
    else:
        print(format_summary(summary, args.project))
    return 0


def format_summary(summary: dict, path: str) -> str:
    """The text report of ``cityplanner show`` for a :func:`~cityplanner.store.project_summary`."""
    lines = [f"Project: {summary['project']}  ({path})", f"CRS: {summary['crs']}"]
    if summary["zones_layer"]:
        total = summary["population_total"]
        lines.append(
            f"Zones: {summary['zones_layer']} (population field '{summary['population_field']}', "
            + (f"total {total:,.0f})" if total is not None else "total unknown)")
        )
    else:
        lines.append("Zones: none chosen")
    surface = summary.get("population_surface")
    if surface:
        cells = f", {surface['cells']:,} cells" if surface["cells"] is not None else ""
        lines.append(
            f"Population surface: {surface['method']}, {surface['cell_size_m']:g} m{cells}. {surface['note']}"
        )
    if summary.get("zone_overlap_note"):
        lines.append(f"Note: {summary['zone_overlap_note']}")

    lines += ["", f"Layers ({len(summary['layers'])}):"]
    lines += _table(
        ["name", "role", "geometry", "features", "source"],
        [
            [
                lyr["name"],
                lyr["role"] or "-",
                lyr["geometry_type"],
                f"{lyr['feature_count']:,}",
                lyr["source"] or "-",
            ]
            for lyr in summary["layers"]
        ],
        right={3},
    )

    lines += ["", f"Facility types ({len(summary['facility_types'])}):"]
    lines += _table(
        ["name", "label", "radius m", "capacity", "unit cost", "existing from"],
        [
            [
                ft["name"],
                ft["label"],
                f"{ft['radius_m']:,.0f}",
                f"{ft['capacity']:,.0f}",
                f"{ft['unit_cost']:,.0f}",
                ft["layer"] or "-",
            ]
            for ft in summary["facility_types"]
        ],
        right={2, 3, 4},
    )

    lines += ["", f"Scenarios ({len(summary['scenarios'])}):"]
    for sc in summary["scenarios"]:
        counts = sc["placements"]
        placed = ", ".join(f"{kind} {n}" for kind, n in counts.items() if n)
        total = sum(counts.values())
        described = f" - {sc['description']}" if sc["description"] else ""
        lines.append(
            f"  {sc['name']}{described}: {total} placement{'s' if total != 1 else ''}"
            + (f" ({placed})" if placed else "")
        )

    tiers = summary["priority_zones"]
    lines += ["", "Priority zones: " + ", ".join(f"tier {t}: {n}" for t, n in tiers.items())]
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Rows as aligned text columns (indices in ``right`` right-aligned)."""
    if not rows:
        return ["  (none)"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out
