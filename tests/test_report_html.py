"""Offline HTML map: Leaflet inlined, no external script/stylesheet/tile, escaped popup values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cityplanner.report.content import collect
from cityplanner.report.html import render_map, write_html
from cityplanner.store import load_project

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


def _in_script_json(text: str) -> str:
    """``text`` as a JSON string embedded in a script the way folium (Jinja's tojson) writes it."""
    encoded = json.dumps(text)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        encoded = encoded.replace(char, escaped)
    return encoded


def test_popup_values_are_escaped(page: str) -> None:
    assert HOSTILE not in page
    assert "<img src=x" not in page
    # The popup inserts the value as HTML, so the page must carry its escaped form, shown as text.
    assert _in_script_json("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") in page
    assert _in_script_json("&lt;img src=x onerror=alert(2)&gt;") in page


def test_kpi_panel_values_match_the_evaluation(project) -> None:
    content = collect(project, [PLAN])
    page = render_map(content)
    for kpi in content.scenarios[1].kpis:
        if kpi.value is not None:
            assert f"{kpi.value:,.1f}" in page


def test_view_opens_on_the_zones_with_the_panels_folded(project, page: str) -> None:
    west, south, east, north = project.zones.geometry.to_crs(4326).total_bounds
    fitted = re.search(r"\.fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]", page)
    assert fitted is not None
    assert [float(v) for v in fitted.groups()] == pytest.approx([south, west, north, east], abs=1e-9)
    assert page.count(".fitBounds(\n") == 1  # nothing else (1 km service discs) widens the view
    assert '"zoomSnap": 0.25' in page  # fractional zoom: the city fills the window
    assert '<div class="cp-panel"><details><summary>KPI summary</summary>' in page
    assert '"collapsed": true' in page


def test_point_parks_are_circles_not_leaflet_pins(sample_dir: Path) -> None:
    # Leaflet's default pin needs marker images the inlined page does not carry (broken image).
    project = load_project(sample_dir / "hai_chau.cityplan")
    parks = project.layer_with_role("park")
    parks.gdf = parks.gdf.set_geometry(parks.gdf.geometry.representative_point())
    page = render_map(collect(project, None))
    parks_var = re.search(r'"Parks" : (geo_json_\w+),', page).group(1)
    assert f"pointToLayer: {parks_var}_pointToLayer," in page
    assert re.search(rf"function {parks_var}_pointToLayer\(.*?new L\.CircleMarker\(", page, re.DOTALL)
    assert 'setPrefix("Leaflet")' in page
