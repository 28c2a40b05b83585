"""New-project wizard: open the sample city, or build a plan from the planner's own layers.

Pages (own layers): files and the layers to use (:class:`~ui.dialogs.layer_picker.LayerPicker`,
each layer's geometry type, feature count and CRS), the zones with their population (numeric
head-count fields only, :func:`cityplanner.io.numeric_fields`, and the total as a preview; an
optional population raster and the surface's cell size), the role of every other layer (roads,
existing facilities per type, buildings...), then the CRS check. Finish runs the engine's
:class:`~cityplanner.tasks.CreateProject` task on a worker with a progress bar; the wizard's Cancel
stops it. Nothing long runs on the UI thread: files are listed and the zones read on workers.

Every page's Next/Finish state follows :meth:`QWizardPage.isComplete`, and the start page tells
the wizard it is (or is no longer) the final page when its choice changes, so the buttons follow
the radio buttons (the old wizard showed only Finish after "Create a plan from my own layers").
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from cityplanner.errors import CityPlannerError

from .. import i18n, workers
from .layer_picker import LayerPicker, PickedLayer, geometry_word, list_layers_job

LAYER_FILES = QT_TRANSLATE_NOOP(
    "NewProjectWizard",
    "Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.osm *.csv *.zip);;All files (*)",
)
RASTER_FILES = QT_TRANSLATE_NOOP("NewProjectWizard", "Population rasters (*.tif *.tiff);;All files (*)")
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b6e20;"
# Zone layers whose names say so are offered first.
ZONE_WORDS = re.compile(r"pop|ward|zone|commune|census|phuong|xa\b|district", re.IGNORECASE)

START, FILES, ZONES, ROLES, CHECK = range(5)

# Roles besides the facility types (whose "existing facilities" roles come from the catalogue).
ROLE_TEXTS = {
    "": QT_TRANSLATE_NOOP("RolesPage", "No role (shown on the map)"),
    "roads": QT_TRANSLATE_NOOP("RolesPage", "Roads (street centre lines)"),
    "buildings": QT_TRANSLATE_NOOP("RolesPage", "Buildings"),
    "hazard": QT_TRANSLATE_NOOP("RolesPage", "Hazard area (e.g. flooding)"),
    "boundary": QT_TRANSLATE_NOOP("RolesPage", "Boundary"),
}


def _message(label: QLabel, text: str, ok: bool | None) -> None:
    """Show ``text`` in ``label``: red for a problem, green for a passed check, plain otherwise."""
    label.setText(text)
    label.setStyleSheet("" if ok is None else (OK_STYLE if ok else ERROR_STYLE))
    label.setVisible(bool(text))


def _catalogue():
    from cityplanner.facility_types import load_catalogue

    return load_catalogue()[0]


# -- pages -------------------------------------------------------------------------------------------
class StartPage(QWizardPage):
    """The sample city, or own layers; Next appears as soon as own layers are chosen."""

    def __init__(self, sample_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Start a plan"))
        self.sample_choice = QRadioButton(
            self.tr("Open the sample city ({file}: central Hải Châu, Đà Nẵng)").format(file=sample_path.name)
        )
        self.files_choice = QRadioButton(self.tr("Create a plan from my own layers"))
        self.sample_choice.setChecked(sample_path.exists())
        self.files_choice.setChecked(not sample_path.exists())
        self.sample_choice.setEnabled(sample_path.exists())
        # QWizard works out Next/Finish when a page is shown and caches it (completeChanged only
        # enables or disables them): without this the buttons stayed as the first choice left
        # them, Finish only. setFinalPage makes it work them out again.
        self.sample_choice.toggled.connect(self.setFinalPage)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sample_choice)
        layout.addWidget(self.files_choice)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.setFinalPage(self.sample_choice.isChecked())

    def nextId(self) -> int:
        return -1 if self.sample_choice.isChecked() else FILES


class FilesPage(QWizardPage):
    """Choose files; every layer of each is listed with its geometry type, feature count and CRS."""

    def __init__(self, wizard: NewProjectWizard) -> None:
        super().__init__(wizard)
        self.wizard_ = wizard
        self.setTitle(self.tr("Your layers"))
        self.setSubTitle(
            self.tr(
                "Add the files holding your zones, roads, facilities and other layers, then tick the "
                "layers to use. A GeoPackage may hold many layers: tick only those the plan needs."
            )
        )
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Type a file path, or Browse…"))
        self.path_edit.returnPressed.connect(self._add_typed)
        self.add_button = QPushButton(self.tr("Add file"))
        self.add_button.clicked.connect(self._add_typed)
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.browse_button.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.browse_button)
        self.picker = LayerPicker("multi", self)
        self.picker.changed.connect(self.completeChanged.emit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.message)
        self.listing: dict[Path, object] = {}

    def initializePage(self) -> None:
        # The path can be typed at once (after the wizard has shown the page and set its focus).
        QTimer.singleShot(0, self.path_edit.setFocus)

    def _browse(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Your layers"), str(Path.home()), self.tr(LAYER_FILES)
        )
        for path in paths:
            self.add_file(Path(path))

    def _add_typed(self) -> None:
        text = self.path_edit.text().strip().strip('"')
        if text:
            self.add_file(Path(text).expanduser())

    def add_file(self, path: Path) -> None:
        """List ``path``'s layers on a worker; they appear in the picker when read."""
        if path in self.listing or any(e.path == path for e in self.picker.entries):
            return
        _message(self.message, self.tr("Reading the layers of {file}…").format(file=path.name), None)
        self.listing[path] = workers.start(list_layers_job(path), self._listed)
        self.completeChanged.emit()

    def _listed(self, outcome) -> None:
        path, infos, error = outcome
        self.listing.pop(path, None)
        if error is not None:
            _message(self.message, error, False)
            self.completeChanged.emit()
            return
        self.picker.add_file(path, infos)
        self.path_edit.clear()
        if len(infos) > 1:
            text = self.tr("{file} holds {count} layers: tick the ones to use.").format(
                file=path.name, count=len(infos)
            )
        else:
            text = self.tr("{file} added.").format(file=path.name)
        _message(self.message, text, None)
        self.completeChanged.emit()

    def chosen(self) -> list[PickedLayer]:
        return [e for e in self.picker.checked() if e.is_map_layer]

    def isComplete(self) -> bool:
        # A zone layer (polygons or points) among the ticked layers, and no file still being read.
        return not self.listing and any(e.dimension in (0, 2) for e in self.chosen())


