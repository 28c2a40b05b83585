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
cleanup() { kill "${wm_pid:-}" "${x_pid:-}" 2>/dev/null || true; }
trap cleanup EXIT
free_display() {  # a display number no X server holds (others may run Xvfb on this machine)
  local n
  for n in $(seq 200 299); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then echo ":$n"; return; fi
  done
  echo "no free X display between :200 and :299" >&2; exit 1
}
for size in 1024x768 1280x720; do
  display=$(free_display)
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  x_pid=$!
  sleep 1
  kill -0 "$x_pid" 2>/dev/null || { echo "Xvfb $display did not start"; exit 1; }
  DISPLAY=$display openbox >/dev/null 2>&1 &
  wm_pid=$!
  sleep 1
  for lang in en vi; do
    shot() { DISPLAY=$display .venv/bin/python scripts/workshop_screenshot.py --expect-size "$size" --lang "$lang" "$@"; }
    shot "$out/workshop_window_${lang}_${size}.png"
    shot --present "$out/workshop_present_${lang}_${size}.png"
    if [ "$size" = 1024x768 ]; then
      shot --present --view split "$out/workshop_split_${lang}_${size}.png"
    fi
  done
  kill "$wm_pid" "$x_pid" 2>/dev/null || true
  wait "$wm_pid" "$x_pid" 2>/dev/null || true
done
