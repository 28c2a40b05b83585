"""The Propose task's anytime path (incumbents heard, stop with the best so far, warm start from a
moved proposal), its site names, and the options it declares once for every face."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pytest

from cityplanner.cli import main
from cityplanner.cli._common import add_encoding_argument, add_source_crs_argument
from cityplanner.errors import Cancelled, OptimisationError
from cityplanner.progress import Progress
from cityplanner.project import Placement
from cityplanner.store import load_project
from cityplanner.tasks import AddLayer, CreateProject, Propose
from cityplanner.tasks.base import ENCODING, SOURCE_CRS


@pytest.fixture
def project(sample_dir: Path):
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    return load_project(path)


def propose(project, **values) -> Propose:
    settings = dict(project=project, type="wifi", into_scenario="P", sites=8, grid=50.0, mode="euclidean")
    return Propose(**{**settings, **values})


def test_incumbents_stream_and_stop_keeps_the_best_with_its_gap(project) -> None:
    heard = []
    task = propose(project, on_incumbent=heard.append, stop=lambda: bool(heard))
    proposal = task.run()
    result = proposal.result
    assert heard and heard[0].stage == "greedy" and heard[0].maximise
    # Stopped at the first checkpoint after the first answer: the best so far, with a stated gap.
    assert result.stopped and math.isfinite(result.gap) and any("stopped early" in n for n in result.notes)
    assert result.objective == pytest.approx(max(i.objective for i in heard))
    # Each incumbent's sites index the candidates the proposal lists.
    assert max(max(i.selected) for i in heard) < len(proposal.candidates_xy)
    placed = proposal.scenario.placements
    assert len(placed) == len(result.selected) and all(p.source == "optimiser" for p in placed)


def test_the_task_names_sites_as_the_face_asks(project) -> None:
    proposal = propose(project, sites=2, name_format="{label} (proposed) {rank}", label="Hotspot").run()
    assert [p.name for p in proposal.scenario.placements] == ["Hotspot (proposed) 1", "Hotspot (proposed) 2"]
    # Without them, the command line's names.
    other = propose(project, sites=1, into_scenario="Q").run()
    assert other.scenario.placements[0].name.endswith("MCLP 1")


def test_reoptimise_starts_from_the_moved_proposal_and_keeps_the_planner_sites(project) -> None:
    first = propose(project, sites=4).run().scenario
    moved = first.placements[0]
    moved.x += 37.0  # the planner moved a proposed site off the grid
    mine = Placement(type="wifi", x=first.placements[1].x + 300, y=first.placements[1].y, name="mine")
    first.placements.append(mine)
    heard = []
    proposal = propose(
        project, into_scenario="P2", keep_scenario="P", reoptimise=True, sites=4, on_incumbent=heard.append
    ).run()
    # The search started from the planner's layout, not from greedy.
    assert heard[0].stage == "your sites"
    assert heard[-1].objective >= heard[0].objective
    placed = proposal.scenario.placements
    assert [p.name for p in placed if p.source == "manual"] == ["mine"]
    assert sum(p.source == "optimiser" for p in placed) == len(proposal.result.selected) <= 4
    # The proposal re-optimised is left as it was; the new one replaces its proposed sites.
    assert project.scenario("P").placements[-1] is mine and len(project.scenario("P").placements) == 5


def test_a_cancelled_reoptimisation_leaves_the_project_as_it_was(project) -> None:
    propose(project, sites=3).run()
    before = {name: [p.id for p in sc.placements] for name, sc in project.scenarios.items()}
    progress = Progress(lambda fraction, _m: progress.cancel() if fraction > 0.06 else None)
    for into in ("P", "P2"):  # back into itself, or into a new scenario
        with pytest.raises(Cancelled):
            propose(project, into_scenario=into, keep_scenario="P", reoptimise=True).run(progress)
        assert {name: [p.id for p in sc.placements] for name, sc in project.scenarios.items()} == before


def test_reoptimise_refuses_an_existing_scenario_other_than_its_own(project) -> None:
    propose(project, sites=2).run()
    propose(project, sites=2, into_scenario="Q").run()
    with pytest.raises(OptimisationError, match="Scenario 'Q' already exists"):
        propose(project, into_scenario="Q", keep_scenario="P", reoptimise=True).validate()


def test_source_crs_and_encoding_are_declared_once() -> None:
    assert Propose.parameter("source_crs") is SOURCE_CRS and Propose.parameter("encoding") is ENCODING
    assert CreateProject.parameter("encoding") is ENCODING
    # CreateProject and AddLayer only reword the help of the same declaration.
    for task in (CreateProject, AddLayer):
        p = task.parameter("source_crs")
        assert (p.type, p.metavar, p.option) == (SOURCE_CRS.type, SOURCE_CRS.metavar, "--source-crs")
    # The verbs without a task add the same options.
    parser = argparse.ArgumentParser()
    add_source_crs_argument(parser)
    add_encoding_argument(parser)
    actions = {a.dest: a for a in parser._actions}
    assert actions["source_crs"].help == SOURCE_CRS.help and actions["source_crs"].metavar == "EPSG"
    assert actions["encoding"].help == ENCODING.help and actions["encoding"].metavar == "CODEPAGE"


def test_optimise_over_files_checks_the_zones_as_every_verb_does(tmp_path: Path, capsys) -> None:
    candidates = tmp_path / "c.geojson"
    candidates.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    args = ["optimise", "--model", "mclp", "--sites", "1", "--radius", "100", "--candidates", str(candidates)]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "Give who lives where: --zones FILE[:LAYER] with --population FIELD" in err
    assert "Traceback" not in err
    assert main(["optimise", "--model", "mclp", "--sites", "1", "--radius", "100"]) != 0
    assert "optimise needs --candidates FILE[:LAYER]" in capsys.readouterr().err
