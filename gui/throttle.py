"""A redraw throttle: at most one call a period, as soon as the event loop is back once the
period since the last call has passed, and one call for a burst of requests.

Not a timer period after each request: a live frame moves the view's range and brings new
data, and both ask for a redraw; one redraw as soon as the loop is back answers both, in the
same paint (a period later it was a second paint of the plot, its axes and grid).  The plots
area calls draw_due() at the end of a live frame, because a timer event may come after Qt's
paint (gui/plots_area.py, PlotsArea.refresh).  Used by the timeline and the trace."""
import time

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls draw (which must call done() when it draws) at most once per period_ms."""

    def __init__(self, parent: QObject, period_ms: int, draw) -> None:
        super().__init__(parent)
        self._period_s = period_ms / 1000
        self._last = 0.0  # time.monotonic() of the last draw
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(draw)
        self._draw = draw

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait_ms = (self._last + self._period_s - time.monotonic()) * 1000
        self._timer.start(max(0, int(wait_ms) + 1))

    def draw_due(self) -> None:
        """Draw now if the draw is due as soon as the loop is back."""
        if self._timer.isActive() and self._timer.interval() == 0:
            self._timer.stop()
            self._draw()

    def done(self) -> None:
        """The owner drew (through the timer or directly): the period counts from now."""
        self._last = time.monotonic()
