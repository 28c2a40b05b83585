"""The Propose dialog's anytime run, driven by its buttons (offscreen, sample city): the best
proposal shown while the solve improves it, "Stop and keep the best" with the gap stated, Cancel
discarding, the re-optimisation of a moved proposal, and a UI thread that never waits."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from ui import i18n
from ui.dialogs.propose import ProposeSitesDialog

pytestmark = pytest.mark.gui


def press(button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def cancel_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)


def open_propose(qtbot, win, type_name: str = "wifi") -> ProposeSitesDialog:
    win.palette_dock.set_current_type(type_name)
    qtbot.waitUntil(lambda: win.findChild(ProposeSitesDialog) is None)  # the last one deleted
    win.actions["propose"].trigger()
    dialog = win.findChild(ProposeSitesDialog)
    qtbot.waitExposed(dialog)
    return dialog


def type_into(spin, text: str) -> None:
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), text)
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Tab)


def long_solve(dialog) -> None:
    """100 hotspots on a 20 m grid: greedy answers within a second or two, the exact solve would
    run to the time limit (measured: 60 s, 0.55 % gap)."""
    type_into(dialog.sites, "100")
    type_into(dialog.spacing, "20")
    type_into(dialog.time_limit, "120")
    dialog.candidates.setCurrentIndex(dialog.candidates.findData("grid"))
    dialog.distance.setCurrentIndex(dialog.distance.findData("euclidean"))


def test_stop_keeps_the_best_proposal_and_states_its_gap(qtbot, window):
    win = window
    before = set(win.doc.project.scenarios)
    dialog = open_propose(qtbot, win)
    long_solve(dialog)
    assert not dialog.stop_button.isVisible()
    press(dialog.run_button)
    # Beside Cancel while it runs; usable once there is a best answer to keep.
    assert dialog.stop_button.isVisible() and cancel_button(dialog).isEnabled()
    qtbot.waitUntil(lambda: "Best so far" in dialog.best.text(), timeout=60_000)
    assert "people covered" in dialog.best.text() and dialog.best.isVisible()
    qtbot.waitUntil(lambda: "gap" in dialog.best.text(), timeout=60_000)
    # The elapsed time runs in the progress bar.
    assert dialog.progress.text().endswith(" s")
    stopped_at = time.monotonic()
    press(dialog.stop_button)
    assert not dialog.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    waited = time.monotonic() - stopped_at
    result, scenario = dialog.result, dialog.scenario
    assert result is not None and result.stopped and not result.optimal, dialog.message.text()
    assert f"stopped early, within {100 * result.gap:,.2f} % of the best possible" in dialog.message.text()
    assert not dialog.stop_button.isVisible() and dialog.run_button.isEnabled()
    proposed = scenario.placements
    assert len(proposed) == len(result.selected) > 0
    label = i18n.facility_label(win.doc.project.facility_type("wifi"))
    assert [p.name for p in proposed[:2]] == [f"{label} (proposed) 1", f"{label} (proposed) 2"]
    assert dialog.sites_table.rowCount() == len(proposed)
    press(dialog.create_button)
    assert set(win.doc.project.scenarios) == before | {scenario.name}
    assert [p.id for p in win.doc.scenario.placements] == [p.id for p in proposed]
    print(f"stop honoured after {waited:.1f} s")


def test_cancel_discards_the_run_and_keeps_the_settings(qtbot, window):
    win = window
    before = set(win.doc.project.scenarios)
    dialog = open_propose(qtbot, win)
    long_solve(dialog)
    name = dialog.name.text()
    press(dialog.run_button)
    qtbot.waitUntil(lambda: "Best so far" in dialog.best.text(), timeout=60_000)
    with qtbot.waitSignal(dialog.rejected, timeout=60_000):
        press(cancel_button(dialog))
    assert dialog.result is None and dialog.scenario is None and not dialog.running
    assert set(win.doc.project.scenarios) == before
    again = open_propose(qtbot, win)
    assert (again.sites.value(), again.spacing.value(), again.time_limit.value()) == (100, 20.0, 120)
    assert again.distance.currentData() == "euclidean" and again.name.text() == name
    press(cancel_button(again))


def test_reoptimise_starts_from_the_moved_proposal(qtbot, window):
    win = window
    dialog = open_propose(qtbot, win, "clinic")
    assert dialog.reoptimise.isHidden()  # the baseline holds no proposal
    type_into(dialog.sites, "3")
    press(dialog.run_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    press(dialog.create_button)
    first = win.doc.scenario
    moved = first.placements[0]
    win.move_placement(moved.id, (moved.x, moved.y), (moved.x + 40, moved.y))
    kept = [(p.id, p.x, p.y) for p in first.placements]

    again = open_propose(qtbot, win, "clinic")
    assert again.reoptimise.isVisible() and "3 proposed sites" in again.reoptimise.text()
    # A click on the check box's indicator (at its left; the row is wider than its text) ticks it.
    box = again.reoptimise
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
    assert again.reoptimise.isChecked() and again.sites.value() == 3
    heard = []
    again._relay.incumbent.connect(heard.append)  # what the dialog is shown, observed
    press(again.run_button)
    qtbot.waitUntil(lambda: not again.running, timeout=120_000)
    assert again.scenario is not None, again.message.text()
    # The search started from the planner's layout (the moved site included), not from greedy.
    assert heard[0].stage == "your sites"
    placed = again.scenario.placements
    assert len(placed) == 3 and all(p.source == "optimiser" for p in placed)
    assert [p.name for p in placed] == [f"Clinic (proposed) {k}" for k in (1, 2, 3)]
    assert again.result.objective >= heard[0].objective
    press(again.create_button)
    # The proposal re-optimised is untouched; the new scenario is the current one.
    assert [(p.id, p.x, p.y) for p in win.doc.project.scenario(first.name).placements] == kept
    assert win.doc.current_scenario == again.scenario.name


def test_the_ui_thread_never_waits_while_proposing(qtbot, window):
    """Issue 11: Run builds, validates and solves on the worker (engine modules imported there);
    a 20 ms timer on the UI thread keeps ticking. The limit is issue 11's 200 ms."""
    win = window
    dialog = open_propose(qtbot, win)
    long_solve(dialog)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(100)
    press(dialog.run_button)
    qtbot.waitUntil(lambda: "gap" in dialog.best.text(), timeout=60_000)
    press(dialog.stop_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    print(f"longest UI-thread pause {max(gaps) * 1000:.0f} ms over {len(gaps)} ticks")
    assert max(gaps) < 0.2
    press(cancel_button(dialog))


def test_the_running_dialog_fits_1024x768(qtbot, window):
    win = window
    win.resize(1024, 768)
    dialog = open_propose(qtbot, win)
    long_solve(dialog)
    press(dialog.run_button)
    qtbot.waitUntil(lambda: "gap" in dialog.best.text(), timeout=60_000)
    qtbot.wait(50)
    assert dialog.frameGeometry().height() <= 768 and dialog.frameGeometry().width() <= 1024
    for button in (dialog.run_button, dialog.stop_button, dialog.create_button, cancel_button(dialog)):
        top_left = button.mapTo(dialog, button.rect().topLeft())
        assert dialog.rect().contains(QRect(top_left, button.size())), button.text()
    assert dialog.best.isVisible() and dialog.best.height() > 10
    press(dialog.stop_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    press(cancel_button(dialog))


# -- the goal: maximal covering, shortest travel (p-median), fewest sites (set covering) -----------
def choose_goal(dialog, model: str) -> None:
    """Pick the goal in its combo, as a user would (click it open, then the entry)."""
    combo = dialog.goal
    QTest.mouseClick(combo, Qt.MouseButton.LeftButton)
    combo.setCurrentIndex(combo.findData(model))
    combo.hidePopup()
    assert combo.currentData() == model


def quick_straight_line(dialog, spacing: str = "200") -> None:
    """Grid candidates, straight-line distance and a short time limit: a solve of a few seconds."""
    dialog.candidates.setCurrentIndex(dialog.candidates.findData("grid"))
    dialog.distance.setCurrentIndex(dialog.distance.findData("euclidean"))
    type_into(dialog.spacing, spacing)
    type_into(dialog.time_limit, "5")


def test_the_widgets_follow_the_goal(qtbot, window):
    dialog = open_propose(qtbot, window)
    assert [dialog.goal.itemData(i) for i in range(dialog.goal.count())] == ["mclp", "pmedian", "lscp"]
    assert dialog.goal.currentData() == "mclp" and dialog.message.text().startswith("Maximal covering")
    assert not dialog.target.isVisible() and dialog.limit.isEnabled() and dialog.radius.isEnabled()
    dialog.limit.setCurrentIndex(dialog.limit.findData("budget"))
    assert dialog.budget.isEnabled() and not dialog.sites.isEnabled()
    assert dialog.task_values()["budget"] > 0 and dialog.task_values()["sites"] is None
    choose_goal(dialog, "pmedian")
    # The number of sites only: the limit forced to it, no budget; the radius says what "covered" is.
    assert dialog.limit.currentData() == "sites" and not dialog.limit.isEnabled()
    assert dialog.sites.isEnabled() and not dialog.budget.isEnabled() and dialog.radius.isEnabled()
    assert not dialog.target.isVisible()
    assert "radius only sets what the result counts as covered" in dialog.message.text()
    values = dialog.task_values()
    assert (values["model"], values["sites"], values["budget"]) == ("pmedian", 5, None)
    assert "target" not in values
    choose_goal(dialog, "lscp")
    assert dialog.target.isVisible() and dialog.target.isEnabled() and dialog.target.value() == 90
    assert dialog.target.suffix() == " %" and (dialog.target.minimum(), dialog.target.maximum()) == (1, 100)
    assert not dialog.limit.isEnabled() and not dialog.sites.isEnabled() and not dialog.budget.isEnabled()
    assert dialog.radius.isEnabled() and dialog.message.text().startswith("Set covering")
    values = dialog.task_values()
    assert (values["model"], values["sites"], values["budget"], values["target"]) == (
        "lscp",
        None,
        None,
        90.0,
    )
    # Back to maximal covering: the budget chosen before is the limit again.
    choose_goal(dialog, "mclp")
    assert not dialog.target.isVisible() and dialog.limit.isEnabled()
    assert dialog.limit.currentData() == "budget" and dialog.budget.isEnabled()
    assert dialog.message.text().startswith("Maximal covering")
    press(cancel_button(dialog))


def test_the_goal_and_target_are_remembered(qtbot, window):
    from ui.dialogs.propose import _REMEMBERED

    win = window
    dialog = open_propose(qtbot, win)
    dialog.limit.setCurrentIndex(dialog.limit.findData("budget"))
    choose_goal(dialog, "lscp")
    type_into(dialog.target, "75")
    press(cancel_button(dialog))
    again = open_propose(qtbot, win)
    assert again.goal.currentData() == "lscp" and again.target.value() == 75
    assert again.target.isVisible() and not again.budget.isEnabled() and not again.limit.isEnabled()
    assert again.message.text().startswith("Set covering")
    # The budget limit chosen before the goal changed is still there for maximal covering.
    choose_goal(again, "mclp")
    assert again.limit.currentData() == "budget" and again.budget.isEnabled()
    press(cancel_button(again))
    # Settings kept before there was a goal restore as maximal covering with the default target.
    kept = dict(_REMEMBERED[win.doc])
    del kept["goal"], kept["target"]
    _REMEMBERED[win.doc] = kept
    old = open_propose(qtbot, win)
    assert old.goal.currentData() == "mclp" and old.target.value() == 90 and not old.target.isVisible()
    assert old.limit.currentData() == "budget" and old.budget.isEnabled()
    press(cancel_button(old))


def test_shortest_travel_from_the_dialog(qtbot, window):
    """p-median: 3 new sites, straight-line distance (along the streets the sample's separate street
    parts leave people no site can reach); the objective is the people x distance to the nearest
    facility, the message its average per person."""
    import numpy as np

    from cityplanner.surface import project_surface

    win = window
    dialog = open_propose(qtbot, win)
    choose_goal(dialog, "pmedian")
    type_into(dialog.sites, "3")
    quick_straight_line(dialog)
    press(dialog.run_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    result, scenario = dialog.result, dialog.scenario
    assert result is not None and result.model == "pmedian", dialog.message.text()
    proposed = [p for p in scenario.placements if p.source == "optimiser" and p.type == "wifi"]
    assert len(proposed) == len(result.selected) == 3
    press(dialog.create_button)
    # People x straight-line distance to the nearest facility of the type in the new plan.
    project = win.doc.project
    surface = project_surface(project)
    sites = np.array([(g.x, g.y) for g in project.facilities("wifi", scenario.name).geometry])
    nearest = np.sqrt(((surface.xy[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    person_metres = float((surface.population * nearest).sum())
    assert result.objective == pytest.approx(person_metres, rel=1e-6)
    average = i18n.format_number(result.objective / result.population_total, 0)
    assert f"people travel {average} m on average to the nearest facility" in dialog.message.text()
    assert "cover" not in dialog.message.text()
    # While it ran, the best answers were shown as average distances too (the last one kept).
    assert "m on average to the nearest facility" in dialog.best.text()
    header = dialog.sites_table.horizontalHeaderItem(1).text()
    assert header == "Newly within the radius (people)"
    # The gains: the people each site brings within the radius, added greedily.
    newly = result.population_covered - result.population_covered_before
    assert sum(p.marginal_gain for p in proposed) == pytest.approx(newly)


def test_fewest_sites_from_the_dialog(qtbot, window):
    """Set covering: the fewest EV chargers bringing 80 % of the people within their 1 km radius."""
    win = window
    dialog = open_propose(qtbot, win, "ev_charger")
    choose_goal(dialog, "lscp")
    type_into(dialog.target, "80")
    quick_straight_line(dialog)
    heard = []
    dialog._relay.incumbent.connect(heard.append)
    press(dialog.run_button)
    qtbot.waitUntil(lambda: "Best so far" in dialog.best.text(), timeout=60_000)
    assert "new sites" in dialog.best.text()
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    result = dialog.result
    assert result is not None and result.model == "lscp", dialog.message.text()
    assert result.percent_covered >= 80.0 and len(result.selected) == result.objective > 0
    assert heard and all(not incumbent.maximise for incumbent in heard)
    sites = i18n.format_number(len(result.selected), 0)
    percent = i18n.format_number(result.percent_covered)
    radius = i18n.format_number(dialog.radius.value(), 0)
    assert f"{sites} new sites bring {percent} % of the people within {radius} m (target 80 %" in (
        dialog.message.text()
    )
    assert dialog.sites_table.rowCount() == len(result.selected)
    assert dialog.sites_table.horizontalHeaderItem(1).text() == "Marginal gain (people)"
    press(dialog.create_button)
    assert win.doc.current_scenario == dialog.scenario.name


def test_shortest_travel_along_the_streets_states_who_no_site_reaches(qtbot, window):
    """Along the sample's streets some people live on separate street parts: the proposal serves
    the rest, and the message says how many are left out of the average, which is over the others."""
    win = window
    dialog = open_propose(qtbot, win, "clinic")
    choose_goal(dialog, "pmedian")
    type_into(dialog.sites, "5")
    dialog.distance.setCurrentIndex(dialog.distance.findData("network"))
    dialog.candidates.setCurrentIndex(dialog.candidates.findData("grid"))
    type_into(dialog.time_limit, "20")
    press(dialog.run_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    result = dialog.result
    assert result is not None and result.population_left_out > 0, dialog.message.text()
    text = dialog.message.text()
    left = i18n.format_number(result.population_left_out, 0)
    assert f"{left} people live on separate parts of the street network that no site reaches" in text
    counted = result.population_total - result.unreachable_population - result.population_left_out
    assert f"people travel {i18n.format_number(result.objective / counted, 0)} m on average" in text
    assert "no bound" in text and not result.optimal
    # The best answers streamed while it ran were over the people served too, and said who was not.
    assert "no site reaches yet" in dialog.best.text() and "m on average" in dialog.best.text()
