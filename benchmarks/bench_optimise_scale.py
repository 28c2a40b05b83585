"""Siting at the scale of a fine population surface (issue 17): the anytime path against the
exact path as it was before it, side by side in one run.

Run ``.venv/bin/python benchmarks/bench_optimise_scale.py`` (``--skip-before`` to leave out the
previous exact path, ``--runs N`` for the 100,000 x 5,000 repeats, ``--case A B B' C`` for some of
the cases only, one at a time on a shared machine). Instances come from
:mod:`synthetic_city`; both sides get the same arrays and a 60 s limit with the goal's gap as
their ``mip_gap`` (stop once proven within it).

1. 100,000 demand points x 5,000 candidates, MCLP p = 50, r = 400 m (the instance of
   ``bench_optimise.py``). Goal: gap <= 0.1 % within 60 s in three runs out of three; first
   feasible answer <= 2 s.
2. 200,000 cells (a 100 m population surface over 44.7 x 44.7 km, 9 million people) x 10,000
   candidates on a regular grid (448 m), MCLP p = 100, r = 400 m. Goal: gap <= 0.5 % within
   60 s; first answer <= 2 s. The same cells with 10,000 candidates drawn near people (dense
   clusters of alternatives in the districts) are run as a harder variant.
3. p-median, 20,000 demand points x 2,000 candidates, p = 50. Goal: gap <= 0.5 % within 60 s.

"Before" is the package at ``--before`` (default: the commit this work started from),
extracted with ``git archive`` into a temporary folder and run in a child process on the same
arrays; it gives its answer only at the end. "First answer" counts from before the model is
built (k-d tree pairs included) to the first feasible answer streamed by ``on_incumbent``.
The load average is printed before each measurement: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from synthetic_city import Extent, demand_points, facility_points, grid_sites, population_cells

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cityplanner.optimise import MCLP, PMedian  # noqa: E402

TIME_LIMIT_S = 60.0
CASES = ("A", "B", "B'", "C")
BEFORE = "bf14cc9"

CHILD = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from cityplanner.optimise import MCLP, PMedian
data = np.load(sys.argv[2])
spec = json.loads(sys.argv[3])
started = time.perf_counter()
if spec["model"] == "mclp":
    model = MCLP.from_points(data["demand"], data["w"], data["sites"], spec["radius"], sites=spec["p"])
else:
    model = PMedian.from_points(data["demand"], data["w"], data["sites"], sites=spec["p"])
result = model.solve(time_limit_s=spec["limit"], mip_gap=spec["gap"])
print(json.dumps({"seconds": time.perf_counter() - started, "objective": result.objective,
                  "bound": result.bound, "gap": result.gap, "notes": result.notes}))
"""


def load_average() -> str:
    return "load " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def ours(model: str, demand, w, sites, p: int, radius: float | None, goal: float) -> dict:
    """Build and solve with the anytime path; the stream's timings."""
    seen: list = []
    cpu = time.process_time()
    started = time.perf_counter()
    stamp = []

    def heard(incumbent) -> None:
        seen.append(incumbent)
        stamp.append(time.perf_counter() - started)

    if model == "mclp":
        built = MCLP.from_points(demand, w, sites, radius, sites=p)
    else:
        built = PMedian.from_points(demand, w, sites, sites=p)
    build_s = time.perf_counter() - started
    result = built.solve(time_limit_s=TIME_LIMIT_S, mip_gap=goal, on_incumbent=heard)
    total = time.perf_counter() - started
    reached = next((s for s, inc in zip(stamp, seen, strict=True) if inc.gap <= goal), float("nan"))
    return {
        "first": stamp[0] if stamp else float("nan"),
        "first_stage": seen[0].stage if seen else "",
        "build": build_s,
        "reached": reached,
        "seconds": total,
        "cpu": time.process_time() - cpu,
        "result": result,
    }


