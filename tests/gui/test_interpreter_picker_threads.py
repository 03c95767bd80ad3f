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
    for worker in picker.workers():  # one still in a probe (a loaded machine) ends
        worker.join(60)
    qtbot.wait(50)
    assert len(reports) == seen
    assert _workers() == []


def test_a_picker_deleted_without_shutdown_stops_and_joins_its_search(qtbot, monkeypatch):
    """Deleted (deleteLater, its owner gone) while its search probes: the search stops at the
    probe it is in and is joined as the picker is destroyed; none probes or reports after."""
    import shiboken6
    from engine import interpreters
    probed, started = [], threading.Event()

    def slow_probe(path):
        started.set()
        time.sleep(0.1)
        probed.append(path)
        return {"label": "Python 3.%s (GIL)" % path, "executable": path, "version": "3.%s.0" % path}

    monkeypatch.setattr(interpreters, "candidates", lambda: [str(n) for n in range(40)])  # 4 s of probes
    monkeypatch.setattr(interpreters, "probe", slow_probe)
    picker = InterpreterPicker()
    picker.search()
    workers = picker.workers()
    assert started.wait(10)
    shiboken6.delete(picker)  # what deleteLater does, now: the C++ object is destroyed
    assert not any(worker.is_alive() for worker in workers), "joined as the picker was destroyed"
    assert len(probed) < 40
    seen = len(probed)
    time.sleep(0.3)
    qtbot.wait(50)
    assert len(probed) == seen
