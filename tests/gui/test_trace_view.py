"""gui.trace_view in the plots area: "Next lost update" walks k of N both ways, and the trace,
the value plot and the timeline show the same seconds (one gui.time_range.TimeRange).

And the value curve: a million writes reach pyqtgraph as at most ~2 points a pixel column,
the min and max of each, so the curve's extremes are those of the data.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

from engine.decode import EVENT_DTYPE  # noqa: E402
from engine.wire import K  # noqa: E402

PID, VAR_ID = 4242, 7
STRINGS = {(PID, VAR_ID): "ret"}


def _race(n_pairs: int, lost_every: int) -> np.ndarray:
    """Two threads read then write; every lost_every-th pair of thread 1 straddles a write
    of thread 2 (a lost update)."""
    rows = []
    t = 1_000_000_000
    for i in range(n_pairs):
        if i % lost_every == 0:  # 1 reads, 2 reads and writes, 1 writes: 1's write is lost
            order = [(1, K.VAR_READ), (2, K.VAR_READ), (2, K.VAR_WRITE), (1, K.VAR_WRITE)]
        else:
            order = [(1, K.VAR_READ), (1, K.VAR_WRITE), (2, K.VAR_READ), (2, K.VAR_WRITE)]
        for worker, kind in order:
            t += 1000
            rows.append((t, PID, worker, kind, 0, VAR_ID, i))
    return np.array(rows, EVENT_DTYPE)


def _plots_with_trace(qtbot, events):
    from gui import theme
    from gui.plots_area import PlotsArea

    class Scenario:  # what show_for reads of a scenario
        shows, phases = ("trace",), {}

    plots = PlotsArea(theme.LIGHT, 14)
    qtbot.addWidget(plots)
    plots.resize(900, 700)
    plots.show()
    plots.show_for(Scenario())
    plots.reset(int(events["t"][0]) - 1000)
    plots.ingest(events, STRINGS)
    plots.trace.finish(None)
    qtbot.waitUntil(plots.trace.settled, timeout=10_000)
    return plots


def test_next_and_previous_walk_the_lost_updates_and_the_timeline_follows(qtbot):
    plots = _plots_with_trace(qtbot, _race(40, lost_every=10))
    trace = plots.trace
    assert trace.lost_count() == 4
    trace.show_next_lost()
    assert trace.lost_position.text() == "1 of 4"
    first = plots.timeline.view_box.viewRange()[0]
    trace.show_next_lost()
    assert trace.lost_position.text() == "2 of 4"
    trace.show_previous_lost()
    trace.show_previous_lost()
    assert trace.lost_position.text() == "4 of 4"  # before the first comes the last
    trace.show_next_lost()
    assert trace.lost_position.text() == "1 of 4"
    # The timeline shows the lost update's seconds, as the trace and the value plot do.
    for view_box in (trace.rows_plot.getViewBox(), trace.value_plot.getViewBox()):
        assert np.allclose(view_box.viewRange()[0], first)
    assert not plots.timeline.follow()  # a lost update asked for: the live view stops following
    w = trace.data.lost.write.view()[0]
    x = (trace.data.t.view()[w] - plots._t0_ns) / 1e9
    assert first[0] <= x <= first[1]


def test_the_trace_s_left_axes_are_as_wide_as_the_timeline_s(qtbot):
    plots = _plots_with_trace(qtbot, _race(20, lost_every=5))
    width = plots.timeline.plot_item.getAxis("left").width()
    assert plots.trace.rows_plot.getAxis("left").width() == width
    assert plots.trace.value_plot.getAxis("left").width() == width


def test_a_million_writes_reach_the_value_plot_as_min_and_max_per_column(qtbot):
    from gui import theme
    from gui.trace_view import TraceView
    view = TraceView(theme.LIGHT, 14)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    n = 1_000_000
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = 1_000_000_000 + np.arange(n) * 100
    ev["pid"], ev["worker"], ev["b"] = PID, 1, VAR_ID
    ev["kind"] = np.where(np.arange(n) % 2, K.VAR_WRITE, K.VAR_READ)
    ev["a"] = np.random.default_rng(0).integers(-1000, 1000, n)
    ev["a"][777_777] = 5000  # one spike must survive the reduction
    view.reset(1_000_000_000)
    view.ingest(ev, STRINGS)
    view.finish(None)
    qtbot.waitUntil(view.settled, timeout=20_000)
    view.time_range.set(0.0, n * 100 / 1e9)
    x, y = view._value_series()
    writes = ev["a"][ev["kind"] == K.VAR_WRITE]
    assert len(x) <= 2 * 2 * max(200, view.value_plot.getViewBox().width()) + 256
    assert y.max() == writes.max() == 5000 and y.min() == writes.min()


def test_the_lost_update_legend_names_marks_not_colours(qtbot):
    """Under deuteranopia "red" and "orange" were one olive: the legend shows the marks
    themselves, in their colours, and names what they are."""
    from PySide6.QtGui import QTextDocument
    from gui import theme
    from gui.trace_view import TraceView
    view = TraceView(theme.LIGHT, 14)
    qtbot.addWidget(view)
    view.retranslate()
    legend = view.tr("{0} lost update, bracketed back to its stale read {1}; {2} the write it "
                     "overwrote")
    shown = view.title.toolTip()
    document = QTextDocument()
    document.setHtml(shown)
    plain = document.toPlainText()
    assert "■ lost update, bracketed back" in plain and "× the write it overwrote" in plain, plain
    assert theme.LIGHT.bad in shown and theme.LIGHT.warn in shown  # each mark in its colour
    for colour in ("red", "orange", "green", "blue", "yellow", "olive"):
        assert colour not in legend and colour not in plain


def test_a_long_tail_at_the_end_is_built_off_the_gui_thread_as_settling_gives(qtbot, monkeypatch):
    """Past ADOPT_OVER pending accesses the end's trace is built on a thread from the verdict's
    arrays (gui.trace_data.final_trace) and swapped in: the same trace as settling it here."""
    import threading

    from engine.analysis import RunView
    from gui import trace_data, trace_view

    class Result:  # what finish reads of a RunResult
        view = RunView(_race(400, lost_every=7), STRINGS)

    events = _race(400, lost_every=7)
    settled = _plots_with_trace(qtbot, events).trace
    monkeypatch.setattr(trace_view, "ADOPT_OVER", 100)
    threads = []
    real = trace_data.final_trace

    def final_trace(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(trace_view, "final_trace", final_trace)
    from gui import theme
    from gui.plots_area import PlotsArea

    class Scenario:
        shows, phases = ("trace",), {}

    plots = PlotsArea(theme.LIGHT, 14)
    qtbot.addWidget(plots)
    plots.show_for(Scenario())
    plots.reset(int(events["t"][0]) - 1000)
    built = plots.trace
    plots.ingest(events[:200], STRINGS)  # part came live and settled (the variable is chosen)
    built.refresh(force=True)
    plots.ingest(events[200:], STRINGS)
    assert built.data.pending > 100 and built.data.var == "ret"
    built.finish(Result())
    qtbot.waitUntil(built.settled, timeout=10_000)
    assert threads and threads[0] is not threading.main_thread()
    assert built.lost_count() == settled.lost_count() == 58
    for name in ("t", "row", "is_write", "value", "write_t", "write_value"):
        assert np.array_equal(getattr(built.data, name).view(), getattr(settled.data, name).view())
    assert np.array_equal(built.data.lost.read.view(), settled.data.lost.read.view())


def test_a_failed_build_of_the_ends_trace_settles_every_access_here(qtbot, monkeypatch):
    """The pending accesses are dropped while the end's trace is built (never drawn, 4 B
    each at the window's peak); if the build fails, every access is given again and
    settles here: never a lost trace."""
    from engine.analysis import RunView
    from gui import theme, trace_view
    from gui.plots_area import PlotsArea

    events = _race(400, lost_every=7)
    settled = _plots_with_trace(qtbot, events).trace

    class Result:
        view = RunView(events, STRINGS)

    class Scenario:
        shows, phases = ("trace",), {}

    def broken(*args):
        raise RuntimeError("a bug in the end's build")

    monkeypatch.setattr(trace_view, "ADOPT_OVER", 100)
    monkeypatch.setattr(trace_view, "final_trace", broken)
    plots = PlotsArea(theme.LIGHT, 14)
    qtbot.addWidget(plots)
    plots.show_for(Scenario())
    plots.reset(int(events["t"][0]) - 1000)
    trace = plots.trace
    store = events.copy()  # the Session's store: every chunk a slice of it
    plots.ingest(store[:200], STRINGS)
    trace.refresh(force=True)
    plots.ingest(store[200:], STRINGS)
    assert trace.data.pending > 100
    trace.finish(Result())
    assert trace.data.pending == 0  # dropped while the build runs
    qtbot.waitUntil(trace.settled, timeout=10_000)
    assert len(trace.data) == len(settled.data) and trace.lost_count() == settled.lost_count()
    assert np.array_equal(trace.data.t.view(), settled.data.t.view())
