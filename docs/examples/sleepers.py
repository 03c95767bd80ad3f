"""sleepers: threads that sleep overlap; threads that compute take turns (one GIL).

An example of a scenario file (docs/SCENARIOS.md):
    python main.py run --file docs/examples/sleepers.py --workers 3
Standard library and engine's stdlib modules only, Python 3.9 syntax: the runner loads it.
"""
import time

from engine.params import Param, workers
from engine.scenarios.base import Verdict, text

TITLE = text("Sleepers: sleeping threads overlap", "睡眠的线程：睡眠可以重叠")
LESSON = text(
    "Each thread sleeps, then computes. Sleeping releases the GIL, so the sleeps overlap and "
    "take about one nap in all; computing holds it, so the threads take turns and keep about "
    "one core busy, however many there are.",
    "每个线程先睡眠、再计算。睡眠会释放 GIL，所以睡眠可以重叠，总共约一次睡眠的时间；"
    "计算要持有 GIL，线程只能轮流运行，无论有多少个线程，大约只有一个核在忙。")

PARAMS = (
    workers(default=3, minimum=1, maximum=16),
    Param("nap_s", "float", 0.2, text("Seconds each thread sleeps", "每个线程睡眠的秒数"),
          minimum=0.01, maximum=5.0, unit="s"),
    Param("iterations", "int", 2000000, text("Loop iterations each thread computes", "每个线程计算的循环次数"),
          minimum=1000, maximum=100000000),
)

PHASES = {
    "sleep": text("all asleep", "全部睡眠"),
    "compute": text("all computing", "全部计算"),
}

FIGURES = {
    "sleep_s": text("Time for everyone's nap (s)", "全部睡眠用时（秒）"),
    "compute_s": text("Time for everyone's work (s)", "全部计算用时（秒）"),
    "cores_busy": text("Cores kept busy while computing", "计算时平均占用的核数"),
}


def _all_at_once(ctx, p, job, label):
    threads = [ctx.thread(job, "%s%d" % (label, i + 1), (ctx, p))
               for i in range(p["workers"])]
    for t in threads:
        t.start()
    for t in threads:
        ctx.join(t)


def _nap(ctx, p):
    ctx.sleep(p["nap_s"])  # time.sleep, shown as "sleeping" on the thread's lane


def _compute(ctx, p):
    ctx.cpu_work(p["iterations"])  # the x ^= 1 loop: it needs the GIL all along
    ctx.value("cpu_ns", time.thread_time_ns())  # measured: this thread's own CPU time


def run(ctx, p):
    for phase, job in (("sleep", _nap), ("compute", _compute)):
        with ctx.phase(phase):
            _all_at_once(ctx, p, job, phase.upper())


def verdict(run, p):
    sleep_s, compute_s = run.phase_wall_s("sleep"), run.phase_wall_s("compute")
    cores = sum(run.values("cpu_ns")) / 1e9 / compute_s
    figures = {"workers": p["workers"], "sleep_s": round(sleep_s, 3),
               "compute_s": round(compute_s, 3), "cores_busy": round(cores, 2)}
    head = text("%d threads: their naps took %.2f s in all; computing, they kept %.2f cores busy"
                % (p["workers"], sleep_s, cores),
                "%d 个线程：睡眠总共用了 %.2f 秒；计算时平均占用 %.2f 个核"
                % (p["workers"], sleep_s, cores))
    return Verdict(head, figures)
