"""The compare window: runs stacked on one time axis, their figures, the verdict, Pin, Stop."""
import pytest
from PySide6.QtCore import Qt

from engine import guardian


@pytest.fixture
def window(window):
    """The shared window (tests/gui/conftest.py) with race chosen; closing it at the end
    closes the compare window too: its comparison stops."""
    window.picker.select("race")
    return window


def _compare_view(qtbot, window):
    window.show_compare()
    view = window.compare_window.view
    qtbot.waitUntil(lambda: view.pythons.count() > 0, timeout=60_000)
    return view


def _done(view):
    return view._finished() and not view._timer.isActive()


def test_lock_off_vs_on_stacks_runs_on_one_time_axis_with_figures_and_verdict(qtbot, window):
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 2000)
    view.set_vary("lock", "off,on")
    view.repeat.setValue(2)
    assert view.start_compare(), view.status.text()
    qtbot.waitUntil(lambda: _done(view), timeout=60_000)
    assert len(view.rows) == 4
    assert [r.slot.state for r in view.rows] == ["finished"] * 4
    assert all(r.live.lanes and r.point_count() > 0 for r in view.rows)  # lanes and key plot
    # One time axis: zooming one run's lanes zooms every run's lanes and key plot.
    view.rows[0].timeline.view_box.setXRange(0.01, 0.02, padding=0)
    for row in view.rows:
        for vb in (row.timeline.view_box, row.key_plot.getPlotItem().getViewBox()):
            x0, x1 = vb.viewRange()[0]
            assert abs(x0 - 0.01) < 1e-6 and abs(x1 - 0.02) < 1e-6
    assert view.table.columnCount() == 4
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(4)]
    assert headers == ["lock=off #1", "lock=on #1", "lock=off #2", "lock=on #2"]
    labels = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    lost_row = labels.index("Lost updates")
    assert view.table.item(lost_row, 1).text() == "0" and view.table.item(lost_row, 3).text() == "0"
    text = view.verdict.text()
    assert "lock=on: 0 in every run (2)" in text and "Waits for the lock" in text


def test_pinned_run_stays_for_the_next_comparison(qtbot, window):
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 500)
    view.set_vary("lock", "off,on")
    assert view.start_compare()
    qtbot.waitUntil(lambda: _done(view), timeout=60_000)
    view.rows[0].pin_button.setChecked(True)
    assert len(view.pinned) == 1
    view.set_vary("workers", "2,3")
    assert view.start_compare()
    qtbot.waitUntil(lambda: _done(view), timeout=60_000)
    assert len(view.rows) == 3 and view.rows[0].pinned
    assert view.rows[0].label() == "lock=off"
    assert view.table.columnCount() == 3


def test_the_main_windows_last_run_can_be_pinned(qtbot, window):
    view = _compare_view(qtbot, window)
    assert not view.pin_main_window_run()
    assert "no finished run" in view.status.text()
    window.params.set_value("iterations", 300)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.last_result is not None, timeout=60_000)
    assert view.pin_main_window_run()
    assert len(view.rows) == 1 and view.rows[0].final and view.rows[0].live.lanes
    assert "iterations=300" in view.rows[0].label()


def test_stop_in_the_middle_ends_every_process(qtbot, window):
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 1_000_000)
    window.params.set_value("traced", False)
    view.set_vary("lock", "off,on")
    view.repeat.setValue(3)
    assert view.start_compare()
    qtbot.waitUntil(lambda: any(r.slot.state == "running" for r in view.rows), timeout=30_000)
    run_ids = [r.slot.run_id for r in view.rows if r.slot.run_id]
    view.stop_button.click()
    assert view.comparison.state == "stopped" and "Stopped in" in view.status.text()
    assert all(not guardian.processes_with_run_id(run_id) for run_id in run_ids)
    assert "not run" in {s.state for s in view.comparison.slots}
    qtbot.waitUntil(lambda: _done(view), timeout=10_000)


