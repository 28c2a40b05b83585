"""CityPlanner engine: layer IO, the project model and file, analysis, optimisation, KPIs, reports.

The engine never imports Qt; the desktop app (``ui``) and the command line (``cityplanner.cli``)
are two faces on the same functions.
"""

from .errors import CityPlannerError
from .project import BASELINE, FacilityType, Layer, Placement, Project, Scenario

__version__ = "0.1.0"

__all__ = [
    "BASELINE",
    "CityPlannerError",
    "FacilityType",
    "Layer",
    "Placement",
    "Project",
    "Scenario",
    "__version__",
]
