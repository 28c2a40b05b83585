"""Population-surface speed (issue 10, item 8): the fine surface side by side with zone demand.

Prints, in one run on this machine, the minimum and median of a few repeats of:

a. building the population surface of HCMC's 322 citywide wards (2,109 km², ``Pop_2019``, UTM
   48N) on 100 m cells from the WorldPop raster (and uniformly), next to the previous demand,
   ``Demand.from_zones(wards, "Pop_2019")`` (area model); skipped with a reason when
   ``../shared/data`` is absent (goal <= 3 s);
b. snapping 1,000,000 demand points to a 200,000-node synthetic street network and their
   nearest-facility distances (``StreetNetwork.nearest_distance``, goal <= 2 s), with the previous
   snapping (GEOS STRtree nearest, kept here as ``LegacySnapNetwork``) on 100,000 points;
c. all KPIs of a synthetic city of about 200,000 surface cells (``synthetic_city.city_project``)
   along the streets, a cold ``Evaluator(project).evaluate()`` (goal <= 5 s);
d. the KPI dock's update after one placement on that city: the same Evaluator, one
   ``Placement`` added to a scenario, that scenario evaluated again (goal <= 500 ms network,
   <= 150 ms Euclidean).

For c and d the previous method is zone demand: the same evaluator counting people per zone
with the area model (``Demand.from_zones``, in Euclidean mode as before the surface). Run::

    .venv/bin/python benchmarks/bench_surface.py [--part c | --skip a,b,c,d] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from synthetic_city import Extent, city_project, demand_points, facility_points, street_grid

from cityplanner.demand import Demand
from cityplanner.kpi import Evaluator
from cityplanner.network import StreetNetwork
from cityplanner.project import Placement, Project
from cityplanner.surface import PopulationSurface, build_surface

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
HCMC = SHARED / "hcmc" / "hcmc_all_layers_wgs84.gpkg"
WORLDPOP = SHARED / "vietnam" / "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
UTM48N = "EPSG:32648"
# A synthetic city of about 200,000 cells of 100 m (split at zone borders) and street nodes.
CITY_SIDE_M = 43_000.0


def load_average() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def timings(fn, repeat: int) -> tuple[list[tuple[float, float]], object]:
    """(wall, CPU) seconds of ``repeat`` calls of ``fn`` and the last call's result.

    CPU is the process's time on all cores: above the wall time when both cores worked, below it
    when other work on the machine kept this process waiting.
    """
    times = []
    out = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times, out


def figure(times: list[tuple[float, float]], unit: str = "s") -> str:
    scale, digits = (1000.0, 0) if unit == "ms" else (1.0, 2)
    wall = [w * scale for w, _ in times]
    cpu = statistics.median(c * scale for _, c in times)
    return (
        f"min {min(wall):.{digits}f} {unit}, median {statistics.median(wall):.{digits}f} {unit} "
        f"(CPU {cpu:.{digits}f} {unit}; {len(times)} runs)"
    )


def verdict(times: list[tuple[float, float]], goal_s: float) -> str:
    return "met" if statistics.median(w for w, _ in times) <= goal_s else "missed"


# -- a. the surface of a 2,000 km² city --------------------------------------------------------
def part_a(repeat: int) -> None:
    print("a. population surface of HCMC's citywide wards, 100 m cells")
    if not HCMC.exists() or not WORLDPOP.exists():
        print(f"   skipped: the real data is not at {SHARED} (see its README.md)")
        return
    wards = gpd.read_file(HCMC, layer="citywide_wards_pop").to_crs(UTM48N)
    census = wards["Pop_2019"].to_numpy(dtype=float)
    area_km2 = float(wards.area.sum()) / 1e6
    print(f"   {len(wards)} wards, {area_km2:,.0f} km², {census.sum():,.0f} people (Pop_2019)")
    times, zones = timings(lambda: Demand.from_zones(wards, "Pop_2019"), repeat)
    print(f"   previous: Demand.from_zones (area model, {len(zones)} zones):  {figure(times)}")
    times, surface = timings(lambda: build_surface(wards, census, 100.0, raster=WORLDPOP), repeat)
    kept = np.abs(surface.zone_population() - census).max()
    print(
        f"   build_surface from the WorldPop raster: {figure(times)}; {len(surface):,} pieces; "
        f"largest zone total off its census by {kept:.1e} people (goal <= 3 s: {verdict(times, 3.0)})"
    )
    times, surface = timings(lambda: build_surface(wards, census, 100.0), repeat)
    print(f"   build_surface uniform:                  {figure(times)}; {len(surface):,} pieces")


# -- b. a million demand points on a 200,000-node network --------------------------------------
class LegacySnapNetwork(StreetNetwork):
    """The previous snapping: GEOS STRtree nearest edge per point, no cache (for comparison)."""

    def snap(self, xy, max_snap_m: float = 250.0):
        from cityplanner.network import Snap, _as_xy

        xy = _as_xy(xy)
        if self._tree is None:
            self._tree = shapely.STRtree(self.edges)
        edge = np.zeros(len(xy), dtype=np.int64)
        if len(xy):
            hit = self._tree.query_nearest(shapely.points(xy), all_matches=False)
            edge[hit[0]] = hit[1]
        x0, y0 = self.edge_xy[edge, 0], self.edge_xy[edge, 1]
        dx, dy = self.edge_xy[edge, 2] - x0, self.edge_xy[edge, 3] - y0
        frac = np.clip(((xy[:, 0] - x0) * dx + (xy[:, 1] - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        on_edge = np.column_stack([x0 + frac * dx, y0 + frac * dy])
        distance = np.hypot(xy[:, 0] - on_edge[:, 0], xy[:, 1] - on_edge[:, 1])
        return Snap(edge, frac * self.edge_length_m[edge], distance, on_edge, distance > max_snap_m)


def part_b(repeat: int, n_points: int = 1_000_000, n_facilities: int = 200) -> None:
    print(
        f"b. {n_points:,} demand points snapped to a 200,000-node street network, nearest of "
        f"{n_facilities} facilities"
    )
    side = math.ceil(math.sqrt(200_000 / 1.04))
    extent = Extent.square((side - 1) * 100.0)
    grid = street_grid(extent, spacing_m=100.0, seed=3, n_diagonals=6, n_bridges=20)
    start = time.perf_counter()
    net = StreetNetwork.from_lines(grid.lines)
    built = time.perf_counter() - start
    print(f"   network: {net.n_nodes:,} nodes, {net.n_edges:,} edges, built in {built:.2f} s")
    xy, _ = demand_points(n_points, extent, seed=3)
    facilities = facility_points(n_facilities, extent, seed=3)
    start = time.perf_counter()
    net._pieces()
    print(
        f"   snapping index (k-d tree of edge pieces, once per network): {time.perf_counter() - start:.2f} s"
    )

    def cold(points):
        def run():
            net._snaps.clear()  # the snaps kept from the previous run
            return net.nearest_distance(facilities, points)

        return run

    times, (dist, _nearest) = timings(cold(xy), repeat)
    print(
        f"   snap + nearest_distance, {n_points:,} points: {figure(times)}; "
        f"{int(np.isinf(dist).sum()):,} unreachable (goal <= 2 s: {verdict(times, 2.0)})"
    )
    again, _ = timings(lambda: net.nearest_distance(facilities, xy), repeat)
    print(f"   the same points again (snap kept):      {figure(again)}")
    small = xy[:100_000]
    legacy = LegacySnapNetwork(net.nodes_xy, net.edge_u, net.edge_v, net.edge_xy, edge_lines=net.edges)
    old_times, (old_dist, old_nearest) = timings(lambda: legacy.nearest_distance(facilities, small), repeat)
    new_times, (new_dist, new_nearest) = timings(cold(small), repeat)
    finite = np.isfinite(old_dist)
    same = np.array_equal(finite, np.isfinite(new_dist)) and np.array_equal(old_nearest, new_nearest)
    print(f"   100,000 points, previous (STRtree snap): {figure(old_times)}")
    print(f"   100,000 points, now:                     {figure(new_times)}")
    print(
        f"   same nearest facility and reachability for the 100,000: {same}; largest distance "
        f"difference {np.abs(old_dist[finite] - new_dist[finite]).max():.1e} m"
    )


# -- c and d. KPIs of a 200,000-cell city ------------------------------------------------------
def zone_evaluator(project: Project) -> Evaluator:
    """An Evaluator counting people per zone with the area model (the previous demand)."""
    evaluator = Evaluator(project)
    zones = project.zones
    geoms = zones.geometry.to_numpy()
    n = len(zones)
    evaluator.__dict__["demand"] = Demand.from_zones(zones, project.population_field)
    evaluator.__dict__["surface"] = PopulationSurface(
        population=project.population,
        xy=shapely.get_coordinates(shapely.point_on_surface(geoms)),
        zone=np.arange(n),
        cell=np.arange(n),
        area_m2=shapely.area(geoms),
        cell_size_m=0.0,
        origin=(0.0, 0.0),
        n_columns=0,
        n_zones=n,
        method="zones",
        note="zone demand (previous method)",
        crs=project.crs,
        geometry=geoms,
    )
    return evaluator


def euclidean_copy(project: Project) -> Project:
    """The same city measured in straight lines (its own scenarios)."""
    return Project(
        crs=project.crs,
        name=project.name,
        layers=dict(project.layers),
        zones_layer=project.zones_layer,
        population_field=project.population_field,
        facility_types=project.facility_types,
        settings={**project.settings, "distance_mode": "euclidean"},
    )


def placement_updates(evaluator: Evaluator, project: Project, kinds: tuple[str, ...], repeat: int, seed: int):
    """Seconds per update: a placement of each kind added to the scenario, which is re-evaluated."""
    name = f"Plan {seed}"
    scenario = project.add_scenario(name)
    evaluator.evaluate(name)  # the dock shows the plan before the first placement
    rng = np.random.default_rng(seed)
    people = evaluator.demand.points
    out = {}
    for kind in kinds:
        times = []
        for _ in range(repeat):
            x, y = people[rng.integers(len(people))]
            scenario.placements.append(Placement(kind, float(x), float(y)))
            times += timings(lambda: evaluator.evaluate(name), 1)[0]
        out[kind] = times
    return out


def part_cd(repeat: int, updates: int, skip: set[str]) -> None:
    start = time.perf_counter()
    project, grid = city_project(CITY_SIDE_M)
    cells = len(project.layers["population_surface"].gdf)
    facilities = ", ".join(
        f"{len(layer.gdf):,} {layer.role}"
        for layer in project.layers.values()
        if layer.role in project.facility_types
    )
    print(
        f"c. synthetic city {CITY_SIDE_M / 1000:g} km square (synthetic_city.city_project): "
        f"{len(project.zones)} zones, {project.population.sum():,.0f} people, {cells:,} surface cells "
        f"of 100 m, {len(grid.nodes):,} street nodes; {facilities} "
        f"(built in {time.perf_counter() - start:.0f} s)"
    )
    euclid = euclidean_copy(project)
    if "c" not in skip:
        times, _ = timings(lambda: zone_evaluator(euclid).evaluate(), repeat)
        print(f"   all KPIs, Euclidean, zone demand (previous): {figure(times)}")
        times, _ = timings(lambda: Evaluator(euclid).evaluate(), repeat)
        print(f"   all KPIs, Euclidean, surface:                {figure(times)}")
        times, _ = timings(lambda: Evaluator(project).evaluate(), repeat)
        print(
            f"   all KPIs along the streets, surface, cold:   {figure(times)} "
            f"(goal <= 5 s: {verdict(times, 5.0)})"
        )
        evaluator = Evaluator(project)
        steps = []
        for label, fn in (
            ("surface", lambda: evaluator.surface),
            ("street network", lambda: evaluator.network),
            ("snapping index", lambda: evaluator.network._pieces()),
            ("snap of the cells", lambda: evaluator.network.snap(evaluator.demand.points)),
            *((kpi.id, lambda kpi=kpi: evaluator.evaluate_kpi(kpi.id)) for kpi in evaluator.catalogue),
        ):
            wall, cpu = timings(fn, 1)[0][0]
            steps.append(f"{label} {wall:.2f}/{cpu:.2f}")
        print(f"     one cold run in steps (s, wall/CPU; load {load_average()}): " + ", ".join(steps))
    if "d" not in skip:
        kinds = ("bus_stop", "clinic", "school", "wifi")
        print(
            f"d. KPI update after one placement (what the KPI dock does), {updates} placements of each type"
        )
        for label, evaluator, where, goal in (
            ("along the streets, surface", Evaluator(project), project, 0.5),
            ("Euclidean, surface", Evaluator(euclid), euclid, 0.15),
            ("Euclidean, zone demand (previous)", zone_evaluator(euclid), euclid, None),
        ):
            evaluator.evaluate()
            for kind, times in placement_updates(
                evaluator, where, kinds, updates, len(where.scenarios)
            ).items():
                said = f" (goal <= {goal * 1000:.0f} ms: {verdict(times, goal)})" if goal else ""
                print(f"   {label + ',':<35s} {kind:<9s} {figure(times, 'ms')}{said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="", help="the only parts to run, e.g. c or a,b")
    parser.add_argument("--skip", default="", help="parts to leave out, e.g. a,b")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing")
    parser.add_argument("--updates", type=int, default=5, help="placements of each type in d")
    args = parser.parse_args()
    skip = {p.strip() for p in args.skip.split(",") if p.strip()}
    only = {p.strip() for p in args.part.split(",") if p.strip()}
    if only:
        skip |= {"a", "b", "c", "d"} - only
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load_average()}")
    if "a" not in skip:
        part_a(args.repeat)
    if "b" not in skip:
        part_b(args.repeat)
    if not {"c", "d"} <= skip:
        part_cd(args.repeat, args.updates, skip)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
