"""Guard against the PySide6 crash that made us pin 6.11.3.

PySide6 6.12.0 aborted Python 3.11 with ``Fatal Python error: none_dealloc`` after a few thousand
calls of methods returning None (``QPainterPath.moveTo``, ``lineTo``...), which the map canvas
makes for every feature. The build runs in a subprocess so that a crash fails this test instead of
killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys

PATH_COUNT = 50_000

_BUILD_PATHS = f"""
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

paths = []
for i in range({PATH_COUNT}):
    path = QPainterPath()
    # Each of these returns None: the calls that exhausted None's refcount in PySide6 6.12.0.
    path.moveTo(float(i), 0.0)
    path.lineTo(i + 1.0, 1.0)
    path.quadTo(i + 1.5, 2.0, i + 2.0, 1.0)
    path.addRect(QRectF(float(i), 0.0, 1.0, 1.0))
    path.closeSubpath()
    paths.append(path)
print(len(paths), sum(p.elementCount() for p in paths))
"""


def test_building_50000_painter_paths_does_not_crash():
    result = subprocess.run(
        [sys.executable, "-c", _BUILD_PATHS],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"building {PATH_COUNT} QPainterPaths crashed the interpreter (exit {result.returncode}); "
        f"is PySide6 still pinned to 6.11.3?\n{result.stderr[-3000:]}"
    )
    # 10 elements per path: moveTo 1, lineTo 1, quadTo 3 (stored as a cubic), addRect 5.
    assert result.stdout.split() == [str(PATH_COUNT), str(10 * PATH_COUNT)]
