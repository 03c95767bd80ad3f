"""No orphans, nothing left in /dev/shm: however a run ends (issue 9, guarantee 1).

The fault scenario "fault-sprawl" (tests/engine/fault_scenarios/fault-sprawl.py) has every
kind of process a run can start alive at once: the runner, Pool workers, a
Manager, a forkserver and its child, a blocked producer and consumer, a
`sleep` command, a setsid double-fork daemon and multiprocessing's resource
tracker, plus a shared-memory segment and a named semaphore in /dev/shm.
Each test ends it one way and then counts what is left by the run's id.
"""
import os
import signal
import subprocess
import time

import psutil
import pytest

from engine import guardian
from engine.session import Session
from tests.engine.helpers import fault_file
from tests.engine.helpers import (GONE_WITHIN_S, MAIN, PYTHON, READY_FILE_ENV, ROOT, shm_left,
                                  shm_of_run, survivors, table_params, wait_ready, wait_until)
from tests.pythons import python_params

MIN_SPRAWL = 10  # guardian, runner, tracker, 2 pool workers, manager, forkserver + child,
#                  sleep, daemon, producer, consumer: 12; allow for version differences


def _start_sprawl(python=None):
    session = Session()
    try:
        session.start(fault_file("fault-sprawl"), {}, python=python)
        wait_ready(session)
        pids = guardian.processes_with_run_id(session.run_id)
        shm = shm_of_run(session.run_id)
        assert len(pids) >= MIN_SPRAWL, pids
        assert any("sem." in p for p in shm) and any("gilscope_test_" in p for p in shm), shm
    except BaseException:
        session.close()
        raise
    return session, shm


def _assert_nothing_left(run_id, shm):
    assert survivors(run_id) == []
    assert shm_left(shm) == []


@pytest.mark.parametrize("python", python_params())
def test_stop_leaves_no_process_and_no_shared_memory(fault_hook, python):
    session, shm = _start_sprawl(python.path)
    try:
        seconds = session.stop()
        assert session.state == "stopped"
        assert seconds < GONE_WITHIN_S
        _assert_nothing_left(session.run_id, shm)
    finally:
        session.close()


def test_closing_the_window_leaves_nothing(fault_hook):
    session, shm = _start_sprawl()
    session.close()  # what the window does on closeEvent
    assert session.state == "stopped"
    _assert_nothing_left(session.run_id, shm)
    assert not [t for t in session._threads if t.is_alive()]


def test_a_run_that_ends_normally_leaves_nothing(fault_hook):
    """The scenario returns but left a daemon, a command and an unjoined process."""
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-leaves-behind"), {})
        assert session.wait(20) == "finished", session.problem
        assert survivors(session.run_id) == []
    finally:
        session.close()


def test_a_growing_fork_tree_is_killed_whole(fault_hook):
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-fork-tree"), {"count": 1000})
        wait_ready(session)
        wait_until(lambda: len(guardian.processes_with_run_id(session.run_id)) > 40, 5)
        session.stop()  # while it still forks
        assert survivors(session.run_id) == []
    finally:
        session.close()


def _run_id_of_child_session(parent_pid: int) -> str:
    """The run id in the environment of the guardian a process started."""
    for child in psutil.Process(parent_pid).children():
        try:
            run_id = child.environ().get(guardian.RUN_ID_ENV)
        except psutil.Error:
            continue
        if run_id:
            return run_id
    return ""


def test_ctrl_c_on_the_cli_stops_and_leaves_nothing(fault_hook):
    cli = subprocess.Popen([PYTHON, MAIN, "run", "--file", fault_file("fault-sprawl")], cwd=ROOT,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: os.path.exists(fault_hook) or cli.poll() is not None, 30)
        assert cli.poll() is None, cli.communicate()
        run_id = _run_id_of_child_session(cli.pid)
        assert run_id
        shm = shm_of_run(run_id)
        assert len(shm) >= 2, shm  # the segment and the named semaphore
        cli.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = cli.communicate(timeout=15)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
    assert cli.returncode == 130, err  # 128 + SIGINT, as a shell reports Ctrl-C
    assert "gilscope: stopped in" in err and "Traceback" not in err, err
    assert out.startswith("fault-sprawl"), out  # it reported what was recorded
    _assert_nothing_left(run_id, shm)


GUI_STAND_IN = """
import os, sys, time
sys.path.insert(0, %r)
from engine.session import Session
session = Session()
session.start(sys.path[0] + "/tests/engine/fault_scenarios/fault-sprawl.py", {})
holder = 0
if sys.argv[1] == "pipe-held-open":  # a forked helper keeps the control pipe's write end
    holder = os.fork()
    if holder == 0:
        time.sleep(600)
        os._exit(0)
print(session.run_id, holder, flush=True)
while True:
    time.sleep(1)
""" % ROOT


@pytest.mark.parametrize("gui_kind", ["alone", "pipe-held-open"])
def test_sigkill_of_the_gui_process_leaves_nothing(fault_hook, gui_kind):
    """The GUI's process dies at once (SIGKILL): the guardian notices and cleans up alone.

    "pipe-held-open": the control pipe never reaches EOF, so only the
    guardian's parent-death signal can tell it the GUI is gone.
    """
    gui = subprocess.Popen([PYTHON, "-c", GUI_STAND_IN, gui_kind], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, text=True)
    holder = 0
    try:
        run_id, holder = gui.stdout.readline().split()
        holder = int(holder)
        assert wait_until(lambda: os.path.exists(fault_hook), 30), "the run never got ready"
        shm = shm_of_run(run_id)
        assert len(guardian.processes_with_run_id(run_id)) >= MIN_SPRAWL
        t0 = time.monotonic()
        gui.kill()
        gui.wait()
        left = survivors(run_id)
        gone_s = time.monotonic() - t0
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.wait()
        gui.stdout.close()
        if holder:
            os.kill(holder, signal.SIGKILL)  # the helper is the stand-in's, not the run's
    assert left == [], left
    assert gone_s < GONE_WITHIN_S + 0.5
    assert shm_left(shm) == []


@pytest.mark.parametrize("scenario_id", table_params())
def test_every_table_scenario_stopped_mid_run_leaves_nothing(scenario_id):
    """Each real lesson with its defaults, stopped 0.4 s in (or ended by then)."""
    session = Session(sample=False)
    try:
        session.start(scenario_id, {})
        time.sleep(0.4)
        shm = shm_of_run(session.run_id)
        session.stop()
        assert session.state in ("stopped", "finished"), session.problem
        _assert_nothing_left(session.run_id, shm)
    finally:
        session.close()


def test_ready_file_env_matches_the_fault_module():
    import importlib.util
    from tests.engine.helpers import FAULT_DIR
    spec = importlib.util.spec_from_file_location("fault_common_checked",
                                                  os.path.join(FAULT_DIR, "fault_common.py"))
    fault_scenarios = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fault_scenarios)
    assert fault_scenarios.READY_FILE_ENV == READY_FILE_ENV
    assert fault_scenarios.RUN_ID_ENV == guardian.RUN_ID_ENV
