"""The live trace's lost updates equal the engine's, however the events arrive.

Events reach the GUI in per-thread batches, interleaved in any order; TraceData
settles them and finds lost updates incrementally.  Whatever the batching, the
result must be what engine.analysis.lost_updates says about the whole run.
"""
import numpy as np
import pytest

from engine.analysis import RunView, lost_updates
from engine.decode import EVENT_DTYPE
from engine.wire import K
from gui.trace_data import TraceData, final_trace

PID, VAR_ID = 4242, 7
STRINGS = {(PID, VAR_ID): "ret", (PID, 8): "other"}


def _accesses(rng, n_lanes, n, alternate=True):
    """A random interleaving: each lane does read-then-write pairs (or random kinds), switching
    lanes at random."""
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = np.cumsum(rng.integers(1, 50, n))
    ev["pid"] = PID
    ev["b"] = VAR_ID
    lane, pos = 0, {}
    for i in range(n):
        if rng.random() < 0.15:
            lane = int(rng.integers(0, n_lanes))
        ev["worker"][i] = lane + 1
        write = pos.get(lane, 0) % 2 if alternate else rng.random() < 0.5
        ev["kind"][i] = K.VAR_WRITE if write else K.VAR_READ
        pos[lane] = pos.get(lane, 0) + 1
        ev["a"][i] = rng.integers(-20, 20)
    return ev


def _delivered_in_batches(rng, ev):
    """Per-lane runs in lane order, the runs of different lanes shuffled (as flushes arrive)."""
    runs = []
    for worker in np.unique(ev["worker"]):
        mine = ev[ev["worker"] == worker]
        cuts = np.sort(rng.choice(np.arange(1, len(mine)), size=min(5, len(mine) - 1), replace=False))
        runs.append(list(np.split(mine, cuts)))
    chunks = []
    while any(runs):
        lane_runs = [r for r in runs if r]
        chunks.append(lane_runs[int(rng.integers(0, len(lane_runs)))].pop(0))
    return chunks


@pytest.mark.parametrize("seed", range(40))
def test_incremental_lost_updates_match_the_engine(seed):
    rng = np.random.default_rng(seed)
    ev = _accesses(rng, n_lanes=int(rng.integers(2, 5)), n=int(rng.integers(50, 600)),
                   alternate=seed % 2 == 0)
    expected = lost_updates(ev)
    data = TraceData(t0_ns=0)
    for chunk in _delivered_in_batches(rng, ev):
        data.add(chunk)
        if rng.random() < 0.6:
            data.settle(STRINGS, limit=int(rng.integers(1, 80)))
    while data.pending:  # the run ended: the rest settles a slice at a time
        data.settle(STRINGS, everything=True, limit=int(rng.integers(1, 80)))
    assert len(data) == len(ev)
    assert np.array_equal(data.t.view(), ev["t"])
    assert np.array_equal(data.lost.write.view(), expected["write"])
    assert np.array_equal(data.lost.read.view(), expected["read"])
    overwritten = np.flatnonzero(data.overwritten(np.arange(len(ev))))
    assert overwritten.tolist() == sorted(set(expected["lost"].tolist()))


def test_only_the_most_accessed_variable_is_traced():
    rng = np.random.default_rng(1)
    ev = _accesses(rng, 2, 200)
    other = ev[:20].copy()
    other["b"] = 8
    data = TraceData()
    data.add(np.concatenate([ev, other]))
    data.settle(STRINGS, everything=True)
    assert data.var == "ret" and len(data) == len(ev)


def test_a_thread_seen_late_is_merged_in_time_order():
    rng = np.random.default_rng(2)
    ev = _accesses(rng, 2, 300)
    first, second = ev[ev["worker"] == 1], ev[ev["worker"] == 2]
    data = TraceData()
    data.add(first)
    data.settle(STRINGS)  # only lane 1 is known: all of it settles
    data.add(second)      # lane 2's accesses are older than what settled
    data.settle(STRINGS, everything=True)
    assert np.array_equal(data.t.view(), ev["t"])
    assert np.array_equal(data.lost.write.view(), lost_updates(ev)["write"])


