"""Input checks of a new project (issue 10, item 6): the working CRS must keep distances true at
the data's centre, and zones must not overlap (each person counted once)."""

from __future__ import annotations

import data_factory as make
import pytest
from pyproj import CRS, Proj

from cityplanner.assemble import create_project
from cityplanner.cli import main
from cityplanner.errors import ProjectError

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
