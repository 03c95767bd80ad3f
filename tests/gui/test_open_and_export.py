"""Open a saved run and export what the window shows (gui/open_recording.py, gui/export_actions.py).

Every scenario is run live in one window and saved from it; the recording opened
in a second window must show the same end state: the scenario and its settings,
the lanes and their spans, the phase marks, the trace, queue, tasks and CPU
views, the verdict, its figures and the lesson.
"""
import csv
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import recording, scenarios  # noqa: E402
from gui import export_actions, open_recording, recent_files  # noqa: E402
from gui.scenario_picker import available  # noqa: E402
from tests.gui.test_main_window import RUN_TIMEOUT_MS, _choose, _run_to_end  # noqa: E402


@pytest.fixture(autouse=True)
def own_settings(tmp_path, monkeypatch):
    """Recent files go to a file of the test's own, never the user's settings."""
    monkeypatch.setattr(recent_files, "SETTINGS_FILE", str(tmp_path / "settings.ini"))


@pytest.fixture
def live(make_window):
    """The window a run is made in (tests/gui/conftest.py's make_window)."""
    return make_window()


@pytest.fixture
def opened(make_window):
    """A second window, where the run's recording is opened."""
    return make_window()


def _open(qtbot, win, path):
    assert open_recording.open_path(win, path), win.banner.problem_text()
    qtbot.waitUntil(lambda: win.run_control.state not in ("running", "idle") and not win.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)


def _texts(markup: str) -> list:
    """The words of a label's rich text in order, without its layout: the figures table
    flows one or two figures a row by the column's width, which a busy machine may not have
    settled in both windows at the same moment."""
    import re
    return [t for t in re.findall(r">([^<>]+)<", markup) if t.strip()]


def _end_state(qtbot, win) -> dict:
    """What a user sees once a run has ended, in comparable form."""
    plots, result = win.plots, win.run_control.last_result
    shows = win.run_control.run_scenario.shows
    if "trace" in shows:
        qtbot.waitUntil(plots.trace.settled, timeout=RUN_TIMEOUT_MS)
    spans = plots.timeline.index.spans
    return {
        "state": win.run_control.state, "scenario": win.picker.current_id(), "params": win.params.values(),
        "headline": result.verdict.headline, "notes": result.verdict.notes, "figures": result.figures,
        "verdict shown": win.lesson.verdict_text(), "figures shown": _texts(win.lesson.figures.text()),
        "lesson": win.lesson.lesson.toPlainText(), "source": win.lesson.source.toPlainText(),
        "lanes": plots.lane_labels, "phase marks": plots.timeline.phase_marks.labels(),
        "spans": [getattr(spans, f).tolist() for f in ("lane", "t0", "t1", "state")],
        "trace": (plots.trace.mark_count(), plots.trace.lost_count()) if "trace" in shows else None,
        "queue": plots.queue.point_count() if "queue" in shows else None,
        "tasks": plots.tasks.task_count() if "tasks" in shows else None,
        "cpu points": plots.cpu.point_count(),
        "problem": win.banner.problem_text(),
    }


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sid", scenarios.IDS)
def test_an_opened_recording_shows_what_the_live_run_ended_with(qtbot, live, opened, tmp_path, sid):
    if not available(sid):
        pytest.skip("scenario %s is not written yet" % sid)
    _choose(live, sid)
    _run_to_end(qtbot, live)
    assert live.run_control.state == "finished", live.banner.problem_text()
    path = str(tmp_path / (sid + ".gilscope"))
    export_actions.write_recording(live, path)
    _open(qtbot, opened, path)
    want, got = _end_state(qtbot, live), _end_state(qtbot, opened)
    for key in want:
        assert got[key] == want[key], key
    assert opened.run_action.isEnabled() and not opened.stop_action.isEnabled()
    assert open_recording.recent()[0] == os.path.abspath(path)


