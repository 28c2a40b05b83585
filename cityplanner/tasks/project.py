"""Project tasks: a new project from the planner's files (:class:`CreateProject`, ``cityplanner
new`` and the New-project wizard) and one more layer into a project (:class:`AddLayer`).

They wrap :func:`cityplanner.assemble.create_project`,
:func:`cityplanner.surface.set_project_surface`, :func:`cityplanner.assemble.add_layer_from_file`
and :func:`cityplanner.store.save_project`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..errors import LayerLoadError, ProjectError
from ..progress import Progress, report
from ..project import Layer, Project
from ..settings import CELL_SIZE_RANGE_M, DEFAULT_CELL_SIZE_M
from ..surface import PopulationSurface
from .base import ENCODING, PROJECT, Parameter, Task, encoding_parameter, scaled, source_crs_parameter

_LOW, _HIGH = CELL_SIZE_RANGE_M
# Roles a layer can be given besides the facility types (whose names are roles too).
LAYER_ROLES = ("roads", "buildings", "hazard", "boundary")


def layer_roles(project: Project) -> list[str]:
    """The roles a project layer may take: :data:`LAYER_ROLES` and the project's facility types."""
    return [*LAYER_ROLES, *project.facility_types]


def _layer_pairs(value) -> list[tuple[str, str]]:
    """``layers`` as (name, FILE[:LAYER]) pairs, in order (a mapping or a list of pairs)."""
    if not value:
        return []
    items = value.items() if isinstance(value, Mapping) else value
    return [(str(name), os.fspath(spec)) for name, spec in items]


def _has_lines(lyr: Layer) -> bool:
    parts = shapely.get_parts(np.asarray(lyr.gdf.geometry.values))
    return bool(np.any((shapely.get_dimensions(parts) == 1) & ~shapely.is_empty(parts)))


def apply_roles(project: Project, roles: Mapping[str, str | None]) -> None:
    """Give layers the roles a planner chose (over the ones guessed from their names).

    Facility types are then linked again to the first layer holding their role, so a layer chosen
    as "existing clinics" is the clinic type's layer.

    Raises
    ------
    ProjectError
        For a layer the project does not hold or a role it does not know.
    LayerLoadError
        For a road layer without lines.
    """
    if not roles:
        return
    from ..assemble import link_facility_layers

    allowed = layer_roles(project)
    for name, role in roles.items():
        if name not in project.layers:
            raise ProjectError(f"A role is given for layer '{name}', which the project does not hold.")
        if role and role not in allowed:
            raise ProjectError(f"'{role}' is not a layer role (use one of: {', '.join(allowed)}).")
        lyr = project.layers[name]
        if role == "roads" and not _has_lines(lyr):
            raise LayerLoadError(
                f"Layer '{name}' holds no lines ({lyr.geometry_type}); the road layer must hold street "
                "centre lines."
            )
    for name, role in roles.items():
        project.layers[name].role = role or None
    for ftype in project.facility_types.values():
        ftype.layer = None
    link_facility_layers(project)


@dataclass
class CreatedProject:
    """The result of :class:`CreateProject`: the project, where it was saved and its surface."""

    project: Project
    path: Path | None
    surface: PopulationSurface

    def to_dict(self) -> dict[str, Any]:
        from ..store import project_summary

        return {"path": str(self.path) if self.path else None, **project_summary(self.project)}


