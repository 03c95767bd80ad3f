"""Per-core split of CPU load (this run / other programs / idle) and what verdicts say of it
(issue 13, part 4).  No display, no run: synthetic samples and this test's own threads."""
import collections
import os
import threading
import time

import numpy as np
import pytest

from engine import analysis, cpu_split, verdict_labels
from engine.decode import EVENT_DTYPE
from engine.scenarios.base import Verdict, text
from engine.wire import K, S


# -- spreading a run's CPU time over the cores ---------------------------------------
@pytest.mark.parametrize("ns, busy, expected", [
    ([50, 20], [0.9, 0.5], [0.5, 0.2]),          # fits: as measured
    ([100, 0], [0.6, 0.9], [0.6, 0.4]),          # core 0 cannot hold it: the rest to core 1
    ([100, 100], [0.5, 0.5], [0.5, 0.5]),        # never more than a core was busy
    ([0, 0], [0.7, 0.1], [0.0, 0.0]),            # other programs only
])
def test_spread_keeps_each_core_within_its_busy_share(ns, busy, expected):
    got = cpu_split.spread(ns, busy, 100)
    assert got == pytest.approx(expected)
    assert all(g <= b + 1e-9 for g, b in zip(got, busy))


def test_run_cpu_by_core_counts_this_process_threads():
    by_core = cpu_split.RunCpuByCore(os.cpu_count() or 1)
    by_core.take([os.getpid()])
    stop = time.monotonic() + 0.3
    while time.monotonic() < stop:  # this thread burns ~0.3 s of CPU (less under load)
        pass
    per_core, period = by_core.take([os.getpid()])
    assert period >= 0.3e9
    assert 0 < sum(per_core) <= period * 1.05 + 20e6  # one thread: at most one core's time
    assert by_core.take([2 ** 22 + 12345])[0] == [0] * by_core.n_cores  # no such process


def _burn_cpu(seconds: float, done: list, then: threading.Event = None) -> None:
    """Burn `seconds` of this thread's CPU time (bounded by 20 s of wall time), then wait."""
    start, wall = time.thread_time(), time.monotonic() + 20
    while time.thread_time() - start < seconds and time.monotonic() < wall:
        pass
    done.append(time.thread_time() - start)
    if then is not None:
        then.wait(20)


def test_a_thread_born_after_the_first_reading_counts_from_its_start():
    # the runner's start and a pool's workers: first seen by a reading 0.1 s after they began
    by_core = cpu_split.RunCpuByCore(os.cpu_count() or 1)
    by_core.take([os.getpid()])
    burned, release = [], threading.Event()
    worker = threading.Thread(target=_burn_cpu, args=(0.08, burned, release))
    worker.start()
    while not burned:
        time.sleep(0.005)
    try:
        per_core, _ = by_core.take([os.getpid()])  # the worker's first reading
    finally:
        release.set()
        worker.join()
    assert sum(per_core) / 1e9 >= burned[0] * 0.9  # before: 0, counted from this reading on


def test_a_thread_that_ended_between_two_readings_is_counted():
    # race's threads live 0.05 s: they end between two readings 0.1 s apart
    by_core = cpu_split.RunCpuByCore(os.cpu_count() or 1)
    by_core.take([os.getpid()])
    burned = []
    worker = threading.Thread(target=_burn_cpu, args=(0.1, burned))
    worker.start()
    worker.join()
    per_core, _ = by_core.take([os.getpid()])
    # from the process's total, in whole clock ticks: up to two short at each end
    assert sum(per_core) / 1e9 >= burned[0] - 3 * cpu_split._TICK_NS / 1e9  # before: 0


