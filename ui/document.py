"""The open project as the app sees it: the engine's Project plus view state, undo stack and signals.

Widgets never change the :class:`~cityplanner.project.Project` behind each other's backs: edits go
through :mod:`ui.commands` on :attr:`ProjectDocument.undo_stack`, which call the ``notify_*``
methods here so every dock and the canvas update from the same signals.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from cityplanner.project import Project

from . import i18n
from .styles import LayerStyle, default_style

# Key in Project.settings holding the layer styles as JSON (settings hold plain strings only).
STYLE_SETTING = "ui.layer_styles"
# Key in Project.settings holding the layers' display names the planner chose, as JSON
# {layer name: display name}; layers without one show their default (see display_name).
NAME_SETTING = "ui.layer_names"
MAX_DISPLAY_NAME_CHARS = 200


class ProjectDocument(QObject):
    """A :class:`Project` being edited, with its file path, current scenario and selection.

    Parameters
    ----------
    project : Project
        The engine project (working CRS, layers, scenarios).
    path : pathlib.Path, optional
        The ``.cityplan`` file it was opened from or saved to (None for a new project).
    """

    layers_changed = Signal()
    layer_style_changed = Signal(str)
    placements_changed = Signal(str)
    priority_changed = Signal()
    scenarios_changed = Signal()
    current_scenario_changed = Signal(str)
    facility_types_changed = Signal()
    display_names_changed = Signal(str)
    selection_changed = Signal(str)
    dirty_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, project: Project, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.path = Path(path) if path else None
        self.undo_stack = QUndoStack(self)
        self.current_scenario = project.baseline.name
        self.selections: dict[str, np.ndarray] = {}
        self.styles: dict[str, LayerStyle] = self._read_styles()
        self.display_names: dict[str, str] = self._read_display_names()
        self._view_dirty = False
        self._network = None
        self._network_generation = 0
        self._network_lock = threading.Lock()
        self.undo_stack.cleanChanged.connect(lambda _clean: self.dirty_changed.emit(self.is_dirty))

    # -- dirty state ----------------------------------------------------------------------------
    @property
    def is_dirty(self) -> bool:
        """True when there are edits (undoable or view changes such as styles) not yet saved."""
        return self._view_dirty or not self.undo_stack.isClean()

    def mark_view_dirty(self) -> None:
        if not self._view_dirty:
            self._view_dirty = True
            self.dirty_changed.emit(True)

    def mark_saved(self, path: Path) -> None:
        self.path = Path(path)
        self._view_dirty = False
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)
        self.path_changed.emit()

    @property
    def title(self) -> str:
        return self.path.name if self.path else self.project.name

    # -- styles ---------------------------------------------------------------------------------
    def _read_styles(self) -> dict[str, LayerStyle]:
        stored = self.project.settings.get(STYLE_SETTING)
        saved: dict[str, str] = json.loads(stored) if isinstance(stored, str) and stored else {}
        styles = {}
        for i, (name, layer) in enumerate(self.project.layers.items()):
            styles[name] = (
                LayerStyle.from_json(saved[name])
                if name in saved
                else default_style(name, layer.role, i, self._type_colour(layer.role), layer.gdf.columns)
            )
        return styles

    def _type_colour(self, role: str | None) -> str | None:
        """The colour of the facility type a layer holds (None for other roles)."""
        ftype = self.project.facility_types.get(role or "")
        return ftype.color if ftype is not None else None

    def write_styles(self) -> None:
        """Store the styles and display names in ``project.settings`` so they are saved with the project."""
        self.project.settings[STYLE_SETTING] = json.dumps(
            {name: style.to_json() for name, style in self.styles.items() if name in self.project.layers}
        )
        names = {k: v for k, v in self.display_names.items() if k in self.project.layers}
        if names:
            self.project.settings[NAME_SETTING] = json.dumps(names, ensure_ascii=False)
        else:
            self.project.settings.pop(NAME_SETTING, None)

    # -- display names --------------------------------------------------------------------------
    def _read_display_names(self) -> dict[str, str]:
        stored = self.project.settings.get(NAME_SETTING)
        try:
            names = json.loads(stored) if isinstance(stored, str) and stored else {}
        except ValueError:
            return {}
        if not isinstance(names, dict):
            return {}
        return {
            str(k): v.strip()[:MAX_DISPLAY_NAME_CHARS]
            for k, v in names.items()
            if isinstance(v, str) and v.strip()
        }

    def _base_name(self, layer_name: str) -> str:
        layer = self.project.layers.get(layer_name)
        role = layer.role if layer is not None else None
        ftype = self.project.facility_types.get(role or "")
        if ftype is not None:
            return i18n.facility_label(ftype)
        label = i18n.role_label(role)
        if label:
            return label
        # A file's own name, readable: "boundary" -> "Boundary", "study_area" -> "Study area".
        words = layer_name.replace("_", " ").strip() or layer_name
        return words[0].upper() + words[1:]

    def default_display_name(self, layer_name: str) -> str:
        """How a layer is named when the planner has not named it: its facility type's label
        ("Clinic" for a layer ``poi_medical``), its role ("Zones", "Streets") or its own name made
        readable, in the UI language; two layers that would share one also show their own name."""
        base = self._base_name(layer_name)
        if base != layer_name and any(
            other != layer_name and self._base_name(other) == base for other in self.project.layers
        ):
            return f"{base} ({layer_name})"
        return base

    def display_name(self, layer_name: str) -> str:
        """The name the legend and the Layers dock show for a layer (the planner's, or the default)."""
        return self.display_names.get(layer_name) or self.default_display_name(layer_name)

    def set_display_name(self, layer_name: str, text: str | None) -> None:
        """Name a layer for display (``None``, empty or the default: back to the default).

        Called by :class:`ui.commands.SetDisplayName`, which makes it undoable.
        """
        text = (text or "").strip()[:MAX_DISPLAY_NAME_CHARS]
        if not text or text == self.default_display_name(layer_name):
            self.display_names.pop(layer_name, None)
        else:
            self.display_names[layer_name] = text
        self.display_names_changed.emit(layer_name)

    def style(self, layer_name: str) -> LayerStyle:
        if layer_name not in self.styles:
            layer = self.project.layer(layer_name)
            self.styles[layer_name] = default_style(
                layer_name, layer.role, len(self.styles), self._type_colour(layer.role), layer.gdf.columns
            )
        return self.styles[layer_name]

    def set_style(self, layer_name: str, style: LayerStyle) -> None:
        self.styles[layer_name] = style
        self.mark_view_dirty()
        self.layer_style_changed.emit(layer_name)

    def set_visible(self, layer_name: str, visible: bool) -> None:
        style = self.style(layer_name)
        if style.visible != visible:
            style.visible = visible
            self.mark_view_dirty()
            self.layer_style_changed.emit(layer_name)

    def set_opacity(self, layer_name: str, opacity: float) -> None:
        style = self.style(layer_name)
        style.opacity = float(opacity)
        self.mark_view_dirty()
        self.layer_style_changed.emit(layer_name)

    # -- selection ------------------------------------------------------------------------------
    def selection(self, layer_name: str) -> np.ndarray:
        return self.selections.get(layer_name, np.empty(0, dtype=np.int64))

    def set_selection(self, layer_name: str, rows: np.ndarray | list[int]) -> None:
        """Select feature rows (positions in the layer's GeoDataFrame) of ``layer_name``."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if np.array_equal(rows, self.selection(layer_name)):
            return
        self.selections[layer_name] = rows
        self.selection_changed.emit(layer_name)

    # -- scenarios ------------------------------------------------------------------------------
    def set_current_scenario(self, name: str) -> None:
        self.project.scenario(name)
        if name != self.current_scenario:
            self.current_scenario = name
            self.current_scenario_changed.emit(name)

    @property
    def scenario(self):
        return self.project.scenario(self.current_scenario)

    # -- street network -------------------------------------------------------------------------
    @property
    def max_snap_m(self) -> float:
        from cityplanner.settings import AnalysisSettings

        return AnalysisSettings.of(self.project).max_snap_m

    def street_network(self):
        """The engine's walking network of the road layer, or None when the project has no roads.

        Built on first use and kept until the layers change; safe to call from worker threads
        (one build at a time, and a build overtaken by a layer change is not kept).
        """
        from cityplanner.network import StreetNetwork
        from cityplanner.settings import AnalysisSettings

        with self._network_lock:
            if self._network is not None:
                return self._network
            generation = self._network_generation
            roads = self.project.layer_with_role("roads")
            if roads is None or not len(roads.gdf):
                return None
            network = StreetNetwork.from_lines(
                roads.gdf,
                walk_speed_kmh=AnalysisSettings.of(self.project).walk_speed_kmh,
                source=f"road layer '{roads.name}'",
            )
            if generation == self._network_generation:
                self._network = network
            return network

    # -- notifications from commands ------------------------------------------------------------
    def notify_layers(self) -> None:
        self._network = None
        self._network_generation += 1
        for name in list(self.selections):
            if name not in self.project.layers:
                del self.selections[name]
        self.layers_changed.emit()

    def notify_placements(self, scenario: str) -> None:
        self.placements_changed.emit(scenario)

    def notify_priority(self) -> None:
        self.priority_changed.emit()

    def notify_scenarios(self) -> None:
        if self.current_scenario not in self.project.scenarios:
            self.current_scenario = self.project.baseline.name
            self.current_scenario_changed.emit(self.current_scenario)
        self.scenarios_changed.emit()

    def notify_facility_types(self) -> None:
        self.facility_types_changed.emit()


def snapshot(project: Project) -> Project:
    """A copy of ``project`` safe to read from a worker thread while the UI keeps editing.

    Layers (large, never modified in place) are shared; everything the UI edits (scenarios,
    placements, priority tiers, facility types, settings) is copied.
    """
    copied = copy.copy(project)
    copied.layers = dict(project.layers)
    copied.scenarios = copy.deepcopy(project.scenarios)
    copied.priority = dict(project.priority)
    copied.facility_types = copy.deepcopy(project.facility_types)
    copied.kpi_targets = dict(project.kpi_targets)
    copied.settings = dict(project.settings)
    return copied
