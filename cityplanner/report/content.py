"""What a report shows, gathered once from the engine for the chosen scenarios.

The PDF, the HTML map and the table exports all lay out one :class:`ReportContent`. Its KPI values
are :meth:`cityplanner.kpi.Evaluator.evaluate` results (the call ``cityplanner kpis`` makes) and its
per-zone figures are :meth:`~cityplanner.kpi.Evaluator.zone_metrics`; this module only groups and
words them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from ..cost import ScenarioCost, scenario_cost
from ..decisions import STATES as DECISION_STATES
from ..decisions import DecisionEntry, decision_log
from ..kpi import Evaluator, KpiDefinition, KpiResult, district_field, percent_by_group
from ..progress import Progress, report
from ..project import Project
from . import i18n

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
WHOLE_CITY = "Whole city"

_STATUS_WORDS = {
    "met": "the target is met",
    "near": "within 10 % of the target",
    "not met": "short of the target",
    "n/a": "not computed",
}  # the English of i18n's "words_<status>" messages


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
    cost : ScenarioCost or None
        The capital cost of the placements (:func:`cityplanner.cost.scenario_cost`).
    """

    name: str
    description: str
    is_baseline: bool
    kpis: list[KpiResult]
    zone_values: pd.DataFrame
    zone_covered: pd.DataFrame
    placements: pd.DataFrame
    cost: ScenarioCost | None = None


