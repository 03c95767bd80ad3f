"""Pure analysis over synthetic events: lost updates and spans, table-driven."""
import numpy as np
import pytest

from engine.analysis import RunView, lost_updates, spans_of
from engine.decode import EVENT_DTYPE
from engine.wire import K, S

R, W = K.VAR_READ, K.VAR_WRITE


def events(rows):
    """rows: (t, worker, kind, b, a) in the runner process (pid 1)."""
    return np.array([(t, 1, w, k, 0, b, a) for t, w, k, b, a in rows], EVENT_DTYPE)


# Each case: accesses of one variable as (worker, kind, value), in time order;
# expected stale writes (indices) and the writes they overwrote unseen.
CASES = [
    ("serial, no race", [(1, R, 0), (1, W, 5), (2, R, 5), (2, W, 13)], [], []),
    ("classic lost update", [(1, R, 0), (2, R, 0), (2, W, 8), (1, W, 5)], [3], [2]),
    ("stale write clobbers two", [(1, R, 0), (2, R, 0), (2, W, 8), (2, R, 8), (2, W, 0), (1, W, 5)],
     [5], [2, 4]),
    ("write without a read is not judged", [(2, W, 3), (1, W, 4)], [], []),
    ("both threads stale in turn", [(1, R, 0), (2, R, 0), (1, W, 5), (2, W, 8)], [3], [2]),
]


@pytest.mark.parametrize("name, accesses, stale, lost", CASES, ids=[c[0] for c in CASES])
def test_lost_updates(name, accesses, stale, lost):
    acc = events([(i, w, k, 1, v) for i, (w, k, v) in enumerate(accesses)])
    found = lost_updates(acc)
    assert list(found["write"]) == stale
    assert sorted(found["lost"].tolist()) == lost
    assert found["count"] == len(stale)


def test_spans_follow_states_and_end_at_run_end():
    ev = events([(0, 1, K.WORKER_START, 9, 0), (10, 1, K.STATE, S.GIL_WAIT, 0),
                 (15, 1, K.STATE, S.RUNNING, 0), (20, 1, K.WORKER_EXIT, 0, 0),
                 (5, 2, K.WORKER_START, 9, 0)])
    lanes = [(1, 1, "A"), (1, 2, "B")]
    spans = spans_of(ev, lanes, t_end=30)
    got = list(zip(spans["lane"].tolist(), spans["t0"].tolist(), spans["t1"].tolist(),
                   spans["state"].tolist()))
    assert got == [(0, 0, 10, S.RUNNING), (0, 10, 15, S.GIL_WAIT), (0, 15, 20, S.RUNNING),
                   (0, 20, 30, S.DONE), (1, 5, 30, S.RUNNING)]


def test_runview_values_phases_and_names():
    ev = events([(0, 0, K.PHASE_BEGIN, 1, 0), (2_000_000_000, 0, K.PHASE_END, 1, 0),
                 (5, 0, K.VALUE, 2, 41), (6, 0, K.VALUE, 2, 42)])
    view = RunView(ev, {(1, 1): "threads", (1, 2): "final"})
    assert view.phase_wall_s("threads") == 2.0
    assert view.values("final") == [41, 42] and view.value("final") == 42
    assert view.phase_wall_s("absent") is None and view.value("absent", 7) == 7


# -- the O(n log n) lost_updates against the straightforward per-lane version ---------------
def lost_updates_by_scanning_each_lane(acc):
    """The definition, one pass over all accesses per lane (quadratic in lanes): the reference."""
    from engine.analysis import lane_keys
    n = len(acc)
    keys = lane_keys(acc)
    is_write = acc["kind"] == K.VAR_WRITE
    last_read, write, read = {}, [], []
    for i in range(n):
        if not is_write[i]:
            last_read[keys[i]] = i
        elif keys[i] in last_read:
            r = last_read[keys[i]]
            if is_write[r + 1:i].any():
                write.append(i)
                read.append(r)
    lost = set()
    for w, r in zip(write, read):
        lost.update(j for j in range(r + 1, w) if is_write[j] and keys[j] != keys[w])
    return write, read, sorted(lost)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), max_size=60))
def test_lost_updates_matches_the_definition(accesses):
    acc = events([(i, w, W if is_w else R, 1, 0) for i, (w, is_w) in enumerate(accesses)])
    found = lost_updates(acc)
    write, read, lost = lost_updates_by_scanning_each_lane(acc)
    assert found["write"].tolist() == write and found["read"].tolist() == read
    assert sorted(found["lost"].tolist()) == lost and found["count"] == len(write)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.booleans()), max_size=60))
def test_lost_updates_matches_the_definition_across_processes(accesses):
    """Lanes in several processes (the lane codes' general path, not one pid's workers)."""
    acc = np.array([(i, pid * 100, w, W if is_w else R, 0, 1, 0)
                    for i, (pid, w, is_w) in enumerate(accesses)], EVENT_DTYPE)
    found = lost_updates(acc)
    write, read, lost = lost_updates_by_scanning_each_lane(acc)
    assert found["write"].tolist() == write and found["read"].tolist() == read
    assert sorted(found["lost"].tolist()) == lost and found["count"] == len(write)


