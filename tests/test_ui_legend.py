"""The map legend: grouped as Plan / Existing facilities / Base layers under display names,
collapsible with real clicks, never over the city when fitted at any window size; zone outlines,
a light coverage wash and a tier palette no default layer uses."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from test_ui_support import new_window, sample_project_path, settle_view
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from cityplanner.report.figures import PRIORITY_COLOURS
from ui.canvas.view import BASE, EXISTING, PLAN, legend_layout
from ui.document import NAME_SETTING
from ui.styles import COVERAGE_FILL_ALPHA, PALETTES, priority_colours

pytestmark = pytest.mark.gui


def open_at(qtbot, tmp_path, size):
    win = new_window(qtbot, tmp_path, show=False)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    settle_view(qtbot, win)
    return win


def zones_on_screen(win) -> QRect:
    """The zones' extent in the map's viewport pixels."""
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    vb, canvas = win.canvas.vb, win.canvas
    corners = [canvas.mapFromScene(vb.mapViewToScene(QPointF(x, y))) for x, y in ((x0, y0), (x1, y1))]
    return QRect(corners[0], corners[1]).normalized()


def legend_rect(win) -> QRect:
    legend = win.canvas.legend
    return QRect(legend.mapTo(win.canvas.viewport(), QPoint(0, 0)), legend.size())


def texts(group) -> list[str]:
    return [row[2] for row in group[2]]


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_legend_groups_and_never_covers_the_city(qtbot, tmp_path, size):
    win = open_at(qtbot, tmp_path, size)
    plan = list(win.doc.project.scenarios)[-1]
    win.doc.set_current_scenario(plan)
    win.palette_dock.set_current_type("wifi")
    settle_view(qtbot, win)
    groups = win.canvas.legend_groups()
    assert [g[0] for g in groups] == [PLAN, EXISTING, BASE]
    assert groups[0][1] == f"Plan ({plan})"
    assert {"Public Wi-Fi hotspot", "Priority tier 1"} <= set(texts(groups[0]))
    # Existing facilities under their types' labels, not the layers' file names (health, schools).
    assert {"Clinic", "School", "Bus stop", "Park"} <= set(texts(groups[1]))
    assert not {"health", "schools", "bus_stops", "parks"} & set(texts(groups[1]))
    assert {"Zones", "Streets", "Buildings", "Zone boundaries"} <= set(texts(groups[2]))
    assert "People per km²" in texts(groups[2])
    # The legend is shown, inside the map, and off the zones' extent.
    legend = win.canvas.legend
    assert legend.isVisible()
    viewport = win.canvas.viewport().rect()
    assert viewport.contains(legend_rect(win))
    assert not legend_rect(win).intersects(zones_on_screen(win)), (legend_rect(win), zones_on_screen(win))
    assert viewport.contains(zones_on_screen(win))
    if size == (1920, 1080):
        assert not legend.collapsed  # room for both: the legend stays open
    # Placing more grows the legend's Plan group: the fitted city moves out of its way again.
    win.palette_dock.set_current_type("ev_charger")
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    win.place_facility(((x0 + x1) / 2, (y0 + y1) / 2), "ev_charger")
    settle_view(qtbot, win)
    assert "EV charger" in texts(win.canvas.legend_groups()[0])
    assert not legend_rect(win).intersects(zones_on_screen(win))


def test_legend_collapses_with_real_clicks(qtbot, tmp_path):
    win = open_at(qtbot, tmp_path, (1920, 1080))
    legend = win.canvas.legend
    assert not legend.collapsed and legend.scroll.isVisible()
    open_height = legend.height()
    QTest.mouseClick(legend.title, Qt.MouseButton.LeftButton)
    assert legend.collapsed and not legend.scroll.isVisible()
    assert legend.height() < 40 and legend.user_choice is True
    assert not legend_rect(win).intersects(zones_on_screen(win))
    QTest.mouseClick(legend.title, Qt.MouseButton.LeftButton)
    assert not legend.collapsed and legend.height() == open_height
    # A click on a group's title closes that group only.
    body = legend.body
    laid, _height = legend_layout(legend.groups, body.font(), body.width(), legend.closed_groups)
    base_title = next(item for item in laid if item[0] == BASE)
    QTest.mouseClick(body, Qt.MouseButton.LeftButton, pos=QPoint(30, base_title[2] + base_title[3] // 2))
    assert legend.closed_groups == {BASE}
    assert legend.height() < open_height
    assert not legend_rect(win).intersects(zones_on_screen(win))


def test_small_map_collapses_the_legend_instead_of_covering_the_city(qtbot, tmp_path):
    win = open_at(qtbot, tmp_path, (1024, 768))
    legend = win.canvas.legend
    assert legend.isVisible()
    assert not legend_rect(win).intersects(zones_on_screen(win))
    # Opening it by hand keeps it open and still clear of the city (fitted beside it).
    if legend.collapsed:
        QTest.mouseClick(legend.title, Qt.MouseButton.LeftButton)
        assert not legend.collapsed
        assert not legend_rect(win).intersects(zones_on_screen(win))
    # View > Legend hides it.
    win.actions["legend"].trigger()
    assert not legend.isVisible()
    win.actions["legend"].trigger()
    assert legend.isVisible()


def test_display_names_edited_in_the_layers_dock(qtbot, tmp_path):
    from cityplanner.store import load_project

    win = open_at(qtbot, tmp_path, (1366, 768))
    dock = win.layers_dock
    health = win.doc.project.layer_with_role("clinic").name
    item = dock.item(health)
    assert item.text() == "Clinic" and "Layer health" in item.toolTip()
    # Rename through the list's own editor: click the layer, F2, type, Enter.
    rect = dock.list.visualItemRect(item)
    QTest.mouseClick(dock.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClick(dock.list, Qt.Key.Key_F2)
    editor = dock.list.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "Clinic"
    editor.selectAll()
    QTest.keyClicks(editor, "Health stations")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.doc.display_name(health) == "Health stations")
    assert health in win.doc.project.layers  # the layer keeps its own name
    assert "Health stations" in texts(win.canvas.legend_groups()[1])
    assert dock.item(health).text() == "Health stations"
    win.actions["undo"].trigger()
    assert win.doc.display_name(health) == "Clinic"
    win.actions["redo"].trigger()
    # Saved with the project, and shown again when it is opened.
    target = tmp_path / "named.cityplan"
    assert win.save_to(target)
    assert "Health stations" in load_project(target).settings[NAME_SETTING]
    assert win.open_project(target, ask=False)
    assert win.doc.display_name(health) == "Health stations"
    assert win.layers_dock.item(health).text() == "Health stations"


def test_tier_colours_zone_outlines_and_coverage_wash(qtbot, tmp_path):
    win = open_at(qtbot, tmp_path, (1366, 768))
    canvas = win.canvas
    # One palette for the tiers: the report's; tier 1 is a colour no default layer uses.
    assert priority_colours() == PRIORITY_COLOURS
    qtbot.waitUntil(lambda: canvas._priority_palette is not None)  # loaded off the UI thread if need be
    tier1 = QColor(PRIORITY_COLOURS[1])
    assert canvas.priority_items[1]._pen.color() == tier1
    used = {win.doc.style(n).colour.lower() for n in win.doc.project.layers}
    used |= {ft.color.lower() for ft in win.doc.project.facility_types.values()}
    used |= {c.lower() for colours in PALETTES.values() for c in colours}
    assert PRIORITY_COLOURS[1].lower() not in used
    # Zone outlines are drawn over the layers (the population surface hides the zones' own edges).
    outlines = canvas.zone_outline_item
    assert outlines.isVisible() and len(outlines._chunks) > 0
    assert outlines.zValue() > max(item.zValue() for item in canvas.layer_items.values())
    # The coverage wash lets the streets show through.
    assert COVERAGE_FILL_ALPHA <= 40
    assert canvas.coverage_item._brush.color().alpha() == COVERAGE_FILL_ALPHA
    zones = win.doc.project.zones_layer
    win.layers_dock.item(zones).setCheckState(Qt.CheckState.Unchecked)
    assert not outlines.isVisible()


def test_a_picture_of_the_map_carries_the_legend(qtbot, tmp_path):
    win = open_at(qtbot, tmp_path, (1366, 768))
    canvas = win.canvas
    viewport = canvas.viewport()
    image = QImage(viewport.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("#f4f3ef"))
    painter = QPainter(image)
    canvas.render(painter, QRectF(0, 0, viewport.width(), viewport.height()), viewport.rect())
    painter.end()
    # The legend's white panel in the top-right corner of the picture.
    legend = legend_rect(win)
    x, y = legend.right() - 10, legend.top() + 10
    assert image.pixelColor(x, y).lightness() > 240
    xs = range(legend.left() + 5, legend.right() - 5, 3)
    ys = range(legend.top() + 30, legend.top() + 120, 3)
    pixels = np.array([[image.pixelColor(px, py).lightness() for px in xs] for py in ys])
    assert (pixels < 120).sum() > 20  # dark text and symbols
