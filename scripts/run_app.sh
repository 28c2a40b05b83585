#!/usr/bin/env bash
# Open the desktop app on a project; with no screen, start it on a virtual one (Xvfb).
set -euo pipefail
python=$1; shift
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: starting CityPlanner on a virtual screen (Xvfb :99)."
  exec xvfb-run -a -s "-screen 0 1920x1080x24" "$python" main.py "$@"
fi
exec "$python" main.py "$@"
