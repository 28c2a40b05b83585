#!/usr/bin/env bash
# Workshop screenshots (issue 12): the main window and presentation mode on the sample city at
# 1024x768 and 1280x720, English and Vietnamese, on a real X server (Xvfb with the openbox window
# manager, so full screen and window frames are as on a projector PC). Into docs/screenshots/ or $1.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
for tool in Xvfb openbox; do
  command -v "$tool" >/dev/null || { echo "workshop screenshots need $tool (apt-get install xvfb openbox)"; exit 1; }
done
display=:$(( 90 + RANDOM % 9 ))
cleanup() { kill "${wm_pid:-}" "${x_pid:-}" 2>/dev/null || true; }
trap cleanup EXIT
for size in 1024x768 1280x720; do
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  x_pid=$!
  sleep 1
  DISPLAY=$display openbox >/dev/null 2>&1 &
  wm_pid=$!
  sleep 1
  for lang in en vi; do
    shot() { DISPLAY=$display .venv/bin/python scripts/workshop_screenshot.py --lang "$lang" "$@"; }
    shot "$out/workshop_window_${lang}_${size}.png"
    shot --present "$out/workshop_present_${lang}_${size}.png"
    if [ "$size" = 1024x768 ]; then
      shot --present --view split "$out/workshop_split_${lang}_${size}.png"
    fi
  done
  kill "$wm_pid" "$x_pid" 2>/dev/null || true
  wait "$wm_pid" "$x_pid" 2>/dev/null || true
done
