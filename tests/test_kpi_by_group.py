"""Per-district KPI values (Evaluator.by_group): what the KPI dock's chart and the report's tables show."""

from __future__ import annotations

import numpy as np
import pytest
from test_ui_support import sample_project_path

from cityplanner.kpi import Evaluator, district_field, percent_by_group
from cityplanner.store import load_project


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = load_project(sample_project_path(tmp_path_factory.mktemp("sample")))
    return project, Evaluator(project), list(project.scenarios)[-1]


def test_every_kpi_by_one_group_is_the_city_value(sample):
    project, evaluator, plan = sample
    whole = np.full(len(project.zones), "city", dtype=object)
    for result in evaluator.evaluate(plan):
        value = evaluator.by_group(result.id, whole, plan)
        if result.value is None:
            assert value.isna().all(), result.id
        else:
            assert value["city"] == pytest.approx(result.value, rel=1e-9), result.id


def test_districts_people_counts_and_weights(sample):
    project, evaluator, plan = sample
    field = district_field(project)
    assert field == "district"
    districts = project.zones[field].to_numpy()
    metrics = evaluator.zone_metrics("wifi_population_100m", plan)
    people = evaluator.by_group("wifi_population_100m", districts, plan)
    assert list(people.index) == ["Hải Châu", "Thanh Khê"]
    for name in people.index:
        rows = districts == name
        expected = 100 * metrics["covered_population"][rows].sum() / metrics["population"][rows].sum()
        assert people[name] == pytest.approx(expected)
    # Counts add up over districts to the city's count.
    hotspots = evaluator.by_group("wifi_hotspots", districts, plan)
    assert hotspots.sum() == evaluator.evaluate_kpi("wifi_hotspots", plan).value
    # Area coverage is weighted by zone area, not population: the city value lies between districts.
    area = evaluator.by_group("broadband_area_250m", districts, plan)
    city = evaluator.evaluate_kpi("broadband_area_250m", plan).value
    assert area.min() <= city <= area.max()


def test_percent_by_group_leaves_empty_groups_nan():
    import pandas as pd

    covered = pd.DataFrame({"k": [5.0, 0.0, 0.0]}, index=[10, 11, 12])
    table = percent_by_group(covered, [10.0, 10.0, 0.0], ["a", "a", "b"])
    assert table.loc["a", "k"] == pytest.approx(25.0) and np.isnan(table.loc["b", "k"])
