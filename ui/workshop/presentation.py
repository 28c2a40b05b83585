"""Presentation mode: the plan projected to a room, changed live.

F11 (View > Presentation mode, the toolbar button, or ``main.py --present``) turns the main
window into the workshop screen: full screen, no menus or docks, the map with a high-contrast
theme, large KPI tiles and a legend sized for the room on a side panel, and a minimal toolbar
(place, move, delete, facility type, undo, redo, scenario). Esc or F11 goes back to the window as
it was.

Edits are the main window's ordinary undoable scenario edits; the tiles show the KPI dock's
results (its one Evaluator, on a worker thread), so they follow every edit, showing "computing…"
while the dock's worker runs. B flips map and tiles between the baseline and the plan; S splits
the map between them; D records a decision in the project's log; F1 or ? lists every key.
"""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import i18n
from ..canvas.symbols import letter_for
from ..canvas.view import PRIORITY_HATCH
from ..docks.palette import facility_icon
from ..icons import icon
from ..styles import priority_colours
from . import kpi_picker, theme
from .legend import AREA, EXISTING, HATCH, HEADER, PLANNED, RoomLegend
from .mapstyle import MapTheme
from .split import ScenarioSplit
from .tiles import AFTER, BEFORE, SPLIT, KpiTiles
from .tools import DELETE, MOVE, PLACE, WorkshopTool

# How long a message stays on the panel (ms).
MESSAGE_MS = 6000
# The divider moves this much of the map's width per [ or ] press.
DIVIDER_STEP = 0.1
ZOOM_STEP = 1.15


