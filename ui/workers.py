"""Run engine work off the UI thread, with progress, cancel, and coalescing of repeated requests.

Workers are plain Python threads, not QThreadPool threads: evaluating KPIs on pool threads
crashed the process inside pyproj (a CRS's per-thread state created on a thread Python only
borrows). Results come back through Qt signals (queued to the UI thread). Engine errors meant for the user
(:class:`~cityplanner.errors.CityPlannerError`) arrive as their one-sentence message; anything else
is a bug: :func:`ui.crash_handler.report` logs its traceback and shows it in a dialog naming the
log, and the message passed on names the log too.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from cityplanner.errors import Cancelled, CityPlannerError
from cityplanner.progress import Progress

from . import crash_handler

# Garbage-collection policy of the app (issue 11: the UI thread never blocked over 200 ms).
# A full collection scans every tracked object while holding the GIL, so one on any thread stops
# the UI thread: 0.2-0.9 s with the HCMC project open (190,000 objects: the app's modules, the
# project's geometries, 29,000 edge lines of the street network at the time). The objects alive at start-up
# and once a project is open and evaluated mostly live until it closes, so freeze_long_lived()
# moves them out of the collector's sight (gc.freeze); collections then scan only newer objects.
# Never unfrozen: gc.unfreeze() at a project's close would make the next collection scan all of
# them again (0.13 s of CPU, more on a loaded machine), which is the pause this avoids.
# Memory cost: cyclic garbage among frozen objects is never collected. Opening HCMC twice with
# the policy on froze 339 such objects (what gc.unfreeze() and a collection then freed; RSS
# unchanged at the MB); objects freed by reference counting (all of a project's data here) are
# freed as before. A full collection then takes 13-27 ms of CPU instead of 132. Enabled by the app
# (ui.app.main) and the UI-blocking benchmark; tests leave it off.
_freezing = False


def keep_long_lived_out_of_collections(enabled: bool = True) -> None:
    """Turn the garbage-collection policy above on (the app), freezing what lives now, or off,
    handing every frozen object back to the collector (the app's end: tests run it in-process)."""
    global _freezing
    _freezing = enabled
    if enabled:
        freeze_long_lived()
    else:
        gc.unfreeze()


def freeze_long_lived() -> None:
    """Collect the young generations and freeze every surviving object (when the policy is on)."""
    if _freezing:
        gc.collect(1)
        gc.freeze()


class WorkerSignals(QObject):
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    progress = Signal(float, str)


_running: set[threading.Thread] = set()


class Worker:
    """Call ``fn(progress)`` on a thread; ``fn`` receives a :class:`Progress` it may pass on."""

    def __init__(self, fn: Callable[[Progress], Any]) -> None:
        self.fn = fn
        self.signals = WorkerSignals()
        self.progress = Progress(lambda fraction, message: self.signals.progress.emit(fraction, message))

    def cancel(self) -> None:
        self.progress.cancel()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="cityplanner-worker", daemon=True)
        _running.add(self.thread)
        self.thread.start()

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except CityPlannerError as err:
            self.signals.failed.emit(str(err))
        except Exception as err:  # a bug in the engine: keep the app alive, log the trace, show it
            task = getattr(self.fn, "__name__", repr(self.fn))
            log = crash_handler.report(err, f"in the background task {task}")
            self.signals.failed.emit(f"Unexpected error ({type(err).__name__}): {err}. Details: {log}")
        else:
            self.signals.finished.emit(result)
        finally:
            _running.discard(threading.current_thread())


def start(
    fn: Callable[[Progress], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
) -> Worker:
    """Start ``fn`` on a worker thread and connect the callbacks; returns the worker."""
    worker = Worker(fn)
    if on_done:
        worker.signals.finished.connect(on_done)
    if on_error:
        worker.signals.failed.connect(on_error)
    if on_progress:
        worker.signals.progress.connect(on_progress)
    if on_cancelled:
        worker.signals.cancelled.connect(on_cancelled)
    # Kept until its outcome has been delivered and its thread has ended, then released here, on
    # the UI thread: a worker dropped by its caller was freed by its own thread as that thread
    # ended, which destroyed its signals object (a QObject of the UI thread) from another thread,
    # dropping the queued callbacks above or, with events still posted for it, crashing the UI
    # thread's event processing. Connected last, so it runs after the callbacks; by key, so that
    # the connection (held by Qt, out of the garbage collector's sight) holds no reference to it.
    key = id(worker)
    _delivering[key] = worker
    for signal in (worker.signals.finished, worker.signals.failed, worker.signals.cancelled):
        signal.connect(lambda *_: _release(key))
    worker.start()
    return worker


_delivering: dict[int, Worker] = {}


def _release(key: int) -> None:
    """Drop a delivered worker on the UI thread once its thread is over (checked every 20 ms)."""
    worker = _delivering.get(key)
    if worker is not None and worker.thread is not None and worker.thread.is_alive():
        QTimer.singleShot(20, lambda: _release(key))
        return
    _delivering.pop(key, None)


def wait_all(timeout_s: float = 30.0) -> bool:
    """Block until every worker thread has finished (tests and shutdown only)."""
    deadline = time.monotonic() + timeout_s
    for thread in list(_running):
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in _running)


class CoalescingRunner(QObject):
    """Runs one job at a time; a request made while one runs replaces any waiting request.

    When a job finishes and a newer request is waiting, the stale result is dropped and the newer
    job starts, so after a burst of edits only the latest state is evaluated and shown. A request
    made while idle starts when the event loop is next free: a worker started in the middle of
    the UI thread's work (opening a project) contends with the rest of it for the GIL.
    """

    result = Signal(object)
    error = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: Worker | None = None
        self._pending: Callable[[Progress], Any] | None = None
        self._deferred: Callable[[Progress], Any] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None or self._deferred is not None

    def request(self, fn: Callable[[Progress], Any]) -> None:
        if self._running is not None:
            self._pending = fn
            self._running.cancel()
            return
        if self._deferred is None:
            QTimer.singleShot(0, self, self._launch_deferred)
            self.busy_changed.emit(True)
        self._deferred = fn

    def _launch_deferred(self) -> None:
        fn, self._deferred = self._deferred, None
        if fn is not None:
            self._launch(fn)

    def _launch(self, fn: Callable[[Progress], Any]) -> None:
        self._running = start(fn, self._done, self._failed, on_cancelled=self._next)
        self.busy_changed.emit(True)

    def _next(self) -> bool:
        self._running = None
        if self._pending is not None:
            fn, self._pending = self._pending, None
            self._launch(fn)
            return True
        self.busy_changed.emit(False)
        return False

    def _done(self, value: Any) -> None:
        if not self._next():
            self.result.emit(value)

    def _failed(self, message: str) -> None:
        if not self._next():
            self.error.emit(message)

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until worker threads are done, a request waiting for the event loop included
        (tests and shutdown only)."""
        if self._running is None:
            self._launch_deferred()
        return wait_all(timeout_ms / 1000)
