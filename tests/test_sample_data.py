"""The shipped sample city (sample_data/hai_chau.gpkg) and sample plan (hai_chau.cityplan)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS

from cityplanner.store import load_project

LAYERS = ("zones", "roads", "bus_stops", "schools", "health", "parks", "buildings", "boundary")
POINT_LAYERS = ("bus_stops", "schools", "health")
SCENARIO = "Smart Hải Châu 2030"
UTM_49N = "EPSG:32649"


@pytest.fixture(scope="module")
def gpkg(sample_dir: Path) -> Path:
    return sample_dir / "hai_chau.gpkg"


@pytest.fixture(scope="module")
def layers(gpkg: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(gpkg, layer=name) for name in LAYERS}


@pytest.fixture(scope="module")
def readme_total(sample_dir: Path) -> int:
    text = (sample_dir / "README.md").read_text(encoding="utf-8")
    match = re.search(r"Total population: ([\d,]+)", text)
    assert match, "sample_data/README.md must state 'Total population: N'"
    return int(match.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def project(sample_dir: Path):
    return load_project(sample_dir / "hai_chau.cityplan")


def test_every_layer_present_non_empty_in_wgs84(gpkg, layers):
    assert {name for name, _ in pyogrio.list_layers(gpkg)} >= set(LAYERS)
    for name, gdf in layers.items():
        assert len(gdf) > 0, name
        assert CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(4326)), name
        assert gdf.geometry.is_valid.all(), name
        assert not gdf.geometry.is_empty.any(), name


def test_sample_is_small(sample_dir):
    for name in ("hai_chau.gpkg", "hai_chau.cityplan"):
        assert (sample_dir / name).stat().st_size < 3_000_000, name


def test_population_is_whole_persons_adding_to_the_readme_total(layers, readme_total):
    pop = layers["zones"]["population"]
    assert pop.dtype.kind == "i"
    assert (pop >= 0).all()
    assert int(pop.sum()) == readme_total
    # a dense inner city: every person on about 4.3 km², none piled into a single cell
    assert 10_000 < readme_total / 4.29 < 25_000
    assert pop.max() < 0.01 * readme_total


def test_zones_tile_the_extract_without_overlap(layers):
    # compared in the source lon/lat, where both were cut by the same straight box edges
    cells = layers["zones"].geometry.to_numpy()
    outline = layers["boundary"].geometry.iloc[0]
    union = shapely.union_all(cells)
    assert union.symmetric_difference(outline).area < 1e-9 * outline.area
    assert shapely.area(cells).sum() == pytest.approx(outline.area, rel=1e-9)
    cell_m2 = layers["zones"].to_crs(UTM_49N).area
    assert (cell_m2 > 9_900).mean() > 0.85
    assert cell_m2.max() == pytest.approx(10_000, rel=0.01)  # 100 m cells


def test_zone_fields(layers):
    zones = layers["zones"]
    assert zones["cell_id"].is_unique
    assert set(zones["district"]) == {"Hải Châu", "Thanh Khê"}
    assert 4 <= zones["sector"].nunique() <= 6
    by_sector = zones.groupby("sector")["population"].sum()
    assert (by_sector > 0).all()


def test_people_live_off_parks_and_lakes(layers):
    zones = layers["zones"].to_crs(UTM_49N)
    parks = shapely.union_all(layers["parks"].to_crs(UTM_49N).geometry.to_numpy())
    park_share = zones.intersection(parks).area / zones.area
    mostly_park = park_share > 0.9
    assert mostly_park.any()
    assert zones.loc[mostly_park, "population"].max() < zones["population"].median()


def test_roads_are_walkable_lines_inside_the_extract(layers):
    roads, outline = layers["roads"], layers["boundary"].geometry.iloc[0]
    assert (roads.geom_type == "LineString").all()
    assert not roads["highway"].isin(["motorway", "trunk", "construction", "proposed"]).any()
    assert {"footway", "residential", "service", "primary"} <= set(roads["highway"])
    assert roads.within(outline.buffer(1e-7)).all()
    assert roads["name"].str.contains("Đường", na=False).any()  # diacritics survive


def test_facility_layers(layers):
    outline = layers["boundary"].geometry.iloc[0]
    for name in POINT_LAYERS:
        gdf = layers[name]
        assert (gdf.geom_type == "Point").all(), name
        assert gdf.within(outline).all(), name
    schools = layers["schools"]
    assert schools["name"].notna().all()
    assert "Trường Tiểu học Lê Quý Đôn" in set(schools["name"])
    xy = shapely.get_coordinates(schools.to_crs(UTM_49N).geometry.to_numpy())
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(xy), 1)].min() > 1.0  # de-duplicated
    health = layers["health"]
    assert {"hospital", "clinic", "doctors"} <= set(health["kind"])
    assert "beds" in health.columns
    assert not health["name"].str.contains("Dental", na=False).any()
    parks = layers["parks"]
    assert parks.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert "Công Viên APEC" in set(parks["name"])


def test_project_loads_with_its_layers_and_scenarios(project, layers, readme_total):
    assert set(LAYERS) <= set(project.layers)
    assert project.zones_layer == "zones"
    assert project.population_field == "population"
    assert project.population.sum() == readme_total
    assert project.settings["city"] == "Đà Nẵng — Hải Châu"
    assert project.settings["plan_name"]
    assert list(project.scenarios) == ["Baseline", SCENARIO]
    assert project.baseline.placements == []
    placed = project.scenario(SCENARIO).placements
    kinds = [p.type for p in placed]
    assert kinds.count("wifi") >= 2 and 2 <= kinds.count("ev_charger") <= 3
    assert 1 <= kinds.count("small_cell") <= 2
    outline = project.layer("boundary").gdf.geometry.iloc[0]
    assert shapely.contains_xy(outline, [p.x for p in placed], [p.y for p in placed]).all()
    linked = {"bus_stop": "bus_stops", "school": "schools", "clinic": "health", "park": "parks"}
    for ft, lyr in linked.items():
        assert project.facility_type(ft).layer == lyr
        assert len(project.facilities(ft)) == len(layers[lyr])


def test_priority_zones_are_dense_and_far_from_bus_stops(project):
    assert set(project.priority.values()) == {1, 2, 3}
    rows = np.array(list(project.priority))
    zones = project.zones
    stops = project.layer("bus_stops").gdf
    nearest_stop = zones.geometry.iloc[rows].centroid.apply(lambda c: stops.distance(c).min())
    assert (nearest_stop > 150).all()
    assert (project.population[rows] > np.median(project.population)).all()
