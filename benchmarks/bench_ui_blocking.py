"""How long the app's UI thread is blocked during a planner's day on HCMC (issue 11, item 5).

A watchdog ``QTimer`` ticks every 20 ms on the UI thread; the longest time between two ticks, less
the 20 ms, is the worst block: the time the window did not repaint nor answer a click. The goal is
at most 200 ms per action. The script builds the HCMC project with the engine's CreateProject task
(wards_pop2021 with Pop_2021, roads_detail, bus_stops, poi_medical) into a temporary folder, in a
child process so that the app opens it cold, as after start-up; then it drives the app as a
planner does, with the real widgets, and prints the worst block per action:

- open: File > Open of the project (``open_project``), until the map shows it;
- evaluate: until the KPI dock shows the project's values (the evaluation runs on a worker);
- place: a click of the Place tool on the map (a clinic), until the KPIs are updated;
- propose: Plan > Propose sites (5 clinics, MCLP, network distances), Run, Create scenario;
- compare: Plan > Compare (baseline and the proposal), until the table is filled;
- export: File > Export of the PDF report, HTML map, Excel workbook and the map view at 300 dpi;
- add layer: File > Add layer of poi_education from the HCMC GeoPackage, through the layer picker.

A sampling thread records where the UI thread was during each block longer than 100 ms; for the
worst block of an action over the goal the script prints the app functions it was in most.

A full garbage collection holds every Python thread (the GIL), so one on a worker blocks the UI
thread too; the script prints the longest collection of each action over the goal. The app's
garbage-collection policy (``ui.workers.keep_long_lived_out_of_collections``: objects alive at
start-up and once a project is open and evaluated are frozen out of the collections) is turned on
as ``ui.app.main`` does, once the window is up; ``--no-freeze`` leaves it off, to measure without.

Each action's wall time and the process's CPU time over it (all threads) are printed, with the
load average before and after: on a shared machine the blocks grow with the load.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui_blocking.py [HCMC.gpkg]
[--no-freeze] [--dump FILE]`` (default ../shared/data/hcmc/hcmc_all_layers_wgs84.gpkg; skipped
with a message when absent). ``--dump FILE`` writes every thread's stack whenever the UI thread is
blocked over 150 ms (the worker holding the GIL included); faulthandler reads the other threads'
frames without the GIL, so a run with it may die (one of three did, silently, during open). The
project and the exports go to a temporary folder, removed at the end.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

HCMC = REPO.parent / "shared" / "data" / "hcmc" / "hcmc_all_layers_wgs84.gpkg"
TICK_MS = 20
GOAL_MS = 200
# Blocks longer than this are sampled (where the UI thread was).
SAMPLE_FROM_S = 0.1
SAMPLE_EVERY_S = 0.005
# With --dump FILE: every thread's stack is written when the UI thread is blocked this long.
DUMP_AFTER_S = 0.15


class Watchdog:
    """Ticks every 20 ms on the UI thread and keeps the longest gap; a thread samples long gaps.

    With ``dump`` (an open file), faulthandler's own thread, which needs no GIL, writes every
    thread's Python stack whenever the UI thread goes DUMP_AFTER_S without a tick: it names the
    worker holding the GIL in a C call, where the sampler cannot run ("not sampled").
    """

    def __init__(self, dump=None) -> None:
        self.dump = dump
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.main = threading.main_thread().ident
        self.last = time.perf_counter()
        self.gap_id = 0
        self.samples: dict[int, Counter] = {}
        self.lock = threading.Lock()
        self.running = True
        self.reset()
        self.sampler = threading.Thread(target=self._sample, daemon=True, name="watchdog-sampler")

    def start(self) -> None:
        self.last = time.perf_counter()
        self._arm()
        self.timer.start()
        self.sampler.start()
        gc.callbacks.append(self._collection)

    def _collection(self, phase: str, info: dict) -> None:
        """Times Python's garbage collections: one holds every thread (the GIL) while it runs."""
        if phase == "start":
            self._gc_began = time.perf_counter()
            return
        took = time.perf_counter() - getattr(self, "_gc_began", time.perf_counter())
        if took > self.worst_gc[0]:
            self.worst_gc = (took, info.get("generation", -1), threading.current_thread().name)

    def _arm(self) -> None:
        if self.dump is not None:
            faulthandler.dump_traceback_later(DUMP_AFTER_S, file=self.dump)

    def stop(self) -> None:
        self.running = False
        self.timer.stop()
        if self.dump is not None:
            faulthandler.cancel_dump_traceback_later()
        if self._collection in gc.callbacks:
            gc.callbacks.remove(self._collection)

    def reset(self) -> None:
        self.worst = 0.0
        self.worst_where: Counter = Counter()
        self.blocks_over_goal = 0
        self.worst_gc = (0.0, -1, "")

    def _tick(self) -> None:
        self._arm()  # re-armed at each tick: it fires only after a long block
        now = time.perf_counter()
        gap = now - self.last
        self.last = now
        with self.lock:
            where = self.samples.pop(self.gap_id, Counter())
            self.samples.clear()
            self.gap_id += 1
        block = gap - TICK_MS / 1000
        if block * 1000 > GOAL_MS:
            self.blocks_over_goal += 1
        if block > self.worst:
            self.worst, self.worst_where = block, where

    def _sample(self) -> None:
        while self.running:
            time.sleep(SAMPLE_EVERY_S)
            if time.perf_counter() - self.last < SAMPLE_FROM_S:
                continue
            frame = sys._current_frames().get(self.main)
            where = []
            while frame is not None and len(where) < 4:
                path = frame.f_code.co_filename
                if path.startswith(str(REPO)) and ".venv" not in path and "benchmarks" not in path:
                    rel = os.path.relpath(path, REPO)
                    where.append(f"{rel}:{frame.f_code.co_name}")
                frame = frame.f_back
            with self.lock:
                self.samples.setdefault(self.gap_id, Counter())[
                    " <- ".join(where) or "(Qt or a library)"
                ] += 1


