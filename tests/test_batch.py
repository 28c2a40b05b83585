"""``cityplanner batch``: many units evaluated on dask.distributed equal their projects made by hand.

The fixture country is generated in ``tmp_path``: units (squares near Ho Chi Minh City) with wards
nested in them, bus stops, clinics with a capacity field, schools, parks and a street grid that
covers only some units. One ``LocalCluster`` of two single-threaded worker processes serves every
test of the module.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import shutil
import socket
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml

from cityplanner.assemble import add_layer_from_file, create_project
from cityplanner.batch import BatchError, load_spec, plan_units, run_batch
from cityplanner.cli import main
from cityplanner.io import read_layer
from cityplanner.kpi import Evaluator
from cityplanner.kpi_status import status_style
from cityplanner.store import load_project
from cityplanner.surface import set_project_surface

LON0, LAT0 = 106.60, 10.70
KM = 1 / 109.0  # degrees of longitude per km at this latitude (about)
UNIT_KM = 1.3
CELL_M = 50.0
# Units: (name, x of the west side in km, wards' population); the third lies far from the streets.
UNITS = [("Quận Một", 0.0, 4000), ("Quận Hai", UNIT_KM, 2500), ('=HYPERLINK("x")', 6.0, 1800)]
LAYERS = {
    "bus_stops": "bus_stops",
    "health": "health",
    "schools": "schools",
    "parks": "parks",
    "roads": "roads",
}


def _square(x_km: float, y_km: float, size_km: float) -> shapely.Polygon:
    return shapely.box(
        LON0 + x_km * KM, LAT0 + y_km * KM, LON0 + (x_km + size_km) * KM, LAT0 + (y_km + size_km) * KM
    )


def _write_country(folder: Path, units=UNITS, broken: bool = False) -> Path:
    """The national layers of the fixture country as one GeoPackage; returns its path."""
    rng = np.random.default_rng(14)
    gpkg = folder / "country.gpkg"
    outlines, wards = [], []
    for i, (name, x0, people) in enumerate(units):
        outlines.append({"name": name, "code": i + 1, "geometry": _square(x0, 0.0, UNIT_KM)})
        half = UNIT_KM / 2
        for j, (dx, dy) in enumerate([(0, 0), (half, 0), (0, half), (half, half)]):
            wards.append(
                {
                    "ward": f"Phường {i + 1}.{j + 1}",
                    "unit_code": i + 1,
                    "pop": 0 if broken and i == len(units) - 1 else people + 150 * j,
                    "geometry": _square(x0 + dx, dy, half),
                }
            )
    if broken:  # a unit where no ward lies
        outlines.append({"name": "Đảo trống", "code": 99, "geometry": _square(20.0, 20.0, 1.0)})
    gpd.GeoDataFrame(outlines, crs=4326).to_file(gpkg, layer="units", engine="pyogrio")
    gpd.GeoDataFrame(wards, crs=4326).to_file(gpkg, layer="wards", engine="pyogrio")

    def points(n: int, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """``n`` random points over the span, and two inside each unit (so every unit is served)."""
        inside = [(x + f * UNIT_KM, g * UNIT_KM) for _, x, _ in units for f, g in ((0.3, 0.35), (0.7, 0.6))]
        x = np.r_[rng.uniform(x0, x1, n), [p[0] for p in inside]]
        y = np.r_[rng.uniform(y0, y1, n), [p[1] for p in inside]]
        return shapely.points(LON0 + x * KM, LAT0 + y * KM)

    span = (-2.5, 9.5, -2.0, 3.5)  # km: beyond every unit's 1 km reach, so the cut has work to do
    stops = points(60, *span)
    gpd.GeoDataFrame({"name": [f"Trạm {i}" for i in range(len(stops))]}, geometry=stops, crs=4326).to_file(
        gpkg, layer="bus_stops", engine="pyogrio"
    )
    clinics = points(14, *span)
    gpd.GeoDataFrame(
        {
            "name": [f"Trạm y tế {i}" for i in range(len(clinics))],
            "capacity": rng.integers(5, 60, len(clinics)).astype(float),
        },
        geometry=clinics,
        crs=4326,
    ).to_file(gpkg, layer="health", engine="pyogrio")
    schools = points(12, *span)
    gpd.GeoDataFrame(
        {"name": [f"Trường {i}" for i in range(len(schools))]}, geometry=schools, crs=4326
    ).to_file(gpkg, layer="schools", engine="pyogrio")
    centres = points(10, *span)
    parks = shapely.buffer(centres, 0.08 * KM)
    gpd.GeoDataFrame(
        {"name": [f"Công viên {i}" for i in range(len(parks))]}, geometry=parks, crs=4326
    ).to_file(gpkg, layer="parks", engine="pyogrio")
    # A street grid every 150 m over the first two units and 2.5 km around them (not the third).
    lines = []
    ticks = np.arange(-2.5, 2 * UNIT_KM + 1.2, 0.15)
    for t in ticks:
        lines.append(shapely.LineString([(LON0 + t * KM, LAT0 - 2.0 * KM), (LON0 + t * KM, LAT0 + 3.3 * KM)]))
    for t in np.arange(-2.0, 3.3, 0.15):
        lines.append(
            shapely.LineString([(LON0 - 2.5 * KM, LAT0 + t * KM), (LON0 + ticks[-1] * KM, LAT0 + t * KM)])
        )
    highway = ["primary" if i % 5 == 0 else "residential" for i in range(len(lines))]
    gpd.GeoDataFrame({"highway": highway}, geometry=lines, crs=4326).to_file(
        gpkg, layer="roads", engine="pyogrio"
    )
    return gpkg


def _write_spec(folder: Path, gpkg: Path, **extra) -> Path:
    spec = {
        "name": "Mạng lưới thử",
        "units": {"file": gpkg.name, "layer": "units", "name_field": "name"},
        "population": {"zones": {"file": gpkg.name, "layer": "wards", "field": "pop"}},
        "layers": {name: f"{gpkg.name}:{layer}" for name, layer in LAYERS.items()},
        "settings": {"cell_size_m": CELL_M},
        **extra,
    }
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 single-threaded worker processes (dashboard on loopback), for the whole module."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    dask_client = Client(cluster)
    yield dask_client
    dask_client.close()
    cluster.close()


@pytest.fixture(scope="module")
def country(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("country")
    gpkg = _write_country(folder)
    return gpkg, _write_spec(folder, gpkg)


# -- the reference: each unit's project made by hand ------------------------------------------------
UTM = "EPSG:32648"  # every fixture unit lies in UTM zone 48N


def _hand_made(gpkg: Path, unit_index: int, folder: Path, cut: bool = True):
    """The unit's project as a planner makes it: its wards, and the national layers near it."""
    units = gpd.read_file(gpkg, layer="units")
    wards = gpd.read_file(gpkg, layer="wards")
    unit = units.iloc[[unit_index]]
    mine = wards[wards["unit_code"] == unit["code"].iloc[0]]
    folder.mkdir(parents=True, exist_ok=True)
    files = folder / "unit.gpkg"
    mine.to_file(files, layer="wards", engine="pyogrio")
    outline = unit.to_crs(UTM).geometry.iloc[0]
    layers = {}
    for name, layer in LAYERS.items():
        gdf = gpd.read_file(gpkg, layer=layer)
        if cut:
            reach = 1000.0 + (250.0 if name == "roads" else 0.0)  # the longest KPI threshold (+ max snap)
            gdf = gdf[gdf.to_crs(UTM).distance(outline).to_numpy() <= reach]
        if len(gdf):
            gdf.to_file(files, layer=name, engine="pyogrio")
            layers[name] = f"{files}:{name}"
    project = create_project(f"{files}:wards", "pop", layers=layers, name=unit["name"].iloc[0])
    project.settings["cell_size_m"] = CELL_M
    set_project_surface(project)
    return project


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)


