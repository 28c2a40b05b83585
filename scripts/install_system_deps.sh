#!/usr/bin/env bash
# Install the Debian packages Qt (and the report tests) need, only those missing.
#   test: what offscreen Qt, PDF rendering checks and fonts need
#   gui:  plus what a real window (or a virtual screen when there is none) needs
set -euo pipefail
mode=${1:-test}
pkgs=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0 fonts-dejavu-core poppler-utils)
if [ "$mode" = gui ]; then
  pkgs+=(xvfb libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-image0
         libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 imagemagick)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Missing system packages (${missing[*]}) and no apt-get to install them; install them by hand." >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
