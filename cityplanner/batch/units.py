"""Cutting national layers into units, on the client: every layer is read once, then sliced.

A unit (a city, district or province polygon of the ``units`` layer) gets:

* **its people**: the population zones inside it. A zone wholly inside the unit is kept as it is,
  with its census figure; a zone the unit's border crosses is cut there and keeps the share of its
  census equal to the share of its area inside the unit (true areas, through an
  equal-area projection, so the pieces of a zone add up to the zone). With a raster and no zones,
  the unit's polygon is its one zone and the raster's counts are taken as they are.
* **what serves them**: the features of every facility layer within :func:`reach_m` of the unit
  (the longest distance threshold of the KPI catalogue, 1 km: a clinic across the border still
  serves the people near it), and the streets within that distance plus the project's maximum
  snap distance (a facility up to 1 km away is walked to from its nearest street, which may lie
  farther out). Buildings and hazard layers are taken where they touch the unit. Distances are
  measured in the unit's UTM zone. Features are whole (never clipped) and keep their attributes.

A population-zone, facility or road layer whose file is larger than what fits in memory
(:func:`big_layer_limit`, a share of the memory available) is not read whole: it is read in
partitions with dask-geopandas (pyogrio, so GeoPackage and FlatGeobuf only) and cut per unit on
the cluster, each partition once for every unit (the partition's spatial index first, then the
exact test: :func:`_near` and :func:`_zones_inside` as for a layer in memory); the client
gathers one unit's features at a time, and they go to the worker with the unit's task. A
unit's features, and so its cache key, are the same either way (the zones' geometries are
repaired per partition; a layer mixing single and multi-part shapes may store some as the
other kind, and then its units are computed once more after a switch).

What a unit gets is exactly what a planner would load by hand to make that unit's project: its
:class:`UnitTask` is written as files and assembled by :func:`cityplanner.assemble.create_project`
on a worker (:mod:`cityplanner.batch.work`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..assemble import guess_role
from ..errors import CityPlannerError
from ..io import check_population, describe_source, read_layer
from ..kpi import load_catalogue
from ..resources import resource_path
from ..settings import AnalysisSettings
from .spec import BatchError, BatchSpec, Source

# Bumped whenever what a unit computes changes in a way its inputs do not show.
CACHE_VERSION = "1"
# Areas of zone pieces are compared in this equal-area CRS (World Cylindrical Equal Area).
EQUAL_AREA_CRS = "EPSG:6933"
# Roles whose features matter only inside the unit.
_INSIDE_ROLES = ("buildings", "hazard")
# Slack on the first, coarse pass of the cut (in the layer's own CRS): the exact test follows.
_COARSE_SLACK = 1.05
_COARSE_SLACK_M = 50.0
# A layer whose file is over this share of the memory available is read in partitions: its
# GeoDataFrame, the spatial index and the per-unit copies take several times the file's size.
BIG_LAYER_SHARE = 0.125
# Partitions of a layer read in chunks hold about the memory limit's worth of its file, within these
# bounds (bytes of the file).
PARTITION_BYTES = 256 * 2**20
MIN_PARTITION_BYTES = 64 * 2**10
# Formats read in chunks: those pyogrio reads by feature offset and that define their text as UTF-8
# (others need CityPlanner's own encoding detection, which reads the whole file).
_CHUNKED_SUFFIXES = (".gpkg", ".fgb")


@dataclass
class UnitTask:
    """Everything a worker needs to evaluate one unit (pickled and shipped to it).

    The ``units`` form carries the unit's zones and layers (in their source CRS, whole features,
    see the module notes); the ``projects`` form carries the bytes of a ``.cityplan`` file.
    """

    name: str
    key: str
    zones: gpd.GeoDataFrame | None = None
    zones_layer: str = "zones"
    population_field: str | None = None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    raster: str | None = None
    dasymetric: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    kpi_targets: dict[str, float] = field(default_factory=dict)
    crs: str | None = None
    project_bytes: bytes | None = None
    project_file: str | None = None
    proposal: dict[str, Any] | None = None


@dataclass
class PlannedUnit:
    """One unit as the client knows it: its outline (WGS84), its task, or why it cannot run."""

    index: int
    name: str
    geometry: shapely.Geometry | None
    task: UnitTask | None = None
    error: str | None = None
    absent: list[str] = field(default_factory=list)
    weight: float = 1.0

    @property
    def key(self) -> str | None:
        return self.task.key if self.task is not None else None


@dataclass
class UnitPlan:
    """The units of a batch, in spec order, and what was read to cut them."""

    units: list[PlannedUnit]
    reach_m: float
    roads_reach_m: float
    notes: list[str] = field(default_factory=list)


def reach_m(catalogue=None) -> float:
    """The longest distance threshold of the KPI catalogue (metres)."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    return float(max((k.threshold_m or 0.0) for k in catalogue))


