"""Session: start, stream, sample and stop one run at a time.  [numpy, psutil]

The Session is the run's lifecycle: its process tree, its pipes, its readers and
samplers.  What the run recorded is read through ``data()``, a plain
engine.run_data.RunData (live: what is held so far; once ended: all of it) that
the verdicts, the report, a save and the window take.  No Qt here: the GUI's SessionAdapter polls this on a timer; the CLI polls it in
a loop.  Threads: one blocks in os.read on the event pipe and decodes with
numpy (docs/ARCHITECTURE.md "GUI ingest": 1M events/s with a 2 ms heartbeat p99), one reads raw output
lines, one samples per-core load and per-thread CPU time with psutil at 10 Hz.
"""
import collections
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid

import numpy as np

from . import guardian, interpreters, launcher, params as params_module, scenarios, thread_sampler, wire
from .decode import EVENT_DTYPE, EventStore, StreamDecoder
from .run_data import RunData, dropped_in_runner

RUNNER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")
SAMPLE_PERIOD_S = 0.1
FINAL_SAMPLE_MIN_S = 0.03  # a last reading at the end covers at least 3 of the kernel's ticks
SAMPLER_JOIN_S = 0.5  # a sampler reading in progress when the run ends (ms in practice)
STOP_TIMEOUT_S = 1.0     # Stop's promise: the run and every process it started gone within it
GUARDIAN_GRACE_S = 1.5   # how long a live, unfrozen guardian gets to end the run itself.
#   It ends a run in milliseconds, except in a spawn storm on a loaded machine, where every
#   SIGKILL of hundreds makes the dying process preempt the killer: measured at load 18-22,
#   the guardian ended 500-process storms in 0.9-1.6 s, while taking its work over (kill it,
#   sweep its adopted orphans from here) took 1.4 s more.  A frozen guardian is not waited for.
READER_GRACE_S = 2.0     # after the run ended: EOF on the pipes normally comes at once
OUTPUT_LINES_KEPT = 20_000


# multiprocessing puts AF_UNIX sockets at TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX (33 more
# characters), and a socket path longer than 107 bytes cannot be bound: a long TMPDIR would
# break every Manager and forkserver scenario.
_SOCKET_PATH_MAX = 107 - 34


def _run_tmp_dir(run_id: str) -> str:
    """A new private (0700) folder for one run's temporary files, short enough for sockets."""
    prefix = "gilscope-run-%s-" % run_id
    path = tempfile.mkdtemp(prefix=prefix)
    if len(path) > _SOCKET_PATH_MAX and os.path.isdir("/tmp"):
        os.rmdir(path)
        path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    return path


def _clock_ticks_now() -> int:
    """Now, in the unit of /proc/PID/stat start times (clock ticks after boot)."""
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


class SessionError(Exception):
    """A run could not start; the message says why in plain words."""


