"""Siting optimisation speed: our exact solver against spopt (PuLP + CBC), and ours at city scale.

Run ``.venv/bin/python benchmarks/bench_optimise.py`` (``--skip-spopt`` / ``--skip-large`` to
run one half). Both sides get the same instance from :mod:`synthetic_city`; spopt's time includes
its dense cost matrix and PuLP model building, ours includes the k-d tree and model building.

1. 2,000 demand points x 200 candidates, ours vs spopt: MCLP (p=20, r=400 m), p-median (p=20)
   and LSCP (r=1,500 m). Goal: same optimum, at least 10x faster.
2. 100,000 demand points x 5,000 candidates, MCLP (p=50, r=400 m), ours alone with a 60 s
   limit and a 1 % gap tolerance. Goal: at most 60 s with a gap of at most 1 %.

The load average is printed first and last: the figures are wall-clock times on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from synthetic_city import Extent, demand_points, facility_points

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cityplanner.optimise import LSCP, MCLP, PMedian

SMALL_P = 20
SMALL_RADIUS_M = {"mclp": 400.0, "lscp": 1_500.0}
LARGE_P = 50
LARGE_RADIUS_M = 400.0
LARGE_TIME_LIMIT_S = 60.0
LARGE_GAP = 0.01


def spopt_solve(kind: str, demand, w, sites) -> tuple[float, float]:
    """spopt's optimum and seconds (dense cost matrix, PuLP model, CBC)."""
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import LSCP as SpoptLSCP
    from spopt.locate import MCLP as SpoptMCLP
    from spopt.locate import PMedian as SpoptPMedian

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    started = time.perf_counter()
    cost = cdist(demand, sites)
    if kind == "mclp":
        model = SpoptMCLP.from_cost_matrix(cost, w, SMALL_RADIUS_M["mclp"], p_facilities=SMALL_P)
    elif kind == "pmedian":
        model = SpoptPMedian.from_cost_matrix(cost, w, p_facilities=SMALL_P)
    else:
        model = SpoptLSCP.from_cost_matrix(cost, SMALL_RADIUS_M["lscp"])
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return model.problem.objective.value(), time.perf_counter() - started


def ours_solve(kind: str, demand, w, sites):
    """Our exact result and seconds, model building included."""
    started = time.perf_counter()
    if kind == "mclp":
        result = MCLP.from_points(demand, w, sites, SMALL_RADIUS_M["mclp"], sites=SMALL_P).solve()
    elif kind == "pmedian":
        result = PMedian.from_points(demand, w, sites, sites=SMALL_P).solve()
    else:
        result = LSCP.from_points(demand, w, sites, SMALL_RADIUS_M["lscp"]).solve()
    return result, time.perf_counter() - started


def load_average() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg()) + " (1, 5, 15 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-spopt", action="store_true", help="skip the 2,000 x 200 comparison")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100,000 x 5,000 MCLP")
    args = parser.parse_args()
    print(f"{load_average()}, {os.cpu_count()} cores")
    if not args.skip_spopt:
        extent = Extent.square(6_000.0)
        demand, w = demand_points(2_000, extent, seed=10)
        sites = facility_points(200, extent, seed=11, near=demand)
        print(
            f"instance: 2,000 demand x 200 candidates (synthetic_city, 6 x 6 km); MCLP p = {SMALL_P}, "
            f"r = {SMALL_RADIUS_M['mclp']:g} m; p-median p = {SMALL_P}; LSCP r = {SMALL_RADIUS_M['lscp']:g} m"
        )
        for kind in ("mclp", "pmedian", "lscp"):
            ours, ours_s = ours_solve(kind, demand, w, sites)
            theirs, theirs_s = spopt_solve(kind, demand, w, sites)
            same = abs(ours.objective - theirs) <= 1e-6 * max(abs(theirs), 1.0)
            print(
                f"  {kind:8s} ours {ours_s:7.2f} s objective {ours.objective:,.1f} optimal {ours.optimal} | "
                f"spopt+CBC {theirs_s:7.2f} s objective {theirs:,.1f} | "
                f"same optimum {'yes' if same else 'NO'} | speed-up {theirs_s / ours_s:6.1f}x"
            )
    if not args.skip_large:
        extent = Extent.square(20_000.0)
        demand, w = demand_points(100_000, extent, seed=20)
        sites = facility_points(5_000, extent, seed=21, near=demand)
        print(
            f"instance: 100,000 demand x 5,000 candidates (synthetic_city, 20 x 20 km); MCLP p = {LARGE_P}, "
            f"r = {LARGE_RADIUS_M:g} m, time limit {LARGE_TIME_LIMIT_S:g} s, gap tolerance {LARGE_GAP:.0%}"
        )
        started = time.perf_counter()
        result = MCLP.from_points(demand, w, sites, LARGE_RADIUS_M, sites=LARGE_P).solve(
            time_limit_s=LARGE_TIME_LIMIT_S, mip_gap=LARGE_GAP
        )
        seconds = time.perf_counter() - started
        print(
            f"  mclp     ours {seconds:7.2f} s objective {result.objective:,.1f} bound {result.bound:,.1f} "
            f"gap {result.gap:.3%} | within 60 s {'yes' if seconds <= 60 else 'NO'}, "
            f"gap at most 1 % {'yes' if result.gap <= 0.01 else 'NO'}"
        )
        print(f"  ({'; '.join(result.notes)})")
    print(load_average())


if __name__ == "__main__":
    main()
