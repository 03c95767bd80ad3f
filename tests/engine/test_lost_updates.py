"""engine/lost_updates.py (runs of one lane, no sort of the accesses) against the previous
implementation (every access grouped by lane with a sort): the same arrays on random
interleavings, and the same verdict figures on real and synthetic race runs."""
import numpy as np
import pytest

from engine import analysis, guardian
from engine import lost_updates as lost_module
from engine.decode import EVENT_DTYPE
from engine.scenarios import race
from engine.session import Session
from engine.wire import K
from tests.engine.lost_updates_reference import reference_lost_updates

R, W = K.VAR_READ, K.VAR_WRITE


def same(found: dict, expected: dict) -> bool:
    return found["count"] == expected["count"] and all(
        np.array_equal(found[k], expected[k]) for k in ("write", "read", "lost"))


def interleaving(rng, n: int, lanes: int, pids: int, run_length: int, alternate: bool):
    """n accesses in runs of one lane (a time slice) of random length; alternate: each lane
    reads and writes in turn (race's loop), else kinds at random."""
    acc = np.zeros(n, EVENT_DTYPE)
    acc["t"] = np.arange(n)
    lengths = rng.integers(1, run_length + 1, 4 * n // (run_length + 1) + 10)
    lane = np.resize(np.repeat(rng.integers(0, lanes, len(lengths)), lengths), n)
    acc["worker"] = lane
    acc["pid"] = 100 + lane % pids
    if alternate:
        turn = np.zeros(n, np.int64)
        for k in range(lanes):
            mine = lane == k
            turn[mine] = np.arange(np.count_nonzero(mine)) + rng.integers(0, 2)
        acc["kind"] = np.where(turn % 2, W, R)
    else:
        acc["kind"] = np.where(rng.random(n) < 0.5, W, R)
    return acc


@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_the_same_arrays_as_the_sorting_version_on_random_interleavings(monkeypatch, chunk):
    """chunk 3: every chunk boundary of the lane comparison and the write counts is crossed."""
    monkeypatch.setattr(lost_module, "CHUNK", chunk)
    rng = np.random.default_rng(21)
    for trial in range(400):
        acc = interleaving(rng, int(rng.integers(0, 300)), int(rng.integers(1, 6)),
                           int(rng.integers(1, 3)), int(rng.integers(1, 12)), bool(trial % 2))
        assert same(analysis.lost_updates(acc), reference_lost_updates(acc)), trial


def test_the_same_arrays_at_a_million_accesses():
    rng = np.random.default_rng(5)
    acc = interleaving(rng, 1_000_000, 3, 1, 4000, alternate=True)
    found, expected = analysis.lost_updates(acc), reference_lost_updates(acc)
    assert found["count"] > 0 and len(found["lost"]) > 0
    assert same(found, expected)


def race_events(rows, final=None, stopped_value=None):
    """A race run's events: two threads' worker starts, the accesses (worker, kind, value),
    the final value if given."""
    ev = [(0, 1, 1, K.WORKER_START, 0, 1, 0), (1, 1, 2, K.WORKER_START, 0, 2, 0)]
    ev += [(10 + i, 1, w, k, 0, 3, v) for i, (w, k, v) in enumerate(rows)]
    t = 10 + len(rows)
    if final is not None:
        ev += [(t, 1, 0, K.VALUE, 0, 4, final), (t + 1, 1, 0, K.VALUE, 0, 5, 5000)]
    return np.array(ev, EVENT_DTYPE)


STRINGS = {(1, 1): "THREAD1", (1, 2): "THREAD2", (1, 3): "ret", (1, 4): "final_value",
           (1, 5): "switch_interval_us"}
PARAMS = {"workers": 2, "iterations": 2, "lock": False, "traced": True, "switch_interval": 0.005}
# Lost updates at the very start and the very end, none, one thread alone.
RUNS = {
    "no events": ([], None, True),
    "one thread": ([(1, R, 0), (1, W, 5), (1, R, 5), (1, W, 0)], 0, False),
    "lost at the start": ([(1, R, 0), (2, R, 0), (2, W, 8), (1, W, 5), (1, R, 5), (1, W, 0),
                           (2, R, 0), (2, W, -8)], -8, False),
    "lost at the end": ([(1, R, 0), (1, W, 5), (2, R, 5), (1, R, 5), (1, W, 0), (2, W, 13)],
                        13, False),
    "stopped mid-run": ([(1, R, 0), (2, R, 0), (2, W, 8), (1, W, 5)], None, True),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_the_verdict_figures_are_the_sorting_versions(name, monkeypatch):
    rows, final, stopped = RUNS[name]
    ev = race_events(rows, final)
    new = race.verdict(analysis.RunView(ev, STRINGS, stopped=stopped), PARAMS)
    monkeypatch.setattr(analysis.RunView, "lost_updates",
                        lambda view, var: reference_lost_updates(view.accesses(var)))
    old = race.verdict(analysis.RunView(ev, STRINGS, stopped=stopped), PARAMS)
    assert new.figures == old.figures and new.headline == old.headline, name
    assert new.figures["accesses_traced"] == len(rows)
    view = analysis.RunView(ev, STRINGS, stopped=stopped)  # the value when stopped: last write
    acc = view.accesses("ret")
    written = acc["a"][acc["kind"] == W]
    assert view.final_value("ret") == (int(written[-1]) if len(written) else None)


def test_a_real_race_gives_the_sorting_versions_figures():
    session = Session()
    try:
        session.start("race", {"iterations": 20000, "switch_interval": 0.0001})
        assert session.wait(120) == "finished", session.problem
        result = session.result()
        view = result.view
        expected = reference_lost_updates(view.accesses("ret"))
        assert same(view.lost_updates("ret"), expected)
        assert result.figures["lost_updates"] == expected["count"]
        assert result.figures["accesses_traced"] == len(view.accesses("ret")) == 2 * 20000 * 4
    finally:
        session.close()
    assert guardian.processes_with_run_id(session.run_id) == []


@pytest.mark.parametrize("name", list(RUNS))
def test_has_gated_steps_answers_as_the_steps_do(name):
    """The window asks whether a finished run can be replayed without copying its steps."""
    from engine import interleaving
    rows, final, stopped = RUNS[name]
    view = analysis.RunView(race_events(rows, final), STRINGS, stopped=stopped)
    expected = bool(len(interleaving.gated_steps(view)))
    assert expected == bool(rows)
    for chunk in (1, 3, 1 << 14):
        assert interleaving.has_gated_steps(view, chunk=chunk) is expected
    nameless = analysis.RunView(race_events(rows, final), {k: v for k, v in STRINGS.items()
                                                           if not v.startswith("THREAD")})
    assert interleaving.has_gated_steps(nameless) is False


def test_the_overwritten_writes_are_listed_only_when_asked(monkeypatch):
    """A verdict reads the count (the trace the writes and reads): listing the overwritten
    writes (half of a long race's accesses, an int64 each) waits for someone to ask, and
    then gives the reference's list."""
    rng = np.random.default_rng(3)
    acc = interleaving(rng, 20_000, 3, 1, 300, alternate=True)
    expected = reference_lost_updates(acc)
    real, calls = lost_module._overwritten, []
    monkeypatch.setattr(lost_module, "_overwritten", lambda *a: calls.append(1) or real(*a))
    found = analysis.lost_updates(acc)
    assert found["count"] == expected["count"] > 0 and not calls
    assert np.array_equal(found["write"], expected["write"]) and not calls
    assert "lost" in found and np.array_equal(found["lost"], expected["lost"]) and calls == [1]
    assert np.array_equal(found.get("lost"), expected["lost"]) and calls == [1]  # kept
    assert sorted(found) == ["count", "lost", "read", "write"]
