"""Assemble a project from files: zones with their population, context and facility layers.

Roles are guessed from layer names (``roads`` -> street network, ``bus_stops`` -> existing bus
stops...) and each default facility type is linked to the layer holding its existing facilities.
A failed read or check raises before anything is added, so a project is never left half-changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError

from .errors import CityPlannerError, LayerLoadError, ProjectError
from .facility_types import load_catalogue
from .io import check_population, describe_source, layer_name_from, parse_source, read_layer, working_crs_for
from .progress import Progress, report
from .project import Layer, Project
from .settings import AnalysisSettings

# Written into a new project so a planner sees (and QGIS shows) the values in force.
DEFAULT_SETTINGS = {
    "walk_speed_kmh": AnalysisSettings().walk_speed_kmh,
    "max_snap_m": AnalysisSettings().max_snap_m,
}

# Role guessed from words in a layer name, first match wins (names are lower-cased and split on
# anything that is not a letter or digit, so "Bus-Stops" and "bus_stops" both match).
ROLE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("bus_stop", r"\bbus ?stops?\b"),
    ("roads", r"\b(roads?|streets?)\b"),
    ("school", r"\b(schools?|education)\b"),
    ("clinic", r"\b(health|clinics?|hospitals?|medical)\b"),
    ("park", r"\b(parks?|green|open ?space)\b"),
    ("hazard", r"\b(hazards?|floods?|flooding)\b"),
    ("buildings", r"\bbuildings?\b"),
    ("wifi", r"\b(wifi|wi fi|hotspots?)\b"),
    ("cctv", r"\bcctv\b"),
    ("ev_charger", r"\b(ev|chargers?|ev ?chargers?)\b"),
    ("small_cell", r"\b(small ?cells?|5g)\b"),
    ("iot_sensor", r"\b(sensors?|iot)\b"),
)


def guess_role(name: str) -> str | None:
    """The role a layer name suggests (``"roads"``, ``"bus_stop"``, ``"hazard"``...), or None."""
    words = " ".join(re.split(r"[^0-9a-z]+", name.lower())).strip()
    return next((role for role, pattern in ROLE_PATTERNS if re.search(pattern, words)), None)


def parse_crs(value, what: str) -> CRS:
    """A CRS from user input (``"32648"``, ``"EPSG:32648"``, WKT...); ``what`` names it in errors."""
    text = str(value).strip()
    try:
        return CRS.from_user_input(int(text) if text.isdigit() else text)
    except CRSError as err:
        raise ProjectError(
            f"'{value}' given as {what} is not a known CRS (try an EPSG code such as 32648)."
        ) from err


# Largest scale error of a working CRS at the centre of the data: beyond it every length, radius
# and area (so every coverage and density KPI) is off by more than a planner would read into it.
MAX_SCALE_ERROR = 0.005


def _in_metres(crs: CRS) -> bool:
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    return bool(crs.is_projected) and unit in ("metre", "meter")


def _crs_name(crs: CRS) -> str:
    code = crs.to_string()
    return code if crs.name in ("", "unknown", "unnamed") else f"{code} ({crs.name})"


def _lonlat_centre(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    """Longitude and latitude of the centre of ``gdf``'s bounds."""
    to_lonlat = Transformer.from_crs(gdf.crs, "EPSG:4326", always_xy=True)
    west, south, east, north = to_lonlat.transform_bounds(*gdf.total_bounds)
    lon = (west + east) / 2 if west <= east else (west + east + 360) / 2 % 360 - 180  # antimeridian
    return float(lon), float((south + north) / 2)


