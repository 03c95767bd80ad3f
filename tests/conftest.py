"""Shared test setup.

- Qt runs offscreen (no display in CI): set before anything can import Qt.
- The repository root is importable (engine, gui, main) without an install.
- Every test must clean up after itself: a child process or a non-daemon thread
  that outlives the test fails it (gilscope's promise is "no orphan, ever").
  Mark a test `@pytest.mark.allow_leftovers` to opt out, with a reason in a comment.
- `find_pythons()` / the `other_pythons` fixture: other CPython interpreters here,
  for runner tests across versions (see tests/pythons.py).
"""

import os

# Before any Qt import, including pytest-qt's: with no display the xcb platform plugin
# aborts the whole process instead of raising.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# pyqtgraph picks the first Qt binding it can import; make it the one we pin.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import sys
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import psutil
import pytest

from tests.pythons import other_pythons as _other_pythons  # noqa: F401  (the other_pythons fixture)

GRACE_S = 2.0  # how long leftovers get to finish on their own before they count


GUI_SUITE = os.path.join(REPO_ROOT, "tests", "gui")


def _names_gui_suite(config) -> bool:
    """True when the command line names tests/gui or a test inside it."""
    for arg in config.args:
        path = os.path.abspath(str(arg).split("::")[0])
        if path == GUI_SUITE or path.startswith(GUI_SUITE + os.sep):
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    """The whole suite runs the widget suite once, in its own interpreter.

    tests/test_gui_suite_exit.py runs tests/gui in a fresh interpreter to check its exit
    code (a segfault at exit is invisible from inside); collecting tests/gui here as well
    ran every widget test twice, about 3.5 of CI's minutes.  Name tests/gui (or a test in
    it) on the command line to run it in this process.
    """
    if str(collection_path) == GUI_SUITE and not _names_gui_suite(config):
        return True
    return None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "allow_leftovers: do not fail this test for child processes or threads it leaves")


# Helpers the multiprocessing module starts once and keeps for the life of the process
# that uses it (here: pytest itself). They are not the test's leftovers; killing the
# resource tracker would even leak /dev/shm semaphores.
_MP_SINGLETONS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver",
                  "multiprocessing.semaphore_tracker")


def _describe(proc):
    try:
        cmd = " ".join(proc.cmdline()) or proc.name()
    except (psutil.Error, OSError):
        cmd = "?"
    if len(cmd) > 160:
        cmd = cmd[:157] + "..."
    return f"pid {proc.pid}: {cmd}"


def _key(proc):
    try:
        return (proc.pid, proc.create_time())
    except psutil.Error:
        return (proc.pid, None)


def _live_descendants(me, baseline):
    """Descendants not present before the test, not zombies, not mp singletons."""
    out = []
    try:
        children = me.children(recursive=True)
    except psutil.Error:
        return out
    for proc in children:
        try:
            if _key(proc) in baseline:
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue  # already dead; reaping it is its parent's business
            if proc.ppid() == me.pid:
                cmd = " ".join(proc.cmdline())
                if any(s in cmd for s in _MP_SINGLETONS):
                    continue
        except psutil.Error:  # exited while we looked: not a leftover
            continue
        out.append(proc)
    return out


def _live_new_threads(baseline):
    return [t for t in threading.enumerate()
            if t not in baseline and t.is_alive() and not t.daemon
            and not t.name.startswith("pytest_timeout")]


@pytest.fixture(autouse=True)
def no_leftovers(request):
    """Fail a test that leaves a child process or a non-daemon thread behind."""
    if request.node.get_closest_marker("allow_leftovers"):
        yield
        return
    me = psutil.Process()
    proc_baseline = {_key(p) for p in me.children(recursive=True)}
    thread_baseline = set(threading.enumerate())

    yield

    deadline = time.monotonic() + GRACE_S
    while True:
        procs = _live_descendants(me, proc_baseline)
        threads = _live_new_threads(thread_baseline)
        if (not procs and not threads) or time.monotonic() >= deadline:
            break
        for t in threads:  # a join returns as soon as the thread ends
            t.join(max(0.0, min(0.05, deadline - time.monotonic())))
        if procs:
            time.sleep(0.05)

    problems = []
    if procs:
        problems.append(f"{len(procs)} child process(es) still running {GRACE_S:g} s after the test "
                        "(killed now):")
        problems += ["  " + _describe(p) for p in procs]
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=2.0)
    if threads:
        problems.append(f"{len(threads)} non-daemon thread(s) still alive {GRACE_S:g} s after the test:")
        problems += [f"  {t.name!r} ({t.__class__.__name__}, ident {t.ident})" for t in threads]
    if problems:
        pytest.fail("test left things behind:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def other_pythons():
    """CPython >= 3.9 interpreters found here other than the one running the tests
    (a list of PythonInfo: path, version, gil_enabled, free_threaded; may be empty)."""
    return _other_pythons()
