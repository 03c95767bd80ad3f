"""Stop always works within 1 s, whatever the run is doing (issue 9, guarantee 2).

Each test brings a run into one hard state — a busy loop, a C call holding the
GIL, a deadlock, a producer blocked on a full queue, a consumer blocked on an
empty one, a child that ignores SIGTERM — then stops it, measures how long Stop
took (wall clock around Session.stop()) and counts survivors by the run's id.
The module prints the median and worst stop time when it ends.
"""
import time

import pytest

from engine.session import Session
from engine.wire import S
from tests.engine.helpers import fault_file
from tests.engine.helpers import (STOP_WITHIN_S, count_state, has_state, has_value, needs_scenario,
                                  report_line, summary, survivors, wait_ready, wait_until)

STOP_TIMES = []  # seconds, one per test, for the module's summary line


@pytest.fixture(scope="module", autouse=True)
def report_stop_times(request):
    yield
    report_line(request.config, "stop times: " + summary(STOP_TIMES))


def _stop_and_check(session) -> float:
    assert session.poll() == "running", (session.state, session.problem)
    t0 = time.monotonic()
    session.stop()
    seconds = time.monotonic() - t0
    STOP_TIMES.append(seconds)
    assert session.state == "stopped"
    assert survivors(session.run_id) == []
    assert seconds < STOP_WITHIN_S, seconds
    return seconds


def _run_then_stop(scenario_id, params, ready):
    session = Session()
    try:
        session.start(fault_file(scenario_id) if scenario_id.startswith("fault-") else scenario_id,
                      params)
        assert wait_until(lambda: ready(session) or session.poll() != "running", 20), \
            "the run never reached the state to stop it in"
        time.sleep(0.1)  # well inside that state, not at its edge
        _stop_and_check(session)
    finally:
        session.close()


def _after(seconds):
    t_end = time.monotonic() + seconds
    return lambda session: time.monotonic() > t_end


# -- the real lessons ------------------------------------------------------------------
def test_stop_during_a_busy_loop():
    _run_then_stop("gil", {"workers": 2, "iterations": 500_000_000}, _after(0.5))


@needs_scenario("deadlock")
def test_stop_during_a_deadlock():
    _run_then_stop("deadlock", {"workers": 2, "detect_s": 30.0},
                   lambda s: count_state(s, S.LOCK_WAIT) >= 2)  # both threads stuck


@needs_scenario("queue-pipeline")
def test_stop_with_a_producer_blocked_on_a_full_queue():
    _run_then_stop("queue-pipeline", {"workers": 1, "items": 100_000, "maxsize": 1,
                                      "consumer_ms": 1000.0},
                   lambda s: has_state(s, S.QUEUE_WAIT))


@needs_scenario("queue-pipeline")
def test_stop_with_a_consumer_blocked_on_an_empty_queue():
    _run_then_stop("queue-pipeline", {"workers": 2, "items": 100, "producer_ms": 1000.0},
                   lambda s: has_state(s, S.QUEUE_WAIT))


@needs_scenario("subprocess")
def test_stop_with_a_subprocess_child_that_ignores_sigterm():
    _run_then_stop("subprocess", {"workers": 1, "child_seconds": 0.01,
                                  "child_ignores_sigterm": True},
                   lambda s: has_value(s, "alive_after_sigterm"))


# -- the same hard states, forced by fault scenarios (always present) ----------------------
@pytest.mark.parametrize("params", [{"workers": 1}, {"workers": 4}], ids=["1-thread", "4-threads"])
def test_stop_during_a_c_call_that_holds_the_gil(fault_hook, params):
    _run_then_stop("fault-gil-hog", params, lambda s: has_value(s, "ready"))


@pytest.mark.parametrize("side", ["producer", "consumer"])
def test_stop_with_a_process_blocked_on_a_queue(fault_hook, side):
    _run_then_stop("fault-blocked-queue", {"side": side}, lambda s: has_state(s, S.QUEUE_WAIT))


def test_stop_with_a_child_that_ignores_sigterm_and_sigint(fault_hook):
    _run_then_stop("fault-ignore-sigterm", {}, lambda s: has_value(s, "ready"))


def test_stop_with_every_kind_of_process_alive(fault_hook):
    _run_then_stop("fault-sprawl", {}, lambda s: has_value(s, "ready"))


def test_stop_is_idempotent_and_a_new_run_starts_after_it(fault_hook):
    session = Session(sample=False)
    try:
        session.start(fault_file("fault-gil-hog"), {"workers": 1})
        wait_ready(session)
        _stop_and_check(session)
        assert session.stop() == 0.0  # nothing to stop: returns at once
        session.start("race", {"iterations": 100})
        assert session.wait(30) == "finished", session.problem
    finally:
        session.close()
