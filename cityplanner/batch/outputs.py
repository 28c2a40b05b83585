"""The outputs of a batch: one table of units x KPIs as CSV, GeoPackage and Excel, and figures.

``kpis.csv``
    One row per unit, scenario and KPI: ``unit, kpi, code, name, value, unit_of_measure, target,
    status, population, scenario, rank, direction, mode, note`` (``kpi`` is the catalogue id;
    ``scenario`` the baseline's name, or the proposal's when the spec asks for one; ``rank`` 1 is
    the best unit for that KPI in that scenario; values unrounded, empty when n/a). UTF-8 with a
    byte-order mark, CRLF; every text cell that starts like a formula is quoted
    (:func:`cityplanner.report.tables.spreadsheet_text`).
``units.csv``
    One row per unit: ``unit, state`` (``ok`` or ``failed``), ``error`` (one sentence), ``population``,
    ``cells``, ``demand_method``, ``distance_mode``, ``crs``, ``absent_layers``, ``cached``, ``seconds``,
    ``worker``, ``met``, ``near``, ``not_met``, ``n_a`` (of the baseline); with a proposal also
    ``proposal`` (its scenario), ``proposal_type``, ``proposal_sites``, ``proposal_cost``,
    ``currency``, ``proposal_covered`` (people within the type's radius), ``proposal_optimal`` and
    ``proposal_error`` (one sentence when the proposal could not be made).
``kpis.gpkg``
    Layer ``kpis``: the rows of ``kpis.csv`` on the unit polygons (WGS84), with a QGIS style by
    ``status``; layer ``units``: one polygon per unit with ``state``, ``error``, and each KPI's
    baseline value and status (``<kpi>`` and ``<kpi>_status``).
``kpis.xlsx``
    Sheets ``KPIs`` and ``Units``, the same tables.
``charts/rank_<kpi>.png``, ``maps/map_<kpi>.png``, ``map.html``, ``summary.pdf``
    A ranking chart and a choropleth map per KPI (of the baseline), an offline HTML map with one
    layer per KPI, and a PDF summary of the network of cities (see :mod:`cityplanner.batch.figures`).

The CSV, workbook and GeoPackage are written by the plan report's writers
(:func:`~cityplanner.report.tables.write_csv_files`, :func:`~cityplanner.report.tables.write_workbook`,
:func:`~cityplanner.report.tables.write_styled_gpkg`), so both are made safe and styled alike.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..kpi_status import status_style
from ..project import BASELINE
from ..report.tables import (
    categorized_qml,
    write_csv_files,
    write_styled_gpkg,
    write_workbook,
)
from .run import BatchResult

KPI_TABLE_COLUMNS = (
    "unit", "kpi", "code", "name", "value", "unit_of_measure", "target", "status", "population",
    "scenario", "rank", "direction", "mode", "note",
)  # fmt: skip
UNIT_TABLE_COLUMNS = (
    "unit", "state", "error", "population", "cells", "demand_method", "distance_mode", "crs", "absent_layers",
    "cached", "seconds", "worker", "met", "near", "not_met", "n_a",
)  # fmt: skip
PROPOSAL_COLUMNS = (
    "proposal", "proposal_type", "proposal_sites", "proposal_cost", "currency", "proposal_covered",
    "proposal_optimal", "proposal_error",
)  # fmt: skip


def kpi_table(result: BatchResult) -> pd.DataFrame:
    """One row per evaluated unit, scenario and KPI, in spec and catalogue order, with each unit's
    rank (the baseline's rows of a unit, then its proposal's)."""
    rows = []
    for outcome in result.units:
        if not outcome.ok:
            continue
        record = outcome.record
        population = record.get("population")
        proposal = record.get("proposal") or {}
        for scenario, scenario_rows in (
            (record.get("scenario", BASELINE), record["rows"]),
            (proposal.get("scenario"), proposal.get("rows") or []),
        ):
            for row in scenario_rows:
                rows.append({**row, "unit": outcome.name, "population": population, "scenario": scenario})
    frame = pd.DataFrame(rows, columns=[c for c in KPI_TABLE_COLUMNS if c != "rank"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce").astype("float64")
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype("float64")
    frame["rank"] = _ranks(frame)
    return frame[list(KPI_TABLE_COLUMNS)]


def baseline_rows(kpis: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`kpi_table` of each unit's baseline (what the charts and maps show)."""
    first = kpis.groupby("unit", sort=False)["scenario"].transform("first")
    return kpis[kpis["scenario"] == first]


def _ranks(frame: pd.DataFrame) -> pd.Series:
    """1 for the best unit of each scenario and KPI (by its direction), ties sharing the better rank."""
    rank = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for _, rows in frame.groupby(["scenario", "kpi"], sort=False):
        lower = (rows["direction"] == "lower").all()
        ranked = rows["value"].rank(method="min", ascending=bool(lower))
        rank.loc[rows.index] = ranked.astype("Int64")
    return rank


