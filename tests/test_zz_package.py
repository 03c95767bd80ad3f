"""The packaged build, end to end: build the one-folder package and the .deb, unpack the
.deb into a temporary root (dpkg-deb -x), and run gilscope from there.

Named to run last: the build takes minutes (measured 70-130 s for the folder plus
10-30 s for a gzip .deb on 2 shared cores) and is done once, in a module fixture.
PyInstaller comes from the test extras (pip install -e .[test]); dpkg-dev, Xvfb and
xdotool from .ci/setup.sh.  A missing tool skips by name, nothing else does.

GILSCOPE_TEST_DEB=path/to/gilscope_*.deb checks that package instead of building one
(say, after `bash packaging/build.sh`).
"""
import glob
import importlib.util
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import psutil
import pytest

from engine import guardian, scenarios
from tests.pythons import find_pythons

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_TIMEOUT_S = 1500
SCREEN = "1366x768x24"
# The first test also pays for the build (the module fixture); the suite's 120 s is per test.
pytestmark = pytest.mark.timeout(BUILD_TIMEOUT_S + 300)


def _need(tool: str, how: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip("%s not installed (%s)" % (tool, how))


@pytest.fixture(scope="module")
def package():
    """Build once: {deb, root (the unpacked .deb), app, seconds}.

    In a private temporary folder, not pytest's tmp_path: every pytest run of this
    user prunes old numbered base folders, and another run may start during the build.
    """
    base = pathlib.Path(tempfile.mkdtemp(prefix="gilscope-package-"))
    try:
        given = os.environ.get("GILSCOPE_TEST_DEB")
        yield _unpack(given, base, 0.0) if given else _build(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _build(base) -> dict:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller not installed (pip install -e .[test] installs it from PyPI)")
    _need("dpkg-shlibdeps", "apt-get install dpkg-dev")
    _need("dpkg-deb", "apt-get install dpkg")
    env = dict(os.environ, GILSCOPE_PYTHON=sys.executable, GILSCOPE_OUT=str(base / "out"),
               GILSCOPE_BUILD_DIR=str(base / "build"), GILSCOPE_DEB_COMPRESSION="gzip")
    env.pop("QT_QPA_PLATFORM", None)
    t0 = time.monotonic()
    build = subprocess.Popen(["bash", os.path.join(ROOT, "packaging", "build.sh"), "--no-tar"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output = build.communicate(timeout=BUILD_TIMEOUT_S)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(build.pid, signal.SIGKILL)  # PyInstaller and dpkg-deb too, not only bash
        build.communicate()
        pytest.fail("the build took more than %d s" % BUILD_TIMEOUT_S)
    seconds = time.monotonic() - t0
    assert build.returncode == 0, output[-5000:]
    [deb] = glob.glob(str(base / "out" / "gilscope_*.deb"))
    print("\npackage built in %.0f s (load %s): %s" % (seconds, open("/proc/loadavg").read().strip(), deb))
    return _unpack(deb, base, seconds)


def _unpack(deb: str, base, seconds: float) -> dict:
    root = base / "root"
    subprocess.run(["dpkg-deb", "-x", deb, str(root)], check=True, timeout=300)
    return {"deb": deb, "root": str(root), "app": str(root / "opt" / "gilscope" / "gilscope"),
            "seconds": seconds}


def _user_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYQTGRAPH_QT_LIB")}
    env.update(extra)
    return env


# -- the .deb's contents --------------------------------------------------------------
def test_the_deb_installs_a_command_a_menu_entry_and_an_icon(package):
    root = package["root"]
    assert os.readlink(os.path.join(root, "usr/bin/gilscope")) == "/opt/gilscope/gilscope"
    desktop = open(os.path.join(root, "usr/share/applications/gilscope.desktop"), encoding="utf-8").read()
    for line in ("Name=gilscope", "Exec=gilscope", "Icon=gilscope"):
        assert line in desktop.splitlines()
    assert any(l.startswith("Name[zh_CN]=") for l in desktop.splitlines())
    assert os.path.getsize(os.path.join(root, "usr/share/icons/hicolor/scalable/apps/gilscope.svg")) > 200
    assert os.path.getsize(os.path.join(root, "usr/share/icons/hicolor/256x256/apps/gilscope.png")) > 1000
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", os.path.join(root, "usr/share/applications/gilscope.desktop")],
                       check=True)


def test_the_deb_depends_on_what_its_binaries_need_and_recommends_a_chinese_font(package):
    fields = subprocess.run(["dpkg-deb", "-f", package["deb"], "Depends", "Recommends"], check=True,
                            capture_output=True).stdout.decode()
    depends = fields.split("Recommends:")[0]
    for lib in ("libc6", "libxcb-cursor0", "libfontconfig1", "libdbus-1-3", "libffi8"):
        assert lib in depends, depends
    assert "fonts-noto-cjk" in fields.split("Recommends:")[1]
    internal = os.path.join(package["root"], "opt/gilscope/_internal")
    # System libraries come from those packages, not from the build machine.
    for lib in ("libffi.so.8", "libfontconfig.so.1", "libxcb-cursor.so.0", "libstdc++.so.6"):
        assert not os.path.exists(os.path.join(internal, lib)), lib
    # Qt parts gilscope does not use are left out; the ones it needs are there.
    for unused in ("PySide6/Qt/lib/libQt6Network.so.6", "PySide6/Qt/lib/libQt6Qml.so.6",
                   "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/tls"):
        assert not os.path.exists(os.path.join(internal, unused)), unused
    for needed in ("PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/lib/libQt6OpenGL.so.6",
                   "resources/translations/gilscope_zh_CN.qm", "resources/gilscope.svg",
                   "resources/check_dark.svg", "resources/more_dark.svg",
                   "runner_src/engine/runner.py"):
        assert os.path.exists(os.path.join(internal, needed)), needed


def test_removal_leaves_nothing(package):
    """postrm removes what dpkg did not install (a __pycache__ made later, say)."""
    control = subprocess.run(["dpkg-deb", "--ctrl-tarfile", package["deb"]], check=True, capture_output=True)
    assert b"rm -rf /opt/gilscope" in control.stdout
    assert not glob.glob(os.path.join(package["root"], "opt/gilscope/**/__pycache__"), recursive=True)


# -- running from the unpacked .deb -----------------------------------------------------
def test_self_test_passes_from_the_package(package):
    _need("xvfb-run", "apt-get install xvfb xauth")
    out = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 " + SCREEN, package["app"], "--self-test", "--json"],
                         capture_output=True, timeout=300, env=_user_env())
    report = json.loads(out.stdout)
    failed = [c for c in report["checks"] if c["status"] == "FAIL"]
    assert out.returncode == 0 and not failed, failed or out.stderr.decode()[-2000:]
    assert report["bundled"] is True
    assert "(bundled)" in next(c for c in report["checks"] if c["name"].startswith("A run starts"))["detail"]


@pytest.mark.parametrize("scenario", scenarios.IDS)
def test_every_scenario_runs_headless_from_the_package(package, scenario, tmp_path):
    result = tmp_path / "result.json"
    out = subprocess.run([package["app"], "run", scenario, "--json", str(result)], capture_output=True,
                         timeout=180, env=_user_env())
    assert out.returncode == 0, out.stdout.decode()[-2000:] + out.stderr.decode()[-2000:]
    doc = json.loads(result.read_text(encoding="utf-8"))
    assert doc["state"] == "finished" and doc["interpreter"].get("bundled") is True


def test_an_installed_python_runs_the_shipped_runner_sources(package, tmp_path):
    pythons = [p for p in find_pythons() if p.version >= (3, 9)]
    if not pythons:
        pytest.skip("no other CPython >= 3.9 found here")
    python = min(pythons, key=lambda p: p.version)  # the oldest: the runner sources must stay 3.9-clean
    result = tmp_path / "result.json"
    out = subprocess.run([package["app"], "run", "race", "--python", python.path, "--json", str(result)],
                         capture_output=True, timeout=180, env=_user_env())
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    doc = json.loads(result.read_text(encoding="utf-8"))
    assert doc["state"] == "finished" and doc["interpreter"]["version"].startswith("%d.%d" % python.version[:2])
    assert not glob.glob(os.path.join(package["root"], "opt/gilscope/**/__pycache__"), recursive=True)


MULTIPROCESSING_CODE = """
import multiprocessing as mp
from multiprocessing import shared_memory
if __name__ == "__main__":
    for method in ("fork", "spawn", "forkserver"):
        with mp.get_context(method).Pool(2) as pool:
            assert pool.map(abs, [-1, -2, -3]) == [1, 2, 3], method
        p = mp.get_context(method).Process(target=abs, args=(-1,))
        p.start()
        p.join()
        assert p.exitcode == 0, method
    shm = shared_memory.SharedMemory(create=True, size=16)  # the resource tracker starts
    shm.buf[0] = 7
    shm.close()
    shm.unlink()
    print("ok")
"""


def test_the_bundled_runner_plays_multiprocessings_helpers(package):
    """spawn and forkserver children and the resource tracker re-run gilscope-runner with
    interpreter flags and -c; freeze_support() must take them (else: a relaunch loop)."""
    runner = os.path.join(package["root"], "opt/gilscope/gilscope-runner")
    out = subprocess.run([runner, "-c", MULTIPROCESSING_CODE], capture_output=True, timeout=120,
                         env=_user_env())
    assert out.returncode == 0 and out.stdout.decode().strip() == "ok", out.stderr.decode()[-2000:]
    assert b"relaunching" not in out.stderr and b"usage:" not in out.stderr, out.stderr.decode()[-2000:]


def test_the_interpreter_list_names_the_bundled_python_and_the_installed_ones(package):
    out = subprocess.run([package["app"], "interpreters"], capture_output=True, timeout=120, env=_user_env())
    lines = out.stdout.decode().splitlines()
    assert out.returncode == 0 and "bundled" in lines[0] and lines[0].split()[0].endswith("gilscope-runner")
    if find_pythons():
        assert len(lines) >= 2, lines


def _run_processes(root_pid: int) -> list:
    return [p for p in guardian.descendants(root_pid)]


def _alive(pids) -> list:
    alive = []
    for pid, started in pids:
        try:
            p = psutil.Process(pid)
            if p.create_time() == started and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive


def _remember(pids, known: set) -> None:
    for pid in pids:
        try:
            known.add((pid, psutil.Process(pid).create_time()))
        except psutil.Error:
            pass


def test_scenario_children_get_the_users_environment_and_ctrl_c_leaves_nothing(package):
    """A scenario's `sleep` children run with the user's environment, none of the bundle's.

    (The TERM-ignoring child is `gilscope-runner -c`: its own bootloader sets its
    environment again, as it does for any start of a bundled executable.)
    """
    env = _user_env(LD_LIBRARY_PATH="/gilscope-test-mine")
    cli = subprocess.Popen([package["app"], "run", "subprocess", "--set", "child_ignores_sigterm=on",
                            "--set", "child_seconds=2"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    seen, checked = set(), []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not checked:
            pids = _run_processes(cli.pid)
            _remember(pids, seen)
            for pid in pids:
                try:
                    proc = psutil.Process(pid)
                    cmd = proc.cmdline()
                    if cmd[:1] == ["sleep"]:
                        checked.append(proc.environ())
                except psutil.Error:
                    continue
            time.sleep(0.05)
        assert checked, "no sleep child appeared"
        child_env = checked[0]
        assert child_env.get("LD_LIBRARY_PATH") == "/gilscope-test-mine", child_env.get("LD_LIBRARY_PATH")
        assert not [k for k in child_env if k.startswith("_PYI_") or k == "QT_PLUGIN_PATH"], sorted(child_env)
    finally:
        cli.send_signal(signal.SIGINT)
        output = cli.communicate(timeout=30)[0]
    assert cli.returncode == 130, output.decode()[-2000:]  # stopped by Ctrl-C, as a shell says
    time.sleep(0.3)
    assert _alive(seen) == [], "survivors after Ctrl-C"


# -- the window -------------------------------------------------------------------------
@pytest.fixture
def display():
    _need("Xvfb", "apt-get install xvfb")
    _need("xdotool", "apt-get install xdotool")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                              pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    try:
        yield ":" + number
    finally:
        server.terminate()
        server.wait(10)


def _start_window(package, display: str):
    env = _user_env(DISPLAY=display, GILSCOPE_LANG="en")
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen([package["app"]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    window = ""
    deadline = time.monotonic() + 60
    while not window and time.monotonic() < deadline and app.poll() is None:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(app.pid)],
                               env=env, capture_output=True, timeout=30)
        window = (found.stdout.decode().split() or [""])[-1]
        time.sleep(0.2)
    assert window, "no window: %s" % app.stderr.read().decode()[-2000:] if app.poll() is not None else "no window"
    return app, window, env


def _run_in_window(app, window: str, env: dict, seen: set) -> int:
    """Press F5 and wait until the run has processes; return how many were seen."""
    time.sleep(2.0)  # the plots load after the first paint
    # Xvfb has no window manager: focus the window, then type (XTEST) like a user.
    subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, check=True, timeout=30)
    subprocess.run(["xdotool", "key", "F5"], env=env, check=True, timeout=30)
    deadline = time.monotonic() + 30
    most = 0
    while time.monotonic() < deadline:
        pids = _run_processes(app.pid)
        _remember(pids, seen)
        most = max(most, len(pids))
        if most >= 5:  # guardian, runner and workers of process-basics started together
            return most
        if most >= 3:  # the run goes (its children one by one first): the all-at-once phase
            deadline = min(deadline, time.monotonic() + 6)  # comes ~2.5 s after F5 (measured)
        time.sleep(0.02)
    return most


@pytest.mark.parametrize("how", ["ctrl+q", "SIGKILL"])
def test_closing_the_window_mid_run_leaves_no_process(package, display, how):
    app, window, env = _start_window(package, display)
    seen = set()
    try:
        most = _run_in_window(app, window, env, seen)
        assert most >= 3, "the run did not start from F5 (%d processes)" % most
        if how == "SIGKILL":
            app.kill()
        else:
            subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, check=True, timeout=30)
            subprocess.run(["xdotool", "key", "ctrl+q"], env=env, check=True, timeout=30)
        app.wait(30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        app.stderr.close()
    deadline = time.monotonic() + 3
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = _alive(seen)
    print("\n%s mid-run: %d processes of the run seen, %d left" % (how, len(seen), len(survivors)))
    assert survivors == []
