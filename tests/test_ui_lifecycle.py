"""Autosave and crash recovery, priority by rule, and the offline MBTiles basemap."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QImage
from test_ui_support import new_window, sample_project_path

from cityplanner.priority import tiers_from_score, weighted_score
from ui import recovery
from ui.canvas.basemap import WORLD, MBTilesBasemap

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path):
    win = new_window(qtbot, tmp_path, show=False)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    return win


def test_autosave_then_restore_after_crash(qtbot, window, tmp_path):
    zones = window.doc.project.zones_layer
    window.doc.set_selection(zones, [0, 1, 2])
    window.set_priority(3)
    window.autosave()
    qtbot.waitUntil(lambda: window._autosave_worker is None, timeout=60_000)
    assert window.recovery_file.exists()
    info = json.loads(window.recovery_info.read_text(encoding="utf-8"))
    # The first session "crashes": its process's lock on the copy goes, the files stay.
    window.recovery_slot.release()
    # A new session claims the orphaned copy; restoring brings the unsaved tiers back, marked unsaved.
    fresh = new_window(qtbot, tmp_path, show=False)
    (slot,), damaged = recovery.claim_orphans(fresh.recovery_dir)
    assert damaged == [] and slot.record == info
    assert fresh.restore_recovery(slot)
    assert all(fresh.doc.project.priority[r] == 3 for r in (0, 1, 2))
    assert fresh.doc.is_dirty and fresh.doc.path == window.doc.path
    # Saving clears the recovery copy.
    assert fresh.save_to(tmp_path / "restored.cityplan")
    assert not window.recovery_file.exists()


@pytest.mark.parametrize("answer", ["Yes", "No"])
def test_start_up_offers_the_restore_also_when_a_project_is_named(
    qtbot, window, tmp_path, monkeypatch, answer
):
    from PySide6.QtWidgets import QMessageBox

    from ui.app import start_window

    window.doc.set_selection(window.doc.project.zones_layer, [4])
    window.set_priority(1)
    window.autosave()
    qtbot.waitUntil(lambda: window._autosave_worker is None, timeout=60_000)
    window.recovery_slot.release()  # the first session "crashes" (a running window's copy is never offered)
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *args: asked.append(args[2]) or getattr(QMessageBox.StandardButton, answer),
    )
    fresh = new_window(qtbot, tmp_path, show=False)
    start_window(sample_project_path(tmp_path), window=fresh)
    assert len(asked) == 1 and "did not close normally" in asked[0]
    # Restored: the unsaved tier is back, its copy now this window's; declined: the named project as
    # saved, and no copy left.
    assert (fresh.doc.project.priority.get(4) == 1) == (answer == "Yes")
    assert fresh.doc.path == window.doc.path
    assert fresh.recovery_file.exists() == (answer == "Yes")


def test_priority_rule_scores_and_tiers():
    criteria = {
        "density": np.array([10.0, 50.0, 30.0, 0.0, 20.0]),
        "gap": np.array([0.0, 0.0, 100.0, 50.0, 0.0]),
    }
    score = weighted_score(criteria, {"density": 1.0, "gap": 2.0})
    assert np.allclose(score, [0.2, 1.0, 2.6, 1.0, 0.4])
    tiers = tiers_from_score(score, (0.2, 0.4, 0.4))
    assert tiers[1].tolist() == [2]
    assert sorted(tiers[2].tolist()) == [1, 3]
    assert sorted(tiers[3].tolist()) == [0, 4]


def test_mbtiles_basemap_draws_local_tile(window, tmp_path):
    """A one-tile MBTiles file over the sample city is found at the view's zoom and drawn."""
    from pyproj import Transformer

    x0, y0, x1, y1 = window.doc.project.zones.total_bounds
    to_merc = Transformer.from_crs(window.doc.project.crs, "EPSG:3857", always_xy=True)
    mx, my = to_merc.transform((x0 + x1) / 2, (y0 + y1) / 2)
    z = 12
    size = 2 * WORLD / 2**z
    col, row = int((mx + WORLD) // size), int((my + WORLD) // size)
    tile = QImage(256, 256, QImage.Format.Format_RGB32)
    tile.fill(QColor("#3366cc"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    tile.save(buffer, "PNG")
    path = tmp_path / "city.mbtiles"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
        )
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, col, row, bytes(data.data())))
    basemap = MBTilesBasemap(path, window.doc.project.crs)
    window.canvas.set_basemap(basemap)
    assert basemap.tiles_for(QRectF(x0, y0, x1 - x0, y1 - y0), 30.0) == [(z, col, row)]
    assert basemap._tile(z, col, row).pixelColor(10, 10) == QColor("#3366cc")
    for name in window.doc.project.layers:
        window.doc.set_visible(name, False)
    window.canvas.zoom_to_bounds((x0, y0, x1, y1))
    image = window.canvas.grab().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre.blue() > 150 and centre.red() < 100, centre.name()


