"""File > Export, driven with real clicks (offscreen): every format written, the map view as a PNG at
the chosen DPI, Cancel stopping the engine's Report task, and the dialog on a 1024x768 screen."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from test_ui_new_project import choose, click, type_into
from test_ui_support import sample_on_smallest_screen, settle_view
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from ui.dialogs.export import OUTPUTS, ExportDialog
from ui.workshop import screenfit

pytestmark = pytest.mark.gui


def open_export(qtbot, win) -> ExportDialog:
    win.actions["export"].trigger()
    dialog = win.findChild(ExportDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def tick_only(dialog, keys) -> None:
    """Tick the outputs ``keys`` and untick the others, with clicks on their check boxes."""
    for key, check in dialog.checks.items():
        if check.isChecked() != (key in keys):
            click(check)
        assert check.isChecked() == (key in keys)


def run_export(qtbot, dialog, timeout=300_000) -> None:
    click(dialog.export_button)
    qtbot.waitUntil(lambda: dialog.worker is None and dialog.status.text() != "", timeout=timeout)


def test_export_writes_every_format(qtbot, window, tmp_path):
    from pypdf import PdfReader

    from cityplanner.io import list_layers

    win = window
    dialog = open_export(qtbot, win)
    assert dialog.checks["pdf"].isChecked()  # the report is what most exports are for
    tick_only(dialog, OUTPUTS)
    out = tmp_path / "out"
    out.mkdir()
    targets = {
        "pdf": out / "plan.pdf",
        "html": out / "map.html",
        "xlsx": out / "tables.xlsx",
        "gpkg": out / "plan.gpkg",
        "csv": out / "csv",
        "png": out / "view.png",
    }
    for key, path in targets.items():
        type_into(dialog.paths[key], str(path))
    type_into(dialog.author, "Sở Xây dựng Đà Nẵng")
    choose(dialog.paper, "A3")
    choose(dialog.orientation, "L")
    choose(dialog.language, "T")  # Tiếng Việt
    assert dialog.language.currentData() == "vi"
    run_export(qtbot, dialog)
    assert dialog.status.text().startswith("Written:"), dialog.status.text()
    for key, path in targets.items():
        assert path.exists(), key
    reader = PdfReader(str(targets["pdf"]))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape, in points
    text = "".join(p.extract_text() for p in reader.pages[:3])
    assert "Sở Xây dựng Đà Nẵng" in text
    assert dialog._content[1].lang == "vi"
    assert "<html" in targets["html"].read_text(encoding="utf-8")[:500].lower()
    assert zipfile.is_zipfile(targets["xlsx"])
    assert len(list_layers(targets["gpkg"])) >= 1
    assert sorted(p.suffix for p in targets["csv"].iterdir()) and all(
        p.suffix == ".csv" for p in targets["csv"].iterdir()
    )
    image = QImage(str(targets["png"]))
    assert (image.width(), image.height()) == dialog.png_pixels()
    # Every scenario is in the report by default (the baseline always).
    assert dialog.chosen_scenarios() == list(win.doc.project.scenarios)
    # A second export from the same dialog reuses the KPIs gathered (no second evaluation).
    content = dialog._content[1]
    tick_only(dialog, {"html"})
    type_into(dialog.paths["html"], str(out / "again.html"))
    run_export(qtbot, dialog)
    assert (out / "again.html").exists() and dialog._content[1] is content
    dialog.reject()


@pytest.mark.parametrize("dpi", [150, 300])
def test_map_image_has_the_pixel_size_of_the_chosen_dpi(qtbot, window, tmp_path, dpi):
    win = window
    settle_view(qtbot, win)
    dialog = open_export(qtbot, win)
    tick_only(dialog, {"png"})
    type_into(dialog.paths["png"], str(tmp_path / "map.png"))
    type_into(dialog.dpi.lineEdit(), str(dpi))
    QTest.keyClick(dialog.dpi, Qt.Key.Key_Tab)
    assert dialog.dpi.value() == dpi
    viewport = win.canvas.viewport()
    scale = dpi / win.canvas.logicalDpiX()
    expected = (round(viewport.width() * scale), round(viewport.height() * scale))
    assert dialog.png_size.text() == f"{expected[0]} × {expected[1]} pixels"
    click(dialog.export_button)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Written:"), timeout=60_000)
    image = QImage(str(tmp_path / "map.png"))
    assert (image.width(), image.height()) == expected
    assert image.dotsPerMeterX() == round(dpi / 0.0254)
    # The map is drawn, not a blank: many colours (layers, legend, scale bar).
    small = image.scaled(200, 200)
    colours = {small.pixel(x, y) for x in range(0, 200, 4) for y in range(0, 200, 4)}
    assert len(colours) > 20
    assert not list(tmp_path.glob(".map.tmp-*"))  # written atomically
    dialog.reject()


def test_cancel_stops_the_export_and_writes_nothing(qtbot, window, tmp_path, monkeypatch):
    from cityplanner.tasks import report as report_task

    release = threading.Event()
    real = report_task.collect

    def held(*args, progress=None, **kwargs):
        progress.update(0.1, "Evaluating KPIs")
        release.wait(60)
        return real(*args, progress=progress, **kwargs)  # cancelled by then: stops at once

    monkeypatch.setattr(report_task, "collect", held)
    dialog = open_export(qtbot, window)
    tick_only(dialog, {"pdf", "xlsx"})
    out = tmp_path / "out"
    out.mkdir()
    type_into(dialog.paths["pdf"], str(out / "r.pdf"))
    type_into(dialog.paths["xlsx"], str(out / "r.xlsx"))
    click(dialog.export_button)
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.value() > 0, timeout=30_000)
    assert not dialog.export_button.isEnabled()
    click(dialog.cancel_button)
    release.set()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=60_000)
    assert "cancelled" in dialog.status.text()
    assert list(out.iterdir()) == []  # no report, no half-written temporary file
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    dialog.reject()


def test_a_wrong_file_name_is_said_on_the_dialog(qtbot, window, tmp_path):
    dialog = open_export(qtbot, window)
    tick_only(dialog, {"pdf"})
    type_into(dialog.paths["pdf"], str(tmp_path / "report.docx"))
    click(dialog.export_button)
    assert "must be a file name ending in .pdf" in dialog.status.text()
    assert dialog.worker is None
    dialog.reject()


@pytest.mark.parametrize("language", ["en", "vi"])
def test_export_dialog_fits_1024x768(qtbot, tmp_path, language):
    with sample_on_smallest_screen(qtbot, tmp_path, language) as (win, room):
        dialog = open_export(qtbot, win)
        assert screenfit.fits(dialog.minimumSizeHint(), room), dialog.minimumSizeHint()
        assert screenfit.fits(dialog.size(), room), dialog.size()
        for button in (dialog.export_button, dialog.close_button):
            corner = button.mapTo(dialog, button.rect().bottomRight())
            assert dialog.rect().contains(corner)
        dialog.reject()
        win.kpi_dock.runner.wait()


def test_export_dialog_screenshot(qtbot, window, tmp_path):
    """The Export dialog on the sample city; saved for docs/screenshots by scripts/screenshots.sh."""
    from test_ui_support import screenshot_dir

    dialog = open_export(qtbot, window)
    tick_only(dialog, {"pdf", "html", "png"})
    folder = "/home/planner/Hai Chau plan"
    for key in OUTPUTS:  # a planner's folder, not the test's temporary one
        type_into(dialog.paths[key], f"{folder}/{Path(dialog.paths[key].text()).name}")
    type_into(dialog.author, "Da Nang Department of Construction")
    qtbot.wait(100)
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().toImage().save(str(target / "export_dialog.png"))
    dialog.reject()
