"""gil: the same CPU-bound work as N threads and as N processes, against 1 worker."""
import os
import sys
import time

from ..params import Param, start_method, switch_interval, workers
from ..wire import S
from .base import Scenario, Verdict, child_start_ms, rounded_s, start_method_note, text, usable_cpus

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


def _ratio(n, base, wall):
    """n x one worker's time / the phase's time; None when either was not measured."""
    return round(n * base / wall, 2) if base and wall else None


def verdict(run, p):
    n = p["workers"]
    cores = run.value("cpu_count", 1)
    # A stopped run may lack a phase's end (phase_wall_s None): its figures are None.
    bases = [w for w in (run.phase_wall_s("baseline-1"), run.phase_wall_s("baseline-2")) if w]
    base = min(bases) if bases else None
    wall_t, wall_p = run.phase_wall_s("threads"), run.phase_wall_s("processes")
    sp_t, sp_p = _ratio(n, base, wall_t), _ratio(n, base, wall_p)
    cpu_t = sum(run.values("cpu_ns_thread")) / 1e9
    cpu_p = sum(run.values("cpu_ns_process")) / 1e9
    ideal = min(n, cores)
    free = run.gil_disabled
    figures = {
        "workers": n, "cpu_count": cores, "ideal_speedup": ideal,
        "switch_interval_ms": round(run.value("switch_interval_us", 0) / 1000.0, 3),
        "wall_baseline_s": rounded_s(base), "wall_threads_s": rounded_s(wall_t),
        "wall_processes_s": rounded_s(wall_p),
        "speedup_threads": sp_t, "speedup_processes": sp_p,
        # Load-independent: of the time one of them was on a CPU, the share two or more were
        # (the lanes' running spans, from the kernel's schedstat): ~0 for one GIL's threads.
        "threads_running_at_once_share": run.running_at_once_share("THREAD"),
        "processes_running_at_once_share": run.running_at_once_share("PROCESS"),
        "cores_used_threads": round(cpu_t / wall_t, 2) if wall_t else None,
        "cores_used_processes": round(cpu_p / wall_p, 2) if wall_p else None,
        "gil_wait_share_threads": _share(run, "THREAD", S.GIL_WAIT),
        "preempted_share_processes": _share(run, "PROCESS", S.PREEMPTED),
        "cpu_s_per_thread": [round(v / 1e9, 3) for v in run.values("cpu_ns_thread")],
        "cpu_s_per_process": [round(v / 1e9, 3) for v in run.values("cpu_ns_process")],

        "start_method": p["start_method"], "child_start_ms": child_start_ms(run),
    }
    head = _headline(figures, n, cores, ideal)
    notes = []
    if figures["cores_used_threads"] is not None and figures["cores_used_processes"] is not None:
        notes.append(text(
            "%d threads kept %.2f cores busy; %d processes kept %.2f busy."
            % (n, figures["cores_used_threads"], n, figures["cores_used_processes"]),
            "%d 个线程让 %.2f 个核忙碌；%d 个进程让 %.2f 个核忙碌。"
            % (n, figures["cores_used_threads"], n, figures["cores_used_processes"])))
    notes.append(_overlap_note(figures, n))
    notes.append(_how_note(free, run.measured))
    notes.append(text(
        "Background (CPython's source): the blog post says the GIL is released every 100 "
        "bytecodes: that was Python 2. Since 3.2 a thread that wants the GIL waits one switch "
        "interval (this run: %g ms, sys.setswitchinterval; 5 ms unless changed), then asks the "
        "holder to let go at its next check." % figures["switch_interval_ms"],
        "背景（CPython 源码）：原文说每执行 100 条字节码释放一次 GIL：那是 Python 2 的做法。从 3.2 起，"
        "等待的线程先等一个切换间隔（本次：%g 毫秒，由 sys.setswitchinterval 设置，默认 5 毫秒），"
        "再请求持有者在下一个检查点让出 GIL。" % figures["switch_interval_ms"]))
    # The processes' own measures say they were held back; the run's CPU split (when it was
    # measured) says by whom: with more processes than cores they pre-empt each other, and
    # "other programs had the rest" would then be false.
    from ..verdict_labels import DISTORTED_SHARE, other_programs_share  # session side (numpy)
    others = other_programs_share(run) if hasattr(run, "cpu_split") else None
    if machine_was_busy(figures) and (others is None or others >= DISTORTED_SHARE):
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


def _pct(share) -> str:
    return "%d%%" % round(100 * share)  # no space: a line never breaks inside it


