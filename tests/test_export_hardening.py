"""Exports and saves facing hostile text, a full disk, a file size limit, a read-only folder, long names.

* Spreadsheet formula injection: project text such as ``=cmd|' /C calc'!A0`` (a zone value) or a
  field named ``=HYPERLINK(...)`` must reach Excel and CSV as quoted text, never as a formula,
  while numbers stay numbers.
* Write failures: a child process writes every report output and saves the project while the
  disk is full (a tiny ``LD_PRELOAD`` shim makes ``write``/``pwrite`` into the output folder fail
  with ``ENOSPC`` once a byte budget is used up, as a full disk does, through Python, SQLite and
  GDAL alike), while a file size limit is set (``RLIMIT_FSIZE`` with ``SIGXFSZ`` ignored, so the
  kernel refuses with ``EFBIG`` as on a FAT32 USB stick) and with a read-only folder. Tests run
  as root here, where chmod denies nothing, so that child drops to user ``nobody`` after loading
  (and works on relative paths, so only the folder's own mode can refuse). Each failure must be
  one sentence naming the folder and the cause, with no traceback, no partial or temporary file
  left and the previous files untouched.
* A 5,005-character scenario name and long KPI, zone, layer, type and placement names must not
  break the PDF's layout.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from cityplanner.project import Placement
from cityplanner.report.content import collect
from cityplanner.report.pdf import write_pdf
from cityplanner.report.tables import FORMULA_TRIGGERS, spreadsheet_text, write_csv, write_xlsx
from cityplanner.store import load_project

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "hai_chau.cityplan"
PLAN = "Smart Hải Châu 2030"

EVIL = "=cmd|' /C calc'!A0"
EVIL_FIELD = '=HYPERLINK("http://example.com/x","click")'
EVIL_PLAN = "@Plan 2030"
EVIL_TEXTS = {  # a zone text field: what each row holds
    0: EVIL,
    1: "+84 236 3821 000",
    2: "-5",
    3: "@SUM(A1:A9)",
    4: "\tTabbed",
    5: "\rReturn",
}


# -- formula injection ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Phường 1", "Phường 1"),
        ("a=b", "a=b"),
        ("", ""),
        ("'=already", "'=already"),
    ],
)
def test_spreadsheet_text_quotes_what_starts_like_a_formula(text: str, expected: str) -> None:
    assert spreadsheet_text(text) == expected


@pytest.fixture(scope="module")
def hostile():
    """The sample project with formula-like text in every place project text reaches a table."""
    project = load_project(SAMPLE)
    zones = project.layers[project.zones_layer].gdf
    zones["note"] = [EVIL_TEXTS.get(i, "ordinary") for i in range(len(zones))]
    zones[EVIL_FIELD] = -np.arange(len(zones), dtype="int64")  # numbers, some negative
    zones.loc[7, "district"] = "=1+1 district"
    plan = project.scenarios.pop(PLAN)
    plan.name = EVIL_PLAN
    project.scenarios[EVIL_PLAN] = plan
    plan.placements[0].name = '=HYPERLINK("http://evil.example")'
    plan.placements[1].name = "-minus"
    project.facility_types[plan.placements[0].type].label = "+label"
    return project, collect(project, None)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_xlsx_holds_no_formula_and_quotes_project_text(hostile, tmp_path: Path) -> None:
    project, content = hostile
    book = openpyxl.load_workbook(write_xlsx(project, None, tmp_path / "plan.xlsx", content=content))
    strings = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.data_type == "s":
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (sheet.title, cell.coordinate)
                    strings.add(cell.value)
    for text in (*EVIL_TEXTS.values(), EVIL_FIELD, EVIL_PLAN, "=1+1 district", "-minus", "+label"):
        # XML reads a carriage return back as a line feed.
        assert ("'" + text).replace("\r", "\n") in strings, text
    # Numbers stay numbers: the hostile field's values (negative ones too) and the population.
    zones = next(s for s in book.worksheets if s.title.startswith("Zones 1"))
    header = [c.value for c in zones[1]]
    for name, sign in (("'" + EVIL_FIELD, -1), ("population", 1)):
        cells = [row[header.index(name)] for row in zones.iter_rows(min_row=2)]
        assert all(c.data_type == "n" for c in cells), name
        assert any(c.value * sign > 0 for c in cells), name
    kpis = book["KPIs"]
    head = [c.value for c in kpis[1]]
    values = [row[head.index("value")] for row in kpis.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in values if c.value is not None)


def test_csv_files_quote_project_text_and_keep_numbers(hostile, tmp_path: Path) -> None:
    project, content = hostile
    files = write_csv(project, None, tmp_path / "csv", content=content)
    fields = set()
    for path in files:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for field in row:
                    # Only numbers may start with a sign; every text that starts like a formula is quoted.
                    assert not field.startswith(FORMULA_TRIGGERS) or _is_number(field), (path.name, field)
                    fields.add(field)
    for text in (*EVIL_TEXTS.values(), EVIL_FIELD, EVIL_PLAN, "=1+1 district", "-minus", "+label"):
        assert "'" + text in fields, text
    zones = pd.read_csv(tmp_path / "csv" / "zones_plan_2030.csv", encoding="utf-8-sig")
    assert pd.api.types.is_integer_dtype(zones["'" + EVIL_FIELD]) and zones["'" + EVIL_FIELD].min() < 0
    assert pd.api.types.is_numeric_dtype(zones["population"])
    assert zones.loc[2, "note"] == "'-5"  # text that reads like a number stays text
    kpis = pd.read_csv(tmp_path / "csv" / "kpis.csv", encoding="utf-8-sig")
    assert pd.api.types.is_float_dtype(kpis["value"])


# -- write failures ----------------------------------------------------------------------------------
_FULL_DISK_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Writes into CP_FULL_DIR share a budget of free bytes (cp_set_budget); past it they fail with
   ENOSPC, after a short write, as on a full disk. Other files are not affected. */
static long long budget = -1;

void cp_set_budget(long long bytes) { budget = bytes; }
long long cp_budget(void) { return budget; }

static size_t allowed(int fd, size_t count) {
    const char *dir = getenv("CP_FULL_DIR");
    char link[64], path[4096];
    if (budget < 0 || dir == NULL) return count;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return count;
    path[n] = 0;
    size_t len = strlen(dir);
    if (strncmp(path, dir, len) != 0 || path[len] != '/') return count;
    if ((long long)count > budget) count = (size_t)budget;
    budget -= (long long)count;
    return count;
}

#define WRAP(name, params, args, ...)                                          \
    ssize_t name params {                                                      \
        static ssize_t (*real) params;                                         \
        if (!real) real = dlsym(RTLD_NEXT, #name);                             \
        size_t n = allowed(fd, count);                                         \
        if (count > 0 && n == 0) { errno = ENOSPC; return -1; }                \
        count = n;                                                             \
        return real args;                                                      \
    }

WRAP(write, (int fd, const void *buf, size_t count), (fd, buf, count))
WRAP(pwrite, (int fd, const void *buf, size_t count, off_t offset), (fd, buf, count, offset))
WRAP(pwrite64, (int fd, const void *buf, size_t count, off_t offset), (fd, buf, count, offset))
"""

