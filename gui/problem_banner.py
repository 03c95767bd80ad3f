"""The window's banner: one line (wrapping) above the plots saying what went wrong.

Its own widget so that what shows a problem (a run that failed, a file that cannot be
opened, a chosen file that is not a Python) needs the banner only, not the window.
"""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from .theme import Theme


class ProblemBanner(QLabel):
    """Hidden until a problem is said; red for a failure, orange for a warning."""

    def __init__(self, theme: Theme, parent: QWidget = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages quote code and paths
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        """The colours of the next problem said (the one shown keeps its own)."""
        self._theme = theme

    def show_problem(self, message: str, warning: bool = False) -> None:
        colour = self._theme.warn if warning else self._theme.bad
        self.setText("⚠ " + message)
        self.setStyleSheet("QLabel { background: %s; color: white; padding: 8px; "
                           "border-radius: 4px; font-weight: bold; }" % colour)
        self.show()

    def hide_problem(self) -> None:
        self.hide()

    def problem_text(self) -> str:
        """The problem shown, "" when none is."""
        return "" if self.isHidden() else self.text()
