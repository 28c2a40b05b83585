"""The main window on screens from 1024x768 up: clamped to the screen, its docks tabbed when short.

- :func:`clamp_to_screen` keeps a first-run or restored window inside the screen's available area
  (a window of 1366x768 on a 1024x768 projector had its docks and status bar cut off).
- :func:`arrange_docks` gives a window shorter than :data:`COMPACT_HEIGHT` tabbed docks instead of
  stacked ones (KPIs with Facilities, Layers with Scenarios) and folds the attribute table away
  until it is asked for, so each dock has the full height rather than a few rows of it.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# The window frame is unknown until the window is first shown; this much is kept free for it.
FRAME_ALLOWANCE = QSize(16, 40)
# Windows shorter than this get tabbed docks on first run (1366x768, 1280x720, 1024x768 screens).
COMPACT_HEIGHT = 800
# Narrower than this, the side docks give more of the width to the map.
NARROW_WIDTH = 1200
SMALLEST = QSize(1024, 768)


def available_geometry(widget: QWidget) -> QRect:
    """The available area (without panels and task bars) of the screen ``widget`` is on."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fits(size: QSize, limit: QSize = SMALLEST) -> bool:
    return size.width() <= limit.width() and size.height() <= limit.height()


def clamp_to_screen(window: QWidget, area: QRect | None = None) -> bool:
    """Shrink and move ``window`` so that it and its frame lie inside ``area`` (by default its
    screen's available area); never below its minimum size.

    Returns True when it had to change. Full-screen and maximised windows are left alone (the
    window manager fits them).
    """
    if window.isFullScreen() or window.isMaximized():
        return False
    area = area or available_geometry(window)
    if window.isVisible():
        frame = window.frameGeometry().size() - window.geometry().size()
    else:
        frame = FRAME_ALLOWANCE
    width = max(min(window.width(), area.width() - frame.width()), window.minimumSizeHint().width())
    height = max(min(window.height(), area.height() - frame.height()), window.minimumSizeHint().height())
    changed = (width, height) != (window.width(), window.height())
    if changed:
        window.resize(width, height)
    # The frame's top left corner, moved so that the whole frame is on the screen.
    x = min(max(window.x(), area.left()), area.right() + 1 - width - frame.width())
    y = min(max(window.y(), area.top()), area.bottom() + 1 - height - frame.height())
    x, y = max(x, area.left()), max(y, area.top())
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)
        changed = True
    return changed


def arrange_docks(window) -> bool:
    """First-run dock layout for a short or narrow window: tabs rather than stacks; True when
    applied.

    Shorter than :data:`COMPACT_HEIGHT`: KPIs tabbed with Facilities, Layers with Scenarios, the
    attribute table folded away. Also narrower than :data:`NARROW_WIDTH` (1024x768): the four
    docks are tabs of one column on the right, so that the map keeps most of the width (two
    columns of docks at their least widths left a Vietnamese map 364 px of 1024).
    """
    if window.height() >= COMPACT_HEIGHT and window.width() >= NARROW_WIDTH:
        return False
    width = window.width()
    kpi, palette = window.kpi_dock, window.palette_dock
    if width < NARROW_WIDTH:
        for dock in (palette, window.layers_dock, window.scenarios_dock):
            window.tabifyDockWidget(kpi, dock)
        column = max(
            d.minimumSizeHint().width() for d in (kpi, palette, window.layers_dock, window.scenarios_dock)
        )
        window.resizeDocks([kpi], [max(column, width * 36 // 100)], Qt.Orientation.Horizontal)
    else:
        window.tabifyDockWidget(window.layers_dock, window.scenarios_dock)
        window.tabifyDockWidget(kpi, palette)
        window.layers_dock.raise_()
    kpi.raise_()
    # The attribute table opens when asked for (a layer's "attribute table", View menu).
    window.attributes_dock.hide()
    return True
