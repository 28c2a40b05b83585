"""KPI catalogue and evaluation per scenario.

The catalogue (``resources/kpi_catalogue.yaml``) is data: every KPI names one of the generic
methods below (``population_within``, ``per_capita_area``, ``count``, ``per_capita_count``,
``area_within``, ``line_length_within``, ``population_inside``, ``two_step_fca``) with its facility
types, distance threshold, unit, direction and default target. Adding a KPI means adding YAML.

Coverage, network distances and 2SFCA come from :mod:`cityplanner.coverage`,
:mod:`cityplanner.network` and :mod:`cityplanner.access`; this module only combines them, so the
KPI dock, the report and ``cityplanner kpis`` print the same numbers.

A KPI's ``threshold_m`` is part of its definition (500 m for public transport). It is not replaced
by a facility type's ``radius_m``, which is the planning radius the desktop app draws around a
placement.

Capacity KPIs (``two_step_fca``) give the share of people whose accessible capacity (the 2SFCA
ratio per ``per_population`` people) reaches the catalogue's ``standard_per_population``, with the
10th percentile, median and Gini coefficient of that access per person (:attr:`KpiResult.distribution`)
and where the capacities came from (:attr:`KpiResult.capacity_source`): the layer field the facility
type names (``FacilityType.capacity_field``) or the type's default capacity.

A KPI whose input is absent is n/a with the reason, never 0: a facility type with no layer of
existing facilities counts only when the project declares that none exist
(:attr:`~cityplanner.project.Project.none_exist`, the ``none_exist`` setting) or, in a scenario, from
its placements (the baseline then stays n/a and the change is None). Area KPIs measure polygons;
points have an area only when their type gives one (``FacilityType.area_per_point_m2``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

from . import access, coverage
from .demand import Demand
from .errors import AnalysisError
from .network import StreetNetwork
from .progress import Progress, report
from .project import Project, Scenario
from .resources import resource_path
from .settings import AnalysisSettings
from .surface import PopulationSurface, project_surface

CATALOGUE_PATH = resource_path("kpi_catalogue.yaml")

# A value within this relative distance of its target (on the wrong side) is "near".
NEAR_TOLERANCE = 0.10

STATUSES = ("met", "near", "not met", "n/a")

# Methods that measure distances and so need ``threshold_m``.
_THRESHOLD_METHODS = {"population_within", "area_within", "line_length_within", "two_step_fca"}
_PER_POPULATION_METHODS = {"per_capita_area", "per_capita_count", "two_step_fca"}
# Relative difference below which a scenario's KPI value equals the baseline's (floating-point noise).
_SAME_VALUE_RTOL = 1e-9


@dataclass(frozen=True)
class KpiDefinition:
    """One catalogue entry (see the header of ``resources/kpi_catalogue.yaml``)."""

    id: str
    standard: str
    code: str
    name: str
    name_vi: str
    method: str
    facility_types: tuple[str, ...]
    unit: str
    direction: str
    target: float
    description: str
    threshold_m: float | None = None
    distance: str = "euclidean"
    per_population: float | None = None
    major_streets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    standard_per_population: float | None = None
    standard_unit: str = ""


@dataclass
class KpiResult:
    """A KPI evaluated for one scenario.

    ``value`` and ``baseline_value`` are None when the KPI cannot be computed for the project
    (``status`` is then ``"n/a"`` and ``method_note`` says why). ``change`` is value minus
    baseline value (None when either is None). ``mode`` is ``"network"`` or ``"euclidean"`` for
    distance-based KPIs, else ''.

    Capacity KPIs (``two_step_fca``) also carry ``distribution``, the scenario's access per
    person in ``unit`` (e.g. beds per 1,000 people): ``p10``, ``median`` (population-weighted)
    and ``gini`` (None when nobody reaches any capacity), and ``capacity_source``, one sentence
    saying where the capacities came from. Both are None for the other KPIs.
    """

    id: str
    code: str
    name: str
    name_vi: str
    value: float | None
    unit: str
    target: float
    status: str
    baseline_value: float | None
    change: float | None
    direction: str
    mode: str
    method_note: str
    distribution: dict[str, Any] | None = None
    capacity_source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The record ``cityplanner kpis --json`` prints (``note`` is ``method_note``)."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "status": self.status,
            "baseline_value": self.baseline_value,
            "name_vi": self.name_vi,
            "change": self.change,
            "direction": self.direction,
            "mode": self.mode,
            "note": self.method_note,
            "distribution": dict(self.distribution) if self.distribution is not None else None,
            "capacity_source": self.capacity_source,
        }


@dataclass
class _Outcome:
    """What a method computed: the city value and the same measure per zone."""

    value: float | None
    note: str
    mode: str = ""
    zone_value: np.ndarray | None = None
    zone_covered_population: np.ndarray | None = None
    # Per-zone numerator and denominator whose ratio is the zone value (a group's value is the
    # ratio of their sums); None when the value is people covered or a population-weighted mean.
    zone_parts: tuple[np.ndarray, np.ndarray] | None = None
    distribution: dict[str, Any] | None = None
    capacity_source: str | None = None


# -- catalogue ----------------------------------------------------------------------------------
def load_catalogue(path: str | Path | None = None) -> list[KpiDefinition]:
    """Read and check the KPI catalogue.

    Parameters
    ----------
    path : str or Path, optional
        A catalogue YAML file; the shipped ``resources/kpi_catalogue.yaml`` by default.

    Returns
    -------
    list of KpiDefinition
        In catalogue order.

    Raises
    ------
    AnalysisError
        If the file cannot be read or an entry is incomplete or names an unknown method.
    """
    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AnalysisError(f"The KPI catalogue {path} cannot be read: {err}.") from None
    entries = data.get("kpis") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise AnalysisError(f"The KPI catalogue {path} has no 'kpis' list.")
    catalogue = [_definition(entry, path) for entry in entries]
    ids = [k.id for k in catalogue]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise AnalysisError(f"The KPI catalogue {path} repeats the id(s) {', '.join(duplicates)}.")
    return catalogue


def _definition(entry: Any, path: Path) -> KpiDefinition:
    if not isinstance(entry, dict):
        raise AnalysisError(f"The KPI catalogue {path} has an entry that is not a mapping: {entry!r}.")
    kpi_id = str(entry.get("id", "?"))
    required = (
        "id", "standard", "code", "name", "name_vi", "method", "unit", "direction", "target", "description"
    )  # fmt: skip
    missing = [key for key in required if entry.get(key) in (None, "")]
    if missing:
        raise AnalysisError(f"KPI '{kpi_id}' in {path} lacks {', '.join(missing)}.")
    method = entry["method"]
    if method not in _METHODS:
        raise AnalysisError(
            f"KPI '{kpi_id}' in {path} names the unknown method '{method}' (known: {', '.join(_METHODS)})."
        )
    if entry["direction"] not in ("higher", "lower"):
        raise AnalysisError(
            f"KPI '{kpi_id}' in {path} has direction '{entry['direction']}', not higher or lower."
        )
    distance = entry.get("distance", "euclidean")
    if distance not in ("euclidean", "network_if_roads"):
        raise AnalysisError(
            f"KPI '{kpi_id}' in {path} has distance '{distance}', not euclidean or network_if_roads."
        )
    if method in _THRESHOLD_METHODS and not _positive(entry.get("threshold_m")):
        raise AnalysisError(f"KPI '{kpi_id}' in {path} needs a positive threshold_m for method {method}.")
    if method in _PER_POPULATION_METHODS and not _positive(entry.get("per_population")):
        raise AnalysisError(f"KPI '{kpi_id}' in {path} needs a positive per_population for method {method}.")
    if method == "two_step_fca" and not _positive(entry.get("standard_per_population")):
        raise AnalysisError(
            f"KPI '{kpi_id}' in {path} needs a positive standard_per_population for method {method} "
            "(the capacity per per_population people a person should reach)."
        )
    facility_types = tuple(entry.get("facility_types") or ())
    if method != "population_inside" and not facility_types:
        raise AnalysisError(f"KPI '{kpi_id}' in {path} names no facility_types.")
    major = entry.get("major_streets") or {}
    if method == "line_length_within" and not major:
        raise AnalysisError(f"KPI '{kpi_id}' in {path} needs major_streets for method line_length_within.")
    try:
        target = float(entry["target"])
    except (TypeError, ValueError):
        raise AnalysisError(f"KPI '{kpi_id}' in {path} has a target that is not a number.") from None
    return KpiDefinition(
        id=kpi_id,
        standard=str(entry["standard"]),
        code=str(entry["code"]),
        name=str(entry["name"]),
        name_vi=str(entry["name_vi"]),
        method=method,
        facility_types=tuple(str(t) for t in facility_types),
        unit=str(entry["unit"]),
        direction=entry["direction"],
        target=target,
        description=str(entry["description"]),
        threshold_m=float(entry["threshold_m"]) if entry.get("threshold_m") is not None else None,
        distance=distance,
        per_population=float(entry["per_population"]) if entry.get("per_population") is not None else None,
        major_streets=tuple((str(col), tuple(str(v) for v in values)) for col, values in major.items()),
        standard_per_population=(
            float(entry["standard_per_population"])
            if entry.get("standard_per_population") is not None
            else None
        ),
        standard_unit=str(
            entry.get("standard_unit")
            or (
                f"capacity per {float(entry['per_population']):,.0f} people"
                if entry.get("per_population")
                else ""
            )
        ),
    )


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and value > 0


# -- status -------------------------------------------------------------------------------------
def kpi_status(value: float | None, target: float, direction: str) -> str:
    """Status of a value against its target.

    ``"met"`` when the value reaches the target in the KPI's direction (``"higher"`` or
    ``"lower"`` is better), ``"near"`` when it misses by at most 10 % of the target, ``"not met"``
    otherwise and ``"n/a"`` when there is no value.
    """
    if value is None or not np.isfinite(value):
        return "n/a"
    shortfall = target - value if direction == "higher" else value - target
    if shortfall <= 0:
        return "met"
    if shortfall <= NEAR_TOLERANCE * abs(target):
        return "near"
    return "not met"


def capacity_summary(result: KpiResult) -> str:
    """A capacity KPI's capacity source and access distribution in words ('' for other KPIs).

    ``"capacity: type default: 20 beds each; access per person: 10th percentile 1.22, median
    2.69 beds per 1,000 people, Gini 0.28"``: what ``kpis`` and the report print.
    """
    parts = []
    if result.capacity_source:
        parts.append(f"capacity: {result.capacity_source}")
    dist = result.distribution
    if dist:
        gini = "n/a (nobody reaches any)" if dist.get("gini") is None else f"{dist['gini']:.2f}"
        parts.append(
            f"access per person: 10th percentile {dist['p10']:,.2f}, median {dist['median']:,.2f} "
            f"{dist.get('unit', '')}, Gini {gini}"
        )
    return "; ".join(parts)


# -- groups of zones ----------------------------------------------------------------------------
# Zone fields that name an administrative (or planning) area, in order of preference.
DISTRICT_FIELDS = (
    "district", "district_name", "dist_name", "quan", "quận", "ward", "ward_name", "phuong", "phường",
    "commune", "sector",
)  # fmt: skip


def district_field(project: Project) -> str | None:
    """The zone field that names districts: the ``district_field`` setting or a usual name."""
    columns = [c for c in project.zones.columns if c != project.zones.geometry.name]
    chosen = str(project.setting("district_field", "") or "")
    if chosen in columns:
        return chosen
    by_lower = {c.lower(): c for c in columns}
    return next((by_lower[name] for name in DISTRICT_FIELDS if name in by_lower), None)


def percent_by_group(covered: pd.DataFrame, population, groups) -> pd.DataFrame:
    """% of each group's population covered, per column of people covered per zone.

    Parameters
    ----------
    covered : pandas.DataFrame
        One row per zone, one column per KPI: people covered in the zone.
    population, groups : array_like
        (n,) people and group label per zone.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted), the same columns; NaN for a group without people.
    """
    frame = covered.reset_index(drop=True).assign(_population=np.asarray(population, dtype=float))
    sums = frame.groupby(np.asarray(groups, dtype=object), sort=True).sum(numeric_only=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * sums[covered.columns].div(sums["_population"].replace(0, np.nan), axis=0)


# -- evaluation ---------------------------------------------------------------------------------
def evaluate(
    project: Project, scenario: str | None = None, progress: Progress | None = None
) -> list[KpiResult]:
    """Evaluate every catalogue KPI for ``scenario`` (the baseline by default).

    One-off convenience over :class:`Evaluator`; keep an Evaluator to re-evaluate quickly.
    """
    return Evaluator(project).evaluate(scenario, progress)


class Evaluator:
    """Evaluates KPIs for a project's scenarios, caching what scenarios share.

    People are counted on the project's population surface (:mod:`cityplanner.surface`): each
    piece of a grid cell is covered or not from its point, and per-zone figures sum the pieces of
    each zone. The surface, the street network (built once, from the project's ``roads`` layer),
    the city outline and the major streets are computed on first use and kept; each KPI outcome is
    cached per set of relevant placements and facility-type settings, so after one placement only
    the KPIs of that facility type are recomputed, and a facility-type edit (a capacity, a
    radius) is never answered from the cache. Create a new Evaluator when the project's layers,
    zones or analysis settings change.

    Parameters
    ----------
    project : Project
    catalogue : list of KpiDefinition, optional
        The shipped catalogue by default.
    """

    def __init__(self, project: Project, catalogue: list[KpiDefinition] | None = None) -> None:
        self.project = project
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self._by_id = {kpi.id: kpi for kpi in self.catalogue}
        self._outcomes: dict[tuple, _Outcome] = {}

    # -- cached inputs ----------------------------------------------------------------------------
    @cached_property
    def settings(self) -> AnalysisSettings:
        return AnalysisSettings.of(self.project)

    @cached_property
    def surface(self) -> PopulationSurface:
        return project_surface(self.project)

    @cached_property
    def demand(self) -> Demand:
        """The surface's pieces as point demand: who lives where, for every people-counting KPI."""
        return self.surface.demand()

    @cached_property
    def zone_geometry(self) -> np.ndarray:
        return self.project.zones.geometry.to_numpy()

    @cached_property
    def zone_population(self) -> np.ndarray:
        """People per zone: the surface summed per zone (the census field, to rounding)."""
        return self.surface.zone_population()

    @cached_property
    def distance_mode(self) -> str:
        """The project's :attr:`~cityplanner.project.Project.distance_mode`, fixed for this evaluator."""
        return self.project.distance_mode

    @cached_property
    def network(self) -> StreetNetwork | None:
        """The walking network of the road layer, or None in Euclidean mode."""
        if self.distance_mode != "network":
            return None
        roads = self.project.layer_with_role("roads")
        return StreetNetwork.from_lines(
            roads.gdf,
            walk_speed_kmh=self.settings.walk_speed_kmh,
            source=f"The project's road layer '{roads.name}'",
        )

    @property
    def max_snap_m(self) -> float:
        return self.settings.max_snap_m

    @cached_property
    def city(self) -> shapely.Geometry | None:
        """Union of the zone polygons (None when zones are points)."""
        polygons = self.zone_geometry[shapely.get_dimensions(self.zone_geometry) == 2]
        return shapely.union_all(polygons) if len(polygons) else None

    @cached_property
    def _zone_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.zone_geometry)

    # -- public API -------------------------------------------------------------------------------
    def definition(self, kpi_id: str) -> KpiDefinition:
        try:
            return self._by_id[kpi_id]
        except KeyError:
            raise AnalysisError(f"There is no KPI '{kpi_id}' in the KPI catalogue.") from None

    def target(self, kpi: KpiDefinition) -> float:
        """The project's target for ``kpi`` (``project.kpi_targets``) or the catalogue default."""
        return float(self.project.kpi_targets.get(kpi.id, kpi.target))

    def evaluate(self, scenario: str | None = None, progress: Progress | None = None) -> list[KpiResult]:
        """Every catalogue KPI for ``scenario`` (the baseline by default), in catalogue order."""
        results = []
        for i, kpi in enumerate(self.catalogue):
            report(progress, i / len(self.catalogue), f"Evaluating {kpi.name}")
            results.append(self.evaluate_kpi(kpi.id, scenario))
        report(progress, 1.0, "KPIs evaluated")
        return results

    def evaluate_kpi(self, kpi_id: str, scenario: str | None = None) -> KpiResult:
        """One KPI for ``scenario``, with target, status and the baseline's value."""
        kpi = self.definition(kpi_id)
        outcome = self._outcome(kpi, self.project.scenario(scenario))
        baseline = self._outcome(kpi, self.project.baseline)
        target = self.target(kpi)
        value, change = outcome.value, None
        if value is not None and baseline.value is not None:
            change = value - baseline.value
            if abs(change) <= _SAME_VALUE_RTOL * max(abs(value), abs(baseline.value), 1.0):
                # Rounding noise of a recomputation (summation order), not a change: the plan
                # keeps the baseline's value, so reports do not print "-0.0" or count it as a change.
                value, change = baseline.value, 0.0
        return KpiResult(
            id=kpi.id,
            code=kpi.code,
            name=kpi.name,
            name_vi=kpi.name_vi,
            value=value,
            unit=kpi.unit,
            target=target,
            status=kpi_status(value, target, kpi.direction),
            baseline_value=baseline.value,
            change=change,
            direction=kpi.direction,
            mode=outcome.mode,
            method_note=outcome.note,
            distribution=dict(outcome.distribution) if outcome.distribution is not None else None,
            capacity_source=outcome.capacity_source,
        )

    def zone_metrics(self, kpi_id: str, scenario: str | None = None) -> gpd.GeoDataFrame:
        """The KPI's measure per zone, for maps and per-district tables.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per zone (same order and index as the zone layer) with ``population``,
            ``value`` (the KPI's measure inside the zone, in the KPI's unit: e.g. % of the zone's
            population covered or meeting a capacity standard, hotspots in the zone) and
            ``covered_population`` (people covered, inside the hazard or meeting the capacity
            standard; NaN for KPIs that do not count people).
            Values are NaN when the KPI cannot be computed for the project.
        """
        kpi = self.definition(kpi_id)
        outcome = self._outcome(kpi, self.project.scenario(scenario))
        n = len(self.zone_population)
        nan = np.full(n, np.nan)
        zones = self.project.zones
        return gpd.GeoDataFrame(
            {
                "population": self.zone_population,
                "value": outcome.zone_value if outcome.zone_value is not None else nan,
                "covered_population": (
                    outcome.zone_covered_population if outcome.zone_covered_population is not None else nan
                ),
            },
            geometry=zones.geometry.to_numpy(),
            index=zones.index,
            crs=self.project.crs,
        )

    def by_group(self, kpi_id: str, groups, scenario: str | None = None) -> pd.Series:
        """The KPI for groups of zones (e.g. districts), aggregated the way the city value is.

        KPIs that count people (coverage, hazard, people meeting a capacity standard) give the %
        of each group's population covered (:func:`percent_by_group`); counts are summed;
        per-capita measures divide the group's amount by its population; area and street coverage
        divide covered by total area or length.

        Parameters
        ----------
        kpi_id : str
        groups : array_like
            (n,) group label per zone, in zone-layer order (see :func:`district_field`).
        scenario : str, optional
            The baseline by default.

        Returns
        -------
        pandas.Series
            Value per group label (sorted); NaN where the group has nothing to measure or the
            KPI cannot be computed for the project.
        """
        kpi = self.definition(kpi_id)
        outcome = self._outcome(kpi, self.project.scenario(scenario))
        labels = pd.Series(np.asarray(groups, dtype=object)).astype("string").fillna("(none)").to_numpy()
        if len(labels) != len(self.zone_population):
            raise AnalysisError(f"{len(labels)} group labels for {len(self.zone_population)} zones.")
        if outcome.zone_covered_population is not None:
            covered = pd.DataFrame({kpi.id: outcome.zone_covered_population})
            return percent_by_group(covered, self.zone_population, labels)[kpi.id]
        values = outcome.zone_value if outcome.zone_value is not None else np.full(len(labels), np.nan)
        if kpi.method == "count":
            return pd.Series(values).groupby(labels, sort=True).sum(min_count=1)
        if outcome.zone_parts is not None:
            numerator, denominator = outcome.zone_parts
        else:
            # A population-weighted mean; zones without a value are left out.
            ok = np.isfinite(values)
            numerator = np.where(ok, values * self.zone_population, 0.0)
            denominator = np.where(ok, self.zone_population, 0.0)
        sums = pd.DataFrame({"n": numerator, "d": denominator}).groupby(labels, sort=True).sum()
        return sums["n"] / sums["d"].replace(0.0, np.nan)

    # -- dispatch ---------------------------------------------------------------------------------
    def _outcome(self, kpi: KpiDefinition, scenario: Scenario) -> _Outcome:
        placements = tuple(
            sorted(
                (p.type, p.x, p.y, p.capacity is None, p.capacity or 0.0)
                for p in scenario.placements
                if p.type in kpi.facility_types
            )
        )
        # A facility type's settings (capacity, layer, radius) and whether it is declared to have
        # none are part of the key: an edit to one must not be answered with the figure before it.
        declared = self.project.none_exist
        types = tuple(
            (repr(self.project.facility_types.get(t)), t in declared, self._has_layer(t))
            for t in kpi.facility_types
        )
        key = (kpi.id, placements, types)
        if key not in self._outcomes:
            self._outcomes[key] = _METHODS[kpi.method](self, kpi, scenario.name)
        return self._outcomes[key]

    def _has_layer(self, type_name: str) -> bool:
        return type_name in self.project.facility_types and self.project.has_existing_layer(type_name)

    def _facilities(self, kpi: KpiDefinition, scenario: str) -> tuple[gpd.GeoDataFrame | None, str]:
        """Existing + placed facilities of the KPI's types, with a ``type`` column.

        A type counts when the project holds its layer, declares that none exist, or the scenario
        places some (placements only: its existing facilities are unknown). Returns
        ``(None, reason)`` when no type counts; else the facilities and a note (' (...)', or '')
        naming what is missing.
        """
        types = self.project.facility_types
        known = [t for t in kpi.facility_types if t in types]
        if not known:
            return None, f"The project has no facility type {' or '.join(kpi.facility_types)}."
        placed = {p.type for p in self.project.scenario(scenario).placements}
        declared = self.project.none_exist
        loaded = [t for t in known if self._has_layer(t)]
        none = [t for t in known if t not in loaded and t in declared]
        unknown = [t for t in known if t not in loaded and t not in declared]
        if not loaded and not none and not placed.intersection(known):
            them = "it" if len(unknown) == 1 else "them"
            labels = " or ".join(types[t].label for t in unknown)
            return None, f'No layer of type {labels}; declare "none exist" to count {them} as 0.'
        used = [t for t in known if t in loaded or t in none or t in placed]
        frames = [self.project.facilities(t, scenario).assign(type=t) for t in used]
        facilities = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=self.project.crs)
        facilities = facilities[~facilities.geometry.is_empty & facilities.geometry.notna()]
        notes = []
        missing = [t for t in kpi.facility_types if t not in known]
        if missing:
            notes.append(f"the project has no facility type {', '.join(missing)}")
        for t in unknown:
            notes.append(f"no layer of type {types[t].label}" + (": placements only" if t in placed else ""))
        notes += [f"no existing {types[t].label} (declared none exist)" for t in none]
        return facilities, f" ({'; '.join(notes)})" if notes else ""

    def _distance(self, kpi: KpiDefinition) -> tuple[StreetNetwork | None, str]:
        """The network to measure along (None for Euclidean) and a note saying which."""
        if kpi.distance == "euclidean":
            return None, "straight-line distance"
        if self.network is not None:
            return self.network, "distance along the street network"
        if self.project.layer_with_role("roads") is not None:
            return None, "straight-line distance (the project's distance mode is Euclidean)"
        return None, "straight-line distance (the project has no road layer)"

    def _percent_of_population(self, share: np.ndarray) -> float:
        population = self.demand.population
        return float(100.0 * (share * population).sum() / population.sum())

    def _people_outcome(self, share: np.ndarray, note: str, mode: str) -> _Outcome:
        """The outcome of a KPI counting the people in ``share`` (one value per surface piece)."""
        covered = self.surface.per_zone(share * self.demand.population)
        with np.errstate(invalid="ignore", divide="ignore"):
            zone_percent = np.where(self.zone_population > 0, 100.0 * covered / self.zone_population, np.nan)
        return _Outcome(
            self._percent_of_population(share), f"{note} {self._people_note}", mode, zone_percent, covered
        )

    @cached_property
    def _people_note(self) -> str:
        """How people were placed, said after every figure that counts them."""
        return f"People on {self.surface.cell_size_m:g} m cells, {self.surface.method} method."

    # -- methods ----------------------------------------------------------------------------------
    def _population_within(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """% of population within ``threshold_m`` of a facility (polygons: of their edge)."""
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        network, how = self._distance(kpi)
        radius = kpi.threshold_m
        geoms = facilities.geometry.to_numpy()
        reaching = self._within_reach(geoms, radius)
        if not reaching.any():
            share = np.zeros(len(self.demand))
        elif network is None:
            share = coverage.euclidean_coverage(self.demand, geoms[reaching], radius).covered_share
        else:
            try:
                share = coverage.network_coverage(
                    self.demand, network, geoms[reaching], radius, max_snap_m=self.max_snap_m
                ).covered_share
            except AnalysisError as err:
                # E.g. every facility is off the streets: not measurable, rather than 0 %.
                return _Outcome(None, str(err), "network")
        note = f"{len(geoms)} facilities, {radius:g} m, {how}{missing}."
        mode = "network" if network is not None else "euclidean"
        return self._people_outcome(share, note, mode)

    def _population_inside(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """% of population inside the project's hazard layer."""
        hazard = self.project.layer_with_role("hazard")
        if hazard is None:
            return _Outcome(None, "The project has no hazard layer.")
        polygons = hazard.gdf.geometry.to_numpy()
        polygons = polygons[shapely.get_dimensions(polygons) == 2]
        if len(polygons) == 0:
            return _Outcome(None, f"The hazard layer '{hazard.name}' has no polygons.")
        share = coverage.region_coverage(self.demand, polygons).covered_share
        note = f"Inside the {len(polygons)} polygons of hazard layer '{hazard.name}'."
        return self._people_outcome(share, note, "")

    def _count(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """Number of facilities inside the city."""
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        per_zone, inside = self._facilities_per_zone(facilities.geometry.to_numpy())
        return _Outcome(float(inside), f"Facilities inside the city{missing}.", "", per_zone.astype(float))

    def _per_capita_count(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """Facilities inside the city per ``per_population`` inhabitants."""
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        per_zone, inside = self._facilities_per_zone(facilities.geometry.to_numpy())
        note = f"{inside} facilities inside the city per {kpi.per_population:,.0f} inhabitants{missing}."
        return _Outcome(
            self._per_population(inside, kpi),
            note,
            "",
            self._per_zone_population(per_zone.astype(float), kpi),
            zone_parts=(per_zone * kpi.per_population, self.zone_population),
        )

    def _per_capita_area(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """Hectares of the facilities' polygons inside the city per ``per_population`` inhabitants.

        Points have no area unless their type gives one (``area_per_point_m2``); when the
        facilities have no area at all (parks as points only) the KPI is n/a, not 0.
        """
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        geoms = facilities.geometry.to_numpy()
        dims = shapely.get_dimensions(geoms)
        kinds = facilities["type"].to_numpy(dtype=object)
        types = self.project.facility_types
        per_point = np.array([max(float(types[t].area_per_point_m2 or 0.0), 0.0) for t in kinds])
        counted = (dims == 0) & (per_point > 0)
        polygonal = dims == 2
        if len(geoms) and not polygonal.any() and not counted.any():
            labels = " or ".join(dict.fromkeys(types[t].label for t in kinds))
            what = "are points" if (dims == 0).all() else "have no polygons"
            return _Outcome(
                None,
                f"The {len(geoms)} {labels} facilities {what}, which have no area; give the type an "
                f"area per point (area_per_point_m2) or load its polygons{missing}.",
            )
        polygons = geoms[polygonal]
        if self.city is None:
            city_ha = shapely.area(shapely.union_all(polygons)) / 10_000.0
            zone_ha = np.zeros(len(self.zone_geometry))
        else:
            # Each zone meets only the polygons that reach it (overlapping ones count once).
            zone_m2 = coverage.area_share(self.zone_geometry, self._zone_area, polygons) * self._zone_area
            city_ha = self._city_share(zone_m2, polygons) * self._city_area / 10_000.0
            zone_ha = zone_m2 / 10_000.0
        note = f"{city_ha:,.2f} ha of polygons inside the city"
        for t in dict.fromkeys(kinds[counted]):
            mine = counted & (kinds == t)
            inside, per_zone_m2 = self._points_inside(geoms[mine], per_point[mine])
            city_ha += float(per_point[mine][inside].sum()) / 10_000.0
            zone_ha = zone_ha + per_zone_m2 / 10_000.0
            note += (
                f"; {int(inside.sum())} {types[t].label} points inside the city counted at "
                f"{types[t].area_per_point_m2:,.0f} m² each (the type's area per point)"
            )
        ignored = int(((dims == 0) & ~counted).sum())
        note += f"; {ignored} point facilities add no area" if ignored else ""
        return _Outcome(
            self._per_population(city_ha, kpi),
            f"{note}{missing}.",
            "",
            self._per_zone_population(zone_ha, kpi),
            zone_parts=(zone_ha * kpi.per_population, self.zone_population),
        )

    def _area_within(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """% of the city's area (union of the zones) within ``threshold_m`` of a facility.

        Each zone meets only the discs that reach it (:func:`coverage.area_share`); the city's
        covered area is the sum of the zones' when they do not overlap (:meth:`_city_share`).
        """
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        if self.city is None:
            return _Outcome(None, "The zones are points, so the city has no area to cover.")
        discs = self._service_regions(facilities.geometry.to_numpy(), kpi.threshold_m)
        zone_area = self._zone_area
        # A zone without area (a point) has no share.
        zone_share = np.where(
            zone_area > 0, coverage.area_share(self.zone_geometry, zone_area, discs), np.nan
        )
        value = 100.0 * self._city_share(np.nan_to_num(zone_share * zone_area), discs)
        note = f"{len(facilities)} facilities within {kpi.threshold_m:g} m, straight-line distance{missing}."
        return _Outcome(
            float(value),
            note,
            "euclidean",
            100.0 * zone_share,
            zone_parts=(100.0 * zone_share * zone_area, zone_area),
        )

    def _line_length_within(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """% of the length of major streets inside the city within ``threshold_m`` of a facility."""
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        streets, reason = self._major_streets(kpi)
        if streets is None:
            return _Outcome(None, reason)
        discs = self._service_regions(facilities.geometry.to_numpy(), kpi.threshold_m)
        # Only the discs that reach a major street matter: their union is the covered part's.
        near = shapely.STRtree(discs).query(streets, predicate="intersects")
        covered = shapely.intersection(streets, shapely.union_all(discs[near]))
        value = 100.0 * shapely.length(covered) / shapely.length(streets)
        zone_length = shapely.length(shapely.intersection(self.zone_geometry, streets))
        zone_covered = shapely.length(shapely.intersection(self.zone_geometry, covered))
        with np.errstate(invalid="ignore", divide="ignore"):
            zone_value = np.where(zone_length > 0, 100.0 * zone_covered / zone_length, np.nan)
        note = (
            f"{shapely.length(streets) / 1000.0:,.1f} km of major streets ({reason}); "
            f"{len(facilities)} facilities within {kpi.threshold_m:g} m, straight-line distance{missing}."
        )
        return _Outcome(
            float(value), note, "euclidean", zone_value, zone_parts=(100.0 * zone_covered, zone_length)
        )

    def _two_step_fca(self, kpi: KpiDefinition, scenario: str) -> _Outcome:
        """% of people whose 2SFCA access per ``per_population`` reaches ``standard_per_population``.

        Each facility's capacity is shared among the people within ``threshold_m`` of it; each
        person (surface piece) sums the shares of the facilities within reach. The outcome also
        carries the distribution of that access over people and where the capacities came from.
        """
        facilities, missing = self._facilities(kpi, scenario)
        if facilities is None:
            return _Outcome(None, missing)
        source = self._capacity_source(facilities)
        capacity = facilities["capacity"].to_numpy(dtype=float)
        has_capacity = np.isfinite(capacity) & (capacity > 0)
        if len(facilities) and not has_capacity.any():
            labels = " or ".join(
                dict.fromkeys(self.project.facility_types[t].label for t in facilities["type"])
            )
            return _Outcome(
                None,
                f"No {labels} has a capacity, which 2SFCA needs: name the layer field holding it "
                f"(the type's capacity_field) or give the type a default capacity{missing}.",
                capacity_source=source,
            )
        network, how = self._distance(kpi)
        mode = "network" if network is not None else "euclidean"
        sites = facilities.geometry.to_numpy()
        used = has_capacity & self._within_reach(sites, kpi.threshold_m)
        standard, unit = kpi.standard_per_population, kpi.standard_unit
        left_out = int(len(facilities) - has_capacity.sum())
        note = (
            f"People reaching at least {standard:g} {unit} (2SFCA): {int(has_capacity.sum())} facilities "
            f"with capacity, {kpi.threshold_m:g} m, {how}"
        )
        note += f"; {left_out} without capacity left out" if left_out else ""
        if not used.any():
            ratio = np.zeros(len(self.demand))
        else:
            try:
                ratio = access.two_step_fca(
                    self.demand,
                    shapely.get_coordinates(shapely.point_on_surface(sites[used])),
                    capacity[used],
                    kpi.threshold_m,
                    network=network,
                    max_snap_m=self.max_snap_m,
                )
            except AnalysisError as err:
                # E.g. no facility on a street part the zones can walk to: nothing to measure.
                return _Outcome(None, str(err), mode, capacity_source=source)
        ratio = np.asarray(ratio, dtype=float) * kpi.per_population
        # People off the street network reach no facility: they count with no capacity, as the
        # coverage KPIs count them as not covered, and the note says how many.
        off = ~np.isfinite(ratio)
        if off.any():
            off_population = float(self.demand.population[off].sum())
            note += f"; {off_population:,.0f} people off the street network count as reaching none"
            ratio = np.where(off, 0.0, ratio)
        # The relative slack keeps a person who reaches exactly the standard (summed shares
        # rounded in the last bit) meeting it.
        meets = ratio >= standard * (1.0 - 1e-9)
        outcome = self._people_outcome(meets.astype(float), f"{note}{missing}.", mode)
        population = self.demand.population
        (p10, median), gini = access.distribution(ratio, population, [0.1, 0.5])
        outcome.distribution = {"p10": float(p10), "median": float(median), "gini": gini, "unit": unit}
        outcome.capacity_source = source
        return outcome

    def _capacity_source(self, facilities: gpd.GeoDataFrame) -> str:
        """Where the capacities of ``facilities`` came from, in one sentence (see the module doc)."""
        types = self.project.facility_types
        parts = []
        for t in dict.fromkeys(facilities["type"]):
            ft = types[t]
            rows = facilities[facilities["type"] == t]
            existing = rows[rows["placement_id"] == ""]
            placed = rows[rows["placement_id"] != ""]
            default = _quantity(ft.capacity, ft.capacity_unit) if ft.capacity and ft.capacity > 0 else None
            text = []
            if len(existing):
                layer_gdf = self.project.layers[ft.layer].gdf
                field = ft.capacity_field_of(layer_gdf)
                if field is not None:
                    n_field = int((existing["capacity_from"] == "field").sum())
                    said = f"field '{field}' of layer '{ft.layer}' ({n_field} of {len(existing)} facilities"
                    if n_field < len(existing):
                        said += (
                            f"; the rest at the type default {default}" if default else "; the rest have none"
                        )
                    text.append(said + ")")
                else:
                    said = (
                        f"type default: {default} each"
                        if default
                        else "none (the type's default capacity is 0)"
                    )
                    if ft.capacity_field:
                        said += f" (layer '{ft.layer}' has no field '{ft.capacity_field}')"
                    text.append(said)
            if len(placed):
                n = len(placed)
                own = int((placed["capacity_from"] == "placement").sum())
                word = "placement" if n == 1 else "placements"
                rest = f"the type default {default}" if default else "no capacity"
                if own == n:
                    text.append(f"{n} {word} at {'its' if n == 1 else 'their'} own capacity")
                elif own == 0:
                    text.append(f"{n} {word} at {rest}")
                else:
                    its = "its" if own == 1 else "their"
                    text.append(f"{n} {word} ({own} at {its} own capacity, the rest at {rest})")
            parts.append((ft.label, "; ".join(text)))
        if not parts:
            return "no facilities"
        if len(parts) == 1:
            return parts[0][1]
        return ". ".join(f"{label}: {text}" for label, text in parts)

    # -- helpers ----------------------------------------------------------------------------------
    def _facilities_per_zone(self, geoms: np.ndarray) -> tuple[np.ndarray, int]:
        """Facilities per zone (by their point on surface) and the number inside the city."""
        n = len(self.zone_population)
        if len(geoms) == 0:
            return np.zeros(n, dtype=int), 0
        points = shapely.point_on_surface(geoms)
        if self.city is None:
            return np.zeros(n, dtype=int), len(points)
        facility_idx, zone_idx = self._zone_tree.query(points, predicate="within")
        per_zone = np.bincount(zone_idx, minlength=n)
        # A facility on a shared zone border matches both zones but is one facility.
        return per_zone, int(len(np.unique(facility_idx)))

    def _points_inside(self, points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which points lie in the city and ``weights`` summed per zone (a border point counts once)."""
        n = len(self.zone_population)
        if self.city is None:
            return np.ones(len(points), dtype=bool), np.zeros(n)
        point_idx, zone_idx = self._zone_tree.query(points, predicate="intersects")
        first = np.unique(point_idx, return_index=True)[1]
        point_idx, zone_idx = point_idx[first], zone_idx[first]
        inside = np.zeros(len(points), dtype=bool)
        inside[point_idx] = True
        return inside, np.bincount(zone_idx, weights=weights[point_idx], minlength=n)

    def _within_reach(self, geoms: np.ndarray, radius_m: float) -> np.ndarray:
        """Facilities within ``radius_m`` of the zones' extent (the others cannot serve anyone)."""
        return shapely.dwithin(geoms, shapely.box(*self.demand.bounds), radius_m)

    def _service_regions(self, geoms: np.ndarray, radius_m: float) -> np.ndarray:
        """The facilities' service regions (not unioned), built as coverage builds them."""
        return shapely.buffer(geoms, radius_m, quad_segs=coverage.QUAD_SEGS)

    @cached_property
    def _zone_area(self) -> np.ndarray:
        return shapely.area(self.zone_geometry)

    @cached_property
    def _city_area(self) -> float:
        return float(shapely.area(self.city))

    def _city_share(self, zone_covered_m2: np.ndarray, regions: np.ndarray) -> float:
        """Share of the city's area inside the union of ``regions``, given each zone's covered area.

        The zones' sum exceeds the city's covered area by at most the area where zones overlap
        (the sum of their areas minus the city's); when that is below 1e-10 of the sum (zones
        that tile the city, up to rounding), the sum is the answer, else the city is intersected
        as a whole.
        """
        total = float(zone_covered_m2.sum())
        if abs(float(self._zone_area.sum()) - self._city_area) <= 1e-10 * total:
            return total / self._city_area
        return float(coverage.area_share(np.array([self.city]), np.array([self._city_area]), regions)[0])

    def _per_population(self, amount: float, kpi: KpiDefinition) -> float:
        return float(amount * kpi.per_population / self.demand.population.sum())

    def _per_zone_population(self, amount: np.ndarray, kpi: KpiDefinition) -> np.ndarray:
        population = self.zone_population
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(population > 0, amount * kpi.per_population / population, np.nan)

    def _major_streets(self, kpi: KpiDefinition) -> tuple[shapely.Geometry | None, str]:
        """Major streets clipped to the city and what made them major, or (None, reason)."""
        roads = self.project.layer_with_role("roads")
        if roads is None:
            return None, "The project has no road layer."
        gdf = roads.gdf
        for column, values in kpi.major_streets:
            if column in gdf.columns:
                wanted = {v.lower() for v in values}
                major = gdf[gdf[column].astype("string").str.lower().isin(wanted).fillna(False)]
                lines = major.geometry.to_numpy()
                if self.city is not None:
                    lines = shapely.intersection(lines, self.city)
                # One geometry: overlapping duplicate lines must not count twice.
                lines = shapely.union_all(lines)
                if shapely.length(lines) == 0:
                    return (
                        None,
                        f"The road layer '{roads.name}' has no {column} in {', '.join(values)} in the city.",
                    )
                return lines, f"{column} in {', '.join(values)}"
        columns = " or ".join(column for column, _ in kpi.major_streets)
        return None, f"The road layer '{roads.name}' has no {columns} field to tell major streets."


def _quantity(amount: float, unit: str) -> str:
    """``20 beds``; a capacity without a unit is said as units of capacity."""
    return f"{amount:,g} {unit or 'units of capacity'}"


_METHODS: dict[str, Callable[[Evaluator, KpiDefinition, str], _Outcome]] = {
    "population_within": Evaluator._population_within,
    "per_capita_area": Evaluator._per_capita_area,
    "count": Evaluator._count,
    "per_capita_count": Evaluator._per_capita_count,
    "area_within": Evaluator._area_within,
    "line_length_within": Evaluator._line_length_within,
    "population_inside": Evaluator._population_inside,
    "two_step_fca": Evaluator._two_step_fca,
}
