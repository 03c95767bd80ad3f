"""A run stopped by hand gets a verdict of what was measured so far (issue 13, part 5).

Each scenario is started with parameters that make it long, stopped mid-way once its
workers are going (Session.stop, as the window's Stop), and its verdict must be
computed (no "could not be computed"), labelled "Stopped — measured so far" in both
languages, and agree with the figures recomputed here from the run's own events.
"""
import time

import pytest

from engine import analysis
from engine.session import Session
from engine.verdict_labels import STOPPED_PREFIX
from engine.wire import K, S
from tests.engine.helpers import needs_scenario, wait_until

READY_TIMEOUT_S = 60  # a loaded machine (load 10 on 2 cores) starts a run slowly


def _count(session, kind, state=None) -> int:
    ev = session.events()
    hit = ev["kind"] == kind
    if state is not None:
        hit &= ev["b"] == state
    return int(hit.sum())


def _lane_named(session, prefix: str) -> bool:
    ev = session.events()
    ev = ev[ev["kind"] == K.WORKER_START]
    strings = session.decoder.strings
    return any(strings.get((int(p), int(b)), "").startswith(prefix) for p, b in zip(ev["pid"], ev["b"]))


def _stopped_result(scenario_id, params, ready, settle_s=0.3):
    """Start, wait until ready(session), let it go on settle_s, stop; the result."""
    session = Session()
    try:
        session.start(scenario_id, params)
        assert wait_until(lambda: ready(session) or session.poll() != "running", READY_TIMEOUT_S)
        time.sleep(settle_s)
        assert session.poll() == "running", "the run ended before it could be stopped mid-way"
        session.stop()
        assert session.state == "stopped"
        return session.result()
    finally:
        session.close()


def _check_labelled(result):
    verdict = result.verdict
    assert verdict.error is None, verdict.headline
    assert verdict.partial
    assert verdict.headline["en"].startswith(STOPPED_PREFIX["en"]), verdict.headline
    assert verdict.headline["zh_CN"].startswith(STOPPED_PREFIX["zh_CN"]), verdict.headline
    assert "could not" not in verdict.headline["en"]
    assert result.figures["stopped_after_s"] > 0
    for note in verdict.notes:  # every note in both languages
        assert note["en"] and note["zh_CN"]


def test_gil_stopped_in_the_threads_step():
    result = _stopped_result("gil", {"workers": 2, "iterations": 15_000_000},
                             lambda s: _lane_named(s, "THREAD"), settle_s=0.5)
    _check_labelled(result)
    fig, view = result.figures, result.view
    assert fig["wall_baseline_s"] is not None  # the baseline ended before the threads began
    assert fig["speedup_threads"] is None and fig["speedup_processes"] is None
    # The figures are the lanes': two threads of one GIL never ran at once.
    assert fig["threads_running_at_once_share"] == view.running_at_once_share("THREAD")
    assert fig["threads_running_at_once_share"] <= 0.01
    assert "threads %d%%" % round(100 * fig["threads_running_at_once_share"]) in result.verdict.headline["en"]
    assert "No step of threads or processes ended" in result.verdict.headline["en"]


def test_race_stopped_counts_lost_updates_so_far():
    result = _stopped_result("race", {"workers": 2, "iterations": 1_000_000, "traced": True},
                             lambda s: _count(s, K.VAR_WRITE) > 2000)
    _check_labelled(result)
    fig, view = result.figures, result.view
    assert fig["final_value"] is None  # the threads were never joined
    assert fig["lost_updates"] == view.lost_updates("ret")["count"]
    assert fig["value_when_stopped"] == view.final_value("ret")
    assert fig["accesses_traced"] == len(view.accesses("ret")) > 2000
    head = result.verdict.headline["en"]
    assert "(ret was %d)" % fig["value_when_stopped"] in head
    assert ("No update lost" in head) == (fig["lost_updates"] == 0)


def test_deadlock_stopped_before_its_check_is_a_deadlock():
    # detect_s 30: the main thread's own check would come long after Stop.
    result = _stopped_result("deadlock", {"workers": 2, "detect_s": 30.0},
                             lambda s: _count(s, K.STATE, S.LOCK_WAIT) >= 2, settle_s=0.5)
    _check_labelled(result)
    fig = result.figures
    assert fig["cycle"] == ["THREAD1", "THREAD2"] or sorted(fig["cycle"]) == ["THREAD1", "THREAD2"]
    assert set(fig["cycle"]) <= set(fig["lanes_in_lock_wait"])
    assert fig["deadlocked"] is True  # agrees with the cycle and the lanes in lock wait
    assert "Deadlock: " in result.verdict.headline["en"]
    assert "死锁：" in result.verdict.headline["zh_CN"]
    spans = result.view.spans()  # the lanes: both threads blocked until Stop ended them
    for lane, label in enumerate(spans["labels"]):
        if label.startswith("THREAD"):
            states = [int(x) for x in spans["state"][spans["lane"] == lane]]
            alive = [x for x in states if x != S.DONE]
            assert alive and alive[-1] == S.LOCK_WAIT, (label, states)


