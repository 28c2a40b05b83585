"""Time the plan report and exports of the sample city (goal: a 10-page PDF in at most 10 s).

    .venv/bin/python benchmarks/bench_report.py [--runs N]

Each run starts from the project file, as ``cityplanner report`` does: load, evaluate the KPIs of
the baseline and the plan, then write the PDF. The exports are timed separately, reusing one
evaluation as the command line does when it writes several outputs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from cityplanner.report.content import collect
from cityplanner.report.html import write_html
from cityplanner.report.pdf import write_pdf
from cityplanner.report.tables import write_csv, write_gpkg, write_xlsx
from cityplanner.store import load_project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "hai_chau.cityplan"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench_report_"))
    totals, stages = [], {"load": [], "evaluate": [], "pdf": []}
    for _ in range(args.runs):
        start = time.perf_counter()
        project = load_project(SAMPLE)
        loaded = time.perf_counter()
        content = collect(project, None)
        evaluated = time.perf_counter()
        write_pdf(project, None, out / "report.pdf", content=content)
        done = time.perf_counter()
        stages["load"].append(loaded - start)
        stages["evaluate"].append(evaluated - loaded)
        stages["pdf"].append(done - evaluated)
        totals.append(done - start)
    pages = len(pypdf.PdfReader(out / "report.pdf").pages)
    size_kb = (out / "report.pdf").stat().st_size / 1024
    print(f"sample city {SAMPLE.name}: {len(project.zones)} zones, scenarios {', '.join(project.scenarios)}")
    print(
        f"PDF report ({pages} pages, {size_kb:,.0f} KB, A4 portrait) from the project file: "
        f"median {statistics.median(totals):.2f} s, best {min(totals):.2f} s over {args.runs} runs "
        f"(goal <= 10 s: {'met' if statistics.median(totals) <= 10 else 'NOT met'})"
    )
    print(
        "  stages (median): "
        + ", ".join(f"{name} {statistics.median(times):.2f} s" for name, times in stages.items())
    )
    start = time.perf_counter()
    command = [sys.executable, "-c", "import sys; from cityplanner.cli import main; sys.exit(main())"]
    subprocess.run(
        [*command, "report", str(SAMPLE), "--pdf", str(out / "cli.pdf")], check=True, capture_output=True
    )
    print(f"  cityplanner report --pdf, a new process with imports: {time.perf_counter() - start:.2f} s")
    for name, write, target in (
        ("PDF A3 landscape", lambda p: write_pdf(project, None, p, "a3", True, content=content), "a3.pdf"),
        ("HTML map", lambda p: write_html(project, None, p, content=content), "map.html"),
        ("Excel workbook", lambda p: write_xlsx(project, None, p, content=content), "tables.xlsx"),
        ("GeoPackage", lambda p: write_gpkg(project, None, p, content=content), "plan.gpkg"),
        ("CSV tables", lambda p: write_csv(project, None, p, content=content), "csv"),
    ):
        start = time.perf_counter()
        write(out / target)
        elapsed = time.perf_counter() - start
        path = out / target
        size = sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size
        print(f"  {name:<17} {elapsed:5.2f} s  {size / 1024:8,.0f} KB (after the shared evaluation)")


if __name__ == "__main__":
    main()
