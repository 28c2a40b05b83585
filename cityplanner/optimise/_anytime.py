"""The anytime side of a solve: the best answer so far, its bound, who hears about them, and stopping.

Every model's ``solve`` keeps one :class:`Tracker`. Whatever finds a better selection (greedy,
swaps, a Lagrangian or LP-guided heuristic, HiGHS) offers it; whatever proves a tighter bound
reports it. Each improvement is streamed to ``on_incumbent`` and, as a
:class:`~cityplanner.progress.BestMessage`, to the progress sink, so a dialog can draw the proposal
while it improves. When the caller asks to stop (``stop()`` returns True, or
:meth:`cityplanner.progress.Progress.stop`), the next checkpoint raises
:class:`~cityplanner.progress.Stopped`; ``solve`` catches it and returns the best answer so far
with its gap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import OptimisationError
from ..progress import BestMessage, Incumbent, Progress, Stopped


def check_ids(ids, candidate_ids: np.ndarray, what: str) -> np.ndarray:
    """Internal candidate columns of the candidate ids ``ids`` (as ``SitingResult.selected`` lists them)."""
    if ids is None:
        return np.empty(0, dtype=np.int64)
    ids = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
    position = {int(c): k for k, c in enumerate(np.asarray(candidate_ids).tolist())}
    unknown = [int(i) for i in ids if int(i) not in position]
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise OptimisationError(f"The {what} sites {shown} are not candidate sites of this model.")
    return np.array([position[int(i)] for i in ids], dtype=np.int64)


class Tracker:
    """Best answer so far of one solve, its bound, and the caller's stop request.

    Parameters
    ----------
    maximise : bool
        Whether a larger objective is better.
    started : float
        ``time.perf_counter()`` at the start of the solve.
    time_limit_s : float
        For the progress fraction.
    progress : Progress, optional
        Receives a :class:`~cityplanner.progress.BestMessage` per improvement.
    on_incumbent : callable, optional
        Called with an :class:`~cityplanner.progress.Incumbent` per improvement.
    stop : callable, optional
        Polled at checkpoints; True stops the solve with the best answer so far.
    """

    def __init__(
        self,
        maximise: bool,
        started: float,
        time_limit_s: float,
        progress: Progress | None = None,
        on_incumbent: Callable[[Incumbent], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.maximise = maximise
        self.started = started
        self.time_limit_s = max(float(time_limit_s), 1e-9)
        self.progress = progress
        self.on_incumbent = on_incumbent
        self._stop = stop
        self.payload: Any = None
        self.objective = -math.inf if maximise else math.inf
        # The best answer as the planner sees it when the model charges it a penalty for people
        # it leaves unserved (p-median): its objective without the penalty, and those people.
        self.shown: float | None = None
        self.left_out = 0.0
        self.selected: tuple[int, ...] = ()
        self.bound = math.inf if maximise else -math.inf
        self.history: list[tuple[float, float, float]] = []
        self.first_s: float | None = None
        self.stopped = False

    # -- state ------------------------------------------------------------------------------------
    @property
    def has_answer(self) -> bool:
        return self.payload is not None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        return self.time_limit_s - self.elapsed()

    def gap(self) -> float:
        """Relative gap of the best answer to the bound (NaN without both)."""
        if not self.has_answer or not math.isfinite(self.bound):
            return float("nan")
        return max(self.bound - self.objective if self.maximise else self.objective - self.bound, 0.0) / max(
            abs(self.objective), 1e-12
        )

    def better(self, value: float, than: float | None = None) -> bool:
        """Whether ``value`` improves on ``than`` (default: the best so far) beyond rounding."""
        ref = self.objective if than is None else than
        if not math.isfinite(ref):
            return math.isfinite(value)
        tol = 1e-9 * max(abs(ref), 1.0)
        return value > ref + tol if self.maximise else value < ref - tol

    # -- events -----------------------------------------------------------------------------------
    def offer(
        self,
        payload: Any,
        objective: float,
        selected,
        stage: str,
        left_out: tuple[float, float] | None = None,
    ) -> bool:
        """Keep ``payload`` (the model's own form of a selection) when its objective is better.

        ``left_out``: (penalty, people) when the model's objective charges the answer a penalty
        for people it leaves unserved; the answer is then streamed without the penalty, with
        those people and no bound (the bound is that of serving everyone)."""
        if self.has_answer and not self.better(objective):
            return False
        self.payload = payload
        self.objective = float(objective)
        penalty, self.left_out = left_out if left_out else (0.0, 0.0)
        self.shown = self.objective - penalty if left_out else None
        self.selected = tuple(int(i) for i in np.asarray(selected).tolist())
        if self.first_s is None:
            self.first_s = self.elapsed()
        self._publish(stage)
        return True

    def restate(self, objective: float, stage: str) -> None:
        """The best answer's objective measured again, more exactly (it may be worse than the
        model's estimate that made it the best)."""
        self.objective = float(objective)
        self.shown, self.left_out = None, 0.0
        if self.maximise:
            self.bound = max(self.bound, self.objective)
        else:
            self.bound = min(self.bound, self.objective)
        self._publish(stage)

    def reset_answer(self) -> None:
        """Forget the best answer and bound: they were measured on a model that no longer holds
        (a p-median widening its sparse model)."""
        self.payload = None
        self.objective = -math.inf if self.maximise else math.inf
        self.shown, self.left_out = None, 0.0
        self.selected = ()
        self.bound = math.inf if self.maximise else -math.inf

    def tighten(self, bound: float, stage: str) -> bool:
        """Keep ``bound`` when it is tighter than the best bound so far (and publish it)."""
        if not math.isfinite(bound):
            return False
        if self.maximise:
            if self.has_answer:
                bound = max(bound, self.objective)
            if bound >= self.bound - 1e-12 * max(abs(self.bound), 1.0):
                return False
        else:
            if self.has_answer:
                bound = min(bound, self.objective)
            if bound <= self.bound + 1e-12 * max(abs(self.bound), 1.0):
                return False
        self.bound = float(bound)
        if self.has_answer:
            self._publish(stage)
        return True

    def reached(self, rel_gap: float) -> bool:
        """Whether the best answer is proven within ``rel_gap`` of the optimum."""
        gap = self.gap()
        return math.isfinite(gap) and gap <= rel_gap

    def check(self) -> None:
        """Checkpoint: raise :class:`~cityplanner.progress.Stopped` once the caller asked to stop
        (only after a first answer exists: until then the solve goes on)."""
        if not self.has_answer:
            return
        if self._stop is not None and self._stop():
            raise Stopped("The optimisation was stopped early.")
        if self.progress is not None and getattr(self.progress, "stop_requested", False):
            raise Stopped("The optimisation was stopped early.")

    def stop_requested(self) -> bool:
        """For HiGHS's callbacks: whether to interrupt now (a first answer exists and a stop was asked)."""
        if not self.has_answer:
            return False
        if self._stop is not None and self._stop():
            return True
        return bool(self.progress is not None and getattr(self.progress, "stop_requested", False))

    def interrupted(self) -> bool:
        """Whether optional preparatory work (a reduction) should end early: a stop was asked once
        an answer exists, a cancel was asked, or the time is up. The caller's next checkpoint then
        stops, cancels or goes on with what it has."""
        cancelled = bool(self.progress is not None and getattr(self.progress, "cancelled", False))
        return cancelled or self.remaining() <= 0 or self.stop_requested()

    def _publish(self, stage: str) -> None:
        seconds = self.elapsed()
        objective, bound, gap = self.objective, self.bound, self.gap()
        if self.shown is not None:
            objective, bound, gap = self.shown, float("nan"), float("nan")
        self.history.append((seconds, objective, bound))
        incumbent = Incumbent(
            selected=self.selected,
            objective=objective,
            bound=bound,
            gap=gap,
            seconds=seconds,
            stage=stage,
            maximise=self.maximise,
            left_out=self.left_out,
        )
        if self.on_incumbent is not None:
            self.on_incumbent(incumbent)
        if self.progress is not None:
            fraction = min(max(seconds / self.time_limit_s, 0.02), 0.98)
            self.progress.update(fraction, BestMessage(f"Siting: {incumbent.describe()}", incumbent))

    def stop_note(self) -> str:
        """The note a stopped solve carries."""
        gap = self.gap()
        stated = f"a gap of {gap:.2%}" if math.isfinite(gap) else "no bound yet"
        return f"stopped early on request after {self.elapsed():.1f} s with the best answer so far ({stated})"
