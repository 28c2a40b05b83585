"""Map canvas speed: load and first draw of 500,000 building polygons, then pan/zoom repaints.

Goals (issue 5): first draw at most 5 s, a pan or zoom repaint at most 50 ms. Also prints the
start-up time of the app to a usable window on the sample city (goal: at most 2 s).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_canvas.py [N_POLYGONS]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from pyproj import CRS  # noqa: E402
from PySide6.QtCore import QRectF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cityplanner.project import Layer, Project  # noqa: E402
from ui.canvas.view import MapCanvas  # noqa: E402
from ui.document import ProjectDocument  # noqa: E402


def synthetic_buildings(n: int, seed: int = 5) -> gpd.GeoDataFrame:
    """``n`` rotated rectangular footprints (8-30 m) clustered over a 25 x 25 km city (UTM 49N)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (n, 2)) * 5000 + np.array([205_000, 1_775_000])
    w = rng.uniform(8, 30, n)
    h = rng.uniform(8, 30, n)
    angle = rng.uniform(0, np.pi, n)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float) / 2
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = corners[None, :, 0] * w[:, None]
    y = corners[None, :, 1] * h[:, None]
    ring = np.stack([centres[:, :1] + x * cos - y * sin, centres[:, 1:] + x * sin + y * cos], axis=-1)
    geoms = shapely.polygons(ring)
    return gpd.GeoDataFrame({"storeys": rng.integers(1, 12, n)}, geometry=geoms, crs="EPSG:32649")


def repaint_ms(app: QApplication, canvas: MapCanvas, rounds: int = 20) -> float:
    """Median time of ``canvas.viewport().repaint()`` after each view change."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        canvas.viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    gdf = synthetic_buildings(n)
    generated = time.perf_counter() - t0
    project = Project(crs=CRS.from_epsg(32649), name="bench")
    canvas = MapCanvas()
    canvas.resize(1366, 768)
    canvas.show()
    app.processEvents()

    start = time.perf_counter()
    project.add_layer(Layer("buildings", gdf, role="buildings"))
    canvas.set_document(ProjectDocument(project))
    canvas.viewport().repaint()
    app.processEvents()
    first_draw = time.perf_counter() - start
    print(f"polygons: {n:,} ({generated:.1f} s to generate)")
    print(f"load and first draw (full extent): {first_draw:.2f} s (goal <= 5 s)")

    vb = canvas.vb
    full = vb.viewRect()
    results = {}
    for label, scale in [
        ("full extent", 1.0),
        ("district (1/8 of the city)", 1 / 8),
        ("neighbourhood (1/40)", 1 / 40),
    ]:
        centre = full.center()
        w, h = full.width() * scale, full.height() * scale
        vb.setRange(QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h), padding=0)
        app.processEvents()
        canvas.viewport().repaint()  # builds that zoom's level of detail once
        pans = []
        for step in range(10):
            vb.translateBy(x=w * 0.05 * (1 if step % 2 else -1), y=h * 0.03)
            app.processEvents()
            pans.append(repaint_ms(app, canvas, rounds=3))
        zoom_start = time.perf_counter()
        for factor in (0.9, 1 / 0.9) * 5:
            vb.scaleBy((factor, factor))
            canvas.viewport().repaint()
            app.processEvents()
        zoom_ms = (time.perf_counter() - zoom_start) * 1000 / 10
        results[label] = (float(np.median(pans)), float(np.max(pans)), zoom_ms)
        print(
            f"repaint at {label}: pan median {results[label][0]:.1f} ms, worst {results[label][1]:.1f} ms; "
            f"zoom step {zoom_ms:.1f} ms (goal <= 50 ms)"
        )

    sample = REPO / "sample_data" / "hai_chau.cityplan"
    if sample.exists():
        out = subprocess.run(
            [sys.executable, str(REPO / "main.py"), str(sample), "--startup-time"],
            capture_output=True,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            timeout=120,
        )
        print(out.stdout.strip() + " (sample city, goal <= 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
