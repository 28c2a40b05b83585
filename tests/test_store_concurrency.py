"""Loading a project while other processes save it yields one whole version, never a mix.

Two writer processes save two distinguishable versions of a project (A and B: every table,
from the layers to the settings, says which version it belongs to, and the feature counts
differ) onto the same path over and over, each save replacing the file atomically. Meanwhile
the test loads the file as often as it can and checks every load succeeds and is wholly A or
wholly B. Before loads read one snapshot, most loads failed or combined tables of both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from cityplanner.errors import ProjectError
from cityplanner.project import FacilityType, Layer, Placement, Project
from cityplanner.store import load_project

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
LOAD_SECONDS = 7.0
# Features per layer in each version, so a layer from the other version is noticed by its size too.
SIZES = {"A": {"zones": 60, "roads": 40, "stops": 25}, "B": {"zones": 90, "roads": 55, "stops": 35}}

_WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_store_concurrency import build
from cityplanner.store import save_project

tag, target, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
project = build(tag)
saves = 0
while not stop.exists():
    save_project(project, target)
    saves += 1
    if saves == 1:
        print("saved", flush=True)
print(saves, flush=True)
"""


def build(tag: str) -> Project:
    """Version ``tag`` of the project: every table carries the tag."""
    crs = CRS.from_epsg(32649)
    sizes = SIZES[tag]
    n = sizes["zones"]
    i = np.arange(n)
    zones = gpd.GeoDataFrame(
        {"ward": [f"{tag}-{k}" for k in i], "pop": (i + 1) * 10, "tag": tag},
        geometry=shapely.box(i * 100.0, 0.0, i * 100.0 + 90.0, 90.0),
        crs=crs,
    )
    k = np.arange(sizes["roads"])
    roads = gpd.GeoDataFrame(
        {"tag": [tag] * len(k), "highway": "residential"},
        geometry=shapely.linestrings(np.stack([k * 50.0, k * 0.0, k * 50.0, k + 80.0], 1).reshape(-1, 2, 2)),
        crs=crs,
    )
    j = np.arange(sizes["stops"])
    stops = gpd.GeoDataFrame({"tag": [tag] * len(j)}, geometry=shapely.points(j * 30.0, j * 2.0), crs=crs)
    project = Project(crs=crs, name=f"Version {tag}")
    project.add_layer(Layer("zones", zones, role="zones", source=f"{tag}.gpkg"))
    project.add_layer(Layer("roads", roads, role="roads", source=f"{tag}.gpkg"))
    project.add_layer(Layer("stops", stops, role="bus_stops", source=f"{tag}.gpkg"))
    project.zones_layer, project.population_field = "zones", "pop"
    project.facility_types["clinic"] = FacilityType("clinic", label=f"Clinic {tag}", radius_m=500.0)
    plan = project.add_scenario(f"Plan {tag}", description=f"version {tag}")
    for p in range(3 if tag == "A" else 5):
        plan.placements.append(Placement("clinic", 100.0 * p, 50.0, name=f"{tag} {p}"))
    project.priority = {0: 1} if tag == "A" else {1: 2, 2: 3}
    project.kpi_targets = {"clinic_coverage": 50.0 if tag == "A" else 70.0}
    project.settings = {"tag": tag, "walk_speed_kmh": 4.0 if tag == "A" else 5.0}
    return project


def signature(project: Project) -> tuple:
    """What tells the versions apart, from every table of the file."""
    return (
        project.name,
        tuple(
            (name, len(lyr.gdf), tuple(sorted(set(lyr.gdf["tag"])))) for name, lyr in project.layers.items()
        ),
        tuple(lyr.source for lyr in project.layers.values()),
        tuple(ft.label for ft in project.facility_types.values()),
        tuple(
            (s.name, s.description, tuple(p.name for p in s.placements)) for s in project.scenarios.values()
        ),
        tuple(sorted(project.priority.items())),
        tuple(sorted(project.kpi_targets.items())),
        tuple(sorted(project.settings.items())),
    )


def test_load_during_concurrent_saves_is_one_whole_version(tmp_path: Path) -> None:
    expected = {tag: signature(build(tag)) for tag in SIZES}
    assert expected["A"] != expected["B"]
    target = tmp_path / "shared.cityplan"
    stop = tmp_path / "stop"
    script = _WRITER.format(tests=str(TESTS))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, tag, str(target), str(stop)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    seen = {"A": 0, "B": 0}
    failures: list[str] = []
    mixed: list[tuple] = []
    try:
        for writer in writers:  # both have saved once: from now on every load races two writers
            line = writer.stdout.readline()
            assert line.strip() == "saved", writer.stderr.read()[-3000:]
        deadline = time.monotonic() + LOAD_SECONDS
        while time.monotonic() < deadline:
            try:
                loaded = load_project(target)
            except ProjectError as err:
                failures.append(str(err))
                continue
            got = signature(loaded)
            tag = next((t for t, sig in expected.items() if sig == got), None)
            if tag is None:
                mixed.append(got)
            else:
                seen[tag] += 1
    finally:
        stop.touch()
        outputs = [writer.communicate(timeout=60) for writer in writers]
    saves = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    for writer, (_, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err[-3000:]
    loads = sum(seen.values()) + len(failures) + len(mixed)
    summary = f"{loads} loads ({seen}), {len(failures)} failed, {len(mixed)} mixed; saves per writer {saves}"
    assert not failures, f"{summary}; first failure: {failures[0]}"
    assert not mixed, f"{summary}; first mix: {mixed[0]}"
    # The test only proves something if the file really changed under the reader.
    assert seen["A"] and seen["B"] and min(saves) >= 10, summary
    print(summary)
