"""pyspy: py-spy as the independent referee of gilscope's lanes and of its recorder's cost.

A real run goes through the Session (runner, rings, schedstat sampler) as the
window would start it.  Two py-spy samplers attach to the runner process in
non-blocking mode (they read its memory; neither pauses it, so they can run
together): one records every thread's stack (``--idle``), the other only stacks
holding the GIL (``--gil``).  Both name threads by native id, which the runner
reports in each thread's worker_start, so samples and lanes are matched exactly.

Per worker thread:
  * recorder share: samples with a frame in engine/recorder.py or engine/ring.py
    (all of recording) and with one in the flush / transport (``flush``,
    ``write_frame``, ``put``): the part that could block;
  * race, lock on: py-spy's share of samples inside the blocking
    ``self._lock.acquire()`` of TracedLock (acquire / wait_for) against gilscope's time inside that
    call (its probe's lock-wait spans; the lane splits that time further by what the
    kernel says: blocked on the lock, waiting for a core, for the GIL; both are kept);
  * gil: py-spy's share of samples not holding the GIL (1 - gil samples / all
    samples) against the lane's share not holding it (waiting for the GIL, or
    runnable without it); pre-empted while holding it counts as holding.
Both shares are over the same stretch: the thread's life within py-spy's sampling.  The GIL
share assumes both samplers sampled as often, which holds when they keep up with their
rate: the all-stacks sampler's MainThread count (alive throughout) against rate x time is
kept, and the GIL goal is not judged below 90 % (a loaded machine makes them miss instants).
Runs quiet and with two busy loops beside (``--busy``); the load average is kept.
Skipped by name when py-spy is missing or cannot attach (ptrace not permitted).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from bench import common

GOAL_RECORDER = 0.02
GOAL_LOCK = 0.05
GOAL_GIL = 0.03
RATE = 200  # samples a second per sampler
LOCK_LINE = "self._lock.acquire()"


def py_spy() -> str:
    """The py-spy next to this interpreter (the venv), or on PATH; "" if none."""
    here = os.path.join(os.path.dirname(sys.executable), "py-spy")
    return here if os.access(here, os.X_OK) else (shutil.which("py-spy") or "")


def _blocking_acquire_line() -> tuple:
    """(function name, line) of TracedLock's blocking acquire (py-spy names frames by
    "name (file:line)"): in acquire itself, or in the method it blocks in."""
    import inspect
    from engine import probe
    for name in ("acquire", "wait_for"):
        method = getattr(probe.TracedLock, name, None)
        if method is None:
            continue
        lines, first = inspect.getsourcelines(method)
        for i, line in enumerate(lines):
            if line.strip() == LOCK_LINE:
                return name, first + i
    raise RuntimeError("TracedLock has no line %r" % LOCK_LINE)


_SAMPLE = re.compile(r"^thread \((\d+)\): ([^;]*)(.*) (\d+)$")


def parse_raw(path: str) -> dict:
    """py-spy's raw (collapsed) file -> {tid: [(frames, count)]}."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                m = _SAMPLE.match(line.rstrip("\n"))
                if m:
                    frames = [fr for fr in m.group(3).split(";") if fr]
                    out.setdefault(int(m.group(1)), []).append((frames, int(m.group(4))))
    except OSError:
        pass
    return out


