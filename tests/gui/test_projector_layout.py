"""Projector layouts, measured: at 1024x768 with text x1.5 the trace's header is whole and its
plots keep their room (issue 15's last look at the window)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def _big_text_at_1024(qtbot, window):
    window.step_text(+1)
    window.step_text(+1)  # A+ twice: x1.5
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 768, timeout=2000)
    qtbot.wait(150)


def test_the_trace_header_is_two_lines_at_most_and_its_plots_keep_their_room(qtbot, window):
    """The lost-update buttons left the trace's title ~100 px: six lines; the value plot
    was squeezed to a line."""
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    was = (app.font(), app.palette(), app.styleSheet())
    _big_text_at_1024(qtbot, window)
    try:
        _trace_header(qtbot, window)
    finally:  # A+ restyles the application: the tests after this one get its fonts back
        app.setFont(was[0])
        app.setPalette(was[1])
        app.setStyleSheet(was[2])


def _trace_header(qtbot, window):
    from gui.titled_panel import TITLE_MAX_LINES
    from gui.trace_view import CANVAS_MIN_LINES
    window.run_control.choose_scenario("race")
    qtbot.wait(200)
    trace = window.plots.trace
    title = trace.title
    line = title.fontMetrics().lineSpacing()
    assert title.height() >= title.heightForWidth(title.width())  # whole
    assert title.heightForWidth(title.width()) <= TITLE_MAX_LINES * line + 2, title.width()
    assert not trace.extras_beside  # the buttons went under it
    for button in (trace.previous_button, trace.next_button):
        assert button.width() >= button.sizeHint().width()
        assert button.geometry().right() <= trace.width()
    assert trace.canvas.height() >= CANVAS_MIN_LINES * window.pixel_size


# -- one owner of the plots' height (gui.plots_area._share_height) ---------------------------
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from tests.gui.runs import run_to_end  # noqa: E402

T0 = 5_000_000_000_000  # a run's start, ns
S = 1_000_000_000
SIZES = {"1366x768": (1366, 768, 0), "1024x768 text x1.5": (1024, 768, 2)}  # (w, h, A+ steps)
# Lanes a default run of each scenario has (measured: 1024x768 screenshots, 2026-11-30).
LANES = {"process-basics": 9, "pool": 3, "pool-order": 7, "subprocess": 9, "thread-names": 3,
         "race": 3, "deadlock": 3, "gil": 11, "threads-help": 16, "convoy": 4,
         "shared-globals": 29, "queue-pipeline": 5}
FEW = 9  # lanes-first scenarios with at most this many lanes name every lane


@pytest.fixture
def restyled_app():
    """A+ restyles the application: the tests after this one get its fonts back."""
    from PySide6.QtWidgets import QApplication
    from gui import theme
    app = QApplication.instance()
    was = (app.font(), app.palette(), app.styleSheet())
    theme.apply(app, theme.LIGHT, 14)  # as gui.app starts the window: its fonts, its sizes
    yield app
    app.setFont(was[0])
    app.setPalette(was[1])
    app.setStyleSheet(was[2])


def _at(qtbot, window, size):
    width, height, steps = SIZES[size]
    for _ in range(steps):
        window.step_text(+1)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=2000)
    qtbot.wait(150)


def _lanes(n):
    """n lanes, each running for 2 s (lane i from i ms)."""
    from gui.timeline_layout import RUNNING, Spans
    lanes = np.arange(n, dtype=np.int32)
    return Spans(lanes, T0 + lanes.astype(np.int64) * 1_000_000, np.full(n, T0 + 2 * S, np.int64),
                 np.full(n, RUNNING, np.uint8))


def _lane_rows(timeline):
    """(scene y of lane 0's top, px a lane) as drawn."""
    from PySide6.QtCore import QPointF
    n = max(len(timeline.lane_labels), 1)
    top = timeline.view_box.mapViewToScene(QPointF(0, 0)).y()
    bottom = timeline.view_box.mapViewToScene(QPointF(0, n)).y()
    return top, (bottom - top) / n


def _legend_clear_of_the_axis(timeline):
    """The state legend is whole and under the time axis, never over it (1366x768: it was
    drawn over the axis's numbers, one run in two)."""
    axis = timeline.plot_item.getAxis("bottom")
    pw = timeline.plot_widget
    # (the axis's own rectangle: its bounding rectangle holds the grid lines over the lanes)
    axis_rect = pw.mapFromScene(axis.mapRectToScene(axis.rect())).boundingRect().translated(pw.pos())
    # pyqtgraph's scene is as tall as its widget (a minimum raised inside its resize left
    # the scene at the old size: the axis cut, a blank band over the legend)
    assert abs(pw.centralWidget.geometry().height() - pw.height()) <= 1
    legend = timeline._legend
    assert not legend.geometry().intersects(axis_rect), (legend.geometry(), axis_rect)
    assert legend.geometry().top() >= axis_rect.bottom(), (legend.geometry(), axis_rect)
    assert legend.height() >= legend.layout().heightForWidth(legend.width())
    assert legend.geometry().bottom() <= timeline.height()


def _labels_clear_of_the_lanes(timeline):
    """Every phase label shown sits in the strip above lane 0 and inside the plot."""
    marks = timeline.phase_marks
    top, _ = _lane_rows(timeline)
    plot = timeline.view_box.sceneBoundingRect()
    for item in [line.label for line in marks._lines if line.label.isVisible()]:
        rect = item.sceneBoundingRect()
        assert rect.bottom() <= top + 1, (item.toPlainText(), rect, top)
        assert plot.left() - 1 <= rect.left() and rect.right() <= plot.right() + 1, \
            (item.toPlainText(), rect, plot)


@pytest.mark.parametrize("size", SIZES)
def test_every_scenario_s_lanes_keep_their_room(qtbot, window, restyled_app, size):
    """Each part states its minimum, the plots area shares the rest by what the scenario
    needs: lanes-first scenarios (no view of their own) with up to FEW lanes a text line a
    lane, each named; every lane at least half a line (names every other lane); the legend
    never over the time axis.  At 1024x768 with text x1.5 process-basics' and gil's lanes
    had ~130 px under the CPU panel and the legend."""
    _at(qtbot, window, size)
    plots = window.plots
    timeline = plots.timeline
    assert set(window.picker.order) == set(LANES)
    for sid in window.picker.order:
        window.run_control.choose_scenario(sid)
        n = LANES[sid]
        timeline.set_spans(_lanes(n), ["THREAD%d · pid 42" % i for i in range(n)], T0)
        lanes_first = not window.picker.scenario(sid).shows

        def settled():  # the sharing runs once the event loop is back
            _, row_px = _lane_rows(timeline)
            line = timeline.lane_line_px()
            assert row_px >= line / 2 - 0.5, (sid, row_px, line, plots.sizes())
            if lanes_first and n <= FEW:
                # (gui.timeline.NAMED_ROW_SHARE: a name's text fits 0.9 of a line)
                assert row_px >= 0.9 * line and timeline._tick_step == 1, \
                    (sid, row_px, line, plots.sizes())
            _legend_clear_of_the_axis(timeline)
        qtbot.waitUntil(settled, timeout=3000)


@pytest.mark.parametrize("sid,n,phases", [
    ("gil", 9, ["one worker", "threads: one GIL", "processes: a GIL each"]),
    ("shared-globals", 28, ["the bug: children append to a global", "join() before reading a queue",
                            "fix: a Queue", "fix: Pool return values", "fix: a Manager list",
                            "fix: shared memory"]),
])
@pytest.mark.parametrize("size", SIZES)
def test_phase_labels_never_cover_a_lane(qtbot, window, restyled_app, size, sid, n, phases):
    """Phase labels sit in a strip of their own above the lanes, shortened ("fix: a M…",
    whole in a tooltip) where steps are close; at 1024x768 with text x1.5 they stacked
    over gil's lanes."""
    _at(qtbot, window, size)
    timeline = window.plots.timeline
    window.run_control.choose_scenario(sid)
    timeline.set_spans(_lanes(n), ["THREAD%d · pid 42" % i for i in range(n)], T0)
    # steps close together, as a loaded machine runs shared-globals' (a few seconds in all)
    timeline.phase_marks.set([(label, 0.05 + 0.3 * i) for i, label in enumerate(phases)])
    timeline.show_all()
    marks = timeline.phase_marks

    def settled():  # the strip's rows and the lanes' height are shared out after the event
        _labels_clear_of_the_lanes(timeline)
        assert len(marks.visible_labels()) >= min(len(phases), 4), marks.shown_texts()
        for item, whole in zip(marks.visible_items(), marks.visible_labels()):
            assert item.toolTip() == whole
            shown = item.toPlainText()
            assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1])), shown
    qtbot.waitUntil(settled, timeout=3000)


