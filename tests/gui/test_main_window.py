"""The window end to end: every scenario run through it for real, Stop, failures, responsiveness.

Each scenario runs in its own runner process tree via the window's Session (the
GUI never runs scenario code); tests assert that the plots hold data from that
run, not that a particular number came out (the engine tests do that).
"""
import html
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import time  # noqa: E402

import pytest  # noqa: E402

from engine import scenarios  # noqa: E402
from engine.wire import K  # noqa: E402
from gui import run_status  # noqa: E402
from gui.scenario_picker import available  # noqa: E402

RUN_TIMEOUT_MS = 60_000  # generous: a shared 2-core machine may be busy
# Knobs that keep a run short here; everything else stays at its declared default.
SHORTER = {"gil": {"iterations": 4_000_000}}


def _choose(win, sid, **values):
    assert win.picker.select(sid), sid
    assert win.params.scenario.id == sid
    scenario = scenarios.get(sid)
    workers = scenario.param("workers") if any(p.name == "workers" for p in scenario.params) else None
    if workers is not None:
        win.params.set_value("workers", max(workers.minimum, min(2, workers.maximum)))
    for name, value in {**SHORTER.get(sid, {}), **values}.items():
        win.params.set_value(name, value)


def _run_to_end(qtbot, win):
    win.run_control.run()
    qtbot.waitUntil(lambda: win.run_control.state not in ("running", "idle") and not win.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)


def _screen_x(plot_widget, t: float) -> int:
    """Where time t (s) is drawn on screen in a pyqtgraph PlotWidget."""
    from PySide6.QtCore import QPointF
    scene = plot_widget.getPlotItem().getViewBox().mapViewToScene(QPointF(t, 0))
    return plot_widget.mapToGlobal(plot_widget.mapFromScene(scene)).x()


def _assert_timeline_shows_the_run(plots, view):
    """The spans grown live, made final at the end, are the run's own (RunView.spans)."""
    import numpy as np
    assert plots.live.lanes == [(pid, worker) for pid, worker, _ in view.lanes()]
    assert plots.lane_labels == [label for _, _, label in view.lanes()]
    want, got = view.spans(), plots.timeline.index.spans
    for field in ("lane", "t0", "t1", "state"):
        assert np.array_equal(getattr(got, field), want[field]), field


@pytest.mark.parametrize("sid", scenarios.IDS)
def test_every_scenario_runs_through_the_window(qtbot, window, sid):
    if not available(sid):
        pytest.skip("scenario %s is not written yet" % sid)
    _choose(window, sid)
    _run_to_end(qtbot, window)
    assert window.run_control.state == "finished", window.banner.problem_text()
    result = window.run_control.last_result
    assert result is not None and result.verdict.headline["en"]
    assert window.lesson.verdict_text(), "no verdict shown"
    # Every figure is labelled in words, in both languages, not shown by its JSON name.
    declared = scenarios.get(sid).figures
    assert [n for n in result.figures if set(declared.get(n, ())) != {"en", "zh_CN"}] == []
    shown = window.lesson.figures.text()
    for name, value in result.figures.items():
        records = isinstance(value, list) and any(isinstance(v, dict) for v in value)
        if value is not None and not records:  # records are for --json; the verdict says them
            assert html.escape(declared[name]["en"]) in shown, name
    plots = window.plots
    # The steps the scenario labels are marked where they began, in the order they ran.
    phases = scenarios.get(sid).phases
    begun = [result.view.name(e["pid"], e["b"]) for e in result.view.of_kind(K.PHASE_BEGIN)]
    assert set(phases) <= set(begun), "a labelled phase that run() never records"
    assert plots.timeline.phase_marks.labels() == [phases[n]["en"] for n in begun if n in phases]
    assert plots.lane_labels, "the timeline has no lanes"
    assert plots.timeline.index.n_lanes == len(plots.lane_labels)
    assert len(plots.timeline.index.spans) > 0
    _assert_timeline_shows_the_run(plots, result.view)
    if result.figures["wall_s"] > 0.5:  # the sampler reads every 0.1 s
        assert plots.cpu.point_count() > 0, "the CPU plot holds no samples"
    shows = scenarios.get(sid).shows
    if "trace" in shows and window.params.values().get("traced", True):
        qtbot.waitUntil(plots.trace.settled, timeout=RUN_TIMEOUT_MS)
        assert plots.trace.mark_count() > 0, "the trace view holds no reads/writes"
        assert plots.trace.lost_count() == (result.figures.get("lost_updates") or 0)
    if "queue" in shows:
        assert plots.queue.point_count() > 0, "the queue view holds no depth points"
    if "tasks" in shows:
        assert plots.tasks.task_count() > 0, "the Gantt holds no tasks"
    # A moment is at the same x on screen in the timeline and the scenario's own view.
    x0, x1 = plots.timeline.view_box.viewRange()[0]
    for name in ("queue", "tasks"):
        if name in shows:
            for t in (x0 + 0.1 * (x1 - x0), x0 + 0.9 * (x1 - x0)):
                assert abs(_screen_x(getattr(plots, name).plot, t)
                           - _screen_x(plots.timeline.plot_widget, t)) <= 3, (name, t)
    assert window.run_action.isEnabled() and not window.stop_action.isEnabled()


