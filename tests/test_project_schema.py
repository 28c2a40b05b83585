"""Hand-edited and damaged ``.cityplan`` files (issue 15, item 1): refused in one sentence naming
the file and the part, or opened without the bad part and one warning saying so.

Each test edits a copy of a small saved project with plain SQL, as anyone can in QGIS or the
sqlite3 shell, and checks what ``load_project`` and the commands ``show``, ``kpis`` and ``report``
make of it. Before the schema these gave AttributeError, IndexError, AssertionError from folium,
ValueError (NaN to integer, a colour), a report exhausting memory on an absurd radius, or hung on a
recursive view.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import warnings
from pathlib import Path

import data_factory as make
import pytest

from cityplanner.cli import main
from cityplanner.errors import ProjectError
from cityplanner.project import Placement
from cityplanner.project_schema import (
    MAX_CELL_BYTES,
    MAX_PLACEMENTS,
    MAX_RADIUS_M,
    SETTINGS,
    STYLE_FIELDS,
    ProjectWarning,
)
from cityplanner.store import load_project, save_project

RECURSIVE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small project: 9 zones, a stored surface, bus stops, a plan with three placements, tiers."""
    from cityplanner.assemble import create_project
    from cityplanner.surface import set_project_surface

    folder = tmp_path_factory.mktemp("schema")
    zones = make.write(make.zones(9), folder / "zones.geojson")
    stops = make.write(make.stops(), folder / "stops.geojson")
    project = create_project(str(zones), "population", layers={"bus_stops": str(stops)})
    set_project_surface(project, cell_size_m=100.0, use_census=True)
    x0, y0, _, _ = project.zones.total_bounds
    plan = project.add_scenario("Plan")
    for i, kind in enumerate(["bus_stop", "wifi", "clinic"]):
        plan.placements.append(Placement(kind, x0 + 100 + 150 * i, y0 + 200, name=f"P{i}"))
    project.priority = {0: 1, 3: 2, 5: 3}
    project.settings["ui.layer_styles"] = json.dumps({"zones": json.dumps({"colour": "#ff0000"})})
    return save_project(project, folder / "base.cityplan")


def _edited(base: Path, tmp_path: Path, *sql, params: tuple = ()) -> Path:
    path = tmp_path / "edited.cityplan"
    shutil.copyfile(base, path)
    con = sqlite3.connect(path)
    # The functions GDAL's R-tree triggers call, so that plain sqlite3 may edit feature tables.
    con.create_function("ST_IsEmpty", 1, lambda blob: 0 if blob else 1)
    for name in ("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"):
        con.create_function(name, 1, lambda blob: 0.0)
    for statement in sql:
        con.execute(statement, params if "?" in statement else ())
    con.commit()
    con.close()
    return path


