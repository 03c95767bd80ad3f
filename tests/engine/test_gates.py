"""Scheduled runs (engine.gates): a chosen order of steps causes exactly what it implies;
a recorded interleaving replays exactly; a stepped run ends as cleanly as any other."""
import json
import os
import random
import subprocess
import sys
import time

import pytest

from engine import interleaving, recording
from engine.session import Session
from engine.wire import K, S

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(ROOT, "main.py")


def _simulate_race(order, iterations, workers):
    """What the race's steps do, by hand: each thread reads then writes ret + n, then
    reads then writes ret - n (n = 5, 8, 11, ...).  Returns (final, lost updates) where
    a lost update is a write computed from a read another thread's write made stale."""
    ret, writes = 0, 0
    pending = {t: [] for t in range(1, workers + 1)}  # the steps left for each thread
    for t in pending:
        n = 5 + 3 * (t - 1)
        for _ in range(iterations):
            pending[t] += [("r", n), ("w", n), ("r", -n), ("w", -n)]
    seen, value, lost = {}, {}, 0
    for t in order:
        step, delta = pending[t].pop(0)
        if step == "r":
            value[t], seen[t] = ret, writes
        else:
            lost += writes != seen[t]
            ret, writes = value[t] + delta, writes + 1
    return ret, lost


def _run(scenario, params, **kw):
    session = Session(sample=False)
    try:
        session.start(scenario, params, **kw)
        assert session.wait(60) != "running", "scheduled run did not end"
        return session.result()
    finally:
        session.close()


def test_a_chosen_order_loses_exactly_the_update_it_implies():
    # THREAD1 reads 0, THREAD2 reads 0, THREAD1 writes 5, THREAD2 writes 8 over it: lost.
    result = _run("race", {"workers": 2, "iterations": 1}, schedule=[1, 2, 1, 2, 1, 1, 2, 2])
    assert result.figures["final_value"] == -5
    assert result.figures["lost_updates"] == 1
    assert "Step 2: THREAD2 read ret = 0. Step 3: THREAD1 wrote 5. Step 4: THREAD2 wrote 8" \
        in result.verdict.notes[0]["en"]


