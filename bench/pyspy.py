"""pyspy: py-spy as the independent referee of gilscope's lanes and of its recorder's cost.

A real run goes through the Session (runner, rings, schedstat sampler) as the
window would start it.  Two py-spy samplers attach to the runner process in
non-blocking mode (they read its memory; neither pauses it, so they can run
together): one records every thread's stack (``--idle``) until the run ends, the
other only the stack of the thread holding the GIL (``--gil``) for a fixed number
of intervals (``--duration``), started once the compared threads have started.
Both name threads by native id, which the runner reports in each thread's
worker_start, so samples and lanes are matched exactly.

Per worker thread:
  * recorder share: all-stacks samples with a frame in engine/recorder.py,
    engine/ring.py or engine/batch.py (all of recording, and a wait for the GIL parked
    at a recording call's entry), and with one in the flush / transport (``flush``,
    ``write_frame``, ``write_pipe``, ``put``, ``send_frames``, ``drain``): the part that
    could block; beside it, the GIL sampler's share of the thread's time spent running
    recorder code.  Recording that has no recorder frame is reported beside it: race's
    accesses recorded inline (engine/batch.py; its extend lines, and apart its
    access-and-clock lines) and print() capture (OutputTap.write);
  * race, lock on: py-spy's share of samples inside the blocking
    ``self._lock.acquire()`` of TracedLock (acquire / wait_for) against gilscope's time inside that
    call (its probe's lock-wait spans; the lane splits that time further by what the
    kernel says: blocked on the lock, waiting for a core, for the GIL; both are kept);
  * gil: py-spy's share not holding the GIL (1 - the thread's GIL samples / the
    sampler's intervals; an errored interval read the holder's stack, so errors are
    shared out as the counted holders) against the lane's share not holding it:
    all but running and pre-empted while holding the GIL.  Judged only for threads
    alive through the whole GIL sampling.
Runs race (lock on), gil and thread-names, quiet and with two busy loops beside; the
load average is kept with each.  Skipped by name when py-spy is missing or cannot
attach (ptrace not permitted).
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
RATE = 200  # samples a second, all stacks (--idle reads every thread's /proc state each time:
# at 400 it kept up with 59 % of its rate at load 17, and dropped intervals bias the shares)
GIL_RATE = 400  # samples a second, the GIL holder's stack only (cheap: 99 % kept up at load 17)
GIL_SECONDS = 3  # the GIL sampler's length in gil (whole seconds: py-spy's --duration): 1200
# intervals, so a holding share's standard error is <= 0.015
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


def _race_recording_lines() -> tuple:
    """(lines of race's traced loop that record an access: its ``add((t, ...))``, lines that
    read or write ret and take the clock: ``x = ret; t = now()``), as py-spy names them
    ("race.py:N)").  Inline since engine/batch.py: no recorder frame shows them."""
    import inspect
    from engine.scenarios import race
    adds, clocks = set(), set()
    for loop in (race._loop, race._locked_loop):  # without the lock, and with it
        lines, first = inspect.getsourcelines(loop)
        adds |= {"race.py:%d)" % (first + i) for i, line in enumerate(lines)
                 if line.strip().startswith("add((t,")}
        clocks |= {"race.py:%d)" % (first + i) for i, line in enumerate(lines)
                   if line.split("#")[0].strip().endswith("t = now()")}
    return adds, clocks


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


class _Spy(object):
    """One py-spy sampler on the runner: its output file, when it began sampling (it prints
    "Sampling process" once attached) and ended, and the intervals and errors it reports."""

    def __init__(self, tool: str, pid: int, out: str, extra: list, rate: int = RATE) -> None:
        import threading
        self.out = out
        self.started = self.ended = 0
        self.samples = self.errors = None
        self.text = []
        self.proc = subprocess.Popen(
            [tool, "record", "--nonblocking", "--threads", "-r", str(rate), "-f", "raw",
             "-o", out, "-p", str(pid)] + extra,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            self.text.append(line)
            if "Sampling process" in line and not self.started:
                self.started = time.perf_counter_ns()
            m = re.search(r"Samples: (\d+) Errors: (\d+)", line)
            if m:
                self.samples, self.errors = int(m.group(1)), int(m.group(2))
                if not self.ended:
                    self.ended = time.perf_counter_ns()
        self.ended = self.ended or time.perf_counter_ns()

    def finish(self, timeout: float = 30) -> None:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _workers_started(session, n: int, timeout: float = 600.0) -> None:
    """Wait until n threads other than a main thread have recorded their start."""
    from engine.wire import K
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and session.poll() == "running":
        ev = session.store.view()
        started = ev[(ev["kind"] == K.WORKER_START) & (ev["worker"] != 0)]
        if len(started) >= n:
            return
        time.sleep(0.005)


def _life(view, tid_of: dict) -> dict:
    """tid -> (start, end) ns of each recorded thread (end: its exit, or the run's end)."""
    from engine.wire import K
    starts = {(int(e["pid"]), int(e["worker"])): int(e["t"]) for e in view.of_kind(K.WORKER_START)}
    exits = {(int(e["pid"]), int(e["worker"])): int(e["t"]) for e in view.of_kind(K.WORKER_EXIT)}
    return {tid: (starts.get(key, view.t_start), exits.get(key, view.t_end))
            for key, tid in tid_of.items()}


def measure(scenario: str, params: dict, prefix: str, busy: int = 0, gil_s: int = 0,
            starts: int = 2) -> dict:
    """One run under both samplers; per worker thread, py-spy's and gilscope's shares.

    gil_s: the GIL-holding sampler runs for exactly gil_s x GIL_RATE intervals (py-spy's
    --duration; errored intervals included and reported), so its holding share has a
    known denominator; 0: it runs to the end like the other.  It starts once `starts` threads
    (main threads not counted) have started: the workers compared, and any before them."""
    from engine.session import Session
    from engine.wire import K
    tool = py_spy()
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    tmp = tempfile.mkdtemp(prefix="gilscope-pyspy-")
    session = Session()
    spies = {}
    try:
        load_before = os.getloadavg()[0]
        session.start(scenario, params)
        pid = _runner_pid(session)
        if not pid:
            return {"skipped": "the run ended before it said hello"}
        spies["all"] = _Spy(tool, pid, os.path.join(tmp, "all.txt"), ["--idle"])
        if gil_s:  # its fixed stretch must lie inside the workers' lives: start with them
            _workers_started(session, starts)
        spies["gil"] = _Spy(tool, pid, os.path.join(tmp, "gil.txt"),
                            ["--gil"] + (["-d", str(int(gil_s))] if gil_s else []), GIL_RATE)
        session.wait(600)
        for spy in spies.values():
            spy.finish()
        missing = [spy for spy in spies.values() if not os.path.exists(spy.out)]
        if missing:
            return {"skipped": "py-spy could not attach: %s" % (missing[0].text[-1:] or ["no output"])[0]}
        samples = {name: parse_raw(spy.out) for name, spy in spies.items()}
        view = session.result().view
        starts = view.of_kind(K.WORKER_START)
        tid_of = {(int(e["pid"]), int(e["worker"])): int(e["a"]) for e in starts}
        life = _life(view, tid_of)
        t_all = (spies["all"].started or view.t_start, view.t_end)
        gil_spy = spies["gil"]
        t_gil = (gil_spy.started or view.t_start, min(gil_spy.ended or view.t_end, view.t_end))
        lanes = _lane_shares(view, tid_of, t_all)
        lanes_gil = _lane_shares(view, tid_of, t_gil)
        probe_lanes = _lane_shares(view, tid_of, t_all, probe_only=True)
        lock_name, line = _blocking_acquire_line()
        lock_line = "probe.py:%d)" % line  # py-spy: "name (file:line)"
        intervals = int(round(gil_s * GIL_RATE)) if gil_s else 0
        gil_rows = samples["gil"]
        held = sum(c for rows in gil_rows.values() for _, c in rows)
        # An errored interval of the GIL sampler read the holder's stack (the only one it
        # reads): it had a holder, shared out as the counted ones were.
        error_scale = 1 + (gil_spy.errors or 0) / held if held else 1.0

        def in_recorder(fr):
            return any("recorder.py" in f or "ring.py" in f or "batch.py" in f for f in fr)

        add_lines, clock_lines = _race_recording_lines()

        def at(fr, lines):  # the sample's innermost Python frame is on one of lines
            return bool(fr) and "race.py:" in fr[-1] and any(fr[-1].endswith(x) for x in lines)

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
            in_transport = share(lambda fr: any(
                ("recorder.py" in f or "ring.py" in f or "batch.py" in f)
                and f.split(" (")[0].rsplit(".", 1)[-1]
                in ("flush", "write_frame", "write_pipe", "put", "send_frames", "drain") for f in fr))
            in_capture = share(lambda fr: any(  # py-spy may name it OutputTap.write
                "probe.py" in f and f.split(" (")[0].rsplit(".", 1)[-1] == "write" for f in fr)
                and not in_recorder(fr))
            in_lock = share(lambda fr: bool(fr) and (lock_name + " (") in fr[-1]
                            and fr[-1].endswith(lock_line))
            mine = gil_rows.get(tid, [])
            row = {
                "thread": shares["label"], "samples": n,
                "pyspy_recorder_share": share(in_recorder), "pyspy_transport_share": in_transport,
                # Recording inline in race's loop (no recorder frame): its extend lines, and
                # its access-and-clock lines (the access is one load or store of the pair).
                "pyspy_inline_record_share": share(lambda fr: at(fr, add_lines)),
                "pyspy_access_clock_share": share(lambda fr: at(fr, clock_lines)),
                # print() capture (OutputTap.write) outside the recorder's own frames.
                "pyspy_print_capture_share": in_capture,
                "pyspy_lock_acquire_share": in_lock,
                "gilscope_lock_wait_share": shares.get("lock_wait", 0.0),
                "probe_lock_wait_share": probe_lanes.get(tid, {}).get("lock_wait", 0.0),
                "gilscope_running_share": shares.get("running", 0.0),
                "gilscope_preempted_share": shares.get("preempted", 0.0),
                "gilscope_preempted_gil_share": shares.get("preempted_gil", 0.0),
                "gilscope_gil_wait_share": shares.get("gil_wait", 0.0)}
            a, b = life.get(tid, (0, 0))
            if intervals and a <= t_gil[0] and b >= t_gil[1]:
                # Alive for all of the GIL sampler's stretch: its intervals are the thread's.
                holding = sum(c for _, c in mine) * error_scale / intervals
                recorder_cpu = sum(c for fr, c in mine if in_recorder(fr)) * error_scale / intervals
                g = lanes_gil.get(tid, {})
                row.update({
                    "pyspy_not_holding_gil": 1 - holding,
                    "pyspy_recorder_cpu_share": recorder_cpu,
                    "pyspy_holding_se": (holding * (1 - holding) / intervals) ** 0.5,
                    # Holding the GIL: running, or pre-empted by the OS while holding it.
                    "gilscope_not_holding_gil": 1 - g.get("running", 0.0) - g.get("preempted_gil", 0.0),
                    "gilscope_gil_wait_share_gil_stretch": g.get("gil_wait", 0.0),
                    "gilscope_preempted_gil_share_gil_stretch": g.get("preempted_gil", 0.0)})
            threads.append(row)
        cost = {}
        cpu = {lanes[t]["label"]: int(e["b"]) / 1e6 for e in view.of_kind(K.WORKER_EXIT)
               for t in [tid_of.get((int(e["pid"]), int(e["worker"])))] if t in lanes}
        from engine.analysis import recording_cost
        for (p, w), (ns, frac) in recording_cost(view).items():
            cost[tid_of.get((p, w), 0)] = frac
        for row in threads:
            tid = next((t for t, s in lanes.items() if s["label"] == row["thread"]), 0)
            row["gilscope_recording_share"] = cost.get(tid)
        main = [t for t, sh in lanes.items() if sh["label"] == "MainThread"]
        main_n = sum(c for _, c in samples["all"].get(main[0], [])) if main else 0
        kept_up = main_n / max(RATE * (t_all[1] - t_all[0]) / 1e9, 1)
        return {"threads": threads, "pyspy_kept_up": kept_up,
                "gil_sampler": {"intervals": intervals, "errors": gil_spy.errors,
                                "seconds": (t_gil[1] - t_gil[0]) / 1e9,
                                "late": ((t_gil[1] - t_gil[0]) / 1e9 / gil_s) if gil_s else None},
                "load_before": load_before, "load_after": os.getloadavg()[0],
                "busy_loops": busy, "wall_s": view.wall_s, "params": params,
                "thread_cpu_s": {row["thread"]: cpu.get(row["thread"]) for row in threads},
                "sampler_ticks": session.sampler.ticks, "sampler_cpu_s": session.sampler.busy_ns / 1e9,
                "sampler_unplaced_ms": session.sampler.unplaced_ns / 1e6}
    finally:
        for spy in spies.values():
            spy.stop()
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
    # Default settings of each scenario but its length: long enough for py-spy's samples.
    # (scenario, params, seconds of GIL sampling, threads started before it: gil runs two
    # BASELINE threads, one after the other, before its THREAD1..n)
    runs = {"race-lock": ("race", {"lock": True, "iterations": 40_000 if quick else 150_000}, 1, 2),
            "gil": ("gil", {"workers": 2, "iterations": 20_000_000 if quick else 80_000_000},
                    1 if quick else GIL_SECONDS, 4),
            "thread-names": ("thread-names", {"lines": 5_000 if quick else 20_000}, 1, 2)}
    figures, goals = {}, []
    for busy in ((0,) if quick else (0, 2)):
        for name, (sid, params, gil_s, starts) in runs.items():
            key = name + ("-busy%d" % busy if busy else "")
            m = measure(sid, params, "THREAD", busy, gil_s, starts)
            m["load_1min"] = os.getloadavg()[0]
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
            elif sid == "gil":
                judged = [r for r in rows if "pyspy_not_holding_gil" in r]
                late = m["gil_sampler"]["late"]
                if len(judged) < len(rows):
                    notes.append("%s: %d of %d threads did not live through py-spy's GIL sampling"
                                 % (key, len(rows) - len(judged), len(rows)))
                if late is not None and late > 1.5:
                    notes.append("%s: py-spy's GIL sampler took %.1fx its %g s (a loaded machine): "
                                 "its samples bunched" % (key, late, gil_s))
                goals.append(common.goal("%s: |not holding the GIL, gilscope - py-spy| worst thread"
                                         % key, _worst(judged, lambda r: abs(
                                             r["gilscope_not_holding_gil"] - r["pyspy_not_holding_gil"]))
                                         if judged else None, "<=", GOAL_GIL))
    baseline = {"meaning": "py-spy non-blocking on the runner process: all stacks (--idle) at %d Hz "
                           "and the GIL holder's stack (--gil) at %d Hz for a fixed number of "
                           "intervals; gilscope's lane shares over the same stretch of each "
                           "thread's life" % (RATE, GIL_RATE),
                "load_avg_1min": os.getloadavg()[0]}
    return common.result("pyspy", figures, baseline, goals, notes=notes)
