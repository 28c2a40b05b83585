"""What keeps the UI thread free (issue 11; measured on HCMC by benchmarks/bench_ui_blocking.py):
one coverage update per placement, layer paths and natural breaks computed on workers, an
attribute table that reads columns only when shown, and the app's garbage-collection policy."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

import ui.canvas.layer_items as layer_items
import ui.canvas.view as view_module
from cityplanner.project import Project
from ui import workers
from ui.docks.attributes import FrameModel
from ui.styles import LayerStyle

pytestmark = pytest.mark.gui


def click_map(win, x: float, y: float) -> None:
    """A left click of the current tool at map coordinates (x, y)."""
    pos = win.canvas.mapFromScene(win.canvas.vb.mapViewToScene(QPointF(x, y)))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_a_placement_updates_the_coverage_once(qtbot, window, monkeypatch):
    win = window
    ftype = next(iter(win.doc.project.facility_types))
    win.palette_dock.set_current_type(ftype)
    assert win.palette_dock.show_coverage.isChecked() and not win.palette_dock.network_areas
    calls = {"canvas": 0, "points": 0}
    update, points = win.canvas.update_coverage, Project.facility_points

    def counted_update():
        calls["canvas"] += 1
        update()

    def counted_points(project, *args, **kwargs):
        # On the UI thread (the KPI evaluation on its worker asks too, through facilities()).
        calls["points"] += threading.current_thread() is threading.main_thread()
        return points(project, *args, **kwargs)

    monkeypatch.setattr(win.canvas, "update_coverage", counted_update)
    monkeypatch.setattr(Project, "facility_points", counted_points)
    win.actions["tool_place"].trigger()
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    before = len(win.doc.scenario.placements)
    click_map(win, (x0 + x1) / 2, (y0 + y1) / 2)
    # Placing on the baseline adds a plan, switches to it and places: one coverage update.
    qtbot.waitUntil(lambda: len(win.doc.scenario.placements) > before and calls["canvas"], timeout=10_000)
    qtbot.wait(100)
    assert calls == {"canvas": 1, "points": 1}
    # The one update drew the new facility's disc.
    placed = win.doc.scenario.placements[-1]
    rect = win.canvas.coverage_item.boundingRect()
    assert rect.contains(QPointF(placed.x, placed.y))


def test_layer_paths_are_built_on_a_worker_and_drawn_when_ready(qtbot, window, monkeypatch):
    threads = []
    grouped = layer_items.grouped_paths

    def recorded(*args):
        threads.append(threading.current_thread() is threading.main_thread())
        return grouped(*args)

    monkeypatch.setattr(layer_items, "grouped_paths", recorded)
    win = window
    zones = win.doc.project.zones_layer
    win.doc.set_style(zones, LayerStyle(kind="single", colour="#ff0000"))
    item = win.canvas.layer_items[zones]
    qtbot.waitUntil(lambda: item.paths_ready, timeout=10_000)
    assert threads and not any(threads), "the paths were built on the UI thread"
    assert item.classification.colours == ["#ff0000"]
    # A picture of the map (an export) waits for nothing: built in place if not ready.
    win.doc.set_style(zones, LayerStyle(kind="single", colour="#00ff00"))
    assert not item.paths_ready
    image = view_module.render_to_image(win.canvas, 96)
    assert item.paths_ready and not image.isNull()


def test_natural_breaks_are_classified_on_a_worker(qtbot, window, monkeypatch):
    threads = []
    classify = view_module.classify

    def recorded(values, style):
        threads.append(threading.current_thread() is threading.main_thread())
        return classify(values, style)

    monkeypatch.setattr(view_module, "classify", recorded)
    win = window
    zones = win.doc.project.zones_layer
    field = win.doc.project.population_field
    style = LayerStyle(kind="graduated", field=field, method="natural_breaks", classes=4)
    win.doc.set_style(zones, style)
    item = win.canvas.layer_items[zones]
    # Until the breaks come: no classes (the features show as "no data"), the window answering.
    assert item.classification.colours == [] and (item.classification.class_index == -1).all()
    qtbot.waitUntil(lambda: len(item.classification.colours) == 4, timeout=30_000)
    assert threads == [False]
    assert (item.classification.class_index >= 0).all()
    # Kept for the style: hiding and showing the layer computes nothing again.
    win.doc.set_visible(zones, False)
    win.doc.set_visible(zones, True)
    assert threads == [False] and len(item.classification.colours) == 4


def test_attribute_table_reads_a_column_when_it_is_shown():
    frame = pd.DataFrame({"a": np.arange(100_000), "b": np.arange(100_000) * 0.5, "c": ["x"] * 100_000})
    model = FrameModel(frame)
    assert model._columns == {}
    assert model.data(model.index(7, 1)) == "3.5"
    assert set(model._columns) == {1}


def test_adding_a_layer_keeps_the_attribute_table(window):
    dock = window.attributes_dock
    model = dock.model
    assert model is not None
    window.doc.notify_layers()  # as after Add layer: the table's layer is unchanged
    assert dock.model is model


def test_gc_policy_freezes_only_when_enabled():
    assert not workers._freezing  # off unless the app turns it on (ui.app.main turns it off again)
    before = gc.get_freeze_count()
    try:
        workers.freeze_long_lived()
        assert gc.get_freeze_count() == before
        workers.keep_long_lived_out_of_collections()
        assert gc.get_freeze_count() > before
    finally:
        workers.keep_long_lived_out_of_collections(False)
    assert gc.get_freeze_count() == 0
