"""Demand models from zone layers: defaults, representative points, validation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from cityplanner.demand import Demand
from cityplanner.errors import AnalysisError, LayerLoadError

UTM = "EPSG:32648"


def _zones(pop, geoms=None):
    geoms = (
        geoms if geoms is not None else [shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(len(pop))]
    )
    return gpd.GeoDataFrame({"pop": pop}, geometry=geoms, crs=UTM)


def test_polygons_default_to_area_model_with_inside_points():
    # An L-shaped zone: its centroid lies outside it, its representative point must not.
    ell = shapely.Polygon([(0, 0), (100, 0), (100, 10), (10, 10), (10, 100), (0, 100)])
    demand = Demand.from_zones(_zones([5.0, 7.0], [ell, shapely.box(200, 0, 300, 100)]), "pop")
    assert demand.model == "area"
    np.testing.assert_allclose(demand.area_m2, [1900.0, 10_000.0])
    np.testing.assert_array_equal(demand.population, [5.0, 7.0])
    assert shapely.contains(ell, shapely.points(demand.points[0]))
    assert demand.population_total == 12.0


def test_points_default_to_point_model():
    gdf = gpd.GeoDataFrame({"pop": [3, 4]}, geometry=shapely.points([[0, 0], [10, 5]]), crs=UTM)
    demand = Demand.from_zones(gdf, "pop")
    assert demand.model == "point"
    np.testing.assert_array_equal(demand.points, [[0, 0], [10, 5]])
    np.testing.assert_array_equal(demand.area_m2, [0, 0])


def test_polygons_may_use_point_model():
    demand = Demand.from_zones(_zones([1.0, 2.0]), "pop", model="point")
    assert demand.model == "point"
    np.testing.assert_allclose(demand.points, [[50, 50], [150, 50]])


def test_area_model_refuses_points():
    gdf = gpd.GeoDataFrame({"pop": [3]}, geometry=shapely.points([[0, 0]]), crs=UTM)
    with pytest.raises(AnalysisError, match="point demand model"):
        Demand.from_zones(gdf, "pop", model="area", source="'bld.gpkg'")


def test_unknown_model():
    with pytest.raises(AnalysisError, match="Unknown demand model 'grid'"):
        Demand.from_zones(_zones([1.0]), "pop", model="grid")


def test_zero_population_is_an_error():
    with pytest.raises(AnalysisError, match=r"total population in field 'pop' of 'wards.gpkg' is zero"):
        Demand.from_zones(_zones([0.0, 0.0]), "pop", source="'wards.gpkg'")
    with pytest.raises(AnalysisError, match="zero"):
        Demand.from_points(np.zeros((3, 2)), np.zeros(3))


def test_bad_population_field_names_the_file():
    with pytest.raises(LayerLoadError, match="'wards.gpkg' has no population field 'people'"):
        Demand.from_zones(_zones([1.0]), "people", source="'wards.gpkg'")
    with pytest.raises(LayerLoadError, match="negative"):
        Demand.from_zones(_zones([1.0, -2.0]), "pop", source="'wards.gpkg'")


def test_geographic_crs_and_missing_geometry_are_errors():
    with pytest.raises(AnalysisError, match="geographic"):
        Demand.from_zones(_zones([1.0]).to_crs(4326), "pop")
    with pytest.raises(AnalysisError, match="1 feature"):
        Demand.from_zones(_zones([1.0, 2.0], [shapely.box(0, 0, 1, 1), None]), "pop")


def test_from_points_builds_geometry_lazily():
    demand = Demand.from_points([[1.0, 2.0], [3.0, 4.0]], [1, 2])
    assert demand.bounds == (1.0, 2.0, 3.0, 4.0)
    assert shapely.equals(demand.geometry[1], shapely.Point(3, 4))


def test_from_project(hcmc_gpkg):
    from cityplanner.project import Layer, Project

    wards = gpd.read_file(hcmc_gpkg, layer="wards_pop2021").to_crs(UTM)
    project = Project(crs=wards.crs, zones_layer="wards", population_field="Pop_2021")
    project.add_layer(Layer("wards", wards, role="zones"))
    demand = Demand.from_project(project)
    assert demand.model == "area" and len(demand) == 40
    assert demand.population_total == pytest.approx(wards["Pop_2021"].sum())
    project.settings["demand_model"] = "point"
    assert Demand.from_project(project).model == "point"
