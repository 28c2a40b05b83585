"""Defects found walking a planner's day on real HCMC data, driven through the real widgets.

Clicks on point symbols reach the map tools; the district chart follows every KPI evaluation and
its labels fit under the bars; a file without a CRS asks for one; the first fit follows the map's
final size.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtGui import QFont, QFontMetricsF
from test_ui_support import new_window, settle_view
from test_ui_workflow import click_map, no_modal_dialogs  # noqa: F401 (fixture)

from cityplanner.kpi import Evaluator
from ui.docks.kpis import fit_labels

pytestmark = pytest.mark.gui


def bus_stop_xy(win) -> tuple[float, float]:
    """A bus stop well inside the view (its symbol is drawn where the user clicks)."""
    layer = win.doc.project.layer_with_role("bus_stop")
    xy = shapely.get_coordinates(layer.gdf.geometry.to_numpy())
    rect = win.canvas.vb.viewRect()
    centre = np.array([rect.center().x(), rect.center().y()])
    x, y = xy[np.argmin(np.hypot(*(xy - centre).T))]
    return float(x), float(y)


def test_placing_on_top_of_an_existing_bus_stop_places_a_facility(qtbot, window):
    win = window
    win.palette_dock.set_current_type("wifi")
    win.set_tool("place")
    plans_before = {n: len(s.placements) for n, s in win.doc.project.scenarios.items()}
    x, y = bus_stop_xy(win)
    # The bus stop's symbol (a pyqtgraph scatter point) used to accept the click itself.
    click_map(qtbot, win, x, y)
    placed = [p for p in win.doc.scenario.placements if p.type == "wifi"]
    before = plans_before.get(win.doc.current_scenario, 0)
    assert len(win.doc.scenario.placements) == before + 1
    assert min(np.hypot(p.x - x, p.y - y) for p in placed) < 3 * win.canvas.pixel_size()
    # A click on the new facility's own symbol selects it (it no longer swallows the click).
    click_map(qtbot, win, x, y)
    assert len(win.doc.scenario.placements) == before + 1
    assert win.selected_placement == placed[-1].id


def test_identify_on_a_point_symbol_opens_its_attributes(qtbot, window, monkeypatch):
    from ui.dialogs.identify import IdentifyDialog

    win = window
    shown = []
    monkeypatch.setattr(IdentifyDialog, "show_feature", lambda _w, name, _gdf, row: shown.append((name, row)))
    win.set_tool("identify")
    x, y = bus_stop_xy(win)
    click_map(qtbot, win, x, y)
    assert shown and shown[0][0] == win.doc.project.layer_with_role("bus_stop").name


def test_district_chart_follows_each_evaluation_of_the_same_kpi(qtbot, window):
    win = window
    dock = win.kpi_dock
    win.palette_dock.set_current_type("wifi")
    win.set_tool("place")
    qtbot.waitUntil(lambda: not dock.runner.busy and bool(dock.results), timeout=120_000)
    dock.select_kpi("wifi_population_100m")
    before = dock.group_values.copy()
    # Place hotspots in the densest zones: the KPI (still selected) rises in their district.
    zones = win.doc.project.zones
    for row in np.argsort(zones["population"].to_numpy())[-3:]:
        centre = shapely.point_on_surface(zones.geometry.to_numpy()[row])
        win.place_facility((centre.x, centre.y))
    qtbot.waitUntil(lambda: not dock.runner.busy, timeout=120_000)
    settle_view(qtbot, win)
    assert dock.selected_kpi() == "wifi_population_100m"
    expected = Evaluator(win.doc.project).by_group(
        "wifi_population_100m", zones["district"].to_numpy(), win.doc.current_scenario
    )
    assert np.allclose(dock.group_values.to_numpy(), expected.to_numpy())
    assert not np.allclose(dock.group_values.to_numpy(), before.to_numpy())


def test_fit_labels_keeps_names_that_fit_and_shortens_the_others():
    metrics = QFontMetricsF(QFont())
    names = [f"District {n}" for n in (1, 2, 3, 4, 5, 7, 8)]
    assert fit_labels(names, metrics, 500) == names
    short = fit_labels(names, metrics, metrics.horizontalAdvance("District 1") * 0.8)
    assert short == ["1", "2", "3", "4", "5", "7", "8"]
    cut = fit_labels(["Thành phố Thủ Đức", "Bình Thạnh"], metrics, metrics.horizontalAdvance("Bình Th…") + 20)
    assert all(metrics.horizontalAdvance(t) <= metrics.horizontalAdvance("Bình Th…") + 20 for t in cut)
    assert cut[0].endswith("…")


@pytest.fixture
def hcmc_project(hcmc_gpkg, tmp_path):
    """The HCMC wards and layers as a project under tmp_path (the data stays in ../shared)."""
    from cityplanner.assemble import create_project
    from cityplanner.store import save_project

    layers = {
        "roads": "roads_detail",
        "bus_stops": "bus_stops",
        "schools": "poi_education",
        "health": "poi_medical",
        "parks": "poi_parks",
    }
    project = create_project(
        f"{hcmc_gpkg}:wards_pop2021",
        "Pop_2021",
        layers={name: f"{hcmc_gpkg}:{layer}" for name, layer in layers.items()},
        name="HCMC",
    )
    path = tmp_path / "hcmc.cityplan"
    save_project(project, path)
    return path


def test_hcmc_district_labels_do_not_run_into_each_other(qtbot, tmp_path, hcmc_project):
    win = new_window(qtbot, tmp_path)
    assert win.open_project(hcmc_project, ask=False)
    dock = win.kpi_dock
    qtbot.waitUntil(lambda: not dock.runner.busy and dock.group_values is not None, timeout=120_000)
    settle_view(qtbot, win)
    assert dock.group_combo.currentText() == "Dist_Name" and len(dock._chart_names) == 7
    axis = dock.chart.getAxis("bottom")
    labels = [text for _pos, text in axis._tickLevels[0]]
    metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    slot = dock.chart.getPlotItem().vb.width() / len(labels)
    assert all(metrics.horizontalAdvance(t) < slot for t in labels), (labels, slot)
    # The map fills the room the docks leave it, not the room the window had before they took it.
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    rect = win.canvas.vb.viewRect()
    assert (x1 - x0) / rect.width() > 0.6 or (y1 - y0) / rect.height() > 0.6


def test_adding_a_file_without_crs_asks_which_crs_it_is(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    win = window
    x0, y0, x1, y1 = win.doc.project.zones.total_bounds
    points = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=[shapely.Point(x0 + 10, y0 + 10), shapely.Point(x1 - 10, y1 - 10)]
    )
    path = tmp_path / "sensors_no_crs.shp"  # a shapefile without its .prj
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'crs' was not provided": that is the point
        points.to_file(path)
    assert not path.with_suffix(".prj").exists()
    asked = []

    def choose(_parent, title, label, items, current, editable):
        asked.append((title, label, items))
        return answer[0], bool(answer[0])

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
    answer = [""]  # Cancel: nothing added, no error dialog
    assert not win.add_layer_file(path)
    assert "sensors_no_crs" not in win.doc.project.layers
    answer = [asked[0][2][0]]  # the project's working CRS
    assert win.add_layer_file(path)
    assert "EPSG:" in asked[0][2][0] and path.name in asked[0][1]
    added = win.doc.project.layers["sensors_no_crs"].gdf
    coords = shapely.get_coordinates(added.geometry.to_numpy())
    assert np.allclose(coords, shapely.get_coordinates(points.geometry.to_numpy()))
