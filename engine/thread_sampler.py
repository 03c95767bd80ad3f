"""Measured thread states: /proc schedstat read from the Session side, joined with probe labels.  [numpy]

Why: a probe inside the program can say "I am blocked on a lock", but not
"another thread holds the GIL" or "the OS gave my core to someone else" — a
thread cannot observe the time it does not run.  The kernel can:
``/proc/PID/task/TID/schedstat`` holds, per thread, the cumulative ns it spent
on a CPU and the ns it spent runnable on a run queue.  This module reads it for
every recorded thread of the run, from the Session's process (the runner's
threads do nothing extra), every PERIOD_S, and turns each window between two
readings into measured states:

* on a CPU for the window's on-CPU ns                          -> running
* runnable, waiting for a core, for the window's run-queue ns  -> pre-empted
  (pre-empted while holding the GIL: on a GIL build, while the process's threads
  want the GIL, for the part of the window none of them spent on a CPU: one of
  them held it; the thread that ran last first)
* the rest, off CPU: the probe's label if it recorded one (lock, queue, join,
  I/O, sleep, idle, done); otherwise, on a GIL build with another thread of
  the process wanting to run, a wait for the GIL; otherwise "idle".

Within a window the threads of one process take their on-CPU time in turn, the
one that ran last before first: with one GIL they cannot run Python at once, so
drawing them side by side would show an overlap that did not happen.  The
window's figures are exact; their order inside a ~3 ms window is a layout.

It also drains the processes' shared-memory rings (engine/ring.py) on the same
tick, so probe labels arrive within a tick; measured states are emitted LAG_NS
behind, once every label for their window has arrived.  A thread whose
counters cannot be read (gone, or no /proc) keeps its probe's states.
Results go into the Session's EventStore as ``measured_state`` events.
"""
import bisect
import os
import shutil
import tempfile
import threading
import time

import numpy as np

from . import ring, wire
from .decode import EVENT_DTYPE
from .wire import K, S

PERIOD_S = 0.003       # ~330 readings a second: at 1 ms the readings took the GIL from the
                       # window's GUI thread (docs/ARCHITECTURE.md, "Reading rate")
LAG_NS = 80_000_000    # a probe label is flushed at once (recorder.state); 80 ms is ample
PROCESS_EVERY_S = 0.02
SCAN_EVERY_S = 0.005   # new processes' rings (a listdir: ~10-25 us)
DRAIN_ROUNDS = 64      # ring.TAKE_LIMITs of each ring a tick takes at most (64 MiB: a whole ring)
MODE_MARKER = 0xFF     # b of the measured_state event that says "this run's lanes are measured"
BLOCKING = frozenset((S.LOCK_WAIT, S.QUEUE_WAIT, S.JOIN_WAIT, S.IO_WAIT, S.SLEEPING, S.IDLE,
                      S.DONE, S.GATE_WAIT))
LANE_SOURCE = (K.WORKER_START, K.STATE, K.WORKER_EXIT)


def supported() -> bool:
    return os.path.exists("/proc/self/task/%d/schedstat" % threading.get_native_id())


