"""The run's data as plain data (engine/run_data.py), and what questions keep of it.

No run is started: a RunData is made from synthetic events, as Session.data() makes one
from its store, and goes through a save, a load and the verdict."""
import tracemalloc

import numpy as np
import pytest

from engine import analysis, recording, scenarios
from engine.analysis import EventRows, RunView, in_time_order
from engine.decode import EVENT_DTYPE
from engine.run_data import RunData
from engine.wire import K

PID, RET = 4242, 7


def race_events(n_iterations: int, frame: int = 127, seed: int = 1) -> np.ndarray:
    """Two threads' read/write pairs of ret, in arrival order: each thread's frames in its
    own time order, the two threads' frames interleaved (as a live store holds them)."""
    rng = np.random.default_rng(seed)
    per_thread = []
    for worker in (1, 2):
        n = 2 * n_iterations
        ev = np.zeros(n, EVENT_DTYPE)
        ev["t"] = np.cumsum(rng.integers(1, 50, n)) + 1_000
        ev["pid"], ev["worker"], ev["b"] = PID, worker, RET
        ev["kind"] = np.where(np.arange(n) % 2 == 0, K.VAR_READ, K.VAR_WRITE)
        ev["a"] = np.arange(n) // 2
        per_thread.append(ev)
    a, b = per_thread
    frames = [part for i in range(0, len(a), frame) for part in (a[i:i + frame], b[i:i + frame])]
    starts = np.zeros(2, EVENT_DTYPE)
    starts["pid"], starts["worker"], starts["kind"], starts["b"] = PID, (1, 2), K.WORKER_START, (1, 2)
    values = np.zeros(2, EVENT_DTYPE)  # what the scenario's main thread records at its end
    values["t"] = max(int(a["t"][-1]), int(b["t"][-1])) + 1
    values["pid"], values["kind"], values["b"], values["a"] = PID, K.VALUE, (8, 9), (17, 5000)
    return np.concatenate([starts] + frames + [values])


def race_data(events: np.ndarray) -> RunData:
    strings = {(PID, 1): "THREAD1", (PID, 2): "THREAD2", (PID, RET): "ret",
               (PID, 8): "final_value", (PID, 9): "switch_interval_us"}
    race = scenarios.get("race")
    params = {p.name: p.default for p in race.params}
    return RunData(events, strings, [], race, params, {"version": "3.11.7"}, "finished",
                   0, int(events["t"].max()) + 1, 0, "")


def test_a_run_s_data_saves_loads_and_gives_the_same_verdict(tmp_path):
    data = race_data(race_events(3000))
    path = str(tmp_path / "run.gilscope")
    recording.save(data, path)
    loaded = recording.load(path)
    assert isinstance(loaded, RunData)
    ordered = data.events[np.argsort(data.events["t"], kind="stable")]
    assert np.array_equal(loaded.events, ordered)  # a recording holds them in time order
    assert loaded.strings == data.strings and loaded.params == data.params
    assert (loaded.state, loaded.t_end_ns, loaded.dropped) == ("finished", data.t_end_ns, 0)
    assert loaded.t_start_ns == int(ordered["t"][0])  # no press of Run in a file: its first event
    live, again = data.result(), loaded.result()
    assert live.verdict.error is None, live.verdict.error
    assert live.figures == again.figures
    assert live.figures["accesses_traced"] == 4 * 3000


def test_accesses_are_an_index_into_the_events_not_a_copy():
    events = race_events(2000)
    view = RunView(events, race_data(events).strings)
    acc = view.accesses("ret")
    assert isinstance(acc, EventRows) and acc.events is events and acc.index.dtype == np.int32
    copy = events[np.isin(events["kind"], (K.VAR_READ, K.VAR_WRITE))]
    copy = copy[np.argsort(copy["t"], kind="stable")]
    assert acc.tobytes() == copy.tobytes() and np.array_equal(np.asarray(acc), copy)
    for field in ("t", "pid", "worker", "kind", "a"):
        assert np.array_equal(acc[field], copy[field])
    assert acc[5] == copy[5] and acc[-1] == copy[-1]
    writes = acc[acc["kind"] == K.VAR_WRITE]
    assert np.array_equal(writes["a"], copy[copy["kind"] == K.VAR_WRITE]["a"])
    assert np.array_equal(acc[10:20]["t"], copy[10:20]["t"])
    assert [int(e["t"]) for e in acc[::-500]] == copy[::-500]["t"].tolist()
    assert view.final_value("ret") == int(copy[copy["kind"] == K.VAR_WRITE]["a"][-1])
    found, expected = view.lost_updates("ret"), analysis.lost_updates(copy)
    assert all(np.array_equal(found[k], expected[k]) for k in ("write", "read", "lost"))


@pytest.mark.parametrize("seed", range(4))
def test_time_order_is_the_stable_sort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 50_000))
    t = rng.integers(0, max(2, n // int(rng.integers(1, 20))), 2 * n).astype(np.int64)  # ties
    idx = np.sort(rng.choice(2 * n, n, replace=False)).astype(np.int32)
    got = in_time_order(t, idx)
    assert got.dtype == np.int32
    assert np.array_equal(got, idx[np.argsort(t[idx], kind="stable")])
    wide = np.array([5, 2 ** 61, 3, 3, 0], np.int64)  # too far apart for one key: the argsort
    assert in_time_order(wide, np.arange(5)).tolist() == [4, 2, 3, 0, 1]


def test_a_variable_s_accesses_cost_a_few_bytes_at_the_peak():
    """Picking a variable's accesses from a live store's unordered events: an index held
    (4 B) beside the kind column (2 B), and at the peak the order's key and the reordered
    index (measured: 18.2 B an event above the events; over 40 B when the accesses were a
    sorted copy of their records)."""
    events = race_events(250_000)  # 1M events
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        view = RunView(events, race_data(events).strings)
        acc = view.accesses("ret")
        held, peak = (m - base for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert len(acc) == len(events) - 4
    assert held / len(events) <= 8, held / len(events)  # the index (4 B) and the kind column (2 B)
    assert peak / len(events) <= 20, peak / len(events)
