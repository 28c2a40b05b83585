"""The New-project wizard and File > Add layer, driven with real clicks (offscreen).

Every step presses what a planner presses: the radio button, Next, the wizard's Finish, rows of
the layer picker, the dialog's buttons; paths are typed into the line edits (or come from a patched
QFileDialog, the operating system's dialog). Nothing calls the wizard's own methods in their place:
a wizard whose Next button never appeared passed every test before.

Fixtures: a GeoPackage of two layers made in ``tmp_path`` (runs everywhere) and the HCMC
GeoPackage from ../shared/data (skipped with a reason where absent).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QDialogButtonBox, QRadioButton, QWizard
from test_ui_support import SAMPLE_PROJECT, new_window
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from ui.dialogs.layer_picker import (
    COUNT_COLUMN,
    CRS_COLUMN,
    GEOMETRY_COLUMN,
    LAYER_COLUMN,
    LayerPicker,
    LayerPickerDialog,
)
from ui.dialogs.new_project import NewProjectWizard

pytestmark = pytest.mark.gui

# A 2 x 2 block of wards in central Đà Nẵng (UTM zone 49N), 1,000 people in all.
WARD_POPULATION = [100, 200, 300, 400]


@pytest.fixture
def two_layer_gpkg(tmp_path):
    """wards (4 polygons: population, an area, a name) and streets (3 lines) in one GeoPackage."""
    x0, y0, step = 108.2150, 16.0600, 0.004
    squares = [
        shapely.box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
        for j in range(2)
        for i in range(2)
    ]
    wards = gpd.GeoDataFrame(
        {
            "ward": ["Phước Ninh", "Hải Châu 1", "Thạch Thang", "Bình Hiên"],
            "population": WARD_POPULATION,
            "area_ha": [17.1, 17.2, 17.3, 17.4],
            "surveyed": [True, False, True, True],
        },
        geometry=squares,
        crs="EPSG:4326",
    )
    streets = gpd.GeoDataFrame(
        {"name": ["Lê Duẩn", "Trần Phú", "Hùng Vương"]},
        geometry=[
            shapely.LineString([(x0, y0 + step), (x0 + 2 * step, y0 + step)]),
            shapely.LineString([(x0 + step, y0), (x0 + step, y0 + 2 * step)]),
            shapely.LineString([(x0, y0), (x0 + 2 * step, y0 + 2 * step)]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "my_city.gpkg"
    wards.to_file(path, layer="wards", driver="GPKG")
    streets.to_file(path, layer="streets", driver="GPKG")
    return path


# -- how a planner drives the wizard -------------------------------------------------------------------
def click(widget) -> None:
    """A left click where a planner clicks: a button's middle, a radio or check box's box."""
    assert widget.isVisible() and widget.isEnabled(), widget
    if isinstance(widget, QRadioButton | QCheckBox):
        # Only the box and its text take the click, not the row's empty end.
        point = QPoint(8, widget.height() // 2)
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    else:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def press_next(qtbot, wizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=60_000)
    before = wizard.currentId()
    click(button)
    assert wizard.currentId() != before


def type_into(line_edit, text: str) -> None:
    """Select what the field holds and type ``text`` over it, key by key (Vietnamese letters too)."""
    line_edit.setFocus()
    QTest.keyClick(line_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(line_edit, Qt.Key.Key_Delete)
    for char in text:
        if char.isascii():
            QTest.keyClicks(line_edit, char)
        else:  # keyClicks knows Latin-1 keys only: the key event carries the letter itself
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, line_edit, Qt.Key.Key_unknown, char, Qt.KeyboardModifier.NoModifier
            )


def click_cell(table, row: int, column: int) -> None:
    rect = table.visualRect(table.model().index(row, column))
    no_keys = Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, no_keys, rect.center())


def tick(picker: LayerPicker, name: str) -> None:
    """Tick a layer the way a planner does: a click on its row (its geometry cell)."""
    row = picker.row_of(name)
    assert row >= 0, name
    picker.scrollToItem(picker.item(row, GEOMETRY_COLUMN))
    before = picker.item(row, LAYER_COLUMN).checkState()
    click_cell(picker, row, GEOMETRY_COLUMN)
    assert picker.item(row, LAYER_COLUMN).checkState() != before


def choose(combo, text: str) -> None:
    """Pick a combo box entry by typing its first letters, as with the keyboard."""
    combo.setFocus()
    # Letters typed within the keyboard interval extend the previous search: wait it out.
    QTest.qWait(QApplication.keyboardInputInterval() + 50)
    QTest.keyClicks(combo, text)
    assert combo.currentText().startswith(text), (combo.currentText(), text)


def open_wizard(qtbot, win) -> NewProjectWizard:
    win.actions["new"].trigger()
    wizard = win.findChild(NewProjectWizard)
    assert wizard is not None
    qtbot.waitExposed(wizard)
    return wizard


def add_file_by_typing(qtbot, wizard, path) -> LayerPicker:
    page = wizard.files_page
    type_into(page.path_edit, str(path))
    click(page.add_button)
    qtbot.waitUntil(lambda: any(e.path == path for e in page.picker.entries), timeout=60_000)
    return page.picker


def finish(qtbot, wizard) -> None:
    button = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=60_000)
    click(button)


def picker_row(picker, name: str) -> list[str]:
    row = picker.row_of(name)
    return [picker.item(row, col).text() for col in (LAYER_COLUMN, GEOMETRY_COLUMN, COUNT_COLUMN, CRS_COLUMN)]


# -- the wizard --------------------------------------------------------------------------------------
def test_start_page_shows_next_once_own_layers_are_chosen(qtbot, tmp_path):
    if not SAMPLE_PROJECT.exists():
        pytest.skip("needs sample_data/hai_chau.cityplan (make sample)")
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    finish_button = wizard.button(QWizard.WizardButton.FinishButton)
    assert wizard.sample_choice.isChecked()
    assert finish_button.isVisible() and not (next_button.isVisible() and next_button.isEnabled())
    click(wizard.files_choice)
    # The bug of issue 11: the buttons stayed as the first choice left them (Finish only).
    assert next_button.isVisible() and next_button.isEnabled()
    click(wizard.sample_choice)
    assert finish_button.isVisible() and finish_button.isEnabled()
    click(wizard.files_choice)
    press_next(qtbot, wizard)
    assert wizard.currentId() == wizard.files_id
    click(wizard.button(QWizard.WizardButton.CancelButton))
    assert not wizard.isVisible()


def test_the_sample_opens_from_finish(qtbot, tmp_path):
    if not SAMPLE_PROJECT.exists():
        pytest.skip("needs sample_data/hai_chau.cityplan (make sample)")
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    finish(qtbot, wizard)
    qtbot.waitUntil(lambda: win.doc.path == SAMPLE_PROJECT, timeout=60_000)
    assert win.doc.project.zones_layer == "zones" and not win.doc.is_dirty
    win.kpi_dock.runner.wait()


def test_wizard_builds_a_project_from_a_two_layer_geopackage(qtbot, tmp_path, two_layer_gpkg):
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    if wizard.sample_choice.isChecked():
        click(wizard.files_choice)
    press_next(qtbot, wizard)

    # Files: typed path, the picker lists both layers with geometry, count and CRS; nothing ticked.
    picker = add_file_by_typing(qtbot, wizard, two_layer_gpkg)
    assert picker_row(picker, "wards") == ["wards", "Polygons", "4", "EPSG:4326"]
    assert picker_row(picker, "streets") == ["streets", "Lines", "3", "EPSG:4326"]
    assert picker.checked() == []
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # no zone layer ticked yet
    tick(picker, "wards")
    tick(picker, "streets")
    press_next(qtbot, wizard)

    # Zones: only numeric head-count fields are offered; the total is previewed.
    page = wizard.zones_page
    assert wizard.currentId() == wizard.zones_id
    assert page.zone_layer.currentText().startswith("wards")
    qtbot.waitUntil(lambda: page.population_field.count() > 0, timeout=60_000)
    offered = [page.population_field.itemText(i) for i in range(page.population_field.count())]
    assert offered == ["population", "area_ha"]  # not the names, not the yes/no field
    assert page.population_field.currentText() == "population"
    assert "1,000 people in 4 zones" in page.preview.text()
    choose(page.population_field, "area")  # a valid number too: the preview follows the field
    assert "69 people" in page.preview.text()
    choose(page.population_field, "pop")
    assert "1,000 people" in page.preview.text()
    type_into(page.name, "Central test plan")
    press_next(qtbot, wizard)

    # Roles: the streets are guessed as roads.
    roles = wizard.roles_page
    assert roles.layers() == [("streets", f"{two_layer_gpkg}:streets")]
    assert roles.role_combo("streets").currentData() == "roads"
    choose(roles.role_combo("streets"), "Bo")  # Boundary: a planner may say otherwise ...
    assert roles.role_combo("streets").currentData() == "boundary"
    choose(roles.role_combo("streets"), "Ro")  # ... and back
    press_next(qtbot, wizard)

    # CRS check: the engine's check passed, the working CRS is UTM 49N.
    check = wizard.check_page
    assert wizard.currentId() == wizard.check_id
    assert check.message.text().startswith("✓") and "EPSG:32649" in check.message.text()
    type_into(check.working, "EPSG:4326")
    assert "not a projected CRS in metres" in check.message.text()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    type_into(check.working, "")
    assert check.message.text().startswith("✓")

    finish(qtbot, wizard)
    qtbot.waitUntil(lambda: win.doc.project.zones_layer == "wards", timeout=120_000)
    project = win.doc.project
    assert project.name == "Central test plan" and project.population_field == "population"
    assert project.crs.to_epsg() == 32649
    assert project.layers["streets"].role == "roads"
    assert project.population.sum() == pytest.approx(1000)
    assert win.doc.path is None and win.doc.is_dirty
    assert set(win.canvas.layer_items) == set(project.layers)
    qtbot.waitUntil(lambda: win.findChild(NewProjectWizard) is None)  # closed, and deleted
    qtbot.waitUntil(lambda: bool(win.kpi_dock.results) and not win.kpi_dock.runner.busy, timeout=120_000)


def test_wizard_shows_the_engine_sentence_and_stays(qtbot, tmp_path, two_layer_gpkg):
    """A file that cannot be read: the engine's sentence on the page (no dialog), and on."""
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    if wizard.sample_choice.isChecked():
        click(wizard.files_choice)
    press_next(qtbot, wizard)
    page = wizard.files_page
    missing = tmp_path / "nowhere.gpkg"
    type_into(page.path_edit, str(missing))
    click(page.add_button)
    qtbot.waitUntil(lambda: "does not exist" in page.message.text(), timeout=30_000)
    picker = add_file_by_typing(qtbot, wizard, two_layer_gpkg)
    tick(picker, "wards")
    tick(picker, "streets")
    press_next(qtbot, wizard)
    qtbot.waitUntil(lambda: "1,000 people" in wizard.zones_page.preview.text(), timeout=60_000)
    press_next(qtbot, wizard)
    roles = wizard.roles_page
    choose(roles.role_combo("streets"), "No")
    assert roles.role_combo("streets").currentData() == ""
    assert "No road layer" in roles.message.text()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    click(wizard.button(QWizard.WizardButton.CancelButton))
    assert not wizard.isVisible()


