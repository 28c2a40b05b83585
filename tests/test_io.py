"""Layer IO over every supported format, the real city data, and project assembly."""

from __future__ import annotations

from pathlib import Path

import data_factory as make
import numpy as np
import pytest
import shapely
from pyproj import CRS

from cityplanner.assemble import add_layer_from_file, create_project, guess_role
from cityplanner.errors import ProjectError
from cityplanner.facility_types import load_catalogue
from cityplanner.io import check_population, list_layers, parse_source, read_layer, working_crs_for


# -- parse_source ----------------------------------------------------------------------------------
def test_parse_source_splits_on_the_last_colon_of_a_known_file():
    assert parse_source("city.gpkg:roads") == (Path("city.gpkg"), "roads")
    assert parse_source("city.gpkg")[1] is None
    assert parse_source("dir/map.osm:lines")[1] == "lines"


def test_parse_source_keeps_windows_drive_letters_whole():
    path, layer = parse_source(r"C:\data\zones.gpkg")
    assert str(path) == r"C:\data\zones.gpkg" and layer is None
    path, layer = parse_source(r"C:\data\zones.gpkg:wards")
    assert str(path) == r"C:\data\zones.gpkg" and layer == "wards"


def test_parse_source_prefers_an_existing_file_with_a_colon(tmp_path):
    odd = tmp_path / "plan:v2.geojson"
    make.write(make.stops(), odd)
    assert parse_source(str(odd)) == (odd, None)
    folder = tmp_path / "exports"
    folder.mkdir()
    assert parse_source(f"{folder}:layer1") == (folder, "layer1")


# -- formats -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "driver"),
    [
        ("stops.gpkg", "GPKG"),
        ("stops.shp", "ESRI Shapefile"),
        ("stops.geojson", "GeoJSON"),
        ("stops.kml", "KML"),
        ("stops.fgb", "FlatGeobuf"),
    ],
)
def test_reads_each_ogr_format_with_vietnamese_text(tmp_path, filename, driver):
    path = make.write(make.stops(), tmp_path / filename, driver=driver)
    lyr = read_layer(path)
    assert lyr.feature_count == 5
    assert lyr.geometry_type == "Point"
    assert lyr.source_crs == "EPSG:4326"
    names = lyr.gdf["name"] if "name" in lyr.gdf else lyr.gdf["Name"]
    # FlatGeobuf stores features in spatial-index order, so compare regardless of order.
    assert sorted(names) == [f"Trạm Đà Nẵng {i}" for i in range(5)]
    assert lyr.gdf.geometry.x.min() == pytest.approx(make.LON0 + 0.0005)
    info = list_layers(path)
    assert len(info) == 1 and info[0].feature_count == 5 and info[0].crs == "EPSG:4326"
    # KML declares no geometry type: the features are read to name it.
    assert info[0].geometry_type == "Point"


def test_lists_mixed_geometry_types_of_an_undeclared_layer(tmp_path):
    gdf = make.stops()
    gdf.loc[0, "geometry"] = shapely.LineString([(108.2, 16.05), (108.21, 16.06)])
    path = make.write(gdf, tmp_path / "mixed.kml", driver="KML")
    (info,) = list_layers(path)
    assert info.geometry_type == "Mixed (Point, LineString)"


def test_reads_every_layer_of_a_multi_layer_geopackage(tmp_path):
    path = make.multi_layer_gpkg(tmp_path)
    infos = {i.name: i for i in list_layers(path)}
    assert set(infos) == {"wards", "bus_stops"}
    assert infos["wards"].geometry_type == "Polygon" and infos["wards"].feature_count == 9
    assert {"name": "population", "type": "integer"} in infos["wards"].to_dict()["fields"]
    wards = read_layer(path, "wards")
    stops = read_layer(path, "bus_stops")
    assert (wards.feature_count, stops.feature_count) == (9, 5)
    assert wards.source_layer == "wards" and wards.name == "wards"


def test_reads_a_zipped_shapefile(tmp_path):
    path = make.zipped_shapefile(tmp_path)
    lyr = read_layer(path)
    assert lyr.feature_count == 5 and lyr.gdf["name"].iloc[4] == "Trạm Đà Nẵng 4"
    assert list_layers(path)[0].geometry_type == "Point"


