"""Offline HTML map: Leaflet inlined, no external script/stylesheet/tile; project text is data.

The second half is issue 16's template-injection test: every place project text reaches the page
(zone values and field names, layer values, scenario, facility-type and placement names, title,
city, author, attribution) carries Jinja syntax and HTML or script breakers, and the page must
show each literally and evaluate none. Before, branca compiled folium's output as a Jinja template
a second time, so ``{{7*7}}`` became ``49`` and ``{{ cycler.__init__.__globals__.os.getpid() }}``
ran Python; ``{% raw %}`` made the export fail.
"""

from __future__ import annotations

import json
import os
import re
from html import escape
from pathlib import Path

import pytest

from cityplanner.cli import main as cli_main
from cityplanner.report.content import collect
from cityplanner.report.html import render_map, write_html
from cityplanner.store import load_project, save_project

PLAN = "Smart Hải Châu 2030"
HOSTILE = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def project(sample_dir: Path):
    project = load_project(sample_dir / "hai_chau.cityplan")
    stops = project.layers["bus_stops"].gdf
    stops.loc[stops.index[0], "name"] = HOSTILE
    project.scenario(PLAN).placements[0].name = "<img src=x onerror=alert(2)>"
    return project


@pytest.fixture(scope="module")
def page(project, tmp_path_factory) -> str:
    path = write_html(project, None, tmp_path_factory.mktemp("html") / "map.html")
    return path.read_text(encoding="utf-8")


def test_no_external_script_stylesheet_or_tile(page: str) -> None:
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\shref\s*=", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, re.IGNORECASE)
    assert "@import" not in page
    assert "L.tileLayer(" not in page and "{z}" not in page  # Leaflet defines tileLayer; no one calls it
    assert "sourceMappingURL" not in page
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn"):
        assert cdn not in page


def test_leaflet_is_inlined_and_the_layers_are_there(page: str) -> None:
    assert "L.map(" in page and "leaflet-control-layers" in page  # Leaflet's script and CSS
    assert 'version="1.9.3"' in page or '"1.9.3"' in page
    assert "data:image/png;base64," in page  # the layer-control icons travel with the page
    for layer in ("Priority zones", "Streets", "Parks", f"Placements: {PLAN}", f"Service radius: {PLAN}"):
        assert json.dumps(layer)[1:-1] in page or layer in page, layer
    assert "KPI summary" in page and "Mức độ thuận tiện của mạng lưới giao thông công cộng" in page
    assert "© OpenStreetMap contributors" in page


def map_document(page: str) -> dict:
    """The JSON document the page's map is built from (nothing in it can end its element)."""
    match = re.search(r'<script type="application/json" id="cp-map-data">(.*?)</script>', page, re.DOTALL)
    assert match is not None
    assert "<" not in match.group(1)
    return json.loads(match.group(1))


def test_popup_values_are_data_shown_as_text(page: str) -> None:
    assert HOSTILE not in page
    assert "<img src=x" not in page
    # Values travel as JSON strings and the map script inserts them as DOM text, unescaped here.
    values = [v for layer in map_document(page)["layers"] for column in layer["values"] for v in column]
    assert HOSTILE in values
    assert "<img src=x onerror=alert(2)>" in values


def test_kpi_panel_values_match_the_evaluation(project) -> None:
    content = collect(project, [PLAN])
    page = render_map(content)
    for kpi in content.scenarios[1].kpis:
        if kpi.value is not None:
            assert f"{kpi.value:,.1f}" in page


def test_view_opens_on_the_zones_with_the_panels_folded(project, page: str) -> None:
    west, south, east, north = project.zones.geometry.to_crs(4326).total_bounds
    document = map_document(page)
    # Only the zones (the city) set the view, not the 1 km service discs.
    assert sum(document["bounds"], []) == pytest.approx([south, west, north, east], abs=1e-9)
    assert document["zoomSnap"] == 0.25  # fractional zoom: the city fills the window
    assert '<div class="cp-panel"><details><summary>KPI summary</summary>' in page
    assert "{ collapsed: true }" in page
    assert "map.fitBounds(data.bounds" in page


def test_point_parks_are_circles_not_leaflet_pins(sample_dir: Path) -> None:
    # Leaflet's default pin needs marker images the inlined page does not carry (broken image).
    project = load_project(sample_dir / "hai_chau.cityplan")
    parks = project.layer_with_role("park")
    parks.gdf = parks.gdf.set_geometry(parks.gdf.geometry.representative_point())
    page = render_map(collect(project, None))
    layer = next(lyr for lyr in map_document(page)["layers"] if lyr["name"] == "Parks")
    assert {g["type"] for g in layer["geometries"]} == {"Point"}
    assert layer["marker"]["radius"] > 0
    assert re.search(r"pointToLayer: function.*?L\.circleMarker\(", page, re.DOTALL)
    assert "L.marker(" not in page.split("<script>", 2)[2]  # the map script, after Leaflet's
    assert 'setPrefix("Leaflet")' in page


# -- template injection (issue 16) ---------------------------------------------------------------
PAYLOADS = (
    "Q{{7*7}}Q",
    "R{{ cycler.__init__.__globals__.os.getpid() }}R",
    "S{% raw %}S",
    "T{% endraw %}{# x #}{%- if 1 %}T",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"';alert(3);//\\u2028\u2028",
    "<!--",
)


