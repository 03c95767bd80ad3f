"""On a projector: 1024x768 with text x1.5, every text at its readable size and every panel
wide enough to read; choosing another scenario never leaves the last run's plots on screen.
"""
import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402
from tests.gui.runs import run_to_end  # noqa: E402

RUN_TIMEOUT_MS = 60_000


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
        qtbot.wait(300)  # the retranslated window's layouts settle
        for sid in ("queue-pipeline", "gil", "race", "shared-globals"):
            window.run_control.choose_scenario(sid)
            qtbot.wait(150)
            assert _clipped(window) == [], (sid, chinese)
    # The CPU plot keeps its 0 / 50 / 100 ticks (they all went at 1366 with big text).
    window.run_control.choose_scenario("gil")
    qtbot.wait(100)
    cpu_axis = window.plots.cpu.plot.getPlotItem().getAxis("left")
    assert _tick_texts(cpu_axis) == ["0", "50", "100"], (_tick_texts(cpu_axis), cpu_axis.height())


def test_choosing_another_scenario_clears_the_last_run(qtbot, window):
    """Race lanes stayed under "Deadlock", pool workers under "GIL", with their phase marks."""
    window.run_control.choose_scenario("shared-globals")
    window.params.set_value("items", 300)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    plots = window.plots
    assert window.run_control.state == "finished", window.banner.problem_text()
    assert plots.timeline.lane_labels and plots.timeline.phase_marks.count()
    assert plots.queue.point_count() and len(plots.cpu._t) + len(plots.cpu._t_parts) > 0
    window.run_control.choose_scenario("deadlock")
    assert plots.timeline.lane_labels == [] and plots.timeline.index.n_lanes == 0
    assert plots.timeline.phase_marks.count() == 0 and plots.queue.phase_marks.count() == 0
    assert plots.queue.point_count() == 0 and plots.queue.key_families() == []
    assert len(plots.cpu._t) == 0 and all(len(c.getData()[0] or ()) == 0
                                          for c in plots.cpu._curves.values())
    assert plots.lane_name(1, 0).startswith("?")  # no old pid has a name any more
    assert window.lesson.verdict_text() != window.run_control.last_result.verdict.headline["en"]


def _gil_workers():
    from engine import scenarios
    return scenarios.get("gil").param("workers")


_MOST = _gil_workers().maximum  # the texts below are about gil's declared bounds
_TOO_MANY = "999"  # no thousands separator in the notice; more than any bound here


@pytest.mark.parametrize("typed, expected, why", [
    (_TOO_MANY, _MOST, "%s is more than the most allowed, %d; set to %d." % (_TOO_MANY, _MOST, _MOST)),
    ("-5", 1, "-5 is less than the least allowed, 1; set to 1."),
    ("0", 1, "0 is less than the least allowed, 1; set to 1."),
])
def test_a_typed_value_out_of_bounds_is_corrected_and_said(qtbot, window, typed, expected, why):
    from PySide6.QtCore import Qt
    window.run_control.choose_scenario("gil")
    workers = window.params.scenario.param("workers")
    assert (workers.minimum, workers.maximum) == (1, _MOST)  # the texts above are about these
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
    window.run_control.choose_scenario("gil")
    box = window.params.control("workers")
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), _TOO_MANY)
    assert window.params.values()["workers"] == _MOST
    assert _TOO_MANY in window.params.notice.text()


def test_the_authors_bug_reads_at_1366(qtbot, window):
    """shared-globals: the bug and each fix labelled on the timeline, every lane named,
    the 27 queues keyed by family (there were 27 unlabeled curves)."""
    from PySide6.QtWidgets import QApplication
    from gui import theme
    app = QApplication.instance()
    was = (app.font(), app.palette(), app.styleSheet())
    theme.apply(app, theme.LIGHT, 14)  # as gui.app starts the window: its fonts, its sizes
    try:
        _authors_bug_at_1366(qtbot, window)
    finally:
        app.setFont(was[0])
        app.setPalette(was[1])
        app.setStyleSheet(was[2])


