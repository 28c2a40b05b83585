"""Point symbols for facility types: a disc with the type's letter cut out, as a pyqtgraph symbol."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainterPath, QTransform

# Letters for the facility icons named in resources/facility_types.yaml; others use their initial.
_LETTERS = {
    "bus": "B",
    "bus_stop": "B",
    "wifi": "W",
    "hotspot": "W",
    "wifi_hotspot": "W",
    "hospital": "H",
    "clinic": "+",
    "health": "+",
    "school": "S",
    "park": "P",
    "police": "Po",
    "fire": "F",
    "fire_station": "F",
    "market": "M",
    "ev_charger": "E",
    "charging": "E",
    "camera": "C",
    "cctv": "C",
    "library": "L",
    "sensor": "~",
    "shelter": "Sh",
    "water": "Wa",
    "toilet": "T",
}


def letter_for(icon: str, label: str) -> str:
    key = (icon or "").lower().removesuffix(".svg")
    return _LETTERS.get(key) or (label[:1].upper() if label else "?")


@cache
def lettered_disc(letter: str) -> QPainterPath:
    """A unit disc centred on 0 with ``letter`` as a hole (odd-even fill), for ScatterPlotItem."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    path.addEllipse(-0.5, -0.5, 1.0, 1.0)
    glyph = QPainterPath()
    font = QFont("DejaVu Sans")
    font.setBold(True)
    font.setPixelSize(100)
    glyph.addText(0, 0, font, letter)
    box = glyph.boundingRect()
    scale = 0.62 / max(box.width(), box.height(), 1e-9)
    # Symbols are drawn in device pixels (y down), the same orientation as text glyphs.
    transform = QTransform().scale(scale, scale).translate(-box.center().x(), -box.center().y())
    path.addPath(transform.map(glyph))
    return path
