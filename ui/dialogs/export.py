"""File > Export: the plan report and exports, and the map view as an image.

The PDF report (paper, orientation, scenarios, author, English or Vietnamese), the offline HTML
map, the Excel workbook, the GeoPackage and the CSV tables are written by the engine's
:class:`~cityplanner.tasks.Report` task, the one ``cityplanner report`` runs, on a worker with a
progress bar and Cancel (each file is replaced atomically, so a cancelled export leaves none half
written). The current map view is drawn as a PNG at the chosen DPI by
:func:`ui.canvas.view.render_to_image`. The KPIs gathered for one export are reused by the next
one made from the same dialog while the plan is unchanged.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from cityplanner.errors import CityPlannerError
from cityplanner.progress import report

from .. import i18n, workers
from ..document import ProjectDocument, snapshot

# Outputs in the order the dialog lists them: key -> (label, file suffix or "" for a folder, filter).
OUTPUTS = {
    "pdf": (QT_TRANSLATE_NOOP("ExportDialog", "PDF report"), ".pdf", "PDF (*.pdf)"),
    "html": (QT_TRANSLATE_NOOP("ExportDialog", "HTML map (works offline)"), ".html", "HTML (*.html *.htm)"),
    "xlsx": (QT_TRANSLATE_NOOP("ExportDialog", "Excel workbook"), ".xlsx", "Excel (*.xlsx)"),
    "gpkg": (QT_TRANSLATE_NOOP("ExportDialog", "GeoPackage (QGIS styles)"), ".gpkg", "GeoPackage (*.gpkg)"),
    "csv": (QT_TRANSLATE_NOOP("ExportDialog", "CSV tables (folder)"), "", ""),
    "png": (QT_TRANSLATE_NOOP("ExportDialog", "Map view as a PNG image"), ".png", "PNG (*.png)"),
}
REPORT_OUTPUTS = ("pdf", "html", "xlsx", "gpkg", "csv")
PAPERS = {"a4": "A4", "a3": "A3"}
ORIENTATIONS = {
    "portrait": QT_TRANSLATE_NOOP("ExportDialog", "Portrait"),
    "landscape": QT_TRANSLATE_NOOP("ExportDialog", "Landscape"),
}
REPORT_LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}
DPI_RANGE = (72, 600)
DEFAULT_DPI = 300


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("_") or "plan"


def write_png(image, target: Path) -> Path:
    """Save ``image`` as a PNG at ``target``, atomically (a temporary file renamed over it).

    Safe on a worker thread (QImage is reentrant) while nothing else uses the image.

    Raises
    ------
    ReportError
        When the file cannot be written (one sentence naming it).
    """
    from cityplanner.errors import ReportError

    target = Path(target)
    temporary = target.with_name(f".{target.stem}.tmp-{os.getpid()}.png")
    if not image.save(str(temporary), "PNG"):
        temporary.unlink(missing_ok=True)
        raise ReportError(f"The map image {target} could not be written.")
    try:
        os.replace(temporary, target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise ReportError(f"The map image {target} could not be written ({err.strerror}).") from err
    return target


class ExportDialog(QDialog):
    """Choose outputs and report options; Export writes them with progress and Cancel.

    Attributes
    ----------
    written : dict
        Output key -> the file (or, for ``csv``, the list of files) the last export wrote.
    worker : ui.workers.Worker or None
        The Report task while it runs.
    """

    def __init__(self, doc: ProjectDocument, canvas=None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportDialog")
        self.setWindowTitle(self.tr("Export"))
        self.doc = doc
        self.canvas = canvas
        self.worker = None
        self.written: dict = {}
        self._content = None  # (key, ReportContent) of the last report, reused while unchanged
        # Beside the project, unless that folder cannot be written (a shipped sample).
        folder = doc.path.parent if doc.path and os.access(doc.path.parent, os.W_OK) else Path.home()
        stem = _slug(doc.path.stem if doc.path else doc.project.name)

        # -- outputs ----------------------------------------------------------------------------
        outputs = QGroupBox(self.tr("Write"))
        grid = QGridLayout(outputs)
        grid.setColumnStretch(1, 1)
        self.checks: dict[str, QCheckBox] = {}
        self.paths: dict[str, QLineEdit] = {}
        names = {
            "pdf": f"{stem}_report.pdf",
            "html": f"{stem}_map.html",
            "xlsx": f"{stem}_tables.xlsx",
            "gpkg": f"{stem}_plan.gpkg",
            "csv": f"{stem}_csv",
            "png": f"{stem}_map.png",
        }
        for row, (key, (label, _suffix, _filter)) in enumerate(OUTPUTS.items()):
            check = QCheckBox(self.tr(label))
            check.setObjectName(f"export_{key}")
            path = QLineEdit(str(folder / names[key]))
            path.setObjectName(f"export_{key}_path")
            browse = QPushButton(self.tr("Browse…"))
            browse.clicked.connect(lambda _c=False, k=key: self._browse(k))
            check.toggled.connect(self._update)
            path.textChanged.connect(self._update)
            grid.addWidget(check, row, 0)
            grid.addWidget(path, row, 1)
            grid.addWidget(browse, row, 2)
            self.checks[key], self.paths[key] = check, path
        self.dpi = QSpinBox()
        self.dpi.setRange(*DPI_RANGE)
        self.dpi.setValue(DEFAULT_DPI)
        self.dpi.setSuffix(" dpi")
        self.dpi.setObjectName("export_dpi")
        self.dpi.valueChanged.connect(self._update)
        self.png_size = QLabel()
        dpi_row = QHBoxLayout()
        dpi_row.addWidget(QLabel(self.tr("Resolution")))
        dpi_row.addWidget(self.dpi)
        dpi_row.addWidget(self.png_size, 1)
        grid.addLayout(dpi_row, len(OUTPUTS), 1, 1, 2)
        if canvas is None:
            self.checks["png"].setEnabled(False)
        self.checks["pdf"].setChecked(True)

        # -- report options ---------------------------------------------------------------------
        options = QGroupBox(self.tr("Report"))
        form = QFormLayout(options)
        self.scenarios = QListWidget()
        self.scenarios.setObjectName("export_scenarios")
        for name in doc.project.scenarios:
            item = QListWidgetItem(i18n.scenario_label(name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            baseline = name == doc.project.baseline.name
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | (Qt.ItemFlag.NoItemFlags if baseline else Qt.ItemFlag.ItemIsUserCheckable)
            )
            item.setCheckState(Qt.CheckState.Checked)
            if baseline:
                item.setToolTip(self.tr("The baseline is always in the report."))
            self.scenarios.addItem(item)
        rows = max(2, min(4, self.scenarios.count()))
        height = self.scenarios.sizeHintForRow(0) * rows + 2 * self.scenarios.frameWidth() + 4
        self.scenarios.setFixedHeight(height)
        self.paper = QComboBox()
        for key, text in PAPERS.items():
            self.paper.addItem(text, key)
        self.orientation = QComboBox()
        for key, text in ORIENTATIONS.items():
            self.orientation.addItem(self.tr(text), key)
        self.author = QLineEdit(str(doc.project.setting("author", "") or ""))
        self.author.setObjectName("export_author")
        self.language = QComboBox()
        self.language.setObjectName("export_language")
        for key, text in REPORT_LANGUAGES.items():
            self.language.addItem(text, key)
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.current_language())))
        paper_row = QHBoxLayout()
        paper_row.addWidget(self.paper)
        paper_row.addWidget(self.orientation)
        paper_row.addStretch(1)
        form.addRow(self.tr("Scenarios"), self.scenarios)
        form.addRow(self.tr("Paper"), paper_row)
        form.addRow(self.tr("Author"), self.author)
        form.addRow(self.tr("Language"), self.language)

        # -- progress and buttons ---------------------------------------------------------------
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("export_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setObjectName("export_run")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(outputs)
        layout.addWidget(options)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(760, self.sizeHint().height())
        self._update()

    # -- choices --------------------------------------------------------------------------------
    def _browse(self, key: str) -> None:
        current = self.paths[key].text()
        if key == "csv":
            path = QFileDialog.getExistingDirectory(self, self.tr("CSV folder"), current)
        else:
            path, _ = QFileDialog.getSaveFileName(self, self.tr(OUTPUTS[key][0]), current, OUTPUTS[key][2])
            suffix = OUTPUTS[key][1]
            if path and not Path(path).suffix:
                path += suffix
        if path:
            self.paths[key].setText(path)

    def chosen(self) -> dict[str, str]:
        """Output key -> the path typed, for the ticked outputs."""
        return {k: self.paths[k].text().strip() for k, c in self.checks.items() if c.isChecked()}

    def chosen_scenarios(self) -> list[str]:
        """The scenarios of the report (the baseline first, always)."""
        return [
            self.scenarios.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.scenarios.count())
            if self.scenarios.item(i).checkState() == Qt.CheckState.Checked
        ]

    def png_pixels(self) -> tuple[int, int]:
        """The pixel size of the map image at the chosen DPI (the view's size scaled by DPI / screen DPI)."""
        if self.canvas is None:
            return 0, 0
        viewport = self.canvas.viewport()
        scale = self.dpi.value() / float(self.canvas.logicalDpiX() or 96)
        return max(1, round(viewport.width() * scale)), max(1, round(viewport.height() * scale))

    def _update(self, *_args) -> None:
        if not hasattr(self, "export_button"):
            return  # still being built
        width, height = self.png_pixels()
        self.png_size.setText(self.tr("{width} × {height} pixels").format(width=width, height=height))
        wanted = self.chosen()
        self.export_button.setEnabled(self.worker is None and bool(wanted) and all(wanted.values()))

    # -- export ---------------------------------------------------------------------------------
    def task(self):
        """The Report task for the ticked report outputs (None when only the PNG is asked for)."""
        from cityplanner.tasks import Report

        wanted = {k: v for k, v in self.chosen().items() if k in REPORT_OUTPUTS}
        if not wanted:
            return None
        scenarios = self.chosen_scenarios()
        author = self.author.text().strip() or None
        key = (tuple(scenarios), author, self.doc.undo_stack.index(), self.doc.project.name)
        content = self._content[1] if self._content and self._content[0] == key else None
        values = dict(
            scenarios=scenarios,
            paper=self.paper.currentData(),
            orientation=self.orientation.currentData(),
            author=author,
            lang=self.language.currentData(),
            **wanted,
        )
        if content is not None:
            task = Report(content=content, **values)
        else:
            task = Report(project=snapshot(self.doc.project), **values)
        task.content_key = key
        return task

    def export(self) -> None:
        """Write the ticked outputs on a worker (the map image is drawn first, from the view)."""
        if self.worker is not None:
            return
        wanted = self.chosen()
        self.written = {}
        try:
            task = self.task()
            if task is not None:
                task.validate()
            if "png" in wanted:
                png = Path(wanted["png"])
                if png.suffix.lower() != ".png":
                    raise CityPlannerError(self.tr("The map image {file} must end in .png.").format(file=png))
                if not png.parent.is_dir():
                    raise CityPlannerError(
                        self.tr("The folder of the map image {file} does not exist.").format(file=png)
                    )
        except CityPlannerError as err:
            self._say(str(err), False)
            return
        image = None
        if "png" in wanted:
            # Drawn now, on the UI thread (the map's scene is Qt's), from the view as it is; the
            # PNG is encoded and written on the worker (at 300 dpi that took over a second).
            from ..canvas.view import render_to_image

            image = render_to_image(self.canvas, self.dpi.value())
        png = Path(wanted["png"]) if image is not None else None

        def job(progress):
            written = {}
            if image is not None:
                report(progress, 0.0, "Writing the map image")
                written["png"] = write_png(image, png)
            result = task.run(progress) if task is not None else None
            return written, result

        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        if task is not None:
            count = len(task["scenarios"])
            self._say(self.tr("Gathering the KPIs of {count} scenarios…").format(count=count), None)
        else:
            self._say(self.tr("Writing the map image…"), None)
        self._running_task = task
        self.worker = workers.start(job, self._done, self._failed, self._progress, self._cancelled)
        self._update()

    def cancel(self) -> None:
        """Stop the export running (nothing half-written stays); the dialog stays open."""
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self._say(self.tr("Cancelling…"), None)

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None
        super().reject()

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(fraction * 100)))
        if message and i18n.current_language() == "en":
            self._say(message + "…", None)

    def _stopped(self) -> None:
        self.worker = None
        self.progress.hide()
        self.cancel_button.hide()
        self._update()

    def _done(self, outcome) -> None:
        self._stopped()
        image, written = outcome
        self.written.update(image)
        task = self._running_task
        if written is not None:
            self._content = (task.content_key, written.content)
            self.written.update(written.files)
        self._finished()

    def _finished(self) -> None:
        files = []
        for value in self.written.values():
            files += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        shown = files if len(files) <= 6 else [*files[:5], "…"]
        self._say(self.tr("Written:") + "\n" + "\n".join(shown), True)

    def _failed(self, message: str) -> None:
        self._stopped()
        self._say(message, False)

    def _cancelled(self) -> None:
        self._stopped()
        self._say(self.tr("Export cancelled; no file is left half-written."), None)

    def _say(self, text: str, ok: bool | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("" if ok is None else ("color: #1b6e20;" if ok else "color: #b00020;"))
