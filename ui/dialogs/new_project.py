"""New-project wizard: open the sample city, or pick the zone layer, its population field and other layers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from cityplanner.errors import CityPlannerError

from .errors import show_error

LAYER_FILES = QT_TRANSLATE_NOOP(
    "NewProjectWizard",
    "Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;All files (*)",
)


class NewProjectWizard(QWizard):
    """On finish, :attr:`open_sample` is True or :attr:`project` holds the engine-built project."""

    def __init__(self, sample_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New project"))
        self.open_sample = False
        self.project = None
        self.sample_path = sample_path
        self.start_page = QWizardPage()
        self.start_page.setTitle(self.tr("Start a plan"))
        self.sample_choice = QRadioButton(
            self.tr("Open the sample city ({file}: central Hải Châu, Đà Nẵng)").format(file=sample_path.name)
        )
        self.files_choice = QRadioButton(self.tr("Create a plan from my own layers"))
        self.sample_choice.setChecked(sample_path.exists())
        self.files_choice.setChecked(not sample_path.exists())
        self.sample_choice.setEnabled(sample_path.exists())
        start_layout = QVBoxLayout(self.start_page)
        start_layout.addWidget(self.sample_choice)
        start_layout.addWidget(self.files_choice)

        self.zones_page = QWizardPage()
        self.zones_page.setTitle(self.tr("Zones and population"))
        self.zones_page.setSubTitle(
            self.tr("The zone layer holds the areas (or points) where people live and how many.")
        )
        self.zone_file = QLineEdit()
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse_zones)
        self.zone_layer = QComboBox()
        self.zone_layer.currentTextChanged.connect(self._fill_fields)
        self.population_field = QComboBox()
        self.name = QLineEdit()
        file_row = QHBoxLayout()
        file_row.addWidget(self.zone_file, 1)
        file_row.addWidget(browse)
        form = QFormLayout(self.zones_page)
        form.addRow(self.tr("Zone file"), file_row)
        form.addRow(self.tr("Layer"), self.zone_layer)
        form.addRow(self.tr("Population field"), self.population_field)
        form.addRow(self.tr("Plan name"), self.name)

        self.layers_page = QWizardPage()
        self.layers_page.setTitle(self.tr("Other layers"))
        self.layers_page.setSubTitle(
            self.tr("Roads, existing facilities, buildings… (roles are guessed from layer names).")
        )
        self.other_layers = QListWidget()
        add = QPushButton(self.tr("Add file…"))
        add.clicked.connect(self._add_files)
        layers_layout = QVBoxLayout(self.layers_page)
        layers_layout.addWidget(self.other_layers)
        layers_layout.addWidget(add)
        layers_layout.addWidget(QLabel(self.tr("Each layer of a GeoPackage is added under its own name.")))
        self.start_id = self.addPage(self.start_page)
        self.zones_id = self.addPage(self.zones_page)
        self.layers_id = self.addPage(self.layers_page)
        self._infos = {}

    def nextId(self) -> int:
        if self.currentId() == self.start_id and self.sample_choice.isChecked():
            return -1
        return super().nextId()

    def _browse_zones(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Zone file"), str(Path.home()), self.tr(LAYER_FILES)
        )
        if path:
            self.set_zone_file(Path(path))

    def set_zone_file(self, path: Path) -> None:
        from cityplanner.io import list_layers

        try:
            infos = list_layers(path)
        except CityPlannerError as err:
            show_error(self, self.tr("Zone file"), str(err))
            return
        self.zone_file.setText(str(path))
        self._infos = {info.name: info for info in infos}
        self.zone_layer.clear()
        self.zone_layer.addItems(list(self._infos))
        self.name.setText(path.stem.replace("_", " "))

    def _fill_fields(self, layer: str) -> None:
        self.population_field.clear()
        info = self._infos.get(layer)
        if info is None:
            return
        names = [f.name if hasattr(f, "name") else str(f) for f in info.fields]
        preferred = sorted(names, key=lambda n: ("pop" not in n.lower(), names.index(n)))
        self.population_field.addItems(preferred)

    def _add_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Other layers"), str(Path.home()), self.tr(LAYER_FILES)
        )
        self.add_other_layers(paths)

    def add_other_layers(self, paths) -> None:
        """List every layer of the files (except the zone layer) to add to the new project."""
        from cityplanner.io import list_layers

        for path in paths:
            try:
                infos = list_layers(path)
            except CityPlannerError as err:
                show_error(self, self.tr("Other layers"), str(err))
                continue
            for info in infos:
                spec = f"{path}:{info.name}" if len(infos) > 1 else path
                if spec != f"{self.zone_file.text()}:{self.zone_layer.currentText()}":
                    self.other_layers.addItem(f"{info.name} = {spec}")

    def zones_spec(self) -> str:
        path = self.zone_file.text()
        return f"{path}:{self.zone_layer.currentText()}" if len(self._infos) > 1 else path

    def accept(self) -> None:
        if self.sample_choice.isChecked():
            self.open_sample = True
            super().accept()
            return
        from cityplanner.assemble import create_project

        layers = dict(
            self.other_layers.item(i).text().split(" = ", 1) for i in range(self.other_layers.count())
        )
        try:
            self.project = create_project(
                self.zones_spec(),
                self.population_field.currentText(),
                layers=layers,
                name=self.name.text().strip() or None,
            )
        except CityPlannerError as err:
            show_error(self, self.tr("New project"), str(err))
            return
        super().accept()