def _value(text: str) -> float | None:
    return None if text == "" else float(text)


# -- tests ------------------------------------------------------------------------------------------
def test_batch_on_a_local_cluster_gives_each_units_figures_made_by_hand(country, client, tmp_path):
    gpkg, spec_path = country
    out = tmp_path / "out"
    result = run_batch(load_spec(spec_path), out, client=client)
    assert [u.name for u in result.units] == [name for name, _, _ in UNITS]
    assert not result.failed and result.computed == 3 and result.cached == 0
    # The units ran in the cluster's worker processes, not in this one.
    here = f"{socket.gethostname()}:{os.getpid()}"
    assert all(u.record["worker"] != here for u in result.units)
    table = _read_csv(out / "kpis.csv")
    assert list(table.columns[:8]) == [
        "unit",
        "kpi",
        "code",
        "name",
        "value",
        "unit_of_measure",
        "target",
        "status",
    ]
    assert {"population", "rank"} <= set(table.columns)
    modes = {}
    for i, (name, _, _) in enumerate(UNITS):
        project = _hand_made(gpkg, i, tmp_path / f"hand{i}")
        evaluator = Evaluator(project)
        expected = evaluator.evaluate()
        shown = "'" + name if name.startswith("=") else name  # the CSV neutralises formula-like text
        rows = table[table["unit"] == shown].set_index("kpi")
        outcome = result.units[i]
        assert outcome.record["population"] == evaluator.surface.population_total
        for k in expected:
            row = rows.loc[k.id]
            assert _value(row["value"]) == k.value, (name, k.id)  # exactly, as written in the CSV
            assert next(r for r in outcome.record["rows"] if r["kpi"] == k.id)["value"] == k.value
            assert row["status"] == k.status and float(row["target"]) == k.target
            assert row["unit_of_measure"] == k.unit and row["code"] == k.code
            assert float(row["population"]) == evaluator.surface.population_total
        modes[name] = outcome.record["distance_mode"]
        assert modes[name] == project.distance_mode
    # The third unit lies away from the streets: measured in straight lines, yet complete.
    assert list(modes.values()) == ["network", "network", "euclidean"]
    # Cutting to 1 km (streets 1.25 km) changes no figure: the unit made from the whole layers.
    whole = Evaluator(_hand_made(gpkg, 0, tmp_path / "whole", cut=False)).evaluate()
    for k, row in zip(whole, result.units[0].record["rows"], strict=True):
        assert row["kpi"] == k.id
        if k.value is None:
            assert row["value"] is None
        else:
            assert row["value"] == pytest.approx(k.value, rel=1e-9, abs=1e-9), k.id

    # Outputs: tables, GeoPackage the app opens, workbook, a chart and a map per KPI, HTML, PDF.
    kpi_ids = list(dict.fromkeys(table["kpi"]))
    for name in ("kpis.csv", "units.csv", "kpis.gpkg", "kpis.xlsx", "map.html", "summary.pdf"):
        assert (out / name).stat().st_size > 0, name
    assert len(list((out / "charts").glob("rank_*.png"))) == len(kpi_ids)
    assert len(list((out / "maps").glob("map_*.png"))) == len(kpi_ids)
    assert (out / "summary.pdf").read_bytes().startswith(b"%PDF")
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "cp-map-data" in page and "HYPERLINK" in page
    assert '=HYPERLINK("x")' not in page.split('id="cp-map-data"')[0]  # only as escaped JSON text
    layers = pyogrio.list_layers(out / "kpis.gpkg")[:, 0].tolist()
    assert layers[:2] == ["kpis", "units"]
    long = gpd.read_file(out / "kpis.gpkg", layer="kpis")
    assert len(long) == len(table) and set(long["status"]) <= {"met", "near", "not met", "n/a"}
    # The app opens a GeoPackage layer with add_layer_from_file, into any project; each layer says
    # which field colours it by KPI status, in the QGIS style stored with it.
    added = add_layer_from_file(project, f"{out / 'kpis.gpkg'}:kpis", name="kpis")
    assert added.feature_count == len(table)
    field, categories = status_style(added.gdf.columns)
    assert field == "status" and set(added.gdf[field]) <= {value for value, _, _ in categories}
    assert [c[0] for c in categories] == ["met", "near", "not met", "n/a"]
    wide = add_layer_from_file(project, f"{out / 'kpis.gpkg'}:units", name="batch_units")
    assert wide.feature_count == len(UNITS) and wide.role is None
    field, _ = status_style(wide.gdf.columns)
    assert field == f"{kpi_ids[0]}_status" and set(wide.gdf[field]) <= {"met", "near", "not met", "n/a"}
    with sqlite3.connect(out / "kpis.gpkg") as db:
        qml = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assert 'attr="status"' in qml["kpis"] and 'value="not met"' in qml["kpis"]
    sheets = pd.read_excel(out / "kpis.xlsx", sheet_name=None)
    assert list(sheets) == ["KPIs", "Units"] and len(sheets["KPIs"]) == len(table)
    assert sheets["KPIs"]["unit"].iloc[-1].startswith("'=")


