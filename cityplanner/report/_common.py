"""What the report writers share: their content, atomic files, and KPI and placement rows as text.

The PDF and the HTML map show the same KPI table and placement list, so both take their cells
from :func:`kpi_rows` and :func:`placement_rows` and differ only in layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import ReportError
from ..progress import Progress
from ..project import Project
from ..store import files_replaced_atomically, write_failure_cause
from . import i18n
from .content import (
    ReportContent,
    ScenarioContent,
    collect,
    in_language,
    scaled_progress,
)


def content_for(
    project: Project,
    scenarios: list[str] | None,
    content: ReportContent | None,
    progress: Progress | None,
    author: str | None = None,
    title: str | None = None,
    lang: str | None = None,
) -> ReportContent:
    """``content`` when a caller gathered it for several outputs, else a new :func:`collect`.

    The evaluation reports on the first half of ``progress``; writing the output takes the rest.
    ``lang`` (``"en"``, ``"vi"``) is the language of a new collection, or the one a given
    ``content`` is put in (:func:`~cityplanner.report.content.in_language`, no new evaluation);
    None keeps ``content``'s, English for a new one.
    """
    if content is not None:
        return content if lang is None else in_language(content, lang)
    evaluation = scaled_progress(progress, 0.0, 0.5)
    return collect(project, scenarios, author=author, title=title, progress=evaluation, lang=lang or "en")


@contextmanager
def replaced_atomically(target: Path, what: str) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces ``target`` when the block succeeds.

    :func:`cityplanner.store.files_replaced_atomically` for one file: the temporary file keeps
    ``target``'s extension (GDAL picks its driver by it), is flushed to disk before the rename and
    is removed when anything fails, so a half-written file never takes the place of a good one.

    Raises
    ------
    ReportError
        One sentence naming ``what`` (``"map"``, ``"workbook"`` …), ``target``, its folder and the
        cause (a full disk, no permission …) when the file system, or GDAL or SQLite for a
        GeoPackage, refuses the write.
    """

    def error(cause: str) -> ReportError:
        return ReportError(f"The {what} {target} cannot be written: {cause}.")

    with files_replaced_atomically([target], error) as (tmp,):
        yield tmp


@contextmanager
def all_replaced_atomically(targets: list[Path], what: str, folder: Path) -> Iterator[list[Path]]:
    """Temporary paths for several files in ``folder`` that replace them only if all are written.

    ``folder`` is created when missing and removed again if writing fails.

    Raises
    ------
    ReportError
        One sentence naming ``what`` (``"CSV files"``), ``folder`` and the cause.
    """
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            # Creating the folder is refused by the nearest folder that exists.
            parent = next((p for p in folder.parents if p.exists()), folder) if created else folder
            cause = write_failure_cause(err, parent) or str(err)
            raise ReportError(f"The {what} cannot be written to {folder}: {cause}.") from None
        with files_replaced_atomically(
            targets, lambda cause: ReportError(f"The {what} cannot be written to {folder}: {cause}.")
        ) as temporaries:
            yield temporaries
    except BaseException:
        for made in created:  # deepest first
            try:
                made.rmdir()
            except OSError:
                break
        raise


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
    status_label: str = ""
    names: tuple[str, str] = ("", "")


def kpi_rows(scenario: ScenarioContent, lang: str = "en") -> list[KpiRow]:
    """The scenario's KPIs with figures as ``kpis`` prints them; no change column for the baseline.

    Figures and units in ``lang``'s format; ``status`` stays the status code (``"not met"``, for
    colours) and ``status_label`` is its word in ``lang``; ``names`` are the KPI's name in ``lang``
    then in the other language.
    """
    return [
        KpiRow(
            code=kpi.code,
            name=kpi.name,
            name_vi=kpi.name_vi,
            value=i18n.format_number(kpi.value, lang),
            unit=i18n.unit(kpi.unit, lang),
            target=i18n.format_number(kpi.target, lang),
            status=kpi.status,
            change="" if scenario.is_baseline else i18n.format_change(kpi.change, lang),
            status_label=i18n.status(kpi.status, lang),
            names=i18n.kpi_names(kpi, lang),
        )
        for kpi in scenario.kpis
    ]


def placement_rows(placements: pd.DataFrame, blank: str, lang: str = "en") -> pd.DataFrame:
    """A scenario's placements as the lists print them, ``blank`` standing for no name or gain.

    Columns ``number``, ``type`` (its label), ``name``, ``lon`` and ``lat`` (WGS84, 6 decimals,
    about 0.1 m), ``marginal_gain`` (whole units), ``source`` and ``id``; numbers in ``lang``'s
    format.
    """
    names = placements["name"].fillna("").astype(str)
    gains = placements["marginal_gain"].astype(float)

    def number(decimals: int):
        return lambda v: i18n.format_number(v, lang, decimals=decimals)

    return pd.DataFrame(
        {
            "number": placements["number"].astype(str),
            "type": placements["type_label"],
            "name": names.mask(names == "", blank),
            "lon": placements["lon"].map(number(6)),
            "lat": placements["lat"].map(number(6)),
            "marginal_gain": gains.map(number(0)).where(np.isfinite(gains), blank),
            "source": placements["source"],
            "id": placements["id"],
        },
        index=placements.index,
    )
