"""The fuzz corpus of ``tests/test_fuzz_corpus.py``: its size, and the worst time and memory per command.

Builds the corpus (``tests/fuzz_corpus.py``) in a temporary folder and runs every input through
``info``, ``new`` and ``coverage`` and every project through ``show``, ``kpis`` and ``report`` as
the test does (warmed worker processes forking one child per command, 2 GB address space and 30 s
each), then prints the corpus's size, the time to build and run it, and per command the number of
runs, the exit statuses, the slowest run and the largest peak memory (the child's maximum resident
set, the warmed interpreter's ~200 MB included), naming the case::

    .venv/bin/python benchmarks/bench_fuzz.py [--workers 2]

The load average is printed first and last: the figures are wall-clock times on a shared machine.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzz_corpus as fuzz


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {_load()}")
    root = Path(tempfile.mkdtemp(prefix="cityplanner-fuzz-"))
    try:
        start, cpu = time.monotonic(), _cpu_seconds()
        cases = fuzz.build_corpus(root)
        built = time.monotonic() - start
        results = fuzz.run_corpus(root, cases, workers=args.workers)
        total, cpu = time.monotonic() - start, _cpu_seconds() - cpu
    finally:
        for path in root.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
    kinds = collections.Counter(case.kind for case in cases)
    by_id = {case.id: case for case in cases}
    broken = [r for r in results if fuzz.problems(by_id[r.case], r)]
    print(
        f"corpus: {len(cases)} cases ({kinds['input']} input files, {kinds['project']} projects), "
        f"{len(results)} command runs"
    )
    print(
        f"built in {built:.1f} s; built and run in {total:.1f} s wall with {args.workers} worker(s), "
        f"{cpu:.1f} s of CPU"
    )
    print(f"runs breaking the property (exit 0/2, one line naming the file, ...): {len(broken)}")
    for command in (*fuzz.INPUT_COMMANDS, *fuzz.PROJECT_COMMANDS):
        runs = [r for r in results if r.command == command]
        codes = collections.Counter("killed" if r.returncode is None else r.returncode for r in runs)
        slow = max(runs, key=lambda r: r.seconds)
        big = max(runs, key=lambda r: r.max_rss_kb)
        exits = ", ".join(f"exit {code}: {n}" for code, n in sorted(codes.items(), key=str))
        print(
            f"{command:9s} {len(runs):4d} runs ({exits}); worst time {slow.seconds:.2f} s ({slow.case}); "
            f"worst memory {big.max_rss_kb / 1024:.0f} MB ({big.case}); "
            f"median {sorted(r.seconds for r in runs)[len(runs) // 2]:.2f} s"
        )
    print(f"limits per run: {fuzz.TIMEOUT_S} s, {fuzz.ADDRESS_SPACE / 1024**3:.0f} GB address space")
    print(f"load average at the end: {_load()}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
