"""Engine tasks (``cityplanner.tasks``): each validates and runs on the sample or a small fixture,
the command line and the task give the same results, and cancelling stops a task with Cancelled."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import data_factory as make
import pytest

from cityplanner.cli import main as cli_main
from cityplanner.cli._tasks import add_task_arguments
from cityplanner.errors import Cancelled, CityPlannerError, LayerLoadError, OptimisationError, ReportError
from cityplanner.progress import Progress
from cityplanner.store import load_project
from cityplanner.tasks import (
    TASKS,
    AddLayer,
    Compare,
    CreateProject,
    EvaluateKpis,
    Propose,
    Report,
    Task,
    cli_refer,
)

PLAN = "Smart Hải Châu 2030"


def _cli(capsys, *argv) -> tuple[int, str, str]:
    rc = cli_main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def sample(sample_dir: Path) -> Path:
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    return path


@pytest.fixture
def sample_copy(sample: Path, tmp_path: Path) -> Path:
    path = tmp_path / "plan.cityplan"
    shutil.copy(sample, path)
    return path


# -- declarations ---------------------------------------------------------------------------------
@pytest.mark.parametrize("task", list(TASKS.values()), ids=list(TASKS))
def test_every_parameter_is_declared_for_a_dialog_and_the_command_line(task: type[Task]) -> None:
    described = task.describe()
    assert described["title"] and described["description"]
    names = [p["name"] for p in described["parameters"]]
    assert len(names) == len(set(names))
    for p in task.parameters:
        assert p.help, p.name
        assert p.title
        if p.type == "choice":
            assert p.choices and (p.default is None or p.default in p.choices), p.name
    # argparse accepts every declared option (no clash, valid keywords).
    parser = argparse.ArgumentParser(prog=task.name)
    add_task_arguments(parser, task)
    with pytest.raises(TypeError, match="no parameter 'nope'"):
        task(nope=1)


def test_the_cli_reads_options_from_the_declarations() -> None:
    from cityplanner.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["report", "p.cityplan", "--pdf", "a.pdf", "--landscape", "--lang", "vi"])
    assert (args.orientation, args.lang, args.paper) == ("landscape", "vi", "a4")
    args = parser.parse_args(["new", "p.cityplan", "--zones", "z.gpkg", "--force", "--layer", "r=x.gpkg"])
    assert args.project == "p.cityplan" and args.overwrite is True and args.layers == [("r", "x.gpkg")]
    args = parser.parse_args(["optimise", "p.cityplan", "--model", "mclp", "--time-limit", "5"])
    assert args.time_limit == 5.0 and args.target == 100.0 and args.solver == "exact"


def test_messages_name_options_as_each_face_does() -> None:
    with pytest.raises(ReportError, match=r"^Nothing to write: name at least one of --pdf, --html"):
        Report(project="x.cityplan", refer=cli_refer).validate()
    with pytest.raises(ReportError, match=r"^Nothing to write: name at least one of PDF report, HTML map"):
        Report(project="x.cityplan").validate()
    with pytest.raises(OptimisationError, match=r"add --sites P or --budget\.$"):
        Propose(project="x.cityplan", type="clinic", into_scenario="P", refer=cli_refer).validate()
    with pytest.raises(OptimisationError, match=r"add New sites or Budget\.$"):
        Propose(project="x.cityplan", type="clinic", into_scenario="P").validate()


# -- EvaluateKpis ---------------------------------------------------------------------------------
def test_evaluate_kpis_equals_kpis_json(sample: Path, capsys) -> None:
    task = EvaluateKpis(project=str(sample), scenario=PLAN)
    task.validate()
    table = task.run()
    rc, out, _ = _cli(capsys, "kpis", sample, "--scenario", PLAN, "--json")
    assert rc == 0
    assert json.loads(out) == json.loads(json.dumps(_plain(table.records())))
    assert [r.id for r in table.results] == [r["id"] for r in json.loads(out)]


def test_evaluate_kpis_refuses_an_unknown_scenario_naming_the_project(sample: Path) -> None:
    with pytest.raises(CityPlannerError, match=rf"Project '{sample}' has no scenario named 'Nope'"):
        EvaluateKpis(project=str(sample), scenario="Nope").validate()


def _plain(obj):
    from cityplanner.cli._common import _plain as plain

    return plain(obj)


# -- Compare --------------------------------------------------------------------------------------
def test_compare_lines_scenarios_up_as_the_kpi_table_does(sample: Path) -> None:
    from cityplanner.kpi import Evaluator

    project = load_project(sample)
    evaluator = Evaluator(project)
    task = Compare(evaluator=evaluator, scenarios=[PLAN], reference=project.baseline.name)
    task.validate()
    comparison = task.run()
    assert comparison.scenarios == ["Baseline", PLAN] and comparison.reference == "Baseline"
    plan = {r.id: r for r in evaluator.evaluate(PLAN)}
    for row in comparison.kpis:
        assert row.values[PLAN] == plan[row.id].value
        assert row.statuses[PLAN] == plan[row.id].status
        base = row.values["Baseline"]
        if base is None or row.values[PLAN] is None:
            assert row.changes[PLAN] is None
        else:
            assert row.changes[PLAN] == pytest.approx(row.values[PLAN] - base)
        assert row.changes["Baseline"] in (0.0, None)
    assert comparison.costs[PLAN].total == 190_000.0 and comparison.costs["Baseline"].total == 0.0
    assert comparison.cost_changes()[PLAN] == 190_000.0
    json.dumps(_plain(comparison.to_dict()))  # JSON-ready
    with pytest.raises(CityPlannerError, match="no scenario named 'Nope'"):
        Compare(project=project, scenarios=["Nope"]).validate()


# -- Propose --------------------------------------------------------------------------------------
def _without_time(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "seconds"}


@pytest.mark.parametrize("mode", ["euclidean", "network"])
def test_propose_equals_optimise_project(sample: Path, tmp_path: Path, capsys, mode: str) -> None:
    by_cli, by_task = tmp_path / "cli.cityplan", tmp_path / "task.cityplan"
    shutil.copy(sample, by_cli)
    shutil.copy(sample, by_task)
    rc, out, err = _cli(
        capsys, "optimise", by_cli, "--type", "ev_charger", "--model", "mclp", "--sites", "3",
        "--grid", "200", "--mode", mode, "--into-scenario", "Chargers", "--json",
    )  # fmt: skip
    assert rc == 0, err
    task = Propose(
        project=str(by_task), type="ev_charger", model="mclp", sites=3, grid=200.0, mode=mode,
        into_scenario="Chargers",
    )  # fmt: skip
    task.validate()
    proposal = task.run()
    assert _without_time(json.loads(out)) == _without_time(json.loads(json.dumps(_plain(proposal.to_dict()))))
    saved_cli = load_project(by_cli).scenario("Chargers").placements
    saved_task = load_project(by_task).scenario("Chargers").placements
    assert [(p.x, p.y, p.name, p.marginal_gain) for p in saved_cli] == [
        (p.x, p.y, p.name, p.marginal_gain) for p in saved_task
    ]
    assert proposal.path == by_task


def test_propose_on_a_project_in_memory_keeps_a_scenario_and_saves_nothing(sample_copy: Path) -> None:
    before = sample_copy.read_bytes()
    project = load_project(sample_copy)
    task = Propose(
        project=project, type="wifi", model="mclp", sites=2, candidates="zones", mode="euclidean",
        into_scenario="Hotspots", keep_scenario=PLAN, time_limit=30.0,
    )  # fmt: skip
    proposal = task.run()
    assert sample_copy.read_bytes() == before and proposal.path is None
    assert [p.source for p in project.scenario("Hotspots").placements] == ["optimiser", "optimiser"]
    # The plan's four hotspots stayed open: coverage before the proposal counts them.
    assert proposal.result.population_covered_before > 0
    centres = {(round(x, 6), round(y, 6)) for x, y in proposal.candidates_xy}
    assert all((round(p.x, 6), round(p.y, 6)) in centres for p in project.scenario("Hotspots").placements)


def test_propose_validation_is_the_cli_validation(sample: Path) -> None:
    cases = [
        ({"model": "lscp", "sites": 3, "grid": 250.0}, "--sites goes with --model mclp or pmedian"),
        ({"model": "mclp", "sites": 2}, r"Give candidate sites: --candidates FILE\[:LAYER\]"),
        ({"model": "mclp", "sites": 2, "grid": 200.0, "cost_field": "c"}, "--cost-field names a field"),
        ({"model": "mclp", "sites": 2, "grid": 200.0, "type": "tram"}, "Unknown facility type 'tram'"),
        ({"model": "mclp", "sites": 2, "grid": 200.0, "into_scenario": "Baseline"}, "not the baseline"),
    ]
    for values, message in cases:
        task = Propose(
            project=str(sample), refer=cli_refer, **{"type": "clinic", "into_scenario": "X", **values}
        )
        with pytest.raises(CityPlannerError, match=message):
            task.validate()


# -- CreateProject and AddLayer -------------------------------------------------------------------
def test_create_project_equals_new(tmp_path: Path, capsys) -> None:
    city = make.multi_layer_gpkg(tmp_path)
    parks = make.write(make.stops(3), tmp_path / "parks.geojson")
    by_cli, by_task = tmp_path / "cli.cityplan", tmp_path / "task.cityplan"
    rc, out, err = _cli(
        capsys, "new", by_cli, "--zones", f"{city}:wards", "--population", "population",
        "--layer", f"bus_stops={city}:bus_stops", "--layer", f"green={parks}", "--cell", "50",
    )  # fmt: skip
    assert rc == 0, err
    task = CreateProject(
        path=by_task, zones=f"{city}:wards", population="population",
        layers={"bus_stops": f"{city}:bus_stops", "green": str(parks)}, cell=50.0,
    )  # fmt: skip
    task.validate()
    created = task.run()
    assert created.path == by_task and len(created.surface) > 0
    a, b = load_project(by_cli), load_project(by_task)
    assert {n: lyr.role for n, lyr in a.layers.items()} == {n: lyr.role for n, lyr in b.layers.items()}
    assert a.population.sum() == b.population.sum() and a.settings["cell_size_m"] == 50.0
    assert {k: v for k, v in a.settings.items()} == {k: v for k, v in b.settings.items()}
    assert created.to_dict()["layers"]


def test_create_project_gives_the_roles_the_planner_chose(tmp_path: Path) -> None:
    city = make.multi_layer_gpkg(tmp_path)
    task = CreateProject(
        zones=f"{city}:wards", population="population", layers={"stops": f"{city}:bus_stops"},
        roles={"stops": "clinic"},
    )  # fmt: skip
    created = task.run()
    assert created.path is None  # no file asked for: the app keeps it in memory
    assert created.project.layers["stops"].role == "clinic"
    assert created.project.facility_types["clinic"].layer == "stops"
    assert created.project.facility_types["bus_stop"].layer is None
    with pytest.raises(LayerLoadError, match="holds no lines"):
        CreateProject(
            zones=f"{city}:wards", population="population", layers={"stops": f"{city}:bus_stops"},
            roles={"stops": "roads"},
        ).run()  # fmt: skip


def test_create_project_checks_are_new_checks(tmp_path: Path, capsys) -> None:
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    with pytest.raises(CityPlannerError, match=r"--population FIELD, --population-raster FILE\.tif, or both"):
        CreateProject(zones=str(zones), refer=cli_refer).validate()
    with pytest.raises(CityPlannerError, match="Population field, Population raster, or both"):
        CreateProject(zones=str(zones)).validate()
    with pytest.raises(CityPlannerError, match="Layer name 'a' is given more than once with --layer"):
        CreateProject(
            zones=str(zones), population="population", layers=[("a", str(zones)), ("a", str(zones))],
            refer=cli_refer,
        ).validate()  # fmt: skip


def test_add_layer_adds_one_layer_of_a_multi_layer_file(sample_copy: Path, tmp_path: Path) -> None:
    city = make.multi_layer_gpkg(tmp_path)
    with pytest.raises(LayerLoadError, match=r"holds 2 layers \(wards, bus_stops\); choose one with Layer"):
        AddLayer(project=str(sample_copy), file=str(city)).validate()
    with pytest.raises(LayerLoadError, match=r"has no layer 'parks' \(it has: wards, bus_stops\)"):
        AddLayer(project=str(sample_copy), file=str(city), layer="parks").validate()
    before = set(load_project(sample_copy).layers)
    task = AddLayer(project=str(sample_copy), file=str(city), layer="bus_stops", name="new_bus_stops")
    added = task.run()
    after = load_project(sample_copy)
    assert set(after.layers) - before == {"new_bus_stops"}  # one layer, saved back to the file
    assert added.layer.role == "bus_stop" and added.layer.feature_count == 5
    assert after.layers["new_bus_stops"].gdf.crs == after.crs
    # A one-layer file needs no layer name; a Project object is changed in place, not saved.
    stops = make.write(make.stops(4), tmp_path / "stops.geojson")
    project = load_project(sample_copy)
    AddLayer(project=project, file=str(stops), role="school").run()
    assert project.layers["stops"].role == "school"
    assert "stops" not in load_project(sample_copy).layers


# -- Report ---------------------------------------------------------------------------------------
def test_report_task_writes_what_report_writes(sample: Path, tmp_path: Path, capsys) -> None:
    rc, out, err = _cli(capsys, "report", sample, "--scenario", PLAN, "--xlsx", tmp_path / "cli.xlsx",
                        "--csv", tmp_path / "cli")  # fmt: skip
    assert rc == 0, err
    task = Report(
        project=str(sample), scenarios=[PLAN], xlsx=str(tmp_path / "task.xlsx"), csv=str(tmp_path / "t")
    )
    written = task.run()
    assert set(written.files) == {"xlsx", "csv"} and written.files["xlsx"] == tmp_path / "task.xlsx"
    assert out.splitlines()[0] == f"Excel workbook: {tmp_path / 'cli.xlsx'}"
    import pandas as pd

    for name in ("kpis.csv", "placements.csv", "districts.csv"):
        a = pd.read_csv(tmp_path / "cli" / name, encoding="utf-8-sig")
        b = pd.read_csv(tmp_path / "t" / name, encoding="utf-8-sig")
        pd.testing.assert_frame_equal(a, b)


def test_report_task_refuses_as_report_does(sample: Path, tmp_path: Path) -> None:
    task = Report(project=str(sample), pdf=str(tmp_path / "x.html"), refer=cli_refer)
    with pytest.raises(ReportError, match=r"--pdf .*x\.html must be a file name ending in \.pdf\."):
        task.validate()
    task = Report(project=str(sample), html=str(tmp_path / "missing" / "m.html"), refer=cli_refer)
    with pytest.raises(ReportError, match="The folder of --html .* does not exist."):
        task.validate()
    with pytest.raises(ReportError, match="language 'fr' is not supported"):
        Report(project=str(sample), pdf=str(tmp_path / "x.pdf"), lang="fr").validate()


# -- progress and cancel --------------------------------------------------------------------------
def test_progress_is_reported_in_order(sample: Path) -> None:
    seen: list[float] = []
    EvaluateKpis(project=str(sample)).run(Progress(lambda f, m: seen.append(f)))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


class CancelAfter(Progress):
    """A progress sink that cancels itself once ``predicate(calls, fraction)`` holds."""

    def __init__(self, predicate) -> None:
        self.calls: list[tuple[float, str]] = []
        self.predicate = predicate
        super().__init__(self._record)

    def _record(self, fraction: float, message: str) -> None:
        self.calls.append((fraction, message))
        if self.predicate(self.calls, fraction):
            self.cancel()


def test_cancel_stops_a_long_task_with_cancelled(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    progress = CancelAfter(lambda calls, _f: len(calls) == 5)  # while the baseline's KPIs are evaluated
    with pytest.raises(Cancelled):
        Report(project=str(sample), pdf=str(target), html=str(tmp_path / "m.html")).run(progress)
    assert len(progress.calls) == 5 and progress.calls[-1][0] < 0.5
    assert not list(tmp_path.iterdir())  # no output, and no temporary file left either
    # Cancelled before it starts: nothing is read.
    done = Progress()
    done.cancel()
    with pytest.raises(Cancelled):
        Propose(project="missing.cityplan", type="clinic", into_scenario="P", sites=1, grid=100.0).run(done)


def test_cancel_stops_a_proposal_and_leaves_the_project_file(sample_copy: Path) -> None:
    before = sample_copy.read_bytes()
    progress = CancelAfter(lambda _calls, fraction: fraction > 0.05)  # once the solver reports
    with pytest.raises(Cancelled):
        Propose(
            project=str(sample_copy), type="bus_stop", model="mclp", sites=4, grid=100.0, mode="euclidean",
            into_scenario="Stops",
        ).run(progress)  # fmt: skip
    assert sample_copy.read_bytes() == before
    fractions = [f for f, _ in progress.calls]
    assert fractions == sorted(fractions)
