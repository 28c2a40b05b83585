"""Write the Vietnamese sample report ``docs/sample_report_vi.pdf`` from the sample plan.

Run ``python scripts/sample_report_vi.py`` from the repository (``--out`` for another file). It runs
the engine's Report task, the one ``cityplanner report --lang vi`` runs, on
``sample_data/hai_chau.cityplan``: every scenario, A4 portrait, in Vietnamese. Render it to check the
pages with ``pdftoppm -r 60 -png docs/sample_report_vi.pdf /tmp/vi``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Run from a checkout, the engine is imported from the repository even when not pip-installed.
sys.path.insert(0, str(REPO))

from cityplanner.progress import Progress  # noqa: E402
from cityplanner.tasks import Report  # noqa: E402

SAMPLE = REPO / "sample_data" / "hai_chau.cityplan"
OUT = REPO / "docs" / "sample_report_vi.pdf"
AUTHOR = "Nhóm quy hoạch CityPlanner"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the PDF to write (default {OUT})")
    args = parser.parse_args(argv)
    task = Report(project=str(SAMPLE), pdf=str(args.out), lang="vi", author=AUTHOR)
    task.validate()
    written = task.run(
        Progress(lambda fraction, message: print(f"{fraction:4.0%} {message}", file=sys.stderr))
    )
    print(written.files["pdf"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
