"""PDF plan report of the sample city: text, KPI names and codes, Vietnamese, embedded fonts, paper."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from cityplanner.errors import ReportError
from cityplanner.kpi import load_catalogue
from cityplanner.report.content import collect
from cityplanner.report.i18n import format_number
from cityplanner.report.pdf import write_pdf
from cityplanner.store import load_project

PLAN = "Smart Hải Châu 2030"


SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "hai_chau.cityplan"


@pytest.fixture(scope="module")
def project(sample_dir: Path):
    return load_project(sample_dir / "hai_chau.cityplan")


@pytest.fixture(scope="module")
def content(project):
    return collect(project, [PLAN], author="Nguyễn Thị Hồng Nhung")


@pytest.fixture(scope="module")
def declared(project):
    """The sample with its smart-city types declared to have no existing facilities.

    The sample has no Wi-Fi, small-cell, EV, CCTV or sensor layer, so those KPIs are n/a in its
    baseline and the plan's hotspots have no change to report; declared none-exist, the baseline
    counts a true 0 and the plan's changes are numbers.
    """
    copy = load_project(SAMPLE)
    for name in ("wifi", "small_cell", "ev_charger", "cctv", "iot_sensor"):
        copy.declare_none_exist(name)
    return collect(copy, [PLAN], author="Nguyễn Thị Hồng Nhung")


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
    # Project proposals are always sited with the type's radius, so the gain is people (p-median
    # too), not person-metres as the page used to say.
    assert "person-metres" not in text and "newly brings within the type's service radius" in text
    assert "© OpenStreetMap contributors" in text
    # The sample has no layer of the types the plan places: their KPIs have a value, no change.
    assert "6 KPIs have a value only with the plan's placements" in text
    assert "No KPI with a baseline value changes." in text
    plan = content.scenarios[1]
    transit = next(k for k in plan.kpis if k.id == "transit_stop_500m")
    assert f"{transit.value:,.1f}" in text
    # The WGS84 coordinates of every placement are listed.
    for lon, lat in plan.placements[["lon", "lat"]].itertuples(index=False):
        assert f"{lon:.6f}" in text and f"{lat:.6f}" in text


def _baselines(page: pypdf.PageObject) -> dict[str, float]:
    """The baseline height of every text run on a page (first occurrence of each text)."""
    seen: dict[str, float] = {}

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if text.strip():
            seen.setdefault(text.strip(), tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return seen


def test_table_numbers_sit_on_the_baseline_of_their_row(a4_pdf: Path, project, content) -> None:
    # Plain-string cells (values, targets, status, feature counts) once sat 1.5-2 pt above the
    # Paragraph cells of their row: reportlab kept their leading at 12 pt.
    pages = pypdf.PdfReader(a4_pdf).pages
    kpi_page = next(p for p in pages if "KPIs: Baseline" in p.extract_text())
    at = _baselines(kpi_page)
    for kpi in content.baseline.kpis:
        if kpi.value is not None and len(kpi.code) < 14:  # a one-line code cell
            assert at[f"{kpi.value:,.1f}"] == pytest.approx(at[kpi.code], abs=0.3), kpi.code
            assert at[kpi.status] == pytest.approx(at[kpi.code], abs=0.3), kpi.code
            break
    else:
        pytest.fail("no KPI with a value and a one-line code")
    sources = next(p for p in pages if "Data sources" in p.extract_text())
    at = _baselines(sources)
    zones = project.layers[project.zones_layer]
    assert at[f"{zones.feature_count:,}"] == pytest.approx(at[zones.name], abs=0.3)
    districts = next(p for p in pages if "Coverage by district" in p.extract_text())
    at = _baselines(districts)
    table = content.district_coverage(content.baseline)
    first = table.index[0]
    value = format_number(table.iloc[0, 0])
    # Numbers there are 6.8 pt against 7.5 pt names: their middles line up, baselines within 0.5 pt.
    assert at[value] == pytest.approx(at[str(first)], abs=0.5)


def test_changes_from_a_declared_baseline_are_summarised(declared) -> None:
    summary = declared.summary(declared.scenarios[1])
    assert "1 more KPI changes less; see the KPI table." in summary  # five changes shown, one more
    assert not any("a value only with the plan's placements" in sentence for sentence in summary)


def test_a3_landscape_page_size(declared, tmp_path: Path) -> None:
    content = declared
    path = write_pdf(
        content.project, [PLAN], tmp_path / "a3.pdf", paper="a3", landscape=True, content=content
    )
    reader = pypdf.PdfReader(path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)
    # Beside each landscape map, the scenario's key figures (the plan's with its changes).
    maps = [text for text in (page.extract_text() for page in reader.pages) if "\nMap: " in text]
    assert len(maps) == 2
    baseline, plan = maps
    assert "Key figures" in baseline and "Key figures (change from baseline)" in plan
    kpi = next(k for k in content.scenarios[1].kpis if k.unit == "%" and round(k.change or 0, 1) != 0)
    assert f"{format_number(kpi.value)} %" in plan and f"({kpi.change:+,.1f})" in plan


def test_portrait_maps_have_no_key_figures_panel(a4_pdf: Path) -> None:
    assert "Key figures" not in _text(a4_pdf)


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