def plan_units(spec: BatchSpec, *, big_layer_bytes: int | None = None) -> UnitPlan:
    """Read the spec's layers once and cut them into one :class:`UnitTask` per unit (all at once).

    Layers too large for memory are cut in this process, partition by partition (see
    :func:`open_units`).

    Raises
    ------
    CityPlannerError
        When a layer of the spec cannot be read or checked (one sentence naming the file); a
        problem of one unit only (no zone inside it) is kept as that unit's ``error``.
    """
    _, units = open_units(spec, big_layer_bytes=big_layer_bytes)
    return UnitPlan(list(units), *reaches(spec))


def reaches(spec: BatchSpec) -> tuple[float, float]:
    """How far around a unit its facilities and its streets are taken (metres)."""
    if spec.form == "projects":
        return 0.0, 0.0
    reach = reach_m()
    snap = AnalysisSettings(**{k: v for k, v in spec.settings.items() if k == "max_snap_m"}).max_snap_m
    return reach, reach + snap


def big_layer_limit() -> int:
    """Bytes of a layer's file above which it is read in partitions (:data:`BIG_LAYER_SHARE` of the
    memory available now)."""
    import psutil  # a dependency of distributed

    return int(psutil.virtual_memory().available * BIG_LAYER_SHARE)


def open_units(
    spec: BatchSpec,
    *,
    big_layer_bytes: int | None = None,
    cluster: Callable[[], Any] | None = None,
) -> tuple[int, Iterator[PlannedUnit]]:
    """Read the spec's layers now; the number of units, and the units cut one by one in spec order.

    A caller can start computing the first units while the next ones are cut.

    Parameters
    ----------
    spec : BatchSpec
    big_layer_bytes : int, optional
        A population-zone, facility or road layer whose file is larger is read in partitions and
        cut on the cluster (default :func:`big_layer_limit`).
    cluster : callable, optional
        Gives the ``distributed.Client`` that cuts the layers read in partitions (called only when
        there is one); without it they are cut here, partition after partition.

    Raises
    ------
    CityPlannerError
        As :func:`plan_units`, when reading (not later, while cutting).
    """
    common = _common_digest(spec)
    if spec.form == "projects":
        return len(spec.projects), (
            _project_unit(i, p, common, spec.proposal) for i, p in enumerate(spec.projects)
        )
    reach, roads_reach = reaches(spec)
    units = read_layer(spec.units.path, spec.units.layer).gdf
    units_label = describe_source(spec.units.path, spec.units.layer)
    if not (shapely.get_dimensions(units.geometry.to_numpy()) == 2).all():
        raise BatchError(f"{units_label}, the units of the batch, must hold polygons.")
    names = _unit_names(units, spec.name_field, units_label)

    limit = big_layer_limit() if big_layer_bytes is None else int(big_layer_bytes)
    zones = census = None
    zones_area = None
    chunked_zones: ChunkedLayer | None = None
    if spec.zones is not None and _is_big(spec.zones, limit):
        chunked_zones = ChunkedLayer.open("population.zones", spec.zones, limit)
    elif spec.zones is not None:
        zones = read_layer(spec.zones.path, spec.zones.layer).gdf
        label = describe_source(spec.zones.path, spec.zones.layer)
        if spec.population_field:
            census = check_population(zones, spec.population_field, label)
        zones_area = shapely.area(zones.geometry.to_crs(EQUAL_AREA_CRS).to_numpy())
    margins = {
        name: 0.0 if role in _INSIDE_ROLES else roads_reach if role == "roads" else reach
        for name in spec.layers
        for role in [guess_role(name)]
    }
    layers: dict[str, gpd.GeoDataFrame] = {}
    chunked: dict[str, ChunkedLayer] = {}
    for name, source in spec.layers.items():
        if _is_big(source, limit):
            chunked[name] = ChunkedLayer.open(name, source, limit)
        else:
            layers[name] = _read_checked(name, source)
    trees = {name: shapely.STRtree(gdf.geometry.to_numpy()) for name, gdf in layers.items()}
    zone_tree = shapely.STRtree(zones.geometry.to_numpy()) if zones is not None else None
    raster_id = _raster_identity(spec.raster) if spec.raster else None
    places = [_place(units.iloc[[i]], spec.crs) for i in range(len(names))]
    coarse = [{m: _coarse_area(metric, m) for m in set(margins.values())} for _, metric, _ in places]
    # Every partition of a big layer is read once and cut for all units, before the first unit.
    pieces = {
        name: layer.cut(
            _cut_partition,
            (
                [
                    (crs, metric, areas[margins[name]])
                    for (crs, metric, _), areas in zip(places, coarse, strict=True)
                ],
                margins[name],
            ),
            len(names),
            cluster,
        )
        for name, layer in chunked.items()
    }
    if chunked_zones is not None:
        outlines = [units.iloc[[i]] for i in range(len(names))]
        zone_pieces = chunked_zones.cut(
            _zones_of_partition, (outlines, spec.population_field, _label(spec.zones)), len(names), cluster
        )

    def cut() -> Iterator[PlannedUnit]:
        for i, name in enumerate(names):
            outline = units.iloc[[i]]
            unit_crs, metric, wgs84 = places[i]
            unit = PlannedUnit(index=i, name=name, geometry=wgs84, weight=float(shapely.area(metric)))
            unit_zones, unit_field = None, None
            if spec.zones is not None:
                if chunked_zones is not None:
                    unit_zones = chunked_zones.gather(zone_pieces[i])
                else:
                    unit_zones = _zones_inside(
                        outline, zones, zone_tree, census, zones_area, spec.population_field
                    )
                unit_field = spec.population_field
                if unit_zones is None and spec.raster is None:
                    unit.error = f"No population zone of {_label(spec.zones)} lies inside unit '{name}'."
                    yield unit
                    continue
            if unit_zones is None:
                # A raster alone (or no zone here): the unit is its one zone, with the raster's counts.
                unit_zones, unit_field = outline.reset_index(drop=True), None
            task_layers = {}
            for layer_name in spec.layers:
                if layer_name in chunked:
                    near = chunked[layer_name].gather(pieces[layer_name][i])
                else:
                    gdf = layers[layer_name]
                    margin = margins[layer_name]
                    near = _near(gdf, trees[layer_name], metric, coarse[i][margin], unit_crs, margin)
                if len(near):
                    task_layers[layer_name] = near
                else:
                    unit.absent.append(layer_name)
            zones_layer = spec.zones.layer if spec.zones is not None and spec.zones.layer else "zones"
            if zones_layer in task_layers:
                zones_layer = "population_zones"
            task = UnitTask(
                name=name,
                key="",
                zones=unit_zones,
                zones_layer=zones_layer,
                population_field=unit_field,
                layers=task_layers,
                raster=str(spec.raster) if spec.raster else None,
                dasymetric=spec.dasymetric if spec.dasymetric in task_layers else None,
                settings=dict(spec.settings),
                kpi_targets=dict(spec.kpi_targets),
                crs=spec.crs,
                proposal=spec.proposal,
            )
            task.key = unit_key(task, common, raster_id)
            unit.task = task
            yield unit

    return len(names), cut()


