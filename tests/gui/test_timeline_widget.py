"""gui.timeline.TimelineWidget: the image it shows, its tooltip, follow-live, throttled redraws."""
import math
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt, QTranslator  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402

from gui.timeline_layout import DEFAULT_PALETTE, GIL_WAIT, RUNNING, Spans  # noqa: E402

T0 = 5_000_000_000_000  # the run's start, ns (x = 0 s)
S = 1_000_000_000
LABELS = ["MainThread · pid 4242", "THREAD1 · pid 4242"]


def two_lanes(end_s=2):
    """Lane 0: running 0-1 s, GIL wait 1-end.  Lane 1: GIL wait 0-0.5 s, running 0.5-end."""
    return Spans(np.array([0, 0, 1, 1], np.int32),
                 np.array([T0, T0 + S, T0, T0 + S // 2], np.int64),
                 np.array([T0 + S, T0 + end_s * S, T0 + S // 2, T0 + end_s * S], np.int64),
                 np.array([RUNNING, GIL_WAIT, GIL_WAIT, RUNNING], np.uint8))


@pytest.fixture
def timeline(qtbot):
    from gui.timeline import TimelineWidget
    w = TimelineWidget()
    qtbot.addWidget(w)
    w.resize(900, 400)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drawn(timeline, qtbot, x0, x1):
    """Show [x0, x1] s and wait for the redraw of exactly that view."""
    timeline.view_box.setXRange(x0, x1, padding=0)
    qtbot.waitUntil(lambda: timeline._drawn is not None and timeline._drawn[:2] == tuple(
        timeline.view_box.viewRange()[0]), timeout=2000)
    return timeline.image_item.image


def test_image_has_a_row_block_per_lane_and_a_column_per_pixel(timeline, qtbot):
    from gui.timeline import ROWS_PER_LANE
    timeline.set_follow(False)
    timeline.set_spans(two_lanes(), LABELS, T0)
    img = _drawn(timeline, qtbot, 0.0, 2.0)
    width = timeline._view()[2]
    assert width > 100
    assert img.shape == (2 * ROWS_PER_LANE, width, 4)
    # Lane 0's first quarter is running, its last quarter waits for the GIL.
    assert tuple(img[0, width // 8]) == tuple(DEFAULT_PALETTE[RUNNING])
    assert tuple(img[0, width - width // 8]) == tuple(DEFAULT_PALETTE[GIL_WAIT])
    assert tuple(img[ROWS_PER_LANE, width // 8]) == tuple(DEFAULT_PALETTE[GIL_WAIT])
    assert img[ROWS_PER_LANE - 1, :, 3].max() == 0  # the gap between lanes is transparent
    # The image spans the view: x from 0 to 2 s, y over both lanes.
    rect = timeline.image_item.mapRectToView(timeline.image_item.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((0.0, 2.0))
    assert (rect.top(), rect.bottom()) == pytest.approx((0.0, 2.0))
    ticks = timeline.plot_item.getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == LABELS


def test_tooltip_names_lane_state_start_and_duration(timeline):
    timeline.set_spans(two_lanes(), LABELS, T0)
    text = timeline.tooltip_at(1.5, 0)
    assert text.splitlines()[0] == LABELS[0]
    assert "waiting for the GIL" in text and "1.000000 s" in text and "1 s" in text
    assert "running" in timeline.tooltip_at(0.25, 0)
    assert "waiting for the GIL" in timeline.tooltip_at(0.25, 1)
    assert "500 ms" in timeline.tooltip_at(0.25, 1)
    assert timeline.tooltip_at(0.25, 7) == ""  # no such lane
    # A pixel wider than the spans in it: the tooltip gives the mix the colour shows.
    assert "this pixel: 50 % running, 50 % waiting for the GIL" in timeline.tooltip_at(1.0, 0, 1.0)


def test_hovering_shows_the_tooltip_of_the_span_under_the_mouse(timeline, qtbot):
    timeline.set_follow(False)
    timeline.set_spans(two_lanes(), LABELS, T0)
    _drawn(timeline, qtbot, 0.0, 2.0)
    scene_pos = timeline.view_box.mapViewToScene(QPointF(1.5, 0.4))
    view_pos = timeline.plot_widget.mapFromScene(scene_pos)
    qtbot.mouseMove(timeline.plot_widget.viewport(), view_pos)
    qtbot.waitUntil(lambda: "waiting for the GIL" in timeline.hover_text, timeout=2000)
    assert timeline.hover_text.startswith(LABELS[0])


def test_follow_keeps_the_newest_seconds_and_the_user_can_take_over(timeline, qtbot):
    timeline.follow_window_s = 10.0
    timeline.set_follow(True)
    timeline.set_spans(two_lanes(end_s=30), LABELS, T0)
    assert timeline.view_box.viewRange()[0] == pytest.approx([20.0, 30.0], abs=1e-6)
    timeline.set_spans(two_lanes(end_s=45), LABELS, T0)  # data grows: the view moves along
    assert timeline.view_box.viewRange()[0] == pytest.approx([35.0, 45.0], abs=1e-6)
    viewport = timeline.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    with qtbot.waitSignal(timeline.follow_changed, timeout=2000) as blocker:
        QCoreApplication.sendEvent(viewport, wheel)  # the user zooms
    assert blocker.args == [False] and not timeline.follow()
    zoomed = timeline.view_box.viewRange()[0]
    timeline.set_spans(two_lanes(end_s=60), LABELS, T0)
    assert timeline.view_box.viewRange()[0] == pytest.approx(zoomed)  # left where the user put it
    assert timeline.view_box.viewRange()[1] == pytest.approx([0.0, 2.0])  # lanes did not move
    timeline.set_follow(True)
    assert timeline.view_box.viewRange()[0] == pytest.approx([50.0, 60.0], abs=1e-6)


def test_redraws_are_throttled_not_per_update(timeline, qtbot, monkeypatch):
    draws = []
    original = timeline.draw_image
    monkeypatch.setattr(timeline, "draw_image", lambda *a: (draws.append(1), original(*a)))
    for k in range(200):  # 200 updates with no event loop between them: one redraw
        timeline.set_spans(two_lanes(end_s=3 + k), LABELS, T0)
    qtbot.wait(200)
    assert len(draws) == 1
    start = time.monotonic()
    for k in range(20):  # updates ~10 ms apart: a redraw per 33 ms at most, not one per update
        timeline.set_spans(two_lanes(end_s=300 + k), LABELS, T0)
        qtbot.wait(10)
    qtbot.wait(100)
    elapsed = time.monotonic() - start
    assert 2 <= len(draws) <= 2 + elapsed / 0.033


def test_clear_forgets_everything(timeline, qtbot):
    timeline.set_spans(two_lanes(), LABELS, T0)
    timeline.clear()
    assert timeline.index.n_lanes == 0 and timeline.lane_labels == []
    assert timeline.image_item.image is None
    assert timeline.tooltip_at(0.5, 0) == ""
    timeline.set_spans(two_lanes(), LABELS, T0 + S)  # the next run, another start
    assert "running" in timeline.tooltip_at(-0.75, 0)


class _Marking(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):
        return "«%s»" % source if context == "Timeline" else None


def test_user_visible_strings_go_through_the_translator(timeline):
    translator = _Marking()
    QCoreApplication.installTranslator(translator)
    try:
        timeline.set_spans(two_lanes(), LABELS, T0)
        text = timeline.tooltip_at(1.5, 0)
        assert "«waiting for the GIL»" in text and "«from {0} for {1}»" not in text
        assert text.splitlines()[2].startswith("«from ")
        timeline.retranslate()
        assert "«time since Run»" in timeline.plot_item.getAxis("bottom").labelText
    finally:
        QCoreApplication.removeTranslator(translator)


def test_keyboard_follow_home_and_pan(timeline, qtbot):
    timeline.set_follow(True)
    timeline.set_spans(two_lanes(end_s=30), LABELS, T0)
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Home)  # the whole run; follow off
    assert not timeline.follow()
    assert timeline.view_box.viewRange()[0] == pytest.approx([0.0, 30.0], abs=1e-6)
    qtbot.keyClick(timeline, Qt.Key.Key_Plus)  # zoom in around the middle
    assert timeline.view_box.viewRange()[0] == pytest.approx([7.5, 22.5], abs=1e-6)
    qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.view_box.viewRange()[0] == pytest.approx([10.5, 25.5], abs=1e-6)
    qtbot.keyClick(timeline, Qt.Key.Key_F)  # follow again: the newest seconds
    assert timeline.follow()
    assert timeline.view_box.viewRange()[0][1] == pytest.approx(30.0)


def _legend_cells(timeline):
    """The state cells (the Whole-run button, the legend's first cell, left out)."""
    flow = timeline._legend_flow
    return [flow.itemAt(i).widget() for i in range(flow.count())
            if flow.itemAt(i).widget() is not timeline.fit_button]


def test_legend_wraps_to_a_narrow_width_without_clipping(timeline, qtbot):
    from PySide6.QtWidgets import QLabel
    from gui.timeline_layout import N_STATES
    timeline.apply_theme(_theme(), 14)
    assert len(_legend_cells(timeline)) == N_STATES  # before any data: every state, for reference
    timeline.resize(420, 400)
    qtbot.waitUntil(lambda: timeline._legend.width() <= 420, timeout=2000)
    assert timeline.minimumSizeHint().width() < 420  # the legend does not set the width
    legend = timeline._legend
    assert legend.height() >= legend.layout().heightForWidth(legend.width())
    for cell in _legend_cells(timeline):
        assert 0 <= cell.x() and cell.geometry().right() < legend.width(), cell.geometry()
        assert cell.geometry().bottom() < legend.height()
        text = cell.findChildren(QLabel)[-1]
        assert text.width() >= text.sizeHint().width(), text.text()  # not "waiting for th…"


def test_legend_names_the_states_in_the_lanes(timeline, qtbot):
    timeline.set_spans(two_lanes(), LABELS, T0)
    from PySide6.QtWidgets import QLabel
    assert timeline.legend_states() == (RUNNING, GIL_WAIT)
    texts = [cell.findChildren(QLabel)[-1].text() for cell in _legend_cells(timeline)]
    assert texts == ["running", "waiting for the GIL"]
    timeline.clear()
    assert len(timeline.legend_states()) > 2


def _theme():
    from gui import theme
    return theme.LIGHT


def test_lane_names_thin_out_instead_of_overprinting(timeline, qtbot):
    n = 30
    spans = Spans(np.arange(n, dtype=np.int32), np.full(n, T0, np.int64),
                  np.full(n, T0 + S, np.int64), np.zeros(n, np.uint8))
    labels = ["WORKER%d · pid %d" % (i, 100 + i) for i in range(n)]
    timeline.resize(900, 220)  # far less than a text line per lane
    timeline.set_spans(spans, labels, T0)
    qtbot.wait(50)

    def named():
        return [label for _, label in timeline.plot_item.getAxis("left")._tickLevels[0]]

    qtbot.waitUntil(lambda: 0 < len(named()) < n, timeout=2000)
    row_px = timeline.view_box.height() / n
    step = n // len(named())
    assert step * row_px >= timeline._swatch_px  # shown names are a text line apart
    timeline.resize(900, 2000)  # room for all: every lane named again
    qtbot.waitUntil(lambda: len(named()) == n, timeout=2000)


def test_phase_labels_stack_in_rows_and_come_apart_when_zoomed(timeline, qtbot):
    timeline.set_spans(two_lanes(), LABELS, T0)
    timeline.set_follow(False)
    marks = [("one worker", 0.10), ("threads: one GIL", 0.102), ("processes: a GIL each", 1.0)]
    timeline.phase_marks.set(marks)
    timeline.view_box.setXRange(0.0, 2.0, padding=0)
    # "one worker" has 2 ms (1 px) before the next mark: the next label goes on a second row,
    # so both are read (shared-globals' bug and fixes were hidden this way at 1366 px).
    qtbot.waitUntil(lambda: timeline.phase_marks.visible_labels() == [label for label, _ in marks])
    first, second = (line.label for line in timeline.phase_marks._lines[:2])
    assert second.mapRectToScene(second.boundingRect()).top() >= \
        first.mapRectToScene(first.boundingRect()).bottom() - 1  # one under the other
    assert timeline.phase_marks.strip_px() >= 2 * first.boundingRect().height()
    timeline.view_box.setXRange(0.099, 0.104, padding=0)  # zoomed in: 2 ms is 300+ px
    qtbot.waitUntil(lambda: "one worker" in timeline.phase_marks.visible_labels())
    timeline.view_box.setXRange(0.5, 0.9, padding=0)  # inside one step: its label is pinned
    qtbot.waitUntil(lambda: timeline.phase_marks.pinned_label() == "◂ threads: one GIL")
    assert timeline.phase_marks.visible_labels() == []
    timeline.view_box.setXRange(0.0, 1.01, padding=0)  # the last mark 10 ms from the edge:
    qtbot.waitUntil(lambda: "processes: a GIL each" in timeline.phase_marks.visible_labels())
    last = timeline.phase_marks._lines[-1]  # its label on the left of its line, not cut off
    line_x = timeline.view_box.mapViewToScene(QPointF(1.0, 0)).x()
    assert last.label.mapRectToScene(last.label.boundingRect()).right() <= line_x + 1
    assert timeline.phase_marks.labels() == [label for label, _ in marks]
    # The labels have a strip of their own above lane 0: as tall as a label, in pixels.
    (_, _), (top, bottom) = timeline.view_box.viewRange()
    strip_px = -top / (bottom - top) * timeline.view_box.height()
    assert top < 0 and abs(strip_px - timeline.phase_marks.strip_px()) < 2, (top, strip_px)
    timeline.clear()  # a new run: no marks left over, no strip
    assert timeline.phase_marks.count() == 0
    assert timeline.view_box.viewRange()[1][0] == 0


def test_the_tooltip_comes_back_on_the_same_span_after_it_was_hidden(timeline, qtbot):
    """It was shown only when its text changed: once hidden (timeout, a click) it stayed
    away while the mouse moved over the same span."""
    from PySide6.QtWidgets import QToolTip
    timeline.set_follow(False)
    timeline.set_spans(two_lanes(), LABELS, T0)
    _drawn(timeline, qtbot, 0.0, 2.0)
    for x in (1.5, 1.6):
        scene_pos = timeline.view_box.mapViewToScene(QPointF(x, 0.4))
        QToolTip.hideText()
        qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)
        timeline._mouse_moved(scene_pos)
        qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
        assert "waiting for the GIL" in QToolTip.text()
    QToolTip.hideText()


def test_a_visible_button_fits_the_whole_run_and_the_keys_are_listed(timeline, qtbot):
    timeline.set_spans(two_lanes(), LABELS, T0)
    timeline.set_follow(False)
    timeline.view_box.setXRange(0.5, 0.6, padding=0)
    assert timeline.fit_button.isVisible() and "Home" in timeline.keys_label.text()
    assert timeline.keys_label.isVisible()  # 900 px: room for the keys on one line
    assert "Home" in timeline.fit_button.toolTip()  # and always in the button's tooltip
    qtbot.mouseClick(timeline.fit_button, Qt.MouseButton.LeftButton)
    (x0, x1), _ = timeline.view_box.viewRange()
    assert x0 == pytest.approx(0.0, abs=1e-6) and x1 == pytest.approx(2.0, rel=1e-3)


def test_the_time_axis_says_its_unit_in_chinese_words(timeline):
    # issue 14: "自点击运行起的时间 (s)" mixed a Chinese label with an English unit
    axis = timeline.plot_item.getAxis("bottom")
    timeline.retranslate("zh_CN")
    timeline.view_box.setXRange(0.0, 0.02, padding=0)  # 20 ms: pyqtgraph's prefix is m
    axis.updateAutoSIPrefix()
    label = axis.labelString()
    assert "（毫秒）" in label and "(ms)" not in label, label
    timeline.retranslate("en")
    axis.updateAutoSIPrefix()
    assert "(ms)" in axis.labelString()


def _sixteen_lanes(timeline, qtbot, height):
    labels = ["THREAD%d · pid 4242" % i for i in range(16)]
    spans = Spans(np.arange(16, dtype=np.int32), np.full(16, T0, np.int64),
                  np.full(16, T0 + S, np.int64), np.full(16, RUNNING, np.uint8))
    timeline.apply_theme(_theme(), 21)  # text x1.5 on a 1024x768 screen
    timeline.set_spans(spans, labels, T0)
    timeline.resize(900, height)  # not under its minimum height: rows are measured below
    qtbot.wait(100)
    timeline._update_lane_ticks()
    n = len(labels)
    return (timeline.view_box.height() - timeline.phase_marks.strip_px()) / n


def test_lanes_a_little_short_of_a_line_keep_every_name_in_a_smaller_font(qtbot, timeline):
    """threads-help's 16 lanes at 1024x768 with text x1.5 were named every other where each
    lane had ~0.7 of a line: the names get smaller (not under 3/4 of their size, nor the
    smallest readable size) before any is left out."""
    from gui import theme as theme_module
    from gui.timeline import NAME_SHRINK_SHARE
    full = timeline._lane_px if hasattr(timeline, "_lane_px") else None
    row_px = 0
    for height in range(300, 900, 10):  # the first height whose rows are 0.8-0.9 of a line
        row_px = _sixteen_lanes(timeline, qtbot, height)
        full = timeline._lane_px
        if 0.8 * 1.3 * full <= row_px < 0.9 * math.ceil(1.3 * full):
            break
    else:
        pytest.fail("no height gave rows of 0.8-0.9 of a line")
    assert timeline._tick_step == 1, (row_px, full)
    shown = timeline.plot_item.getAxis("left").style["tickFont"].pixelSize()
    assert max(theme_module.SMALLEST_PX["lane_names"], math.ceil(full * NAME_SHRINK_SHARE)) \
        <= shown < full
    # Far shorter rows (half a line, the timeline's minimum): the floor size, never smaller,
    # and then every k-th name.
    floor = max(theme_module.SMALLEST_PX["lane_names"], math.ceil(full * NAME_SHRINK_SHARE))
    assert timeline._fitted_name_px(math.ceil(1.3 * full) / 2) == floor
    # Rows a whole line tall: the names' full size again.
    _sixteen_lanes(timeline, qtbot, 900)
    assert timeline._tick_step == 1
    assert timeline.plot_item.getAxis("left").style["tickFont"].pixelSize() == full


def test_the_lanes_smallest_height_is_half_a_line_each_rounded_once(qtbot, timeline):
    """shared-globals' 29 lanes at 1366x768: half a line each rounded up per lane asked 14 px
    more than half a line each, and the plots' column scrolled by 1 px (a scroll bar for it)."""
    labels = ["WRITER%d · pid 4242" % i for i in range(29)]
    spans = Spans(np.arange(29, dtype=np.int32), np.full(29, T0, np.int64),
                  np.full(29, T0 + S, np.int64), np.full(29, RUNNING, np.uint8))
    timeline.apply_theme(_theme(), 14)
    timeline.set_spans(spans, labels, T0)
    line = timeline.lane_line_px()
    assert line % 2 == 1  # an odd line: where per-lane rounding adds half a pixel a lane
    assert timeline.lanes_min_px() == math.ceil(29 * line / 2)
    assert timeline.lanes_min_px() * 2 >= 29 * line  # still half a line each


def test_the_legend_height_is_measured_once_per_width_and_again_for_a_new_font(timeline, monkeypatch):
    """legend_px is asked ~25 times at the end of a run (each measuring every cell, ~3 ms):
    the same width and texts measure nothing again; a new font measures anew."""
    from gui.timeline import TimelineWidget
    measured = []
    real = TimelineWidget._resized

    def counting(widget, now, then):
        measured.append(now)
        return real(widget, now, then)

    monkeypatch.setattr(TimelineWidget, "_resized", staticmethod(counting))
    first = timeline.legend_px(width=300)
    cells = len(measured)
    assert cells == len(timeline._legend_cells) + 1  # the cells and the whole-run button
    assert [timeline.legend_px(width=300) for _ in range(5)] == [first] * 5
    assert len(measured) == cells  # the old code: 6 measures of every cell
    assert timeline.legend_px(width=2000) <= first and len(measured) == 2 * cells
    font = timeline.font()
    font.setPixelSize(3 * max(font.pixelSize(), 12))
    timeline.setFont(font)  # larger text: taller rows, more of them
    assert timeline.legend_px(width=300) > first
