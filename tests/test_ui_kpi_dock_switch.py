"""The KPI dock never shows another project's numbers, and it shows each scenario's capital cost.

Issue 11: after opening HCMC with Hải Châu open, the dock showed Hải Châu's values and district
chart for 15-20 s. Opening another project now clears the dock at once and says "computing" until
the new project's values come; a late result of the previous project is dropped.
"""

from __future__ import annotations

import threading

import geopandas as gpd
import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from test_ui_support import new_window, sample_project_path, settle_view
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from cityplanner.cost import scenario_cost
from ui.docks.kpis import format_value

pytestmark = pytest.mark.gui


@pytest.fixture
def small_project(tmp_path):
    """Project B: four wards of 1,000 people in all and one street, built by the CreateProject task."""
    from cityplanner.tasks import CreateProject

    x0, y0, step = 108.2150, 16.0600, 0.004
    wards = gpd.GeoDataFrame(
        {"ward": list("ABCD"), "population": [100, 200, 300, 400]},
        geometry=[
            shapely.box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
            for j in range(2)
            for i in range(2)
        ],
        crs="EPSG:4326",
    )
    roads = gpd.GeoDataFrame(
        {"name": ["x"]},
        geometry=[shapely.LineString([(x0, y0), (x0 + 2 * step, y0 + 2 * step)])],
        crs="EPSG:4326",
    )
    source = tmp_path / "b.gpkg"
    wards.to_file(source, layer="wards")
    roads.to_file(source, layer="roads")
    path = tmp_path / "b.cityplan"
    CreateProject(
        path=path,
        zones=f"{source}:wards",
        population="population",
        layers=[("roads", f"{source}:roads")],
        name="B",
    ).run()
    return path


def shown_texts(dock) -> set[str]:
    """Every number-bearing text the dock shows: table cells, chart title, cost line."""
    texts = {
        dock.table.item(r, c).text()
        for r in range(dock.table.rowCount())
        for c in range(1, dock.table.columnCount())
        if dock.table.item(r, c) is not None
    }
    return texts | {dock.chart_title.text(), dock.cost_label.text() if dock.cost_label.isVisible() else ""}


class Gate:
    """Holds the KPI evaluation of one project (its name's start) until released."""

    def __init__(self, monkeypatch, project_name: str) -> None:
        from cityplanner.kpi import Evaluator

        self.open = threading.Event()
        self.entered = threading.Event()
        real = Evaluator.evaluate

        def evaluate(evaluator, scenario=None, progress=None):
            if evaluator.project.name.startswith(project_name):
                self.entered.set()
                self.open.wait(60)
            return real(evaluator, scenario, progress)

        monkeypatch.setattr(Evaluator, "evaluate", evaluate)


def test_opening_another_project_clears_the_dock_until_its_values_come(
    qtbot, tmp_path, small_project, monkeypatch
):
    win = new_window(qtbot, tmp_path)
    dock = win.kpi_dock
    assert win.open_project(sample_project_path(tmp_path), ask=False)  # A: Hải Châu
    qtbot.waitUntil(lambda: bool(dock.results) and not dock.runner.busy, timeout=120_000)
    settle_view(qtbot, win)
    a_results = list(dock.results)
    a_values = {t for t in shown_texts(dock) if any(ch.isdigit() for ch in t)}
    assert dock.table.rowCount() == len(a_results) and a_values

    gate = Gate(monkeypatch, "B")
    assert win.open_project(small_project, ask=False)  # B
    # At once, before B's values arrive: nothing of A's, and "computing".
    assert not gate.open.is_set()
    assert dock.results == [] and dock.table.rowCount() == 0
    assert not (shown_texts(dock) & a_values)
    assert not dock.cost_label.isVisible() and dock.chart_title.text() == ""
    assert "Computing" in dock.status.text() and "b.cityplan" in dock.status.text()
    qtbot.waitUntil(gate.entered.is_set, timeout=60_000)
    QTest.qWait(200)  # events flow while B computes: still nothing of A's
    assert dock.table.rowCount() == 0 and "Computing" in dock.status.text()
    gate.open.set()
    qtbot.waitUntil(lambda: bool(dock.results) and not dock.runner.busy, timeout=120_000)
    assert dock.doc.project.name == "B"
    assert dock.table.rowCount() == len(dock.results)
    assert "Computing" not in dock.status.text()
    # B's own figures: the population-based KPIs are computed on B's 1,000 people.
    assert dock.evaluator.project.name == "B" and dock.evaluator.zone_population.sum() == pytest.approx(1000)


