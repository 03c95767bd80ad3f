"""The widget suite ends with exit code 0, not only with "N passed".

Round 1's `pytest tests/gui` printed "160 passed" and then died with a segfault (139) at
interpreter exit: windows left for PySide to delete during Python's shutdown.  CI reads
the exit code, so this runs the whole widget suite in a fresh interpreter and checks it.
It lives outside tests/gui so that it does not run itself, and it is where the whole suite
runs the widget tests (once).
"""
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _halves(env: dict) -> list:
    """tests/gui's files in two groups of about as many tests each (by pytest's collection)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         os.path.join("tests", "gui")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0, "collecting tests/gui exited %d:\n%s" % (proc.returncode, out[-3000:])
    per_file = collections.Counter(line.split("::")[0] for line in out.splitlines() if "::" in line)
    assert per_file, out[-2000:]
    halves = [[], []]
    sizes = [0, 0]
    for path, count in sorted(per_file.items(), key=lambda item: (-item[1], item[0])):
        lighter = sizes.index(min(sizes))
        halves[lighter].append(path)
        sizes[lighter] += count
    return [half for half in halves if half]


@pytest.mark.timeout(1200)
def test_widget_suite_exits_zero_in_a_fresh_interpreter():
    """Every widget test runs here (tests/conftest.py keeps the whole suite from collecting
    tests/gui a second time), so a failure names its tests, not only the exit code.

    The widget tests run in two interpreters side by side, each with half of the files: a
    widget test keeps one core busy, CI has two, and the widget suite alone took 222 s of
    CI's 15 minutes run as one (2026-11-30).  Each half is a fresh interpreter that must exit
    0 on its own, which is what this test is for."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    procs = []
    for half in _halves(env):
        log = tempfile.TemporaryFile()
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"] + half,
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log, half))
    failures = []
    try:
        for proc, log, half in procs:
            code = proc.wait(timeout=1150)
            log.seek(0)
            out = log.read().decode(errors="replace")
            summary = out[out.rfind("short test summary info"):] if "short test summary info" in out else ""
            if code != 0:
                failures.append("tests/gui half of %d files exited %d (139 = segfault at exit):\n%s\n...\n%s"
                                % (len(half), code, summary[:6000], out[-3000:]))
            # The half ran, not an empty collection that exits 0 by accident.
            elif " passed" not in out.splitlines()[-1]:
                failures.append(out[-2000:])
            else:
                print("tests/gui, %d files: %s" % (len(half), out.splitlines()[-1]))
    finally:
        for proc, log, _half in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    assert not failures, "\n\n".join(failures)


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
