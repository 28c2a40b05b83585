"""Excel, CSV and GeoPackage exports: numbers equal ``kpis --json``, QGIS styles, district sums."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from cityplanner.cli import main as cli_main
from cityplanner.errors import ReportError
from cityplanner.kpi import Evaluator
from cityplanner.report.content import WHOLE_CITY, collect
from cityplanner.report.tables import write_csv, write_gpkg, write_xlsx
from cityplanner.store import load_project

PLAN = "Smart Hải Châu 2030"
NUMBERS = ("value", "target", "baseline_value", "change")


@pytest.fixture(scope="module")
def project_path(sample_dir: Path) -> Path:
    return sample_dir / "hai_chau.cityplan"


@pytest.fixture(scope="module")
def project(project_path: Path):
    return load_project(project_path)


@pytest.fixture(scope="module")
def content(project):
    return collect(project, [PLAN])


@pytest.fixture(scope="module")
def cli_json(project_path: Path) -> dict[str, list[dict]]:
    """What ``cityplanner kpis --json`` prints for the baseline and the plan."""
    import contextlib
    import io

    out = {}
    for scenario in ("Baseline", PLAN):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert cli_main(["kpis", str(project_path), "--scenario", scenario, "--json"]) == 0
        out[scenario] = json.loads(buffer.getvalue())
    return out


def _as_stored_in_xlsx(value: float | None) -> float | None:
    """openpyxl writes floats with 16 significant digits (Excel itself keeps 15)."""
    return None if value is None else float(f"{value:.16g}")


def test_xlsx_numbers_equal_kpis_json(project, content, cli_json, tmp_path: Path) -> None:
    path = write_xlsx(project, [PLAN], tmp_path / "plan.xlsx", content=content)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["KPIs", "Districts", "Placements"]
    rows = list(book["KPIs"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert len(records) == sum(len(v) for v in cli_json.values())
    for record in records:
        expected = next(r for r in cli_json[record["scenario"]] if r["id"] == record["id"])
        for key in NUMBERS:
            assert record[key] == _as_stored_in_xlsx(expected[key]), (record["id"], key)
        for key in ("code", "name", "name_vi", "unit", "status"):
            assert record[key] == expected[key]
    placements = list(book["Placements"].iter_rows(values_only=True))
    assert len(placements) - 1 == len(project.scenario(PLAN).placements)
    assert any(name.startswith("Zones 1 Smart Hải Châu") for name in book.sheetnames)


def test_csv_kpis_equal_kpis_json(project, content, cli_json, tmp_path: Path) -> None:
    files = write_csv(project, [PLAN], tmp_path / "tables", content=content)
    names = {f.name for f in files}
    assert {"kpis.csv", "districts.csv", "placements.csv", "zones_baseline.csv"} <= names
    assert "zones_smart_hai_chau_2030.csv" in names
    kpis = pd.read_csv(tmp_path / "tables" / "kpis.csv", encoding="utf-8-sig")
    plan = kpis[kpis["scenario"] == PLAN].set_index("id")
    for expected in cli_json[PLAN]:
        for key in NUMBERS:
            got = plan.at[expected["id"], key]
            assert (expected[key] is None and np.isnan(got)) or got == expected[key]
    assert "Mức độ thuận tiện của mạng lưới giao thông công cộng" in set(kpis["name_vi"])


def test_district_coverage_adds_up_to_the_city_value(content) -> None:
    plan = content.scenarios[1]
    table = content.district_coverage(plan)
    assert list(table.index) == ["Hải Châu", "Thanh Khê", WHOLE_CITY]
    districts = content.district_names()
    population = content.population
    weights = np.array([population[districts == d].sum() for d in table.index[:-1]])
    for kpi_id in table.columns:
        weighted = (table.loc[table.index[:-1], kpi_id].to_numpy() * weights).sum() / weights.sum()
        assert weighted == pytest.approx(table.at[WHOLE_CITY, kpi_id], rel=1e-9)


def test_gpkg_layers_styles_and_zone_values(project, content, tmp_path: Path) -> None:
    path = write_gpkg(project, [PLAN], tmp_path / "plan.gpkg", content=content)
    layers = dict(pyogrio.list_layers(path))
    assert {
        "placements",
        "zone_metrics_baseline",
        "zone_metrics_smart_hai_chau_2030",
        "priority_zones",
    } <= set(layers)
    with sqlite3.connect(path) as db:
        styles = db.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles"
        ).fetchall()
        geometry_columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    styled = {table for table, *_ in styles}
    assert styled == {
        "placements",
        "zone_metrics_baseline",
        "zone_metrics_smart_hai_chau_2030",
        "priority_zones",
    }
    for table, column, qml, default in styles:
        assert column == geometry_columns[table] and default == 1
        renderer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
        assert renderer is not None and renderer.get("type") in ("categorizedSymbol", "graduatedSymbol")
    placements_qml = next(q for t, _, q, _ in styles if t == "placements")
    assert project.facility_types["wifi"].color.lstrip("#") not in placements_qml  # colours are r,g,b,a
    assert "31,120,180,255" in placements_qml  # #1f78b4, the Wi-Fi hotspot colour

    zones = pyogrio.read_dataframe(path, layer="zone_metrics_smart_hai_chau_2030")
    expected = Evaluator(project).zone_metrics("ev_charger_1km", PLAN)["value"].to_numpy()
    np.testing.assert_array_equal(zones["ev_charger_1km"].to_numpy(), expected)
    placed = pyogrio.read_dataframe(path, layer="placements")
    assert set(placed["name"]) == {p.name for p in project.scenario(PLAN).placements}
    assert placed.crs.equals(project.crs)


def test_baseline_only_gpkg_has_a_typed_empty_point_layer(project, content, tmp_path: Path) -> None:
    # QGIS shows an empty point layer with proper fields, the same as when plans place facilities.
    baseline_only = dataclasses.replace(content, scenarios=content.scenarios[:1])
    empty = write_gpkg(project, ["Baseline"], tmp_path / "baseline.gpkg", content=baseline_only)
    placed = write_gpkg(project, [PLAN], tmp_path / "plan.gpkg", content=content)
    empty_info = pyogrio.read_info(empty, layer="placements")
    placed_info = pyogrio.read_info(placed, layer="placements")
    assert empty_info["features"] == 0 and placed_info["features"] > 0
    assert empty_info["geometry_type"] == placed_info["geometry_type"] == "Point"
    assert list(empty_info["fields"]) == list(placed_info["fields"])
    assert list(empty_info["dtypes"]) == list(placed_info["dtypes"])
    assert dict(zip(empty_info["fields"], empty_info["dtypes"], strict=True))["number"] == "int64"
    assert pyogrio.read_dataframe(empty, layer="placements").crs.equals(project.crs)


@pytest.mark.parametrize("column", ["Dist_Name", "District", "district_name"])
def test_district_field_recognises_usual_names(column: str) -> None:
    import geopandas as gpd
    import shapely
    from pyproj import CRS

    from cityplanner.kpi import district_field
    from cityplanner.project import Layer, Project

    project = Project(crs=CRS.from_epsg(32648), name="t")
    zones = gpd.GeoDataFrame(
        {"Com_Name": ["a"], column: ["District 4"], "pop": [1.0]}, geometry=[shapely.box(0, 0, 1, 1)],
        crs="EPSG:32648",
    )  # fmt: skip
    project.add_layer(Layer("zones", zones, role="zones"))
    project.zones_layer, project.population_field = "zones", "pop"
    assert district_field(project) == column


def test_exports_into_a_missing_folder_are_report_errors(project, content, tmp_path: Path) -> None:
    missing = tmp_path / "no such folder"
    for write, name in ((write_xlsx, "plan.xlsx"), (write_gpkg, "plan.gpkg")):
        with pytest.raises(ReportError, match=f"{name} cannot be written"):
            write(project, [PLAN], missing / name, content=content)
    assert not missing.exists()
