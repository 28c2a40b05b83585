"""One demand for all (issue 10, item 3): a proposal's covered figure is the KPI of its scenario.

The optimiser and the KPIs count the same people (the project's population surface) measured the
same way, so the share an MCLP proposal says it covers equals the KPI evaluated afterwards on the
scenario the proposal wrote, with the KPI's threshold as the radius and the project's distance mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from cityplanner.kpi import Evaluator
from cityplanner.optimise import grid_candidates, optimise_project, propose_into_scenario
from cityplanner.store import load_project

KPI = "transit_stop_500m"  # bus stops (and metro stations, which the sample has none of), 500 m


@pytest.mark.parametrize("mode", ["network", "euclidean"])
def test_proposal_covers_what_the_kpi_then_says(sample_dir, mode: str) -> None:
    project = load_project(sample_dir / "hai_chau.cityplan")
    project.settings["distance_mode"] = mode
    evaluator = Evaluator(project)
    network = evaluator.network
    candidates = grid_candidates(project.zones, 150.0)
    result = optimise_project(
        project, "bus_stop", "mclp", candidates, sites=3, radius_m=500.0, network=network,
        surface=evaluator.surface,
    )  # fmt: skip
    baseline = evaluator.evaluate_kpi(KPI)
    assert result.percent_covered_before == pytest.approx(baseline.value, abs=0.1)
    propose_into_scenario(project, "bus_stop", result, candidates, "Three stops")
    after = Evaluator(project).evaluate_kpi(KPI, "Three stops")
    assert after.mode == mode
    assert result.percent_covered == pytest.approx(after.value, abs=0.1)
    assert after.value > baseline.value


def test_proposal_without_the_evaluator_reads_the_same_surface(sample_dir) -> None:
    project = load_project(sample_dir / "hai_chau.cityplan")
    evaluator = Evaluator(project)
    candidates = grid_candidates(project.zones, 200.0)
    mine = optimise_project(project, "bus_stop", "mclp", candidates, sites=2, radius_m=500.0)
    shared = optimise_project(
        project, "bus_stop", "mclp", candidates, sites=2, radius_m=500.0, surface=evaluator.surface
    )
    assert mine.population_total == pytest.approx(evaluator.surface.population_total)
    assert np.array_equal(mine.selected, shared.selected)
