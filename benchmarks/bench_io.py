"""Layer IO speed: reading 100,000 polygons (1 % of them invalid) through ``cityplanner.io``.

Writes a GeoPackage of jittered grid cells (UTM 48N) into a temporary folder, then times
pyogrio with Arrow (the raw read), fiona (for comparison), and :func:`cityplanner.io.read_layer`
(read + 2D + dimension check + vectorised repair), and :func:`cityplanner.io.list_layers`.
Prints one line per figure::

    .venv/bin/python benchmarks/bench_io.py [--n 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from cityplanner.io import list_layers, read_layer


def make_polygons(n: int, invalid_share: float = 0.01, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` 40 m cells with jittered corners around HCMC; ``invalid_share`` of them are bow-ties."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0 = 680_000 + (i % side) * 50.0
    y0 = 1_185_000 + (i // side) * 50.0
    corners = np.stack([x0, y0, x0 + 40, y0, x0 + 40, y0 + 40, x0, y0 + 40], axis=1).reshape(n, 4, 2)
    corners += rng.uniform(-3, 3, corners.shape)
    bowtie = rng.random(n) < invalid_share
    corners[bowtie] = corners[bowtie][:, [0, 2, 1, 3]]
    rings = np.concatenate([corners, corners[:, :1]], axis=1)
    polygons = shapely.polygons(rings)
    return gpd.GeoDataFrame(
        {"zone_id": i, "population": rng.integers(0, 500, n), "name": [f"Khu {k}" for k in i]},
        geometry=polygons,
        crs="EPSG:32648",
    )


def timed(label: str, func, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"{label}: {best:.3f} s (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of polygons")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "polygons.gpkg"
        pyogrio.write_dataframe(make_polygons(args.n), path, layer="zones")
        print(f"{args.n:,} polygons, {path.stat().st_size / 1e6:.1f} MB GeoPackage")
        timed("pyogrio + Arrow raw read", lambda: pyogrio.read_dataframe(path, use_arrow=True))
        timed("fiona raw read", lambda: gpd.read_file(path, engine="fiona"), repeat=1)
        lyr = timed("cityplanner.io.read_layer (read, check, repair)", lambda: read_layer(path))
        timed("cityplanner.io.list_layers", lambda: list_layers(path))
        print(f"notes: {'; '.join(lyr.notes)}")


if __name__ == "__main__":
    main()
