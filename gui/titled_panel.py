"""The panel every time plot sits in: a wrapping title line over the plot.

One widget for the CPU panel, the trace view and the extra views (queue depth, pool
tasks), so their headers wrap, align and sit the same way.  Anything the title's line
also holds (a "cores busy" figure, lost-update buttons) goes at its right, or, where the
title would then wrap, on a row of its own under it.
"""
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from .whole_text import WholeLabel

TITLE_MAX_LINES = 2  # a title over its extras wraps to at most this many lines (tests)
BESIDE_MAX_LINES = 1  # the extras beside the title only while it stays on one line there:
# at 1024 px with text x1.5 the trace's buttons left its title ~100 px, six lines tall, and
# at 1366 a two-line title beside them was as tall as a line over a row of buttons


class TitledPanel(QWidget):
    """A title line (``self.title``, wrapping; ``add_to_header`` for more) over a body."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.header = QHBoxLayout()
        self.title = WholeLabel()  # at 1024 px and large text a fixed line set the window's width
        self.title.text_set.connect(self.fit_header)
        self.header.addWidget(self.title, 1)
        self.column.addLayout(self.header)
        self.tools_row = QHBoxLayout()  # the extras when the title needs the whole width
        self.column.addLayout(self.tools_row)
        self._extras = []  # (widget, top)
        self.extras_beside = True

    def add_to_header(self, widget: QWidget, top: bool = False, movable: bool = True) -> QWidget:
        """widget on the title's line, at its right (top: aligned with the title's first line);
        movable: under the title where the title would wrap beside it
        (buttons); a wrapping text of its own (the CPU's "cores busy") stays beside."""
        if movable:
            self._extras.append((widget, top))
        self._put(widget, top, self.extras_beside)
        return widget

    def add_body(self, widget: QWidget) -> QWidget:
        """widget below the title line (a plot, a legend line), in the order added."""
        self.column.addWidget(widget)
        return widget

    def _put(self, widget: QWidget, top: bool, beside: bool) -> None:
        if beside:
            align = Qt.AlignmentFlag.AlignTop if top else Qt.AlignmentFlag(0)
            self.header.addWidget(widget, 0, align)
        else:
            self.tools_row.addWidget(widget)

    def extras_width(self) -> int:
        """Pixels the extras take on the title's line (the hidden ones none)."""
        shown = [w for w, _ in self._extras if w.isVisibleTo(self)]
        return sum(w.sizeHint().width() for w in shown) + self.header.spacing() * len(shown)

    def fit_header(self) -> None:
        """The extras beside the title where it then stays on one line, else under it."""
        if not self._extras or self.width() <= 0:
            return
        room = self.width() - self.extras_width()
        lines = BESIDE_MAX_LINES * self.title.fontMetrics().lineSpacing() + 2
        beside = room > 0 and self.title.text_height(room) <= lines
        if beside == self.extras_beside:
            return
        self.extras_beside = beside
        for widget, top in self._extras:
            (self.tools_row if beside else self.header).removeWidget(widget)
            self._put(widget, top, beside)
        if not beside:
            self.tools_row.addStretch(1)
        else:
            while self.tools_row.count():  # the stretch left behind
                self.tools_row.takeAt(0)

    def resizeEvent(self, event) -> None:  # Qt override: the extras beside or under the title
        super().resizeEvent(event)
        self.fit_header()

    def event(self, event) -> bool:  # Qt override: an extra's text changed (its width with it)
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self.fit_header()
        return handled
