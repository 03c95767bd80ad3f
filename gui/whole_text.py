"""Wrapped texts that keep the height they need, however hard a splitter squeezes.

Qt lays a word-wrapped label (or a flow of legend cells) out by height-for-width, but a
splitter, and a box layout short of room, size by minimum height alone, which for wrapped
text is one line: at 1024x768 with text x1.5 the timeline's legend was drawn over its own
time axis, the queue key and the trace's header were cut mid-line.  Holding the minimum
height at the height the text needs at its current width makes every layout above it
leave that room (taking it from a plot, whose own minimum keeps it readable).
"""
from PySide6.QtCore import QCoreApplication, QEvent, QTimer, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QWidget

NARROWEST_PX = 40  # below this width (a widget not laid out yet) the height is not held


def hold_height(widget: QWidget, needed: int) -> None:
    """widget's minimum height := needed (once it has a real width)."""
    if widget.width() >= NARROWEST_PX and needed > 0 and widget.minimumHeight() != needed:
        widget.setMinimumHeight(needed)
        tell_scroll_area(widget)


def tell_scroll_area(widget: QWidget) -> None:
    """Splitters and scroll areas enforce their children's minimum sizes only at their next
    resize: a minimum that grew inside them would stay squeezed until then (the legend 4 px
    over the time axis).  Each splitter above re-applies its sizes, which enforces them, and
    a scroll area (the plots, gui.main_window) is asked to resize what it holds."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QSplitter):
            QTimer.singleShot(0, parent, lambda s=parent: s.setSizes(s.sizes()))
        if isinstance(parent, QScrollArea):
            QCoreApplication.postEvent(parent, QEvent(QEvent.Type.LayoutRequest))
            return
        parent = parent.parentWidget()


def text_height(label: QLabel, width: int) -> int:
    """The height a word-wrapped label's text needs at width, whatever minimum it holds now.

    QLabel's own heightForWidth is never less than the label's minimum height, so a height
    held while the label was narrow (a panel not laid out yet) would be held for good: five
    lines for the race trace's one-line header at 922x691.  A label holding a minimum is
    therefore measured on its twin (``measuring_twin``), never by dropping and restoring its
    own minimum: each such change asks the layouts above it for a new pass, and a panel that
    measures its title while it is laid out (gui/titled_panel.fit_header, on each
    LayoutRequest) asked again forever: after a race the idle window laid out and repainted
    its plots ~400 times a second, and starved the GUI thread's timers while it did.
    """
    if not label.minimumHeight():
        return label.heightForWidth(width)
    return measuring_twin(label).heightForWidth(width)


def measuring_twin(label: QLabel) -> QLabel:
    """A hidden child label with label's text, font, format and margins, for measuring.

    Hidden, it asks no layout for anything when its text or size changes (Qt's
    updateGeometry skips hidden widgets), and it is never painted."""
    twin = getattr(label, "_measuring_twin", None)
    if twin is None:
        twin = QLabel(label)
        twin.hide()
        label._measuring_twin = twin
    twin.setFont(label.font())
    twin.setTextFormat(label.textFormat())
    twin.setWordWrap(label.wordWrap())
    twin.setMargin(label.margin())
    twin.setIndent(label.indent())
    twin.setContentsMargins(label.contentsMargins())
    twin.setAlignment(label.alignment())
    if twin.text() != label.text():
        twin.setText(label.text())
    return twin

class WholeLabel(QLabel):
    """A word-wrapped label whose minimum height is the height its text needs at its width."""

    text_set = Signal()  # after every setText: a header may rearrange around the new text

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # Qt override: the new text may need more lines
        super().setText(text)
        self._hold()
        self.text_set.emit()

    def resizeEvent(self, event) -> None:  # Qt override: narrower, more lines
        super().resizeEvent(event)
        self._hold()

    def changeEvent(self, event) -> None:  # Qt override: a larger font needs more height
        super().changeEvent(event)
        self._hold()

    def text_height(self, width: int) -> int:
        """The height the text needs at width (see text_height below)."""
        self._measuring = True
        try:
            return text_height(self, width)
        finally:
            self._measuring = False

    def _hold(self) -> None:
        if getattr(self, "_measuring", False):
            return
        if not self.text():
            self.setMinimumHeight(0)
            return
        hold_height(self, self.text_height(self.width()))
