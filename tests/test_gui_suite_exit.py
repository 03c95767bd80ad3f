"""The widget suite ends with exit code 0, not only with "N passed".

Round 1's `pytest tests/gui` printed "160 passed" and then died with a segfault (139) at
interpreter exit: windows left for PySide to delete during Python's shutdown.  CI reads
the exit code, so this runs the whole widget suite in a fresh interpreter and checks it.
It lives outside tests/gui so that it does not run itself, and it is where the whole suite
runs the widget tests (once).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.timeout(1200)
def test_widget_suite_exits_zero_in_a_fresh_interpreter():
    """Every widget test runs here (tests/conftest.py keeps the whole suite from collecting
    tests/gui a second time), so a failure names its tests, not only the exit code."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider",
         os.path.join(ROOT, "tests", "gui")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1150)
    out = proc.stdout.decode(errors="replace")
    summary = out[out.rfind("short test summary info"):] if "short test summary info" in out else ""
    assert proc.returncode == 0, "tests/gui exited %d (139 = segfault at exit):\n%s\n...\n%s" % (
        proc.returncode, summary[:6000], out[-3000:])
    # The suite ran, not an empty collection that exits 0 by accident.
    assert " passed" in out.splitlines()[-1], out[-2000:]


def test_the_app_quits_with_exit_code_zero():
    """The real entry point, closed by Ctrl-C once the window is up, exits 0."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GILSCOPE_LANG="en")
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "main.py")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(4)  # past the first paint and the plots' import
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
