"""Icons shipped in ``resources/icons`` (SVG), loaded by name."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from cityplanner.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon when there is none)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
