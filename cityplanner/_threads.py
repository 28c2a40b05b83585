"""How many threads the engine's own pools (GEOS chunks, snapping blocks) may start."""

from __future__ import annotations

import os

#: Environment variable that caps the engine's threads per process.
THREADS_ENV = "CITYPLANNER_THREADS"


def engine_threads() -> int:
    """Threads the engine may use in this process (at least 1).

    ``CITYPLANNER_THREADS`` when set, else ``OMP_NUM_THREADS`` when set, else the cores this
    process may run on. Honouring ``OMP_NUM_THREADS`` is what makes a Dask worker process use
    one thread: Dask's nannies set it to 1 (``distributed.nanny.pre-spawn-environ``) because the
    cluster's parallelism is its worker processes, and two workers on two cores that each start
    two threads lose time to each other.
    """
    for name in (THREADS_ENV, "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # no sched_getaffinity on Windows and macOS
        return os.cpu_count() or 1
