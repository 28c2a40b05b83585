#!/usr/bin/env bash
# Refresh the README's screenshots in docs/screenshots/ (the test run itself never writes there).
set -euo pipefail
cd "$(dirname "$0")/.."
CITYPLANNER_SCREENSHOT_DIR="$PWD/docs/screenshots" QT_QPA_PLATFORM=offscreen \
    .venv/bin/python -m pytest -q tests/test_ui_screenshots.py "tests/test_ui_i18n.py::test_main_window_in_vietnamese" \
    "tests/test_ui_locale.py::test_vietnamese_proposal_at_1024x768" \
    "tests/test_ui_new_project.py::test_layer_picker_screenshot" \
    "tests/test_ui_export.py::test_export_dialog_screenshot"
# Workshop mode (issue 12) on a real X server at projector sizes: Xvfb with openbox.
bash scripts/workshop_screenshots.sh "$PWD/docs/screenshots"
