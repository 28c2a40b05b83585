"""Running a batch on dask.distributed, with a per-unit cache.

The client (this process) reads the spec's layers once and cuts them into units
(:func:`~cityplanner.batch.units.plan_units`); every unit whose cache entry is missing or stale
becomes one Dask task running :func:`~cityplanner.batch.work.run_unit` on a worker. The workers
are those of a ``LocalCluster`` started here (processes, one single-threaded worker per core by
default) or of an existing cluster reached by its scheduler's address; nothing else differs.

Cache: ``OUT/cache/<unit>.json`` holds a unit's last result with the hash of everything it was
computed from (:func:`~cityplanner.batch.units.unit_key`). A rerun after a crash, or after a spec
change, computes only the units whose hash changed; a unit that failed is not cached, so it is
tried again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import CityPlannerError
from .spec import BatchError, BatchSpec
from .units import PlannedUnit, UnitPlan, first_line, open_units, reaches
from .work import run_unit

# How long the client waits for an existing scheduler to answer (seconds).
CONNECT_TIMEOUT_S = 20


@dataclass
class UnitOutcome:
    """One unit's result as the outputs use it (``record`` as :func:`run_unit` returned it)."""

    name: str
    index: int
    geometry: Any  # shapely geometry in WGS84, or None
    record: dict[str, Any]
    cached: bool = False
    absent: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.record.get("ok"))

    @property
    def error(self) -> str | None:
        return self.record.get("error")


@dataclass
class BatchResult:
    """What a batch computed: one :class:`UnitOutcome` per unit, in spec order."""

    spec: BatchSpec
    units: list[UnitOutcome]
    computed: int
    cached: int
    reach_m: float = 0.0
    roads_reach_m: float = 0.0
    workers: int = 0
    dashboard: str | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[UnitOutcome]:
        return [u for u in self.units if not u.ok]


@dataclass
class ClusterInfo:
    """The cluster a batch runs on, as the command line announces it."""

    scheduler: str
    workers: int
    dashboard: str | None
    local: bool


ProgressCallback = Callable[[int, int, UnitOutcome], None]


