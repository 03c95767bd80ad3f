"""The test harness itself: the leftover checks in conftest.py, the interpreter finder,
and .ci/setup.sh's refusal of an unusable Python."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.pythons import WANTED_IDS, find_pythons, python_params

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.join(REPO_ROOT, "tests")


def _run_inner_pytest(tmp_path, test_source):
    """Run one test file under a copy of our conftest, in a separate pytest."""
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ("conftest.py", "pythons.py"):
        shutil.copy(os.path.join(TESTS_DIR, name), tests / name)
    (tests / "test_inner.py").write_text(textwrap.dedent(test_source))
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        # its own --basetemp: the shared /tmp/pytest-of-USER is pruned by every run
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "basetemp"), str(tests / "test_inner.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_clean_test_passes(tmp_path):
    out = _run_inner_pytest(tmp_path, """
        import subprocess, threading
        def test_clean():
            subprocess.run(["true"])
            t = threading.Thread(target=lambda: None); t.start(); t.join()
    """)
    assert out.returncode == 0, out.stdout + out.stderr


def test_leftover_child_process_fails_and_is_killed(tmp_path):
    marker = tmp_path / "pid"
    out = _run_inner_pytest(tmp_path, f"""
        import subprocess
        def test_leaks_a_process():
            p = subprocess.Popen(["sleep", "37"])
            open({str(marker)!r}, "w").write(str(p.pid))
    """)
    assert out.returncode != 0, out.stdout
    assert "child process" in out.stdout and "sleep 37" in out.stdout, out.stdout
    pid = int(marker.read_text())
    import psutil
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_leftover_grandchild_fails(tmp_path):
    out = _run_inner_pytest(tmp_path, """
        import subprocess
        def test_leaks_a_grandchild():
            # the shell waits for its own child, so both are still there at the end
            subprocess.Popen(["sh", "-c", "sleep 38; true"])
    """)
    assert out.returncode != 0, out.stdout
    assert "sleep 38" in out.stdout, out.stdout


def test_leftover_thread_fails(tmp_path):
    out = _run_inner_pytest(tmp_path, """
        import threading
        stop = threading.Event()
        def test_leaks_a_thread():
            threading.Thread(target=stop.wait, args=(3,), name="stuck-worker").start()
    """)
    assert out.returncode != 0, out.stdout
    assert "stuck-worker" in out.stdout, out.stdout


def test_short_lived_leftovers_get_a_grace_period(tmp_path):
    out = _run_inner_pytest(tmp_path, """
        import subprocess, threading, time
        def test_ends_soon_after():
            subprocess.Popen(["sleep", "0.5"])
            threading.Thread(target=time.sleep, args=(0.5,)).start()
    """)
    assert out.returncode == 0, out.stdout + out.stderr


def test_find_pythons_reports_real_cpythons():
    for info in find_pythons():
        assert info.version >= (3, 9)
        assert os.path.exists(info.path)
        assert info.id.startswith("py3.")
        if not info.free_threaded:
            assert info.gil_enabled


def test_python_params_has_one_entry_per_wanted_id():
    params = python_params()
    assert [p.id for p in params] == WANTED_IDS
    for p in params:
        if p.values[0] is None:
            assert p.marks and "not found" in p.marks[0].kwargs["reason"]


SETUP = os.path.join(REPO_ROOT, ".ci", "setup.sh")


@pytest.mark.parametrize("python", ["/nonexistent/python3", "old"])
def test_setup_refuses_unusable_python_with_exit_2(tmp_path, python):
    if python == "old":
        # A stand-in interpreter that fails the version check (as 3.9 would).
        fake = tmp_path / "python3"
        fake.write_text("#!/bin/sh\necho 'Python 3.9.0'\nexit 1\n")
        fake.chmod(0o755)
        python = str(fake)
    env = dict(os.environ, GILSCOPE_PYTHON=python, GILSCOPE_NO_APT="1")
    out = subprocess.run(["bash", SETUP], capture_output=True, text=True, timeout=60, env=env,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Python >= 3.10" in out.stderr
