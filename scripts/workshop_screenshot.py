"""One screenshot of the whole screen with CityPlanner on the sample city (issue 12's screenshots).

Run on an X server (``scripts/workshop_screenshots.sh`` starts Xvfb and openbox at each size)::

    python scripts/workshop_screenshot.py OUT.png [--lang vi] [--present] [--view split|before]

The window starts as on a first run (its settings in a temporary folder), opens the sample city,
shows its plan, enters presentation mode when asked, waits for the KPIs and saves the screen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", choices=["en", "vi"], default="en")
    parser.add_argument("--present", action="store_true")
    parser.add_argument("--view", choices=["after", "before", "split"], default="after")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--expect-size", default="", help="WIDTHxHEIGHT the screen must have")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.app import create_app
    from ui.main_window import SAMPLE_PROJECT, MainWindow

    app = create_app([sys.argv[0]], language=args.lang)
    with tempfile.TemporaryDirectory(prefix="cityplanner-shot-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, recovery_dir=Path(tmp) / "recovery")
        window.show()
        if not window.open_project(SAMPLE_PROJECT, ask=False):
            return 1
        window.doc.set_current_scenario(list(window.doc.project.scenarios)[-1])
        window.palette_dock.set_current_type("wifi")
        if args.present:
            window.toggle_presentation()
            if args.view == "before":
                window.presentation.toggle_before_after()
            elif args.view == "split":
                window.presentation.toggle_split()

        def wait(seconds: float, until=lambda: False) -> bool:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                if until():
                    return True
                time.sleep(0.02)
            return until()

        dock = window.kpi_dock
        mode = window.presentation
        ready = wait(
            args.timeout,
            lambda: (
                bool(dock.results)
                and not dock.runner.busy
                and (mode is None or not mode.active or mode.results == dock.results)
            ),
        )
        wait(1.5)  # the window manager's full screen, the tiles' final layout, the map's repaint
        image = QApplication.primaryScreen().grabWindow(0)
        size = f"{image.width()}x{image.height()}"
        if args.expect_size and size != args.expect_size:
            print(f"{args.out}: the screen is {size}, not {args.expect_size}", file=sys.stderr)
            return 1
        args.out.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(args.out))
        print(f"{args.out}: {image.width()}x{image.height()}{'' if ready else ' (KPIs not ready)'}")
        dock.runner.wait()
        window.doc.undo_stack.setClean()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
