"""gui.extra_views.QueueView: many queues are summarised, not listed over the plot."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

from engine.decode import EVENT_DTYPE  # noqa: E402
from engine.wire import K  # noqa: E402


def _puts(n_queues):
    ev = np.zeros(n_queues * 3, EVENT_DTYPE)
    ev["kind"] = K.QUEUE_PUT
    ev["pid"] = 7
    ev["b"] = np.repeat(np.arange(1, n_queues + 1), 3)
    ev["a"] = np.tile([1, 2, 3], n_queues)
    ev["t"] = np.arange(len(ev)) * 1000
    return ev, {(7, i): "q%d" % i for i in range(1, n_queues + 1)}


def test_a_few_queues_are_named_many_are_counted(qtbot):
    from gui import theme
    from gui.extra_views import MAX_NAMED_QUEUES, QueueView
    for n, named in ((2, True), (MAX_NAMED_QUEUES + 18, False)):
        view = QueueView(theme.THEMES["light"], 14)
        qtbot.addWidget(view)
        view.reset(0)
        ev, strings = _puts(n)
        view.ingest(ev, strings)
        view.refresh()
        title = view.title.text()
        assert ("q1, q2" in title) == named and ("%d queues" % n in title) == (not named)
        assert view.legend.isVisible() == named  # a graphics item: its own flag