def _place(outline: gpd.GeoDataFrame, crs: str | None) -> tuple[CRS, shapely.Geometry, shapely.Geometry]:
    """A unit's metric CRS, its polygon there (prepared) and its polygon in WGS84."""
    unit_crs = CRS.from_user_input(crs) if crs else _utm_of(outline)
    metric = outline.to_crs(unit_crs).geometry.iloc[0]
    shapely.prepare(metric)
    return unit_crs, metric, outline.to_crs(4326).geometry.iloc[0]


# -- layers too large for memory -------------------------------------------------------------------
def _is_big(source: Source, limit: int) -> bool:
    """Whether ``source`` is read in partitions: its file is over ``limit`` bytes and of a format
    read by feature offset."""
    return source.path.suffix.lower() in _CHUNKED_SUFFIXES and source.path.stat().st_size > limit


@dataclass
class ChunkedLayer:
    """A layer read in partitions by dask-geopandas, never whole in one process."""

    name: str
    label: str
    frame: Any  # dask_geopandas.GeoDataFrame
    text_columns: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, name: str, source: Source, limit: int) -> ChunkedLayer:
        """The layer's partitions, of about ``limit`` bytes of its file (within :data:`MIN_PARTITION_BYTES`
        and :data:`PARTITION_BYTES`).

        Raises
        ------
        CityPlannerError
            When the file or layer cannot be read, has no CRS, or a road layer declares no lines.
        """
        import dask_geopandas
        import pyogrio

        label = _label(source)
        try:
            layer = source.layer
            if layer is None:
                names = pyogrio.list_layers(source.path)[:, 0]
                if len(names) != 1:
                    raise BatchError(f"File '{source.path}' has {len(names)} layers; name one as FILE:LAYER.")
            info = pyogrio.read_info(source.path, layer=layer)
            features = int(info["features"])
            size = source.path.stat().st_size
            part_bytes = min(max(limit, MIN_PARTITION_BYTES), PARTITION_BYTES)
            parts = max(1, min(features, math.ceil(size / part_bytes)))
            frame = dask_geopandas.read_file(str(source.path), layer=layer, npartitions=parts)
            # The text columns as the whole layer is read (through Arrow, as read_layer reads it).
            head = pyogrio.read_dataframe(source.path, layer=layer, max_features=1, use_arrow=True)
            text = {c: t for c, t in head.dtypes.items() if isinstance(t, pd.StringDtype)}
        except CityPlannerError:
            raise
        except Exception as err:  # any reader failure becomes one sentence
            raise BatchError(f"{label} cannot be read in partitions ({first_line(err)}).") from None
        if features == 0:
            raise BatchError(f"{label}, given as layer '{name}', has no features.")
        if frame.crs is None:
            raise BatchError(f"{label}, given as layer '{name}', has no coordinate reference system (CRS).")
        declared = str(info.get("geometry_type") or "")
        if guess_role(name) == "roads" and declared.removeprefix("Multi").startswith(("Point", "Polygon")):
            raise BatchError(
                f"{label}, given as layer '{name}', holds no lines; the road layer must hold street "
                "centre lines."
            )
        return cls(name, label, frame, text)

    def cut(self, cutter: Callable, args: tuple, n_units: int, cluster):
        """Start cutting every unit's features out of every partition; one handle per unit.

        ``cutter(partition, *args)`` gives a list of each unit's features of one partition
        (:func:`_cut_partition` for a facility or road layer, :func:`_zones_of_partition` for the
        population zones). With a cluster the partitions are read and cut on its workers and the
        handles are futures; otherwise they are cut here, one partition after the other.
        """
        import dask

        per_partition = [dask.delayed(cutter, pure=True)(part, *args) for part in self.frame.to_delayed()]
        per_unit = [
            dask.delayed(_join_pieces, pure=True)(per_partition, i, self.text_columns) for i in range(n_units)
        ]
        client = cluster() if cluster is not None else None
        if client is None:
            return list(dask.compute(*per_unit, scheduler="synchronous"))
        return client.compute(per_unit)

    def gather(self, handle) -> gpd.GeoDataFrame:
        """One unit's features (waiting for its future), as one sentence when they cannot be read."""
        if not hasattr(handle, "release"):  # computed here already
            return handle
        try:
            return handle.result()
        except CityPlannerError:
            raise
        except Exception as err:  # a reader failure on the worker
            raise BatchError(f"{self.label} cannot be read in partitions ({first_line(err)}).") from None
        finally:
            handle.release()


