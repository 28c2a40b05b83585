"""Workshop mode, driven by keys and clicks: presentation mode, tiles, before/after, split view,
decision log, shortcut overlay, and every window fitting a 1024x768 screen."""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pypdf
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QDockWidget, QToolBar
from test_ui_support import (
    new_window,
    sample_on_smallest_screen,
    sample_project_path,
    screenshot_dir,
    settle_view,
)

from cityplanner import decisions
from cityplanner.kpi_status import STATUS_MARKS
from cityplanner.report.pdf import write_pdf
from cityplanner.store import load_project
from ui import i18n
from ui.workshop import screenfit, theme
from ui.workshop.tiles import BEFORE, SPLIT

pytestmark = pytest.mark.gui
# Seconds from a placement to tiles showing its KPIs on the sample city (issue 12).
LIVE_UPDATE_S = 0.5


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog would block the offscreen test forever: fail with its text instead."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(box, *args, **kwargs):
        text = box.text() if isinstance(box, QMessageBox) else " ".join(str(a) for a in args)
        raise AssertionError(f"unexpected modal dialog: {text}")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: refuse(None, *a[1:3]))


# -- helpers --------------------------------------------------------------------------------------
def press(qtbot, win, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real key press, to the widget with the keyboard focus (the window must be the active one)."""
    if not win.isActiveWindow():
        win.activateWindow()
        QTest.qWaitForWindowActive(win)
    focus = QApplication.focusWidget()
    QTest.keyClick(focus if focus is not None and focus.window() is win else win, key, modifier)
    qtbot.wait(10)


def type_text(widget, text: str) -> None:
    """Key events carrying ``text`` one character at a time (as a keyboard layout sends them)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def view_point(win, x: float, y: float) -> QPoint:
    scene = win.canvas.vb.mapViewToScene(QPointF(x, y))
    return win.canvas.mapFromScene(scene)


def click_map(qtbot, win, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(win.canvas.viewport(), button, pos=view_point(win, x, y))


def wait_results(qtbot, win, scenario: str | None = None) -> None:
    """Until the KPI dock has evaluated ``scenario`` (the current one) and the tiles show it."""
    mode = win.presentation

    def ready() -> bool:
        dock = win.kpi_dock
        done = bool(dock.results) and not dock.runner.busy
        if scenario is not None:
            done = done and win.doc.current_scenario == scenario
        return done and (mode is None or not mode.active or mode.results == dock.results)

    qtbot.waitUntil(ready, timeout=120_000)


def enter(qtbot, win):
    press(qtbot, win, Qt.Key.Key_F11)
    mode = win.presentation
    assert mode is not None and mode.active
    wait_results(qtbot, win)
    settle_view(qtbot, win)
    return mode


def to_plan(qtbot, win) -> str:
    """PgDown until the sample's plan is shown (the scenario switch of the workshop toolbar)."""
    plan = list(win.doc.project.scenarios)[-1]
    for _ in range(len(win.doc.project.scenarios)):
        if win.doc.current_scenario == plan:
            break
        press(qtbot, win, Qt.Key.Key_PageDown)
    assert win.doc.current_scenario == plan
    wait_results(qtbot, win, plan)
    return plan


def choose_type(qtbot, win, name: str) -> None:
    """T until the toolbar's facility type is ``name``."""
    combo = win.presentation.type_combo
    for _ in range(combo.count()):
        if combo.currentData() == name:
            break
        press(qtbot, win, Qt.Key.Key_T)
    assert combo.currentData() == name and win.palette_dock.current_type == name


def free_spot(win) -> tuple[float, float]:
    """A map point inside the city, away from the current scenario's placements."""
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    placed = np.array([(p.x, p.y) for p in win.doc.scenario.placements] or [(np.inf, np.inf)])
    for fx, fy in [(0.5, 0.5), (0.35, 0.6), (0.65, 0.4), (0.3, 0.3), (0.7, 0.7)]:
        x, y = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
        if np.hypot(placed[:, 0] - x, placed[:, 1] - y).min() > 200:
            return x, y
    raise AssertionError("no free spot")


def tile_value(mode, kpi_id: str, row: int = 0) -> str:
    return mode.tiles.tiles[kpi_id].values[row].text()


def app_docks(win) -> list[QDockWidget]:
    return [
        d
        for d in win.findChildren(QDockWidget)
        if d.objectName() in {"LayersDock", "ScenariosDock", "KpiDock", "PaletteDock", "AttributesDock"}
    ]


# -- presentation mode ----------------------------------------------------------------------------
def test_f11_enters_presentation_mode_and_esc_leaves_it(qtbot, window):
    win = window
    visible = {d.objectName() for d in app_docks(win) if d.isVisible()}
    size = win.size()
    assert visible and win.menuBar().isVisible() and win.toolbar.isVisible()
    assert win.actions["presentation"].shortcut().toString() == "F11"
    # The main toolbar has the button too.
    assert win.toolbar.widgetForAction(win.actions["presentation"]).isVisible()

    mode = enter(qtbot, win)
    assert win.isFullScreen()
    assert not any(d.isVisible() for d in app_docks(win))
    assert not win.menuBar().isVisible() and not win.statusBar().isVisible()
    assert not win.toolbar.isVisible() and mode.toolbar.isVisible()
    # The map fills the screen but for the tiles' panel (and the legend strip under it).
    assert win.canvas.width() >= 0.55 * win.width() and win.canvas.height() >= 0.7 * win.height()
    assert not win.canvas.show_legend
    # The minimal toolbar: place, move, delete, facility type, undo, redo, scenario.
    shown = {a.objectName() for a in mode.toolbar.actions() if a.isVisible()}
    assert {f"workshop_{k}" for k in ("place", "move", "delete", "undo", "redo")} <= shown
    assert mode.type_combo.isVisible() and mode.scenario_combo.isVisible()
    assert mode.scenario_combo.currentText() == win.doc.current_scenario
    # Large tiles, with the KPIs' values, targets and statuses.
    assert len(mode.tiles.tiles) >= 3
    for kpi_id, tile in mode.tiles.tiles.items():
        result = win.kpi_dock.result(kpi_id)
        assert tile.isVisible() and tile.name_label.text() == i18n.kpi_name(result)
        assert theme.status_word(result.status) in tile.badge.text()
        assert STATUS_MARKS[result.status] in tile.values[0].text()
        assert "target" in tile.detail.text()

    for button in mode.buttons.values():
        assert button.sizeHint().width() <= button.width(), button.text()

    press(qtbot, win, Qt.Key.Key_Escape)
    assert not mode.active and not win.isFullScreen()
    qtbot.waitUntil(lambda: win.size() == size)
    assert {d.objectName() for d in app_docks(win) if d.isVisible()} == visible
    assert win.menuBar().isVisible() and win.statusBar().isVisible() and win.toolbar.isVisible()
    assert not mode.toolbar.isVisible() and not mode.panel_dock.isVisible()
    assert win.canvas.show_legend and win.canvas.tool is win.tools["pan"]

    # F11 enters and leaves too.
    press(qtbot, win, Qt.Key.Key_F11)
    assert mode.active and win.isFullScreen()
    press(qtbot, win, Qt.Key.Key_F11)
    assert not mode.active and not win.isFullScreen()


def test_presentation_mode_in_vietnamese_fits_its_words(qtbot, tmp_path):
    from ui.app import create_app

    create_app([], language="vi")
    try:
        win = new_window(qtbot, tmp_path)
        assert win.open_project(sample_project_path(tmp_path), ask=False)
        mode = enter(qtbot, win)
        to_plan(qtbot, win)
        assert mode.actions["before_after"].text() == "&Trước / sau"
        words = {theme.status_word(s) for s in ("met", "near", "not met", "n/a")}
        assert words == {"ĐẠT", "GẦN ĐẠT", "CHƯA ĐẠT", "KHÔNG ÁP DỤNG"}
        for kpi_id, tile in mode.tiles.tiles.items():
            result = win.kpi_dock.result(kpi_id)
            assert tile.name_label.text() == result.name_vi
            assert theme.status_word(result.status) in tile.badge.text()
            assert "mục tiêu" in tile.detail.text()
        # Every button's words fit on it; every toolbar item is on the toolbar.
        for button in mode.buttons.values():
            assert button.sizeHint().width() <= button.width(), button.text()
        for action in mode.toolbar.actions():
            widget = mode.toolbar.widgetForAction(action)
            if widget is not None and action.isVisible():
                assert widget.isVisible() and widget.geometry().right() <= mode.toolbar.width(), action.text()
        assert "Điểm phát Wi-Fi công cộng" in mode.legend.texts()
        target = screenshot_dir(tmp_path)
        target.mkdir(parents=True, exist_ok=True)
        assert win.grab().save(str(target / "workshop_present_vi_test.png"))
        press(qtbot, win, Qt.Key.Key_Escape)
    finally:
        i18n.install_translator("en")


def test_place_and_undo_in_presentation_mode_the_tiles_follow(qtbot, window):
    win = window
    mode = enter(qtbot, win)
    plan = to_plan(qtbot, win)
    press(qtbot, win, Qt.Key.Key_P)
    assert mode.tool.mode == "place" and win.canvas.tool is mode.tool
    choose_type(qtbot, win, "wifi")
    assert "wifi_hotspots" in mode.tiles.tiles  # the plan places hotspots: its KPIs are shown
    before = win.kpi_dock.result("wifi_hotspots").value
    assert tile_value(mode, "wifi_hotspots").endswith(f"{before:,.0f}")
    count = len(win.doc.scenario.placements)

    x, y = free_spot(win)
    busy_seen = []
    mode.tiles_updated.connect(lambda: busy_seen.append(mode.tiles.busy))
    started = time.perf_counter()
    click_map(qtbot, win, x, y)
    # An ordinary scenario edit on the undo stack, in the plan shown.
    assert win.doc.current_scenario == plan and len(win.doc.scenario.placements) == count + 1
    placed = win.doc.scenario.placements[-1]
    assert placed.type == "wifi" and abs(placed.x - x) < 30 and abs(placed.y - y) < 30
    assert win.doc.undo_stack.canUndo()
    # "computing" while the KPI dock's worker runs, then the new values.
    assert mode.tiles.busy or not win.kpi_dock.runner.busy
    qtbot.waitUntil(lambda: tile_value(mode, "wifi_hotspots").endswith(f"{before + 1:,.0f}"), timeout=10_000)
    elapsed = time.perf_counter() - started
    assert not mode.tiles.busy and "#8a8a8a" not in mode.tiles.tiles["wifi_hotspots"].styleSheet()
    timings = [elapsed]
    # The placement is drawn large in the presentation's theme.
    spots = win.canvas.placement_item.data
    assert len(spots) == count + 1 and spots["size"].max() >= mode.sizes.symbol

    # Ctrl+Z undoes it, the tiles go back; the toolbar's Redo button puts it back.
    press(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(win.doc.scenario.placements) == count
    qtbot.waitUntil(lambda: tile_value(mode, "wifi_hotspots").endswith(f"{before:,.0f}"), timeout=10_000)
    redo = mode.toolbar.widgetForAction(mode.actions["redo"])
    qtbot.mouseClick(redo, Qt.MouseButton.LeftButton)
    assert win.doc.scenario.placements[-1] is placed
    # Move mode: drag is a move; delete mode: a click deletes; both undoable.
    press(qtbot, win, Qt.Key.Key_X)
    assert mode.tool.mode == "delete"
    click_map(qtbot, win, placed.x, placed.y)
    assert placed not in win.doc.scenario.placements
    undo = mode.toolbar.widgetForAction(mode.actions["undo"])
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert placed in win.doc.scenario.placements

    # Live: the tiles show a placement's KPIs within 0.5 s on the sample (the best of three
    # placements, the limit stretched only while other processes overload this machine).
    press(qtbot, win, Qt.Key.Key_P)
    for _ in range(2):
        wait_results(qtbot, win)
        shown = tile_value(mode, "wifi_hotspots")
        x, y = free_spot(win)
        started = time.perf_counter()
        click_map(qtbot, win, x, y)
        qtbot.waitUntil(lambda shown=shown: tile_value(mode, "wifi_hotspots") != shown, timeout=10_000)
        timings.append(time.perf_counter() - started)
    busy = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    limit = LIVE_UPDATE_S * min(busy, 3.0)
    assert min(timings) <= limit, f"tiles updated {timings} s after placements (load x{busy:.1f})"
    press(qtbot, win, Qt.Key.Key_Escape)
    assert placed in win.doc.scenario.placements  # leaving keeps the edits


def test_before_after_flips_map_and_tiles_with_one_key(qtbot, window):
    win = window
    mode = enter(qtbot, win)
    baseline = win.doc.project.baseline.name
    # From the baseline, B shows the plan ...
    assert win.doc.current_scenario == baseline
    press(qtbot, win, Qt.Key.Key_B)
    plan = list(win.doc.project.scenarios)[-1]
    assert win.doc.current_scenario == plan and mode.view == "after"
    wait_results(qtbot, win, plan)
    results = {r.id: r for r in win.kpi_dock.results}
    changed = next(k for k in mode.tiles.kpi_ids if results[k].value != results[k].baseline_value)
    after_text = tile_value(mode, changed)
    assert win.canvas.placement_item.isVisible()
    assert len(win.canvas.placement_item.data) == len(win.doc.scenario.placements) > 0

    # ... and B flips map and tiles to the baseline: no planned facility drawn, baseline values.
    press(qtbot, win, Qt.Key.Key_B)
    assert mode.view == BEFORE and win.doc.current_scenario == plan
    assert not win.canvas.placement_item.isVisible()
    left = mode.split.sides[0]
    assert left.group.isVisible() and left.scenario == baseline
    assert left.spot_count() == len(win.doc.project.baseline.placements)
    assert baseline in mode.header.text() and mode.buttons["before_after"].isChecked()
    before_text = tile_value(mode, changed)
    assert before_text != after_text
    assert "before the plan" in mode.tiles.tiles[changed].detail.text()
    # B again: the plan.
    press(qtbot, win, Qt.Key.Key_B)
    assert mode.view == "after" and win.canvas.placement_item.isVisible()
    assert tile_value(mode, changed) == after_text


def test_split_view_shows_both_scenarios_on_one_map(qtbot, window, tmp_path):
    win = window
    mode = enter(qtbot, win)
    plan = to_plan(qtbot, win)
    baseline = win.doc.project.baseline.name
    press(qtbot, win, Qt.Key.Key_S)
    assert mode.view == SPLIT and mode.buttons["split"].isChecked()
    left, right = mode.split.sides
    assert (left.scenario, right.scenario) == (baseline, plan)
    assert left.spot_count() == len(win.doc.project.baseline.placements)
    assert right.spot_count() == len(win.doc.project.scenario(plan).placements) > 0
    assert mode.split.divider.isVisible()
    assert [label.toPlainText() for label in mode.split.labels] == [f"◀ {baseline}", f"{plan} ▶"]
    # Each tile shows both numbers: baseline (◀) and plan (▶).
    for kpi_id, tile in mode.tiles.tiles.items():
        result = win.kpi_dock.result(kpi_id)
        assert tile.values[0].text().startswith("◀") and tile.values[1].text().startswith("▶")
        assert tile.values[1].isVisible()
        if result.change:
            assert tile.values[0].text()[1:] != tile.values[1].text()[1:]
    settle_view(qtbot, win)

    # A plan facility is drawn right of the divider, hidden left of it: move the divider with ].
    hotspot = next(p for p in win.doc.scenario.placements if p.type == "wifi")
    colour = QColor(mode.map_theme.colour("wifi"))

    def drawn() -> bool:
        image = win.canvas.grab().toImage()
        point = view_point(win, hotspot.x, hotspot.y)
        ring = [(point.x() + dx, point.y() + dy) for dx in (-7, 0, 7) for dy in (-7, 0, 7)]
        return any(_close(QColor(image.pixel(px, py)), colour) for px, py in ring)

    while mode.split.side_of(hotspot.x) == 0:
        press(qtbot, win, Qt.Key.Key_BracketLeft)
    qtbot.wait(50)
    assert drawn()
    while mode.split.side_of(hotspot.x) == 1:
        press(qtbot, win, Qt.Key.Key_BracketRight)
        assert mode.split.fraction < 0.99
    qtbot.wait(50)
    assert not drawn()
    # Clicks on the baseline's side edit nothing.
    press(qtbot, win, Qt.Key.Key_P)
    count = len(win.doc.scenario.placements)
    click_map(qtbot, win, hotspot.x, hotspot.y)
    assert len(win.doc.scenario.placements) == count
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(target / "workshop_split_test.png"))
    press(qtbot, win, Qt.Key.Key_S)
    assert mode.view == "after" and not left.group.isVisible() and win.canvas.placement_item.isVisible()


def _close(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) <= tolerance


def test_value_text_is_large_enough_for_the_room(qapp):
    """At least 28 px high on a 1024x768 screen (and 1280x720), larger on larger screens."""
    for size, at_least in ((QSize(1024, 768), 28), (QSize(1280, 720), 28), (QSize(1920, 1080), 38)):
        sizes = theme.RoomSizes.for_screen(size)
        font = QFont()
        font.setPixelSize(sizes.value)
        font.setBold(True)
        digits = QFontMetrics(font).tightBoundingRect("0123456789").height()
        assert digits >= at_least, (size, digits)


def test_decision_recorded_with_keys_and_clicks_is_saved_with_the_project(qtbot, window, tmp_path):
    win = window
    mode = enter(qtbot, win)
    plan = to_plan(qtbot, win)
    press(qtbot, win, Qt.Key.Key_D)
    dialog = mode.decision_dialog
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "Decision log"
    add = dialog.save_button
    assert not add.isEnabled()  # a state first
    qtbot.mouseClick(dialog.state_buttons["agreed"], Qt.MouseButton.LeftButton)
    assert add.isEnabled()
    dialog.note.setFocus()
    QTest.keyClicks(dialog.note, "Hotspots at the markets; ")
    type_text(dialog.note, "Đà Nẵng")  # QTest.keyClicks types ASCII only
    QTest.keyClicks(dialog.note, " ICT to cost them")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    log = decisions.decision_log(win.doc.project)
    assert len(log) == 1 and log[0].state == "agreed" and log[0].scenario == plan
    assert log[0].note == "Hotspots at the markets; Đà Nẵng ICT to cost them"
    assert "9 new facilities: 4 Public Wi-Fi hotspot" in log[0].change
    assert "wifi_hotspots" in {k.id for k in log[0].kpis}
    assert win.doc.is_dirty

    path = tmp_path / "workshop.cityplan"
    assert win.save_to(path)
    again = load_project(path)
    assert decisions.decision_log(again) == log
    # ... and the report of the saved project has it, in its own section.
    pdf = write_pdf(again, [plan], tmp_path / "report.pdf")
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages))
    assert "Workshop decisions" in text and "Hotspots at the markets; Đà Nẵng ICT to cost them" in text
    # The log shows in the dialog next time (Plan > Decision log… outside presentation mode).
    press(qtbot, win, Qt.Key.Key_Escape)
    win.actions["decision_log"].trigger()
    dialog = next(d for d in win.findChildren(type(dialog)) if d.isVisible())
    assert dialog.log_texts()[0][:3] == [log[0].time, plan, "Agreed"]
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Close), Qt.MouseButton.LeftButton)