def make_ring_dir(run_id: str = "") -> str:
    """A private directory on tmpfs for this run's rings ("" if there is none).  Named by the
    run's id: the guardian removes it if the Session's process dies first."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    if base is None:
        return ""
    try:
        return tempfile.mkdtemp(prefix="gilscope-rings-%s-" % run_id, dir=base)
    except OSError:
        return ""


def place_on_cpu(rows: list, cursor: int) -> tuple:
    """Where each window's time on a CPU is drawn: [(a, b, cpu ns, may overlap ns)] ->
    (starts, drawn ns).

    The windows of one layout end together but may begin apart (a thread's first window
    begins at its start; the others' at the previous reading).  On a GIL build the threads'
    times must not be drawn at once: first in the order given, each after the one before
    (the thread that ran last goes on); if that would push one past its window's end,
    packed back from the end instead, the latest-starting window nearest it, which fits
    whenever any order does.  What still does not fit is more CPU time than the windows
    hold: the kernel's counters lag a running thread by up to a scheduler tick, so a
    reading can hand a window time that was spent before it.  Of that, a row's "may
    overlap" ns (time its probe spent in I/O, where a thread is on a CPU without the GIL;
    all of it on a build without a GIL) is drawn overlapping; the rest is not drawn and is
    counted (``ThreadSampler.unplaced_ns``), never shown as two threads running Python.
    """
    starts, lengths, pushed = _forward(rows, range(len(rows)), cursor)
    if not pushed:
        return starts, lengths
    starts, lengths, pushed = _forward(rows, range(len(rows)), cursor, cut=True)
    if pushed:
        back_starts, back_lengths = _backward(rows, cursor)
        if sum(back_lengths) > sum(lengths):
            starts, lengths = back_starts, back_lengths
    for i, (a, b, d, may) in enumerate(rows):
        extra = min(d - lengths[i], may)
        if extra > 0:  # grown over its neighbours, inside its own window
            lengths[i] += extra
            starts[i] = max(min(starts[i], b - lengths[i]), a)
    return starts, lengths


def _backward(rows: list, cursor: int) -> tuple:
    """Packed back from the end, the latest-starting window nearest it: (starts, lengths)."""
    starts, lengths = [0] * len(rows), [0] * len(rows)
    end = max(b for _, b, _, _ in rows)
    for i in sorted(range(len(rows)), key=lambda i: (-rows[i][0], i)):
        a, b, d, _ = rows[i]
        limit = min(end, b)
        starts[i] = min(max(limit - d, a, cursor), b)
        lengths[i] = max(min(d, limit - starts[i]), 0)
        if lengths[i] > 0:
            end = min(end, starts[i])
    return starts, lengths


def _forward(rows: list, chosen, cursor: int, cut: bool = False) -> tuple:
    """Each row after the one before, inside its window: (starts, lengths, pushed).

    pushed: a row had to start before the one before ended (cut=False), or could not be
    drawn whole (cut=True: drawn for what fits; pushed says a backward pass may do better)."""
    starts, lengths = [0] * len(rows), [0] * len(rows)
    pushed, at = False, cursor
    for i in chosen:
        a, b, d, _ = rows[i]
        s = max(at, a)
        if cut:
            starts[i], lengths[i] = min(s, b), max(min(d, b - s), 0)
            pushed = pushed or lengths[i] < d
        else:
            starts[i], lengths[i] = min(s, b - d), d
            pushed = pushed or (d > 0 and starts[i] < s)
        if lengths[i] > 0:
            at = starts[i] + lengths[i]
    return starts, lengths, pushed


class _Lane:
    __slots__ = ("pid", "worker", "tid", "fd", "t_start", "t_exit", "probe_t", "probe_s",
                 "last", "until", "last_reading", "pending", "first_cpu", "exit_cpu", "carry")

    def __init__(self, pid, worker, tid, t_start):
        self.pid, self.worker, self.tid, self.t_start = pid, worker, tid, t_start
        self.fd = None
        self.t_exit = None
        self.probe_t, self.probe_s = [t_start], [S.RUNNING]  # the probe's state changes
        self.last = None        # the last state emitted
        self.until = t_start    # emitted up to here
        self.last_reading = None  # (t, cpu ns, run-queue ns) of the latest reading
        self.pending = []         # [a, b, cpu ns, run-queue ns] windows not laid out yet
        self.first_cpu = None     # (CPU ns, t) where the laid-out windows begin (a baseline)
        self.exit_cpu = 0         # CPU ns the thread took of itself as it ended (0: not known)
        self.carry = [0, 0]       # CPU, run-queue ns no earlier window had room for: the next

    def probe_add(self, t, state):
        i = bisect.bisect_right(self.probe_t, t)
        self.probe_t.insert(i, t)
        self.probe_s.insert(i, state)

    def probe_at(self, t):
        return self.probe_s[max(bisect.bisect_right(self.probe_t, t) - 1, 0)]

    def blocking_in(self, a, b):
        """(the blocking label with most time in [a, b), its ns, ns of any blocking label,
        ns labelled I/O)."""
        i = max(bisect.bisect_right(self.probe_t, a) - 1, 0)
        best, best_ns, total = None, 0, 0
        per = {}
        n = len(self.probe_t)
        while i < n and self.probe_t[i] < b:
            s0 = max(self.probe_t[i], a)
            s1 = min(self.probe_t[i + 1] if i + 1 < n else b, b)
            st = self.probe_s[i]
            if st in BLOCKING and s1 > s0:
                per[st] = per.get(st, 0) + s1 - s0
                total += s1 - s0
                if per[st] > best_ns:
                    best, best_ns = st, per[st]
            i += 1
        return best, best_ns, total, per.get(S.IO_WAIT, 0)

    def trim(self, before):
        """Forget probe changes no window will ask about again (keep the one in force)."""
        i = bisect.bisect_right(self.probe_t, before) - 1
        if i > 0:
            del self.probe_t[:i]
            del self.probe_s[:i]


class ThreadSampler:
    """Drains a run's rings and measures its threads' states (one thread, Session-owned)."""

    def __init__(self, session, ring_dir: str, measure: bool = True) -> None:
        self.session = session
        self.ring_dir = ring_dir
        self.measure = measure and supported()
        self.gil = True            # until the runner's hello says otherwise
        self.readers = {}          # ring path -> RingReader
        self.lanes = {}            # (pid, worker) -> _Lane
        self.ticks = 0
        self._finished = False     # finish() ran: the rings are closed, no tick may read them
        self.busy_ns = 0           # CPU time this thread's ticks took (its cost, reported)
        self.unplaced_ns = 0       # counted CPU time no window had room for (place_on_cpu)
        self.stop_read = False     # Stop was asked: the counters were read for the last time
        self._seen = 0             # store events already looked at
        self._out = []             # measured_state rows not yet in the store
        self._ticks = []           # reading times whose windows are not laid out yet
        self._ran_last = {}        # pid -> the worker last drawn on a CPU
        self._cursor = {}          # pid -> when the last time drawn on a CPU ends
        self._proc_cpu = {}        # window end -> {pid: its threads' CPU ns in that window}
        self._last_scan = 0.0
        self._last_process = 0.0
        self._last_learn = 0.0
        self._lock = threading.Lock()  # run() and finish() never interleave

    # -- the loop --------------------------------------------------------------------
    def start_marker(self, t: int) -> None:
        """The first event of the run: its lanes are measured_state, not the probe's state."""
        if self.measure:
            self.session.store.append(np.array([(t, wire.SAMPLER_PID, 0, K.MEASURED_STATE, 0,
                                                 MODE_MARKER, 0)], EVENT_DTYPE))

    def run(self, halt: threading.Event) -> None:
        """Tick every PERIOD_S on a fixed schedule (a tick's own time and the wake-up's lateness
        are not added to the period); a tick that ends late is
        followed by the next after at least a quarter period, never a burst to catch up."""
        cpu, now = time.thread_time_ns, time.perf_counter_ns
        period = int(PERIOD_S * 1e9)
        due = now() + period
        while not halt.wait(max(due - now(), 0) / 1e9):
            c0 = cpu()
            with self._lock:
                if self._finished:  # finish() took the rest and closed the rings
                    return
                self._tick(now())
            self.busy_ns += cpu() - c0
            self.ticks += 1
            due = max(due + period, now() + period // 4)

    def _tick(self, now: int) -> None:
        mono = time.monotonic()
        if mono - self._last_scan > SCAN_EVERY_S:
            self._scan()
            self._last_scan = mono
        if self._drain() or mono - self._last_learn > SCAN_EVERY_S:
            self._learn()
            self._last_learn = mono
        if self.measure and not self.stop_read:
            self._read(time.perf_counter_ns())
        if mono - self._last_process > PROCESS_EVERY_S:
            self._emit(now - LAG_NS)
            self._last_process = mono

    def read_before_stop(self) -> None:
        """Stop was asked: read every thread's counters now, for the last time.

        What they count after this is the killing (a process's exit work runs on its own
        threads' CPU time): read later, a thread blocked on a lock until Stop was drawn
        running at the end.  Rings are still drained until the run is over."""
        with self._lock:
            if self._finished or not self.measure or self.stop_read:
                return
            self._read(time.perf_counter_ns())
            self.stop_read = True

    def finish(self, t_end: int) -> None:
        """The run is over (every process gone): take the rest, lay out everything, clean up."""
        with self._lock:
            self._finished = True
            self._scan()
            self._drain(rounds=None)  # every frame left, a ring.TAKE_LIMIT at a time
            self._learn()
            for lane in self.lanes.values():
                if lane.fd is not None:
                    os.close(lane.fd)
                    lane.fd = None
            self._emit(t_end, final=True)
            for reader in self.readers.values():
                reader.close()
            if self.ring_dir:
                shutil.rmtree(self.ring_dir, ignore_errors=True)

    def kernel_cpu_ns(self) -> dict:
        """(pid, worker) -> (ns on a CPU by the kernel's count, from, to): over the time this
        module laid out from readings (a thread: from its start; a process's main thread,
        counted since its fork: from its first reading) to its last reading."""
        out = {}
        for key, lane in self.lanes.items():
            if lane.last_reading is not None and lane.first_cpu is not None:
                out[key] = (lane.last_reading[1] - lane.first_cpu[0], lane.first_cpu[1],
                            lane.last_reading[0])
        return out

    def ring_refused(self) -> int:
        """Events a full ring refused (the recorder wrote them to the pipe instead)."""
        return sum(r.dropped for r in self.readers.values())

    # -- transport -----------------------------------------------------------------
    def _scan(self) -> None:
        if not self.ring_dir:
            return
        try:
            names = os.listdir(self.ring_dir)
        except OSError:
            return
        for name in names:
            path = os.path.join(self.ring_dir, name)
            if name.endswith(ring.SUFFIX) and path not in self.readers:
                try:
                    self.readers[path] = ring.RingReader(path)
                except (OSError, ValueError):
                    continue

    def _drain(self, rounds: int = DRAIN_ROUNDS) -> bool:
        """Decode what every ring holds (at most rounds x ring.TAKE_LIMIT bytes of each: the
        rest at the next tick; rounds None: all of it); True if anything came.

        The threads' rings are taken before the string rings: a string is written before
        any event that names it, so every name the events taken here use is in what the
        string rings hold by then; strings are decoded first.  A round takes at most
        ring.TAKE_LIMIT bytes of each ring, so a backlog (a busy Session, the end of a
        run) is never copied whole."""
        got = False
        done = 0
        while rounds is None or done < rounds:
            done += 1
            readers = list(self.readers.items())
            events = [r.take(ring.TAKE_LIMIT) for path, r in readers
                      if not ring.is_strings_ring(path)]
            strings = [r.take() for path, r in readers if ring.is_strings_ring(path)]
            came = False
            for data in strings + events:
                if data:
                    came = True
                    try:
                        self.session.decoder.feed_frames(data)
                    except wire.WireError as exc:
                        self.session.problem = str(exc)
            got = got or came
            # A take short of the limit emptied its ring: another round only if one did not.
            if not any(len(data) > ring.TAKE_LIMIT - wire.MAX_FRAME for data in events):
                break
            del events, strings
        return got

    # -- lanes and their probe labels -------------------------------------------------
    def _learn(self) -> None:
        ev = self.session.store.view()[self._seen:]
        self._seen += len(ev)
        if not len(ev):
            return
        ev = ev[np.isin(ev["kind"], LANE_SOURCE) & (ev["pid"] != wire.SAMPLER_PID)]
        for e in ev:
            key = (int(e["pid"]), int(e["worker"]))
            kind, t = int(e["kind"]), int(e["t"])
            lane = self.lanes.get(key)
            if kind == K.WORKER_START:
                if lane is None:
                    lane = self.lanes[key] = _Lane(key[0], key[1], int(e["a"]), t)
                    self._open(lane)
                continue
            if lane is None:  # a state before its start event: a lane all the same
                lane = self.lanes[key] = _Lane(key[0], key[1], 0, t)
            if kind == K.WORKER_EXIT:
                lane.t_exit = t
                lane.exit_cpu = int(e["b"]) * 1000
                lane.probe_add(t, S.DONE)
            else:
                lane.probe_add(t, int(e["b"]))
        if self.gil:
            for msg in self.session.decoder.messages:
                info = msg.get("interpreter") if msg.get("type") == "hello" else None
                if info:
                    self.gil = bool(info.get("gil_enabled", True))

    def _open(self, lane: _Lane) -> None:
        if not self.measure or lane.tid <= 0:
            return
        try:
            lane.fd = os.open("/proc/%d/task/%d/schedstat" % (lane.pid, lane.tid), os.O_RDONLY)
        except OSError:
            lane.fd = None

    # -- measuring ----------------------------------------------------------------------
    def _read(self, t: int) -> None:
        """One reading of every live thread's counters, all stamped t (one window per process)."""
        fresh = {}  # pid -> lanes with a new window ending at t
        for lane in self.lanes.values():
            if lane.fd is None:
                continue
            try:
                on_cpu, queued, _ = os.pread(lane.fd, 96, 0).split()
                on_cpu, queued = int(on_cpu), int(queued)
            except (OSError, ValueError):  # the thread is gone
                os.close(lane.fd)
                lane.fd = None
                continue
            prev = lane.last_reading
            a = lane.until if prev is None else prev[0]
            if prev is None:
                lane.first_cpu = ((on_cpu, t) if lane.worker == wire.PROCESS_WORKER
                                  else (0, lane.t_start))
            if prev is None and lane.worker == wire.PROCESS_WORKER:
                # A process's main thread counted from its fork, long before its start event:
                # this first reading is the baseline; until it, the probe's state stands.
                self._probe_only(lane, t)
            elif t > a:
                lane.pending.append([a, t, on_cpu - (prev[1] if prev else 0) + lane.carry[0],
                                     queued - (prev[2] if prev else 0) + lane.carry[1]])
                lane.carry = [0, 0]
                fresh.setdefault(lane.pid, []).append(lane)
            lane.last_reading = (t, on_cpu, queued)
        for pid, lanes in fresh.items():
            self._backfill(pid, lanes, t)
        if fresh:
            self._ticks.append(t)

    def _backfill(self, pid: int, lanes: list, t: int) -> None:
        """Give the time a window cannot hold back to the windows before it.

        The kernel adds to a thread's counters at a context switch or a scheduler tick
        (every 4 ms at HZ=250), not continuously: a thread on a CPU for 3 ms shows 0, 0, 0,
        then 4 ms.  The surplus of the last window belongs to the windows before it that
        showed nothing; moved back, the totals stay exact.  On a GIL build the threads of
        a process run Python one at a time, so a window's room is also what the process's
        other threads left of it.  What finds no room stays (drawn overlapping: time on a
        CPU without the GIL, in a system call, is real overlap).
        """
        used = self._proc_cpu.setdefault(t, {})
        for lane in lanes:
            w = lane.pending[-1]
            dt = w[1] - w[0]
            cpu_rest = max(w[2] - dt, 0)
            w[2] -= cpu_rest
            queued_rest = max(w[3] - (dt - w[2]), 0)
            w[3] -= queued_rest
            if self.gil:  # what the process's threads already fill of this window
                over = max(used.get(pid, 0) + w[2] - dt, 0)
                w[2] -= over
                cpu_rest += over
            used[pid] = used.get(pid, 0) + w[2]
            for old in reversed(lane.pending[:-1]):
                if not cpu_rest and not queued_rest:
                    break
                length = old[1] - old[0]
                room = length - old[2] - old[3]
                if room <= 0:
                    continue
                earlier = self._proc_cpu.setdefault(old[1], {})
                give = min(room, cpu_rest)
                if self.gil:
                    give = min(give, max(length - earlier.get(pid, 0), 0))
                old[2] += give
                earlier[pid] = earlier.get(pid, 0) + give
                cpu_rest -= give
                give = min(room - give, queued_rest)
                old[3] += give
                queued_rest -= give
            # No room before: the next window takes it (the total stays exact, drawn a little
            # late); a thread's last window keeps it (drawn overlapping: on a CPU without the
            # GIL, in a system call, is real overlap).
            if lane.fd is None:
                w[2] += cpu_rest
                w[3] += queued_rest
                used[pid] += cpu_rest
            else:
                lane.carry = [cpu_rest, queued_rest]

    def _emit(self, horizon: int, final: bool = False) -> None:
        """Lay out every reading window that ends before horizon; probe labels elsewhere."""
        groups = {}  # (window end, pid) -> lanes whose next window ends there
        for lane in self.lanes.values():
            if (self.measure and lane.fd is None and lane.last_reading is None
                    and lane.t_exit is not None and lane.exit_cpu > 0
                    and lane.worker != wire.PROCESS_WORKER):
                # Began and ended between two readings: its one window is its life, and the
                # CPU time it took as it ended is all of it (a thread's count starts at zero).
                lane.last_reading = (lane.t_start, 0, 0)
                lane.first_cpu = (0, lane.t_start)
            if (lane.fd is None and lane.last_reading is not None and lane.t_exit is not None
                    and lane.last_reading[0] < lane.t_exit):
                # Gone since its last reading: the window to its end, from the CPU time it
                # took as it ended (the kernel's run-queue time of that window is lost).
                t_last, cpu_last, queued_last = lane.last_reading
                cpu_end = lane.exit_cpu if lane.exit_cpu >= cpu_last else cpu_last
                lane.pending.append([t_last, lane.t_exit, cpu_end - cpu_last + lane.carry[0],
                                     lane.carry[1]])
                lane.carry = [0, 0]
                lane.last_reading = (lane.t_exit, cpu_end, queued_last)
                self._backfill(lane.pid, [lane], lane.t_exit)
            for w in lane.pending:
                if w[1] > horizon and not final:
                    break
                groups.setdefault((w[1], lane.pid), []).append(lane)
        for (t, pid) in sorted(groups):
            self._layout(pid, [self._row(lane, *lane.pending.pop(0)) for lane in groups[(t, pid)]])
        while self._ticks and (final or self._ticks[0] <= horizon):
            self._ticks.pop(0)
        for t in [t for t in self._proc_cpu if t <= horizon or final]:
            del self._proc_cpu[t]
        for lane in self.lanes.values():
            # Not measured: the probe's own states, up to the horizon.  A thread measured
            # until it ended waits for its exit event (above), unless the run is over.
            if (final and self.measure and lane.fd is None and not lane.pending
                    and lane.last_reading is not None and lane.t_exit is None):
                # Its counters vanished with no exit event: killed (Stop, or its process
                # died). It ended within a reading of its last one; its probe, killed too,
                # would say "running" up to the end of the run.
                self._put(lane, lane.until, S.DONE)
                lane.until = max(lane.until, horizon)
            elif lane.fd is None and not lane.pending and (lane.last_reading is None or final):
                self._probe_only(lane, horizon)
            lane.trim(lane.until)
        if self._out:
            rows = np.array(self._out, EVENT_DTYPE)
            self._out = []
            self.session.store.append(rows[np.argsort(rows["t"], kind="stable")])

    @staticmethod
    def _row(lane, a, b, d_cpu, d_q):
        end = b if lane.t_exit is None else min(b, lane.t_exit)
        label, label_ns, blocked_ns, io_ns = (lane.blocking_in(a, end) if end > a
                                              else (None, 0, 0, 0))
        return [lane, a, end, max(d_cpu, 0), max(d_q, 0), label, label_ns, blocked_ns, io_ns]

    def _layout(self, pid: int, rows: list) -> None:
        rows = [r for r in rows if r[2] > r[1]]
        if not rows:
            return
        # A thread that is not fully blocked by its probe wants the GIL (or holds it).
        wanting = [r for r in rows if r[7] < r[2] - r[1]]
        last = self._ran_last.get(pid)
        rows.sort(key=lambda r: (r[0].worker != last, r[1], r[0].worker))
        # Where the next thread's time on a CPU may begin: after the last one drawn in this
        # process, across windows (a thread's first window is longer than the others').
        cursor = max(min(r[1] for r in rows), self._cursor.get(pid, 0))
        # Time in I/O is the one blocking call that keeps a thread on a CPU without the GIL
        # for long (copying, the disk, a pipe); a lock, queue, join or sleep wait does not.
        starts, drawn = place_on_cpu([(r[1], r[2], min(r[3], r[2] - r[1]),
                                       r[8] if self.gil else r[2] - r[1]) for r in rows], cursor)
        # Time the process's threads wanted the GIL but none of them ran is time one of them
        # held it while the OS ran something else (py-spy, reading the interpreter's own GIL
        # holder, found it held 99.7 % of the time in gil at load 15, where the rule "only
        # when the others took no CPU at all" drew 30 % of it as nobody's): in the order
        # laid out (the thread that ran last first), each wanting thread's runnable time,
        # outside a blocking call, is pre-empted while holding the GIL up to what is left
        # of its window after every thread's time on a CPU; the rest is plain pre-empted.
        drawn_cpu = sum(drawn)
        held_ns = 0
        for (lane, a, b, d_cpu, d_q, label, label_ns, blocked_ns, _), placed, d_drawn in zip(
                rows, starts, drawn):
            dt = b - a
            self.unplaced_ns += min(d_cpu, dt) - d_drawn
            d_cpu = d_drawn
            d_q = min(d_q, dt - d_cpu)
            off = dt - d_cpu - d_q
            others_want = any(r[0] is not lane for r in wanting)
            inside_call = label is not None and blocked_ns >= dt - d_cpu
            if label is not None and (label_ns * 2 >= off or blocked_ns >= off):
                off_state = label
            elif self.gil and others_want:
                off_state = S.GIL_WAIT
            else:
                off_state = S.IDLE
            # Runnable time is the OS's doing, unless the whole window but its time on a CPU
            # was inside a blocking call (woken by a lock's release, say, and waiting for a
            # core to return from acquire()): then it is part of that wait.
            q_state = label if inside_call else S.PREEMPTED
            hold = 0
            if self.gil and others_want and not inside_call:
                hold = max(min(d_q, dt - drawn_cpu - held_ns), 0)
                held_ns += hold
            start = placed - a
            q_after = min(d_q, dt - start - d_cpu)
            q_before = min(d_q - q_after, start)
            hold_after = min(hold, q_after)  # held next to its time on a CPU
            hold_before = min(hold - hold_after, q_before)
            segments = ((off_state, start - q_before), (q_state, q_before - hold_before),
                        (S.PREEMPTED_GIL, hold_before), (S.RUNNING, d_cpu),
                        (S.PREEMPTED_GIL, hold_after), (q_state, q_after - hold_after),
                        (off_state, dt - start - d_cpu - q_after))
            t = a
            for state, length in segments:
                if length > 0:
                    self._put(lane, t, state)
                    t += length
            lane.until = b
            if d_cpu > 0 and a + start + d_cpu >= cursor:  # the one drawn last runs on
                cursor = a + start + d_cpu
                self._ran_last[pid] = lane.worker
        self._cursor[pid] = cursor

    def _probe_only(self, lane: _Lane, end: int) -> None:
        if end <= lane.until:
            return
        i = max(bisect.bisect_right(lane.probe_t, lane.until) - 1, 0)
        self._put(lane, lane.until, lane.probe_s[i])
        for t, st in zip(lane.probe_t[i + 1:], lane.probe_s[i + 1:]):
            if t >= end:
                break
            self._put(lane, t, st)
        lane.until = end

    def _put(self, lane: _Lane, t: int, state: int) -> None:
        if state == lane.last or (lane.t_exit is not None and t >= lane.t_exit):
            return
        lane.last = state
        self._out.append((t, lane.pid, lane.worker, K.MEASURED_STATE, 0, state, 0))