def _cut_partition(
    part: gpd.GeoDataFrame, places: list[tuple[CRS, shapely.Geometry, shapely.Geometry]], margin_m: float
) -> list[gpd.GeoDataFrame]:
    """Each unit's features of one partition (features without geometry dropped, as on reading)."""
    geoms = part.geometry.to_numpy()
    part = part[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))].reset_index(drop=True)
    tree = shapely.STRtree(part.geometry.to_numpy())
    for _, metric, _ in places:
        shapely.prepare(metric)  # preparation does not survive pickling
    return [_near(part, tree, metric, area, crs, margin_m) for crs, metric, area in places]


def _zones_of_partition(
    part: gpd.GeoDataFrame, outlines: list[gpd.GeoDataFrame], field: str | None, label: str
) -> list[gpd.GeoDataFrame | None]:
    """Each unit's population zones of one partition (:func:`_zones_inside`), or None.

    The partition's geometries are checked and repaired as :func:`~cityplanner.io.read_layer`
    does the whole layer, and its census field checked as the layer's.
    """
    from ..io import _clean_geometries  # read_layer's repairs, one partition at a time

    part = _clean_geometries(part, label, [])
    census = check_population(part, field, label) if field else None
    area = shapely.area(part.geometry.to_crs(EQUAL_AREA_CRS).to_numpy())
    tree = shapely.STRtree(part.geometry.to_numpy())
    return [_zones_inside(outline, part, tree, census, area, field) for outline in outlines]


