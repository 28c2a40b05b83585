"""Locate files shipped in the top-level ``resources/`` folder."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("kpi_catalogue.yaml")``."""
    return RESOURCES_DIR.joinpath(*parts)
