"""Python's cyclic garbage collector runs on the GUI thread only.

Why: the collector runs in whichever thread happens to allocate past its threshold.
In this process that can be a Session thread (the event reader, the CPU sampler,
the thread sampler), which then deletes a Qt object that only a reference cycle kept
alive (pyqtgraph's menus and plot items hold such cycles).  Qt objects must be
deleted on the thread that owns them: a widget test hung for over 10 minutes with
the sampler thread inside the collector deleting a QObject while the main thread
deleted others, each waiting for the other (seen with py-spy).

So automatic collection is turned off and a timer on the GUI thread collects when
the allocation counts pass the thresholds the automatic collector would have used,
generation by generation, as it would have.  Reference counting, which frees almost
everything, is untouched; only cycles wait for the next tick (TICK_MS).
"""
import gc

from PySide6.QtCore import QObject, QTimer

TICK_MS = 100  # a cycle is freed at most this much later than the automatic collector would


class GuiThreadCollector(QObject):
    """Owned by the QApplication; ``stop()`` gives collection back to Python."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = 0  # collections this object ran (for tests)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    def tick(self) -> None:
        counts = gc.get_count()
        # The oldest generation whose count passed its threshold, as the automatic
        # collector picks it (a threshold of 0 means never, for that generation).
        for generation in (2, 1, 0):
            threshold = self.thresholds[generation]
            if threshold and counts[generation] > threshold:
                gc.collect(generation)
                self.collections += 1
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Collect on app's thread from now on (once per application)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
