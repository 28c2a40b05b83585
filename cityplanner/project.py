"""The project model: layers, zones and population, facility types, scenarios and placements.

Plain dataclasses over GeoDataFrames; no Qt, no file IO (see :mod:`cityplanner.store`).
All geometries held by a :class:`Project` are in its metric working CRS
(:attr:`Project.crs`); each :class:`Layer` remembers the CRS it came in (``source_crs``) so it can
be shown or exported in it.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .errors import ProjectError

BASELINE = "Baseline"
# shapely's geometry type ids (shapely.get_type_id) and their names, as GeoSeries.geom_type gives them.
GEOMETRY_TYPE_NAMES = (
    "Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
    "GeometryCollection",
)  # fmt: skip


@dataclass
class Layer:
    """One vector layer of the project, already in the project's working CRS.

    Attributes
    ----------
    name : str
        Unique name within the project (e.g. ``"roads"``).
    gdf : geopandas.GeoDataFrame
        Features in the working CRS, 2D, valid geometries.
    source : str
        Path of the file it was read from ('' when generated).
    source_layer : str or None
        Layer name inside a multi-layer source.
    source_crs : str
        CRS of the source file (``"EPSG:4326"`` or WKT), for display in the original CRS.
    role : str or None
        What the layer is for: ``"zones"``, ``"roads"``, ``"hazard"``, ``"buildings"``, or the name
        of a facility type whose existing facilities it holds (``"bus_stop"``, ``"park"``...).
    notes : list of str
        What was repaired or changed on load (e.g. "repaired 3 invalid geometries").
    """

    name: str
    gdf: gpd.GeoDataFrame
    source: str = ""
    source_layer: str | None = None
    source_crs: str = ""
    role: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def geometry_type(self) -> str:
        """The one geometry type of the features (``"Polygon"``...), ``"Mixed"`` or ``"Empty"``."""
        # Type ids rather than GeoSeries.geom_type, which builds a Series of strings (the map and
        # the docks ask for it on every redraw of a layer).
        ids = shapely.get_type_id(self.gdf.geometry.to_numpy())
        types = np.unique(ids[ids >= 0])
        return GEOMETRY_TYPE_NAMES[types[0]] if len(types) == 1 else ("Empty" if len(types) == 0 else "Mixed")

    @property
    def feature_count(self) -> int:
        return int(len(self.gdf))


@dataclass
class FacilityType:
    """A kind of infrastructure a planner can place.

    ``layer`` names the project layer holding the existing facilities of this type (or None);
    ``capacity`` is in ``capacity_unit`` (beds, ports; 0 = no capacity) and ``unit_cost`` in the
    project's ``currency`` setting (USD in the shipped catalogue).

    ``capacity_field`` names the field of ``layer`` holding each existing facility's capacity
    (e.g. ``"beds"``); facilities with no usable value there (missing, not a number, negative)
    take ``capacity``, the type default. Without it a field named ``capacity`` is used when the
    layer has one, else every existing facility takes the type default (see
    :meth:`capacity_field_of`). ``area_per_point_m2`` is the area one point feature of this type
    stands for in area KPIs (a park drawn as a point); 0 means points have no area.
    """

    name: str
    label: str = ""
    icon: str = ""
    color: str = "#1f78b4"
    radius_m: float = 500.0
    capacity: float = 0.0
    unit_cost: float = 0.0
    layer: str | None = None
    label_vi: str = ""
    capacity_unit: str = ""
    capacity_field: str | None = None
    area_per_point_m2: float = 0.0

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.name.replace("_", " ").capitalize()

    def capacity_field_of(self, gdf: gpd.GeoDataFrame) -> str | None:
        """The field of ``gdf`` (this type's layer) capacities are read from, or None.

        ``capacity_field`` when the layer has it; with no ``capacity_field`` named, a field called
        ``capacity``; else None (every existing facility takes the type default).
        """
        if self.capacity_field:
            return self.capacity_field if self.capacity_field in gdf.columns else None
        return "capacity" if "capacity" in gdf.columns else None


@dataclass
class Placement:
    """A new facility placed in a scenario, at ``(x, y)`` in the project's working CRS."""

    type: str
    x: float
    y: float
    name: str = ""
    capacity: float | None = None
    source: str = "manual"  # "manual" or "optimiser"
    marginal_gain: float | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # Capital cost of this placement in the project's currency (a quotation); None: the facility
    # type's unit_cost (see cityplanner.cost).
    cost: float | None = None


@dataclass
class Scenario:
    """The baseline or a named plan: a set of placements on top of the existing facilities."""

    name: str
    description: str = ""
    placements: list[Placement] = field(default_factory=list)

    def placements_of(self, type_name: str) -> list[Placement]:
        return [p for p in self.placements if p.type == type_name]

    def find(self, placement_id: str) -> Placement:
        for p in self.placements:
            if p.id == placement_id:
                return p
        raise ProjectError(f"Scenario '{self.name}' has no placement with id {placement_id}.")


@dataclass
class Project:
    """Everything a plan consists of.

    Attributes
    ----------
    crs : pyproj.CRS
        Metric working CRS of every layer and placement.
    layers : dict
        Layers by name, in drawing order (first is drawn at the bottom).
    zones_layer, population_field : str
        The demand layer and its population column.
    priority : dict
        Zone row position (0-based, in ``layers[zones_layer].gdf``) -> priority tier 1..3.
    facility_types : dict
        Facility types by name.
    scenarios : dict
        Scenarios by name; the first is the baseline.
    kpi_targets : dict
        KPI id -> target value overriding the catalogue's default target.
    settings : dict
        Free key/value settings (``city``, ``plan_name``, ``author``, ``walk_speed_kmh``,
        ``max_snap_m``, ``distance_mode``, ``none_exist``...), plain strings and numbers only.
        ``none_exist`` is a comma-separated list of facility type names declared to have no
        existing facilities (see :attr:`none_exist`).
    """

    crs: CRS
    name: str = "Untitled plan"
    layers: dict[str, Layer] = field(default_factory=dict)
    zones_layer: str = ""
    population_field: str = ""
    priority: dict[int, int] = field(default_factory=dict)
    facility_types: dict[str, FacilityType] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=lambda: {BASELINE: Scenario(BASELINE)})
    kpi_targets: dict[str, float] = field(default_factory=dict)
    settings: dict[str, str | float] = field(default_factory=dict)

    # -- layers ---------------------------------------------------------------------------------
    def add_layer(self, layer: Layer) -> Layer:
        """Add ``layer`` (reprojected to the working CRS if needed) under a unique name."""
        gdf = layer.gdf
        if gdf.crs is None:
            raise ProjectError(f"Layer '{layer.name}' has no CRS and cannot be added to the project.")
        if not CRS.from_user_input(gdf.crs).equals(self.crs):
            if not layer.source_crs:
                layer.source_crs = CRS.from_user_input(gdf.crs).to_string()
            gdf = gdf.to_crs(self.crs)
        elif not layer.source_crs:
            layer.source_crs = self.crs.to_string()
        name = layer.name
        i = 2
        while name in self.layers:
            name = f"{layer.name}_{i}"
            i += 1
        layer.name = name
        layer.gdf = gdf
        self.layers[name] = layer
        return layer

    def layer(self, name: str) -> Layer:
        try:
            return self.layers[name]
        except KeyError:
            raise ProjectError(f"The project has no layer named '{name}'.") from None

    def layer_with_role(self, role: str) -> Layer | None:
        for lyr in self.layers.values():
            if lyr.role == role:
                return lyr
        return None

    @property
    def distance_mode(self) -> str:
        """``"network"`` when the project has a road layer and no Euclidean override, else ``"euclidean"``.

        KPIs, siting proposals and the app all measure this way unless told otherwise.
        """
        if str(self.setting("distance_mode", "")).lower() == "euclidean":
            return "euclidean"
        return "network" if self.layer_with_role("roads") is not None else "euclidean"

    @property
    def zones(self) -> gpd.GeoDataFrame:
        """The zone layer's features (working CRS)."""
        if not self.zones_layer:
            raise ProjectError("The project has no zone layer; choose one with its population field.")
        return self.layer(self.zones_layer).gdf

    @property
    def population(self) -> np.ndarray:
        """Population per zone as float64 (validated when the zone layer was set)."""
        return self.zones[self.population_field].to_numpy(dtype="float64")

    # -- scenarios ------------------------------------------------------------------------------
    @property
    def baseline(self) -> Scenario:
        return next(iter(self.scenarios.values()))

    def scenario(self, name: str | None = None) -> Scenario:
        if name is None:
            return self.baseline
        try:
            return self.scenarios[name]
        except KeyError:
            known = ", ".join(self.scenarios)
            raise ProjectError(f"The project has no scenario named '{name}' (it has: {known}).") from None

    def add_scenario(self, name: str, copy_from: str | None = None, description: str = "") -> Scenario:
        if not name.strip():
            raise ProjectError("A scenario needs a name.")
        if name in self.scenarios:
            raise ProjectError(f"A scenario named '{name}' already exists.")
        placements: list[Placement] = []
        if copy_from is not None:
            placements = [_clone(p) for p in self.scenario(copy_from).placements]
        sc = Scenario(name, description, placements)
        self.scenarios[name] = sc
        return sc

    def rename_scenario(self, old: str, new: str) -> None:
        if new in self.scenarios and new != old:
            raise ProjectError(f"A scenario named '{new}' already exists.")
        sc = self.scenario(old)
        sc.name = new
        self.scenarios = {(new if k == old else k): v for k, v in self.scenarios.items()}

    def remove_scenario(self, name: str) -> None:
        if name == self.baseline.name:
            raise ProjectError("The baseline scenario cannot be deleted.")
        self.scenario(name)
        del self.scenarios[name]

    # -- facilities -----------------------------------------------------------------------------
    def facility_type(self, name: str) -> FacilityType:
        try:
            return self.facility_types[name]
        except KeyError:
            known = ", ".join(self.facility_types) or "none"
            raise ProjectError(f"Unknown facility type '{name}' (the project has: {known}).") from None

    def existing_facilities(self, type_name: str) -> gpd.GeoDataFrame:
        """Existing facilities of a type (from its layer), empty if the type has no layer."""
        ft = self.facility_type(type_name)
        if ft.layer and ft.layer in self.layers:
            return self.layers[ft.layer].gdf
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=self.crs), crs=self.crs)

    def has_existing_layer(self, type_name: str) -> bool:
        """Whether the type names a layer of existing facilities that the project holds."""
        ft = self.facility_type(type_name)
        return bool(ft.layer) and ft.layer in self.layers

    @property
    def none_exist(self) -> set[str]:
        """Facility types declared to have no existing facilities (the ``none_exist`` setting).

        For such a type without a layer, KPIs count a true 0 existing facilities; for any other
        type without a layer they are n/a (nobody said how many exist).
        """
        raw = str(self.settings.get("none_exist", "") or "")
        return {name.strip() for name in raw.split(",") if name.strip()}

    def declare_none_exist(self, type_name: str, declared: bool = True) -> None:
        """Declare (or withdraw the declaration) that ``type_name`` has no existing facilities."""
        raw = str(self.settings.get("none_exist", "") or "")
        names = [name.strip() for name in raw.split(",") if name.strip()]
        names = [name for name in names if name != type_name] + ([type_name] if declared else [])
        if names:
            self.settings["none_exist"] = ", ".join(names)
        else:
            self.settings.pop("none_exist", None)

    def facilities(self, type_name: str, scenario: str | None = None) -> gpd.GeoDataFrame:
        """Existing facilities of ``type_name`` plus the scenario's placements of that type.

        Returns a GeoDataFrame with columns ``geometry``, ``capacity`` (float, NaN if unknown),
        ``capacity_from`` (``"field"``: the layer's capacity field, ``"default"``: the type's
        capacity, ``"placement"``: the placement's own) and ``placement_id`` ('' for existing
        facilities); existing rows come first. The map needs only the geometries:
        :meth:`facility_points` gives them without building the frame.
        """
        ft = self.facility_type(type_name)
        existing = self.existing_facilities(type_name)
        placed = self.scenario(scenario).placements_of(type_name)
        default = ft.capacity if ft.capacity and ft.capacity > 0 else np.nan
        capacity = np.full(len(existing), default, dtype=float)
        origin = np.full(len(existing), "default", dtype=object)
        field_name = ft.capacity_field_of(existing)
        if field_name is not None:
            values = pd.to_numeric(existing[field_name], errors="coerce").to_numpy(dtype=float)
            given = np.isfinite(values) & (values >= 0)
            capacity = np.where(given, values, capacity)
            origin[given] = "field"
        own = np.array([p.capacity is not None for p in placed], dtype=bool)
        origin = np.concatenate([origin, np.where(own, "placement", "default")]).astype(object)
        # One frame for both (concatenating an existing and a placed frame took several times longer).
        return gpd.GeoDataFrame(
            {
                "capacity": np.concatenate(
                    [capacity, [float(p.capacity) if p.capacity is not None else default for p in placed]]
                ),
                "capacity_from": origin,
                "placement_id": [""] * len(existing) + [p.id for p in placed],
            },
            geometry=self.facility_points(type_name, scenario),
            crs=self.crs,
        )

    def facility_points(self, type_name: str, scenario: str | None = None) -> np.ndarray:
        """The geometries of :meth:`facilities` (existing first, then the scenario's placements of
        the type as points), without building its frame: what the map draws."""
        existing = self.existing_facilities(type_name).geometry.to_numpy()
        placed = self.scenario(scenario).placements_of(type_name)
        if not placed:
            return existing
        xy = np.array([(p.x, p.y) for p in placed], dtype=float)
        return np.concatenate([existing, shapely.points(xy)])

    # -- settings -------------------------------------------------------------------------------
    def setting(self, key: str, default: str | float | None = None) -> str | float | None:
        return self.settings.get(key, default)


def _clone(p: Placement) -> Placement:
    q = copy.copy(p)
    q.id = uuid.uuid4().hex[:12]
    return q