def run_batch(
    spec: BatchSpec,
    out: str | os.PathLike,
    *,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    serial: bool = False,
    dashboard: bool = True,
    figures: bool = True,
    big_layer_bytes: int | None = None,
    on_start: Callable[[ClusterInfo], None] | None = None,
    on_unit: ProgressCallback | None = None,
) -> BatchResult:
    """Evaluate every unit of ``spec`` and write the outputs into ``out``.

    Parameters
    ----------
    spec : BatchSpec
    out : path-like
        Output folder (created); its ``cache`` folder keeps each unit's result.
    client : distributed.Client, optional
        A client to run on (the caller owns it). Otherwise one is made: connected to
        ``scheduler`` (``tcp://host:port``) when given, else to a ``LocalCluster`` of ``workers``
        processes (default: one per core) started and stopped here. No cluster is started when
        every unit comes from the cache.
    serial : bool
        Run the units one after the other in this process, without Dask (the reference the
        tests and the benchmark compare with).
    dashboard : bool
        Start the local cluster's dashboard (when bokeh is installed) on a free port.
    figures : bool
        Write the charts, maps and PDF as well as the tables.
    big_layer_bytes : int, optional
        A zone, facility or road layer whose file is larger is read in partitions with dask-geopandas
        and cut per unit on the cluster (default: a share of the memory available, see
        :func:`~cityplanner.batch.units.big_layer_limit`); the cluster is then started first.
    on_start, on_unit : callable, optional
        Told the cluster's address, workers and dashboard once it is up, and each unit as it
        completes (``on_unit(done, total, outcome)``; a cached unit as soon as it is cut).

    Raises
    ------
    CityPlannerError
        When the spec's layers cannot be read, the cluster cannot be started or reached, or the
        outputs cannot be written. A unit that fails does not raise: it is reported in the result.
    """
    from .outputs import write_outputs

    out = Path(out)
    if scheduler and workers:
        raise BatchError("--workers sizes the local cluster; an existing cluster (--scheduler) has its own.")
    if workers is not None and workers < 1:
        raise BatchError(f"The number of workers must be at least 1 (got {workers}).")
    cache = UnitCache(out / "cache")
    outcomes: dict[int, UnitOutcome] = {}

    def finish(unit: PlannedUnit, record: dict, cached: bool) -> None:
        outcome = UnitOutcome(unit.name, unit.index, unit.geometry, record, cached, list(unit.absent))
        if outcome.geometry is None and record.get("outline_wkb"):
            import shapely

            outcome.geometry = shapely.from_wkb(record["outline_wkb"])
        outcomes[unit.index] = outcome
        if not cached and outcome.ok:
            cache.put(unit, record)
        if on_unit is not None:
            on_unit(len(outcomes), total, outcome)

    computed = 0
    info: ClusterInfo | None = None
    with ExitStack() as stack:
        runner: _DaskRunner | None = None

        def cluster():
            """The Dask client, the cluster started (or reached) at the first call."""
            nonlocal info, runner
            if runner is None:
                dask_client, info = stack.enter_context(_client(client, scheduler, workers, dashboard))
                if on_start is not None:
                    on_start(info)
                runner = stack.enter_context(_DaskRunner(dask_client, finish))
            return runner.client

        total, units = open_units(spec, big_layer_bytes=big_layer_bytes, cluster=None if serial else cluster)
        # Units are cut one by one; each that needs computing goes to the cluster at once, so the
        # workers compute the first units while this process cuts the next ones. The cluster is
        # started (or reached) only when a first unit needs computing (or a layer too large for
        # memory needs cutting).
        for unit in units:
            if unit.error is not None:
                finish(unit, {"unit": unit.name, "ok": False, "error": unit.error}, cached=False)
                continue
            hit = cache.get(unit)
            if hit is not None:
                finish(unit, hit, cached=True)
                continue
            computed += 1
            if serial:
                finish(unit, run_unit(unit.task), cached=False)
                continue
            cluster()
            runner.submit(unit)
            runner.collect(block=False)
        if runner is not None:
            runner.collect(block=True)
    reach, roads_reach = reaches(spec)
    result = BatchResult(
        spec=spec,
        units=[outcomes[i] for i in sorted(outcomes)],
        computed=computed,
        cached=sum(1 for o in outcomes.values() if o.cached),
        reach_m=reach,
        roads_reach_m=roads_reach,
        workers=info.workers if info else (1 if computed else 0),
        dashboard=info.dashboard if info else None,
    )
    result.files = write_outputs(result, out, figures=figures)
    return result


class _DaskRunner:
    """One task per unit on a Dask client; results handed to ``finish`` as they complete.

    A context manager: leaving it cancels the tasks still running (after an error or Ctrl+C).
    """

    def __init__(self, client, finish: Callable[[PlannedUnit, dict, bool], None]) -> None:
        from distributed import as_completed

        self.client = client
        self.finish = finish
        self.units: dict[str, PlannedUnit] = {}
        self.running: dict[str, object] = {}
        self.done = as_completed()

    def __enter__(self) -> _DaskRunner:
        return self

    def __exit__(self, *exc) -> None:
        if self.running:
            self.client.cancel(list(self.running.values()))

    def submit(self, unit: PlannedUnit) -> None:
        with warnings.catch_warnings():
            # A unit's layers may be a few MB; sending them with its task is what is meant.
            warnings.filterwarnings("ignore", message=".*Large object.*")
            warnings.filterwarnings("ignore", message=".*Sending large graph.*")
            future = self.client.submit(
                run_unit, unit.task, key=f"cityplanner-unit-{unit.task.key}", priority=unit.weight, retries=0
            )
        # Only the unit's name, outline and key are needed here from now on: its zones and layers
        # went with the task (kept, the client would hold every unit in flight, a whole layer).
        light = replace(unit.task, zones=None, layers={}, project_bytes=None)
        self.units[future.key] = replace(unit, task=light)
        self.running[future.key] = future
        self.done.add(future)

    def collect(self, block: bool) -> None:
        """Hand over the results ready now (``block``: every result, waiting for them)."""
        while not self.done.is_empty():
            if not block and not self.done.has_ready():
                return
            for future in self.done.next_batch(block=True):
                unit = self.units[future.key]
                if future.status == "finished":
                    record = future.result()
                else:
                    record = {
                        "unit": unit.name,
                        "key": unit.key,
                        "ok": False,
                        "error": _task_error(unit, future),
                    }
                self.running.pop(future.key, None)
                self.finish(unit, record, False)
                future.release()