def _started_lanes(n):
    return lambda s: _count(s, K.WORKER_START) >= n


# scenario -> (long-running parameters, ready to stop)
OTHERS = {
    "process-basics": ({"workers": 2, "iterations": 300_000_000}, _started_lanes(2)),
    "pool": ({"workers": 2, "tasks": 8, "iterations": 300_000_000},
             lambda s: _count(s, K.TASK_START) >= 1),
    "pool-order": ({"workers": 2, "unit_ms": 1000.0}, lambda s: _count(s, K.TASK_START) >= 1),
    "subprocess": ({"workers": 2, "child_seconds": 10.0}, lambda s: _count(s, K.PROC_SPAWN) >= 1),
    "shared-globals": ({"workers": 2, "items": 100_000, "item_bytes": 65536}, _started_lanes(2)),
    "thread-names": ({"workers": 2, "lines": 100_000}, lambda s: _count(s, K.OUTPUT) >= 50),
    "threads-help": ({"workers": 2, "digest_mib": 256, "loop": 100_000_000}, _started_lanes(2)),
    "convoy": ({"calls": 100_000, "call_us": 1000}, _started_lanes(2)),
    "queue-pipeline": ({"items": 100_000}, lambda s: _count(s, K.QUEUE_GET) >= 2),
}


def _steps_said(result):
    ended, going = result.view.phases_so_far()
    head = result.verdict.headline["en"]
    assert "steps ended: %s" % (", ".join(ended) or "none") in head
    assert all(name in head for name in going)


def _pool_tasks(result):
    done = len(result.view.tasks()["pid"])
    assert result.figures["tasks"] == done
    assert "%d of 8 tasks finished" % done in result.verdict.headline["en"]


def _pool_order_tasks(result):
    finished = [int(a) for a in result.view.tasks()["arg"]]
    assert sorted(result.figures["completion_order"]) == sorted(finished)
    assert "%d of 19 tasks finished" % len(finished) in result.verdict.headline["en"]
    assert "NOT in input order" not in result.verdict.headline["en"]


def _queue_counts(result):
    ev = result.view.events
    puts, gets = int((ev["kind"] == K.QUEUE_PUT).sum()), int((ev["kind"] == K.QUEUE_GET).sum())
    assert (result.figures["items_in"], result.figures["items_out"]) == (puts, gets)
    assert "%d puts and %d gets" % (puts, gets) in result.verdict.headline["en"]
    assert result.figures["clean_shutdown"] is None  # Stop killed them: no claim either way


def _lines_so_far(result):
    assert "not every thread printed all" in result.verdict.headline["en"]


def _phases_unfinished(result):
    _, going = result.view.phases_so_far()
    assert going  # it was stopped inside a step ...
    assert "ended before" in result.verdict.headline["en"]  # ... and says no comparison was made


OTHER_CHECKS = {
    "process-basics": _phases_unfinished, "pool": _pool_tasks, "pool-order": _pool_order_tasks,
    "subprocess": _phases_unfinished, "shared-globals": _steps_said,
    "thread-names": _lines_so_far, "threads-help": _steps_said, "convoy": _phases_unfinished,
    "queue-pipeline": _queue_counts,
}


@pytest.mark.parametrize("scenario_id", [pytest.param(sid, marks=needs_scenario(sid)) for sid in OTHERS])
def test_every_other_scenario_stopped_mid_way(scenario_id):
    params, ready = OTHERS[scenario_id]
    result = _stopped_result(scenario_id, params, ready)
    _check_labelled(result)
    OTHER_CHECKS[scenario_id](result)
    # The verdict is this run's: recomputed from the same events (as a saved recording of
    # it is read), it says the same.
    view = result.view
    again = analysis.RunView(view.events, view.strings, view.messages, view.params,
                             view.interpreter, t_end=view.t_end, stopped=True)
    assert _verdict_of(scenario_id, again).headline == result.verdict.headline


def test_every_table_scenario_has_a_stop_test():
    from engine import scenarios
    assert set(scenarios.IDS) == set(OTHERS) | {"gil", "race", "deadlock"}


def _verdict_of(scenario_id, view):
    from engine import scenarios
    from engine.verdict_labels import label_verdict
    verdict = scenarios.get(scenario_id).verdict(view, view.params)
    label_verdict(verdict, view)
    return verdict
