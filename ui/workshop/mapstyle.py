"""The presentation theme on the map: Okabe-Ito facility colours, large outlined symbols, white ground.

Applied to the canvas's items only, never to the project's layer styles or facility types: leaving
presentation mode redraws every layer from its saved style, and saving during a workshop stores
the planner's own styles.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely

from ..canvas.layer_items import PointLayerItem, VectorLayerItem
from ..canvas.symbols import letter_for, lettered_disc
from ..styles import Classification
from . import theme

# Opacity of graduated and categorised polygon layers under the presentation's symbols.
FADED_OPACITY = 0.45


class MapTheme:
    """High-contrast symbols on one canvas, applied with :meth:`apply` and taken off with :meth:`remove`."""

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.sizes = theme.RoomSizes(1.0)
        self.active = False
        self._background = None
        self._point_sizes: dict[str, float] = {}
        self._faded: set[str] = set()

    @property
    def doc(self):
        return self.canvas.doc

    def colours(self) -> dict[str, str]:
        return theme.facility_colours(self.doc.project.facility_types)

    def colour(self, type_name: str) -> str:
        return self.colours().get(type_name, theme.INK)

    def symbol(self, type_name: str):
        ft = self.doc.project.facility_types.get(type_name)
        return lettered_disc(letter_for(ft.icon, ft.label)) if ft else "o"

    # -- applying ---------------------------------------------------------------------------------
    def apply(self, sizes: theme.RoomSizes) -> None:
        self.sizes = sizes
        if not self.active:
            self._background = self.canvas.backgroundBrush().color().name()
        self.active = True
        self.canvas.setBackground(theme.MAP_BACKGROUND)
        self.restyle_layers()
        self.restyle_placements()

    def remove(self) -> None:
        if not self.active:
            return
        self.active = False
        if self._background:
            self.canvas.setBackground(self._background)
        for name, size in self._point_sizes.items():
            item = self.canvas.layer_items.get(name)
            if isinstance(item, PointLayerItem):
                item.size = size
        for name in set(self._point_sizes) | self._faded:
            if name in self.canvas.layer_items:
                self.canvas.restyle_layer(name)
        self._point_sizes.clear()
        self._faded.clear()
        self.canvas.update_placements()

    def restyle_layers(self, *_args) -> None:
        """Existing facilities in their type's Okabe-Ito colour with a dark outline, a little
        larger than usual; filled, graduated layers (population, zones) fainter, so that the
        facilities stand out from them."""
        if not self.active:
            return
        project = self.doc.project
        colours = self.colours()
        for name, item in self.canvas.layer_items.items():
            layer = project.layers.get(name)
            if layer is None:
                continue
            if isinstance(item, PointLayerItem) and layer.role in colours:
                self._point_sizes.setdefault(name, item.size)
                item.size = self.sizes.existing_symbol
                item.set_classification(
                    Classification(np.zeros(len(item.xy), dtype=np.int32), [colours[layer.role]], [""])
                )
                item.setPen(pg.mkPen(theme.INK, width=1.2))
            elif isinstance(item, VectorLayerItem) and item.filled and self.doc.style(name).kind != "single":
                item.setOpacity(min(self.doc.style(name).opacity, FADED_OPACITY))
                self._faded.add(name)
        self.canvas.viewport().update()

    def spots(self, scenario: str) -> list[dict]:
        """The scenario's placements as large symbols with a black outline."""
        project = self.doc.project
        pen = pg.mkPen(theme.INK, width=max(2.0, self.sizes.symbol / 12))
        return [
            {
                "pos": (p.x, p.y),
                "data": p.id,
                "symbol": self.symbol(p.type),
                "size": self.sizes.symbol,
                "brush": pg.mkBrush(self.colour(p.type)),
                "pen": pen,
            }
            for p in project.scenario(scenario).placements
        ]

    def restyle_placements(self, *_args) -> None:
        """The current scenario's placements drawn large (after the canvas drew them its way)."""
        if self.active and self.doc.current_scenario in self.doc.project.scenarios:
            self.canvas.placement_item.setData(self.spots(self.doc.current_scenario))


def coverage_discs(project, type_name: str | None, scenario: str) -> np.ndarray:
    """Discs of the type's radius around its existing and planned facilities in ``scenario``."""
    if not type_name or type_name not in project.facility_types:
        return np.empty(0, dtype=object)
    ft = project.facility_type(type_name)
    points = project.facilities(ft.name, scenario).geometry.to_numpy()
    if not len(points):
        return np.empty(0, dtype=object)
    discs = shapely.buffer(shapely.centroid(points), ft.radius_m, quad_segs=16)
    return shapely.get_parts(shapely.union_all(discs))
