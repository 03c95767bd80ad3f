"""threads-help: threads do speed up waiting and C code that releases the GIL, not Python loops."""
import hashlib
import time

from ..params import Param, workers
from .base import steps_so_far, Scenario, Verdict, text, usable_cpus

SOURCE = '''import hashlib, threading, time

N = 4                      # jobs: one thread each, or all in one thread
WAIT = 0.05                # seconds: a blocking call (network, disk, a child process)
MIB = 16                   # data hashed per job, in MiB
DATA = bytes(MIB << 20)    # hashing it runs in C with the GIL released
LOOP = 1000000             # a pure-Python loop: holds the GIL

def wait():
    time.sleep(WAIT)

def digest():
    hashlib.sha256(DATA).hexdigest()

def loop():
    x = 0
    for _ in range(LOOP):
        x = x ^ 1

def timed(job, threads):
    start = time.perf_counter()
    if threads:
        ts = [threading.Thread(target=job) for _ in range(N)]
        for t in ts: t.start()
        for t in ts: t.join()
    else:
        for _ in range(N):
            job()
    return time.perf_counter() - start

if __name__ == "__main__":
    for job in (wait, digest, loop):
        one, many = timed(job, False), timed(job, True)
        print("%s: one thread %.3f s, %d threads %.3f s, speedup %.2f"
              % (job.__name__, one, N, many, one / many))
'''

# The shown program's comments in Simplified Chinese (the Source tab in a Chinese window).
SOURCE_ZH = {
    'jobs: one thread each, or all in one thread': '任务数：每个一个线程，或全部在一个线程里',
    'seconds: a blocking call (network, disk, a child process)': '秒：一次阻塞调用（网络、磁盘、子进程）',
    'data hashed per job, in MiB': '每个任务哈希的数据量（MiB）',
    'hashing it runs in C with the GIL released': '哈希在 C 代码中进行，期间释放 GIL',
    'a pure-Python loop: holds the GIL': '纯 Python 循环：一直持有 GIL',
}

JOBS = ("wait", "digest", "loop")


def _job(ctx, kind, p, data):
    """One job of the given kind; its lane shows sleeping, or running (C code or Python)."""
    if kind == "wait":
        ctx.sleep(p["wait_ms"] / 1000.0)
    elif kind == "digest":
        hashlib.sha256(data).hexdigest()
    else:
        x = 0
        for _ in range(p["loop"]):
            x = x ^ 1


def _threaded(ctx, kind, p, data, label):
    start = time.thread_time_ns()
    _job(ctx, kind, p, data)
    ctx.value("cpu_ns " + label, time.thread_time_ns() - start)


