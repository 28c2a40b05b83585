"""Helpers shared by the verb modules: JSON output and ``FILE[:LAYER]`` arguments."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import geopandas as gpd
import numpy as np

from ..io import describe_source, parse_source, read_layer


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
    """``--source-crs``: the CRS of input files that carry none."""
    parser.add_argument(
        "--source-crs",
        metavar="EPSG",
        help="CRS of input files that have none (e.g. EPSG:4326); never overrides a file's own CRS",
    )


def add_encoding_argument(parser: argparse.ArgumentParser) -> None:
    """``--encoding``: the text encoding of input Shapefiles and CSV, overriding .cpg files."""
    parser.add_argument(
        "--encoding",
        metavar="CODEPAGE",
        help="text encoding of input Shapefiles and CSV files (e.g. 1258 for Windows-1258, UTF-8); "
        "overrides a shapefile's .cpg and the detection; other formats are UTF-8 by definition",
    )


def read_source(
    spec: str, crs=None, source_crs: str | None = None, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """Read ``FILE[:LAYER]`` (reprojected to ``crs`` if given); return it and how messages name it."""
    path, layer = parse_source(spec)
    gdf = read_layer(path, layer, crs=source_crs, encoding=encoding).gdf
    return (gdf if crs is None else gdf.to_crs(crs)), describe_source(path, layer)


def check_scenarios(project, path: str, names) -> None:
    """Raise naming the project file when it has no scenario of one of ``names`` (None: baseline)."""
    from ..errors import ProjectError

    if names is None or isinstance(names, str):
        names = [names]
    for name in names:
        if name is not None and name != project.baseline.name and name not in project.scenarios:
            known = ", ".join(project.scenarios)
            raise ProjectError(f"Project '{path}' has no scenario named '{name}' (it has: {known}).")
