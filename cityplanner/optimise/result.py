"""The outcome of a siting optimisation, shared by every model and solver."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SitingResult:
    """Proposed new sites and how good they are.

    Attributes
    ----------
    model : str
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    selected : numpy.ndarray
        Chosen candidate row indices, ascending (existing facilities are not listed). An MCLP
        lists only sites that add coverage, so fewer than ``p`` when the rest would cover
        nobody new (``notes`` then says so).
    objective : float
        Model objective: population covered (MCLP), number of new sites or their total cost
        (LSCP), population-weighted distance in person-metres (p-median).
    population_covered, percent_covered : float
        Population within the radius of an existing or selected site after the proposal (for a
        p-median without a radius: population that can reach a site at all).
    optimal : bool
        True when the solver proved the objective optimal (within a relative gap of 1e-6).
    gap : float
        Relative gap between ``objective`` and ``bound`` (0 when optimal, NaN when no bound).
    seconds : float
        Wall time of model building and solving.
    marginal_gain : numpy.ndarray
        Per entry of ``selected``: what the site adds when the final selection is built up
        greedily (population newly covered for MCLP/LSCP and for a p-median with a radius;
        person-metres saved for a p-median without one).
    bound : float
        Best proven bound on the optimum (upper for MCLP, lower for LSCP and p-median).
    population_total : float
        Population of all demand points.
    population_covered_before, percent_covered_before : float
        The same coverage figures with the existing facilities only.
    solver : str
        ``"exact"`` (HiGHS MILP) or ``"heuristic"`` (greedy + swap).
    greedy_order : numpy.ndarray
        ``selected`` in the order the marginal gains were computed.
    uncoverable : numpy.ndarray
        Demand row indices (with population) that no candidate or existing facility reaches.
    unreachable_population : float or None
        p-median: population of the demand no candidate or existing site can reach at all (off
        the streets or on a street part joined to no site); it is left out of the model, so the
        objective, bound and gap are those of the reachable demand. None for the coverage
        models (their ``uncoverable`` demand lies beyond the radius).
    population_left_out : float or None
        p-median: population that some candidate could reach but no chosen (or existing) site
        does (a separate street part the answer leaves unserved, which a note states); it is left
        out of the objective, and no bound is stated. None for the coverage models.
    notes : list of str
        What the solver did worth telling the planner (time limit reached, bound source, how much
        the instance reduction removed...).
    stopped : bool
        True when the caller stopped the solve early (``stop`` or ``Progress.stop``): the result is
        the best answer found so far and ``gap`` states how far from optimal it may be.
    reduction : dict
        What the exact reductions removed before solving: ``demand_points`` and ``demand_groups``
        (rows merged because the same sites reach them), ``candidates``, ``candidates_kept``,
        ``candidates_useless`` (reach no open demand), ``candidates_dominated`` (another site
        reaches at least the same people at no higher cost), ``sites_fixed_in`` and
        ``sites_fixed_out`` (proven in or out by a Lagrangian or LP bound), ``sites_forced``
        (the caller's ``fixed``). Keys a model does not use are absent.
    history : list of tuple
        ``(seconds, objective, bound)`` at each improvement of the answer or bound, from the
        first feasible answer on (what ``on_incumbent`` heard).
    assignment : numpy.ndarray or None
        Capacitated models: per demand point, the site serving it, as a candidate id of
        ``selected`` (``>= 0``), ``-2 - k`` for existing facility ``k``, or ``-1`` for none. None
        without capacities (every point then uses its nearest open site).
    site_load : numpy.ndarray or None
        Capacitated models: population assigned to each entry of ``selected``.
    existing_load : numpy.ndarray or None
        Capacitated models: population assigned to each existing facility (when they have
        capacities).
    """

    model: str
    selected: np.ndarray
    objective: float
    population_covered: float
    percent_covered: float
    optimal: bool
    gap: float
    seconds: float
    marginal_gain: np.ndarray
    bound: float = float("nan")
    population_total: float = 0.0
    population_covered_before: float = 0.0
    percent_covered_before: float = 0.0
    solver: str = "exact"
    greedy_order: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    uncoverable: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    notes: list[str] = field(default_factory=list)
    unreachable_population: float | None = None
    population_left_out: float | None = None
    stopped: bool = False
    reduction: dict = field(default_factory=dict)
    history: list[tuple[float, float, float]] = field(default_factory=list)
    assignment: np.ndarray | None = None
    site_load: np.ndarray | None = None
    existing_load: np.ndarray | None = None

    @property
    def first_answer_s(self) -> float:
        """Seconds from the start of the solve to its first feasible answer (NaN if unknown)."""
        return float(self.history[0][0]) if self.history else float("nan")

    def to_dict(self) -> dict:
        """The figures the command line prints (keys as in the issue), plus the extras.

        The keys are a fixed contract of ``optimise --json``; the anytime and capacitated
        attributes (``stopped``, ``reduction``, ``history``, ``assignment``, loads) and
        ``population_left_out`` (stated in a note) are read from the result itself.
        """
        return {
            "model": self.model,
            "selected": [int(i) for i in self.selected],
            "objective": float(self.objective),
            "population_covered": float(self.population_covered),
            "percent_covered": float(self.percent_covered),
            "optimal": bool(self.optimal),
            "gap": float(self.gap),
            "seconds": float(self.seconds),
            "bound": float(self.bound),
            "solver": self.solver,
            "population_total": float(self.population_total),
            "population_covered_before": float(self.population_covered_before),
            "percent_covered_before": float(self.percent_covered_before),
            "marginal_gain": [float(g) for g in self.marginal_gain],
            "notes": list(self.notes),
            "unreachable_population": (
                None if self.unreachable_population is None else float(self.unreachable_population)
            ),
        }
