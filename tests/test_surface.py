"""The population surface (issue 10): cells split at zone borders, three ways to fill them.

Each figure is checked against an independent computation: a census total per zone, a raster's
counts, building floor-area shares, and the walk along the streets.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from cityplanner.coverage import network_coverage
from cityplanner.errors import AnalysisError
from cityplanner.network import StreetNetwork
from cityplanner.surface import build_surface, building_weights

CRS = "EPSG:32649"  # UTM 49N (Đà Nẵng)
X0, Y0 = 830_000.0, 1_777_000.0


def _zones() -> gpd.GeoDataFrame:
    """Three zones of odd shapes not aligned on the grid: a square, a triangle and an L."""
    square = shapely.box(X0 + 13, Y0 + 7, X0 + 613, Y0 + 507)
    triangle = shapely.Polygon([(X0 + 613, Y0 + 7), (X0 + 1013, Y0 + 7), (X0 + 613, Y0 + 607)])
    ell = shapely.Polygon(
        [
            (X0 + 13, Y0 + 507),
            (X0 + 613, Y0 + 507),
            (X0 + 613, Y0 + 707),
            (X0 + 313, Y0 + 707),
            (X0 + 313, Y0 + 1007),
            (X0 + 13, Y0 + 1007),
        ]
    )
    return gpd.GeoDataFrame(
        {"ward": ["Hải Châu I", "Thạch Thang", "Phước Ninh"], "pop": [12_000.0, 3_500.0, 8_250.0]},
        geometry=[square, triangle, ell],
        crs=CRS,
    )


def _raster(path: Path, crs: str = CRS) -> Path:
    """A 250 m population raster over the zones, people rising to the north-east."""
    rows, cols = 6, 6
    values = np.add.outer(np.arange(rows)[::-1], np.arange(cols)).astype("float32") * 10 + 5
    values[0, 0] = -99999  # nodata
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=rows,
        width=cols,
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(X0 - 200, Y0 + 1300, 250, 250),
        nodata=-99999,
    ) as dst:
        dst.write(values, 1)
    return path


@pytest.mark.parametrize("cell", [25.0, 100.0, 500.0])
def test_uniform_keeps_each_zone_total_and_area(cell: float) -> None:
    zones = _zones()
    surface = build_surface(zones, zones["pop"].to_numpy(), cell)
    np.testing.assert_allclose(surface.zone_population(), zones["pop"], rtol=1e-9)
    np.testing.assert_allclose(surface.per_zone(surface.area_m2), zones.area, rtol=1e-9)
    # Every piece lies in its zone and within one cell; density is the zone's everywhere.
    assert shapely.within(shapely.points(surface.xy), zones.geometry.to_numpy()[surface.zone]).all()
    assert (surface.area_m2 <= cell * cell * (1 + 1e-9)).all()
    density = surface.population / surface.area_m2
    np.testing.assert_allclose(density, (zones["pop"] / zones.area).to_numpy()[surface.zone], rtol=1e-9)


def test_raster_is_rescaled_to_each_census_total(tmp_path: Path) -> None:
    zones = _zones()
    surface = build_surface(zones, zones["pop"].to_numpy(), 50.0, raster=_raster(tmp_path / "pop.tif"))
    assert surface.method == "raster"
    np.testing.assert_allclose(surface.zone_population(), zones["pop"], rtol=1e-6)
    # Where, from the raster: inside the square zone the north-east is denser than the south-west.
    square = surface.zone == 0
    density = surface.population / surface.area_m2
    ne = square & (surface.xy[:, 0] > X0 + 450) & (surface.xy[:, 1] > Y0 + 350)
    sw = square & (surface.xy[:, 0] < X0 + 150) & (surface.xy[:, 1] < Y0 + 150)
    assert density[ne].mean() > 1.5 * density[sw].mean()


def test_raster_alone_keeps_its_counts(tmp_path: Path) -> None:
    """Without a census field the raster's people under the zones are taken as they are."""
    zones = _zones()
    raster = _raster(tmp_path / "pop.tif")
    surface = build_surface(zones, None, 50.0, raster=raster)
    # Independent count: each raster pixel's people times the share of its area inside the zones.
    with rasterio.open(raster) as src:
        values = src.read(1, masked=True).filled(0).astype(float)
        transform = src.transform
    rows, cols = np.indices(values.shape)
    x0, y0 = transform @ (cols.ravel(), rows.ravel())
    pixels = shapely.box(x0, y0 - 250, x0 + 250, y0)
    city = shapely.union_all(zones.geometry.to_numpy())
    inside = shapely.area(shapely.intersection(pixels, city)) / 250**2
    assert surface.population_total == pytest.approx(float((values.ravel() * inside).sum()), rel=1e-6)