def test_cancel_stops_the_build_and_the_wizard_stays(qtbot, tmp_path, two_layer_gpkg, monkeypatch):
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    if wizard.sample_choice.isChecked():
        click(wizard.files_choice)
    press_next(qtbot, wizard)
    picker = add_file_by_typing(qtbot, wizard, two_layer_gpkg)
    tick(picker, "wards")
    press_next(qtbot, wizard)
    qtbot.waitUntil(lambda: "1,000 people" in wizard.zones_page.preview.text(), timeout=60_000)
    press_next(qtbot, wizard)
    press_next(qtbot, wizard)
    # Slow the build down at its first progress report so Cancel lands while it runs.
    import threading

    from cityplanner import assemble

    release = threading.Event()
    real = assemble.create_project

    def slow(*args, progress=None, **kwargs):
        progress.update(0.05, "Reading zones")
        release.wait(30)
        progress.update(0.1, "Reading zones")  # cancelled by now: raises Cancelled
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(assemble, "create_project", slow)
    before = win.doc
    finish(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.check_page.progress.isVisible(), timeout=10_000)
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    click(wizard.button(QWizard.WizardButton.CancelButton))
    release.set()
    qtbot.waitUntil(lambda: wizard.worker is None, timeout=30_000)
    assert wizard.isVisible() and "Cancelled" in wizard.check_page.status.text()
    assert win.doc is before
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()  # may be tried again
    click(wizard.button(QWizard.WizardButton.CancelButton))
    assert not wizard.isVisible()