def test_stop_mid_run_returns_to_idle_within_a_second(qtbot, window):
    _choose(window, "gil", iterations=400_000_000)
    window.params.set_value("workers", 8)
    window.run_control.run()
    # Live, before the end: lanes and CPU samples arrive while the run goes.
    qtbot.waitUntil(lambda: bool(window.plots.lane_labels) and window.plots.cpu.point_count() > 0,
                    timeout=20_000)
    assert window.run_control.state == "running"
    began = time.monotonic()
    window.run_control.stop()
    qtbot.waitUntil(lambda: window.run_control.state == "stopped", timeout=5_000)
    elapsed = time.monotonic() - began
    assert elapsed < 1.0, "Stop took %.2f s" % elapsed
    qtbot.waitUntil(lambda: window.run_action.isEnabled(), timeout=10_000)
    assert "Stopped" in window.status_label.text()


def test_closing_the_window_stops_the_run(qtbot, window):
    _choose(window, "gil", iterations=400_000_000)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state == "running", timeout=10_000)
    session = window.adapter.session
    window.close()
    assert session.state == "stopped"  # and the autouse fixture finds no process left


def test_escape_key_stops_and_f5_runs(qtbot, window):
    from PySide6.QtCore import Qt
    _choose(window, "gil", iterations=400_000_000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.run_control.state == "running", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.run_control.state == "stopped" and not window.adapter.busy, timeout=5_000)


def test_window_stays_responsive_with_eight_cpu_bound_threads(qtbot, window):
    from PySide6.QtCore import QTimer
    _choose(window, "gil", iterations=20_000_000)
    window.params.set_value("workers", 8)
    beats = []
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(time.monotonic()))
    timer.start(20)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state == "running", timeout=10_000)
    qtbot.wait(1500)
    timer.stop()
    window.run_control.stop()
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    assert gaps and max(gaps) < 0.5, "the event loop stalled for %.2f s" % max(gaps)


def test_interpreter_list_shows_version_and_gil_mode(qtbot, window):
    import re
    picker = window.python_picker
    with qtbot.waitSignal(picker._reporter.searched, timeout=60_000):
        picker.search()
    labels = [picker.itemText(i) for i in range(picker.count() - 1)]  # the last: "Other Python…"
    assert labels and all(re.match(r"Python 3\.\d+\.\d+\S* \((GIL|free-threaded)\) — ", t)
                          for t in labels), labels
    assert picker.python() is None  # the current Python stays chosen


def test_another_interpreter_runs_the_scenario(qtbot, window, other_pythons):
    if not other_pythons:
        pytest.skip("no other CPython >= 3.9 here")
    python = other_pythons[0]
    with qtbot.waitSignal(window.python_picker.currentIndexChanged, timeout=20_000):
        window.python_picker.probe_path(python.path)
    assert window.python_picker.python() == python.path
    _choose(window, "race")
    _run_to_end(qtbot, window)
    assert window.run_control.state == "finished", window.banner.problem_text()
    assert window.run_control.last_result.view.interpreter["version"].startswith("%d.%d." % python.version[:2])