def wait_until(condition, timeout_s: float = 600.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        QTest.qWait(10)


def build_project(gpkg: Path, folder: Path) -> Path:
    """The HCMC project, built by CreateProject in a child process: the app then opens it as cold
    as a planner's first opening after start-up (building it here ran the engine's reading and
    GeoDataFrame code first, which made the opening look faster than it is)."""
    path = folder / "hcmc.cityplan"
    script = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from cityplanner.tasks import CreateProject
gpkg = {str(gpkg)!r}
CreateProject(
    path={str(path)!r},
    zones=f"{{gpkg}}:wards_pop2021",
    population="Pop_2021",
    layers=[(name, f"{{gpkg}}:{{name}}") for name in ("roads_detail", "bus_stops", "poi_medical")],
    name="HCMC",
).run()
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    return path


def click_map(win, x: float, y: float) -> None:
    """A left click (press and release) of the current tool at map coordinates (x, y)."""
    scene = win.canvas.vb.mapViewToScene(QPointF(x, y))
    pos = win.canvas.mapFromScene(scene)
    viewport = win.canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    QTest.qWait(30)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def kpis_shown(win) -> bool:
    dock = win.kpi_dock
    return bool(dock.results) and not dock.runner.busy and dock.table.rowCount() == len(dock.results)


def main(argv: list[str]) -> int:
    faulthandler.enable()
    # --no-freeze: without the app's garbage-collection policy (gc.freeze of long-lived objects).
    freeze = "--no-freeze" not in argv
    argv = [a for a in argv if a != "--no-freeze"]
    # --dump FILE: every thread's stack during each block over DUMP_AFTER_S (see Watchdog).
    dump = None
    if "--dump" in argv:
        at = argv.index("--dump")
        dump = open(argv[at + 1], "w")
        del argv[at : at + 2]
    gpkg = Path(argv[1]) if len(argv) > 1 else HCMC
    if not gpkg.exists():
        print(f"skipped: needs {gpkg} (the HCMC GeoPackage from ../shared/data)")
        return 0
    from ui.app import create_app

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load_average()}")
    print(
        "garbage collection: the app's policy (long-lived objects frozen)"
        if freeze
        else "--no-freeze: without the app's garbage-collection policy"
    )
    app = create_app([], language="en")
    folder = Path(tempfile.mkdtemp(prefix="bench_ui_blocking_"))
    try:
        return run(app, gpkg, folder, freeze, dump)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if dump is not None:
            dump.close()


