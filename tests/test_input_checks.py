"""Input checks of a new project (issue 10, item 6): the working CRS must keep distances true at
the data's centre, and zones must not overlap (each person counted once)."""

from __future__ import annotations

import json
import re

import data_factory as make
import geopandas as gpd
import pandas as pd
import pytest
import shapely
import shapely.affinity
from pyproj import CRS, Proj

from cityplanner.assemble import create_project
from cityplanner.cli import main
from cityplanner.errors import LayerLoadError, ProjectError

# make.zones() lies in central Hai Chau, Da Nang (108.21 E, 16.06 N): UTM zone 49N.
DA_NANG_UTM = "EPSG:32649"


def _cli_error(capsys, *argv) -> str:
    """Run the command line in-process; it must exit 2 with one line on stderr."""
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cityplanner: error: "), err
    return lines[0]


def _one_sentence(text: str) -> None:
    body = text.removeprefix("cityplanner: error: ").rstrip(".")
    assert ". " not in body and "\n" not in body, text


def _tmerc(scale: float) -> str:
    """A transverse Mercator through the sample's centre whose scale there is ``scale``."""
    return f"+proj=tmerc +lat_0=0 +lon_0={make.LON0 + 0.003} +k={scale} +x_0=500000 +datum=WGS84 +units=m"