class PresentationMode(QObject):
    """Presentation mode of one main window (created on first use; :meth:`toggle` enters or leaves).

    Attributes
    ----------
    actions : dict of str to QAction
        Every workshop action, each with its keys (listed by the help overlay).
    tiles : KpiTiles
        The KPI tiles; ``tiles.tiles`` maps KPI ids to tiles.
    split : ScenarioSplit
        The before / split view on the map.
    view : str
        ``"after"`` (the current scenario), ``"before"`` (its baseline) or ``"split"``.
    last_update_s : float or None
        Seconds from the last edit to the tiles showing its KPIs.
    """

    entered = Signal()
    left = Signal()
    tiles_updated = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.win = window
        self.doc = window.doc
        self.active = False
        self.view = AFTER
        self.results: list = []
        self.zoom = float(window.settings.value("workshop/zoom", 1.0) or 1.0)
        self.sizes = theme.RoomSizes(1.0)
        self.map_theme = MapTheme(window.canvas)
        self.split = ScenarioSplit(window.canvas, self.map_theme, self._coverage_type)
        self.tool = WorkshopTool(window.canvas, window, self, MOVE)
        self.help = None
        self.last_update_s: float | None = None
        self._edited_at: float | None = None
        self._last_plan: str | None = None
        self._saved: dict = {}
        self._bound: list[tuple] = []
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.show_message(""))
        self._build_actions()
        self._build_toolbar()
        self._build_panel()
        window.installEventFilter(self)

    # -- building ---------------------------------------------------------------------------------
    def _action(
        self, key: str, text: str, keys, slot, checkable: bool = False, icon_name: str = ""
    ) -> QAction:
        action = QAction(text, self.win)
        action.setObjectName(f"workshop_{key}")
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        if icon_name:
            action.setIcon(icon(icon_name))
        shortcut = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{text.replace('&', '').replace('…', '')} ({shortcut})")
        action.triggered.connect(slot)
        self.actions[key] = action
        return action

    def _build_actions(self) -> None:
        self.actions: dict[str, QAction] = {}
        a = self._action
        a("place", self.tr("&Place"), ["P"], lambda: self.set_mode(PLACE), True, "place")
        a("move", self.tr("&Move"), ["M"], lambda: self.set_mode(MOVE), True, "pan")
        a("delete", self.tr("&Delete"), ["X"], lambda: self.set_mode(DELETE), True)
        a("delete_selected", self.tr("Delete the selected facility"), ["Del"], self.delete_selected)
        a("next_type", self.tr("Next facility type"), ["T"], lambda: self.step_type(1))
        a("previous_type", self.tr("Previous facility type"), ["Shift+T"], lambda: self.step_type(-1))
        a(
            "undo",
            self.tr("Undo"),
            ["Ctrl+Z"],
            lambda: self.win.doc.undo_stack.undo(),
            icon_name="undo",
        )
        a(
            "redo",
            self.tr("Redo"),
            ["Ctrl+Y", "Ctrl+Shift+Z"],
            lambda: self.win.doc.undo_stack.redo(),
            icon_name="redo",
        )
        a("next_scenario", self.tr("Next scenario"), ["PgDown"], lambda: self.step_scenario(1))
        a("previous_scenario", self.tr("Previous scenario"), ["PgUp"], lambda: self.step_scenario(-1))
        a("before_after", self.tr("&Before / after"), ["B"], self.toggle_before_after, True)
        a("split", self.tr("&Split view"), ["S"], self.toggle_split, True)
        a("divider_left", self.tr("Divider to the left"), ["["], lambda: self.split.move(-DIVIDER_STEP))
        a("divider_right", self.tr("Divider to the right"), ["]"], lambda: self.split.move(DIVIDER_STEP))
        a("decision", self.tr("&Decision…"), ["D"], self.record_decision)
        a("kpis", self.tr("&KPI tiles…"), ["K"], self.choose_kpis)
        a(
            "whole_city",
            self.tr("Whole city"),
            ["Home"],
            lambda: self.win.canvas.zoom_full(),
            icon_name="zoom_full",
        )
        a(
            "larger",
            self.tr("Larger text"),
            ["Ctrl++", "Ctrl+="],
            lambda: self.set_zoom(self.zoom * ZOOM_STEP),
        )
        a("smaller", self.tr("Smaller text"), ["Ctrl+-"], lambda: self.set_zoom(self.zoom / ZOOM_STEP))
        a("help", self.tr("Keys"), ["F1", "?"], self.show_help)
        a("leave", self.tr("Leave"), ["Esc", "F11"], self.leave)

    def _build_toolbar(self) -> None:
        bar = self.toolbar = QToolBar(self.tr("Workshop toolbar"), self.win)
        bar.setObjectName("WorkshopToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        act = self.actions
        for key in ("place", "move", "delete"):
            bar.addAction(act[key])
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("WorkshopType")
        self.type_combo.setToolTip(self.tr("Facility type to place (T / Shift+T)"))
        self.type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.type_combo.activated.connect(self._type_chosen)
        bar.addWidget(self.type_combo)
        bar.addSeparator()
        for key in ("undo", "redo"):
            bar.addAction(act[key])
            bar.widgetForAction(act[key]).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        bar.addSeparator()
        self.scenario_combo = QComboBox()
        self.scenario_combo.setObjectName("WorkshopScenario")
        self.scenario_combo.setToolTip(self.tr("Scenario shown (PgUp / PgDown)"))
        self.scenario_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scenario_combo.activated.connect(self._scenario_chosen)
        bar.addWidget(self.scenario_combo)
        # Keys and Leave are buttons on the panel's title row; the other actions have no button:
        # their keys work while the panel shows.
        self.win.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()

    def _build_panel(self) -> None:
        dock = self.panel_dock = QDockWidget(self.tr("Workshop"), self.win)
        dock.setObjectName("WorkshopPanel")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setTitleBarWidget(QWidget())
        panel = self.panel = QWidget()
        panel.setObjectName("WorkshopPanelBody")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        panel.setStyleSheet(
            f"QWidget#WorkshopPanelBody {{ background: {theme.PANEL}; }}"
            f" QLabel#WorkshopHeader, QLabel#WorkshopMessage {{ color: {theme.PAPER}; }}"
            " QLabel#WorkshopMessage { color: #ffd84d; }"
            f" QToolButton {{ color: {theme.PAPER}; border: 1px solid #9a9a9a; border-radius: 4px;"
            " padding: 2px 8px; }"
            " QToolButton:hover { background: #3a3a3a; }"
        )
        self.header = QLabel()
        self.header.setObjectName("WorkshopHeader")
        self.header.setWordWrap(True)
        self.header_buttons: dict[str, QToolButton] = {}
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        for key in ("help", "leave"):
            button = QToolButton()
            button.setObjectName(f"workshop_button_{key}")
            button.setDefaultAction(self.actions[key])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.header_buttons[key] = button
            header_row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.message = QLabel()
        self.message.setObjectName("WorkshopMessage")
        self.message.setWordWrap(True)
        self.tiles = KpiTiles()
        self.legend = RoomLegend()
        self.buttons: dict[str, QPushButton] = {}
        grid = self.button_grid = QGridLayout()
        grid.setSpacing(6)
        for i, key in enumerate(("before_after", "split", "decision", "kpis")):
            action = self.actions[key]
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button = QPushButton(f"{action.text().replace('&', '')} [{keys}]")
            button.setObjectName(f"workshop_button_{key}")
            button.setCheckable(action.isCheckable())
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, a=action: a.trigger())
            if action.isCheckable():
                action.toggled.connect(button.setChecked)
            self.buttons[key] = button
            grid.addWidget(button, i // 2, i % 2)
        self.side = QWidget()
        self.side_layout = QVBoxLayout(self.side)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.side_layout.addLayout(grid)
        self.side_layout.addStretch(1)
        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.addWidget(self.tiles, 1)
        self.body.addWidget(self.side)
        layout = QVBoxLayout(panel)
        layout.addLayout(header_row)
        layout.addWidget(self.message)
        layout.addLayout(self.body, 1)
        dock.setWidget(panel)
        # Keys without a toolbar button: shortcuts of actions on the (visible) panel.
        for action in self.actions.values():
            panel.addAction(action)
        self.win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        # The legend: a strip under the map, or (wide panels) on the panel beside the tiles.
        strip = self.legend_dock = QDockWidget(self.tr("Workshop legend"), self.win)
        strip.setObjectName("WorkshopLegend")
        strip.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        strip.setTitleBarWidget(QWidget())
        holder = self.legend_holder = QWidget()
        holder.setObjectName("WorkshopLegendHolder")
        holder.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        holder.setStyleSheet(f"QWidget#WorkshopLegendHolder {{ background: {theme.PANEL}; }}")
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(4, 4, 4, 4)
        strip.setWidget(holder)
        self.win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, strip)
        strip.hide()

    # -- entering and leaving ---------------------------------------------------------------------
    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def _app_docks(self) -> list[QDockWidget]:
        mine = (self.panel_dock, self.legend_dock)
        return [d for d in self.win.findChildren(QDockWidget) if d not in mine]

    def enter(self) -> None:
        """Full screen with the map, the tiles and the workshop toolbar."""
        if self.active:
            return
        win = self.win
        canvas = win.canvas
        self._saved = {
            "state": win.saveState(),
            "geometry": win.geometry(),
            "window_state": win.windowState(),
            "menubar": win.menuBar().isVisible(),
            "statusbar": win.statusBar().isVisible(),
            "tool": canvas.tool,
            "legend": canvas.show_legend,
            "font": QFont(canvas.font()),
        }
        self.active = True
        for dock in self._app_docks():
            dock.hide()
        for bar in win.findChildren(QToolBar):
            if bar is not self.toolbar:
                bar.hide()
        win.menuBar().hide()
        win.statusBar().hide()
        canvas.show_legend = False
        self._bind()
        self.toolbar.show()
        self.panel_dock.show()
        self.legend_dock.show()
        self.set_mode(self.tool.mode)
        win.showFullScreen()
        self._apply_sizes()
        self.map_theme.apply(self.sizes)
        self._fill_types()
        self._fill_scenarios()
        self._show_view(AFTER)
        if self.win.kpi_dock.results:
            self._results(self.win.kpi_dock.results)
        if self.win.kpi_dock.runner.busy or not self.win.kpi_dock.results:
            self._busy(True)
            if not self.win.kpi_dock.runner.busy:
                self.win.kpi_dock.refresh()
        self._update_undo()
        canvas.zoom_full()
        canvas.setFocus()
        self.entered.emit()

    def leave(self) -> None:
        """Back to the window as it was before (docks, menus, tool, size); Esc while the list of
        keys shows closes the list only."""
        if not self.active:
            return
        if self.help is not None and self.help.isVisible():
            self.help.close()
            return
        win = self.win
        canvas = win.canvas
        self._show_view(AFTER)
        self._unbind()
        self.active = False
        self.map_theme.remove()
        self.toolbar.hide()
        self.panel_dock.hide()
        self.legend_dock.hide()
        saved = self._saved
        canvas.show_legend = saved["legend"]
        canvas.setFont(saved["font"])
        tool_key = next((k for k, t in win.tools.items() if t is saved["tool"]), "pan")
        win.set_tool(tool_key)
        win.menuBar().setVisible(saved["menubar"])
        win.statusBar().setVisible(saved["statusbar"])
        if saved["window_state"] & Qt.WindowState.WindowMaximized:
            win.showMaximized()
        else:
            win.showNormal()
            win.setGeometry(saved["geometry"])
        win.restoreState(saved["state"])
        canvas.zoom_full()
        self.left.emit()

    def eventFilter(self, watched, event) -> bool:
        # Closing the window from presentation mode: leave first, so the window's saved layout
        # is the planner's, not the workshop's.
        if watched is self.win and event.type() == QEvent.Type.Close and self.active:
            self.leave()
        return False

    # -- signals while active ---------------------------------------------------------------------
    def _connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._bound.append((signal, slot))

    def _bind(self) -> None:
        win, doc = self.win, self.win.doc
        self.doc = doc
        self._connect(win.kpi_dock.evaluated, self._results)
        self._connect(win.kpi_dock.runner.busy_changed, self._busy)
        self._connect(doc.placements_changed, self._placements_changed)
        self._connect(doc.current_scenario_changed, self._scenario_changed)
        self._connect(doc.scenarios_changed, self._fill_scenarios)
        self._connect(doc.facility_types_changed, self._types_changed)
        self._connect(doc.layers_changed, self._layers_changed)
        self._connect(doc.layer_style_changed, self.map_theme.restyle_layers)
        self._connect(doc.undo_stack.indexChanged, self._update_undo)
        self._connect(win.palette_dock.type_changed, self._type_changed)
        self._connect(win.palette_dock.coverage_changed, self._coverage_changed)

    def _unbind(self) -> None:
        for signal, slot in self._bound:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass  # the document was replaced and its signals are gone
        self._bound = []

    def _results(self, results: list) -> None:
        self.results = list(results)
        if not self.tiles.kpi_ids:
            catalogue = self.win.kpi_dock.evaluator.catalogue if self.win.kpi_dock.evaluator else None
            self.tiles.set_kpis(kpi_picker.chosen_kpis(self.doc.project, self.results, catalogue))
        self.tiles.set_results(self.results)
        self.show_message("")
        if self._edited_at is not None:
            self.last_update_s = time.perf_counter() - self._edited_at
            self._edited_at = None
        self.tiles_updated.emit()

    def _busy(self, busy: bool) -> None:
        self.tiles.set_busy(busy)
        if busy:
            self.show_message(self.tr("Computing the KPIs…"), timeout=False)

    def _placements_changed(self, _scenario: str = "") -> None:
        self._edited_at = time.perf_counter()
        self.redraw_placements()
        self._update_legend()

    def _scenario_changed(self, name: str) -> None:
        doc = self.doc
        if name != doc.project.baseline.name:
            self._last_plan = name
        self._sync_scenario_combo()
        self.map_theme.restyle_placements()
        if self.view != AFTER and name == doc.project.baseline.name:
            self._show_view(AFTER)
        else:
            self._show_view(self.view)
        self._update_legend()

    def _types_changed(self) -> None:
        self.map_theme.restyle_layers()
        self.map_theme.restyle_placements()
        self._fill_types()
        self.split.refresh()
        self._update_legend()

    def _layers_changed(self) -> None:
        self.map_theme.restyle_layers()
        self.map_theme.restyle_placements()
        self._update_legend()

    def _type_changed(self, name: str) -> None:
        index = self.type_combo.findData(name)
        if index >= 0:
            self.type_combo.setCurrentIndex(index)
        self.split.refresh()
        self._update_legend()

    def _coverage_changed(self) -> None:
        self.split.refresh()
        self._update_legend()

    def _update_undo(self, *_args) -> None:
        doc = self.doc
        # The stack may be going away with its document (the window closing, a project replaced).
        if doc is None or not shiboken6.isValid(doc) or not shiboken6.isValid(doc.undo_stack):
            return
        self.actions["undo"].setEnabled(doc.undo_stack.canUndo())
        self.actions["redo"].setEnabled(doc.undo_stack.canRedo())

    # -- sizes ------------------------------------------------------------------------------------
    def screen_size(self) -> QSize:
        screen = self.win.screen()
        return screen.geometry().size() if screen is not None else theme.REFERENCE

    def _apply_sizes(self) -> None:
        screen = self.screen_size()
        sizes = self.sizes = theme.RoomSizes.for_screen(screen, self.zoom)
        toolbar_font = QFont()
        toolbar_font.setPixelSize(sizes.toolbar)
        self.toolbar.setIconSize(QSize(sizes.icon, sizes.icon))
        for action in self.toolbar.actions():
            button = self.toolbar.widgetForAction(action)
            if button is not None and not isinstance(button, QComboBox):
                button.setFont(toolbar_font)
        for combo in (self.type_combo, self.scenario_combo):
            combo.setFont(toolbar_font)
            combo.setIconSize(QSize(sizes.px(22), sizes.px(22)))
            # Whole names where the screen has room for them (a long one is cut with '…').
            combo.setMaximumWidth(sizes.px(270))
        header_font = QFont()
        header_font.setPixelSize(sizes.px(20))
        header_font.setBold(True)
        self.header.setFont(header_font)
        message_font = QFont()
        message_font.setPixelSize(sizes.detail)
        self.message.setFont(message_font)
        button_font = QFont()
        button_font.setPixelSize(sizes.px(14))
        button_font.setBold(True)
        for button in [*self.buttons.values(), *self.header_buttons.values()]:
            button.setFont(button_font)
            button.setMinimumHeight(sizes.px(34))
        # The map keeps a square the screen's height across (a city is about as wide as it is
        # high); the panel takes what is left, and at least room for one column of tiles.
        toolbar_height = self.toolbar.sizeHint().height()
        width = max(sizes.panel_width, screen.width() - (screen.height() - toolbar_height))
        width = min(width, screen.width() // 2)
        self.panel_dock.setFixedWidth(width)
        two_columns = width >= sizes.px(580)
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if two_columns else QBoxLayout.Direction.TopToBottom
        )
        # Two columns: the tiles take the wider one (long KPI names wrap less), the buttons stack.
        self.side.setFixedWidth(width * 2 // 5 if two_columns else width - sizes.px(20))
        for i, button in enumerate(self.buttons.values()):
            self.button_grid.addWidget(button, *((i, 0) if two_columns else (i // 2, i % 2)))
        # Beside the tiles when the panel has two columns, else a strip under the map.
        if two_columns:
            self.side_layout.insertWidget(1, self.legend)
        else:
            self.legend_holder.layout().addWidget(self.legend)
        self.legend.set_flow(not two_columns)
        self.legend_dock.setVisible(self.active and not two_columns)
        if not two_columns:
            self.legend_dock.setMinimumHeight(0)
            self.legend_dock.setMaximumHeight(16_777_215)
        self.tiles.set_sizes(sizes)
        self.legend.set_sizes(sizes)
        self.split.set_font_pixels(sizes.px(18))
        self.map_theme.sizes = sizes
        # The scale bar's and north arrow's text: larger, but no more than their fixed boxes hold.
        canvas_font = QFont(self._saved.get("font", self.win.canvas.font()))
        canvas_font.setPointSizeF(11.5)
        self.win.canvas.setFont(canvas_font)

    def set_zoom(self, zoom: float) -> None:
        """The facilitator's text size (Ctrl++ / Ctrl+-), kept for the next workshop."""
        self.zoom = min(max(zoom, 0.6), 2.0)
        self.win.settings.setValue("workshop/zoom", self.zoom)
        if self.active:
            self._apply_sizes()
            self.map_theme.apply(self.sizes)
            self._show_view(self.view)

    # -- tools, types and scenarios ---------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Place, move or delete: the map's tool while presenting."""
        self.tool.mode = mode
        canvas = self.win.canvas
        canvas.tool = self.tool
        canvas.setCursor(self.tool.cursor)
        for key in (PLACE, MOVE, DELETE):
            self.actions[key].setChecked(key == mode)

    def delete_selected(self) -> None:
        self.win.delete_selected_placement()

    def _fill_types(self) -> None:
        combo = self.type_combo
        combo.blockSignals(True)
        combo.clear()
        colours = self.map_theme.colours()
        for ft in self.win.doc.project.facility_types.values():
            combo.addItem(
                facility_icon(colours.get(ft.name, theme.INK), ft.icon, ft.label, self.sizes.px(22)),
                i18n.facility_label(ft),
                ft.name,
            )
        current = self.win.palette_dock.current_type
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def _type_chosen(self, index: int) -> None:
        name = self.type_combo.itemData(index)
        if name:
            self.win.palette_dock.set_current_type(name)

    def step_type(self, step: int) -> None:
        count = self.type_combo.count()
        if count:
            index = (self.type_combo.currentIndex() + step) % count
            self.type_combo.setCurrentIndex(index)
            self._type_chosen(index)
            self.show_message(self.tr("Placing: {type}").format(type=self.type_combo.itemText(index)))

    def _fill_scenarios(self) -> None:
        combo = self.scenario_combo
        combo.blockSignals(True)
        combo.clear()
        for name in self.win.doc.project.scenarios:
            combo.addItem(name, name)
        combo.blockSignals(False)
        self._sync_scenario_combo()

    def _sync_scenario_combo(self) -> None:
        combo = self.scenario_combo
        combo.blockSignals(True)
        combo.setCurrentIndex(max(0, combo.findData(self.win.doc.current_scenario)))
        combo.blockSignals(False)

    def _scenario_chosen(self, index: int) -> None:
        name = self.scenario_combo.itemData(index)
        if name:
            self.win.doc.set_current_scenario(name)

    def step_scenario(self, step: int) -> None:
        names = list(self.win.doc.project.scenarios)
        index = (names.index(self.win.doc.current_scenario) + step) % len(names)
        self.win.doc.set_current_scenario(names[index])

    # -- before / after and split -----------------------------------------------------------------
    def _plan_name(self) -> str | None:
        """The plan compared with the baseline: the current scenario, else the last plan shown."""
        doc = self.win.doc
        baseline = doc.project.baseline.name
        if doc.current_scenario != baseline:
            return doc.current_scenario
        if self._last_plan in doc.project.scenarios and self._last_plan != baseline:
            return self._last_plan
        plans = [n for n in doc.project.scenarios if n != baseline]
        return plans[-1] if plans else None

    def _ensure_plan(self) -> bool:
        """Make a plan the current scenario (the baseline has nothing to compare); False if none."""
        plan = self._plan_name()
        if plan is None:
            self.show_message(self.tr("There is no plan yet: place a facility to start one."))
            return False
        if self.win.doc.current_scenario != plan:
            self.win.doc.set_current_scenario(plan)
        return True

    def toggle_before_after(self) -> None:
        """B: the map and the tiles flip between the plan and its baseline."""
        if self.view == BEFORE:
            self._show_view(AFTER)
            return
        was_baseline = self.win.doc.current_scenario == self.win.doc.project.baseline.name
        if not self._ensure_plan():
            self._show_view(self.view)
            return
        self._show_view(AFTER if was_baseline else BEFORE)

    def toggle_split(self) -> None:
        """S: baseline left of the divider, plan right of it; the tiles show both numbers."""
        if self.view == SPLIT:
            self._show_view(AFTER)
            return
        if not self._ensure_plan():
            self._show_view(self.view)
            return
        self._show_view(SPLIT)

    def _show_view(self, view: str) -> None:
        doc = self.win.doc
        baseline = doc.project.baseline.name
        plan = doc.current_scenario
        if plan == baseline:
            view = AFTER
        self.view = view
        if view == AFTER:
            self.split.hide()
            self.tiles.set_mode(AFTER)
            self.header.setText(plan)
        elif view == BEFORE:
            self.split.show(baseline, plan, fraction=1.0, divider=False)
            self.tiles.set_mode(BEFORE)
            self.header.setText(self.tr("BEFORE: {baseline}").format(baseline=baseline))
        else:
            fraction = self.split.fraction if 0.0 < self.split.fraction < 1.0 else 0.5
            self.split.show(baseline, plan, fraction=fraction, divider=True)
            self.tiles.set_mode(SPLIT)
            self.header.setText(f"◀ {baseline}    {plan} ▶")
        for key, on in (("before_after", view == BEFORE), ("split", view == SPLIT)):
            self.actions[key].blockSignals(True)
            self.actions[key].setChecked(on)
            self.actions[key].blockSignals(False)
            self.buttons[key].setChecked(on)
        self._update_legend()

    # -- the tool's questions ---------------------------------------------------------------------
    def editable_at(self, xy) -> bool:
        if self.view == SPLIT and self.split.side_of(xy[0]) == 0:
            self.show_message(self.tr("Left of the line is the baseline: edit the plan on the right."))
            return False
        return True

    def placement_at(self, xy) -> str | None:
        if self.view == BEFORE or (self.view == SPLIT and self.split.side_of(xy[0]) == 0):
            return None
        return self.win.canvas.placement_at(xy)

    def before_edit(self) -> None:
        if self.view == BEFORE:
            self._show_view(AFTER)

    def redraw_placements(self) -> None:
        if self.view == AFTER:
            self.map_theme.restyle_placements()
        else:
            self.split.refresh()

    def _coverage_type(self) -> str | None:
        palette = self.win.palette_dock
        return palette.current_type if palette.show_coverage.isChecked() else None

    # -- legend and messages ----------------------------------------------------------------------
    def legend_rows(self) -> list[tuple]:
        """What the map shows: planned facilities, existing ones, coverage and priority zones."""
        doc = self.win.doc
        project = doc.project
        colours = self.map_theme.colours()
        scenarios = [doc.current_scenario]
        if self.view == BEFORE:
            scenarios = [project.baseline.name]
        elif self.view == SPLIT:
            scenarios = [project.baseline.name, doc.current_scenario]
        planned = {p.type for s in scenarios for p in project.scenario(s).placements}
        existing = {
            layer.role
            for name, layer in project.layers.items()
            if layer.role in project.facility_types
            and "Point" in layer.geometry_type
            and doc.style(name).visible
        }
        rows: list[tuple] = []
        for type_name in project.facility_types:
            if type_name not in planned | existing:
                continue
            ft = project.facility_types[type_name]
            kind = PLANNED if type_name in planned else EXISTING
            label = i18n.facility_label(ft)
            rows.append((kind, colours[type_name], letter_for(ft.icon, ft.label), label))
        if planned:
            rows.insert(0, (HEADER, "", "", self.tr("New (large) and existing (small):")))
        elif rows:
            rows.insert(0, (HEADER, "", "", self.tr("Existing:")))
        type_name = self._coverage_type()
        if type_name in project.facility_types:
            ft = project.facility_types[type_name]
            rows.append(
                (
                    AREA,
                    theme.COVERAGE,
                    "",
                    self.tr("Within {radius} m of a {type}").format(
                        radius=f"{ft.radius_m:,.0f}", type=i18n.facility_label(ft)
                    ),
                )
            )
        if project.priority:
            rows.append(
                (HATCH, priority_colours()[1], PRIORITY_HATCH[1], self.tr("Priority zones (hatched)"))
            )
        return rows

    def _update_legend(self) -> None:
        if self.active:
            self.legend.set_rows(self.legend_rows())
            self._fit_legend_strip()

    def _fit_legend_strip(self) -> None:
        """The strip under the map as high as its legend, no more (the map keeps the rest)."""
        if self.legend_dock.isVisible():
            margins = self.legend_holder.layout().contentsMargins()
            width = (
                max(self.legend_holder.width(), self.win.canvas.width()) - margins.left() - margins.right()
            )
            height = self.legend.heightForWidth(width) + margins.top() + margins.bottom()
            self.legend_dock.setFixedHeight(max(height, 1))

    def show_message(self, text: str, timeout: bool = True) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text and timeout:
            self._message_timer.start(MESSAGE_MS)
        else:
            self._message_timer.stop()

    # -- dialogs and help -------------------------------------------------------------------------
    def _room_dialog(self, dialog) -> None:
        """A dialog's text sized for the room (a style sheet: the app's one stops setFont reaching
        the dialog's children)."""
        dialog.setStyleSheet(f"QWidget {{ font-size: {self.sizes.detail + 1}px; }}")

    def record_decision(self) -> None:
        """D: mark the plan shown agreed, rejected or to study, with a short note."""
        from .decision_dialog import DecisionDialog

        doc = self.win.doc
        scenario = doc.current_scenario if self.view != BEFORE else doc.project.baseline.name
        dialog = DecisionDialog(
            doc,
            scenario,
            self.results,
            self.tiles.kpi_ids,
            doc.undo_stack.undoText(),
            self.win,
        )
        self._room_dialog(dialog)
        dialog.accepted.connect(
            lambda: self.show_message(self.tr("Decision recorded in the project's log: save to keep it."))
        )
        dialog.finished.connect(dialog.deleteLater)
        self.decision_dialog = dialog
        dialog.open()

    def choose_kpis(self) -> None:
        """K: which KPIs the tiles show."""
        if not self.results:
            self.show_message(self.tr("The KPIs are still being computed."))
            return
        dialog = kpi_picker.KpiPickerDialog(self.results, self.tiles.kpi_ids, self.win)
        self._room_dialog(dialog)

        def chosen() -> None:
            ids = dialog.chosen()
            if ids:
                kpi_picker.store_kpis(self.win.doc.project, ids)
                self.win.doc.mark_view_dirty()
                self.tiles.set_kpis(ids)

        dialog.accepted.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.kpi_dialog = dialog
        dialog.open()

    def show_help(self) -> None:
        """F1 or ?: every key of the workshop, large, over the window."""
        from .help import HelpOverlay

        if self.help is not None:
            self.help.deleteLater()
        self.help = HelpOverlay(self.win, list(self.actions.values()), self.sizes)
        self.help.popup()
