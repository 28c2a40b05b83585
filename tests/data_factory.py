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


# -- issue 16: archive limits, population types, truncated shapefiles, Windows-1258 -------------------
# The five Vietnamese tone marks: Windows-1258 writes them as combining characters after the letter
# (it has no precomposed "ệ", "ờ", ...) and keeps circumflex, breve and horn on the letter (ê, ă, ơ).
_VI_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def encode_cp1258(text: str) -> bytes:
    """``text`` as Windows encodes it in code page 1258 (also "ệ", which :func:`to_cp1258` cannot)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        base, *marks = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in marks if m in _VI_TONE_MARKS)
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in _VI_TONE_MARKS))
        try:
            out += unicodedata.normalize("NFC", letter + tones).encode("cp1258")  # precomposed (à, á, ã)
        except UnicodeEncodeError:
            out += letter.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def dbf_table(fields: list[tuple[str, str, int, int]], records: list[tuple], encode=encode_cp1258) -> bytes:
    """A dBASE III table written byte by byte: ``fields`` as (name, "C"/"N", width, decimals).

    Names and text go through ``encode``; a name may take the full 10 bytes dBASE allows.
    """
    import struct

    header_length = 32 + 32 * len(fields) + 1
    record_length = 1 + sum(width for _, _, width, _ in fields)
    out = bytearray(struct.pack("<BBBBIHH20x", 3, 126, 12, 1, len(records), header_length, record_length))
    for name, kind, width, decimals in fields:
        raw = encode(name)
        assert len(raw) <= 10, f"dBASE field names hold 10 bytes; {name!r} takes {len(raw)}"
        out += struct.pack("<11sc4xBB14x", raw, kind.encode("ascii"), width, decimals)
    out += b"\r"
    for record in records:
        out += b" "
        for (_, kind, width, decimals), value in zip(fields, record, strict=True):
            cell = encode(value).ljust(width) if kind == "C" else f"{value:>{width}.{decimals}f}".encode()
            assert len(cell) == width, (value, width)
            out += cell
    out += b"\x1a"
    return bytes(out)


# Four wards of Hai Chau district, Da Nang; the populations and areas are made up for the tests.
VI_WARD_FIELDS = [
    ("Phường", "C", 40, 0),
    ("Quận", "C", 20, 0),
    ("Dân_số", "N", 10, 0),
    ("Diện_tích", "N", 12, 3),
]
VI_WARDS = [
    ("Phường Hải Châu I", "Hải Châu", 12500, 0.972),
    ("Thạch Thang", "Hải Châu", 15800, 1.184),
    ("Phước Ninh", "Hải Châu", 13400, 0.665),
    ("Hòa Thuận Đông", "Hải Châu", 14100, 0.868),
]


def _without_diacritics(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return plain.encode("ascii", "ignore").decode("ascii")


def vietnamese_wards_shapefile(
    tmp: Path, cpg: str | None = "1258", ascii_values: bool = False, name: str = "phuong_hai_chau"
) -> Path:
    """Ward polygons whose .dbf is genuine Windows-1258: Vietnamese field names and values.

    ``cpg`` is what the .cpg file says (None: no .cpg); ``ascii_values`` writes the values without
    diacritics, so only the field names carry Windows-1258 bytes.
    """
    cells = zones(4)  # one cell per ward of VI_WARDS
    ids = gpd.GeoDataFrame({"id": np.arange(4)}, geometry=cells.geometry.values, crs=cells.crs)
    path = write(ids, tmp / f"{name}.shp")
    records = VI_WARDS
    if ascii_values:
        records = [(_without_diacritics(w), _without_diacritics(d), p, a) for w, d, p, a in VI_WARDS]
    path.with_suffix(".dbf").write_bytes(dbf_table(VI_WARD_FIELDS, records))
    cpg_path = path.with_suffix(".cpg")
    cpg_path.unlink(missing_ok=True)
    if cpg is not None:
        cpg_path.write_text(cpg, encoding="ascii")
    return path


def zip_shapefile(shp: Path, target: Path | None = None) -> Path:
    """Zip every part of ``shp`` (same stem) into ``target`` (default: next to it, ``.zip``)."""
    target = target or shp.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(shp.parent.glob(f"{shp.stem}.*")):
            if part.suffix.lower() != ".zip":
                zf.write(part, part.name)
    return target


def zip_bomb(tmp: Path, expand_mib: int = 160) -> Path:
    """A zipped shapefile of 4 zones whose .dbf carries ``expand_mib`` MiB of blank padding.

    GDAL reads the 4 records and ignores the padding, so only its size makes the file hostile: it
    compresses about 1,000 to 1, as zip bombs do.
    """
    write(zones(4), tmp / "bomb.shp")
    pad = b" " * (1024 * 1024)
    with zipfile.ZipFile(tmp / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(tmp.glob("bomb.*")):
            if part.suffix.lower() == ".dbf":
                with zf.open(part.name, "w", force_zip64=True) as member:
                    member.write(part.read_bytes())
                    for _ in range(expand_mib):
                        member.write(pad)
            elif part.suffix.lower() != ".zip":
                zf.write(part, part.name)
    return tmp / "bomb.zip"


def _patch_zip_headers(path: Path, member: str, central: dict[int, bytes], local: dict[int, bytes]) -> None:
    """Overwrite bytes at offsets of ``member``'s central-directory and local headers (no zip64)."""
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    pos = int.from_bytes(data[end + 16 : end + 20], "little")  # where the central directory starts
    name = member.encode()
    while data[pos : pos + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(data[pos + i : pos + i + 2], "little") for i in (28, 30, 32)
        )
        if bytes(data[pos + 46 : pos + 46 + name_length]) == name:
            local_at = int.from_bytes(data[pos + 42 : pos + 46], "little")
            for offset, raw in central.items():
                data[pos + offset : pos + offset + len(raw)] = raw
            for offset, raw in local.items():
                data[local_at + offset : local_at + offset + len(raw)] = raw
            path.write_bytes(bytes(data))
            return
        pos += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"{member} is not in the central directory of {path}")