def test_a_late_result_of_the_previous_project_is_never_shown(qtbot, tmp_path, small_project, monkeypatch):
    """A (Hải Châu) is still being evaluated when B opens: A's values must not land on B's dock."""
    win = new_window(qtbot, tmp_path)
    dock = win.kpi_dock
    gate_a = Gate(monkeypatch, "Hải Châu")
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    qtbot.waitUntil(gate_a.entered.is_set, timeout=60_000)
    name_a = win.doc.project.name
    assert win.open_project(small_project, ask=False)
    seen: list[str] = []
    dock.evaluated.connect(lambda results: seen.append(win.doc.project.name))
    gate_a.open.set()  # A's evaluation finishes now, after B was opened
    qtbot.waitUntil(lambda: bool(dock.results) and not dock.runner.busy, timeout=120_000)
    assert dock.evaluator.project.name == "B" != name_a
    assert dock.evaluator.zone_population.sum() == pytest.approx(1000)
    assert seen == ["B"]


def test_the_dock_and_compare_show_each_scenarios_capital_cost(qtbot, window):
    from ui.dialogs.compare import CompareDialog

    win = window
    dock = win.kpi_dock
    project = win.doc.project
    baseline = project.baseline.name
    qtbot.waitUntil(lambda: bool(dock.results) and not dock.runner.busy, timeout=120_000)
    assert dock.cost_label.isVisible()
    assert dock.cost.total == 0 and "no new facilities" in dock.cost_label.text()
    plan = next(name for name, s in project.scenarios.items() if s.placements)
    win.doc.set_current_scenario(plan)
    qtbot.waitUntil(
        lambda: dock.cost is not None and dock.cost.scenario == plan and not dock.runner.busy, timeout=120_000
    )
    expected = scenario_cost(project, plan)
    assert expected.total > 0 and dock.cost.total == pytest.approx(expected.total)
    assert format_value(expected.total, 0, expected.currency) in dock.cost_label.text()
    for t in expected.types:
        assert f"{t.count} × " in dock.cost_label.toolTip()

    # Compare, opened from the menu: each scenario's cost and the difference.
    win.actions["compare"].trigger()
    dialog = win.findChild(CompareDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=120_000)
    assert dialog.results[0] == baseline and dialog.results[1] == plan
    assert dialog.comparison.costs[plan].total == pytest.approx(expected.total)
    text = dialog.cost_label.text()
    assert format_value(expected.total, 0, expected.currency) in text and "+" in text
    assert dialog.table.rowCount() == len(dock.results)
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    QTest.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_compare_runs_with_progress_and_cancel(qtbot, window, monkeypatch):
    from cityplanner.tasks import kpis as kpi_tasks
    from ui.dialogs.compare import CompareDialog

    win = window
    release = threading.Event()
    real = kpi_tasks.compare_scenarios

    def held(evaluator, scenarios, reference=None, progress=None):
        progress.update(0.3, "Evaluating")
        release.wait(60)
        return real(evaluator, scenarios, reference, progress)  # raises Cancelled once cancelled

    monkeypatch.setattr(kpi_tasks, "compare_scenarios", held)
    win.actions["compare"].trigger()
    dialog = win.findChild(CompareDialog)
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.value() == 30, timeout=30_000)
    assert dialog.cancel_button.isVisible()
    QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=60_000)
    assert dialog.status.text() == "Comparison cancelled." and dialog.comparison is None
    assert not dialog.progress.isVisible() and not dialog.cancel_button.isVisible()
    dialog.reject()