def before(package: Path, model: str, demand, w, sites, p: int, radius: float | None, goal: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "instance.npz"
        np.savez(data, demand=demand, w=w, sites=sites)
        spec = json.dumps({"model": model, "p": p, "radius": radius, "gap": goal, "limit": TIME_LIMIT_S})
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(package), str(data), spec],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(label: str, goal: float, row: dict, old: dict | None) -> None:
    r = row["result"]
    met = row["seconds"] <= TIME_LIMIT_S + 0.5 and r.gap <= goal
    print(
        f"  {label:5s} ours   first answer {row['first']:5.2f} s ({row['first_stage']}, model built in "
        f"{row['build']:.2f} s); gap <= {goal:.1%} at {row['reached']:6.2f} s; done {row['seconds']:6.2f} s "
        f"({row['cpu']:.1f} s of CPU; {load_average()} after)"
    )
    print(
        f"  {'':5s}        objective {r.objective:,.1f} bound {r.bound:,.1f} gap {r.gap:.3%} | "
        f"goal {'met' if met else 'NOT met'}"
    )
    if old is not None:
        met_old = old["seconds"] <= TIME_LIMIT_S + 0.5 and old["gap"] <= goal
        print(f"  {label:5s} before first answer {old['seconds']:5.2f} s (its only answer, at the end)")
        print(
            f"  {'':5s}        objective {old['objective']:,.1f} bound {old['bound']:,.1f} "
            f"gap {old['gap']:.3%} | goal {'met' if met_old else 'NOT met'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-before", action="store_true", help="leave out the previous exact path")
    parser.add_argument(
        "--before", default=BEFORE, help=f"git revision of the previous path (default {BEFORE})"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of the 100,000 x 5,000 MCLP (default 3)")
    parser.add_argument(
        "--case", nargs="+", choices=CASES, default=list(CASES), help="the cases to run (default: all)"
    )
    args = parser.parse_args()
    print(f"{load_average()} (1, 5, 15 min), {os.cpu_count()} cores; time limit {TIME_LIMIT_S:g} s")
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp)
        if not args.skip_before:
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", args.before, "cityplanner"],
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(package)], input=archive, check=True)
            print(f"before: cityplanner at {args.before} (git archive, child process)")

        def side_by_side(label, model, demand, w, sites, p, radius, goal, runs=1):
            for run in range(runs):
                print(f"  [{load_average()}]")
                row = ours(model, demand, w, sites, p, radius, goal)
                old = None
                if not args.skip_before and run == runs - 1:
                    print(f"  [{load_average()}]")
                    old = before(package, model, demand, w, sites, p, radius, goal)
                report(f"{label}#{run + 1}" if runs > 1 else label, goal, row, old)
                if run == runs - 1:
                    print(f"    ({'; '.join(row['result'].notes)})")

        cases = set(args.case)
        if "A" in cases:
            extent = Extent.square(20_000.0)
            demand, w = demand_points(100_000, extent, seed=20)
            sites = facility_points(5_000, extent, seed=21, near=demand)
            print(
                "1. 100,000 demand x 5,000 candidates (20 x 20 km); MCLP p = 50, r = 400 m; goal gap <= 0.1 %"
            )
            side_by_side("A", "mclp", demand, w, sites, 50, 400.0, 0.001, runs=args.runs)

        if cases & {"B", "B'"}:
            cells, people, city = population_cells(200_000, seed=40)
            print(
                f"2. 200,000 cells of 100 m ({city.width / 1000:.1f} x {city.height / 1000:.1f} km, "
                f"{people.sum():,.0f} people); MCLP p = 100, r = 400 m; goal gap <= 0.5 %"
            )
        if "B" in cases:
            grid = grid_sites(city, 10_000)
            print(f"   x {len(grid):,} grid candidates")
            side_by_side("B", "mclp", cells, people, grid, 100, 400.0, 0.005)
        if "B'" in cases:
            rng = np.random.default_rng(41)
            near = facility_points(
                10_000, city, seed=42, near=cells[rng.choice(len(cells), 10_000, p=people / people.sum())]
            )
            print("   x 10,000 candidates drawn near people (harder: clustered alternatives)")
            side_by_side("B'", "mclp", cells, people, near, 100, 400.0, 0.005)

        if "C" in cases:
            extent = Extent.square(10_000.0)
            demand, w = demand_points(20_000, extent, seed=30)
            sites = facility_points(2_000, extent, seed=31, near=demand)
            print("3. p-median, 20,000 demand x 2,000 candidates (10 x 10 km), p = 50; goal gap <= 0.5 %")
            side_by_side("C", "pmedian", demand, w, sites, 50, None, 0.005)
    print(load_average())


if __name__ == "__main__":
    main()