def test_one_broken_unit_is_reported_and_the_others_complete(client, tmp_path, capsys):
    units = [*UNITS[:2], ("Quận Ba", 2 * UNIT_KM, 900)]  # the last one's wards hold nobody
    gpkg = _write_country(tmp_path, units=units, broken=True)
    spec_path = _write_spec(tmp_path, gpkg)
    out = tmp_path / "out"
    code = main(["batch", str(spec_path), "--out", str(out), "--scheduler", client.scheduler.address])
    printed = capsys.readouterr()
    assert code == 1
    assert "2 of 4 units evaluated" in printed.out
    states = _read_csv(out / "units.csv").set_index("unit")
    assert list(states["state"]) == ["ok", "ok", "failed", "failed"]
    nobody, nowhere = states.loc["Quận Ba", "error"], states.loc["Đảo trống", "error"]
    assert "holds nobody" in nobody and "Quận Ba" in nobody
    assert nowhere == f"No population zone of '{gpkg}' (layer 'wards') lies inside unit 'Đảo trống'."
    for error in (nobody, nowhere):
        assert error.endswith(".") and "\n" not in error and "cityplanner-unit-" not in error
        assert error in printed.out
    assert "failed: Quận Ba: " in printed.out and "failed: Đảo trống: " in printed.out
    table = _read_csv(out / "kpis.csv")
    assert set(table["unit"]) == {"Quận Một", "Quận Hai"}
    assert "Dask cluster at" in printed.err and "4/4 units" in printed.err
    # The existing cluster's dashboard, as its scheduler reports it.
    assert f"Dask dashboard: {client.dashboard_link}" in printed.err


