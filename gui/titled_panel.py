"""The panel every time plot sits in: a wrapping title line over the plot.

One widget for the CPU panel, the trace view and the extra views (queue depth, pool
tasks), so their headers wrap, align and sit the same way.  Anything the title's line
also holds (a "cores busy" figure, lost-update buttons) goes at its right.
"""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


class TitledPanel(QWidget):
    """A title line (``self.title``, wrapping; ``add_to_header`` for more) over a body."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.header = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)  # at 1024 px and large text a fixed line set the window's width
        self.header.addWidget(self.title, 1)
        self.column.addLayout(self.header)

    def add_to_header(self, widget: QWidget, top: bool = False) -> QWidget:
        """widget on the title's line, at its right (top: aligned with the title's first line)."""
        if top:
            self.header.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        else:
            self.header.addWidget(widget)
        return widget

    def add_body(self, widget: QWidget) -> QWidget:
        """widget below the title line (a plot, a legend line), in the order added."""
        self.column.addWidget(widget)
        return widget
