"""Start the CityPlanner desktop application: ``python main.py [PROJECT.cityplan]``.

``python main.py --selftest`` (the offline bundle: ``CityPlanner --selftest``) checks the
installation without showing a window and exits 0 when it is sound: first the engine's self-test
(:mod:`cityplanner.selftest`: the sample city, every KPI, one proposal, PDF / HTML / Excel files),
then the desktop app's own parts (Qt platform and SVG icon plugins, the Vietnamese catalogue, the
main window opening the sample city and showing its KPIs). With no display (Linux without
``DISPLAY`` or ``WAYLAND_DISPLAY``) it sets ``QT_QPA_PLATFORM=offscreen`` itself.
"""

import os
import sys

# Seconds the desktop part of --selftest waits for the KPI dock before failing.
SELFTEST_WINDOW_TIMEOUT_S = 180


def selftest() -> int:
    """The installation self-test: 0 when every check passes, 1 (the failure on stderr) if not."""
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform not in ("win32", "darwin") and no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from cityplanner.selftest import exit_code

    code = exit_code()
    if code:
        return code
    try:
        detail = _desktop_selftest()
    except Exception as err:  # the failure is the answer: one line, and the exit code
        sys.stdout.flush()
        print(f"self-test FAILED: desktop app: {type(err).__name__}: {err}", file=sys.stderr)
        if os.environ.get("CITYPLANNER_SELFTEST_TRACEBACK"):
            import traceback

            traceback.print_exc()
        return 1
    print(f"ok   desktop app: {detail}")
    print("self-test passed: engine and desktop app")
    return 0


def _desktop_selftest() -> str:
    """Build the app as a planner gets it (no window shown) and open the sample city in it."""
    import tempfile
    import time
    from pathlib import Path

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtGui import QGuiApplication

    from ui import i18n
    from ui.app import create_app
    from ui.icons import icon
    from ui.main_window import SAMPLE_PROJECT, MainWindow
    from ui.styles import LayerStyle, classify

    start = time.perf_counter()
    app = create_app(language="vi")
    platform = QGuiApplication.platformName()
    if i18n.current_language() != "vi":
        raise RuntimeError(f"the Vietnamese catalogue cannot be loaded from {i18n.TRANSLATIONS_DIR}")
    if icon("app").isNull() or icon("app").pixmap(64, 64).isNull():
        raise RuntimeError("the SVG icons cannot be drawn (Qt's SVG icon engine or image plugin is missing)")
    if not app.styleSheet():
        raise RuntimeError("the style sheet was not applied")
    if not SAMPLE_PROJECT.is_file():
        raise RuntimeError(f"the sample city {SAMPLE_PROJECT} is missing")
    # Natural-breaks classes run jenkspy's compiled extension (Fisher-Jenks), otherwise called only
    # when a planner chooses them: classifying 40 values checks that it loads and answers.
    import pandas as pd

    breaks = classify(pd.Series(range(40)), LayerStyle(kind="graduated", method="natural_breaks", classes=4))
    if len(breaks.labels) != 4:
        raise RuntimeError(f"natural breaks gave {len(breaks.labels)} classes of 40 values, not 4")
    with tempfile.TemporaryDirectory(prefix="cityplanner-selftest-ui-") as tmp:
        # The user's settings, recent files and recovery copies are left alone.
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, recovery_dir=Path(tmp) / "recovery")
        results: list = []
        loop = QEventLoop()

        def shown(kpis: list) -> None:  # the dock's latest table
            results[:] = kpis
            loop.quit()

        window.kpi_dock.evaluated.connect(shown)
        QTimer.singleShot(SELFTEST_WINDOW_TIMEOUT_S * 1000, loop.quit)
        if not window.open_project(SAMPLE_PROJECT, ask=False):
            raise RuntimeError(f"the main window could not open {SAMPLE_PROJECT}")
        if not results:
            loop.exec()
        status = window.kpi_dock.status.text()
        window.doc.undo_stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()
    if not results:
        raise RuntimeError(f"the KPI dock showed no KPIs within {SELFTEST_WINDOW_TIMEOUT_S} s ({status})")
    return (
        f"Qt platform {platform}, Vietnamese catalogue, SVG icons, style sheet, natural breaks; the "
        f"main window opened {SAMPLE_PROJECT.name} and showed {len(results)} KPIs "
        f"({time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    # The Linux bundle's `cityplanner-cli` is a link to this executable (installer/cityplanner.spec).
    if getattr(sys, "frozen", False) and os.path.basename(sys.argv[0]) == "cityplanner-cli":
        from cli_entry import run

        sys.exit(run())
    if "--selftest" in sys.argv[1:]:
        code = selftest()
        # The verdict is in: skip the interpreter's teardown, where a worker thread still finishing
        # after the QApplication went sometimes crashes it (exit 134 or 139 in 2 of 14 runs).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    from ui.app import main

    sys.exit(main())