@pytest.mark.parametrize(
    "content", [b"", b"not a project at all\n", bytes(range(256)) * 8], ids=["empty", "text", "binary"]
)
def test_opening_a_broken_file_shows_the_engine_message(window, tmp_path, monkeypatch, content):
    """A damaged or foreign .cityplan gives the engine's sentence in a dialog, no traceback, and the
    open project stays."""
    shown = []
    monkeypatch.setattr("ui.main_window.show_error", lambda _parent, title, text: shown.append((title, text)))
    before = window.doc
    broken = tmp_path / "broken.cityplan"
    broken.write_bytes(content)
    assert not window.open_project(broken, ask=False)
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Open project" and "broken.cityplan" in text and "Traceback" not in text
    assert window.doc is before
    assert window.statusBar().currentMessage() == ""  # not left saying "Opening broken.cityplan…"


@pytest.mark.parametrize("answer", ["Cancel", "Discard"])
def test_closing_with_unsaved_changes_asks_first(qtbot, window, monkeypatch, answer):
    from PySide6.QtWidgets import QMessageBox

    asked = []

    def question(_parent, title, text, *_args):
        asked.append(text)
        return getattr(QMessageBox.StandardButton, answer)

    monkeypatch.setattr(QMessageBox, "question", question)
    window.doc.set_selection(window.doc.project.zones_layer, [0])
    window.set_priority(2)
    assert window.doc.is_dirty and window.isWindowModified()
    assert "[*]" in window.windowTitle()  # Qt shows it as '*' while modified
    closed = window.close()
    assert len(asked) == 1 and window.doc.title in asked[0]
    assert closed == (answer == "Discard")
    if answer == "Cancel":
        assert window.doc.project.priority[0] == 2  # nothing lost


def test_autosave_runs_every_minute_and_records_an_absolute_path(qtbot, window, tmp_path, monkeypatch):
    assert window.autosave_timer.isActive() and window.autosave_timer.interval() == 60_000
    monkeypatch.chdir(tmp_path)
    window.doc.path = Path("relative.cityplan")
    window.doc.set_selection(window.doc.project.zones_layer, [1])
    window.set_priority(1)
    window.autosave()
    qtbot.waitUntil(lambda: window._autosave_worker is None, timeout=60_000)
    info = json.loads(window.recovery_info.read_text(encoding="utf-8"))
    assert info["path"] == str(tmp_path / "relative.cityplan")


def test_startup_time_option_reports_from_process_start_and_quits(tmp_path):
    import os
    import re
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),  # its recovery folder too, never the user's
    }
    out = subprocess.run(
        [sys.executable, str(repo / "main.py"), str(sample_project_path(tmp_path)), "--startup-time"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"usable window: ([\d.]+) s; KPI values shown: ([\d.]+) s \(from process start\)", out)
    assert found, out
    window_s, kpis_s = map(float, found.groups())
    # Imports are counted: a clock started inside main() read about a third of the real wait.
    assert 0.2 < window_s <= kpis_s