def test_every_workshop_action_has_a_key_listed_in_the_help_overlay(qtbot, window):
    win = window
    mode = enter(qtbot, win)
    assert all(a.shortcut().toString() for a in mode.actions.values())
    keys = [k.toString() for a in mode.actions.values() for k in a.shortcuts()]
    assert len(keys) == len(set(keys)), "two actions share a key"
    press(qtbot, win, Qt.Key.Key_F1)
    overlay = mode.help
    assert overlay.isVisible() and overlay.geometry() == win.rect()
    listed = overlay.text()
    for action in mode.actions.values():
        assert action.text().replace("&", "").replace("…", "") in listed
        assert action.shortcut().toString(action.shortcut().SequenceFormat.NativeText) in listed
    # Esc closes the list, not presentation mode; ? opens it again.
    press(qtbot, win, Qt.Key.Key_Escape)
    assert not overlay.isVisible() and mode.active
    press(qtbot, win, Qt.Key.Key_Question)
    assert mode.help.isVisible()
    QTest.mouseClick(mode.help, Qt.MouseButton.LeftButton)
    assert not mode.help.isVisible() and mode.active


def test_kpi_tiles_are_the_facilitators_pick(qtbot, window):
    win = window
    mode = enter(qtbot, win)
    press(qtbot, win, Qt.Key.Key_K)
    dialog = mode.kpi_dialog
    qtbot.waitExposed(dialog)
    items = [dialog.list.item(i) for i in range(dialog.list.count())]
    assert len(items) == len(win.kpi_dock.results)
    for item in items:  # uncheck all, then check the health KPI by clicking its box
        if item.checkState() == Qt.CheckState.Checked:
            item.setCheckState(Qt.CheckState.Unchecked)
    health = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "health_access_1km")
    rect = dialog.list.visualItemRect(health)
    qtbot.mouseClick(
        dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10, rect.center().y())
    )
    if health.checkState() != Qt.CheckState.Checked:  # the click selected the row: space checks it
        QTest.keyClick(dialog.list, Qt.Key.Key_Space)
    assert health.checkState() == Qt.CheckState.Checked
    ok = next(b for b in dialog.findChildren(QDialogButtonBox)).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert mode.tiles.kpi_ids == ["health_access_1km"] and list(mode.tiles.tiles) == ["health_access_1km"]
    assert "health_access_1km" in win.doc.project.settings["ui.workshop_kpis"]