def _task_error(unit: PlannedUnit, future) -> str:
    """One sentence for a task that raised on its worker (a bug) or whose worker died."""
    try:
        err = future.exception()
    except Exception as fetch:  # the scheduler lost it
        err = fetch
    name = type(err).__name__
    if name == "KilledWorker":
        return (
            f"Unit '{unit.name}' stopped its worker more than once (out of memory, or the process "
            "crashed); give the workers more memory or split the unit."
        )
    if isinstance(err, CityPlannerError):
        return str(err)
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    what = f"{name}: {text}" if text else name
    return f"Unit '{unit.name}' failed on its worker with an internal error ({what})."


@contextmanager
def _client(client, scheduler: str | None, workers: int | None, dashboard: bool):
    """A Dask client and what it runs on; made (and closed) here unless the caller gave one."""
    import dask
    from distributed import Client, LocalCluster

    if client is not None:
        yield client, _info(client, local=False)
        return
    if scheduler:
        try:
            made = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as err:
            raise BatchError(
                f"The Dask scheduler at {scheduler} cannot be reached ({first_line(err)})."
            ) from None
        try:
            yield made, _info(made, local=False)
        finally:
            made.close()
        return
    n = workers or os.cpu_count() or 1
    # Loopback only: the dashboard is for the person running the batch, not the network.
    address = "127.0.0.1:0" if dashboard and _has_bokeh() else None
    try:
        # The workers' statistical profiler (a thread sampling every 10 ms, for the dashboard's
        # profile page) competes with the units for the GIL; the local cluster does without it.
        # Dask's nannies also set MALLOC_TRIM_THRESHOLD_, which fixes glibc's mmap threshold too:
        # every array over 128 KiB is then mapped and unmapped afresh, and a unit costs 25-30 %
        # more CPU (2.33 -> 3.05 s measured in one process). A unit's memory is freed when it
        # ends, so glibc keeps its own thresholds; OMP/MKL/OpenBLAS stay at one thread.
        environ = {
            key: value
            for key, value in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
            if key != "MALLOC_TRIM_THRESHOLD_"
        }
        with dask.config.set(
            {"distributed.worker.profile.enabled": False, "distributed.nanny.pre-spawn-environ": environ}
        ):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=address,
                silence_logs=logging.ERROR,
            )
    except (OSError, RuntimeError, TimeoutError) as err:
        raise BatchError(
            f"A local Dask cluster of {n} workers cannot be started ({first_line(err)})."
        ) from None
    try:
        with Client(cluster) as made:
            yield made, _info(made, local=True, dashboard=address is not None)
    finally:
        cluster.close()


def _info(client, local: bool, dashboard: bool = True) -> ClusterInfo:
    info = client.scheduler_info()
    has_dashboard = dashboard and "dashboard" in info.get("services", {})
    return ClusterInfo(
        scheduler=str(info.get("address", "")),
        workers=len(info.get("workers", {})),
        dashboard=client.dashboard_link if has_dashboard else None,
        local=local,
    )


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


# -- cache ---------------------------------------------------------------------------------------
class UnitCache:
    """Each unit's last successful result, keyed by the hash of its inputs and settings."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, unit: PlannedUnit) -> Path:
        digest = hashlib.sha1(unit.name.encode("utf-8")).hexdigest()[:8]
        return self.folder / f"{slug(unit.name)}-{digest}.json"

    def get(self, unit: PlannedUnit) -> dict | None:
        try:
            data = json.loads(self._path(unit).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("key") != unit.key
            or not isinstance(data.get("result"), dict)
        ):
            return None
        return data["result"]

    def put(self, unit: PlannedUnit, record: dict) -> None:
        """Store ``record`` (atomically: a crash leaves the old entry or the new one)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self._path(unit)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": unit.key, "result": record}), encoding="utf-8")
            os.replace(tmp, path)
        except (OSError, ValueError) as err:
            raise BatchError(
                f"The batch cache {self.folder} cannot be written ({first_line(err)})."
            ) from None


def slug(name: str) -> str:
    """ASCII, lower-case, underscore form of a name for file names."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "unit"


__all__ = ["BatchResult", "ClusterInfo", "UnitCache", "UnitOutcome", "UnitPlan", "run_batch", "slug"]
