"""``cityplanner info FILE``: every layer of a file with geometry type, CRS, feature count and fields."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import LayerLoadError
from ..io import LayerInfo, list_layers, parse_source
from ._common import add_encoding_argument, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="list the layers of a GIS file (geometry type, CRS, feature count, fields)",
        description=(
            "List every layer of a GIS file (GeoPackage, Shapefile, zipped Shapefile, GeoJSON, KML, "
            "FlatGeobuf, GeoParquet, OSM XML, CSV): name, geometry type, CRS, feature count and fields. "
            "FILE:LAYER shows one layer only."
        ),
    )
    parser.add_argument("file", metavar="FILE[:LAYER]", help="the file to inspect")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_encoding_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path, layer = parse_source(args.file)
    layers = list_layers(path, encoding=args.encoding)
    if layer is not None:
        chosen = [info for info in layers if info.name == layer]
        if not chosen:
            names = ", ".join(info.name for info in layers)
            raise LayerLoadError(f"File '{path}' has no layer '{layer}' (it has: {names}).")
        layers = chosen
    if args.json:
        print_json({"file": str(path), "layers": [info.to_dict() for info in layers]})
        return 0
    print(f"{path}: {len(layers)} layer{'s' if len(layers) != 1 else ''}")
    for info in layers:
        print(
            f"\n{info.name}\n  geometry: {_geometry_text(info, path)}\n  CRS: {info.crs or 'none'}\n"
            f"  features: {info.feature_count:,}"
        )
        fields = ", ".join(f"{f.name} ({f.type})" for f in info.fields) or "none"
        print(f"  fields: {fields}")
    return 0


def _geometry_text(info: LayerInfo, path: Path) -> str:
    """The geometry type, or why a table without geometry cannot be a map layer."""
    if info.geometry_type != "None":
        return info.geometry_type
    if path.suffix.lower() == ".csv":
        return "none - a plain table (no lon/lat, x/y or WKT column), so it cannot be a map layer"
    return "none - a table without geometry, not a map layer"
