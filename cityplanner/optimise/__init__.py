"""Siting optimisation: where to put new facilities (issues 4 and 17).

Models: :class:`MCLP` (maximal covering, optionally capacitated), :class:`LSCP` (set covering to a
target share), :class:`PMedian` (least population-weighted distance, optionally capacitated).
Each is built with ``from_geodataframe`` / ``from_points`` / ``from_cost_matrix`` and solved with
``solve(solver="exact"|"heuristic", ..., *, initial=, fixed=, stop=, on_incumbent=)`` into a
:class:`SitingResult`; the solve is anytime (a first answer at once, then better answers and
bounds, each streamed as an :class:`~cityplanner.progress.Incumbent`; a stop returns the best so
far). :func:`propose_into_scenario` turns a result into placements.
"""

from ..progress import Incumbent
from .coverage_models import LSCP, MCLP
from .pmedian import PMedian
from .project_siting import grid_candidates, optimise_project, propose_into_scenario
from .result import SitingResult

__all__ = [
    "Incumbent",
    "LSCP",
    "MCLP",
    "PMedian",
    "SitingResult",
    "grid_candidates",
    "optimise_project",
    "propose_into_scenario",
]