def test_reads_geoparquet(tmp_path):
    path = tmp_path / "wards.parquet"
    make.zones().to_crs("EPSG:32649").to_parquet(path)
    lyr = read_layer(path)
    assert lyr.source_crs == "EPSG:32649" and lyr.feature_count == 9
    info = list_layers(path)[0]
    assert (info.geometry_type, info.crs, info.feature_count) == ("Polygon", "EPSG:32649", 9)
    assert [f.name for f in info.fields] == ["name", "population"]


@pytest.mark.parametrize(
    "header",
    [
        *("Longitude,Latitude", "LON,LAT", "lng,lat", "long,lat", "X,Y"),
        *("POINT_X,POINT_Y", "kinh_do,vi_do", "Kinh độ,Vĩ độ"),
    ],
)
def test_reads_csv_points_with_common_column_names(tmp_path, header):
    path = make.csv_file(tmp_path, f"ten,{header}\nChợ Hàn,108.2245,16.0680\nCầu Rồng,108.2270,16.0612\n")
    lyr = read_layer(path)
    assert lyr.source_crs == "EPSG:4326"
    assert lyr.gdf.geometry.x.tolist() == [108.2245, 108.2270]
    assert lyr.gdf["ten"].tolist() == ["Chợ Hàn", "Cầu Rồng"]


def test_reads_csv_with_projected_coordinates_given_their_crs(tmp_path):
    path = make.csv_file(tmp_path, "id;Easting;Northing\n1;843500;1777700\n2;843900;1778100\n")
    lyr = read_layer(path, crs="EPSG:32648")
    assert lyr.source_crs == "EPSG:32648" and lyr.feature_count == 2


def test_reads_csv_with_a_wkt_column(tmp_path):
    square = "POLYGON ((108.21 16.05, 108.212 16.05, 108.212 16.052, 108.21 16.052, 108.21 16.05))"
    path = make.csv_file(tmp_path, f'The_Geom,pop\n"{square}",120\n')
    lyr = read_layer(path)
    assert lyr.geometry_type == "Polygon" and lyr.gdf["pop"].tolist() == [120]
    assert "The_Geom" not in lyr.gdf.columns


# -- real data ----------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_lists_hcmc_geopackage_with_z_and_multilinestring_layers(hcmc_gpkg):
    infos = {i.name: i for i in list_layers(hcmc_gpkg)}
    assert len(infos) == 18
    assert infos["bus_routes"].geometry_type == "MultiLineString Z"
    assert infos["roads_main"].geometry_type == "MultiLineString"
    assert infos["roads_detail"].feature_count == 10057
    assert infos["buildings_subset_KT"].geometry_type == "Polygon Z"
    assert all(i.crs == "EPSG:4326" for i in infos.values())
    routes = read_layer(hcmc_gpkg, "bus_routes")
    assert routes.geometry_type == "MultiLineString" and not routes.gdf.has_z.any()
    assert routes.notes == ["dropped Z/M coordinates of 84 features (analysis is 2D)"]


@pytest.mark.shared_data
def test_reads_osm_xml_layers(danang_osm):
    infos = {i.name: i for i in list_layers(danang_osm)}
    assert {"points", "lines", "multipolygons"} <= set(infos)
    assert infos["lines"].feature_count > 1000
    lines = read_layer(danang_osm, "lines")
    assert lines.geometry_type == "LineString" and lines.feature_count == infos["lines"].feature_count
    assert "highway" in lines.gdf.columns


@pytest.mark.shared_data
def test_lists_the_census_csv_without_geometry(danang_census_csv):
    (info,) = list_layers(danang_census_csv)
    assert info.geometry_type == "None" and info.crs is None and info.feature_count == 56
    assert {"name": "total", "type": "integer"} in info.to_dict()["fields"]


def test_working_crs_is_the_utm_zone_of_the_centre(tmp_path):
    assert working_crs_for(make.zones()) == CRS.from_epsg(32649)  # Da Nang, 108.2 E
    hcmc = make.zones().set_geometry(make.zones().geometry.translate(-1.5, -5.3))
    assert working_crs_for(hcmc) == CRS.from_epsg(32648)  # 106.7 E


def test_check_population_returns_float64():
    values = check_population(make.zones(4), "population", "'wards.gpkg'")
    assert values.dtype == np.float64 and values.tolist() == [50.0, 150.0, 250.0, 350.0]