class Session:
    """One run at a time: its process tree, its events, its end."""

    def __init__(self, capacity: int = None, sample: bool = True) -> None:
        # None: engine.decode.default_capacity(), from this machine's memory (a 16M cap
        # dropped half of race's events at 8 workers x 1M iterations)
        self.capacity = capacity
        self.sample = sample
        self.state = "idle"  # idle | running | finished | failed | stopped
        self.scenario = None
        self.params = {}
        self.run_id = ""
        self.interpreter = {}
        self.output = collections.deque(maxlen=OUTPUT_LINES_KEPT)  # raw stdout/stderr
        self.store = EventStore(capacity)
        self.decoder = StreamDecoder(self.store)
        self.t_start_ns = 0
        self.t_end_ns = 0
        self.exit_code = None
        self.stop_seconds = None
        self.problem = ""
        self._proc = None
        self._threads = []
        self._halt = threading.Event()
        self.sampler = None  # engine.thread_sampler.ThreadSampler: rings + measured states
        self._gate_w = None          # step mode: the write end of the runner's command pipe
        self._schedule_file = None   # a scheduled run's schedule, removed when it ends
        self._tmp_dir = ""
        self._since = 0          # clock ticks after boot just before the guardian started
        self._ended_at = None    # when poll() first saw the guardian gone
        self.swept = 0           # processes of the run the Session itself had to kill
        self.sweep_left = 0      # of those, still alive after the sweep (should be 0)

    # -- lifecycle -------------------------------------------------------
    def start(self, scenario_id: str, given: dict, python: str = None,
              schedule: list = None, step: bool = False, replay: bool = False,
              x_options=()) -> None:
        """Validate and start a run.  Raises SessionError, ParamError, UnknownScenario.

        schedule: thread numbers in the order they pass their gates (engine.gates);
        step: the user chooses each step (``step_thread``, ``run_freely``).
        x_options: -X options for the interpreter, e.g. ("gil=0",) on a free-threaded build
        (the runner runs under -I, which ignores PYTHON_GIL and every PYTHON* variable)."""
        if self.state == "running":
            raise SessionError("a run is already going; stop it first")
        if not guardian.supported():
            raise SessionError("running scenarios needs Linux for now (no process guardian here)")
        scenario = scenarios.get(scenario_id)
        values = params_module.resolve(scenario.params, given)
        interp = interpreters.probe(python) if python else interpreters.current()
        self._reset()
        self.scenario, self.params, self.interpreter = scenario, values, interp
        self.run_id = uuid.uuid4().hex[:12]
        ev_r, ev_w = os.pipe()
        out_r, out_w = os.pipe()
        # parent_pid: the guardian checks it right after arming its parent-death signal, so
        # a Session process that died before that moment cannot leave the run to init.
        spec = {"scenario": scenario.ref, "params": values, "event_fd": ev_w, "run_id": self.run_id,
                "parent_pid": os.getpid()}
        pass_fds = [ev_w]
        if schedule is not None or step:
            if not scenario.gates:
                raise SessionError("%s has no steps to schedule (race has)" % scenario.id)
            spec["gates"], gate_fds = self._gates(schedule, step)
            spec["gates"]["mode"] = "step" if step else ("replay" if replay else "schedule")
            pass_fds += gate_fds
        self.sampler = thread_sampler.ThreadSampler(self, thread_sampler.make_ring_dir(self.run_id))
        spec["ring_dir"] = self.sampler.ring_dir
        # The run's temporary files (multiprocessing's pymp-* folders and their sockets, a
        # scenario's own TemporaryDirectory) go in one private folder that goes with the run.
        self._tmp_dir = spec["tmp_dir"] = _run_tmp_dir(self.run_id)
        env = launcher.child_environment({guardian.RUN_ID_ENV: self.run_id, "PYTHONUNBUFFERED": "1",
                                          "TMPDIR": self._tmp_dir})
        # If the guardian dies unasked, its run is reparented to us, not to init: the sweep
        # then finds every process by that link, whatever it did to its environment.
        guardian.become_subreaper()
        self._since = _clock_ticks_now() - 2
        self.t_start_ns = time.perf_counter_ns()
        self.sampler.start_marker(self.t_start_ns)
        try:
            self._proc = subprocess.Popen(
                launcher.runner_command(interp, json.dumps(spec), x_options),
                stdin=subprocess.PIPE, stdout=out_w, stderr=subprocess.STDOUT,
                pass_fds=pass_fds, start_new_session=True, env=env)
        except (OSError, launcher.LaunchError) as exc:
            for fd in (ev_r, ev_w, out_r, out_w):
                os.close(fd)
            self.sampler.finish(time.perf_counter_ns())
            self._close_gates()
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            raise SessionError("could not start %s: %s" % (interp["executable"], exc))
        guardian.own_children.add(self._proc.pid)
        for fd in pass_fds[1:]:
            os.close(fd)  # the runner's end of the command pipe
        os.close(ev_w)
        os.close(out_w)
        self.state = "running"
        # Each thread gets this run's objects: one still finishing never feeds the next run.
        self._spawn(self._read_events, ev_r, self.decoder)
        self._spawn(self._read_output, out_r, self.output)
        self._spawn(self.sampler.run, self._halt)
        if self.sample:
            self._spawn(self._sample, self._proc.pid, self._halt, self.store)

    # -- scheduled runs (engine.gates) ----------------------------------------
    def _gates(self, schedule, step):
        """The runner's gate spec and the fds it inherits: a private file with the schedule
        (it can be longer than a command line), and a pipe for the user's steps."""
        gates, fds = {}, []
        if schedule is not None:
            from .gates import encode_order
            fd, path = tempfile.mkstemp(prefix="gilscope-schedule-", suffix=".txt")
            with os.fdopen(fd, "wb") as f:
                f.write(encode_order(schedule))
            self._schedule_file = gates["order_file"] = path
        if step:
            cmd_r, self._gate_w = os.pipe()
            gates["command_fd"] = cmd_r
            fds.append(cmd_r)
        return gates, fds

    def step_thread(self, number: int) -> None:
        """Step mode: let THREAD<number> through its next gate."""
        self._gate_command("go %d" % int(number))

    def run_freely(self, until_notice: bool = True) -> None:
        """Step mode: open the gates until the scenario notices what one hunts for (a lost
        update, a deadlock), or for good."""
        self._gate_command("free" if until_notice else "free-all")

    def _gate_command(self, line: str) -> None:
        if self._gate_w is None or self.state != "running":
            return
        try:
            os.write(self._gate_w, line.encode("ascii") + b"\n")
        except OSError:
            pass  # the runner is gone: the run is ending

    def _close_gates(self) -> None:
        if self._gate_w is not None:
            os.close(self._gate_w)
            self._gate_w = None
        if self._schedule_file:
            try:
                os.unlink(self._schedule_file)
            except OSError:
                pass
            self._schedule_file = None

    def poll(self) -> str:
        """Advance the state if the run ended; return it.  Cheap and never blocking: call it often.

        The run counts as ended once its guardian has exited and the readers have
        read the pipes to their end; a process that keeps a pipe open past
        READER_GRACE_S (it could not be killed) is named in `problem`, not waited for.
        """
        if self.state == "running" and self._proc.poll() is not None:
            code = self._proc.returncode
            if self._ended_at is None:
                self._ended_at = time.monotonic()
                if code not in (0, 1):
                    self.sweep()  # the guardian was killed or crashed: survivors may hold pipes
            readers_done = not any(t.is_alive() for t in self._readers())
            if readers_done or time.monotonic() - self._ended_at > READER_GRACE_S:
                self._finish(code)
        return self.state

    def wait(self, timeout: float = None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() == "running":
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return self.state

    def stop(self) -> float:
        """End the run and every process it started; return the seconds it took."""
        if self.state != "running":
            return 0.0
        t0 = time.monotonic()
        if self.sampler is not None:
            self.sampler.read_before_stop()  # lanes end as the run was, not as it was killed
        try:
            self._proc.stdin.write(b"stop\n")
            self._proc.stdin.flush()
        except OSError:
            pass
        deadline = t0 + GUARDIAN_GRACE_S
        while self._proc.poll() is None and time.monotonic() < deadline:
            if guardian.state_of(self._proc.pid) == b"T":
                break  # frozen (SIGSTOP): it will not act in time, however long we wait
            time.sleep(0.005)
        if self._proc.poll() is None:  # the guardian is stuck: do its job
            self._proc.kill()
            self._proc.wait()
        self.sweep()
        self._finish(self._proc.returncode, stopped=True,
                     join_s=max(0.05, STOP_TIMEOUT_S - 0.1 - (time.monotonic() - t0)))
        self.stop_seconds = time.monotonic() - t0
        return self.stop_seconds

    def close(self) -> None:
        """Stop any run and release the threads (the window is closing)."""
        self.stop()
        self._halt.set()
        for t in self._threads:
            t.join(2)

    def sweep(self) -> int:
        """Kill whatever of the run is left (if its guardian died unasked); return how many.

        Found two ways: reparented to this process (a subreaper: see start) with
        all they started, and by the run id in their environment.
        """
        if not self.run_id:
            return 0
        not_these = set(guardian.own_children)
        killed = set()

        def adopted():
            found = guardian.adopted_orphans(self._since, not_these)
            killed.update(found)
            return found

        def by_run_id():  # reads every process's environment: a last check, not every pass
            found = guardian.processes_with_run_id(self.run_id)
            killed.update(found)
            return found

        guardian.kill_all(adopted, reap_children=False)
        guardian.kill_all(lambda: adopted() + by_run_id(), reap_children=False)
        guardian.reap_adopted(self._since, not_these)
        self.swept += len(killed)
        self.sweep_left = len(guardian.adopted_orphans(self._since, not_these)
                              + guardian.processes_with_run_id(self.run_id))
        return len(killed)

    def _readers(self) -> list:
        return [t for t in self._threads if t.name in ("gilscope-read_events", "gilscope-read_output")]

    def _finish(self, code: int, stopped: bool = False, join_s: float = 0.0) -> None:
        self._close_gates()
        if self._proc.stdin:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        guardian.own_children.discard(self._proc.pid)
        self._halt.set()
        deadline = time.monotonic() + join_s
        for t in self._readers():
            t.join(max(0.0, deadline - time.monotonic()))
        # The samplers wake at once from halt; one may be inside a reading, about to append
        # it: wait for that (a few ms), or the verdict counts fewer events than the store,
        # and a recording saved now, holds (measured: 2 CPU samples after the verdict).
        for t in self._threads:
            if t.is_alive() and t.name in ("gilscope-sample", "gilscope-run"):
                t.join(SAMPLER_JOIN_S)
        if self._tmp_dir:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
        self.t_end_ns = time.perf_counter_ns()
        self.sampler.finish(self.t_end_ns)
        self.exit_code = code
        if any(t.is_alive() for t in self._readers()):
            self.problem = ("a process of the run kept its output pipe open after the run ended "
                            "and could not be killed: what it recorded after now is not shown")
        elif self.decoder.leftover:
            self.problem = "the event stream ended in the middle of a frame"
        if stopped or code == 124:
            self.state = "stopped"
        elif code == 0:
            self.state = "finished"
        else:
            self.state = "failed"
            self.problem = self.problem or self._failure_text(code)

    def _failure_text(self, code: int) -> str:
        for msg in self.decoder.messages:
            if msg.get("type") == "error":
                return msg.get("text", "the scenario failed")
        if code < 0:  # Popen's sign for a signal: the guardian itself was killed
            return "the run's guardian was killed by signal %d; %s" % (-code, self._sweep_words())
        if code > 128:
            return "the runner was killed by signal %d" % (code - 128)
        tail = [line for line in self.output if line.strip()][-1:]
        return "the runner exited with code %d%s" % (code, (": " + tail[0]) if tail else "")

    def _sweep_words(self) -> str:
        if self.sweep_left:
            return "%d of its processes could not be killed" % self.sweep_left
        if self.swept:
            return "gilscope killed the %d processes it left" % self.swept
        return "it left no process behind"

    def _reset(self) -> None:
        self._halt = threading.Event()
        self._threads = []
        self._ended_at = None
        self.swept = self.sweep_left = 0
        self.output = collections.deque(maxlen=OUTPUT_LINES_KEPT)
        self.store = EventStore(self.capacity)
        self.decoder = StreamDecoder(self.store)
        self.exit_code, self.stop_seconds, self.problem = None, None, ""

    def _spawn(self, fn, *args) -> None:
        t = threading.Thread(target=fn, args=args, name="gilscope-" + fn.__name__.strip("_"),
                             daemon=True)
        self._threads.append(t)
        t.start()

    # -- threads -----------------------------------------------------------
    def _read_events(self, fd: int, decoder) -> None:
        try:
            while True:
                data = os.read(fd, 1 << 20)
                if not data:
                    return
                try:
                    decoder.feed(data)
                except wire.WireError as exc:  # never crash on a bad stream: say it
                    self.problem = str(exc)
                    return
        finally:
            os.close(fd)

    def _read_output(self, fd: int, output) -> None:
        with os.fdopen(fd, "rb") as f:
            for line in f:
                output.append(line.decode("utf-8", "replace").rstrip("\n"))

    def _sample(self, guardian_pid: int, halt, store) -> None:
        import psutil
        from .cpu_split import RunCpuByCore, spread, tick_ns as cpu_split_tick_ns
        psutil.cpu_percent(percpu=True)  # the first call only sets the baseline
        cores = np.arange(psutil.cpu_count() or 1, dtype=np.uint32)
        by_core = RunCpuByCore(len(cores), born_after_ns=self._since * cpu_split_tick_ns())
        known = {}
        by_core.take(self._run_pids(self._run_processes(psutil, guardian_pid), guardian_pid))
        last = time.monotonic()
        while True:
            # One more reading when the run ends (halt), for the time since the last one: a
            # run shorter than a period (or whose sampler started late, psutil's import on a
            # busy machine) had no CPU sample at all, an empty CPU plot and export counter.
            ended = halt.wait(SAMPLE_PERIOD_S)
            if ended and time.monotonic() - last < FINAL_SAMPLE_MIN_S:
                break
            last = time.monotonic()
            now = time.perf_counter_ns()
            loads = psutil.cpu_percent(percpu=True)
            procs = self._run_processes(psutil, guardian_pid)  # once a sample: a storm has hundreds
            mine_ns, period = by_core.take(self._run_pids(procs, guardian_pid))
            mine = spread(mine_ns, [x / 100.0 for x in loads], period)
            # aux: this run's (and gilscope's own) load on the core in 1/100 %, plus 1
            # (0: not measured, as in recordings made before the split).
            rows = [(now, wire.SAMPLER_PID, int(c), wire.K.CPU_SAMPLE,
                     1 + min(10000, int(round(m * 10000))), int(c), int(x * 100))
                    for c, x, m in zip(cores, loads, mine)]
            rows.extend(self._cpu_times(psutil, procs, known, now))
            store.append(np.array(rows, EVENT_DTYPE))
            if ended:
                break

    @staticmethod
    def _run_processes(psutil, guardian_pid: int) -> list:
        """Every process under the run's guardian (psutil.Process objects)."""
        try:
            return psutil.Process(guardian_pid).children(recursive=True)
        except psutil.Error:
            return []

    @staticmethod
    def _run_pids(procs: list, guardian_pid: int) -> list:
        """gilscope's own process, the run's guardian, and every process under it."""
        return [os.getpid(), guardian_pid] + [p.pid for p in procs]

    @staticmethod
    def _cpu_times(psutil, procs: list, known: dict, now: int):
        """CPU time so far of every process and thread of the run (10 ms ticks)."""
        rows = []
        for proc in procs:
            try:
                p = known.setdefault(proc.pid, proc)
                times = p.cpu_times()
                rows.append((now, p.pid, 0, wire.K.CPU_TIME, 0, 0,
                             int((times.user + times.system) * 1e9)))
                for th in p.threads():
                    rows.append((now, p.pid, 0, wire.K.CPU_TIME, 0, th.id,
                                 int((th.user_time + th.system_time) * 1e9)))
            except psutil.Error:
                continue
        return rows

    # -- results -----------------------------------------------------------
    def events(self) -> np.ndarray:
        """The events held so far (the store's own array: a view, no copy)."""
        return self.store.view()

    @property
    def strings(self) -> dict:
        """(pid, string id) -> text, as interned so far (the decoder's own table)."""
        return self.decoder.strings

    @property
    def messages(self) -> list:
        return self.decoder.messages

    def dropped(self) -> int:
        """Events dropped anywhere: in workers (pipe gone) and at the store cap."""
        return dropped_in_runner(self.decoder.messages) + self.store.dropped

    def data(self) -> RunData:
        """What the run recorded, as plain data: all of it once the run ended, what is held
        so far while it runs.  No copy: the store's array, the decoder's table and list."""
        return RunData(self.events(), self.decoder.strings, self.decoder.messages,
                       self.scenario, self.params, self.interpreter, self.state,
                       self.t_start_ns, self.t_end_ns, self.dropped(), self.problem,
                       self._output_lines())

    def _output_lines(self) -> list:
        """A copy of the raw output lines (the output thread may append while it is made)."""
        for _ in range(10):
            try:
                return list(self.output)
            except RuntimeError:  # "deque mutated during iteration": take it again
                continue
        return []

    def result(self):
        """The measured verdict of a finished run (engine.analysis.RunResult)."""
        return self.data().result()
