"""File ▸ Open a scenario file…: the user's own scenario listed, chosen, run and reported.

Run through the window's Session in a runner process (the window only reads the file's
declarations); a file that cannot be used is said in the banner, one line.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui import open_recording, open_scenario  # noqa: E402

RUN_TIMEOUT_MS = 60_000

MINE = '''
from engine.params import Param
from engine.scenarios.base import text

TITLE = text("My own scenario", "我的场景")
LESSON = text("Two threads record a value each.", "两个线程各记录一个值。")
PARAMS = (Param("n", "int", 3, text("N", "N"), minimum=1, maximum=10),)


def _work(ctx, n):
    ctx.value("tripled", 3 * n)


def run(ctx, p):
    threads = [ctx.thread(_work, "WORKER%d" % (i + 1), (ctx, p["n"])) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        ctx.join(t)
'''


def _run_to_end(qtbot, win):
    win.run_control.run()
    qtbot.waitUntil(lambda: win.run_control.state not in ("running", "idle") and not win.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)


def test_an_opened_file_is_listed_chosen_and_runs(qtbot, window, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(MINE)
    count = window.picker.count()
    assert open_scenario.open_path(window, str(path))
    assert window.picker.current_id() == str(path)
    assert window.picker.count() == count + 2  # the "Your scenario files" heading and the file
    assert window.picker.item(count).text() == "Your scenario files"
    assert window.params.scenario.ref == str(path)
    assert "My own scenario" in window.lesson.lesson.toPlainText()
    window.params.set_value("n", 5)
    _run_to_end(qtbot, window)
    assert window.run_control.state == "finished", window.banner.text()
    assert window.run_control.last_result.figures["tripled"] == [15, 15]  # measured by the two threads
    for name in ("WORKER1", "WORKER2"):  # their lanes, on the timeline
        assert any(label.startswith(name) for label in window.plots.lane_labels), name
    assert open_scenario.open_path(window, str(path))  # again: refreshed, not listed twice
    assert window.picker.count() == count + 2


def test_a_saved_run_of_a_file_opens_only_with_the_file_open(qtbot, window, tmp_path):
    from engine import recording, scenario_file
    from engine.session import Session
    path = tmp_path / "mine.py"
    path.write_text(MINE)
    session = Session(sample=False)
    try:
        session.start(str(path), {})
        assert session.wait(60) == "finished", session.problem
        saved = str(tmp_path / "mine.gilscope")
        recording.save(session.data(), saved)
    finally:
        session.close()
    assert not open_recording.open_path(window, saved)
    assert "open that file first" in window.banner.text()
    assert open_scenario.open_path(window, str(path))
    assert open_recording.open_path(window, saved)
    qtbot.waitUntil(lambda: window.run_control.last_result is not None and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    assert window.run_control.last_result.figures["tripled"] == [9, 9]
    assert scenario_file.is_file_ref(window.picker.current_id())


def test_a_broken_file_is_one_line_in_the_banner(qtbot, window, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def run(ctx, p:\n    pass\n")
    count = window.picker.count()
    assert not open_scenario.open_path(window, str(path))
    assert window.banner.isVisible()
    assert window.banner.text() == "⚠ Cannot use the scenario file: broken.py line 1: '(' was never closed"
    assert not open_scenario.open_path(window, str(tmp_path / "notes.txt"))
    assert window.picker.count() == count


def test_the_file_menu_has_the_action_in_both_languages(qtbot, window):
    action = window.file_menu.open_scenario_action
    assert action.text() == "Open a scenario file…"
    window.set_chinese(True)  # the menu follows the window's LanguageChange event
    qtbot.waitUntil(lambda: action.text() == "打开场景文件…", timeout=5000)
