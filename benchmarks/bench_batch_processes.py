"""The ceiling of any two-process batch on this machine, without Dask: units on one process, then
on two processes at once.

Run: ``.venv/bin/python benchmarks/bench_batch_processes.py [--units 8]``

Writes the synthetic country of ``bench_batch.py`` and evaluates its units with
:func:`cityplanner.batch.run_batch` serially (``CITYPLANNER_THREADS=1``, as in each Dask worker)
in one child process, then in two child processes at the same time, each over all the units.
Printed: CPU and wall seconds per unit (medians) and the throughput of two processes against
one: what two LocalCluster workers could give at best here, so that what ``bench_batch.py``
measures can be set against it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import write_country

CHILD = r"""
import json, sys, time
from cityplanner.batch import load_spec, run_batch
start = time.perf_counter()
result = run_batch(load_spec(sys.argv[1]), sys.argv[2], serial=True, figures=False)
print(json.dumps({"wall": time.perf_counter() - start,
                  "cpu": [u.record["cpu_seconds"] for u in result.units],
                  "seconds": [u.record["seconds"] for u in result.units]}))
"""


def _run(spec: Path, outs: list[Path]) -> list[dict]:
    env = dict(os.environ, CITYPLANNER_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")])
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(spec), str(out)], stdout=subprocess.PIPE, text=True, env=env
        )
        for out in outs
    ]
    return [json.loads(child.communicate()[0].strip().splitlines()[-1]) for child in children]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=8)
    args = parser.parse_args()
    print(f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench_batch_processes-") as tmp:
        folder = Path(tmp)
        spec = write_country(folder, args.units)
        (one,) = _run(spec, [folder / "one"])
        two = _run(spec, [folder / "two-a", folder / "two-b"])
    print(
        f"one process: {one['wall']:.1f} s for {args.units} units, median {np.median(one['seconds']):.2f} s "
        f"per unit, {np.median(one['cpu']):.2f} s of CPU"
    )
    cpu = np.median(two[0]["cpu"] + two[1]["cpu"])
    wall = np.median(two[0]["seconds"] + two[1]["seconds"])
    slowest = max(two[0]["wall"], two[1]["wall"])
    print(
        f"two processes at once: {two[0]['wall']:.1f} and {two[1]['wall']:.1f} s, median {wall:.2f} s "
        f"per unit, {cpu:.2f} s of CPU"
    )
    print(f"throughput of two against one: {2 * one['wall'] / slowest:.2f}x")
    print(f"load average at the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
