"""Area and street-length coverage KPIs against a plain overlay (one union of every service disc).

The evaluator unions, per zone, only the discs that reach it and sums the zones for the city;
the street KPI unions only the discs that reach a major street. Both must give what the plain
overlay gives: the city and every zone intersected with the union of all discs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from cityplanner import coverage, kpi
from cityplanner.project import FacilityType, Layer, Project

CRS_UTM48 = CRS.from_epsg(32648)
SIDE_M = 3_000.0
RTOL = 1e-9


def _layer(name: str, geoms, role: str, **columns) -> Layer:
    return Layer(name, gpd.GeoDataFrame(columns, geometry=list(geoms), crs=CRS_UTM48), role=role)


def _zones(rng: np.random.Generator, n: int) -> list:
    """Voronoi cells of random seeds clipped to the city square: they tile it."""
    square = shapely.box(0.0, 0.0, SIDE_M, SIDE_M)
    seeds = shapely.multipoints(rng.uniform(0.0, SIDE_M, (n, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square))
    return list(shapely.intersection(cells, square))


def _project(seed: int, extra_zones: list | None = None) -> Project:
    rng = np.random.default_rng(seed)
    zones = _zones(rng, 25) + (extra_zones or [])
    project = Project(crs=CRS_UTM48, name="Generated city", settings={"distance_mode": "euclidean"})
    project.add_layer(_layer("zones", zones, "zones", pop=rng.uniform(100.0, 1_000.0, len(zones))))
    project.zones_layer, project.population_field = "zones", "pop"
    # Facilities near and beyond the edge, some sharing a position (coincident discs).
    cells = rng.uniform(-300.0, SIDE_M + 300.0, (120, 2))
    cells[-10:] = cells[:10]
    cameras = rng.uniform(0.0, SIDE_M, (60, 2))
    # Major streets crossing the city (some leaving it) and minor ones that must not count.
    ends = rng.uniform(-500.0, SIDE_M + 500.0, (30, 2, 2))
    roads = shapely.linestrings(ends)
    kinds = np.where(np.arange(30) % 3 == 0, "residential", "primary")
    # Parks: rectangles, some overlapping, some across zone borders or the city's edge.
    corner = rng.uniform(-200.0, SIDE_M, (80, 2))
    parks = shapely.box(*corner.T, *(corner + rng.uniform(30.0, 400.0, (80, 2))).T)
    for name, geoms, role in (
        ("cells", shapely.points(cells), "small_cell"),
        ("cameras", shapely.points(cameras), "cctv"),
        ("parks", parks, "park"),
    ):
        project.add_layer(_layer(name, geoms, role))
        project.facility_types[role] = FacilityType(role, layer=name)
    project.add_layer(_layer("roads", roads, "roads", highway=list(kinds)))
    return project


def _plain_discs(project: Project, role: str, radius_m: float) -> shapely.Geometry:
    points = project.layers[project.facility_types[role].layer].gdf.geometry.to_numpy()
    return shapely.union_all(shapely.buffer(points, radius_m, quad_segs=coverage.QUAD_SEGS))


def _check_area(project: Project) -> None:
    evaluator = kpi.Evaluator(project)
    zones = project.zones.geometry.to_numpy()
    region = _plain_discs(project, "small_cell", 250.0)
    city = shapely.union_all(zones)
    expected = 100.0 * shapely.area(shapely.intersection(city, region)) / shapely.area(city)
    expected_zones = 100.0 * shapely.area(shapely.intersection(zones, region)) / shapely.area(zones)
    assert evaluator.evaluate_kpi("broadband_area_250m").value == pytest.approx(expected, rel=RTOL)
    got = evaluator.zone_metrics("broadband_area_250m")["value"].to_numpy()
    np.testing.assert_allclose(got, expected_zones, rtol=RTOL, atol=1e-12)
    assert 5.0 < expected < 95.0  # the fixture covers the city partly


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_area_within_equals_the_plain_overlay_on_zones_that_tile_the_city(seed):
    _check_area(_project(seed))


def test_area_within_equals_the_plain_overlay_when_zones_overlap():
    # A district drawn over its wards: the zones' sum overcounts, so the city is intersected whole.
    _check_area(_project(4, extra_zones=[shapely.box(500.0, 500.0, 1_700.0, 1_400.0)]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_line_length_within_equals_the_plain_overlay(seed):
    project = _project(seed)
    evaluator = kpi.Evaluator(project)
    zones = project.zones.geometry.to_numpy()
    roads = project.layers["roads"].gdf
    major = roads.geometry.to_numpy()[roads["highway"].to_numpy() == "primary"]
    streets = shapely.union_all(shapely.intersection(major, shapely.union_all(zones)))
    covered = shapely.intersection(streets, _plain_discs(project, "cctv", 150.0))
    expected = 100.0 * shapely.length(covered) / shapely.length(streets)
    zone_length = shapely.length(shapely.intersection(zones, streets))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_zones = np.where(
            zone_length > 0,
            100.0 * shapely.length(shapely.intersection(zones, covered)) / zone_length,
            np.nan,
        )
    assert evaluator.evaluate_kpi("traffic_monitoring").value == pytest.approx(expected, rel=RTOL)
    got = evaluator.zone_metrics("traffic_monitoring")["value"].to_numpy()
    np.testing.assert_allclose(got, expected_zones, rtol=RTOL, atol=1e-12)
    assert 1.0 < expected < 99.0


@pytest.mark.parametrize("extra", [[], [shapely.box(500.0, 500.0, 1_700.0, 1_400.0)]])
def test_per_capita_area_equals_the_plain_overlay(extra):
    project = _project(5, extra_zones=extra)
    evaluator = kpi.Evaluator(project)
    zones = project.zones.geometry.to_numpy()
    parks = shapely.union_all(project.layers["parks"].gdf.geometry.to_numpy())
    city_ha = shapely.area(shapely.intersection(shapely.union_all(zones), parks)) / 10_000.0
    zone_ha = shapely.area(shapely.intersection(zones, parks)) / 10_000.0
    population = evaluator.zone_population
    result = evaluator.evaluate_kpi("green_area_per_100k")
    assert result.value == pytest.approx(city_ha * 100_000.0 / population.sum(), rel=RTOL)
    got = evaluator.zone_metrics("green_area_per_100k")["value"].to_numpy()
    np.testing.assert_allclose(got, zone_ha * 100_000.0 / population, rtol=RTOL, atol=1e-12)


def test_area_share_equals_intersection_with_the_union_of_all_regions():
    rng = np.random.default_rng(7)
    polygons = np.array(_zones(rng, 40))
    regions = shapely.buffer(
        shapely.points(rng.uniform(0.0, SIDE_M, (200, 2))), rng.uniform(50.0, 400.0, 200)
    )
    area = shapely.area(polygons)
    expected = shapely.area(shapely.intersection(polygons, shapely.union_all(regions))) / area
    np.testing.assert_allclose(coverage.area_share(polygons, area, regions), expected, rtol=RTOL, atol=1e-12)


def test_area_share_is_the_same_on_threads(monkeypatch):
    rng = np.random.default_rng(8)
    polygons = np.array(_zones(rng, 60))
    regions = shapely.buffer(shapely.points(rng.uniform(0.0, SIDE_M, (300, 2))), 250.0)
    area = shapely.area(polygons)
    monkeypatch.setenv("CITYPLANNER_THREADS", "1")
    one = coverage.area_share(polygons, area, regions)
    monkeypatch.setenv("CITYPLANNER_THREADS", "2")
    monkeypatch.setattr(coverage, "_UNION_PAIRS_PER_THREAD", 1)
    np.testing.assert_array_equal(coverage.area_share(polygons, area, regions), one)
