"""KPI evaluation speed on the sample city: full catalogue, scenarios, re-evaluation after a placement.

Run: ``.venv/bin/python benchmarks/bench_kpi.py`` (needs ``sample_data/hai_chau.cityplan``).
Prints seconds per step and per KPI; the desktop app's KPI dock repeats the "after one placement"
step each time the planner places a facility.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cityplanner.kpi import Evaluator
from cityplanner.project import Placement
from cityplanner.store import load_project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "hai_chau.cityplan"


def timed(label: str, func):
    start = time.perf_counter()
    value = func()
    print(f"{label:<58s} {time.perf_counter() - start:8.2f} s")
    return value


def main() -> int:
    if not SAMPLE.exists():
        print(f"bench_kpi: {SAMPLE} is missing; build it with `make sample`.", file=sys.stderr)
        return 2
    project = timed("load sample project", lambda: load_project(SAMPLE))
    print(f"{len(project.zones)} zones, scenarios: {', '.join(project.scenarios)}")
    evaluator = Evaluator(project)
    timed("demand + street network (once per project)", lambda: (evaluator.demand, evaluator.network))
    for kpi in evaluator.catalogue:
        timed(f"  baseline {kpi.id}", lambda kpi=kpi: evaluator.evaluate_kpi(kpi.id))
    timed("baseline, all KPIs again (cached)", evaluator.evaluate)
    plan = list(project.scenarios)[-1]
    timed(f"scenario '{plan}', all KPIs", lambda: evaluator.evaluate(plan))
    scenario = project.scenario(plan)
    x, y = project.zones.geometry.union_all().centroid.coords[0]
    for type_name in ("wifi", "bus_stop"):
        scenario.placements.append(Placement(type_name, x, y))
        timed(f"after placing one {type_name}, all KPIs", lambda: evaluator.evaluate(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
