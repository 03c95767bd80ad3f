"""The interpreter picker owns its worker threads: shutdown() stops and joins them, and
after it none reports again (round 1's threads emitted into an object nobody owned)."""
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui.interpreter_picker import InterpreterPicker  # noqa: E402

WORKER_NAMES = ("gilscope-find-pythons", "gilscope-probe-python")


def _workers() -> list:
    return [t for t in threading.enumerate() if t.name in WORKER_NAMES]


def test_shutdown_joins_the_search_and_nothing_is_reported_after_it(qtbot):
    picker = InterpreterPicker()
    qtbot.addWidget(picker)
    reports = []
    picker._reporter.found.connect(lambda infos: reports.append(infos))
    picker._reporter.probed.connect(lambda *args: reports.append(args))
    picker.search()
    assert _workers(), "the search runs on a worker thread"
    assert picker.shutdown(timeout=60) == []  # joined: a probe ends at its own timeout
    assert _workers() == []
    qtbot.wait(50)  # what was emitted before shutdown arrives now
    seen = len(reports)
    picker.probe_path(sys.executable)  # after shutdown: no new worker
    assert _workers() == []
    time.sleep(0.2)
    qtbot.wait(50)
    assert len(reports) == seen


def test_closing_the_window_stops_the_picker_s_threads(qtbot, window):
    picker = window.python_picker
    reports = []
    picker._reporter.found.connect(lambda infos: reports.append(infos))
    picker.search()
    window.close()  # shutdown(): joined within 1 s, or stopped from reporting
    qtbot.wait(50)
    seen = len(reports)
    for worker in list(picker._threads):  # one still in a probe (a loaded machine) ends
        worker.join(60)
    qtbot.wait(50)
    assert len(reports) == seen
    assert _workers() == []