def unit_table(result: BatchResult) -> pd.DataFrame:
    """One row per unit: whether it ran, its error, population and how its figures were made."""
    rows = []
    for outcome in result.units:
        record = outcome.record
        statuses = [r["status"] for r in record.get("rows", [])]
        rows.append(
            {
                "unit": outcome.name,
                "state": "ok" if outcome.ok else "failed",
                "error": outcome.error or "",
                "population": record.get("population"),
                "cells": record.get("cells"),
                "demand_method": record.get("demand_method", ""),
                "distance_mode": record.get("distance_mode", ""),
                "crs": record.get("crs", ""),
                "absent_layers": ", ".join(outcome.absent),
                "cached": outcome.cached,
                "seconds": record.get("seconds"),
                "worker": record.get("worker", ""),
                "met": statuses.count("met") if outcome.ok else None,
                "near": statuses.count("near") if outcome.ok else None,
                "not_met": statuses.count("not met") if outcome.ok else None,
                "n_a": statuses.count("n/a") if outcome.ok else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(UNIT_TABLE_COLUMNS))
    for column in ("population", "seconds"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("cells", "met", "near", "not_met", "n_a"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    if result.spec.proposal is not None:
        proposals = [o.record.get("proposal") or {} for o in result.units]
        frame["proposal"] = [p.get("scenario", "") for p in proposals]
        frame["proposal_type"] = [p.get("type", "") for p in proposals]
        frame["proposal_sites"] = pd.array([p.get("sites") for p in proposals], dtype="Int64")
        for column, key in (("proposal_cost", "cost"), ("proposal_covered", "covered")):
            frame[column] = pd.to_numeric(pd.Series([p.get(key) for p in proposals]), errors="coerce")
        frame["currency"] = [p.get("currency", "") for p in proposals]
        frame["proposal_optimal"] = pd.array([p.get("optimal") for p in proposals], dtype="boolean")
        frame["proposal_error"] = [p.get("error") or "" for p in proposals]
        frame = frame[[*UNIT_TABLE_COLUMNS, *PROPOSAL_COLUMNS]]
    return frame


def unit_outlines(result: BatchResult) -> gpd.GeoSeries:
    """Each unit's polygon in WGS84 (empty when unknown: a project that could not be read)."""
    import shapely

    geoms = [o.geometry if o.geometry is not None else shapely.Polygon() for o in result.units]
    return gpd.GeoSeries(geoms, index=[o.name for o in result.units], crs=4326)


def write_outputs(result: BatchResult, out: Path, figures: bool = True) -> list[Path]:
    """Write every output of the batch into ``out``; the files written, in order."""
    kpis = kpi_table(result)
    units = unit_table(result)
    files = write_csv_files(out, {"kpis.csv": kpis, "units.csv": units}, "batch tables")
    files.append(_write_gpkg(out / "kpis.gpkg", result, kpis, units))
    files.append(write_workbook(out / "kpis.xlsx", {"KPIs": kpis, "Units": units}))
    if figures:
        from .figures import write_figures

        files += write_figures(result, baseline_rows(kpis), units, out)
    return files


def wide_units(result: BatchResult, kpis: pd.DataFrame, units: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per unit with its state, error and each KPI's baseline value and status as columns."""
    frame = units[["unit", "state", "error", "population", "distance_mode", "demand_method"]].copy()
    for kpi_id, rows in baseline_rows(kpis).groupby("kpi", sort=False):
        by_unit = rows.set_index("unit")
        frame[kpi_id] = frame["unit"].map(by_unit["value"]).astype("float64")
        frame[f"{kpi_id}_status"] = frame["unit"].map(by_unit["status"]).fillna("")
    return gpd.GeoDataFrame(frame, geometry=unit_outlines(result).to_numpy(), crs=4326)


def _write_gpkg(path: Path, result: BatchResult, kpis: pd.DataFrame, units: pd.DataFrame) -> Path:
    outlines = unit_outlines(result)
    long = gpd.GeoDataFrame(kpis, geometry=outlines.loc[kpis["unit"]].to_numpy(), crs=4326)
    long["rank"] = long["rank"].astype("float64")  # GDAL has no nullable integer
    styles = {
        "kpis": categorized_qml(*status_style(long.columns), "fill"),
        "units": categorized_qml("state", [("ok", "ok", "#1f78b4"), ("failed", "failed", "#d73027")], "fill"),
    }
    layers = {"kpis": long, "units": wide_units(result, kpis, units)}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_styled_gpkg(path, layers, styles, promote_to_multi=True)


def numeric_values(kpis: pd.DataFrame, kpi_id: str) -> pd.Series:
    """The KPI's value per unit (NaN for n/a), indexed by unit."""
    rows = kpis[kpis["kpi"] == kpi_id]
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["unit"].to_numpy())


__all__ = [
    "KPI_TABLE_COLUMNS", "PROPOSAL_COLUMNS", "UNIT_TABLE_COLUMNS", "baseline_rows", "kpi_table",
    "status_style", "unit_table", "write_outputs",
]  # fmt: skip
