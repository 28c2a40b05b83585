"""A national batch: 34 provinces x 100,000 population cells, serially and on a LocalCluster(2).

Run: ``.venv/bin/python benchmarks/bench_batch.py [--units 34] [--workers 2] [--big-layer-mb MB]``
(``--big-layer-mb 0``: the national layers read in partitions with dask-geopandas and cut on the
cluster, as for layers that do not fit in memory).

A synthetic country (written to a temporary folder, in WGS84 like a national OSM extract) of
34 provinces of 31.6 x 31.6 km; at the default 100 m cells each holds 100,000 cells. Each has
25 communes with a census field, a street grid (every 200 m over an 8 x 8 km core, 4 trunk roads
across), 160 bus stops, 20 clinics with a capacity field, 40 schools and 30 parks. The same
:func:`cityplanner.batch.run_batch` runs twice in one process: serially (``serial=True``: every
unit in this process, one after the other) and with ``workers=2``: the ``LocalCluster`` of two
single-threaded worker processes that ``cityplanner batch --workers 2`` starts, each run into its
own empty output folder (no cache). Printed: both times, end to
end (reading and cutting the national layers, starting the cluster, the units, the tables) and
for the units alone, the speed-up (goal >= 1.7x on 2 cores), and each worker's peak memory. A
third run, serial again with the engine on one thread (``CITYPLANNER_THREADS=1``, as in each
worker), gives the like-for-like speed-up and what the engine's own threads gave the serial run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import yaml

SIDE_M = 31_623.0  # 1,000 km2: 100,000 cells of 100 m
COLUMNS = 6
ORIGIN = (300_000.0, 1_150_000.0)  # UTM 48N, about 105.2 E, 10.4 N
CORE_M, STREET_M = 8_000.0, 200.0


def write_country(folder: Path, n_units: int, seed: int = 34) -> Path:
    """The national layers as one GeoPackage in WGS84; returns the spec file's path."""
    rng = np.random.default_rng(seed)
    provinces, communes, roads, stops, clinics, schools, parks = [], [], [], [], [], [], []
    for i in range(n_units):
        x0 = ORIGIN[0] + (i % COLUMNS) * SIDE_M
        y0 = ORIGIN[1] + (i // COLUMNS) * SIDE_M
        provinces.append(
            {"name": f"Tỉnh {i + 1:02d}", "geometry": shapely.box(x0, y0, x0 + SIDE_M, y0 + SIDE_M)}
        )
        step = SIDE_M / 5
        for j in range(25):
            cx, cy = x0 + (j % 5) * step, y0 + (j // 5) * step
            core = (j % 5, j // 5) == (2, 2)
            people = rng.uniform(150_000, 250_000) if core else rng.uniform(5_000, 40_000)
            communes.append(
                {
                    "commune": f"Xã {i + 1}.{j + 1}",
                    "pop": round(people),
                    "geometry": shapely.box(cx, cy, cx + step, cy + step),
                }
            )
        # Street grid over the core: one segment per block side, so junctions share vertices.
        cx0, cy0 = x0 + (SIDE_M - CORE_M) / 2, y0 + (SIDE_M - CORE_M) / 2
        ticks = np.arange(0.0, CORE_M + 1.0, STREET_M)
        a, b = np.meshgrid(ticks[:-1], ticks)
        a, b = a.ravel(), b.ravel()
        roads += list(
            shapely.linestrings(np.stack([np.c_[cx0 + a, cy0 + b], np.c_[cx0 + a + STREET_M, cy0 + b]], 1))
        )
        roads += list(
            shapely.linestrings(np.stack([np.c_[cx0 + b, cy0 + a], np.c_[cx0 + b, cy0 + a + STREET_M]], 1))
        )
        mid = SIDE_M / 2
        roads += [
            shapely.LineString([(x0, y0 + mid), (cx0, y0 + mid)]),
            shapely.LineString([(cx0 + CORE_M, y0 + mid), (x0 + SIDE_M, y0 + mid)]),
            shapely.LineString([(x0 + mid, y0), (x0 + mid, cy0)]),
            shapely.LineString([(x0 + mid, cy0 + CORE_M), (x0 + mid, y0 + SIDE_M)]),
        ]

        corner, core = (x0, y0), (cx0, cy0)
        stops += _scatter(rng, 160, 0.8, corner, core)
        clinics += _scatter(rng, 20, 0.6, corner, core)
        schools += _scatter(rng, 40, 0.6, corner, core)
        parks += list(shapely.buffer(np.array(_scatter(rng, 30, 0.7, corner, core)), 120.0))
    utm = "EPSG:32648"
    gpkg = folder / "country.gpkg"

    def write(layer: str, gdf: gpd.GeoDataFrame) -> None:
        gdf.set_crs(utm).to_crs(4326).to_file(gpkg, layer=layer, engine="pyogrio")

    write("provinces", gpd.GeoDataFrame(provinces))
    write("communes", gpd.GeoDataFrame(communes))
    write("roads", gpd.GeoDataFrame({"highway": ["residential"] * len(roads)}, geometry=roads))
    write("bus_stops", gpd.GeoDataFrame(geometry=stops))
    write(
        "health",
        gpd.GeoDataFrame({"capacity": rng.integers(10, 200, len(clinics)).astype(float)}, geometry=clinics),
    )
    write("schools", gpd.GeoDataFrame(geometry=schools))
    write("parks", gpd.GeoDataFrame(geometry=parks))
    spec = {
        "name": "Synthetic country",
        "units": {"file": gpkg.name, "layer": "provinces", "name_field": "name"},
        "population": {"zones": {"file": gpkg.name, "layer": "communes", "field": "pop"}},
        "layers": {
            name: f"{gpkg.name}:{name}" for name in ("bus_stops", "health", "schools", "parks", "roads")
        },
        "settings": {"cell_size_m": 100.0},
    }
    path = folder / "country.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def _scatter(rng, n: int, core_share: float, corner: tuple, core: tuple) -> list:
    """``n`` points in a province, ``core_share`` of them in its core."""
    k = int(n * core_share)
    xs = np.r_[core[0] + rng.uniform(0, CORE_M, k), corner[0] + rng.uniform(0, SIDE_M, n - k)]
    ys = np.r_[core[1] + rng.uniform(0, CORE_M, k), corner[1] + rng.uniform(0, SIDE_M, n - k)]
    return list(shapely.points(xs, ys))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--big-layer-mb",
        type=float,
        help="read the facility and road layers in partitions when the country's file is larger than "
        "this (dask-geopandas; cut in this process serially, on the cluster in parallel)",
    )
    args = parser.parse_args()
    big = None if args.big_layer_mb is None else int(args.big_layer_mb * 2**20)

    from cityplanner._threads import THREADS_ENV
    from cityplanner.batch import load_spec, run_batch
    from cityplanner.batch.work import peak_rss_mb

    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, load average {_load()}")
    print(
        f"cores this machine gives now: {_cores_available(1):.2f} to one busy process, "
        f"{_cores_available(args.workers):.2f} to {args.workers} (other users' load takes the rest)"
    )
    with tempfile.TemporaryDirectory(prefix="bench_batch-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        spec = load_spec(write_country(folder, args.units))
        print(f"synthetic country: {args.units} units written in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        serial = run_batch(spec, folder / "serial", serial=True, figures=False, big_layer_bytes=big)
        serial_total = time.perf_counter() - start
        serial_units = sum(u.record["seconds"] for u in serial.units)
        cells = [u.record["cells"] for u in serial.units]
        people = sum(u.record["population"] for u in serial.units)
        print(f"cells per unit: {min(cells):,} to {max(cells):,}; {people:,.0f} people")
        print(
            f"serial: {serial_total:.1f} s end to end, {serial_units:.1f} s in the units "
            f"(median {_median(serial):.2f} s per unit, {_median(serial, 'cpu_seconds'):.2f} s of CPU)"
        )

        # The production path: run_batch starts its LocalCluster (processes, 1 thread each) and
        # stops it; the workers' peak memory comes back with each unit's record.
        start = time.perf_counter()
        marks: dict[str, float] = {}
        parallel = run_batch(
            spec,
            folder / "parallel",
            workers=args.workers,
            dashboard=False,
            figures=False,
            big_layer_bytes=big,
            on_start=lambda info: marks.setdefault("up", time.perf_counter()),
            on_unit=lambda done, total, o: marks.__setitem__("last", time.perf_counter()),
        )
        parallel_total = time.perf_counter() - start
        up = marks.get("up", start)
        span = marks.get("last", up) - up
        print(
            f"LocalCluster({args.workers}): {parallel_total:.1f} s end to end, the cluster up after "
            f"{up - start:.1f} s (reading the layers, cutting the first unit, starting {args.workers} "
            f"worker processes); the last unit done {span:.1f} s later (median {_median(parallel):.2f} s "
            f"per unit, {_median(parallel, 'cpu_seconds'):.2f} s of CPU)"
        )
        cpu = sum(u.record["cpu_seconds"] for u in parallel.units)
        print(
            f"the workers computed {cpu:.1f} CPU seconds in those {span:.1f} s: {cpu / span:.2f} of the "
            f"{args.workers} cores they could use (the rest went to other processes, or waiting)"
        )
        # Like for like: each worker runs its units on one engine thread; so does this serial run.
        os.environ[THREADS_ENV] = "1"
        try:
            start = time.perf_counter()
            single = run_batch(spec, folder / "single", serial=True, figures=False, big_layer_bytes=big)
            single_total = time.perf_counter() - start
        finally:
            os.environ.pop(THREADS_ENV)
        print(
            f"serial on one engine thread ({THREADS_ENV}=1): {single_total:.1f} s end to end (median "
            f"{_median(single):.2f} s per unit, {_median(single, 'cpu_seconds'):.2f} s of CPU)"
        )
        same = [u.record["rows"] for u in serial.units] == [u.record["rows"] for u in parallel.units]
        same = same and [u.record["rows"] for u in single.units] == [u.record["rows"] for u in serial.units]
        print(f"same figures serially (both ways) and on the cluster: {same}")
        print(f"speed-up: {serial_total / parallel_total:.2f}x end to end (goal >= 1.7x on 2 cores)")
        print(
            f"speed-up over the serial run on one engine thread: {single_total / parallel_total:.2f}x "
            f"(the engine's own threads gave the serial run {single_total / serial_total:.2f}x)"
        )
        peaks: dict[str, float] = {}
        for u in parallel.units:
            peaks[u.record["worker"]] = max(peaks.get(u.record["worker"], 0.0), u.record["peak_rss_mb"])
        for worker, peak in peaks.items():
            units = sum(u.record["worker"] == worker for u in parallel.units)
            print(f"worker {worker}: {units} units, peak memory {peak:,.0f} MiB")
        print(f"this process (serial run, the national layers, the outputs): {peak_rss_mb():,.0f} MiB")
    print(f"load average at the end: {_load()}")
    return 0 if same else 1


def _cores_available(n: int, seconds: float = 3.0) -> float:
    """CPU seconds per second that ``n`` busy-looping processes get together (at most ``n``)."""
    import resource
    import subprocess

    code = f"import time\nt = time.time()\nwhile time.time() - t < {seconds}: pass"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for process in [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]:
        process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return used / (time.perf_counter() - start)


def _median(result, key: str = "seconds") -> float:
    return float(np.median([u.record[key] for u in result.units]))


def _load() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