class ZonesPage(QWizardPage):
    """The zone layer, its population field (numbers only), a raster, the cell size, the total."""

    def __init__(self, wizard: NewProjectWizard) -> None:
        super().__init__(wizard)
        from cityplanner.settings import CELL_SIZE_RANGE_M, DEFAULT_CELL_SIZE_M

        self.wizard_ = wizard
        self.setTitle(self.tr("Zones and population"))
        self.setSubTitle(
            self.tr("The zone layer holds the areas (or points) where people live and how many.")
        )
        self.zone_layer = QComboBox()
        self.zone_layer.currentIndexChanged.connect(self._zones_chosen)
        self.population_field = QComboBox()
        self.population_field.currentIndexChanged.connect(self._update_preview)
        self.raster = QLineEdit()
        self.raster.setPlaceholderText(self.tr("Optional: a GeoTIFF of people per pixel (WorldPop…)"))
        self.raster.textChanged.connect(self._raster_changed)
        raster_browse = QPushButton(self.tr("Browse…"))
        raster_browse.clicked.connect(self._browse_raster)
        raster_row = QHBoxLayout()
        raster_row.addWidget(self.raster, 1)
        raster_row.addWidget(raster_browse)
        self.cell = QDoubleSpinBox()
        self.cell.setRange(*CELL_SIZE_RANGE_M)
        self.cell.setDecimals(0)
        self.cell.setSingleStep(25)
        self.cell.setValue(DEFAULT_CELL_SIZE_M)
        self.cell.setSuffix(" m")
        self.cell.setToolTip(self.tr("Size of the population surface's grid cells"))
        self.name = QLineEdit()
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setObjectName("PopulationPreview")
        form = QFormLayout(self)
        form.addRow(self.tr("Zone layer"), self.zone_layer)
        form.addRow(self.tr("Population field"), self.population_field)
        form.addRow(self.tr("Population raster"), raster_row)
        form.addRow(self.tr("Cell size"), self.cell)
        form.addRow(self.tr("Plan name"), self.name)
        form.addRow(self.preview)
        # Zone layers read so far, by spec: (GeoDataFrame, numeric fields) or the error sentence.
        self.read: dict[str, object] = {}
        self.reading: set[str] = set()
        self.total: float | None = None

    # -- zones ----------------------------------------------------------------------------------
    def initializePage(self) -> None:
        current = self.zone_layer.currentData()
        candidates = [e for e in self.wizard_.files_page.chosen() if e.dimension in (0, 2)]
        candidates.sort(key=lambda e: (not ZONE_WORDS.search(e.name), e.dimension != 2))
        self.zone_layer.blockSignals(True)
        self.zone_layer.clear()
        for entry in candidates:
            self.zone_layer.addItem(
                f"{entry.name} ({geometry_word(entry.info.geometry_type)}, {entry.path.name})", entry.spec
            )
        index = self.zone_layer.findData(current)
        self.zone_layer.setCurrentIndex(max(index, 0))
        self.zone_layer.blockSignals(False)
        self._zones_chosen()

    def zones_entry(self) -> PickedLayer | None:
        spec = self.zone_layer.currentData()
        return next((e for e in self.wizard_.files_page.chosen() if e.spec == spec), None)

    def _zones_chosen(self, *_args) -> None:
        entry = self.zones_entry()
        self.population_field.blockSignals(True)
        self.population_field.clear()
        self.population_field.blockSignals(False)
        if entry is None:
            self._update_preview()
            return
        if not self.name.isModified():
            self.name.setText(entry.path.stem.replace("_", " "))
        if entry.spec in self.read:
            self._fill_fields(entry.spec)
            return
        if entry.spec not in self.reading:
            self.reading.add(entry.spec)
            workers.start(_read_zones_job(entry), self._zones_read)
        _message(self.preview, self.tr("Reading {layer}…").format(layer=entry.name), None)
        self.completeChanged.emit()

    def _zones_read(self, outcome) -> None:
        spec, read = outcome
        self.reading.discard(spec)
        self.read[spec] = read  # (GeoDataFrame, numeric fields), or the error's sentence
        if self.zone_layer.currentData() == spec:
            self._fill_fields(spec)

    def _fill_fields(self, spec: str) -> None:
        read = self.read.get(spec)
        self.population_field.blockSignals(True)
        self.population_field.clear()
        if isinstance(read, tuple):
            _gdf, fields = read
            preferred = sorted(fields, key=lambda n: "pop" not in n.lower() and "dan" not in n.lower())
            for name in preferred:
                self.population_field.addItem(name, name)
        if self.raster.text().strip():
            self.population_field.addItem(self.tr("(none: the raster's counts as they are)"), None)
        self.population_field.blockSignals(False)
        self._update_preview()

    def zones_gdf(self):
        read = self.read.get(self.zone_layer.currentData())
        return read[0] if isinstance(read, tuple) else None

    def field(self) -> str | None:
        return self.population_field.currentData()

    def raster_path(self) -> str | None:
        text = self.raster.text().strip().strip('"')
        return text or None

    # -- raster ---------------------------------------------------------------------------------
    def _browse_raster(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Population raster"), str(Path.home()), self.tr(RASTER_FILES)
        )
        if path:
            self.raster.setText(path)

    def _raster_changed(self, _text: str) -> None:
        spec = self.zone_layer.currentData()
        if spec in self.read:
            current = self.field()
            self._fill_fields(spec)
            index = self.population_field.findData(current)
            if index >= 0:
                self.population_field.setCurrentIndex(index)

    # -- preview --------------------------------------------------------------------------------
    def _update_preview(self, *_args) -> None:
        """The population total the project will hold (the census field's sum), or why not."""
        from cityplanner.io import check_population

        self.total = None
        entry = self.zones_entry()
        read = self.read.get(entry.spec) if entry else None
        raster = self.raster_path()
        if entry is None:
            _message(self.preview, self.tr("Tick a layer of polygons or points on the previous page."), False)
        elif isinstance(read, str):
            _message(self.preview, read, False)
        elif read is None:
            pass  # still reading
        elif raster and not Path(raster).is_file():
            _message(
                self.preview,
                self.tr("The population raster {file} does not exist.").format(file=raster),
                False,
            )
        elif self.field() is None and raster:
            _message(
                self.preview,
                self.tr("People come from the raster {file}: its counts within the zones.").format(
                    file=Path(raster).name
                ),
                True,
            )
        elif self.field() is None:
            _message(
                self.preview,
                self.tr(
                    "{layer} has no numeric field to count people with; give a population raster."
                ).format(layer=entry.name),
                False,
            )
        else:
            gdf, _fields = read
            try:
                values = check_population(gdf, self.field(), f"'{entry.name}'")
            except CityPlannerError as err:
                _message(self.preview, str(err), False)
            else:
                self.total = float(values.sum())
                from ..docks.kpis import format_value

                text = self.tr("Population: {people} people in {zones} zones ({field}).").format(
                    people=format_value(self.total, 0), zones=format_value(len(values), 0), field=self.field()
                )
                if raster:
                    text += " " + self.tr("The raster places them within each zone.")
                _message(self.preview, text, True)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        raster = self.raster_path()
        if self.zones_entry() is None or self.zones_gdf() is None:
            return False
        if raster and not Path(raster).is_file():
            return False
        return self.total is not None or (self.field() is None and bool(raster))


