"""process-basics: Process.start()/join(); joining each child right away runs them one by one."""

from ..params import Param, workers
from ..wire import K, S
from .base import Scenario, Verdict, text, usable_cpus

SOURCE = '''from multiprocessing import Process

N = 3                      # child processes
ITERATIONS = 1000000       # a short CPU-bound job for each

def run(i):
    print(i)               # the blog post's Python 2 `print i`
    x = 0
    for _ in range(ITERATIONS):
        x = x ^ 1

if __name__ == "__main__":  # spawn and forkserver children import this file again
    # One at a time: join() waits for this child before the next starts.
    for i in range(N):
        p = Process(target=run, args=(i,))
        p.start()
        p.join()

    # All at once: start every child, then wait for each.
    procs = [Process(target=run, args=(i,)) for i in range(N)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        print(p.pid, p.exitcode)   # exit code 0: it ended normally
'''


def _child(ctx, i, iterations):
    """The blog post's run(i), with a CPU-bound job so the child lives long enough to see."""
    print(i)
    # A single-threaded process: a gap in its loop is the OS running something else.
    ctx.cpu_work(iterations, S.PREEMPTED)


def run(ctx, p):
    n, iterations = p["workers"], p["iterations"]
    ctx.value("cpu_count", usable_cpus())
    with ctx.phase("sequential"):
        for i in range(n):
            child = ctx.process(_child, "sequential-%d" % i, (ctx, i, iterations))
            child.start()
            ctx.join(child)
    with ctx.phase("parallel"):
        children = [ctx.process(_child, "parallel-%d" % i, (ctx, i, iterations)) for i in range(n)]
        for child in children:
            child.start()
        for child in children:
            ctx.join(child)
            print(child.pid, child.exitcode)


def _phase_window(run, name):
    begin, end = run.named(K.PHASE_BEGIN, name), run.named(K.PHASE_END, name)
    return int(begin["t"].min()), int(end["t"].max())


def _children_in(run, name):
    """[(pid, exit code)] of the children spawned in a phase, in spawn order."""
    t0, t1 = _phase_window(run, name)
    spawns = run.of_kind(K.PROC_SPAWN)
    spawns = spawns[(spawns["t"] >= t0) & (spawns["t"] <= t1)]
    exits = {int(e["a"]): int(e["b"]) for e in run.of_kind(K.PROC_EXIT)}
    return [(int(pid), exits.get(int(pid))) for pid in spawns["a"]]


def _most_alive_at_once(run, pids):
    """The largest number of these children alive at one instant, from their own lanes."""
    edges = []
    for pid in pids:
        own = run.events[run.events["pid"] == pid]
        born = own[own["kind"] == K.PROCESS_START]
        ended = own[own["kind"] == K.WORKER_EXIT]
        if len(born) and len(ended):
            edges += [(int(born["t"][0]), 1), (int(ended["t"][-1]), -1)]
    alive = most = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):  # an exit before a start at a tie
        alive += step
        most = max(most, alive)
    return most


def _running_at_once_s(run, pids):
    """Seconds in which two or more of these children were running at the same instant.

    From the children's lanes, "running" only while the kernel counted them on a CPU
    (/proc schedstat, read by the Session: engine/thread_sampler.py), so overlapping
    running spans mean two cores really worked at once.
    """
    lane_of = dict((i, pid) for i, (pid, _, _) in enumerate(run.lanes()))
    spans = run.spans()
    wanted = set(pids)
    edges = []
    for lane, t0, t1, state in zip(spans["lane"], spans["t0"], spans["t1"], spans["state"]):
        if state == S.RUNNING and lane_of.get(int(lane)) in wanted and t1 > t0:
            edges += [(int(t0), 1), (int(t1), -1)]
    edges.sort()
    total, running, since = 0, 0, 0
    for t, step in edges:
        if running >= 2:
            total += t - since
        running, since = running + step, t
    return round(total / 1e9, 3)


def _preempted_share(run, pids):
    """Fraction of these children's alive time they were runnable on the kernel's run queue
    while the OS ran something else (their lanes' pre-empted spans)."""
    lane_of = dict((i, pid) for i, (pid, _, _) in enumerate(run.lanes()))
    spans = run.spans()
    wanted = set(pids)
    alive = preempted = 0
    for lane, t0, t1, state in zip(spans["lane"], spans["t0"], spans["t1"], spans["state"]):
        if lane_of.get(int(lane)) in wanted and state != S.DONE:
            alive += int(t1 - t0)
            preempted += int(t1 - t0) if state == S.PREEMPTED else 0
    return round(preempted / alive, 3) if alive else None