def _opened_without(path: Path, *needles: str):
    """Load ``path``, expecting one ProjectWarning naming the file and every needle."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        project = load_project(path)
    sentences = [str(w.message) for w in caught if issubclass(w.category, ProjectWarning)]
    assert len(sentences) == 1, sentences
    assert str(path) in sentences[0] and sentences[0].count("\n") == 0
    for needle in needles:
        assert needle in sentences[0], (needle, sentences[0])
    return project


def _refused(path: Path, *needles: str) -> str:
    with pytest.raises(ProjectError) as err:
        load_project(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def _commands_run(path: Path, tmp_path: Path, capsys) -> None:
    """``show``, ``kpis`` and ``report`` exit 0 with at most the warning on stderr.

    The report writes the HTML map (colours and radii are drawn there) and the CSV tables; the fuzz
    corpus (tests/test_fuzz_corpus.py) puts damaged projects through every output.
    """
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    report = ["--html", out / "r.html", "--csv", out / "csv"]
    for argv in (["show", path], ["kpis", path], ["report", path, *report]):
        assert main([str(a) for a in argv]) == 0, argv[0]
        err = capsys.readouterr().err
        assert err.count("\n") <= 1 and "Traceback" not in err, err
        assert not err or err.startswith("cityplanner: warning: ") and str(path) in err


def test_the_saved_project_opens_without_a_warning(base):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProjectWarning)
        project = load_project(base)
    assert len(project.scenarios["Plan"].placements) == 3 and project.priority == {0: 1, 3: 2, 5: 3}


# -- settings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "value", "kind", "needle"),
    [
        ("walk_speed_kmh", "fast", "float", "'fast' is not a number"),
        ("walk_speed_kmh", "{}", "dict", "value_type 'dict'"),
        ("max_snap_m", "1e400", "int", "not a whole number"),
        ("cell_size_m", "0.001", "float", "out of range (from 25 to 500)"),
        ("cell_size_m", "nan", "float", "not a finite number"),
        ("distance_mode", "teleport", "str", "'teleport' is not one of network, euclidean"),
        ("ui.layer_styles", "5", "str", "not a JSON object of layer styles"),
        ("ui.layer_styles", '"zones"', "str", "not a JSON object of layer styles"),
        ("ui.layer_styles", "[" * 5000 + "]" * 5000, "str", "nests deeper than"),
        ("population_raster", "/dev/zero", "str", "is a device"),
        ("city", "c" * 2_000_000, "str", "characters long"),
        ("decision_log", "[" * 5000 + "]" * 5000, "str", "nests deeper than"),
        ("decision_log", '{"a": 1}', "str", "not a list of decisions"),
        ("decision_log", '[{"time": "t", "scenario": "Plan", "state": "maybe"}]', "str", "cannot be read"),
        (
            "decision_log",
            '[{"time": "t", "scenario": "Plan", "state": "agreed", "kpis": [{"id": "k", "code": "K", '
            '"name": "n", "unit": "%", "baseline": "x", "value": 1, "change": null}]}]',
            "str",
            "not a finite number",
        ),
    ],
)
def test_settings_of_the_wrong_type_or_range_are_dropped(base, tmp_path, capsys, key, value, kind, needle):
    path = _edited(
        base,
        tmp_path,
        f"DELETE FROM cp_settings WHERE key = '{key}'",
        "INSERT INTO cp_settings (key, value, value_type) VALUES (?, ?, ?)",
        params=(key, value, kind),
    )
    project = _opened_without(path, f"setting '{key}'", needle)
    assert key not in project.settings
    _commands_run(path, tmp_path, capsys)


def test_style_values_of_the_wrong_type_fall_back_to_the_defaults(base, tmp_path, capsys):
    styles = {"zones": json.dumps({"colour": "javascript:alert(1)", "opacity": 0.3}), "bus_stops": 5}
    path = _edited(
        base,
        tmp_path,
        "UPDATE cp_settings SET value = ? WHERE key = 'ui.layer_styles'",
        params=(json.dumps(styles),),
    )
    project = _opened_without(path, "style values of layers 'zones', 'bus_stops'")
    kept = json.loads(project.settings["ui.layer_styles"])
    assert json.loads(kept["zones"]) == {"opacity": 0.3} and "bus_stops" not in kept  # the default style
    _commands_run(path, tmp_path, capsys)


def test_the_style_schema_covers_the_apps_layer_style():
    from ui.styles import LayerStyle

    assert set(STYLE_FIELDS) == set(LayerStyle.__dataclass_fields__)
    style = LayerStyle()
    assert all(STYLE_FIELDS[name](getattr(style, name)) for name in STYLE_FIELDS)


def test_the_settings_schema_knows_the_analysis_settings():
    from dataclasses import fields

    from cityplanner.settings import AnalysisSettings

    assert {f.name for f in fields(AnalysisSettings)} <= set(SETTINGS)


# -- facility types, priority, placements ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("update", "needle"),
    [
        ("radius_m = -500", "radius_m -500 is out of range"),
        ("radius_m = 1e12", "radius_m 1e+12 is out of range"),
        ("radius_m = NULL", "no radius_m"),
        ("radius_m = 'far'", "radius_m is not a number"),
        ("capacity = 9e999", "capacity is not a finite number"),
    ],
)
def test_a_facility_type_with_an_unusable_number_is_dropped_with_its_placements(
    base, tmp_path, capsys, update, needle
):
    path = _edited(base, tmp_path, f"UPDATE cp_facility_types SET {update} WHERE name = 'bus_stop'")
    project = _opened_without(path, "facility type 'bus_stop'", needle, "placement 'P0' of scenario 'Plan'")
    assert "bus_stop" not in project.facility_types
    assert [p.type for p in project.scenarios["Plan"].placements] == ["wifi", "clinic"]
    _commands_run(path, tmp_path, capsys)


def test_the_radius_limit_is_generous_and_a_report_at_it_finishes(base, tmp_path, capsys):
    path = _edited(
        base, tmp_path, f"UPDATE cp_facility_types SET radius_m = {MAX_RADIUS_M} WHERE name = 'wifi'"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProjectWarning)
        assert load_project(path).facility_types["wifi"].radius_m == MAX_RADIUS_M
    _commands_run(path, tmp_path, capsys)


@pytest.mark.parametrize(
    "colour", ["javascript:alert(1)", "red;}</style><script>alert(1)</script>", "#12345"]
)
def test_a_colour_that_is_not_rrggbb_is_replaced(base, tmp_path, capsys, colour):
    path = _edited(
        base, tmp_path, "UPDATE cp_facility_types SET color = ? WHERE name = 'clinic'", params=(colour,)
    )
    project = _opened_without(path, "colour of facility type 'clinic'", "#1f78b4 instead")
    assert project.facility_types["clinic"].color == "#1f78b4"
    _commands_run(path, tmp_path, capsys)
    assert colour not in (tmp_path / "out" / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("UPDATE cp_priority SET tier = 7 WHERE zone_index = 0", "its tier 7 is out of range"),
        ("UPDATE cp_priority SET tier = 'high' WHERE zone_index = 3", "its tier is not a number"),
        ("INSERT INTO cp_priority (zone_index, tier) VALUES (1000, 1)", "zone layer does not have (1000)"),
        ("INSERT INTO cp_priority (zone_index, tier) VALUES (-3, 2)", "zone_index -3 is out of range"),
    ],
)
def test_a_priority_tier_or_zone_out_of_range_is_dropped(base, tmp_path, capsys, sql, needle):
    path = _edited(base, tmp_path, sql)
    project = _opened_without(path, needle)
    assert all(tier in (1, 2, 3) and 0 <= zone < 9 for zone, tier in project.priority.items())
    _commands_run(path, tmp_path, capsys)


def _point(x: float, y: float) -> bytes:
    return b"GP\x00\x01" + struct.pack("<i", 32649) + struct.pack("<BIdd", 1, 1, x, y)


@pytest.mark.parametrize(
    ("sql", "params", "needle"),
    [
        (
            "UPDATE placements SET geom = NULL WHERE name = 'P0'",
            (),
            "placement 'P0' of scenario 'Plan' (it has no geometry)",
        ),
        (
            "UPDATE placements SET type = 'teleporter' WHERE name = 'P1'",
            (),
            "facility type 'teleporter' is not in",
        ),
        (
            "UPDATE placements SET scenario = 'Elsewhere' WHERE name = 'P2'",
            (),
            "its scenario is not in the project",
        ),
        (
            "UPDATE placements SET geom = ? WHERE name = 'P0'",
            (_point(float("nan"), 5.0),),
            "not finite numbers",
        ),
        ("UPDATE placements SET geom = ? WHERE name = 'P0'", (_point(1e300, 0.0),), "far outside the Earth"),
        (
            "UPDATE placements SET geom = x'4750000100000000ffff' WHERE name = 'P0'",
            (),
            "geometry is unreadable",
        ),
        ("UPDATE placements SET capacity = -10 WHERE name = 'P1'", (), "capacity -10 is out of range"),
    ],
)
def test_a_placement_without_a_usable_point_or_type_is_dropped(base, tmp_path, capsys, sql, params, needle):
    path = _edited(base, tmp_path, sql, params=params)
    project = _opened_without(path, needle)
    assert len(project.scenarios["Plan"].placements) == 2
    _commands_run(path, tmp_path, capsys)


def test_placements_without_or_with_repeated_ids_get_new_ones(base, tmp_path):
    path = _edited(base, tmp_path, "UPDATE placements SET id = 'same'")
    ids = [p.id for p in _opened_without(path, "new ids given").scenarios["Plan"].placements]
    assert len(set(ids)) == 3 and ids.count("same") == 1


def test_too_many_placements_are_refused_before_they_are_read(base, tmp_path):
    path = _edited(
        base,
        tmp_path,
        "INSERT INTO placements (scenario, id, type, name, source, geom) "
        f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x <= {MAX_PLACEMENTS}) "
        "SELECT 'Plan', 'p' || x, 'wifi', '', 'manual', (SELECT geom FROM placements LIMIT 1) FROM c",
    )
    _refused(path, f"more than the {MAX_PLACEMENTS:,} a project may hold")


# -- layers, the zones and the surface -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("update", "needle"),
    [
        ("columns = '5'", "its column list is not a list of columns"),
        ("columns = '[{'", "its column list is not valid JSON"),
        ('columns = replace(columns, \'"dtype": "\', \'"dtype": "bogus_\')', "unknown type 'bogus_"),
        ("table_name = 'cp_settings'", "is not a feature table"),
        ("table_name = 'nowhere'", "its table nowhere is missing"),
    ],
)
def test_a_broken_zone_layer_is_refused_naming_it(base, tmp_path, update, needle):
    path = _edited(base, tmp_path, f"UPDATE cp_layers SET {update} WHERE name = 'zones'")
    _refused(path, "its zone layer 'zones' cannot be read", needle)


def test_another_broken_layer_is_dropped(base, tmp_path, capsys):
    path = _edited(base, tmp_path, "UPDATE cp_layers SET columns = '{\"a\": 1}' WHERE name = 'bus_stops'")
    project = _opened_without(path, "layer 'bus_stops' (its column list is not a list of columns)")
    assert "bus_stops" not in project.layers
    _commands_run(path, tmp_path, capsys)


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("UPDATE layer_zones SET geom = NULL WHERE cp_fid = 2", "have no usable geometry"),
        ("UPDATE layer_zones SET population = -100 WHERE cp_fid = 1", "are not head counts"),
        ("UPDATE layer_zones SET population = 'many' WHERE cp_fid = 1", "other value(s)"),
        ("DELETE FROM layer_zones", "has no zones"),
        (
            "UPDATE cp_project SET value = 'nowhere' WHERE key = 'zones_layer'",
            "zone layer 'nowhere' is missing",
        ),
        ("UPDATE cp_project SET value = 'EPSG:4326' WHERE key = 'crs'", "not a projected CRS in metres"),
        ("UPDATE cp_project SET value = '+init=/dev/zero:1' WHERE key = 'crs'", "not an authority code"),
        ("UPDATE cp_project SET value = 'abc' WHERE key = 'format_version'", "format version 'abc'"),
        ("DROP TABLE cp_priority", "lacks its table cp_priority"),
        ("ALTER TABLE cp_facility_types DROP COLUMN radius_m", "cp_facility_types lacks the column radius_m"),
    ],
)
def test_an_unusable_zone_layer_or_project_table_is_refused(base, tmp_path, capsys, sql, needle):
    path = _edited(base, tmp_path, sql)
    message = _refused(path, needle)
    for command in ("show", "kpis"):
        assert main([command, str(path)]) == 2
        assert capsys.readouterr().err == f"cityplanner: error: {message}\n"


def test_an_inconsistent_population_surface_is_dropped_and_rebuilt_when_needed(base, tmp_path, capsys):
    path = _edited(base, tmp_path, "UPDATE layer_population_surface SET population = -5")
    project = _opened_without(path, "the population surface layer 'population_surface'", "negative")
    assert "population_surface" not in project.layers
    _commands_run(path, tmp_path, capsys)


def test_features_without_geometry_are_dropped_from_other_layers(base, tmp_path):
    path = _edited(base, tmp_path, "UPDATE layer_bus_stops SET geom = NULL WHERE cp_fid = 1")
    project = _opened_without(path, "1 feature(s) of layer 'bus_stops'")
    assert len(project.layers["bus_stops"].gdf) == 4


# -- views, computed columns, sizes --------------------------------------------------------------------------
@pytest.mark.timeout(60)
@pytest.mark.parametrize("table", ["cp_priority", "cp_settings", "placements"])
def test_a_recursive_view_in_place_of_a_table_is_refused_without_being_read(base, tmp_path, table):
    with sqlite3.connect(base) as con:
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "geom"]
    select = ", ".join(f"x AS {c}" for c in columns) + (", NULL AS geom" if table == "placements" else "")
    path = _edited(
        base, tmp_path, f"DROP TABLE {table}", f"CREATE VIEW {table} AS {RECURSIVE} SELECT {select} FROM c"
    )
    _refused(path, f"its table {table} was replaced by an SQL view")


def test_a_recursive_view_beside_the_tables_is_ignored(base, tmp_path, capsys):
    path = _edited(
        base,
        tmp_path,
        f"CREATE VIEW loop AS {RECURSIVE} SELECT x AS fid, NULL AS geom FROM c",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES ('loop', 'features', 'loop', 32649)",
        "INSERT INTO gpkg_geometry_columns VALUES ('loop', 'geom', 'POINT', 32649, 0, 0)",
    )
    _opened_without(path, "the SQL view 'loop' (CityPlanner reads tables only)")
    _commands_run(path, tmp_path, capsys)


def test_a_computed_column_of_a_gigabyte_is_never_evaluated(base, tmp_path):
    path = _edited(
        base,
        tmp_path,
        "ALTER TABLE cp_settings ADD COLUMN huge BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL",
    )
    _opened_without(path, "the computed column 'huge' of table cp_settings")


def test_a_value_over_the_cell_limit_is_refused(base, tmp_path):
    blob = b"GP\x00\x01" + struct.pack("<i", 32649) + bytes(MAX_CELL_BYTES + 1)
    path = _edited(base, tmp_path, "UPDATE layer_bus_stops SET geom = ? WHERE cp_fid = 2", params=(blob,))
    _refused(path, "holds a value over 64 MiB")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_is_refused_before_it_is_opened(tmp_path):
    import os

    fifo = tmp_path / "plan.cityplan"
    os.mkfifo(fifo)
    _refused(fifo, "is a named pipe (FIFO), not a project file")
    link = tmp_path / "zero.cityplan"
    link.symlink_to("/dev/zero")
    _refused(link, "is a device, not a project file")


def test_a_project_name_too_long_for_the_file_system_is_one_sentence(tmp_path):
    path = tmp_path / ("p" * 300 + ".cityplan")
    with pytest.raises(ProjectError, match="too long for the file system"):
        load_project(path)
