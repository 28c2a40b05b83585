"""User-facing errors.

Every error meant for a planner is a :class:`CityPlannerError` carrying one sentence that names
the file (or input) and the problem. The command line prints it and exits 2; the desktop app shows
it in a dialog. Anything else escaping the engine is a bug.
"""

from __future__ import annotations


class CityPlannerError(Exception):
    """Base class of every error meant for the user; ``str(err)`` is one clear sentence."""


class LayerLoadError(CityPlannerError):
    """A file or layer could not be read or fails validation."""


class ProjectError(CityPlannerError):
    """A project file is missing, corrupt, or inconsistent."""


class AnalysisError(CityPlannerError):
    """Inputs to coverage, accessibility or KPI evaluation make no sense."""


class OptimisationError(CityPlannerError):
    """A siting problem is infeasible, empty or nonsensical."""


class ReportError(CityPlannerError):
    """A report or export could not be written."""


class Cancelled(CityPlannerError):
    """Long work was cancelled by the user."""
