"""Priority by rule (cityplanner.priority): criteria from the sample city, scores and tiers."""

from __future__ import annotations

import numpy as np
import pytest
from test_ui_support import sample_project_path

from cityplanner.errors import AnalysisError
from cityplanner.kpi import Evaluator
from cityplanner.priority import (
    DENSITY,
    scale_to_unit,
    tiers_from_score,
    tiers_from_thresholds,
    weighted_score,
    zone_criteria,
)
from cityplanner.store import load_project


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = load_project(sample_project_path(tmp_path_factory.mktemp("sample")))
    return project, Evaluator(project)


def test_sample_criteria_density_gaps_and_fields(sample):
    project, evaluator = sample
    criteria = {c.id: c for c in zone_criteria(project, evaluator)}
    zones = project.zones
    density = project.population / (zones.geometry.area.to_numpy() / 1e6)
    assert np.allclose(criteria[DENSITY].values, density)
    assert "people/km²" in criteria[DENSITY].label
    # Coverage gap of the baseline's bus-stop reach: 100 minus the engine's per-zone coverage.
    covered = evaluator.zone_metrics("transit_stop_500m")["value"].to_numpy()
    assert np.allclose(
        criteria["gap:transit_stop_500m"].values,
        np.where(project.population > 0, 100.0 - covered, np.nan),
        equal_nan=True,
    )
    assert criteria["gap:school_access_1km"].label.startswith("Coverage gap: School access")
    # No hazard layer and no Wi-Fi layer in the sample: those KPIs are n/a and offer no criterion.
    assert "gap:disaster_prone_population" not in criteria
    assert "gap:wifi_population_100m" not in criteria
    assert np.array_equal(criteria["field:population"].values, project.population)
    assert not any(key.startswith("field:") and "district" in key for key in criteria)


def test_gaps_follow_the_scenario(sample):
    project, evaluator = sample
    plan = list(project.scenarios)[-1]
    # The sample has no Wi-Fi layer: only the plan, which places hotspots, has a Wi-Fi gap.
    assert "gap:wifi_population_100m" in {c.id for c in zone_criteria(project, evaluator, plan)}
    project.declare_none_exist("wifi")
    try:
        base = {c.id: c.values for c in zone_criteria(project, evaluator)}
        planned = {c.id: c.values for c in zone_criteria(project, evaluator, plan)}
    finally:
        project.declare_none_exist("wifi", False)
    # Declared none exist, the baseline's gap is everyone: the hotspots shrink it somewhere, grow it nowhere.
    delta = planned["gap:wifi_population_100m"] - base["gap:wifi_population_100m"]
    assert (np.nan_to_num(delta) <= 1e-9).all() and (delta < -1).any()


def test_criteria_without_evaluator_are_density_and_fields(sample):
    project, _ = sample
    ids = [c.id for c in zone_criteria(project)]
    assert ids[0] == DENSITY and all(i == DENSITY or i.startswith("field:") for i in ids)


def test_dense_uncovered_zones_rank_first(sample):
    project, evaluator = sample
    criteria = {c.id: c.values for c in zone_criteria(project, evaluator)}
    score = weighted_score(criteria, {DENSITY: 1.0, "gap:school_access_1km": 1.0})
    tiers = tiers_from_score(score, (0.1, 0.2, 0.3))
    n = len(score)
    assert [len(tiers[t]) for t in (1, 2, 3)] == [
        round(0.1 * n),
        round(0.3 * n) - round(0.1 * n),
        round(0.6 * n) - round(0.3 * n),
    ]
    assert score[tiers[1]].min() >= score[tiers[2]].max() >= score[tiers[3]].max()
    # Tier 1 is where school access is poorest (the sample's gaps vary more than its density).
    gap = criteria["gap:school_access_1km"]
    assert np.nanmean(gap[tiers[1]]) > 4 * np.nanmean(gap)
    # Density alone: tier 1 is the densest tenth of the zones.
    densest = tiers_from_score(weighted_score(criteria, {DENSITY: 1.0}), (0.1, 0, 0))[1]
    assert np.nanmin(criteria[DENSITY][densest]) >= np.nanquantile(criteria[DENSITY], 0.89)


def test_scaling_weights_and_negative_weight():
    assert np.allclose(scale_to_unit(np.array([2.0, np.nan, 4.0, 3.0])), [0.0, 0.0, 1.0, 0.5])
    assert np.array_equal(scale_to_unit(np.array([5.0, 5.0])), [0.0, 0.0])
    criteria = {"income": np.array([100.0, 300.0, 200.0])}
    assert np.allclose(weighted_score(criteria, {"income": -2.0}), [2.0, 0.0, 1.0])
    with pytest.raises(AnalysisError, match="Unknown priority criterion rent"):
        weighted_score(criteria, {"rent": 1.0})


def test_tiers_from_thresholds_and_bad_rules():
    score = np.array([2.5, 0.2, 1.6, 1.0, 1.2])
    tiers = tiers_from_thresholds(score, (2.0, 1.5, 1.0))
    assert tiers[1].tolist() == [0] and tiers[2].tolist() == [2] and tiers[3].tolist() == [3, 4]
    with pytest.raises(AnalysisError, match="from tier 1 down to tier 3"):
        tiers_from_thresholds(score, (1.0, 1.5, 2.0))
    with pytest.raises(AnalysisError, match="three tier shares"):
        tiers_from_score(score, (0.5, -0.1, 0.2))
    # Shares above 100 % in total are scaled down: every zone gets a tier, none twice.
    tiers = tiers_from_score(score, (0.6, 0.6, 0.8))
    assert sorted(np.concatenate(list(tiers.values())).tolist()) == [0, 1, 2, 3, 4]
