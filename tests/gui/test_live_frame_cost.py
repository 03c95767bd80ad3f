"""A live race frame costs the window what the new events cost, and is painted once.

bench/gui_latency.py measures the heartbeat of a live race (what users feel, but at the
mercy of the machine's load); these check the two causes it found, by counting, which no
load changes:
- every plot is painted once a frame.  Left to the paint, a plot's y auto-range changed
  the view while it was painted and Qt painted it all again at once; the timeline's and
  the trace's redraw timers painted a second time a timer later.  Axes and grids are the
  GUI thread's largest cost in a live race (py-spy), so two paints a frame were half of it;
- the trace takes the accesses out of a chunk column by column, never as 32-byte records
  (race's chunks are nearly all accesses: a record gather copied the whole chunk a tick).
"""
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

from engine.decode import EVENT_DTYPE  # noqa: E402
from engine.wire import K, S  # noqa: E402

PID, VAR_ID, NAME_ID = 4242, 7, 9
STRINGS = {(PID, VAR_ID): "ret", (PID, NAME_ID): "THREAD"}
FRAMES = 10
FRAME_MS = 80  # over twice the window's 33 ms tick and the views' redraw throttles (33, 40
               # ms), so no throttle holds a redraw back to a later paint, even on a busy machine


def _race_chunk(frame: int, n: int = 4000) -> np.ndarray:
    """One frame's events of two racing threads: runs of reads and writes of one variable, a
    state change each run (the lanes), and a sample that is no access."""
    t0 = 1_000_000_000 + frame * 10_000_000
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = t0 + np.arange(n) * 2_000
    ev["pid"] = PID
    ev["worker"] = 1 + (np.arange(n) // 50) % 2   # runs of 50 of one thread
    ev["kind"] = np.where(np.arange(n) % 2, K.VAR_WRITE, K.VAR_READ)
    ev["b"] = VAR_ID
    ev["a"] = np.arange(n) // 2
    runs = np.arange(0, n, 50)
    ev["kind"][runs], ev["b"][runs] = K.STATE, S.RUNNING
    ev["kind"][runs[1::7]], ev["a"][runs[1::7]] = K.CPU_SAMPLE, 50
    if frame == 0:
        ev["kind"][:2], ev["worker"][:2], ev["b"][:2] = K.WORKER_START, [1, 2], NAME_ID
    return ev


def _live_plots(qtbot):
    from engine import scenarios
    from gui import theme
    from gui.plots_area import PlotsArea
    plots = PlotsArea(theme.LIGHT, 14)
    qtbot.addWidget(plots)
    plots.resize(1100, 800)
    plots.show()
    plots.show_for(scenarios.get("race"))
    plots.reset(1_000_000_000 - 1_000)
    qtbot.waitExposed(plots)
    return plots


def test_a_live_frame_paints_each_plot_once(qtbot, monkeypatch):
    import pyqtgraph as pg
    plots = _live_plots(qtbot)
    paints = {}
    paint = pg.GraphicsView.paintEvent

    def counted(view, event):
        paints[id(view)] = paints.get(id(view), 0) + 1
        return paint(view, event)

    monkeypatch.setattr(pg.GraphicsView, "paintEvent", counted)
    _frames(plots, 0, FRAMES)
    views = plots.findChildren(pg.GraphicsView)
    drawn = {type(v.parent()).__name__ if v.parent() else "?": paints.get(id(v), 0)
             for v in views if v.isVisible()}
    assert plots.trace.mark_count() > 0 and plots.live.lanes  # the frames drew a race
    assert drawn and min(drawn.values()) >= FRAMES // 2, drawn  # every plot painted live
    # One paint a frame (two a frame before), plus two: the first frame's new lanes resize
    # the plots, and a busy machine may split one frame's paint.
    assert max(drawn.values()) <= FRAMES + 2, drawn


class _Chunk(np.ndarray):
    """An event chunk that counts the whole records anyone gathers from it."""
    records_gathered = 0

    def __getitem__(self, key):
        got = super().__getitem__(key)
        if not isinstance(key, str) and isinstance(got, np.ndarray) and got.dtype.names:
            if not isinstance(key, slice):
                _Chunk.records_gathered += len(got)
        return got


def test_the_trace_takes_accesses_column_by_column_not_as_records():
    from gui.trace_data import TraceData
    data = TraceData(0)
    _Chunk.records_gathered = 0
    # The frames as the Session's store holds them: one array, each tick a slice of it.
    store = np.concatenate([_race_chunk(frame) for frame in range(4)]).view(_Chunk)
    for frame in range(4):
        chunk = store[frame * 4000:(frame + 1) * 4000]
        data.add(chunk)
        data.settle(STRINGS)
    data.settle(STRINGS, everything=True)
    accesses = sum(int(np.count_nonzero((c["kind"] == K.VAR_READ) | (c["kind"] == K.VAR_WRITE)))
                   for c in map(_race_chunk, range(4)))
    assert len(data) == accesses  # every access traced
    assert _Chunk.records_gathered == 0  # and not one 32-byte record copied for it
    assert data._own is None  # nor a column: the trace holds positions in the store
    assert np.array_equal(data.t.view(), np.sort(store["t"][(store["kind"] == K.VAR_READ)
                                                            | (store["kind"] == K.VAR_WRITE)]))


def _frames(plots, first: int, count: int) -> None:
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    for frame in range(first, first + count):  # what RunController._on_events does each tick
        plots.ingest(_race_chunk(frame), STRINGS)
        plots.refresh(running=True)
        deadline = time.monotonic() + FRAME_MS / 1000
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)


