"""Siting optimisation speed: our exact solver against spopt (PuLP + CBC), and ours at city scale.

Run ``.venv/bin/python benchmarks/bench_optimise.py`` (``--skip-spopt`` / ``--skip-large`` to
run one half). Both sides get the same instance from :mod:`synthetic_city`; spopt's time includes
its dense cost matrix and PuLP model building, ours includes the k-d tree and model building.

1. 2,000 demand points x 200 candidates: MCLP (p=20, r=400 m) and p-median (p=20), ours vs spopt.
2. 100,000 demand points x 5,000 candidates: MCLP (p=50, r=400 m), ours alone, 60 s limit.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from synthetic_city import Extent, demand_points, facility_points

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cityplanner.optimise import MCLP, PMedian


def spopt_solve(kind: str, demand, w, sites, p, radius):
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP as SpoptMCLP
    from spopt.locate import PMedian as SpoptPMedian

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    started = time.perf_counter()
    cost = cdist(demand, sites)
    if kind == "mclp":
        model = SpoptMCLP.from_cost_matrix(cost, w, radius, p_facilities=p)
    else:
        model = SpoptPMedian.from_cost_matrix(cost, w, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return model.problem.objective.value(), time.perf_counter() - started


def ours_solve(kind: str, demand, w, sites, p, radius, time_limit_s=60.0):
    started = time.perf_counter()
    if kind == "mclp":
        result = MCLP.from_points(demand, w, sites, radius, sites=p).solve(time_limit_s=time_limit_s)
    else:
        result = PMedian.from_points(demand, w, sites, sites=p).solve(time_limit_s=time_limit_s)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-spopt", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    if not args.skip_spopt:
        extent = Extent.square(6_000.0)
        demand, w = demand_points(2_000, extent, seed=10)
        sites = facility_points(200, extent, seed=11, near=demand)
        print("instance: 2,000 demand x 200 candidates (synthetic_city, 6 x 6 km), p = 20")
        for kind, radius in (("mclp", 400.0), ("pmedian", None)):
            ours, ours_s = ours_solve(kind, demand, w, sites, 20, radius)
            theirs, theirs_s = spopt_solve(kind, demand, w, sites, 20, radius)
            same = abs(ours.objective - theirs) <= 1e-6 * max(abs(theirs), 1.0)
            print(
                f"  {kind:8s} ours {ours_s:7.2f} s objective {ours.objective:,.1f} optimal {ours.optimal} | "
                f"spopt+CBC {theirs_s:7.2f} s  objective {theirs:,.1f}  | same optimum {same}  "
                f"speed-up {theirs_s / ours_s:5.1f}x"
            )
    if not args.skip_large:
        extent = Extent.square(20_000.0)
        demand, w = demand_points(100_000, extent, seed=20)
        sites = facility_points(5_000, extent, seed=21, near=demand)
        print("instance: 100,000 demand x 5,000 candidates (synthetic_city, 20 x 20 km), p = 50, r = 400 m")
        result, seconds = ours_solve("mclp", demand, w, sites, 50, 400.0)
        print(
            f"  mclp     ours {seconds:7.2f} s  objective {result.objective:,.1f}  bound {result.bound:,.1f} "
            f"gap {result.gap:.4%}  optimal {result.optimal}  ({'; '.join(result.notes)})"
        )


if __name__ == "__main__":
    main()