@dataclass
class ReportContent:
    """Everything a report of ``project`` for some scenarios shows (baseline first).

    ``lang`` is the language the report is written in (``"en"`` or ``"vi"``, see
    :mod:`cityplanner.report.i18n`); in Vietnamese the baseline's default name, facility type
    labels and the names the optimiser gave placements are already translated here.
    """

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
    lang: str = "en"
    # The workshop's decision log (cityplanner.decisions), oldest first.
    decisions: list[DecisionEntry] = field(default_factory=list)

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

    @property
    def whole_city(self) -> str:
        """The name of the row for the whole city (:data:`WHOLE_CITY` in English)."""
        return WHOLE_CITY if self.lang != "vi" else i18n.tr(self.lang, "whole_city")

    def district_names(self) -> np.ndarray:
        """District of every zone (one name for all when the zones have no district field)."""
        zones = self.project.zones
        if self.district_field is None:
            return np.full(len(zones), self.whole_city, dtype=object)
        none = i18n.tr(self.lang, "no_district")
        return zones[self.district_field].astype("string").fillna(none).to_numpy(dtype=object)

    def district_coverage(self, scenario: ScenarioContent) -> pd.DataFrame:
        """% of each district's population covered, per KPI that counts people.

        Rows are the districts (sorted) and a last :attr:`whole_city` row holding the KPI's value;
        columns are KPI ids.
        """
        covered = scenario.zone_covered
        percent = percent_by_group(covered, self.population, self.district_names())
        value = {k.id: k.value for k in scenario.kpis}
        city = pd.DataFrame(
            [[value[c] for c in covered.columns]], index=[self.whole_city], columns=covered.columns
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
        """Plain sentences on a scenario: what it adds, status counts and the KPIs that change most.

        In the report's language (:attr:`lang`).
        """
        lang = self.lang
        sentences = []
        if scenario.is_baseline:
            sentences.append(i18n.tr(lang, "baseline_sentence", scenario=scenario.name))
        else:
            sentences.append(_placement_sentence(scenario, self.project, lang))
        sentences.append(_status_sentence(scenario.kpis, lang))
        if scenario.is_baseline:
            sentences += _furthest_sentences(scenario.kpis, most, lang)
            return sentences
        # KPIs the baseline cannot compute (no layer of existing facilities) but the plan's
        # placements give a value: a figure with no change to report, not "no change".
        only_planned = [k for k in scenario.kpis if k.value is not None and k.baseline_value is None]
        if only_planned:
            named = "; ".join(
                f"{i18n.kpi_name(k, lang)} {i18n.format_quantity(k.value, k.unit, lang)}"
                for k in only_planned[:most]
            )
            more = i18n.tr(lang, "and_more", n=len(only_planned) - most) if len(only_planned) > most else ""
            sentences.append(
                i18n.tr(
                    lang,
                    "only_planned",
                    count=i18n.tr_count(lang, "kpi_has_count", len(only_planned)),
                    named=named,
                    more=more,
                )
            )
        changed = [k for k in scenario.kpis if k.change is not None and k.change != 0]
        if not changed:
            sentences.append(i18n.tr(lang, "no_baseline_change" if only_planned else "no_change"))
            return sentences
        changed.sort(key=_relative_change, reverse=True)
        sentences += [_change_sentence(k, lang) for k in changed[:most]]
        if len(changed) > most:
            sentences.append(i18n.tr_count(lang, "more_change_less", len(changed) - most))
        return sentences

    def cost_sentence(self, scenario: ScenarioContent) -> str:
        """One sentence on what the scenario's placements cost (empty without a cost)."""
        if scenario.cost is None:
            return ""
        return cost_sentence(scenario.cost, self.project, self.lang)


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
    lang: str = "en",
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
    lang : {"en", "vi"}
        The language of the report (:mod:`cityplanner.report.i18n`).

    Returns
    -------
    ReportContent
    """
    lang = i18n.check_lang(lang)
    names = resolve_scenarios(project, scenarios)
    evaluator = Evaluator(project)
    contents = []
    for i, name in enumerate(names):
        report(progress, i / len(names), f"Evaluating KPIs of {name}")
        kpis = evaluator.evaluate(name, scaled_progress(progress, i / len(names), (i + 0.5) / len(names)))
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
                name=i18n.scenario_name(name, lang) if name == project.baseline.name else name,
                description=scenario.description,
                is_baseline=name == project.baseline.name,
                kpis=kpis,
                zone_values=pd.DataFrame(values, index=index),
                zone_covered=pd.DataFrame(covered, index=index),
                placements=placements_frame(project, name, lang),
                cost=scenario_cost(project, name),
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
        lang=lang,
        decisions=decision_log(project),
    )


def in_language(content: ReportContent, lang: str) -> ReportContent:
    """``content`` for a report in ``lang``: the same numbers, the names :func:`collect` translates
    (the baseline's default name, type labels, generated placement names) in ``lang``."""
    lang = i18n.check_lang(lang)
    if lang == content.lang:
        return content
    project = content.project
    scenarios = []
    for scenario in content.scenarios:
        original = project.baseline.name if scenario.is_baseline else scenario.name
        scenarios.append(
            dataclasses.replace(
                scenario,
                name=i18n.scenario_name(original, lang) if scenario.is_baseline else original,
                placements=placements_frame(project, original, lang),
            )
        )
    return dataclasses.replace(content, scenarios=scenarios, lang=lang)


def scaled_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress sink mapping [0, 1] onto [start, end] of ``progress``."""
    if progress is None:
        return None
    return Progress(lambda fraction, message: progress.update(start + (end - start) * fraction, message))


def placements_frame(project: Project, scenario: str, lang: str = "en") -> pd.DataFrame:
    """A scenario's placements as a table, with WGS84 coordinates (see :class:`ScenarioContent`).

    In Vietnamese (``lang="vi"``) type labels are the types' ``label_vi`` and names the optimiser
    generated are translated (:func:`cityplanner.report.i18n.placement_name`).
    """
    placed = project.scenario(scenario).placements
    to_wgs84 = Transformer.from_crs(project.crs, CRS.from_epsg(4326), always_xy=True)
    x = np.array([p.x for p in placed], dtype=float)
    y = np.array([p.y for p in placed], dtype=float)
    lon, lat = to_wgs84.transform(x, y)
    labels = {name: i18n.type_label(ft, lang) for name, ft in project.facility_types.items()}
    return pd.DataFrame(
        {
            "number": np.arange(1, len(placed) + 1),
            "id": [p.id for p in placed],
            "type": [p.type for p in placed],
            "type_label": [labels.get(p.type, p.type) for p in placed],
            "name": [i18n.placement_name(p.name, p.type, project, lang) for p in placed],
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


def cost_sentence(cost: ScenarioCost, project: Project, lang: str = "en") -> str:
    """What a scenario's placements cost, per facility type, in the project's currency.

    ``"Capital cost of the placements: 190,000 USD (Public Wi-Fi hotspot 4 × 2,500; …)."``
    """
    total = i18n.format_money(cost.total, cost.currency, lang)
    if not cost.types:
        return i18n.tr(lang, "cost_none", total=total)
    parts = []
    for t in cost.types:
        ftype = project.facility_types.get(t.type)
        label = i18n.type_label(ftype, lang) if ftype is not None else t.type
        if t.own_cost:
            parts.append(
                i18n.tr(
                    lang,
                    "cost_part_own",
                    label=label,
                    count=t.count,
                    cost=i18n.format_number(t.cost, lang, decimals=0),
                    own=t.own_cost,
                )
            )
        else:
            unit_cost = i18n.format_number(t.unit_cost, lang, decimals=0)
            parts.append(i18n.tr(lang, "cost_part", label=label, count=t.count, unit_cost=unit_cost))
    listed = "; ".join(parts)
    if cost.unpriced:
        listed += i18n.tr(lang, "cost_unpriced", n=cost.unpriced)
    return i18n.tr(lang, "cost_line", total=total, parts=listed)


def _relative_change(kpi: KpiResult) -> float:
    scale = max(abs(kpi.target), abs(kpi.baseline_value or 0.0), 1e-9)
    return abs(kpi.change or 0.0) / scale


def _placement_sentence(scenario: ScenarioContent, project: Project, lang: str = "en") -> str:
    placements = scenario.placements
    if placements.empty:
        return i18n.tr(lang, "adds_none", scenario=scenario.name)
    counts = placements.groupby("type_label", sort=False).size()
    parts = [f"{n} × {label}" for label, n in counts.items()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + i18n.tr(lang, "and") + parts[-1]
    return i18n.tr(lang, "adds", scenario=scenario.name, count=len(placements), listed=listed)


def _status_sentence(kpis: list[KpiResult], lang: str = "en") -> str:
    counts = {status: sum(k.status == status for k in kpis) for status in _STATUS_WORDS}
    sentence = i18n.tr(
        lang,
        "status_sentence",
        total=len(kpis),
        met=i18n.tr_count(lang, "status_met_count", counts["met"]),
        near=i18n.tr_count(lang, "status_near_count", counts["near"]),
        short=i18n.tr_count(lang, "status_short_count", counts["not met"]),
    )
    if counts["n/a"]:
        sentence += i18n.tr(lang, "status_na_part", n=counts["n/a"])
    return sentence + "."


def _change_sentence(kpi: KpiResult, lang: str = "en") -> str:
    before = i18n.format_quantity(kpi.baseline_value, kpi.unit, lang)
    after = i18n.format_quantity(kpi.value, kpi.unit, lang)
    verb = i18n.tr(lang, "rises" if (kpi.change or 0) > 0 else "falls", before=before, after=after)
    better = (kpi.change or 0) > 0 if kpi.direction == "higher" else (kpi.change or 0) < 0
    return i18n.tr(
        lang,
        "change_sentence",
        name=kpi.name,
        name_vi=kpi.name_vi or kpi.name,
        verb=verb,
        before=before,
        after=after,
        judgement=i18n.tr(lang, "better" if better else "worse"),
        target=i18n.format_quantity(kpi.target, kpi.unit, lang),
        status=i18n.tr(lang, f"words_{kpi.status}"),
    )


def _furthest_sentences(kpis: list[KpiResult], most: int, lang: str = "en") -> list[str]:
    short = [k for k in kpis if k.status == "not met" and k.value is not None]
    if not short:
        return []

    def shortfall(k: KpiResult) -> float:
        return abs(k.target - (k.value or 0.0)) / max(abs(k.target), 1e-9)

    short.sort(key=shortfall, reverse=True)
    named = [
        i18n.tr(
            lang,
            "against",
            name=i18n.kpi_name(k, lang),
            value=i18n.format_quantity(k.value, k.unit, lang),
            target=i18n.format_quantity(k.target, k.unit, lang),
        )
        for k in short[:most]
    ]
    return [i18n.tr(lang, "furthest", named="; ".join(named))]


# -- the workshop's decision log ----------------------------------------------------------------
# key -> (English, Vietnamese): the decision-log section's words (see cityplanner.report.i18n).
DECISION_TEXTS: dict[str, tuple[str, str]] = {
    "heading": ("Workshop decisions", "Quyết định tại hội thảo"),
    "intro": (
        "What the workshop marked, oldest first: the scenario shown, the change discussed, its KPIs "
        "against the baseline and the facilitator's note.",
        "Những gì hội thảo đã ghi nhận, theo thứ tự thời gian: kịch bản được trình chiếu, thay đổi "
        "được thảo luận, các chỉ tiêu KPI so với phương án cơ sở và ghi chú của người điều phối.",
    ),
    "count": ("{n} decisions: {states}.", "{n} quyết định: {states}."),
    "count_one": ("1 decision: {states}.", "1 quyết định: {states}."),
    "col_time": ("Time", "Thời gian"),
    "col_scenario": ("Scenario", "Kịch bản"),
    "col_decision": ("Decision", "Quyết định"),
    "col_change": ("Change", "Thay đổi"),
    "col_kpis": ("KPI changes", "Thay đổi chỉ tiêu KPI"),
    "col_note": ("Note", "Ghi chú"),
    "agreed": ("Agreed", "Thống nhất"),
    "rejected": ("Rejected", "Bác bỏ"),
    "to study": ("To study", "Nghiên cứu thêm"),
    "no_kpi_changed": ("no KPI changed", "không chỉ tiêu KPI nào thay đổi"),
}


def decision_text(key: str, lang: str = "en", **fields) -> str:
    english, vietnamese = DECISION_TEXTS[key]
    text = vietnamese if lang == "vi" else english
    return text.format(**fields) if fields else text


def decision_summary(entries: list[DecisionEntry], lang: str = "en") -> str:
    """'3 decisions: 1 agreed, 1 rejected, 1 to study.'"""
    counts = [(state, sum(e.state == state for e in entries)) for state in DECISION_STATES]
    states = ", ".join(f"{n} {decision_text(state, lang).lower()}" for state, n in counts if n)
    key = "count_one" if len(entries) == 1 else "count"
    return decision_text(key, lang, n=len(entries), states=states)


def decision_rows(entries: list[DecisionEntry], lang: str = "en") -> list[dict[str, str]]:
    """The log as the report prints it: time, scenario, decision, change, KPI changes, note."""
    rows = []
    for e in entries:
        changed = [k for k in e.kpis if k.changed]
        kpis = "; ".join(_delta_text(k, lang) for k in changed) or decision_text("no_kpi_changed", lang)
        rows.append(
            {
                "time": e.time,
                "scenario": i18n.scenario_name(e.scenario, lang),
                "decision": decision_text(e.state, lang),
                "change": e.change,
                "kpis": kpis,
                "note": e.note,
            }
        )
    return rows


def _delta_text(delta, lang: str) -> str:
    """'Health facility access: 97.2 → 98.4 % (+1.2)' with the name and numbers in ``lang``."""
    name = (delta.name_vi or delta.name) if lang == "vi" else delta.name
    numbers = [v for v in (delta.baseline, delta.value) if v is not None]
    whole = all(float(v).is_integer() for v in numbers)
    decimals = 0 if whole else (2 if delta.unit != "%" and max(abs(v) for v in numbers) < 10 else 1)
    unit = i18n.unit(delta.unit, lang)
    change = ""
    if delta.change is not None:
        change = f" ({i18n.format_number(delta.change, lang, decimals, sign=True)})"
    before = "–" if delta.baseline is None else i18n.format_number(delta.baseline, lang, decimals)
    after = "–" if delta.value is None else i18n.format_number(delta.value, lang, decimals)
    return f"{name}: {before} → {after}{' ' + unit if unit else ''}{change}"