def _hostile_project(sample_dir: Path):
    """The sample with every text a project holds replaced by (or given) a hostile payload."""
    project = load_project(sample_dir / "hai_chau.cityplan")
    zones = project.layers[project.zones_layer].gdf
    for i, payload in enumerate(PAYLOADS):
        zones[payload] = payload  # a field named and valued with the payload
        zones.loc[zones.index[i], "district"] = payload
    stops = project.layers["bus_stops"].gdf
    stops.loc[stops.index[0], "name"] = PAYLOADS[0]
    plan = project.scenario(PLAN)
    for placement, payload in zip(plan.placements, PAYLOADS, strict=False):
        placement.name = payload
    for ft, payload in zip(project.facility_types.values(), PAYLOADS, strict=False):
        ft.label = payload
    for payload in PAYLOADS[:3]:
        project.add_scenario(f"SC{payload}SC", copy_from=PLAN)
    project.settings.update(
        plan_name="Title " + PAYLOADS[1],
        city="City " + PAYLOADS[0],
        author=PAYLOADS[2],
        attribution="Data " + PAYLOADS[4],
    )
    return project


@pytest.fixture(scope="module")
def hostile(sample_dir: Path):
    return _hostile_project(sample_dir)


@pytest.fixture(scope="module")
def hostile_page(hostile) -> str:
    return render_map(collect(hostile, None))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_nothing_is_evaluated(hostile_page: str) -> None:
    assert "Q49Q" not in hostile_page
    assert f"R{os.getpid()}R" not in hostile_page
    assert "SC25SC" not in hostile_page


def test_every_payload_reaches_the_map_literally(hostile, hostile_page: str) -> None:
    texts = "\n".join(_strings(map_document(hostile_page)))
    for payload in PAYLOADS:
        assert payload in texts, payload  # a zone field name and value
    layer_names = [layer["name"] for layer in map_document(hostile_page)["layers"]]
    for payload in PAYLOADS[:3]:
        assert any(n.startswith("Zones, ") and n.endswith(f": SC{payload}SC") for n in layer_names)
        assert f"Placements: SC{payload}SC" in layer_names
        assert f"Service radius: SC{payload}SC" in layer_names
    existing = {
        f"Existing: {ft.label}" for ft in hostile.facility_types.values() if ft.layer in hostile.layers
    }
    assert existing and existing <= set(layer_names)
    assert "Data " + PAYLOADS[4] == map_document(hostile_page)["attribution"]
    placement_names = _strings([layer["values"] for layer in map_document(hostile_page)["layers"]])
    for payload in PAYLOADS:
        assert payload in placement_names


def test_html_text_is_escaped_once(hostile_page: str) -> None:
    # The KPI panel and the page title are HTML: their text appears escaped, and raw nowhere.
    assert f"<title>{escape('Title ' + PAYLOADS[1])}</title>" in hostile_page
    assert f"<summary>{escape('SC' + PAYLOADS[0] + 'SC')}</summary>" in hostile_page
    assert escape("City " + PAYLOADS[0]) in hostile_page
    body = hostile_page.split("</head>", 1)[1]
    for payload in ("<script>alert(1)", "<img src=x", "<!--"):
        assert payload not in body


def test_the_map_script_never_writes_markup_from_data() -> None:
    script = (Path(__file__).parents[1] / "cityplanner" / "report" / "html_map.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script
    assert "textContent" in script
    # The two Leaflet calls that take markup get escaped text.
    assert "addAttribution(escapeHtml(" in script and "overlays[escapeHtml(layer.name)]" in script


def test_export_through_the_command_line(hostile, tmp_path: Path) -> None:
    project_file = tmp_path / "hostile.cityplan"
    save_project(hostile, project_file)
    out = tmp_path / "map.html"
    assert cli_main(["report", str(project_file), "--html", str(out)]) in (0, None)
    written = out.read_text(encoding="utf-8")
    assert "Q49Q" not in written and f"R{os.getpid()}R" not in written
    assert "S{% raw %}S" in "\n".join(_strings(map_document(written)))


def test_scenario_named_with_jinja(sample_dir: Path, tmp_path: Path) -> None:
    project = load_project(sample_dir / "hai_chau.cityplan")
    project.add_scenario("SC{{ 5*5 }}SC", copy_from=PLAN)
    path = write_html(project, None, tmp_path / "m.html")
    written = path.read_text(encoding="utf-8")
    assert "SC25SC" not in written
    assert "SC{{ 5*5 }}SC" in "\n".join(_strings(map_document(written)))


def test_map_document_encoded_in_slices_equals_one_json_dumps():
    import json
    import math

    from cityplanner.report import html

    document = {
        "bounds": [[10.5, 106.6], [10.9, 107.0]],
        "title": "Hải Châu <b> & \u2028",
        "layers": [
            {
                "geometries": [[[i, i + 0.5], [i, -1e-9]] for i in range(1_234)],
                "values": [[str(i), None, 1.5, True] for i in range(1_001)],
                "style": {"ids": list(range(2_000)), "empty": [], "none": {}},
            }
            for _ in range(3)
        ],
    }
    expected = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert html._dumps(document) == expected
    with pytest.raises(ValueError):
        html._dumps({"layers": [{"values": [1.0] * 600 + [math.nan]}]})
