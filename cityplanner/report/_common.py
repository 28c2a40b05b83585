"""What the report writers share: their content, atomic files, and KPI and placement rows as text.

The PDF and the HTML map show the same KPI table and placement list, so both take their cells
from :func:`kpi_rows` and :func:`placement_rows` and differ only in layout.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from pyogrio.errors import DataSourceError

from ..errors import ReportError
from ..progress import Progress
from ..project import Project
from .content import ReportContent, ScenarioContent, collect, format_change, format_number, scaled_progress


def content_for(
    project: Project,
    scenarios: list[str] | None,
    content: ReportContent | None,
    progress: Progress | None,
    author: str | None = None,
    title: str | None = None,
) -> ReportContent:
    """``content`` when a caller gathered it for several outputs, else a new :func:`collect`.

    The evaluation reports on the first half of ``progress``; writing the output takes the rest.
    """
    if content is not None:
        return content
    evaluation = scaled_progress(progress, 0.0, 0.5)
    return collect(project, scenarios, author=author, title=title, progress=evaluation)


@contextmanager
def replaced_atomically(target: Path, what: str) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces ``target`` when the block succeeds.

    The temporary file keeps ``target``'s extension (GDAL picks its driver by it) and is removed
    when anything fails, so a half-written file never takes the place of a good one.

    Raises
    ------
    ReportError
        Naming ``what`` (``"map"``, ``"workbook"`` …) and ``target`` when the file system, or
        GDAL or SQLite for a GeoPackage, refuses the write.
    """
    tmp = target.with_name(f".{target.stem}.tmp{target.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    except (OSError, sqlite3.Error, DataSourceError) as err:
        reason = getattr(err, "strerror", None) or err
        raise ReportError(f"The {what} {target} cannot be written ({reason}).") from None
    finally:
        tmp.unlink(missing_ok=True)


def attribute_table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """A layer's attributes without its geometry column."""
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name))


class KpiRow(NamedTuple):
    """One KPI of a scenario as the report tables print it."""

    code: str
    name: str
    name_vi: str
    value: str
    unit: str
    target: str
    status: str
    change: str


def kpi_rows(scenario: ScenarioContent) -> list[KpiRow]:
    """The scenario's KPIs with figures as ``kpis`` prints them; no change column for the baseline."""
    return [
        KpiRow(
            code=kpi.code,
            name=kpi.name,
            name_vi=kpi.name_vi,
            value=format_number(kpi.value),
            unit=kpi.unit,
            target=format_number(kpi.target),
            status=kpi.status,
            change="" if scenario.is_baseline else format_change(kpi.change),
        )
        for kpi in scenario.kpis
    ]


def placement_rows(placements: pd.DataFrame, blank: str) -> pd.DataFrame:
    """A scenario's placements as the lists print them, ``blank`` standing for no name or gain.

    Columns ``number``, ``type`` (its label), ``name``, ``lon`` and ``lat`` (WGS84, 6 decimals,
    about 0.1 m), ``marginal_gain`` (whole units), ``source`` and ``id``.
    """
    names = placements["name"].fillna("").astype(str)
    gains = placements["marginal_gain"].astype(float)
    return pd.DataFrame(
        {
            "number": placements["number"].astype(str),
            "type": placements["type_label"],
            "name": names.mask(names == "", blank),
            "lon": placements["lon"].map("{:.6f}".format),
            "lat": placements["lat"].map("{:.6f}".format),
            "marginal_gain": gains.map("{:,.0f}".format).where(np.isfinite(gains), blank),
            "source": placements["source"],
            "id": placements["id"],
        },
        index=placements.index,
    )
