"""A table with a KPI status (a batch's kpis.gpkg) opens in the app coloured by status (issue 14, item 4)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from cityplanner.assemble import add_layer_from_file
from cityplanner.kpi_status import STATUS_COLOURS
from cityplanner.store import load_project, save_project
from ui.document import ProjectDocument
from ui.styles import classify


def test_a_status_layer_is_coloured_by_status_in_the_report_colours(qapp, sample_dir, tmp_path):
    project = load_project(sample_dir / "hai_chau.cityplan")
    x0, y0, *_ = project.zones.total_bounds
    statuses = ["met", "not met", "near", "n/a", "met", ""]
    table = gpd.GeoDataFrame(
        {"unit": [f"Quận {i}" for i in range(6)], "kpi": "health_access_1km", "status": statuses},
        geometry=[shapely.box(x0 + 200 * i, y0, x0 + 200 * i + 150, y0 + 150) for i in range(6)],
        crs=project.crs,
    )
    path = tmp_path / "kpis.gpkg"
    table.to_file(path, layer="kpis")
    add_layer_from_file(project, f"{path}:kpis", name="kpis")
    doc = ProjectDocument(project)
    style = doc.style("kpis")
    assert style.kind == "categorised" and style.field == "status"
    classes = classify(pd.Series(statuses), style)
    colour_of = [classes.colours[i] for i in classes.class_index]
    assert colour_of[:4] == [STATUS_COLOURS[s] for s in statuses[:4]]
    assert colour_of[0] == colour_of[4]  # the same status, the same colour, however often it occurs
    assert classes.labels[-1] == "other (1 values)"  # a unit without a result
    # Saved with the project and read back through its schema, fixed colours included.
    doc.write_styles()
    save_project(project, tmp_path / "batch.cityplan")
    again = ProjectDocument(load_project(tmp_path / "batch.cityplan")).style("kpis")
    assert again == style


def test_layers_with_a_role_keep_their_style(qapp, sample_dir):
    project = load_project(sample_dir / "hai_chau.cityplan")
    project.zones["status"] = "met"
    doc = ProjectDocument(project)
    zones = next(name for name, layer in project.layers.items() if layer.role == "zones")
    assert doc.style(zones).kind != "categorised" or doc.style(zones).field != "status"