def _runner_pid(session, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and session.poll() == "running":
        for msg in session.decoder.messages:
            if msg.get("type") == "hello":
                return int(msg["pid"])
        time.sleep(0.005)
    return 0


def _lane_shares(view, tid_of: dict, span: tuple, probe_only: bool = False) -> dict:
    """tid -> {state name: share of the lane's time within span} (done excluded); probe_only:
    from the threads' own state events, as lanes were drawn before they were measured."""
    import numpy as np
    from engine.analysis import spans_of
    from engine.wire import STATE_NAMES, S
    spans = spans_of(view.events, view.lanes(), view.t_end, measured=not probe_only)
    out = {}
    for i, (pid, worker, label) in enumerate(view.lanes()):
        tid = tid_of.get((pid, worker))
        if not tid:
            continue
        mine = (spans["lane"] == i) & (spans["state"] != S.DONE)
        t0 = np.clip(spans["t0"][mine], *span)
        t1 = np.clip(spans["t1"][mine], *span)
        dur, states = t1 - t0, spans["state"][mine]
        total = float(dur.sum())
        if total <= 0:
            continue
        out[tid] = {STATE_NAMES[int(s)]: float(dur[states == s].sum()) / total
                    for s in np.unique(states)}
        out[tid]["label"] = label.split(" ·")[0]
    return out


def measure(scenario: str, params: dict, prefix: str, busy: int = 0) -> dict:
    """One run under both samplers; per worker thread, py-spy's and gilscope's shares."""
    from engine.session import Session
    from engine.wire import K
    tool = py_spy()
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    tmp = tempfile.mkdtemp(prefix="gilscope-pyspy-")
    session = Session()
    spies = []
    try:
        load_before = os.getloadavg()[0]
        session.start(scenario, params)
        pid = _runner_pid(session)
        if not pid:
            return {"skipped": "the run ended before it said hello"}
        t_spy = time.perf_counter_ns()
        for name, extra in (("all", []), ("gil", ["--gil"])):
            out = os.path.join(tmp, name + ".txt")
            spies.append((name, out, subprocess.Popen(
                [tool, "record", "--nonblocking", "--threads", "--idle", "-r", str(RATE),
                 "-f", "raw", "-o", out, "-p", str(pid)] + extra,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
        session.wait(600)
        errors = []
        for name, out, proc in spies:
            try:
                text = proc.communicate(timeout=30)[0].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                proc.kill()
                text = proc.communicate()[0].decode("utf-8", "replace")
            if not os.path.exists(out):
                errors.append(text.strip().splitlines()[-1:] or ["no output"])
        if errors:
            return {"skipped": "py-spy could not attach: %s" % errors[0][0]}
        samples = {name: parse_raw(out) for name, out, _ in spies}
        view = session.result().view
        starts = view.of_kind(K.WORKER_START)
        tid_of = {(int(e["pid"]), int(e["worker"])): int(e["a"]) for e in starts}
        lanes = _lane_shares(view, tid_of, (t_spy, view.t_end))
        probe_lanes = _lane_shares(view, tid_of, (t_spy, view.t_end), probe_only=True)
        lock_name, line = _blocking_acquire_line()
        lock_line = "probe.py:%d)" % line  # py-spy: "name (file:line)"
        threads = []
        for tid, shares in lanes.items():
            if not shares["label"].startswith(prefix):
                continue
            every = samples["all"].get(tid, [])
            n = sum(c for _, c in every)
            if n == 0:
                continue
            def share(test, rows=every):
                return sum(c for frames, c in rows if test(frames)) / n
            in_recorder = share(lambda fr: any("recorder.py" in f or "ring.py" in f for f in fr))
            in_transport = share(lambda fr: any(
                ("recorder.py" in f or "ring.py" in f) and f.split(" (")[0].rsplit(".", 1)[-1]
                in ("flush", "write_frame", "put") for f in fr))
            in_lock = share(lambda fr: bool(fr) and (lock_name + " (") in fr[-1]
                            and fr[-1].endswith(lock_line))
            # Share of the thread's samples holding the GIL: the gil sampler's count over the
            # all sampler's, which holds when both sampled as often (pyspy_kept_up, below).
            holding = sum(c for _, c in samples["gil"].get(tid, [])) / n
            threads.append({
                "thread": shares["label"], "samples": n,
                "pyspy_recorder_share": in_recorder, "pyspy_transport_share": in_transport,
                "pyspy_lock_acquire_share": in_lock, "pyspy_not_holding_gil": 1 - holding,
                "gilscope_lock_wait_share": shares.get("lock_wait", 0.0),
                "probe_lock_wait_share": probe_lanes.get(tid, {}).get("lock_wait", 0.0),
                "gilscope_gil_wait_share": shares.get("gil_wait", 0.0),
                "gilscope_not_holding_gil": shares.get("gil_wait", 0.0) + shares.get("preempted", 0.0),
                "gilscope_running_share": shares.get("running", 0.0),
                "gilscope_preempted_gil_share": shares.get("preempted_gil", 0.0)})
        cost = {}
        from engine.analysis import recording_cost
        for (p, w), (ns, frac) in recording_cost(view).items():
            cost[tid_of.get((p, w), 0)] = frac
        for row in threads:
            tid = next((t for t, s in lanes.items() if s["label"] == row["thread"]), 0)
            row["gilscope_recording_share"] = cost.get(tid)
        main = [t for t, sh in _lane_shares(view, tid_of, (t_spy, view.t_end)).items()
                if sh["label"] == "MainThread"]
        main_n = sum(c for _, c in samples["all"].get(main[0], [])) if main else 0
        kept_up = main_n / max(RATE * (view.t_end - t_spy) / 1e9, 1)
        return {"threads": threads, "pyspy_kept_up": kept_up,
                "load_before": load_before, "load_after": os.getloadavg()[0],
                "busy_loops": busy, "wall_s": view.wall_s, "params": params,
                "sampler_ticks": session.sampler.ticks, "sampler_cpu_s": session.sampler.busy_ns / 1e9,
                "sampler_unplaced_ms": session.sampler.unplaced_ns / 1e6}
    finally:
        for _, _, proc in spies:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        session.close()
        for loop in loops:
            loop.kill()
            loop.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _worst(rows: list, key) -> float:
    return max((key(r) for r in rows), default=None)


def run(quick: bool = False) -> dict:
    notes = []
    if not py_spy():
        res = common.result("pyspy", {"skipped": "py-spy not installed (pip install py-spy)"},
                            {"skipped": True}, [common.goal("recorder share (py-spy)", None,
                                                           "<=", GOAL_RECORDER)])
        return res
    race = {"lock": True, "iterations": 60_000 if quick else 300_000}
    gil = {"workers": 2, "iterations": 6_000_000 if quick else 30_000_000}
    runs = {"race-lock": ("race", race, "THREAD"), "race-lock-untraced": (
        "race", dict(race, traced=False), "THREAD"), "gil": ("gil", gil, "THREAD")}
    figures, goals = {}, []
    for busy in ((0,) if quick else (0, 2)):
        for name, (sid, params, prefix) in runs.items():
            key = name + ("-busy%d" % busy if busy else "")
            m = measure(sid, params, prefix, busy)
            figures[key] = m
            if "skipped" in m:
                notes.append("%s skipped: %s" % (key, m["skipped"]))
                continue
            rows = m["threads"]
            goals.append(common.goal("%s: worst thread's share of py-spy samples in the recorder's "
                                     "transport" % key, _worst(rows, lambda r: r["pyspy_transport_share"]),
                                     "<=", GOAL_RECORDER))
            goals.append(common.goal("%s: worst thread's share of py-spy samples anywhere in the "
                                     "recorder" % key, _worst(rows, lambda r: r["pyspy_recorder_share"]),
                                     "<=", GOAL_RECORDER))
            if sid == "race":
                goals.append(common.goal("%s: |time in acquire(), gilscope - py-spy| worst thread"
                                         % key, _worst(rows, lambda r: abs(
                                             r["probe_lock_wait_share"]
                                             - r["pyspy_lock_acquire_share"])), "<=", GOAL_LOCK))
            else:
                even = m["pyspy_kept_up"] >= 0.9
                if not even:
                    notes.append("%s: py-spy kept up with %.0f %% of its rate: the GIL comparison "
                                 "is not judged" % (key, 100 * m["pyspy_kept_up"]))
                goals.append(common.goal("%s: |not holding the GIL, gilscope - py-spy| worst thread"
                                         % key, _worst(rows, lambda r: abs(
                                             r["gilscope_not_holding_gil"] - r["pyspy_not_holding_gil"]))
                                         if even else None, "<=", GOAL_GIL))
    baseline = {"meaning": "py-spy %d Hz, non-blocking, all stacks (--idle) and GIL-holding "
                           "stacks (--gil), on the runner process; gilscope's lane shares over the "
                           "same stretch of each thread's life" % RATE,
                "load_avg_1min": os.getloadavg()[0]}
    return common.result("pyspy", figures, baseline, goals, notes=notes)