def zip_claiming_size(tmp: Path, size: int) -> Path:
    """A zipped shapefile whose .dbf entry claims ``size`` uncompressed bytes (< 4 GiB)."""
    path = zip_shapefile(write(zones(4), tmp / "claims.shp"))
    raw = size.to_bytes(4, "little")
    _patch_zip_headers(path, "claims.dbf", central={24: raw}, local={22: raw})
    return path


def zip_with_encrypted_member(tmp: Path) -> Path:
    """A zipped shapefile whose .dbf is flagged as encrypted (password-protected)."""
    path = zip_shapefile(write(zones(4), tmp / "locked.shp"))
    with zipfile.ZipFile(path) as zf:
        flags = zf.getinfo("locked.dbf").flag_bits | 0x1
    raw = flags.to_bytes(2, "little")
    _patch_zip_headers(path, "locked.dbf", central={8: raw}, local={6: raw})
    return path


def truncated_shapefile(tmp: Path, part: str, keep: float = 0.4, n: int = 36) -> Path:
    """``n`` zones as a shapefile whose ``part`` (".shp", ".shx" or ".dbf") lost its tail."""
    path = write(zones(n), tmp / f"cut{part.replace('.', '_')}.shp")
    cut = path.with_suffix(part)
    data = cut.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    return path


def zip_with_macos_copies(shp: Path, target: Path) -> Path:
    """Zip ``shp`` as macOS Finder does: each part also as an AppleDouble ``__MACOSX/._name``, first."""
    parts = sorted(p for p in shp.parent.glob(f"{shp.stem}.*") if p.suffix.lower() != ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in parts:
            zf.writestr(f"__MACOSX/._{part.name}", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X" + bytes(70))
        for part in parts:
            zf.write(part, part.name)
    return target