# -- facility types ------------------------------------------------------------------------------------
def test_facility_type_catalogue():
    types_list, currency = load_catalogue()
    specs = {s.name: s for s in types_list}
    assert list(specs) == [
        "wifi", "small_cell", "cctv", "iot_sensor", "ev_charger", "bus_stop", "clinic", "school", "park"
    ]
    radii = {n: s.radius_m for n, s in specs.items()}
    assert radii == {
        "wifi": 100, "small_cell": 250, "cctv": 150, "iot_sensor": 200, "ev_charger": 1000,
        "bus_stop": 500, "clinic": 1000, "school": 1000, "park": 400,
    }
    assert (specs["ev_charger"].capacity_unit, specs["clinic"].capacity_unit) == ("ports", "beds")
    assert specs["school"].capacity_unit == "pupils"
    assert specs["clinic"].label_vi == "Trạm y tế"
    assert currency == "USD"
    assert all(s.unit_cost > 0 and s.icon for s in specs.values())
    types = {ft.name: ft for ft in load_catalogue()[0]}
    assert types["park"].radius_m == 400 and types["park"].layer is None


def test_broken_catalogue_names_the_file(tmp_path):
    bad = tmp_path / "types.yaml"
    bad.write_text("facility_types:\n  - name: kiosk\n    radius_m: 10\n", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"Entry 1 of facility type catalogue '.*types\.yaml' lacks label"):
        load_catalogue(bad)


# -- assembly --------------------------------------------------------------------------------------------
def test_guess_role_from_layer_names():
    assert guess_role("roads_main") == "roads"
    assert guess_role("Bus-Stops") == "bus_stop"
    assert guess_role("poi_medical") == "clinic"
    assert guess_role("open_space") == "park"
    assert guess_role("flood_2020") == "hazard"
    assert guess_role("5g") == "small_cell"
    assert guess_role("ev_chargers") == "ev_charger"
    assert guess_role("wards") is None


def test_create_project_from_generated_files(tmp_path):
    city = make.multi_layer_gpkg(tmp_path)
    project = create_project(
        f"{city}:wards", "population", layers={"bus_stops": f"{city}:bus_stops"}, name="Hải Châu"
    )
    assert project.crs == CRS.from_epsg(32649)
    assert project.zones_layer == "wards" and project.layers["wards"].role == "zones"
    assert project.population.sum() == sum(50 + 100 * i for i in range(9))
    assert project.layers["bus_stops"].role == "bus_stop"
    assert project.facility_types["bus_stop"].layer == "bus_stops"
    assert project.facility_types["school"].layer is None
    assert project.settings == {
            "city": "Hải Châu", "currency": "USD", "walk_speed_kmh": 4.8, "max_snap_m": 250.0
        }
    assert project.layers["bus_stops"].source_crs == "EPSG:4326"
    assert project.existing_facilities("bus_stop").crs == project.crs


def test_create_project_with_an_explicit_working_crs(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    project = create_project(str(zones), "population", crs="32648")
    assert project.crs == CRS.from_epsg(32648)
    with pytest.raises(ProjectError, match="not a projected CRS in metres"):
        create_project(str(zones), "population", crs="EPSG:4326")
    with pytest.raises(ProjectError, match="'EPSG:999999' given as the working CRS is not a known CRS"):
        create_project(str(zones), "population", crs="EPSG:999999")


def test_add_layer_from_file_links_a_facility_type(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    project = create_project(str(zones), "population")
    parks = make.write(make.stops(3), tmp_path / "parks.geojson")
    lyr = add_layer_from_file(project, str(parks))
    assert lyr.name == "parks" and lyr.role == "park"
    assert project.facility_types["park"].layer == "parks"
    assert project.layers["parks"].gdf.crs == project.crs


@pytest.mark.shared_data
def test_create_project_from_hcmc(hcmc_gpkg):
    project = create_project(
        f"{hcmc_gpkg}:wards_pop2021",
        "Pop_2021",
        layers={
            "roads": f"{hcmc_gpkg}:roads_main",
            "bus_stops": f"{hcmc_gpkg}:bus_stops",
            "health": f"{hcmc_gpkg}:poi_medical",
            "buildings": f"{hcmc_gpkg}:buildings_subset_KT",
        },
    )
    assert project.crs == CRS.from_epsg(32648)
    assert len(project.zones) == 40 and project.population.sum() > 0
    assert project.layers["roads"].role == "roads"
    assert project.facility_types["clinic"].layer == "health"
    assert project.layers["buildings"].geometry_type == "Polygon"