class CreateProject(Task):
    """A new project from demand zones with their population and the planner's other layers.

    Steps: read and check every file (:func:`~cityplanner.assemble.create_project`), apply the
    roles the planner chose, build the population surface
    (:func:`~cityplanner.surface.set_project_surface`) and save the ``.cityplan`` when ``path``
    is given.
    """

    name = "new"
    title = "Create project"
    description = (
        "Create a project file from demand zones with a population field and optional layers. "
        "Roles come from layer names: roads/streets, bus_stops, schools, clinics/health/hospitals, "
        "parks/green/open_space, hazard/flood, buildings, wifi/hotspots, cctv, ev/chargers, "
        "small_cells/5g, sensors."
    )
    parameters = (
        Parameter(
            "path",
            "output",
            help="the project file to create",
            metavar="PROJECT.cityplan",
            flag="",
            label="Project file",
            cli={"dest": "project"},
        ),
        Parameter(
            "zones",
            "source",
            required=True,
            help="zones (polygons or points) with population",
            metavar="FILE[:LAYER]",
            label="Zones",
            cli={"required": True},
        ),
        Parameter(
            "population",
            "field",
            help="population field of the zones (census); optional with --population-raster",
            metavar="FIELD",
            label="Population field",
        ),
        Parameter(
            "population_raster",
            "path",
            help="population GeoTIFF (people per pixel, any CRS): where people live; rescaled per zone to "
            "--population when that is given, else its counts as they are",
            metavar="FILE.tif",
            label="Population raster",
        ),
        Parameter(
            "dasymetric",
            "text",
            help="place each zone's people by a buildings (footprint x storeys) or residential land-use "
            "layer given with --layer",
            metavar="LAYERNAME",
            label="Place people by layer",
        ),
        Parameter(
            "cell",
            "float",
            help=f"population surface cell size in metres ({_LOW:g}-{_HIGH:g}, "
            f"default {DEFAULT_CELL_SIZE_M:g})",
            metavar="M",
            label="Cell size",
            minimum=CELL_SIZE_RANGE_M[0],
            maximum=CELL_SIZE_RANGE_M[1],
            unit="m",
        ),
        Parameter(
            "layers",
            "layers",
            default=[],
            help="another layer, e.g. roads=city.gpkg:roads (repeatable)",
            metavar="NAME=FILE[:LAYER]",
            flag="--layer",
            label="Layers",
            cli={"action": "append"},
        ),
        Parameter(
            "roles",
            "roles",
            default={},
            help="the role of each layer (roads, buildings, a facility type...) where its name does not "
            "say it",
            label="Roles",
            cli={"hidden": True},
        ),
        Parameter(
            "crs",
            "crs",
            help="working CRS in metres (default: the UTM zone of the zones' centre)",
            metavar="EPSG",
            label="Working CRS",
        ),
        source_crs_parameter(help="CRS of input files that have none (e.g. a shapefile without .prj)"),
        ENCODING,
        Parameter(
            "name", "text", help="plan and city name (default: the zone file's name)", label="Plan name"
        ),
        Parameter(
            "allow_overlap",
            "bool",
            default=False,
            help="accept zones that overlap by more than 1% of the smaller one's area (people in the "
            "overlaps are then counted twice, and the project says so)",
            label="Accept overlapping zones",
        ),
        Parameter(
            "overwrite",
            "bool",
            default=False,
            help="overwrite PROJECT.cityplan if it exists",
            flag="--force",
            label="Overwrite",
        ),
    )

    def check(self) -> None:
        target = self["path"]
        if target is not None and Path(target).exists() and not self["overwrite"]:
            raise ProjectError(
                f"Project '{target}' already exists; use {self.refer('overwrite')} to overwrite it."
            )
        pairs = _layer_pairs(self["layers"])
        names = [name for name, _ in pairs]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ProjectError(
                f"Layer name '{duplicated[0]}' is given more than once with {self.refer('layers')}."
            )
        population, raster, dasymetric = self["population"], self["population_raster"], self["dasymetric"]
        if not population and not raster:
            raise ProjectError(
                f"Give the zones' population: {self.refer('population', True)}, "
                f"{self.refer('population_raster', True)}, or both."
            )
        if dasymetric and raster:
            raise ProjectError(
                f"Choose one way to place people: {self.refer('population_raster')} or "
                f"{self.refer('dasymetric')}, not both."
            )
        if dasymetric and dasymetric not in names:
            raise ProjectError(
                f"{self.refer('dasymetric')} names '{dasymetric}', which is not a layer given with "
                f"{self.refer('layers')}."
            )
        if dasymetric and not population:
            raise ProjectError(
                f"{self.refer('dasymetric')} shares a census field among buildings; give it with "
                f"{self.refer('population')}."
            )
        if not self["zones"]:
            raise ProjectError(f"Give the zones: {self.refer('zones', True)}.")

    def execute(self, progress: Progress | None) -> CreatedProject:
        from ..assemble import create_project
        from ..store import save_project
        from ..surface import set_project_surface

        project = create_project(
            self["zones"],
            self["population"],
            layers=dict(_layer_pairs(self["layers"])),
            crs=self["crs"],
            source_crs=self["source_crs"],
            name=self["name"],
            encoding=self["encoding"],
            allow_overlap=self["allow_overlap"],
            progress=scaled(progress, 0.0, 0.5),
        )
        apply_roles(project, self["roles"])
        report(progress, 0.5, "Placing people on the population surface")
        surface = set_project_surface(
            project,
            raster=self["population_raster"],
            dasymetric_layer=self["dasymetric"],
            cell_size_m=self["cell"],
            use_census=bool(self["population"]),
        )
        target = None
        if self["path"] is not None:
            report(progress, 0.8, "Saving the project")
            target = save_project(project, self["path"], scaled(progress, 0.8, 1.0))
        report(progress, 1.0, "Project created")
        return CreatedProject(project=project, path=target, surface=surface)


