"""Generate small, deliberately odd or broken GIS files into a test's ``tmp_path``.

Everything sits around central Hai Chau, Da Nang (about 108.21 E, 16.06 N), so coordinates are
realistic for the project's users; each helper returns the path it wrote.
"""

from __future__ import annotations

import json
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

LON0, LAT0 = 108.21, 16.055
CELL_DEG = 0.002  # about 210 m


def zones(n: int = 9, crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    """A square grid of ``n`` (a square number) zone cells with ``name`` and ``population``."""
    side = int(round(np.sqrt(n)))
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    x0 = LON0 + ix.ravel() * CELL_DEG
    y0 = LAT0 + iy.ravel() * CELL_DEG
    cells = shapely.box(x0, y0, x0 + CELL_DEG, y0 + CELL_DEG)
    return gpd.GeoDataFrame(
        {
            "name": [f"Phường {i + 1}" for i in range(len(cells))],
            "population": np.arange(len(cells)) * 100 + 50,
        },
        geometry=cells,
        crs=crs,
    )


def stops(n: int = 5) -> gpd.GeoDataFrame:
    """Bus-stop points with a Vietnamese ``name``."""
    x = LON0 + np.linspace(0.0005, 0.005, n)
    y = LAT0 + np.linspace(0.0005, 0.005, n)
    return gpd.GeoDataFrame(
        {"name": [f"Trạm Đà Nẵng {i}" for i in range(n)], "routes": np.arange(n)},
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )


def write(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    """Write with pyogrio (driver from the extension) and return the path."""
    pyogrio.write_dataframe(gdf, path, **kwargs)
    return path


def multi_layer_gpkg(tmp: Path) -> Path:
    path = tmp / "city.gpkg"
    write(zones(), path, layer="wards")
    write(stops(), path, layer="bus_stops", append=False)
    return path


def truncated_gpkg(tmp: Path) -> Path:
    """A GeoPackage cut off half way, as an interrupted copy leaves it."""
    path = tmp / "truncated.gpkg"
    write(zones(400), path, layer="wards")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_gpkg(tmp: Path) -> Path:
    """A GeoPackage whose SQLite header has been overwritten."""
    path = tmp / "corrupt.gpkg"
    write(zones(), path, layer="wards")
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100
    path.write_bytes(bytes(data))
    return path


def garbage_file(tmp: Path, name: str = "garbage.geojson") -> Path:
    path = tmp / name
    path.write_bytes(bytes(range(256)) * 8)
    return path


def shapefile_without_crs(tmp: Path) -> Path:
    """Zones in UTM 48N metres written as a shapefile whose .prj is missing."""
    path = write(zones().to_crs("EPSG:32648"), tmp / "no_crs.shp")
    path.with_suffix(".prj").unlink()
    return path


def swapped_geojson(tmp: Path) -> Path:
    """Points with latitude written as x and longitude as y."""
    gdf = stops()
    gdf.geometry = shapely.points(gdf.geometry.y, gdf.geometry.x)
    return write(gdf, tmp / "swapped.geojson")


def metres_declared_degrees(tmp: Path) -> Path:
    """UTM metre coordinates in a GeoPackage that claims EPSG:4326."""
    gdf = zones().to_crs("EPSG:32648").set_crs("EPSG:4326", allow_override=True)
    return write(gdf, tmp / "wrong_crs.gpkg", layer="wards")


def invalid_polygons(tmp: Path) -> Path:
    """Zones of which two are self-intersecting bow-ties and one collapses to a line."""
    gdf = zones()
    x, y = LON0, LAT0
    d = 0.002
    gdf.loc[0, "geometry"] = Polygon([(x, y), (x + d, y + d), (x + d, y), (x, y + d)])
    gdf.loc[1, "geometry"] = Polygon([(x + d, y), (x + 2 * d, y + d), (x + 2 * d, y), (x + d, y + d)])
    gdf.loc[2, "geometry"] = Polygon([(x, y), (x + 0.001, y), (x + 0.002, y), (x, y)])
    return write(gdf, tmp / "invalid.gpkg", layer="wards")


def polygon_family(tmp: Path) -> Path:
    """Polygons and MultiPolygons in one layer (one family: fine)."""
    gdf = zones(4)
    gdf.loc[3, "geometry"] = MultiPolygon([box(LON0, LAT0 - 0.004, LON0 + 0.001, LAT0 - 0.003),
                                           box(LON0 + 0.002, LAT0 - 0.004, LON0 + 0.003, LAT0 - 0.003)])
    return write(gdf, tmp / "family.geojson")


def mixed_dimensions(tmp: Path) -> Path:
    """Three polygons and two points in one GeoJSON layer."""
    gdf = zones(4)
    gdf = gdf.iloc[:3]
    pts = stops(2)[["geometry"]]
    mixed = gpd.GeoDataFrame(
        {"population": [1, 2, 3, 4, 5]},
        geometry=list(gdf.geometry) + list(pts.geometry),
        crs="EPSG:4326",
    )
    return write(mixed, tmp / "mixed.geojson")


def empty_geojson(tmp: Path) -> Path:
    path = tmp / "empty.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    return path


def zones_with_population(tmp: Path, values: list, name: str = "pop.geojson") -> Path:
    """Zones whose ``population`` column holds exactly ``values`` (text, negatives, gaps...)."""
    gdf = zones(len(values))
    gdf["population"] = values
    return write(gdf, tmp / name)


def cp1258_shapefile(tmp: Path, with_cpg: bool = False) -> Path:
    """Bus stops with Vietnamese names in Windows-1258 (decomposed tones), with or without .cpg."""
    path = write(stops(), tmp / "stops_cp1258.shp", encoding="cp1258")
    cpg = path.with_suffix(".cpg")
    if with_cpg:
        cpg.write_text("1258", encoding="ascii")
    elif cpg.exists():
        cpg.unlink()
    return path


def undecodable_shapefile(tmp: Path) -> Path:
    """A shapefile whose names contain bytes no tried encoding defines (0x81, 0x8D)."""
    gdf = stops(2)
    gdf["name"] = ["AAAA", "BBBB"]
    path = write(gdf, tmp / "undecodable.shp")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace(b"AAAA", b"A\x81\x8dA"))
    return path


def zipped_shapefile(tmp: Path) -> Path:
    shp = write(stops(), tmp / "stops.shp")
    path = tmp / "stops.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in tmp.glob("stops.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    for part in tmp.glob("stops.*"):
        if part.suffix != ".zip":
            part.unlink()
    assert not shp.exists()
    return path


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters where it has them, tone marks combining."""
    out = bytearray()
    for ch in text:
        base, *marks = unicodedata.normalize("NFD", ch)
        for split in range(len(marks), -1, -1):
            head = unicodedata.normalize("NFC", base + "".join(marks[:split]))
            try:
                out += head.encode("cp1258") + "".join(marks[split:]).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise UnicodeEncodeError("cp1258", ch, 0, 1, "no Windows-1258 form")
    return bytes(out)


def csv_file(tmp: Path, text: str, name: str = "table.csv", encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def z_polygons(tmp: Path) -> Path:
    """Zones with Z coordinates (Polygon Z), as CAD and survey exports come."""
    gdf = zones()
    gdf.geometry = shapely.force_3d(gdf.geometry.array, z=5.0)
    return write(gdf, tmp / "zones_z.gpkg", layer="wards")


def zm_points_csv(tmp: Path) -> Path:
    """Points with Z and M values (POINT ZM) in a CSV WKT column."""
    rows = [f'"POINT ZM ({LON0 + i * 0.001} {LAT0} 12 7)",{i * 10}' for i in range(3)]
    return csv_file(tmp, "WKT,population\n" + "\n".join(rows) + "\n", name="zm.csv")
