"""gui.live_lanes.LiveLanes: spans built chunk by chunk equal engine.analysis's from the whole run."""
import numpy as np
import pytest

from engine.analysis import RunView
from engine.decode import EVENT_DTYPE
from engine.wire import K, S
from gui.live_lanes import LiveLanes
from gui.timeline_layout import LaneIndex, render_lanes

PARENT = 100


def _events(rng, n_lanes=5, n=3000, late_share=0.0):
    """Lane events of n_lanes workers (some in a second process), with a few other kinds,
    each lane in time order; late_share of them moved later in the stream (a late frame)."""
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = np.sort(rng.integers(1_000, 1_000_000, n))
    ev["t"][rng.random(n) < 0.05] = 5_000  # equal times: order must follow the recording
    ev["t"].sort()
    lane = rng.integers(0, n_lanes, n)
    ev["pid"] = np.where(lane % 2, PARENT, PARENT + 1)
    ev["worker"] = lane
    ev["kind"] = rng.choice([K.STATE, K.STATE, K.STATE, K.VAR_READ], n)
    ev["b"] = rng.choice([S.RUNNING, S.GIL_WAIT, S.LOCK_WAIT], n)
    firsts = np.unique(lane, return_index=True)[1]
    ev["kind"][firsts], ev["b"][firsts] = K.WORKER_START, 7
    ev["kind"][-3:] = K.WORKER_EXIT
    if late_share:  # each late event arrives up to 300 events after its time
        arrival = np.arange(n, dtype=np.float64)
        late = rng.random(n) < late_share
        arrival[late] += rng.integers(1, 300, int(late.sum()))
        ev = ev[np.argsort(arrival, kind="stable")]
    return ev


def _children(ev):
    """cp (pid 900) records nothing; pid 901 is a Python child that records itself; sleep (902)
    is still running at the end."""
    extra = np.zeros(6, EVENT_DTYPE)
    rows = [(2_000, PARENT, 1, K.PROC_SPAWN, 0, 8, 900), (3_000, PARENT, 1, K.PROC_SPAWN, 0, 9, 901),
            (3_500, 901, 0, K.WORKER_START, 0, 1, 0), (900_000, PARENT, 1, K.PROC_EXIT, 0, 0, 900),
            (950_000, PARENT, 1, K.PROC_SPAWN, 0, 10, 902), (960_000, 901, 0, K.WORKER_EXIT, 0, 0, 0)]
    for i, row in enumerate(rows):
        extra[i] = row
    at = np.searchsorted(np.maximum.accumulate(ev["t"]), extra["t"])  # keeps the late ones late
    return np.insert(ev, at, extra)


def _strings():
    return {(PARENT, 7): "THREAD", (PARENT + 1, 7): "PROC", (PARENT, 8): "cp", (PARENT, 9): "child",
            (PARENT, 10): "sleep", (901, 1): "MainProcess"}


def _live(ev, strings, rng, t_end):
    live = LiveLanes()
    cuts = np.sort(rng.integers(0, len(ev), 60))
    for part in np.split(ev, cuts):
        live.ingest(part, strings)
        if rng.random() < 0.7:
            live.build(int(part["t"].max()) if len(part) else 0)
    live.close(strings, t_end)
    return live


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("late_share", [0.0, 0.02])
def test_spans_built_in_chunks_equal_spans_of_the_whole_run(seed, late_share):
    rng = np.random.default_rng(seed)
    ev = _children(_events(rng, late_share=late_share))
    strings = _strings()
    t_end = 1_200_000
    live = _live(ev, dict(strings), rng, t_end)
    view = RunView(ev, strings, t_end=t_end)
    assert live.lanes == [(p, w) for p, w, _ in view.lanes()]  # top to bottom by first event
    assert live.labels() == [label for _, _, label in view.lanes()]
    want, got = view.spans(), live.index.spans
    for field in ("lane", "t0", "t1", "state"):
        assert np.array_equal(getattr(got, field), want[field]), field
    # The index spliced and reordered live draws what one built from the final spans draws.
    fresh = LaneIndex(got, len(live.lanes))
    for a, b, width in ((0, t_end, 300), (4_000, 6_000, 50), (500_000, 500_100, 7)):
        assert np.array_equal(render_lanes(live.index, a, b, width), render_lanes(fresh, a, b, width))


