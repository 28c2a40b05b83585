"""The Vietnamese report (``cityplanner report --lang vi``): Vietnamese headings, tables and
sentences, numbers written 1.234,5, translated units and names; the English report unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from cityplanner.cli import main as cli_main
from cityplanner.kpi import load_catalogue
from cityplanner.report import i18n
from cityplanner.report.content import collect, in_language
from cityplanner.report.i18n import format_number
from cityplanner.report.pdf import write_pdf
from cityplanner.store import load_project

PLAN = "Smart Hải Châu 2030"
VI_HEADINGS = (
    "Báo cáo quy hoạch",
    "Tóm tắt",
    "Bản đồ: Hiện trạng",
    f"Bản đồ: {PLAN}",
    f"Chỉ tiêu KPI: {PLAN}",
    "Mức bao phủ theo quận/phường",
    "Công trình đề xuất",
    "Phụ lục: phương pháp và nguồn dữ liệu",
    "Nguồn dữ liệu",
)
EN_HEADINGS = (
    "Plan report",
    "Executive summary",
    "Map: Baseline",
    f"KPIs: {PLAN}",
    "Coverage by district",
    "Proposed placements",
    "Appendix: methods and data sources",
)


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


@pytest.fixture(scope="module")
def project(sample_dir: Path):
    path = sample_dir / "hai_chau.cityplan"
    if not path.exists():
        pytest.skip("sample_data/hai_chau.cityplan has not been built")
    project = load_project(path)
    project.kpi_targets["wifi_hotspots"] = 1234.5  # a figure with thousands and decimals
    return project


@pytest.fixture(scope="module")
def english(project):
    return collect(project, [PLAN], author="Nguyễn Thị Hồng Nhung")


@pytest.fixture(scope="module")
def pdfs(project, english, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("vi")
    write_pdf(project, [PLAN], folder / "en.pdf", content=english)
    write_pdf(project, [PLAN], folder / "vi.pdf", content=english, lang="vi")
    return {"en": _text(folder / "en.pdf"), "vi": _text(folder / "vi.pdf")}


def test_numbers_are_written_the_way_each_language_writes_them() -> None:
    assert i18n.format_number(1234.5, "vi") == "1.234,5" and i18n.format_number(1234.5) == "1,234.5"
    assert i18n.format_number(-1234567.25, "vi", decimals=2) == "-1.234.567,25"
    assert i18n.format_number(3.0, "vi", sign=True) == "+3,0"
    assert i18n.format_number(None, "vi") == "không có" and format_number(None) == "n/a"
    assert format_number(63333.0, "vi") == "63.333,0" and format_number(63333.0) == "63,333.0"
    assert i18n.format_money(190_000, "USD", "vi") == "190.000 USD"
    assert i18n.unit("ha per 100,000 inhabitants", "vi") == "ha trên 100.000 dân"
    assert i18n.unit("beds per 10,000 people", "vi") == "beds trên 10.000 dân"  # generic rule
    with pytest.raises(Exception, match="language 'de' is not supported"):
        i18n.check_lang("de")


def test_every_message_has_both_languages() -> None:
    for key, (english, vietnamese) in i18n.MESSAGES.items():
        assert english and vietnamese, key
        fields = set(re.findall(r"{(\w+)}", english))
        assert set(re.findall(r"{(\w+)}", vietnamese)) <= fields | {"before", "after"}, key
    assert set(i18n.DESCRIPTIONS_VI) == {k.id for k in load_catalogue()}
    assert {k.unit for k in load_catalogue()} <= set(i18n.UNITS_VI)


def test_the_vietnamese_pdf_holds_vietnamese_headings_and_numbers(pdfs) -> None:
    text = pdfs["vi"]
    for heading in VI_HEADINGS:
        assert heading in text, heading
    for heading in ("Executive summary", "Coverage by district", "Appendix: methods", "Page 2"):
        assert heading not in text, heading
    assert "Trang 2" in text
    assert "1.234,5" in text  # the target set above, in the KPI table
    assert "63.333 người trong 462 khu vực" in text  # people in zones
    assert re.search(r"\b\d{1,3},\d %", text)  # percentages with a decimal comma
    assert not re.search(r"\b\d{1,3},\d{3}\.\d\b", text)  # no English 1,234.5
    # KPI names from the catalogue's name_vi, the Vietnamese first; units and statuses translated.
    for kpi in load_catalogue():
        assert kpi.name_vi in text, kpi.name_vi
    assert "ha trên 100.000 dân" in text and "chưa đạt" in text and "Toàn thành phố" in text
    assert "Chỉ tiêu (Tiếng Việt / English)" in text
    # Generated names: the baseline, facility type labels, the cost line.
    assert "Hiện trạng" in text and "Điểm phát Wi-Fi công cộng" in text
    assert "Chi phí đầu tư các công trình đề xuất: 190.000 USD" in text
    # Diacritics survive as text (the font is embedded, not drawn as shapes).
    for word in ("Phụ lục", "phương pháp", "đường chim bay", "Vĩ độ", "Kinh độ", "Ngưỡng"):
        assert word in text, word


def test_the_english_report_stays_english(pdfs, project, english, tmp_path) -> None:
    text = pdfs["en"]
    for heading in EN_HEADINGS:
        assert heading in text, heading
    for heading in VI_HEADINGS[1:]:
        assert heading not in text, heading
    assert "1,234.5" in text and "63,333 people in 462 zones" in text
    assert "Capital cost of the placements: 190,000 USD" in text
    # Putting the content in Vietnamese and back gives the English report word for word.
    back = in_language(in_language(english, "vi"), "en")
    write_pdf(project, [PLAN], tmp_path / "back.pdf", content=back)
    assert _text(tmp_path / "back.pdf") == text


def test_report_lang_vi_on_the_command_line(project, sample_dir: Path, tmp_path: Path, capsys) -> None:
    out = {"pdf": tmp_path / "vi.pdf", "html": tmp_path / "vi.html"}
    argv = ["report", str(sample_dir / "hai_chau.cityplan"), "--lang", "vi", "--landscape", "--paper", "a3"]
    argv += ["--pdf", str(out["pdf"]), "--html", str(out["html"])]
    assert cli_main(argv) == 0
    printed = capsys.readouterr().out
    assert f"PDF report: {out['pdf']}" in printed and f"HTML map: {out['html']}" in printed
    text = _text(out["pdf"])
    assert "Số liệu chính (thay đổi so với hiện trạng)" in text and "Chú giải" in text
    html = out["html"].read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "Tóm tắt chỉ tiêu KPI" in html
    assert "Trạng thái" in html and "Chi phí đầu tư các công trình đề xuất: 190.000 USD" in html
    assert "Hiện có: Trạm dừng xe buýt" in html  # a layer name, in the map data