def test_a_rerun_recomputes_nothing_and_a_change_only_what_changed(country, client, tmp_path):
    gpkg, spec_path = country
    folder = tmp_path / "country"
    folder.mkdir()
    shutil.copy(gpkg, folder / gpkg.name)
    spec_path = _write_spec(folder, folder / gpkg.name)
    out = tmp_path / "out"
    first = run_batch(load_spec(spec_path), out, client=client, figures=False)
    assert first.computed == 3
    before = (out / "kpis.csv").read_bytes()
    # Nothing to compute: no cluster is even reached (this address has no scheduler).
    again = run_batch(load_spec(spec_path), out, scheduler="tcp://127.0.0.1:9", figures=False)
    assert (again.computed, again.cached) == (0, 3)
    assert [u.record["rows"] for u in again.units] == [u.record["rows"] for u in first.units]
    assert (out / "kpis.csv").read_bytes() == before
    # A ward of the third unit gains people: only that unit is computed again.
    wards = gpd.read_file(folder / gpkg.name, layer="wards")
    wards.loc[wards["unit_code"] == 3, "pop"] += 500
    wards.to_file(folder / gpkg.name, layer="wards", engine="pyogrio")
    changed = run_batch(load_spec(spec_path), out, client=client, figures=False)
    assert (changed.computed, changed.cached) == (1, 2)
    assert (
        not changed.units[2].cached
        and changed.units[2].record["population"] > first.units[2].record["population"]
    )
    # A setting every unit shares recomputes them all.
    spec_path = _write_spec(folder, folder / gpkg.name, settings={"cell_size_m": 60.0})
    assert run_batch(load_spec(spec_path), out, client=client, figures=False).computed == 3


