"""The batch spec: which units (cities, districts, provinces) to evaluate, and from what.

Two forms, in YAML; paths are relative to the spec file::

    projects: [a.cityplan, b.cityplan]          # projects made already, each evaluated as it is

    name: HCMC districts                        # optional: the network's name in the report
    units: {file: FILE, layer: LAYER, name_field: FIELD}
    population:                                 # zones with a census field, a raster, or both
      zones: {file: FILE, layer: LAYER, field: FIELD}
      raster: FILE.tif
      dasymetric: LAYERNAME                     # optional: a buildings layer of `layers`
    layers: {bus_stops: FILE:LAYER, health: FILE:LAYER, roads: FILE:LAYER}   # roles as in `new`
    settings: {cell_size_m: 100, max_snap_m: 250, walk_speed_kmh: 4.8, distance_mode: network,
               none_exist: [wifi, cctv]}        # optional, every unit's project settings
    kpi_targets: {transit_stop_500m: 80}        # optional
    crs: EPSG:32648                             # optional working CRS (default: each unit's UTM zone)
    proposal: {type: clinic, budget: 5000000}   # optional, either form: new sites per unit (see below)

``proposal`` adds a plan to every unit: new sites of one facility type chosen by the engine's
siting (:func:`cityplanner.optimise.optimise_project`, the maximal covering model) for a
``budget`` per unit (spent at the type's unit cost, in the facility catalogue's currency) or a
number of ``sites``; optional ``grid`` (candidate spacing in metres, default 250) or
``candidates: network`` (the street vertices), ``time_limit`` (seconds per unit, default 60) and
``name`` (the scenario's name, default "Proposal"). Its KPIs are reported beside the baseline's.

Every mistake is a :class:`BatchError` of one sentence naming the spec file and the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import CityPlannerError
from ..io import parse_source
from ..project import BASELINE
from ..settings import CELL_SIZE_RANGE_M, DISTANCE_MODES


class BatchError(CityPlannerError):
    """A batch spec or run that cannot go ahead (one sentence naming the spec and the problem)."""


# Project settings a spec may give every unit (the rest of a project's settings are the defaults).
SETTING_KEYS = ("cell_size_m", "max_snap_m", "walk_speed_kmh", "distance_mode", "none_exist")
_TOP_KEYS = {
    "name", "projects", "units", "population", "layers", "settings", "kpi_targets", "crs", "proposal",
}  # fmt: skip
_PROPOSAL_KEYS = ("type", "budget", "sites", "grid", "candidates", "time_limit", "name")
# Defaults of a proposal: candidate spacing (m), seconds per unit, the scenario's name.
PROPOSAL_GRID_M = 250.0
PROPOSAL_TIME_LIMIT_S = 60.0
PROPOSAL_SCENARIO = "Proposal"


@dataclass(frozen=True)
class Source:
    """One layer of a file: ``path`` and the layer inside it (None when the file has one)."""

    path: Path
    layer: str | None = None

    @property
    def spec(self) -> str:
        """``FILE[:LAYER]`` as :func:`cityplanner.io.parse_source` reads it."""
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)


@dataclass
class BatchSpec:
    """A parsed spec (see the module notes); paths are absolute.

    Exactly one of ``projects`` and ``units`` is set.
    """

    path: Path
    name: str
    projects: list[Path] = field(default_factory=list)
    units: Source | None = None
    name_field: str | None = None
    zones: Source | None = None
    population_field: str | None = None
    raster: Path | None = None
    dasymetric: str | None = None
    layers: dict[str, Source] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    kpi_targets: dict[str, float] = field(default_factory=dict)
    crs: str | None = None
    proposal: dict[str, Any] | None = None

    @property
    def form(self) -> str:
        return "projects" if self.projects else "units"

    def to_record(self) -> dict[str, Any]:
        """What the spec says, as plain values (hashed into every unit's cache key, and reported)."""
        return {
            "name": self.name,
            "projects": [str(p) for p in self.projects],
            "units": self.units.spec if self.units else None,
            "name_field": self.name_field,
            "zones": self.zones.spec if self.zones else None,
            "population_field": self.population_field,
            "raster": str(self.raster) if self.raster else None,
            "dasymetric": self.dasymetric,
            "layers": {name: source.spec for name, source in self.layers.items()},
            "settings": dict(self.settings),
            "kpi_targets": dict(self.kpi_targets),
            "crs": self.crs,
            "proposal": self.proposal,
        }


def load_spec(path: str | os.PathLike) -> BatchSpec:
    """Read and check a batch spec file.

    Raises
    ------
    BatchError
        One sentence naming the spec file and what is wrong (an unknown key, a missing file...).
    """
    path = Path(path).resolve()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"The batch spec '{path}' does not exist.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise BatchError(f"The batch spec '{path}' cannot be read ({err}).") from None
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise BatchError(f"The batch spec '{path}' is not valid YAML{line}.") from None
    return parse_spec(data, path)


def parse_spec(data: Any, path: Path) -> BatchSpec:
    """A :class:`BatchSpec` from the YAML document ``data`` of the spec file ``path``."""
    where = f"The batch spec '{path}'"
    if not isinstance(data, dict):
        raise BatchError(f"{where} must be a mapping with 'projects' or 'units'.")
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise BatchError(
            f"{where} has unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_TOP_KEYS))})."
        )
    base = path.parent
    name = str(data.get("name") or path.stem.replace("_", " "))
    if ("projects" in data) == ("units" in data):
        raise BatchError(f"{where} needs exactly one of 'projects' (a list of .cityplan files) and 'units'.")
    spec = BatchSpec(path=path, name=name)
    if data.get("proposal") is not None:
        spec.proposal = _proposal(data["proposal"], where)
    if "projects" in data:
        projects = data["projects"]
        if not isinstance(projects, list) or not projects:
            raise BatchError(f"{where}: 'projects' must be a list of .cityplan files.")
        extra = sorted(k for k in ("population", "layers", "settings", "kpi_targets", "crs") if k in data)
        if extra:
            raise BatchError(
                f"{where}: {', '.join(extra)} belong to the 'units' form; projects carry their own."
            )
        spec.projects = [_existing(base, p, where, "projects") for p in projects]
        names = [p.stem for p in spec.projects]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise BatchError(f"{where} names the project(s) {', '.join(twice)} more than once.")
        return spec

    units = _mapping(
        data["units"], where, "units", required=("file",), allowed=("file", "layer", "name_field")
    )
    spec.units = Source(_existing(base, units["file"], where, "units.file"), _text(units.get("layer")))
    spec.name_field = _text(units.get("name_field"))
    population = _mapping(
        data.get("population"), where, "population", required=(), allowed=("zones", "raster", "dasymetric")
    )
    if not population.get("zones") and not population.get("raster"):
        raise BatchError(f"{where}: 'population' needs 'zones' (with a census field), 'raster', or both.")
    if population.get("zones"):
        zones = _mapping(
            population["zones"],
            where,
            "population.zones",
            required=("file",),
            allowed=("file", "layer", "field"),
        )
        spec.zones = Source(
            _existing(base, zones["file"], where, "population.zones.file"), _text(zones.get("layer"))
        )
        spec.population_field = _text(zones.get("field"))
        if not spec.population_field and not population.get("raster"):
            raise BatchError(f"{where}: 'population.zones' needs the census 'field' when no raster is given.")
    if population.get("raster"):
        spec.raster = _existing(base, population["raster"], where, "population.raster")
    layers = data.get("layers") or {}
    if not isinstance(layers, dict):
        raise BatchError(f"{where}: 'layers' must map layer names to FILE:LAYER.")
    for layer_name, value in layers.items():
        spec.layers[str(layer_name)] = _source(base, value, where, f"layers.{layer_name}")
    if population.get("dasymetric"):
        spec.dasymetric = str(population["dasymetric"])
        if spec.dasymetric not in spec.layers:
            raise BatchError(
                f"{where}: 'population.dasymetric' names '{spec.dasymetric}', which is not one of 'layers'."
            )
    spec.settings = _settings(data.get("settings"), where)
    targets = data.get("kpi_targets") or {}
    if not isinstance(targets, dict):
        raise BatchError(f"{where}: 'kpi_targets' must map KPI ids to numbers.")
    for kpi_id, value in targets.items():
        if not _is_number(value):
            raise BatchError(f"{where}: the target of '{kpi_id}' in 'kpi_targets' is not a number.")
        spec.kpi_targets[str(kpi_id)] = float(value)
    if data.get("crs") is not None:
        spec.crs = str(data["crs"])
    return spec


def _mapping(value: Any, where: str, key: str, required: tuple, allowed: tuple) -> dict:
    if not isinstance(value, dict):
        raise BatchError(f"{where}: '{key}' must be a mapping with {', '.join(allowed)}.")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise BatchError(
            f"{where}: '{key}' has unknown key(s) {', '.join(unknown)} (known: {', '.join(allowed)})."
        )
    missing = [k for k in required if not value.get(k)]
    if missing:
        raise BatchError(f"{where}: '{key}' lacks {', '.join(missing)}.")
    return value


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value)


