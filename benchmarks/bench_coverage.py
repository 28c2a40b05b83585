"""Coverage speed on a synthetic city; prints its figures.

Goals (issue 3, on a 2-core laptop): Euclidean coverage of 1,000,000 demand points by 10,000
facilities in at most 1 s; after moving one facility, the incremental update at most 50 ms.

Run: ``.venv/bin/python benchmarks/bench_coverage.py [--points N] [--facilities M]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from synthetic_city import Extent, demand_points, facility_points, zones

from cityplanner.coverage import CoverageTracker, euclidean_coverage
from cityplanner.demand import Demand


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls and the last call's result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def move_times(tracker: CoverageTracker, extent: Extent, moves: int, seed: int) -> np.ndarray:
    """Seconds for each of ``moves`` random moves of one facility by up to 1 km, result included."""
    rng = np.random.default_rng(seed)
    keys = tracker.keys
    times = np.empty(moves)
    for i in range(moves):
        key = int(rng.choice(keys))
        target = tracker._fac.xy[key] + rng.uniform(-1000, 1000, 2)
        target = np.clip(target, [extent.xmin, extent.ymin], [extent.xmax, extent.ymax])
        start = time.perf_counter()
        tracker.move(key, target)
        tracker.result()
        times[i] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--radius", type=float, default=300.0)
    parser.add_argument("--size-m", type=float, default=30_000.0, help="side of the square city")
    parser.add_argument("--zones", type=int, default=10_000, help="zones for the area-model figures")
    parser.add_argument("--area-facilities", type=int, default=1_000)
    args = parser.parse_args()

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    # Wall times depend on what else runs: the load average says how busy the cores were.
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load}")
    extent = Extent.square(args.size_m)
    xy, population = demand_points(args.points, extent, seed=0)
    facilities = facility_points(args.facilities, extent, seed=1, near=xy)
    demand = Demand.from_points(xy, population)

    print(
        f"\npoint demand: {args.points:,} points, {args.facilities:,} facilities, radius {args.radius:g} m, "
        f"city {args.size_m / 1000:g} km square"
    )
    seconds, result = timed(lambda: euclidean_coverage(demand, facilities, args.radius), repeat=5)
    print(
        f"  euclidean_coverage: {seconds:.3f} s median of 5 (goal <= 1 s); "
        f"{result.percent_covered:.1f} % covered"
    )
    start = time.perf_counter()
    tracker = CoverageTracker(demand, facilities, args.radius)
    print(f"  CoverageTracker set-up: {time.perf_counter() - start:.3f} s")
    times = move_times(tracker, extent, moves=200, seed=2)
    print(
        f"  move one facility + result(): median {1000 * np.median(times):.1f} ms, "
        f"max {1000 * times.max():.1f} ms over 200 moves (goal <= 50 ms)"
    )
    full = euclidean_coverage(demand, tracker._fac.xy[tracker.keys], args.radius)
    assert np.array_equal(full.covered_share, tracker.result().covered_share), "tracker drifted"

    area_extent = Extent.square(args.size_m / 3)
    zone_gdf = zones(args.zones, area_extent, seed=3)
    zone_demand = Demand.from_zones(zone_gdf, "population")
    zone_facilities = facility_points(args.area_facilities, area_extent, seed=4)
    print(
        f"\narea demand: {len(zone_gdf):,} Voronoi zones, {args.area_facilities:,} facilities, "
        f"radius {args.radius:g} m, city {area_extent.width / 1000:g} km square"
    )
    seconds, result = timed(lambda: euclidean_coverage(zone_demand, zone_facilities, args.radius), repeat=3)
    print(f"  euclidean_coverage: {seconds:.3f} s median of 3; {result.percent_covered:.1f} % covered")
    start = time.perf_counter()
    tracker = CoverageTracker(zone_demand, zone_facilities, args.radius)
    print(f"  CoverageTracker set-up: {time.perf_counter() - start:.3f} s")
    times = move_times(tracker, area_extent, moves=100, seed=5)
    print(
        f"  move one facility + result(): median {1000 * np.median(times):.1f} ms, "
        f"max {1000 * times.max():.1f} ms over 100 moves"
    )
    start = time.perf_counter()
    gap = tracker.result().gap()
    print(f"  gap geometry of all zones: {time.perf_counter() - start:.3f} s ({len(gap):,} zones)")


if __name__ == "__main__":
    main()
