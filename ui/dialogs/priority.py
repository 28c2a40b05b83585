"""Priority by rule: the planner's weights and tier rule over the engine's zone criteria.

The criteria (population density, coverage gaps from the KPI evaluation, numeric zone fields), the
weighted score and the tiers all come from :mod:`cityplanner.priority`; this dialog only collects
weights and shows how many zones each tier would get.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
)

from cityplanner.errors import CityPlannerError
from cityplanner.priority import DENSITY, tiers_from_score, tiers_from_thresholds, weighted_score

from .. import workers
from ..document import ProjectDocument, snapshot

SHARES = "shares"
THRESHOLDS = "thresholds"


class PriorityRuleDialog(QDialog):
    """Weights per criterion and the tier rule (top shares of zones, or score thresholds).

    The criteria are computed on a worker thread when the dialog opens (coverage gaps need the KPI
    evaluation); OK stays disabled until they are there.
    """

    def __init__(self, doc: ProjectDocument, kpi_dock, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("PriorityRuleDialog")
        self.setWindowTitle(self.tr("Priority zones by rule"))
        self.doc = doc
        self.criteria: dict[str, np.ndarray] = {}
        self.weights: dict[str, QDoubleSpinBox] = {}
        self.weights_box = QGroupBox(self.tr("Weights (0 = not used; negative favours low values)"))
        self.weights_form = QFormLayout(self.weights_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.weights_box)
        self.rule = QComboBox()
        self.rule.addItem(self.tr("Share of zones in each tier (%)"), SHARES)
        self.rule.addItem(self.tr("Minimum score for each tier"), THRESHOLDS)
        self.rule.currentIndexChanged.connect(self._rule_changed)
        tiers_box = QGroupBox(self.tr("Tiers"))
        tiers_form = QFormLayout(tiers_box)
        tiers_form.addRow(self.tr("Rule"), self.rule)
        self.limits: list[QDoubleSpinBox] = []
        for tier in (1, 2, 3):
            spin = QDoubleSpinBox()
            spin.valueChanged.connect(self._preview)
            self.limits.append(spin)
            tiers_form.addRow(self.tr("Tier {tier}").format(tier=tier), spin)
        self._rule_changed()
        self.summary = QLabel(self.tr("Computing the criteria…"))
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(self.tr("Zones are scored by the weighted sum of the criteria (each scaled 0–1)."))
        )
        layout.addWidget(scroll, 1)
        layout.addWidget(tiers_box)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.resize(520, 560)
        self.worker = workers.start(self._criteria_job(kpi_dock), self._criteria_ready, self._criteria_failed)

    def _criteria_job(self, kpi_dock):
        from cityplanner.priority import zone_criteria

        project = snapshot(self.doc.project)
        scenario = self.doc.current_scenario
        evaluator = kpi_dock.evaluator if kpi_dock is not None else None

        def job(progress):
            from cityplanner.kpi import Evaluator

            # The KPI dock's evaluator has the zone coverage of the shown scenario cached already.
            return zone_criteria(project, evaluator or Evaluator(project), scenario, progress)

        return job

    def _criteria_ready(self, criteria) -> None:
        self.worker = None
        self.criteria = {c.id: c.values for c in criteria}
        first_gap = next((c.id for c in criteria if c.id.startswith("gap:")), None)
        for c in criteria:
            spin = QDoubleSpinBox()
            spin.setRange(-10, 10)
            spin.setSingleStep(0.5)
            spin.setValue(1.0 if c.id in (DENSITY, first_gap) else 0.0)
            spin.setObjectName(c.id)
            spin.valueChanged.connect(self._preview)
            self.weights[c.id] = spin
            self.weights_form.addRow(c.label, spin)
        self.ok_button.setEnabled(bool(criteria))
        self._preview()

    def _criteria_failed(self, message: str) -> None:
        self.worker = None
        self.summary.setText(message)

    def _rule_changed(self) -> None:
        shares = self.rule.currentData() == SHARES
        for spin, share, threshold in zip(self.limits, (10, 20, 30), (2.0, 1.5, 1.0), strict=True):
            spin.blockSignals(True)
            spin.setRange(0, 100) if shares else spin.setRange(-100, 100)
            spin.setDecimals(0 if shares else 2)
            spin.setSingleStep(5 if shares else 0.1)
            spin.setValue(share if shares else threshold)
            spin.blockSignals(False)
        self._preview()

    def _preview(self) -> None:
        if not self.criteria:
            return
        try:
            counts = {tier: len(rows) for tier, rows in self.tiers().items()}
        except CityPlannerError as err:
            self.summary.setText(str(err))
            self.ok_button.setEnabled(False)
            return
        self.ok_button.setEnabled(True)
        score = self.score()
        self.summary.setText(
            self.tr(
                "Tier 1: {tier1} zones, tier 2: {tier2}, tier 3: {tier3} of {total} (scores {low} to {high})."
            ).format(
                tier1=counts[1],
                tier2=counts[2],
                tier3=counts[3],
                total=len(score),
                low=f"{score.min():.2f}",
                high=f"{score.max():.2f}",
            )
        )

    def set_weights(self, weights: dict[str, float]) -> None:
        """Set the weight of each criterion key given; the others become 0."""
        for key, spin in self.weights.items():
            spin.setValue(float(weights.get(key, 0.0)))

    def score(self) -> np.ndarray:
        return weighted_score(self.criteria, {k: s.value() for k, s in self.weights.items()})

    def tiers(self) -> dict[int, np.ndarray]:
        values = [s.value() for s in self.limits]
        if self.rule.currentData() == SHARES:
            return tiers_from_score(self.score(), [v / 100 for v in values])
        return tiers_from_thresholds(self.score(), values)

    def done(self, result: int) -> None:
        if self.worker is not None:
            self.worker.cancel()
        super().done(result)
