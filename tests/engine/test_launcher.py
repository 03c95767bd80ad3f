"""engine.launcher and engine.bundled_runner: how a run is started, from source and frozen.

The frozen cases are simulated here (sys.frozen set, a fake bundle folder); the real
frozen build is exercised end to end by tests/packaging/test_zz_bundle.py.
"""
import json
import os
import subprocess
import sys

import pytest

from engine import interpreters, launcher
from tests.engine.helpers import ROOT


@pytest.fixture
def frozen(monkeypatch, tmp_path):
    """Pretend to be a one-folder build in tmp_path: gilscope + gilscope-runner."""
    for name in ("gilscope", launcher.RUNNER_EXECUTABLE):
        path = tmp_path / name
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gilscope"))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    return tmp_path


def test_from_source_the_runner_script_runs_under_the_chosen_python():
    info = {"executable": "/usr/bin/python3.12"}
    argv = launcher.runner_command(info, "{}")
    assert argv == ["/usr/bin/python3.12", "-I", os.path.join(ROOT, "engine", "runner.py"), "{}"]
    assert os.path.isfile(argv[2])


def test_from_source_the_environment_is_left_alone(monkeypatch):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/mine")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/other")
    env = launcher.child_environment({"X": "1"})
    assert env["LD_LIBRARY_PATH"] == "/mine" and env["LD_LIBRARY_PATH_ORIG"] == "/other" and env["X"] == "1"


def test_frozen_the_bundled_runner_plays_the_runner(frozen):
    info = interpreters.current()
    assert info["bundled"] and info["executable"] == str(frozen / launcher.RUNNER_EXECUTABLE)
    assert launcher.runner_command(info, '{"a": 1}') == [info["executable"], "--runner", '{"a": 1}']
    # The app itself and its runner are "the bundled Python", never probed with -c.
    assert interpreters.probe(str(frozen / "gilscope"))["bundled"]
    assert interpreters.candidates()[0] == info["executable"]


def test_x_options_go_to_an_installed_python_and_are_refused_by_the_bundled_one(frozen):
    argv = launcher.runner_command({"executable": "/usr/bin/python3.13t"}, "{}", ["gil=0"])
    assert argv[:4] == ["/usr/bin/python3.13t", "-I", "-B", "-Xgil=0"]
    with pytest.raises(launcher.LaunchError, match="pick an installed Python"):
        launcher.runner_command(interpreters.current(), "{}", ["gil=0"])


def test_frozen_an_installed_python_runs_the_shipped_sources_without_writing_bytecode(frozen):
    argv = launcher.runner_command({"executable": "/usr/bin/python3.9"}, "{}")
    assert argv == ["/usr/bin/python3.9", "-I", "-B",
                    str(frozen / "_internal" / "runner_src" / "engine" / "runner.py"), "{}"]


def test_frozen_children_get_the_users_environment_back(frozen):
    bundle_env = {"LD_LIBRARY_PATH": "%s/_internal" % frozen, "LD_LIBRARY_PATH_ORIG": "/opt/mine",
                  "_PYI_ARCHIVE_FILE": "x", "_PYI_PARENT_PROCESS_LEVEL": "1", "_PYI_LINUX_PROCESS_NAME": "g",
                  "QT_PLUGIN_PATH": "%s/_internal/PySide6/Qt/plugins" % frozen, "HOME": "/home/u"}
    assert launcher.user_environment(bundle_env) == {"LD_LIBRARY_PATH": "/opt/mine", "HOME": "/home/u"}
    del bundle_env["LD_LIBRARY_PATH_ORIG"]  # the user had none: the bundle's goes entirely
    assert launcher.user_environment(bundle_env) == {"HOME": "/home/u"}


def _bundled_runner(*args, **kw):
    code = "import sys; from engine.bundled_runner import main; sys.exit(main(sys.argv))"
    return subprocess.run([sys.executable, "-c", code] + list(args), cwd=ROOT, capture_output=True,
                          timeout=60, **kw)


def test_the_runner_entry_plays_python_dash_c():
    out = _bundled_runner("-I", "-c", "import sys; print(__name__, sys.argv); sys.exit(3)", "a", "b")
    assert out.returncode == 3
    assert out.stdout.decode().strip() == "__main__ ['-c', 'a', 'b']"


def test_the_runner_entry_refuses_what_it_does_not_know():
    out = _bundled_runner("--what")
    assert out.returncode == 2 and b"usage: gilscope-runner" in out.stderr


def test_the_runner_entry_runs_a_whole_run(tmp_path):
    """--runner '<spec>' is the runner script: guardian, fork, scenario, events, exit 0."""
    ev_r, ev_w = os.pipe()
    spec = {"scenario": "thread-names", "params": {"workers": 1, "lines": 3}, "event_fd": ev_w,
            "run_id": "launchertest"}
    proc = subprocess.Popen([sys.executable, "-c",
                             "import sys; from engine.bundled_runner import main; sys.exit(main(sys.argv))",
                             "--runner", json.dumps(spec)], cwd=ROOT, pass_fds=(ev_w,),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(ev_w)
    data = b""
    while True:
        chunk = os.read(ev_r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(ev_r)
    proc.wait(60)  # before stdin closes: EOF on the control pipe means Stop
    out = proc.stdout.read()
    proc.stdin.close()
    proc.stdout.close()
    assert proc.returncode == 0, out
    assert len(data) > 100  # the stream header and the run's frames arrived