def test_a_live_frame_sets_only_the_texts_that_say_the_count(qtbot, monkeypatch):
    """Each live frame of a race changes the lost-update count.  Setting every text of the
    trace's header again (the same texts) re-laid it out, and setting the value plot's axis
    labels again regenerated its axes, every frame."""
    from gui import theme
    plots = _live_plots(qtbot)
    _frames(plots, 0, 2)
    labels = []
    monkeypatch.setattr(theme, "axis_label", lambda *args: labels.append(args[1:3]))
    before = plots.trace.lost_count()
    _frames(plots, 2, 4)
    assert plots.trace.lost_count() > before  # the count changed: its texts were set
    assert str(plots.trace.lost_count()) in plots.trace.title.text()
    assert labels == []



def test_a_live_frame_does_not_repaint_the_tab_widget_whole(qtbot):
    """The trace's title says the lost-update count, new every frame; Qt's QTabWidget
    answered its page's layout request by laying out and repainting itself whole (tab bar,
    Fusion's pane), and the plots area with it.  gui.steady_tabs lets the request through
    only when a size changed: a frame repaints the title, not the tab bar."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QRegion
    from PySide6.QtWidgets import QApplication
    plots = _live_plots(qtbot)
    _frames(plots, 0, 2)
    tabs = plots.extras
    bar = QRegion(tabs.tabBar().geometry())
    painted = []

    class Watch(QObject):
        def eventFilter(self, obj, event):
            if obj is tabs and event.type() == QEvent.Type.Paint:
                painted.append(QRegion(event.region()))
            return False

    watch = Watch()
    QApplication.instance().installEventFilter(watch)
    try:
        _frames(plots, 2, 4)
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert painted  # the title's new count was painted
    assert all(r.intersected(bar).isEmpty() for r in painted), [r.boundingRect() for r in painted]


def test_steady_tabs_lay_out_again_when_a_size_changes(qtbot):
    from PySide6.QtWidgets import QLabel
    from gui.steady_tabs import SteadyTabs
    tabs = SteadyTabs()
    qtbot.addWidget(tabs)
    page = QLabel("page")
    tabs.addTab(page, "a")
    tabs.resize(400, 300)
    tabs.show()
    qtbot.waitExposed(tabs)
    narrow = tabs.tabBar().width()
    tabs.setTabText(0, "a much longer tab title")  # the bar's size hint grows: laid out again
    qtbot.waitUntil(lambda: tabs.tabBar().width() > narrow, timeout=2000)
    page.setText("another text, the same size policy")  # nothing to lay out: still right
    tabs.resize(500, 320)
    qtbot.waitUntil(lambda: page.width() > 400, timeout=2000)