def test_missing_interpreter_is_a_clear_message(qtbot, window, tmp_path):
    missing = str(tmp_path / "no-such-python3")
    window.python_picker.insertItem(0, "missing", missing)
    window.python_picker.setCurrentIndex(0)
    _choose(window, "race")
    window.run_control.run()
    assert window.run_control.state == "failed"
    assert "not found" in window.banner.problem_text() or "could not start" in window.banner.problem_text()
    assert window.run_action.isEnabled()


def test_choosing_a_file_that_is_not_python_says_so(qtbot, window, tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("not a program")
    fake.chmod(0o755)
    with qtbot.waitSignal(window.python_picker.problem, timeout=20_000) as blocker:
        window.python_picker.probe_path(str(fake))
    window.banner.show_problem(blocker.args[0])
    assert "python" in window.banner.problem_text().lower()


def test_scenario_error_and_worker_crash_are_messages(window):
    """A failed run and a crashed worker are said in words in the window (never a traceback)."""
    import numpy as np
    from engine.analysis import RunView
    from engine.decode import EVENT_DTYPE
    from engine.wire import K

    window.adapter.run_failed.emit("ZeroDivisionError: division by zero", None)
    assert window.run_control.state == "failed"
    assert "division by zero" in window.banner.problem_text()
    assert window.run_action.isEnabled()

    ev = np.zeros(2, EVENT_DTYPE)
    ev[0] = (10, 100, 1, K.ERROR, 0, 5, -1)         # a thread of pid 100 raised
    ev[1] = (20, 100, 0, K.PROC_EXIT, 0, -9, 4321)   # its child 4321 was killed by SIGKILL
    view = RunView(ev, {(100, 5): "ValueError: bad item"})
    found = run_status.worker_failure_texts(view, window.plots.lane_name)
    assert any("ValueError: bad item" in text for text in found)
    assert any("4321" in text and "signal 9" in text for text in found)


def test_param_controls_enforce_declared_bounds(window):
    for sid in scenarios.IDS:
        if not available(sid) or not window.picker.select(sid):
            continue
        for param in scenarios.get(sid).params:
            control = window.params.control(param.name)
            if param.kind in ("int", "float"):
                control.setValue(min(param.maximum * 10 + 10, 2 ** 31 - 1))
                assert control.value() <= param.maximum
                control.setValue(param.minimum - 10)
                assert control.value() >= param.minimum
        values = window.params.values()
        for param in scenarios.get(sid).params:
            param.validate(values[param.name])  # raises if a widget let a bad value through


def test_language_switch_shows_scenario_texts_in_chinese(window):
    window.picker.select("race")
    window.chinese_action.setChecked(True)
    assert window.lesson.lesson.toPlainText().startswith(scenarios.get("race").title["zh_CN"])
    window.chinese_action.setChecked(False)
    assert window.lesson.lesson.toPlainText().startswith(scenarios.get("race").title["en"])


def test_dark_palette_and_text_size_apply_to_plots(window):
    window.dark_action.setChecked(True)
    window.scale_text(1.5)
    assert window.theme.dark
    assert window.plots.cpu.plot.backgroundBrush().color().name() == window.theme.plot_bg


# -- the scenario chosen is the one shown and the one run, whichever way it was chosen ---------
def _ways_to_choose(window, sid):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    n = window.picker.order.index(sid) + 1
    return {"call": lambda: window.run_control.choose_scenario(sid),
            "list": lambda: window.picker.select(sid),
            "shortcut": lambda: QTest.keyClick(window, Qt.Key(Qt.Key.Key_0 + n % 10),
                                               Qt.KeyboardModifier.ControlModifier)}


def _assert_chosen(window, sid):
    from gui.scenario_picker import ID_ROLE
    assert window.picker.current_id() == sid
    assert [item.data(ID_ROLE) for item in window.picker.selectedItems()] == [sid]  # highlighted
    assert window.params.scenario.id == sid
    assert window.lesson.scenario.id == sid
    assert set(window.params.values()) == {p.name for p in scenarios.get(sid).params}


@pytest.mark.parametrize("way", ["call", "list", "shortcut"])
def test_list_form_and_lesson_agree_whichever_way_a_scenario_is_chosen(qtbot, window, way):
    available_ids = [sid for sid in window.picker.order if window.picker.scenario(sid)]
    if way == "shortcut":  # Ctrl+1..9, Ctrl+0: only the first ten have a digit
        available_ids = available_ids[:10]
    for sid in (available_ids[0], "race", available_ids[-1], "gil"):
        if window.picker.scenario(sid) is None:
            continue
        _ways_to_choose(window, sid)[way]()
        _assert_chosen(window, sid)


def test_every_listed_scenario_has_its_shortcut_digit(window):
    """Ctrl+1..9 and Ctrl+0 for the 10th: the digit shown is the key that picks it."""
    from gui.scenario_picker import shortcut_digit
    for n, sid in enumerate(window.picker.order, 1):
        text = window.picker._items[sid].text()
        if n <= 10:
            assert text.startswith(shortcut_digit(n) + "  "), text
        else:
            assert not text[:1].isdigit(), text


def test_run_after_choose_scenario_runs_that_scenario(qtbot, window):
    window.picker.select(window.picker.order[0])
    window.run_control.choose_scenario("race")
    _assert_chosen(window, "race")
    window.params.set_value("iterations", 2_000)
    _run_to_end(qtbot, window)
    assert window.run_control.state == "finished", window.banner.problem_text()
    assert window.adapter.session.scenario.id == "race" and window.run_control.run_scenario.id == "race"
    assert window.run_control.last_result.view.params["iterations"] == 2_000


# -- messages are plain text, escaped exactly once ------------------------------------------------
def test_messages_show_quotes_and_markup_literally(qtbot, window):
    from PySide6.QtCore import Qt
    window.run_control.choose_scenario("gil")
    with qtbot.waitSignal(window.adapter.run_failed, timeout=10_000):
        window.adapter.start("gil", {"lock": True})  # a parameter gil does not have
    shown = window.banner.problem_text()
    assert "unknown parameter 'lock'" in shown and "&#" not in shown and "&amp;" not in shown, shown
    assert window.banner.textFormat() == Qt.TextFormat.PlainText
    window.adapter.run_failed.emit("a < b && c > \"d\" & <b>not bold</b> &#x27;", None)
    assert window.banner.problem_text().endswith("a < b && c > \"d\" & <b>not bold</b> &#x27;")
    assert window.lesson.headline.textFormat() == Qt.TextFormat.PlainText


def test_panels_keep_sensible_widths_at_1366(qtbot, window):
    """At 1366x768 and 14 px text nothing asks for more width than the screen has: the
    timeline's legend wraps, and the list, the plots and the lesson each keep a usable share."""
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    assert window.minimumSizeHint().width() <= 1366
    assert window.plots.timeline.minimumSizeHint().width() < 400
    left, plots, lesson = window.split.sizes()
    assert left >= 250 and plots >= 550 and lesson >= 350, window.split.sizes()


def _tick_seconds(axis) -> list:
    """The numbers the axis prints under its label, as the user reads them."""
    lo, hi = sorted(axis.range)
    values = [v for _, level in axis.tickValues(lo, hi, max(axis.width(), 400)) for v in level]
    spacing = (hi - lo) / 5 or 1.0
    return [float(s) for s in axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)]


