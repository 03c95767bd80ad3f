"""Lanes and tooltips name the lock a thread waits for and who holds it; deadlock's wait-for
cycle is drawn on the timeline (an arrow from each waiting lane to the holder's lane)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402

from engine.decode import EVENT_DTYPE  # noqa: E402
from engine.wire import K  # noqa: E402

PID = 7
STRINGS = {(PID, 1): "A", (PID, 2): "B"}
RUN_TIMEOUT_MS = 60_000


def _events(rows) -> np.ndarray:
    """rows: (t, worker, kind, lock id)."""
    out = np.zeros(len(rows), EVENT_DTYPE)
    for i, (t, worker, kind, lock) in enumerate(rows):
        out[i] = (t, PID, worker, kind, 0, lock, 0)
    return out


def _deadlock_events():
    return _events([(10, 1, K.LOCK_REQUEST, 1), (11, 1, K.LOCK_ACQUIRED, 1),
                    (12, 2, K.LOCK_REQUEST, 2), (13, 2, K.LOCK_ACQUIRED, 2),
                    (20, 1, K.LOCK_REQUEST, 2), (21, 2, K.LOCK_REQUEST, 1)])


def test_a_refused_request_waits_for_the_holder_until_acquired():
    from gui.lock_waits import LockWaits
    waits = LockWaits()
    # Worker 1 takes A; worker 2 asks for A (waits for 1), gets it once 1 releases it.
    waits.ingest(_events([(10, 1, K.LOCK_REQUEST, 1), (11, 1, K.LOCK_ACQUIRED, 1),
                          (20, 2, K.LOCK_REQUEST, 1), (30, 1, K.LOCK_RELEASE, 1),
                          (31, 2, K.LOCK_ACQUIRED, 1), (40, 2, K.LOCK_RELEASE, 1),
                          (50, 1, K.LOCK_REQUEST, 1), (51, 1, K.LOCK_ACQUIRED, 1)]), STRINGS)
    assert len(waits.waits) == 1  # an uncontended request is no wait
    wait = waits.waits[0]
    assert (wait.lane, wait.lock, wait.t0, wait.t1, wait.holder) == ((PID, 2), "A", 20, 31, (PID, 1))
    assert waits.wait_at((PID, 2), 25) is wait and waits.wait_at((PID, 2), 35) is None
    assert waits.wait_at((PID, 1), 25) is None
    assert waits.cycle() == []


def test_two_threads_holding_each_others_lock_are_a_cycle():
    from gui.lock_waits import LockWaits
    waits = LockWaits()
    chunk = _deadlock_events()
    waits.ingest(chunk[:3], STRINGS)  # in two chunks, as a live run delivers them
    waits.ingest(chunk[3:], STRINGS)
    assert sorted(waits.cycle()) == [(PID, 1), (PID, 2)]
    assert {(w.lane, w.lock, w.holder) for w in waits.waits} == {
        ((PID, 1), "B", (PID, 2)), ((PID, 2), "A", (PID, 1))}
    assert waits.wait_at((PID, 1), 10 ** 9).lock == "B"  # open: it lasts to the end


def test_a_deadlock_run_draws_its_cycle_and_names_the_locks(qtbot, window):
    window.run_control.choose_scenario("deadlock")
    window.run_control.run()
    qtbot.waitUntil(lambda: window.run_control.state not in ("running", "idle") and not window.adapter.busy,
                    timeout=RUN_TIMEOUT_MS)
    assert window.run_control.state == "finished", window.banner.problem_text()
    plots = window.plots
    names = [label.split(" · ")[0] for label in plots.lane_labels]
    shown = plots.lock_marks.shown  # (waiting lane, holder lane, text, in the cycle, length)
    drawn = {(names[lane], names[holder]) for lane, holder, _, cyclic, _ in shown if cyclic}
    assert drawn == {("THREAD1", "THREAD2"), ("THREAD2", "THREAD1")}, shown
    texts = sorted(plots.lock_marks.label_texts())
    assert texts == ["waits for lock A, held by THREAD1", "waits for lock B, held by THREAD2"]
    # The tooltip of THREAD1's lane at the end of the run names the lock and its holder.
    lane = names.index("THREAD1")
    end_s = (plots.live.t_max - plots._t0_ns) / 1e9
    tip = plots.timeline.tooltip_at(end_s * 0.999, lane)
    assert "waits for lock B, held by THREAD2" in tip, tip
    window.run_control.choose_scenario("race")  # another scenario: the arrows go with the run
    assert plots.lock_marks.shown == [] and plots.lock_marks.label_texts() == []
