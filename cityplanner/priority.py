"""Priority zones by rule: weighted scoring of zone criteria into priority tiers 1-3.

A criterion is one number per zone: population density, the zone's coverage gap for a KPI that
counts people (from :meth:`cityplanner.kpi.Evaluator.zone_metrics`), or a numeric zone field. Each
is scaled to [0, 1] over the zones (min-max), multiplied by the planner's weight and summed into a
score; tiers are then the top shares of zones by score, or the zones above score thresholds.
The desktop app's "Priority by rule" dialog calls these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import AnalysisError
from .progress import Progress, report
from .project import Project

DENSITY = "density"
TIERS = (1, 2, 3)


@dataclass
class Criterion:
    """One per-zone measure a priority rule can weigh.

    Attributes
    ----------
    id : str
        Stable key: ``"density"``, ``"gap:<kpi id>"`` or ``"field:<column>"``.
    label : str
        What planners read (e.g. ``"Coverage gap: School access (%)"``).
    values : numpy.ndarray
        (n,) float64 raw value per zone, in zone-layer order; NaN where unknown.
    """

    id: str
    label: str
    values: np.ndarray


def zone_criteria(
    project: Project,
    evaluator=None,
    scenario: str | None = None,
    progress: Progress | None = None,
) -> list[Criterion]:
    """Every criterion the project offers for its zones.

    Parameters
    ----------
    project : Project
        Its zone layer and population field give density and the numeric fields.
    evaluator : cityplanner.kpi.Evaluator, optional
        When given, adds one coverage-gap criterion per KPI that counts people (``100 - % of the
        zone's people covered`` for KPIs where higher is better; the share exposed, e.g. to a
        hazard, where lower is better); NaN in zones without people. KPIs that cannot be computed
        for the project are left out.
    scenario : str, optional
        Scenario whose coverage the gaps describe (the baseline by default).
    progress : Progress, optional
        Receives one update per KPI; cancelling raises :class:`~cityplanner.errors.Cancelled`.

    Returns
    -------
    list of Criterion
        Density first (when the zones have an area), then the gaps, then the numeric fields.
    """
    zones = project.zones
    population = project.population
    area_km2 = zones.geometry.area.to_numpy(dtype=float) / 1e6
    criteria = []
    if (area_km2 > 0).any():
        with np.errstate(invalid="ignore", divide="ignore"):
            density = np.where(area_km2 > 0, population / area_km2, np.nan)
        criteria.append(Criterion(DENSITY, "Population density (people/km²)", density))
    if evaluator is not None:
        people_kpis = [
            k for k in evaluator.catalogue if k.method in ("population_within", "population_inside")
        ]
        for i, kpi in enumerate(people_kpis):
            report(progress, i / len(people_kpis), f"Coverage of {kpi.name}")
            share = evaluator.zone_metrics(kpi.id, scenario)["value"].to_numpy(dtype=float)
            if np.isnan(share).all():
                continue
            # Nobody lives there: no gap to close, however far the services are.
            share = np.where(population > 0, share, np.nan)
            if kpi.direction == "higher":
                criteria.append(Criterion(f"gap:{kpi.id}", f"Coverage gap: {kpi.name} (%)", 100.0 - share))
            else:
                criteria.append(Criterion(f"gap:{kpi.id}", f"{kpi.name} (%)", share))
    for column in zones.columns:
        if column != zones.geometry.name and pd.api.types.is_numeric_dtype(zones[column]):
            values = pd.to_numeric(zones[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            criteria.append(Criterion(f"field:{column}", f"Field: {column}", values))
    report(progress, 1.0, "Criteria ready")
    return criteria


def scale_to_unit(values: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1] over the finite values; NaN (unknown) and constant criteria give 0."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return np.zeros(len(v))
    lo, hi = v[finite].min(), v[finite].max()
    if hi <= lo:
        return np.zeros(len(v))
    return np.where(finite, (v - lo) / (hi - lo), 0.0)


def weighted_score(criteria: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Sum over criteria of weight times the criterion scaled to [0, 1].

    Parameters
    ----------
    criteria : mapping
        Criterion key -> (n,) values per zone (all the same length).
    weights : mapping
        Criterion key -> weight; missing or 0 leaves the criterion out. A negative weight
        favours low values: the criterion counts as ``|weight| * (1 - scaled)``.

    Returns
    -------
    numpy.ndarray
        (n,) score per zone.
    """
    lengths = {len(v) for v in criteria.values()}
    if len(lengths) > 1:
        raise AnalysisError("The priority criteria do not have one value per zone each.")
    unknown = sorted(k for k, w in weights.items() if w and k not in criteria)
    if unknown:
        known = ", ".join(criteria) or "none"
        raise AnalysisError(f"Unknown priority criterion {', '.join(unknown)} (known: {known}).")
    score = np.zeros(lengths.pop() if lengths else 0)
    for key, values in criteria.items():
        w = float(weights.get(key, 0.0) or 0.0)
        if w:
            scaled = scale_to_unit(values)
            score += w * scaled if w > 0 else -w * (1.0 - scaled)
    return score


def tiers_from_score(score: np.ndarray, shares: Sequence[float]) -> dict[int, np.ndarray]:
    """Zone rows of tiers 1, 2, 3: the top ``shares[0]`` of zones by score, the next ``shares[1]``...

    Parameters
    ----------
    score : numpy.ndarray
        (n,) score per zone (higher = more urgent).
    shares : sequence of 3 floats
        Share of all zones in each tier, each in [0, 1]; scaled down when they sum above 1.

    Returns
    -------
    dict
        Tier -> sorted row positions. Ties keep zone order.
    """
    shares = np.asarray(shares, dtype=float)
    if shares.shape != (3,) or not np.isfinite(shares).all() or (shares < 0).any():
        raise AnalysisError("Give three tier shares between 0 and 1 (e.g. 0.1, 0.2, 0.3).")
    if shares.sum() > 1:
        shares = shares / shares.sum()
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    bounds = np.round(np.cumsum(shares) * len(order)).astype(int)
    starts = np.concatenate([[0], bounds[:-1]])
    return {tier: np.sort(order[s:e]) for tier, s, e in zip(TIERS, starts, bounds, strict=True)}


def tiers_from_thresholds(score: np.ndarray, thresholds: Sequence[float]) -> dict[int, np.ndarray]:
    """Zone rows of tiers 1, 2, 3 by score: at least ``thresholds[0]``, then ``[1]``, then ``[2]``.

    ``thresholds`` must not increase (tier 1 is the most urgent); zones below the last get no tier.
    """
    t = np.asarray(thresholds, dtype=float)
    if t.shape != (3,) or not np.isfinite(t).all() or (np.diff(t) > 0).any():
        raise AnalysisError("Give three score thresholds from tier 1 down to tier 3 (e.g. 2, 1.5, 1).")
    score = np.asarray(score, dtype=float)
    # Tier index: how many thresholds the score stays below (0 -> tier 1, 3 -> no tier).
    below = (score[:, None] < t[None, :]).sum(axis=1)
    return {tier: np.flatnonzero(below == tier - 1) for tier in TIERS}