def test_zones_crossed_by_a_unit_border_share_their_census_by_area(tmp_path):
    gpkg = tmp_path / "c.gpkg"
    units = gpd.GeoDataFrame(
        {"name": ["west", "east"]}, geometry=[_square(0, 0, 1.0), _square(1.0, 0, 1.0)], crs=4326
    )
    wards = gpd.GeoDataFrame(
        {"pop": [1000.0, 600.0]}, geometry=[_square(0.7, 0.0, 1.0), _square(0.0, 0.0, 0.5)], crs=4326
    )
    units.to_file(gpkg, layer="units", engine="pyogrio")
    wards.to_file(gpkg, layer="wards", engine="pyogrio")
    spec = {
        "units": {"file": str(gpkg), "layer": "units", "name_field": "name"},
        "population": {"zones": {"file": str(gpkg), "layer": "wards", "field": "pop"}},
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    plan = plan_units(load_spec(tmp_path / "s.yaml"))
    west, east = (u.task.zones for u in plan.units)
    assert west["pop"].tolist()[1] == 600.0  # wholly inside: kept as it is
    assert west.geometry.iloc[1].equals_exact(wards.geometry.iloc[1], 0.0)
    assert west["pop"].iloc[0] + east["pop"].iloc[0] == pytest.approx(1000.0, rel=1e-12)
    assert west["pop"].iloc[0] == pytest.approx(300.0, rel=1e-3)  # 0.3 of its area lies in the west
    assert plan.units[0].task.key != plan.units[1].task.key


def test_projects_form_evaluates_each_project_as_it_is(tmp_path, sample_dir):
    sample = sample_dir / "hai_chau.cityplan"
    spec = tmp_path / "projects.yaml"
    spec.write_text(yaml.safe_dump({"projects": [str(sample)]}), encoding="utf-8")
    result = run_batch(load_spec(spec), tmp_path / "out", serial=True, figures=False)
    expected = Evaluator(load_project(sample)).evaluate()
    (unit,) = result.units
    assert unit.ok and unit.name == "hai_chau" and unit.geometry is not None
    assert [r["value"] for r in unit.record["rows"]] == [k.value for k in expected]
    rows = list(csv.DictReader((tmp_path / "out" / "kpis.csv").open(encoding="utf-8-sig")))
    assert len(rows) == len(expected) and rows[0]["unit"] == "hai_chau"


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"units": {"file": "x.gpkg"}, "projects": ["a.cityplan"]}, "exactly one of"),
        ({"unit": {}}, "unknown key(s) unit"),
        ({"projects": ["missing.cityplan"]}, "does not exist"),
    ],
)
def test_a_bad_spec_is_refused_in_one_sentence(tmp_path, capsys, spec, words):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(BatchError, match="batch spec") as caught:
        load_spec(path)
    assert words in str(caught.value) and str(caught.value).endswith(".")
    assert main(["batch", str(path), "--out", str(tmp_path / "o")]) == 2
    assert words in capsys.readouterr().err


