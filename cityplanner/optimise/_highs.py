"""One MILP or LP solve with HiGHS (highspy): time limit, warm start, progress and cancellation.

highspy is used rather than ``scipy.optimize.milp`` because its interrupt callbacks let the
planner cancel a long solve and let us report progress while it runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from ..errors import Cancelled, OptimisationError
from ..progress import Progress, Stopped

# Relative optimality tolerance: populations are ~1e5-1e7, so this is about one person.
MIP_REL_GAP = 1e-6
# Seconds between two progress reports from inside the solver.
_REPORT_EVERY_S = 0.25


def check_gap(mip_gap: float) -> float:
    """The relative gap at which the exact solvers stop, or an OptimisationError if not in [0, 1)."""
    gap = float(mip_gap)
    if not 0.0 <= gap < 1.0:
        raise OptimisationError(f"The optimality gap must be a share in [0, 1), e.g. 0.01 (got {mip_gap}).")
    return gap


def proven(optimal: bool, value: float, bound: float, mip_gap: float) -> bool:
    """Whether a solve stopped as optimal at ``mip_gap`` is also optimal within :data:`MIP_REL_GAP`."""
    return optimal and (mip_gap <= MIP_REL_GAP or abs(bound - value) <= MIP_REL_GAP * max(abs(value), 1.0))


@dataclass
class HighsOutcome:
    """What a HiGHS solve produced (objective and bound in the model's own sense)."""

    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    optimal: bool
    status: str
    stopped: bool = False


def solve(
    cost: np.ndarray,
    rows: sparse.csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray | None,
    maximise: bool,
    time_limit_s: float,
    progress: Progress | None = None,
    progress_span: tuple[float, float] = (0.0, 1.0),
    warm_start: np.ndarray | None = None,
    offset: float = 0.0,
    root_ipm: bool = False,
    rel_gap: float = MIP_REL_GAP,
    on_solution: Callable[[np.ndarray, float, float], bool | None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> HighsOutcome:
    """Solve ``opt offset + cost @ x`` s.t. ``row_lower <= rows @ x <= row_upper``, bounds, integrality.

    Parameters
    ----------
    integer : numpy.ndarray of bool, optional
        Which columns are integer; None (or all False) solves an LP.
    time_limit_s : float
        Wall-clock limit; the best solution found so far is returned when it is reached.
    progress : Progress, optional
        Receives elapsed/limit within ``progress_span``; cancelling interrupts the solve and
        raises :class:`~cityplanner.errors.Cancelled`.
    warm_start : numpy.ndarray, optional
        A feasible column vector handed to HiGHS as its first incumbent.
    offset : float
        Constant added to the objective (and so to the bound).
    root_ipm : bool
        Solve a MILP's root LP by interior point instead of dual simplex (far faster on large,
        degenerate covering LPs).
    rel_gap : float
        Relative gap at which a MILP counts as solved (status optimal).
    on_solution : callable, optional
        Called as ``on_solution(x, objective, bound)`` with each improving MILP solution; when it
        returns True the solve stops there (the caller has what it needs).
    stop : callable, optional
        Polled while HiGHS runs; when it returns True (or ``progress`` raises
        :class:`~cityplanner.progress.Stopped`) the solve stops and returns its best solution so
        far with ``stopped=True`` (``x`` is None when it had none).
    """
    rows = sparse.csr_matrix(rows)
    rows.sort_indices()
    n_col = len(cost)
    is_mip = integer is not None and bool(np.any(integer))
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    # Deterministic: the same input gives the same answer.
    h.setOptionValue("random_seed", 0)
    h.passModel(
        n_col,
        rows.shape[0],
        int(rows.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize),
        float(offset),
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(col_lower, dtype=np.float64),
        np.ascontiguousarray(col_upper, dtype=np.float64),
        np.ascontiguousarray(row_lower, dtype=np.float64),
        np.ascontiguousarray(row_upper, dtype=np.float64),
        rows.indptr.astype(np.int32),
        rows.indices.astype(np.int32),
        rows.data.astype(np.float64),
        (integer if is_mip else np.zeros(n_col, dtype=bool)).astype(np.int32),
    )
    if not is_mip:
        # Location LPs are highly degenerate: interior point is far faster than simplex on them.
        h.setOptionValue("solver", "ipm")
    if root_ipm and is_mip:
        h.setOptionValue("mip_lp_solver", "ipm")
    if warm_start is not None and is_mip:
        h.setSolution(n_col, np.arange(n_col, dtype=np.int32), warm_start.astype(np.float64))

    state = {"cancelled": False, "stopped": False, "done": False, "last": 0.0}
    lo, hi = progress_span
    started = time.monotonic()

    def on_interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
        if state["stopped"] or state["done"] or (stop is not None and stop()):
            state["stopped"] = state["stopped"] or not state["done"]
            event.interrupt()
            return
        now = time.monotonic()
        if progress is None or now - state["last"] < _REPORT_EVERY_S:
            return
        state["last"] = now
        try:
            fraction = min((now - started) / max(time_limit_s, 1e-9), 1.0)
            gap = event.data_out.mip_gap
            message = "Solving" if not math.isfinite(gap) or gap > 1e20 else f"Solving (gap {gap:.2%})"
            progress.update(lo + (hi - lo) * fraction, message)
        except Stopped:
            state["stopped"] = True
            event.interrupt()
        except Cancelled:
            state["cancelled"] = True
            event.interrupt()

    def on_improving(event: highspy.highs.HighsCallbackEvent) -> None:
        out = event.data_out
        try:
            enough = on_solution(
                np.asarray(out.mip_solution, dtype=np.float64).copy(),
                float(out.objective_function_value),
                float(out.mip_dual_bound),
            )
        except Stopped:
            state["stopped"] = True
            event.interrupt()
            return
        except Cancelled:
            state["cancelled"] = True
            event.interrupt()
            return
        if enough:
            state["done"] = True
            event.interrupt()

    if progress is not None or stop is not None or on_solution is not None:
        h.cbMipInterrupt.subscribe(on_interrupt)
        h.cbSimplexInterrupt.subscribe(on_interrupt)
        h.cbIpmInterrupt.subscribe(on_interrupt)
    if on_solution is not None and is_mip:
        h.cbMipImprovingSolution.subscribe(on_improving)
    h.run()
    if state["cancelled"]:
        raise Cancelled("The optimisation was cancelled.")
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if state["stopped"] or state["done"]:
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
        bound = float(info.mip_dual_bound) if is_mip else float("nan")
        objective = float(info.objective_function_value) if has_solution else float("nan")
        gap = float(info.mip_gap) if is_mip and math.isfinite(info.mip_gap) else float("nan")
        why = "Stopped by the caller" if state["stopped"] else "Stopped at the caller's target"
        return HighsOutcome(x, objective, bound, gap, False, why, stopped=state["stopped"])
    if status == highspy.HighsModelStatus.kInfeasible:
        raise OptimisationError("The siting problem has no feasible solution with these inputs.")
    if not has_solution:
        raise OptimisationError(
            f"HiGHS found no solution within the {time_limit_s:g} s time limit; "
            "raise the time limit or use the heuristic solver."
        )
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    objective = float(info.objective_function_value)
    optimal = status == highspy.HighsModelStatus.kOptimal
    if is_mip:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else float("nan")
    else:
        bound, gap = (objective, 0.0) if optimal else (float("nan"), float("nan"))
    return HighsOutcome(x, objective, bound, gap, optimal, h.modelStatusToString(status))
