"""Priority by rule: weighted scoring of zone attributes and analysis results into tiers 1-3.

Criteria are the zones' numeric fields, population density and, for each percentage KPI, the
zone's coverage gap (100 minus the zone's value from the engine's ``Evaluator.zone_metrics``).
Each criterion is scaled to [0, 1] over the zones, weighted by the planner, and summed; the
highest-scoring share of zones becomes tier 1, the next tier 2, then tier 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from ..document import ProjectDocument

DENSITY = "Population density (people/km²)"


def weighted_score(criteria: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Sum of min-max scaled criteria times their weights (NaN counts as the criterion's minimum)."""
    n = len(next(iter(criteria.values()))) if criteria else 0
    score = np.zeros(n)
    for name, values in criteria.items():
        w = weights.get(name, 0.0)
        if not w:
            continue
        v = np.asarray(values, dtype=float)
        lo, hi = np.nanmin(v), np.nanmax(v)
        scaled = (v - lo) / (hi - lo) if hi > lo else np.zeros(n)
        score += w * np.nan_to_num(scaled, nan=0.0)
    return score


def tiers_from_score(score: np.ndarray, shares: tuple[float, float, float]) -> dict[int, np.ndarray]:
    """Rows of tier 1, 2, 3: the top ``shares[0]`` of zones by score, the next ``shares[1]``, ..."""
    order = np.argsort(-score, kind="stable")
    bounds = np.round(np.cumsum(shares) * len(score)).astype(int)
    starts = np.concatenate([[0], bounds[:-1]])
    return {tier: np.sort(order[s:e]) for tier, s, e in zip((1, 2, 3), starts, bounds, strict=True)}


class PriorityRuleDialog(QDialog):
    """Weights per criterion and the share of zones in each tier."""

    def __init__(self, doc: ProjectDocument, kpi_dock, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Priority zones by rule")
        self.doc = doc
        self.criteria = self._criteria(kpi_dock)
        self.weights: dict[str, QDoubleSpinBox] = {}
        weights_box = QGroupBox("Weights (0 = not used)")
        form = QFormLayout(weights_box)
        first_gap = next((n for n in self.criteria if n.startswith("Coverage gap")), None)
        for name in self.criteria:
            spin = QDoubleSpinBox()
            spin.setRange(0, 10)
            spin.setSingleStep(0.5)
            spin.setValue(1.0 if name in (DENSITY, first_gap) else 0.0)
            self.weights[name] = spin
            form.addRow(name, spin)
        tiers_box = QGroupBox("Share of zones in each tier (%)")
        tiers_form = QFormLayout(tiers_box)
        self.shares = []
        for tier, default in zip((1, 2, 3), (10, 20, 30), strict=True):
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setValue(default)
            self.shares.append(spin)
            tiers_form.addRow(f"Tier {tier}", spin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Zones are scored by the weighted sum of the criteria (each scaled 0–1)."))
        layout.addWidget(weights_box)
        layout.addWidget(tiers_box)
        layout.addWidget(buttons)

    def _criteria(self, kpi_dock) -> dict[str, np.ndarray]:
        project = self.doc.project
        zones = project.zones
        criteria: dict[str, np.ndarray] = {}
        evaluator = kpi_dock.evaluator if kpi_dock is not None and not kpi_dock.runner.busy else None
        if evaluator is not None:
            demand = evaluator.demand
            area_km2 = np.asarray(demand.area_m2, dtype=float) / 1e6
            criteria[DENSITY] = np.divide(
                demand.population, area_km2, out=np.zeros(len(area_km2)), where=area_km2 > 0
            )
            for result in kpi_dock.results:
                if result.unit == "%" and result.value is not None:
                    values = evaluator.zone_metrics(result.id, self.doc.current_scenario)["value"].to_numpy(
                        float
                    )
                    criteria[f"Coverage gap: {result.name}"] = 100.0 - values
        for column in zones.columns:
            if column != zones.geometry.name and pd.api.types.is_numeric_dtype(zones[column]):
                criteria[f"Field: {column}"] = zones[column].to_numpy(dtype=float)
        return criteria

    def score(self) -> np.ndarray:
        return weighted_score(self.criteria, {k: s.value() for k, s in self.weights.items()})

    def tiers(self) -> dict[int, np.ndarray]:
        shares = tuple(s.value() / 100 for s in self.shares)
        total = sum(shares)
        if total > 1:
            shares = tuple(s / total for s in shares)
        return tiers_from_score(self.score(), shares)