def test_every_export_writes_a_file_that_opens(qtbot, live, tmp_path):
    from PySide6.QtSvg import QSvgRenderer
    with pytest.raises(export_actions.NothingToExport):
        export_actions.write_trace(live, str(tmp_path / "none.json"))
    _choose(live, "race", iterations=2000)
    _run_to_end(qtbot, live)
    view = live.run_control.last_result.view
    size_before = live.size()
    written = {}
    for key, writer, suffix, _ in export_actions.EXPORTS:
        path = str(tmp_path / (key + suffix))
        writer(live, path)
        written[key] = path
    assert live.size() == size_before  # the pictures were drawn at 1920x1080, the window is back
    for key in ("window_png", "timeline_png"):
        image = QImage(written[key])
        assert (image.width(), image.height()) == (1920, 1080), key
        assert len({image.pixel(x, y) for x in range(0, 1920, 97) for y in range(0, 1080, 97)}) > 3
    for key in ("window_svg", "timeline_svg"):
        svg = QSvgRenderer(written[key])
        box = svg.viewBox()  # drawn in a 1920x1080 coordinate space (the size in mm is the dpi's)
        assert svg.isValid() and (box.width(), box.height()) == (1920, 1080), key
    with open(written["spans_csv"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    spans = view.spans()
    assert len(rows) == len(spans["lane"])
    assert [r["state"] for r in rows[:3]] and float(rows[-1]["end_s"]) >= float(rows[-1]["start_s"])
    with open(written["figures_csv"], encoding="utf-8") as f:
        figures = {r["name"]: r for r in csv.DictReader(f)}
    assert figures["lost_updates"]["value"] == str(live.run_control.last_result.figures["lost_updates"])
    assert figures["lost_updates"]["label"] == scenarios.get("race").figure_label("lost_updates")
    with open(written["verdict_txt"], encoding="utf-8") as f:
        assert f.readline().strip() == live.run_control.last_result.verdict.headline["en"]
    with open(written["trace_json"], encoding="utf-8") as f:
        assert json.load(f)["traceEvents"]
    again = recording.load(written["recording"])
    recorded = live.adapter.session.events()  # a recording holds them in time order
    assert np.array_equal(again.events, recorded[np.argsort(recorded["t"], kind="stable")])
    left = sorted(set(os.listdir(tmp_path)) - {"settings.ini"})  # no temporary file left behind
    assert left == sorted(os.path.basename(p) for p in written.values())


def test_a_dropped_recording_is_opened_and_a_bad_file_is_said(qtbot, live, opened, tmp_path):
    _choose(live, "race", iterations=500)
    _run_to_end(qtbot, live)
    path = str(tmp_path / "race.gilscope")
    export_actions.write_recording(live, path)
    win = opened
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, drop)
    qtbot.waitUntil(lambda: win.run_control.state == "finished" and not win.adapter.busy, timeout=RUN_TIMEOUT_MS)
    assert win.run_control.last_result.figures == live.run_control.last_result.figures
    win.file_menu._fill_recent()
    assert [a.toolTip() for a in win.file_menu.recent_menu.actions()] == [os.path.abspath(path)]
    bad = tmp_path / "bad.gilscope"
    bad.write_bytes(b"not a recording")
    assert not open_recording.open_path(win, str(bad))
    assert "Cannot open the saved run" in win.banner.problem_text() and "bad.gilscope" in win.banner.problem_text()
    _choose(win, "race", iterations=300)  # after a saved run, Run runs a new one for real
    _run_to_end(qtbot, win)
    assert win.run_control.state == "finished" and win.adapter.session.run_id
    assert not getattr(win.adapter.session, "saved", False)


def test_main_py_with_a_recording_opens_the_window_not_the_command_line(monkeypatch):
    import main
    from gui import app
    seen = []
    monkeypatch.setattr(app, "main", lambda argv: seen.append(list(argv)) or 0)
    assert main.main(["run.gilscope"]) == 0 and seen == [["run.gilscope"]]


def test_an_opened_race_steps_through_and_replays_like_a_live_one(qtbot, live, opened, tmp_path):
    """Issue 18 on a recording: the step-through bar and the replay work without a live run."""
    from engine.wire import K
    _choose(live, "race", iterations=500)
    _run_to_end(qtbot, live)
    path = str(tmp_path / "race.gilscope")
    export_actions.write_recording(live, path)
    _open(qtbot, opened, path)
    bar = opened.scrubber
    assert bar.isVisible() and bar.replay_button.isVisible()
    first_write = int(next(i for i, e in enumerate(bar._steps) if e["kind"] == K.VAR_WRITE))
    bar.go_to(first_write)
    assert " wrote ret = " in bar.label.full_text()
    want = live.run_control.last_result.figures
    bar.replay_button.click()
    qtbot.waitUntil(lambda: not opened.adapter.busy and opened.run_control.last_result is not None
                    and "replay_same_steps" in opened.run_control.last_result.figures, timeout=RUN_TIMEOUT_MS)
    got = opened.run_control.last_result.figures
    assert got["replay_same_steps"] is True
    assert (got["final_value"], got["lost_updates"]) == (want["final_value"], want["lost_updates"])
