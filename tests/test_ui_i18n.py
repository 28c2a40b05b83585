"""Vietnamese user interface: the main window in "vi" and "en", the language setting, the catalogue."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QPoint, QSettings, Qt
from test_ui_support import sample_project_path, screenshot_dir

from cityplanner.kpi_status import STATUS_MARKS
from ui import i18n
from ui.app import create_app
from ui.docks.kpis import VALUE_COLUMN
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui
REPO = Path(__file__).resolve().parent.parent
TS = REPO / "resources" / "translations" / "cityplanner_vi.ts"
QM = REPO / "resources" / "translations" / "cityplanner_vi.qm"
BIN = Path(sys.executable).parent
SOURCES = [
    *("ui/app.py", "ui/main_window.py", "ui/i18n.py", "ui/crash_handler.py", "ui/canvas/view.py"),
    *("ui/docks/*.py", "ui/dialogs/*.py", "ui/workshop/*.py"),
]
SCREENSHOT = "main_window_vi_1366x768.png"


@pytest.fixture
def in_language(request):
    """Start the app in a language; English again afterwards, as the other UI tests expect."""

    def start(language: str):
        app = create_app([], language=language)
        assert i18n.current_language() == language
        return app

    yield start
    i18n.install_translator("en")


def open_sample(qtbot, tmp_path, size=(1366, 768)) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(sample_project_path(tmp_path), ask=False)
    win.doc.set_current_scenario(list(win.doc.project.scenarios)[-1])
    win.palette_dock.set_current_type("wifi")
    qtbot.waitUntil(lambda: not win.kpi_dock.runner.busy and bool(win.kpi_dock.results), timeout=120_000)
    qtbot.wait(100)
    return win


def menu_titles(win: MainWindow) -> list[str]:
    return [action.text() for action in win.menuBar().actions()]


def kpi_row(win: MainWindow, column: int) -> list[str]:
    table = win.kpi_dock.table
    return [table.item(row, column).text() for row in range(table.rowCount())]


def statuses(win: MainWindow) -> list[tuple[str, str]]:
    """(mark before the value, status line of the tooltip) per KPI row."""
    table = win.kpi_dock.table
    items = [table.item(row, VALUE_COLUMN) for row in range(table.rowCount())]
    marks = [item.text().split(" ")[0] if item.text()[:1] in "✓≈✗" else "" for item in items]
    return [(mark, item.toolTip().split("\n")[2]) for mark, item in zip(marks, items, strict=True)]


def test_main_window_in_vietnamese(qtbot, tmp_path, in_language):
    in_language("vi")
    win = open_sample(qtbot, tmp_path)
    assert menu_titles(win) == ["&Tệp", "&Sửa", "&Xem", "&Công cụ", "&Quy hoạch"]
    assert win.kpi_dock.windowTitle() == "Chỉ tiêu KPI"
    assert win.scenarios_dock.windowTitle() == "Kịch bản"
    assert win.layers_dock.windowTitle() == "Lớp bản đồ"
    assert win.actions["propose"].text() == "&Đề xuất vị trí…"
    # KPI names come from the catalogue's name_vi, status words are translated.
    results = win.kpi_dock.results
    assert kpi_row(win, 0) == [r.name_vi for r in results]
    # The status: a mark before the value (in its colour), the translated word in the tooltip.
    words = {"met": "đạt", "near": "gần đạt", "not met": "chưa đạt", "n/a": "không áp dụng"}
    assert statuses(win) == [(STATUS_MARKS[r.status], words[r.status]) for r in results]
    headers = [win.kpi_dock.table.horizontalHeaderItem(c).text() for c in range(4)]
    assert headers == ["Chỉ tiêu", "Giá trị", "Mục tiêu", "Thay đổi"]
    # Facility types show FacilityType.label_vi.
    wifi_row = next(
        r
        for r in range(win.palette_dock.table.rowCount())
        if win.palette_dock.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "wifi"
    )
    assert win.palette_dock.table.item(wifi_row, 0).text() == "Điểm phát Wi-Fi công cộng"
    # The longer Vietnamese strings still fit at 1366x768: every toolbar button, the map keeps room.
    for action in win.toolbar.actions():
        button = win.toolbar.widgetForAction(action)
        if button is not None and not action.isSeparator():
            assert button.isVisible() and button.geometry().right() <= win.toolbar.width(), action.text()
    assert win.canvas.width() >= 0.4 * 1366
    # The district chart's title wraps onto two lines; the chart and its axis labels still fit in
    # the dock (they were pushed 10 px out of it, the district names cut in half).
    dock = win.kpi_dock
    assert dock.chart_title.height() > dock.chart_title.fontMetrics().height()
    chart_bottom = dock.chart.mapTo(dock, QPoint(0, dock.chart.height())).y()
    assert chart_bottom <= dock.height(), (chart_bottom, dock.height())
    # The map legend names its groups, the planned facility types and the tiers in Vietnamese too.
    labels = {text for _kind, _colour, text in win.canvas.legend_entries()}
    assert "Điểm phát Wi-Fi công cộng" in labels
    assert {"Phương án (Smart Hải Châu 2030)", "Ưu tiên mức 1", "Công trình hiện có", "Lớp nền"} <= labels
    image = win.grab().toImage()
    assert (image.width(), image.height()) == (1366, 768)
    target = screenshot_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    assert image.save(str(target / SCREENSHOT))
    win.kpi_dock.runner.wait()


def test_main_window_in_english(qtbot, tmp_path, in_language):
    in_language("en")
    win = open_sample(qtbot, tmp_path)
    assert menu_titles(win) == ["&File", "&Edit", "&View", "&Tools", "&Plan"]
    assert win.kpi_dock.windowTitle() == "KPIs"
    results = win.kpi_dock.results
    assert kpi_row(win, 0) == [r.name for r in results]
    assert statuses(win) == [(STATUS_MARKS[r.status], r.status) for r in results]
    win.kpi_dock.runner.wait()


def test_language_setting_and_menu(qtbot, tmp_path, in_language):
    assert i18n.default_language(QLocale("vi_VN")) == "vi"
    assert i18n.default_language(QLocale("en_GB")) == "en"
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(i18n.LANGUAGE_KEY, "klingon")
    assert i18n.configured_language(settings) == i18n.default_language()
    in_language("en")
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    assert [a.text() for a in win.language_menu.actions()] == ["English", "Tiếng Việt"]
    win.language_actions["vi"].trigger()
    assert settings.value(i18n.LANGUAGE_KEY) == "vi"
    assert i18n.configured_language(settings) == "vi"
    assert win.language_actions["vi"].isChecked() and not win.language_actions["en"].isChecked()
    assert "restarted" in win.statusBar().currentMessage()
    # The next start-up with these settings is in Vietnamese.
    assert i18n.install_translator(i18n.configured_language(settings)) == "vi"


def test_catalogue_is_complete_and_compiled(tmp_path):
    """Every string of the UI code is in the .ts with a finished translation, and the .qm is its build."""
    lupdate, lrelease = BIN / "pyside6-lupdate", BIN / "pyside6-lrelease"
    if not lupdate.exists() or not lrelease.exists():
        pytest.skip("needs pyside6-lupdate and pyside6-lrelease (the PySide6 wheel's tools)")
    text = TS.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and 'type="obsolete"' not in text and 'type="vanished"' not in text
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    sources = [str(p.relative_to(REPO)) for pattern in SOURCES for p in sorted(REPO.glob(pattern))]
    subprocess.run(
        [str(lupdate), "-silent", "-locations", "none", "-no-obsolete", *sources, "-ts", str(fresh)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert fresh.read_text(encoding="utf-8") == text, "run pyside6-lupdate (see `make translations`)"
    built = tmp_path / "built.qm"
    subprocess.run([str(lrelease), "-silent", str(TS), "-qm", str(built)], check=True, capture_output=True)
    assert built.read_bytes() == QM.read_bytes(), "run `make translations`"


def test_empty_map_says_how_to_start(qtbot, tmp_path, in_language):
    in_language("vi")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    assert not win.doc.project.layers
    assert win.canvas.tr("No layers yet") == "Chưa có lớp bản đồ nào"
    # The hint's text is drawn in the middle of the map (dark pixels), and no scale bar bottom left.
    image = win.canvas.grab().toImage()
    w, h = image.width(), image.height()

    def dark(x0, x1, y0, y1):
        points = ((x, y) for x in range(x0, x1, 2) for y in range(y0, y1, 2))
        return sum(image.pixelColor(x, y).lightness() < 120 for x, y in points)

    assert dark(w // 4, 3 * w // 4, h // 2 - 60, h // 2 + 60) > 100
    assert dark(0, 200, h - 60, h) == 0
