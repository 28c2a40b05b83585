"""The population surface: where people live, as population on a regular grid of cells.

Every people-counting figure (KPIs, ``coverage``, ``access``, proposals) starts from one
:class:`PopulationSurface`. The grid is square cells of ``cell_size_m`` in the working CRS,
aligned on multiples of the cell size; a cell that straddles a zone border is split there, so each
*piece* lies in exactly one zone, keeps that zone's row (and so its districts, wards and any group
field) and the zone totals are kept exactly. A piece is measured from its representative point
(``shapely.point_on_surface``, the cell centre for whole cells).

Pieces are filled by one of three methods, in this order of preference:

``raster``
    A population raster (WorldPop, GHSL, Meta HRSL GeoTIFF; people per pixel, any CRS) is
    resampled onto the grid by GDAL's ``sum`` resampling, which keeps the raster's total, through
    rasterio (the maintained Python binding of GDAL's raster API; pyogrio reads vectors only).
    A cell's people are shared among its pieces by area. With zones that carry a census field,
    each zone's raster share is rescaled to its census total: the raster says *where*, the
    census *how many*. A zone where the raster holds nobody falls back to uniform.
``dasymetric``
    A zone's census population is shared among its buildings in proportion to footprint area x
    storeys (a storey or height field where one exists, else one storey), or among residential
    land-use polygons by area; each building counts in the piece holding its representative
    point. A zone without buildings falls back to uniform.
``uniform``
    A zone's population spread evenly over its area (the fallback).

The method and what it fell back on are recorded (:attr:`PopulationSurface.note`) and stated by
``show``, in the KPI notes and in the report's methods appendix.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ._grid import grid_cells
from ._threads import engine_threads
from .demand import Demand
from .errors import AnalysisError, LayerLoadError

METHODS = ("raster", "dasymetric", "uniform")
# The layer of a project that holds its surface (pieces as polygons QGIS can style).
SURFACE_LAYER = "population_surface"
# Above this many grid cells over the zones' extent the grid is refused (memory), naming the size.
MAX_CELLS = 20_000_000
# Building fields read as storeys, and as heights in metres (a storey taken as 3 m), in this order.
STOREY_FIELDS = ("building:levels", "building_levels", "levels", "storeys", "stories", "floors", "so_tang")
HEIGHT_FIELDS = ("height", "building:height", "chieu_cao")
STOREY_HEIGHT_M = 3.0
# The zone field holding the raster's people per zone when a project has no census field.
RASTER_POPULATION_FIELD = "pop_raster"


@dataclass(eq=False)
class PopulationSurface:
    """Population on grid cells split at zone borders.

    Attributes
    ----------
    population : numpy.ndarray
        (n,) people per piece, finite and >= 0.
    xy : numpy.ndarray
        (n, 2) the point each piece is measured from (inside the piece).
    zone : numpy.ndarray
        (n,) row position of the piece's zone in the zone layer (-1 with no zones).
    cell : numpy.ndarray
        (n,) grid cell of the piece, ``row * n_columns + column`` from the grid's origin.
    area_m2 : numpy.ndarray
        (n,) area of each piece.
    cell_size_m : float
    origin : tuple of float
        (x, y) of the grid's lower-left corner, a multiple of ``cell_size_m``.
    n_columns : int
    n_zones : int
    method : str
        ``"raster"``, ``"dasymetric"`` or ``"uniform"``.
    note : str
        One sentence: how the people were placed, with any fallback.
    crs : pyproj.CRS
    geometry : numpy.ndarray
        (n,) the pieces as polygons.
    """

    population: np.ndarray
    xy: np.ndarray
    zone: np.ndarray
    cell: np.ndarray
    area_m2: np.ndarray
    cell_size_m: float
    origin: tuple[float, float]
    n_columns: int
    n_zones: int
    method: str
    note: str
    crs: CRS | None
    geometry: np.ndarray = field(repr=False)
    source: str = "the population surface"

    def __len__(self) -> int:
        return len(self.population)

    @property
    def population_total(self) -> float:
        return float(self.population.sum())

    def demand(self) -> Demand:
        """The pieces as point demand (each measured from its point)."""
        return Demand(
            population=self.population,
            points=self.xy,
            area_m2=self.area_m2,
            model="point",
            source=self.source,
            crs=self.crs,
        )

    def per_zone(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` (one per piece) over each zone, (n_zones,)."""
        inside = self.zone >= 0
        return np.bincount(
            self.zone[inside], weights=np.asarray(values, float)[inside], minlength=self.n_zones
        )

    def zone_population(self) -> np.ndarray:
        return self.per_zone(self.population)

    def to_frame(self, zones: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
        """The pieces as a layer: ``population``, ``density_km2``, ``cell_id``, ``zone_row`` and
        the attributes of each piece's zone."""
        frame = pd.DataFrame(
            {
                "population": self.population,
                "density_km2": np.where(self.area_m2 > 0, self.population / self.area_m2 * 1e6, 0.0),
                "cell_id": self.cell,
                "zone_row": self.zone,
            }
        )
        if zones is not None and self.n_zones:
            attributes = pd.DataFrame(zones.drop(columns=zones.geometry.name)).reset_index(drop=True)
            attributes = attributes.drop(columns=[c for c in attributes.columns if c in frame.columns])
            taken = attributes.iloc[np.clip(self.zone, 0, None)].reset_index(drop=True)
            taken[self.zone < 0] = None
            frame = pd.concat([frame, taken], axis=1)
        return gpd.GeoDataFrame(frame, geometry=self.geometry, crs=self.crs)

    @classmethod
    def from_frame(
        cls, gdf: gpd.GeoDataFrame, n_zones: int, cell_size_m: float, method: str, note: str, source: str
    ) -> PopulationSurface:
        """A surface stored as a layer by :meth:`to_frame` (the ``.cityplan``'s surface layer)."""
        needed = ("population", "cell_id", "zone_row")
        missing = [c for c in needed if c not in gdf.columns]
        if missing:
            raise AnalysisError(f"{source} lacks the field(s) {', '.join(missing)} of a population surface.")
        geometry = gdf.geometry.to_numpy()
        population = pd.to_numeric(gdf["population"], errors="coerce").to_numpy(dtype=float)
        zone = pd.to_numeric(gdf["zone_row"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
        if not np.isfinite(population).all() or (population < 0).any():
            raise AnalysisError(f"{source} has missing or negative population values.")
        if (zone >= n_zones).any():
            raise AnalysisError(f"{source} names zones the zone layer does not have; rebuild the surface.")
        xmin, ymin = shapely.total_bounds(geometry)[:2] if len(geometry) else (0.0, 0.0)
        origin = (np.floor(xmin / cell_size_m) * cell_size_m, np.floor(ymin / cell_size_m) * cell_size_m)
        return cls(
            population=population,
            xy=shapely.get_coordinates(shapely.point_on_surface(geometry)),
            zone=zone,
            cell=pd.to_numeric(gdf["cell_id"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64),
            area_m2=shapely.area(geometry),
            cell_size_m=float(cell_size_m),
            origin=(float(origin[0]), float(origin[1])),
            n_columns=0,
            n_zones=n_zones,
            method=method,
            note=note,
            crs=CRS.from_user_input(gdf.crs) if gdf.crs is not None else None,
            geometry=geometry,
            source=source,
        )


# -- the grid -----------------------------------------------------------------------------------
# Zones are first tested against tiles of this many cells a side: the cells of a tile wholly
# inside (or outside) a zone need no test of their own.
_TILE_CELLS = 8
# Border pieces per thread when the GEOS work is shared among the cores (GEOS runs without the GIL).
_GEOS_CHUNK = 2_000


@dataclass
class _Pieces:
    geometry: np.ndarray
    zone: np.ndarray
    row: np.ndarray
    col: np.ndarray
    origin: tuple[float, float]
    n_rows: int
    n_columns: int
    cell: float
    area: np.ndarray
    whole: np.ndarray  # the piece is its whole cell (a box)

    def points(self) -> np.ndarray:
        """(n, 2) the point each piece is measured from: ``shapely.point_on_surface``.

        For a whole cell that is its centre, computed here as GEOS computes it (the midpoints of
        the box's sides), without building the points.
        """
        x0, y0 = self.origin
        xy = np.empty((len(self.zone), 2))
        w = self.whole
        xy[w, 0] = ((x0 + self.col[w] * self.cell) + (x0 + (self.col[w] + 1) * self.cell)) / 2
        xy[w, 1] = ((y0 + self.row[w] * self.cell) + (y0 + (self.row[w] + 1) * self.cell)) / 2
        xy[~w] = shapely.get_coordinates(_on_cores(shapely.point_on_surface, self.geometry[~w]))
        return xy


def _pieces(zones: np.ndarray, cell: float, source: str) -> _Pieces:
    """Zones cut by the grid: every (zone, cell) overlap with a positive area, vectorised.

    Cells wholly inside a zone are kept as boxes; only border cells are intersected. Whole tiles
    of cells inside or outside a zone are settled by one test; the intersections run on all cores.
    Pieces are ordered by zone, then row and column.
    """
    bounds = shapely.bounds(zones)
    x0 = float(np.floor(np.nanmin(bounds[:, 0]) / cell) * cell)
    y0 = float(np.floor(np.nanmin(bounds[:, 1]) / cell) * cell)
    n_cols = int(np.ceil((np.nanmax(bounds[:, 2]) - x0) / cell)) or 1
    n_rows = int(np.ceil((np.nanmax(bounds[:, 3]) - y0) / cell)) or 1
    c0 = np.floor((bounds[:, 0] - x0) / cell).astype(np.int64)
    c1 = np.maximum(np.ceil((bounds[:, 2] - x0) / cell).astype(np.int64), c0 + 1)
    r0 = np.floor((bounds[:, 1] - y0) / cell).astype(np.int64)
    r1 = np.maximum(np.ceil((bounds[:, 3] - y0) / cell).astype(np.int64), r0 + 1)
    per_zone = (c1 - c0) * (r1 - r0)
    if per_zone.sum() > MAX_CELLS:
        raise AnalysisError(
            f"A {cell:g} m grid over {source} would have {per_zone.sum():,} cells (at most "
            f"{MAX_CELLS:,}); choose a larger cell size."
        )

    def boxes(col_a, row_a, col_b, row_b):
        # Cells and tiles share this formula, so a tile's edges are exactly its cells' edges.
        return shapely.box(x0 + col_a * cell, y0 + row_a * cell, x0 + col_b * cell, y0 + row_b * cell)

    shapely.prepare(zones)
    # Tiles over each zone's range of cells, clipped to that range, as (zone, cell ranges).
    t = _TILE_CELLS
    tile_c0, tile_r0 = c0 // t, r0 // t
    tiles_across, tiles_up = -(-c1 // t) - tile_c0, -(-r1 // t) - tile_r0
    tile_zone, tile_col, tile_row = grid_cells(tile_c0, tile_r0, tiles_across, tiles_up)
    col_a = np.maximum(tile_col * t, c0[tile_zone])
    col_b = np.minimum((tile_col + 1) * t, c1[tile_zone])
    row_a = np.maximum(tile_row * t, r0[tile_zone])
    row_b = np.minimum((tile_row + 1) * t, r1[tile_zone])
    tile_boxes = boxes(col_a, row_a, col_b, row_b)
    touching = shapely.intersects(zones[tile_zone], tile_boxes)
    inside_tile = np.zeros(len(tile_zone), dtype=bool)
    inside_tile[touching] = shapely.contains_properly(zones[tile_zone[touching]], tile_boxes[touching])
    edge_tile = touching & ~inside_tile

    # Cells of the tiles inside a zone are inside it; the cells of edge tiles are tested.
    def cells_of(which):
        zone, col, row = grid_cells(
            col_a[which], row_a[which], (col_b - col_a)[which], (row_b - row_a)[which]
        )
        return tile_zone[which][zone], col, row

    in_zone, in_col, in_row = cells_of(inside_tile)
    edge_zone, edge_col, edge_row = cells_of(edge_tile)
    edge_boxes = boxes(edge_col, edge_row, edge_col + 1, edge_row + 1)
    hit = shapely.intersects(zones[edge_zone], edge_boxes)
    edge_zone, edge_col, edge_row, edge_boxes = edge_zone[hit], edge_col[hit], edge_row[hit], edge_boxes[hit]
    inside = shapely.contains_properly(zones[edge_zone], edge_boxes)
    border = ~inside
    cut = _on_cores(shapely.intersection, zones[edge_zone[border]], edge_boxes[border])
    # Keep only the polygonal part of a border piece (a zone may touch a cell along a line).
    cut = _polygonal(cut)

    zone = np.concatenate([in_zone, edge_zone[inside], edge_zone[border]])
    col = np.concatenate([in_col, edge_col[inside], edge_col[border]])
    row = np.concatenate([in_row, edge_row[inside], edge_row[border]])
    whole = np.arange(len(zone)) < len(zone) - int(border.sum())
    geometry = np.concatenate([boxes(in_col, in_row, in_col + 1, in_row + 1), edge_boxes[inside], cut])
    order = np.lexsort((col, row, zone))
    geometry, zone, col, row, whole = geometry[order], zone[order], col[order], row[order], whole[order]
    area = shapely.area(geometry)
    keep = area > 0
    return _Pieces(
        geometry[keep],
        zone[keep],
        row[keep],
        col[keep],
        (x0, y0),
        n_rows,
        n_cols,
        cell,
        area[keep],
        whole[keep],
    )


def _on_cores(func, *arrays: np.ndarray) -> np.ndarray:
    """``func(*arrays)`` for an element-wise shapely function, in chunks on all cores."""
    n = len(arrays[0])
    workers = min(engine_threads(), n // _GEOS_CHUNK)
    if workers < 2:
        return func(*arrays)
    chunks = np.array_split(np.arange(n), 4 * workers)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda chunk: func(*(a[chunk] for a in arrays)), chunks))
    return np.concatenate(parts)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Polygonal parts only (intersections can add lines and points at shared edges)."""
    kinds = shapely.get_type_id(geoms)
    mixed = kinds == shapely.GeometryType.GEOMETRYCOLLECTION
    if mixed.any():
        parts, index = shapely.get_parts(geoms[mixed], return_index=True)
        polygonal = shapely.get_dimensions(parts) == 2
        out = np.full(mixed.sum(), shapely.Polygon(), dtype=object)
        kept = shapely.multipolygons(parts[polygonal], indices=index[polygonal])
        out[np.unique(index[polygonal])] = kept
        geoms = geoms.copy()
        geoms[mixed] = out
    return geoms


# -- filling ------------------------------------------------------------------------------------
def build_surface(
    zones: gpd.GeoDataFrame,
    census: np.ndarray | None,
    cell_size_m: float,
    *,
    raster: str | os.PathLike | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    source: str = "the zones",
    weights_source: str = "",
) -> PopulationSurface:
    """Build the population surface of ``zones``.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons (or points) in the metric working CRS.
    census : numpy.ndarray, optional
        (n_zones,) people per zone. Without it a raster's counts are taken as they are.
    cell_size_m : float
        Grid cell size (see :data:`cityplanner.settings.CELL_SIZE_RANGE_M`).
    raster : path, optional
        A population GeoTIFF (people per pixel): method ``raster``.
    buildings : geopandas.GeoDataFrame, optional
        Buildings (footprints, storeys) or residential land-use polygons in the working CRS:
        method ``dasymetric``. Ignored when ``raster`` is given.
    source, weights_source : str
        How the zone layer and the buildings layer are named in messages and notes.

    Raises
    ------
    AnalysisError, LayerLoadError
        A message naming the input and the problem.
    """
    from .settings import check_cell_size

    check_cell_size(cell_size_m)
    if zones.crs is None or CRS.from_user_input(zones.crs).is_geographic:
        raise AnalysisError(f"{source} must be in a metric CRS to lay a grid of cells over it.")
    crs = CRS.from_user_input(zones.crs)
    geoms = zones.geometry.to_numpy()
    if len(geoms) == 0:
        raise AnalysisError(f"{source} holds no zones.")
    if census is None and raster is None:
        raise AnalysisError(f"{source} has no population field and no population raster was given.")
    if (shapely.get_dimensions(geoms) < 2).all():
        return _point_surface(zones, census, cell_size_m, source)
    pieces = _pieces(geoms, float(cell_size_m), source)
    area = pieces.area
    n_zones = len(geoms)
    uniform = _share_by(area, pieces.zone, n_zones)  # each piece's share of its zone's area
    if raster is not None:
        people, method, note = _raster_fill(raster, pieces, area, crs, census, uniform, n_zones, source)
    elif buildings is not None and census is not None:
        people, method, note = _dasymetric_fill(buildings, pieces, census, uniform, n_zones, weights_source)
    else:
        people = census[pieces.zone] * uniform
        method, note = "uniform", f"Population spread evenly over each zone of {source}."
    xy = pieces.points()
    surface = PopulationSurface(
        population=people,
        xy=xy,
        zone=pieces.zone.astype(np.int64),
        cell=pieces.row.astype(np.int64) * pieces.n_columns + pieces.col,
        area_m2=area,
        cell_size_m=float(cell_size_m),
        origin=pieces.origin,
        n_columns=pieces.n_columns,
        n_zones=n_zones,
        method=method,
        note=f"{note} Cells of {cell_size_m:g} m.",
        crs=crs,
        geometry=pieces.geometry,
        source=f"the population surface of {source}",
    )
    if surface.population_total <= 0:
        raise AnalysisError(f"The population surface of {source} holds nobody.")
    return surface


def _share_by(weight: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Each item's share of its group's total weight (0 where the group weighs nothing)."""
    total = np.bincount(group, weights=weight, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total[group] > 0, weight / total[group], 0.0)


def _point_surface(zones: gpd.GeoDataFrame, census, cell: float, source: str) -> PopulationSurface:
    """Point zones (buildings, grid points): each point is its own demand unit."""
    if census is None:
        raise AnalysisError(f"{source} holds points, which need a population field.")
    points = shapely.get_coordinates(shapely.point_on_surface(zones.geometry.to_numpy()))
    x0, y0 = (np.floor(points.min(axis=0) / cell) * cell).tolist()
    cols = np.floor((points[:, 0] - x0) / cell).astype(np.int64)
    rows = np.floor((points[:, 1] - y0) / cell).astype(np.int64)
    n_columns = int(cols.max()) + 1
    return PopulationSurface(
        population=np.asarray(census, float),
        xy=points,
        zone=np.arange(len(points), dtype=np.int64),
        cell=rows * n_columns + cols,
        area_m2=np.zeros(len(points)),
        cell_size_m=float(cell),
        origin=(x0, y0),
        n_columns=n_columns,
        n_zones=len(points),
        method="uniform",
        note=f"Each point of {source} holds its own population.",
        crs=CRS.from_user_input(zones.crs),
        geometry=shapely.points(points),
    )


def _raster_fill(raster, pieces: _Pieces, area, crs, census, uniform, n_zones, source):
    cells = read_raster_onto_grid(raster, crs, pieces.origin, pieces.n_rows, pieces.n_columns, pieces.cell)
    cell_area = pieces.cell**2
    people = cells[pieces.row, pieces.col] * area / cell_area
    name = Path(raster).name
    if census is None:
        return people, "raster", f"Population from the raster {name} as it is (no census field)."
    raster_total = np.bincount(pieces.zone, weights=people, minlength=n_zones)
    empty = (raster_total <= 0) & (np.asarray(census) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(raster_total > 0, census / raster_total, 0.0)
    people = np.where(empty[pieces.zone], census[pieces.zone] * uniform, people * factor[pieces.zone])
    note = f"Population placed by the raster {name} and rescaled to each zone's census total of {source}."
    if empty.any():
        note += f" {int(empty.sum())} zone(s) where the raster holds nobody are spread evenly."
    return people, "raster", note


def read_raster_onto_grid(
    path: str | os.PathLike, crs: CRS, origin: tuple[float, float], n_rows: int, n_columns: int, cell: float
) -> np.ndarray:
    """People per grid cell from a population raster, (n_rows, n_columns), row 0 at the bottom.

    GDAL's ``sum`` resampling keeps the raster's total (each source pixel's people are shared
    among the cells it overlaps); nodata and negative pixels count as nobody.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioIOError
    from rasterio.transform import from_origin
    from rasterio.warp import reproject, transform_bounds
    from rasterio.windows import from_bounds

    from .io import check_readable

    path = Path(path)
    check_readable(path)  # a FIFO or device named as the raster would block or never end
    x0, y0 = origin
    x1, y1 = x0 + n_columns * cell, y0 + n_rows * cell
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise LayerLoadError(f"The population raster {path} has no CRS; give it one in a GIS first.")
            if src.count < 1:
                raise LayerLoadError(f"The population raster {path} has no band.")
            # Read only the part under the grid (with a pixel's margin): a national raster is large.
            west, south, east, north = transform_bounds(crs, src.crs, x0, y0, x1, y1, densify_pts=21)
            wanted = from_bounds(west, south, east, north, src.transform)
            col0, row0 = int(np.floor(wanted.col_off)) - 1, int(np.floor(wanted.row_off)) - 1
            col1 = int(np.ceil(wanted.col_off + wanted.width)) + 1
            row1 = int(np.ceil(wanted.row_off + wanted.height)) + 1
            window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0).intersection(
                rasterio.windows.Window(0, 0, src.width, src.height)
            )
            data = src.read(1, window=window, masked=True).astype("float64")
            transform = src.window_transform(window)
            src_crs = src.crs
    except rasterio.errors.WindowError:
        raise LayerLoadError(f"The population raster {path} does not cover the zones.") from None
    except (RasterioIOError, rasterio.errors.RasterioError, OSError) as err:
        raise LayerLoadError(f"The population raster {path} cannot be read ({err}).") from None
    values = np.ma.filled(data, 0.0)
    values[~np.isfinite(values) | (values < 0)] = 0.0
    if values.sum() <= 0:
        raise LayerLoadError(f"The population raster {path} holds nobody under the zones.")
    grid = np.zeros((n_rows, n_columns), dtype="float64")
    reproject(
        values,
        grid,
        src_transform=transform,
        src_crs=src_crs,
        dst_transform=from_origin(x0, y1, cell, cell),
        dst_crs=crs,
        resampling=Resampling.sum,
        src_nodata=None,
        dst_nodata=0.0,
    )
    grid[~np.isfinite(grid)] = 0.0
    return grid[::-1]  # rasters run north to south; the grid's rows south to north


def _dasymetric_fill(buildings: gpd.GeoDataFrame, pieces: _Pieces, census, uniform, n_zones, name):
    geoms = buildings.geometry.to_numpy()
    polygonal = shapely.get_dimensions(geoms) == 2
    if not polygonal.any():
        raise LayerLoadError(f"The layer {name} has no polygons (footprints) to place people by.")
    frame = buildings[polygonal]
    weight, how = building_weights(frame)
    tree = shapely.STRtree(pieces.geometry)
    which, piece = tree.query(shapely.point_on_surface(frame.geometry.to_numpy()), predicate="within")
    # A point on a shared piece edge matches two pieces: count it once.
    first = np.unique(which, return_index=True)[1]
    which, piece = which[first], piece[first]
    piece_weight = np.bincount(piece, weights=weight[which], minlength=len(pieces.geometry))
    zone_weight = np.bincount(pieces.zone, weights=piece_weight, minlength=n_zones)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(zone_weight[pieces.zone] > 0, piece_weight / zone_weight[pieces.zone], np.nan)
    fallback = ~np.isfinite(share)
    people = np.where(fallback, uniform, share) * census[pieces.zone]
    empty_zones = int(((zone_weight <= 0) & (census > 0)).sum())
    note = f"Population shared among the {len(which):,} buildings of {name} by {how}."
    if empty_zones:
        note += f" {empty_zones} zone(s) without buildings are spread evenly."
    return people, "dasymetric", note


def building_weights(buildings: gpd.GeoDataFrame) -> tuple[np.ndarray, str]:
    """Floor area of each building: footprint x storeys, and how the storeys were known.

    Storeys come from the first field of :data:`STOREY_FIELDS` present, else a height field
    divided by :data:`STOREY_HEIGHT_M`; missing or non-positive values count one storey.
    """
    footprint = shapely.area(buildings.geometry.to_numpy())
    columns = {c.lower(): c for c in buildings.columns}
    for name in STOREY_FIELDS:
        if name in columns:
            storeys = pd.to_numeric(buildings[columns[name]], errors="coerce").to_numpy(dtype=float)
            storeys = np.where(np.isfinite(storeys) & (storeys > 0), storeys, 1.0)
            return footprint * storeys, f"footprint area x storeys (field '{columns[name]}')"
    for name in HEIGHT_FIELDS:
        if name in columns:
            height = pd.to_numeric(buildings[columns[name]], errors="coerce").to_numpy(dtype=float)
            storeys = np.where(np.isfinite(height) & (height > 0), np.maximum(height / STOREY_HEIGHT_M, 1), 1)
            return footprint * storeys, (
                f"footprint area x storeys (height field '{columns[name]}' / {STOREY_HEIGHT_M:g} m)"
            )
    return footprint, "footprint area (no storey or height field)"


# -- a project's surface ------------------------------------------------------------------------
def _fingerprint(project) -> str:
    """What a stored surface was built from; a surface whose zones changed since is rebuilt."""
    zones = project.zones
    total = float(project.population.sum()) if project.population_field else 0.0
    return f"{project.zones_layer}|{project.population_field}|{len(zones)}|{total:.6f}"


def set_project_surface(
    project,
    *,
    raster: str | os.PathLike | None = None,
    dasymetric_layer: str | None = None,
    cell_size_m: float | None = None,
    use_census: bool = True,
) -> PopulationSurface:
    """Build ``project``'s population surface and store it as its :data:`SURFACE_LAYER` layer.

    The method, its note, the cell size, the raster's path and the buildings layer are recorded
    in ``project.settings`` (``demand_method``, ``demand_note``, ``cell_size_m``,
    ``population_raster``, ``dasymetric_layer``).

    Parameters
    ----------
    raster : path, optional
        Population GeoTIFF; rescaled to the census field unless ``use_census`` is False.
    dasymetric_layer : str, optional
        Name of a project layer of buildings (or residential land use) to place people by.
    cell_size_m : float, optional
        Default: the project's setting (:class:`~cityplanner.settings.AnalysisSettings`).
    """
    from .project import Layer
    from .settings import AnalysisSettings, check_cell_size

    cell = check_cell_size(
        cell_size_m if cell_size_m is not None else AnalysisSettings.of(project).cell_size_m
    )
    zones = project.zones
    census = project.population if (use_census and project.population_field) else None
    if census is None and raster is None:
        raise AnalysisError(
            f"Zone layer '{project.zones_layer}' has no population field; give one or a population raster."
        )
    buildings, weights_source = None, ""
    if dasymetric_layer:
        if dasymetric_layer not in project.layers:
            raise AnalysisError(f"The project has no layer '{dasymetric_layer}' to place people by.")
        buildings = project.layers[dasymetric_layer].gdf
        weights_source = f"layer '{dasymetric_layer}'"
    surface = build_surface(
        zones,
        census,
        cell,
        raster=raster,
        buildings=buildings,
        source=f"zone layer '{project.zones_layer}'",
        weights_source=weights_source,
    )
    surface.source = f"the population surface of zone layer '{project.zones_layer}'"
    if census is None:
        # The raster's people per zone become the zones' population field, so every per-zone
        # figure (tables, districts, the zone layer in QGIS) reads the same numbers.
        zones[RASTER_POPULATION_FIELD] = surface.zone_population()
        project.population_field = RASTER_POPULATION_FIELD
    # Drawn just above the zones (layers are in drawing order), below streets and facilities.
    layer = Layer(name=SURFACE_LAYER, gdf=surface.to_frame(zones), role=SURFACE_LAYER)
    others = [(n, lyr) for n, lyr in project.layers.items() if n != SURFACE_LAYER]
    at = next((i + 1 for i, (n, _) in enumerate(others) if n == project.zones_layer), 0)
    project.layers = dict([*others[:at], (SURFACE_LAYER, layer), *others[at:]])
    project.settings.update(
        cell_size_m=cell,
        demand_method=surface.method,
        demand_note=surface.note,
        demand_fingerprint=_fingerprint(project),
    )
    project.settings.pop("population_raster", None)
    project.settings.pop("dasymetric_layer", None)
    if raster is not None:
        project.settings["population_raster"] = str(Path(raster).resolve())
    if dasymetric_layer:
        project.settings["dasymetric_layer"] = dasymetric_layer
    return surface


def project_surface(project) -> PopulationSurface:
    """The project's population surface: the stored layer, or built anew when it is missing or stale.

    A stale surface (zones or population changed since) is rebuilt by its recorded method when
    its inputs are still there, else uniformly (and the note says so). Without a stored layer
    (projects from before the surface) it is built uniformly and not stored.
    """
    from .settings import AnalysisSettings

    cell = AnalysisSettings.of(project).cell_size_m
    stored = project.layers.get(SURFACE_LAYER)
    fresh = stored is not None and project.settings.get("demand_fingerprint") == _fingerprint(project)
    if fresh:
        return PopulationSurface.from_frame(
            stored.gdf,
            n_zones=len(project.zones),
            cell_size_m=float(project.settings.get("cell_size_m", cell)),
            method=str(project.settings.get("demand_method", "uniform")),
            note=str(project.settings.get("demand_note", "")),
            source=f"the population surface of zone layer '{project.zones_layer}'",
        )
    raster = project.settings.get("population_raster")
    dasymetric = project.settings.get("dasymetric_layer")
    if stored is not None and raster and Path(str(raster)).exists():
        return set_project_surface(project, raster=str(raster), cell_size_m=cell)
    if stored is not None and dasymetric and dasymetric in project.layers:
        return set_project_surface(project, dasymetric_layer=str(dasymetric), cell_size_m=cell)
    surface = build_surface(
        project.zones,
        project.population,
        cell,
        source=f"zone layer '{project.zones_layer}'",
    )
    surface.source = f"the population surface of zone layer '{project.zones_layer}'"
    return surface


def surface_summary(project) -> dict:
    """How the project's people are placed, as ``show`` and the report's methods appendix state it.

    Keys: ``method``, ``cell_size_m``, ``cells`` (None when no surface is stored), ``note``,
    ``population_raster`` and ``dasymetric_layer`` (None when not used).
    """
    from .settings import AnalysisSettings

    stored = project.layers.get(SURFACE_LAYER)
    settings = project.settings
    cell = AnalysisSettings.of(project).cell_size_m
    note = str(settings.get("demand_note") or "") if stored is not None else ""
    return {
        "method": str(settings.get("demand_method") or "uniform") if stored is not None else "uniform",
        "cell_size_m": cell,
        "cells": len(stored.gdf) if stored is not None else None,
        "note": note
        or f"Population spread evenly over each zone, on {cell:g} m cells built when needed (none stored).",
        "population_raster": settings.get("population_raster") or None,
        "dasymetric_layer": settings.get("dasymetric_layer") or None,
    }


def raster_footprint(path: str | os.PathLike, margin_m: float) -> gpd.GeoDataFrame:
    """The extent of a population raster as one zone, in the UTM zone of its centre.

    Grown by ``margin_m`` (a cell): in another CRS the raster's edge cuts cells, and a cell cut by
    the zone keeps only its share by area, which would drop people at the edge.
    """
    import rasterio

    from .io import working_crs_for

    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise LayerLoadError(f"The population raster {path} has no CRS; give it one in a GIS first.")
            box = gpd.GeoDataFrame(geometry=[shapely.box(*src.bounds)], crs=src.crs)
    except rasterio.errors.RasterioError as err:
        raise LayerLoadError(f"The population raster {path} cannot be read ({err}).") from None
    box = box.to_crs(working_crs_for(box))
    return box.set_geometry(box.buffer(margin_m, join_style="mitre"))
