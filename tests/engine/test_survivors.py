"""No run outlives its owner, whatever kills what, and when (issue 12, part 2).

- The Session's process dies a moment after Session.start(), while a helper it
  forked keeps the control pipe open: the guardian has not armed its
  parent-death signal yet.  It gets the Session's pid in its spec and checks it
  right after arming, so the run ends instead of living on under init.
- The guardian itself is SIGKILLed while the run has processes that scrubbed
  their environment and left its session: the Session (a child subreaper)
  adopts them and kills them all, says how many, and poll() never blocks.
- A frozen (SIGSTOPped) guardian: Stop still ends everything within 1 s.
- A run's temporary files (multiprocessing's pymp-* folders with their sockets,
  a scenario's own temporary folders) go with it however it ends.
"""
import os
import re
import signal
import statistics
import subprocess
import tempfile
import time

import psutil
import pytest

from engine import guardian
from engine.session import Session
from tests.engine.helpers import (GONE_WITHIN_S, PYTHON, ROOT, STOP_WITHIN_S, report_line,
                                  survivors, wait_ready, wait_until)
from tests.engine.helpers import fault_file

REPEATS = 5


def tree_of(pid: int) -> list:
    """The live descendants of pid as psutil.Process objects (pid + start time: no reuse mix-up)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def still_alive(procs) -> list:
    left = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                left.append("pid %d: %s" % (proc.pid, " ".join(proc.cmdline())[:100]))
        except psutil.Error:
            continue
    return left


DIES_AT_ONCE = """
import os, sys, time
sys.path.insert(0, %r)
from engine.session import Session
session = Session(sample=False)
session.start(sys.path[0] + "/tests/engine/fault_scenarios/fault-sprawl.py", {})
holder = os.fork()  # a helper that keeps the control pipe's write end: no EOF for the guardian
if holder == 0:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # not the test's pipes: the test reads them to their end
    os.dup2(null, 2)
    time.sleep(60)
    os._exit(0)
print(session.run_id, holder, getattr(session, "_tmp_dir", "") or "-", session.sampler.ring_dir,
      flush=True)
os._exit(0)  # dies within a few ms of start(): long before the guardian armed anything
""" % ROOT


def test_a_session_process_dying_right_after_start_leaves_nothing(fault_hook, request):
    """Old code: all processes of the run alive 5 s later, 6 times of 6."""
    left_counts = []
    for _ in range(REPEATS):
        out = subprocess.run([PYTHON, "-c", DIES_AT_ONCE], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
        run_id, holder, tmp_dir, ring_dir = out.stdout.split()
        try:
            time.sleep(1.0)  # old code: the runner is up and sprawling by now
            left = survivors(run_id, within=GONE_WITHIN_S)
            left_counts.append(len(left))
            assert left == [], left
            assert tmp_dir != "-", "the Session gave the run no temporary folder of its own"
            assert wait_until(lambda: not os.path.exists(tmp_dir), GONE_WITHIN_S), tmp_dir
            # Old code: the guardian's early return left the rings folder in /dev/shm, 5 a run.
            assert wait_until(lambda: not os.path.exists(ring_dir), GONE_WITHIN_S), ring_dir
        finally:
            try:
                os.kill(int(holder), signal.SIGKILL)  # the stand-in's helper, not the run's
            except OSError:
                pass
    report_line(request.config, "session died 1 ms after start: survivors %s over %d runs"
                % (left_counts, REPEATS))


def test_a_sigkilled_guardian_leaves_no_hidden_process_and_poll_never_blocks(fault_hook, request):
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-hide"), {})
        wait_ready(session)
        tree = tree_of(session._proc.pid)
        assert len(tree) >= 4, tree  # runner, a setsid+env={} daemon, two env={} sleeps
        hidden = [p for p in tree if p.environ().get(guardian.RUN_ID_ENV) != session.run_id]
        assert len(hidden) >= 3, tree  # invisible to a sweep by run id
        os.kill(session._proc.pid, signal.SIGKILL)
        longest, t_end = 0.0, time.monotonic() + 20
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            state = session.poll()
            longest = max(longest, time.monotonic() - t0)
            if state != "running":
                break
            time.sleep(0.01)
        assert session.state == "failed", session.state
        left = still_alive(tree)
        report_line(request.config, "guardian SIGKILLed: %d hidden processes, %d left; longest "
                    "poll() %.3f s (load %.1f); problem: %s"
                    % (len(hidden), len(left), longest, os.getloadavg()[0], session.problem))
        assert left == [], left
        match = re.search(r"gilscope killed the (\d+) processes it left", session.problem)
        assert match and int(match.group(1)) >= len(hidden), session.problem
        assert longest < 0.5, longest  # the GUI thread polls: a join there froze it 1.9 s
    finally:
        session.close()


def test_stop_with_a_frozen_guardian_takes_under_a_second(fault_hook, request):
    """Old code: always 1.02-1.06 s (it waited out a full second for the frozen guardian)."""
    times = []
    for _ in range(REPEATS):
        session = Session(sample=False)
        try:
            session.start(fault_file("fault-sprawl"), {})
            wait_ready(session)
            tree = tree_of(session._proc.pid)
            os.kill(session._proc.pid, signal.SIGSTOP)
            times.append(session.stop())
            assert session.state == "stopped"
            assert still_alive(tree) == []
            assert survivors(session.run_id) == []
        finally:
            session.close()
    report_line(request.config, "stop with a frozen guardian: median %.3f s, worst %.3f s over %d "
                "(load %.1f)" % (statistics.median(times), max(times), len(times),
                                 os.getloadavg()[0]))
    assert max(times) < STOP_WITHIN_S, times


@pytest.fixture
def private_tmp(monkeypatch):
    """TMPDIR for this test alone: what a run leaves in it is this run's, not a neighbour's.

    Short (/tmp/gt-XXXXXXXX): multiprocessing's socket paths below it must stay under 108 bytes.
    """
    folder = tempfile.mkdtemp(prefix="gt-", dir="/tmp")
    monkeypatch.setenv("TMPDIR", folder)
    monkeypatch.setattr(tempfile, "tempdir", folder)
    yield folder
    import shutil
    shutil.rmtree(folder, ignore_errors=True)


def _ends(how, session):
    if how == "stopped":
        session.stop()
    elif how == "guardian-killed":
        os.kill(session._proc.pid, signal.SIGKILL)
        assert session.wait(20) == "failed"
    else:
        assert session.wait(60) == "finished", session.problem


@pytest.mark.parametrize("scenario, how", [
    ("fault-sprawl", "stopped"), ("fault-sprawl", "guardian-killed"),
    ("shared-globals", "finished"), ("pool-order", "stopped")])
def test_a_run_leaves_no_temporary_file(fault_hook, private_tmp, scenario, how):
    """Old code: pymp-*/listener-* (Manager, forkserver) and gilscope-pool-order-* stayed."""
    session = Session(sample=False)
    try:
        session.start(fault_file(scenario) if scenario.startswith("fault-") else scenario, {})
        if scenario.startswith("fault-"):
            wait_ready(session)
        else:
            time.sleep(0.4)
        inside = os.listdir(getattr(session, "_tmp_dir", None) or private_tmp)
        _ends(how, session)
    finally:
        session.close()
    assert os.listdir(private_tmp) == [], (inside, os.listdir(private_tmp))