def test_a_lost_update_is_told_by_its_stale_read_the_overwritten_write_and_itself():
    ev = np.zeros(4, EVENT_DTYPE)
    ev["t"], ev["pid"], ev["b"] = [10, 20, 30, 40], PID, VAR_ID
    ev["worker"] = [1, 2, 2, 1]
    ev["kind"] = [K.VAR_READ, K.VAR_READ, K.VAR_WRITE, K.VAR_WRITE]
    ev["a"] = [0, 0, 5, 3]   # THREAD2 wrote 5; THREAD1 then wrote 0 + 3 from its stale read
    data = TraceData()
    data.add(ev)
    data.settle(STRINGS, everything=True)
    assert data.lost.write.view().tolist() == [3]
    assert data.lost_story(0, 4, most=5).tolist() == [0, 2, 3]
    assert data.lost_story(0, 4, most=0).tolist() == []


@pytest.mark.parametrize("seed", range(6))
def test_the_trace_built_from_the_verdicts_arrays_is_what_settling_gives(seed):
    """At the end of a long run the trace is built whole from the verdict's arrays, off the
    GUI thread (gui.trace_data.final_trace): the same accesses, rows, value blocks and lost
    updates as settling them would give."""
    rng = np.random.default_rng(100 + seed)
    ev = _accesses(rng, n_lanes=int(rng.integers(2, 5)), n=int(rng.integers(100, 1500)))
    settled = TraceData()
    settled.add(ev)
    settled.settle(STRINGS, everything=True)
    adopted = TraceData()
    adopted.add(ev[: len(ev) // 3])   # part came live, the rest is pending at the end
    adopted.settle(STRINGS)
    adopted.add(ev[len(ev) // 3:])
    adopted = final_trace(RunView(ev, STRINGS), "ret", adopted.rows, 0)
    assert adopted.pending == 0 and len(adopted) == len(ev) and adopted.rows == settled.rows
    for name in ("t", "row", "is_write", "value", "write_t", "write_value", "block_min",
                 "block_max"):
        assert np.array_equal(getattr(adopted, name).view(), getattr(settled, name).view()), name
    assert np.array_equal(adopted.lost.write.view(), settled.lost.write.view())
    assert np.array_equal(adopted.lost.read.view(), settled.lost.read.view())
    assert (adopted.lost.n, adopted.lost.writes) == (settled.lost.n, settled.lost.writes)
    every = np.arange(len(ev))
    assert np.array_equal(adopted.overwritten(every), settled.overwritten(every))


def _race_store(n: int) -> np.ndarray:
    """n accesses of ret by two threads in runs of 500, read then write, in time order: the
    Session's store as a live race fills it."""
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = np.arange(n) * 10
    ev["pid"], ev["b"] = PID, VAR_ID
    ev["worker"] = 1 + (np.arange(n) // 500) % 2
    ev["kind"] = np.where(np.arange(n) % 2, K.VAR_WRITE, K.VAR_READ)
    ev["a"] = np.arange(n) % 7
    return ev


def _traced(work) -> tuple:
    """(bytes held after work(), peak bytes while it ran), as tracemalloc sees numpy's arrays."""
    import tracemalloc
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = work()
        held, peak = tracemalloc.get_traced_memory()
        del kept
        return held - base, peak - base
    finally:
        tracemalloc.stop()


def test_the_live_trace_holds_positions_in_the_store_not_copies_of_its_fields():
    """Fed slices of one store (what a live window does), the trace holds each access as its
    position and, for a write, its position again: 6 B an access (9.5 with the columns' room
    to grow), where copies of t, row, is_write, value and the writes' t and value held 27
    (42.7).  Per access gained between two sizes, so fixed costs cancel."""
    def fill(n):
        store = _race_store(n)

        def work():
            data = TraceData()
            for start in range(0, n, 20_000):  # a tick's worth at a time
                data.add(store[start:start + 20_000])
                data.settle(STRINGS)
            data.settle(STRINGS, everything=True)
            assert len(data) == n and data._own is None
            return data
        return _traced(work)
    (held_small, peak_small), (held_large, peak_large) = fill(100_000), fill(400_000)
    held, peak = ((large - small) / 300_000 for small, large in
                  ((held_small, held_large), (peak_small, peak_large)))
    assert held <= 14, "%.1f B an access held" % held
    assert peak <= 16, "%.1f B an access at the peak" % peak


def test_the_trace_built_from_the_verdict_shares_its_index():
    """final_trace adds the writes' positions to the verdict's own arrays (the positions are
    the verdict's index itself): 2 B an access, not 26."""
    store = _race_store(400_000)
    view = RunView(store, STRINGS)
    view.lost_updates("ret")  # the verdict asked first, as the window's does
    held, _ = _traced(lambda: final_trace(view, "ret", {}, 0))
    built = final_trace(view, "ret", {}, 0)
    assert np.shares_memory(built.pos.view(), view.accesses("ret").index)
    assert np.array_equal(built.t.view(), store["t"])
    assert held / len(store) <= 3, "%.1f B an access" % (held / len(store))


def test_the_value_range_is_that_of_every_write():
    store = _race_store(3 * 256 * 4 + 77)  # full value blocks and a tail
    store["a"] = np.random.default_rng(4).integers(-10 ** 6, 10 ** 6, len(store))
    data = TraceData()
    data.add(store)
    data.settle(STRINGS, everything=True)
    writes = store["a"][store["kind"] == K.VAR_WRITE]
    assert data.value_range() == (int(writes.min()), int(writes.max()))
    assert TraceData().value_range() is None


def test_queued_positions_as_runs_slice_as_the_positions_do():
    from gui.trace_data import Runs
    rng = np.random.default_rng(9)
    for trial in range(300):
        steps = rng.choice([1, 1, 1, 2, 5], int(rng.integers(0, 60)))
        positions = np.cumsum(steps) + int(rng.integers(0, 1000))
        runs = Runs.of(positions)
        assert len(runs) == len(positions) and np.array_equal(runs.positions(), positions)
        a, b = sorted(rng.integers(-5, len(positions) + 5, 2).tolist())
        for key in (slice(a, b), slice(a, None), slice(None, b), slice(-1, None)):
            assert np.array_equal(runs[key].positions(), positions[key]), (trial, key)


def test_a_thread_queue_costs_well_under_a_byte_an_access():
    """A live race's accesses wait in the queues as runs of consecutive store positions."""
    store = _race_store(400_000)
    data = TraceData()
    data.add(store[:1000])
    data.settle(STRINGS)  # the variable is chosen
    held, _ = _traced(lambda: data.add(store[1000:]) or data)
    assert data.pending == len(store) - len(data)
    assert held / data.pending < 1, "%.2f B a queued access" % (held / data.pending)


@pytest.mark.parametrize("run_length", [1, 3, 50, 4000])
def test_settled_positions_as_runs_answer_as_the_positions_do(run_length):
    """Long runs stay runs; short ones (run_length 1, 3) turn into a plain column: either
    way every item, slice and index array is the position's."""
    from gui.trace_data import PositionColumn
    rng = np.random.default_rng(run_length)
    column, every = PositionColumn(np.int32), []
    start = 0
    for _ in range(40 + 6000 // run_length):  # past the 4096 positions a column judges at
        pieces = []
        for _ in range(int(rng.integers(1, 6))):
            start += int(rng.integers(1, 3)) * run_length
            pieces.append(np.arange(start, start + run_length))
            start += run_length
        batch = np.concatenate(pieces)
        column.extend(batch)
        every.append(batch)
    every = np.concatenate(every)
    view = column.view()
    assert column.n == len(view) == len(every)
    assert np.array_equal(np.asarray(view), every)
    picks = rng.integers(-len(every), len(every), 50)
    assert np.array_equal(view[picks], every[picks])
    assert all(view[int(k)] == every[int(k)] for k in picks[:10])
    for a, b in rng.integers(0, len(every) + 1, (10, 2)).tolist():
        assert np.array_equal(view[a:b], every[a:b])
    assert (column.plain is None) == (run_length >= 50)
