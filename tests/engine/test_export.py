"""The Chrome trace export on a synthetic run: tracks, names, flows, counters, and Perfetto's
nesting rule, checked on the JSON itself (tests/engine/test_perfetto_ui.py loads real runs
into the real Perfetto UI)."""
import collections
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from engine import export
from engine.analysis import RunView
from engine.decode import EVENT_DTYPE
from engine.json_rows import Rows
from engine.wire import K, S

MAIN, P1, P2 = 100, 300, 50  # PROCESS2 has the lower pid but is started second
NAMES = {1: "MainThread", 2: "THREAD1", 3: "THREAD2", 4: "ret", 5: "L", 6: "PROCESS1",
         7: "PROCESS2", 8: "q", 9: "threads", 10: 'hello "quoted" 中文'}


def synthetic_run() -> RunView:
    """A run with a lost update, a lock hand-off, two child processes, pool tasks and a queue."""
    rows = [  # (t, pid, worker, kind, aux, b, a)
        (0, MAIN, 0, K.WORKER_START, 0, 1, 0),
        (1, MAIN, 1, K.WORKER_START, 0, 2, 0), (1, MAIN, 2, K.WORKER_START, 0, 3, 0),
        (5, MAIN, 0, K.PHASE_BEGIN, 0, 9, 0),
        (10, MAIN, 1, K.VAR_READ, 0, 4, 0), (11, MAIN, 2, K.VAR_READ, 0, 4, 0),
        (12, MAIN, 1, K.VAR_WRITE, 0, 4, 1), (13, MAIN, 2, K.VAR_WRITE, 0, 4, 1),  # lost update
        (15, 0, 0, K.CPU_SAMPLE, 0, 0, 5034), (15, 0, 1, K.CPU_SAMPLE, 0, 1, 10000),
        (20, MAIN, 1, K.LOCK_REQUEST, 0, 5, 0), (21, MAIN, 1, K.LOCK_ACQUIRED, 0, 5, 0),
        (22, MAIN, 2, K.LOCK_REQUEST, 0, 5, 0), (22, MAIN, 2, K.STATE, 0, S.LOCK_WAIT, 0),
        (30, MAIN, 1, K.LOCK_RELEASE, 0, 5, 0),
        (31, MAIN, 2, K.LOCK_ACQUIRED, 0, 5, 0), (31, MAIN, 2, K.STATE, 0, S.RUNNING, 0),
        (32, MAIN, 2, K.LOCK_RELEASE, 0, 5, 0), (33, MAIN, 1, K.OUTPUT, 0, 10, 0),
        (35, MAIN, 0, K.PHASE_END, 0, 9, 0),
        (40, MAIN, 0, K.PROC_SPAWN, 0, 6, P1), (41, MAIN, 0, K.PROC_SPAWN, 0, 7, P2),
        (42, P1, 0, K.WORKER_START, 0, 6, 0), (42, P1, 0, K.PROCESS_START, 0, 6, MAIN),
        (43, P2, 0, K.WORKER_START, 0, 7, 0), (43, P2, 0, K.PROCESS_START, 0, 7, MAIN),
        (45, P1, 0, K.QUEUE_PUT, 0, 8, 1), (46, P2, 0, K.QUEUE_GET, 0, 8, 0),
        (50, P1, 0, K.TASK_START, 0, 0, 7), (55, P1, 0, K.STATE, 0, S.IO_WAIT, 0),
        (58, P1, 0, K.STATE, 0, S.RUNNING, 0), (60, P1, 0, K.TASK_FINISH, 0, 0, 49),
        (60, P1, 0, K.TASK_START, 0, 0, 8), (70, P1, 0, K.TASK_FINISH, 0, 0, 64),
        (80, MAIN, 1, K.STATE, 0, S.DONE, 0), (80, MAIN, 1, K.WORKER_EXIT, 0, 0, 0),
        (81, MAIN, 2, K.WORKER_EXIT, 0, 0, 0),
        (90, P1, 0, K.WORKER_EXIT, 0, 0, 0), (91, P2, 0, K.WORKER_EXIT, 0, 0, 0),
        (95, MAIN, 0, K.WORKER_EXIT, 0, 0, 0),
    ]
    events = np.array([(t + 1000, p, w, k, aux, b, a) for t, p, w, k, aux, b, a in rows], EVENT_DTYPE)
    strings = {(pid, sid): text for sid, text in NAMES.items() for pid in (MAIN, P1, P2)}
    return RunView(events, strings, t_end=1200)


def trace_of(view, labels=None) -> list:
    return json.loads(b"".join(export.trace_blocks(view, labels)))["traceEvents"]


def overlapping(slices) -> list:
    """Slices Perfetto would drop: on one (pid, tid) track, one that starts inside
    another and ends after it (slices must nest or follow each other)."""
    bad = []
    by_track = collections.defaultdict(list)
    for e in slices:
        begin = round(e["ts"] * 1000)  # in ns, as Perfetto reads them: exact, unlike float µs
        by_track[(e["pid"], e["tid"])].append((begin, begin + round(e["dur"] * 1000), e))
    for items in by_track.values():
        items.sort(key=lambda x: (x[0], -x[1]))
        stack = []
        for begin, end, e in items:
            while stack and stack[-1] <= begin:
                stack.pop()
            if stack and end > stack[-1]:
                bad.append(e)
            else:
                stack.append(end)
    return bad


