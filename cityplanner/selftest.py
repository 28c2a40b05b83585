"""Self-test of an installation: ``cityplanner selftest`` and the bundle's ``CityPlanner --selftest``.

Runs the engine end to end on the shipped sample city, the way a planner's first session would,
and checks what it writes, so that an installation (above all the offline bundle built by
``installer/cityplanner.spec``) missing a data file or a library fails loudly instead of on a
planner's desk:

1. the shipped files are there: KPI catalogue, facility types, report fonts, icons, style sheet,
   the compiled translations, the HTML map script and Leaflet (xstatic-leaflet);
2. the geodata libraries find their data: PROJ's ``proj.db`` through pyproj, and GDAL with PROJ
   through pyogrio and rasterio (each wheel carries its own GDAL and PROJ), and fiona's where it
   is installed (the offline bundle leaves it out: it is only the reader of last resort);
3. the sample project opens, and every KPI of the catalogue is computed for every scenario;
4. one small proposal is computed (:func:`~cityplanner.optimise.grid_candidates` and
   :func:`~cityplanner.optimise.optimise_project`, HiGHS) and becomes a scenario, whose KPIs are
   computed too; the project is saved and read back;
5. a PDF report, an HTML map, an Excel workbook and a GeoPackage are written to a temporary folder
   and checked (not empty, the PDF starts with ``%PDF``, the HTML holds the map data element
   ``id="cp-map-data"``, the workbook opens with openpyxl, the GeoPackage reads back).

No Qt here (the engine never imports it); the desktop app's ``--selftest`` (``main.py``) runs this
and then checks its own Qt parts.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import CityPlannerError
from .resources import ROOT_DIR, resource_path

SAMPLE_PROJECT = ROOT_DIR / "sample_data" / "hai_chau.cityplan"
PROPOSAL_SCENARIO = "Self-test proposal"
# The proposal: two 5G small cells (250 m) on a 300 m grid over the sample's zones; a few seconds.
PROPOSAL_TYPE = "small_cell"
PROPOSAL_GRID_M = 300.0
PROPOSAL_SITES = 2

# Files every installation ships in resources/ (relative to it).
RESOURCE_FILES = (
    "kpi_catalogue.yaml",
    "facility_types.yaml",
    "fonts/DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf",
    "styles/cityplanner.qss",
    "icons/app.svg",
    "translations/cityplanner_vi.qm",
)


class SelfTestError(CityPlannerError):
    """A check of the self-test failed; the message names the check and what was wrong."""


@dataclass
class StepResult:
    name: str
    seconds: float
    detail: str


@dataclass
class SelfTestReport:
    steps: list[StepResult]
    seconds: float
    out_dir: Path | None


def run_selftest(
    project_path: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = None,
    log: Callable[[str], None] | None = print,
) -> SelfTestReport:
    """Run every check; raise :class:`SelfTestError` at the first that fails.

    Parameters
    ----------
    project_path : path, optional
        The project to test on; the shipped sample city by default.
    out_dir : path, optional
        Folder receiving the report files (kept); by default a temporary folder, removed afterwards.
    log : callable, optional
        Receives one line per finished step (``print`` by default; None for silence).

    Returns
    -------
    SelfTestReport
        The steps with their time and a short account of what each checked.
    """
    start = time.perf_counter()
    project_path = Path(project_path) if project_path is not None else SAMPLE_PROJECT
    steps: list[StepResult] = []
    state: dict = {}

    def step(name: str, func: Callable[[], str]) -> None:
        t0 = time.perf_counter()
        try:
            detail = func()
        except SelfTestError as err:
            raise SelfTestError(f"{name}: {err}") from err
        except Exception as err:  # any failure is the test's answer, said in one line with its cause
            lines = traceback.format_exception_only(type(err), err)
            raise SelfTestError(f"{name}: {''.join(lines).strip()}") from err
        result = StepResult(name, time.perf_counter() - t0, detail)
        steps.append(result)
        if log is not None:
            log(f"ok   {name} ({result.seconds:.1f} s): {detail}")

    with tempfile.TemporaryDirectory(prefix="cityplanner-selftest-") as tmp:
        folder = Path(out_dir) if out_dir is not None else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        step("shipped files", _check_shipped_files)
        step("geodata libraries", lambda: _check_geodata(project_path, Path(tmp)))
        step("open project", lambda: _open_project(project_path, state))
        step("KPIs", lambda: _compute_kpis(state))
        step("proposal", lambda: _run_proposal(state))
        step("save and reopen", lambda: _save_and_reopen(state, Path(tmp)))
        step("report files", lambda: _write_reports(state, folder))
    seconds = time.perf_counter() - start
    if log is not None:
        where = f"; files in {folder}" if out_dir is not None else ""
        log(f"self-test passed: {len(steps)} steps in {seconds:.1f} s{where}")
    return SelfTestReport(steps, seconds, Path(out_dir) if out_dir is not None else None)


def main(argv: list[str] | None = None) -> int:
    """``python -m cityplanner.selftest [PROJECT] [--out DIR]``: 0 when every check passes, else 1."""
    import argparse

    parser = argparse.ArgumentParser(prog="cityplanner-selftest", description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", help="project to test on (default: the shipped sample)")
    parser.add_argument("--out", metavar="DIR", help="keep the report files in this folder")
    args = parser.parse_args(argv)
    return exit_code(args.project, args.out)


def exit_code(project: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None) -> int:
    """Run the self-test printing its steps; 0 when it passes, 1 (with the failure on stderr) if not."""
    try:
        run_selftest(project, out_dir, log=lambda line: print(line, flush=True))
    except SelfTestError as err:
        sys.stdout.flush()
        print(f"self-test FAILED: {err}", file=sys.stderr)
        if os.environ.get("CITYPLANNER_SELFTEST_TRACEBACK"):
            traceback.print_exception(err.__cause__ or err, file=sys.stderr)
        return 1
    return 0


# -- steps ----------------------------------------------------------------------------------------
def _nonempty(path: Path, what: str) -> int:
    if not path.is_file():
        raise SelfTestError(f"{what} {path} is missing.")
    size = path.stat().st_size
    if size == 0:
        raise SelfTestError(f"{what} {path} is empty.")
    return size


def _check_shipped_files() -> str:
    for name in RESOURCE_FILES:
        _nonempty(resource_path(name), "shipped file")
    icons = list(resource_path("icons").glob("*.svg"))
    from .report import html

    _nonempty(html._SCRIPT, "the HTML map script")
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR)
    for name in ("leaflet.js", "leaflet.css"):
        _nonempty(base / name, "Leaflet file")
    if not list((base / "images").glob("*.png")):
        raise SelfTestError(f"Leaflet's images are missing in {base / 'images'}.")
    catalogue = _nonempty(resource_path("kpi_catalogue.yaml"), "KPI catalogue")
    return (
        f"resources in {resource_path()} ({len(RESOURCE_FILES)} files, {len(icons)} icons, "
        f"catalogue {catalogue:,} bytes), html_map.js, Leaflet {leaflet.VERSION}"
    )


def _check_geodata(project_path: Path, tmp: Path) -> str:
    import pyproj

    proj_dir = Path(pyproj.datadir.get_data_dir())
    _nonempty(proj_dir / "proj.db", "PROJ database")
    x, y = pyproj.Transformer.from_crs(4326, 32649, always_xy=True).transform(108.2145, 16.056)
    if not (math.isfinite(x) and math.isfinite(y) and 190_000 < x < 240_000):
        raise SelfTestError(f"pyproj transformed 108.2145 E 16.056 N to ({x}, {y}), not into UTM 49N.")

    with warnings.catch_warnings():  # a .cityplan is a GeoPackage by another name: GDAL says so
        warnings.filterwarnings("ignore", message=r".*non conformant file extension", category=RuntimeWarning)
        return _check_gdal(project_path, tmp, proj_dir)


def _check_gdal(project_path: Path, tmp: Path, proj_dir: Path) -> str:
    import pyogrio
    import pyproj

    layers = pyogrio.list_layers(project_path)
    if len(layers) == 0:
        raise SelfTestError(f"pyogrio lists no layers in {project_path}.")
    gdal_data = pyogrio.get_gdal_data_path()
    if not gdal_data or not Path(gdal_data).is_dir():
        raise SelfTestError(f"pyogrio's GDAL finds no data folder (GDAL_DATA: {gdal_data}).")
    info = pyogrio.read_info(project_path, layer=str(layers[0][0]))
    if not info.get("crs"):
        raise SelfTestError(f"pyogrio read no CRS for layer {layers[0][0]} of {project_path}.")

    fiona_note = _check_fiona(project_path, str(layers[0][0]))

    import numpy as np
    import rasterio
    from rasterio.crs import CRS as RasterioCRS

    raster = tmp / "selftest.tif"
    profile = {
        "driver": "GTiff",
        "width": 3,
        "height": 3,
        "count": 1,
        "dtype": "float32",
        "crs": RasterioCRS.from_epsg(32649),
        "transform": rasterio.Affine(100.0, 0.0, 200_000.0, 0.0, -100.0, 1_780_000.0),
    }
    with rasterio.open(raster, "w", **profile) as dst:
        dst.write(np.arange(9, dtype="float32").reshape(1, 3, 3))
    with rasterio.open(raster) as src:
        if src.crs.to_epsg() != 32649 or float(src.read(1).sum()) != 36.0:
            raise SelfTestError(f"rasterio read back {src.crs} and other values from {raster}.")
    return (
        f"PROJ {pyproj.proj_version_str} ({proj_dir}), pyogrio GDAL {pyogrio.__gdal_version_string__}, "
        f"{fiona_note}, rasterio GDAL {rasterio.__gdal_version__}"
    )


def _check_fiona(project_path: Path, layer: str) -> str:
    """fiona (io.py's fallback reader) where it is installed; the offline bundle leaves it out."""
    try:
        import fiona
    except ImportError:
        return "no fiona (not installed: formats only its GDAL reads are unavailable)"
    from fiona.crs import CRS as FionaCRS

    if FionaCRS.from_epsg(32649).to_epsg() != 32649:
        raise SelfTestError("fiona's PROJ does not know EPSG:32649.")
    with fiona.open(project_path, layer=layer) as source:
        return f"fiona GDAL {fiona.__gdal_version__} ({len(source)} features)"


def _open_project(project_path: Path, state: dict) -> str:
    from .store import load_project

    project = load_project(project_path)
    zones = project.zones
    population = float(zones[project.population_field].sum()) if project.population_field else math.nan
    if len(zones) == 0:
        raise SelfTestError(f"{project_path} has no zones.")
    state["project"] = project
    return (
        f"{project_path.name}: {len(project.layers)} layers, {len(zones)} zones, "
        f"{population:,.0f} people, {len(project.scenarios)} scenarios"
    )


def _compute_kpis(state: dict) -> str:
    from .kpi import Evaluator

    project = state["project"]
    evaluator = Evaluator(project)
    state["evaluator"] = evaluator
    wanted = [kpi.id for kpi in evaluator.catalogue]
    if not wanted:
        raise SelfTestError("The KPI catalogue is empty.")
    computed = 0
    for name in project.scenarios:
        results = evaluator.evaluate(name)
        got = [r.id for r in results]
        if got != wanted:
            missing = sorted(set(wanted) - set(got))
            raise SelfTestError(f"Scenario {name!r} gave KPIs {got}, missing {missing}.")
        values = [r.value for r in results if r.value is not None]
        if not values:
            raise SelfTestError(f"No KPI of scenario {name!r} has a value (all n/a).")
        bad = [r.id for r in results if r.value is not None and not math.isfinite(r.value)]
        if bad:
            raise SelfTestError(f"KPIs {bad} of scenario {name!r} are not finite numbers.")
        computed += len(values)
    return (
        f"{len(wanted)} KPIs x {len(project.scenarios)} scenarios ({computed} values, the rest n/a "
        f"for want of input), distances {evaluator.distance_mode}"
    )


def _run_proposal(state: dict) -> str:
    from .optimise import grid_candidates, optimise_project, propose_into_scenario

    project, evaluator = state["project"], state["evaluator"]
    candidates = grid_candidates(project.zones, PROPOSAL_GRID_M)
    result = optimise_project(
        project,
        PROPOSAL_TYPE,
        "mclp",
        candidates,
        sites=PROPOSAL_SITES,
        network=evaluator.network,
        surface=evaluator.surface,
        time_limit_s=60.0,
    )
    if len(result.selected) != PROPOSAL_SITES:
        raise SelfTestError(f"The proposal chose {len(result.selected)} sites, not {PROPOSAL_SITES}.")
    if not (math.isfinite(result.population_covered) and result.population_covered > 0):
        raise SelfTestError(f"The proposal covers {result.population_covered} people.")
    propose_into_scenario(project, PROPOSAL_TYPE, result, candidates, PROPOSAL_SCENARIO)
    kpis = evaluator.evaluate(PROPOSAL_SCENARIO)
    if not any(r.value is not None for r in kpis):
        raise SelfTestError(f"No KPI of the scenario {PROPOSAL_SCENARIO!r} has a value.")
    return (
        f"MCLP ({result.solver}) chose {len(result.selected)} of {len(candidates)} grid sites for "
        f"{PROPOSAL_TYPE}, covering {result.population_covered:,.0f} people "
        f"({result.percent_covered:.1f} %), into scenario {PROPOSAL_SCENARIO!r}"
    )


def _save_and_reopen(state: dict, tmp: Path) -> str:
    from .store import load_project, save_project

    project = state["project"]
    path = save_project(project, tmp / "selftest.cityplan")
    size = _nonempty(Path(path), "saved project")
    again = load_project(path)
    placements = len(again.scenario(PROPOSAL_SCENARIO).placements)
    if placements != PROPOSAL_SITES:
        raise SelfTestError(f"The reopened project holds {placements} proposed sites, not {PROPOSAL_SITES}.")
    return f"{Path(path).name}: {size:,} bytes, {len(again.scenarios)} scenarios read back"


def _write_reports(state: dict, folder: Path) -> str:
    import openpyxl
    import pyogrio

    from .report.content import collect
    from .report.html import write_html
    from .report.pdf import write_pdf
    from .report.tables import write_gpkg, write_xlsx

    project = state["project"]
    content = collect(project, None)
    pdf = write_pdf(project, None, folder / "selftest.pdf", content=content)
    html = write_html(project, None, folder / "selftest.html", content=content)
    xlsx = write_xlsx(project, None, folder / "selftest.xlsx", content=content)
    gpkg = write_gpkg(project, None, folder / "selftest.gpkg", content=content)
    sizes = {}
    written = ((pdf, "PDF report"), (html, "HTML map"), (xlsx, "Excel workbook"), (gpkg, "GeoPackage"))
    for path, what in written:
        sizes[Path(path).suffix] = _nonempty(Path(path), what)
    with open(pdf, "rb") as handle:
        head = handle.read(5)
    if head != b"%PDF-":
        raise SelfTestError(f"The PDF report {pdf} starts with {head!r}, not %PDF-.")
    text = Path(html).read_text(encoding="utf-8")
    if 'id="cp-map-data"' not in text:
        raise SelfTestError(f'The HTML map {html} has no map data element id="cp-map-data".')
    if "L.map" not in text and "Leaflet" not in text:
        raise SelfTestError(f"The HTML map {html} has no Leaflet inlined.")
    book = openpyxl.load_workbook(xlsx, read_only=True)
    try:
        sheets = list(book.sheetnames)
        kpi_rows = book["KPIs"].max_row if "KPIs" in sheets else 0
    finally:
        book.close()
    if kpi_rows < 2:
        raise SelfTestError(f"The Excel workbook {xlsx} has no KPI rows (sheets: {sheets}).")
    gpkg_layers = [str(name) for name, _ in pyogrio.list_layers(gpkg)]
    if not gpkg_layers:
        raise SelfTestError(f"The GeoPackage {gpkg} has no layers.")
    return (
        f"PDF {sizes['.pdf']:,} B, HTML {sizes['.html']:,} B, Excel {sizes['.xlsx']:,} B "
        f"({len(sheets)} sheets), GeoPackage {sizes['.gpkg']:,} B ({len(gpkg_layers)} layers)"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