def _read_zones_job(entry: PickedLayer):
    """Read the zone layer for the field list and the preview (a worker job)."""

    def job(_progress):
        from cityplanner.io import numeric_fields, read_layer

        layer = entry.info.name if entry.layers_in_file > 1 else None
        crs = None if entry.info.crs else "EPSG:4326"
        try:
            try:
                lyr = read_layer(entry.path, layer, crs=crs)
            except CityPlannerError:
                if crs is None:
                    raise
                # No CRS and not longitude/latitude: a metric CRS reads the attributes; the CRS
                # page asks for the real one.
                lyr = read_layer(entry.path, layer, crs="EPSG:3857")
        except CityPlannerError as err:
            return entry.spec, str(err)
        return entry.spec, (lyr.gdf, numeric_fields(lyr.gdf))

    return job


class RolesPage(QWizardPage):
    """What each other layer is: roads, existing facilities of a type, buildings, hazard..."""

    def __init__(self, wizard: NewProjectWizard) -> None:
        super().__init__(wizard)
        self.wizard_ = wizard
        self.setTitle(self.tr("What each layer is"))
        self.setSubTitle(
            self.tr(
                "Roads give walking distances; existing facilities count towards the KPIs of their type. "
                "Roles are guessed from layer names: check them."
            )
        )
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("Geometry"), self.tr("Role")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.dasymetric = QCheckBox(
            self.tr("Place each zone's people in its buildings (footprint × storeys)")
        )
        self.dasymetric.toggled.connect(lambda _on: self._check())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.dasymetric)
        layout.addWidget(self.message)
        self.rows: list[tuple[str, PickedLayer, QComboBox]] = []
        self.chosen_roles: dict[str, str] = {}  # by spec, kept across Back and Next
        self._types = None

    def _role_items(self) -> list[tuple[str, str]]:
        if self._types is None:
            self._types = _catalogue()
        items = [(key, self.tr(text)) for key, text in ROLE_TEXTS.items()]
        items += [
            (ft.name, self.tr("Existing facilities: {type}").format(type=i18n.facility_label(ft)))
            for ft in self._types
        ]
        return items

    def initializePage(self) -> None:
        from cityplanner.assemble import guess_role
        from cityplanner.io import layer_name_from

        for spec, _entry, combo in self.rows:
            self.chosen_roles[spec] = combo.currentData()
        zones = self.wizard_.zones_page.zones_entry()
        others = [e for e in self.wizard_.files_page.chosen() if zones is None or e.spec != zones.spec]
        taken = {layer_name_from(zones.path, zones.info.name if zones.layers_in_file > 1 else None)}
        from cityplanner.surface import SURFACE_LAYER

        taken.add(SURFACE_LAYER)
        self.table.setRowCount(0)
        self.rows = []
        items = self._role_items()
        for entry in others:
            base = layer_name_from(entry.path, entry.info.name if entry.layers_in_file > 1 else None)
            name, i = base, 2
            while name in taken:
                name, i = f"{base}_{i}", i + 1
            taken.add(name)
            combo = QComboBox()
            for key, text in items:
                combo.addItem(text, key)
            role = self.chosen_roles.get(entry.spec)
            if role is None:
                role = guess_role(name) or ""
                if role == "roads" and entry.dimension != 1:
                    role = ""
            combo.setCurrentIndex(max(combo.findData(role), 0))
            combo.currentIndexChanged.connect(lambda _i: self._check())
            row = self.table.rowCount()
            self.table.insertRow(row)
            name_item = QTableWidgetItem(name)
            name_item.setToolTip(entry.spec)
            self.table.setItem(row, 0, name_item)
            self.table.setItem(row, 1, QTableWidgetItem(geometry_word(entry.info.geometry_type)))
            self.table.setCellWidget(row, 2, combo)
            self.rows.append((entry.spec, entry, combo))
        self.layer_names = {
            spec: self.table.item(row, 0).text() for row, (spec, _e, _c) in enumerate(self.rows)
        }
        self._check()

    def roles(self) -> dict[str, str | None]:
        """Layer name in the project -> role (None: no role)."""
        return {self.layer_names[spec]: (combo.currentData() or None) for spec, _e, combo in self.rows}

    def layers(self) -> list[tuple[str, str]]:
        """(name, FILE[:LAYER]) of the other layers, for ``CreateProject(layers=...)``."""
        return [(self.layer_names[spec], spec) for spec, _e, _c in self.rows]

    def role_combo(self, layer_name: str) -> QComboBox:
        for spec, _entry, combo in self.rows:
            if self.layer_names[spec] == layer_name:
                return combo
        raise KeyError(layer_name)

    def dasymetric_layer(self) -> str | None:
        if not self.dasymetric.isEnabled() or not self.dasymetric.isChecked():
            return None
        return next((name for name, role in self.roles().items() if role == "buildings"), None)

    def _check(self) -> None:
        roles = self.roles()
        has_buildings = "buildings" in roles.values()
        raster = self.wizard_.zones_page.raster_path()
        census = self.wizard_.zones_page.field() is not None
        self.dasymetric.setEnabled(has_buildings and not raster and census)
        problem = ""
        for spec, entry, combo in self.rows:
            if combo.currentData() == "roads" and entry.dimension != 1:
                problem = self.tr(
                    "{layer} holds {geometry}; the road layer must hold street centre lines."
                ).format(
                    layer=self.layer_names[spec], geometry=geometry_word(entry.info.geometry_type).lower()
                )
                break
        if not problem and self.rows and "roads" not in roles.values():
            _message(
                self.message,
                self.tr("No road layer: distances will be measured in a straight line."),
                None,
            )
        else:
            _message(self.message, problem, False if problem else None)
        self._problem = problem
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not getattr(self, "_problem", "")


