"""The outputs of a batch: one table of units x KPIs as CSV, GeoPackage and Excel, and figures.

``kpis.csv``
    One row per unit and KPI: ``unit, kpi, code, name, value, unit_of_measure, target, status,
    population, rank, direction, mode, note`` (``kpi`` is the catalogue id; ``rank`` 1 is the best
    unit for that KPI; values unrounded, empty when n/a). UTF-8 with a byte-order mark, CRLF;
    every text cell that starts like a formula is quoted (:func:`cityplanner.report.tables.spreadsheet_text`).
``units.csv``
    One row per unit: ``unit, state`` (``ok`` or ``failed``), ``error`` (one sentence), ``population``,
    ``cells``, ``demand_method``, ``distance_mode``, ``crs``, ``absent_layers``, ``cached``, ``seconds``,
    ``worker``, ``met``, ``near``, ``not_met``, ``n_a``.
``kpis.gpkg``
    Layer ``kpis``: the rows of ``kpis.csv`` on the unit polygons (WGS84), with a QGIS style by
    ``status``; layer ``units``: one polygon per unit with ``state``, ``error``, and each KPI's
    value and status (``<kpi>`` and ``<kpi>_status``).
``kpis.xlsx``
    Sheets ``KPIs`` and ``Units``, the same tables.
``charts/rank_<kpi>.png``, ``maps/map_<kpi>.png``, ``map.html``, ``summary.pdf``
    A ranking chart and a choropleth map per KPI, an offline HTML map with one layer per KPI, and
    a PDF summary of the network of cities (see :mod:`cityplanner.batch.figures`).
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import ReportError
from ..report._common import all_replaced_atomically, replaced_atomically
from ..report.figures import STATUS_COLOURS
from ..report.tables import _categorized_qml, _format_sheet, _write_layer_styles, spreadsheet_frame
from .run import BatchResult

KPI_TABLE_COLUMNS = (
    "unit", "kpi", "code", "name", "value", "unit_of_measure", "target", "status", "population", "rank",
    "direction", "mode", "note",
)  # fmt: skip
UNIT_TABLE_COLUMNS = (
    "unit", "state", "error", "population", "cells", "demand_method", "distance_mode", "crs", "absent_layers",
    "cached", "seconds", "worker", "met", "near", "not_met", "n_a",
)  # fmt: skip


def kpi_table(result: BatchResult) -> pd.DataFrame:
    """One row per evaluated unit and KPI, in spec and catalogue order, with each unit's rank."""
    rows = []
    for outcome in result.units:
        if not outcome.ok:
            continue
        population = outcome.record.get("population")
        for row in outcome.record["rows"]:
            rows.append({**row, "unit": outcome.name, "population": population})
    frame = pd.DataFrame(rows, columns=[c for c in KPI_TABLE_COLUMNS if c != "rank"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce").astype("float64")
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype("float64")
    frame["rank"] = _ranks(frame)
    return frame[list(KPI_TABLE_COLUMNS)]


def _ranks(frame: pd.DataFrame) -> pd.Series:
    """1 for the best unit of each KPI (by its direction), ties sharing the better rank."""
    rank = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for _, rows in frame.groupby("kpi", sort=False):
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
    files = _write_csv(out, {"kpis.csv": kpis, "units.csv": units})
    files.append(_write_gpkg(out / "kpis.gpkg", result, kpis, units))
    files.append(_write_xlsx(out / "kpis.xlsx", {"KPIs": kpis, "Units": units}))
    if figures:
        from .figures import write_figures

        files += write_figures(result, kpis, units, out)
    return files


def _write_csv(out: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    targets = [out / name for name in tables]
    with all_replaced_atomically(targets, "batch tables", out) as temporaries:
        for tmp, frame in zip(temporaries, tables.values(), strict=True):
            text = spreadsheet_frame(frame).to_csv(index=False, lineterminator="\r\n")
            tmp.write_bytes(text.encode("utf-8-sig"))
    return targets


def wide_units(result: BatchResult, kpis: pd.DataFrame, units: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per unit with its state, error and each KPI's value and status as columns."""
    frame = units[["unit", "state", "error", "population", "distance_mode", "demand_method"]].copy()
    for kpi_id, rows in kpis.groupby("kpi", sort=False):
        by_unit = rows.set_index("unit")
        frame[kpi_id] = frame["unit"].map(by_unit["value"]).astype("float64")
        frame[f"{kpi_id}_status"] = frame["unit"].map(by_unit["status"]).fillna("")
    return gpd.GeoDataFrame(frame, geometry=unit_outlines(result).to_numpy(), crs=4326)


def _write_gpkg(path: Path, result: BatchResult, kpis: pd.DataFrame, units: pd.DataFrame) -> Path:
    outlines = unit_outlines(result)
    long = gpd.GeoDataFrame(kpis, geometry=outlines.loc[kpis["unit"]].to_numpy(), crs=4326)
    long["rank"] = long["rank"].astype("float64")  # GDAL has no nullable integer
    wide = wide_units(result, kpis, units)
    statuses = [(s, s, STATUS_COLOURS[s]) for s in STATUS_COLOURS]
    styles = {
        "kpis": _categorized_qml("status", statuses, "fill"),
        "units": _categorized_qml(
            "state", [("ok", "ok", "#1f78b4"), ("failed", "failed", "#d73027")], "fill"
        ),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path, "GeoPackage") as tmp:
        long.to_file(tmp, layer="kpis", driver="GPKG", engine="pyogrio", promote_to_multi=True)
        wide.to_file(tmp, layer="units", driver="GPKG", engine="pyogrio", promote_to_multi=True)
        _write_layer_styles(tmp, styles)
    return path


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    buffer = io.BytesIO()
    try:
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = spreadsheet_frame(frame)
                safe.to_excel(writer, sheet_name=name, index=False)
                _format_sheet(writer.sheets[name], safe)
    except (OSError, ValueError) as err:
        raise ReportError(f"The workbook {path} cannot be written ({err}).") from None
    with replaced_atomically(path, "workbook") as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path


def numeric_values(kpis: pd.DataFrame, kpi_id: str) -> pd.Series:
    """The KPI's value per unit (NaN for n/a), indexed by unit."""
    rows = kpis[kpis["kpi"] == kpi_id]
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["unit"].to_numpy())


__all__ = ["KPI_TABLE_COLUMNS", "UNIT_TABLE_COLUMNS", "kpi_table", "unit_table", "write_outputs"]
