"""gui-latency: how late a 1 ms heartbeat timer fires in the live window, and its CPU.

A child of the app's interpreter opens the real window (gui.app.create_window,
Qt offscreen), waits for its plots, then:
  gil     presses Run on the gil scenario with 8 workers, so the window stays live
          while 8 threads, then 8 processes, run on this machine's cores;
  race    presses Run on race (2 threads, every read and write traced) at 100k and
          1M iterations (0.8M and 8M events): the shared-variable view settles every
          access live; then the end of the run: the verdict, the trace made final, the
          step bar's steps known, and the whole window painted (QWidget.grab), timed
          from the moment the runner
          ended ("end to painted") with the GUI thread's own CPU seconds beside it;
  stream  runs a SyntheticSession: the Session's own EventStore fed from a thread
          at 1M events/s (state changes on 16 lanes: every event is a timeline
          event), so the window ingests and draws a live timeline at that rate.
A Qt PreciseTimer at 1 ms records when it fires; lateness = gap between two
firings - 1 ms; beside it, the GUI thread's own CPU time in each gap (load hardly
changes it: shown, not in the goals).  The GUI process's CPU time (all its threads: Session reader,
sampler, feeder) is read every 100 ms.  Baseline, same child: the same heartbeat
with the window idle for 1 s before the runs.
Goals: p99 <= 40 ms, max <= 100 ms (live parts and the ends of the race runs),
GUI process <= 70 % of one core, race's end of run to painted <= 1 s at 8M events.
"""
import os
import sys
import threading
import time

from bench import common

GOAL_P99_MS = 40
GOAL_MAX_MS = 100
GOAL_CPU = 0.70
STREAM_LANES = 16
STREAM_PID = 424242
SETTLE_S = 1.5
GOAL_PAINTED_S = 1.0
RACE_WORKERS = 2


