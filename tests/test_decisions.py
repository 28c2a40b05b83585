"""The workshop's decision log (cityplanner.decisions): entries, storage in the project, the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cityplanner import decisions
from cityplanner.errors import ProjectError
from cityplanner.kpi import Evaluator
from cityplanner.project import Placement
from cityplanner.store import load_project, save_project

PLAN = "Smart Hải Châu 2030"


@pytest.fixture
def project(sample_dir: Path):
    return load_project(sample_dir / "hai_chau.cityplan")


def test_entry_records_change_kpi_deltas_and_note(project):
    plan = project.scenario(PLAN)
    plan.placements.append(Placement(type="clinic", x=plan.placements[0].x + 300, y=plan.placements[0].y))
    results = Evaluator(project).evaluate(PLAN)
    when = dt.datetime(2026, 12, 2, 9, 30)
    entry = decisions.new_entry(
        project,
        PLAN,
        "agreed",
        "Trạm y tế ở chợ Hàn; Sở Y tế đồng ý",
        results,
        last_edit="Place Clinic",
        when=when,
    )
    assert entry.time == "2026-12-02 09:30" and entry.scenario == PLAN and entry.state == "agreed"
    assert entry.change.startswith("Place Clinic; 10 new facilities: 4 Public Wi-Fi hotspot")
    assert "1 Clinic" in entry.change
    # Only the KPIs the plan moves, with their baseline and plan values.
    by_id = {r.id: r for r in results}
    assert entry.kpis and all(k.changed for k in entry.kpis)
    moved = {r.id for r in results if r.change or (r.value is None) != (r.baseline_value is None)}
    assert {k.id for k in entry.kpis} == moved
    # From none in the baseline (no hotspot layer) to the plan's four: a change, without a sign.
    hotspots = next(k for k in entry.kpis if k.id == "wifi_hotspots")
    assert hotspots.baseline is None and hotspots.value == 4
    assert "Availability of Wi-Fi in Public Areas: – → 4 hotspots;" in entry.kpi_text()
    health = next(k for k in entry.kpis if k.id == "health_access_1km")
    assert health.baseline == pytest.approx(by_id["health_access_1km"].baseline_value)
    assert health.value == pytest.approx(by_id["health_access_1km"].value)
    assert "Health facility access: " in entry.kpi_text() and "→" in entry.kpi_text()
    assert health.name_vi == by_id["health_access_1km"].name_vi
    assert entry.note == "Trạm y tế ở chợ Hàn; Sở Y tế đồng ý"


def test_unchanged_kpis_fall_back_to_those_shown(project):
    results = Evaluator(project).evaluate(project.baseline.name)
    entry = decisions.new_entry(
        project, project.baseline.name, "to study", results=results, shown=["wifi_hotspots"]
    )
    assert [k.id for k in entry.kpis] == ["wifi_hotspots"]
    assert entry.kpi_text() == "no KPI changed"
    assert entry.change == "Baseline: the existing facilities"


def test_states_and_lengths_are_checked():
    with pytest.raises(ProjectError, match="agreed"):
        decisions.DecisionEntry(time="2026-12-02 09:30", scenario="Plan", state="maybe")
    entry = decisions.DecisionEntry(time="t", scenario="Plan", state="rejected", note="x" * 1000)
    assert len(entry.note) == decisions.NOTE_CHARS and entry.note.endswith("…")


def test_log_round_trips_through_save_and_load(project, tmp_path):
    assert decisions.decision_log(project) == []
    results = Evaluator(project).evaluate(PLAN)
    first = decisions.add_decision(
        project, decisions.new_entry(project, PLAN, "agreed", "Wi-Fi ở công viên 29/3", results)
    )
    second = decisions.add_decision(project, decisions.new_entry(project, PLAN, "to study", "EV: ask EVN"))
    path = tmp_path / "workshop.cityplan"
    save_project(project, path)
    again = load_project(path)
    log = decisions.decision_log(again)
    assert log == [first, second]
    assert log[0].note == "Wi-Fi ở công viên 29/3" and log[0].kpis == first.kpis
    # Stored as JSON text in the project's settings (kept readable, diacritics as they are).
    stored = again.settings[decisions.SETTING]
    assert "công viên" in stored and json.loads(stored)[1]["state"] == "to study"
    assert decisions.remove_decision(again, 0) == first
    assert decisions.decision_log(again) == [second]
    decisions.remove_decision(again, 0)
    assert decisions.SETTING not in again.settings
    with pytest.raises(ProjectError, match="no entry 1"):
        decisions.remove_decision(again, 0)


def test_a_damaged_log_is_reported_in_one_sentence(project):
    project.settings[decisions.SETTING] = "{not json"
    with pytest.raises(ProjectError, match="decision log cannot be read"):
        decisions.decision_log(project)


def _pdf_text(path: Path) -> str:
    import re

    import pypdf

    reader = pypdf.PdfReader(path)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_saved_log_is_a_section_of_the_pdf_report(project, tmp_path, lang):
    from cityplanner.report.pdf import write_pdf

    results = Evaluator(project).evaluate(PLAN)
    when = dt.datetime(2026, 12, 2, 10, 15)
    decisions.add_decision(
        project,
        decisions.new_entry(project, PLAN, "agreed", "Sở TT&TT lắp đặt <b>trước</b> Tết", results, when=when),
    )
    decisions.add_decision(
        project, decisions.new_entry(project, PLAN, "rejected", "No EV chargers on Bạch Đằng", when=when)
    )
    path = tmp_path / "workshop.cityplan"
    save_project(project, path)
    pdf = write_pdf(load_project(path), [PLAN], tmp_path / f"report_{lang}.pdf", lang=lang)
    text = _pdf_text(pdf)
    heading = "Workshop decisions" if lang == "en" else "Quyết định tại hội thảo"
    assert heading in text
    # Before the maps: the outcome is the report's story.
    assert text.index(heading) < text.index("Map: " if lang == "en" else "Bản đồ: ")
    assert "2026-12-02 10:15" in text and PLAN in text
    # The notes as written (markup shown, not applied), diacritics intact.
    assert "Sở TT&TT lắp đặt <b>trước</b> Tết" in text
    assert "No EV chargers on Bạch Đằng" in text
    if lang == "en":
        assert "2 decisions: 1 agreed, 1 rejected." in text
        assert "Agreed" in text and "Rejected" in text
        assert "9 new facilities: 4 Public Wi-Fi hotspot" in text
        assert "Availability of Wi-Fi in Public Areas: – → 4 hotspots" in text
    else:
        assert "2 quyết định: 1 thống nhất, 1 bác bỏ." in text
        assert "Mức độ sẵn có Wi-Fi tại khu vực công cộng: – → 4" in text


def test_report_without_decisions_has_no_section(project, tmp_path):
    from cityplanner.report.content import collect

    assert collect(project, [PLAN]).decisions == []


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_saved_log_is_in_the_html_map_panel(project, tmp_path, lang):
    from html import unescape

    from cityplanner.report.html import write_html

    results = Evaluator(project).evaluate(PLAN)
    when = dt.datetime(2026, 12, 2, 10, 15)
    note = "Sở TT&TT <script>alert(1)</script> {{7*7}} trước Tết"
    decisions.add_decision(project, decisions.new_entry(project, PLAN, "agreed", note, results, when=when))
    path = tmp_path / "workshop.cityplan"
    save_project(project, path)
    page = write_html(load_project(path), [PLAN], tmp_path / f"map_{lang}.html", lang=lang).read_text("utf-8")
    heading = "Workshop decisions" if lang == "en" else "Quyết định tại hội thảo"
    assert heading in page and "2026-12-02 10:15" in page
    # The note as text: escaped once, never markup, never a template.
    assert "<script>alert(1)</script>" not in page
    assert "Sở TT&amp;TT &lt;script&gt;alert(1)&lt;/script&gt; {{7*7}} trước Tết" in page
    assert note in unescape(page)
    summary = "1 decision: 1 agreed." if lang == "en" else "1 quyết định: 1 thống nhất."
    assert summary in unescape(page)


def test_html_map_without_decisions_has_no_log(project, tmp_path):
    from cityplanner.report.html import write_html

    page = write_html(project, [PLAN], tmp_path / "map.html").read_text("utf-8")
    assert "Workshop decisions" not in page
