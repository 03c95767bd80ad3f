"""race: two threads do ``ret = ret + n; ret = ret - n``; without a lock updates get lost."""
import sys
import time

from ..gates import GATE_ACQUIRE, GATE_READ, GATE_RELEASE, GATE_WRITE
from ..params import Param, workers, switch_interval
from ..wire import K, S
from .base import Scenario, Verdict, text

SOURCE = '''import threading

ret = 0
lock = threading.Lock()

def change(n):
    global ret
    ret = ret + n      # read ret, add, write ret: not atomic
    ret = ret - n

def run(n):
    for i in range(10000):
        if USE_LOCK:
            with lock:         # the blog post: lock.acquire() ... finally: lock.release()
                change(n)
        else:
            change(n)

t1 = threading.Thread(target=run, args=(5,))
t2 = threading.Thread(target=run, args=(8,))
t1.start(); t2.start()
t1.join(); t2.join()
print(ret)             # 0 with the lock; without it, often not 0
'''

ret = 0  # the shared variable, a module global as in the blog post


def change(n):
    """The blog post's exact function."""
    global ret
    ret = ret + n
    ret = ret - n


def _worker(ctx, n, iterations, lock, traced):
    global ret
    if not traced:  # the blog post's exact code: no recording between read and write
        for i in range(iterations):
            if lock is not None:
                lock.acquire()
                try:
                    change(n)
                finally:
                    lock.release()
            else:
                change(n)
        return
    record = ctx.rec().event_at
    now = time.perf_counter_ns
    vid = ctx.intern("ret")
    read, write = K.VAR_READ, K.VAR_WRITE
    add, sub = LINE_ADD, LINE_SUB  # each access carries its line of the shown program (aux)
    for _ in range(iterations):
        if lock is not None:
            lock.acquire()
        # The timestamp is taken right before each access (a C call, no switch
        # point), so the trace orders accesses as they really happened; the
        # recording call after it is a Python call, hence a switch point.
        t = now(); x = ret; record(t, read, vid, x, add)
        t = now(); ret = x + n; record(t, write, vid, x + n, add)
        t = now(); x = ret; record(t, read, vid, x, sub)
        t = now(); ret = x - n; record(t, write, vid, x - n, sub)
        if lock is not None:
            lock.release()




def _line_of(code: str) -> int:
    """The 1-based line of SOURCE that code starts (the scheduler shows where a thread stands)."""
    for number, line in enumerate(SOURCE.splitlines(), 1):
        if line.strip().startswith(code):
            return number
    return 0


LINE_ADD, LINE_SUB, LINE_LOCK = _line_of("ret = ret + n"), _line_of("ret = ret - n"), _line_of("with lock")
_writes = 0  # writes of ret so far (gated runs: counted inside the gate, so exact)


def _gated_access(gates, number, record, vid, line, delta):
    """One ``ret = ret + delta`` as two gated steps: read, then write.  Returns True when
    the write overwrote another thread's write made since this thread's read."""
    global ret, _writes
    gates.enter(number, GATE_READ, line)
    # The loads and stores of a step stand together with no call between them (a call is
    # a switch point on 3.10+), so running freely `stale` says what really happened.
    t = time.perf_counter_ns(); x = ret; seen = _writes  # noqa: E702
    record(t, K.VAR_READ, vid, x, line)
    gates.leave(number)
    gates.enter(number, GATE_WRITE, line)
    t = time.perf_counter_ns(); ret = x + delta; stale = _writes != seen; _writes += 1  # noqa: E702
    record(t, K.VAR_WRITE, vid, x + delta, line)
    gates.leave(number)
    return stale


def _worker_gated(ctx, number, n, iterations, lock):
    """The traced worker with every access (and lock step) a gate of engine.gates: the
    user, a schedule or a replay decides which thread takes each next step."""
    gates = ctx.gates
    record = ctx.rec().event_at
    vid = ctx.intern("ret")
    try:
        for _ in range(iterations):
            if lock is not None:
                gates.enter(number, GATE_ACQUIRE, LINE_LOCK)
                got = lock.request()
                gates.leave(number)
                if not got:
                    lock.wait_for()
            for delta, line in ((n, LINE_ADD), (-n, LINE_SUB)):
                if _gated_access(gates, number, record, vid, line, delta):
                    gates.notice("lost update")
            if lock is not None:
                gates.enter(number, GATE_RELEASE, LINE_LOCK)
                lock.release()
                gates.leave(number)
    finally:
        gates.unregister(number)


