#!/bin/sh
# Add CityPlanner to this user's application menu, pointing at this folder (run it again after
# moving the folder). Remove with: rm ~/.local/share/applications/cityplanner.desktop
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
mkdir -p "$apps"
sed "s|@BUNDLE@|$here|g" "$here/cityplanner.desktop" > "$apps/cityplanner.desktop"
chmod 644 "$apps/cityplanner.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "CityPlanner added to the application menu ($apps/cityplanner.desktop)."
