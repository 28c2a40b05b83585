"""Project text is data in the PDF report and the tables too (issue 16, item 1's audit).

reportlab's Paragraph reads a small markup (<font>, <img src>, <a href>), so every project text in
the PDF must be escaped: a hostile name shows as written, loads no file and runs nothing.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from test_report_html import _hostile_project

from cityplanner.report.pdf import write_pdf

MARKUP = '<img src="/etc/passwd"/><font color="red">x</font><a href="javascript:alert(1)">y</a>'


def test_pdf_shows_hostile_text_as_written(sample_dir: Path, tmp_path: Path) -> None:
    project = _hostile_project(sample_dir)
    plan = list(project.scenarios)[1]
    project.scenario(plan).placements[0].name = MARKUP
    path = write_pdf(project, None, tmp_path / "report.pdf")
    text = "".join(page.extract_text() or "" for page in PdfReader(path).pages)
    flat = " ".join(text.split())
    assert "Q49Q" not in flat and "SC25SC" not in flat
    assert "Q{{7*7}}Q" in flat.replace(" ", "") or "Q{{7*7}}Q" in text
    assert "/etc/passwd" in flat  # the markup is shown as text, not read as an image
    reader = PdfReader(path)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            assert action is None or "javascript" not in str(action.get_object()).lower()
