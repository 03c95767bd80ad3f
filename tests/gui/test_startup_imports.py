"""The window paints before numpy, psutil and pyqtgraph load (bench startup: numpy alone was
~80-100 ms of the first paint).  Checked in a fresh interpreter: what create_window imports."""
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