def own_preemption(children: int, cores: int) -> float:
    """The pre-empted share children cause each other on an idle machine: more
    children than cores take turns (3 on 2 cores: each waits a third of the time)."""
    return max(0.0, 1.0 - cores / children) if children else 0.0


def _printed_by(run, pids):
    wanted = set(pids)
    return [int(t) if t.strip().lstrip("-").isdigit() else t
            for _, pid, _, t in run.outputs() if pid in wanted]


def verdict(run, p):
    n = p["workers"]
    cores = run.value("cpu_count", 1)
    wall_seq, wall_par = run.phase_wall_s("sequential"), run.phase_wall_s("parallel")
    if not wall_seq or not wall_par:
        return Verdict(text("The run ended before both phases finished: nothing to compare",
                            "运行在两个阶段完成之前就结束了：无从比较"),
                       {"wall_sequential_s": wall_seq, "wall_parallel_s": wall_par}, ok=False)
    seq, par = _children_in(run, "sequential"), _children_in(run, "parallel")
    speedup = round(wall_seq / wall_par, 2)
    lane_pids = {pid for pid, _, _ in run.lanes()}
    pids = [pid for pid, _ in seq + par]
    codes = [code for _, code in seq + par]
    figures = {
        "workers": n, "cpu_count": cores, "ideal_speedup": min(n, cores),
        "wall_sequential_s": round(wall_seq, 3), "wall_parallel_s": round(wall_par, 3),
        "speedup_parallel": speedup,
        "child_pids": pids, "exit_codes": codes,
        "children_with_lane": sum(1 for pid in pids if pid in lane_pids),
        "most_alive_sequential": _most_alive_at_once(run, [pid for pid, _ in seq]),
        "most_alive_parallel": _most_alive_at_once(run, [pid for pid, _ in par]),
        "running_at_once_s": _running_at_once_s(run, [pid for pid, _ in par]),
        "printed_parallel": _printed_by(run, [pid for pid, _ in par]),
        "preempted_share_parallel": _preempted_share(run, [pid for pid, _ in par]),
    }
    ok = len(set(pids)) == 2 * n and all(code == 0 for code in codes)
    children = "1 child" if n == 1 else "%d children" % n
    if speedup >= 1.1:  # below that, the difference is noise
        head = text("Start all, then join: %.2fx faster than start-join one by one (%s, %d cores)"
                    % (speedup, children, cores),
                    "先全部 start 再 join：速度是逐个 start 再 join 的 %.2f 倍（%d 个子进程，%d 核）" % (speedup, n, cores))
    else:  # one child, one core, or a machine busy with other programs
        head = text("Start all, then join: no faster than start-join one by one (%.2fx; %s, %d cores)"
                    % (speedup, children, cores),
                    "先全部 start 再 join：并不比逐个 start 再 join 快（加速比 %.2f；%d 个子进程，%d 核）" % (speedup, n, cores))
    # Beside the speedup, what holds on a busy machine too: how many children lived at once.
    alive_en = "; alive at once: %d one by one, %d started together" % (
        figures["most_alive_sequential"], figures["most_alive_parallel"])
    alive_zh = "；同时存活：逐个运行时 %d 个，一起启动时 %d 个" % (
        figures["most_alive_sequential"], figures["most_alive_parallel"])
    head = text(head["en"] + alive_en, head["zh_CN"] + alive_zh)
    notes = [
        text("start() returns at once; join() waits for that one child. Joining each child right "
             "after starting it ran them one by one (at most %d alive at once, %.2f s); starting all "
             "first let %d live at the same time (%.2f s)."
             % (figures["most_alive_sequential"], wall_seq, figures["most_alive_parallel"], wall_par),
             "start() 立即返回；join() 只等待那一个子进程。每启动一个就 join，子进程只能逐个运行"
             "（同时最多 %d 个存活，%.2f 秒）；先全部启动，则有 %d 个同时存活（%.2f 秒）。"
             % (figures["most_alive_sequential"], wall_seq, figures["most_alive_parallel"], wall_par)),
        text("Their own lanes show two or more children running at the same instant for %.2f s: "
             "different cores working at once. Preempted stretches are the OS giving the core to "
             "another process."
             % figures["running_at_once_s"],
             "子进程自己的泳道显示，有 %.2f 秒是两个或更多子进程在同一时刻运行：不同的核同时在工作。"
             "标为“被抢占”的时段是操作系统把核让给了别的进程。" % figures["running_at_once_s"]),
        text("Each child is a separate process with its own PID and its own interpreter (its lane is "
             "recorded by the child itself); exit code 0 means it ended normally. " +
             ("With more children (%d) than cores (%d), they share the cores, so the best speedup "
              "is about %d." % (n, cores, cores) if n > cores else
              "%s on %d cores: the best speedup is about %d." % (children, cores, n)),
             "每个子进程都是独立的进程，有自己的 PID 和解释器（它的泳道由子进程自己记录）；"
             "退出码 0 表示正常结束。" +
             ("子进程（%d 个）多于核数（%d）时它们轮流使用这些核，所以加速比最多约为 %d。" % (n, cores, cores)
              if n > cores else "%d 个子进程、%d 个核：加速比最多约为 %d。" % (n, cores, n))),
    ]
    share = figures["preempted_share_parallel"]
    if share is not None and share > own_preemption(n, cores) + 0.15 and speedup < 0.75 * min(n, cores):
        # Pre-empted beyond what the children do to each other, and slow: the cores were taken.
        notes.insert(0, text(
            "The machine was busy: the children started together spent %d%% of their time "
            "pre-empted, yet were only %.2fx faster (up to %d is possible here), so other programs "
            "had the cores (the per-core plot shows it). Close them and run again."
            % (100 * share, speedup, min(n, cores)),
            "机器很忙：一起启动的子进程有 %d%% 的时间被抢占，加速比却只有 %.2f（这里最多可达 %d），"
            "说明核被别的程序占用了（见每核负载图）。关掉它们再运行一次。"
            % (100 * share, speedup, min(n, cores))))
    if not ok:
        notes.append(text("Some child did not end with exit code 0: %s" % codes,
                          "有子进程的退出码不是 0：%s" % codes))
    return Verdict(head, figures, notes, ok=ok)


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "wall_sequential_s": text("Start-join one by one (s)", "逐个 start 再 join（秒）"),
    "wall_parallel_s": text("Start all, then join (s)", "先全部 start 再 join（秒）"),
    "speedup_parallel": text("Speedup", "加速比"),
    "child_pids": text("Child PIDs", "子进程 PID"),
    "exit_codes": text("Exit codes", "退出码"),
    "children_with_lane": text("Children with their own lane", "有自己泳道的子进程数"),
    "most_alive_sequential": text("Most alive at once, one by one", "逐个运行时最多同时存活的子进程数"),
    "most_alive_parallel": text("Most alive at once, all started", "全部启动时最多同时存活的子进程数"),
    "running_at_once_s": text("Two or more running at once (s)", "≥2 个子进程同时运行的时长（秒）"),
    "printed_parallel": text("Printed by the children", "子进程打印的内容"),
    "preempted_share_parallel": text("Share of time pre-empted", "被抢占的时间比例"),
}


