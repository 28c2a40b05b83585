"""``cityplanner new PROJECT.cityplan``: assemble a project from zone, population and layer files."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..assemble import create_project
from ..errors import ProjectError
from ..settings import CELL_SIZE_RANGE_M, DEFAULT_CELL_SIZE_M
from ._common import add_encoding_argument


def _named_spec(text: str) -> tuple[str, str]:
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=FILE[:LAYER] (e.g. roads=city.gpkg:roads)")
    return name.strip(), spec.strip()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new",
        help="create a project from zones with population and other layers",
        description=(
            "Create a project file from demand zones with a population field and optional layers. "
            "Roles come from layer names: roads/streets, bus_stops, schools, clinics/health/hospitals, "
            "parks/green/open_space, hazard/flood, buildings, wifi/hotspots, cctv, ev/chargers, "
            "small_cells/5g, sensors."
        ),
    )
    parser.add_argument("project", metavar="PROJECT.cityplan", help="the project file to create")
    parser.add_argument(
        "--zones", required=True, metavar="FILE[:LAYER]", help="zones (polygons or points) with population"
    )
    parser.add_argument(
        "--population",
        metavar="FIELD",
        help="population field of the zones (census); optional with --population-raster",
    )
    parser.add_argument(
        "--population-raster",
        metavar="FILE.tif",
        help="population GeoTIFF (people per pixel, any CRS): where people live; rescaled per zone to "
        "--population when that is given, else its counts as they are",
    )
    parser.add_argument(
        "--dasymetric",
        metavar="LAYERNAME",
        help="place each zone's people by a buildings (footprint x storeys) or residential land-use "
        "layer given with --layer",
    )
    parser.add_argument(
        "--cell",
        type=float,
        metavar="M",
        help=f"population surface cell size in metres ({CELL_SIZE_RANGE_M[0]:g}-{CELL_SIZE_RANGE_M[1]:g}, "
        f"default {DEFAULT_CELL_SIZE_M:g})",
    )
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        type=_named_spec,
        metavar="NAME=FILE[:LAYER]",
        help="another layer, e.g. roads=city.gpkg:roads (repeatable)",
    )
    parser.add_argument(
        "--crs", metavar="EPSG", help="working CRS in metres (default: the UTM zone of the zones' centre)"
    )
    parser.add_argument(
        "--source-crs",
        metavar="EPSG",
        help="CRS of input files that have none (e.g. a shapefile without .prj)",
    )
    add_encoding_argument(parser)
    parser.add_argument("--name", help="plan and city name (default: the zone file's name)")
    parser.add_argument(
        "--allow-overlap",
        action="store_true",
        help="accept zones that overlap by more than 1%% of the smaller one's area (people in the "
        "overlaps are then counted twice, and the project says so)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite PROJECT.cityplan if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import save_project
    from ..surface import set_project_surface

    target = Path(args.project)
    if target.exists() and not args.force:
        raise ProjectError(f"Project '{target}' already exists; use --force to overwrite it.")
    names = [name for name, _ in args.layer]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ProjectError(f"Layer name '{duplicated[0]}' is given more than once with --layer.")
    if not args.population and not args.population_raster:
        raise ProjectError(
            "Give the zones' population: --population FIELD, --population-raster FILE.tif, or both."
        )
    if args.dasymetric and args.population_raster:
        raise ProjectError("Choose one way to place people: --population-raster or --dasymetric, not both.")
    if args.dasymetric and args.dasymetric not in names:
        raise ProjectError(
            f"--dasymetric names '{args.dasymetric}', which is not a layer given with --layer."
        )
    if args.dasymetric and not args.population:
        raise ProjectError("--dasymetric shares a census field among buildings; give it with --population.")
    project = create_project(
        args.zones,
        args.population,
        layers=dict(args.layer),
        crs=args.crs,
        source_crs=args.source_crs,
        name=args.name,
        encoding=args.encoding,
        allow_overlap=args.allow_overlap,
    )
    surface = set_project_surface(
        project,
        raster=args.population_raster,
        dasymetric_layer=args.dasymetric,
        cell_size_m=args.cell,
        use_census=bool(args.population),
    )
    save_project(project, target)
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
