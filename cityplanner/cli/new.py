"""``cityplanner new PROJECT.cityplan``: assemble a project from zone, population and layer files.

A face on :class:`cityplanner.tasks.CreateProject` (the app's New-project wizard runs the same task).
"""

from __future__ import annotations

import argparse

from ..tasks import CreateProject
from ._tasks import add_task_arguments, build_task


def _named_spec(text: str) -> tuple[str, str]:
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=FILE[:LAYER] (e.g. roads=city.gpkg:roads)")
    return name.strip(), spec.strip()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new",
        help="create a project from zones with population and other layers",
        description=CreateProject.description,
    )
    add_task_arguments(parser, CreateProject, layers={"type": _named_spec})
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    created = build_task(CreateProject, args).run()
    project, target, surface = created.project, created.path, created.surface
    print(f"Created {target}: {project.name}, working CRS {project.crs.to_string()}")
    print(f"  population surface: {len(surface):,} cells; {surface.note}")
    if project.settings.get("zone_overlap_note"):
        print(f"  note: {project.settings['zone_overlap_note']}")
    print(
        f"  zones: {project.zones_layer} ({len(project.zones):,} zones, "
        f"population {project.population.sum():,.0f} from '{project.population_field}')"
    )
    for lyr in project.layers.values():
        if lyr.name != project.zones_layer:
            role = lyr.role or "-"
            print(f"  layer {lyr.name}: {lyr.geometry_type}, {lyr.feature_count:,} features, role {role}")
        for note in lyr.notes:
            print(f"    note ({lyr.name}): {note}")
    return 0
