"""Showing engine errors: the engine's one-sentence message in a dialog, never a traceback."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """Show ``message`` (a CityPlannerError's sentence) in a warning dialog titled ``title``."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("ErrorDialog")
    box.open() if parent is not None and parent.property("non_modal_errors") else box.exec()