# -- one more layer -----------------------------------------------------------------------------
@dataclass
class AddedLayer:
    """The result of :class:`AddLayer`: the layer as added (reprojected, with its role)."""

    project: Project
    layer: Layer
    path: Path | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.layer.name,
            "role": self.layer.role,
            "geometry_type": self.layer.geometry_type,
            "feature_count": self.layer.feature_count,
            "notes": list(self.layer.notes),
            "project": str(self.path) if self.path else None,
        }


class AddLayer(Task):
    """Add ONE layer of a file to a project (a multi-layer file needs ``layer``; never all of them).

    The layer picker lists a file's layers with :func:`cityplanner.io.list_layers` (geometry type,
    feature count, CRS); this task reads the one picked. A project given as a path is saved back
    to its file; a Project object is changed in place and not saved. On any error the project is
    left as it was.
    """

    name = "add_layer"
    title = "Add layer"
    description = "Read one layer of a GIS file, reproject it to the project's working CRS and add it."
    parameters = (
        PROJECT,
        Parameter("file", "path", required=True, help="the GIS file holding the layer", metavar="FILE"),
        Parameter(
            "layer",
            "layer",
            help="the layer of a multi-layer file (GeoPackage, KML...) to add; needed when it holds more "
            "than one",
            metavar="LAYER",
        ),
        Parameter("name", "text", help="the layer's name in the project (default: the layer's own)"),
        Parameter(
            "role",
            "text",
            help="the layer's role: roads, buildings, hazard, boundary or a facility type (default: "
            "guessed from its name)",
            metavar="ROLE",
        ),
        source_crs_parameter(help="CRS of the file when it has none", label="CRS of a file without one"),
        encoding_parameter(
            help="text encoding of a Shapefile's or CSV's attributes (e.g. 1258); overrides .cpg"
        ),
    )

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self._infos = None

    def layers_of_file(self):
        """:func:`cityplanner.io.list_layers` of ``file`` (read once): what the picker lists."""
        if self._infos is None:
            from ..io import list_layers

            self._infos = list_layers(self["file"], encoding=self["encoding"])
        return self._infos

    def spec(self) -> str:
        """``FILE[:LAYER]`` of the chosen layer (the file alone for a one-layer file)."""
        infos = self.layers_of_file()
        path = os.fspath(self["file"])
        if self["layer"] is None or (len(infos) == 1 and infos[0].name == self["layer"]):
            return path
        return f"{path}:{self['layer']}"

    def check(self) -> None:
        project = self.load_project()
        if not self["file"]:
            raise LayerLoadError(f"Give the file to add: {self.refer('file', True)}.")
        infos = self.layers_of_file()
        names = [info.name for info in infos]
        path = os.fspath(self["file"])
        layer = self["layer"]
        if layer is None and len(infos) > 1:
            raise LayerLoadError(
                f"File '{path}' holds {len(infos)} layers ({', '.join(names)}); choose one with "
                f"{self.refer('layer')}."
            )
        if layer is not None and layer not in names:
            raise LayerLoadError(f"File '{path}' has no layer '{layer}' (it has: {', '.join(names)}).")
        chosen = infos[names.index(layer)] if layer is not None else infos[0]
        if chosen.geometry_type == "None":
            raise LayerLoadError(
                f"Layer '{chosen.name}' of '{path}' is a table without geometry, not a map layer."
            )
        role = self["role"]
        if role and role not in layer_roles(project):
            raise ProjectError(
                f"'{role}' is not a layer role (use one of: {', '.join(layer_roles(project))})."
            )

    def execute(self, progress: Progress | None) -> AddedLayer:
        from ..assemble import add_layer_from_file

        project = self.load_project()
        report(progress, 0.1, "Reading the layer")
        layer = add_layer_from_file(
            project,
            self.spec(),
            name=self["name"] or None,
            role=self["role"] or None,
            source_crs=self["source_crs"],
            encoding=self["encoding"],
        )
        target = None
        if self.project_path is not None:
            from ..store import save_project

            report(progress, 0.7, "Saving the project")
            target = save_project(project, self.project_path, scaled(progress, 0.7, 1.0))
        report(progress, 1.0, "Layer added")
        return AddedLayer(project=project, layer=layer, path=target)
