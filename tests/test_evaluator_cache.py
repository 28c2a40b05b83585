"""The Evaluator's cache never answers a facility-type edit with the figure from before it (issue 10, item 7).

The KPI dock keeps one Evaluator and hands it each new copy of the project; a clinic capacity
edit (20 -> 100) kept the old 2SFCA figure (2.84 instead of 14.21 on the sample).
"""

from __future__ import annotations

import copy

from cityplanner.kpi import Evaluator
from cityplanner.store import load_project


def test_a_capacity_edit_is_not_answered_from_the_cache(sample_dir) -> None:
    project = load_project(sample_dir / "hai_chau.cityplan")
    evaluator = Evaluator(project)
    before = {r.id: r.value for r in evaluator.evaluate()}
    edited = copy.deepcopy(project)
    edited.facility_types["clinic"].capacity = project.facility_types["clinic"].capacity * 5 or 100.0
    evaluator.project = edited  # as the KPI dock does with each snapshot
    after = {r.id: r.value for r in evaluator.evaluate()}
    fresh = {r.id: r.value for r in Evaluator(edited).evaluate()}
    assert after == fresh
    changed = [k for k in before if before[k] != after[k]]
    assert changed and all("health" in k for k in changed), changed