def run(app, gpkg: Path, folder: Path, freeze: bool, dump) -> int:
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

    from ui import workers
    from ui.dialogs.compare import CompareDialog
    from ui.dialogs.export import ExportDialog
    from ui.dialogs.layer_picker import LAYER_COLUMN, LayerPickerDialog
    from ui.dialogs.propose import ProposeSitesDialog
    from ui.main_window import MainWindow

    start = time.perf_counter()
    path = build_project(gpkg, folder)
    took = time.perf_counter() - start
    print(f"HCMC project built with CreateProject in a child process in {took:.1f} s ({path.name})")
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=folder / "recovery")
    win.resize(1366, 768)
    win.show()
    QTest.qWait(500)
    if freeze:  # as ui.app.main does once the window is up
        workers.keep_long_lived_out_of_collections()
    dog = Watchdog(dump)
    dog.start()
    QTest.qWait(200)
    rows: list[tuple] = []

    def action(name: str, run) -> None:
        QTest.qWait(100)
        dog.reset()
        if dump is not None:
            dump.write(f"\n== {name} (blocks over {DUMP_AFTER_S * 1000:.0f} ms: every thread's stack)\n")
            dump.flush()
        began, cpu = time.perf_counter(), time.process_time()
        run()
        QTest.qWait(3 * TICK_MS)  # the last tick after the action lands
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        rows.append((name, dog.worst * 1000, took, dog.blocks_over_goal, dog.worst_where, dog.worst_gc, cpu))
        print(
            f"  {name}: worst block {dog.worst * 1000:,.0f} ms in {took:.1f} s ({cpu:.1f} s of CPU);"
            f" load {load_average()}",
            flush=True,
        )

    def open_project() -> None:
        assert win.open_project(path, ask=False)
        QTest.qWait(50)

    def evaluate() -> None:
        wait_until(lambda: kpis_shown(win), what="the KPI values")

    def place() -> None:
        win.palette_dock.set_current_type("clinic")
        win.actions["tool_place"].trigger()
        zones = win.doc.project.zones
        point = zones.geometry.iloc[int(zones["Pop_2021"].to_numpy().argmax())].representative_point()
        before = len(win.doc.project.scenarios)
        click_map(win, point.x, point.y)
        wait_until(lambda: len(win.doc.project.scenarios) > before, 30, "the placement")
        QTest.qWait(50)
        wait_until(lambda: kpis_shown(win), what="the KPIs after placing")
        win.actions["tool_pan"].trigger()

    def propose() -> None:
        win.actions["propose"].trigger()
        dialog = win.findChild(ProposeSitesDialog)
        dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("clinic"))
        dialog.sites.setValue(5)
        QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        wait_until(
            lambda: dialog.create_button.isEnabled() or (dialog.worker is None and not dialog.result),
            what="the proposal",
        )
        if not dialog.create_button.isEnabled():
            raise RuntimeError(f"the proposal failed: {dialog.message.text()}")
        scenarios = len(win.doc.project.scenarios)
        QTest.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        wait_until(lambda: len(win.doc.project.scenarios) > scenarios, 30, "the proposal's scenario")
        wait_until(lambda: kpis_shown(win), what="the KPIs after the proposal")

    def compare() -> None:
        win.actions["compare"].trigger()
        dialog = win.findChild(CompareDialog)
        plans = [n for n in win.doc.project.scenarios if n != win.doc.project.baseline.name]
        dialog.b.setCurrentText(plans[-1])
        wait_until(lambda: dialog.comparison is not None and dialog.worker is None, what="the comparison")
        close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
        QTest.mouseClick(close, Qt.MouseButton.LeftButton)

    def export() -> None:
        win.actions["export"].trigger()
        dialog = win.findChild(ExportDialog)
        for key in ("pdf", "html", "xlsx", "png"):
            dialog.checks[key].setChecked(True)
            dialog.paths[key].setText(str(folder / f"hcmc_export.{key}"))
        dialog.dpi.setValue(300)
        QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        wait_until(
            lambda: dialog.worker is None and dialog.status.text().startswith("Written"), what="the export"
        )
        QTest.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

    def add_layer() -> None:
        original = QFileDialog.getOpenFileNames
        QFileDialog.getOpenFileNames = staticmethod(lambda *a, **k: ([str(gpkg)], ""))
        try:
            win.actions["add_layer"].trigger()
        finally:
            QFileDialog.getOpenFileNames = original
        wait_until(lambda: win.findChild(LayerPickerDialog) is not None, 60, "the layer picker")
        picker = win.findChild(LayerPickerDialog)
        row = picker.picker.row_of("poi_education")
        picker.picker.selectRow(row)
        assert picker.chosen().name == "poi_education", picker.picker.item(row, LAYER_COLUMN).text()
        QTest.mouseClick(picker.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        wait_until(lambda: "poi_education" in win.doc.project.layers, 120, "the added layer")
        wait_until(lambda: kpis_shown(win), what="the KPIs after adding a layer")

    print(f"worst UI-thread block per action (watchdog every {TICK_MS} ms; goal <= {GOAL_MS} ms):")
    for name, run in (
        ("open", open_project),
        ("evaluate", evaluate),
        ("place", place),
        ("propose", propose),
        ("compare", compare),
        ("export", export),
        ("add layer", add_layer),
    ):
        action(name, run)
    dog.stop()
    print()
    print(f"{'action':<10} {'worst block':>12} {'blocks > 200 ms':>16} {'action took':>12} {'CPU':>8}")
    for name, worst, took, over, _where, _gc, cpu in rows:
        mark = "" if worst <= GOAL_MS else "  over the goal"
        print(f"{name:<10} {worst:>9,.0f} ms {over:>16} {took:>10.1f} s {cpu:>6.1f} s{mark}")
    over = [r for r in rows if r[1] > GOAL_MS]
    if over:
        print("\nwhere the UI thread was during the worst block of each action over the goal (samples):")
        for name, _worst, _took, _n, where, (gc_s, generation, thread), _cpu in over:
            top = where.most_common(3) or [("(not sampled: a thread held the GIL throughout)", 0)]
            for place_, count in top:
                print(f"  {name}: {count:>3} x {place_}")
            if gc_s * 1000 > GOAL_MS / 2:
                gc_ms = f"{gc_s * 1000:,.0f} ms"
                print(f"  {name}: longest garbage collection {gc_ms} (generation {generation}, {thread})")
    print(f"load average at the end: {load_average()}")
    win.doc.undo_stack.setClean()
    win.doc._view_dirty = False
    win.kpi_dock.runner.wait(120_000)
    win.close()
    app.processEvents()
    return 0


def load_average() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
