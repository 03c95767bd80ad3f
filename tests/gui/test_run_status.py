"""The window's run texts and worker-failure policy, without Qt (gui/run_status.py)."""
import os
import subprocess
import sys

import numpy as np

from engine.analysis import RunView
from engine.decode import EVENT_DTYPE
from engine.wire import K
from gui import run_status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _lane_name(pid, worker):
    return "THREAD%d · pid %d" % (worker, pid)


def _view_with_failures():
    ev = np.zeros(5, EVENT_DTYPE)
    ev[0] = (10, 100, 1, K.ERROR, 0, 5, -1)          # a thread of pid 100 raised
    ev[1] = (20, 100, 0, K.PROC_EXIT, 0, -9, 4321)    # its child 4321 was killed by SIGKILL
    ev[2] = (30, 200, 0, K.WORKER_START, 0, 1, 7)     # pid 200 records its own lane ...
    ev[3] = (31, 100, 0, K.PROC_EXIT, 0, 1, 200)      # ... and exits with code 1
    ev[4] = (32, 100, 0, K.PROC_EXIT, 0, 3, 0)        # os.system's shell: the lesson, no worry
    return RunView(ev, {(100, 5): "ValueError: bad item", (200, 1): "worker"})


def test_worker_failures_in_words():
    found = run_status.worker_failure_texts(_view_with_failures(), _lane_name)
    assert found == ["THREAD1 · pid 100: ValueError: bad item",
                     "process 4321 was killed by signal 9",
                     "process 200 exited with code 1"]


def test_the_end_of_run_banner_says_the_session_s_problem_first_and_at_most_four():
    view = _view_with_failures()
    said = run_status.end_of_run_warning(view, "2 processes swept", _lane_name)
    assert said.startswith("Recorded in this run: 2 processes swept; THREAD1 · pid 100")
    assert said.count(";") == 3  # four worries at most
    quiet = RunView(np.zeros(0, EVENT_DTYPE), {})
    assert run_status.end_of_run_warning(quiet, "", _lane_name) == ""


def test_status_line_for_each_state():
    def line(state, busy=False, dropped=0):
        return run_status.status_text(state, busy, 12345, dropped, "Race", "Python 3.12 (GIL)",
                                      1.5, 0.25)
    assert line("idle") == "Ready: press F5 to run “Race”"
    assert line("running") == "Running on Python 3.12 (GIL) — 12,345 events (Esc stops)"
    assert line("finished") == "Finished in 1.50 s — 12,345 events"
    assert line("finished", busy=True) == "Computing the verdict from 12,345 events…"
    assert line("stopped", dropped=7) == "Stopped — the stop took 0.25 s — 12,345 events, 7 dropped"
    assert line("failed") == "Failed — 12,345 events"


def test_the_texts_go_through_the_translate_given():
    seen = []

    def translate(context, text):
        seen.append(context)
        return text.upper()
    assert run_status.status_text("failed", False, 1, 0, "", "", 0, 0, translate) == "FAILED — 1 EVENTS"
    assert set(seen) == {"RunControl"}


def test_it_needs_no_qt():
    code = "import sys, gui.run_status; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
