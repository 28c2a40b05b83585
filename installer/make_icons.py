"""Render the app icon (resources/icons/app.svg) for the installers: ``python make_icons.py OUTDIR``.

Writes ``cityplanner.png`` (256 px, for the Linux menu entry), ``cityplanner.ico`` (Windows:
16-256 px) and ``cityplanner.icns`` (macOS) into OUTDIR, with Qt's SVG renderer (offscreen) and
Pillow, both in the build environment. Nothing here is committed: the SVG is the one source.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app.svg"


def render(size: int, target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    if not image.save(str(target)):
        raise SystemExit(f"make_icons: cannot write {target}")


def main(out: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (Qt needs one for painting)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / "cityplanner.png"
    render(256, png)
    big = folder / "cityplanner-1024.png"
    render(1024, big)
    with Image.open(png) as image:
        image.save(folder / "cityplanner.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    with Image.open(big) as image:
        image.save(folder / "cityplanner.icns")
    big.unlink()
    print(f"make_icons: cityplanner.png, .ico and .icns in {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "installer-icons"))
