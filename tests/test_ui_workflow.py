"""The desktop app driven through its real widgets (offscreen): the planner's whole round trip."""

from __future__ import annotations

import importlib.util

import numpy as np
import pyqtgraph as pg
import pytest
import shapely
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from test_ui_support import new_window, settle_view

from ui.docks.kpis import CHANGE_COLUMN

pytestmark = pytest.mark.gui


def kpis_available() -> bool:
    try:
        return importlib.util.find_spec("cityplanner.kpi") is not None and bool(__import__("cityplanner.kpi"))
    except ImportError:
        return False


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog would block the offscreen test forever: fail with its text instead."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(box, *args, **kwargs):
        text = box.text() if isinstance(box, QMessageBox) else " ".join(str(a) for a in args)
        raise AssertionError(f"unexpected modal dialog: {text}")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: refuse(None, *a[1:3]))


def view_point(win, x: float, y: float) -> QPoint:
    """Viewport pixel of map coordinate (x, y)."""
    scene = win.canvas.vb.mapViewToScene(QPointF(x, y))
    return win.canvas.mapFromScene(scene)


def send_mouse(widget, kind, pos: QPoint, button, buttons) -> None:
    event = QMouseEvent(
        kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def drag_path(qtbot, win, points: list[QPoint]) -> None:
    """Press, move through ``points`` with the left button held, release (a real mouse drag)."""
    viewport = win.canvas.viewport()
    left = Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, points[0], left, left)
    # pyqtgraph drops mouse moves faster than its 'mouseRateLimit' (Hz): pace the drag below it.
    pause_ms = int(2000 / max(pg.getConfigOption("mouseRateLimit"), 1))
    for p in points[1:]:
        send_mouse(viewport, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, left)
        qtbot.wait(pause_ms)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, points[-1], left, Qt.MouseButton.NoButton)


def click_map(qtbot, win, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(win.canvas.viewport(), button, pos=view_point(win, x, y))


def zone_lasso(win) -> tuple[list[QPoint], np.ndarray]:
    """A lasso (hexagon) around the zones' centre, in viewport pixels, and its map ring."""
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 8
    angles = np.linspace(0, 2 * np.pi, 7)
    ring = np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)])
    return [view_point(win, x, y) for x, y in ring], ring


def test_open_toggle_lasso_tier_place_undo_save_reopen(qtbot, window, tmp_path):
    win = window
    project = win.doc.project
    assert win.layers_dock.list.count() == len(project.layers)
    assert set(win.canvas.layer_items) == set(project.layers)

    # Toggle a layer off in the Layers dock: the map item hides and the style remembers it.
    roads = next(name for name, lyr in project.layers.items() if lyr.role == "roads")
    win.layers_dock.item(roads).setCheckState(Qt.CheckState.Unchecked)
    assert not win.canvas.layer_items[roads].isVisible()
    assert win.doc.style(roads).visible is False

    # Lasso-select zones with a real mouse drag, then make them priority tier 1.
    win.layers_dock.set_current_layer(project.zones_layer)
    win.actions["tool_select_lasso"].trigger()
    settle_view(qtbot, win)
    points, ring = zone_lasso(win)
    drag_path(qtbot, win, points)
    selected = win.doc.selection(project.zones_layer)
    assert len(selected) > 0
    lasso = shapely.Polygon(ring)
    zones = project.zones.geometry.to_numpy()
    # The drawn lasso follows whole pixels, so allow a few pixels around the exact ring.
    assert shapely.intersects(zones[selected], lasso.buffer(3 * win.canvas.pixel_size())).all()
    assert shapely.intersects(zones, lasso.buffer(-3 * win.canvas.pixel_size())).sum() <= len(selected)
    # The attribute table shows the same rows selected.
    assert win.attributes_dock.selected_features().tolist() == selected.tolist()
    previous = dict(project.priority)
    win.actions["tier1"].trigger()
    assert all(project.priority[int(r)] == 1 for r in selected)

    # Place a Wi-Fi hotspot by clicking the map: it goes into a plan scenario, not the baseline.
    win.actions["tool_place"].trigger()
    win.palette_dock.set_current_type("wifi")
    cx, cy = lasso.centroid.x, lasso.centroid.y
    click_map(qtbot, win, cx, cy)
    scenario = win.doc.scenario
    assert scenario.name != project.baseline.name
    placed = [p for p in scenario.placements if p.type == "wifi"]
    assert len(placed) == 1 and abs(placed[0].x - cx) < 20 and abs(placed[0].y - cy) < 20
    assert len(win.canvas.placement_item.data) == len(scenario.placements)

    # Drag it to move it; undo puts it back, redo moves it again.
    start = view_point(win, placed[0].x, placed[0].y)
    drag_path(qtbot, win, [start, start + QPoint(15, 0), start + QPoint(40, 0)])
    moved_x = placed[0].x
    assert moved_x > cx + 10
    win.actions["undo"].trigger()
    assert abs(placed[0].x - cx) < 20
    win.actions["redo"].trigger()
    assert placed[0].x == moved_x
    # Undo the move and the placement: gone; redo: back.
    win.doc.undo_stack.undo()
    win.doc.undo_stack.undo()
    assert (
        not [p for p in win.doc.project.scenario(scenario.name).placements if p.type == "wifi"]
        if scenario.name in win.doc.project.scenarios
        else True
    )
    win.doc.undo_stack.redo()
    assert [p for p in win.doc.scenario.placements if p.type == "wifi"]
    # Right-click deletes it, undo restores it.
    hotspot = next(p for p in win.doc.scenario.placements if p.type == "wifi")
    click_map(qtbot, win, hotspot.x, hotspot.y, Qt.MouseButton.RightButton)
    assert hotspot not in win.doc.scenario.placements
    win.doc.undo_stack.undo()
    assert hotspot in win.doc.scenario.placements

    # Save, reopen in a fresh window: tiers, placement, scenario and layer visibility are all there.
    plan_name = win.doc.current_scenario
    path = tmp_path / "plan.cityplan"
    assert win.save_to(path)
    assert not win.doc.is_dirty
    again = new_window(qtbot, tmp_path, show=False)
    assert again.open_project(path, ask=False)
    reopened = again.doc.project
    expected = {**previous, **{int(r): 1 for r in selected}}
    assert reopened.priority == expected
    wifi = [p for p in reopened.scenario(plan_name).placements if p.type == "wifi"]
    assert len(wifi) == 1 and wifi[0].x == pytest.approx(hotspot.x) and wifi[0].y == pytest.approx(hotspot.y)
    assert again.doc.style(roads).visible is False
    assert not again.canvas.layer_items[roads].isVisible()
    assert str(path.resolve()) in again.recent_projects()
    again.kpi_dock.runner.wait()


