"""Shared set-up for the desktop-app tests: the sample city as a saved project, isolated settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PROJECT = REPO / "sample_data" / "hai_chau.cityplan"
SAMPLE_GPKG = REPO / "sample_data" / "hai_chau.gpkg"
SAMPLE_LAYERS = ["roads", "bus_stops", "schools", "health", "parks", "buildings", "boundary"]


def sample_project_path(tmp_dir: Path) -> Path:
    """The sample city as a ``.cityplan``: the shipped one, else built by the engine from the GeoPackage."""
    if SAMPLE_PROJECT.exists():
        return SAMPLE_PROJECT
    if not SAMPLE_GPKG.exists():
        pytest.skip("needs sample_data/hai_chau.gpkg (make sample)")
    from cityplanner.assemble import create_project
    from cityplanner.store import save_project

    project = create_project(
        f"{SAMPLE_GPKG}:zones",
        "population",
        layers={name: f"{SAMPLE_GPKG}:{name}" for name in SAMPLE_LAYERS},
        name="Hải Châu",
    )
    path = tmp_dir / "hai_chau.cityplan"
    save_project(project, path)
    return path


def discard_changes(win) -> None:
    """Before the test closes the window: let workers finish and drop unsaved edits (no prompt)."""
    win.kpi_dock.runner.wait()
    win.doc.undo_stack.setClean()
    win.doc._view_dirty = False


def new_window(qtbot, tmp_path: Path, show: bool = True):
    """A main window with its own settings and recovery folder under ``tmp_path``, closed unasked."""
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win, before_close_func=discard_changes)
    if show:
        win.resize(1366, 768)
        win.show()
        qtbot.waitExposed(win)
    return win


def settle_view(qtbot, win) -> None:
    """Let background KPI work land and pyqtgraph apply deferred range updates.

    A KPI result resizes the KPI dock and so the map viewport; a drag must not straddle that.
    """
    win.kpi_dock.runner.wait()
    last = None
    for _ in range(50):
        qtbot.wait(20)
        rect = win.canvas.vb.viewRect()
        now = (rect.x(), rect.y(), rect.width(), rect.height())
        if now == last:
            return
        last = now


def open_sample_window(qtbot, tmp_path: Path):
    """A shown main window on the sample city, its view settled (the UI tests' ``window`` fixture)."""
    win = new_window(qtbot, tmp_path)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    settle_view(qtbot, win)
    return win


@contextmanager
def sample_on_smallest_screen(qtbot, tmp_path: Path, language: str) -> Iterator[tuple]:
    """The app in ``language`` with the sample city in a window on the smallest screen we support
    (1024x768 less a window frame); yields the window and the room a dialog has on that screen.
    English again afterwards, as the other UI tests expect."""
    from PySide6.QtCore import QSize

    from ui.app import create_app
    from ui.workshop import screenfit

    room = QSize(screenfit.SMALLEST.width(), screenfit.SMALLEST.height() - screenfit.FRAME_ALLOWANCE.height())
    create_app([], language=language)
    try:
        win = new_window(qtbot, tmp_path, show=False)
        assert win.open_project(sample_project_path(tmp_path), ask=False)
        win.resize(room)
        win.show()
        qtbot.waitExposed(win)
        yield win, room
    finally:
        create_app([], language="en")


def screenshot_dir(tmp_path: Path) -> Path:
    """Where a test saves a screenshot: ``CITYPLANNER_SCREENSHOT_DIR`` (set by
    ``scripts/screenshots.sh`` to refresh docs/screenshots) or the test's own ``tmp_path``."""
    return Path(os.environ.get("CITYPLANNER_SCREENSHOT_DIR") or tmp_path)