def test_raster_in_another_crs(tmp_path: Path) -> None:
    """A WGS84 raster (as WorldPop ships) is read onto the metric grid, census totals kept."""
    zones = _zones()
    wgs = zones.to_crs(4326)
    west, south, east, north = wgs.total_bounds
    path = tmp_path / "wgs.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=20,
        width=20,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(
            west - 0.001, north + 0.001, (east - west + 0.002) / 20, (north - south + 0.002) / 20
        ),
    ) as dst:
        dst.write(np.linspace(1, 40, 400, dtype="float32").reshape(20, 20), 1)
    surface = build_surface(zones, zones["pop"].to_numpy(), 100.0, raster=path)
    np.testing.assert_allclose(surface.zone_population(), zones["pop"], rtol=1e-6)


def test_dasymetric_shares_are_floor_area_shares() -> None:
    zones = _zones()
    # Buildings in the square zone only: footprints x storeys decide who lives where.
    footprints = [
        shapely.box(X0 + 40, Y0 + 40, X0 + 60, Y0 + 60),  # 400 m2 x 2 storeys
        shapely.box(X0 + 300, Y0 + 300, X0 + 330, Y0 + 330),  # 900 m2 x 5 storeys
        shapely.box(X0 + 500, Y0 + 100, X0 + 510, Y0 + 110),  # 100 m2, no storeys: 1
    ]
    buildings = gpd.GeoDataFrame({"building:levels": [2, 5, None]}, geometry=footprints, crs=CRS)
    surface = build_surface(
        zones, zones["pop"].to_numpy(), 100.0, buildings=buildings, weights_source="layer 'buildings'"
    )
    assert surface.method == "dasymetric"
    weights, how = building_weights(buildings)
    np.testing.assert_allclose(weights, [800.0, 4500.0, 100.0])
    assert "storeys" in how
    # Each building's people sit in the piece holding its point; the square's total splits 800:4500:100.
    tree = shapely.STRtree(surface.geometry)
    pieces = [int(tree.query(shapely.point_on_surface(b), predicate="within")[0]) for b in footprints]
    expected = 12_000.0 * weights / weights.sum()
    np.testing.assert_allclose(surface.population[pieces], expected, rtol=1e-9)
    assert surface.population[surface.zone == 0].sum() == pytest.approx(12_000.0)
    # Zones without buildings fall back to uniform, and the note says so.
    np.testing.assert_allclose(surface.zone_population(), zones["pop"], rtol=1e-9)
    assert "2 zone(s) without buildings are spread evenly" in surface.note


def test_network_coverage_plus_unreachable_is_everyone() -> None:
    """At a radius that reaches every street, each cell is covered or unreachable: 100 % in all."""
    zones = _zones()
    surface = build_surface(zones, zones["pop"].to_numpy(), 50.0)
    # One street along the south edge and one up the west side; the far north-east is > 250 m away.
    streets = gpd.GeoSeries(
        [
            shapely.LineString([(X0, Y0), (X0 + 1000, Y0)]),
            shapely.LineString([(X0, Y0), (X0, Y0 + 1000)]),
        ],
        crs=CRS,
    )
    network = StreetNetwork.from_lines(streets)
    demand = surface.demand()
    result = network_coverage(demand, network, np.array([[X0 + 10, Y0]]), 100_000.0, max_snap_m=250.0)
    assert result.unreachable_population > 0
    assert result.population_covered + result.unreachable_population == pytest.approx(
        surface.population_total, rel=1e-12
    )
    # Unreachable means farther than the snap distance from both streets.
    far = (surface.xy[:, 0] - X0 > 250.0) & (surface.xy[:, 1] - Y0 > 250.0)
    assert result.unreachable_population == pytest.approx(surface.population[far].sum(), rel=1e-9)


@pytest.mark.parametrize("cell", [10.0, 1000.0, float("nan")])
def test_cell_size_out_of_range_is_one_sentence(cell: float) -> None:
    with pytest.raises(AnalysisError, match="between 25 and 500 m"):
        build_surface(_zones(), _zones()["pop"].to_numpy(), cell)


