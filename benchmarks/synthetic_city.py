"""Synthetic city generator for benchmarks: demand, facilities, zones and an irregular street grid.

Everything is generated in a metric CRS (UTM 48N, around Ho Chi Minh City) from a seed, so a
benchmark is repeatable and needs no data files. Benchmark scripts in this folder import it as
``from synthetic_city import ...`` (the script's folder is on ``sys.path``).

Run it directly to write a GeoPackage for a look in QGIS::

    .venv/bin/python benchmarks/synthetic_city.py --out /tmp/synthetic_city.gpkg

What is realistic about it
--------------------------
* Demand clusters around a few centres (dense districts) over a thinner uniform background, with
  a skewed (log-normal) number of persons per point, like buildings or census blocks.
* Facilities follow demand (placed near demand points), as existing services do.
* Zones are Voronoi cells of random seeds clipped to the city, so sizes and shapes vary.
* The street grid has the irregularities a street network builder must cope with: jittered
  intersections, missing links, diagonal arterials that share the grid's intersections, dead-end
  spurs, and bridges that cross other streets *without* shared vertices (they connect only at
  their two ends). Streets are drawn as long polylines running through several intersections,
  as in OpenStreetMap, not one segment per edge. :class:`StreetGrid` also returns the true graph
  (nodes and edges) so a network builder can be checked against it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

CRS = "EPSG:32648"
# South-west corner of the synthetic city: UTM 48N coordinates near central Ho Chi Minh City.
ORIGIN_XY = (680_000.0, 1_189_000.0)


@dataclass(frozen=True)
class Extent:
    """Axis-aligned city extent in metres (working CRS)."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float

    @classmethod
    def square(cls, size_m: float) -> Extent:
        """A ``size_m`` x ``size_m`` city whose south-west corner is :data:`ORIGIN_XY`."""
        x0, y0 = ORIGIN_XY
        return cls(x0, y0, x0 + size_m, y0 + size_m)

    @property
    def width(self) -> float:
        return self.xmax - self.xmin

    @property
    def height(self) -> float:
        return self.ymax - self.ymin

    @property
    def polygon(self) -> shapely.Polygon:
        return shapely.box(self.xmin, self.ymin, self.xmax, self.ymax)

    def clip(self, xy: np.ndarray) -> np.ndarray:
        """Clamp (n, 2) coordinates into the extent."""
        return np.column_stack(
            [np.clip(xy[:, 0], self.xmin, self.xmax), np.clip(xy[:, 1], self.ymin, self.ymax)]
        )


