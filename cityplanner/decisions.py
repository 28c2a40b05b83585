"""The workshop's decision log: what the room agreed, rejected or left to study, and why.

During a planning workshop the facilitator marks the state of the plan shown: "agreed",
"rejected" or "to study", with a short note. Each mark is a :class:`DecisionEntry` holding the
time, the scenario, the change under discussion (its placements against the baseline), the KPI
changes from the baseline at that moment and the note. The log is kept in the project, as JSON
in ``project.settings["decision_log"]`` (settings are saved with the project), and the report has
a section listing it, so the workshop's outcome is the report's story.

No Qt here: the desktop app records entries through :func:`add_decision`, the report reads them
with :func:`decision_log`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ProjectError
from .project import Project

# Key in Project.settings holding the log as a JSON list (settings hold text and numbers only).
SETTING = "decision_log"
STATES = ("agreed", "rejected", "to study")
# A note is a short sentence for the room, not a minute: longer text is cut with an ellipsis.
NOTE_CHARS = 280
CHANGE_CHARS = 400


@dataclass
class KpiDelta:
    """One KPI's value in the baseline and in the scenario when the decision was marked."""

    id: str
    code: str
    name: str
    unit: str
    baseline: float | None
    value: float | None
    change: float | None
    target: float | None = None
    status: str = ""
    name_vi: str = ""

    @property
    def changed(self) -> bool:
        """The scenario's value differs from the baseline's (also from none to one, or back)."""
        if self.baseline is None or self.value is None:
            return (self.baseline is None) != (self.value is None)
        return not math.isclose(self.value, self.baseline, rel_tol=1e-9, abs_tol=1e-12)

    def text(self, name: str | None = None) -> str:
        """'Green Area Accessibility: 69.5 → 72.1 % (+2.6)'; '–' where there is no value, and no
        change in brackets when either value is missing. ``name`` replaces the English name."""
        unit = f" {self.unit}" if self.unit else ""
        change = f" ({_signed(self.change)})" if self.change is not None else ""
        return f"{name or self.name}: {_number(self.baseline)} → {_number(self.value)}{unit}{change}"


@dataclass
class DecisionEntry:
    """One mark in the log.

    Attributes
    ----------
    time : str
        When it was marked, local time as ``YYYY-MM-DD HH:MM``.
    scenario : str
        The scenario shown when it was marked.
    state : str
        One of :data:`STATES`.
    change : str
        The change under discussion, in words (e.g. "Place Clinic; 10 new facilities: ...").
    note : str
        The facilitator's short note.
    kpis : list of KpiDelta
        The KPIs that differ from the baseline (or the ones shown, when none does).
    """

    time: str
    scenario: str
    state: str
    change: str = ""
    note: str = ""
    kpis: list[KpiDelta] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ProjectError(
                f"A decision is one of {', '.join(repr(s) for s in STATES)}, not '{self.state}'."
            )
        self.note = _cut(str(self.note).strip(), NOTE_CHARS)
        self.change = _cut(str(self.change).strip(), CHANGE_CHARS)
        self.kpis = [k if isinstance(k, KpiDelta) else KpiDelta(**k) for k in self.kpis]

    def kpi_text(self) -> str:
        """The KPI changes in one line, '; ' between KPIs ('no KPI changed' when none did)."""
        changed = [k for k in self.kpis if k.changed]
        return "; ".join(k.text() for k in changed) if changed else "no KPI changed"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decision_log(project: Project) -> list[DecisionEntry]:
    """The project's log, oldest first (empty when nothing was marked)."""
    stored = project.settings.get(SETTING)
    if not stored:
        return []
    try:
        records = json.loads(stored) if isinstance(stored, str) else None
        if not isinstance(records, list):
            raise ValueError("not a list")
        return [
            DecisionEntry(**{k: v for k, v in r.items() if k in DecisionEntry.__dataclass_fields__})
            for r in records
        ]
    except (ValueError, TypeError, AttributeError) as err:
        raise ProjectError(f"The project's decision log cannot be read ({err}).") from None