@pytest.mark.shared_data
def test_worldpop_on_hcmc_wards_keeps_the_census(hcmc_gpkg: Path) -> None:
    raster = hcmc_gpkg.parents[1] / "vietnam" / "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
    if not raster.exists():
        pytest.skip("needs vietnam/ from ../shared/data, which this clone does not have")
    wards = gpd.read_file(hcmc_gpkg, layer="citywide_wards_pop").to_crs(32648)
    census = wards["Pop_2019"].to_numpy(float)
    surface = build_surface(wards, census, 100.0, raster=raster)
    np.testing.assert_allclose(surface.zone_population(), census, rtol=1e-6)
    assert surface.population_total == pytest.approx(8_993_082.0)
    assert len(surface) > 200_000


# -- the command line ---------------------------------------------------------------------------
def _zone_file(tmp_path: Path) -> Path:
    path = tmp_path / "wards.geojson"
    _zones().to_crs(4326).to_file(path)
    return path


def test_new_with_a_raster_calibrated_to_the_census(tmp_path: Path, capsys) -> None:
    from cityplanner.cli import main
    from cityplanner.store import load_project
    from cityplanner.surface import project_surface

    target = tmp_path / "city.cityplan"
    raster = _raster(tmp_path / "pop.tif")
    args = ["new", str(target), "--zones", str(_zone_file(tmp_path)), "--population", "pop"]
    assert main([*args, "--population-raster", str(raster), "--cell", "50", "--crs", "32649"]) == 0
    assert "rescaled to each zone's census total" in capsys.readouterr().out
    project = load_project(target)
    surface = project_surface(project)
    assert surface.method == "raster" and surface.cell_size_m == 50.0
    np.testing.assert_allclose(surface.zone_population(), _zones()["pop"], rtol=1e-6)
    assert main(["show", str(target), "--json"]) == 0
    import json

    shown = json.loads(capsys.readouterr().out)["population_surface"]
    assert shown["method"] == "raster" and shown["cells"] == len(surface)
    assert shown["population_raster"] == str(raster.resolve())


def test_new_with_a_raster_alone_takes_its_counts(tmp_path: Path, capsys) -> None:
    from cityplanner.cli import main
    from cityplanner.store import load_project

    target = tmp_path / "city.cityplan"
    raster = _raster(tmp_path / "pop.tif")
    args = ["new", str(target), "--zones", str(_zone_file(tmp_path)), "--population-raster", str(raster)]
    assert main([*args, "--crs", "32649"]) == 0
    project = load_project(target)
    assert project.population_field == "pop_raster"
    direct = build_surface(_zones(), None, 100.0, raster=raster)
    assert project.population.sum() == pytest.approx(direct.population_total, rel=1e-9)


def test_new_refuses_no_population_at_all(tmp_path: Path, capsys) -> None:
    from cityplanner.cli import main

    assert main(["new", str(tmp_path / "c.cityplan"), "--zones", str(_zone_file(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "--population FIELD, --population-raster FILE.tif, or both" in err and "Traceback" not in err


def test_coverage_and_access_take_a_raster_alone(tmp_path: Path, capsys) -> None:
    """The file forms read who lives where from a raster without zones (its counts as they are)."""
    import json

    from cityplanner.cli import main

    raster = _raster(tmp_path / "pop.tif")
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 300, Y0 + 300)], crs=CRS).to_crs(4326)
    stops.to_file(tmp_path / "stops.geojson")
    common = ["--population-raster", str(raster), "--facilities", str(tmp_path / "stops.geojson"), "--json"]
    assert main(["coverage", *common, "--radius", "100000", "--cell", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    with rasterio.open(raster) as src:
        total = float(src.read(1, masked=True).filled(0).sum())
    assert out["population_total"] == pytest.approx(total, rel=1e-6)
    assert out["percent_covered"] == pytest.approx(100.0)
    assert main(["access", *common]) == 0
    assert json.loads(capsys.readouterr().out)["weighted_mean_m"] > 0


def test_report_methods_appendix_states_the_demand_method(sample_dir: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from cityplanner.report.pdf import write_pdf
    from cityplanner.store import load_project

    project = load_project(sample_dir / "hai_chau.cityplan")
    path = write_pdf(project, None, tmp_path / "report.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    assert "Where people live: a population surface of 100 m cells" in text
    assert "census densities spread by residential land and local streets" in text


def test_a_fifo_named_as_the_raster_is_refused_before_reading(tmp_path: Path) -> None:
    import os

    from cityplanner.errors import LayerLoadError

    fifo = tmp_path / "pop.tif"
    os.mkfifo(fifo)
    with pytest.raises(LayerLoadError, match="named pipe"):
        build_surface(_zones(), _zones()["pop"].to_numpy(), 100.0, raster=fifo)