# -- 6a: working CRS ------------------------------------------------------------------------------
def test_web_mercator_is_refused_naming_it_and_the_utm_zone(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    with pytest.raises(ProjectError) as info:
        create_project(str(zones), "population", crs="3857")
    message = str(info.value)
    _one_sentence(message)
    assert "EPSG:3857" in message and DA_NANG_UTM in message
    # The distortion named is the real one: 1 / cos(latitude), about 4.1 % at 16 N.
    factors = Proj(CRS.from_epsg(3857)).get_factors(make.LON0 + 0.003, make.LAT0 + 0.003)
    assert f"{100 * (factors.parallel_scale - 1):.1f} %" in message


@pytest.mark.parametrize("crs", ["EPSG:4326", "4326"])
def test_a_geographic_working_crs_is_refused_with_the_utm_zone(tmp_path, crs):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    with pytest.raises(ProjectError, match="not a projected CRS in metres") as info:
        create_project(str(zones), "population", crs=crs)
    _one_sentence(str(info.value))
    assert "EPSG:4326" in str(info.value) and DA_NANG_UTM in str(info.value)


def test_a_crs_in_feet_is_refused(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    with pytest.raises(ProjectError, match="not a projected CRS in metres") as info:
        create_project(str(zones), "population", crs="EPSG:2227")  # California zone 3, US feet
    assert DA_NANG_UTM in str(info.value)


def test_scale_error_threshold_is_half_a_percent(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    for ok in (0.9996, 0.996, 1.0045):
        assert create_project(str(zones), "population", crs=_tmerc(ok)).crs is not None
    for bad in (0.994, 1.006):
        with pytest.raises(ProjectError, match=r"more than the 0\.5 %") as info:
            create_project(str(zones), "population", crs=_tmerc(bad))
        assert DA_NANG_UTM in str(info.value)


def test_neighbouring_utm_zone_and_the_automatic_choice_pass(tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    # Da Nang lies 3.2 degrees east of zone 48's central meridian: scale 1.001, within 0.5 %.
    assert create_project(str(zones), "population", crs="32648").crs == CRS.from_epsg(32648)
    assert create_project(str(zones), "population").crs == CRS.from_user_input(DA_NANG_UTM)


def test_cli_new_refuses_web_mercator_and_writes_nothing(capsys, tmp_path):
    zones = make.write(make.zones(), tmp_path / "zones.geojson")
    target = tmp_path / "plan.cityplan"
    line = _cli_error(capsys, "new", target, "--zones", zones, "--population", "population", "--crs", "3857")
    _one_sentence(line)
    assert "EPSG:3857" in line and DA_NANG_UTM in line
    assert not target.exists()


def test_cli_new_refuses_geographic_even_when_the_zone_file_has_no_crs(capsys, tmp_path):
    # Nothing to propose from: the zones cannot be placed without a CRS; still one sentence.
    path = make.write(make.zones(), tmp_path / "degrees.shp")
    path.with_suffix(".prj").unlink()
    line = _cli_error(capsys, "new", tmp_path / "p.cityplan", "--zones", path, "--population", "population",
                      "--crs", "4326")
    assert "EPSG:4326" in line and "not a projected CRS in metres" in line


@pytest.mark.shared_data
def test_web_mercator_refused_on_hcmc_wards(capsys, tmp_path, hcmc_gpkg):
    line = _cli_error(
        capsys, "new", tmp_path / "hcmc.cityplan", "--zones", f"{hcmc_gpkg}:wards_pop2021",
        "--population", "Pop_2021", "--crs", "3857",
    )
    # About 1.8 % at 10.77 N: every KPI moved by about 1 pp before this check.
    assert "EPSG:3857" in line and "EPSG:32648" in line and "1.8 %" in line


# -- 6b: overlapping zones ------------------------------------------------------------------------
def _with_district(named: bool = True):
    """The 3 x 3 wards plus a district polygon over wards 1, 2, 4 and 5 (feature 10)."""
    wards = make.zones()
    district = shapely.union_all(wards.geometry.values[[0, 1, 3, 4]])
    row = {"name": "Quận Hải Châu", "population": 1000, "geometry": district}
    out = gpd.GeoDataFrame(pd.concat([wards, gpd.GeoDataFrame([row], crs=wards.crs)], ignore_index=True))
    return out if named else out.drop(columns="name")


def _shifted(share: float):
    """The 3 x 3 wards with ward 2 moved west over ward 1 by ``share`` of a ward's width."""
    wards = make.zones()
    geoms = wards.geometry.values.copy()
    geoms[1] = shapely.affinity.translate(geoms[1], xoff=-share * make.CELL_DEG)
    return wards.set_geometry(geoms)


def test_adjacent_wards_and_digitising_slivers_pass(tmp_path):
    for gdf, name in ((make.zones(), "grid"), (_shifted(0.005), "sliver")):
        path = make.write(gdf, tmp_path / f"{name}.geojson")
        project = create_project(str(path), "population")
        assert "zone_overlap_note" not in project.settings


def test_a_district_over_its_wards_is_refused_naming_both(tmp_path):
    path = make.write(_with_district(), tmp_path / "mixed.geojson")
    with pytest.raises(LayerLoadError) as info:
        create_project(str(path), "population")
    message = str(info.value)
    _one_sentence(message)
    assert "mixed.geojson" in message
    assert "'Quận Hải Châu' (feature 10)" in message
    assert any(f"'Phường {i}' (feature {i})" in message for i in (1, 2, 4, 5))
    assert "100 %" in message and "4 pairs" in message and "--allow-overlap" in message


def test_overlap_above_one_percent_is_refused_and_unnamed_zones_get_feature_numbers(tmp_path):
    path = make.write(_shifted(0.02).drop(columns="name"), tmp_path / "shifted.geojson")
    with pytest.raises(LayerLoadError, match="as feature 1 and feature 2, 2 % of the smaller one") as info:
        create_project(str(path), "population")
    assert "1 pair of zones shares more than 1 %" in str(info.value)
    _one_sentence(str(info.value))


def test_allow_overlap_states_the_double_count(tmp_path):
    path = make.write(_with_district(), tmp_path / "mixed.geojson")
    project = create_project(str(path), "population", allow_overlap=True)
    note = project.settings["zone_overlap_note"]
    # Wards 1, 2, 4 and 5 (50 + 150 + 350 + 450 people) lie wholly in the district: counted twice.
    assert "about 1,000 people are counted twice" in note and "'Quận Hải Châu'" in note
    assert project.population.sum() == sum(50 + 100 * i for i in range(9)) + 1000


def test_cli_new_refuses_overlap_and_allow_overlap_keeps_the_note_for_show(capsys, tmp_path):
    path = make.write(_with_district(), tmp_path / "mixed.geojson")
    target = tmp_path / "plan.cityplan"
    argv = ["new", target, "--zones", path, "--population", "population"]
    line = _cli_error(capsys, *argv)
    assert "'Quận Hải Châu'" in line and "--allow-overlap" in line and not target.exists()

    assert main([str(a) for a in [*argv, "--allow-overlap"]]) == 0
    out = capsys.readouterr().out
    assert "note: Zones overlap" in out and "about 1,000 people are counted twice" in out
    assert main(["show", str(target)]) == 0
    shown = capsys.readouterr().out
    assert "Note: Zones overlap" in shown and "about 1,000 people are counted twice" in shown
    assert main(["show", str(target), "--json"]) == 0
    assert "about 1,000 people" in json.loads(capsys.readouterr().out)["zone_overlap_note"]


@pytest.mark.shared_data
def test_hcmc_districts_over_their_wards_are_refused(capsys, tmp_path, hcmc_gpkg):
    # citywide_districts_pop over citywide_wards_pop, both with the 2019 census: every person
    # would be counted twice (the 639,881 -> 738,252 was the same mistake on fewer zones).
    wards = gpd.read_file(hcmc_gpkg, layer="citywide_wards_pop")
    wards = wards[["Com_Name", "Dist_Name", "Pop_2019", "geometry"]]
    districts = gpd.read_file(hcmc_gpkg, layer="citywide_districts_pop")
    districts = districts[["Dist_Name", "Pop_2019", "geometry"]]
    both = gpd.GeoDataFrame(pd.concat([wards, districts], ignore_index=True), crs=wards.crs)
    path = make.write(both, tmp_path / "hcmc_mixed.gpkg", layer="zones")
    target = tmp_path / "hcmc.cityplan"
    argv = ["new", target, "--zones", f"{path}:zones", "--population", "Pop_2019"]
    line = _cli_error(capsys, *argv)
    _one_sentence(line)
    assert "hcmc_mixed.gpkg" in line and "--allow-overlap" in line
    ward_names, district_names = set(wards["Com_Name"].dropna()), set(districts["Dist_Name"])
    named = re.findall(r"'([^']+)' \(feature (\d+)\)", line)
    assert len(named) == 2
    kinds = sorted(int(fid) > len(wards) for _, fid in named)
    assert kinds == [False, True]  # one ward, one district
    for name, fid in named:
        assert name in (district_names if int(fid) > len(wards) else ward_names)

    assert main([str(a) for a in [*argv, "--allow-overlap"]]) == 0
    out = capsys.readouterr().out
    counted = float(re.search(r"about ([\d,]+) people are counted twice", out).group(1).replace(",", ""))
    # The wards lie in their districts: the double count is about the wards' own total.
    assert counted == pytest.approx(wards["Pop_2019"].sum(), rel=0.02)