@pytest.mark.shared_data
def test_hcmc_24_districts_end_to_end(hcmc_gpkg, client, tmp_path):
    spec = {
        "name": "Ho Chi Minh City, 24 districts",
        "units": {"file": str(hcmc_gpkg), "layer": "citywide_districts_pop", "name_field": "Dist_Name"},
        "population": {"zones": {"file": str(hcmc_gpkg), "layer": "citywide_wards_pop", "field": "Pop_2019"}},
        "layers": {
            "bus_stops": f"{hcmc_gpkg}:bus_stops",
            "health": f"{hcmc_gpkg}:poi_medical",
            "schools": f"{hcmc_gpkg}:poi_education",
            "parks": f"{hcmc_gpkg}:poi_parks",
            "roads": f"{hcmc_gpkg}:roads_detail",
        },
    }
    path = tmp_path / "hcmc.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = run_batch(load_spec(path), tmp_path / "out", client=client)
    assert len(result.units) == 24 and not result.failed
    population = sum(u.record["population"] for u in result.units)
    assert population == pytest.approx(8_993_082, rel=1e-9)  # every ward's people, each in one district
    table = _read_csv(tmp_path / "out" / "kpis.csv")
    assert len(table) == 24 * table["kpi"].nunique()
    by_unit = {u.name: u for u in result.units}
    # Streets exist only around the central model area: the rest is measured in straight lines.
    assert by_unit["District 4"].record["distance_mode"] == "network"
    assert by_unit["Cu Chi"].record["distance_mode"] == "euclidean" and "roads" in by_unit["Cu Chi"].absent
    cu_chi = {r["kpi"]: r for r in by_unit["Cu Chi"].record["rows"]}
    assert cu_chi["transit_stop_500m"]["status"] == "n/a" and cu_chi["transit_stop_500m"]["value"] is None
    district4 = {r["kpi"]: r for r in by_unit["District 4"].record["rows"]}
    assert district4["transit_stop_500m"]["value"] is not None and math.isfinite(
        district4["health_access_1km"]["value"]
    )
    assert (tmp_path / "out" / "summary.pdf").stat().st_size > 10_000


def test_a_raster_alone_gives_each_unit_the_people_under_it(country, tmp_path):
    """``population: {raster: ...}`` without zones: the unit is its one zone, with the raster's counts."""
    import rasterio
    from affine import Affine

    gpkg, _ = country
    pixel = 0.001  # degrees, about 110 m
    west, north = LON0 - 0.01, LAT0 + 0.03
    rows, cols = 45, 95
    people = np.random.default_rng(3).uniform(0, 40, (rows, cols)).astype("float32")
    tif = tmp_path / "pop.tif"
    with rasterio.open(
        tif, "w", driver="GTiff", height=rows, width=cols, count=1, dtype="float32", crs="EPSG:4326",
        transform=Affine(pixel, 0.0, west, 0.0, -pixel, north),
    ) as dst:  # fmt: skip
        dst.write(people, 1)
    spec = {
        "units": {"file": str(gpkg), "layer": "units", "name_field": "name"},
        "population": {"raster": str(tif)},
        "layers": {"bus_stops": f"{gpkg}:bus_stops", "roads": f"{gpkg}:roads"},
        "settings": {"cell_size_m": CELL_M},
    }
    path = tmp_path / "raster.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = run_batch(load_spec(path), tmp_path / "out", serial=True, figures=False)
    assert not result.failed
    # By hand: the unit's polygon as the zones, the raster's counts as they are.
    units = gpd.read_file(gpkg, layer="units")
    folder = tmp_path / "hand"
    folder.mkdir()
    units.iloc[[0]].to_file(folder / "unit.gpkg", layer="unit", engine="pyogrio")
    outline = units.iloc[[0]].to_crs(UTM).geometry.iloc[0]
    layers = {}
    for name, reach in (("bus_stops", 1000.0), ("roads", 1250.0)):
        gdf = gpd.read_file(gpkg, layer=name)
        gdf[gdf.to_crs(UTM).distance(outline).to_numpy() <= reach].to_file(
            folder / "unit.gpkg", layer=name, engine="pyogrio"
        )
        layers[name] = f"{folder / 'unit.gpkg'}:{name}"
    project = create_project(f"{folder / 'unit.gpkg'}:unit", None, layers=layers)
    project.settings["cell_size_m"] = CELL_M
    set_project_surface(project, raster=tif, use_census=False)
    evaluator = Evaluator(project)
    expected = evaluator.evaluate()
    record = result.units[0].record
    assert record["demand_method"] == "raster"
    assert record["population"] == evaluator.surface.population_total > 0
    assert [r["value"] for r in record["rows"]] == [k.value for k in expected]


