"""The window paints before numpy, psutil and pyqtgraph load (bench startup: numpy alone was
~80-100 ms of the first paint), and its frame paints before the rest of the window is
imported and built.  Checked in a fresh interpreter: what create_window imports."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = r"""
import sys
sys.path.insert(0, %r)
from gui.app import create_window
app, window = create_window([])
heavy = [m for m in ("numpy", "psutil", "pyqtgraph") if m in sys.modules]
print("loaded before the first paint:", heavy)
window.close()
window.deleteLater()
sys.exit(1 if heavy else 0)
""" % ROOT


def test_nothing_heavy_is_imported_before_the_first_paint():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]


FIRST_FRAME = r"""
import sys
import time
sys.path.insert(0, %r)
import gui.main_window as main_window
from gui.app import create_window
seen = {}
paint = main_window.MainWindow.paintEvent
def first_paint(self, event):
    if not seen:
        seen["modules"] = set(sys.modules)
        seen["title"] = self.windowTitle()
        seen["scenarios"] = len(self.picker.order)
    paint(self, event)
main_window.MainWindow.paintEvent = first_paint
app, window = create_window([])
for _ in range(300):  # a window that paints only later (in the event loop) is seen there
    if seen:
        break
    app.processEvents()
    time.sleep(0.01)
late = sorted(m for m in ("gui.run_control", "gui.lesson_panel", "gui.param_form", "gui.interpreter_picker",
                          "gui.help_sheet", "gui.memory", "numpy", "psutil", "pyqtgraph",
                          # the scenario list imports every scenario's module; what they need to
                          # run (the GUI never runs them) waits for the runner: ~40 ms here
                          "multiprocessing", "engine.probe", "engine.guardian", "statistics")
              if m in seen.get("modules", ()))
print("first frame:", seen.get("title"), seen.get("scenarios"), "scenarios; imported before it:", late)
complete = window.completed and window.first_paint_ns > 0
window.close()
window.deleteLater()
sys.exit(0 if seen and not late and seen["title"] and seen["scenarios"] >= 10 and complete else 1)
""" % ROOT


def test_the_frame_paints_before_the_rest_of_the_window_is_imported():
    """gui.app paints the frame (title, toolbar, the scenario list) before the knobs, lesson,
    run control and menus are imported and built (bench startup: ~40 modules and the
    widgets' construction were before the first paint); create_window still returns the
    whole window."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GILSCOPE_FIRST_RUN_HINT="0")
    env.pop("DISPLAY", None)
    out = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