def test_present_option_starts_in_presentation_mode(qtbot, tmp_path, monkeypatch):
    import ui.app as app_module
    from ui.main_window import MainWindow

    made = []

    def window_factory():
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
        qtbot.addWidget(
            win, before_close_func=lambda w: (w.kpi_dock.runner.wait(), w.doc.undo_stack.setClean())
        )
        made.append(win)
        return win

    monkeypatch.setattr(app_module, "MainWindow", window_factory)
    monkeypatch.setattr(app_module.QApplication, "exec", lambda *_a: 0)
    assert app_module.main(["--present", "--lang", "en", str(sample_project_path(tmp_path))]) == 0
    win = made[0]
    assert win.presentation is not None and win.presentation.active and win.isFullScreen()
    assert win.doc.path == sample_project_path(tmp_path)
    wait_results(qtbot, win)


# -- every window fits 1024x768 ---------------------------------------------------------------------
def _dialogs(win):
    from ui.dialogs.compare import CompareDialog
    from ui.dialogs.new_project import NewProjectWizard
    from ui.dialogs.priority import PriorityRuleDialog
    from ui.dialogs.propose import ProposeSitesDialog
    from ui.dialogs.style import StyleDialog
    from ui.main_window import SAMPLE_PROJECT
    from ui.workshop.decision_dialog import DecisionDialog
    from ui.workshop.kpi_picker import KpiPickerDialog

    doc = win.doc
    zones = doc.project.zones_layer
    results = win.kpi_dock.results
    return [
        ProposeSitesDialog(doc, "wifi", win),
        CompareDialog(doc, win),
        StyleDialog(zones, doc.project.layer(zones).gdf, doc.style(zones), win),
        NewProjectWizard(SAMPLE_PROJECT, win),
        PriorityRuleDialog(doc, win.kpi_dock, win),
        DecisionDialog(doc, doc.current_scenario, results, [], "", win),
        KpiPickerDialog(results, [], win),
    ]


