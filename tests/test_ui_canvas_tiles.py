"""Map canvas tile cache on real data (HCMC wards and streets): tiles show exactly what the vector
drawing shows, pans reuse them, zooms show placeholders that then sharpen, and restyling, hiding
and opacity reach the picture, with selection and priority hatching drawn over the tiles. Also the
MBTiles basemap when it extends well beyond the view.

The HCMC layers are below the size at which the canvas switches to tiles, so the threshold is
lowered here; the code path is the one 500,000-building layers take (see benchmarks/bench_canvas.py).
"""

from __future__ import annotations

import dataclasses
import sqlite3

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

import ui.canvas.layer_items as layer_items
from cityplanner.io import read_layer
from cityplanner.project import Layer, Project
from cityplanner.report.figures import PRIORITY_COLOURS
from ui.canvas.basemap import WORLD, MBTilesBasemap
from ui.canvas.view import MapCanvas
from ui.document import ProjectDocument

pytestmark = pytest.mark.gui

BACKGROUND = (0xF4, 0xF3, 0xEF)


@pytest.fixture
def canvas(qtbot, hcmc_gpkg, monkeypatch):
    monkeypatch.setattr(layer_items, "LOD_MIN_VERTICES", 20_000)
    project = Project(crs=CRS.from_epsg(32648), name="tiles")
    wards = project.add_layer(read_layer(hcmc_gpkg, "citywide_wards_pop"))
    wards.role = "zones"
    project.zones_layer = wards.name
    roads = project.add_layer(read_layer(hcmc_gpkg, "roads_detail"))
    roads.role = "roads"
    view = MapCanvas()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(ProjectDocument(project))
    view.show_legend = False
    # 600 m of District 4's streets: under a metre per pixel, finer than either layer's overview.
    x0, y0, x1, y1 = roads.gdf.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    view.zoom_to_bounds((cx - 300, cy - 200, cx + 300, cy + 200))
    assert all(view.layer_items[name].uses_lod for name in (wards.name, roads.name))
    return view


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).copy()


def sharp_view(qtbot, view: MapCanvas, margin_too: bool = False) -> np.ndarray:
    """The viewport once idle rendering has replaced every placeholder (and the margin, if asked)."""
    view.viewport().repaint()
    items = view.layer_items.values()
    qtbot.waitUntil(lambda: not any(item.tiles_pending for item in items), timeout=20_000)
    if margin_too:
        qtbot.waitUntil(lambda: not any(item.tiles_queued for item in items), timeout=20_000)
    return pixels(view.grab().toImage())[..., :3]


def test_tiles_draw_exactly_what_the_vectors_draw(canvas):
    """Every tile of the view rendered and blitted equals one vector drawing of the whole view."""
    for name, item in canvas.layer_items.items():
        view = item.deviceTransform(canvas.viewportTransform())
        size = canvas.viewport().size()
        tiled, direct = (QImage(size, QImage.Format.Format_ARGB32_Premultiplied) for _ in range(2))
        for image in (tiled, direct):
            image.fill(0)
        painter = QPainter(tiled)
        painter.setTransform(view)
        option = QStyleOptionGraphicsItem()
        option.exposedRect = item.boundingRect()
        item.paint(painter, option, None)  # no widget: an export, so no tile is left out
        painter.end()
        painter = QPainter(direct)
        # Tiles sit on whole device pixels: the same rounding of the view's offset here.
        view.setMatrix(view.m11(), 0, 0, 0, view.m22(), 0, round(view.dx()), round(view.dy()), 1)
        painter.setTransform(view)
        pixel = canvas.pixel_size()
        item._draw_level(painter, 0, None, outlines=pixel <= layer_items.OUTLINE_MAX_PIXEL_M)
        painter.end()
        a, b = pixels(tiled), pixels(direct)
        assert (a[..., 3] > 0).mean() > 0.01, f"{name}: nothing drawn"
        same = np.all(a == b, axis=-1).mean()
        assert same > 0.999, f"{name}: only {same:.4%} of pixels match the vector drawing"


def test_pan_blits_cached_tiles_and_moves_the_picture_exactly(qtbot, canvas, monkeypatch):
    before = sharp_view(qtbot, canvas, margin_too=True)
    renders = []
    for item in canvas.layer_items.values():
        render = item._render_tile
        monkeypatch.setattr(item, "_render_tile", lambda *a, _r=render: renders.append(a) or _r(*a))
    pixel = canvas.pixel_size()
    canvas.vb.translateBy(x=-100 * pixel, y=60 * pixel)  # content moves 100 px right, 60 px down
    canvas.viewport().repaint()
    assert renders == [], "a pan within the prefetched margin rendered tiles instead of blitting"
    after = pixels(canvas.grab().toImage())[..., :3]
    # Away from the scale bar and north arrow, which stay where they are.
    h, w = before.shape[:2]
    moved = after[100 : h - 80, 200 : w - 40]
    expected = before[100 - 60 : h - 80 - 60, 200 - 100 : w - 40 - 100]
    assert np.all(moved == expected, axis=-1).mean() > 0.999


