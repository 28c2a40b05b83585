"""Shared fixtures: real data locations (skipping with a reason where absent) and Qt set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_DATA = REPO / "sample_data"


def _shared(rel: str) -> Path:
    path = SHARED_DATA / rel
    if not path.exists():
        pytest.skip(f"needs {rel} from ../shared/data, which this clone does not have")
    return path


@pytest.fixture(scope="session")
def hcmc_gpkg() -> Path:
    """The HCMC test GeoPackage (testing only: read from ../shared, never copied)."""
    return _shared("hcmc/hcmc_all_layers_wgs84.gpkg")


@pytest.fixture(scope="session")
def danang_gpkg() -> Path:
    return _shared("danang/hai_chau_osm_wgs84.gpkg")


@pytest.fixture(scope="session")
def danang_osm() -> Path:
    return _shared("danang/hai_chau_map.osm")


@pytest.fixture(scope="session")
def danang_census_csv() -> Path:
    return _shared("danang/danang_ward_population_2019.csv")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DATA


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on the sample city (UI tests; test_ui_lifecycle has its own, unshown)."""
    from test_ui_support import open_sample_window

    return open_sample_window(qtbot, tmp_path)
