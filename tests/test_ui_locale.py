"""Numbers in the UI language: 1,234.5 in English, 1.234,5 in Vietnamese, in the docks, the legend,
the dialogs and Qt's own number widgets; units and generated names translated."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDoubleSpinBox
from test_ui_support import open_sample_window, screenshot_dir, settle_view
from test_ui_workflow import no_modal_dialogs  # noqa: F401 (fixture)

from ui import i18n
from ui.app import create_app
from ui.docks.kpis import VALUE_COLUMN

pytestmark = pytest.mark.gui

VIETNAMESE_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


@pytest.fixture
def vietnamese():
    create_app([], language="vi")
    assert i18n.current_language() == "vi"
    yield
    i18n.install_translator("en")


def numbers_in(text: str) -> list[str]:
    return re.findall(r"\d[\d.,]*\d|\d", text)


def test_one_number_format_per_language(vietnamese):
    assert i18n.format_number(1234.5) == "1.234,5"
    assert i18n.format_number(100_000, 0) == "100.000"
    assert i18n.format_number(-0.04) == "0,0"  # never "-0,0"
    assert i18n.format_number(3.25, 2, sign=True) == "+3,25"
    assert i18n.format_number(None) == i18n.NO_NUMBER
    assert i18n.format_plain(2500) == "2.500" and i18n.format_plain(4.8) == "4,8"
    assert i18n.format_degrees(108.220841) == "108,22084"
    assert i18n.parse_number("2.500") == 2500 and i18n.parse_number("4,8") == 4.8
    assert i18n.unit_label("per 100,000 inhabitants") == "trên 100.000 dân"
    # Qt's number widgets follow the same locale.
    assert QLocale().language() == QLocale.Language.Vietnamese
    spin = QDoubleSpinBox()
    spin.setRange(0, 1e6)
    spin.setDecimals(1)
    spin.setGroupSeparatorShown(True)
    spin.setValue(2500.5)
    assert spin.text() == "2.500,5"
    i18n.install_translator("en")
    assert i18n.format_number(1234.5) == "1,234.5" and i18n.format_plain(2500) == "2,500"
    assert QLocale().language() == QLocale.Language.English


def test_vietnamese_numbers_in_the_docks_legend_and_dialogs(qtbot, tmp_path, vietnamese):
    win = open_sample_window(qtbot, tmp_path)
    win.doc.set_current_scenario(list(win.doc.project.scenarios)[-1])
    win.palette_dock.set_current_type("wifi")
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy and bool(win.kpi_dock.results), timeout=120_000)
    settle_view(qtbot, win)
    # KPI dock: values written the Vietnamese way (16,9 not 16.9; 100.000 not 100,000).
    table = win.kpi_dock.table
    values = [table.item(r, VALUE_COLUMN).text() for r in range(table.rowCount())]
    results = win.kpi_dock.results
    decimals_shown = 0
    for result, text in zip(results, values, strict=True):
        if result.value is None:
            continue
        vietnamese = [i18n.format_number(result.value, d) for d in (0, 1, 2)]
        assert any(v in numbers_in(text) for v in vietnamese), (text, vietnamese)
        english = {f"{result.value:,.{d}f}" for d in (1, 2)} - set(vietnamese)
        assert not english & set(numbers_in(text)), (text, english)
        decimals_shown += "," in text
    assert decimals_shown, values
    # Facilities dock: the unit cost of a hotspot, 2.500.
    palette = win.palette_dock.table
    row = next(
        r for r in range(palette.rowCount()) if palette.item(r, 0).data(Qt.ItemDataRole.UserRole) == "wifi"
    )
    assert palette.item(row, 3).text() == "2.500"
    # Legend: the population classes with Vietnamese separators, and the groups in Vietnamese.
    groups = win.canvas.legend_groups()
    assert [g[1] for g in groups][1:] == ["Công trình hiện có", "Lớp nền"]
    surface = win.doc.project.layer_with_role("population_surface").name
    classes = win.canvas.layer_items[surface].classification
    expected = [
        f"{i18n.format_number(lo, classes.decimals)} – {i18n.format_number(hi, classes.decimals)}"
        for lo, hi in classes.bounds
    ]
    shown = [row[2] for row in groups[-1][2]]
    assert expected and set(expected) <= set(shown), (expected, shown)
    assert set(expected) != set(classes.labels)  # the English labels are not what is shown
    assert any(VIETNAMESE_THOUSANDS.match(part) for label in expected for part in label.split(" – "))
    assert "Người/km²" in shown
    # Layers dock: facility layers named by their Vietnamese type labels; counts with dots.
    health = win.doc.project.layer_with_role("clinic").name
    assert win.layers_dock.item(health).text() == "Trạm y tế"
    buildings = win.doc.project.layer_with_role("buildings").name
    count = win.doc.project.layers[buildings].feature_count
    assert i18n.format_number(count, 0) in win.layers_dock.item(buildings).toolTip()
    win.kpi_dock.runner.wait()


def test_vietnamese_proposal_at_1024x768(qtbot, tmp_path, vietnamese):
    """Propose in Vietnamese on a 1024x768 screen: names, WGS84 positions and numbers in Vietnamese
    (a screenshot of the window and the dialog for docs/screenshots via scripts/screenshots.sh)."""
    from PySide6.QtTest import QTest

    from ui.dialogs.propose import ProposeSitesDialog

    win = open_sample_window(qtbot, tmp_path)
    win.resize(1024, 768)
    win.palette_dock.set_current_type("wifi")
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy and bool(win.kpi_dock.results), timeout=120_000)
    settle_view(qtbot, win)
    win.actions["propose"].trigger()
    dialog = win.findChild(ProposeSitesDialog)
    qtbot.waitExposed(dialog)
    dialog.sites.lineEdit().selectAll()
    QTest.keyClicks(dialog.sites.lineEdit(), "12")
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    assert dialog.sites_table.item(0, 0).text() == "Điểm phát Wi-Fi công cộng (đề xuất) 1"
    assert re.fullmatch(r"108,\d{5}", dialog.sites_table.item(0, 2).text())
    assert "người" in dialog.message.text() and "," in dialog.message.text()
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().toImage().save(str(target / "propose_vi_1024x768.png"))
    QTest.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    win.doc.set_current_scenario(dialog.scenario.name)
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy, timeout=120_000)
    settle_view(qtbot, win)
    assert win.grab().toImage().save(str(target / "main_window_vi_1024x768.png"))
    win.kpi_dock.runner.wait()