@pytest.mark.shared_data
def test_wizard_on_the_hcmc_geopackage(qtbot, tmp_path, hcmc_gpkg, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from cityplanner.io import list_layers

    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    if wizard.sample_choice.isChecked():
        click(wizard.files_choice)
    press_next(qtbot, wizard)
    # Browse: the operating system's file dialog answers with the HCMC file.
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(hcmc_gpkg)], ""))
    page = wizard.files_page
    click(page.browse_button)
    qtbot.waitUntil(lambda: len(page.picker.entries) > 0, timeout=60_000)
    infos = list_layers(hcmc_gpkg)
    picker = page.picker
    assert picker.rowCount() == len(infos) > 10
    for info in infos:
        name, geometry, count, crs = picker_row(picker, info.name)
        assert count == f"{info.feature_count:,}" and crs == info.crs == "EPSG:4326"
    assert picker_row(picker, "roads_detail") == ["roads_detail", "Lines", "10,057", "EPSG:4326"]
    assert picker_row(picker, "wards_pop2021")[1:3] == ["Polygons", "40"]
    assert picker.checked() == []  # none of the layers is taken unasked
    for name in ("wards_pop2021", "roads_detail", "bus_stops", "poi_medical"):
        tick(picker, name)
    press_next(qtbot, wizard)
    zones = wizard.zones_page
    assert zones.zone_layer.currentText().startswith("wards_pop2021")
    qtbot.waitUntil(lambda: zones.population_field.count() > 0, timeout=60_000)
    assert zones.population_field.currentText() == "Pop_2021"
    offered = {zones.population_field.itemText(i) for i in range(zones.population_field.count())}
    assert "Com_Name" not in offered and "Dist_Name" not in offered
    hcmc = gpd.read_file(hcmc_gpkg, layer="wards_pop2021")
    people = f"{hcmc['Pop_2021'].sum():,.0f}"
    assert f"{people} people in 40 zones" in zones.preview.text()
    press_next(qtbot, wizard)
    roles = wizard.roles_page
    assert {name: roles.role_combo(name).currentData() for name, _spec in roles.layers()} == {
        "roads_detail": "roads",
        "bus_stops": "bus_stop",
        "poi_medical": "clinic",
    }
    press_next(qtbot, wizard)
    assert wizard.check_page.message.text().startswith("✓")
    assert "EPSG:32648" in wizard.check_page.message.text()
    finish(qtbot, wizard)
    qtbot.waitUntil(lambda: win.doc.project.zones_layer == "wards_pop2021", timeout=300_000)
    project = win.doc.project
    assert set(project.layers) >= {"wards_pop2021", "roads_detail", "bus_stops", "poi_medical"}
    assert len(project.layers) <= 5  # the four ticked and the population surface: not 17
    assert project.facility_types["clinic"].layer == "poi_medical"
    assert project.population.sum() == pytest.approx(hcmc["Pop_2021"].sum())
    win.kpi_dock.runner.wait(300_000)