def _join_pieces(
    per_partition: list[list[gpd.GeoDataFrame | None]], index: int, text_columns: dict[str, Any]
) -> gpd.GeoDataFrame | None:
    """Unit ``index``'s features from every partition, in the layer's order (None when a
    partition's cutter finds none and says so with None, as for zones).

    Text columns get the layer's text type: a partition read without Arrow keeps a column without
    any text as objects, so the unit's features (and its cache key) would depend on the partitions.
    """
    pieces = [cut[index] for cut in per_partition]
    found = [p for p in pieces if p is not None and len(p)]
    if not found and pieces[0] is None:
        return None
    joined = pieces[0] if not found else pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
    # A new frame: the pieces are other tasks' results, never changed in place.
    return joined.astype({c: t for c, t in text_columns.items() if c in joined and joined[c].dtype == object})


def first_line(err: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _label(source: Source) -> str:
    return describe_source(source.path, source.layer)


def _read_checked(name: str, source: Source) -> gpd.GeoDataFrame:
    """A layer of the spec, read once (checked and repaired as ``new`` reads it)."""
    gdf = read_layer(source.path, source.layer).gdf
    if guess_role(name) == "roads":
        parts = shapely.get_parts(gdf.geometry.to_numpy())
        if not (shapely.get_dimensions(parts) == 1).any():
            raise BatchError(
                f"{_label(source)}, given as layer '{name}', holds no lines; the road layer must hold "
                "street centre lines."
            )
    return gdf


def _unit_names(units: gpd.GeoDataFrame, name_field: str | None, label: str) -> list[str]:
    """One name per unit: the name field's text (made unique), or 'unit N'."""
    if name_field is None:
        raw = [f"unit {i + 1}" for i in range(len(units))]
    else:
        if name_field not in units.columns:
            fields = ", ".join(str(c) for c in units.columns if c != units.geometry.name)
            raise BatchError(f"{label} has no name field '{name_field}' (its fields: {fields}).")
        raw = [
            str(v).strip() if v is not None and str(v).strip() and not pd.isna(v) else f"unit {i + 1}"
            for i, v in enumerate(units[name_field].tolist())
        ]
    seen: dict[str, int] = {}
    names = []
    for name in raw:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _zones_inside(
    outline: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    census: np.ndarray | None,
    zones_area: np.ndarray,
    population_field: str | None,
) -> gpd.GeoDataFrame | None:
    """The population zones inside the unit (cut at its border, census shared by area), or None."""
    unit = outline.to_crs(zones.crs).geometry.iloc[0]
    candidates = tree.query(unit, predicate="intersects")
    if len(candidates) == 0:
        return None
    candidates.sort()
    geoms = zones.geometry.to_numpy()[candidates]
    whole = shapely.covered_by(geoms, unit)
    pieces = geoms.copy()
    share = np.ones(len(candidates))
    cut = ~whole
    if cut.any():
        pieces[cut] = _polygonal(shapely.intersection(geoms[cut], unit))
        piece_area = shapely.area(gpd.GeoSeries(pieces[cut], crs=zones.crs).to_crs(EQUAL_AREA_CRS).to_numpy())
        with np.errstate(invalid="ignore", divide="ignore"):
            share[cut] = np.where(
                zones_area[candidates[cut]] > 0, piece_area / zones_area[candidates[cut]], 0.0
            )
    keep = whole | (share > 0) & ~shapely.is_empty(pieces)
    if not keep.any():
        return None
    frame = zones.iloc[candidates[keep]].reset_index(drop=True)
    frame = frame.set_geometry(gpd.GeoSeries(pieces[keep], crs=zones.crs).to_numpy())
    if census is not None and population_field:
        frame[population_field] = census[candidates[keep]] * share[keep]
    return frame


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Only the polygonal parts (a cut can leave lines and points on a shared border)."""
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):  # only the zones the border crosses
        parts = shapely.get_parts(geom)
        parts = parts[(shapely.get_dimensions(parts) == 2) & ~shapely.is_empty(parts)]
        out[i] = (
            shapely.Polygon()
            if len(parts) == 0
            else parts[0]
            if len(parts) == 1
            else shapely.MultiPolygon(list(parts))
        )
    return out


def _utm_of(gdf: gpd.GeoDataFrame) -> CRS:
    """The WGS84 UTM zone of the centre of ``gdf``'s bounds (the cut's metric CRS)."""
    west, south, east, north = gdf.to_crs(4326).total_bounds
    lon, lat = (west + east) / 2.0, (south + north) / 2.0
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    return _crs(32600 + zone if lat >= 0 else 32700 + zone)


@functools.cache
def _crs(code: int) -> CRS:
    return CRS.from_epsg(code)


def _coarse_area(unit: shapely.Geometry, margin_m: float) -> shapely.Geometry:
    """A polygon holding every point within ``margin_m`` of ``unit``, cheap to build and test."""
    tolerance = max(margin_m * 0.02, 10.0)
    simple = shapely.simplify(unit, tolerance, preserve_topology=False)
    grown = shapely.buffer(simple, margin_m * _COARSE_SLACK + tolerance + _COARSE_SLACK_M, quad_segs=4)
    return shapely.segmentize(grown, max(margin_m, 1000.0))


def _near(
    gdf: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    unit: shapely.Geometry,
    coarse: shapely.Geometry,
    crs: CRS,
    margin_m: float,
) -> gpd.GeoDataFrame:
    """The features of ``gdf`` (any CRS) within ``margin_m`` of ``unit`` (in the metric ``crs``).

    A coarse pass on the layer's own index with the larger area ``coarse``, then the exact
    distance test in ``crs``.
    """
    area = gpd.GeoSeries([coarse], crs=crs).to_crs(gdf.crs).geometry.iloc[0]
    rows = tree.query(area, predicate="intersects")
    if len(rows) == 0:
        return gdf.iloc[:0]
    rows.sort()
    candidates = gdf.iloc[rows]
    metric = candidates.geometry.to_crs(crs).to_numpy()
    # The prepared unit first: GEOS uses its prepared form only there.
    inside = shapely.dwithin(unit, metric, margin_m) if margin_m > 0 else shapely.intersects(unit, metric)
    return candidates[inside].reset_index(drop=True)


# -- the projects form ---------------------------------------------------------------------------
def _project_unit(index: int, path: Path, common: str, proposal: dict | None) -> PlannedUnit:
    try:
        data = path.read_bytes()
    except OSError as err:
        return PlannedUnit(
            index, path.stem, None, error=f"The project {path} cannot be read ({err.strerror})."
        )
    key = hashlib.sha256(common.encode() + b"|project|" + path.stem.encode() + b"|" + data).hexdigest()
    task = UnitTask(name=path.stem, key=key, project_bytes=data, project_file=str(path), proposal=proposal)
    return PlannedUnit(index, path.stem, None, task=task, weight=float(len(data)))


# -- cache keys ----------------------------------------------------------------------------------
def _common_digest(spec: BatchSpec) -> str:
    """What every unit's figures depend on besides its own inputs: the catalogues, this code and
    the proposal asked for."""
    h = hashlib.sha256(f"cityplanner-batch|{CACHE_VERSION}".encode())
    if spec.proposal:
        h.update(json.dumps(spec.proposal, sort_keys=True).encode())
    for name in ("kpi_catalogue.yaml", "facility_types.yaml"):
        try:
            h.update(resource_path(name).read_bytes())
        except OSError as err:
            raise CityPlannerError(f"The shipped {name} cannot be read ({err.strerror}).") from None
    return h.hexdigest()


def _raster_identity(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def unit_key(task: UnitTask, common: str, raster_id: str | None) -> str:
    """A hash of everything the unit's figures are computed from (its cache key)."""
    h = hashlib.sha256(common.encode())
    record = {
        "name": task.name,
        "zones_layer": task.zones_layer,
        "population_field": task.population_field,
        "raster": raster_id,
        "dasymetric": task.dasymetric,
        "settings": task.settings,
        "kpi_targets": task.kpi_targets,
        "crs": task.crs,
        "layers": sorted(task.layers),
    }
    h.update(json.dumps(record, sort_keys=True, default=str).encode())
    if task.zones is not None:
        _digest_frame(h, task.zones)
    for name in sorted(task.layers):
        h.update(name.encode())
        _digest_frame(h, task.layers[name])
    return h.hexdigest()


def _digest_frame(h, gdf: gpd.GeoDataFrame) -> None:
    h.update(CRS.from_user_input(gdf.crs).to_wkt().encode() if gdf.crs is not None else b"no crs")
    h.update(json.dumps([[str(c), str(t)] for c, t in gdf.dtypes.items()]).encode())
    h.update(b"".join(shapely.to_wkb(gdf.geometry.to_numpy(), hex=False, output_dimension=2)))
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if attributes.shape[1]:
        try:
            h.update(pd.util.hash_pandas_object(attributes, index=False).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists): hash their text
            h.update(attributes.to_csv(index=False).encode())
