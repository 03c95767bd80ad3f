"""thread-names: MainThread starts THREAD1..n; every printed line is tagged by its thread."""
import threading

from ..params import Param, workers, switch_interval
from ..wire import K
from .base import Scenario, Verdict, text

SOURCE = '''import sys, threading

N = 2                     # threads
LINES = 100               # lines each thread prints
SWITCH_INTERVAL = 0.005   # sys.setswitchinterval: the GIL's time slice

def run():
    print(threading.current_thread().name)        # the name of the thread running this
    n = 0
    while n < LINES:                               # the blog post's loop never did n += 1,
        print(threading.current_thread().name, n)  # so it printed "THREAD1 0" for ever
        n += 1
    print(threading.current_thread().name)

if __name__ == "__main__":
    sys.setswitchinterval(SWITCH_INTERVAL)
    print(threading.current_thread().name)         # MainThread
    threads = [threading.Thread(target=run, name="THREAD%d" % (i + 1)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("end", threading.current_thread().name)  # MainThread again
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'threads': '线程数',
    'lines each thread prints': '每个线程打印的行数',
    'the name of the thread running this': '正在运行这行代码的线程的名字',
    "the blog post's loop never did n += 1,": '原文的循环从不执行 n += 1，',
    'so it printed "THREAD1 0" for ever': '所以会一直打印 "THREAD1 0"',
    'MainThread': 'MainThread（主线程）',
    'MainThread again': '又是 MainThread',
}


def _thread_body(lines):
    """The blog post's run(), with the missing increment put back."""
    print(threading.current_thread().name)
    n = 0
    while n < lines:
        print(threading.current_thread().name, n)
        n += 1
    print(threading.current_thread().name)


def run(ctx, p):
    print(threading.current_thread().name)
    threads = [ctx.thread(_thread_body, "THREAD%d" % (i + 1), (p["lines"],))
               for i in range(p["workers"])]
    with ctx.phase("threads"):
        for t in threads:
            t.start()
        for t in threads:
            ctx.join(t)
    print("end", threading.current_thread().name)


def _lane_names(run):
    """{(pid, worker): name} from WORKER_START events, in the order the threads were created.

    Worker ids are taken when a thread is created (the main thread is 0), so
    sorting by them gives MainThread, THREAD1, THREAD2... whichever ran first.
    """
    starts = sorted((int(e["pid"]), int(e["worker"]), int(e["b"]))
                    for e in run.of_kind(K.WORKER_START))
    return {(pid, worker): run.name(pid, name_id) for pid, worker, name_id in starts}


def _started_after_the_last_line(run, span_ns: dict, main_key) -> bool:
    """Whether every worker thread's start came after the last printed line of the worker
    that printed before it (a run whose lines did not interleave)."""
    began = {(int(e["pid"]), int(e["worker"])): int(e["t"]) for e in run.of_kind(K.WORKER_START)}
    order = sorted((first, key) for key, (first, _last) in span_ns.items() if key != main_key)
    pairs = list(zip(order, order[1:]))
    return bool(pairs) and all(key in began and began[key] > span_ns[before][1]
                               for (_, before), (_, key) in pairs)


def interleaving(lane_sequence):
    """How often consecutive output lines of the worker threads changed lane.

    Lines printed strictly one thread after another change lane (threads - 1)
    times; anything more means the threads' lines interleaved.
    """
    switches = sum(1 for a, b in zip(lane_sequence, lane_sequence[1:]) if a != b)
    return switches, switches > max(len(set(lane_sequence)) - 1, 0)


def thread_names_headline(main_name: str, thread_names: list, expected: int, complete: bool,
                          interleaved: bool) -> dict:
    started_en = ", ".join(thread_names) or "no thread"
    started_zh = "、".join(thread_names) or "0 个线程"
    if not complete:
        return text("%s started %s; not every thread printed all %d lines"
                    % (main_name, started_en, expected),
                    "%s 启动了 %s；并非每个线程都打印完 %d 行" % (main_name, started_zh, expected))
    return text("%s started %s; each printed %d lines, %s"
                % (main_name, started_en, expected,
                   "interleaved" if interleaved else "one thread after another"),
                "%s 启动了 %s；每个线程打印 %d 行，%s"
                % (main_name, started_zh, expected,
                   "彼此交错" if interleaved else "各线程依次打印，没有交错"))


def verdict(run, p):
    names = _lane_names(run)
    main_key = next(iter(names), None)
    main_name = names.get(main_key, "?")
    thread_names = [name for key, name in names.items() if key != main_key]
    outputs = run.outputs()  # (t, pid, worker, text), in time order
    lines_per_thread = {}
    for _, pid, worker, _ in outputs:
        name = names.get((pid, worker), "?")
        lines_per_thread[name] = lines_per_thread.get(name, 0) + 1
    worker_lanes = [(pid, worker) for _, pid, worker, _ in outputs if (pid, worker) != main_key]
    switches, interleaved = interleaving(worker_lanes)
    main_lines = [line for _, pid, worker, line in outputs if (pid, worker) == main_key]
    span_ns = {}  # lane -> (first, last) output time: how long each thread printed
    for t, pid, worker, _ in outputs:
        first, _last = span_ns.get((pid, worker), (t, t))
        span_ns[(pid, worker)] = (first, t)
    longest_ns = max((b - a for key, (a, b) in span_ns.items() if key != main_key), default=0)
    figures = {"main_thread_name": main_name, "thread_names": thread_names,
               "lines_per_thread": lines_per_thread, "interleaved": interleaved,
               "lane_switches": switches, "main_thread_lines": main_lines,
               "longest_print_ms": round(longest_ns / 1e6, 3)}
    expected = p["lines"] + 2
    complete = all(lines_per_thread.get(n) == expected for n in thread_names)
    head = thread_names_headline(main_name, thread_names, expected, complete, interleaved)
    notes = [text(
        "The first and last lines come from %s: every process starts with one thread, the main "
        "thread, and it is the one that starts the others. threading.current_thread() returns the "
        "Thread object running the code that calls it." % main_name,
        "第一行和最后一行来自 %s：每个进程启动时都有一个线程，即主线程，其他线程由它启动。"
        "threading.current_thread() 返回正在执行这段代码的线程对象。" % main_name)]
    if interleaved:
        notes.append(text(
            "The threads' lines interleaved (%d changes of thread): the interpreter switched between "
            "them while they printed." % switches,
            "各线程的输出交错出现（切换了 %d 次）：它们打印期间解释器在线程之间切换。" % switches))
    else:
        ms, interval_ms = figures["longest_print_ms"], p["switch_interval"] * 1000
        if ms < interval_ms:
            notes.append(text(
                "Each thread printed all its lines before the next one started: the longest took "
                "%.2f ms, less than the %g ms switch interval, so no switch fell inside. Raise the "
                "lines or lower the switch interval to see them interleave." % (ms, interval_ms),
                "每个线程都在下一个线程开始前打印完了所有行：最长的用了 %.2f 毫秒，比 %g 毫秒的切换"
                "间隔短，中间没有发生切换。增加行数或减小切换间隔即可看到交错。" % (ms, interval_ms)))
        else:
            # Longer than the interval, yet not interleaved: the interval alone does not explain
            # it (it forces a switch only for a thread waiting for the GIL), so say only what
            # was measured: when each thread started against the last line before it.
            late = _started_after_the_last_line(run, span_ns, main_key)
            started = (" Each thread began only after the one before had printed its last line "
                       "(the timeline shows when each started)." if late else "")
            started_zh = ("每个线程都是在前一个线程打印完最后一行之后才开始的（时间线上可以看到"
                          "各线程何时开始）。" if late else "")
            notes.append(text(
                "Each thread printed all its lines before the next one printed any: the longest "
                "took %.2f ms, more than the %g ms switch interval, so the interval alone does not "
                "explain it.%s Raise the lines or lower the switch interval to see them "
                "interleave." % (ms, interval_ms, started),
                "每个线程都在下一个线程打印任何一行之前打印完了所有行：最长的用了 %.2f 毫秒，比 %g "
                "毫秒的切换间隔长，所以单凭切换间隔解释不了。%s增加行数或减小切换间隔即可看到交错。"
                % (ms, interval_ms, started_zh)))
    return Verdict(head, figures, notes, ok=main_name != "?" and complete)


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "main_thread_name": text("Main thread", "主线程"),
    "thread_names": text("Threads it started", "它启动的线程"),
    "lines_per_thread": text("Lines per thread", "每个线程打印的行数"),
    "interleaved": text("Lines interleaved", "输出交错"),
    "lane_switches": text("Changes of thread in the output", "输出中线程切换次数"),
    "main_thread_lines": text("Main thread's lines", "主线程打印的行"),
    "longest_print_ms": text("Longest time a thread spent printing (ms)", "单个线程最长打印时长（毫秒）"),
}


SCENARIO = Scenario(
    id="thread-names",
    group="threads",
    title=text("Thread names: MainThread and THREAD1..n", "线程名：MainThread 与 THREAD1..n"),
    lesson=text(
        "Every process starts with one thread, called MainThread; it can start more, each with a "
        "name of your choosing. threading.current_thread().name tells which thread runs the line "
        "that asks. Each printed line here appears on the lane of the thread that printed it. "
        "The blog post's loop (while n < 100) never increments n, so it would print forever; this "
        "version adds n += 1.",
        "每个进程启动时都有一个线程，叫 MainThread；它可以再启动其他线程，名字由你指定。"
        "threading.current_thread().name 返回正在执行这行代码的线程的名字。这里每一行输出都显示在打印它的线程泳道上。"
        "原文的循环（while n < 100）从不递增 n，会一直打印下去；这里补上了 n += 1。"),
    params=(
        workers(default=2, minimum=1, maximum=128),  # bench scale: 8 -> 128 threads
        Param("lines", "int", 100, text("Lines per thread", "每个线程打印的行数"),
              minimum=1, maximum=100000),
        switch_interval(),
    ),
    source=SOURCE,
    source_values={"N": "workers", "LINES": "lines", "SWITCH_INTERVAL": "switch_interval"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    seed_section="多线程 threading 模块",
)