# -- File > Add layer --------------------------------------------------------------------------------
def picker_dialog(qtbot, win) -> LayerPickerDialog:
    qtbot.waitUntil(lambda: win.findChild(LayerPickerDialog) is not None, timeout=60_000)
    dialog = win.findChild(LayerPickerDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_add_layer_adds_exactly_the_one_layer_picked(qtbot, window, two_layer_gpkg, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    win = window
    before = list(win.doc.project.layers)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(two_layer_gpkg)], ""))
    win.actions["add_layer"].trigger()
    dialog = picker_dialog(qtbot, win)
    picker = dialog.picker
    assert picker_row(picker, "wards") == ["wards", "Polygons", "4", "EPSG:4326"]
    assert picker_row(picker, "streets") == ["streets", "Lines", "3", "EPSG:4326"]
    click_cell(picker, picker.row_of("streets"), LAYER_COLUMN)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    click(ok)
    qtbot.waitUntil(lambda: len(win.doc.project.layers) == len(before) + 1, timeout=60_000)
    added = [name for name in win.doc.project.layers if name not in before]
    assert added == ["streets"]
    layer = win.doc.project.layers["streets"]
    assert layer.feature_count == 3 and layer.gdf.crs.equals(win.doc.project.crs)
    assert win.canvas.layer_items["streets"] is not None
    # One undoable edit.
    win.doc.undo_stack.undo()
    assert list(win.doc.project.layers) == before
    # Cancel in the picker adds nothing.
    win.actions["add_layer"].trigger()
    dialog = picker_dialog(qtbot, win)
    click(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    QApplication.processEvents()
    assert list(win.doc.project.layers) == before


@pytest.mark.shared_data
def test_add_layer_from_the_hcmc_geopackage_adds_one_of_its_layers(qtbot, tmp_path, hcmc_gpkg, monkeypatch):
    """The HCMC file holds 17 layers; Add layer used to add them all."""
    from PySide6.QtWidgets import QFileDialog

    from cityplanner.assemble import create_project
    from cityplanner.store import save_project

    project = create_project(f"{hcmc_gpkg}:wards_pop2021", "Pop_2021", name="HCMC")
    path = tmp_path / "hcmc.cityplan"
    save_project(project, path)
    win = new_window(qtbot, tmp_path)
    assert win.open_project(path, ask=False)
    before = list(win.doc.project.layers)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(hcmc_gpkg)], ""))
    win.actions["add_layer"].trigger()
    dialog = picker_dialog(qtbot, win)
    picker = dialog.picker
    assert picker.rowCount() > 10
    row = picker.row_of("poi_medical")
    picker.scrollToItem(picker.item(row, LAYER_COLUMN))
    click_cell(picker, row, COUNT_COLUMN)
    assert dialog.chosen().name == "poi_medical"
    click(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: "poi_medical" in win.doc.project.layers, timeout=60_000)
    assert [n for n in win.doc.project.layers if n not in before] == ["poi_medical"]
    assert win.doc.project.facility_types["clinic"].layer == "poi_medical"
    coords = shapely.get_coordinates(win.doc.project.layers["poi_medical"].gdf.geometry.to_numpy())
    assert np.all(np.abs(coords) > 1000)  # in metres (UTM), not degrees
    win.kpi_dock.runner.wait(300_000)