def test_the_local_clusters_dashboard_is_printed_and_serves_its_own_scripts(tmp_path, capsys):
    import re
    import urllib.request

    from cityplanner.batch.run import _client

    gpkg = _write_country(tmp_path, units=UNITS[:1])
    out = tmp_path / "out"
    # The layers read in partitions and cut on the cluster too (the cluster starts before the cut).
    argv = [
        "batch",
        str(_write_spec(tmp_path, gpkg)),
        "--out",
        str(out),
        "--workers",
        "1",
        "--big-layer-mb",
        "0",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().err
    assert "Dask local cluster at tcp://127.0.0.1:" in printed
    assert re.search(r"Dask dashboard: http://127\.0\.0\.1:\d+/status", printed), printed
    # The page loads bokeh's scripts from the dashboard itself: nothing is fetched from elsewhere.
    with _client(None, None, 1, True) as (_, info):
        page = urllib.request.urlopen(info.dashboard, timeout=60).read().decode("utf-8")
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
        assert scripts and all(not re.match(r"(https?:)?//", src) for src in scripts), scripts
        base = info.dashboard.rsplit("/", 1)[0]
        assert urllib.request.urlopen(f"{base}/{scripts[0]}", timeout=60).status == 200


def test_a_layer_too_large_for_memory_is_cut_on_the_cluster_with_the_same_figures(
    country, client, tmp_path, monkeypatch
):
    """``big_layer_bytes`` below the file's size: the population zones and every facility and road
    layer are read in partitions by dask-geopandas and cut on the workers, never read whole here."""
    import cityplanner.batch.units as units_module

    gpkg, spec_path = country
    spec = load_spec(spec_path)
    whole = run_batch(spec, tmp_path / "whole", client=client, figures=False)
    limit = gpkg.stat().st_size // 3  # 4 partitions a layer

    def never(name, source):
        raise AssertionError(f"layer {name} read whole")

    def units_only(path, layer=None, **kwargs):
        assert layer == "units", f"layer {layer} read whole"
        return read_layer(path, layer, **kwargs)

    monkeypatch.setattr(units_module, "_read_checked", never)
    monkeypatch.setattr(units_module, "read_layer", units_only)
    chunked = run_batch(spec, tmp_path / "chunked", client=client, figures=False, big_layer_bytes=limit)
    assert not chunked.failed and chunked.computed == 3
    for a, b in zip(whole.units, chunked.units, strict=True):
        assert a.record["key"] == b.record["key"]  # the same features, attributes and order
        assert b.record["rows"] == a.record["rows"] and b.absent == a.absent
    assert (tmp_path / "chunked" / "kpis.csv").read_bytes() == (tmp_path / "whole" / "kpis.csv").read_bytes()
    # Without a cluster (the serial path) the partitions are cut in this process, to the same units.
    plan = plan_units(spec, big_layer_bytes=limit)
    assert [u.key for u in plan.units] == [u.record["key"] for u in whole.units]


def test_a_proposal_per_unit_is_the_engines_siting_with_its_kpis_and_cost(client, tmp_path):
    """``proposal: {type: clinic, budget: ...}``: each unit's plan equals the one the engine's
    siting makes in the unit's project made by hand, its KPIs are rows of its own scenario in
    kpis.csv and its cost is stated."""
    from cityplanner.cost import scenario_cost
    from cityplanner.optimise import grid_candidates, optimise_project, propose_into_scenario

    gpkg = _write_country(tmp_path, units=UNITS[:2])
    proposal = {"type": "clinic", "budget": 3_100_000, "grid": 150, "name": "Trạm y tế mới"}
    spec_path = _write_spec(tmp_path, gpkg, proposal=proposal)
    out = tmp_path / "out"
    result = run_batch(load_spec(spec_path), out, client=client, figures=False)
    assert not result.failed
    table = _read_csv(out / "kpis.csv")
    assert set(table["scenario"]) == {"Baseline", "Trạm y tế mới"}
    assert len(table) == 2 * 2 * table["kpi"].nunique()
    units = _read_csv(out / "units.csv").set_index("unit")

    project = _hand_made(gpkg, 0, tmp_path / "hand")
    evaluator = Evaluator(project)
    candidates = grid_candidates(project.zones, 150.0)
    siting = optimise_project(
        project, "clinic", "mclp", candidates, budget=3_100_000.0, network=evaluator.network,
        time_limit_s=60.0, surface=evaluator.surface,
    )  # fmt: skip
    propose_into_scenario(project, "clinic", siting, candidates, "Trạm y tế mới")
    expected = evaluator.evaluate("Trạm y tế mới")
    cost = scenario_cost(project, "Trạm y tế mới")
    assert cost.placements == 2 and cost.total == 3_000_000.0  # two clinics at 1.5 million each

    record = result.units[0].record["proposal"]
    assert record["error"] is None and record["sites"] == 2 and record["cost"] == cost.total
    assert [r["value"] for r in record["rows"]] == [k.value for k in expected]
    rows = table[(table["unit"] == "Quận Một") & (table["scenario"] == "Trạm y tế mới")].set_index("kpi")
    for k in expected:
        assert _value(rows.loc[k.id, "value"]) == k.value and rows.loc[k.id, "status"] == k.status
    row = units.loc["Quận Một"]
    assert row["proposal"] == "Trạm y tế mới" and row["proposal_type"] == "clinic"
    assert int(row["proposal_sites"]) == 2 and float(row["proposal_cost"]) == 3_000_000.0
    assert row["currency"] == cost.currency and row["proposal_error"] == ""
    # The proposal's coverage is its scenario's health KPI (the same surface and distances).
    health = next(k for k in expected if k.id == "health_access_1km")
    assert 100.0 * float(row["proposal_covered"]) / float(row["population"]) == pytest.approx(health.value)
    # The baseline's rows are unchanged by the proposal; the charts and maps show the baseline.
    baseline = table[(table["unit"] == "Quận Một") & (table["scenario"] == "Baseline")]
    assert [_value(v) for v in baseline["value"]] == [
        k.value for k in Evaluator(_hand_made(gpkg, 0, tmp_path / "hand2")).evaluate()
    ]


@pytest.mark.parametrize(
    "proposal, words",
    [
        ({"type": "hospital", "budget": 1}, "not a facility type"),
        ({"type": "clinic"}, "exactly one of 'budget'"),
        ({"type": "clinic", "sites": 0}, "at least 1"),
        ({"type": "clinic", "sites": 2, "candidates": "zones"}, "can only be 'network'"),
        ({"type": "clinic", "sites": 2, "name": "Baseline"}, "must not be 'Baseline'"),
    ],
)
def test_a_bad_proposal_is_refused_in_one_sentence(country, tmp_path, proposal, words):
    gpkg, _ = country
    with pytest.raises(BatchError, match="batch spec") as caught:
        load_spec(_write_spec(tmp_path, gpkg, proposal=proposal))
    assert words in str(caught.value) and str(caught.value).endswith(".")


def test_a_proposal_that_cannot_be_made_is_reported_and_the_baseline_stands(client, tmp_path, capsys):
    gpkg = _write_country(tmp_path, units=UNITS[2:])  # the unit away from the streets
    spec_path = _write_spec(tmp_path, gpkg, proposal={"type": "clinic", "sites": 1, "candidates": "network"})
    out = tmp_path / "out"
    assert main(["batch", str(spec_path), "--out", str(out), "--scheduler", client.scheduler.address]) == 0
    printed = capsys.readouterr().out
    error = _read_csv(out / "units.csv")["proposal_error"].iloc[0]
    assert (
        "has no streets" in error
        and error.endswith(".")
        and f"no proposal: {UNITS[2][0]}: {error}" in printed
    )
    assert set(_read_csv(out / "kpis.csv")["scenario"]) == {"Baseline"}
