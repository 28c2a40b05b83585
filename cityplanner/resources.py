"""Locate files shipped in the top-level ``resources/`` folder (and the sample city beside it).

In a source checkout (or an editable install) they sit in the repository, beside the
``cityplanner`` package. In the offline bundle built by ``installer/cityplanner.spec`` (PyInstaller,
``sys.frozen``) they are unpacked under ``sys._MEIPASS``, the bundle's ``_internal`` folder (or a
macOS app's ``Contents/Frameworks``), with the same layout: ``resources/`` and ``sample_data/``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _root_dir() -> Path:
    """The folder holding ``resources/`` and ``sample_data/``: the bundle's or the checkout's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


ROOT_DIR = _root_dir()
RESOURCES_DIR = ROOT_DIR / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("kpi_catalogue.yaml")``."""
    return RESOURCES_DIR.joinpath(*parts)