def test_a_run_s_processes_are_counted_once_whether_seen_alive_or_not():
    # shared-globals' readers and writers live 0.05 s: some end unseen, some are seen alive
    # and then reaped; every ns of the run counts once (its total: the parent's utime +
    # stime + its waited-for children's, all in whole clock ticks)
    import subprocess
    import sys
    import psutil
    burn = "import time\ns = time.thread_time()\nwhile time.thread_time() - s < %g: pass"
    parent_code = ("import subprocess, sys, time\n"
                   "for seconds in (0.03, 0.2, 0.03):\n"
                   "    subprocess.run([sys.executable, '-c', %r %% seconds])\n"
                   "time.sleep(30)" % burn)
    born_after = cpu_split._boot_ns() - cpu_split.tick_ns()
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    try:
        by_core = cpu_split.RunCpuByCore(os.cpu_count() or 1, born_after_ns=born_after)
        counted, deadline = 0, time.monotonic() + 60
        while time.monotonic() < deadline:
            me = psutil.Process(parent.pid)
            counted += sum(by_core.take([parent.pid] + [c.pid for c in me.children(recursive=True)])[0])
            ticks = open("/proc/%d/stat" % parent.pid).read().rsplit(")", 1)[1].split()
            if int(ticks[13]) + int(ticks[14]) > 0 and not me.children() and me.status() == "sleeping":
                break  # the three children ended and were waited for
            time.sleep(0.05)
        counted += sum(by_core.take([parent.pid])[0])
        total = cpu_split._process_reading(parent.pid, children=True)[0]
    finally:
        parent.kill()
        parent.wait()
    assert total >= 0.2e9
    # each reading's leftover under two ticks is not counted; nothing is counted twice
    assert total - 4 * cpu_split.tick_ns() <= counted <= total + 4 * cpu_split.tick_ns()


def test_thread_reading_names_a_real_core():
    on_cpu, core, started = cpu_split._thread_reading(os.getpid(), str(threading.get_native_id()))
    assert on_cpu > 0 and 0 <= core < (os.cpu_count() or 1)
    assert 0 < started <= cpu_split._boot_ns()


class _FakePsutil:
    """cpu_times() of the machine and of this process, advanced by the test."""
    Times = collections.namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
    Own = collections.namedtuple("Own", "user system")

    def __init__(self):
        self.machine = [0.0] * 10
        self.own = 0.0

    def cpu_count(self):
        return 2

    def cpu_times(self):
        return self.Times(*self.machine)

    def Process(self):  # noqa: N802 (psutil's name)
        fake = self

        class _Me:
            def cpu_times(self):
                return fake.Own(fake.own, 0.0)
        return _Me()


def test_idle_load_counts_other_programs_not_gilscope():
    fake = _FakePsutil()
    load = cpu_split.IdleLoad(fake, window_s=60)
    assert load.other_cores() is None
    time.sleep(0.05)
    elapsed = 0.05
    # in that time: 2 cores x elapsed, of which user 1.5 x elapsed busy, gilscope 0.25 x elapsed
    fake.machine[0] += 1.5 * elapsed
    fake.machine[3] += 0.5 * elapsed
    fake.own += 0.25 * elapsed
    load.sample()
    assert load.other_cores() == pytest.approx(1.25, rel=0.25)  # the sleep's own length varies


# -- the verdict's label -------------------------------------------------------------
def _samples(busy_pct, mine_pct, measured=True):
    rows = []
    for i, (busy, mine) in enumerate(zip(busy_pct, mine_pct)):
        for core in (0, 1):
            aux = 1 + int(mine[core] * 100) if measured else 0
            rows.append(((i + 1) * 100_000_000, 0, core, K.CPU_SAMPLE, aux, core, int(busy[core] * 100)))
    rows.append((0, 7, 0, K.WORKER_START, 0, 0, 0))
    rows.append((5, 7, 0, K.MEASURED_STATE, 0, S.RUNNING, 0))
    return np.array(sorted(rows), EVENT_DTYPE)


def _verdict():
    return Verdict(text("Speedup: 1.00x", "加速比：1.00"), {"speedup": 1.0}, [text("n", "注")])