def run(ctx, p):
    global ret, _writes
    ret = _writes = 0
    lock = ctx.lock("lock") if p["lock"] else None
    if ctx.gates is not None:  # scheduled: every access is a step someone chooses
        threads = [ctx.thread(_worker_gated, "THREAD%d" % (i + 1),
                              (ctx, i + 1, 5 + 3 * i, p["iterations"], lock))
                   for i in range(p["workers"])]
        for i in range(p["workers"]):
            ctx.gates.register(i + 1)  # before any starts: a schedule may name any of them
    else:
        threads = [ctx.thread(_worker, "THREAD%d" % (i + 1),
                              (ctx, 5 + 3 * i, p["iterations"], lock, p["traced"]))
                   for i in range(p["workers"])]
    with ctx.phase("threads"):
        for t in threads:
            t.start()
        for t in threads:
            ctx.join(t)
    print(ret)
    ctx.value("final_value", ret)
    ctx.value("switch_interval_us", int(sys.getswitchinterval() * 1e6))


def _updates(n: int) -> str:
    return "1 update" if n == 1 else "%d updates" % n


def _headline(final: int, lost_n) -> dict:
    """The one-line verdict; lost_n is None when accesses were not traced (not measured)."""
    if lost_n is None:  # the blog post's exact code: only the final value is measured
        if final == 0:
            return text("Final value 0 — expected 0 (accesses not traced: lost updates, if any, "
                        "cancelled out)",
                        "最终值 0，预期 0（未追踪读写：即使有丢失的更新，其影响也相互抵消了）")
        return text("Final value %d — expected 0: updates were lost" % final,
                    "最终值 %d，预期 0：有更新丢失" % final)
    if final == 0 and lost_n:
        # Each +n/-n pair nets to zero, so lost updates can cancel out: say so.
        return text("Final value 0 — expected 0, yet %s lost (their effects happened to "
                    "cancel out)" % (_updates(lost_n) + (" was" if lost_n == 1 else " were")),
                    "最终值 0，预期 0，但丢失了 %d 次更新（它们的影响恰好相互抵消）" % lost_n)
    if final == 0:
        return text("Final value 0 — expected 0: no update lost", "最终值 0，预期 0：没有丢失更新")
    return text("Final value %d — expected 0: %s lost" % (final, _updates(lost_n)),
                "最终值 %d，预期 0：丢失了 %d 次更新" % (final, lost_n))


def verdict(run, p):
    final = run.value("final_value")
    lost = run.lost_updates("ret") if p["traced"] else None
    lock_waits = int(((run.events["kind"] == K.STATE) & (run.events["b"] == S.LOCK_WAIT)).sum())
    figures = {"final_value": final, "expected_value": 0,
               "lost_updates": lost["count"] if lost else None,
               "lock_waits": lock_waits,
               "accesses_traced": int(len(run.accesses("ret"))) if p["traced"] else 0}
    version = run.interpreter.get("version", "?")
    minor = tuple(int(x) for x in version.split(".")[:2]) if version != "?" else (0, 0)
    free = run.gil_disabled
    head = _headline(final, figures["lost_updates"])
    notes = []
    if p["lock"]:
        cost = ("The cost is waiting: %d lock waits were recorded." % lock_waits if lock_waits else
                "No thread had to wait this time: a switch seldom lands inside the locked lines "
                "(a smaller switch interval makes it happen).")
        cost_zh = ("代价是等待：记录到 %d 次锁等待。" % lock_waits if lock_waits else
                   "这次没有线程需要等待：线程切换很少恰好发生在加锁的几行代码之间（调小切换间隔就能看到）。")
        notes.append(text("With the lock, one thread at a time runs change(n): the value is always 0. "
                          + cost, "加锁后同一时刻只有一个线程执行 change(n)，结果总是 0；" + cost_zh))
    elif p["traced"]:
        notes.append(text(
            "Each lost update is a write computed from a read that another thread's write "
            "had already made stale: the trace links them.",
            "每次丢失的更新，都是基于已被其他线程改写过的旧读数计算出的写入：轨迹中已把它们连起来。"))
    gated = run.gates
    if gated:  # scheduled: the order of steps was chosen, not the interpreter's
        notes = _scheduled_notes(run, gated) + notes
        return Verdict(head, dict(figures, steps=gated.get("steps", 0)), notes)
    if free:
        notes.append(text("This is a free-threaded build: threads really run at once, so "
                          "unlocked updates are lost constantly.",
                          "这是自由线程（无 GIL）版本：线程真正并行，不加锁时更新会频繁丢失。"))
    elif minor >= (3, 10):
        notes.append(text(
            "Python %s switches threads only at certain points (calls, loop jumps). With the "
            "blog post's exact code (traced off) updates are seldom lost here; recording every access "
            "is a call, so the traced run creates the switch points that make the race real. "
            "Python 3.9 loses updates readily." % version,
            "Python %s 只在特定位置（函数调用、循环跳转）切换线程。原文的代码（关闭追踪）在这里很少丢失更新；"
            "追踪每次读写本身就是函数调用，于是制造了切换点，使竞争真实出现。Python 3.9 则很容易丢失更新。" % version))
    else:
        notes.append(text("Python %s can switch threads between any two bytecodes, so "
                          "ret = ret + n loses updates even untraced." % version,
                          "Python %s 可在任意两条字节码之间切换线程，所以 ret = ret + n 即使不追踪也会丢失更新。" % version))
    return Verdict(head, figures, notes)


