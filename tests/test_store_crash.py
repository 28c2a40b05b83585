"""A process killed while saving leaves the previous project file intact.

A child process saves a big project (200,000 polygons, about 50 MB) over and over onto the path
of a small known-good project; the test SIGKILLs it at different moments of writing the
temporary file and checks the original file is byte for byte the same and still loads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS

from cityplanner.project import FacilityType, Layer, Placement, Project
from cityplanner.store import load_project, save_project

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

_SAVE_BIG_PROJECT_FOREVER = """
import sys
import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from cityplanner.project import Layer, Project
from cityplanner.store import save_project

crs = CRS.from_epsg(32649)
n = 200_000
i = np.arange(n)
x, y = (i % 450) * 20.0, (i // 450) * 20.0
zones = gpd.GeoDataFrame(
    {"pop": (i % 97).astype("int64")}, geometry=shapely.box(x, y, x + 15.0, y + 15.0), crs=crs
)
big = Project(crs=crs, name="big")
big.add_layer(Layer("zones", zones, role="zones"))
big.zones_layer, big.population_field = "zones", "pop"
while True:
    save_project(big, sys.argv[1])
"""

# Kill points: size the temporary file has reached (bytes). 0 = as soon as it exists; the file is
# about 48 MB when complete, so the last point falls while the spatial index is being built.
_KILL_AT_BYTES = [0, 20_000_000, 42_000_000]


def _known_good_project() -> Project:
    crs = CRS.from_epsg(32649)
    zones = gpd.GeoDataFrame(
        {"ward": ["Hải Châu 1", "Thạch Thang"], "pop": [12_500, 8_300]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=crs,
    )
    project = Project(crs=crs, name="Known good")
    project.add_layer(Layer("wards", zones, role="zones"))
    project.zones_layer, project.population_field = "wards", "pop"
    project.facility_types["park"] = FacilityType("park", radius_m=400.0)
    project.add_scenario("Plan").placements.append(Placement("park", 50.0, 50.0, name="Công viên"))
    return project


def _kill_while_writing(target: Path, at_bytes: int) -> int:
    """Start the saving child, SIGKILL it once its temporary file reaches ``at_bytes``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVE_BIG_PROJECT_FOREVER, str(target)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    tmp = target.with_name(f".{target.name}.tmp-{child.pid}.gpkg")
    inode = target.stat().st_ino  # os.replace would put a new file there
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                size = tmp.stat().st_size
            except FileNotFoundError:
                size = -1
            if size >= at_bytes:
                os.kill(child.pid, signal.SIGKILL)
                break
            if target.stat().st_ino != inode:
                pytest.fail(f"a save finished before its file reached {at_bytes} bytes; lower the kill point")
            if child.poll() is not None:
                pytest.fail(f"saving process ended early: {child.stderr.read().decode()[-2000:]}")
            time.sleep(0.0005)
        else:
            pytest.fail("the saving process never wrote its temporary file")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stderr.close()
    assert tmp.exists(), "the save finished before the kill; the test did not interrupt a write"
    for leftover in target.parent.glob(f"{tmp.name}*"):  # the temporary file and SQLite's journal
        leftover.unlink()
    return child.returncode


def test_killed_save_leaves_previous_file_intact(tmp_path):
    good = _known_good_project()
    target = tmp_path / "plan.cityplan"
    save_project(good, target)
    original = target.read_bytes()

    for at_bytes in _KILL_AT_BYTES:
        assert _kill_while_writing(target, at_bytes) == -signal.SIGKILL
        assert target.read_bytes() == original, f"file changed by a save killed at {at_bytes} bytes"
        loaded = load_project(target)
        assert_geodataframe_equal(loaded.layers["wards"].gdf, good.layers["wards"].gdf)
        assert loaded.scenarios == good.scenarios
        assert loaded.facility_types == good.facility_types
        assert (loaded.name, loaded.zones_layer, loaded.population_field) == ("Known good", "wards", "pop")
    assert list(tmp_path.iterdir()) == [target]
