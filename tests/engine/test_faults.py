"""Faults are contained (issue 9, guarantee 3).

A worker that raises, calls os._exit(3) or dies by SIGSEGV is recorded as an
event (its exception text in RunView.errors(), its exit code in a proc_exit
event), the runner goes on and reports it, and the next run in the same
Session works.  A runner or guardian that dies is reported as a failed run with
the reason in Session.problem, within seconds, and leaves no process behind.
"""
import json
import os
import signal

import pytest

from engine import guardian
from engine.session import Session
from tests.engine.helpers import fault_file
from tests.engine.helpers import gilscope, survivors, wait_ready

ENDS_WITHIN_S = 15  # generous: a failed run must end, not hang; it takes ~0.2 s


def _next_run_works(session):
    session.start("race", {"iterations": 200, "lock": True})
    assert session.wait(ENDS_WITHIN_S) == "finished", session.problem
    assert session.result().figures["final_value"] == 0


@pytest.mark.parametrize("fault, error, exit_codes", [
    ("thread-raises", "ValueError: boom in a worker", []),
    ("process-raises", "ValueError: boom in a worker", [1]),
    ("process-exit-3", None, [3]),
    ("process-segfault", None, [-signal.SIGSEGV]),
])
def test_a_failing_worker_is_recorded_and_the_run_goes_on(fault_hook, fault, error, exit_codes):
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-worker"), {"fault": fault})
        assert session.wait(ENDS_WITHIN_S) == "finished", session.problem
        result = session.result()
        errors = result.view.errors()
        if error:
            assert any(error in e for e in errors), errors
        else:
            assert errors == []
        assert result.figures["proc_exit_codes"] == exit_codes
        assert result.figures["after_fault"] == 1  # the runner carried on after it
        assert survivors(session.run_id) == []
        _next_run_works(session)
    finally:
        session.close()


def test_the_cli_reports_a_crashed_worker(fault_hook):
    out = gilscope("run", "--file", fault_file("fault-worker"), "--set", "fault=process-segfault", "--json", "-")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    figures = json.loads(out.stdout)["figures"]
    assert figures["proc_exit_codes"] == [-signal.SIGSEGV]
    assert figures["after_fault"] == 1


@pytest.mark.parametrize("how, problem, code", [
    ("sigkill", "the runner was killed by signal 9", 128 + signal.SIGKILL),
    ("exit-7", "the runner exited with code 7", 7),
])
def test_a_runner_that_dies_is_reported_not_waited_on(fault_hook, how, problem, code):
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-runner-dies"), {"how": how, "with_children": True})
        assert session.wait(ENDS_WITHIN_S) == "failed", (session.state, session.problem)
        assert session.exit_code == code
        assert session.problem.startswith(problem), session.problem
        assert session.result().view.value("before_death") == 1  # what came before is kept
        assert survivors(session.run_id) == []  # its orphans went with it
        _next_run_works(session)
    finally:
        session.close()


def test_the_cli_reports_a_dead_runner(fault_hook):
    out = gilscope("run", "--file", fault_file("fault-runner-dies"), "--set", "how=sigkill")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert "problem: the runner was killed by signal 9" in out.stdout


def test_a_guardian_killed_from_outside_is_reported_and_swept(fault_hook):
    """Not even the guardian survives: the Session notices and sweeps by run id."""
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-sprawl"), {})
        wait_ready(session)
        os.kill(session._proc.pid, signal.SIGKILL)
        assert session.wait(ENDS_WITHIN_S) == "failed", session.state
        assert "guardian" in session.problem and "signal 9" in session.problem, session.problem
        assert guardian.processes_with_run_id(session.run_id) == []  # swept in _finish
        _next_run_works(session)
    finally:
        session.close()
