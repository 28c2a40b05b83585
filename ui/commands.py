"""Undoable edits: every change a planner makes to the project is one of these on the undo stack."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from cityplanner.project import FacilityType, Layer, Placement, Scenario

from .document import ProjectDocument


class PlaceFacility(QUndoCommand):
    """Add ``placement`` to ``scenario``."""

    def __init__(self, doc: ProjectDocument, scenario: str, placement: Placement) -> None:
        label = doc.project.facility_types.get(placement.type)
        super().__init__(f"Place {label.label if label else placement.type}")
        self.doc, self.scenario, self.placement = doc, scenario, placement

    def redo(self) -> None:
        self.doc.project.scenario(self.scenario).placements.append(self.placement)
        self.doc.notify_placements(self.scenario)

    def undo(self) -> None:
        placements = self.doc.project.scenario(self.scenario).placements
        placements.remove(self.placement)
        self.doc.notify_placements(self.scenario)


class MoveFacility(QUndoCommand):
    """Move a placement from ``old_xy`` to ``new_xy`` (working CRS)."""

    def __init__(
        self,
        doc: ProjectDocument,
        scenario: str,
        placement_id: str,
        old_xy: tuple[float, float],
        new_xy: tuple[float, float],
    ) -> None:
        super().__init__("Move facility")
        self.doc, self.scenario, self.placement_id = doc, scenario, placement_id
        self.old_xy, self.new_xy = old_xy, new_xy

    def _set(self, xy: tuple[float, float]) -> None:
        placement = self.doc.project.scenario(self.scenario).find(self.placement_id)
        placement.x, placement.y = float(xy[0]), float(xy[1])
        self.doc.notify_placements(self.scenario)

    def redo(self) -> None:
        self._set(self.new_xy)

    def undo(self) -> None:
        self._set(self.old_xy)


class DeleteFacility(QUndoCommand):
    """Remove a placement from a scenario (restored at the same position in the list on undo)."""

    def __init__(self, doc: ProjectDocument, scenario: str, placement_id: str) -> None:
        super().__init__("Delete facility")
        self.doc, self.scenario = doc, scenario
        self.placement = doc.project.scenario(scenario).find(placement_id)
        self.index = doc.project.scenario(scenario).placements.index(self.placement)

    def redo(self) -> None:
        self.doc.project.scenario(self.scenario).placements.remove(self.placement)
        self.doc.notify_placements(self.scenario)

    def undo(self) -> None:
        self.doc.project.scenario(self.scenario).placements.insert(self.index, self.placement)
        self.doc.notify_placements(self.scenario)


class EditPlacement(QUndoCommand):
    """Change a placement's properties (``name``, ``type``, ``capacity``, ``cost``); undo restores them.

    ``changes`` maps attribute names of :class:`~cityplanner.project.Placement` to new values;
    ``text`` is the undo stack's description (the dialog passes it in the UI language).
    """

    FIELDS = ("name", "type", "capacity", "cost")

    def __init__(
        self, doc: ProjectDocument, scenario: str, placement_id: str, changes: dict, text: str = ""
    ) -> None:
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"A placement has no editable property {', '.join(sorted(unknown))}.")
        placement = doc.project.scenario(scenario).find(placement_id)
        super().__init__(text or f"Edit {placement.name or placement.type}")
        self.doc, self.scenario, self.placement_id = doc, scenario, placement_id
        self.new = dict(changes)
        self.old = {key: getattr(placement, key) for key in changes}

    def _set(self, values: dict) -> None:
        placement = self.doc.project.scenario(self.scenario).find(self.placement_id)
        for key, value in values.items():
            setattr(placement, key, value)
        self.doc.notify_placements(self.scenario)

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class SetDisplayName(QUndoCommand):
    """Name a layer for display in the legend and the Layers dock (the layer keeps its own name)."""

    def __init__(self, doc: ProjectDocument, layer_name: str, text: str | None, label: str = "") -> None:
        super().__init__(label or f"Name layer {layer_name} '{text}'")
        self.doc, self.layer_name = doc, layer_name
        self.old = doc.display_names.get(layer_name)
        self.new = text

    def redo(self) -> None:
        self.doc.set_display_name(self.layer_name, self.new)

    def undo(self) -> None:
        self.doc.set_display_name(self.layer_name, self.old)


class SetPriority(QUndoCommand):
    """Give zone rows a priority tier 1..3, or clear it (``tier`` 0)."""

    def __init__(self, doc: ProjectDocument, rows, tier: int) -> None:
        rows = [int(r) for r in rows]
        super().__init__(
            f"Set priority tier {tier} on {len(rows)} zones"
            if tier
            else f"Clear priority of {len(rows)} zones"
        )
        self.doc, self.rows, self.tier = doc, rows, int(tier)
        self.before = {r: doc.project.priority.get(r) for r in rows}

    def redo(self) -> None:
        priority = self.doc.project.priority
        for r in self.rows:
            if self.tier:
                priority[r] = self.tier
            else:
                priority.pop(r, None)
        self.doc.notify_priority()

    def undo(self) -> None:
        priority = self.doc.project.priority
        for r, tier in self.before.items():
            if tier is None:
                priority.pop(r, None)
            else:
                priority[r] = tier
        self.doc.notify_priority()


class EditFacilityType(QUndoCommand):
    """Replace a facility type's settings (label, colour, radius, capacity, cost...)."""

    def __init__(self, doc: ProjectDocument, new: FacilityType) -> None:
        super().__init__(f"Edit facility type {new.label}")
        self.doc = doc
        self.old = copy.copy(doc.project.facility_type(new.name))
        self.new = copy.copy(new)

    def _set(self, ft: FacilityType) -> None:
        self.doc.project.facility_types[ft.name] = copy.copy(ft)
        self.doc.notify_facility_types()

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class AddScenario(QUndoCommand):
    """Add a scenario: empty, a copy of ``copy_from``, or a ready-made ``scenario`` (optimiser proposal)."""

    def __init__(
        self, doc: ProjectDocument, name: str, copy_from: str | None = None, scenario: Scenario | None = None
    ) -> None:
        super().__init__(f"Add scenario {name}")
        self.doc, self.name, self.copy_from, self.scenario = doc, name, copy_from, scenario
        self.previous_current = doc.current_scenario

    def redo(self) -> None:
        project = self.doc.project
        if self.scenario is None:
            self.scenario = project.add_scenario(self.name, copy_from=self.copy_from)
        else:
            project.scenarios[self.name] = self.scenario
        self.doc.notify_scenarios()
        self.doc.set_current_scenario(self.name)

    def undo(self) -> None:
        self.doc.project.remove_scenario(self.name)
        self.doc.notify_scenarios()
        if self.previous_current in self.doc.project.scenarios:
            self.doc.set_current_scenario(self.previous_current)


