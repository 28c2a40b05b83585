"""The installation self-test (``cityplanner selftest``, the bundle's ``--selftest``) on the source tree.

The full run is the one the offline bundle repeats (``make installer-check``); here it runs
in-process from the checkout, through the command line, in well under a minute. The failure path
and the frozen-bundle resource location are checked without building a bundle.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

from cityplanner import resources, selftest
from cityplanner.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(240)
def test_selftest_passes_on_the_source_tree_through_the_cli(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli_main(["selftest", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "self-test passed: 7 steps" in printed
    for step in ("shipped files", "geodata libraries", "KPIs", "proposal", "report files"):
        assert f"ok   {step} (" in printed
    assert (out / "selftest.pdf").read_bytes().startswith(b"%PDF-")
    assert 'id="cp-map-data"' in (out / "selftest.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(out / "selftest.xlsx", read_only=True)
    try:
        assert "KPIs" in book.sheetnames
    finally:
        book.close()
    # The sample itself is left as it was: the proposal went into a copy.
    assert selftest.PROPOSAL_SCENARIO.encode() not in selftest.SAMPLE_PROJECT.read_bytes()


def test_a_missing_shipped_file_fails_loudly_naming_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(selftest, "RESOURCE_FILES", (*selftest.RESOURCE_FILES, "fonts/Missing.ttf"))
    missing = r"shipped files: shipped file .*Missing\.ttf is missing"
    with pytest.raises(selftest.SelfTestError, match=missing):
        selftest.run_selftest(out_dir=tmp_path, log=None)
    assert selftest.exit_code(None, tmp_path) == 1
    assert "self-test FAILED: shipped files:" in capsys.readouterr().err


def test_an_unreadable_project_fails_in_the_step_that_reads_it(tmp_path):
    bogus = tmp_path / "not_a_project.cityplan"
    bogus.write_text("not a GeoPackage", encoding="utf-8")
    with pytest.raises(selftest.SelfTestError, match=r"^geodata libraries: "):
        selftest.run_selftest(bogus, log=None)


def test_resources_come_from_the_checkout_unless_frozen(monkeypatch, tmp_path):
    assert resources.ROOT_DIR == REPO
    assert resources.resource_path("kpi_catalogue.yaml") == REPO / "resources" / "kpi_catalogue.yaml"
    assert selftest.SAMPLE_PROJECT == REPO / "sample_data" / "hai_chau.cityplan"
    # A PyInstaller bundle sets sys.frozen and sys._MEIPASS (its _internal folder).
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources._root_dir() == tmp_path
    # _MEIPASS alone (no sys.frozen) is not a bundle.
    monkeypatch.delattr(sys, "frozen")
    assert resources._root_dir() == REPO


def test_fiona_is_checked_only_where_it_is_installed(monkeypatch):
    # The offline bundle leaves fiona out (installer/README.md); the self-test says so and goes on.
    monkeypatch.setitem(sys.modules, "fiona", None)  # `import fiona` now raises ImportError
    note = selftest._check_fiona(selftest.SAMPLE_PROJECT, "zones")
    assert note.startswith("no fiona (not installed")
