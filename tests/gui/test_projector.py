"""On a projector: 1024x768 with text x1.5, every text at its readable size and every panel
wide enough to read; choosing another scenario never leaves the last run's plots on screen.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402

RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot):
    from gui.main_window import MainWindow
    win = MainWindow(lang="en", theme_name="light", pixel_size=14)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.load_plots()
    yield win
    win.close()


def _big_text_at(qtbot, window, width, height):
    window.step_text(+1)
    window.step_text(+1)  # A+ twice
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=2000)
    qtbot.wait(100)  # layouts settle


def _tick_texts(axis) -> list:
    """The tick labels a pyqtgraph axis really draws at its current size."""
    from PySide6.QtGui import QImage, QPainter
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    if axis.style["tickFont"] is not None:
        painter.setFont(axis.style["tickFont"])  # as AxisItem.paint does
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]] if specs else []


def _clipped(window) -> list:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLabel
    form = window.params
    viewport = form.parentWidget()
    clipped = []
    for widget in form.findChildren(QLabel) + form.findChildren(QAbstractSpinBox) + \
            form.findChildren(QAbstractButton):
        if not widget.isVisibleTo(form):
            continue
        left = widget.mapTo(viewport, QPoint(0, 0)).x()
        if isinstance(widget, QLabel) and widget.wordWrap():
            too_small = widget.height() < widget.heightForWidth(widget.width())
        else:
            too_small = widget.width() < widget.sizeHint().width()
        if left < 0 or left + widget.width() > viewport.width() or too_small:
            clipped.append("%s %r %d" % (type(widget).__name__, getattr(widget, "text", str)(), widget.width()))
    return clipped


def test_a_plus_twice_is_one_and_a_half_times_the_text(window):
    window.step_text(+1)
    window.step_text(+1)
    assert window.text_scale() == pytest.approx(1.5, abs=0.04)
    window.step_text(-2)
    assert window.pixel_size == 14


@pytest.mark.parametrize("size", [(1024, 768), (1366, 768)])
def test_big_text_keeps_every_panel_readable(qtbot, window, size):
    from gui import theme
    from gui.lesson_panel import LESSON_MIN_EMS
    from gui.main_window import LEFT_MIN_EMS
    from PySide6.QtGui import QTextOption
    _big_text_at(qtbot, window, *size)
    px = window.pixel_size
    assert px == 21
    left, plots, lesson = window.split.sizes()
    # The verdict/lesson column was squeezed to ~130 px ("Thread… 1.83x").
    assert lesson >= LESSON_MIN_EMS * px and left >= LEFT_MIN_EMS * px, window.split.sizes()
    assert plots >= 300, window.split.sizes()
    assert window.lesson.headline.font().pixelSize() >= theme.SMALLEST_PX["headline"]
    assert window.lesson.lesson.wordWrapMode() == QTextOption.WrapMode.WordWrap
    # Lane names as large as the text (they grew from 12 to 15 px only).
    lanes_axis = window.plots.timeline.plot_item.getAxis("left")
    assert lanes_axis.style["tickFont"].pixelSize() == px
    # Full screen and the text size never go into the toolbar's overflow menu.
    for action in (window.fullscreen_action, window.bigger_action, window.smaller_action):
        button = window.toolbar.widgetForAction(action)
        assert button.isVisible() and button.geometry().right() <= window.toolbar.width(), action.text()
    # Parameter labels, inputs and the reset button are whole, in both languages.
    for chinese in (False, True):
        window.set_chinese(chinese)
        for sid in ("queue-pipeline", "gil", "race", "shared-globals"):
            window.choose_scenario(sid)
            qtbot.wait(50)
            assert _clipped(window) == [], (sid, chinese)
    # The CPU plot keeps its 0 / 50 / 100 ticks (they all went at 1366 with big text).
    window.choose_scenario("gil")
    qtbot.wait(100)
    cpu_axis = window.plots.cpu.plot.getPlotItem().getAxis("left")
    assert _tick_texts(cpu_axis) == ["0", "50", "100"], (_tick_texts(cpu_axis), cpu_axis.height())


def test_choosing_another_scenario_clears_the_last_run(qtbot, window):
    """Race lanes stayed under "Deadlock", pool workers under "GIL", with their phase marks."""
    window.choose_scenario("shared-globals")
    window.params.set_value("items", 300)
    window.run()
    qtbot.waitUntil(lambda: window.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    plots = window.plots
    assert window.state == "finished", window.problem_text()
    assert plots.timeline.lane_labels and plots.timeline.phase_marks.count()
    assert plots.queue.point_count() and len(plots.cpu._t) + len(plots.cpu._t_parts) > 0
    window.choose_scenario("deadlock")
    assert plots.timeline.lane_labels == [] and plots.timeline.index.n_lanes == 0
    assert plots.timeline.phase_marks.count() == 0 and plots.queue.phase_marks.count() == 0
    assert plots.queue.point_count() == 0 and plots.queue.key_families() == []
    assert len(plots.cpu._t) == 0 and all(len(c.getData()[0] or ()) == 0
                                          for c in plots.cpu._curves.values())
    assert plots.lane_name(1, 0).startswith("?")  # no old pid has a name any more
    assert window.lesson.verdict_text() != window.last_result.verdict.headline["en"]


@pytest.mark.parametrize("typed, expected, why", [
    ("999", 16, "999 is more than the most allowed, 16; set to 16."),
    ("-5", 1, "-5 is less than the least allowed, 1; set to 1."),
    ("0", 1, "0 is less than the least allowed, 1; set to 1."),
])
def test_a_typed_value_out_of_bounds_is_corrected_and_said(qtbot, window, typed, expected, why):
    from PySide6.QtCore import Qt
    window.choose_scenario("gil")
    workers = window.params.scenario.param("workers")
    assert (workers.minimum, workers.maximum) == (1, 16)  # the texts above are about these
    box = window.params.control("workers")
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), typed)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == expected
    assert window.params.notice.isVisibleTo(window.params)
    assert window.params.notice.text().endswith(why), window.params.notice.text()
    window.params.reset_defaults()
    assert not window.params.notice.isVisibleTo(window.params)


def test_a_value_typed_but_not_entered_is_checked_when_run(qtbot, window):
    window.choose_scenario("gil")
    box = window.params.control("workers")
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "77")
    assert window.params.values()["workers"] == 16
    assert "77" in window.params.notice.text()


def _run(qtbot, window):
    window.run()
    qtbot.waitUntil(lambda: window.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    assert window.state == "finished", window.problem_text()
    qtbot.wait(300)  # the last lane and label layouts


def test_the_authors_bug_reads_at_1366(qtbot, window):
    """shared-globals: the bug and each fix labelled on the timeline, every lane named,
    the 27 queues keyed by family (there were 27 unlabeled curves)."""
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.choose_scenario("shared-globals")
    window.params.set_value("items", 300)
    _run(qtbot, window)
    marks = window.plots.timeline.phase_marks
    assert len(marks.labels()) == 5 and marks.visible_labels() == marks.labels()
    lanes = window.plots.timeline
    ticks = lanes.plot_item.getAxis("left")._tickLevels[0]
    # 16-28 lanes in ~300 px: at least every other lane has its name, the rest in tooltips.
    assert len(ticks) >= len(lanes.lane_labels) / 2 and len(lanes.lane_labels) >= 10
    row_px = lanes.view_box.height() / len(lanes.lane_labels)
    assert row_px >= 9, row_px
    assert len(window.plots.queue.key_families()) >= 5


@pytest.mark.parametrize("sid", ["gil", "subprocess"])
def test_phase_labels_of_gil_and_subprocess_show_at_1366(qtbot, window, sid):
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.choose_scenario(sid)
    for name, value in {"gil": {"iterations": 2_000_000}, "subprocess": {"child_seconds": 0.2}}[sid].items():
        window.params.set_value(name, value)
    _run(qtbot, window)
    marks = window.plots.timeline.phase_marks
    assert marks.labels() and marks.visible_labels() == marks.labels()