def test_one_thread_at_a_time_loses_nothing():
    result = _run("race", {"workers": 2, "iterations": 3}, schedule=[1] * 12 + [2] * 12)
    assert (result.figures["final_value"], result.figures["lost_updates"]) == (0, 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_orders_give_what_a_by_hand_simulation_gives(seed):
    rng = random.Random(seed)
    workers, iterations = 3, 20
    steps = [t for t in range(1, workers + 1) for _ in range(4 * iterations)]
    rng.shuffle(steps)
    final, lost = _simulate_race(steps, iterations, workers)
    result = _run("race", {"workers": workers, "iterations": iterations}, schedule=steps)
    assert (result.figures["final_value"], result.figures["lost_updates"]) == (final, lost)
    assert interleaving.schedule_of(result.view, _scenario("race")) == steps


def _scenario(sid):
    from engine import scenarios
    return scenarios.get(sid)


def test_a_deadlock_caused_by_choice_and_avoided_by_another():
    caused = _run("deadlock", {"workers": 2, "hold_ms": 0.0}, schedule=[1, 2, 1, 2])
    assert caused.figures["deadlocked"] is True
    assert "step 3: THREAD1 asked for B" in caused.verdict.notes[0]["en"]
    assert "step 4: THREAD2 asked for A" in caused.verdict.notes[0]["en"]
    avoided = _run("deadlock", {"workers": 2, "hold_ms": 0.0}, schedule=[1] * 4 + [2] * 4)
    assert avoided.figures["deadlocked"] is False
    assert avoided.figures["threads_finished"] == ["THREAD1", "THREAD2"]


def test_a_schedule_that_names_an_absent_thread_diverges_instead_of_hanging():
    t0 = time.monotonic()
    result = _run("race", {"workers": 2, "iterations": 2}, schedule=[1, 3, 2])
    assert time.monotonic() - t0 < 30
    assert "THREAD3 had ended" in result.view.gates["diverged"]
    assert any("the rest ran freely" in n["en"] for n in result.verdict.notes)


def test_a_recorded_interleaving_replays_exactly_five_times_of_five(tmp_path):
    path = str(tmp_path / "race.gilscope")
    out = subprocess.run([sys.executable, MAIN, "run", "race", "--set", "iterations=3000",
                          "--save", path], stdout=subprocess.PIPE, timeout=120)
    assert out.returncode == 0
    original = recording.load(path).result()
    for _ in range(5):
        proc = subprocess.run([sys.executable, MAIN, "run", "race", "--replay", path,
                               "--json", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr.decode()
        doc = json.loads(proc.stdout)
        assert doc["figures"]["replay_same_steps"] is True
        assert doc["figures"]["final_value"] == original.figures["final_value"]
        assert doc["figures"]["lost_updates"] == original.figures["lost_updates"]


@pytest.mark.parametrize("args, says", [
    (["run", "race", "--schedule", "1,x"], "not a thread number"),
    (["run", "race", "--schedule", "0"], "not a thread number"),
    (["run", "gil", "--schedule", "1,2"], "no steps to schedule"),
    (["run", "race", "--schedule", "1", "--replay", "x.gilscope"], "give one"),
    (["run", "race", "--replay", "/nonexistent.gilscope"], "nonexistent"),
])
def test_bad_schedules_and_replays_are_refused_with_exit_2(args, says):
    proc = subprocess.run([sys.executable, MAIN] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 2
    assert says in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_a_recording_without_steps_cannot_be_replayed(tmp_path):
    path = str(tmp_path / "untraced.gilscope")
    subprocess.run([sys.executable, MAIN, "run", "race", "--set", "traced=off",
                    "--save", path], stdout=subprocess.PIPE, timeout=120, check=True)
    proc = subprocess.run([sys.executable, MAIN, "run", "race", "--replay", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 2
    assert "tracing off" in proc.stderr.decode()


def _parked(session, n):
    """Threads standing at a gate now: their last gate_wait came after their last state."""
    ev = session.events()
    gate = ev[(ev["kind"] == K.STATE) & (ev["b"] == S.GATE_WAIT)]
    return len({int(w) for w in gate["worker"]}) >= n


def test_stepping_by_hand_causes_a_lost_update_and_stop_ends_a_parked_run():
    session = Session(sample=False)
    try:
        session.start("race", {"workers": 2, "iterations": 1}, step=True)
        deadline = time.monotonic() + 20
        while not _parked(session, 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _parked(session, 2), "threads never stood at their gates"
        for number in (1, 2, 1, 2, 1, 1, 2, 2):
            session.step_thread(number)
            time.sleep(0.05)
        assert session.wait(20) == "finished"
        result = session.result()
        assert (result.figures["final_value"], result.figures["lost_updates"]) == (-5, 1)
        assert result.view.gates["mode"] == "step"
        # A second run left parked at its first gates: Stop ends it within a second.
        session.start("race", {"workers": 2, "iterations": 100}, step=True)
        deadline = time.monotonic() + 20
        while not _parked(session, 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session.stop() < 1.0
        assert session.state == "stopped"
    finally:
        session.close()


def test_run_freely_until_the_next_lost_update_pauses_there():
    session = Session(sample=False)
    try:
        session.start("race", {"workers": 2, "iterations": 2000}, step=True)
        deadline = time.monotonic() + 20
        while not _parked(session, 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        session.run_freely(until_notice=True)
        time.sleep(1.0)
        assert session.poll() == "running", "the gates did not close again at a lost update"
        session.run_freely(until_notice=False)
        assert session.wait(30) == "finished"
        assert session.result().figures["lost_updates"] >= 1
    finally:
        session.close()


from tests.pythons import python_params  # noqa: E402


@pytest.mark.parametrize("python", python_params())
def test_a_scheduled_race_gives_the_same_result_on_every_interpreter(python, tmp_path):
    """The gates are the same on 3.9 … 3.14: a recording made here replays there."""
    path = str(tmp_path / "here.gilscope")
    subprocess.run([sys.executable, MAIN, "run", "race", "--set", "iterations=300",
                    "--save", path], stdout=subprocess.PIPE, timeout=120, check=True)
    proc = subprocess.run([sys.executable, MAIN, "run", "race", "--replay", path,
                           "--python", python.path, "--json", "-"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert doc["figures"]["replay_same_steps"] is True
    assert doc["interpreter"]["version"].startswith("%d.%d" % tuple(python.version[:2]))


@pytest.mark.parametrize("python", python_params(["py3.10", "py3.11", "py3.12", "py3.13", "py3.14"]))
def test_a_free_run_s_recorded_order_is_the_real_one_on_3_10_and_later(python, tmp_path):
    """Each access's timestamp is taken right after it with no switch point between them
    (3.10+ switch only after calls, at function entry and loop jumps), so forcing the
    recorded order reproduces every value.  At a 20 us switch interval threads switch
    thousands of times, so a misordered pair would show."""
    path = str(tmp_path / "free.gilscope")
    subprocess.run([sys.executable, MAIN, "run", "race", "--python", python.path,
                    "--set", "iterations=3000", "--set", "switch_interval=0.00002",
                    "--save", path], stdout=subprocess.PIPE, timeout=120, check=True)
    proc = subprocess.run([sys.executable, MAIN, "run", "race", "--replay", path,
                           "--python", python.path, "--json", "-"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stdout.decode()[-600:] + proc.stderr.decode()
    assert json.loads(proc.stdout)["figures"]["replay_same_steps"] is True


PARKED_GUI = """
import sys, time
sys.path.insert(0, %r)
from engine.session import Session
from engine.wire import K, S
session = Session(sample=False)
session.start("race", {"workers": 2, "iterations": 100}, step=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    ev = session.events()
    parked = ev[(ev["kind"] == K.STATE) & (ev["b"] == S.GATE_WAIT)]
    if len(set(parked["worker"].tolist())) >= 2:
        break
    time.sleep(0.02)
print(session.run_id, flush=True)
while True:
    time.sleep(1)
""" % ROOT


def test_killing_the_gui_ends_a_run_parked_at_its_steps():
    """Threads held at their gates: a SIGKILLed GUI (its command pipe gone, its guardian's
    parent-death signal fired) leaves no process of the run."""
    from tests.engine.helpers import survivors
    gui = subprocess.Popen([sys.executable, "-c", PARKED_GUI], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, text=True)
    try:
        run_id = gui.stdout.readline().strip()
        assert run_id, "the stand-in never parked its threads"
        t0 = time.monotonic()
        gui.kill()
        gui.wait()
        left = survivors(run_id)
        gone_s = time.monotonic() - t0
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.wait()
        gui.stdout.close()
    assert left == [], left
    assert gone_s < 2.5