def _headline(figures: dict, n: int, cores: int, ideal: int) -> dict:
    """Speedups measured, then how much of the running time ran at once (holds under load)."""
    sp_t, sp_p = figures["speedup_threads"], figures["speedup_processes"]
    parts_en, parts_zh = [], []
    if sp_t is not None:
        parts_en.append("threads %.2fx" % sp_t)
        parts_zh.append("线程 %.2f" % sp_t)
    if sp_p is not None:
        parts_en.append("processes %.2fx" % sp_p)
        parts_zh.append("进程 %.2f" % sp_p)
    if parts_en:
        head_en = "Speedup: %s (ideal %dx on %d usable CPUs)" % (", ".join(parts_en), ideal, cores)
        head_zh = "加速比：%s（%d 个可用逻辑 CPU，理想为 %d）" % ("，".join(parts_zh), cores, ideal)
    else:
        head_en = "No step of threads or processes ended: no speedup measured"
        head_zh = "线程和进程的步骤都没有结束：没有测得加速比"
    at_once_t = figures["threads_running_at_once_share"]
    at_once_p = figures["processes_running_at_once_share"]
    ran_en, ran_zh = [], []
    if at_once_t is not None and n > 1:
        ran_en.append("threads %s" % _pct(at_once_t))
        ran_zh.append("线程 %s" % _pct(at_once_t))
    if at_once_p is not None and n > 1:
        ran_en.append("processes %s" % _pct(at_once_p))
        ran_zh.append("进程 %s" % _pct(at_once_p))
    if ran_en:
        head_en += "; running at once: %s of their running time" % ", ".join(ran_en)
        head_zh += "；同时运行的时间占比：%s" % "，".join(ran_zh)
    return text(head_en, head_zh)


def _overlap_note(figures: dict, n: int) -> dict:
    """What the running-at-once shares say, from this run's figures."""
    at_once_t = figures["threads_running_at_once_share"]
    at_once_p = figures["processes_running_at_once_share"]
    if n < 2 or (at_once_t is None and at_once_p is None):
        return text("With one worker nothing can run at once: the shares of running time "
                    "spent running together need two or more.",
                    "只有一个线程/进程时不可能同时运行：同时运行的比例至少需要两个。")
    en, zh = [], []
    if at_once_t is not None:
        en.append("two or more threads were on a CPU at the same instant for %s of the time "
                  "one was" % _pct(at_once_t))
        zh.append("在至少一个线程占用 CPU 的时间里，有 %s 的时间两个或更多线程同时在 CPU 上" % _pct(at_once_t))
    if at_once_p is not None:
        en.append("two or more processes for %s" % _pct(at_once_p))
        zh.append("进程的这个比例是 %s" % _pct(at_once_p))
    return text("Measured from the lanes' running spans, which other programs cannot fake: "
                + "; ".join(en) + ". Other programs on the cores slow both down, but cannot "
                "make one GIL's threads run at once.",
                "由泳道中的运行区间测得（其他程序无法伪造）：" + "；".join(zh) + "。"
                "其他程序占用核会让两者都变慢，但不会让同一个 GIL 下的线程同时运行。")


def _how_note(free: bool, measured: bool) -> dict:
    """How the lanes' gaps were measured: this run's source of states."""
    if free:
        return text("This build runs without a GIL, so threads use several cores too.",
                    "这个版本没有 GIL，所以线程也能使用多个核。")
    if measured:
        return text(
            "Only the thread holding the GIL runs Python code, so threads take turns: the gaps "
            "in each thread's lane are waits for the GIL. gilscope measured them from outside the "
            "threads: it read each thread's kernel counters (/proc schedstat: time on a CPU, time "
            "runnable but pre-empted) about every millisecond, and time off the CPU that no probe "
            "called a lock, queue, join, I/O or sleep wait is a GIL wait. Each process has its "
            "own interpreter and GIL.",
            "只有持有 GIL 的线程能执行 Python 代码，线程只能轮流运行：每条线程泳道里的空隙就是在等 GIL。"
            "gilscope 从线程外部测量它们：大约每毫秒读取一次每个线程的内核计数器（/proc schedstat："
            "在 CPU 上的时间、可运行却被抢占的时间），不在 CPU 上、又没有被探针标为等锁、等队列、"
            "等 join、I/O 或休眠的时间，就是在等 GIL。每个进程都有自己的解释器和 GIL。")
    return text(
        "Only the thread holding the GIL runs Python code, so threads take turns: the gaps in "
        "each thread's lane are waits for the GIL. This recording's lanes were not measured from "
        "the kernel's counters: they are the threads' own probes (a pause in the loop).",
        "只有持有 GIL 的线程能执行 Python 代码，线程只能轮流运行：每条线程泳道里的空隙就是在等 GIL。"
        "这份录制的泳道不是由内核计数器测得的，而是线程自己的探针记录（循环中的停顿）。")


def machine_was_busy(figures: dict) -> bool:
    """Other programs took the cores the processes should have had.

    Measured by the processes themselves: CPU-bound, they kept well under the
    cores they could use busy, and their loops saw the OS pre-empt them.  (Too
    little work for the cost of forking lowers the first but not the second.)
    """
    share, used = figures.get("preempted_share_processes"), figures.get("cores_used_processes")
    return (share is not None and used is not None and share > 0.2
            and used < 0.75 * figures["ideal_speedup"])


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
    "threads_running_at_once_share": text("Threads: share of running time two ran at once",
                                          "线程：两个以上同时运行的时间比例"),
    "processes_running_at_once_share": text("Processes: share of running time two ran at once",
                                            "进程：两个以上同时运行的时间比例"),
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
