"""Presentation colours and type sizes: high contrast, colour-blind safe, sized for a room.

Colours are the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2002), told apart by
people with any common colour-vision deficiency; every status also has a mark and a word, since a
projector washes colours out. Type sizes grow with the screen: the KPI value is at least
:data:`VALUE_MIN_PX` pixels high on a 1024x768 screen and larger on larger ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize

# Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
INK = "#111111"
PAPER = "#ffffff"
PANEL = "#1c1c1c"
MUTED = "#4a4a4a"
MAP_BACKGROUND = "#ffffff"
COVERAGE = "#0072B2"

# Status: colour, text colour on it and word (the mark is cityplanner.kpi_status.STATUS_MARKS).
STATUS_COLOURS = {"met": "#0072B2", "near": "#E69F00", "not met": "#D55E00", "n/a": "#9a9a9a"}
STATUS_TEXT_COLOURS = {"met": "#ffffff", "near": "#000000", "not met": "#000000", "n/a": "#000000"}
STATUS_WORDS = {
    "met": QT_TRANSLATE_NOOP("Workshop", "MET"),
    "near": QT_TRANSLATE_NOOP("Workshop", "NEAR"),
    "not met": QT_TRANSLATE_NOOP("Workshop", "NOT MET"),
    "n/a": QT_TRANSLATE_NOOP("Workshop", "N/A"),
}

# The smallest screen CityPlanner is made for, and the KPI value's least height on it.
REFERENCE = QSize(1024, 768)
VALUE_MIN_PX = 28


def status_word(status: str) -> str:
    """'MET', 'NEAR', 'NOT MET', 'N/A' in the UI language."""
    return QCoreApplication.translate("Workshop", STATUS_WORDS.get(status, status))


def facility_colours(type_names) -> dict[str, str]:
    """One Okabe-Ito colour per facility type, in the project's order (cycling after eight)."""
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(type_names)}


@dataclass(frozen=True)
class RoomSizes:
    """Pixel sizes of the presentation's text and symbols for one screen.

    ``scale`` is 1 on 1024x768 (and on smaller or narrower screens such as 1280x720, whose height
    limits the tiles) and grows with the screen's smaller ratio to 1024x768; ``zoom`` is the
    facilitator's own factor (Ctrl++ / Ctrl+-).
    """

    scale: float

    @classmethod
    def for_screen(cls, size: QSize, zoom: float = 1.0) -> RoomSizes:
        ratio = min(size.width() / REFERENCE.width(), size.height() / REFERENCE.height())
        return cls(max(1.0, ratio) * max(0.6, min(zoom, 2.0)))

    def px(self, base: float) -> int:
        return max(1, round(base * self.scale))

    @property
    def value(self) -> int:
        """The KPI value's font pixel size: its digits are at least VALUE_MIN_PX high at scale 1."""
        return max(self.px(40), 40)

    @property
    def name(self) -> int:
        return self.px(17)

    @property
    def detail(self) -> int:
        return self.px(15)

    @property
    def legend(self) -> int:
        return self.px(17)

    @property
    def toolbar(self) -> int:
        return self.px(16)

    @property
    def icon(self) -> int:
        return self.px(30)

    @property
    def symbol(self) -> int:
        """Planned facilities on the map."""
        return self.px(30)

    @property
    def existing_symbol(self) -> int:
        return self.px(16)

    @property
    def panel_width(self) -> int:
        return self.px(320)