def _scheduled_notes(run, gated: dict) -> list:
    """What a scheduled run's order of steps did, from its recorded steps."""
    from ..interleaving import lost_update_story
    who = {"step": ("you chose", "由你选择"), "schedule": ("a schedule set", "由给定的调度顺序决定"),
           "replay": ("a replayed recording set", "由重放的录制决定")}[gated.get("mode", "schedule")]
    notes = [text("Every read and write of ret was a step whose order %s (%d steps), not the "
                  "interpreter's thread switches." % (who[0], gated.get("steps", 0)),
                  "对 ret 的每次读写都是一步，顺序%s（共 %d 步），而不是解释器的线程切换。"
                  % (who[1], gated.get("steps", 0)))]
    story = lost_update_story(run, "ret")
    if story:
        notes.insert(0, story)
    if gated.get("diverged"):
        notes.append(text("The schedule was followed until %s; the rest ran freely."
                          % gated["diverged"],
                          "调度顺序一直被遵守，直到 %s；其余部分自由运行。" % gated["diverged"]))
    return notes


# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "final_value": text("Final value", "最终值"),
    "expected_value": text("Expected value", "预期值"),
    "lost_updates": text("Lost updates", "丢失的更新"),
    "lock_waits": text("Waits for the lock", "等锁次数"),
    "accesses_traced": text("Reads and writes traced", "追踪的读写次数"),
    "steps": text("Steps scheduled", "调度的步数"),
}


SCENARIO = Scenario(
    id="race",
    group="threads",
    title=text("Race on a shared variable", "共享变量的竞争"),
    lesson=text(
        "Threads share every variable. ret = ret + n is not one step: it reads ret, adds, "
        "and writes ret back. If another thread writes in between, one of the two updates is "
        "lost. A Lock makes the read-modify-write happen one thread at a time.",
        "线程共享所有变量。ret = ret + n 不是一步完成的：先读 ret，再相加，最后写回。"
        "如果另一个线程在中间写入，两次更新中就会有一次丢失。用 Lock 可以保证同一时刻只有一个线程做这次读-改-写。"),
    params=(
        workers(default=2, minimum=2, maximum=16),
        Param("iterations", "int", 10000, text("Iterations per thread", "每个线程的循环次数"),
              minimum=1, maximum=1000000),
        Param("lock", "bool", False, text("Use a lock", "使用锁")),
        Param("traced", "bool", True, text("Trace every read and write", "追踪每次读写"),
              text("Record each access of ret (each is a call: a switch point).",
                   "记录对 ret 的每次读写（每次记录都是一次函数调用，也就是切换点）。")),
        switch_interval(),
    ),
    source=SOURCE,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    shows=("trace",),
    seed_section="线程锁",
    gates=True,
)