class CheckPage(QWizardPage):
    """The CRS of every layer, the working CRS, the engine's check; Finish builds the project."""

    def __init__(self, wizard: NewProjectWizard) -> None:
        super().__init__(wizard)
        self.wizard_ = wizard
        self.setTitle(self.tr("Coordinate systems and check"))
        self.setSubTitle(
            self.tr("Every layer is reprojected to one working CRS in metres. Finish builds the project.")
        )
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("CRS")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.source_crs = QComboBox()
        self.source_crs.setEditable(True)
        self.source_crs.addItem(self.tr("EPSG:4326 (longitude/latitude, WGS 84)"), "EPSG:4326")
        self.source_crs.currentTextChanged.connect(lambda _t: self._check())
        self.source_label = QLabel(self.tr("CRS of layers without one"))
        self.working = QLineEdit()
        self.working.textChanged.connect(lambda _t: self._check())
        self.allow_overlap = QCheckBox(self.tr("Accept overlapping zones (their people are counted twice)"))
        self.allow_overlap.toggled.connect(lambda _on: self._check())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("CrsCheck")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        form = QFormLayout()
        form.addRow(self.source_label, self.source_crs)
        form.addRow(self.tr("Working CRS"), self.working)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.allow_overlap)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self._ok = False

    def entries(self) -> list[tuple[str, PickedLayer]]:
        zones = self.wizard_.zones_page.zones_entry()
        roles = self.wizard_.roles_page
        out = [(zones.name, zones)] if zones else []
        return out + [(roles.layer_names[spec], entry) for spec, entry, _c in roles.rows]

    def initializePage(self) -> None:
        entries = self.entries()
        self.table.setRowCount(len(entries))
        for row, (name, entry) in enumerate(entries):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            crs = QTableWidgetItem(entry.info.crs or self.tr("none"))
            if not entry.info.crs:
                crs.setForeground(Qt.GlobalColor.red)
            self.table.setItem(row, 1, crs)
        missing = any(not entry.info.crs for _n, entry in entries)
        self.source_crs.setVisible(missing)
        self.source_label.setVisible(missing)
        self.working.setPlaceholderText(self._automatic_text())
        self._check()

    def _automatic_text(self) -> str:
        utm = self._automatic_crs()
        if utm is None:
            return self.tr("Automatic: the UTM zone of the zones' centre")
        return self.tr("Automatic: {crs}").format(crs=_crs_text(utm))

    def _automatic_crs(self):
        from cityplanner.io import working_crs_for

        zones = self.wizard_.zones_page.zones_entry()
        gdf = self.wizard_.zones_page.zones_gdf()
        if gdf is None or zones is None or not zones.info.crs:
            return None
        try:
            return working_crs_for(gdf)
        except CityPlannerError:
            return None

    def source_crs_value(self) -> str | None:
        """The CRS given to layers without one (None when every layer has its own)."""
        if all(e.info.crs for _n, e in self.entries()):
            return None
        text = self.source_crs.currentText().strip()
        return text.split()[0] if text else None

    def working_value(self) -> str | None:
        return self.working.text().strip() or None

    def _check(self) -> None:
        """The check's sentence: the engine's (CreateProject.validate, the working CRS) or ours."""
        from cityplanner.assemble import check_working_crs, parse_crs

        self._ok = False
        try:
            task = self.wizard_.task()
            task.validate()
            missing = [name for name, entry in self.entries() if not entry.info.crs]
            source = self.source_crs_value()
            if missing and not source:
                raise_text = self.tr("{layers} have no CRS: choose the one their coordinates are in.").format(
                    layers=", ".join(missing)
                )
                _message(self.message, raise_text, False)
                self.completeChanged.emit()
                return
            if source:
                parse_crs(source, "the CRS of layers without one")
            working = self.working_value()
            gdf = self.wizard_.zones_page.zones_gdf()
            known = gdf is not None and self.wizard_.zones_page.zones_entry().info.crs
            if working:
                check_working_crs(parse_crs(working, "the working CRS"), gdf if known else None)
                target = parse_crs(working, "the working CRS")
            else:
                target = self._automatic_crs()
        except CityPlannerError as err:
            _message(self.message, str(err), False)
        else:
            self._ok = True
            if target is not None:
                text = self.tr("✓ {count} layers will be reprojected to {crs}, in metres.").format(
                    count=len(self.entries()), crs=_crs_text(target)
                )
            else:
                text = self.tr("✓ The working CRS will be the UTM zone of the zones' centre, in metres.")
            if missing:
                text += " " + self.tr("Layers without a CRS are read as {crs}.").format(crs=source)
            _message(self.message, text, True)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._ok and self.wizard_.worker is None