def _synthetic_session_class():
    from engine import interpreters, params as params_module, scenarios
    from engine.session import Session

    class SyntheticSession(Session):
        """A Session whose events come from a feeder thread at a set rate, not from a runner.

        The window sees a running Session exactly as in a real run (store grows,
        poll() says running), without a runner's CPU use competing with it.
        """

        def __init__(self, rate: int, seconds: float) -> None:
            super().__init__(sample=False)
            self.rate, self.seconds = rate, seconds
            self.fed = 0
            self.t_fed_ns = None  # when the feeder sent its last batch
            self._feeder = None

        def start(self, scenario_id, given, python=None) -> None:
            self._reset()
            self.scenario = scenarios.get(scenario_id)
            self.params = params_module.resolve(self.scenario.params, given)
            self.interpreter = interpreters.current()
            self.run_id = "synthetic"
            self.t_start_ns = time.perf_counter_ns()
            self.state = "running"
            self._feeder = threading.Thread(target=self._feed, name="bench-feeder", daemon=True)
            self._feeder.start()

        def poll(self) -> str:
            if self.state == "running" and not self._feeder.is_alive():
                self.t_end_ns = time.perf_counter_ns()
                self.exit_code, self.state = 0, "finished"
            return self.state

        def stop(self) -> float:
            self._halt.set()
            if self._feeder is not None:
                self._feeder.join()
            self.state = "stopped"
            return 0.0

        def close(self) -> None:
            self.stop()

        def _feed(self) -> None:
            import numpy as np
            from engine.decode import EVENT_DTYPE
            from engine.wire import K, S
            starts = np.zeros(STREAM_LANES, EVENT_DTYPE)
            starts["t"] = time.perf_counter_ns()
            starts["pid"], starts["worker"] = STREAM_PID, np.arange(1, STREAM_LANES + 1)
            starts["kind"], starts["b"] = K.WORKER_START, np.arange(1, STREAM_LANES + 1)
            for lane in range(1, STREAM_LANES + 1):
                self.decoder.strings[(STREAM_PID, lane)] = "SYNTH%d" % lane
            self.store.append(starts)
            period = 0.01
            t_last, t_end = time.perf_counter_ns(), time.perf_counter_ns() + int(self.seconds * 1e9)
            first_state = 0  # alternates so each lane's spans flip running / waiting
            while not self._halt.wait(max(0.0, period - (time.perf_counter_ns() - t_last) / 1e9)):
                now = min(time.perf_counter_ns(), t_end)
                # As many events as the rate owes since the last batch: when this thread
                # waited for the GIL, the backlog comes in one batch, as a pipe's would.
                batch = int(self.rate * (now - t_last) / 1e9) // STREAM_LANES * STREAM_LANES
                if batch:
                    chunk = np.zeros(batch, EVENT_DTYPE)
                    chunk["t"] = np.linspace(t_last, now, batch, endpoint=False).astype(np.int64)
                    chunk["pid"], chunk["kind"] = STREAM_PID, K.STATE
                    chunk["worker"] = np.arange(batch) % STREAM_LANES + 1
                    rounds = np.arange(batch) // STREAM_LANES + first_state
                    chunk["b"] = np.where(rounds % 2, S.GIL_WAIT, S.RUNNING)
                    first_state = (first_state + batch // STREAM_LANES) % 2
                    self.store.append(chunk)
                    self.fed += batch
                    t_last = now
                if now >= t_end:
                    break
            self.t_fed_ns = time.perf_counter_ns()

    return SyntheticSession


class _Probe:
    """The 1 ms heartbeat and a 100 ms CPU sampler, both on the GUI thread's event loop."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer
        self.ticks, self.cpu = [], []
        self.thread_cpu = []  # the GUI thread's own CPU time at each beat
        self.beat = QTimer()
        self.beat.setTimerType(Qt.TimerType.PreciseTimer)
        self.beat.setInterval(1)
        self.beat.timeout.connect(self._beat)
        self.sampler = QTimer()
        self.sampler.setInterval(100)
        self.sampler.timeout.connect(
            lambda: self.cpu.append((time.perf_counter_ns(), time.process_time_ns())))
        self.beat.start()
        self.sampler.start()

    def _beat(self) -> None:
        self.ticks.append(time.perf_counter_ns())
        self.thread_cpu.append(time.thread_time_ns())

    def window(self, t0: int, t1: int) -> dict:
        """Heartbeat lateness and CPU share between two perf_counter_ns times.

        Beside each gap's wall time, the GUI thread's own CPU time in it ("cpu gap"): on a
        loaded machine a gap's wall time grows with every other process's demand, its CPU
        time hardly; shown, not in the goals."""
        import numpy as np
        inside = [i for i, t in enumerate(self.ticks) if t0 <= t <= t1]
        ticks = np.array([self.ticks[i] for i in inside], np.int64)
        spent = np.diff(np.array([self.thread_cpu[i] for i in inside], np.int64)) / 1e6
        if not len(spent):
            spent = np.zeros(1)
        late = np.clip(np.diff(ticks) - 1_000_000, 0, None) / 1e6 if len(ticks) > 1 else np.zeros(1)
        cpu = [(t, c) for t, c in self.cpu if t0 <= t <= t1]
        share = (cpu[-1][1] - cpu[0][1]) / (cpu[-1][0] - cpu[0][0]) if len(cpu) > 1 else None
        worst_at = (int(ticks[int(np.argmax(np.diff(ticks)))]) - t0) / 1e9 if len(ticks) > 1 else None
        return {"seconds": (t1 - t0) / 1e9, "ticks": int(len(ticks)), "worst_at_s": worst_at,
                "p50_ms": float(np.percentile(late, 50)), "p99_ms": float(np.percentile(late, 99)),
                "max_ms": float(late.max()), "cpu_share": share,
                "cpu_gap_p99_ms": float(np.percentile(spent, 99)), "cpu_gap_max_ms": float(spent.max())}


def _wait(condition, timeout: float) -> bool:
    """Run Qt's event loop (as app.exec does) until condition() holds or timeout passes."""
    from PySide6.QtCore import QEventLoop, QTimer
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    return bool(condition())


def _spin(seconds: float) -> None:
    _wait(lambda: False, seconds)


def _race(window, outcome, probe, iterations: int) -> dict:
    """One traced race run in the window: the live part, and the end until all is painted."""
    ended = []

    def on_ended(_state) -> None:
        ended.append(time.perf_counter_ns())

    window.adapter.run_ended.connect(on_ended)
    window.picker.select("race")
    window.params.set_value("workers", RACE_WORKERS)
    window.params.set_value("iterations", iterations)
    t0 = time.perf_counter_ns()
    window.run_control.run()
    if not _wait(lambda: ended, 600):
        raise RuntimeError("the race run did not end")
    t_end, cpu0 = ended[0], time.thread_time()
    trace = window.plots.trace
    if not _wait(lambda: outcome and trace.settled() and window.scrubber.ready(), 600):
        raise RuntimeError("the race run's verdict or trace never came")
    t_verdict = time.perf_counter_ns()
    window.grab()  # every widget painted, as the screen would show it
    t_painted = time.perf_counter_ns()
    cpu = time.thread_time() - cpu0
    window.adapter.run_ended.disconnect(on_ended)
    state, result = outcome.pop()
    if state != "finished":
        raise RuntimeError("the race run failed: %s" % state)
    _spin(0.2)
    live = probe.window(t0, t_end)
    end = probe.window(t_end, t_painted)
    return {"iterations": iterations, "events": int(result.figures["events"]),
            "dropped": int(result.figures["dropped"]), "accesses": trace.mark_count(),
            "lost_updates": trace.lost_count(), "live": live, "end": end,
            "end_to_verdict_and_trace_s": (t_verdict - t_end) / 1e9,
            "end_to_painted_s": (t_painted - t_end) / 1e9, "end_gui_thread_cpu_s": cpu}


def child_main(args) -> int:
    """In a fresh GUI process: iterations workers stream_seconds stream_rate."""
    import json
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    iterations, workers, stream_s, rate = int(args[0]), int(args[1]), float(args[2]), int(args[3])
    race_iterations = [int(x) for x in args[4].split(",")] if len(args) > 4 and args[4] else []
    from engine.wire import K
    from gui.app import create_window
    app, window = create_window([])  # app: the QApplication must stay referenced
    if not _wait(lambda: window.plots is not None, 30):
        raise RuntimeError("the window's plots never loaded")
    _spin(SETTLE_S)  # start-up's tail (the interpreter search) is startup's business
    outcome = []  # (state, RunResult or None) of each run, as the window is told it
    window.adapter.run_finished.connect(lambda result: outcome.append(("finished", result)))
    window.adapter.run_failed.connect(lambda message, result: outcome.append((message, result)))
    probe = _Probe()
    out = {}
    t0 = time.perf_counter_ns()
    _spin(1.0)
    out["idle"] = probe.window(t0, time.perf_counter_ns())

    # -- gil: 8 threads, then 8 processes, with the live window --------------------------
    window.picker.select("gil")
    window.params.set_value("workers", workers)
    window.params.set_value("iterations", iterations)
    t0 = time.perf_counter_ns()
    window.run_control.run()
    if not _wait(lambda: outcome, 300):
        raise RuntimeError("the gil run did not end")
    t1 = time.perf_counter_ns()
    state, result = outcome.pop()
    if state != "finished":
        raise RuntimeError("the gil run failed: %s" % state)
    view = result.view
    out["gil_run"] = probe.window(t0, t1)
    for phase in ("threads", "processes"):
        begin, end = view.named(K.PHASE_BEGIN, phase), view.named(K.PHASE_END, phase)
        out["gil_" + phase] = probe.window(int(begin["t"].min()), int(end["t"].max()))
    out["gil_figures"] = {k: result.figures.get(k) for k in
                          ("speedup_threads", "speedup_processes", "events", "dropped")}
    _spin(0.3)

    # -- race: the lesson the window exists for, traced, with its end ---------------------
    out["race"] = [_race(window, outcome, probe, n) for n in race_iterations]

    # -- a synthetic 1M events/s stream into the live timeline ---------------------------
    session = _synthetic_session_class()(rate, stream_s)
    window.adapter.use_session(session)  # the last run's Session, finished, is closed
    t0 = time.perf_counter_ns()
    window.run_control.run()
    if not _wait(lambda: not session._feeder.is_alive(), stream_s + 60):
        raise RuntimeError("the synthetic stream did not end")
    t1 = session.t_fed_ns
    out["stream"] = probe.window(t0, t1)
    out["stream"]["events_fed"] = session.fed
    out["stream"]["events_per_s"] = session.fed / ((t1 - t0) / 1e9)
    # The end of a long run: the window redraws from the whole recording once.
    done = _wait(lambda: outcome, 120)
    _spin(0.2)
    out["stream_end"] = probe.window(t1, time.perf_counter_ns())
    out["stream_end"]["finished"] = done
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown: the figures are out


def _line(label: str, w: dict) -> str:
    cpu = "-" if w.get("cpu_share") is None else "%3.0f %%" % (100 * w["cpu_share"])
    return ("%-22s p50 %5.1f ms  p99 %6.1f ms  max %6.1f ms (at %.2f s)  GUI CPU %s of a core  "
            "(%.1f s, %d beats; GUI thread CPU in a gap: p99 %.1f ms, max %.1f ms)" % (
                label, w["p50_ms"], w["p99_ms"], w["max_ms"], w["worst_at_s"] or 0.0, cpu,
                w["seconds"], w["ticks"], w["cpu_gap_p99_ms"], w["cpu_gap_max_ms"]))


def run(quick: bool = False) -> dict:
    iterations, stream_s = (3_000_000, 1.5) if quick else (30_000_000, 5.0)
    race = [100_000] if quick else [100_000, 1_000_000]
    workers, rate = 8, 1_000_000
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    raw = common.run_json(common.child_command(sys.executable, "gui_latency", iterations, workers,
                                               stream_s, rate, ",".join(map(str, race))),
                          timeout=1800, env=env)
    table = [_line("idle window (baseline)", raw["idle"]),
             _line("gil: %d threads" % workers, raw["gil_threads"]),
             _line("gil: %d processes" % workers, raw["gil_processes"]),
             _line("gil: whole run", raw["gil_run"])]
    for r in raw["race"]:
        table += [_line("race %dk: live" % (r["iterations"] // 1000), r["live"]),
                  _line("race %dk: end of run" % (r["iterations"] // 1000), r["end"]),
                  "  race %dk: %d events, %d dropped, %d accesses traced, %d lost updates; end of "
                  "run to painted %.2f s (GUI thread CPU %.2f s)" % (
                      r["iterations"] // 1000, r["events"], r["dropped"], r["accesses"],
                      r["lost_updates"], r["end_to_painted_s"], r["end_gui_thread_cpu_s"])]
    table += [
             _line("stream %.2fM events/s" % (raw["stream"]["events_per_s"] / 1e6), raw["stream"]),
             _line("stream: end of run", raw["stream_end"])]
    live = [raw["gil_threads"], raw["gil_processes"], raw["stream"]]
    live += [r[part] for r in raw["race"] for part in ("live", "end")]
    worst_p99 = max(w["p99_ms"] for w in live)
    worst_max = max(w["max_ms"] for w in live)
    worst_cpu = max(w["cpu_share"] or 0.0 for w in live)
    figures = dict(raw, worst_p99_ms=worst_p99, worst_max_ms=worst_max, worst_cpu_share=worst_cpu,
                   platform=env["QT_QPA_PLATFORM"], workers=workers, iterations=iterations)
    baseline = {"idle_p99_ms": raw["idle"]["p99_ms"], "idle_max_ms": raw["idle"]["max_ms"],
                "idle_cpu_share": raw["idle"]["cpu_share"],
                "meaning": "the same heartbeat in the same window, idle, just before the runs"}
    goals = [common.goal("heartbeat lateness p99, worst live part", worst_p99, "<=", GOAL_P99_MS, "ms"),
             common.goal("heartbeat lateness max, worst live part", worst_max, "<=", GOAL_MAX_MS, "ms"),
             common.goal("GUI process CPU, worst live part (share of one core)", worst_cpu, "<=", GOAL_CPU)]
    for r in raw["race"]:
        size = "race %dk (%.1fM events)" % (r["iterations"] // 1000, r["events"] / 1e6)
        goals.append(common.goal("%s: heartbeat p99, live and end of run" % size,
                                 max(r["live"]["p99_ms"], r["end"]["p99_ms"]), "<=", GOAL_P99_MS, "ms"))
        goals.append(common.goal("%s: heartbeat max, live and end of run" % size,
                                 max(r["live"]["max_ms"], r["end"]["max_ms"]), "<=", GOAL_MAX_MS, "ms"))
        # The goal is 1 s at 8M events: scaled to the run's own count (never looser than 1 s).
        limit = round(GOAL_PAINTED_S * max(1.0, r["events"] / 8e6), 2)
        goals.append(common.goal("%s: end of run to painted" % size, r["end_to_painted_s"], "<=",
                                 limit, "s"))
    notes = ["live parts: gil threads phase, gil processes phase, race live and end of run, "
             "synthetic stream; the stream's 'end of run' is shown, not in the goals",
             "load average at the end: %.2f (1 min)" % os.getloadavg()[0]]
    res = common.result("gui-latency", figures, baseline, goals, notes=notes)
    res["table"] = table
    return res
