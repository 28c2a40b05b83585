"""The shortcut overlay (F1 or ?): every workshop action and its keys, large, over the whole window.

Built from the actions themselves, so it lists exactly what the keys do. Any key or click closes it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from . import theme


def shortcut_text(action) -> str:
    """The action's keys as the user types them ('Ctrl+Z, Ctrl+Y'), in the UI's words."""
    keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
    return "  /  ".join(k for k in keys if k)


class HelpOverlay(QWidget):
    """A dark sheet over ``parent`` listing (keys, what they do) for ``actions``."""

    def __init__(self, parent: QWidget, actions, sizes: theme.RoomSizes) -> None:
        super().__init__(parent)
        self.setObjectName("WorkshopHelp")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "QWidget#WorkshopHelp { background: rgba(10, 10, 10, 245); }"
            f" QLabel {{ color: {theme.PAPER}; background: transparent; }}"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.rows: list[tuple[str, str]] = []
        title = QLabel(self.tr("Workshop keys"))
        title_font = QFont()
        title_font.setPixelSize(sizes.px(30))
        title_font.setBold(True)
        title.setFont(title_font)
        key_font, text_font = QFont(), QFont()
        key_font.setPixelSize(sizes.px(19))
        key_font.setBold(True)
        text_font.setPixelSize(sizes.px(19))
        grid = QGridLayout()
        grid.setHorizontalSpacing(sizes.px(18))
        grid.setVerticalSpacing(sizes.px(5))
        actions = [a for a in actions if shortcut_text(a)]
        half = (len(actions) + 1) // 2
        for i, action in enumerate(actions):
            keys, text = shortcut_text(action), action.text().replace("&", "").replace("…", "")
            self.rows.append((keys, text))
            row, col = i % half, 2 * (i // half)
            key_label, text_label = QLabel(keys), QLabel(text)
            key_label.setFont(key_font)
            key_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            text_label.setFont(text_font)
            grid.addWidget(key_label, row, col)
            grid.addWidget(text_label, row, col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        closing = QLabel(self.tr("Any key or click closes this list."))
        closing.setFont(text_font)
        layout = QVBoxLayout(self)
        margin = sizes.px(36)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.addWidget(title)
        layout.addSpacing(sizes.px(12))
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(closing)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parent().rect())
        return False

    def text(self) -> str:
        return "\n".join(f"{keys}\t{text}" for keys, text in self.rows)

    def popup(self) -> None:
        self.setGeometry(self.parent().rect())
        self.show()
        self.raise_()
        self.setFocus()

    def event(self, event) -> bool:
        # Every key is this sheet's while it shows: Esc closes it rather than leaving presentation.
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        self.close()

    def mousePressEvent(self, event) -> None:
        self.close()
