"""PDF plan report of the sample city: text, KPI names and codes, Vietnamese, embedded fonts, paper."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from cityplanner.errors import ReportError
from cityplanner.kpi import load_catalogue
from cityplanner.report.content import collect
from cityplanner.report.pdf import write_pdf
from cityplanner.store import load_project

PLAN = "Smart Hải Châu 2030"


@pytest.fixture(scope="module")
def project(sample_dir: Path):
    return load_project(sample_dir / "hai_chau.cityplan")


@pytest.fixture(scope="module")
def content(project):
    return collect(project, [PLAN], author="Nguyễn Thị Hồng Nhung")


@pytest.fixture(scope="module")
def a4_pdf(project, content, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    write_pdf(project, [PLAN], path, content=content)
    return path


def _text(path: Path) -> str:
    """All text of the PDF with runs of white space collapsed (table cells wrap lines)."""
    reader = pypdf.PdfReader(path)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_holds_every_kpi_name_and_code(a4_pdf: Path) -> None:
    text = _text(a4_pdf)
    for kpi in load_catalogue():
        assert kpi.name in text, kpi.name
        assert kpi.code in text, kpi.code
        assert kpi.name_vi in text, kpi.name_vi


def test_vietnamese_round_trips_with_diacritics(a4_pdf: Path) -> None:
    text = _text(a4_pdf)
    for name in ("Đà Nẵng — Hải Châu", PLAN, "Nguyễn Thị Hồng Nhung", "Chợ Mới Hòa Thuận", "Thanh Khê"):
        assert name in text, name


def test_every_font_is_embedded(a4_pdf: Path) -> None:
    reader = pypdf.PdfReader(a4_pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts[str(font["/BaseFont"])] = embedded
    assert fonts and all(fonts.values()), fonts
    assert all("DejaVuSans" in name for name in fonts), fonts


def test_report_sections_and_numbers_come_from_the_evaluation(a4_pdf: Path, content) -> None:
    reader = pypdf.PdfReader(a4_pdf)
    assert 8 <= len(reader.pages) <= 12
    text = _text(a4_pdf)
    for heading in ("Executive summary", "Map: Baseline", f"Map: {PLAN}", "Coverage by district"):
        assert heading in text
    assert "Proposed placements" in text and "Appendix: methods and data sources" in text
    assert "© OpenStreetMap contributors" in text
    plan = content.scenarios[1]
    transit = next(k for k in plan.kpis if k.id == "transit_stop_500m")
    assert f"{transit.value:,.1f}" in text
    # The WGS84 coordinates of every placement are listed.
    for lon, lat in plan.placements[["lon", "lat"]].itertuples(index=False):
        assert f"{lon:.6f}" in text and f"{lat:.6f}" in text


def test_a3_landscape_page_size(project, content, tmp_path: Path) -> None:
    path = write_pdf(project, [PLAN], tmp_path / "a3.pdf", paper="a3", landscape=True, content=content)
    box = pypdf.PdfReader(path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)


def test_unknown_paper_and_unwritable_path_are_report_errors(project, content, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="paper size 'letter'"):
        write_pdf(project, [PLAN], tmp_path / "x.pdf", paper="letter", content=content)
    missing = tmp_path / "no such folder" / "x.pdf"
    with pytest.raises(ReportError, match="cannot be written"):
        write_pdf(project, [PLAN], missing, content=content)
    assert not missing.parent.exists()


def test_baseline_only_report_has_no_placement_list(project, tmp_path: Path) -> None:
    path = write_pdf(project, ["Baseline"], tmp_path / "baseline.pdf")
    text = _text(path)
    assert "Map: Baseline" in text and PLAN not in text
    assert "Proposed placements" not in text and "Coverage by district" in text
