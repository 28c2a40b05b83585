"""The app never fails silently (issue 15, item 5).

* An exception in a slot (here a button's) or a background worker is logged with its traceback to
  ``logs/cityplanner.log`` in the user's data folder and shown in a dialog naming the log; the
  window goes on responding, and the dialog closes with its button.
* A damaged project or input (a FIFO, a link to /dev/zero) gets, in a dialog, the sentence the
  command line prints.
* A project opened without damaged parts says so in a dialog, with the sentence of ``show``.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings

import data_factory as make
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPushButton
from test_ui_support import new_window, sample_project_path

from cityplanner.errors import CityPlannerError
from cityplanner.io import list_layers
from cityplanner.project_schema import ProjectWarning
from cityplanner.store import load_project
from ui import crash_handler, workers

pytestmark = pytest.mark.gui


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    """The handler installed, logging under ``tmp_path`` (never the user's data folder)."""
    folder = tmp_path / "logs"
    saved = crash_handler._reporter
    crash_handler.install(folder)
    yield folder
    if crash_handler.dialog() is not None:
        crash_handler.dialog().close()
    if saved is not None:
        crash_handler._reporter.folder = saved.folder


def _dialog(qtbot) -> QMessageBox:
    qtbot.waitUntil(
        lambda: crash_handler.dialog() is not None and crash_handler.dialog().isVisible(), timeout=10_000
    )
    return crash_handler.dialog()


@pytest.mark.qt_no_exception_capture
def test_a_slot_that_raises_is_logged_and_shown_and_the_window_still_responds(qtbot, tmp_path, log_dir):
    win = new_window(qtbot, tmp_path)
    clicks = []

    def broken() -> None:
        raise RuntimeError("a bug in a slot")

    boom = QPushButton("Boom", win)
    boom.clicked.connect(broken)
    fine = QPushButton("Fine", win)
    fine.move(0, 40)
    fine.clicked.connect(lambda: clicks.append(1))
    for button in (boom, fine):
        button.show()

    QTest.mouseClick(boom, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot)
    log = log_dir / crash_handler.LOG_NAME
    assert str(log) in dialog.informativeText()
    assert "RuntimeError" in dialog.text() and "a bug in a slot" in dialog.text()
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: a bug in a slot" in logged and "in broken" in logged

    # The dialog is window-modal without a nested event loop: the app keeps running behind it.
    QTest.mouseClick(dialog.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: crash_handler.dialog() is None, timeout=10_000)
    QTest.mouseClick(fine, Qt.MouseButton.LeftButton)
    assert clicks == [1]
    assert win.isVisible()
    assert win.open_project(sample_project_path(tmp_path), ask=False)  # still does real work


@pytest.mark.qt_no_exception_capture
def test_more_errors_while_the_dialog_is_open_are_counted_not_stacked(qtbot, tmp_path, log_dir):
    new_window(qtbot, tmp_path)
    for i in range(3):
        crash_handler.report(ValueError(f"error {i}"), "in a test")
    dialog = _dialog(qtbot)
    qtbot.waitUntil(lambda: "2 more error(s)" in dialog.informativeText(), timeout=10_000)
    assert (log_dir / crash_handler.LOG_NAME).read_text(encoding="utf-8").count("ValueError: error") == 3
    QTest.mouseClick(dialog.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: crash_handler.dialog() is None, timeout=10_000)


@pytest.mark.qt_no_exception_capture
def test_a_worker_that_raises_is_logged_and_shown_with_the_log_path(qtbot, tmp_path, log_dir):
    new_window(qtbot, tmp_path)
    failures = []

    def task(_progress):
        return {}["missing"]

    workers.start(task, on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    log = log_dir / crash_handler.LOG_NAME
    assert "KeyError" in failures[0] and str(log) in failures[0]
    dialog = _dialog(qtbot)
    assert str(log) in dialog.informativeText()
    assert "in the background task task" in log.read_text(encoding="utf-8")
    QTest.mouseClick(dialog.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_a_user_error_in_a_worker_is_its_sentence_not_a_crash(qtbot, tmp_path, log_dir):
    new_window(qtbot, tmp_path)
    failures = []

    def task(_progress):
        raise CityPlannerError("File 'x.gpkg' is a named pipe (FIFO), not a data file.")

    workers.start(task, on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert failures == ["File 'x.gpkg' is a named pipe (FIFO), not a data file."]
    assert crash_handler.dialog() is None
    assert not (log_dir / crash_handler.LOG_NAME).exists()


def _capture_dialogs(monkeypatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr("ui.main_window.show_error", lambda _parent, title, text: shown.append((title, text)))
    return shown


def test_a_damaged_project_gets_the_sentence_of_the_command_line(qtbot, tmp_path, monkeypatch, log_dir):
    win = new_window(qtbot, tmp_path, show=False)
    shown = _capture_dialogs(monkeypatch)
    damaged = tmp_path / "damaged.cityplan"
    shutil.copyfile(sample_project_path(tmp_path), damaged)
    with sqlite3.connect(damaged) as con:
        con.execute("UPDATE cp_project SET value = 'EPSG:4326' WHERE key = 'crs'")
    with pytest.raises(CityPlannerError) as err:
        load_project(damaged)
    assert not win.open_project(damaged, ask=False)
    assert shown == [("Open project", str(err.value))]
    assert "not a projected CRS in metres" in str(err.value)


def test_a_project_opened_without_damaged_parts_says_so(qtbot, tmp_path, monkeypatch, log_dir):
    win = new_window(qtbot, tmp_path, show=False)
    shown = _capture_dialogs(monkeypatch)
    edited = tmp_path / "edited.cityplan"
    shutil.copyfile(sample_project_path(tmp_path), edited)
    with sqlite3.connect(edited) as con:
        con.execute("UPDATE cp_priority SET tier = 7 WHERE fid = 1")
        con.execute("UPDATE cp_facility_types SET color = 'javascript:alert(1)' WHERE name = 'park'")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_project(edited)
    sentence = next(str(w.message) for w in caught if issubclass(w.category, ProjectWarning))
    assert win.open_project(edited, ask=False)
    assert shown == [("Open project", sentence)]
    assert "tier 7" in sentence and "colour of facility type 'park'" in sentence
    assert win.doc.project.facility_types["park"].color == "#1f78b4"


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_hostile_input_file_gets_the_sentence_of_the_command_line(qtbot, tmp_path, monkeypatch, log_dir):
    import os

    win = new_window(qtbot, tmp_path, show=False)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    shown = _capture_dialogs(monkeypatch)
    fifo = tmp_path / "stops.geojson"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        with pytest.raises(CityPlannerError) as err:
            list_layers(path)
        assert not win.add_layer_file(path)
        assert shown[-1] == ("Add layer", str(err.value))
    make.write(make.stops(), tmp_path / "fine.geojson")
    assert win.add_layer_file(tmp_path / "fine.geojson")  # the window still works


@pytest.mark.qt_no_exception_capture
def test_the_dialog_speaks_the_ui_language(qtbot, tmp_path, log_dir):
    from ui import i18n

    new_window(qtbot, tmp_path)
    i18n.install_translator("vi")
    try:
        for i in range(2):
            crash_handler.report(ValueError(f"lỗi {i}"), "in a test")
        dialog = _dialog(qtbot)
        assert dialog.windowTitle() == "Lỗi không mong đợi"
        assert dialog.text().startswith("Đã xảy ra lỗi (ValueError: lỗi 0)")
        qtbot.waitUntil(lambda: "Thêm 1 lỗi kể từ đó" in dialog.informativeText(), timeout=10_000)
        assert "Chi tiết đã được ghi vào" in dialog.informativeText()
        QTest.mouseClick(dialog.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: crash_handler.dialog() is None, timeout=10_000)
    finally:
        i18n.install_translator("en")
