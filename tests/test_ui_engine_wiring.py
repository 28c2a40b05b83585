"""The app's paths into the engine, driven through real widgets (offscreen): Propose sites (run and
cancel), network service areas, snapping to streets, priority by rule and the per-district chart
(the New-project wizard: test_ui_new_project.py, driven with clicks)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely
from PySide6.QtCore import Qt
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from cityplanner.kpi import Evaluator, district_field
from cityplanner.kpi_status import STATUS_MARKS
from cityplanner.network import StreetNetwork
from cityplanner.priority import DENSITY, tiers_from_score, weighted_score, zone_criteria
from ui.dialogs.priority import PriorityRuleDialog
from ui.dialogs.propose import ProposeSitesDialog
from ui.docks.kpis import CHANGE_COLUMN, VALUE_COLUMN, format_change, format_value

pytestmark = pytest.mark.gui


def open_propose_dialog(win, type_name: str) -> ProposeSitesDialog:
    win.palette_dock.set_current_type(type_name)
    win.actions["propose"].trigger()
    dialog = win.findChild(ProposeSitesDialog, "ProposeSitesDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def record_progress(dialog) -> list[tuple[float, str]]:
    """Progress reports the dialog receives from the engine (wrapped before Run connects them)."""
    seen: list[tuple[float, str]] = []
    show = dialog._progress
    dialog._progress = lambda fraction, message: (seen.append((fraction, message)), show(fraction, message))
    return seen


def test_propose_sites_gives_an_editable_scenario_with_marginal_gains(qtbot, window):
    win = window
    doc = win.doc
    before = set(doc.project.scenarios)
    dialog = open_propose_dialog(win, "wifi")
    assert dialog.type_combo.currentData() == "wifi"
    assert dialog.radius.value() == doc.project.facility_type("wifi").radius_m
    dialog.sites.setValue(3)
    dialog.candidates.setCurrentIndex(dialog.candidates.findData("grid"))
    dialog.spacing.setValue(100)
    seen = record_progress(dialog)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.running and not dialog.run_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=60_000)

    # The progress bar followed the engine's own checkpoints (the Propose task's) up to the end.
    messages = [m for _f, m in seen]
    assert "Preparing candidate sites" in messages and "Greedy siting" in messages
    assert dialog.progress.value() == 100
    result = dialog.result
    assert len(result.selected) == 3 and result.percent_covered > result.percent_covered_before
    assert f"{result.population_covered:,.0f}" in dialog.message.text()
    # Each proposed site's marginal gain is listed.
    assert dialog.sites_table.isVisible() and dialog.sites_table.rowCount() == 3
    gains = [dialog.sites_table.item(r, 1).text() for r in range(3)]
    assert gains == [f"{g:,.0f}" for g in sorted(result.marginal_gain, reverse=True)]
    assert name_not_used_yet(doc, dialog.name.text())

    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    name = dialog.scenario.name
    assert set(doc.project.scenarios) == before | {name}
    assert doc.current_scenario == name
    placed = doc.project.scenario(name).placements
    assert len(placed) == 3
    assert all(p.source == "optimiser" and p.type == "wifi" for p in placed)
    assert sorted(p.marginal_gain for p in placed) == sorted(result.marginal_gain.tolist())
    assert len(win.canvas.placement_item.data) == 3
    # Selecting a proposed site says what it adds.
    win.select_placement(placed[0].id)
    assert f"adds {placed[0].marginal_gain:,.0f} people" in win.statusBar().currentMessage()

    # Editable like any plan: move and delete with undo, then undo the whole proposal.
    first = placed[0]
    old = (first.x, first.y)
    win.move_placement(first.id, old, (first.x + 50, first.y))
    assert first.x == pytest.approx(old[0] + 50)
    win.delete_placement(placed[1].id)
    assert len(doc.project.scenario(name).placements) == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert len(doc.project.scenario(name).placements) == 3 and (first.x, first.y) == old
    doc.undo_stack.undo()
    assert name not in doc.project.scenarios


def test_propose_sites_within_a_budget(qtbot, window):
    win = window
    dialog = open_propose_dialog(win, "wifi")
    unit_cost = win.doc.project.facility_type("wifi").unit_cost
    assert not dialog.budget.isEnabled()
    dialog.limit.setCurrentIndex(dialog.limit.findData("budget"))
    assert dialog.budget.isEnabled() and not dialog.sites.isEnabled()
    dialog.budget.setValue(2.5 * unit_cost)  # buys two hotspots
    dialog.candidates.setCurrentIndex(dialog.candidates.findData("grid"))
    dialog.spacing.setValue(100)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=60_000)
    assert len(dialog.result.selected) == 2 and dialog.sites_table.rowCount() == 2
    dialog.reject()


def name_not_used_yet(doc, name: str) -> bool:
    return name not in doc.project.scenarios


def test_cancel_stops_a_running_proposal(qtbot, window):
    win = window
    before = set(win.doc.project.scenarios)
    dialog = open_propose_dialog(win, "wifi")
    # A large problem (about 40,000 candidates, 60 sites) that runs for many seconds uncancelled.
    dialog.sites.setValue(60)
    dialog.spacing.setValue(10)
    dialog.time_limit.setValue(120)
    seen = record_progress(dialog)
    started = time.monotonic()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(f > 0 for f, _m in seen), timeout=60_000)
    with qtbot.waitSignal(dialog.rejected, timeout=30_000):
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
        )
        # The dialog stays up until the engine stops at its next checkpoint.
        assert dialog.message.text() == "Cancelling…" and dialog.isVisible()
    assert time.monotonic() - started < 20
    assert dialog.result is None and dialog.scenario is None and not dialog.running
    assert set(win.doc.project.scenarios) == before


def test_network_service_areas_for_the_selected_type(qtbot, window):
    win = window
    doc = win.doc
    palette = win.palette_dock
    palette.set_current_type("bus_stop")
    ft = doc.project.facility_type("bus_stop")
    discs = win.canvas.coverage_item.boundingRect()
    assert not discs.isEmpty()

    palette.coverage_mode.setCurrentIndex(1)
    assert palette.network_areas
    qtbot.waitUntil(lambda: len(win.service_areas) > 0, timeout=30_000)
    win.service_area_runner.wait()
    # What the engine gives for the same stops along the same streets.
    stops = doc.project.facilities("bus_stop", doc.current_scenario).geometry.to_numpy()
    network = StreetNetwork.from_lines(doc.project.layer_with_role("roads").gdf)
    expected = network.service_area(shapely.get_coordinates(shapely.point_on_surface(stops)), ft.radius_m)
    drawn = shapely.union_all(win.service_areas)
    assert shapely.area(shapely.symmetric_difference(drawn, expected)) < 1e-6 * shapely.area(expected)
    # Along the streets reaches less than the straight-line discs, and that is what the map shows.
    disc_union = shapely.union_all(shapely.buffer(stops, ft.radius_m))
    assert shapely.area(drawn) < shapely.area(disc_union)
    shown = win.canvas.coverage_item.boundingRect()
    x0, y0, x1, y1 = drawn.bounds
    # (the item's bounding box includes a margin for its outline pen)
    for got, want in [(shown.left(), x0), (shown.right(), x1), (shown.top(), y0), (shown.bottom(), y1)]:
        assert got == pytest.approx(want, abs=10)
    # The network is built once per project and shared with snapping.
    assert doc.street_network() is doc.street_network()

    # Placing a stop updates the areas; back to discs drops the network areas.
    x, y = shapely.get_coordinates(drawn.centroid)[0]
    previous = drawn
    win.place_facility((x + 400, y + 400), "bus_stop")
    qtbot.waitUntil(lambda: not shapely.union_all(win.service_areas).equals(previous), timeout=30_000)
    palette.coverage_mode.setCurrentIndex(0)
    assert win.service_area_key is None
    assert win.canvas.coverage_item.boundingRect().width() > 0


def test_snap_to_streets_uses_the_street_network(qtbot, window):
    win = window
    doc = win.doc
    win.palette_dock.snap.setChecked(True)
    roads = doc.project.layer_with_role("roads").gdf
    x0, y0, x1, y1 = doc.project.zones.total_bounds
    wanted = ((x0 + x1) / 2 + 7.0, (y0 + y1) / 2 + 5.0)
    placement = win.place_facility(wanted, "wifi")
    network = StreetNetwork.from_lines(roads)
    snap = network.snap(np.array([wanted]))
    assert (placement.x, placement.y) == pytest.approx(tuple(snap.xy[0]))
    assert shapely.distance(shapely.Point(placement.x, placement.y), shapely.union_all(roads.geometry)) < 1e-6
    # Farther than the project's maximum snap distance from every street: left where clicked.
    far = (x1 + 5_000.0, y1 + 5_000.0)
    placement = win.place_facility(far, "wifi")
    assert (placement.x, placement.y) == far
    assert "Not snapped" in win.statusBar().currentMessage()


def test_priority_by_rule_dialog_applies_engine_tiers(qtbot, window):
    win = window
    doc = win.doc
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy and bool(win.kpi_dock.results), timeout=120_000)
    win.actions["priority_rule"].trigger()
    dialog = win.findChild(PriorityRuleDialog, "PriorityRuleDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=60_000)
    weights = {DENSITY: 1.0, "gap:school_access_1km": 2.0}
    dialog.set_weights(weights)
    assert "Tier 1: 46 zones" in dialog.summary.text()
    dialog.ok_button.click()
    # The same tiers the engine gives for the same weights.
    criteria = {c.id: c.values for c in zone_criteria(doc.project, Evaluator(doc.project))}
    tiers = tiers_from_score(weighted_score(criteria, weights), (0.1, 0.2, 0.3))
    expected = {int(r): tier for tier, rows in tiers.items() for r in rows}
    assert doc.project.priority == expected
    doc.undo_stack.undo()
    assert doc.project.priority != expected


def test_kpi_table_and_district_chart(qtbot, window):
    win = window
    dock = win.kpi_dock
    plan = list(win.doc.project.scenarios)[-1]
    win.doc.set_current_scenario(plan)
    qtbot.waitUntil(lambda: not dock.runner.busy and bool(dock.results), timeout=120_000)
    dock.select_kpi("wifi_population_100m")
    result = dock.result("wifi_population_100m")
    row = next(r for r in range(dock.table.rowCount()) if dock.table.item(r, 0).text() == result.name)
    # The sample has no Wi-Fi layer: the baseline is n/a (not 0), so the plan's value has no change.
    assert result.baseline_value is None and result.change is None
    assert dock.table.item(row, CHANGE_COLUMN).text() == "–"
    value = f"{STATUS_MARKS[result.status]} {result.value:.1f} %".strip()  # status mark, then value
    assert dock.table.item(row, VALUE_COLUMN).text() == value
    assert result.code in dock.table.item(row, 0).toolTip()
    # The chart shows the engine's per-district figures (the report's district table).
    assert dock.group_combo.currentText() == district_field(win.doc.project) == "district"
    zones = win.doc.project.zones
    expected = Evaluator(win.doc.project).by_group("wifi_population_100m", zones["district"].to_numpy(), plan)
    assert np.allclose(dock.group_values.to_numpy(), expected.to_numpy())
    assert list(dock.group_values.index) == ["Hải Châu", "Thanh Khê"]


def test_change_and_value_formats():
    assert format_change(3.39, 1) == "+3.4"
    assert format_change(0.0, 1) == "0.0" and format_change(-0.01, 1) == "0.0"
    assert format_change(-12.0, 0) == "-12" and format_change(None, 1) == "–"
    assert format_value(1234.5, 1, "%") == "1,234.5 %" and format_value(4.0, 0) == "4"
