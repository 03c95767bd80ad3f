"""convoy: an I/O thread beside one CPU-bound thread waits for the GIL after every blocking call."""
import sys
import threading
import time

from ..params import Param, switch_interval
from ..wire import K, S
from .base import Scenario, Verdict, text

SOURCE = '''import sys, threading, time

CALLS = 200                # blocking calls the I/O thread makes
CALL = 0.0002              # seconds each: a quick socket or disk round trip
LOOP = 100000              # the CPU-bound thread's loop between checks
SWITCH_INTERVAL = 0.005    # sys.setswitchinterval: the GIL's time slice

def io_thread():
    start = time.perf_counter()
    for _ in range(CALLS):
        time.sleep(CALL)   # releases the GIL; must take it back to go on
    return time.perf_counter() - start

def cpu_thread(done):
    while not done.is_set():
        x = 0
        for _ in range(LOOP):
            x = x ^ 1

if __name__ == "__main__":
    sys.setswitchinterval(SWITCH_INTERVAL)
    print("alone: %.3f s" % io_thread())
    done = threading.Event()
    cpu = threading.Thread(target=cpu_thread, args=(done,))
    cpu.start()
    print("beside a CPU-bound thread: %.3f s" % io_thread())
    done.set()
    cpu.join()
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'blocking calls the I/O thread makes': 'I/O 线程的阻塞调用次数',
    'seconds each: a quick socket or disk round trip': '每次的秒数：一次很快的套接字或磁盘往返',
    "the CPU-bound thread's loop between checks": 'CPU 密集线程两次检查之间的循环次数',
    'releases the GIL; must take it back to go on': '释放 GIL；要继续执行必须再拿回来',
}

# A call that came back this much later than it asked for is shown as waiting for the GIL.
GIL_WAIT_SHOWN_NS = 500_000
# A CPU-bound thread that kept less of a core busy than this met a busy machine.
BUSY_BELOW = 0.75
# An extra wait per call under this share of the switch interval is no convoy.
CONVOY_SEEN = 0.4


def _io_thread(ctx, calls, call_s, label):
    """Blocking calls, each timed; the lane shows the call, then any wait to get the GIL back."""
    rec, now = ctx.rec(), time.perf_counter_ns
    call_ns = int(call_s * 1e9)
    took = []
    for _ in range(calls):
        t0 = now()
        time.sleep(call_s)
        t1 = now()
        # Recorded after the call, all three at once: one flush (a flush each made two thirds
        # of the thread's recording time, and the Session got them microseconds apart anyway).
        rec.event_at(t0, K.STATE, S.IO_WAIT, 0, 0)
        if t1 - t0 - call_ns > GIL_WAIT_SHOWN_NS:  # the rest: back from the call, no GIL yet
            rec.event_at(t0 + call_ns, K.STATE, S.GIL_WAIT, 0, 0)
        rec.state(S.RUNNING, at=t1)
        took.append(t1 - t0)
    import statistics  # not at import: the GUI lists scenarios before its first paint
    ctx.value("median_call_ns " + label, int(statistics.median(took)))
    ctx.value("max_call_ns " + label, max(took))


def _cpu_thread(ctx, done):
    # How much of a core it got: on a busy machine the OS may keep it off the CPUs, and then
    # the I/O thread's calls do not meet it holding the GIL (the verdict says so).
    wall0, cpu0 = time.perf_counter_ns(), time.thread_time_ns()
    while not done.is_set():
        ctx.cpu_work(100000, S.GIL_WAIT)
    wall = max(1, time.perf_counter_ns() - wall0)
    ctx.value("cpu_thread_core_permille", (time.thread_time_ns() - cpu0) * 1000 // wall)


def run(ctx, p):
    calls, call_s = p["calls"], p["call_us"] / 1e6
    ctx.value("switch_interval_us", int(round(sys.getswitchinterval() * 1e6)))
    with ctx.phase("alone"):
        t = ctx.thread(_io_thread, "IO-ALONE", (ctx, calls, call_s, "alone"))
        t.start()
        ctx.join(t)
    done = threading.Event()
    cpu = ctx.thread(_cpu_thread, "CPU", (ctx, done))
    cpu.start()
    with ctx.phase("beside CPU"):
        t = ctx.thread(_io_thread, "IO", (ctx, calls, call_s, "beside"))
        t.start()
        ctx.join(t)
    done.set()
    ctx.join(cpu)


def verdict(run, p):
    alone, beside = run.phase_wall_s("alone"), run.phase_wall_s("beside CPU")
    ms = lambda name: round(run.value(name, 0) / 1e6, 3)  # noqa: E731
    permille = run.value("cpu_thread_core_permille")
    figures = {
        "calls": p["calls"], "call_ms": p["call_us"] / 1000.0,
        "switch_interval_ms": round(run.value("switch_interval_us", 0) / 1000.0, 3),
        "wall_alone_s": round(alone, 3) if alone else None,
        "wall_beside_cpu_s": round(beside, 3) if beside else None,
        "slowdown": round(beside / alone, 1) if alone and beside else None,
        "median_call_alone_ms": ms("median_call_ns alone"),
        "median_call_beside_cpu_ms": ms("median_call_ns beside"),
        "longest_call_beside_cpu_ms": ms("max_call_ns beside"),
        "cpu_thread_cores": round(permille / 1000.0, 2) if permille is not None else None,
    }
    return Verdict(*convoy_texts(figures, run.gil_disabled))


def convoy_texts(figures: dict, free: bool):
    f = figures
    if f["slowdown"] is None:
        return (text("The run ended before both phases finished", "运行在两个阶段完成之前就结束了"), f, [])
    head = text("%d blocking calls of %g ms: %.3f s alone, %.3f s beside one CPU-bound thread (%.1fx)"
                % (f["calls"], f["call_ms"], f["wall_alone_s"], f["wall_beside_cpu_s"], f["slowdown"]),
                "%d 次 %g 毫秒的阻塞调用：单独运行 %.3f 秒，旁边有一个 CPU 密集线程时 %.3f 秒（用时为单独运行的 %.1f 倍）"
                % (f["calls"], f["call_ms"], f["wall_alone_s"], f["wall_beside_cpu_s"], f["slowdown"]))
    extra = f["median_call_beside_cpu_ms"] - f["median_call_alone_ms"]
    notes = [text(
        "A call took %.3f ms (median) alone and %.3f ms beside the CPU-bound thread: %.3f ms more, "
        "against a switch interval of %g ms this run." % (
            f["median_call_alone_ms"], f["median_call_beside_cpu_ms"], extra, f["switch_interval_ms"]),
        "单独运行时每次调用用时 %.3f 毫秒（中位数），旁边有 CPU 密集线程时 %.3f 毫秒：多了 %.3f 毫秒，"
        "本次的切换间隔是 %g 毫秒。" % (
            f["median_call_alone_ms"], f["median_call_beside_cpu_ms"], extra, f["switch_interval_ms"]))]
    cores = f.get("cpu_thread_cores")
    if not free and cores is not None and cores < BUSY_BELOW and extra < CONVOY_SEEN * f["switch_interval_ms"]:
        notes.insert(0, text(
            "The machine was busy: the CPU-bound thread kept only %.2f of a core busy, so other "
            "programs had the CPUs and the I/O thread mostly came back from a call while that thread "
            "was not running: it waited %.3f ms more, not the switch interval. Close them and run "
            "again to see the convoy." % (cores, extra),
            "机器很忙：CPU 密集线程只占用了 %.2f 个核，其余的 CPU 被别的程序占用，I/O 线程从调用返回时，"
            "那个线程大多并没有在运行：它只多等了 %.3f 毫秒，而不是一个切换间隔。关掉它们再运行一次，才能看到护航效应。"
            % (cores, extra)))
    if free:
        notes.append(text("This build has no GIL: the I/O thread need not wait for the CPU-bound one.",
                          "这个构建没有 GIL：I/O 线程不必等待 CPU 密集线程。"))
    else:
        notes.append(text(
            "Background (CPython's source): a thread coming back from a blocking call must take the "
            "GIL again. The CPU-bound thread holds it and lets go only when asked, after the waiting "
            "thread has waited one switch interval; so every blocking call costs the I/O thread up to "
            "a switch interval more: the convoy effect (bpo-7946). A smaller switch interval (the "
            "knob) or a separate process shortens it.",
            "背景（CPython 源码）：线程从阻塞调用返回后必须重新获取 GIL。CPU 密集线程持有 GIL，"
            "只有在等待的线程等满一个切换间隔并提出请求后才会让出；所以每次阻塞调用都会让 I/O 线程多等最多一个切换间隔："
            "这就是护航效应（convoy effect，bpo-7946）。调小切换间隔（见参数）或改用单独的进程可以缓解。"))
    return head, f, notes


FIGURES = {
    "calls": text("Blocking calls", "阻塞调用次数"),
    "call_ms": text("Each call asks for (ms)", "每次调用请求的时长（毫秒）"),
    "switch_interval_ms": text("Switch interval (ms)", "切换间隔（毫秒）"),
    "wall_alone_s": text("All calls, alone (s)", "全部调用，单独运行（秒）"),
    "wall_beside_cpu_s": text("All calls, beside a CPU-bound thread (s)", "全部调用，旁边有 CPU 密集线程（秒）"),
    "slowdown": text("Slowdown", "变慢倍数"),
    "median_call_alone_ms": text("One call, alone (median, ms)", "单次调用，单独运行（中位数，毫秒）"),
    "median_call_beside_cpu_ms": text("One call, beside the CPU thread (median, ms)",
                                      "单次调用，旁边有 CPU 线程（中位数，毫秒）"),
    "longest_call_beside_cpu_ms": text("Longest call beside the CPU thread (ms)", "旁边有 CPU 线程时最长的一次调用（毫秒）"),
    "cpu_thread_cores": text("Cores the CPU-bound thread kept busy", "CPU 密集线程平均占用的核数"),
}

PHASES = {
    "alone": text("I/O thread alone", "I/O 线程单独运行"),
    "beside CPU": text("I/O thread beside a CPU-bound thread", "I/O 线程与 CPU 密集线程并存"),
}

SCENARIO = Scenario(
    id="convoy",
    group="gil",
    title=text("The convoy effect: I/O behind a CPU-bound thread", "护航效应：排在 CPU 密集线程后面的 I/O"),
    lesson=text(
        "Threads help with I/O, but not beside a CPU-bound thread. Each time an I/O thread comes "
        "back from a blocking call it needs the GIL again, and the CPU-bound thread keeps it "
        "until the switch interval has passed. Here one thread makes many short blocking calls, "
        "first alone, then beside one CPU-bound thread: the I/O thread's lane shows the wait "
        "after each call.",
        "线程适合 I/O，但旁边有 CPU 密集线程时就不一样了。I/O 线程每次从阻塞调用返回都要重新获取 GIL，"
        "而 CPU 密集线程会一直持有它，直到切换间隔用完。这里一个线程做许多次短的阻塞调用，先单独运行，"
        "再与一个 CPU 密集线程并存：I/O 线程的泳道上能看到每次调用之后的等待。"),
    params=(
        Param("calls", "int", 200, text("Blocking calls", "阻塞调用次数"), minimum=1, maximum=100000),
        Param("call_us", "int", 200, text("Each call", "每次调用"), minimum=1, maximum=100000, unit="µs"),
        switch_interval(),
    ),
    source=SOURCE,
    source_values={"CALLS": "calls", "CALL": lambda v: v["call_us"] / 1e6,
                   "SWITCH_INTERVAL": "switch_interval"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    seed_section="多核",
)