def test_processes_are_named_like_the_window_in_program_order():
    view = synthetic_run()
    assert view.processes() == [(MAIN, "MainProcess"), (P1, "PROCESS1"), (P2, "PROCESS2")]
    ev = trace_of(view)
    procs = [(e["pid"], e["args"]["name"]) for e in ev if e["ph"] == "M" and e["name"] == "process_name"]
    assert procs[:3] == view.processes() and procs[3] == (0, "CPU (sampled)")
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
               if e["ph"] == "M" and e["name"] == "thread_name"}
    assert threads[(MAIN, 1)] == "THREAD1" and threads[(P1, 0)] == "PROCESS1"


def test_slices_nest_tasks_have_their_own_track_and_done_is_a_mark():
    ev = trace_of(synthetic_run())
    slices = [e for e in ev if e["ph"] == "X"]
    assert overlapping(slices) == []
    tasks = [e for e in slices if e["cat"] == "task"]
    assert [(t["name"], t["args"]) for t in tasks] == [
        ("task 7", {"argument": 7, "result": 49}), ("task 8", {"argument": 8, "result": 64})]
    assert {t["tid"] for t in tasks} == {export.TASKS_TID}  # not the worker's own lane
    assert (tasks[0]["ts"], tasks[0]["dur"]) == (0.05, 0.01)  # µs after the first event
    done = [e for e in slices if e["name"] == "done"]
    assert len(done) == 5 and all(e["dur"] == 0 for e in done)  # one per lane
    running_end = max(e["ts"] + e["dur"] for e in slices if e["name"] != "done")
    assert running_end < 0.2  # nothing runs on to the end of the trace (t_end is 0.2 µs)


def test_a_lost_update_and_a_lock_hand_off_are_flows():
    ev = trace_of(synthetic_run())
    outs = {e["bind_id"]: e for e in ev if e.get("flow_out")}
    ins = {e["bind_id"]: e for e in ev if e.get("flow_in")}
    assert set(outs) == set(ins) and len(outs) == 2
    pairs = sorted((outs[i]["name"], outs[i]["tid"], ins[i]["name"], ins[i]["tid"]) for i in outs)
    assert pairs == [("read ret (stale)", 2, "write ret (lost update)", 2),
                     ("release L", 1, "acquire L", 2)]
    reads = [e for e in ev if e["ph"] == "X" and e["name"].startswith("read ret")]
    assert len(reads) == 2 and all(e["dur"] == 0 and "value" in e["args"] for e in reads)


def test_counters_one_track_per_queue_variable_values_and_core_loads():
    ev = trace_of(synthetic_run())
    counters = [e for e in ev if e["ph"] == "C"]
    queue = [e for e in counters if e["name"] == 'queue "q"']
    assert [(e["pid"], e["args"]) for e in queue] == [(MAIN, {"depth": 1}), (MAIN, {"depth": 0})]
    assert [e["args"] for e in counters if e["name"] == "ret"] == [{"value": 1}, {"value": 1}]
    loads = {tuple(e["args"].items())[0] for e in counters if e["name"] == "cpu load %"}
    assert loads == {("core 0", 50.34), ("core 1", 100.0)}


def test_phases_and_printed_lines():
    ev = trace_of(synthetic_run(), {"threads": "threads: one GIL"})
    phases = [e for e in ev if e["ph"] == "X" and e["cat"] == "phase"]
    assert [(p["name"], p["tid"], p["dur"]) for p in phases] == [("threads: one GIL", export.PHASES_TID, 0.03)]
    printed = [e for e in ev if e["ph"] == "i"]
    assert printed[0]["args"]["text"] == 'hello "quoted" 中文' and printed[0]["tid"] == 1


def test_json_rows_match_json_for_any_number():
    rng = np.random.default_rng(7)
    n = 5000
    values = rng.integers(-2 ** 63, 2 ** 63 - 1, n, dtype=np.int64)
    values[:6] = [0, -1, 9, 10, -2 ** 63, 2 ** 63 - 1]
    ns = rng.integers(0, 10 ** 15, n)
    ns[:4] = [0, 999, 1000, 10 ** 18]
    codes = rng.integers(0, 3, n)
    table = [json.dumps(x, ensure_ascii=False).encode() for x in ("a", 'é"\\', "")]
    text = (Rows(n).text('{"v":').integers(values).text(',"t":').micros(ns)
            .text(',"s":').choice(codes, table).text("}\n")).build()
    for line, v, t, c in zip(text.decode().splitlines(), values, ns, codes):
        record = json.loads(line)
        assert record["v"] == int(v)
        assert line.split('"t":')[1].split(",")[0] == "%d.%03d" % divmod(int(t), 1000)
        assert record["s"] == ("a", 'é"\\', "")[c]
    assert Rows(0).text("x").integers([]).build() == b""


def test_written_atomically_with_the_usual_mode_and_to_stdout(tmp_path):
    view = synthetic_run()
    path = tmp_path / "t.json"
    size = export.write_chrome_trace(view, str(path))
    assert size == path.stat().st_size and json.loads(path.read_text())["traceEvents"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert sorted(os.listdir(tmp_path)) == ["t.json"]  # no temporary left behind
    with pytest.raises(OSError):
        export.write_chrome_trace(view, str(tmp_path / "missing" / "t.json"))
    code = ("import sys; sys.path.insert(0, %r); from tests.engine.test_export import synthetic_run;"
            "from engine import export; export.write_chrome_trace(synthetic_run(), '-')"
            % os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["traceEvents"] == trace_of(view)
