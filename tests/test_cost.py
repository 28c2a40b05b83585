"""Capital cost of a scenario (``cityplanner.cost``): hand-computed on the sample plan, a
placement's own cost, ``kpis --json`` and text, the reports, and the stored own cost."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cityplanner.cli import main as cli_main
from cityplanner.cost import scenario_cost, scenario_costs
from cityplanner.project import Placement
from cityplanner.store import load_project, save_project

PLAN = "Smart Hải Châu 2030"


@pytest.fixture(scope="module")
def sample(sample_dir: Path) -> Path:
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    return path


@pytest.fixture
def project(sample: Path):
    return load_project(sample)


def test_the_sample_plan_costs_what_its_placements_cost(project) -> None:
    # By hand: 4 Wi-Fi hotspots at 2,500 USD, 2 small cells at 30,000 and 3 EV chargers at 40,000
    # (resources/facility_types.yaml, copied into the sample project).
    cost = scenario_cost(project, PLAN)
    assert cost.currency == "USD"
    assert cost.by_type == {"wifi": 4 * 2_500.0, "small_cell": 2 * 30_000.0, "ev_charger": 3 * 40_000.0}
    assert cost.total == 10_000.0 + 60_000.0 + 120_000.0 == 190_000.0
    assert [(t.type, t.count, t.unit_cost, t.own_cost) for t in cost.types] == [
        ("wifi", 4, 2_500.0, 0),
        ("small_cell", 2, 30_000.0, 0),
        ("ev_charger", 3, 40_000.0, 0),
    ]  # in the project's facility-type order
    assert cost.placements == 9 and cost.unpriced == 0
    baseline = scenario_cost(project)
    assert baseline.scenario == "Baseline" and baseline.total == 0.0 and baseline.by_type == {}
    assert set(scenario_costs(project)) == {"Baseline", PLAN}


def test_a_placement_with_its_own_cost_is_priced_at_it(project) -> None:
    plan = project.scenario(PLAN)
    charger = plan.placements_of("ev_charger")[0]
    charger.cost = 55_000.0  # a quotation instead of the 40,000 unit cost
    plan.placements.append(Placement("tram_stop", 1.0, 2.0))  # a type the project does not define
    plan.placements.append(Placement("tram_stop", 1.0, 2.0, cost=7_000.0))
    cost = scenario_cost(project, PLAN)
    assert cost.by_type["ev_charger"] == 55_000.0 + 2 * 40_000.0
    assert cost.by_type["tram_stop"] == 7_000.0
    assert cost.total == 10_000.0 + 60_000.0 + 135_000.0 + 7_000.0
    assert cost.unpriced == 1
    assert [t.type for t in cost.types][-1] == "tram_stop"  # types the project does not define last
    project.settings["currency"] = "VND"  # the currency follows the project's setting
    assert scenario_cost(project, PLAN).currency == "VND"


def test_own_costs_are_stored_and_old_files_load(project, tmp_path: Path) -> None:
    # The sample file was saved before placements had a cost: every cost reads back as None.
    assert all(p.cost is None for s in project.scenarios.values() for p in s.placements)
    project.scenario(PLAN).placements[0].cost = 1_234.5
    path = save_project(project, tmp_path / "costed.cityplan")
    again = load_project(path)
    assert [p.cost for p in again.scenario(PLAN).placements][:2] == [1_234.5, None]
    assert scenario_cost(again, PLAN).total == 190_000.0 - 2_500.0 + 1_234.5


def test_kpis_json_and_text_carry_the_cost(sample: Path, capsys) -> None:
    assert cli_main(["kpis", str(sample), "--scenario", PLAN, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert isinstance(records, list) and records  # the list of KPI records, as before
    for record in records:
        assert record["cost_total"] == 190_000.0
        assert record["cost_by_type"] == {"wifi": 10_000.0, "small_cell": 60_000.0, "ev_charger": 120_000.0}
        assert record["cost_currency"] == "USD"
    assert cli_main(["kpis", str(sample)]) == 0
    text = capsys.readouterr().out
    assert "Capital cost of the placements: 0 USD (no placements)." in text
    assert cli_main(["kpis", str(sample), "--scenario", PLAN]) == 0
    text = capsys.readouterr().out
    assert (
        "Capital cost of the placements: 190,000 USD (Public Wi-Fi hotspot 4 × 2,500; 5G small cell "
        "2 × 30,000; EV charger 3 × 40,000)." in text
    )


def test_the_reports_state_each_scenarios_cost(sample: Path, tmp_path: Path, capsys) -> None:
    import openpyxl
    import pypdf

    path = tmp_path / "plan.cityplan"
    shutil.copy(sample, path)
    out = {ext: tmp_path / f"plan.{ext}" for ext in ("pdf", "html", "xlsx")}
    args = [
        "report",
        str(path),
        "--pdf",
        str(out["pdf"]),
        "--html",
        str(out["html"]),
        "--xlsx",
        str(out["xlsx"]),
    ]
    assert cli_main(args) == 0
    capsys.readouterr()
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(out["pdf"]).pages))
    assert "Capital cost of the placements: 190,000 USD (Public Wi-Fi hotspot 4 × 2,500;" in text
    assert "Capital cost of the placements: 0 USD (no placements)." in text
    html = out["html"].read_text(encoding="utf-8")
    assert "Capital cost of the placements: 190,000 USD" in html
    book = openpyxl.load_workbook(out["xlsx"])
    rows = list(book["Costs"].iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header == (
        "scenario",
        "type",
        "type_label",
        "placements",
        "unit_cost",
        "at_own_cost",
        "cost",
        "currency",
    )
    totals = {r["scenario"]: r["cost"] for r in body if r["type_label"] == "Total"}
    assert totals == {"Baseline": 0.0, PLAN: 190_000.0}
    chargers = next(r for r in body if r["type"] == "ev_charger")
    assert (chargers["placements"], chargers["unit_cost"], chargers["cost"]) == (3, 40_000.0, 120_000.0)
