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
