"""Whose CPU time each core spent: this run's (and gilscope's own), other programs', idle.
[psutil on the caller's side; this module reads /proc itself]

psutil's per-core load says how busy a core was, not for whom.  The split:
  - each thread of the run's processes (and of gilscope's own process, which draws and
    measures the run) is read at every sample: its CPU ns from /proc/PID/task/TID/schedstat
    (exact) and the core it last ran on (field 39 of .../stat);
  - a thread's CPU time since the last sample is given to that core.  A thread that moved
    between cores inside the 0.1 s gives a core more than it was busy: what a core cannot
    hold goes to the cores with busy time left, so the machine-wide sum stays exact;
  - other programs = the core's busy share less this run's.

IdleLoad is the same measure with no run: the window's warning before Run.
"""
import os
import time

SCHEDSTAT = "/proc/%d/task/%s/schedstat"
STAT = "/proc/%d/task/%s/stat"


_TICK_NS = 10 ** 9 // os.sysconf("SC_CLK_TCK")


def tick_ns() -> int:
    """ns in one clock tick, the unit of /proc's CPU times and start times."""
    return _TICK_NS


def _boot_ns() -> int:
    """Now, on the clock of /proc's start times: ns since boot."""
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME)


def _thread_reading(pid: int, tid: str):
    """(CPU ns so far, last core, start in ns since boot) of one thread; None when it is gone."""
    try:
        with open(SCHEDSTAT % (pid, tid), "rb") as f:
            on_cpu = int(f.read().split()[0])
        with open(STAT % (pid, tid), "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        # field 39 (processor), field 22 (starttime, clock ticks since boot); fields[0] is field 3
        return on_cpu, int(fields[36]), int(fields[19]) * _TICK_NS
    except (OSError, ValueError, IndexError):
        return None


def _process_reading(pid: int, children: bool):
    """(CPU ns, start in ns since boot) of a process: utime + stime of every thread it ever
    had, ended ones too, and with children=True also of its children it has waited for
    (cutime + cstime), all in whole clock ticks; None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # fields 14, 15; fields[0] is field 3
        if children:
            ticks += int(fields[13]) + int(fields[14])  # fields 16, 17
        return ticks * _TICK_NS, int(fields[19]) * _TICK_NS  # field 22: starttime
    except (OSError, ValueError, IndexError):
        return None


def spread(per_core_ns: list, busy_share: list, period_ns: int) -> list:
    """This run's share of each core (0..1) from its CPU ns given to each core, never more
    than the core's busy share: what one core cannot hold goes to cores with room left."""
    mine = [ns / period_ns if period_ns > 0 else 0.0 for ns in per_core_ns]
    out = [min(m, b) for m, b in zip(mine, busy_share)]
    excess = sum(mine) - sum(out)
    for i, b in enumerate(busy_share):
        if excess <= 0:
            break
        give = min(excess, b - out[i])
        if give > 0:
            out[i] += give
            excess -= give
    return out


class RunCpuByCore:
    """This run's CPU ns per core since the last call, from its threads' counters.

    Three kinds of this run's time a reading every 0.1 s would miss, all measured: a
    thread or process born since born_after_ns (the runner starting, a pool's workers)
    counts from its start, not from when a reading first saw it; a thread that ended
    between two readings left its time in its process's total (/proc/PID/stat utime +
    stime); a process that ended left its whole total in its parent's children's total
    (cutime + cstime; the run's guardian reaps every orphan), less what readings already
    counted of it.  That time, run-wide, is spread over the cores evenly (spread() keeps
    each core within its busy share).  Missed, all three were counted as other programs'
    load: a quiet machine's `race` (threads of 0.05 s) headlined "other programs took 58%
    of the CPU", `shared-globals` (processes of 0.05 s) 35%."""

    def __init__(self, n_cores: int, born_after_ns: int = None) -> None:
        self.n_cores = n_cores
        self._last = {}  # (pid, tid) -> CPU ns at the last reading
        self._process = {}  # pid -> its whole CPU ns (children's too) at the last reading
        self._t = time.perf_counter_ns()
        # threads and processes that start after this (ns since boot) are wholly this run's
        self._born_after = _boot_ns() if born_after_ns is None else born_after_ns

    def _born(self, started_ns: int) -> bool:
        """Whether a start time read from /proc (whole clock ticks, rounded down) may lie
        after born_after: one started within the tick before it counts too (CI saw a thread
        started after the first reading listed 10 ms before it, and its time went uncounted)."""
        return started_ns + _TICK_NS > self._born_after

    def take(self, pids) -> tuple:
        """([ns per core], ns since the last call) over every thread of pids, gilscope's own
        process (whose children's time is not the run's) among them."""
        now = time.perf_counter_ns()
        per_core = [0] * self.n_cores
        seen, processes = {}, {}
        gone = 0  # ended threads' and ended processes' ns since the last reading, run-wide
        me = os.getpid()
        for pid in pids:
            try:
                tids = os.listdir("/proc/%d/task" % pid)
            except OSError:
                continue
            live = 0
            for tid in tids:
                reading = self._last_reading(pid, tid)
                if reading is None:
                    continue
                on_cpu, core, started = reading
                key = (pid, tid)
                before = self._last.get(key, 0 if self._born(started) else None)
                seen[key] = on_cpu
                if before is not None and 0 <= core < self.n_cores and on_cpu > before:
                    per_core[core] += on_cpu - before
                    live += on_cpu - before
            reading = _process_reading(pid, children=pid != me)
            if reading is None:
                continue
            total, started = reading
            processes[pid] = total
            before = self._process.get(pid, 0 if self._born(started) else None)
            if before is not None:
                gone += total - before - live
        for pid, total in self._process.items():
            if pid not in processes:
                gone -= total  # counted already; its parent's children's total now holds it
        # whole clock ticks: each process's total is up to a tick short, so only past two
        if gone > 2 * _TICK_NS:
            for core in range(self.n_cores):
                per_core[core] += gone // self.n_cores
        self._last, self._process = seen, processes  # an old thread first seen counts from now
        period, self._t = now - self._t, now
        return per_core, period

    _last_reading = staticmethod(_thread_reading)


class IdleLoad:
    """How many cores other programs keep busy lately, while no run goes (psutil).

    Every sample(): the machine's busy cores since the last sample, less gilscope's own
    process's CPU time in that time.  other_cores() averages the last window_s."""

    def __init__(self, psutil, window_s: float = 2.0) -> None:
        self._psutil = psutil
        self._me = psutil.Process()
        self.window_s = window_s
        self.n_cores = psutil.cpu_count() or 1
        self._samples = []  # (monotonic time, seconds covered, other programs' busy core-seconds)
        self._times = psutil.cpu_times()
        self._own = self._own_cpu_s()
        self._t = time.monotonic()

    def _own_cpu_s(self) -> float:
        t = self._me.cpu_times()
        return t.user + t.system

    def sample(self) -> None:
        now = time.monotonic()
        times, own = self._psutil.cpu_times(), self._own_cpu_s()
        busy = _busy_s(self._times, times)
        elapsed = now - self._t
        if elapsed > 0:
            self._samples.append((now, elapsed, max(0.0, busy - (own - self._own))))
        self._times, self._own, self._t = times, own, now
        self._samples = [s for s in self._samples if s[0] >= now - self.window_s]

    def other_cores(self):
        """Cores other programs kept busy over the last window (None before two samples)."""
        covered = sum(s[1] for s in self._samples)
        if covered <= 0:
            return None
        return sum(s[2] for s in self._samples) / covered


def _busy_s(before, after) -> float:
    """CPU-seconds all cores spent busy between two psutil.cpu_times() readings."""
    idle = ((after.idle - before.idle) + (getattr(after, "iowait", 0.0) - getattr(before, "iowait", 0.0)))
    total = sum(after) - sum(before)
    # guest time is counted inside user time too (Linux): psutil's sum counts it twice
    total -= (getattr(after, "guest", 0.0) - getattr(before, "guest", 0.0))
    total -= (getattr(after, "guest_nice", 0.0) - getattr(before, "guest_nice", 0.0))
    return max(0.0, total - idle)