def _authors_bug_at_1366(qtbot, window):
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.run_control.choose_scenario("shared-globals")
    window.params.set_value("items", 300)
    run_to_end(qtbot, window)
    marks = window.plots.timeline.phase_marks
    assert len(marks.labels()) == len(window.run_control.run_scenario.phases)  # the bug and each fix
    assert marks.visible_labels() == marks.labels()
    lanes = window.plots.timeline
    ticks = lanes.plot_item.getAxis("left")._tickLevels[0]
    # 16-28 lanes: the timeline takes more than half the plots' height (it had a third
    # under a half-empty queue plot), and names as many lanes as a text line apart allows.
    cpu, timeline, extra = window.plots.sizes()
    assert timeline > cpu + extra, window.plots.sizes()
    row_px = (lanes.view_box.height() - marks.strip_px()) / len(lanes.lane_labels)
    assert row_px >= 2, row_px  # a visible bar each (28 lanes: 3-5 px at 1366x768, measured)
    assert len(ticks) >= len(lanes.lane_labels) // math.ceil(lanes.lane_line_px() / row_px)
    assert len(window.plots.queue.key_families()) >= 5
    # The queue plot keeps room for its ticks and a row of phase labels (a 40 px strip).
    from gui.extra_views import PLOT_MIN_LINES
    assert window.plots.queue.plot.height() >= PLOT_MIN_LINES * window.pixel_size


@pytest.mark.parametrize("sid", ["gil", "subprocess"])
def test_phase_labels_of_gil_and_subprocess_show_at_1366(qtbot, window, sid):
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.run_control.choose_scenario(sid)
    for name, value in {"gil": {"iterations": 2_000_000}, "subprocess": {"child_seconds": 0.2}}[sid].items():
        window.params.set_value(name, value)
    run_to_end(qtbot, window)
    marks = window.plots.timeline.phase_marks
    assert marks.labels() and marks.visible_labels() == marks.labels(), (
        marks.shown_texts(), [(line.value(), line.label.boundingRect().width()) for line in marks._lines],
        marks.strip_px(), window.plots.timeline.view_box.viewRange(), window.plots.timeline.view_box.width())


def test_found_pythons_are_listed_by_version(window):
    picker = window.python_picker
    found = [{"version": v, "label": "Python %s (GIL)" % v, "executable": "/x/python" + v}
             for v in ("3.12.1", "3.9.18", "3.13.0", "3.10.13")]
    picker._add_found(found)
    assert picker.versions_listed() == [[3, 9, 18, 0], [3, 10, 13, 0], [3, 12, 1, 0], [3, 13, 0, 0]]
    assert picker.itemData(0) == ""  # this gilscope's Python stays first
    assert picker.itemText(picker.count() - 1).startswith("Other")


def test_leaving_full_screen_restores_the_window_as_it_was(qtbot, window):
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized, timeout=2000)
    window.toggle_full_screen()
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    window.toggle_full_screen()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
    assert window.isMaximized()
    window.showNormal()
    window.setGeometry(50, 60, 1100, 700)
    qtbot.wait(50)
    before = window.geometry()
    window.toggle_full_screen()
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    window.toggle_full_screen()
    qtbot.waitUntil(lambda: not window.isFullScreen() and window.geometry() == before, timeout=2000)


def test_the_verdict_names_the_interpreter_that_ran(qtbot, window):
    import platform
    window.run_control.choose_scenario("race")
    window.params.set_value("iterations", 2_000)
    run_to_end(qtbot, window)
    said = window.lesson.ran_with.text()
    assert window.lesson.ran_with.isVisibleTo(window.lesson)
    assert platform.python_version() in said and said.startswith("Measured with Python")
    window.run_control.choose_scenario("gil")
    assert not window.lesson.ran_with.isVisibleTo(window.lesson)