_CHILD = r"""
import ctypes, gc, json, os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past RLIMIT_FSIZE a write fails with EFBIG
import cityplanner.tasks.report as verb  # the Report task `cityplanner report` runs
from cityplanner.cli import main
from cityplanner.errors import CityPlannerError
from cityplanner.store import load_project, save_project

mode, setting, sample, runs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
collect, cache = verb.collect, {}


def collect_once(*args, **kwargs):  # one KPI evaluation for every run: they all report the sample
    if "content" not in cache:
        cache["content"] = collect(*args, **kwargs)
    return cache["content"]


verb.collect = collect_once
if mode == "readonly":
    # Every module the writers import lazily is loaded now: as nobody, the stdlib is unreadable.
    warm = json.loads(setting)
    for flag, target in warm["outputs"]:
        assert main(["report", sample, flag, target]) == 0
    save_project(load_project(sample), warm["save"])
    os.chdir(warm["cwd"])
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
elif mode == "fsize":
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(setting), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
project = load_project(sample)
if mode == "full":
    shim = ctypes.CDLL(os.environ["LD_PRELOAD"])
    shim.cp_budget.restype = ctypes.c_longlong
    # What a whole save writes (journals included), so budgets can be set to fail at its very end.
    shim.cp_set_budget(ctypes.c_longlong(1 << 50))
    measure = os.path.join(os.environ["CP_FULL_DIR"], "measure.cityplan")
    save_project(project, measure)
    total = (1 << 50) - shim.cp_budget()
    os.remove(measure)
for kind, target, budget in runs:
    if mode == "full":
        budget = budget if isinstance(budget, int) else int(eval(budget, {"total": total}))
        shim.cp_set_budget(ctypes.c_longlong(budget))
    print(f"@@ {kind} {target}", file=sys.stderr, flush=True)
    if kind == "save":
        try:
            save_project(project, target)
            code = 0
        except CityPlannerError as err:
            print(f"cityplanner: error: {err}", file=sys.stderr)
            code = 2
    else:
        code = main(["report", sample, kind, target])
    gc.collect()
    print(f"@@ exit {code}", file=sys.stderr, flush=True)
"""