def check_working_crs(crs: CRS, zones: gpd.GeoDataFrame | None) -> None:
    """Refuse a working CRS that is not projected in metres, or whose scale at the centre of the
    ``zones`` (any CRS) is off by more than 0.5 % in any direction (pyproj's Tissot factors).

    The sentence names the CRS and proposes the UTM zone of the zones (a generic one when
    ``zones`` is None: the zones could not be read).
    """
    utm = None
    if zones is not None and zones.crs is not None and len(zones):
        try:
            utm = working_crs_for(zones)
        except LayerLoadError:
            utm = None
    zone = "a UTM zone such as EPSG:32648" if utm is None else f"the UTM zone of the zones, {_crs_name(utm)}"
    proposal = f"use {zone}, or leave the working CRS out to pick it automatically"
    if not _in_metres(crs):
        raise ProjectError(f"The working CRS {_crs_name(crs)} is not a projected CRS in metres; {proposal}.")
    if utm is None:
        return
    lon, lat = _lonlat_centre(zones)
    f = Proj(crs).get_factors(lon, lat)
    scales = np.array([f.meridional_scale, f.parallel_scale, f.tissot_semimajor, f.tissot_semiminor])
    ns, ew = "N" if lat >= 0 else "S", "E" if lon >= 0 else "W"
    where = f"at the centre of the zones ({abs(lat):.2f} {ns}, {abs(lon):.2f} {ew})"
    if not np.isfinite(scales).all():
        raise ProjectError(f"The working CRS {_crs_name(crs)} cannot represent the data {where}; {proposal}.")
    error = float(scales[np.argmax(np.abs(scales - 1.0))] - 1.0)
    if abs(error) > MAX_SCALE_ERROR:
        raise ProjectError(
            f"The working CRS {_crs_name(crs)} {'stretches' if error > 0 else 'shrinks'} distances by "
            f"{100 * abs(error):.1f} % {where}, more than the {100 * MAX_SCALE_ERROR:g} % the figures "
            f"allow; {proposal}."
        )


# Zones may overlap by at most this share of the smaller zone's area (digitising slivers); more
# means people counted twice, as with a district polygon over its own wards.
MAX_ZONE_OVERLAP = 0.01
_NAME_COLUMN = re.compile(r"name|^t[eê]n($|_)", re.IGNORECASE)


