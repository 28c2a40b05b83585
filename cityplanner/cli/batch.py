"""``cityplanner batch SPEC.yaml --out DIR [--scheduler ADDRESS] [--workers N]``: KPIs of many units.

Evaluates the KPI catalogue for every unit of a spec (projects, or national layers cut into
cities, districts or provinces) on dask.distributed and writes one table of units x KPIs, ranking
charts, maps and a PDF summary into DIR (see :mod:`cityplanner.batch`). Exit status 0 when every
unit was evaluated, 1 when some failed (each is named with its error; the others' outputs are
written), 2 when the batch could not run.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..batch import BatchError, ClusterInfo, UnitOutcome, load_spec, run_batch

_BAR_WIDTH = 30


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="evaluate the KPIs of many cities or districts at once (Dask)",
        description=(
            "Evaluate the KPI catalogue for every unit of SPEC.yaml: a list of projects, or national "
            "layers (units, population zones and/or raster, facility and road layers) cut into units. "
            "Runs on a local Dask cluster (one worker process per core) or on an existing one; "
            "results are cached per unit in DIR/cache, so a rerun computes only what changed. "
            "Writes kpis.csv, units.csv, kpis.gpkg, kpis.xlsx, charts/, maps/, map.html and summary.pdf."
        ),
    )
    parser.add_argument("spec", metavar="SPEC.yaml", help="the batch spec")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of an existing Dask scheduler (tcp://host:port); default: a local cluster",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes of the local cluster (default: one per core)",
    )
    parser.add_argument(
        "--big-layer-mb",
        type=float,
        metavar="MB",
        help="read a zone, facility or road layer whose file is larger than this in partitions, cut on the "
        "cluster (dask-geopandas; GeoPackage and FlatGeobuf); default: 1/8 of the memory available",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    if args.big_layer_mb is not None and not args.big_layer_mb >= 0:
        raise BatchError(f"--big-layer-mb must be a size in MB of zero or more (got {args.big_layer_mb:g}).")
    bar = ProgressBar(sys.stderr)
    print(f"Reading the layers of {spec.name} and cutting them into units...", file=sys.stderr)
    result = run_batch(
        spec,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        big_layer_bytes=None if args.big_layer_mb is None else int(args.big_layer_mb * 2**20),
        on_start=lambda info: bar.note(*_announcement(info)),
        on_unit=bar.update,
    )
    bar.close()
    ok = len(result.units) - len(result.failed)
    print(
        f"{ok} of {len(result.units)} units evaluated ({result.computed} computed, {result.cached} from the "
        f"cache); outputs in {args.out}"
    )
    for outcome in result.failed:
        print(f"  failed: {outcome.name}: {outcome.error}")
    for outcome in result.units:
        proposal = outcome.record.get("proposal") or {}
        if proposal.get("error"):
            print(f"  no proposal: {outcome.name}: {proposal['error']}")
    return 1 if result.failed else 0


def _announcement(info: ClusterInfo) -> list[str]:
    where = "local cluster" if info.local else "cluster"
    lines = [f"Dask {where} at {info.scheduler} with {info.workers} workers"]
    if info.dashboard:
        lines.append(f"Dask dashboard: {info.dashboard}")
    return lines


class ProgressBar:
    """``[#####-----] 12/34 units, 1 failed, 0:42  District 7`` on a terminal; one line per unit otherwise."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.failed = 0
        self.shown = False

    def update(self, done: int, total: int, outcome: UnitOutcome) -> None:
        self.failed += 0 if outcome.ok else 1
        filled = int(round(_BAR_WIDTH * done / max(total, 1)))
        elapsed = int(time.monotonic() - self.start)
        failed = f", {self.failed} failed" if self.failed else ""
        line = (
            f"[{'#' * filled}{'-' * (_BAR_WIDTH - filled)}] {done}/{total} units{failed}, "
            f"{elapsed // 60}:{elapsed % 60:02d}  {outcome.name}{' (cached)' if outcome.cached else ''}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line[:200])
            self.shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, *lines: str) -> None:
        """Print ``lines`` above the bar (the bar is drawn again at the next update)."""
        if self.tty and self.shown:
            self.stream.write("\r\x1b[2K")
            self.shown = False
        for line in lines:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()
