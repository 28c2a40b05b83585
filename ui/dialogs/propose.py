"""Propose sites: run the engine's maximal covering model (MCLP) with progress and Cancel.

The proposal becomes a new scenario (``optimise.propose_into_scenario``) that the planner then
edits like any other; the dialog holds it in :attr:`ProposeSitesDialog.scenario`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
)

from .. import workers
from ..docks.scenarios import unique_name
from ..document import ProjectDocument, snapshot

CANDIDATES = {"grid": "Regular grid over the zones", "zones": "Zone centres", "streets": "Street points"}


def candidate_sites(project, kind: str, spacing_m: float) -> gpd.GeoDataFrame:
    """Candidate points for new facilities, in the working CRS."""
    zones = project.zones.geometry
    if kind == "zones":
        points = zones.representative_point().to_numpy()
    elif kind == "streets" and project.layer_with_role("roads") is not None:
        roads = project.layer_with_role("roads").gdf.geometry.to_numpy()
        points = shapely.points(
            np.unique(np.round(shapely.get_coordinates(roads) / spacing_m) * spacing_m, axis=0)
        )
    else:
        x0, y0, x1, y1 = zones.total_bounds
        xs, ys = np.meshgrid(
            np.arange(x0 + spacing_m / 2, x1, spacing_m), np.arange(y0 + spacing_m / 2, y1, spacing_m)
        )
        grid = shapely.points(xs.ravel(), ys.ravel())
        area = shapely.union_all(zones.to_numpy())
        points = grid[shapely.contains(area, grid)]
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=project.crs), crs=project.crs)


class ProposeSitesDialog(QDialog):
    """Set the type, number of sites, radius and candidates; Run shows progress with Cancel."""

    def __init__(self, doc: ProjectDocument, type_name: str | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ProposeSitesDialog")
        self.setWindowTitle("Propose sites")
        self.doc = doc
        self.scenario = None
        self.worker = None
        project = doc.project
        self.type_combo = QComboBox()
        for ft in project.facility_types.values():
            self.type_combo.addItem(ft.label, ft.name)
        if type_name:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(type_name)))
        self.sites = QSpinBox()
        self.sites.setRange(1, 500)
        self.sites.setValue(5)
        self.radius = QDoubleSpinBox()
        self.radius.setRange(10, 50_000)
        self.radius.setSuffix(" m")
        self.candidates = QComboBox()
        for key, text in CANDIDATES.items():
            self.candidates.addItem(text, key)
        self.spacing = QDoubleSpinBox()
        self.spacing.setRange(10, 5000)
        self.spacing.setValue(100)
        self.spacing.setSuffix(" m")
        self.time_limit = QSpinBox()
        self.time_limit.setRange(1, 3600)
        self.time_limit.setValue(30)
        self.time_limit.setSuffix(" s")
        self.name = QLineEdit(unique_name(project.scenarios, "Proposal"))
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.message = QLabel(
            "Maximal covering: choose the sites that cover the most people within the radius."
        )
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Facility type", self.type_combo)
        form.addRow("New sites", self.sites)
        form.addRow("Service radius", self.radius)
        form.addRow("Candidates", self.candidates)
        form.addRow("Candidate spacing", self.spacing)
        form.addRow("Time limit", self.time_limit)
        form.addRow("Scenario name", self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = self.buttons.addButton("Run", QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.clicked.connect(self.run)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def _type_changed(self) -> None:
        ft = self.doc.project.facility_types.get(self.type_combo.currentData())
        if ft is not None:
            self.radius.setValue(ft.radius_m)

    def run(self) -> None:
        """Solve on a worker thread; the result is turned into a scenario on the copy of the project."""
        from cityplanner.optimise import MCLP, propose_into_scenario

        name = self.name.text().strip()
        if not name or name in self.doc.project.scenarios:
            self.message.setText(f"Choose a new scenario name ('{name}' is empty or already used).")
            return
        project = snapshot(self.doc.project)
        type_name = self.type_combo.currentData()
        sites, radius, limit = self.sites.value(), self.radius.value(), float(self.time_limit.value())
        kind, spacing = self.candidates.currentData(), self.spacing.value()

        def job(progress):
            candidates = candidate_sites(project, kind, spacing)
            model = MCLP.from_geodataframe(
                project.zones,
                candidates,
                project.population_field,
                radius,
                existing=project.existing_facilities(type_name),
                sites=sites,
            )
            result = model.solve(time_limit_s=limit, progress=progress)
            return result, propose_into_scenario(project, type_name, result, candidates, name)

        self.run_button.setEnabled(False)
        self.message.setText("Solving…")
        self.worker = workers.start(job, self._done, self._failed, self._progress, self._cancelled)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        if message:
            self.message.setText(message)

    def _done(self, outcome) -> None:
        result, scenario = outcome
        self.worker = None
        self.result = result
        self.scenario = scenario
        self.accept()

    def _failed(self, message: str) -> None:
        self.worker = None
        self.run_button.setEnabled(True)
        self.progress.setValue(0)
        self.message.setText(message)

    def _cancelled(self) -> None:
        self.worker = None
        self.reject()

    def cancel(self) -> None:
        if self.worker is not None:
            self.message.setText("Cancelling…")
            self.worker.cancel()
        else:
            self.reject()