def _crs_text(crs) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


# -- the wizard ------------------------------------------------------------------------------------
class NewProjectWizard(QWizard):
    """On finish, :attr:`open_sample` is True or :attr:`project` holds the engine-built project.

    Attributes
    ----------
    created : cityplanner.tasks.CreatedProject or None
        The CreateProject task's result (the project and its population surface).
    worker : ui.workers.Worker or None
        The CreateProject run in progress.
    """

    def __init__(self, sample_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NewProjectWizard")
        self.setWindowTitle(self.tr("New project"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.open_sample = False
        self.project = None
        self.created = None
        self.worker = None
        self.sample_path = sample_path
        self.start_page = StartPage(sample_path, self)
        self.sample_choice = self.start_page.sample_choice
        self.files_choice = self.start_page.files_choice
        self.files_page = FilesPage(self)
        self.zones_page = ZonesPage(self)
        self.roles_page = RolesPage(self)
        self.check_page = CheckPage(self)
        for page_id, page in (
            (START, self.start_page),
            (FILES, self.files_page),
            (ZONES, self.zones_page),
            (ROLES, self.roles_page),
            (CHECK, self.check_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(START)
        self.start_id, self.files_id, self.zones_id, self.roles_id, self.check_id = (
            START,
            FILES,
            ZONES,
            ROLES,
            CHECK,
        )
        self.resize(860, 600)

    # -- the task -------------------------------------------------------------------------------
    def task(self):
        """The CreateProject task as the pages describe it (names in messages: the pages' labels)."""
        from cityplanner.tasks import CreateProject

        zones = self.zones_page.zones_entry()
        return CreateProject(
            refer=self._refer,
            zones=zones.spec if zones else None,
            population=self.zones_page.field(),
            population_raster=self.zones_page.raster_path(),
            dasymetric=self.roles_page.dasymetric_layer(),
            cell=float(self.zones_page.cell.value()),
            layers=self.roles_page.layers(),
            roles=self.roles_page.roles(),
            crs=self.check_page.working_value(),
            source_crs=self.check_page.source_crs_value(),
            name=self.zones_page.name.text().strip() or None,
            allow_overlap=self.check_page.allow_overlap.isChecked(),
        )

    def _refer(self, parameter, _metavar: bool = False) -> str:
        labels = {
            "zones": self.tr("Zone layer"),
            "population": self.tr("Population field"),
            "population_raster": self.tr("Population raster"),
            "dasymetric": self.tr("Place each zone's people in its buildings"),
            "cell": self.tr("Cell size"),
            "layers": self.tr("Layers"),
            "crs": self.tr("Working CRS"),
            "source_crs": self.tr("CRS of layers without one"),
            "allow_overlap": self.tr("Accept overlapping zones"),
        }
        return labels.get(parameter.name, parameter.title)

    # -- finish and cancel ----------------------------------------------------------------------
    def accept(self) -> None:
        if self.sample_choice.isChecked():
            self.open_sample = True
            super().accept()
            return
        if self.worker is not None:
            return
        page = self.check_page
        try:
            task = self.task()
            task.validate()
        except CityPlannerError as err:
            _message(page.message, str(err), False)
            return
        page.progress.setValue(0)
        page.progress.show()
        _message(page.status, self.tr("Building the project…"), None)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        self.worker = workers.start(task.run, self._created, self._failed, self._progress, self._cancelled)
        page.completeChanged.emit()

    def reject(self) -> None:
        """Cancel: stops a build in progress (the wizard stays, as it was); else closes."""
        if self.worker is not None:
            self.worker.cancel()
            _message(self.check_page.status, self.tr("Cancelling…"), None)
            return
        super().reject()

    def _progress(self, fraction: float, message: str) -> None:
        self.check_page.progress.setValue(int(round(fraction * 100)))
        if message and i18n.current_language() == "en":
            _message(self.check_page.status, message + "…", None)

    def _finished_run(self) -> None:
        self.worker = None
        self.check_page.progress.hide()
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        self.check_page.completeChanged.emit()

    def _created(self, created) -> None:
        self._finished_run()
        self.created = created
        self.project = created.project
        super().accept()

    def _failed(self, message: str) -> None:
        self._finished_run()
        _message(self.check_page.status, message, False)

    def _cancelled(self) -> None:
        self._finished_run()
        _message(self.check_page.status, self.tr("Cancelled: nothing was built."), None)

    def done(self, result: int) -> None:
        # Closing the window while a build runs cancels it (its result is then dropped).
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None
        super().done(result)
