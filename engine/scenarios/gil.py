"""gil: the same CPU-bound work as N threads and as N processes, against 1 worker."""
import os
import sys
import time

from ..params import Param, start_method, switch_interval, workers
from ..wire import S
from .base import Scenario, Verdict, child_start_ms, start_method_note, text, usable_cpus

SOURCE = '''import os, sys, threading, multiprocessing, time

N = 2                      # threads, then processes
ITERATIONS = 2000000       # the blog post's endless loop, bounded so it ends
SWITCH_INTERVAL = 0.005    # sys.setswitchinterval: the GIL's time slice
START_METHOD = "fork"      # how children start: fork, spawn or forkserver

def run():
    x = 0
    for _ in range(ITERATIONS):
        x = x ^ 1

def timed(workers):
    start = time.perf_counter()
    for w in workers: w.start()
    for w in workers: w.join()
    return time.perf_counter() - start

if __name__ == "__main__":  # spawn and forkserver children import this file again
    multiprocessing.set_start_method(START_METHOD)
    sys.setswitchinterval(SWITCH_INTERVAL)
    print("logical CPUs:", os.cpu_count())
    one = timed([threading.Thread(target=run)])
    # N threads: one process, one GIL -> about one core busy
    t = timed([threading.Thread(target=run) for _ in range(N)])
    # N processes: one GIL each -> up to N cores busy
    p = timed([multiprocessing.Process(target=run) for _ in range(N)])
    print("speedup with threads: %.2f" % (N * one / t))
    print("speedup with processes: %.2f" % (N * one / p))
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'threads, then processes': '先用线程，再用进程',
    "the blog post's endless loop, bounded so it ends": '原文的死循环，加了上限以便结束',
    'N threads: one process, one GIL -> about one core busy': 'N 个线程：一个进程、一把 GIL -> 大约只有一个核在忙',
    'N processes: one GIL each -> up to N cores busy': 'N 个进程：各有一把 GIL -> 最多 N 个核在忙',
}


def _burn(ctx, iterations, waiting_state, label):
    """One worker's share: the probed loop, then its own CPU time as a value."""
    ctx.cpu_work(iterations, waiting_state)
    ctx.value(label, time.thread_time_ns())


def run(ctx, p):
    n, iterations = p["workers"], p["iterations"]
    print("cpu_count", os.cpu_count(), "usable", usable_cpus())
    ctx.value("cpu_count", usable_cpus())
    ctx.value("switch_interval_us", int(round(sys.getswitchinterval() * 1e6)))
    # One worker alone: the unit of work's time.  The best of two runs, because a
    # slow one-off (a cold cache, a busy core) would inflate every speedup past the ideal.
    for k in (1, 2):
        with ctx.phase("baseline-%d" % k):
            t = ctx.thread(_burn, "BASELINE%d" % k, (ctx, iterations, S.PREEMPTED, "cpu_ns_baseline"))
            t.start()
            ctx.join(t)
    # Threads compete for one GIL: a gap in a thread's loop is a GIL wait.
    state = S.GIL_WAIT if n > 1 else S.PREEMPTED
    with ctx.phase("threads"):
        threads = [ctx.thread(_burn, "THREAD%d" % (i + 1), (ctx, iterations, state, "cpu_ns_thread"))
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            ctx.join(t)
    # Processes have a GIL each: a gap is the OS giving the core to another.
    with ctx.phase("processes"):
        procs = [ctx.process(_burn, "PROCESS%d" % (i + 1),
                             (ctx, iterations, S.PREEMPTED, "cpu_ns_process"))
                 for i in range(n)]
        for proc in procs:
            proc.start()
        for proc in procs:
            ctx.join(proc)


def _share(run, lanes_prefix, state):
    """Fraction of the named lanes' alive time spent in state (from the spans)."""
    spans = run.spans()
    labels = spans["labels"]
    chosen = [i for i, label in enumerate(labels) if label.startswith(lanes_prefix)]
    if not chosen:
        return None
    import numpy as np
    mask = np.isin(spans["lane"], chosen) & (spans["state"] != S.DONE)
    dur = (spans["t1"] - spans["t0"])[mask]
    total = float(dur.sum())
    return round(float(dur[spans["state"][mask] == state].sum()) / total, 3) if total else None


def verdict(run, p):
    n = p["workers"]
    cores = run.value("cpu_count", 1)
    base = min(w for w in (run.phase_wall_s("baseline-1"), run.phase_wall_s("baseline-2")) if w)
    wall_t, wall_p = run.phase_wall_s("threads"), run.phase_wall_s("processes")
    sp_t = round(n * base / wall_t, 2)
    sp_p = round(n * base / wall_p, 2)
    cpu_t = sum(run.values("cpu_ns_thread")) / 1e9
    cpu_p = sum(run.values("cpu_ns_process")) / 1e9
    ideal = min(n, cores)
    free = run.gil_disabled
    figures = {
        "workers": n, "cpu_count": cores, "ideal_speedup": ideal,
        "switch_interval_ms": round(run.value("switch_interval_us", 0) / 1000.0, 3),
        "wall_baseline_s": round(base, 3), "wall_threads_s": round(wall_t, 3),
        "wall_processes_s": round(wall_p, 3),
        "speedup_threads": sp_t, "speedup_processes": sp_p,
        "cores_used_threads": round(cpu_t / wall_t, 2), "cores_used_processes": round(cpu_p / wall_p, 2),
        "gil_wait_share_threads": _share(run, "THREAD", S.GIL_WAIT),
        "preempted_share_processes": _share(run, "PROCESS", S.PREEMPTED),
        "cpu_s_per_thread": [round(v / 1e9, 3) for v in run.values("cpu_ns_thread")],
        "cpu_s_per_process": [round(v / 1e9, 3) for v in run.values("cpu_ns_process")],

        "start_method": p["start_method"], "child_start_ms": child_start_ms(run),
    }
    head = text("Speedup: threads %.2fx, processes %.2fx (ideal %dx on %d usable CPUs)"
                % (sp_t, sp_p, ideal, cores),
                "加速比：线程 %.2f，进程 %.2f（%d 个可用逻辑 CPU，理想为 %d）" % (sp_t, sp_p, cores, ideal))
    notes = [text(
        "%d threads kept %.2f cores busy; %d processes kept %.2f busy. " % (n, figures["cores_used_threads"], n, figures["cores_used_processes"]) +
        ("This build runs without a GIL, so threads use several cores too."
         if free else
         "Only the thread holding the GIL runs Python code, so threads take turns: the gaps in each "
         "thread's lane are waits for the GIL (measured by the thread itself: any pause over 1 ms "
         "in its loop). Each process has its own interpreter and GIL."),
        "%d 个线程让 %.2f 个核忙碌；%d 个进程让 %.2f 个核忙碌。" % (n, figures["cores_used_threads"], n, figures["cores_used_processes"]) +
        ("这个版本没有 GIL，所以线程也能使用多个核。" if free else
         "只有持有 GIL 的线程能执行 Python 代码，线程只能轮流运行：每条线程泳道里的空隙就是在等 GIL"
         "（由线程自己测量：循环中超过 1 毫秒的停顿）。每个进程都有自己的解释器和 GIL。")),
        text("Background (CPython's source): the blog post says the GIL is released every 100 "
             "bytecodes: that was Python 2. Since 3.2 a thread that wants the GIL waits one switch "
             "interval (this run: %g ms, sys.setswitchinterval; 5 ms unless changed), then asks the "
             "holder to let go at its next check." % figures["switch_interval_ms"],
             "背景（CPython 源码）：原文说每执行 100 条字节码释放一次 GIL：那是 Python 2 的做法。从 3.2 起，"
             "等待的线程先等一个切换间隔（本次：%g 毫秒，由 sys.setswitchinterval 设置，默认 5 毫秒），"
             "再请求持有者在下一个检查点让出 GIL。" % figures["switch_interval_ms"])]
    if machine_was_busy(figures):
        notes.insert(0, text(
            "The machine was busy: the %d processes kept only %.2f of %d cores busy and spent %d%% "
            "of their time pre-empted, so other programs had the rest (the per-core plot shows it). "
            "Close them and run again to see the full speedup of processes." % (
                n, figures["cores_used_processes"], ideal, 100 * figures["preempted_share_processes"]),
            "机器很忙：%d 个进程只让 %d 个核中的 %.2f 个忙碌，并有 %d%% 的时间被抢占，其余的 CPU 被别的程序占用"
            "（见每核负载图）。关掉它们再运行一次，才能看到进程的完整加速。" % (
                n, ideal, figures["cores_used_processes"], 100 * figures["preempted_share_processes"])))
    method_note = start_method_note(p["start_method"], figures["child_start_ms"])
    if method_note is not None:
        notes.append(method_note)
    return Verdict(head, figures, notes)


def machine_was_busy(figures: dict) -> bool:
    """Other programs took the cores the processes should have had.

    Measured by the processes themselves: CPU-bound, they kept well under the
    cores they could use busy, and their loops saw the OS pre-empt them.  (Too
    little work for the cost of forking lowers the first but not the second.)
    """
    share = figures.get("preempted_share_processes")
    return (share is not None and share > 0.2
            and figures["cores_used_processes"] < 0.75 * figures["ideal_speedup"])


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "start_method": text("Start method", "启动方式"),
    "child_start_ms": text("From start() to the child running its code, median (ms)",
                           "从 start() 到子进程运行自己的代码，中位数（毫秒）"),
    "switch_interval_ms": text("Switch interval (ms)", "切换间隔（毫秒）"),
    "wall_baseline_s": text("Time of one worker alone (s)", "单线程基准用时（秒）"),
    "wall_threads_s": text("Time with threads (s)", "线程用时（秒）"),
    "wall_processes_s": text("Time with processes (s)", "进程用时（秒）"),
    "speedup_threads": text("Speedup with threads", "线程的加速比"),
    "speedup_processes": text("Speedup with processes", "进程的加速比"),
    "cores_used_threads": text("Cores kept busy by threads", "线程平均占用的核数"),
    "cores_used_processes": text("Cores kept busy by processes", "进程平均占用的核数"),
    "gil_wait_share_threads": text("Threads' share of time waiting for the GIL", "线程等待 GIL 的时间比例"),
    "preempted_share_processes": text("Processes' share of time pre-empted", "进程被抢占的时间比例"),
    "cpu_s_per_thread": text("CPU time per thread (s)", "每个线程的 CPU 时间（秒）"),
    "cpu_s_per_process": text("CPU time per process (s)", "每个进程的 CPU 时间（秒）"),
}


# The steps of run() marked on the timeline.
PHASES = {
    "baseline-1": text("one worker", "单线程基准"),
    "threads": text("threads: one GIL", "线程：共用一个 GIL"),
    "processes": text("processes: a GIL each", "进程：各有一个 GIL"),
}


SCENARIO = Scenario(
    id="gil",
    group="gil",
    title=text("GIL: threads vs processes on many cores", "GIL：多核上的线程与进程"),
    lesson=text(
        "CPU-bound Python threads share one Global Interpreter Lock: only one runs Python code at "
        "a time, so N threads finish the work no faster than one (free-threaded builds excepted). N processes each have their own "
        "interpreter and GIL, so they use all cores. Watch the per-core load and each lane's gaps.",
        "CPU 密集的 Python 线程共享一把全局解释器锁（GIL）：同一时刻只有一个线程执行 Python 代码，"
        "所以 N 个线程并不比一个快（自由线程构建除外）。N 个进程各有自己的解释器和 GIL，可以用满所有核。请观察每个核的负载和每条泳道中的空隙。"),
    params=(
        workers(default=4, minimum=1, maximum=128),  # bench scale: 8 -> 128 workers
        Param("iterations", "int", 30000000, text("Loop iterations per worker", "每个线程/进程的循环次数"),
              minimum=1000, maximum=500000000),
        switch_interval(minimum=0.0001),
        start_method(),
    ),
    source=SOURCE,
    source_values={"N": "workers", "ITERATIONS": "iterations", "SWITCH_INTERVAL": "switch_interval", "START_METHOD": "start_method"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    seed_section="多核",
)