def test_a_busy_machine_is_said_in_the_headline():
    # Each sample: both cores 100 % busy, this run 50 % of core 0 -> others 150 of 200 %.
    view = analysis.RunView(_samples([(100, 100)] * 5, [(50, 0)] * 5), {})
    assert verdict_labels.other_programs_share(view) == 0.75
    verdict = _verdict()
    verdict_labels.label_verdict(verdict, view)
    assert verdict.headline["en"] == ("Distorted: other programs took 75% of the CPU during this "
                                      "run. Speedup: 1.00x")
    assert verdict.headline["zh_CN"].startswith("结果失真：本次运行期间其他程序占用了 75% 的 CPU。")
    assert verdict.figures["other_programs_share"] == 0.75
    assert "75%" in verdict.notes[0]["en"] and "75%" in verdict.notes[0]["zh_CN"]


def test_a_quiet_machine_leaves_the_headline_alone():
    view = analysis.RunView(_samples([(60, 40)] * 5, [(55, 40)] * 5), {})
    verdict = _verdict()
    verdict_labels.label_verdict(verdict, view)
    assert verdict.headline["en"] == "Speedup: 1.00x"
    assert verdict.figures["other_programs_share"] == 0.025
    assert not verdict.partial


def test_a_recording_without_the_split_claims_nothing():
    view = analysis.RunView(_samples([(100, 100)] * 5, [(0, 0)] * 5, measured=False), {})
    verdict = _verdict()
    verdict_labels.label_verdict(verdict, view)
    assert "other_programs_share" not in verdict.figures
    assert verdict.headline["en"] == "Speedup: 1.00x"


def test_stopped_and_distorted_both_say_so():
    view = analysis.RunView(_samples([(100, 100)] * 5, [(10, 10)] * 5), {}, stopped=True)
    verdict = _verdict()
    verdict_labels.label_verdict(verdict, view)
    assert verdict.headline["en"].startswith("Stopped — measured so far: distorted: other programs took 90%")
    assert verdict.headline["zh_CN"].startswith("已停止——目前测得：结果失真：")
    assert verdict.partial and verdict.figures["stopped_after_s"] == view.wall_s


def test_running_at_once_share_from_spans():
    rows = [(0, 1, 1, K.WORKER_START, 0, 0, 0), (0, 1, 2, K.WORKER_START, 0, 0, 0),
            (0, 1, 1, K.MEASURED_STATE, 0, S.RUNNING, 0), (0, 1, 2, K.MEASURED_STATE, 0, S.GIL_WAIT, 0),
            (50, 1, 2, K.MEASURED_STATE, 0, S.RUNNING, 0), (100, 1, 1, K.MEASURED_STATE, 0, S.GIL_WAIT, 0),
            (200, 1, 2, K.MEASURED_STATE, 0, S.GIL_WAIT, 0)]
    strings = {(1, 0): "THREAD1"}
    ev = np.array(rows, EVENT_DTYPE)
    view = analysis.RunView(ev, strings, t_end=200)
    # running: lane 1 [0, 100), lane 2 [50, 200): at least one 200 ns, both 50 ns
    assert view.running_at_once_share("THREAD") == 0.25
    assert view.running_at_once_share("PROCESS") is None
    assert analysis.covered_ns(np.array([0, 50, 300]), np.array([100, 200, 310])) == 210


def test_a_run_shorter_than_a_sample_period_still_gets_its_cpu_sample(monkeypatch):
    """The sampler read the cores once a period and stopped at the run's end: a run shorter
    than a period (thread-names with 20 lines, whose sampler started late on a loaded CI
    machine) had no CPU sample, an empty CPU plot and no counter in the Perfetto export.
    The end now takes one last reading for the time since the last."""
    from engine import session as session_module
    from engine.session import Session
    monkeypatch.setattr(session_module, "SAMPLE_PERIOD_S", 30.0)  # the run ends well inside it
    session = Session()
    try:
        session.start("thread-names", {"workers": 1, "lines": 1})
        assert session.wait(60) == "finished", session.problem
        samples = session.data().events
        samples = samples[samples["kind"] == K.CPU_SAMPLE]
        assert len(samples) > 0
        assert np.all(samples["a"] <= 10000)  # loads in 1/100 %: real readings, not a filler
    finally:
        session.close()
