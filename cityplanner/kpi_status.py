"""The KPI statuses' colours on maps and in reports, and which field of a table carries a status.

A module of its own, without imports, so the app can style a layer by status (a batch's
``kpis.gpkg``) without loading the report's PDF machinery.
"""

from __future__ import annotations

#: Map and report colour of each KPI status (the PDF, the HTML map, spreadsheets, QGIS styles).
STATUS_COLOURS = {"met": "#1a9850", "near": "#fdae61", "not met": "#d73027", "n/a": "#bdbdbd"}
#: A mark before a value, so the status reads without its colour too (projectors wash colours out).
STATUS_MARKS = {"met": "✓", "near": "≈", "not met": "✗", "n/a": ""}


def status_categories() -> list[tuple[str, str, str]]:
    """The KPI statuses as categories (value, label, colour): met, near, not met, n/a."""
    return [(status, status, colour) for status, colour in STATUS_COLOURS.items()]


def status_style(columns) -> tuple[str, list[tuple[str, str, str]]] | None:
    """How to colour a table's layer by KPI status, or None when it has no status field.

    The field is ``status`` (a batch's layer ``kpis``), else the first ``<kpi>_status`` (layer
    ``units``: one polygon per unit, a status per KPI); the categories are
    :func:`status_categories`, as the QGIS style stored with the layer. A unit without a result
    has an empty status.
    """
    names = [str(c) for c in columns]
    field = "status" if "status" in names else next((c for c in names if c.endswith("_status")), None)
    return None if field is None else (field, status_categories())
