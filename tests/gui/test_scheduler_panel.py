"""Be the scheduler: the window's step run of race and deadlock, driven by its buttons."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from gui.scheduler_panel import GATE_READ, GATE_WRITE, about_to, bytecode_of  # noqa: E402

RUN_TIMEOUT_MS = 60_000


def test_the_bytecode_shown_is_the_line_s_own_with_the_next_instruction_marked():
    ops = bytecode_of("    ret = ret + n      # read ret, add, write ret: not atomic")
    names = [op for op, _ in ops]
    assert names[0].startswith("LOAD_GLOBAL") and names[-1] == "STORE_GLOBAL"
    assert ops[about_to(ops, GATE_READ)][0].startswith("LOAD_GLOBAL")
    assert ops[about_to(ops, GATE_WRITE)] == ("STORE_GLOBAL", "ret")
    assert bytecode_of("with lock:") == []


def _step(qtbot, win, number):
    panel = win.scheduler
    qtbot.waitUntil(lambda: number in panel.parked() or win.run_control.state != "running",
                    timeout=RUN_TIMEOUT_MS)
    assert win.run_control.state == "running", win.banner.problem_text()
    steps = panel._steps
    panel._widgets[number][0].click()
    qtbot.waitUntil(lambda: panel._steps > steps or win.run_control.state != "running", timeout=RUN_TIMEOUT_MS)


def test_a_lost_update_caused_by_the_user_s_clicks(qtbot, window):
    assert window.picker.select("race")
    window.params.set_value("workers", 2)
    window.params.set_value("iterations", 1)
    window.scheduler_action.setChecked(True)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.scheduler.isVisible() and len(window.scheduler.parked()) == 2,
                    timeout=RUN_TIMEOUT_MS)
    where = window.scheduler._widgets[1][1].text()
    from engine.scenarios.race import LINE_ADD  # `ret = ret + n` in the shown program
    assert "line %d" % LINE_ADD in where and "about to read" in where
    assert "LOAD_GLOBAL" in window.scheduler._widgets[1][2].text()
    for number in (1, 2, 1, 2, 1, 1, 2, 2):
        _step(qtbot, window, number)
    qtbot.waitUntil(lambda: window.run_control.last_result is not None, timeout=RUN_TIMEOUT_MS)
    figures = window.run_control.last_result.figures
    assert (figures["final_value"], figures["lost_updates"]) == (-5, 1)
    notes = " ".join(n["en"] for n in window.run_control.last_result.verdict.notes)
    assert "you chose" in notes and "Step 4: THREAD2 wrote 8" in notes
    assert not any(w[0].isEnabled() for w in window.scheduler._widgets.values())


def test_stop_ends_a_run_parked_at_its_steps(qtbot, window):
    assert window.picker.select("deadlock")
    window.scheduler_action.setChecked(True)
    window.run_control.run()
    qtbot.waitUntil(lambda: len(window.scheduler.parked()) == 2, timeout=RUN_TIMEOUT_MS)
    window.run_control.stop()
    assert window.run_control.stop_seconds is not None and window.run_control.stop_seconds < 1.0
    qtbot.waitUntil(lambda: not window.adapter.busy, timeout=RUN_TIMEOUT_MS)
    assert window.run_control.state == "stopped"


def test_scenarios_without_steps_cannot_be_scheduled(qtbot, window):
    assert window.picker.select("gil")
    assert not window.scheduler_action.isEnabled()
    assert window.picker.select("race")
    assert window.scheduler_action.isEnabled()


def test_stepping_through_a_finished_run_moves_the_cursor_and_the_source_line(qtbot, window):
    from engine.wire import K
    assert window.picker.select("race")
    window.params.set_value("workers", 2)
    window.params.set_value("iterations", 3)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.last_result is not None, timeout=RUN_TIMEOUT_MS)
    bar = window.scrubber
    assert bar.isVisible()
    steps = bar._steps
    first_read = int(next(i for i, e in enumerate(steps) if e["kind"] == K.VAR_READ))
    bar.go_to(first_read)
    assert "read ret = 0" in bar.label.full_text()
    seconds = (int(steps[first_read]["t"]) - window.adapter.session.t_start_ns) / 1e9
    assert abs(bar._cursors[0].value() - seconds) < 1e-9
    lines = {window.lesson.source.document().findBlock(sel.cursor.position()).blockNumber() + 1
             for sel in window.lesson.source.extraSelections()}
    from engine.scenarios.race import LINE_ADD
    assert lines == {LINE_ADD}  # `ret = ret + n` in the shown program
    bar.step(1)
    assert bar.index == first_read + 1
    bar.step(-1)
    assert bar.index == first_read
    window.picker.select("gil")  # another scenario: the old run's cursor goes
    assert not bar.isVisible()


def test_replay_this_interleaving_gives_the_same_steps_and_figures(qtbot, window):
    assert window.picker.select("race")
    window.params.set_value("workers", 2)
    window.params.set_value("iterations", 2000)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.last_result is not None and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    first = window.run_control.last_result.figures
    assert window.scrubber.replay_button.isVisible()
    window.scrubber.replay_button.click()
    qtbot.waitUntil(lambda: window.run_control.last_result is not None and not window.adapter.busy
                    and "replay_same_steps" in window.run_control.last_result.figures, timeout=RUN_TIMEOUT_MS)
    again = window.run_control.last_result.figures
    assert again["replay_same_steps"] is True
    assert (again["final_value"], again["lost_updates"]) == (first["final_value"], first["lost_updates"])
    assert window.run_control.last_result.verdict.notes[0]["en"].startswith("Replay: the same 16000 steps")


def test_closing_the_window_ends_a_run_parked_at_its_steps(qtbot, window):
    from tests.engine.helpers import survivors
    assert window.picker.select("race")
    window.scheduler_action.setChecked(True)
    window.run_control.run()
    qtbot.waitUntil(lambda: len(window.scheduler.parked()) == 2, timeout=RUN_TIMEOUT_MS)
    run_id = window.adapter.session.run_id
    window.close()
    assert window.adapter.session.state == "stopped"
    assert survivors(run_id) == []


def test_a_big_runs_steps_are_gathered_off_the_gui_thread(qtbot, monkeypatch):
    """Past FIND_ON_A_THREAD steps the bar gathers them on a thread when first asked, then
    takes the step asked for."""
    import numpy as np

    from engine.analysis import RunView
    from engine.decode import EVENT_DTYPE
    from engine.wire import K
    from gui import scrubber as scrubber_module
    monkeypatch.setattr(scrubber_module, "FIND_ON_A_THREAD", 2)
    rows = [(10, 1, 1, K.WORKER_START, 0, 1, 0)]
    rows += [(20 + i, 1, 1, (K.VAR_READ, K.VAR_WRITE)[i % 2], 0, 2, i) for i in range(10)]
    view = RunView(np.array(rows, EVENT_DTYPE), {(1, 1): "THREAD1", (1, 2): "ret"})
    bar = scrubber_module.Scrubber()
    qtbot.addWidget(bar)
    bar.load(view, 0)
    assert bar._steps is None and bar.label.full_text().startswith("10 steps:")  # not gathered until asked
    bar.go_to(1)
    qtbot.waitUntil(bar.ready, timeout=10_000)
    assert len(bar._steps) == 10 and bar.index == 1
    assert " wrote ret = 1" in bar.label.full_text()
    bar.step(1)
    assert bar.index == 2


def test_a_step_too_long_for_the_bar_ends_in_an_ellipsis_with_the_whole_text_in_its_tooltip(qtbot):
    """At 1024 px with large text the bar's text was cut mid-word ("▶ or th") with no way to
    read the rest."""
    from gui.scrubber import Scrubber
    bar = Scrubber()
    qtbot.addWidget(bar)
    bar.resize(560, 40)
    bar.show()
    whole = "Step 12 of 800000 · 0.590512 s · THREAD2 wrote ret = 8, computed from a stale read"
    bar.label.setText(whole)
    qtbot.waitUntil(lambda: bar.label.width() > 50, timeout=2000)
    shown = bar.label.text()
    assert shown.endswith("…") and 5 < len(shown) < len(whole), shown
    assert bar.label.toolTip() == whole and bar.label.full_text() == whole
    bar.resize(1600, 40)
    qtbot.waitUntil(lambda: bar.label.text() == whole, timeout=2000)
    assert bar.label.toolTip() == ""
