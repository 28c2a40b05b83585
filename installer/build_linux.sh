#!/usr/bin/env bash
# Build the Linux bundle (`make installer`): dist/CityPlanner/ with PyInstaller and
# installer/cityplanner.spec, then dist/CityPlanner-<version>-linux-<arch>.tar.gz holding it with
# a menu entry (.desktop), its icon and a short README.
#   bash installer/build_linux.sh [PYTHON]    PYTHON: of a venv with the `installer` extra
# Set PYINSTALLER_FLAGS=--clean to rebuild from scratch (the default reuses PyInstaller's cache
# in build/pyinstaller when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-build/installer-venv/bin/python}
version=$("$python" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
arch=$(uname -m)
bundle=dist/CityPlanner
tarball=dist/CityPlanner-$version-linux-$arch.tar.gz

start=$(date +%s)
rm -rf "$bundle" "$tarball"
# shellcheck disable=SC2086  # PYINSTALLER_FLAGS is a list of flags
"$python" -m PyInstaller --noconfirm ${PYINSTALLER_FLAGS:-} --log-level WARN \
  --distpath dist --workpath build/pyinstaller installer/cityplanner.spec

cp build/installer-icons/cityplanner.png "$bundle/cityplanner.png"
cp installer/linux/cityplanner.desktop installer/linux/README.txt "$bundle/"
install -m 755 installer/linux/install-desktop-entry.sh "$bundle/install-desktop-entry.sh"
tar -C dist -czf "$tarball" CityPlanner

echo "Built $bundle ($(du -sm "$bundle" | cut -f1) MB unpacked) and $tarball" \
  "($(du -m "$tarball" | cut -f1) MB) in $(( $(date +%s) - start )) s."