def run(ctx, p):
    n = p["workers"]
    data = bytes(p["digest_mib"] << 20)
    ctx.value("cpu_count", usable_cpus())
    for kind in JOBS:
        with ctx.phase("%s: one thread" % kind):
            worker = ctx.thread(_one_thread, "ONE-%s" % kind.upper(), (ctx, kind, p, data, n))
            worker.start()
            ctx.join(worker)
        with ctx.phase("%s: threads" % kind):
            threads = [ctx.thread(_threaded, "%s%d" % (kind.upper(), i + 1),
                                  (ctx, kind, p, data, kind + " threads")) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                ctx.join(t)


def _one_thread(ctx, kind, p, data, n):
    start = time.thread_time_ns()
    for _ in range(n):
        _job(ctx, kind, p, data)
    ctx.value("cpu_ns %s one" % kind, time.thread_time_ns() - start)


def verdict(run, p):
    n = p["workers"]
    cores = run.value("cpu_count", 1)
    figures = {"workers": n, "cpu_count": cores, "ideal_speedup": min(n, cores)}
    for kind in JOBS:
        one = run.phase_wall_s("%s: one thread" % kind)
        many = run.phase_wall_s("%s: threads" % kind)
        cpu = sum(run.values("cpu_ns %s threads" % kind)) / 1e9
        figures["wall_%s_one_s" % kind] = round(one, 3) if one else None
        figures["wall_%s_threads_s" % kind] = round(many, 3) if many else None
        figures["speedup_%s" % kind] = round(one / many, 2) if one and many else None
        figures["cores_used_%s" % kind] = round(cpu / many, 2) if many else None
    one_cpu = run.value("cpu_ns loop one")
    one_wall = run.phase_wall_s("loop: one thread")
    # One CPU-bound thread alone keeps about one core busy on an idle machine.
    figures["cores_used_loop_one"] = round(one_cpu / 1e9 / one_wall, 2) if one_cpu and one_wall else None
    free = run.gil_disabled
    if run.stopped:
        return _stopped_verdict(run, figures, n)
    return Verdict(*threads_help_texts(figures, p, free))


def _stopped_verdict(run, figures: dict, n: int):
    """Stopped: the speedups of the jobs whose two steps both ended, nothing else."""
    done = [kind for kind in JOBS if figures["speedup_%s" % kind] is not None]
    steps = steps_so_far(run)
    if done:
        head = text("%d threads against one, measured before the end: %s; %s"
                    % (n, ", ".join("%s %.2fx" % (k, figures["speedup_%s" % k]) for k in done), steps["en"]),
                    "%d 个线程对比单线程，结束前测得的加速比：%s；%s"
                    % (n, "，".join("%s %.2f" % (k, figures["speedup_%s" % k]) for k in done), steps["zh_CN"]))
    else:
        head = text("No job's one-thread and many-thread steps both ended: no speedup measured; "
                    + steps["en"], "没有一项工作的单线程和多线程步骤都结束：没有测得加速比；" + steps["zh_CN"])
    return Verdict(head, figures, [])


def threads_help_texts(figures: dict, p: dict, free: bool):
    """(headline, figures, notes): every sentence from the figures; background labelled."""
    n = p["workers"]
    sw, sd, sl = figures["speedup_wait"], figures["speedup_digest"], figures["speedup_loop"]
    head = text("%d threads against one: waiting %.2fx, sha256 in C %.2fx, Python loop %.2fx faster"
                % (n, sw, sd, sl),
                "%d 个线程对比单线程的加速比：等待 %.2f，C 中的 sha256 %.2f，Python 循环 %.2f" % (n, sw, sd, sl))
    overlapped = sw is not None and sw > 1.5
    several = figures["cores_used_digest"] is not None and figures["cores_used_digest"] > 1.2
    turns = not free and figures["cores_used_loop"] is not None and figures["cores_used_loop"] < 1.2
    notes = [
        text("Waiting: %d sleeps of %g ms took %.3f s one after another in one thread and %.3f s in "
             "%d threads%s." % (n, p["wait_ms"], figures["wall_wait_one_s"], figures["wall_wait_threads_s"], n,
                                ", which waited at the same time" if overlapped else ""),
             "等待：%d 次 %g 毫秒的休眠，在一个线程里依次执行用了 %.3f 秒，%d 个线程用了 %.3f 秒%s。"
             % (n, p["wait_ms"], figures["wall_wait_one_s"], n, figures["wall_wait_threads_s"],
                "，它们是同时等待的" if overlapped else "")),
        text("sha256 of %d MiB: %.3f s in one thread, %.3f s in %d threads, which kept %.2f cores busy "
             "(%d usable here). %s" % (p["digest_mib"], figures["wall_digest_one_s"],
                                       figures["wall_digest_threads_s"], n, figures["cores_used_digest"],
                                       figures["cpu_count"],
                                       "The threads ran that C code on several cores at once." if several else
                                       "They did not get more than one core this run: other programs had "
                                       "the rest, or only one is usable (see the per-core plot)."),
             "对 %d MiB 数据做 sha256：单线程 %.3f 秒，%d 个线程 %.3f 秒，平均占用 %.2f 个核（这里可用 %d 个）。%s"
             % (p["digest_mib"], figures["wall_digest_one_s"], n, figures["wall_digest_threads_s"],
                figures["cores_used_digest"], figures["cpu_count"],
                "这些线程在多个核上同时执行了这段 C 代码。" if several else
                "本次它们没有用上一个以上的核：其余的核被别的程序占用，或者只有一个核可用（见每核负载图）。")),
        text("A pure-Python loop: %.3f s in one thread, %.3f s in %d threads, which kept %.2f cores busy%s."
             % (figures["wall_loop_one_s"], figures["wall_loop_threads_s"], n, figures["cores_used_loop"],
                ": they took turns" if turns else ""),
             "纯 Python 循环：单线程 %.3f 秒，%d 个线程 %.3f 秒，平均占用 %.2f 个核%s。"
             % (figures["wall_loop_one_s"], n, figures["wall_loop_threads_s"], figures["cores_used_loop"],
                "：它们只能轮流运行" if turns else "")),
        text("Background (CPython's source): a thread blocked in sleep, file, socket or pipe I/O "
             "releases the GIL; hashlib releases it while hashing a buffer over 2 KiB, zlib while "
             "compressing. Python bytecode runs only in the thread holding the GIL%s."
             % (" (this build has none)" if free else ""),
             "背景（CPython 源码）：阻塞在 sleep、文件、套接字或管道 I/O 上的线程会释放 GIL；hashlib 对超过 2 KiB "
             "的缓冲区求哈希时、zlib 压缩时也会释放。Python 字节码只在持有 GIL 的线程中执行%s。"
             % ("（这个构建没有 GIL）" if free else "")),
    ]
    alone = figures.get("cores_used_loop_one")
    if alone is not None and alone < 0.75:
        notes.insert(0, text(
            "The machine was busy: one CPU-bound thread alone kept only %.2f of a core busy, so other "
            "programs had the CPUs; the speedups above also measure how much CPU time the threads "
            "won from them. Close them and run again for clean figures." % alone,
            "机器很忙：单独一个 CPU 密集线程只占用了 %.2f 个核，其余的 CPU 被别的程序占用；上面的加速比里也包含了"
            "多个线程从别的程序那里多抢到的 CPU 时间。关掉它们再运行一次，才能得到干净的数据。" % alone))
    return head, figures, notes


FIGURES = {
    "cores_used_loop_one": text("Cores kept busy, Python loop, one thread", "平均占用的核数：Python 循环，单线程"),
    "wall_wait_one_s": text("Waiting, one thread (s)", "等待，单线程（秒）"),
    "wall_wait_threads_s": text("Waiting, threads (s)", "等待，多线程（秒）"),
    "speedup_wait": text("Speedup, waiting", "加速比：等待"),
    "cores_used_wait": text("Cores kept busy, waiting", "平均占用的核数：等待"),
    "wall_digest_one_s": text("sha256, one thread (s)", "sha256，单线程（秒）"),
    "wall_digest_threads_s": text("sha256, threads (s)", "sha256，多线程（秒）"),
    "speedup_digest": text("Speedup, sha256", "加速比：sha256"),
    "cores_used_digest": text("Cores kept busy, sha256", "平均占用的核数：sha256"),
    "wall_loop_one_s": text("Python loop, one thread (s)", "Python 循环，单线程（秒）"),
    "wall_loop_threads_s": text("Python loop, threads (s)", "Python 循环，多线程（秒）"),
    "speedup_loop": text("Speedup, Python loop", "加速比：Python 循环"),
    "cores_used_loop": text("Cores kept busy, Python loop", "平均占用的核数：Python 循环"),
}


def _phases():
    """Six steps within about a second: short labels ("wait ×1", "sha256 ×N"), so each reads
    whole above its lanes at 1024x768 with text x1.5 ("waiting: one thread" showed "wai…")."""
    phases = {}
    for kind, en, zh in (("wait", "wait", "等待"), ("digest", "sha256", "sha256"),
                         ("loop", "loop", "循环")):
        phases["%s: one thread" % kind] = text("%s ×1" % en, "%s ×1" % zh)
        phases["%s: threads" % kind] = text("%s ×N" % en, "%s ×N" % zh)
    return phases


SCENARIO = Scenario(
    id="threads-help",
    group="gil",
    title=text("When threads do help: waiting and C code", "线程什么时候有用：等待与 C 代码"),
    lesson=text(
        "The GIL stops threads from running Python bytecode at the same time, not from waiting "
        "at the same time. A thread blocked on I/O (a socket, a file, a pipe, sleep) releases the "
        "GIL, and so does C code written to release it, such as hashlib and zlib on large "
        "buffers. The same jobs run here in one thread, then in N threads: waiting, hashing a "
        "large buffer, and a pure-Python loop. Compare the three speedups.",
        "GIL 阻止的是多个线程同时执行 Python 字节码，而不是同时等待。阻塞在 I/O 上的线程（套接字、文件、管道、sleep）"
        "会释放 GIL，专门释放 GIL 的 C 代码也会，比如 hashlib 和 zlib 处理大缓冲区时。这里把同样的任务先放在一个线程里做，"
        "再分给 N 个线程：等待、对大缓冲区求哈希、纯 Python 循环。请对比三者的加速比。"),
    params=(
        workers(default=4, minimum=2, maximum=16),
        Param("wait_ms", "float", 50.0, text("Each wait", "每次等待"), minimum=1.0, maximum=1000.0,
              unit="ms"),
        Param("digest_mib", "int", 16, text("Data hashed per job", "每个任务哈希的数据量"),
              minimum=1, maximum=256, unit="MiB"),
        Param("loop", "int", 1000000, text("Python loop iterations per job", "每个任务的 Python 循环次数"),
              minimum=1000, maximum=100000000),
    ),
    source=SOURCE,
    source_values={"N": "workers", "WAIT": lambda v: v["wait_ms"] / 1000.0, "MIB": "digest_mib", "LOOP": "loop"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=_phases(),
    seed_section="多核",
)