# What each output writes, and the cause each way of failing must name.
_OUTPUTS = [("--pdf", "plan.pdf"), ("--html", "plan.html"), ("--xlsx", "plan.xlsx"), ("--gpkg", "plan.gpkg")]
_CAUSES = {
    "full": "is full",
    "fsize": "size limit",
    "readonly": "no permission to write in the folder",
}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _old_outputs(out: Path) -> None:
    """Earlier outputs that a failed write must leave as they are."""
    out.mkdir()
    for _, name in _OUTPUTS:
        (out / name).write_bytes(b"old " + name.encode())
    (out / "csv").mkdir()
    (out / "csv" / "kpis.csv").write_text("old kpis\n")
    shutil.copyfile(SAMPLE, out / "plan.cityplan")


def _run_child(mode: str, setting: str, runs: list, env: dict | None = None) -> str:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, setting, str(SAMPLE), json.dumps(runs)],
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-4000:]
    return child.stderr


def _check_failures(stderr: str, runs: list, cause: str, workbook_temp: Path | None = None) -> None:
    """Each run failed with exit status 2 and one sentence naming its folder and ``cause``.

    openpyxl builds a workbook's sheets in the system's temporary folder (``workbook_temp``), so
    a workbook may fail there before reaching its own folder; the sentence then names that one.
    """
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr[-4000:]
    blocks = stderr.split("@@ ")[1:]
    assert len(blocks) == 2 * len(runs), stderr[-4000:]
    for (kind, target, _), said, ended in zip(runs, blocks[::2], blocks[1::2], strict=True):
        lines = said.splitlines()[1:]
        assert ended.strip() == "exit 2", (kind, said)
        assert len(lines) == 1 and lines[0].startswith("cityplanner: error: "), (kind, said)
        message = lines[0]
        assert str(target) in message and cause in message, (kind, message)
        # A CSV folder that does not exist yet is refused by the folder that would hold it.
        folders = [target, str(Path(target).parent)] if kind == "--csv" else [str(Path(target).parent)]
        if kind == "--xlsx" and workbook_temp is not None:
            folders.append(str(workbook_temp))
        assert any(f"folder {folder}" in message for folder in folders), (kind, message)
        assert "rollback" not in message and "sqlite" not in message.lower(), message


def _runs(out: Path) -> list:
    """(what, target, free bytes on the 'disk') for every output and the save."""
    runs = [[flag, str(out / name), 40_000] for flag, name in _OUTPUTS]
    runs += [["--csv", str(out / "csv"), 40_000], ["--csv", str(out / "new csv"), 40_000]]
    # Saves failing early (in a layer), half-way and at the very end (the metadata tables, where
    # the message was "database or disk is full", or "cannot rollback - no transaction is
    # active" when SQLite had rolled back itself, naming neither the disk nor the folder).
    runs += [["save", str(out / "plan.cityplan"), free] for free in (40_000, "total // 2", "total - 8000")]
    return runs


def _shim(tmp_path: Path) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not Path("/proc/self/fd").is_dir():
        pytest.skip("the full-disk shim needs a C compiler and /proc (Linux)")
    source = tmp_path / "full_disk.c"
    source.write_text(_FULL_DISK_SHIM)
    library = tmp_path / "full_disk.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", library, source, "-ldl"], check=True)
    return library


def test_full_disk_is_one_sentence_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_outputs(out)
    before = _files(out)
    runs = _runs(out)
    # The csv run's budget lets the small tables through but not the zone tables (about 90 kB):
    # writing file by file used to leave four new files and the old kpis.csv replaced.
    stderr = _run_child("full", "", runs, env={"LD_PRELOAD": str(_shim(tmp_path)), "CP_FULL_DIR": str(out)})
    _check_failures(stderr, runs, _CAUSES["full"])
    assert _files(out) == before
    assert not (out / "new csv").exists()


def test_file_size_limit_is_one_sentence_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_outputs(out)
    before = _files(out)
    runs = _runs(out)[:-2]  # one save is enough: the limit is per file
    system_temp = tmp_path / "system temp"
    system_temp.mkdir()
    stderr = _run_child("fsize", "60000", runs, env={"TMPDIR": str(system_temp)})
    _check_failures(stderr, runs, _CAUSES["fsize"], workbook_temp=system_temp)
    assert _files(out) == before
    assert not any(system_temp.iterdir())  # openpyxl's sheet files are gone too
    assert not (out / "new csv").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="needs POSIX users")
