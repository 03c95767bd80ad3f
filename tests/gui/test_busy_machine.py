"""A busy machine is found before it misleads (issue 13, part 4): the CPU view splits each
core into this run / other programs / idle, the window warns before Run, and a stopped
run's verdict is shown as measured so far, labelled once."""
import numpy as np
import pytest

from engine.decode import EVENT_DTYPE
from engine.scenarios.base import Verdict, text
from engine.wire import K


def _cpu_samples(t0, rows):
    """rows: (seconds after t0, core, load %, this run's %) -> cpu_sample events."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for i, (s, core, load, mine) in enumerate(rows):
        ev[i] = (t0 + int(s * 1e9), 0, core, K.CPU_SAMPLE, 1 + int(mine * 100), core, int(load * 100))
    return ev


@pytest.fixture
def panel(qtbot):
    from gui import theme
    from gui.cpu_panel import CpuPanel
    widget = CpuPanel(theme.LIGHT, 14)
    qtbot.addWidget(widget)
    widget.resize(900, 200)
    widget.show()
    return widget


def test_cpu_view_splits_each_core_into_run_others_idle(panel):
    panel.reset(1_000)
    # core 0: 100 % busy, 40 of it this run; core 1: 80 % busy, none of it this run
    panel.ingest(_cpu_samples(1_000, [(0.1 * i, c, (100, 80)[c], (40, 0)[c])
                                      for i in range(1, 21) for c in (0, 1)]))
    panel.refresh()
    shares = panel.split_shares()
    assert shares.shape == (2, 3)
    assert shares[0] == pytest.approx([0.4, 0.6, 0.0])
    assert shares[1] == pytest.approx([0.0, 0.8, 0.2])
    assert "other programs: 1.4" in panel.busy.text()
    assert "last second" in panel.split.key.text()
    panel.finish(None)
    assert "whole run" in panel.split.key.text()


def test_a_recording_without_the_split_says_so(panel):
    panel.reset(0)
    ev = _cpu_samples(0, [(0.1, 0, 90, 0), (0.1, 1, 90, 0)])
    ev["aux"] = 0  # made before the split was recorded
    panel.ingest(ev)
    panel.refresh()
    assert "did not measure" in panel.split.key.text()
    assert "other programs" not in panel.busy.text()


def test_the_window_warns_before_run_when_other_programs_hold_the_cores(window, qtbot):
    warning = window.busy_warning
    warning.show_load(1.7, 2)
    assert warning.isVisible() and "1.7 of 2 cores" in warning.text()
    # near Run: the first thing shown under the toolbar, above the plots (before it only
    # widgets hidden now: the presentation header, the first-run hint)
    at = window.plots_layout.indexOf(warning)
    assert 0 <= at < window.plots_layout.indexOf(window.banner)
    before = [window.plots_layout.itemAt(i).widget() for i in range(at)]
    assert not any(w is not None and w.isVisible() for w in before)
    warning.show_load(0.2, 2)
    assert not warning.isVisible()
    warning.show_load(0.6, 8)  # under a quarter of eight cores: no warning
    assert not warning.isVisible()
    window.set_chinese(True)
    warning.show_load(1.5, 2)
    assert "其他程序" in warning.text() and "1.5" in warning.text()
    window.set_chinese(False)


def test_the_warning_measures_the_machine_while_idle(window, qtbot):
    warning = window.busy_warning
    warning.enabled = True  # the window fixture turned it off
    warning.watch()
    assert warning._timer.isActive()  # no run: watching
    qtbot.waitUntil(lambda: warning.other_cores is not None, timeout=5000)
    assert warning.other_cores >= 0.0


def test_a_stopped_run_is_labelled_once(window):
    class _Result:
        figures = {"stopped_after_s": 1.2}
        view = None
    verdict = Verdict(text("Stopped — measured so far: Deadlock: THREAD1 holds A",
                           "已停止——目前测得：死锁：THREAD1 持有 A"), {}, [])
    verdict.partial = True
    _Result.verdict = verdict
    window.lesson.set_result(_Result(), "stopped")
    shown = window.lesson.verdict_text()
    assert shown == "Stopped — measured so far: Deadlock: THREAD1 holds A"
    assert "Stopped early" not in shown


def test_presentation_mode_hides_the_warning_and_leaving_watches_again(window):
    warning = window.busy_warning
    warning.enabled = True
    warning.watch()
    warning.show_load(1.7, 2)
    window.presentation.enter()
    assert not warning.isVisible() and not warning._timer.isActive()
    window.presentation.leave()
    assert warning._timer.isActive()
