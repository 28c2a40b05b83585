"""The Unicode font reports embed: DejaVu Sans, shipped in ``resources/fonts`` (Bitstream Vera licence).

reportlab's built-in Helvetica has no Vietnamese letters (ơ, ư, đ and the stacked tone marks), so
reports embed DejaVu Sans, which covers Vietnamese fully. The TTF files are in the repository; no
font is looked up on the system or downloaded.
"""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ..errors import ReportError
from ..resources import resource_path

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process.

    Raises
    ------
    ReportError
        If a shipped font file is missing or unreadable.
    """
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file_name in _FILES.items():
        if name in registered:
            continue
        path = resource_path("fonts", file_name)
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except (OSError, TTFError) as err:
            raise ReportError(f"The report font {path} cannot be read ({err}).") from None
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