def test_read_only_folder_is_one_sentence_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_outputs(out)
    warm = tmp_path / "warm"
    warm.mkdir()
    setting = {
        "outputs": [[flag, str(warm / name)] for flag, name in [*_OUTPUTS, ("--csv", "csv")]],
        "save": str(warm / "plan.cityplan"),
        "cwd": str(tmp_path),
    }
    for path in (out, out / "csv"):
        path.chmod(0o555)
    tmp_path.chmod(0o755)  # the child, as nobody, reaches out/ relative to this folder only
    before = _files(out)
    relative = Path("out")
    runs = [[kind, str(relative / Path(target).relative_to(out)), 0] for kind, target, _ in _runs(out)[:-2]]
    try:
        stderr = _run_child("readonly", json.dumps(setting), runs)
    finally:
        for path in (out, out / "csv"):
            path.chmod(0o755)
    _check_failures(stderr, runs, _CAUSES["readonly"])
    assert _files(out) == before
    assert not (out / "new csv").exists()


def test_save_leaves_no_gdal_warning_and_removes_stale_temporaries(tmp_path: Path, capfd) -> None:
    """The temporary file ends in .gpkg (GDAL warned "extension should be 'gpkg'" on every save from
    a thread before), and temporaries a killed save left are removed by the next save."""
    import threading

    from cityplanner.store import save_project

    project = load_project(SAMPLE)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "plan.cityplan"
    stale = [
        f".plan.cityplan.tmp-{dead.pid}.gpkg",
        f".plan.cityplan.tmp-{dead.pid}.gpkg-journal",
        f".plan.cityplan.tmp-{dead.pid}-2.gpkg",
        f"plan.cityplan.tmp-{dead.pid}",  # the name earlier versions used
    ]
    kept = [
        f".plan.cityplan.tmp-{os.getppid()}.gpkg",  # a save in progress in a running process
        ".plan.cityplan.tmp-notes.txt",
        f"other.cityplan.tmp-{dead.pid}",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"partial")
    capfd.readouterr()
    saved = []
    thread = threading.Thread(target=lambda: saved.append(save_project(project, target)))
    thread.start()
    thread.join()
    captured = capfd.readouterr()
    assert saved == [target]
    assert "gpkg" not in captured.err and "Warning" not in captured.err, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, *kept])
    assert load_project(target).name == project.name


# -- long names in the PDF -------------------------------------------------------------------------
LONG_WORDS = ("Kế hoạch phát triển đô thị thông minh " * 200)[:5005]
LONG_WORD = "Đ" * 5005


@pytest.fixture(scope="module")
def long_named():
    project = copy.deepcopy(load_project(SAMPLE))
    plan = project.scenarios.pop(PLAN)
    plan.name = LONG_WORDS
    project.scenarios[LONG_WORDS] = plan
    first = plan.placements[0]
    project.add_scenario(LONG_WORDS[:-1] + "!").placements.append(Placement(first.type, first.x, first.y))
    plan.placements[0].name = LONG_WORD
    plan.placements[1].name = LONG_WORDS
    project.facility_types[plan.placements[0].type].label = LONG_WORDS
    zones = project.layers[project.zones_layer].gdf
    zones.loc[0, "district"] = LONG_WORD
    zones.loc[1, "district"] = LONG_WORDS
    parks = project.layers.pop("parks")
    parks.name = LONG_WORD
    project.layers[LONG_WORD] = parks
    content = collect(project, None, title=LONG_WORDS, author=LONG_WORD)
    first = content.catalogue[0].id
    catalogue = [dataclasses.replace(k, name=LONG_WORDS) if k.id == first else k for k in content.catalogue]
    for scenario in content.scenarios:
        for kpi in scenario.kpis:
            if kpi.id == first:
                kpi.name = LONG_WORDS
    return project, dataclasses.replace(content, catalogue=catalogue)


@pytest.mark.parametrize("landscape", [False, True])
def test_pdf_with_5005_character_names_fits_the_page(long_named, tmp_path: Path, landscape: bool) -> None:
    project, content = long_named
    path = write_pdf(project, None, tmp_path / "long.pdf", landscape=landscape, content=content)
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "…" in text and "Kế hoạch phát triển" in text
    assert LONG_WORDS not in text.replace("\n", " ")  # shortened, not 5,005 characters across pages
    assert len(reader.pages) < 40


def test_csv_file_names_of_a_5005_character_scenario_are_short(sample_dir, tmp_path):
    """Scenario names become file names: a 5,005-character one failed with 'File name too long'."""
    from cityplanner.report.tables import write_csv
    from cityplanner.store import load_project

    project = load_project(sample_dir / "hai_chau.cityplan")
    long_name = "Kế hoạch " + "x" * 4_996
    project.add_scenario(long_name, copy_from=list(project.scenarios)[1])
    written = write_csv(project, None, tmp_path / "out")
    names = [Path(p).name for p in written]
    assert len(names) == len(set(names)) >= 4 and all(len(n.encode()) < 120 for n in names)