def test_choices_are_remembered_between_launches(qtbot, tmp_path):
    """Language, theme, text size, last scenario and its parameters come back at the next
    launch (QSettings, in the temporary folder conftest points it at)."""
    import glob
    from gui import app as app_module
    app, first = app_module.create_window((), app_module.WindowOptions(lang="en", theme="light"))
    qtbot.addWidget(first)
    first.run_control.choose_scenario("gil")
    first.params.set_value("workers", 3)
    first.run_control.choose_scenario("race")
    first.params.set_value("iterations", 12_345)
    first.set_dark(True)
    first.dark_action.setChecked(True)
    first.chinese_action.setChecked(True)
    first.step_text(+1)
    first.step_text(+1)
    first.close()
    assert glob.glob(str(tmp_path / "settings" / "**" / "*.ini"), recursive=True)  # not ~/.config
    app, second = app_module.create_window(())
    qtbot.addWidget(second)
    assert second.lang == "zh_CN" and second.chinese_action.isChecked()
    assert second.theme.dark and second.dark_action.isChecked()
    assert second.text_scale() == pytest.approx(1.5, abs=0.04)
    assert second.picker.current_id() == "race" and second.params.values()["iterations"] == 12_345
    second.run_control.choose_scenario("gil")
    assert second.params.values()["workers"] == 3
    second.remember_settings = False
    second.close()


def test_saved_values_that_no_longer_fit_are_dropped(window):
    window.params.remember({"race": {"iterations": -1, "workers": 3, "gone": 1}, "nope": {"x": 1},
                            "gil": "not a dict"})
    window.run_control.choose_scenario("race")
    values = window.params.values()
    assert values["workers"] == 3 and values["iterations"] > 0


