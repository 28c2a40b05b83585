"""Demand: where the people are, as zones with a population, under one of two demand models.

* ``"area"`` (the default for polygon zones): a zone's population is spread uniformly over it, so a
  zone half inside the covered region counts half its people as covered.
* ``"point"`` (the default for point layers such as buildings or grid points): a zone's whole
  population sits at its representative point (``shapely.point_on_surface``, always inside the
  zone), covered or not as a whole.

Coverage, accessibility and the KPIs all start from a :class:`Demand`, so they agree on who lives
where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from .errors import AnalysisError
from .io import check_population

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

DEMAND_MODELS = ("area", "point")
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


@dataclass(eq=False)
class Demand:
    """Zones with their population, in a metric CRS.

    Attributes
    ----------
    population : numpy.ndarray
        (n,) float64 persons per zone, all finite and >= 0, with a positive total.
    points : numpy.ndarray
        (n, 2) float64 representative point of each zone (inside the zone).
    area_m2 : numpy.ndarray
        (n,) float64 zone area (0 for point zones).
    model : str
        ``"area"`` or ``"point"``.
    source : str
        What the zones came from (file or layer name), for error messages.
    crs : pyproj.CRS or None
        The metric CRS of the coordinates.
    geometry : numpy.ndarray
        (n,) shapely geometries of the zones (points for :meth:`from_points`, created on first use
        because building a million shapely points costs more than a coverage run).
    """

    population: np.ndarray
    points: np.ndarray
    area_m2: np.ndarray
    model: str
    source: str = "zones"
    crs: CRS | None = None
    _geometry: np.ndarray | None = field(default=None, repr=False)

    @property
    def geometry(self) -> np.ndarray:
        return self._geometry if self._geometry is not None else self._point_geometry

    @cached_property
    def _point_geometry(self) -> np.ndarray:
        return shapely.points(self.points)

    @property
    def holds_geometry(self) -> bool:
        """Whether the demand came with geometries (zones, points) rather than coordinates only."""
        return self._geometry is not None

    def __len__(self) -> int:
        return len(self.population)

    @property
    def population_total(self) -> float:
        return float(self.population.sum())

    @cached_property
    def kdtree(self) -> cKDTree:
        """A k-d tree of the demand points, built once (pair searches after every placement)."""
        # Imported here: scipy.spatial takes about a second to import, and opening a project (which
        # reaches this module through surface.SURFACE_LAYER) needs no tree before the window shows.
        from scipy.spatial import cKDTree

        return cKDTree(self.points)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of all zones."""
        if self._geometry is None:
            xmin, ymin = self.points.min(axis=0)
            xmax, ymax = self.points.max(axis=0)
            return float(xmin), float(ymin), float(xmax), float(ymax)
        return tuple(float(v) for v in shapely.total_bounds(self._geometry))

    @classmethod
    def from_zones(
        cls,
        gdf: gpd.GeoDataFrame,
        population_field: str,
        model: str | None = None,
        source: str | None = None,
    ) -> Demand:
        """Demand from a zone layer and its population field.

        Parameters
        ----------
        gdf : geopandas.GeoDataFrame
            Zones (polygons) or demand points, in a metric (projected) CRS.
        population_field : str
            Column holding the persons per feature.
        model : {"area", "point"}, optional
            Demand model; by default ``"area"`` when every feature is a (multi)polygon, else
            ``"point"``.
        source : str, optional
            Name of the file or layer, used in error messages.

        Raises
        ------
        LayerLoadError
            The population field is missing, non-numeric, empty or negative.
        AnalysisError
            The CRS is geographic, a feature has no geometry, the total population is zero, or the
            area model is asked of non-polygon features.
        """
        name = source or "the zone layer"
        population = check_population(gdf, population_field, name)
        if gdf.crs is not None and CRS.from_user_input(gdf.crs).is_geographic:
            raise AnalysisError(
                f"{name} is in geographic coordinates (degrees); reproject it to a metric CRS first."
            )
        geometry = gdf.geometry.to_numpy()
        missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
        if missing.any():
            raise AnalysisError(f"{name} has {int(missing.sum())} feature(s) without a geometry.")
        polygonal = np.isin(shapely.get_type_id(geometry), _POLYGONAL)
        if model is None:
            model = "area" if polygonal.all() else "point"
        _check_model(model)
        if model == "area" and not polygonal.all():
            raise AnalysisError(
                f"{name} holds non-polygon features, which the area demand model cannot spread "
                "people over; use the point demand model."
            )
        points = shapely.get_coordinates(shapely.point_on_surface(geometry))
        demand = cls(
            population=population,
            points=points,
            area_m2=shapely.area(geometry),
            model=model,
            source=name,
            crs=CRS.from_user_input(gdf.crs) if gdf.crs is not None else None,
            _geometry=geometry,
        )
        _check_total(demand, f"field '{population_field}' of {name}")
        return demand

    @classmethod
    def from_points(
        cls, xy: np.ndarray, population: np.ndarray, crs: CRS | None = None, source: str = "demand points"
    ) -> Demand:
        """Point demand straight from coordinates (buildings, grid cells, synthetic cities).

        Parameters
        ----------
        xy : numpy.ndarray
            (n, 2) coordinates in a metric CRS.
        population : numpy.ndarray
            (n,) persons per point, finite and >= 0.
        """
        xy = np.ascontiguousarray(xy, dtype="float64").reshape(-1, 2)
        population = np.asarray(population, dtype="float64").reshape(-1)
        if len(population) != len(xy):
            raise AnalysisError(f"{source}: {len(xy)} points but {len(population)} population values.")
        if not (np.isfinite(population).all() and (population >= 0).all()):
            raise AnalysisError(f"{source} has missing or negative population values.")
        demand = cls(population, xy, np.zeros(len(xy)), "point", source, crs)
        _check_total(demand, source)
        return demand

    @classmethod
    def from_project(cls, project) -> Demand:
        """Demand of a :class:`~cityplanner.project.Project`: its zone layer and population field.

        The model comes from the project setting ``demand_model`` when present, else the default
        for the zone geometry.
        """
        model = project.setting("demand_model")
        return cls.from_zones(
            project.zones,
            project.population_field,
            model=str(model) if model else None,
            source=f"zone layer '{project.zones_layer}'",
        )


def _check_model(model: str) -> None:
    if model not in DEMAND_MODELS:
        raise AnalysisError(f"Unknown demand model '{model}'; use 'area' or 'point'.")


def _check_total(demand: Demand, what: str) -> None:
    if len(demand) == 0:
        raise AnalysisError(f"{what}: there are no zones.")
    if demand.population_total <= 0:
        raise AnalysisError(
            f"The total population in {what} is zero, so there is nobody to measure coverage or access for."
        )