def test_children_lanes_come_from_spawn_and_exit():
    rng = np.random.default_rng(1)
    live = _live(_children(_events(rng)), _strings(), rng, 1_200_000)
    labels = live.labels()
    assert "cp · pid 900" in labels and "sleep · pid 902" in labels
    assert "MainProcess · pid 901" in labels and not any("child" in x for x in labels)
    cp = live.index.lanes[live.lanes.index((900, 0))]
    assert cp.t0.tolist() == [2_000, 900_000] and cp.state.tolist() == [S.IDLE, S.DONE]  # alive, untraced


def test_a_build_costs_the_new_events_not_the_run(monkeypatch):
    """Only the open span is restated: each lane is re-indexed from its last block on."""
    live = LiveLanes()
    ev = np.zeros(200_000, EVENT_DTYPE)
    ev["t"] = np.arange(len(ev)) * 10
    ev["pid"], ev["worker"], ev["kind"] = 1, np.arange(len(ev)) % 4, K.STATE
    ev["b"] = (np.arange(len(ev)) // 4) % 2
    live.ingest(ev, {})
    live.build(int(ev["t"][-1]))
    before = [ls.t0.copy() for ls in live.index.lanes]
    indexed = []
    real = LaneIndex._index_lane
    monkeypatch.setattr(LaneIndex, "_index_lane",
                        lambda self, lane, fb: (indexed.append((lane, fb)), real(self, lane, fb)))
    more = ev[:8].copy()
    more["t"] += int(ev["t"][-1]) + 10
    live.ingest(more, {})
    live.build(int(more["t"][-1]) + 5)
    assert sorted(lane for lane, _ in indexed) == [0, 1, 2, 3]
    for (lane, from_block), old in zip(sorted(indexed), before):
        ls = live.index.lanes[lane]
        assert from_block == (len(old) - 1) // live.index.block
        assert len(ls) == len(old) + 2 and np.array_equal(ls.t0[:len(old)], old)
        assert ls.t1[-1] == int(more["t"][-1]) + 5


def test_threads_keep_the_order_they_were_started_in_whichever_runs_first():
    """THREAD2 was started second but recorded first: its lane still goes below THREAD1's,
    live and in the final view (as child processes sort by their spawn)."""
    rows = [(1_000, PARENT, 0, K.WORKER_START, 0, 7, 0),
            (2_000, PARENT, 0, K.THREAD_SPAWN, 0, 8, 1), (2_100, PARENT, 0, K.THREAD_SPAWN, 0, 9, 2),
            (2_200, PARENT, 2, K.WORKER_START, 0, 9, 0), (2_300, PARENT, 1, K.WORKER_START, 0, 8, 0),
            (3_000, PARENT, 2, K.WORKER_EXIT, 0, 0, 0), (3_100, PARENT, 1, K.WORKER_EXIT, 0, 0, 0)]
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for i, row in enumerate(rows):
        ev[i] = row
    strings = {(PARENT, 7): "MainThread", (PARENT, 8): "THREAD1", (PARENT, 9): "THREAD2"}
    want = [(PARENT, 0), (PARENT, 1), (PARENT, 2)]
    assert [(p, w) for p, w, _ in RunView(ev, strings, t_end=4_000).lanes()] == want
    for split in range(len(rows) + 1):  # the spawn events may arrive before or after the lanes
        for order in (ev, np.concatenate([ev[3:], ev[:3]])):
            live = LiveLanes()
            live.ingest(order[:split], strings)
            live.build(2_500)
            live.ingest(order[split:], strings)
            live.close(strings, 4_000)
            assert live.lanes == want, (split, order["kind"].tolist())