def _contrast(a, b) -> float:
    from gui.colour_vision import to_linear
    import numpy as np
    lum = lambda c: float(to_linear(np.array(c, float)) @ [0.2126, 0.7152, 0.0722])
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("checked", [False, True])
def test_dark_theme_check_boxes_are_visible(qtbot, window, checked):
    """An unchecked box had no visible edge on the dark window (Fusion's outline is the
    window colour, darker)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionButton
    window.dark_action.setChecked(True)
    box = window.follow_box
    box.setChecked(checked)
    qtbot.wait(50)
    option = QStyleOptionButton()
    option.initFrom(box)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    ratio = image.width() / box.width()
    window_rgb = [int(window.theme.window[i:i + 2], 16) for i in (1, 3, 5)]
    seen = 0
    for x in range(int(rect.left() * ratio), int((rect.right() + 1) * ratio)):
        for y in range(int(rect.top() * ratio), int((rect.bottom() + 1) * ratio)):
            c = image.pixelColor(x, y)
            seen += _contrast((c.red(), c.green(), c.blue()), window_rgb) >= 3.0
    assert seen >= 2 * rect.width(), seen  # at least an edge all round, not a faint smudge


def test_a_narrow_toolbar_s_overflow_button_shows_on_the_dark_theme_and_keeps_python_whole(
        qtbot, window):
    """At 1024 px with text x1.5 in Chinese-dark the toolbar's "»" was dark grey on the dark
    toolbar (unseen) and 12 px wide at any text size, and "Python:" stayed on the bar while
    its picker went to the overflow."""
    from PySide6.QtWidgets import QToolButton
    window.dark_action.setChecked(True)
    window.set_chinese(True)
    _big_text_at(qtbot, window, 1024, 768)
    more = window.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    qtbot.waitUntil(more.isVisible, timeout=2000)
    image = more.grab().toImage()
    window_rgb = [int(window.theme.window[i:i + 2], 16) for i in (1, 3, 5)]
    seen = sum(_contrast((c.red(), c.green(), c.blue()), window_rgb) >= 4.5
               for c in (image.pixelColor(x, y) for x in range(image.width())
                         for y in range(image.height())))
    assert seen >= 12, seen  # the arrows' strokes (18 on the old 12x42 button; 0 before)
    assert more.width() >= 1.4 * window.pixel_size, more.width()  # findable (Fusion: 12 px)
    assert window.python_label.isVisible() == window.python_picker.isVisible()


@pytest.mark.parametrize("chinese", [False, True])
def test_all_ten_scenarios_show_at_1366(qtbot, window, chinese):
    from engine import scenarios
    window.set_chinese(chinese)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.fit_scenario_list()
    qtbot.wait(100)
    picker = window.picker
    viewport = picker.viewport().rect()
    assert len(picker.order) == len(scenarios.IDS)
    for sid in picker.order:
        rect = picker.visualItemRect(picker._items[sid])
        assert viewport.contains(rect), (sid, rect, viewport)


def test_lane_names_take_at_most_a_share_of_a_narrow_plot(qtbot):
    """At 1024 px and large text "MainThread · pid 16988" took 320 of 460 px: names lose their
    pid where unique, then are elided; the tooltips keep the full names."""
    from gui import theme
    from gui.plots_area import LANE_NAMES_SHARE, PlotsArea, compact_lane_names
    assert compact_lane_names(["A · pid 1", "B · pid 2", "B · pid 3"]) == ["A", "B · 2", "B · 3"]
    plots = PlotsArea(theme.LIGHT, 21)
    qtbot.addWidget(plots)
    plots.resize(460, 600)
    plots.show()
    plots.lane_labels = ["MainThread · pid 16988", "cp -r missing missing_copy · pid 30681",
                         "sleep 0.3 · pid 30697"]
    plots.timeline.lane_labels = list(plots.lane_labels)
    plots._align_time_axes()
    axis = plots.timeline.plot_item.getAxis("left")
    assert axis.width() <= LANE_NAMES_SHARE * 460 + 40, axis.width()
    names = plots.timeline._tick_names
    assert names[0] == "MainThread" and names[2] == "sleep 0.3" and "…" in names[1]


def test_at_1024_with_big_text_the_cpu_plot_gives_way_to_the_scenario_s_view(qtbot, window):
    """At 1024x768 with text x1.5 the race's CPU plot, lanes and trace were squeezed together
    (the value plot to a line).  Where the scenario has a view of its own, the CPU plot gives
    its room; gil keeps it (its lesson is the load)."""
    _big_text_at(qtbot, window, 1024, 768)
    window.run_control.choose_scenario("race")
    window.params.set_value("iterations", 2_000)
    run_to_end(qtbot, window)
    assert window.height() == 768
    assert not window.plots.cpu.isVisible()
    timeline = window.plots.timeline
    assert timeline.plot_widget.height() >= timeline.plot_widget.minimumHeight()
    window.run_control.choose_scenario("gil")
    qtbot.wait(150)
    assert window.plots.cpu.isVisible()
    window.resize(1366, 768)  # normal text at 1366 keeps the CPU plot beside a view of its own
    window.step_text(-2)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    window.run_control.choose_scenario("race")
    qtbot.wait(150)
    assert window.plots.cpu.isVisible(), window.plots.height()


def test_narrow_lane_names_drop_pids_then_shrink_before_they_are_cut(qtbot):
    """At 1024 px with text x1.5 shared-globals' lanes read "REA…383" (READER2 · 13610 cut in
    the middle) and queue-pipeline's "CON…ER1": a name loses its pid, then shrinks (not under
    the smallest size the lanes use) before any is cut; the tooltips keep the full names."""
    from gui import theme
    from gui.plots_area import PlotsArea
    plots = PlotsArea(theme.LIGHT, 21)
    qtbot.addWidget(plots)
    plots.resize(460, 600)
    plots.show()
    timeline = plots.timeline

    def fit(labels):
        plots.lane_labels = list(labels)
        timeline.lane_labels = list(labels)
        plots._align_time_axes()
        return timeline._tick_names or timeline.lane_labels

    readers = ["MainThread · pid 1"] + ["%s%d · pid %d" % (role, k, 13600 + 2 * k + 30 * step)
                                        for step in range(4) for role in ("READER", "WRITER")
                                        for k in (1, 2, 3)]
    names = fit(readers)
    assert names[1:4] == ["READER1", "READER2", "READER3"], names
    assert not any("…" in name for name in names) and timeline.name_px() == 21
    names = fit(["MainThread · pid 1", "PRODUCER1 · pid 2", "CONSUMER1 · pid 3",
                 "CONSUMER2 · pid 4", "PIPELINE-FEEDER · pid 5"])
    assert names[2:4] == ["CONSUMER1", "CONSUMER2"], names
    assert timeline.smallest_name_px() <= timeline.name_px() < 21
    axis = timeline.plot_item.getAxis("left")
    assert axis.width() <= 0.3 * 460 + 40, axis.width()
    assert fit(["A · pid 1", "B · pid 2"]) == ["A · pid 1", "B · pid 2"]
    assert timeline.name_px() == 21  # room again: full names in their full size


def test_a_plot_too_short_for_its_vertical_title_leaves_it_out_not_cut(qtbot):
    """Shared-globals' queue plot at 1366x768 was ~60 px tall and its title read "items in
    que" (and the CPU plot beside its key at 1024 px "seconds since R"): an axis title shows
    whole or not at all, and comes back when the plot grows."""
    from gui import theme
    from gui.extra_views import QueueView
    view = QueueView(theme.LIGHT, 14)
    qtbot.addWidget(view)
    view.resize(500, 700)
    view.show()
    axis = view.plot.getPlotItem().getAxis("left")
    qtbot.waitUntil(axis.label.isVisible, timeout=2000)
    needed = axis.label.boundingRect().width()
    view.plot.setMinimumHeight(0)
    view.plot.setFixedHeight(int(needed * 0.6))
    qtbot.waitUntil(lambda: not axis.label.isVisible(), timeout=2000)
    view.plot.setFixedHeight(int(needed * 2.5))
    qtbot.waitUntil(axis.label.isVisible, timeout=2000)
    view.retranslate()  # a new text (or language) is fitted too
    assert axis.label.isVisible()
    bottom = view.plot.getPlotItem().getAxis("bottom")  # and across: "seconds since R"
    assert bottom.label.isVisible()
    wide = bottom.label.boundingRect().width()
    view.plot.setMinimumWidth(0)
    view.resize(int(wide * 0.8), 700)
    qtbot.waitUntil(lambda: not bottom.label.isVisible(), timeout=2000)
    view.resize(int(wide * 3), 700)
    qtbot.waitUntil(bottom.label.isVisible, timeout=2000)


def test_pool_task_rows_are_a_text_line_each(qtbot):
    """At 1024x768 with text x1.5 pool-order's six worker rows shared 90 px, and their pid
    names and task numbers printed over each other: the tasks plot asks a tick line a row."""
    import numpy as np
    from PySide6.QtGui import QFontMetrics
    from engine.decode import EVENT_DTYPE
    from engine.wire import K
    from gui import theme
    from gui.extra_views import TaskGantt
    view = TaskGantt(theme.LIGHT, 21)
    qtbot.addWidget(view)
    view.resize(460, 300)
    view.show()
    ev = np.zeros(12, EVENT_DTYPE)
    ev["kind"] = [K.TASK_START, K.TASK_FINISH] * 6
    ev["pid"] = np.repeat(np.arange(100, 106), 2)
    ev["worker"], ev["a"], ev["t"] = 1, np.repeat(np.arange(6), 2), np.arange(12) * 10_000_000
    view.ingest(ev, {})
    view.refresh()
    line = QFontMetrics(theme.ui_font(theme.readable_px("ticks", 21))).height()
    view.plot.setFixedHeight(view.plot.minimumHeight())  # what the plots' owner gives it
    qtbot.wait(50)
    box = view.plot.getPlotItem().getViewBox()
    assert box.height() >= 6 * line, (box.height(), line)  # six rows, a line each
