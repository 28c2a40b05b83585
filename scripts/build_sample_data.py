"""Build the sample city in ``sample_data/`` from ``../shared/data/danang`` (OpenStreetMap, ODbL).

Run ``python scripts/build_sample_data.py`` from the repository. It reads only the Đà Nẵng
extract (``hai_chau_osm_wgs84.gpkg``, ``hai_chau_map.osm``, ``danang_ward_population_2019.csv``)
and writes ``sample_data/hai_chau.gpkg`` (EPSG:4326). The output depends on nothing but those
inputs, so re-running it reproduces the same features and numbers. It then assembles the sample
project ``sample_data/hai_chau.cityplan`` from that GeoPackage with the engine (the same
``create_project``/``save_project`` the app and CLI use). ``sample_data/README.md`` documents the
population method implemented here and the project's scenario.
"""

from __future__ import annotations

import contextlib
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.ops import split

REPO = Path(__file__).resolve().parent.parent
# Run from a checkout, the engine is imported from the repository even when not pip-installed.
sys.path.insert(0, str(REPO))

from cityplanner.assemble import create_project  # noqa: E402
from cityplanner.coverage import euclidean_coverage  # noqa: E402
from cityplanner.demand import Demand  # noqa: E402
from cityplanner.project import Placement, Project  # noqa: E402
from cityplanner.store import save_project  # noqa: E402
from cityplanner.surface import set_project_surface  # noqa: E402

SOURCE_DIR = REPO.parent / "shared" / "data" / "danang"
SOURCE_GPKG = SOURCE_DIR / "hai_chau_osm_wgs84.gpkg"
SOURCE_OSM = SOURCE_DIR / "hai_chau_map.osm"
SOURCE_CENSUS = SOURCE_DIR / "danang_ward_population_2019.csv"
OUT_DIR = REPO / "sample_data"
OUT_GPKG = OUT_DIR / "hai_chau.gpkg"
OUT_PROJECT = OUT_DIR / "hai_chau.cityplan"

WGS84 = "EPSG:4326"
CELL_M = 100.0
# Wards whose census density is below this hold large non-urban land (Hòa Thuận Tây's 8.4 km²
# include much of Đà Nẵng International Airport), so they would dilute an inner-city density.
MIN_URBAN_WARD_DENSITY_PER_KM2 = 5000.0
# Street length credited to every cell on top of its mapped alleys, so residential land fronting
# only main roads (or with unmapped kiệt) still gets people.
STREET_FLOOR_M = 100.0
# Grid of synthetic sectors (columns x rows) used as a ward-like grouping.
SECTOR_COLUMNS, SECTOR_ROWS = 3, 2
MIN_PARK_M2 = 100.0
# A point this close to a school/health polygon of the same name is the same facility.
SAME_FACILITY_M = 50.0

CITY = "Đà Nẵng — Hải Châu"
PLAN_NAME = "Hải Châu smart-city master plan (sample)"
SCENARIO = "Smart Hải Châu 2030"
# Project layers in drawing order (bottom first); the zones come before all of them.
PROJECT_LAYERS = ("boundary", "parks", "buildings", "roads", "bus_stops", "schools", "health")
# Sites of the scenario's placements: (facility type, placement name, OSM way of the site).
SCENARIO_SITES = (
    ("wifi", "Wi-Fi: Công viên APEC", "675604354"),
    ("wifi", "Wi-Fi: Công viên Nam Dương", "1384907056"),
    ("wifi", "Wi-Fi: Chợ Mới Hòa Thuận", "1326231667"),
    ("wifi", "Wi-Fi: Chợ Tân Lập", "429019192"),
    ("ev_charger", "EV charger: Petrolimex, Đường 2 Tháng 9", "694775140"),
    ("ev_charger", "EV charger: PV Oil, Đường Nguyễn Hữu Thọ", "694750607"),
    ("ev_charger", "EV charger: car park near Đường Trần Thị Lý", "1386612771"),
)
SMALL_CELLS = 2  # 5G small cells, on the most populous cells that are far enough apart
# A cell is poorly served by buses when under half of it lies within this distance of a stop.
BUS_WALK_M = 300.0
PRIORITY_TIER_SIZES = (3, 3, 4)  # cells in tier 1, 2, 3

