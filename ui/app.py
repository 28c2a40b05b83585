"""Application start-up: ``python main.py [--present] [--lang vi|en] [PROJECT.cityplan]``.

Creates the QApplication (organisation and app name for QSettings), the main window, opens the
project given on the command line (or offers to restore an autosaved copy after a crash), and
runs the event loop.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from cityplanner.resources import resource_path

from . import crash_handler, i18n, workers
from .icons import icon
from .main_window import MainWindow

ORGANISATION = "CityPlanner"
APPLICATION = "CityPlanner"


def create_app(argv: list[str] | None = None, language: str | None = None) -> QApplication:
    """The QApplication (reused when one exists), named for QSettings, with the app's style sheet.

    ``language`` ('vi' or 'en') overrides the one stored in QSettings (``ui/language``, by default
    the system locale's); its translations are installed before any window is built.
    """
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    crash_handler.install()  # unexpected errors: logged, and shown in a dialog naming the log
    i18n.install_translator(language or i18n.configured_language())
    app.setWindowIcon(icon("app"))
    style = resource_path("styles", "cityplanner.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def start_window(project: Path | None = None, window: MainWindow | None = None) -> MainWindow:
    """Show the main window, offering first to restore work a crash left unsaved, then ``project``.

    The offer comes also when a project is named (``make run`` always names the sample): a
    declined or failed restore opens ``project`` as asked.
    """
    window = window or MainWindow()
    window.show()
    if not window.offer_recovery() and project is not None:
        window.open_project(project, ask=False)
    return window


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``main.py`` and the ``cityplanner-gui`` script."""
    parser = argparse.ArgumentParser(prog="cityplanner-gui", description="CityPlanner desktop application")
    parser.add_argument("project", nargs="?", type=Path, help="a .cityplan project to open")
    parser.add_argument(
        "--present", action="store_true", help="start in presentation mode (a workshop; F11 or Esc leaves it)"
    )
    parser.add_argument(
        "--lang", choices=sorted(i18n.LANGUAGES), help="interface language for this session (default: as set)"
    )
    parser.add_argument(
        "--startup-time", action="store_true", help="print the time to a usable window and quit (benchmarks)"
    )
    args = parser.parse_args(argv)
    app = create_app(language=args.lang)
    window = start_window(args.project)
    # The app's garbage-collection policy (see ui.workers): the window, the modules and the project
    # opened are frozen out of the full collections, and each project once opened and evaluated.
    workers.keep_long_lived_out_of_collections()
    if args.present:
        window.toggle_presentation()
    if args.startup_time:
        # Seconds since the process started (imports included), as the user waits for them.
        usable: list[float] = []

        def window_ready() -> None:
            # CPU seconds too (all threads): unlike the wall time, hardly changed by other processes.
            cpu = os.times()
            usable[:] = [_process_seconds(), cpu.user + cpu.system]
            if args.project is None:
                quit_timing()

        def quit_timing(*_results) -> None:
            kpis = f"; KPI values shown: {_process_seconds():.2f} s" if args.project else ""
            window_s, cpu_s = usable if usable else (_process_seconds(), math.nan)
            cpu = f"; CPU {cpu_s:.2f} s to the window"
            print(f"start-up to usable window: {window_s:.2f} s{kpis} (from process start){cpu}")
            window.doc.undo_stack.setClean()
            window.close()

        window.kpi_dock.evaluated.connect(quit_timing)
        QTimer.singleShot(0, window_ready)
    try:
        return app.exec()
    finally:
        workers.keep_long_lived_out_of_collections(False)  # tests run main() in their process


def _process_seconds() -> float:
    """Wall seconds since this process started (Linux /proc; else since the interpreter's clock)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter()
