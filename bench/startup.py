"""startup: process start to first painted window, to plots ready, to a first scenario running.

Each launch is a fresh ``python -c`` of the app's interpreter that does what
``python main.py`` does (gui.app.create_window, then the event loop), with Qt
offscreen and bytecode caching allowed, as an installed app has it.  The clock
starts in this process just before the spawn; the window stamps perf_counter_ns
(CLOCK_MONOTONIC, shared by both) at its first paint (``first_paint_ns``: its frame,
title and scenario list, painted inside create_window), the child when create_window
returns (the whole window built: "window complete") and when it emits ``plots_ready``.  At ``plots_ready`` it presses Run (F5) on
the scenario the window opened with; "first scenario running" is when that run's
first events reach the window.  One warm-up launch is discarded; the figures are
medians.  Baselines, same run: the bare interpreter's start, and a PySide6-only
window (one QLabel) to its first paint.
Goals: first paint <= 200 ms, plots <= 1.0 s.
"""
import json
import os
import subprocess
import sys
import time

from bench import common

GOAL_PAINT_MS = 200
GOAL_PLOTS_MS = 1000

_APP = r"""
import os, sys, time
sys.path.insert(0, %(root)r)
from gui.app import create_window
app, window = create_window([])
marks = {"window_complete": time.perf_counter_ns()}
def mark(name):
    marks.setdefault(name, time.perf_counter_ns())
def finish():
    mark("first_events")
    window.adapter.stop()
    sys.stdout.write(__import__("json").dumps(marks) + "\n")
    sys.stdout.flush()
    os._exit(0)
marks["first_paint"] = window.first_paint_ns  # painted inside create_window (gui/app.py)
window.plots_ready.connect(lambda: (mark("plots_ready"), window.run_action.trigger()))
window.adapter.events_available.connect(lambda n: finish())
app.exec()
"""

_BARE_QT = r"""
import os, sys, time, json
from PySide6.QtWidgets import QApplication, QLabel
class Label(QLabel):
    def paintEvent(self, event):
        super().paintEvent(event)
        sys.stdout.write(json.dumps({"first_paint": time.perf_counter_ns()}) + "\n")
        sys.stdout.flush()
        os._exit(0)
app = QApplication([])
label = Label("gilscope")
label.resize(800, 600)
label.show()
app.exec()
"""

_BARE_PYTHON = "import time, json; print(json.dumps({'started': time.perf_counter_ns()}))"


def _env() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode cached
    return env


def launch(code: str, timeout: float = 60) -> dict:
    """Spawn one child; return its marks as ms since the spawn."""
    t0 = time.perf_counter_ns()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                         env=_env(), cwd=common.REPO_ROOT, stdin=subprocess.DEVNULL)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError("startup child failed (%d): %s" % (out.returncode, out.stderr.strip()[-2000:]))
    return {k: (v - t0) / 1e6 for k, v in json.loads(lines[-1]).items()}


def run(quick: bool = False) -> dict:
    repeats = 2 if quick else 5
    app_code = _APP % {"root": common.REPO_ROOT}
    launch(app_code)  # warm-up: bytecode written, files in the page cache
    apps = [launch(app_code) for _ in range(repeats)]
    bare_qt = [launch(_BARE_QT) for _ in range(repeats)]
    bare_py = [launch(_BARE_PYTHON) for _ in range(repeats)]
    med = {k: common.median([a[k] for a in apps])
           for k in ("first_paint", "window_complete", "plots_ready", "first_events")}
    qt_paint = common.median([b["first_paint"] for b in bare_qt])
    py_start = common.median([b["started"] for b in bare_py])
    figures = {"first_paint_ms": med["first_paint"], "window_complete_ms": med["window_complete"],
               "plots_ready_ms": med["plots_ready"],
               "first_scenario_running_ms": med["first_events"],
               "run_press_to_events_ms": med["first_events"] - med["plots_ready"],
               "first_paint_over_bare_qt": med["first_paint"] / qt_paint,
               "launches": apps, "platform": _env()["QT_QPA_PLATFORM"]}
    baseline = {"bare_python_start_ms": py_start, "bare_pyside6_window_paint_ms": qt_paint}
    table = ["first paint          %6.0f ms   (a PySide6-only window: %.0f ms; bare python: %.0f ms)"
             % (med["first_paint"], qt_paint, py_start),
             "window complete      %6.0f ms   (knobs, lesson, menus built after the first paint)"
             % med["window_complete"],
             "plots ready          %6.0f ms" % med["plots_ready"],
             "first scenario running %4.0f ms   (Run pressed at plots ready; its first events %.0f ms later)"
             % (med["first_events"], med["first_events"] - med["plots_ready"])]
    goals = [common.goal("process start to first painted window", med["first_paint"], "<=",
                         GOAL_PAINT_MS, "ms"),
             common.goal("process start to plots ready", med["plots_ready"], "<=", GOAL_PLOTS_MS, "ms")]
    res = common.result("startup", figures, baseline, goals)
    res["table"] = table
    return res