def test_time_axes_stay_in_seconds_after_theme_language_and_size_changes(qtbot, window):
    """A sub-second run, then a restyle, then another run: ticks are seconds, not ms."""
    _choose(window, "race", iterations=2_000)
    _run_to_end(qtbot, window)
    for change in (lambda: window.set_dark(True), lambda: window.set_chinese(True),
                   lambda: window.scale_text(1.25)):
        change()
        _run_to_end(qtbot, window)
        assert window.run_control.state == "finished", window.banner.problem_text()
        wall_s = window.run_control.last_result.figures["wall_s"]
        for axis in (window.plots.cpu.plot.getPlotItem().getAxis("bottom"),
                     window.plots.timeline.plot_item.getAxis("bottom")):
            assert axis.autoSIPrefixScale == 1.0 and axis.labelUnitPrefix == ""
            ticks = _tick_seconds(axis)
            assert ticks and max(ticks) <= max(wall_s, axis.range[1]) + 1.0, (ticks, wall_s)


def test_external_commands_exit_codes_are_the_lesson_not_a_warning(qtbot, window):
    """subprocess runs `cp missing` (exit 1) and os.system("exit 3") (no pid) on purpose:
    no banner. Only the run's own Python workers' exits are worries."""
    _choose(window, "subprocess", child_seconds=0.1)
    _run_to_end(qtbot, window)
    assert window.run_control.state == "finished", window.banner.problem_text()
    assert window.banner.problem_text() == ""
    assert run_status.worker_failure_texts(window.run_control.last_result.view, window.plots.lane_name) == []


