"""The Source tab shows the program with the knobs' values (the form's, then the run's),
its comments in the window's language; knob labels carry their unit once, in the
language's style (issue 14, sections 2 and 4)."""
import io
import re
import tokenize

from engine import scenarios

RUN_TIMEOUT_MS = 60_000  # a shared 2-core machine may be busy


def _comments(source: str) -> list:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.COMMENT]


def test_source_follows_the_knobs_and_the_language(window):
    window.run_control.choose_scenario("gil")
    shown = window.lesson.source.toPlainText()
    assert "N = 4 " in shown and 'START_METHOD = "fork"' in shown  # the defaults at first
    window.params.set_value("workers", 3)
    window.params.set_value("start_method", "spawn")
    window.params.set_value("switch_interval", 0.002)
    shown = window.lesson.source.toPlainText()
    assert "N = 3 " in shown and 'START_METHOD = "spawn"' in shown
    assert "SWITCH_INTERVAL = 0.002 " in shown
    assert all(not re.search("[\u4e00-\u9fff]", c) for c in _comments(shown))

    window.chinese_action.setChecked(True)
    shown_zh = window.lesson.source.toPlainText()
    assert "N = 3 " in shown_zh and 'START_METHOD = "spawn"' in shown_zh  # values kept
    comments = _comments(shown_zh)
    assert comments and all(re.search("[\u4e00-\u9fff]", c) for c in comments), comments
    assert shown_zh == scenarios.get("gil").shown_source(window.params.values(), "zh_CN").rstrip("\n")
    window.chinese_action.setChecked(False)


def test_source_shows_the_runs_values(qtbot, window):
    window.run_control.choose_scenario("race")
    window.params.set_value("iterations", 1_234)
    window.params.set_value("lock", True)
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    assert window.run_control.state == "finished", window.banner.problem_text()
    shown = window.lesson.source.toPlainText()
    assert "ITERATIONS = 1234 " in shown and "USE_LOCK = True " in shown
    assert shown == scenarios.get("race").shown_source(window.adapter.session.params).rstrip("\n")


def test_knob_labels_carry_their_unit_once_in_each_language(window):
    window.run_control.choose_scenario("gil")
    label = window.params._labels["switch_interval"]
    assert label.text() == "Switch interval (s)"
    window.chinese_action.setChecked(True)
    assert label.text() == "切换间隔（秒）"
    window.run_control.choose_scenario("convoy")
    assert window.params._labels["call_us"].text() == "每次调用（微秒）"
    window.chinese_action.setChecked(False)
    assert window.params._labels["call_us"].text() == "Each call (µs)"