def write_log(project: Project, entries: Iterable[DecisionEntry]) -> None:
    """Store ``entries`` as the project's log (replacing it); an empty log removes the setting."""
    records = [e.as_dict() for e in entries]
    if records:
        project.settings[SETTING] = json.dumps(records, ensure_ascii=False)
    else:
        project.settings.pop(SETTING, None)


def add_decision(project: Project, entry: DecisionEntry) -> DecisionEntry:
    """Append ``entry`` to the project's log and return it."""
    write_log(project, [*decision_log(project), entry])
    return entry


def remove_decision(project: Project, index: int) -> DecisionEntry:
    """Take entry ``index`` (0 = oldest) out of the log and return it."""
    entries = decision_log(project)
    if not 0 <= index < len(entries):
        raise ProjectError(f"The decision log has no entry {index + 1} (it has {len(entries)}).")
    removed = entries.pop(index)
    write_log(project, entries)
    return removed


def kpi_deltas(results: Iterable[Any], shown: Iterable[str] = ()) -> list[KpiDelta]:
    """The KPI changes of evaluated ``results`` (:class:`cityplanner.kpi.KpiResult`).

    The KPIs whose value differs from the baseline's (a KPI the baseline cannot compute and the
    scenario can counts), in catalogue order; when none does, those with ids in ``shown`` (what
    the room was looking at), so the entry still says where they stood.
    """
    deltas = [
        KpiDelta(
            id=r.id,
            code=r.code,
            name=r.name,
            unit=r.unit,
            baseline=_float(r.baseline_value),
            value=_float(r.value),
            change=_float(r.change),
            target=_float(r.target),
            status=r.status,
            name_vi=getattr(r, "name_vi", "") or "",
        )
        for r in results
    ]
    shown = set(shown)
    return [d for d in deltas if d.changed] or [d for d in deltas if d.id in shown]


def describe_change(project: Project, scenario: str) -> str:
    """The scenario's placements against the baseline, in words (English, as the report is).

    'Baseline: the existing facilities' for the baseline; else e.g. '10 new facilities: 4 Public
    Wi-Fi hotspot, 3 Clinic, 3 School'.
    """
    if scenario == project.baseline.name:
        return f"{scenario}: the existing facilities"
    placements = project.scenario(scenario).placements
    if not placements:
        return "no new facilities"
    counts = Counter(p.type for p in placements)
    parts = []
    for type_name, n in counts.most_common():
        ft = project.facility_types.get(type_name)
        parts.append(f"{n} {ft.label if ft else type_name}")
    noun = "facility" if len(placements) == 1 else "facilities"
    return f"{len(placements)} new {noun}: {', '.join(parts)}"


def new_entry(
    project: Project,
    scenario: str,
    state: str,
    note: str = "",
    results: Iterable[Any] = (),
    shown: Iterable[str] = (),
    last_edit: str = "",
    when: dt.datetime | None = None,
) -> DecisionEntry:
    """An entry for ``scenario`` now: its change in words (the last edit first, when given) and
    the KPI changes of ``results`` (see :func:`kpi_deltas`)."""
    change = describe_change(project, scenario)
    if last_edit:
        change = f"{last_edit}; {change}"
    return DecisionEntry(
        time=(when or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
        scenario=scenario,
        state=state,
        change=change,
        note=note,
        kpis=kpi_deltas(results, shown),
    )


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _decimals(value: float) -> int:
    """None for whole numbers and thousands, two below 10 (beds per 1,000 people), else one."""
    if float(value).is_integer() or abs(value) >= 1000:
        return 0
    return 2 if abs(value) < 10 else 1


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.{_decimals(value)}f}"


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    decimals = _decimals(value)
    if round(value, decimals) == 0:
        return "0"
    return f"{value:+,.{decimals}f}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
