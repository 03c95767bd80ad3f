"""Long use stays bounded (issue 9, guarantee 5).

200 consecutive runs — every scenario of the table in turn, shortest settings,
the sampler on as in the GUI — in one Session object: the test process's open
file descriptors, threads and resident memory, measured after a warm-up, must
not grow past fixed bounds.  And a run that produces more events than the
store holds keeps exactly `capacity` events and reports the rest as dropped.

Measured here (2-core machine, Python 3.11, 10 scenarios): 200 runs in ~35 s;
after warm-up fds and threads do not move, RSS moves by a few MB at most.
"""
import os
import threading
import time

import psutil
import pytest

from engine import recording, scenarios
from engine.session import Session
from tests.engine.helpers import existing_scenarios, report_line, shortest_params, survivors

RUNS = 200
WARMUP_RUNS = 20   # first runs import numpy/psutil paths, grow the store once, fill caches
MAX_FD_GROWTH = 3  # a pipe pair in flight at most; a leak is 2-4 fds per run: 360+ here
MAX_THREAD_GROWTH = 1
MAX_RSS_GROWTH = 16 << 20  # measured: +0.1 MB; leaking a 2 MB fresh store per run would be 400 MB


def _footprint(me) -> dict:
    return {"fds": len(os.listdir("/proc/self/fd")), "threads": me.num_threads(),
            "py_threads": threading.active_count(), "rss": me.memory_info().rss}


@pytest.mark.timeout(600)  # a hang guard: 35 s unloaded, over 120 s at load 30 on 2 cores (old code too)
def test_200_runs_in_one_session_stay_bounded(request):
    ids = existing_scenarios()
    assert ids, "no scenario written yet"
    plans = [(sid, shortest_params(scenarios.get(sid))) for sid in ids]
    me = psutil.Process()
    before = _footprint(me)
    session = Session()
    durations = []
    t_all = time.monotonic()
    try:
        for i in range(RUNS):
            scenario_id, params = plans[i % len(plans)]
            t0 = time.monotonic()
            session.start(scenario_id, params)
            state = session.wait(60)
            durations.append(time.monotonic() - t0)
            assert state == "finished", (i, scenario_id, state, session.problem)
            result = session.result()  # the verdict, as the window shows it after each run
            assert result.verdict.error is None, (i, scenario_id, result.verdict.error)
            assert result.figures["dropped"] == 0, (i, scenario_id, result.figures["dropped"])
            if i == WARMUP_RUNS - 1:
                warm = _footprint(me)
        end = _footprint(me)
        last_run_id = session.run_id
    finally:
        session.close()
    total_s = time.monotonic() - t_all
    closed = _footprint(me)
    report_line(request.config, (
        "long use: %d runs of %d scenarios in %.1f s (run median %.3f s, worst %.3f s); "
        "fds %d -> %d -> %d, threads %d -> %d -> %d, RSS %.1f -> %.1f MB (%+.1f MB after warm-up)"
        % (RUNS, len(plans), total_s, sorted(durations)[len(durations) // 2], max(durations),
           before["fds"], warm["fds"], end["fds"], before["threads"], warm["threads"],
           end["threads"], warm["rss"] / 2 ** 20, end["rss"] / 2 ** 20,
           (end["rss"] - warm["rss"]) / 2 ** 20)))
    assert end["fds"] <= warm["fds"] + MAX_FD_GROWTH, (warm, end)
    assert end["threads"] <= warm["threads"] + MAX_THREAD_GROWTH, (warm, end)
    assert end["rss"] <= warm["rss"] + MAX_RSS_GROWTH, (warm, end)
    assert closed["fds"] <= before["fds"] + MAX_FD_GROWTH, (before, closed)
    assert closed["py_threads"] <= before["py_threads"], (before, closed)
    assert survivors(last_run_id) == []


def test_a_run_larger_than_the_store_reports_what_it_dropped(tmp_path):
    capacity = 5000
    session = Session(capacity=capacity, sample=False)
    try:
        # 2 threads x 4 traced accesses x 20 000 iterations: 160 000 events, 32x the store.
        session.start("race", {"iterations": 20000})
        assert session.wait(60) == "finished", session.problem
        figures = session.result().figures
        assert len(session.events()) == capacity
        assert len(session.store._array) <= capacity  # the buffer itself never grew past it
        assert figures["events"] == capacity
        assert figures["dropped"] > 100_000, figures["dropped"]
        assert figures["dropped"] == session.dropped()
        path = str(tmp_path / "big.gilscope")
        recording.save(session.data(), path)  # the count survives a save and a load
        assert recording.load(path).result().figures["dropped"] == figures["dropped"]
    finally:
        session.close()
