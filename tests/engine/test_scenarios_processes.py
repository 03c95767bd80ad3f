"""process-basics, pool, pool-order and subprocess make their claims with measured figures.

Knobs are set so each claim holds on a loaded 2-core machine; no tight wall-clock thresholds.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from engine import guardian
from engine.wire import K, S
from tests.engine.helpers import run_shown

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lane_pids(view):
    return {pid for pid, _, _ in view.lanes()}


def pool_worker_pids(view):
    return {int(pid) for pid in view.named(K.PROCESS_START, "PoolWorker")["pid"]}


def test_process_basics_parallel_beats_one_by_one(session):
    result = run_shown(session, "process-basics", workers=2, iterations=20_000_000)
    f = result.figures
    pids = f["child_pids"]
    assert len(pids) == 4 and len(set(pids)) == 4
    assert f["exit_codes"] == [0, 0, 0, 0]
    assert set(pids) <= lane_pids(result.view)  # each child recorded its own lane
    assert f["children_with_lane"] == 4
    assert f["most_alive_sequential"] == 1 and f["most_alive_parallel"] == 2
    # the headline states it beside the speedup: it holds on a busy machine (issue 13, part 4)
    assert result.verdict.headline["en"].endswith("alive at once: 1 one by one, 2 started together")
    assert result.verdict.headline["zh_CN"].endswith("同时存活：逐个运行时 1 个，一起启动时 2 个")
    assert sorted(f["printed_parallel"]) == [0, 1]  # each child printed its i
    if f["cpu_count"] < 2:
        return
    # Wall-clock speedups are the benches' (bench/fidelity.py), not a test's: they fail on a busy
    # machine.  What holds under load: the children's own lanes show two of them running at
    # the same instant (measured at load 10: 0.005 s with 2M iterations).  Up to 3 runs: a busy
    # machine can starve one run's overlap.
    at_once = [f["running_at_once_s"]]
    while max(at_once) < 0.001 and len(at_once) < 3:
        session.start("process-basics", {"workers": 2, "iterations": 20_000_000})
        assert session.wait(60) == "finished", session.problem
        at_once.append(session.result().figures["running_at_once_s"])
    assert max(at_once) >= 0.001, at_once


def test_pool_spreads_tasks_and_refuses_submissions_after_close(session):
    result = run_shown(session, "pool", tasks=8, iterations=4_000_000)  # workers=0: Pool's default
    f, view = result.figures, result.view
    # Pool(): os.cpu_count(); from 3.13 os.process_cpu_count(), the CPUs this process may use
    default = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    assert f["pool_size"] == (default or 1)
    assert f["os_cpu_count"] == os.cpu_count() and f["cpu_count"] == len(os.sched_getaffinity(0))
    assert f["tasks_submitted"] == f["tasks"] == 8
    assert sum(f["tasks_per_worker"].values()) == 8
    if f["cpu_count"] >= 2:
        assert f["workers_used"] > 1
    assert f["submit_after_close_error"] == "ValueError: Pool not running"
    assert f["join_before_close_error"] == "ValueError: Pool is still running"
    workers = pool_worker_pids(view)
    assert len(workers) == f["pool_size"] and workers <= lane_pids(view)
    tasks = view.tasks()
    assert set(tasks["pid"].tolist()) <= workers  # the Gantt rows are pool workers
    assert sorted(tasks["arg"].tolist()) == list(range(8))
    assert sorted(tasks["result"].tolist()) == [i * i for i in range(8)]
    submits = view.of_kind(K.TASK_SUBMIT)
    assert set(submits["pid"].tolist()) == {session.decoder.messages[0]["pid"]}  # in the parent
    # Each worker's lane ends done once join() let it exit.
    spans = view.spans()
    for i, label in enumerate(spans["labels"]):
        if label.startswith("PoolWorker"):
            assert spans["state"][spans["lane"] == i][-1] == S.DONE


def test_pool_workers_flag_is_the_pool_size_as_everywhere_else():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), "run", "pool", "--workers", "2",
                          "--set", "tasks=3", "--set", "iterations=0", "--json", "-"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    f = json.loads(out.stdout)["figures"]
    assert f["tasks"] == 3 and f["pool_size"] == 2 == f["pool_size_asked"]


def test_pool_map_keeps_input_order_though_tasks_finish_out_of_order(session):
    result = run_shown(session, "pool-order")  # the seed's knobs: 6 workers, range(1, 20), chunksize 1
    f, view = result.figures, result.view
    inputs = list(range(1, 20))
    assert f["result_order"] == inputs
    assert sorted(f["completion_order"]) == inputs and f["completion_order"] != inputs
    assert sorted(f["unordered_order"]) == inputs
    assert f["files_written"] == 19 and f["pool_size"] == 6
    workers = pool_worker_pids(view)
    assert len(workers) == 6 and workers <= lane_pids(view)
    assert len(view.tasks()["pid"]) == 2 * 19  # map, then imap_unordered


def test_pool_order_one_chunk_runs_in_input_order_on_one_worker(session):
    result = run_shown(session, "pool-order", workers=3, tasks=8, chunksize=8, unit_ms=5)
    f = result.figures
    assert f["completion_order"] == f["result_order"] == list(range(1, 9))
    tasks = result.view.tasks()
    assert len(set(tasks["pid"][:8].tolist())) == 1


def test_subprocess_exit_codes_and_popen_runs_children_at_once(session):
    result = run_shown(session, "subprocess", workers=3, child_seconds=0.3)
    f, view = result.figures, result.view
    assert f["cp_exit_code"] == 0 and f["copied_files"] == 2
    assert f["cp_missing_exit_code"] not in (0, None)
    assert f["system_exit_code"] == 0
    assert f["system_exit3_status"] == 3 << 8 and f["system_exit3_exit_code"] == 3
    assert [code for label, code in f["exit_codes"] if label.startswith("sleep")] == [0] * 6
    assert f["most_at_once_call"] == 1 and f["most_at_once_popen"] == 3
    assert f["wall_popen_s"] < f["wall_call_s"]
    # Each child command is a spawn/exit pair with its pid on the calling lane, which waits in I/O.
    spawns, exits = view.of_kind(K.PROC_SPAWN), view.of_kind(K.PROC_EXIT)
    runner = session.decoder.messages[0]["pid"]
    assert set(spawns["pid"].tolist()) == set(exits["pid"].tolist()) == {runner}
    pids = f["child_pids"]
    assert len(pids) == len(set(pids)) == 2 + 6  # two cp, six sleep (os.system hides its pid)
    assert set(pids) == set(exits["a"].tolist()) - {0}
    io_waits = (view.events["kind"] == K.STATE) & (view.events["b"] == S.IO_WAIT)
    assert np.count_nonzero(io_waits) >= 10


def test_subprocess_child_ignoring_sigterm_still_ends_on_stop(session):
    session.start("subprocess", {"workers": 1, "child_seconds": 0.01, "child_ignores_sigterm": True})
    deadline = time.monotonic() + 30
    while session.poll() == "running" and time.monotonic() < deadline:
        if len(session.result().view.named(K.VALUE, "alive_after_sigterm")):
            break
        time.sleep(0.05)
    assert session.state == "running"  # it waits for the stubborn child
    stubborn = [pid for pid in guardian.processes_with_run_id(session.run_id)
                if b"SIG_IGN" in open("/proc/%d/cmdline" % pid, "rb").read()]
    assert len(stubborn) == 1
    assert session.stop() < 1.0
    assert guardian.processes_with_run_id(session.run_id) == []
    assert session.result().figures["alive_after_sigterm"] is True


def test_children_taking_turns_on_too_few_cores_is_not_a_busy_machine():
    from engine.scenarios.process_basics import own_preemption
    assert own_preemption(2, 2) == 0.0
    assert own_preemption(3, 2) == pytest.approx(1 / 3)  # measured on an idle 2-core box: 0.29-0.32
    assert own_preemption(4, 2) == 0.5                   # measured: 0.46
    assert own_preemption(1, 8) == 0.0