@pytest.mark.parametrize("language", ["en", "vi"])
def test_main_window_and_every_dialog_fit_1024x768(qtbot, tmp_path, language):
    with sample_on_smallest_screen(qtbot, tmp_path, language) as (win, room):
        wait_results(qtbot, win)
        assert screenfit.fits(win.minimumSizeHint()), win.minimumSizeHint()
        assert screenfit.fits(win.minimumSize())
        # Nothing is cut off: every toolbar button, dock and the status bar lie inside the window.
        for action in win.toolbar.actions():
            button = win.toolbar.widgetForAction(action)
            if button is not None and not action.isSeparator():
                assert button.isVisible() and button.geometry().right() <= win.toolbar.width(), action.text()
        shown = [d for d in app_docks(win) if d.isVisible() and not d.visibleRegion().isEmpty()]
        for widget in [*shown, win.statusBar(), win.canvas]:
            assert win.rect().contains(widget.geometry()), widget.objectName()
        assert win.canvas.width() >= 0.4 * win.width()
        for dialog in _dialogs(win):
            name = type(dialog).__name__
            assert screenfit.fits(dialog.minimumSizeHint(), room), (name, dialog.minimumSizeHint())
            dialog.show()
            qtbot.waitExposed(dialog)
            assert screenfit.fits(dialog.size(), room), (name, dialog.size())
            # Its buttons are visible, inside the dialog.
            for box in dialog.findChildren(QDialogButtonBox):
                if box.isVisibleTo(dialog):
                    corner = box.mapTo(dialog, QPoint(box.width(), box.height()))
                    assert dialog.rect().contains(corner - QPoint(1, 1)), (name, corner, dialog.size())
            dialog.close()
            runner = getattr(dialog, "runner", None)
            if runner is not None:
                runner.wait()