def test_a_view_of_unordered_events_answers_as_one_of_sorted_events():
    """A live store is in arrival order: RunView sorts only what each question selects, and
    must answer exactly as from the whole run sorted (which it then never copies)."""
    rng = np.random.default_rng(7)
    rows = [(10, 1, K.WORKER_START, 1, 0), (11, 2, K.WORKER_START, 2, 0)]
    rows += [(1000 + 10 * i, 1 + i % 2, (R, W)[i // 2 % 2], 3, i) for i in range(400)]
    rows += [(1003 + 30 * i, 1 + i % 2, K.STATE, (S.RUNNING, S.GIL_WAIT)[i % 2], 0)
             for i in range(100)]  # times all distinct: the order of ties is the arrival's
    rows += [(9000, 1, K.VALUE, 4, 7), (9001, 2, K.VALUE, 4, 9), (9100, 1, K.WORKER_EXIT, 0, 0)]
    ordered = events(rows)
    ordered = ordered[np.argsort(ordered["t"], kind="stable")]
    shuffled = ordered.copy()
    for lo in range(0, len(shuffled), 64):  # frames of threads interleaved: runs out of order
        block = shuffled[lo:lo + 64]
        block[:] = block[rng.permutation(len(block))]
    strings = {(1, 1): "THREAD1", (1, 2): "THREAD2", (1, 3): "ret", (1, 4): "final"}
    a, b = RunView(ordered, strings, t_end=9500), RunView(shuffled, strings, t_end=9500)
    assert "_events" not in b.__dict__
    assert a.accesses("ret").tobytes() == b.accesses("ret").tobytes()
    la, lb = a.lost_updates("ret"), b.lost_updates("ret")
    assert all(np.array_equal(la[k], lb[k]) for k in ("write", "read", "lost"))
    assert a.values("final") == b.values("final") == [7, 9]
    assert a.lanes() == b.lanes() and (a.t_start, a.t_end) == (b.t_start, b.t_end)
    sa, sb = a.spans(), b.spans()
    assert all(np.array_equal(sa[k], sb[k]) for k in ("lane", "t0", "t1", "state"))
    assert a.count(K.STATE, S.GIL_WAIT) == b.count(K.STATE, S.GIL_WAIT) == 50
    assert "_events" not in b.__dict__  # none of these needed the whole run sorted
    assert b.events.tobytes() == ordered.tobytes()


def test_external_children_get_lanes_named_by_their_spawn():
    """cp and sleep record nothing: their lanes come from the parent's spawn and exit events."""
    ev = events([(0, 0, K.WORKER_START, 1, 0), (10, 0, K.PROC_SPAWN, 2, 500),
                 (12, 0, K.PROC_SPAWN, 2, 501), (30, 0, K.PROC_EXIT, 1, 500),
                 (40, 0, K.PROC_SPAWN, 2, 500)])  # a repeated pid keeps its first spawn
    view = RunView(ev, {(1, 1): "MainThread", (1, 2): "cp"}, t_end=50)
    assert [(pid, label) for pid, _, label in view.lanes()] == [
        (1, "MainThread · pid 1"), (500, "cp · pid 500"), (501, "cp · pid 501")]
    spans = view.spans()
    got = list(zip(spans["lane"].tolist(), spans["t0"].tolist(), spans["t1"].tolist(),
                   spans["state"].tolist()))
    assert (1, 10, 30, S.IDLE) in got and (1, 30, 50, S.DONE) in got and (2, 12, 50, S.IDLE) in got


def test_worker_failures_count_exit_codes_of_python_workers_only():
    """Issue 12: a 100 ms CPU sample of `cp -r missing ...` made it count as a Python worker,
    so its intended exit 1 showed as a warning.  Workers are told by their own start events."""
    from engine.analysis import worker_failures
    ev = np.array([
        (0, 1, 0, K.WORKER_START, 0, 1, 0),          # the runner's main thread
        (10, 1, 0, K.PROC_SPAWN, 0, 2, 500),         # cp, an external command
        (20, 0, 0, K.CPU_TIME, 0, 0, 1000),          # the sampler: whole-machine row
        (20, 500, 0, K.CPU_TIME, 0, 0, 1000),        # ... and cp's CPU time, caught alive
        (30, 1, 0, K.PROC_EXIT, 0, 1, 500),          # cp exits 1: what the lesson shows
        (40, 1, 0, K.PROC_SPAWN, 0, 3, 600),         # a Python worker process
        (41, 600, 0, K.PROCESS_START, 0, 3, 1),
        (42, 600, 0, K.CPU_TIME, 0, 0, 1000),
        (50, 1, 0, K.PROC_EXIT, 0, 3, 600),          # ... that exits 3: a failure
        (60, 1, 0, K.PROC_SPAWN, 0, 2, 700),         # another cp, killed by signal 9
        (70, 1, 0, K.PROC_EXIT, 0, -9, 700),
        (80, 1, 0, K.PROC_EXIT, 0, 1, 0),            # os.system's shell: pid 0, never a worker
    ], EVENT_DTYPE)
    view = RunView(ev, {(1, 1): "MainThread", (1, 2): "cp", (1, 3): "PROCESS1", (600, 3): "PROCESS1"})
    assert worker_failures(view) == [("exit", 600, 0, 3), ("signal", 700, 0, 9)]


def test_the_time_order_and_ends_in_one_pass_are_those_of_the_whole_column():
    from engine.analysis import _time_order_and_ends
    rng = np.random.default_rng(8)
    for trial in range(200):
        t = rng.integers(0, 50, int(rng.integers(0, 40)))
        if trial % 3 == 0:
            t = np.sort(t)
        ev = np.zeros(len(t), EVENT_DTYPE)
        ev["t"] = t
        expected = (len(t) < 2 or bool(np.all(t[1:] >= t[:-1])),
                    int(t.min()) if len(t) else 0, int(t.max()) if len(t) else 0)
        for chunk in (1, 3, 1 << 16):  # chunk edges between any two times
            assert _time_order_and_ends(ev["t"], chunk) == expected, (trial, chunk)