# Streets lined by housing (Vietnamese kiệt/hẻm are mapped as residential, service, footway...).
LOCAL_STREETS = {"residential", "service", "footway", "living_street", "pedestrian", "steps",
                 "path", "unclassified", "track"}
NOT_WALKABLE = {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed",
                "raceway", "bus_guideway", "abandoned", "razed"}
MOTOR_ROADS = {"primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link"}
NON_RESIDENTIAL_BUILDINGS = {"commercial", "university", "hospital", "temple", "church", "hotel",
                             "retail", "roof", "school", "office", "industrial", "public",
                             "government", "civic", "warehouse", "mosque", "kindergarten"}


# -- reading --------------------------------------------------------------------------------------
def osm_tag(other_tags: pd.Series, key: str) -> pd.Series:
    """One key out of GDAL's ``other_tags`` hstore text (``"k"=>"v",...``), NaN where absent."""
    return other_tags.astype("string").str.extract(rf'"{re.escape(key)}"=>"([^"]*)"')[0]


def read_osm_xml(path: Path) -> tuple[shapely.Polygon, dict[str, tuple[dict, np.ndarray]], list]:
    """The export's bounding box, its ways (tags, lon/lat coordinates) and relations.

    Relations are ``(tags, [(member type, ref, role), ...])``. Ways keep only their nodes that are
    in the file (ways crossing the box edge are cut there by the export).
    """
    root = ET.parse(path).getroot()
    b = root.find("bounds")
    bounds = shapely.box(float(b.get("minlon")), float(b.get("minlat")),
                         float(b.get("maxlon")), float(b.get("maxlat")))
    node_ids = [n.get("id") for n in root.iter("node")]
    node_xy = np.array([(float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")])
    node_index = dict(zip(node_ids, range(len(node_ids)), strict=True))
    ways = {}
    for w in root.iter("way"):
        refs = [node_index[nd.get("ref")] for nd in w.iter("nd") if nd.get("ref") in node_index]
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        ways[w.get("id")] = (tags, node_xy[refs])
    relations = [
        ({t.get("k"): t.get("v") for t in r.iter("tag")},
         [(m.get("type"), m.get("ref"), m.get("role")) for m in r.iter("member")])
        for r in root.iter("relation")
    ]
    return bounds, ways, relations


def water_polygons(ways: dict) -> np.ndarray:
    """Closed ``natural=water`` ways (lakes and ponds; the GeoPackage lacks them)."""
    rings = [xy for tags, xy in ways.values()
             if tags.get("natural") == "water" and len(xy) >= 4 and np.array_equal(xy[0], xy[-1])]
    return shapely.make_valid(shapely.polygons([shapely.linearrings(xy) for xy in rings]))


def river_in_box(box: shapely.Polygon, ways: dict, relations: list) -> shapely.Geometry:
    """The Hàn River inside the extract: the box's pieces beyond the river's mapped bank.

    Only the west bank of the river multipolygon is in the export, so the river is whatever that
    bank line cuts off the box apart from the largest (land) piece.
    """
    banks = [shapely.linestrings(ways[ref][1])
             for tags, members in relations if tags.get("water") == "river"
             for kind, ref, _ in members if kind == "way" and ref in ways and len(ways[ref][1]) >= 2]
    cut = shapely.intersection(shapely.multilinestrings(banks), box)
    pieces = shapely.get_parts(split(box, cut))
    return shapely.union_all(pieces[np.argsort(-shapely.area(pieces))[1:]])


def historic_district_line(ways: dict, relations: list, name: str) -> shapely.LineString:
    """The part of a historic (pre-2025) district boundary present in the export, as one line."""
    for tags, members in relations:
        if tags.get("boundary") == "historic" and tags.get("name") == name:
            parts = [shapely.linestrings(ways[ref][1]) for kind, ref, _ in members
                     if kind == "way" and ref in ways and len(ways[ref][1]) >= 2]
            merged = shapely.line_merge(shapely.multilinestrings(parts))
            if merged.geom_type != "LineString":
                sys.exit(f"{SOURCE_OSM}: the boundary of {name} is not one continuous line.")
            return merged
    sys.exit(f"{SOURCE_OSM}: no historic boundary relation named {name}.")


def spaced_name(census_name: str) -> str:
    """Restore the spaces the census CSV dropped: ``"HảiChâuII"`` -> ``"Hải Châu II"``."""
    return "".join(
        f" {c}" if c.isupper() and i > 0 and census_name[i - 1].islower() else c
        for i, c in enumerate(census_name)
    )


def district_densities(path: Path) -> pd.DataFrame:
    """Per district: census population, area and density over its inner-city wards (per m²)."""
    census = pd.read_csv(path)
    census["district_name"] = census["district"].map(spaced_name)
    census["ward_name"] = census["ward"].map(spaced_name)
    census["urban"] = census["total"] / census["area_sqm"] * 1e6 >= MIN_URBAN_WARD_DENSITY_PER_KM2
    used = census[census["urban"]]
    by_district = used.groupby("district_name").agg(
        population=("total", "sum"), area_m2=("area_sqm", "sum"), wards=("ward_name", list)
    )
    by_district["density_m2"] = by_district["population"] / by_district["area_m2"]
    by_district["excluded"] = [
        census.loc[~census["urban"] & (census["district_name"] == d), "ward_name"].tolist()
        for d in by_district.index
    ]
    return by_district


# -- geometry helpers -----------------------------------------------------------------------------
def local_metric_crs(box: shapely.Polygon) -> CRS:
    """Transverse Mercator centred on the extract: metres, with the lon/lat box axis-aligned."""
    c = box.centroid
    return CRS.from_proj4(f"+proj=tmerc +lat_0={c.y:.6f} +lon_0={c.x:.6f} +k=1 +x_0=0 +y_0=0 "
                          "+ellps=WGS84 +units=m +no_defs")


def to_metric(geoms, crs: CRS) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs=WGS84).to_crs(crs).to_numpy()


def grid_cells(box_m: shapely.Polygon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """100 m cells from the extract's north-west corner, with their row and column numbers.

    The outermost cells reach 1 m past the extract so clipping to it leaves no gap.
    """
    minx, miny, maxx, maxy = box_m.bounds
    xs = minx + CELL_M * np.arange(int(np.ceil((maxx - minx) / CELL_M)) + 1)
    ys = maxy - CELL_M * np.arange(int(np.ceil((maxy - miny) / CELL_M)) + 1)
    xs[-1], ys[-1] = maxx + 1.0, miny - 1.0
    xs[0], ys[0] = minx - 1.0, maxy + 1.0
    row, col = np.meshgrid(np.arange(len(ys) - 1), np.arange(len(xs) - 1), indexing="ij")
    row, col = row.ravel(), col.ravel()
    cells = shapely.box(xs[col], ys[row + 1], xs[col + 1], ys[row])
    return cells, row, col


def length_within(cells: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Total length (m) of ``lines`` inside each cell."""
    cell_idx, line_idx = shapely.STRtree(lines).query(cells, predicate="intersects")
    pieces = shapely.length(shapely.intersection(cells[cell_idx], lines[line_idx]))
    return np.bincount(cell_idx, weights=pieces, minlength=len(cells))


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers summing to ``total`` and closest to ``values`` (ties go to the lower index)."""
    floor = np.floor(values).astype(np.int64)
    short = total - int(floor.sum())
    order = np.argsort(-(values - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def representative_points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = gdf.geometry.representative_point()
    return out


def drop_points_near(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Points that do not duplicate a polygon: not on it, nor near one of the same name."""
    if polygons.empty or points.empty:
        return points
    pts = to_metric(points.geometry.to_numpy(), crs)
    polys = to_metric(polygons.geometry.to_numpy(), crs)
    pt_idx, poly_idx = shapely.STRtree(polys).query(pts, predicate="dwithin", distance=SAME_FACILITY_M)
    pt_names = points["name"].str.casefold().to_numpy()[pt_idx]
    poly_names = polygons["name"].str.casefold().to_numpy()[poly_idx]
    same = (shapely.distance(pts[pt_idx], polys[poly_idx]) <= 1.0) | (pt_names == poly_names)
    return points[~np.isin(np.arange(len(points)), pt_idx[same])]


def name_or_english(gdf: gpd.GeoDataFrame) -> pd.Series:
    return gdf["name"].fillna(osm_tag(gdf["other_tags"], "name:en"))


def osm_ids(gdf: gpd.GeoDataFrame, element: str = "node") -> pd.Series:
    """``node/…``, ``way/…`` or ``relation/…`` so every feature can be traced back to OSM.

    Area layers carry ``osm_way_id`` (closed ways) or ``osm_id`` (multipolygon relations); the
    other layers carry ``osm_id`` of one ``element`` kind (``node`` for points, ``way`` for lines).
    """
    if "osm_way_id" in gdf.columns:
        way = "way/" + gdf["osm_way_id"].astype("string")
        return way.fillna("relation/" + gdf["osm_id"].astype("string"))
    return f"{element}/" + gdf["osm_id"].astype("string")


def with_osm_ids(areas: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Area and point features in one frame, with their OSM reference in ``osm_ref``."""
    return pd.concat([areas.assign(osm_ref=osm_ids(areas)), points.assign(osm_ref=osm_ids(points))],
                     ignore_index=True)


# -- layers ---------------------------------------------------------------------------------------
def walkable_roads(roads: gpd.GeoDataFrame, box: shapely.Polygon) -> gpd.GeoDataFrame:
    """Streets a pedestrian may use, clipped to the extract, one LineString per row."""
    access = osm_tag(roads["other_tags"], "access")
    foot = osm_tag(roads["other_tags"], "foot")
    tunnel = osm_tag(roads["other_tags"], "tunnel")
    keep = (
        roads["highway"].notna()
        & ~roads["highway"].isin(NOT_WALKABLE)
        # private compounds (the military zones) are closed to the public unless foot is allowed
        & ~(access.isin(["private", "no"]) & ~foot.isin(["yes", "designated", "permissive"]))
        # vehicle underpasses have no footway
        & ~(tunnel.isin(["yes"]) & roads["highway"].isin(MOTOR_ROADS))
    )
    sel = roads.loc[keep.to_numpy(dtype=bool)]
    clipped = shapely.intersection(sel.geometry.to_numpy(), box)
    out = gpd.GeoDataFrame(
        {"osm_id": osm_ids(sel, "way").to_numpy(), "highway": sel["highway"].to_numpy(),
         "name": sel["name"].to_numpy()},
        geometry=clipped, crs=WGS84,
    ).explode(index_parts=False)
    out = out[(out.geom_type == "LineString") & ~out.is_empty]
    return out.reset_index(drop=True)


def schools(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, box, crs: CRS) -> gpd.GeoDataFrame:
    kinds = ["school", "kindergarten"]
    polys = areas[areas["amenity"].isin(kinds)]
    pts = drop_points_near(points[points["amenity"].isin(kinds)], polys, crs)
    both = with_osm_ids(representative_points(polys), pts)
    names = name_or_english(both)
    level = np.select(
        [names.str.contains("Mầm non", case=False, na=False),
         names.str.contains("Tiểu học", case=False, na=False),
         names.str.contains("Trung học cơ sở", case=False, na=False),
         names.str.contains("Trung học phổ thông", case=False, na=False)],
        ["kindergarten", "primary", "lower secondary", "upper secondary"],
        default="other",
    )
    out = gpd.GeoDataFrame(
        {"osm_id": both["osm_ref"].to_numpy(), "name": names.to_numpy(),
         "amenity": both["amenity"].to_numpy(), "level": level},
        geometry=both.geometry.to_numpy(), crs=WGS84,
    )
    return out[out.within(box)].reset_index(drop=True)


def health(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, box, crs: CRS) -> gpd.GeoDataFrame:
    kinds = ["hospital", "clinic", "doctors"]

    def medical(gdf: gpd.GeoDataFrame) -> pd.Series:
        healthcare = osm_tag(gdf["other_tags"], "healthcare")
        speciality = osm_tag(gdf["other_tags"], "healthcare:speciality")
        # one dental practice is tagged amenity=hospital; dentists are not in scope
        dental = (healthcare.isin(["dentist"]) | speciality.str.startswith("dentist").fillna(False)
                  | gdf["name"].str.contains("dental|nha khoa", case=False, na=False))
        return (gdf["amenity"].isin(kinds) & ~dental).to_numpy(dtype=bool)

    polys = areas[medical(areas)]
    pts = drop_points_near(points[medical(points)], polys, crs)
    both = with_osm_ids(representative_points(polys), pts)
    names = name_or_english(both)
    # "Phòng khám" means clinic, whatever the amenity tag says
    kind = np.where(names.str.startswith("Phòng khám", na=False), "clinic", both["amenity"])
    out = gpd.GeoDataFrame(
        {"osm_id": both["osm_ref"].to_numpy(), "name": names.to_numpy(), "kind": kind,
         "healthcare": osm_tag(both["other_tags"], "healthcare").to_numpy(),
         "beds": np.full(len(both), np.nan)},
        geometry=both.geometry.to_numpy(), crs=WGS84,
    )
    return out[out.within(box)].reset_index(drop=True)


def parks(areas: gpd.GeoDataFrame, box, crs: CRS) -> gpd.GeoDataFrame:
    is_park = areas["leisure"].isin(["park", "garden", "playground"]) | areas["landuse"].isin(
        ["grass", "recreation_ground"]
    )
    sel = areas[is_park.to_numpy()]
    clipped = shapely.intersection(sel.geometry.to_numpy(), box)
    area_m2 = shapely.area(to_metric(clipped, crs))
    out = gpd.GeoDataFrame(
        {"osm_id": osm_ids(sel).to_numpy(), "name": sel["name"].to_numpy(),
         "kind": sel["leisure"].fillna(sel["landuse"]).to_numpy(), "area_m2": np.round(area_m2, 1)},
        geometry=clipped, crs=WGS84,
    )
    return out[out["area_m2"] >= MIN_PARK_M2].reset_index(drop=True)


def buildings(blds: gpd.GeoDataFrame, box) -> gpd.GeoDataFrame:
    inside = blds.geometry.representative_point().within(box).to_numpy()
    sel = blds[inside]
    return gpd.GeoDataFrame(
        {"osm_id": osm_ids(sel).to_numpy(), "name": sel["name"].to_numpy(),
         "building": sel["building"].to_numpy(), "amenity": sel["amenity"].to_numpy()},
        geometry=sel.geometry.to_numpy(), crs=WGS84,
    ).reset_index(drop=True)


def non_residential_land(areas: gpd.GeoDataFrame, blds: gpd.GeoDataFrame, water: np.ndarray,
                         crs: CRS) -> shapely.Geometry:
    """Union (metric) of land where nobody is counted as living.

    Every mapped land-use/leisure/amenity area except ``landuse=residential`` (parks, grass,
    schools, hospitals, markets, military, industrial, commercial, construction, sport...),
    lakes, and buildings tagged with a non-residential use.
    """
    areas_nr = areas[areas["landuse"].ne("residential").to_numpy()]
    tagged_use = blds[["amenity", "shop", "office", "tourism"]].notna().any(axis=1)
    blds_nr = blds[(blds["building"].isin(NON_RESIDENTIAL_BUILDINGS) | tagged_use).to_numpy()]
    geoms = np.concatenate([areas_nr.geometry.to_numpy(), blds_nr.geometry.to_numpy(), water])
    return shapely.union_all(shapely.make_valid(to_metric(geoms, crs)))


def zones(box: shapely.Polygon, crs: CRS, thanh_khe_side: shapely.Polygon, densities: pd.DataFrame,
          local_streets_m: np.ndarray, non_residential_m, river: shapely.Geometry,
          ) -> tuple[gpd.GeoDataFrame, dict]:
    """The demand grid: 100 m cells with census population spread by residential weight."""
    box_m = to_metric([box], crs)[0]
    river_m = to_metric([river], crs)[0]
    non_residential_m = shapely.union(non_residential_m, river_m)
    cells, row, col = grid_cells(box_m)
    # clipped in lon/lat so the cells tile the (lon/lat) extract exactly
    cells_ll = shapely.intersection(gpd.GeoSeries(cells, crs=crs).to_crs(WGS84).to_numpy(), box)
    cells_m = to_metric(cells_ll, crs)
    tk_m = to_metric([thanh_khe_side], crs)[0]
    sides = {"Thanh Khê": tk_m, "Hải Châu": shapely.difference(box_m, tk_m)}

    population = np.zeros(len(cells_m))
    side_area = np.zeros((len(cells_m), len(sides)))
    summary = {}
    for k, (district, side) in enumerate(sides.items()):
        pieces = shapely.intersection(cells_m, side)
        side_area[:, k] = shapely.area(pieces)
        eligible_m2 = shapely.area(shapely.difference(pieces, non_residential_m))
        weight = eligible_m2 * (length_within(pieces, local_streets_m) + STREET_FLOOR_M)
        land_m2 = shapely.area(shapely.difference(side, river_m))
        district_pop = densities.loc[district, "density_m2"] * land_m2
        population += district_pop * weight / weight.sum()
        summary[district] = {"area_m2": shapely.area(side), "land_m2": land_m2, "population": district_pop}

    total = int(round(population.sum()))
    people = largest_remainder(population, total)
    n_rows, n_cols = row.max() + 1, col.max() + 1
    sector_row = np.minimum(row * SECTOR_ROWS // n_rows, SECTOR_ROWS - 1)
    sector_col = np.minimum(col * SECTOR_COLUMNS // n_cols, SECTOR_COLUMNS - 1)
    sector_names = np.array([["NW", "N", "NE"], ["SW", "S", "SE"]])
    gdf = gpd.GeoDataFrame(
        {"cell_id": np.arange(1, len(cells_m) + 1), "population": people,
         "district": np.array(list(sides))[side_area.argmax(axis=1)],
         "sector": np.char.add("Sector ", sector_names[sector_row, sector_col])},
        geometry=cells_ll, crs=WGS84,
    )
    summary["total"] = total
    return gdf, summary


def district_split(box: shapely.Polygon, line: shapely.LineString) -> shapely.Polygon:
    """The part of the extract north-west of the old Hải Châu / Thanh Khê district boundary."""
    pieces = shapely.get_parts(split(box, shapely.intersection(line, box)))
    if len(pieces) != 2:
        sys.exit(f"{SOURCE_OSM}: the old district boundary does not cut the extract in two.")
    # The north-west piece holds Hồ Thạc Gián and Hồ Vĩnh Trung, lakes named after Thanh Khê wards.
    nw_corner = shapely.Point(box.bounds[0], box.bounds[3])
    return next(p for p in pieces if p.distance(nw_corner) < 1e-9)


def scenario_placements(project: Project, areas: gpd.GeoDataFrame) -> list[Placement]:
    """Wi-Fi at parks and markets, EV chargers at fuel stations and a car park, 5G small cells
    on the most populous cells; positions in the project's working CRS."""
    by_way = areas.set_index("osm_way_id").geometry.representative_point().to_crs(project.crs)
    placements = [
        Placement(type=kind, x=by_way[way].x, y=by_way[way].y, name=name, id=f"{kind}-way{way}")
        for kind, name, way in SCENARIO_SITES
    ]
    # Small cells go on the most populous cells, each beyond the reach of those already placed.
    zones_gdf = project.zones
    sites = shapely.get_coordinates(zones_gdf.geometry.representative_point().to_numpy())
    spacing = 2 * project.facility_type("small_cell").radius_m
    chosen: list[int] = []
    for row in np.argsort(-project.population, kind="stable"):
        if len(chosen) == SMALL_CELLS:
            break
        if all(np.hypot(*(sites[row] - sites[c])) >= spacing for c in chosen):
            chosen.append(int(row))
    placements += [
        Placement(type="small_cell", x=sites[row, 0], y=sites[row, 1], id=f"small_cell-cell{cell}",
                  name=f"5G small cell: grid cell {cell}")
        for row, cell in zip(chosen, zones_gdf["cell_id"].iloc[chosen], strict=True)
    ]
    return placements


def bus_priority(project: Project) -> dict[int, int]:
    """Tiers 1-3 on the most populous cells poorly served by the existing bus stops."""
    stops = project.existing_facilities("bus_stop").geometry
    share = euclidean_coverage(Demand.from_project(project), stops, BUS_WALK_M).covered_share
    poor = np.flatnonzero(share < 0.5)
    ranked = poor[np.argsort(-project.population[poor], kind="stable")]
    tiers = np.repeat(np.arange(1, len(PRIORITY_TIER_SIZES) + 1), PRIORITY_TIER_SIZES)
    return {int(row): int(tier) for row, tier in zip(ranked, tiers, strict=False)}


def build_project(areas: gpd.GeoDataFrame) -> Project:
    """The sample plan over ``hai_chau.gpkg``: baseline plus the "Smart Hải Châu 2030" scenario."""
    # Sources are recorded relative to the project file, so the plan carries no local paths.
    with contextlib.chdir(OUT_DIR):
        project = create_project(
            f"{OUT_GPKG.name}:zones", "population",
            layers={name: f"{OUT_GPKG.name}:{name}" for name in PROJECT_LAYERS}, name=PLAN_NAME,
        )
    project.settings.update({"city": CITY, "plan_name": PLAN_NAME})
    project.baseline.description = "Existing facilities only, as mapped in OpenStreetMap."
    scenario = project.add_scenario(
        SCENARIO, description="Public Wi-Fi at parks and markets, EV chargers at fuel stations and "
        "a car park, 5G small cells on the most populous blocks.",
    )
    scenario.placements = scenario_placements(project, areas)
    project.priority = bus_priority(project)
    # The population surface the KPIs count on: the zones are already a 100 m dasymetric grid
    # (census densities spread by residential land and local streets, step 4 of the README);
    # OSM maps too few homes here for building-based, and WorldPop's 1 km cells are coarser than
    # the zones, so neither would place people better. The note says so wherever it is shown.
    set_project_surface(project)
    project.settings["demand_note"] = (
        "People from the sample's 100 m zone grid: 2019 census densities spread by residential land "
        "and local streets (sample_data/README.md, 'Population'), even within each zone. Cells of 100 m."
    )
    return project


def main() -> int:
    for path in (SOURCE_GPKG, SOURCE_OSM, SOURCE_CENSUS):
        if not path.exists():
            print(f"build_sample_data: {path} is missing; it comes from ../shared/data/danang.",
                  file=sys.stderr)
            return 2
    box, ways, relations = read_osm_xml(SOURCE_OSM)
    crs = local_metric_crs(box)
    read = {name: gpd.read_file(SOURCE_GPKG, layer=name, engine="pyogrio")
            for name in ("roads", "bus_stops", "poi_points", "buildings", "poi_areas_landuse")}
    areas, points, blds = read["poi_areas_landuse"], read["poi_points"], read["buildings"]

    roads = walkable_roads(read["roads"], box)
    local_m = to_metric(roads.loc[roads["highway"].isin(LOCAL_STREETS), "geometry"].to_numpy(), crs)
    densities = district_densities(SOURCE_CENSUS)
    thanh_khe = district_split(box, historic_district_line(ways, relations, "Quận Hải Châu"))
    zone_gdf, summary = zones(box, crs, thanh_khe, densities, local_m,
                              non_residential_land(areas, blds, water_polygons(ways), crs),
                              river_in_box(box, ways, relations))
    stops = read["bus_stops"][read["bus_stops"].within(box).to_numpy()]
    layers = {
        "zones": zone_gdf,
        "roads": roads,
        "bus_stops": gpd.GeoDataFrame({"osm_id": osm_ids(stops).to_numpy(), "name": stops["name"].to_numpy()},
                                      geometry=stops.geometry.to_numpy(), crs=WGS84),
        "schools": schools(points, areas, box, crs),
        "health": health(points, areas, box, crs),
        "parks": parks(areas, box, crs),
        "buildings": buildings(blds, box),
        "boundary": gpd.GeoDataFrame({"name": ["Central Hải Châu, Đà Nẵng (OpenStreetMap extract)"]},
                                     geometry=[box], crs=WGS84),
    }
    OUT_DIR.mkdir(exist_ok=True)
    OUT_GPKG.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(OUT_GPKG, layer=name, driver="GPKG", engine="pyogrio")

    for district, row in densities.loc[list(summary)[:-1]].iterrows():
        s = summary[district]
        print(f"{district}: census {row['population']:,} people on {row['area_m2'] / 1e6:.3f} km² "
              f"({row['density_m2'] * 1e6:,.0f}/km², wards: {', '.join(row['wards'])}; "
              f"excluded: {', '.join(row['excluded']) or 'none'}) -> extract part "
              f"{s['area_m2'] / 1e6:.3f} km² ({s['land_m2'] / 1e6:.3f} km² of land), "
              f"{s['population']:,.1f} people")
    print(f"total population {summary['total']:,} in {len(zone_gdf)} cells")
    for name, gdf in layers.items():
        print(f"{name}: {len(gdf)} features")
    print(f"wrote {OUT_GPKG.relative_to(REPO)} ({OUT_GPKG.stat().st_size / 1e6:.2f} MB)")

    project = build_project(areas)
    save_project(project, OUT_PROJECT)
    tiers = np.bincount(list(project.priority.values()), minlength=4)[1:]
    print(f"priority cells (tier 1/2/3): {'/'.join(map(str, tiers))}; "
          f"'{SCENARIO}': {len(project.scenario(SCENARIO).placements)} placements")
    print(f"wrote {OUT_PROJECT.relative_to(REPO)} ({OUT_PROJECT.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
