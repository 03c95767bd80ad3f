"""The Qt binding must not corrupt Python (docs/ARCHITECTURE.md, "Measured design rules").

PySide6 6.12.0 drops one reference to None on every Qt call that returns nothing.
Before CPython 3.12 None is an ordinary refcounted object: after enough calls its count
reaches zero and the interpreter aborts with "Fatal Python error: none_dealloc" (a live
pyqtgraph plot gets there in about a second). pyproject.toml pins PySide6 < 6.12 on
Python < 3.12; these tests keep that pin honest.

The heavy test runs in a subprocess, so an abort is reported as a failing exit code
and output, not as pytest itself dying.
"""

import gc
import os
import subprocess
import sys
import textwrap
from importlib import metadata


NONE_IS_IMMORTAL = sys.version_info >= (3, 12)

VOID_CALLS = 10_000
SET_DATA_CALLS = 200

# Runs in a fresh interpreter (the one running pytest: the project's venv).
STRESS_SCRIPT = textwrap.dedent(r"""
    import gc, os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

    VOID_CALLS, SET_DATA_CALLS = int(sys.argv[1]), int(sys.argv[2])
    refcount_matters = sys.version_info < (3, 12)

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QWidget
    import numpy as np
    import pyqtgraph as pg  # imported up front: module dicts alone add thousands of Nones

    app = QApplication.instance() or QApplication([])

    # 1. Qt calls that return nothing (void in C++, None in Python).
    widget = QWidget()
    obj = QObject()
    gc.collect()  # so that only the calls below move None's count, not old garbage
    before = sys.getrefcount(None)
    for i in range(VOID_CALLS // 3 + 1):
        widget.setWindowTitle("t")
        obj.setObjectName("o")
        widget.update()
    after = sys.getrefcount(None)
    if refcount_matters:
        # A healthy binding leaves None's count about where it was; the broken one
        # lowers it by one per call (~VOID_CALLS), if it has not aborted already.
        lost = before - after
        print("None refcount over the void calls: %d -> %d" % (before, after))
        assert lost < VOID_CALLS // 10, "None lost %d references over %d void calls" % (lost, VOID_CALLS)

    # 2. A small live pyqtgraph plot, redrawn while Qt processes events.
    plot = pg.PlotWidget()
    curve = plot.plot()
    plot.resize(320, 240)
    plot.show()
    x = np.arange(256, dtype=float)
    app.processEvents()
    gc.collect()
    before = sys.getrefcount(None)
    for i in range(SET_DATA_CALLS):
        curve.setData(x, np.sin(x / 16.0 + i / 10.0))
        app.processEvents()
    plot.close()
    widget.close()
    app.processEvents()
    if refcount_matters:
        gc.collect()
        final = sys.getrefcount(None)
        print("None refcount over the plotting: %d -> %d" % (before, final))
        # Only a loss is the bug; new objects may legitimately hold more Nones.
        assert before - final < VOID_CALLS // 10, "None lost %d references while plotting" % (before - final)
    print("SURVIVED")
""")


def test_void_qt_calls_and_live_plot_do_not_kill_python():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
    proc = subprocess.run(
        [sys.executable, "-c", STRESS_SCRIPT, str(VOID_CALLS), str(SET_DATA_CALLS)],
        capture_output=True, text=True, timeout=90, env=env, stdin=subprocess.DEVNULL)
    report = (f"exit code {proc.returncode}\n--- stdout ---\n{proc.stdout}\n"
              f"--- stderr ---\n{proc.stderr[-4000:]}")
    assert "none_dealloc" not in proc.stderr, "PySide6 released None to death:\n" + report
    assert proc.returncode == 0, report
    assert "SURVIVED" in proc.stdout, report


def test_void_qt_calls_in_process_keep_none_alive(qapp):
    """The same check, in the pytest process with pytest-qt's QApplication: a smaller
    number of calls, so a broken binding shows as refcount drift before it can abort."""
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    obj = QObject()
    calls = 1_000
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(calls):
        obj.setObjectName("o")
        widget.setWindowTitle("t")
    after = sys.getrefcount(None)
    widget.close()
    widget.deleteLater()
    if NONE_IS_IMMORTAL:
        return  # None's count is a fixed sentinel from 3.12 on: nothing to measure
    assert before - after < calls // 4, (
        f"None's refcount went {before} -> {after} over {2 * calls} void Qt calls")


def _version_tuple(text):
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def test_installed_pyside6_respects_the_pin():
    import PySide6

    runtime = tuple(PySide6.__version_info__[:3])
    dist = _version_tuple(metadata.version("PySide6-Essentials"))
    assert runtime == dist, f"PySide6 imports as {runtime} but PySide6-Essentials {dist} is installed"
    assert runtime >= (6, 8), f"PySide6 {runtime} is older than the 6.8 floor"
    if sys.version_info < (3, 12):
        assert runtime < (6, 12), (
            f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]}: 6.12+ aborts with "
            "none_dealloc before Python 3.12; pyproject.toml pins <6.12 for this interpreter")


def test_pyproject_pins_pyside6_by_python_version():
    """The pin itself, both markers: read from pyproject.toml (tomllib, 3.11+), or from
    the installed project's metadata on 3.10."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        deps = metadata.requires("gilscope") or []
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(root, "pyproject.toml"), "rb") as f:
            deps = tomllib.load(f)["project"]["dependencies"]
    pyside = [d.replace(" ", "").replace("'", '"') for d in deps if d.lower().startswith("pyside6")]
    assert any("<6.12" in d and 'python_version<"3.12"' in d for d in pyside), pyside
    assert any('python_version>="3.12"' in d for d in pyside), pyside