# -- screenshot ----------------------------------------------------------------------------------------
def test_layer_picker_screenshot(qtbot, tmp_path, two_layer_gpkg):
    """The wizard's layer picker on the HCMC GeoPackage (the small fixture where it is absent),
    four layers ticked; saved for docs/screenshots by scripts/screenshots.sh."""
    from conftest import SHARED_DATA
    from test_ui_support import screenshot_dir

    hcmc = SHARED_DATA / "hcmc" / "hcmc_all_layers_wgs84.gpkg"
    source = hcmc if hcmc.exists() else two_layer_gpkg
    win = new_window(qtbot, tmp_path)
    wizard = open_wizard(qtbot, win)
    if wizard.sample_choice.isChecked():
        click(wizard.files_choice)
    press_next(qtbot, wizard)
    picker = add_file_by_typing(qtbot, wizard, source)
    names = (
        ["wards_pop2021", "roads_detail", "bus_stops", "poi_medical"]
        if source == hcmc
        else ["wards", "streets"]
    )
    for name in names:
        tick(picker, name)
    picker.scrollToTop()
    qtbot.wait(100)
    assert [e.name for e in picker.checked()] == [e.name for e in picker.entries if e.name in names]
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    image = wizard.grab().toImage()
    assert image.save(str(target / "new_project_layer_picker.png"))
    click(wizard.button(QWizard.WizardButton.CancelButton))
