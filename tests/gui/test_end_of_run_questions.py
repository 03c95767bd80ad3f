"""The window's end of run makes no pass over the run's events on the GUI thread.

At the end of a race of 8M events the GUI thread asked the run's view for its lanes, each
thread's recording cost, the worker failures, whether it can be replayed and its phases:
each a pass over every event's kind (~5 ms at 8M events, about 0.1 s together) in one
block of the GUI thread, before the window could paint.  The verdict's thread now answers
them (gui.session_adapter.answer_window_questions) and the view keeps the answers; the
GUI thread's calls find them.  Counted in passes over the events, not in time.
"""
import numpy as np
import pytest

from engine import analysis, interleaving
from engine.analysis import RunView, recording_cost, worker_failures
from engine.decode import EVENT_DTYPE
from engine.wire import K
from gui.presentation import run_phases
from gui.session_adapter import answer_window_questions

PID, VAR_ID, PHASE_ID = 4242, 7, 20
ACCESSES = 200_000


def _race_like_run() -> RunView:
    """Two threads reading and writing one variable, with the few events lanes, phases and
    the recorder's cost reports are made of: a race's shape, at a test's size."""
    rare = []
    for worker in (1, 2):
        rare += [(10, K.WORKER_START, worker, 0, VAR_ID + worker, 0),
                 (10 + 2 * ACCESSES + 5, K.RECORD_COST, worker, 1000, ACCESSES, 300),
                 (10 + 2 * ACCESSES + 9, K.WORKER_EXIT, worker, 0, 0, 0)]
    rare += [(5, K.PHASE_BEGIN, 0, 0, PHASE_ID, 0), (10 + 2 * ACCESSES + 20, K.PHASE_END, 0, 0, PHASE_ID, 0)]
    ev = np.zeros(ACCESSES + len(rare), EVENT_DTYPE)
    ev["t"][:ACCESSES] = 20 + 2 * np.arange(ACCESSES)
    ev["pid"] = PID
    ev["worker"][:ACCESSES] = 1 + np.arange(ACCESSES) % 2
    ev["kind"][:ACCESSES] = np.where(np.arange(ACCESSES) % 4 < 2, K.VAR_READ, K.VAR_WRITE)
    ev["b"][:ACCESSES] = VAR_ID
    for i, (t, kind, worker, a, b, aux) in enumerate(rare):
        row = ev[ACCESSES + i]
        row["t"], row["kind"], row["worker"], row["a"], row["b"], row["aux"] = t, kind, worker, a, b, aux
    strings = {(PID, VAR_ID): "counter", (PID, VAR_ID + 1): "THREAD1", (PID, VAR_ID + 2): "THREAD2",
               (PID, PHASE_ID): "race"}
    return RunView(ev, strings)  # the rare events last: out of time order, as a live store is


@pytest.fixture
def passes(monkeypatch):
    """How many times a mask is made over every event's kind (one pass over the run each)."""
    counted = []
    real = analysis._kind_mask

    def counting(kind, kinds):
        if len(kind) >= ACCESSES:
            counted.append(tuple(int(k) for k in kinds))
        return real(kind, kinds)

    monkeypatch.setattr(analysis, "_kind_mask", counting)
    return counted


def _what_the_window_asks(view: RunView) -> tuple:
    return (view.lanes(), recording_cost(view), worker_failures(view),
            interleaving.has_gated_steps(view), run_phases(view, 0, {}))


def test_the_end_of_run_questions_are_answered_before_the_gui_thread_asks(passes):
    view = _race_like_run()
    answer_window_questions(view)  # on the verdict's thread, in the window
    passes.clear()
    answers = _what_the_window_asks(view)
    assert passes == []  # the old code: 10 passes over the 200k events, on the GUI thread
    lanes, cost, failures, replayable, phases = answers
    assert [label.split(" · ")[0] for _, _, label in lanes] == ["THREAD1", "THREAD2"]
    assert set(cost) == {(PID, 1), (PID, 2)} and failures == [] and replayable
    assert [name for name, _, _ in phases] == ["race"]


def test_the_kept_answers_are_those_a_fresh_view_gives(passes):
    kept, fresh = _race_like_run(), _race_like_run()
    answer_window_questions(kept)
    assert repr(_what_the_window_asks(kept)) == repr(_what_the_window_asks(fresh))


def test_an_answer_kept_by_of_kind_is_never_changed_by_its_caller():
    view = _race_like_run()
    first = view.of_kind(K.WORKER_START)
    first["worker"] = 99  # a caller's own copy
    again = view.of_kind(K.WORKER_START)
    assert again["worker"].tolist() == [1, 2]
    assert len(view.of_kind(K.VAR_READ)) == ACCESSES // 2  # many: never kept, still right
    assert "_few_of_kind" in view.__dict__ and (K.VAR_READ,) not in view._few_of_kind
