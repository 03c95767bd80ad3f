"""gui.extra_views.QueueView: many queues are summarised, not listed over the plot."""
import html
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

from engine.decode import EVENT_DTYPE  # noqa: E402
from engine.wire import K  # noqa: E402


def _puts(n_queues, name="q%d"):
    ev = np.zeros(n_queues * 3, EVENT_DTYPE)
    ev["kind"] = K.QUEUE_PUT
    ev["pid"] = 7
    ev["b"] = np.repeat(np.arange(1, n_queues + 1), 3)
    ev["a"] = np.tile([1, 2, 3], n_queues)
    ev["t"] = np.arange(len(ev)) * 1000
    return ev, {(7, i): name % i for i in range(1, n_queues + 1)}


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
        assert bool(view.key_families()) == named


def test_many_queues_of_a_few_families_are_keyed_by_family(qtbot):
    """shared-globals makes 27 queues: 9 families of 3 ("bug q_in[0..2]"); the key names the
    9 families (each "×3"), one colour each, above the plot, never 27 unlabeled curves."""
    from gui import theme
    from gui.extra_views import QueueView
    view = QueueView(theme.THEMES["light"], 14)
    qtbot.addWidget(view)
    view.reset(0)
    families = ["%s q_%s" % (phase, way) for phase in ("bug", "fix", "pool", "manager")
                for way in ("in", "out")] + ["results"]
    names = {}
    for f, family in enumerate(families):
        for i in range(3):
            names[(7, 1 + 3 * f + i)] = "%s[%d]" % (family, i)
    ev, _ = _puts(27)
    view.ingest(ev, names)
    view.refresh()
    assert view.key_families() == sorted(families)  # colours in name order
    key = view.key.text()
    assert all(html.escape(f) + " ×3" in key for f in families), key
    pens = {name: view._curves[name].opts["pen"] for name in names.values()}
    colours = {f: {pens["%s[%d]" % (f, i)].color().name() for i in range(3)} for f in families}
    assert all(len(c) == 1 for c in colours.values())  # one colour per family
    assert len({pens["bug q_in[%d]" % i].style() for i in range(3)}) == 3  # told apart by dashes
    view.reset(1)  # another run: no old queue stays, in the plot or in the key
    assert view.key_families() == [] and not view._curves
