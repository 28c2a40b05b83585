"""Placed facilities are first-class: Identify shows them first, their properties are edited in a
dialog (real widgets, OK) as one undoable step, proposals carry names in the UI language and WGS84
positions, and the Propose dialog keeps its settings and fits a 1024x768 screen."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from test_ui_support import settle_view
from test_ui_workflow import click_map, no_modal_dialogs, send_mouse, view_point  # noqa: F401 (fixture)

from cityplanner.optimise.project_siting import PROPOSAL_NAME, proposal_name
from ui import i18n
from ui.dialogs.identify import IdentifyDialog, to_wgs84
from ui.dialogs.placement_properties import PlacementPropertiesDialog
from ui.dialogs.propose import ProposeSitesDialog

pytestmark = pytest.mark.gui


def road_point(win) -> tuple[float, float]:
    """A point on a road near the middle of the view (Identify there used to show the road)."""
    roads = win.doc.project.layer_with_role("roads").gdf.geometry.to_numpy()
    rect = win.canvas.vb.viewRect()
    centre = shapely.Point(rect.center().x(), rect.center().y())
    nearest = roads[int(np.argmin(shapely.distance(roads, centre)))]
    point = shapely.line_interpolate_point(nearest, shapely.line_locate_point(nearest, centre))
    return float(point.x), float(point.y)


def place_on_road(qtbot, win, type_name: str = "wifi"):
    """A facility placed with a real click of the Place tool on a road."""
    win.palette_dock.set_current_type(type_name)
    win.palette_dock.snap.setChecked(False)
    win.set_tool("place")
    x, y = road_point(win)
    click_map(qtbot, win, x, y)
    settle_view(qtbot, win)
    placement = win.doc.scenario.placements[-1]
    assert placement.type == type_name
    return placement


def double_click(qtbot, win, x: float, y: float) -> None:
    """A real double-click as a window system delivers it: press, release, double-click, release."""
    viewport, pos, left = win.canvas.viewport(), view_point(win, x, y), Qt.MouseButton.LeftButton
    qtbot.mouseClick(viewport, left, pos=pos)
    send_mouse(viewport, QEvent.Type.MouseButtonDblClick, pos, left, left)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, pos, left, Qt.MouseButton.NoButton)


def identify_dialog(win) -> IdentifyDialog:
    dialog = win.findChild(IdentifyDialog, "IdentifyDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def press(button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_identify_on_a_placed_facility_shows_it_first(qtbot, window):
    win = window
    placement = place_on_road(qtbot, win)
    win.set_tool("identify")
    click_map(qtbot, win, placement.x, placement.y)
    dialog = identify_dialog(win)
    assert dialog.placement_id == placement.id
    fields = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())
    }
    assert fields["Name"] == "Public Wi-Fi hotspot"
    assert fields["Type"] == "Public Wi-Fi hotspot"
    lon, lat = to_wgs84(win.doc.project.crs, [placement.x], [placement.y])
    assert fields["Longitude (WGS84)"] == f"{lon[0]:.5f}" and 108 < lon[0] < 109
    assert fields["Latitude (WGS84)"] == f"{lat[0]:.5f}" and 15 < lat[0] < 17
    assert fields["Cost"].startswith("2,500 USD")
    # The road under it follows in the list of what lies under the click.
    assert dialog.hits.count() == 2 and dialog.hits.itemText(0).startswith("Placement:")
    dialog.hits.setCurrentIndex(1)
    assert not dialog.properties_button.isVisible()
    dialog.hits.setCurrentIndex(0)
    assert dialog.properties_button.isVisible()
    # Away from placements Identify still shows the layer's feature.
    dialog.close()
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    click_map(qtbot, win, x0 + 0.31 * (x1 - x0), y0 + 0.43 * (y1 - y0))
    dialog = identify_dialog(win)
    assert dialog.placement_id is None and dialog.hits.count() == 1


def test_editing_a_placement_through_its_dialog_is_undoable(qtbot, window):
    win = window
    placement = place_on_road(qtbot, win)
    before = (placement.name, placement.type, placement.capacity, placement.cost)
    win.set_tool("identify")
    click_map(qtbot, win, placement.x, placement.y)
    press(identify_dialog(win).properties_button)
    editor = win.findChild(PlacementPropertiesDialog)
    assert editor is not None and editor.isVisible()
    # The real widgets: type a name, choose the clinic type, type a capacity and a cost.
    editor.name.selectAll()
    QTest.keyClicks(editor.name, "Night clinic Hai Chau")
    combo = editor.type_combo
    combo.setFocus()
    while combo.currentData() != "clinic":
        QTest.keyClick(combo, Qt.Key.Key_Down)
    for spin, text in ((editor.capacity, "40"), (editor.cost, "125000")):
        spin.lineEdit().selectAll()
        QTest.keyClicks(spin.lineEdit(), text)
        QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Tab)
    press(editor.buttons.button(QDialogButtonBox.StandardButton.Ok))
    edited = win.doc.scenario.find(placement.id)
    assert (edited.name, edited.type, edited.capacity, edited.cost) == (
        "Night clinic Hai Chau",
        "clinic",
        40.0,
        125000.0,
    )
    # The Identify dialog shows the new values; the map symbol is the clinic's.
    fields = {
        identify_dialog(win).table.item(r, 0).text(): identify_dialog(win).table.item(r, 1).text()
        for r in range(identify_dialog(win).table.rowCount())
    }
    assert fields["Name"] == "Night clinic Hai Chau" and fields["Capacity"] == "40"
    assert fields["Cost"] == "125,000 USD"
    # One undo restores every property.
    win.actions["undo"].trigger()
    restored = win.doc.scenario.find(placement.id)
    assert (restored.name, restored.type, restored.capacity, restored.cost) == before
    win.actions["redo"].trigger()
    assert win.doc.scenario.find(placement.id).type == "clinic"


def test_properties_ok_without_changes_changes_nothing(qtbot, window):
    win = window
    placement = place_on_road(qtbot, win)
    depth = win.doc.undo_stack.count()
    # Place mode: a double-click on the placement opens its editor.
    win.set_tool("place")
    double_click(qtbot, win, placement.x, placement.y)
    editor = win.findChild(PlacementPropertiesDialog)
    assert editor is not None and editor.isVisible()
    assert editor.capacity.text().startswith("Type default")
    press(editor.buttons.button(QDialogButtonBox.StandardButton.Ok))
    assert win.doc.undo_stack.count() == depth


def test_proposal_names_follow_the_format_and_the_cli_keeps_its_own():
    assert PROPOSAL_NAME.format(label="Clinic", model="MCLP", rank=1) == "Clinic MCLP 1"
    assert proposal_name("Clinic", "mclp", 2) == "Clinic MCLP 2"
    assert proposal_name("Trạm y tế", "mclp", 3, "{label} (đề xuất) {rank}") == "Trạm y tế (đề xuất) 3"


def open_propose(qtbot, win, type_name: str = "clinic") -> ProposeSitesDialog:
    win.palette_dock.set_current_type(type_name)
    # The last dialog is deleted once the event loop has run (deleteLater): wait for it.
    qtbot.waitUntil(lambda: win.findChild(ProposeSitesDialog) is None)
    win.actions["propose"].trigger()
    dialog = win.findChild(ProposeSitesDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def run_proposal(qtbot, dialog, sites: int) -> None:
    dialog.sites.lineEdit().selectAll()
    QTest.keyClicks(dialog.sites.lineEdit(), str(sites))
    QTest.keyClick(dialog.sites.lineEdit(), Qt.Key.Key_Tab)
    press(dialog.run_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    assert dialog.scenario is not None, dialog.message.text()


def test_proposal_names_and_wgs84_positions(qtbot, window):
    win = window
    dialog = open_propose(qtbot, win)
    run_proposal(qtbot, dialog, 3)
    names = [p.name for p in dialog.scenario.placements]
    assert names == ["Clinic (proposed) 1", "Clinic (proposed) 2", "Clinic (proposed) 3"]
    table = dialog.sites_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[-2:] == ["Longitude", "Latitude"]
    by_name = {p.name: p for p in dialog.scenario.placements}
    for row in range(table.rowCount()):
        placement = by_name[table.item(row, 0).text()]
        lon, lat = to_wgs84(win.doc.project.crs, [placement.x], [placement.y])
        assert table.item(row, 2).text() == f"{lon[0]:.5f}"
        assert table.item(row, 3).text() == f"{lat[0]:.5f}"
    press(dialog.create_button)
    assert win.doc.current_scenario == dialog.scenario.name
    assert [p.name for p in win.doc.scenario.placements] == names


def test_propose_keeps_its_settings_after_cancel(qtbot, window):
    win = window
    dialog = open_propose(qtbot, win)
    dialog.sites.lineEdit().selectAll()
    QTest.keyClicks(dialog.sites.lineEdit(), "7")
    dialog.spacing.lineEdit().selectAll()
    QTest.keyClicks(dialog.spacing.lineEdit(), "150")
    dialog.time_limit.lineEdit().selectAll()
    QTest.keyClicks(dialog.time_limit.lineEdit(), "12")
    dialog.name.selectAll()
    QTest.keyClicks(dialog.name, "Clinics east")
    distance = dialog.distance.findData("euclidean")
    dialog.distance.setCurrentIndex(distance)
    press(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert not dialog.isVisible()
    again = open_propose(qtbot, win)
    assert (again.sites.value(), again.spacing.value(), again.time_limit.value()) == (7, 150.0, 12)
    assert again.name.text() == "Clinics east"
    assert again.distance.currentData() == "euclidean"
    assert again.type_combo.currentData() == "clinic"
    press(again.buttons.button(QDialogButtonBox.StandardButton.Cancel))


def test_propose_fits_a_1024x768_screen(qtbot, window):
    win = window
    win.resize(1024, 768)
    dialog = open_propose(qtbot, win, "wifi")  # 100 m radius: 40 sites still add people
    run_proposal(qtbot, dialog, 40)
    qtbot.wait(50)
    screen = QRect(0, 0, 1024, 768)
    available = dialog.screen().availableGeometry()
    frame = dialog.frameGeometry()
    assert frame.height() <= min(768, available.height()), (frame, available)
    # Every button lies inside the dialog (and so on the screen); the table scrolls instead.
    for button in (
        dialog.run_button,
        dialog.create_button,
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
    ):
        top_left = button.mapTo(dialog, button.rect().topLeft())
        rect = QRect(top_left, button.size())
        assert dialog.rect().contains(rect), (button.text(), rect, dialog.rect())
        assert rect.height() > 10 and button.isVisible()
    assert dialog.sites_table.rowCount() == 40
    assert dialog.sites_table.verticalScrollBar().maximum() > 0
    assert dialog.height() <= screen.height()
    press(dialog.create_button)
    assert len(win.doc.scenario.placements) == 40


def test_vietnamese_proposal_names(qtbot, tmp_path):
    from test_ui_support import open_sample_window

    from ui.app import create_app

    create_app([], language="vi")
    try:
        win = open_sample_window(qtbot, tmp_path)
        dialog = open_propose(qtbot, win)
        run_proposal(qtbot, dialog, 2)
        assert [p.name for p in dialog.scenario.placements] == [
            "Trạm y tế (đề xuất) 1",
            "Trạm y tế (đề xuất) 2",
        ]
        lon_text = dialog.sites_table.item(0, 2).text()
        assert "," in lon_text and "." not in lon_text  # 108,2xxxx
        press(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
        QApplication.processEvents()
    finally:
        i18n.install_translator("en")
