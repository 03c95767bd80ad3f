"""Memory after a big run goes back near where it was: a million-iteration race took the
window from ~140 MB to ~1.6 GB, and after the next small run it kept 276-328 MB (glibc's
allocator held the freed pages; gui/memory.py hands them back when the next run starts).

Measured in a window process of its own: inside the whole GUI suite the process carries
every earlier test's heap, and what one run leaves behind cannot be told from that."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIG_ITERATIONS = 1_000_000  # 2 threads x 4 events: 8M events, enough growth to tell a kept
                            # run from noise
# Issue 21's goal: back to at most 1.5x idle after the next run.  Measured: 1.03-1.04x idle
# with big blocks mapped on their own and the pages handed back (gui/memory.py); 1.38-1.51x
# with the pages handed back only (CI under load once failed at 1.51x); 2.4x with neither.
RETAINED_MAX_RATIO = 1.5

WINDOW_SCRIPT = r'''
import gc, json, os, sys, time
import psutil
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
from gui.main_window import MainWindow
app = QApplication([])
win = MainWindow(lang="en", theme_name="light", pixel_size=14)
win.resize(1366, 768); win.show(); win.load_plots()

def wait(cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end and not cond():
        app.processEvents(); time.sleep(0.01)

def rss_mb():
    end = time.monotonic() + 0.2
    wait(lambda: time.monotonic() > end, 1)
    gc.collect()
    return psutil.Process().memory_info().rss / 2 ** 20

def run(iterations):
    win.run_control.choose_scenario("race")
    win.params.set_value("iterations", iterations)
    win.run_control.run()
    wait(lambda: win.run_control.state not in ("running", "idle") and not win.adapter.busy, 300)
    assert win.run_control.state == "finished", win.banner.problem_text()

run(2000)  # everything imported and drawn once
idle = rss_mb()
run(int(sys.argv[1]))
big = rss_mb()
run(2000)
after = rss_mb()
win.close()
print(json.dumps({"idle": idle, "big": big, "after": after}))
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RSS and glibc's malloc_trim: Linux")
@pytest.mark.timeout(600)
def test_a_big_run_s_memory_goes_back_after_the_next_small_run(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "-c", WINDOW_SCRIPT, str(BIG_ITERATIONS), str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-2000:]
    mb = json.loads(done.stdout.strip().splitlines()[-1])
    # The run was big enough for a kept copy to show: its store alone is 8M x 32 B = 256 MB,
    # several times the 0.5 x idle the goal allows (the window holds ~340 MB for it since
    # its trace keeps positions, not copies: docs/ARCHITECTURE.md "Memory"; was 400+).
    assert mb["big"] - mb["idle"] >= 250, mb
    assert mb["after"] <= RETAINED_MAX_RATIO * mb["idle"], mb