class RenameScenario(QUndoCommand):
    def __init__(self, doc: ProjectDocument, old: str, new: str) -> None:
        super().__init__(f"Rename scenario {old} to {new}")
        self.doc, self.old, self.new = doc, old, new

    def _rename(self, old: str, new: str) -> None:
        self.doc.project.rename_scenario(old, new)
        if self.doc.current_scenario == old:
            self.doc.current_scenario = new
        self.doc.notify_scenarios()
        self.doc.current_scenario_changed.emit(self.doc.current_scenario)

    def redo(self) -> None:
        self._rename(self.old, self.new)

    def undo(self) -> None:
        self._rename(self.new, self.old)


class DeleteScenario(QUndoCommand):
    """Delete a named plan (never the baseline); undo puts it back in its place."""

    def __init__(self, doc: ProjectDocument, name: str) -> None:
        super().__init__(f"Delete scenario {name}")
        self.doc, self.name = doc, name
        self.order = list(doc.project.scenarios)
        self.scenario = doc.project.scenario(name)

    def redo(self) -> None:
        self.doc.project.remove_scenario(self.name)
        self.doc.notify_scenarios()

    def undo(self) -> None:
        scenarios = self.doc.project.scenarios
        scenarios[self.name] = self.scenario
        self.doc.project.scenarios = {k: scenarios[k] for k in self.order if k in scenarios}
        self.doc.notify_scenarios()


class AddLayer(QUndoCommand):
    """A layer the engine has just added to the project (``assemble.add_layer_from_file``)."""

    def __init__(self, doc: ProjectDocument, layer: Layer) -> None:
        super().__init__(f"Add layer {layer.name}")
        self.doc, self.layer = doc, layer
        self.order = list(doc.project.layers)
        self.linked_types = [ft.name for ft in doc.project.facility_types.values() if ft.layer == layer.name]

    def redo(self) -> None:
        layers = self.doc.project.layers
        layers[self.layer.name] = self.layer
        self.doc.project.layers = {k: layers[k] for k in self.order if k in layers}
        for name in self.linked_types:
            self.doc.project.facility_types[name].layer = self.layer.name
        self.doc.notify_layers()

    def undo(self) -> None:
        del self.doc.project.layers[self.layer.name]
        for ft in self.doc.project.facility_types.values():
            if ft.layer == self.layer.name:
                ft.layer = None
        self.doc.notify_layers()


class RemoveLayer(QUndoCommand):
    def __init__(self, doc: ProjectDocument, name: str) -> None:
        super().__init__(f"Remove layer {name}")
        self.doc, self.name = doc, name
        self.order = list(doc.project.layers)
        self.layer = doc.project.layer(name)

    def redo(self) -> None:
        del self.doc.project.layers[self.name]
        self.doc.notify_layers()

    def undo(self) -> None:
        layers = self.doc.project.layers
        layers[self.name] = self.layer
        self.doc.project.layers = {k: layers[k] for k in self.order if k in layers}
        self.doc.notify_layers()


class RenameLayer(QUndoCommand):
    """Rename a layer, keeping its place in the drawing order and every reference to it."""

    def __init__(self, doc: ProjectDocument, old: str, new: str) -> None:
        super().__init__(f"Rename layer {old} to {new}")
        self.doc, self.old, self.new = doc, old, new

    def _rename(self, old: str, new: str) -> None:
        project = self.doc.project
        layer = project.layers[old]
        layer.name = new
        project.layers = {(new if k == old else k): v for k, v in project.layers.items()}
        if project.zones_layer == old:
            project.zones_layer = new
        for ft in project.facility_types.values():
            if ft.layer == old:
                ft.layer = new
        if old in self.doc.styles:
            self.doc.styles[new] = self.doc.styles.pop(old)
        if old in self.doc.display_names:
            self.doc.display_names[new] = self.doc.display_names.pop(old)
        if old in self.doc.selections:
            self.doc.selections[new] = self.doc.selections.pop(old)
        self.doc.notify_layers()

    def redo(self) -> None:
        self._rename(self.old, self.new)

    def undo(self) -> None:
        self._rename(self.new, self.old)


class ReorderLayers(QUndoCommand):
    """Set the drawing order (first drawn at the bottom)."""

    def __init__(self, doc: ProjectDocument, order: list[str]) -> None:
        super().__init__("Reorder layers")
        self.doc, self.new = doc, list(order)
        self.old = list(doc.project.layers)

    def _apply(self, order: list[str]) -> None:
        layers = self.doc.project.layers
        self.doc.project.layers = {k: layers[k] for k in order}
        self.doc.notify_layers()

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)