@pytest.mark.parametrize("size", SIZES)
def test_after_a_real_race_run_the_legend_is_under_the_axis_and_the_buttons_clear(
        qtbot, window, restyled_app, size):
    """The race's lanes, legend and trace after a real run: the legend under the time axis;
    the lost-update buttons visible, whole, clear of the title, and beside it only where
    the title then stays on one line (at 1366 a two-line title beside them was as tall as
    a title over them; at 1024 with text x1.5 they left the title ~100 px)."""
    from PySide6.QtCore import QRect
    from gui.trace_view import CANVAS_MIN_LINES
    _at(qtbot, window, size)
    window.run_control.choose_scenario("race")
    window.params.set_value("iterations", 2_000)
    run_to_end(qtbot, window)
    _legend_clear_of_the_axis(window.plots.timeline)
    trace = window.plots.trace
    title = trace.title
    line = title.fontMetrics().lineSpacing()
    title_rect = QRect(title.mapTo(trace, title.rect().topLeft()), title.size())
    for button in (trace.previous_button, trace.next_button):
        assert button.isVisible()
        rect = QRect(button.mapTo(trace, button.rect().topLeft()), button.size())
        assert not rect.intersects(title_rect), (button.text(), rect, title_rect)
        assert button.width() >= button.sizeHint().width() and rect.right() <= trace.width()
    if trace.extras_beside:
        assert title.heightForWidth(title.width()) <= line + 2, title.width()
    else:
        assert title.heightForWidth(trace.width() - trace.extras_width()) > line + 2
    assert trace.canvas.height() >= CANVAS_MIN_LINES * window.pixel_size


def test_deadlock_s_wait_labels_stay_inside_the_plot(qtbot, window, restyled_app):
    """At 1024x768 with text x1.5 "waits for lock B, held by THREAD2" ran past the right
    edge: a label that does not fit right of its arrow moves left of it."""
    _at(qtbot, window, "1024x768 text x1.5")
    window.run_control.choose_scenario("deadlock")
    run_to_end(qtbot, window)
    plots = window.plots
    labels = plots.lock_marks._labels
    assert labels, "deadlock drew no wait"
    view = plots.timeline.view_box.sceneBoundingRect()
    for label in labels:
        rect = label.sceneBoundingRect()
        assert view.left() - 1 <= rect.left() and rect.right() <= view.right() + 1, \
            (label.toPlainText(), rect, view)