def zone_overlaps(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of polygons that share area: rows ``i < j`` and the area they share.

    Vectorised: an STRtree query with the 'intersects' predicate finds the candidate pairs, pairs
    that only touch (neighbours sharing an edge) are dropped, and ``shapely.area`` of the
    intersections of the rest measures them.
    """
    geoms = np.asarray(geoms)
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    inside = ~shapely.touches(geoms[i], geoms[j])
    i, j = i[inside], j[inside]
    shared = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    some = shared > 0
    return i[some], j[some], shared[some]


def _zone_label(gdf: gpd.GeoDataFrame, row: int) -> str:
    """``'Ward 2' (feature 7)``: the first name-like field with a value, and the 1-based feature number."""
    for column in gdf.columns:
        if column != gdf.geometry.name and _NAME_COLUMN.search(str(column)):
            value = gdf[column].iloc[row]
            if isinstance(value, str) and value.strip():
                return f"'{value.strip()}' (feature {row + 1})"
    return f"feature {row + 1}"


def check_zone_overlap(
    zones: gpd.GeoDataFrame, label: str, population_field: str | None = None, allow: bool = False
) -> str | None:
    """Refuse polygon zones overlapping by more than ``MAX_ZONE_OVERLAP`` (1 %) of the smaller
    zone's area, naming the two that overlap most; with ``allow``, return a note stating the double
    count instead (None when nothing overlaps that much).

    ``zones`` must be in a metric CRS. The double count is, over every overlapping pair, the
    smaller zone's people in the shared area at its average density.
    """
    geoms = np.asarray(zones.geometry.values)
    polygonal = shapely.get_dimensions(geoms) == 2
    if polygonal.sum() < 2:
        return None
    i, j, shared = zone_overlaps(np.where(polygonal, geoms, None))
    area = shapely.area(geoms)
    small = np.where(area[i] <= area[j], i, j)
    share = shared / np.maximum(area[small], 1e-12)
    over = share > MAX_ZONE_OVERLAP
    if not over.any():
        return None
    worst = np.lexsort((-shared[over], -share[over]))[0]
    a, b = int(i[over][worst]), int(j[over][worst])
    pairs = int(over.sum())
    which = (
        f"{pairs} pair{'s' if pairs != 1 else ''} of zones share{'s' if pairs == 1 else ''} more than "
        f"{100 * MAX_ZONE_OVERLAP:g} % of the smaller zone's area, such as {_zone_label(zones, a)} and "
        f"{_zone_label(zones, b)}, {100 * share[over][worst]:.3g} % of the smaller one"
    )
    if not allow:
        raise LayerLoadError(
            f"{label} has zones that overlap, so people in both would be counted twice: {which}; give "
            "zones that do not overlap (wards or districts, not both) or pass --allow-overlap to accept it."
        )
    if population_field and population_field in zones.columns:
        people = pd.to_numeric(zones[population_field], errors="coerce").to_numpy(dtype=np.float64)
        twice = float(np.nansum(people[small] * share))
        return f"Zones overlap: {which}; about {twice:,.0f} people are counted twice."
    return f"Zones overlap: {which}; the people of the {shared.sum() / 1e6:,.2f} km2 shared count twice."


def _to_working_crs(lyr: Layer, crs: CRS) -> Layer:
    """Reproject ``lyr`` in place, refusing coordinates the working CRS cannot represent."""
    lyr.source_crs = lyr.source_crs or CRS.from_user_input(lyr.gdf.crs).to_string()
    lyr.gdf = lyr.gdf.to_crs(crs)
    if not np.isfinite(lyr.gdf.total_bounds).all():
        path, source_layer = Path(lyr.source), lyr.source_layer
        raise LayerLoadError(
            f"{describe_source(path, source_layer)} cannot be projected to the working CRS "
            f"{crs.to_string()} (it lies outside the area that CRS covers)."
        )
    return lyr


def read_spec(spec: str | os.PathLike, source_crs=None, encoding: str | None = None) -> Layer:
    """Read a ``FILE[:LAYER]`` spec into a checked :class:`Layer` in its source CRS."""
    path, layer = parse_source(spec)
    if source_crs is not None and not isinstance(source_crs, CRS):
        source_crs = parse_crs(source_crs, f"the source CRS of '{path}'")
    return read_layer(path, layer, crs=source_crs, encoding=encoding)


def create_project(
    zones: str | os.PathLike,
    population_field: str | None,
    layers: Mapping[str, str | os.PathLike] | None = None,
    crs=None,
    source_crs=None,
    name: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    allow_overlap: bool = False,
) -> Project:
    """Build a new project from a zone file, its population field and optional other layers.

    Parameters
    ----------
    zones : str or path-like
        ``FILE[:LAYER]`` of the demand zones (polygons, or points for point demand).
    population_field : str or None
        Column of the zones holding the population (numbers >= 0, none empty); None when the
        population comes from a raster alone (:func:`cityplanner.surface.set_project_surface`
        with ``use_census=False``).
    layers : mapping, optional
        Layer name -> ``FILE[:LAYER]``; roles are guessed from the names (see :func:`guess_role`).
    crs : optional
        Working CRS (projected, metres, scale within 0.5 % at the zones' centre: see
        :func:`check_working_crs`); default the UTM zone of the zones' centre.
    source_crs : optional
        CRS assigned to any file that has none; default ``crs`` when that is given (a file without a
        CRS is then taken to be in the working CRS, as QGIS assigns the project CRS).
    name : str, optional
        Plan and city name; default the zone file's name.
    progress : Progress, optional
        Reports each layer read; cancellable.
    encoding : str, optional
        Text encoding of every input file's attributes, overriding .cpg files and the detection
        (see :func:`cityplanner.io.read_layer`).
    allow_overlap : bool
        Accept zones that overlap by more than 1 % of the smaller one's area (refused otherwise,
        see :func:`check_zone_overlap`); the double count is then stated in
        ``settings["zone_overlap_note"]``.

    Returns
    -------
    Project
        With the zones layer (role ``"zones"``, population as float64), the other layers, the default
        facility types linked to the layers holding their existing facilities, and default settings.

    Raises
    ------
    LayerLoadError, ProjectError
        One sentence naming the file and the problem.
    """
    layers = dict(layers or {})
    total = 1 + len(layers)
    if source_crs is not None:
        source_crs = parse_crs(source_crs, "the source CRS")
    working = parse_crs(crs, "the working CRS") if crs is not None else None
    if source_crs is None and working is not None and _in_metres(working):
        source_crs = working

    report(progress, 0.0, "Reading zones")
    try:
        zone_layer = read_spec(zones, source_crs, encoding)
    except CityPlannerError:
        if working is not None and not _in_metres(working):
            check_working_crs(working, None)  # the CRS is wrong whatever the zones hold
        raise
    if working is not None:
        check_working_crs(working, zone_layer.gdf)
    zone_path, zone_source_layer = parse_source(zones)
    label = describe_source(zone_path, zone_source_layer)
    dimension = zone_layer.gdf.geometry.iloc[0].geom_type
    if "LineString" in dimension:
        raise LayerLoadError(f"{label} holds lines; zones must be polygons (areas) or points.")
    if population_field:
        zone_layer.gdf[population_field] = check_population(zone_layer.gdf, population_field, label)
    zone_layer.role = "zones"
    metric_zones = zone_layer.gdf.to_crs(working or working_crs_for(zone_layer.gdf))
    overlap_note = check_zone_overlap(metric_zones, label, population_field, allow_overlap)

    others: list[Layer] = []
    for i, (layer_name, spec) in enumerate(layers.items(), start=1):
        report(progress, i / total, f"Reading {layer_name}")
        lyr = read_spec(spec, source_crs, encoding)
        lyr.name = layer_name
        lyr.role = guess_role(layer_name)
        _check_role_geometry(lyr, describe_source(*parse_source(spec)))
        others.append(lyr)

    title = name or layer_name_from(zone_path).replace("_", " ")
    project = Project(crs=working or working_crs_for(zone_layer.gdf), name=title)
    project.zones_layer = project.add_layer(_to_working_crs(zone_layer, project.crs)).name
    project.population_field = population_field or ""
    for lyr in others:
        project.add_layer(_to_working_crs(lyr, project.crs))
    types, currency = load_catalogue()
    project.facility_types = {ft.name: ft for ft in types}
    link_facility_layers(project)
    project.settings = {"city": title, "currency": currency, **DEFAULT_SETTINGS}
    if overlap_note:
        project.settings["zone_overlap_note"] = overlap_note
    report(progress, 1.0, "Project assembled")
    return project


def _has_lines(lyr: Layer) -> bool:
    parts = shapely.get_parts(np.asarray(lyr.gdf.geometry.values))
    return bool(np.any((shapely.get_dimensions(parts) == 1) & ~shapely.is_empty(parts)))


def _check_role_geometry(lyr: Layer, label: str) -> None:
    """A layer named as the streets must hold lines: the walking network is built from them."""
    if lyr.role == "roads" and not _has_lines(lyr):
        raise LayerLoadError(
            f"{label}, given as layer '{lyr.name}', holds no lines ({lyr.geometry_type}); the road "
            "layer must hold street centre lines."
        )


def link_facility_layers(project: Project) -> None:
    """Point each facility type without a layer at the first layer whose role is that type."""
    for ft in project.facility_types.values():
        if ft.layer is None:
            match = project.layer_with_role(ft.name)
            ft.layer = match.name if match is not None else None


def add_layer_from_file(
    project: Project,
    spec: str | os.PathLike,
    name: str | None = None,
    role: str | None = None,
    source_crs=None,
    encoding: str | None = None,
) -> Layer:
    """Read ``FILE[:LAYER]`` and add it to ``project``; on any error the project is untouched.

    The role defaults to the one guessed from the name; a facility type without existing
    facilities is linked to the new layer when the role is that type.
    """
    lyr = read_spec(spec, source_crs, encoding)
    path, source_layer = parse_source(spec)
    lyr.name = name or layer_name_from(Path(path), source_layer)
    lyr.role = role or guess_role(lyr.name)
    if role is None and lyr.role == "roads" and not _has_lines(lyr):
        lyr.role = None  # only the name suggested streets
    _check_role_geometry(lyr, describe_source(path, source_layer))
    # Reproject before touching the project so a failure leaves it as it was.
    added = project.add_layer(_to_working_crs(lyr, project.crs))
    link_facility_layers(project)
    return added