# The steps of run() marked on the timeline.
PHASES = {
    "sequential": text("start, join — one by one", "逐个 start、join"),
    "parallel": text("start all, then join all", "先全部 start，再全部 join"),
}


SCENARIO = Scenario(
    id="process-basics",
    group="processes",
    title=text("Process: start and join", "Process：start 与 join"),
    lesson=text(
        "multiprocessing.Process runs a function in a new process with its own PID. start() "
        "launches it and returns immediately; join() waits until that child has ended. The blog post "
        "says join makes processes run one by one: that is only true when you join each child right "
        "after starting it. Start them all first, then join, and they run at the same time on "
        "different cores.",
        "multiprocessing.Process 在一个拥有自己 PID 的新进程中运行函数。start() 启动它并立即返回；"
        "join() 等待这个子进程结束。原文说 join 让进程一个一个地执行：只有在每启动一个就马上 join 时才是这样。"
        "先把它们全部启动，再逐个 join，它们就会在不同的核上同时运行。"),
    params=(
        workers(default=4, minimum=1, maximum=128),  # bench scale: 8 -> 128 children
        Param("iterations", "int", 15000000, text("Loop iterations per child", "每个子进程的循环次数"),
              text("The CPU-bound job each child does (x = x ^ 1).",
                   "每个子进程做的 CPU 密集工作（x = x ^ 1）。"),
              minimum=1000, maximum=500000000),
    ),
    source=SOURCE,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    seed_section="Process 相关的操作",
)