def test_window_geometry_is_clamped_to_the_screen_on_first_run_and_restore(qtbot, tmp_path):
    from ui.main_window import MainWindow

    frame = screenfit.FRAME_ALLOWANCE

    def inside(win, area) -> bool:
        return area.contains(win.frameGeometry().topLeft()) and area.contains(
            win.geometry().adjusted(0, 0, frame.width(), frame.height()).bottomRight()
        )

    # First run: the 1366x768 default does not hang over this (800x800 offscreen) screen.
    first = new_window(qtbot, tmp_path / "first", show=False)
    area = screenfit.available_geometry(first)
    assert first.width() <= area.width() and first.height() <= area.height()
    # Restored from a larger screen (saved 1920x1080 at 300,200): shrunk and moved onto this one.
    big = new_window(qtbot, tmp_path / "big", show=False)
    big.resize(1920, 1080)
    big.move(300, 200)
    settings = QSettings(str(tmp_path / "restore.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/geometry", big.saveGeometry())
    restored = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(restored)
    assert area.contains(restored.geometry())
    # On a 1024x768 screen (with its 40 px panel) the window and its frame fit, whatever it was.
    projector = QRect(0, 0, 1024, 728)
    for size, position in (((1920, 1080), (300, 200)), ((1366, 768), (0, 0)), ((900, 700), (500, 400))):
        big.resize(*size)
        big.move(*position)
        screenfit.clamp_to_screen(big, projector)
        assert inside(big, projector), (size, position, big.geometry())
    big.resize(900, 600)
    big.move(20, 30)
    assert not screenfit.clamp_to_screen(big, projector)  # a window that fits is left alone
    assert big.pos() == QPoint(20, 30)


def test_short_window_tabs_its_docks_on_first_run(qtbot, tmp_path):
    win = new_window(qtbot, tmp_path, show=False)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    win.resize(1280, 720 - screenfit.FRAME_ALLOWANCE.height())
    win.show()
    qtbot.waitExposed(win)
    assert win.palette_dock in win.tabifiedDockWidgets(win.kpi_dock)
    assert win.scenarios_dock in win.tabifiedDockWidgets(win.layers_dock)
    assert not win.attributes_dock.isVisible()
    # Asked for, the attribute table opens.
    win.show_attribute_table(win.doc.project.zones_layer)
    assert win.attributes_dock.isVisible()


def test_tool_bars_have_names_for_the_saved_layout(qtbot, window):
    mode = enter(qtbot, window)
    assert all(bar.objectName() for bar in window.findChildren(QToolBar))
    assert mode.panel_dock.objectName() == "WorkshopPanel"
