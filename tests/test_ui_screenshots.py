"""Screenshots of the main window on the sample city.

The test run writes them to its temporary folder; ``scripts/screenshots.sh`` runs these tests with
``CITYPLANNER_SCREENSHOT_DIR=docs/screenshots`` to refresh the README's pictures. A test run never
writes into the source tree.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from test_ui_support import sample_project_path, screenshot_dir

from ui.app import create_app
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_main_window_screenshot(qtbot, tmp_path, size):
    create_app([])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    plan = list(win.doc.project.scenarios)[-1]
    win.doc.set_current_scenario(plan)
    win.palette_dock.set_current_type("wifi")
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy and bool(win.kpi_dock.results), timeout=120_000)
    qtbot.wait(100)
    image = win.grab().toImage()
    assert (image.width(), image.height()) == size
    # Every toolbar button and the map fit in the window; the map keeps at least 40% of the width.
    for action in win.toolbar.actions():
        button = win.toolbar.widgetForAction(action)
        if button is not None and not action.isSeparator():
            assert button.isVisible() and button.geometry().right() <= win.toolbar.width(), action.text()
    assert win.canvas.width() >= 0.4 * size[0]
    assert win.kpi_dock.table.rowCount() == len(win.kpi_dock.results)
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    assert image.save(str(target / f"main_window_{size[0]}x{size[1]}.png"))
    win.kpi_dock.runner.wait()