def test_a_python_worker_that_exits_with_a_code_is_a_worry(window):
    import numpy as np
    from engine.analysis import RunView
    from engine.decode import EVENT_DTYPE
    from engine.wire import K, S

    ev = np.zeros(4, EVENT_DTYPE)
    ev[0] = (10, 200, 0, K.WORKER_START, 0, 1, 7)     # pid 200 records its own lane
    ev[1] = (11, 200, 0, K.STATE, 0, S.RUNNING, 0)
    ev[2] = (20, 100, 0, K.PROC_EXIT, 0, 1, 200)      # ... and exits with code 1
    ev[3] = (21, 100, 0, K.PROC_EXIT, 0, 3, 0)        # os.system's shell: no pid
    found = run_status.worker_failure_texts(RunView(ev, {(200, 1): "worker"}), window.plots.lane_name)
    assert len(found) == 1 and "200" in found[0] and "code 1" in found[0], found


def _clipped_parameter_widgets(window) -> list:
    """Labels and inputs of the parameter form not fully inside its visible area."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractSpinBox, QLabel, QScrollArea
    form = window.params
    viewport = form.parentWidget()
    assert isinstance(viewport.parentWidget(), QScrollArea)
    clipped = []
    for widget in form.findChildren(QLabel) + form.findChildren(QAbstractSpinBox):
        if not widget.isVisibleTo(form):
            continue
        left = widget.mapTo(viewport, QPoint(0, 0)).x()
        if isinstance(widget, QLabel) and widget.wordWrap():
            too_small = widget.height() < widget.heightForWidth(widget.width())
        else:
            too_small = widget.width() < widget.sizeHint().width()
        if left < 0 or left + widget.width() > viewport.width() or too_small:
            clipped.append("%s %r %dx%d" % (type(widget).__name__, widget.text(), widget.width(),
                                             widget.height()))
    return clipped


@pytest.mark.parametrize("pixel_size", [14, 18])
def test_parameter_rows_fit_the_panel_at_1366(qtbot, window, pixel_size):
    """Long labels wrap and every input keeps its full width (A+ included), in both languages."""
    window.pixel_size = pixel_size
    window.scale_text(1.0)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=2000)
    for lang in (False, True):
        window.set_chinese(lang)
        for sid in ("queue-pipeline", "deadlock", "race"):
            window.run_control.choose_scenario(sid)
            qtbot.wait(50)  # layouts settle
            assert _clipped_parameter_widgets(window) == [], (sid, lang)


def test_a_check_box_text_wraps_and_a_click_on_it_toggles(qtbot, window):
    from PySide6.QtCore import Qt
    window.run_control.choose_scenario("race")
    box, text = window.params.control("traced"), window.params._labels["traced"]
    assert text.wordWrap() and text.text().startswith("Trace every read and write")
    was = box.isChecked()
    qtbot.mouseClick(text, Qt.MouseButton.LeftButton)
    assert box.isChecked() is not was and window.params.values()["traced"] is not was
