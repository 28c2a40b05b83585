"""Progress reporting and cancellation for long engine work (no Qt here).

Engine functions that may run long accept ``progress: Progress | None``. The UI passes a
:class:`Progress` whose callback forwards to a Qt signal from a worker thread; the CLI passes
``None``. Calling :meth:`Progress.update` raises :class:`~cityplanner.errors.Cancelled` once
:meth:`Progress.cancel` has been called, so work stops at the next checkpoint.

Anytime work (the siting solvers) also reports its best answer so far: the message of such an
update is a :class:`BestMessage`, a ``str`` that carries an :class:`Incumbent`, so a plain callback
still reads a sentence ("best 157,679 people, bound 157,803, gap 0.08 %") while a
``Progress(on_best=...)`` receives the incumbent itself, also through wrappers that forward the
message (such as the tasks' scaled sinks). :meth:`Progress.stop` asks such work to finish now and
return its best answer: the next :meth:`Progress.update` raises :class:`Stopped`, which the solvers
catch; work that cannot stop early sees a :class:`~cityplanner.errors.Cancelled` (``Stopped`` is
one).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .errors import Cancelled


class Stopped(Cancelled):
    """The caller asked anytime work to stop now with its best answer so far (see
    :meth:`Progress.stop`). Work that cannot stop early treats it as a cancellation."""


@dataclass(frozen=True)
class Incumbent:
    """The best answer so far of an anytime solve (what a dialog shows while it improves).

    Attributes
    ----------
    selected : tuple of int
        Chosen candidate sites, as ``SitingResult.selected`` will list them.
    objective : float
        Their objective in the model's sense (population covered, number or cost of sites,
        person-metres).
    bound : float
        Best proven bound on the optimum so far (NaN while there is none).
    gap : float
        Relative gap between ``objective`` and ``bound`` (NaN while there is no bound).
    seconds : float
        Since the solve started.
    stage : str
        What found it or proved the bound ("greedy", "swaps", "LP bound", "HiGHS", ...).
    maximise : bool
        True when a larger objective is better (MCLP).
    left_out : float
        p-median: people the answer leaves with no open site to reach (a separate street part);
        they are out of ``objective``, and no bound is stated (bounds are for serving everyone).
    """

    selected: tuple[int, ...]
    objective: float
    bound: float
    gap: float
    seconds: float
    stage: str
    maximise: bool = False
    left_out: float = 0.0

    def describe(self) -> str:
        """One line for a progress message: best value, bound and gap."""
        text = f"best {self.objective:,.0f}"
        if math.isfinite(self.bound):
            text += f", bound {self.bound:,.0f}"
        if math.isfinite(self.gap):
            text += f", gap {self.gap:.2%}"
        if self.left_out:
            text += f", {self.left_out:,.0f} people left out"
        return f"{text} ({self.stage})"


class BestMessage(str):
    """A progress message that also carries the :class:`Incumbent` it describes."""

    incumbent: Incumbent

    def __new__(cls, text: str, incumbent: Incumbent) -> BestMessage:
        message = super().__new__(cls, text)
        message.incumbent = incumbent
        return message


class Progress:
    """Thread-safe progress sink with a cancel flag.

    Parameters
    ----------
    callback : callable, optional
        Called as ``callback(fraction, message)`` with ``fraction`` in [0, 1].
    on_best : callable, optional
        Called as ``on_best(incumbent)`` with an :class:`Incumbent` whenever anytime work
        reports a better answer or bound (from the worker thread).
    """

    def __init__(
        self,
        callback: Callable[[float, str], None] | None = None,
        on_best: Callable[[Incumbent], None] | None = None,
    ) -> None:
        self._callback = callback
        self._on_best = on_best
        self._cancelled = threading.Event()
        self._stop = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next checkpoint."""
        self._cancelled.set()

    def stop(self) -> None:
        """Ask anytime work to finish at its next checkpoint with its best answer so far."""
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def stop_requested(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    def update(self, fraction: float, message: str = "") -> None:
        """Report progress; raise :class:`Cancelled` if cancellation was requested, or
        :class:`Stopped` if a stop was."""
        if self._cancelled.is_set():
            raise Cancelled("The operation was cancelled.")
        if self._stop.is_set():
            raise Stopped("The operation was stopped early.")
        if self._callback is not None:
            self._callback(min(max(float(fraction), 0.0), 1.0), message)
        if self._on_best is not None and isinstance(message, BestMessage):
            self._on_best(message.incumbent)


def report(progress: Progress | None, fraction: float, message: str = "") -> None:
    """Forward to ``progress.update`` when a progress sink was given."""
    if progress is not None:
        progress.update(fraction, message)