def test_zoom_shows_placeholders_then_the_sharp_view(qtbot, canvas, monkeypatch):
    sharp_view(qtbot, canvas)
    monkeypatch.setattr(layer_items, "PAINT_RENDER_BUDGET_S", 0.0)
    canvas.vb.scaleBy((0.74, 0.74))
    canvas.viewport().repaint()
    assert any(item.tiles_pending for item in canvas.layer_items.values())
    placeholder = pixels(canvas.grab().toImage())[..., :3].astype(float)
    final = sharp_view(qtbot, canvas).astype(float)
    blank = np.broadcast_to(np.array(BACKGROUND, float), final.shape)

    def blocks(image):  # 10x10-pixel means: placeholders are blurred, not misplaced
        h, w = (s // 10 * 10 for s in image.shape[:2])
        return image[:h, :w].reshape(h // 10, 10, w // 10, 10, 3).mean(axis=(1, 3))

    error = np.abs(blocks(placeholder) - blocks(final)).mean()
    assert error < 0.25 * np.abs(blocks(blank) - blocks(final)).mean()


def test_restyle_opacity_visibility_selection_and_priority_reach_the_tiled_view(qtbot, canvas):
    doc = canvas.doc
    wards, roads = list(doc.project.layers)
    doc.set_visible(roads, False)
    centre = canvas.vb.viewRect().center()
    row = int(canvas.features_at(wards, (centre.x(), centre.y()))[0])
    h, w = sharp_view(qtbot, canvas).shape[:2]

    def centre_colour() -> np.ndarray:
        return sharp_view(qtbot, canvas)[h // 2 - 3 : h // 2 + 3, w // 2 - 3 : w // 2 + 3].reshape(-1, 3)

    doc.set_style(wards, dataclasses.replace(doc.style(wards), kind="single", colour="#ff0000", opacity=1.0))
    assert np.all(centre_colour() == (255, 0, 0))
    doc.set_opacity(wards, 0.5)
    red = centre_colour().astype(int)
    assert np.all(np.abs(red - (250, 122, 120)) <= 3), red[0]
    doc.set_selection(wards, [row])
    assert np.all(centre_colour()[:, 2] > 150), "selection tint missing over the tiles"
    # Every ward (118,000 vertices): the overlay's fast plain mode, still tinting the same pixels.
    doc.set_selection(wards, np.arange(len(doc.project.layers[wards].gdf)))
    assert canvas.selection_item._large
    assert np.all(centre_colour()[:, 2] > 150), "large selection tint missing over the tiles"
    doc.set_selection(wards, [])
    doc.project.priority = {row: 1}
    doc.notify_priority()
    hatch = sharp_view(qtbot, canvas)[h // 2 - 20 : h // 2 + 20, w // 2 - 20 : w // 2 + 20].reshape(-1, 3)
    tier_colour = QColor(PRIORITY_COLOURS[1])  # the tiers' one palette (report and map)
    rgb = (tier_colour.red(), tier_colour.green(), tier_colour.blue())
    tier_1 = np.all(np.abs(hatch.astype(int) - rgb) <= 8, axis=-1)
    assert 0.05 < tier_1.mean() < 0.9, "priority hatching missing over the tiles"
    doc.project.priority = {}
    doc.notify_priority()
    doc.set_visible(wards, False)
    assert np.all(centre_colour() == BACKGROUND)


def test_basemap_larger_than_the_view_draws_the_tiles_under_it(qtbot, tmp_path):
    """An MBTiles set well beyond the view shows, at the screen centre, the tile containing it."""
    crs = CRS.from_epsg(32648)
    to_mercator = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    from_mercator = Transformer.from_crs("EPSG:3857", crs, always_xy=True)
    z = 16
    size = 2 * WORLD / 2**z
    mx, my = to_mercator.transform(686_000.0, 1_190_000.0)  # District 1, Ho Chi Minh City
    centre_col, centre_row = int((mx + WORLD) // size), int((my + WORLD) // size)
    path = tmp_path / "city.mbtiles"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
        )
        for col in range(centre_col - 8, centre_col + 9):
            for row in range(centre_row - 8, centre_row + 9):
                tile = QImage(256, 256, QImage.Format.Format_RGB32)
                tile.fill(QColor(col % 200, row % 200, 90))
                data = QByteArray()
                buffer = QBuffer(data)
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                tile.save(buffer, "PNG")
                db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, col, row, bytes(data.data())))
    project = Project(crs=crs, name="basemap")
    cx, cy = from_mercator.transform(-WORLD + (centre_col + 0.5) * size, -WORLD + (centre_row + 0.5) * size)
    extent = gpd.GeoDataFrame(geometry=[shapely.box(cx - 5000, cy - 5000, cx + 5000, cy + 5000)], crs=crs)
    project.add_layer(Layer("extent", extent))
    view = MapCanvas()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(ProjectDocument(project))
    view.doc.set_visible("extent", False)
    view.set_basemap(MBTilesBasemap(path, crs))
    # About 2.4 m per pixel: zoom 16 tiles at close to their own resolution, 17 x 17 of them around.
    view.zoom_to_bounds((cx - 1100, cy - 770, cx + 1100, cy + 770))
    view.viewport().repaint()
    image = pixels(view.grab().toImage())
    h, w = image.shape[:2]
    centre = image[h // 2 - 2 : h // 2 + 3, w // 2 - 2 : w // 2 + 3, :3].reshape(-1, 3)
    assert np.all(centre == (centre_col % 200, centre_row % 200, 90)), centre[0]
