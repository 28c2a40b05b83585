"""Siting optimisation: where to put new facilities (issue 4).

Models: :class:`MCLP` (maximal covering), :class:`LSCP` (set covering to a target share),
:class:`PMedian` (least population-weighted distance, optionally capacitated). Each is built with
``from_geodataframe`` / ``from_cost_matrix`` and solved with ``solve(solver="exact"|"heuristic")``
into a :class:`SitingResult`; :func:`propose_into_scenario` turns a result into placements.
"""

from .coverage_models import LSCP, MCLP
from .pmedian import PMedian
from .project_siting import grid_candidates, optimise_project, propose_into_scenario
from .result import SitingResult

__all__ = [
    "LSCP",
    "MCLP",
    "PMedian",
    "SitingResult",
    "grid_candidates",
    "optimise_project",
    "propose_into_scenario",
]
