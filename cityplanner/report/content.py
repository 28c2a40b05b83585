"""What a report shows, gathered once from the engine for the chosen scenarios.

The PDF, the HTML map and the table exports all lay out one :class:`ReportContent`. Its KPI values
are :meth:`cityplanner.kpi.Evaluator.evaluate` results (the call ``cityplanner kpis`` makes) and its
per-zone figures are :meth:`~cityplanner.kpi.Evaluator.zone_metrics`; this module only groups and
words them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from ..kpi import Evaluator, KpiDefinition, KpiResult, district_field, percent_by_group
from ..progress import Progress, report
from ..project import Project

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
WHOLE_CITY = "Whole city"

_STATUS_WORDS = {
    "met": "the target is met",
    "near": "within 10 % of the target",
    "not met": "short of the target",
    "n/a": "not computed",
}


@dataclass
class ScenarioContent:
    """One scenario's KPIs, per-zone measures and placements.

    Attributes
    ----------
    zone_values : pandas.DataFrame
        One row per zone (the zone layer's index), one column per KPI id: the KPI's measure
        inside the zone.
    zone_covered : pandas.DataFrame
        People covered per zone, for the KPIs that count people (columns: their ids).
    placements : pandas.DataFrame
        The scenario's placements with ``number`` (1-based), ``id``, ``type``, ``type_label``,
        ``name``, ``source``, ``capacity``, ``marginal_gain``, ``x``, ``y`` (working CRS) and
        ``lon``, ``lat`` (WGS84).
    """

    name: str
    description: str
    is_baseline: bool
    kpis: list[KpiResult]
    zone_values: pd.DataFrame
    zone_covered: pd.DataFrame
    placements: pd.DataFrame


@dataclass
class ReportContent:
    """Everything a report of ``project`` for some scenarios shows (baseline first)."""

    project: Project
    title: str
    city: str
    author: str
    date: dt.date
    catalogue: list[KpiDefinition]
    distance_mode: str
    scenarios: list[ScenarioContent]
    district_field: str | None
    attribution: str

    def definition(self, kpi_id: str) -> KpiDefinition:
        return next(k for k in self.catalogue if k.id == kpi_id)

    @property
    def baseline(self) -> ScenarioContent:
        return self.scenarios[0]

    @property
    def plans(self) -> list[ScenarioContent]:
        return [s for s in self.scenarios if not s.is_baseline]

    @property
    def population(self) -> np.ndarray:
        return self.project.population

    def district_names(self) -> np.ndarray:
        """District of every zone (one name for all when the zones have no district field)."""
        zones = self.project.zones
        if self.district_field is None:
            return np.full(len(zones), WHOLE_CITY, dtype=object)
        return zones[self.district_field].astype("string").fillna("(none)").to_numpy(dtype=object)

    def district_coverage(self, scenario: ScenarioContent) -> pd.DataFrame:
        """% of each district's population covered, per KPI that counts people.

        Rows are the districts (sorted) and a last ``"Whole city"`` row holding the KPI's value;
        columns are KPI ids.
        """
        covered = scenario.zone_covered
        percent = percent_by_group(covered, self.population, self.district_names())
        value = {k.id: k.value for k in scenario.kpis}
        city = pd.DataFrame(
            [[value[c] for c in covered.columns]], index=[WHOLE_CITY], columns=covered.columns
        )
        if self.district_field is None:
            return city.astype(float)
        return pd.concat([percent, city]).astype(float)

    def headline_kpi(self) -> str | None:
        """The people-counting KPI the maps shade zones by.

        The one whose city value changes most (in percentage points) between the baseline and a
        reported plan, or the first one with a value when nothing changes; None if there is none.
        """
        people = [k for k in self.baseline.kpis if k.id in self.baseline.zone_covered.columns]
        with_value = [k for k in people if k.value is not None]
        if not with_value:
            return None
        best_id, best_change = with_value[0].id, 0.0
        for plan in self.plans:
            for k in plan.kpis:
                if k.id in self.baseline.zone_covered.columns and k.change is not None:
                    if abs(k.change) > best_change:
                        best_id, best_change = k.id, abs(k.change)
        return best_id

    def summary(self, scenario: ScenarioContent, most: int = 5) -> list[str]:
        """Plain sentences on a scenario: what it adds, status counts and the KPIs that change most."""
        sentences = []
        if scenario.is_baseline:
            sentences.append(f"The baseline '{scenario.name}' holds the existing facilities only.")
        else:
            sentences.append(_placement_sentence(scenario, self.project))
        sentences.append(_status_sentence(scenario.kpis))
        if scenario.is_baseline:
            sentences += _furthest_sentences(scenario.kpis, most)
            return sentences
        # KPIs the baseline cannot compute (no layer of existing facilities) but the plan's
        # placements give a value: a figure with no change to report, not "no change".
        only_planned = [k for k in scenario.kpis if k.value is not None and k.baseline_value is None]
        if only_planned:
            named = "; ".join(f"{k.name} {format_quantity(k.value, k.unit)}" for k in only_planned[:most])
            more = f" and {len(only_planned) - most} more" if len(only_planned) > most else ""
            sentences.append(
                f"{_count(len(only_planned), 'KPI has', 'KPIs have')} a value only with the plan's "
                f"placements, the baseline having no layer of those facilities: {named}{more}."
            )
        changed = [k for k in scenario.kpis if k.change is not None and k.change != 0]
        if not changed:
            sentences.append(
                "No KPI with a baseline value changes."
                if only_planned
                else "No KPI changes from the baseline."
            )
            return sentences
        changed.sort(key=_relative_change, reverse=True)
        sentences += [_change_sentence(k) for k in changed[:most]]
        if len(changed) > most:
            rest = len(changed) - most
            sentences.append(
                f"{rest} more KPI{' changes' if rest == 1 else 's change'} less; see the KPI table."
            )
        return sentences


def resolve_scenarios(project: Project, names: list[str] | None) -> list[str]:
    """The scenarios a report covers: the baseline, then ``names`` (all scenarios when empty).

    Raises
    ------
    ProjectError
        If a name is not a scenario of the project.
    """
    if not names:
        return list(project.scenarios)
    chosen = [project.baseline.name]
    for name in names:
        project.scenario(name)
        if name not in chosen:
            chosen.append(name)
    return chosen


def collect(
    project: Project,
    scenarios: list[str] | None = None,
    author: str | None = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> ReportContent:
    """Evaluate the KPIs and per-zone measures of the scenarios a report covers.

    Parameters
    ----------
    project : Project
    scenarios : list of str, optional
        Scenario names; the baseline is always included, first. All scenarios when None or empty.
    author, title : str, optional
        Shown on the title page; default to the project's ``author`` and ``plan_name`` settings.
    progress : Progress, optional
        Receives fractions in [0, 1] while scenarios are evaluated.

    Returns
    -------
    ReportContent
    """
    names = resolve_scenarios(project, scenarios)
    evaluator = Evaluator(project)
    contents = []
    for i, name in enumerate(names):
        report(progress, i / len(names), f"Evaluating KPIs of {name}")
        kpis = evaluator.evaluate(name)
        values, covered = {}, {}
        for kpi in evaluator.catalogue:
            metrics = evaluator.zone_metrics(kpi.id, name)
            values[kpi.id] = metrics["value"].to_numpy(dtype=float)
            people = metrics["covered_population"].to_numpy(dtype=float)
            if not np.isnan(people).all():
                covered[kpi.id] = people
        index = project.zones.index
        scenario = project.scenario(name)
        contents.append(
            ScenarioContent(
                name=name,
                description=scenario.description,
                is_baseline=name == project.baseline.name,
                kpis=kpis,
                zone_values=pd.DataFrame(values, index=index),
                zone_covered=pd.DataFrame(covered, index=index),
                placements=placements_frame(project, name),
            )
        )
    report(progress, 1.0, "KPIs evaluated")
    return ReportContent(
        project=project,
        title=title or str(project.setting("plan_name", "") or project.name),
        city=str(project.setting("city", "") or ""),
        author=author or str(project.setting("author", "") or ""),
        date=dt.date.today(),
        catalogue=evaluator.catalogue,
        distance_mode=evaluator.distance_mode,
        scenarios=contents,
        district_field=district_field(project),
        attribution=attribution(project),
    )


def scaled_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress sink mapping [0, 1] onto [start, end] of ``progress``."""
    if progress is None:
        return None
    return Progress(lambda fraction, message: progress.update(start + (end - start) * fraction, message))


def placements_frame(project: Project, scenario: str) -> pd.DataFrame:
    """A scenario's placements as a table, with WGS84 coordinates (see :class:`ScenarioContent`)."""
    placed = project.scenario(scenario).placements
    to_wgs84 = Transformer.from_crs(project.crs, CRS.from_epsg(4326), always_xy=True)
    x = np.array([p.x for p in placed], dtype=float)
    y = np.array([p.y for p in placed], dtype=float)
    lon, lat = to_wgs84.transform(x, y)
    labels = {name: ft.label for name, ft in project.facility_types.items()}
    return pd.DataFrame(
        {
            "number": np.arange(1, len(placed) + 1),
            "id": [p.id for p in placed],
            "type": [p.type for p in placed],
            "type_label": [labels.get(p.type, p.type) for p in placed],
            "name": [p.name for p in placed],
            "source": [p.source for p in placed],
            "capacity": np.array([np.nan if p.capacity is None else p.capacity for p in placed], dtype=float),
            "marginal_gain": np.array(
                [np.nan if p.marginal_gain is None else p.marginal_gain for p in placed], dtype=float
            ),
            "x": x,
            "y": y,
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
        }
    )


def attribution(project: Project) -> str:
    """Data attribution for maps: the ``attribution`` setting, else OSM's when a layer is from OSM."""
    explicit = str(project.setting("attribution", "") or "")
    if explicit:
        return explicit
    for layer in project.layers.values():
        source = f"{layer.source} {layer.source_layer or ''}".lower()
        if "osm_id" in layer.gdf.columns or "osm" in source or source.strip().endswith(".pbf"):
            return OSM_ATTRIBUTION
    return ""


def format_number(value: float | None) -> str:
    """A KPI figure as ``kpis`` prints it: one decimal, thousands separators, ``n/a`` for None."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:,.1f}"


def format_quantity(value: float | None, unit: str) -> str:
    """A figure with its unit (``"63.2 %"``, ``"4.0 hotspots"``)."""
    number = format_number(value)
    return number if number == "n/a" else f"{number} {unit}"


def format_change(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return ""
    return f"{value:+,.1f}"


def _relative_change(kpi: KpiResult) -> float:
    scale = max(abs(kpi.target), abs(kpi.baseline_value or 0.0), 1e-9)
    return abs(kpi.change or 0.0) / scale


def _placement_sentence(scenario: ScenarioContent, project: Project) -> str:
    placements = scenario.placements
    if placements.empty:
        return f"The plan '{scenario.name}' adds no facilities to the baseline."
    counts = placements.groupby("type_label", sort=False).size()
    parts = [f"{n} × {label}" for label, n in counts.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"The plan '{scenario.name}' adds {len(placements)} facilities to the baseline: {listed}."


def _status_sentence(kpis: list[KpiResult]) -> str:
    counts = {status: sum(k.status == status for k in kpis) for status in _STATUS_WORDS}
    sentence = (
        f"Of {len(kpis)} KPIs, {_count(counts['met'], 'meets its', 'meet their')} target, "
        f"{_count(counts['near'], 'is', 'are')} within 10 % of it and "
        f"{_count(counts['not met'], 'falls', 'fall')} short"
    )
    if counts["n/a"]:
        sentence += f"; {counts['n/a']} cannot be computed for this project"
    return sentence + "."


def _count(n: int, singular_verb: str, plural_verb: str) -> str:
    return f"{n} {singular_verb if n == 1 else plural_verb}"


def _change_sentence(kpi: KpiResult) -> str:
    verb = "rises" if (kpi.change or 0) > 0 else "falls"
    better = (kpi.change or 0) > 0 if kpi.direction == "higher" else (kpi.change or 0) < 0
    return (
        f"{kpi.name} ({kpi.name_vi}) {verb} from {format_quantity(kpi.baseline_value, kpi.unit)} to "
        f"{format_quantity(kpi.value, kpi.unit)} ({'better' if better else 'worse'}; target "
        f"{format_quantity(kpi.target, kpi.unit)}, {_STATUS_WORDS[kpi.status]})."
    )


def _furthest_sentences(kpis: list[KpiResult], most: int) -> list[str]:
    short = [k for k in kpis if k.status == "not met" and k.value is not None]
    if not short:
        return []

    def shortfall(k: KpiResult) -> float:
        return abs(k.target - (k.value or 0.0)) / max(abs(k.target), 1e-9)

    short.sort(key=shortfall, reverse=True)
    named = [
        f"{k.name} ({format_quantity(k.value, k.unit)} against {format_quantity(k.target, k.unit)})"
        for k in short[:most]
    ]
    return ["Furthest from their targets: " + "; ".join(named) + "."]