def _resolve(base: Path, value: Any) -> Path:
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else (base / p).resolve()


def _existing(base: Path, value: Any, where: str, key: str) -> Path:
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise BatchError(f"{where}: '{key}' must be a file path.")
    p = _resolve(base, value)
    if not p.exists():
        raise BatchError(f"{where}: '{key}' names '{p}', which does not exist.")
    return p


def _source(base: Path, value: Any, where: str, key: str) -> Source:
    """``FILE[:LAYER]`` or ``{file: FILE, layer: LAYER}``, the file relative to the spec."""
    if isinstance(value, dict):
        value = _mapping(value, where, key, required=("file",), allowed=("file", "layer"))
        return Source(_existing(base, value["file"], where, key), _text(value.get("layer")))
    if not isinstance(value, str) or not value.strip():
        raise BatchError(f"{where}: '{key}' must be FILE:LAYER.")
    text = value.strip()
    # Split FILE:LAYER relative to the spec's folder (parse_source looks at the working directory).
    head, sep, tail = text.rpartition(":")
    if sep and head and _resolve(base, head).exists():
        return Source(_resolve(base, head), tail or None)
    path, layer = parse_source(str(_resolve(base, text)))
    if not path.exists():
        raise BatchError(f"{where}: '{key}' names '{path}', which does not exist.")
    return Source(path, layer)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _settings(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BatchError(f"{where}: 'settings' must be a mapping.")
    unknown = sorted(str(k) for k in value if k not in SETTING_KEYS)
    if unknown:
        raise BatchError(
            f"{where}: 'settings' has unknown key(s) {', '.join(unknown)} (known: {', '.join(SETTING_KEYS)})."
        )
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key == "distance_mode":
            if raw not in DISTANCE_MODES:
                raise BatchError(f"{where}: 'settings.distance_mode' must be {' or '.join(DISTANCE_MODES)}.")
            out[key] = str(raw)
        elif key == "none_exist":
            names = raw if isinstance(raw, list) else str(raw).split(",")
            out[key] = ", ".join(str(n).strip() for n in names if str(n).strip())
        else:
            if not _is_number(raw) or not float(raw) > 0:
                raise BatchError(f"{where}: 'settings.{key}' must be a positive number.")
            if key == "cell_size_m":
                low, high = CELL_SIZE_RANGE_M
                if not low <= float(raw) <= high:
                    raise BatchError(
                        f"{where}: 'settings.cell_size_m' must be between {low:g} and {high:g} m."
                    )
            out[key] = float(raw)
    return out


def _proposal(value: Any, where: str) -> dict[str, Any]:
    """The ``proposal`` mapping, checked against the shipped facility types; defaults filled in."""
    from ..facility_types import load_catalogue

    value = _mapping(value, where, "proposal", required=("type",), allowed=_PROPOSAL_KEYS)
    types = {t.name: t for t in load_catalogue()[0]}
    type_name = str(value["type"])
    if type_name not in types:
        raise BatchError(
            f"{where}: 'proposal.type' names '{type_name}', which is not a facility type "
            f"(known: {', '.join(types)})."
        )
    if ("budget" in value) == ("sites" in value):
        raise BatchError(f"{where}: 'proposal' needs exactly one of 'budget' (per unit) and 'sites'.")
    out: dict[str, Any] = {"type": type_name, "budget": None, "sites": None}
    if "budget" in value:
        if not _is_number(value["budget"]) or not float(value["budget"]) > 0:
            raise BatchError(f"{where}: 'proposal.budget' must be a positive amount.")
        if types[type_name].unit_cost <= 0:
            raise BatchError(
                f"{where}: facility type '{type_name}' has no unit cost to spend 'proposal.budget' on."
            )
        out["budget"] = float(value["budget"])
    else:
        sites = value["sites"]
        if not isinstance(sites, int) or isinstance(sites, bool) or sites < 1:
            raise BatchError(f"{where}: 'proposal.sites' must be a whole number of at least 1.")
        out["sites"] = sites
    if "grid" in value and "candidates" in value:
        raise BatchError(f"{where}: 'proposal' takes 'grid' or 'candidates: network', not both.")
    if "candidates" in value:
        if value["candidates"] != "network":
            raise BatchError(
                f"{where}: 'proposal.candidates' can only be 'network' (or give a 'grid' spacing)."
            )
        out["candidates"] = "network"
    else:
        grid = value.get("grid", PROPOSAL_GRID_M)
        if not _is_number(grid) or not float(grid) >= 5:
            raise BatchError(f"{where}: 'proposal.grid' must be a spacing of at least 5 m.")
        out["candidates"], out["grid"] = "grid", float(grid)
    limit = value.get("time_limit", PROPOSAL_TIME_LIMIT_S)
    if not _is_number(limit) or not float(limit) > 0:
        raise BatchError(f"{where}: 'proposal.time_limit' must be a positive number of seconds.")
    out["time_limit"] = float(limit)
    name = _text(value.get("name")) or PROPOSAL_SCENARIO
    if name == BASELINE:
        raise BatchError(
            f"{where}: 'proposal.name' must not be '{BASELINE}'; proposals go into a named scenario."
        )
    out["name"] = name
    return out
