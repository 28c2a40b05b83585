"""Unexpected errors in the app: logged to a file and shown in a dialog, never a silent failure.

An exception that escapes a slot, a timer, an event handler (``sys.excepthook``, which PySide6
calls for them) or a plain thread (``threading.excepthook``), or that a background worker catches
(:mod:`ui.workers` hands it to :func:`report`), is

* written with its traceback to ``logs/cityplanner.log`` in the user's data folder
  (``QStandardPaths.AppDataLocation``; rotated at 1 MB, three old files kept), and
* shown in a dialog that names the log file, opened window-modal and without blocking, so the
  window goes on responding and the user can save their work.

An error meant for the user (:class:`~cityplanner.errors.CityPlannerError`, one sentence) that a
slot did not catch is shown as that sentence, with the log's path below it. Dialogs do not pile
up: while one is open, further errors are logged and counted in it.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cityplanner.errors import CityPlannerError

LOG_NAME = "cityplanner.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
_LOGGER = "cityplanner.crash"


def log_dir() -> Path:
    """``logs`` in the user's data folder (``QStandardPaths.AppDataLocation``)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".cityplanner") / "logs"


class _Reporter(QObject):
    """Lives on the GUI thread; errors from any thread reach it through a queued signal."""

    reported = Signal(str, str, str)  # title, text, details

    def __init__(self, folder: Path | None) -> None:
        super().__init__()
        self.folder = folder
        self.dialog: QMessageBox | None = None
        self.more = 0
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @property
    def log_path(self) -> Path:
        return (self.folder or log_dir()) / LOG_NAME

    def logger(self) -> logging.Logger:
        logger = logging.getLogger(_LOGGER)
        path = self.log_path
        current = [h for h in logger.handlers if getattr(h, "baseFilename", None) == str(path)]
        if not current:
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
                handler.close()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handler = logging.handlers.RotatingFileHandler(
                    path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
                )
            except OSError:
                handler = logging.StreamHandler(sys.stderr)  # the data folder refuses: stderr still tells
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
        return logger

    def handle(self, exc_type, exc: BaseException, tb: TracebackType | None, where: str) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        try:
            self.logger().error("%s\n%s", where, details.rstrip())
        except Exception:  # logging must never raise out of an exception hook
            traceback.print_exception(exc_type, exc, tb)
        if isinstance(exc, CityPlannerError):
            title, text = "CityPlanner", str(exc)
        else:
            # translate() is thread-safe; this runs on the thread that raised.
            title = QCoreApplication.translate("CrashHandler", "Unexpected error")
            text = QCoreApplication.translate(
                "CrashHandler",
                "Something went wrong ({error}). Your work is still open: save it under a new name.",
            ).format(error=f"{exc_type.__name__}: {_short(exc)}")
        self.reported.emit(title, text, details)

    @Slot(str, str, str)
    def _show(self, title: str, text: str, details: str) -> None:
        if self.dialog is not None:
            self.more += 1
            self.dialog.setInformativeText(self._informative())
            return
        app = QApplication.instance()
        parent = app.activeWindow() if app is not None else None
        dialog = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
        dialog.setObjectName("crashDialog")
        dialog.setInformativeText(self._informative())
        dialog.setDetailedText(details)
        dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()  # window-modal, without a nested event loop: the app goes on running

    def _informative(self) -> str:
        text = QCoreApplication.translate("CrashHandler", "The details were written to {path}")
        text = text.format(path=self.log_path)
        if self.more:
            more = QCoreApplication.translate("CrashHandler", "{n} more error(s) since; all are in the log.")
            text += "\n" + more.format(n=self.more)
        return text

    def _closed(self, _result: int) -> None:
        self.dialog = None
        self.more = 0


def _short(exc: BaseException, chars: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= chars else text[: chars - 3] + "..."


_reporter: _Reporter | None = None


def install(folder: str | Path | None = None) -> Path:
    """Catch every unhandled exception from now on (GUI thread, workers, plain threads); returns the log path.

    Call once the QApplication exists. ``folder`` replaces the data folder's ``logs`` (tests).
    """
    global _reporter
    if _reporter is None:
        _reporter = _Reporter(Path(folder) if folder else None)
    elif folder is not None:
        _reporter.folder = Path(folder)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    return _reporter.log_path


def log_path() -> Path:
    """Where unexpected errors are written."""
    return _reporter.log_path if _reporter is not None else log_dir() / LOG_NAME


def report(exc: BaseException, where: str = "") -> Path:
    """Log ``exc`` and show it in the dialog (from any thread); returns the log path.

    Without :func:`install` (the engine used without the app's start-up), the traceback goes to
    stderr as before.
    """
    if _reporter is None:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        return log_path()
    _reporter.handle(type(exc), exc, exc.__traceback__, where or "in a background task")
    return _reporter.log_path


def _excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt) or _reporter is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    _reporter.handle(exc_type, exc, tb, "in the user interface")


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or _reporter is None or args.exc_value is None:
        threading.__excepthook__(args)
        return
    name = args.thread.name if args.thread is not None else "a thread"
    _reporter.handle(args.exc_type, args.exc_value, args.exc_traceback, f"in thread {name}")


def dialog() -> QWidget | None:
    """The error dialog on screen, if any (tests)."""
    return _reporter.dialog if _reporter is not None else None


@contextmanager
def project_warnings() -> Iterator[list[str]]:
    """Collect the sentences of :class:`~cityplanner.project_schema.ProjectWarning` raised in the block
    (a project opened without damaged parts), for the caller to show; other warnings pass on."""
    from cityplanner.project_schema import ProjectWarning

    sentences: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProjectWarning)
        yield sentences
    for item in caught:
        if issubclass(item.category, ProjectWarning):
            sentences.append(str(item.message))
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
