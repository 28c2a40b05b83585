"""``cityplanner report``: every output in one run, errors as one sentence with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityplanner.cli import main as cli_main

PLAN = "Smart Hải Châu 2030"


@pytest.fixture(scope="module")
def project_path(sample_dir: Path) -> Path:
    return sample_dir / "hai_chau.cityplan"


def test_report_writes_every_output(project_path: Path, tmp_path: Path, capsys) -> None:
    out = {ext: tmp_path / f"plan.{ext}" for ext in ("pdf", "html", "xlsx", "gpkg")}
    args = ["report", str(project_path), "--scenario", PLAN, "--paper", "a3", "--landscape"]
    args += ["--author", "Lê Văn Tám", "--title", "Kế hoạch thử"]
    for ext, path in out.items():
        args += [f"--{ext}", str(path)]
    args += ["--csv", str(tmp_path / "csv")]
    assert cli_main(args) == 0
    printed = capsys.readouterr().out
    for path in out.values():
        assert path.stat().st_size > 0 and str(path) in printed
    assert (tmp_path / "csv" / "kpis.csv").exists()
    assert out["pdf"].read_bytes().startswith(b"%PDF")


def test_report_without_outputs_exits_2(project_path: Path, capsys) -> None:
    assert cli_main(["report", str(project_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--pdf" in err and "Traceback" not in err


def test_unknown_scenario_exits_2_and_writes_nothing(project_path: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "x.pdf"
    assert cli_main(["report", str(project_path), "--scenario", PLAN, "Nope", "--pdf", str(target)]) == 2
    err = capsys.readouterr().err
    # One sentence that names the project file.
    assert f"Project '{project_path}' has no scenario named 'Nope'" in err and err.count("\n") == 1
    assert not target.exists()


def test_missing_output_folder_exits_2_before_work(project_path: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "missing" / "x.html"
    assert cli_main(["report", str(project_path), "--html", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "name", "ending"),
    [
        ("--pdf", "out.html", ".pdf"),
        ("--html", "map.pdf", ".html or .htm"),
        ("--xlsx", "t.csv", ".xlsx"),
        ("--gpkg", "plan", ".gpkg"),
    ],
)
def test_output_with_another_file_type_exits_2(
    project_path: Path, tmp_path: Path, capsys, flag: str, name: str, ending: str
) -> None:
    target = tmp_path / name
    assert cli_main(["report", str(project_path), flag, str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{flag} {target} must be a file name ending in {ending}." in err
    assert not target.exists()


def test_file_type_check_ignores_case_and_accepts_htm(project_path: Path, tmp_path: Path, capsys) -> None:
    # Both names pass the type check and stop at the missing folder, before any work.
    for flag, name in (("--html", "map.htm"), ("--pdf", "REPORT.PDF")):
        assert cli_main(["report", str(project_path), flag, str(tmp_path / "missing" / name)]) == 2
        assert "does not exist" in capsys.readouterr().err
