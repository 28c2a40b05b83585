"""The main window: map in the centre, docks around it, menus, toolbar, status bar, project lifecycle."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
)

from cityplanner.errors import CityPlannerError
from cityplanner.project import Placement, Project

from . import commands, crash_handler, i18n, recovery, workers
from .canvas.tools import IdentifyTool, PanTool, PlaceTool, SelectTool
from .canvas.view import MapCanvas
from .dialogs.errors import show_error
from .docks.attributes import AttributesDock
from .docks.kpis import KpiDock
from .docks.layers import LayersDock
from .docks.palette import PaletteDock
from .docks.scenarios import ScenariosDock, unique_name
from .document import ProjectDocument, snapshot
from .icons import icon
from .workshop import screenfit

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PROJECT = REPO / "sample_data" / "hai_chau.cityplan"
AUTOSAVE_MS = 60_000
MAX_RECENT = 8
PROJECT_FILTER = QT_TRANSLATE_NOOP("MainWindow", "CityPlanner projects (*.cityplan)")
LAYER_FILTER = QT_TRANSLATE_NOOP(
    "MainWindow",
    "Vector layers (*.gpkg *.shp *.geojson *.json *.kml *.fgb *.parquet *.geoparquet *.osm *.csv "
    "*.zip);;All files (*)",
)


class MainWindow(QMainWindow):
    """CityPlanner's main window.

    Parameters
    ----------
    settings : QSettings, optional
        Where window state and recent projects live (tests pass a temporary file).
    recovery_dir : pathlib.Path, optional
        Folder of the autosave recovery copies, one slot per window (default: the user's app data
        folder); see :mod:`ui.recovery`.
    """

    def __init__(self, settings: QSettings | None = None, recovery_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        default_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
        self.recovery_dir = Path(recovery_dir or Path(default_dir) / "recovery")
        self.recovery_slot = recovery.RecoverySlot(self.recovery_dir)
        self.doc: ProjectDocument | None = None
        self.selected_placement: str | None = None
        self._autosave_worker = None
        self.service_area_key: tuple | None = None
        # The last service areas drawn (engine polygons), for the legend-less map and tests.
        self.service_areas = np.empty(0, dtype=object)
        self.setAcceptDrops(True)
        self.resize(1366, 768)

        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.layers_dock = LayersDock(self)
        self.palette_dock = PaletteDock(self)
        self.scenarios_dock = ScenariosDock(self)
        self.kpi_dock = KpiDock(self)
        self.attributes_dock = AttributesDock(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layers_dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.scenarios_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.kpi_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.palette_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attributes_dock)
        # Side docks run the full height; the attribute table sits under the map only.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._docks_sized = False
        self.presentation = None  # ui.workshop.presentation.PresentationMode, made on first use

        self.tools = {
            "pan": PanTool(self.canvas),
            "identify": IdentifyTool(self.canvas, self.identify),
            "select_click": SelectTool(self.canvas, "click", self.target_layer),
            "select_rectangle": SelectTool(self.canvas, "rectangle", self.target_layer),
            "select_lasso": SelectTool(self.canvas, "lasso", self.target_layer),
            "place": PlaceTool(self.canvas, self),
        }
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_status_bar()

        self.layers_dock.zoom_requested.connect(self.canvas.zoom_to_layer)
        self.layers_dock.style_requested.connect(self.edit_style)
        self.layers_dock.table_requested.connect(self.show_attribute_table)
        self.scenarios_dock.compare_requested.connect(self.compare_scenarios)
        self.palette_dock.type_changed.connect(self.update_coverage)
        self.palette_dock.coverage_changed.connect(self.update_coverage)
        self.palette_dock.snap.toggled.connect(self._prepare_snapping)
        # The document's changes redraw the coverage once when the event loop is next idle: one
        # edit can change several things (placing on the baseline adds a plan, switches to it
        # and places), each a signal. The palette's choices redraw it at once.
        self._coverage_timer = QTimer(self)
        self._coverage_timer.setSingleShot(True)
        self._coverage_timer.setInterval(0)
        self._coverage_timer.timeout.connect(self.update_coverage)
        # Service areas: one engine run at a time, the latest request wins.
        self.service_area_runner = workers.CoalescingRunner(self)
        self.service_area_runner.result.connect(self._show_service_areas)
        self.service_area_runner.error.connect(
            lambda message: self.statusBar().showMessage(
                self.tr("Service areas: {message}").format(message=message), 8000
            )
        )
        # A project's first KPI values: its street network and caches are built, to be frozen too.
        self._evaluated_doc: ProjectDocument | None = None
        self.kpi_dock.evaluated.connect(self._evaluated)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.canvas.scale_changed.connect(
            lambda s: self.scale_label.setText(self.tr("Scale 1:{scale}").format(scale=f"{s:,.0f}"))
        )

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.restoreGeometry(self.settings.value("window/geometry", b""))
        self.restoreState(self.settings.value("window/state", b""))
        screenfit.clamp_to_screen(self)  # first run and restored: inside the screen (1024x768 up)
        self.set_tool("pan")
        self.set_document(ProjectDocument(Project(crs=CRS.from_epsg(32648), name=self.tr("Untitled plan"))))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized and not self.settings.value("window/state"):
            # First run: give the map most of the room, whatever the screen size.
            width, height = self.width(), self.height()
            self.resizeDocks(
                [self.layers_dock, self.kpi_dock],
                [max(220, width // 6), max(400, width * 27 // 100)],
                Qt.Orientation.Horizontal,
            )
            self.resizeDocks([self.attributes_dock], [max(120, height // 6)], Qt.Orientation.Vertical)
            self.resizeDocks(
                [self.kpi_dock, self.palette_dock],
                [height * 60 // 100, height * 30 // 100],
                Qt.Orientation.Vertical,
            )
            self.resizeDocks(
                [self.layers_dock, self.scenarios_dock],
                [height * 50 // 100, height * 40 // 100],
                Qt.Orientation.Vertical,
            )
            screenfit.arrange_docks(self)  # a short or narrow window: docks tabbed, not squeezed
        self._docks_sized = True

    # -- actions, menus, toolbar ----------------------------------------------------------------
    def _action(
        self,
        key: str,
        text: str,
        slot,
        shortcut=None,
        icon_name: str | None = None,
        checkable: bool = False,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(key)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setCheckable(checkable)
        action.setStatusTip(tip or text.replace("…", "").replace("&", ""))
        action.triggered.connect(slot)
        self.actions[key] = action
        return action

    def _build_actions(self) -> None:
        self.actions: dict[str, QAction] = {}
        a = self._action
        a("new", self.tr("&New project…"), self.new_project, QKeySequence.StandardKey.New, "new")
        a("open", self.tr("&Open…"), self.open_dialog, QKeySequence.StandardKey.Open, "open")
        a("open_sample", self.tr("Open the &sample city"), lambda: self.open_project(SAMPLE_PROJECT))
        a("save", self.tr("&Save"), self.save, QKeySequence.StandardKey.Save, "save")
        a("save_as", self.tr("Save &As…"), self.save_as, QKeySequence.StandardKey.SaveAs)
        a("add_layer", self.tr("&Add layer…"), self.add_layer_dialog, "Ctrl+L", "add_layer")
        a("export", self.tr("&Export…"), self.export_dialog, "Ctrl+E")
        a("quit", self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        undo = self.undo_action = QAction(icon("undo"), self.tr("&Undo"), self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.redo_action = QAction(icon("redo"), self.tr("&Redo"), self)
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        undo.triggered.connect(lambda: self.doc.undo_stack.undo())
        redo.triggered.connect(lambda: self.doc.undo_stack.redo())
        self.actions["undo"], self.actions["redo"] = undo, redo
        a(
            "delete_placement",
            self.tr("&Delete facility"),
            self.delete_selected_placement,
            QKeySequence.StandardKey.Delete,
        )
        for tier in (1, 2, 3):
            a(
                f"tier{tier}",
                self.tr("Set priority tier &{tier}").format(tier=tier),
                lambda _c=False, t=tier: self.set_priority(t),
                f"Ctrl+{tier}",
            )
        a("tier0", self.tr("&Clear priority"), lambda: self.set_priority(0), "Ctrl+0")
        a("priority_rule", self.tr("Priority by &rule…"), self.priority_rule)
        a(
            "zoom_full",
            self.tr("Zoom to &full extent"),
            lambda: self.canvas.zoom_full(),
            "Ctrl+Shift+F",
            "zoom_full",
        )
        a("zoom_layer", self.tr("Zoom to &layer"), self.zoom_to_current_layer, "Ctrl+Shift+L", "zoom_layer")
        a(
            "zoom_selection",
            self.tr("Zoom to &selection"),
            lambda: self.canvas.zoom_to_selection(),
            "Ctrl+Shift+S",
            "zoom_selection",
        )
        a("legend", self.tr("&Legend"), self._toggle_legend, None, None, True).setChecked(True)
        a("basemap", self.tr("Offline &basemap (MBTiles)…"), self.choose_basemap)
        a("propose", self.tr("&Propose sites…"), self.propose_sites, "Ctrl+P", "propose")
        a("compare", self.tr("&Compare scenarios…"), self.compare_scenarios, "Ctrl+K")
        a("presentation", self.tr("Presen&tation mode"), self.toggle_presentation, "F11", "presentation")
        a("decision_log", self.tr("&Decision log…"), self.decision_log)
        group = QActionGroup(self)
        for key, text, shortcut in [
            ("pan", self.tr("&Pan"), "P"),
            ("identify", self.tr("&Identify"), "I"),
            ("select_click", self.tr("&Select"), "S"),
            ("select_rectangle", self.tr("Select by &rectangle"), "R"),
            ("select_lasso", self.tr("Select by &lasso"), "L"),
            ("place", self.tr("Place &facility"), "F"),
        ]:
            action = a(f"tool_{key}", text, lambda _c=False, k=key: self.set_tool(k), shortcut, key, True)
            group.addAction(action)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        act = self.actions
        file_menu = bar.addMenu(self.tr("&File"))
        for key in ("new", "open", "open_sample"):
            file_menu.addAction(act[key])
        self.recent_menu = file_menu.addMenu(self.tr("Open &recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        for key in ("save", "save_as", "add_layer", "export"):
            file_menu.addAction(act[key])
        file_menu.addSeparator()
        file_menu.addAction(act["quit"])
        edit = bar.addMenu(self.tr("&Edit"))
        for key in ("undo", "redo", "delete_placement"):
            edit.addAction(act[key])
        edit.addSeparator()
        for key in ("tier1", "tier2", "tier3", "tier0", "priority_rule"):
            edit.addAction(act[key])
        view = bar.addMenu(self.tr("&View"))
        for key in ("zoom_full", "zoom_layer", "zoom_selection", "legend", "basemap", "presentation"):
            view.addAction(act[key])
        view.addSeparator()
        for dock in (
            self.layers_dock,
            self.scenarios_dock,
            self.kpi_dock,
            self.palette_dock,
            self.attributes_dock,
        ):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self._build_language_menu(view)
        tools = bar.addMenu(self.tr("&Tools"))
        for key in self.tools:
            tools.addAction(act[f"tool_{key}"])
        plan = bar.addMenu(self.tr("&Plan"))
        plan.addAction(act["propose"])
        plan.addAction(act["compare"])
        plan.addAction(act["decision_log"])
        toolbar = QToolBar(self.tr("Main toolbar"), self)
        toolbar.setObjectName("MainToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for key in (
            "open",
            "save",
            None,
            "undo",
            "redo",
            None,
            *[f"tool_{k}" for k in self.tools],
            None,
            "zoom_full",
            "zoom_selection",
            None,
            "propose",
            "presentation",
        ):
            if key is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(act[key])
        self.addToolBar(toolbar)
        self.toolbar = toolbar
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for key in ("propose", "tool_place", "presentation"):
            toolbar.widgetForAction(act[key]).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _build_language_menu(self, view) -> None:
        """View > Language: the choice is stored and takes effect at the next start-up."""
        self.language_menu = view.addMenu(self.tr("&Language"))
        group = QActionGroup(self)
        chosen = i18n.configured_language(self.settings)
        self.language_actions: dict[str, QAction] = {}
        for code, name in i18n.LANGUAGES.items():
            action = self.language_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == chosen)
            action.triggered.connect(lambda _c=False, c=code: self.choose_language(c))
            group.addAction(action)
            self.language_actions[code] = action

    def choose_language(self, language: str) -> None:
        """Store the interface language; it applies when CityPlanner is next started."""
        i18n.store_language(self.settings, language)
        self.language_actions[language].setChecked(True)
        if language != i18n.current_language():
            message = self.tr("The language changes when CityPlanner is restarted.")
            self.statusBar().showMessage(message, 10000)
            box = QMessageBox(QMessageBox.Icon.Information, self.tr("Language"), message, parent=self)
            box.open()

    def _build_status_bar(self) -> None:
        self.coords_label = QLabel()
        self.scale_label = QLabel()
        self.tool_label = QLabel()
        status = self.statusBar()
        status.addPermanentWidget(self.tool_label)
        status.addPermanentWidget(self.coords_label)
        status.addPermanentWidget(self.scale_label)

    # -- document -------------------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        old = self.doc
        self.doc = doc
        doc.setParent(self)  # its signals die with the window, never reaching deleted docks
        self.selected_placement = None
        self._to_wgs84 = None
        # The docks' set-up (the palette choosing its first type) asks for the coverage: it is
        # drawn once, below.
        self._setting_document = True
        try:
            for widget in (
                self.canvas,
                self.layers_dock,
                self.palette_dock,
                self.scenarios_dock,
                self.kpi_dock,
                self.attributes_dock,
            ):
                widget.set_document(doc)
        finally:
            self._setting_document = False
        doc.dirty_changed.connect(self._update_title)
        doc.path_changed.connect(self._update_title)
        doc.layers_changed.connect(self._layers_changed)
        for signal in (doc.placements_changed, doc.current_scenario_changed, doc.facility_types_changed):
            signal.connect(self._coverage_timer.start)
        doc.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        doc.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        doc.undo_stack.undoTextChanged.connect(self._undo_text)
        doc.undo_stack.redoTextChanged.connect(self._redo_text)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        if old is not None:
            old.deleteLater()
        self.update_coverage()
        self._update_title()
        # The project's objects live as long as it is open: out of the full garbage collections
        # from now on (see workers.freeze_long_lived), and again once its first KPIs are in.
        QTimer.singleShot(0, workers.freeze_long_lived)

    def _evaluated(self, _results) -> None:
        if self._evaluated_doc is not self.doc:
            self._evaluated_doc = self.doc
            workers.freeze_long_lived()

    def _layers_changed(self) -> None:
        self._to_wgs84 = None
        self._coverage_timer.start()

    def _undo_text(self, text: str) -> None:
        self.undo_action.setText(self.tr("&Undo {action}").format(action=text).strip())

    def _redo_text(self, text: str) -> None:
        self.redo_action.setText(self.tr("&Redo {action}").format(action=text).strip())

    def _update_title(self, *_args) -> None:
        # Qt shows '[*]' as '*' while the window is modified (without it, it warns on every edit).
        self.setWindowTitle(f"{self.doc.title}[*] — CityPlanner")
        self.setWindowModified(self.doc.is_dirty)

    def target_layer(self) -> str | None:
        """The layer selections apply to: the Layers dock's current layer, else the zones."""
        name = self.layers_dock.current_layer()
        if name in self.doc.project.layers:
            return name
        return self.doc.project.zones_layer or None

    def set_tool(self, key: str) -> None:
        self.canvas.tool = self.tools[key]
        self.canvas.setCursor(self.tools[key].cursor)
        self.actions[f"tool_{key}"].setChecked(True)
        self.tool_label.setText(self.actions[f"tool_{key}"].text().replace("&", ""))

    def _show_cursor(self, x: float, y: float) -> None:
        if self._to_wgs84 is None:
            self._to_wgs84 = Transformer.from_crs(self.doc.project.crs, "EPSG:4326", always_xy=True)
        lon, lat = self._to_wgs84.transform(x, y)
        crs = self.doc.project.crs
        code = crs.to_epsg()
        self.coords_label.setText(
            f"{abs(lat):.5f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.5f}° {'E' if lon >= 0 else 'W'}"
            f"   |   {x:,.0f} E {y:,.0f} N "
            f"({'EPSG:' + str(code) if code else crs.name})"
        )

    def _toggle_legend(self, on: bool) -> None:
        self.canvas.show_legend = on
        self.canvas.viewport().update()

    # -- project lifecycle ----------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels what they were doing."""
        if self.doc is None or not self.doc.is_dirty:
            return True
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("Save the changes to {title} before closing it?").format(title=self.doc.title),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        from .dialogs.new_project import NewProjectWizard

        if not self.maybe_save():
            return
        wizard = NewProjectWizard(SAMPLE_PROJECT, self)
        wizard.accepted.connect(lambda: self._wizard_done(wizard))
        wizard.finished.connect(wizard.deleteLater)
        wizard.open()

    def _wizard_done(self, wizard) -> None:
        if wizard.open_sample:
            self.open_project(SAMPLE_PROJECT, ask=False)
        elif wizard.project is not None:
            self.set_document(ProjectDocument(wizard.project))
            self.doc.mark_view_dirty()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.doc.path.parent) if self.doc and self.doc.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open project"), start, self.tr(PROJECT_FILTER))
        if path:
            self.open_project(Path(path), ask=False)

    def open_project(self, path: Path, ask: bool = True) -> bool:
        """Open a ``.cityplan``; engine errors are shown in a dialog. Returns True on success.

        The file is read on a worker (a progress dialog with Cancel shows when it takes long);
        the window keeps answering meanwhile.
        """
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        opening = self.tr("Opening {file}…").format(file=path.name)
        self.statusBar().showMessage(opening)

        def job(progress):
            from cityplanner.store import load_project

            with crash_handler.project_warnings() as dropped:
                project = load_project(path, progress)
            return project, dropped

        status, value = self.run_with_progress(opening, job)
        if status != "done":
            self.statusBar().clearMessage()  # not left saying "Opening …" after the error
            if status == "error":
                show_error(self, self.tr("Open project"), value)
            return False
        project, dropped = value
        self.set_document(ProjectDocument(project, path))
        self._add_recent(path)
        self.statusBar().showMessage(self.tr("Opened {file}").format(file=path.name), 5000)
        for sentence in dropped:  # opened without damaged parts: the sentence `cityplanner show` prints
            show_error(self, self.tr("Open project"), sentence)
        return True

    def run_with_progress(self, title: str, fn) -> tuple[str, object]:
        """Run ``fn(progress)`` on a worker and wait for it while the window keeps answering.

        A window-modal progress dialog with Cancel appears when the work lasts more than a moment.
        Returns ``("done", result)``, ``("error", message)`` or ``("cancelled", None)``.
        """
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QProgressDialog

        dialog = QProgressDialog(title, self.tr("Cancel"), 0, 100, self)
        dialog.setObjectName("BackgroundProgress")
        dialog.setWindowTitle("CityPlanner")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        loop = QEventLoop(self)
        outcome: list = ["cancelled", None]

        def finish(status: str, value=None) -> None:
            outcome[:] = [status, value]
            loop.quit()

        worker = workers.start(
            fn,
            lambda result: finish("done", result),
            lambda message: finish("error", message),
            lambda fraction, _message: dialog.setValue(int(round(fraction * 100))),
            lambda: finish("cancelled"),
        )
        dialog.canceled.connect(worker.cancel)
        loop.exec()
        dialog.canceled.disconnect(worker.cancel)
        dialog.close()
        dialog.deleteLater()
        return outcome[0], outcome[1]

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path or Path.home() / f"{self.doc.project.name}.cityplan")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save project as"), start, self.tr(PROJECT_FILTER)
        )
        if not path:
            return False
        if not path.endswith(".cityplan"):
            path += ".cityplan"
        return self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        from cityplanner.store import save_project

        self.doc.write_styles()
        try:
            save_project(self.doc.project, path)
        except CityPlannerError as err:
            show_error(self, self.tr("Save project"), str(err))
            return False
        self.doc.mark_saved(path)
        self._add_recent(path)
        self.clear_recovery()
        self.statusBar().showMessage(self.tr("Saved {file}").format(file=path.name), 5000)
        return True

    def _add_recent(self, path: Path) -> None:
        recent = [p for p in self.recent_projects() if Path(p) != path.resolve()]
        self.settings.setValue("recent", [str(path.resolve()), *recent][:MAX_RECENT])

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_projects():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(Path(p)))
        if not self.recent_projects():
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        self.autosave_timer.stop()
        self.clear_recovery()
        workers.CoalescingRunner.wait(self.kpi_dock.runner, 10000)
        event.accept()

    # -- autosave and recovery ------------------------------------------------------------------
    # One recovery slot per window (ui.recovery): the window's process holds it locked, so another
    # window or instance never offers, takes or deletes it; start-up offers only orphaned slots.
    @property
    def recovery_file(self) -> Path:
        return self.recovery_slot.project_file

    @property
    def recovery_info(self) -> Path:
        return self.recovery_slot.record_file

    def autosave(self) -> None:
        """Write a recovery copy of an unsaved project on a worker thread."""
        if not self.doc.is_dirty or not self.doc.project.layers or self._autosave_worker is not None:
            return
        self.doc.write_styles()
        copy = snapshot(self.doc.project)
        info = {
            # Absolute: the next session may start in another folder.
            "path": str(self.doc.path.resolve()) if self.doc.path else "",
            "saved_at": time.strftime("%Y-%m-%d %H:%M"),
            "name": self.doc.title,
        }
        slot = self.recovery_slot

        def job(_progress):
            slot.write(copy, info)

        def done(_result=None) -> None:
            self._autosave_worker = None

        def failed(message: str) -> None:
            self._autosave_worker = None
            self.statusBar().showMessage(self.tr("Autosave failed: {message}").format(message=message), 10000)

        self._autosave_worker = workers.start(job, done, failed, on_cancelled=done)

    def clear_recovery(self) -> None:
        """Delete this window's recovery copy (saved, or closed on purpose); other windows' stay."""
        worker = self._autosave_worker
        if worker is not None:  # a copy still being written must not land after the clear
            worker.thread.join(timeout=120)
        self.recovery_slot.discard()

    def offer_recovery(self) -> bool:
        """At start-up, offer the copies crashed sessions left; True when one was restored.

        Only copies whose window's process has ended are offered (never a running window's). Each
        offer is made once: a declined copy is deleted, one that fails to load is moved aside with
        a message, and so is a damaged record. After a restore, any other orphaned copy is left for
        the next start.
        """
        slots, damaged = recovery.claim_orphans(self.recovery_dir)
        for problem in damaged:
            self._report_damaged_recovery(problem)
        restored = False
        for slot in slots:
            if restored:
                slot.release()
                continue
            answer = QMessageBox.question(
                self,
                self.tr("Restore unsaved work"),
                self.tr(
                    "CityPlanner did not close normally. Restore the autosaved copy of {name} from {time}?"
                ).format(
                    name=slot.record.get("name") or self.tr("your plan"),
                    time=slot.saved_at() or self.tr("earlier"),
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                slot.discard()
                continue
            restored = self.restore_recovery(slot)
        return restored

    def restore_recovery(self, slot: recovery.RecoverySlot) -> bool:
        """Open a claimed slot's copy as an unsaved document; the slot becomes this window's.

        A copy that cannot be loaded is moved aside (one message naming it) and the slot deleted.
        """
        from cityplanner.store import load_project

        try:
            with crash_handler.project_warnings() as dropped:
                project = load_project(slot.project_file)
        except CityPlannerError:
            problem = slot.move_aside(slot.project_file)
            slot.discard()
            self._report_damaged_recovery(problem)
            return False
        path = slot.record.get("path")
        self.set_document(ProjectDocument(project, Path(path) if path else None))
        self.doc.mark_view_dirty()
        # Kept until saved or closed: a crash before the next autosave must not lose it again.
        self.recovery_slot.discard()
        self.recovery_slot = slot
        for sentence in dropped:
            show_error(self, self.tr("Restore unsaved work"), sentence)
        return True

    def _report_damaged_recovery(self, problem: recovery.Damaged) -> None:
        if problem.moved_to is not None:
            text = self.tr("The recovery file {file} could not be read and was moved aside as {moved}.")
        else:
            text = self.tr("The recovery file {file} could not be read and was removed.")
        show_error(
            self, self.tr("Restore unsaved work"), text.format(file=problem.file, moved=problem.moved_to)
        )

    # -- layers ---------------------------------------------------------------------------------
    def add_layer_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add layers"), str(Path.home()), self.tr(LAYER_FILTER)
        )
        for path in paths:
            self.add_layer_file(Path(path))

    def add_layer_file(self, path: Path, layer: str | None = None) -> bool:
        """Add ONE layer of a file through the engine's AddLayer task, on a worker (errors shown
        in a dialog). True when the layer was added.

        A file of several layers (a GeoPackage) opens the layer picker and returns False: the
        layer chosen there is added when the picker is accepted, and no other.
        """
        from cityplanner.tasks import AddLayer

        from .dialogs.layer_picker import LayerPickerDialog, list_layers_job

        path = Path(path)
        status, value = self.run_with_progress(
            self.tr("Reading {file}…").format(file=path.name), list_layers_job(path)
        )
        if status != "done":
            if status == "error":
                show_error(self, self.tr("Add layer"), value)
            return False
        _path, infos, error = value
        if error is not None:
            show_error(self, self.tr("Add layer"), error)
            return False
        if layer is None and len(infos) > 1:
            picker = LayerPickerDialog(path, infos, self)
            picker.accepted.connect(lambda: self.add_layer_file(path, picker.chosen().name))
            picker.finished.connect(picker.deleteLater)
            picker.open()
            return False
        info = next((i for i in infos if i.name == layer), infos[0])
        source_crs = None
        if info.crs is None:
            # The engine's message names command-line options; here the user picks one.
            label = path.name if len(infos) == 1 else f"{path.name}:{info.name}"
            source_crs = self.ask_source_crs(label)
            if source_crs is None:
                return False
        task = AddLayer(
            project=snapshot(self.doc.project),
            file=path,
            layer=info.name if len(infos) > 1 else None,
            source_crs=source_crs,
        )
        status, value = self.run_with_progress(self.tr("Adding {layer}…").format(layer=info.name), task.run)
        if status != "done":
            if status == "error":
                show_error(self, self.tr("Add layer"), value)
            return False
        added = value.layer
        # As the engine links them in the copy: a facility type without a layer takes this one.
        project = self.doc.project
        project.layers[added.name] = added
        for name, ftype in value.project.facility_types.items():
            if ftype.layer == added.name and name in project.facility_types:
                project.facility_types[name].layer = added.name
        self.doc.undo_stack.push(commands.AddLayer(self.doc, added))
        self.statusBar().showMessage(self.tr("Added layer {layer}").format(layer=added.name), 5000)
        return True

    def ask_source_crs(self, label: str) -> str | None:
        """Ask which CRS a file without one is in: the project's, WGS 84 or a typed EPSG code.

        Returns the CRS as the engine takes it (e.g. ``"EPSG:32648"``), or None when cancelled.
        """
        from PySide6.QtWidgets import QInputDialog

        crs = self.doc.project.crs
        code = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_string()
        choices = [
            self.tr("{code} (the project's working CRS, in metres)").format(code=code),
            self.tr("{code} (longitude/latitude, WGS 84)").format(code="EPSG:4326"),
        ]
        text, ok = QInputDialog.getItem(
            self,
            self.tr("Layer without a CRS"),
            self.tr(
                "{file} does not say which coordinate reference system (CRS) its coordinates are in.\n"
                "Choose it, or type another one (e.g. EPSG:3405):"
            ).format(file=label),
            choices,
            0,
            True,
        )
        if not ok or not text.strip():
            return None
        return text.split()[0]

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        # Opened after the drop has finished: reading runs on a worker while the window waits.
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.suffix == ".cityplan":
                QTimer.singleShot(0, lambda p=path: self.open_project(p))
            else:
                QTimer.singleShot(0, lambda p=path: self.add_layer_file(p))
        event.acceptProposedAction()

    def edit_style(self, name: str) -> None:
        from .dialogs.style import StyleDialog

        dialog = StyleDialog(name, self.doc.project.layer(name).gdf, self.doc.style(name), self)
        if dialog.exec():
            self.doc.set_style(name, dialog.style())

    def show_attribute_table(self, name: str) -> None:
        self.attributes_dock.show()
        self.attributes_dock.raise_()
        self.attributes_dock.show_layer(name)

    def zoom_to_current_layer(self) -> None:
        name = self.target_layer()
        if name:
            self.canvas.zoom_to_layer(name)

    def identify(self, layer_name: str, row: int) -> None:
        from .dialogs.identify import IdentifyDialog

        self.doc.set_selection(layer_name, [row])
        IdentifyDialog.show_feature(self, layer_name, self.doc.project.layer(layer_name).gdf, row)

    def choose_basemap(self) -> None:
        from .canvas.basemap import MBTilesBasemap

        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Offline basemap"), str(Path.home()), "MBTiles (*.mbtiles)"
        )
        if path:
            try:
                self.canvas.set_basemap(MBTilesBasemap(Path(path), self.doc.project.crs))
            except CityPlannerError as err:
                show_error(self, self.tr("Offline basemap"), str(err))

    # -- priority zones -------------------------------------------------------------------------
    def set_priority(self, tier: int) -> None:
        """Give the selected zones a priority tier (0 clears it)."""
        zones = self.doc.project.zones_layer
        rows = self.doc.selection(zones) if zones else np.empty(0)
        if not len(rows):
            self.statusBar().showMessage(
                self.tr("Select zones first (Select, rectangle or lasso tool on the zone layer)."), 6000
            )
            return
        self.doc.undo_stack.push(commands.SetPriority(self.doc, rows, tier))

    def priority_rule(self) -> None:
        from .dialogs.priority import PriorityRuleDialog

        if not self.doc.project.zones_layer:
            show_error(
                self, self.tr("Priority by rule"), self.tr("The project has no zone layer to prioritise.")
            )
            return
        dialog = PriorityRuleDialog(self.doc, self.kpi_dock, self)
        dialog.accepted.connect(lambda: self._apply_priority_tiers(dialog.tiers()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _apply_priority_tiers(self, tiers: dict) -> None:
        """Replace every zone's tier with the rule's tiers, as one undoable edit."""
        self.doc.undo_stack.beginMacro(self.tr("Priority by rule"))
        self.doc.undo_stack.push(commands.SetPriority(self.doc, list(self.doc.project.priority), 0))
        for tier, rows in tiers.items():
            if len(rows):
                self.doc.undo_stack.push(commands.SetPriority(self.doc, rows, tier))
        self.doc.undo_stack.endMacro()

    # -- placements (the PlaceTool's editor API) ------------------------------------------------
    def _plan_scenario(self) -> str:
        """The scenario edits go to: the current plan, or a new plan when the baseline is shown."""
        if self.doc.current_scenario != self.doc.project.baseline.name:
            return self.doc.current_scenario
        name = unique_name(self.doc.project.scenarios, self.tr("Plan"))
        self.doc.undo_stack.push(commands.AddScenario(self.doc, name))
        self.statusBar().showMessage(
            self.tr("The baseline holds existing facilities only; placing in new scenario '{name}'.").format(
                name=name
            ),
            8000,
        )
        return name

    def place_facility(self, xy: tuple[float, float], type_name: str | None = None) -> Placement | None:
        type_name = type_name or self.palette_dock.current_type
        if type_name is None:
            return None
        if self.palette_dock.snap.isChecked():
            xy = self.snap_to_streets(xy)
        ft = self.doc.project.facility_type(type_name)
        placement = Placement(type=type_name, x=float(xy[0]), y=float(xy[1]), name=ft.label)
        self.doc.undo_stack.beginMacro(self.tr("Place {facility}").format(facility=i18n.facility_label(ft)))
        scenario = self._plan_scenario()
        self.doc.undo_stack.push(commands.PlaceFacility(self.doc, scenario, placement))
        self.doc.undo_stack.endMacro()
        self.selected_placement = placement.id
        return placement

    def move_placement(self, placement_id: str, old_xy, new_xy) -> None:
        if self.palette_dock.snap.isChecked():
            new_xy = self.snap_to_streets(new_xy)
        self.doc.undo_stack.push(
            commands.MoveFacility(
                self.doc, self.doc.current_scenario, placement_id, tuple(old_xy), tuple(new_xy)
            )
        )

    def delete_placement(self, placement_id: str) -> None:
        self.doc.undo_stack.push(commands.DeleteFacility(self.doc, self.doc.current_scenario, placement_id))
        if self.selected_placement == placement_id:
            self.selected_placement = None

    def select_placement(self, placement_id: str) -> None:
        self.selected_placement = placement_id
        placement = self.doc.scenario.find(placement_id)
        self.palette_dock.set_current_type(placement.type)
        gain = (
            self.tr(", adds {people} people").format(people=f"{placement.marginal_gain:,.0f}")
            if placement.marginal_gain is not None
            else ""
        )
        self.statusBar().showMessage(
            self.tr("Selected {name} ({source}{gain}); drag to move, Delete to remove.").format(
                name=placement.name or placement.type, source=placement.source, gain=gain
            ),
            6000,
        )

    def delete_selected_placement(self) -> None:
        if self.selected_placement and any(
            p.id == self.selected_placement for p in self.doc.scenario.placements
        ):
            self.delete_placement(self.selected_placement)

    def _prepare_snapping(self, on: bool) -> None:
        """Build the street network on a worker as soon as snapping is turned on."""
        if on:
            doc = self.doc
            workers.start(lambda _progress: doc.street_network())

    def snap_to_streets(self, xy: tuple[float, float]) -> tuple[float, float]:
        """The point of the street network nearest to ``xy`` (the engine's ``StreetNetwork.snap``).

        Unchanged when the project has no roads or the nearest street is farther than the
        project's maximum snap distance (the status bar says so).
        """
        try:
            network = self.doc.street_network()
        except CityPlannerError as err:
            self.statusBar().showMessage(self.tr("Snap to streets: {error}").format(error=err), 8000)
            return xy
        if network is None:
            self.statusBar().showMessage(self.tr("Snap to streets: the project has no road layer."), 6000)
            return xy
        snap = network.snap(np.array([xy], dtype=float), self.doc.max_snap_m)
        if snap.too_far[0]:
            self.statusBar().showMessage(
                self.tr("Not snapped: the nearest street is {distance} m away (more than {limit} m).").format(
                    distance=f"{snap.distance_m[0]:,.0f}", limit=f"{self.doc.max_snap_m:,.0f}"
                ),
                6000,
            )
            return xy
        return float(snap.xy[0, 0]), float(snap.xy[0, 1])

    # -- coverage display -----------------------------------------------------------------------
    def update_coverage(self, *_args) -> None:
        """Discs (radius) or network service areas of the palette's type around its facilities.

        Service areas come from the engine's ``StreetNetwork.service_area`` on a worker thread;
        without a road layer the discs are drawn instead. Called once per change of the
        placements, the scenario, the types, the layers or the palette's choice.
        """
        if getattr(self, "_setting_document", False):
            return
        palette = self.palette_dock
        type_name = palette.current_type if palette.show_coverage.isChecked() else None
        network_mode = (
            type_name is not None
            and palette.network_areas
            and self.doc.project.layer_with_role("roads") is not None
        )
        if type_name is not None and palette.network_areas and not network_mode:
            self.statusBar().showMessage(self.tr("No road layer: coverage is drawn as radius discs."), 6000)
        # In network mode the canvas draws no discs; the service areas replace them when ready.
        self.canvas.coverage_type = None if network_mode else type_name
        self.canvas.update_coverage()
        self.service_area_key = None
        if not network_mode:
            return
        doc = self.doc
        ft = doc.project.facility_type(type_name)
        facilities = doc.project.facility_points(type_name, doc.current_scenario)
        xy = shapely.get_coordinates(shapely.point_on_surface(facilities))
        key = (type_name, doc.current_scenario)
        self.service_area_key = key

        def job(_progress):
            network = doc.street_network()
            area = network.service_area(xy, ft.radius_m, max_snap_m=doc.max_snap_m) if len(xy) else None
            return key, shapely.get_parts(area) if area is not None else np.empty(0, dtype=object)

        self.service_area_runner.request(job)

    def _show_service_areas(self, outcome) -> None:
        key, areas = outcome
        # A result for a type or scenario no longer shown (or discs chosen since) is dropped.
        if key == self.service_area_key:
            self.service_areas = areas
            self.canvas.set_service_areas(areas)

    # -- optimiser and comparison ---------------------------------------------------------------
    def propose_sites(self) -> None:
        from .dialogs.propose import ProposeSitesDialog

        dialog = ProposeSitesDialog(self.doc, self.palette_dock.current_type, self)
        dialog.accepted.connect(lambda: self._add_proposal(dialog.scenario))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _add_proposal(self, scenario) -> None:
        """The optimiser's proposal becomes an editable scenario (one undoable edit) and is shown."""
        if scenario is not None and scenario.name not in self.doc.project.scenarios:
            self.doc.undo_stack.push(commands.AddScenario(self.doc, scenario.name, scenario=scenario))

    def compare_scenarios(self) -> None:
        from .dialogs.compare import CompareDialog

        dialog = CompareDialog(self.doc, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_dialog(self) -> None:
        """File > Export: the report, the exports and the map view as an image."""
        from .dialogs.export import ExportDialog

        dialog = ExportDialog(self.doc, self.canvas, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # -- workshop -------------------------------------------------------------------------------
    def toggle_presentation(self) -> None:
        """F11: presentation mode for a workshop (full screen, map, KPI tiles), or back."""
        from .workshop.presentation import PresentationMode

        if self.presentation is None:
            self.presentation = PresentationMode(self)
        self.presentation.toggle()

    def decision_log(self) -> None:
        """The workshop's decision log: record a decision about the current scenario, see the log."""
        from .workshop import kpi_picker
        from .workshop.decision_dialog import DecisionDialog

        dialog = DecisionDialog(
            self.doc,
            self.doc.current_scenario,
            self.kpi_dock.results,
            kpi_picker.chosen_kpis(self.doc.project, self.kpi_dock.results),
            self.doc.undo_stack.undoText(),
            self,
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
