"""Progress reporting and cancellation for long engine work (no Qt here).

Engine functions that may run long accept ``progress: Progress | None``. The UI passes a
:class:`Progress` whose callback forwards to a Qt signal from a worker thread; the CLI passes
``None``. Calling :meth:`Progress.update` raises :class:`~cityplanner.errors.Cancelled` once
:meth:`Progress.cancel` has been called, so work stops at the next checkpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled


class Progress:
    """Thread-safe progress sink with a cancel flag.

    Parameters
    ----------
    callback : callable, optional
        Called as ``callback(fraction, message)`` with ``fraction`` in [0, 1].
    """

    def __init__(self, callback: Callable[[float, str], None] | None = None) -> None:
        self._callback = callback
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next checkpoint."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def update(self, fraction: float, message: str = "") -> None:
        """Report progress; raise :class:`Cancelled` if cancellation was requested."""
        if self._cancelled.is_set():
            raise Cancelled("The operation was cancelled.")
        if self._callback is not None:
            self._callback(min(max(float(fraction), 0.0), 1.0), message)


def report(progress: Progress | None, fraction: float, message: str = "") -> None:
    """Forward to ``progress.update`` when a progress sink was given."""
    if progress is not None:
        progress.update(fraction, message)