def test_scenarios_duplicate_rename_delete_and_undo(window):
    doc = window.doc
    dock = window.scenarios_dock
    source = list(doc.project.scenarios)[-1]
    doc.set_current_scenario(source)
    dock.duplicate("Variant A")
    assert doc.current_scenario == "Variant A"
    assert len(doc.project.scenario("Variant A").placements) == len(doc.project.scenario(source).placements)
    dock.rename("Variant B")
    assert "Variant B" in doc.project.scenarios and "Variant A" not in doc.project.scenarios
    dock.delete()
    assert "Variant B" not in doc.project.scenarios
    doc.undo_stack.undo()
    assert "Variant B" in doc.project.scenarios
    assert dock.list.count() == len(doc.project.scenarios)


def test_identify_and_attribute_filter(qtbot, window):
    win = window
    zones = win.doc.project.zones_layer
    win.actions["tool_identify"].trigger()
    x, y = win.doc.project.zones.geometry.iloc[5].representative_point().coords[0]
    win.doc.style(win.doc.project.zones_layer)
    for name in win.doc.project.layers:
        if name != zones:
            win.doc.set_visible(name, False)
    click_map(qtbot, win, x, y)
    dialog = win.findChild(type(win), "IdentifyDialog") or next(
        w for w in win.findChildren(object) if w.objectName() == "IdentifyDialog"
    )
    assert dialog.isVisible()
    assert win.doc.selection(zones).tolist() == [5]
    win.attributes_dock.show_layer(zones)
    district = str(win.doc.project.zones["district"].iloc[0])
    win.attributes_dock.filter.setText(district)
    expected = int((win.doc.project.zones.astype(str) == district).any(axis=1).sum())
    assert win.attributes_dock.model.rowCount() == expected


@pytest.mark.skipif(not kpis_available(), reason="needs the engine's KPI module (cityplanner.kpi)")
def test_kpis_update_after_placement_and_compare(qtbot, window):
    win = window
    dock = win.kpi_dock
    qtbot.waitUntil(lambda: not dock.runner.busy and bool(dock.results), timeout=120_000)
    before = dock.result("wifi_population_100m")
    # The sample has no Wi-Fi layer: n/a with the reason, not 0 / "not met".
    assert before is not None and before.value is None and before.status == "n/a"
    assert 'declare "none exist"' in before.method_note
    # Declared none exist, the baseline is a true 0 and the plan's hotspots are a change from it.
    win.doc.project.declare_none_exist("wifi")
    win.scenarios_dock.new_scenario("Hotspots")
    qtbot.waitUntil(lambda: not dock.runner.busy, timeout=60_000)
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    win.actions["tool_place"].trigger()
    win.palette_dock.set_current_type("wifi")
    for fx, fy in [(0.3, 0.3), (0.5, 0.5), (0.7, 0.6)]:
        win.place_facility((x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)))
    qtbot.waitUntil(lambda: not dock.runner.busy, timeout=60_000)
    after = dock.result("wifi_population_100m")
    assert after.value > 0 and after.baseline_value == 0.0
    assert after.change == pytest.approx(after.value - after.baseline_value)
    row = next(
        r
        for r in range(dock.table.rowCount())
        if dock.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "wifi_population_100m"
    )
    assert dock.table.item(row, CHANGE_COLUMN).text().startswith("+")

    from ui.dialogs.compare import CompareDialog

    dialog = CompareDialog(win.doc, win)
    dialog.a.setCurrentText(win.doc.project.baseline.name)
    dialog.b.setCurrentText("Hotspots")
    qtbot.waitUntil(
        lambda: (
            bool(dialog.results)
            and dialog.results[1] == "Hotspots"
            and dialog.results[0] == win.doc.project.baseline.name
        ),
        timeout=120_000,
    )
    assert dialog.table.rowCount() == len(dock.results)
    ids = [r.id for r in dialog.results[2]]
    row = ids.index("wifi_population_100m")
    assert dialog.table.item(row, 3).text().startswith("+")
    dialog.close()