def test_bad_choice_is_said_in_the_status_line(qtbot, window):
    view = _compare_view(qtbot, window)
    view.set_vary("lock", "off,maybe")
    assert not view.start_compare()
    assert "lock=maybe" in view.status.text()
    view.set_vary("", "")
    assert not view.start_compare()
    assert "nothing to compare" in view.status.text()


def test_the_compare_window_in_chinese(qtbot, window):
    view = _compare_view(qtbot, window)
    window.set_chinese(True)
    assert view.compare_button.text() == "比较"
    assert window.compare_action.text() == "比较…"
    window.set_chinese(False)
    assert view.compare_button.text() == "Compare"


# -- the "done when", in the window -----------------------------------------------------
def test_a_python_gone_since_the_search_is_skipped_by_name_and_the_rest_compared(qtbot, window):
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 300)
    gone = dict(view._found[0], executable="/nonexistent/python3.99", label="3.99 (removed)")
    view._add_found(view._found + [gone])
    view.pythons.item(0).setCheckState(Qt.CheckState.Checked)
    view.pythons.item(view.pythons.count() - 1).setCheckState(Qt.CheckState.Checked)
    view.set_vary("lock", "off,on")
    assert view.start_compare(), view.status.text()
    assert "Skipped: /nonexistent/python3.99 — not found any more" in view.status.text()
    qtbot.waitUntil(lambda: _done(view), timeout=60_000)
    assert [r.slot.state for r in view.rows] == ["finished", "finished"]
    assert "/nonexistent/python3.99" in view.status.text()  # still said once it has ended
    assert "/nonexistent/python3.99" in view.verdict.text()
    view.pythons.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not view.start_compare()  # only the gone one ticked: nothing to run, said
    assert "Nothing left to compare" in view.status.text() and "python3.99" in view.status.text()


def test_no_free_threaded_build_is_said_and_python_gil_is_refused_by_name(qtbot, window):
    view = _compare_view(qtbot, window)
    if any(i.get("free_threaded_build") for i in view._found):  # pragma: no cover
        pytest.skip("a free-threaded build is installed here")
    assert "No free-threaded build (3.13t, 3.14t) is installed here" in view.free_note.text()
    view.set_vary("PYTHON_GIL", "0,1")
    assert not view.start_compare()
    text = view.status.text()
    assert "PYTHON_GIL applies to free-threaded builds" in text and view._found[0]["version"] in text
    assert view.rows == [] and view.comparison is None


def test_a_timing_scenario_runs_one_at_a_time_and_the_window_says_why(qtbot, window):
    window.picker.select("gil")
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 20_000)
    view.set_vary("workers", "1,2")
    assert view.start_compare(), view.status.text()
    assert "gil measures times and speedups, so its runs go one at a time" in view.status.text()
    qtbot.waitUntil(lambda: _done(view), timeout=120_000)
    spans = sorted((r.slot.started_at, r.slot.ended_at) for r in view.rows)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans  # never two at once
    assert "one at a time" in view.verdict.text()


def test_closing_the_compare_window_in_the_middle_leaves_no_process(qtbot, window):
    view = _compare_view(qtbot, window)
    window.params.set_value("iterations", 1_000_000)
    window.params.set_value("traced", False)
    view.set_vary("lock", "off,on")
    assert view.start_compare()
    qtbot.waitUntil(lambda: any(r.slot.state == "running" for r in view.rows), timeout=30_000)
    run_ids = [s.run_id for s in view.comparison.slots if s.run_id]
    window.compare_window.close()
    assert view.comparison.state == "stopped"
    assert run_ids and all(not guardian.processes_with_run_id(run_id) for run_id in run_ids)


def test_bad_values_in_the_window_are_said_in_one_line(qtbot, window):
    view = _compare_view(qtbot, window)
    for name, values, says in (("lock", "off,,on", "no empty value"),
                               ("workers", "2,2", "listed twice"),
                               ("iterations", "0,10", "iterations=0"),
                               ("PYTHON_GIL", "0,2", "expected 0 or 1")):
        view.set_vary(name, values)
        assert not view.start_compare()
        assert says in view.status.text() and "\n" not in view.status.text(), view.status.text()
        assert "Traceback" not in view.status.text()
