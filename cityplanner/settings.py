"""A project's analysis settings: one typed object, each default written once.

The engine, the command line and the app read these through :meth:`AnalysisSettings.of`, never
``project.setting("max_snap_m", 250.0)`` with a default of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import AnalysisError

# Population surface cell size: the default and the range a project may choose (metres).
DEFAULT_CELL_SIZE_M = 100.0
CELL_SIZE_RANGE_M = (25.0, 500.0)
DISTANCE_MODES = ("network", "euclidean")


@dataclass(frozen=True)
class AnalysisSettings:
    """How a project's figures are measured.

    Attributes
    ----------
    cell_size_m : float
        Side of the population surface's cells.
    max_snap_m : float
        A place farther than this from every street cannot be reached along the streets.
    walk_speed_kmh : float
        Walking speed for travel times.
    distance_mode : str or None
        ``"network"`` or ``"euclidean"``; None: along the streets when there is a road layer.
    """

    cell_size_m: float = DEFAULT_CELL_SIZE_M
    max_snap_m: float = 250.0
    walk_speed_kmh: float = 4.8
    distance_mode: str | None = None

    @classmethod
    def of(cls, project) -> AnalysisSettings:
        """The settings stored in ``project.settings`` (the defaults for what is not there)."""
        values = {}
        for f in fields(cls):
            raw = project.settings.get(f.name)
            if raw is None or raw == "":
                continue
            if f.name == "distance_mode":
                values[f.name] = str(raw) if str(raw) in DISTANCE_MODES else None
                continue
            try:
                number = float(raw)
            except (TypeError, ValueError):
                continue  # a hand-edited project with text here keeps the default
            if number > 0 and number == number and number != float("inf"):
                values[f.name] = number
        return cls(**values)


def check_cell_size(cell_size_m: float) -> float:
    """``cell_size_m`` as a float, or an :class:`AnalysisError` naming the allowed range."""
    low, high = CELL_SIZE_RANGE_M
    try:
        value = float(cell_size_m)
    except (TypeError, ValueError):
        value = float("nan")
    if not low <= value <= high:
        raise AnalysisError(
            f"The population cell size must be between {low:g} and {high:g} m (got {cell_size_m})."
        )
    return value