def demand_points(
    n: int,
    extent: Extent,
    seed: int = 0,
    n_centres: int = 12,
    background_share: float = 0.3,
    mean_persons: float = 8.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Clustered demand points and the persons living at each.

    Parameters
    ----------
    n : int
        Number of points (buildings, households, grid cells...).
    extent : Extent
        City extent; every point lies inside it.
    seed : int
        Random seed.
    n_centres : int
        Number of dense districts; each is an isotropic Gaussian whose spread is 3-10 % of the
        city's width.
    background_share : float
        Share of the points scattered uniformly over the whole city.
    mean_persons : float
        Mean persons per point (log-normal, so a few points hold many people).

    Returns
    -------
    xy : numpy.ndarray
        (n, 2) float64 coordinates.
    population : numpy.ndarray
        (n,) float64 persons per point, all positive.
    """
    rng = np.random.default_rng(seed)
    n_background = int(round(n * background_share))
    n_clustered = n - n_background
    centres = np.column_stack(
        [
            rng.uniform(extent.xmin, extent.xmax, n_centres),
            rng.uniform(extent.ymin, extent.ymax, n_centres),
        ]
    )
    spreads = rng.uniform(0.03, 0.10, n_centres) * extent.width
    # Bigger districts draw more points: weight a centre by its spread squared (its area).
    weights = spreads**2 / np.sum(spreads**2)
    which = rng.choice(n_centres, size=n_clustered, p=weights)
    clustered = centres[which] + rng.normal(size=(n_clustered, 2)) * spreads[which, None]
    background = np.column_stack(
        [
            rng.uniform(extent.xmin, extent.xmax, n_background),
            rng.uniform(extent.ymin, extent.ymax, n_background),
        ]
    )
    xy = extent.clip(np.vstack([clustered, background]))
    xy = xy[rng.permutation(n)]
    sigma = 0.8
    population = rng.lognormal(np.log(mean_persons) - sigma**2 / 2, sigma, n)
    return xy, population


def facility_points(m: int, extent: Extent, seed: int = 1, near: np.ndarray | None = None) -> np.ndarray:
    """Facility locations: near randomly chosen demand points (if given) or uniform.

    Parameters
    ----------
    m : int
        Number of facilities.
    extent : Extent
        City extent.
    seed : int
        Random seed.
    near : numpy.ndarray, optional
        (n, 2) demand points; facilities are drawn within about 100 m of them, so they follow
        where people live, as existing services do.

    Returns
    -------
    numpy.ndarray
        (m, 2) float64 coordinates inside the extent.
    """
    rng = np.random.default_rng(seed)
    if near is None or len(near) == 0:
        xy = np.column_stack(
            [rng.uniform(extent.xmin, extent.xmax, m), rng.uniform(extent.ymin, extent.ymax, m)]
        )
    else:
        xy = near[rng.integers(0, len(near), m)] + rng.normal(scale=100.0, size=(m, 2))
    return extent.clip(xy)


def zones(n: int, extent: Extent, seed: int = 2, mean_population: float = 2_000.0) -> gpd.GeoDataFrame:
    """Irregular zones (Voronoi cells of random seeds, clipped to the city) with a population.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``zone_id`` (int), ``population`` (float64, persons, proportional to area times a
        random density) and ``geometry`` (Polygons tiling the extent), CRS :data:`CRS`.
    """
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(extent.xmin, extent.xmax, n), rng.uniform(extent.ymin, extent.ymax, n)])
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent.polygon))
    cells = shapely.intersection(cells, extent.polygon)
    cells = cells[~shapely.is_empty(cells)]
    area = shapely.area(cells)
    density = rng.lognormal(0.0, 0.6, len(cells))
    population = np.round(area * density / np.sum(area * density) * mean_population * len(cells))
    return gpd.GeoDataFrame(
        {"zone_id": np.arange(len(cells)), "population": population.astype("float64")},
        geometry=cells,
        crs=CRS,
    )


@dataclass
class StreetGrid:
    """A synthetic street network and the graph it is meant to represent.

    Attributes
    ----------
    lines : geopandas.GeoDataFrame
        Street centre lines as drawn in a map: columns ``highway`` (``"residential"``,
        ``"primary"``, ``"service"``, ``"trunk"``), ``kind`` (``"street"``, ``"arterial"``,
        ``"dead_end"``, ``"bridge"``), ``name`` and ``geometry`` (LineStrings, several
        intersections per street), CRS :data:`CRS`.
    nodes : numpy.ndarray
        (k, 2) coordinates of the true graph's nodes: intersections, dead-end tips.
    edges : numpy.ndarray
        (e, 2) int node index pairs of the true graph; a street polyline contributes one edge per
        pair of consecutive vertices. Bridges are single edges between their two end nodes, even
        where they cross other streets.
    edge_length_m : numpy.ndarray
        (e,) Euclidean length of each edge.
    """

    lines: gpd.GeoDataFrame
    nodes: np.ndarray
    edges: np.ndarray
    edge_length_m: np.ndarray


def street_grid(
    extent: Extent,
    spacing_m: float = 120.0,
    seed: int = 3,
    jitter_m: float = 15.0,
    missing_share: float = 0.08,
    n_diagonals: int = 3,
    dead_end_share: float = 0.05,
    n_bridges: int = 4,
) -> StreetGrid:
    """An irregular street grid covering ``extent``.

    Parameters
    ----------
    extent : Extent
        City extent.
    spacing_m : float
        Mean distance between parallel streets.
    seed : int
        Random seed.
    jitter_m : float
        Standard deviation of the random shift of each intersection (clipped to a third of the
        spacing so streets never fold back).
    missing_share : float
        Share of grid links left out (blocks merged, streets interrupted). Missing links split a
        street polyline in two; the ends left behind become dead ends.
    n_diagonals : int
        Diagonal arterials, each running through the grid's intersections corner to corner of a
        cell (sharing those intersections with the grid).
    dead_end_share : float
        Share of intersections that get a cul-de-sac spur into a neighbouring block.
    n_bridges : int
        Straight links between two intersections several blocks apart that cross the streets in
        between without shared vertices (flyovers, bridges): connected at their ends only.

    Returns
    -------
    StreetGrid
    """
    rng = np.random.default_rng(seed)
    nx = max(int(round(extent.width / spacing_m)) + 1, 2)
    ny = max(int(round(extent.height / spacing_m)) + 1, 2)
    gx = np.linspace(extent.xmin, extent.xmax, nx)
    gy = np.linspace(extent.ymin, extent.ymax, ny)
    jitter = np.clip(rng.normal(scale=jitter_m, size=(ny, nx, 2)), -spacing_m / 3, spacing_m / 3)
    grid_xy = np.stack(np.meshgrid(gx, gy), axis=-1) + jitter  # (ny, nx, 2), row j, column i
    node_id = np.arange(nx * ny).reshape(ny, nx)
    nodes = [grid_xy.reshape(-1, 2)]
    n_nodes = nx * ny

    # Grid links: horizontal (j, i)->(j, i+1) and vertical (j, i)->(j+1, i), some missing.
    h_keep = rng.random((ny, nx - 1)) >= missing_share
    v_keep = rng.random((ny - 1, nx)) >= missing_share
    edges = [
        np.column_stack([node_id[:, :-1][h_keep], node_id[:, 1:][h_keep]]),
        np.column_stack([node_id[:-1, :][v_keep], node_id[1:, :][v_keep]]),
    ]
    records: list[tuple[str, str, str, np.ndarray]] = []
    for j in range(ny):
        for run in _runs(h_keep[j]):
            records.append(("residential", "street", f"Street {j + 1}", node_id[j, run[0] : run[1] + 2]))
    for i in range(nx):
        for run in _runs(v_keep[:, i]):
            records.append(("residential", "street", f"Avenue {i + 1}", node_id[run[0] : run[1] + 2, i]))

    # Diagonal arterials through grid intersections, corner to corner of each cell they pass, so
    # they cross no grid link; no two share a cell (two crossing diagonals would meet off-vertex).
    diagonal_cell = np.zeros((ny - 1, nx - 1), dtype=bool)
    cell_count = min(nx, ny) - 1
    for d in range(n_diagonals):
        for _attempt in range(50):
            n_cells = int(rng.integers(max(cell_count // 2, 1), cell_count + 1))
            step = 1 if rng.random() < 0.5 else -1
            i0 = int(rng.integers(0, nx - n_cells))
            j0 = int(rng.integers(0, ny - n_cells))
            rows = j0 + np.arange(n_cells + 1)
            cols = i0 + (np.arange(n_cells + 1) if step == 1 else n_cells - np.arange(n_cells + 1))
            cell_rows, cell_cols = rows[:-1], np.minimum(cols[:-1], cols[1:])
            if not diagonal_cell[cell_rows, cell_cols].any():
                diagonal_cell[cell_rows, cell_cols] = True
                chain = node_id[rows, cols]
                edges.append(np.column_stack([chain[:-1], chain[1:]]))
                records.append(("primary", "arterial", f"Arterial {d + 1}", chain))
                break

    # Dead-end spurs: from an intersection a third of the way towards the opposite corner of one of
    # its blocks (never a block holding a diagonal, which the spur would cross).
    sj, si = np.divmod(np.flatnonzero(rng.random(n_nodes) < dead_end_share), nx)
    dj, di = rng.choice([-1, 1], size=(2, len(sj)))
    cell_j, cell_i = np.where(dj > 0, sj, sj - 1), np.where(di > 0, si, si - 1)
    ok = (cell_j >= 0) & (cell_j < ny - 1) & (cell_i >= 0) & (cell_i < nx - 1)
    ok[ok] = ~diagonal_cell[cell_j[ok], cell_i[ok]]
    sj, si, dj, di = sj[ok], si[ok], dj[ok], di[ok]
    if len(sj):
        spur_from = node_id[sj, si]
        tips = grid_xy[sj, si] + (grid_xy[sj + dj, si + di] - grid_xy[sj, si]) / 3.0
        tip_ids = n_nodes + np.arange(len(sj))
        nodes.append(tips)
        n_nodes += len(sj)
        edges.append(np.column_stack([spur_from, tip_ids]))
        for a, b in zip(spur_from, tip_ids, strict=True):
            records.append(("service", "dead_end", "", np.array([a, b])))

    # Bridges: straight between two intersections 3-6 blocks apart along a row, offset by one row,
    # so the line crosses the vertical streets in between without a shared vertex.
    for b in range(n_bridges):
        span = int(rng.integers(3, 7))
        if nx <= span or ny < 2:
            break
        j = int(rng.integers(0, ny - 1))
        i = int(rng.integers(0, nx - span))
        a_id, b_id = node_id[j, i], node_id[j + 1, i + span]
        edges.append(np.array([[a_id, b_id]]))
        records.append(("trunk", "bridge", f"Bridge {b + 1}", np.array([a_id, b_id])))

    all_nodes = np.vstack(nodes)
    all_edges = np.vstack(edges).astype(np.int64)
    highway, kind, name, chains = zip(*records, strict=True)
    lines = shapely.linestrings(
        np.concatenate([all_nodes[c] for c in chains]),
        indices=np.repeat(np.arange(len(chains)), [len(c) for c in chains]),
    )
    gdf = gpd.GeoDataFrame(
        {"highway": list(highway), "kind": list(kind), "name": list(name)}, geometry=lines, crs=CRS
    )
    length = np.hypot(*(all_nodes[all_edges[:, 0]] - all_nodes[all_edges[:, 1]]).T)
    return StreetGrid(gdf, all_nodes, all_edges, length)


def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, stop) index ranges of consecutive True values in a 1-D mask."""
    padded = np.concatenate([[False], keep, [False]]).astype(np.int8)
    change = np.flatnonzero(np.diff(padded))
    return list(zip(change[::2], change[1::2] - 1, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic city to a GeoPackage.")
    parser.add_argument("--out", required=True, help="GeoPackage to write")
    parser.add_argument("--size-m", type=float, default=5_000.0, help="side of the square city")
    parser.add_argument("--points", type=int, default=20_000, help="demand points")
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--zones", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    extent = Extent.square(args.size_m)
    xy, population = demand_points(args.points, extent, seed=args.seed)
    gpd.GeoDataFrame({"population": population}, geometry=shapely.points(xy), crs=CRS).to_file(
        args.out, layer="demand_points"
    )
    fac = facility_points(args.facilities, extent, seed=args.seed + 1, near=xy)
    gpd.GeoDataFrame(geometry=shapely.points(fac), crs=CRS).to_file(args.out, layer="facilities")
    zones(args.zones, extent, seed=args.seed + 2).to_file(args.out, layer="zones")
    grid = street_grid(extent, seed=args.seed + 3)
    grid.lines.to_file(args.out, layer="streets")
    print(
        f"wrote {args.out}: {args.points} demand points, {args.facilities} facilities, "
        f"{args.zones} zones, {len(grid.lines)} street lines ({len(grid.nodes)} nodes, "
        f"{len(grid.edges)} edges)"
    )


if __name__ == "__main__":
    main()


# Facilities per type of a synthetic city of about 9 million people (HCMC's size), used by
# :func:`city_project`; parks are polygons, the others points.
CITY_FACILITIES = {
    "bus_stop": 4_000,
    "wifi": 2_000,
    "small_cell": 3_000,
    "cctv": 1_500,
    "iot_sensor": 500,
    "ev_charger": 300,
    "clinic": 400,
    "school": 1_500,
    "park": 600,
}


def city_project(
    size_m: float,
    n_zones: int = 322,
    seed: int = 0,
    spacing_m: float = 100.0,
    cell_size_m: float = 100.0,
    population: float = 9_000_000.0,
    facilities: dict[str, int] | None = None,
    surface: bool = True,
):
    """A :class:`cityplanner.project.Project` of a synthetic square city, for KPI benchmarks.

    Zones (Voronoi, :func:`zones`) with a population field ``population`` summing to about
    ``population``, a street layer (:func:`street_grid`, ``spacing_m``; role ``roads``), one layer
    of existing facilities per facility type of the shipped catalogue (counts from
    ``facilities``, default :data:`CITY_FACILITIES`; drawn near where people live; parks as
    50-200 m rectangles), a hazard layer (30 flood discs of 300-1,500 m) and, when ``surface`` is
    True, the population surface (uniform, ``cell_size_m`` cells) stored as a loaded project
    would hold it.

    Returns
    -------
    project : cityplanner.project.Project
    grid : StreetGrid
        The street network drawn into the road layer.
    """
    import pyproj

    from cityplanner.facility_types import load_catalogue
    from cityplanner.project import Layer, Project
    from cityplanner.surface import set_project_surface

    rng = np.random.default_rng(seed)
    extent = Extent.square(size_m)
    counts = dict(CITY_FACILITIES if facilities is None else facilities)
    zone_gdf = zones(n_zones, extent, seed=seed + 2, mean_population=population / n_zones)
    grid = street_grid(extent, spacing_m=spacing_m, seed=seed + 3, n_diagonals=6, n_bridges=20)
    people_xy, _ = demand_points(200_000, extent, seed=seed)
    project = Project(
        crs=pyproj.CRS.from_user_input(CRS), name="Synthetic city", settings={"cell_size_m": cell_size_m}
    )
    project.add_layer(Layer("zones", zone_gdf, role="zones"))
    project.zones_layer, project.population_field = "zones", "population"
    project.add_layer(Layer("roads", grid.lines, role="roads"))
    types, _currency = load_catalogue()
    for i, ft in enumerate(types):
        n = counts.get(ft.name, 0)
        if n <= 0:
            continue
        xy = facility_points(n, extent, seed=seed + 10 + i, near=people_xy)
        if ft.name == "park":
            half = rng.uniform(25.0, 100.0, (n, 2))
            geoms = shapely.box(
                xy[:, 0] - half[:, 0], xy[:, 1] - half[:, 1], xy[:, 0] + half[:, 0], xy[:, 1] + half[:, 1]
            )
        else:
            geoms = shapely.points(xy)
        layer = project.add_layer(
            Layer(f"{ft.name}_existing", gpd.GeoDataFrame(geometry=geoms, crs=CRS), role=ft.name)
        )
        ft.layer = layer.name
        project.facility_types[ft.name] = ft
    for ft in types:
        project.facility_types.setdefault(ft.name, ft)
    centres = facility_points(30, extent, seed=seed + 40)
    flood = shapely.buffer(shapely.points(centres), rng.uniform(300.0, 1_500.0, 30))
    project.add_layer(Layer("flood", gpd.GeoDataFrame(geometry=flood, crs=CRS), role="hazard"))
    if surface:
        set_project_surface(project, cell_size_m=cell_size_m)
    return project, grid


def population_cells(
    n_cells: int,
    cell_m: float = 100.0,
    seed: int = 0,
    n_centres: int = 12,
    background_share: float = 0.3,
    population: float = 9_000_000.0,
) -> tuple[np.ndarray, np.ndarray, Extent]:
    """A population surface: ``n_cells`` square cells of ``cell_m`` filling a square city.

    Density is the same mixture as :func:`demand_points` (Gaussian districts over a uniform
    background) integrated over each cell, times a log-normal factor per cell (sigma 0.5), scaled
    to ``population`` people in all; every cell keeps some people, as a census-calibrated surface
    does. Cells fill the square row by row, so the last row may be short.

    Returns
    -------
    xy : numpy.ndarray
        (n_cells, 2) cell centres.
    population : numpy.ndarray
        (n_cells,) people per cell.
    extent : Extent
        The square the cells tile.
    """
    side = int(np.ceil(np.sqrt(n_cells)))
    extent = Extent.square(side * cell_m)
    rng = np.random.default_rng(seed)
    index = np.arange(n_cells)
    xy = np.column_stack(
        [extent.xmin + (index % side + 0.5) * cell_m, extent.ymin + (index // side + 0.5) * cell_m]
    )
    centres = np.column_stack(
        [rng.uniform(extent.xmin, extent.xmax, n_centres), rng.uniform(extent.ymin, extent.ymax, n_centres)]
    )
    spreads = rng.uniform(0.03, 0.10, n_centres) * extent.width
    weights = spreads**2 / np.sum(spreads**2)
    density = np.zeros(n_cells)
    for centre, spread, weight in zip(centres, spreads, weights, strict=True):
        d2 = np.sum((xy - centre) ** 2, axis=1)
        density += weight * np.exp(-d2 / (2 * spread**2)) / (2 * np.pi * spread**2)
    density = (1 - background_share) * density + background_share / (extent.width * extent.height)
    people = density * cell_m**2 * rng.lognormal(-0.125, 0.5, n_cells)
    return xy, people * population / people.sum(), extent


def grid_sites(extent: Extent, n: int) -> np.ndarray:
    """About ``n`` candidate sites on a regular square grid over the extent (cell centres), as
    :func:`cityplanner.optimise.grid_candidates` proposes them in a project."""
    per_side = int(round(np.sqrt(n)))
    step_x, step_y = extent.width / per_side, extent.height / per_side
    gx, gy = np.meshgrid(
        extent.xmin + (np.arange(per_side) + 0.5) * step_x, extent.ymin + (np.arange(per_side) + 0.5) * step_y
    )
    return np.column_stack([gx.ravel(), gy.ravel()])
