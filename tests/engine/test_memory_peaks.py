"""Peak memory of the analysis and the save of a race, per event gained (bench memory's goal:
<= 48 B an event at the peak, 32 of them the records).  numpy's allocations show in
tracemalloc; the peak is read at two sizes and the growth between them is what one more
event costs (fixed chunk buffers cancel out).  The results stay those of the reference
(tests/engine/lost_updates_reference.py) and of a plain stable sort."""
import os
import tracemalloc

import numpy as np
import pytest

from engine import access_index, analysis, recording
from engine import lost_updates as lost_module
from engine.decode import EVENT_DTYPE
from engine.wire import K
from tests.engine.lost_updates_reference import reference_lost_updates

PID, NAME_ID = 7, 1
STRINGS = {(PID, NAME_ID): "x"}


def arriving_race(n: int, seed: int = 1) -> np.ndarray:
    """n accesses of x by two threads of one process in time slices of random length, each
    thread reading then writing in turn (a slice that ends after a read leaves its write to
    after the other's slice: lost updates), in arrival order: frames of 127 events of one
    thread at a time, as a live run's store holds them (not time order)."""
    rng = np.random.default_rng(seed)
    slices = rng.integers(1, 3000, n // 1000 + 2)
    lane = (np.arange(len(slices)) % 2).repeat(slices)[:n]
    turn = np.zeros(n, np.int64)
    for k in (0, 1):
        mine = np.flatnonzero(lane == k)
        turn[mine] = np.arange(len(mine))
    ev = np.zeros(n, EVENT_DTYPE)
    ev["kind"] = np.where(turn % 2 == 0, K.VAR_READ, K.VAR_WRITE)
    ev["pid"], ev["b"], ev["worker"] = PID, NAME_ID, lane
    ev["t"] = np.arange(n) * 10
    arrival = np.lexsort((np.arange(n), (turn // 127) * 2 + lane))
    return ev[arrival]


def traced_peak(work) -> int:
    """Peak bytes numpy and Python allocated while work() ran, above what was held before."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def growth_per_event(make_work, small: int, large: int) -> float:
    peaks = {}
    for n in (small, large):
        events = arriving_race(n)
        peaks[n] = traced_peak(make_work(events))
        del events
    return (peaks[large] - peaks[small]) / (large - small)


def test_the_analysis_of_a_million_access_race_peaks_below_12_bytes_an_access():
    """The records are 32 B; the view's kind column (2 B), its sorted access index (8 B while
    sorted, 4 B held), is_write and the running-maximum column (1 + 4 B) leave the CLI within
    48 B.  Before: 22 B an access (the index built whole, a 64-bit copy and a sort key beside
    it, an 8-byte position per access of the stale windows), then 13.7 B (the overwritten
    writes listed for every verdict, an int64 each: now only when asked)."""
    def make_work(events):
        return lambda: analysis.RunView(events, STRINGS).lost_updates("x")
    growth = growth_per_event(make_work, 250_000, 1_000_000)
    assert growth <= 12, "%.1f B an access at the analysis's peak" % growth


def test_a_save_of_an_unordered_run_holds_no_order_of_the_whole_run(tmp_path):
    """The time order is made a band of times at a time: what one more event costs at the
    save's peak is its part of a band's mask, not an 8-byte order and the sort's buffers
    (before: 16 B an event above the records)."""
    def make_work(events):
        def work():
            for block in recording._events_in_time_order(events):
                del block  # written and dropped, as recording.save does
        return work
    growth = growth_per_event(make_work, 500_000, 2_000_000)
    assert growth <= 3, "%.1f B an event at the save's peak" % growth


@pytest.mark.parametrize("bucket", [1, 5, 1 << 18])
def test_the_banded_time_order_is_a_stable_sort(bucket):
    rng = np.random.default_rng(bucket)
    for trial in range(60):
        n = int(rng.integers(0, 3000))
        ev = np.zeros(n, EVENT_DTYPE)
        ev["t"] = rng.integers(0, int(rng.choice([2, 50, 10 ** 12])), n)  # ties, many and few
        ev["a"] = np.arange(n)
        if trial % 5 == 0:
            ev["t"] = np.sort(ev["t"])
        blocks = list(recording._events_in_time_order(ev, block=int(rng.choice([3, 1000])),
                                                      bucket=bucket))
        got = np.concatenate(blocks) if blocks else ev[:0]
        assert got.tobytes() == ev[np.argsort(ev["t"], kind="stable")].tobytes(), trial


@pytest.mark.parametrize("chunk", [7, 1 << 18])
def test_the_access_index_is_a_stable_sort_by_time_of_the_named_accesses(monkeypatch, chunk):
    """Arrival order with ties in time, several processes (more than four name ids: the
    gathered name test), other kinds between; the index and the lost updates are those of a
    stable sort of the accesses and of the reference."""
    monkeypatch.setattr(access_index, "CHUNK", chunk)
    monkeypatch.setattr(lost_module, "CHUNK", max(3, chunk // 2))
    rng = np.random.default_rng(chunk)
    for trial in range(80):
        n = int(rng.integers(0, 2000))
        pids = 3 if trial % 2 else 8
        ev = np.zeros(n, EVENT_DTYPE)
        ev["kind"] = rng.choice([K.VAR_READ, K.VAR_WRITE, K.STATE, K.VALUE], n)
        ev["pid"], ev["b"] = rng.integers(1, pids, n), rng.integers(1, 3, n)
        ev["worker"] = rng.integers(0, 3, n)
        ev["t"] = rng.integers(0, 40, n) * (10 ** 9 if trial % 3 == 0 else 1)
        if trial % 4 == 0:
            ev["t"] = np.sort(ev["t"])
        strings = {(p, 1): "x" for p in range(1, pids)}
        view = analysis.RunView(ev, strings)
        mine = np.isin(ev["kind"], [K.VAR_READ, K.VAR_WRITE]) & (ev["b"] == 1)
        expected = np.flatnonzero(mine)
        expected = expected[np.argsort(ev["t"][expected], kind="stable")]
        assert np.array_equal(view.accesses("x").index, expected), trial
        found = view.lost_updates("x")
        reference = reference_lost_updates(ev[expected])
        assert found["count"] == reference["count"]
        assert all(np.array_equal(found[k], reference[k]) for k in ("write", "read", "lost"))


def test_the_allocator_maps_big_blocks_on_glibc():
    """engine/allocator.py: on Linux (glibc) mallopt accepts the fixed threshold."""
    from engine import allocator
    done = allocator.map_big_blocks()
    if os.uname().sysname == "Linux" and os.path.exists("/lib/x86_64-linux-gnu/libc.so.6"):
        assert done
