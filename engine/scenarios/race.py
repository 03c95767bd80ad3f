"""race: two threads do ``ret = ret + n; ret = ret - n``; without a lock updates get lost."""
import sys
import threading
import time

from ..gates import GATE_ACQUIRE, GATE_READ, GATE_RELEASE, GATE_WRITE
from ..params import Param, workers, switch_interval
from ..wire import K, S
from .base import Scenario, Verdict, text
from .race_texts import FIGURES, SOURCE_ZH, locals_note

SOURCE = '''import sys, threading

N = 2                     # threads: the blog post's t1 and t2 add 5 and 8
USE_LOCK = False          # the "Use a lock" knob
ITERATIONS = 10000        # the blog post: range(10000)
SWITCH_INTERVAL = 0.005   # sys.setswitchinterval: the GIL's time slice

ret = 0                   # shared by the threads: a global of the one process
lock = threading.Lock()

def change(n):
    global ret
    ret = ret + n         # read ret, add, write ret back: not an atomic operation
    ret = ret - n

def run(n):
    for i in range(ITERATIONS):
        if USE_LOCK:
            with lock:    # the blog post: lock.acquire() ... finally: lock.release()
                change(n)
        else:
            change(n)

if __name__ == "__main__":
    sys.setswitchinterval(SWITCH_INTERVAL)
    threads = [threading.Thread(target=run, args=(5 + 3 * i,)) for i in range(N)]
    for t in threads: t.start()
    for t in threads: t.join()
    # 0 with the lock. Without it: 0 on a GIL build of 3.10+ (no thread switch can
    # fall between the read and the write here); on 3.9 or a free-threaded build
    # updates can be lost (and +n/-n losses can still cancel out to 0).
    print(ret)
'''


ret = 0  # the shared variable, a module global as in the blog post


def change(n):
    """The blog post's exact function."""
    global ret
    ret = ret + n
    ret = ret - n


# Each thread's own: an attribute of a threading.local is per thread, as local variables are.
_own = threading.local()


def _worker(ctx, n, iterations, lock, traced):
    """The threads' loop around the shared ret, counting each iteration in two places that
    are each thread's own (a local variable and a threading.local attribute): the verdict
    sets what those counted beside what the shared ret lost."""
    _own.count = 0
    mine = _loop(ctx, n, iterations, lock, traced)
    ctx.value("local_count", mine)
    ctx.value("thread_local_count", _own.count)


def _loop(ctx, n, iterations, lock, traced):
    global ret
    own = _own
    mine = 0
    if not traced:  # the blog post's exact code: no recording between read and write
        for i in range(iterations):
            mine += 1
            own.count += 1
            if lock is not None:
                lock.acquire()
                try:
                    change(n)
                finally:
                    lock.release()
            else:
                change(n)
        return mine
    vid = ctx.intern("ret")
    if lock is not None:
        return _locked_loop(ctx, n, iterations, lock, vid)
    batch = _pass_batch(ctx, vid, spots=2)
    add, now = batch.add, time.perf_counter_ns
    room, due = batch.drain()
    for _ in range(iterations):
        mine += 1
        own.count += 1
        # Each timestamp is taken right after its access, with no switch point between
        # the two: 3.10+ check for a switch only after a call returns (and at function
        # entry and loop jumps), so the clock call cannot be separated from the load or
        # store before it, and the trace orders accesses as they really happened.  The
        # clock call is the recording's, and a call: a switch point between each read and
        # its write.  The extend after it records the access (engine/batch.py), where a
        # recording call stood.
        x = ret; t = now()
        add((t, x))
        ret = x + n; t = now()
        add((t, x + n))
        x = ret; t = now()
        # The batch drains (every BATCH_EVENTS events, or FLUSH_AGE_NS) at two spots in
        # turn: here, between a read and its write, and after the pass's last write, as the
        # old recorder flushed at whichever access filled its frame.  A switch falls where
        # the time is, and a drain takes a good part of it: always after the last write, it
        # halved how often a switch lands between a read and its write (the lost updates of
        # the lesson); always here, it nearly doubled it.
        room -= 1
        if room <= 0 or t > due:
            room, due = batch.drain()
        add((t, x))
        ret = x - n; t = now()
        add((t, x - n))
        room -= 1
        if room <= 0 or t > due:
            room, due = batch.drain()
    batch.drain()
    return mine


def _pass_batch(ctx, vid, spots):
    """The batch of one pass's accesses, each with its line of the shown program (aux): read
    and write of ret = ret + n, then of ret = ret - n (engine/batch.py: an access is one list
    append; spots: the drain spots a pass has)."""
    return ctx.rec().batch(((K.VAR_READ, vid, LINE_ADD), (K.VAR_WRITE, vid, LINE_ADD),
                            (K.VAR_READ, vid, LINE_SUB), (K.VAR_WRITE, vid, LINE_SUB)), spots=spots)


def _locked_loop(ctx, n, iterations, lock, vid):
    """The traced loop with the lock: the same accesses, recorded the same way, drained at
    one spot only, after the release.  A drain inside the locked section lengthens it (the
    other thread's lock wait then holds the recorder's packing), and a thread switch that
    lands in it leaves the lock held while the holder waits for the GIL
    (tests/engine/test_lock_drains.py).  With the lock no update can be lost, so where a
    switch lands decides nothing the lesson counts."""
    global ret
    own = _own
    mine = 0
    batch = _pass_batch(ctx, vid, spots=1)
    add, now = batch.add, time.perf_counter_ns
    room, due = batch.drain()
    for _ in range(iterations):
        mine += 1
        own.count += 1
        lock.acquire()
        x = ret; t = now()  # as in _loop: each clock right after its access
        add((t, x))
        ret = x + n; t = now()
        add((t, x + n))
        x = ret; t = now()
        add((t, x))
        ret = x - n; t = now()
        add((t, x - n))
        lock.release()
        room -= 1
        if room <= 0 or t > due:
            room, due = batch.drain()
    batch.drain()
    return mine


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


def _headline(final: int, lost_n, locked: bool, switch_points_added: bool) -> dict:
    """The one-line verdict, from this run's figures only.

    lost_n is None when accesses were not traced (only the final value is measured).
    switch_points_added: a traced run on an interpreter that switches only at calls,
    function entries and backward jumps (3.10+ with a GIL), where the recording's
    calls are the only switch points between a read and its write.
    """
    if lost_n is None:
        if final == 0:
            return text("Final value 0 — expected 0 (accesses not traced: only the final value "
                        "is measured)",
                        "最终值 0，预期 0（未追踪读写，只测最终值）")
        return text("Final value %d — expected 0: updates were lost" % final,
                    "最终值 %d，预期 0：有更新丢失" % final)
    if lost_n == 0:
        if final == 0:
            return text("Final value 0 — expected 0: no update lost", "最终值 0，预期 0：没有丢失更新")
        return text("Final value %d — expected 0" % final, "最终值 %d，预期 0" % final)
    where_en = (", each at a switch point the recording added" if switch_points_added and not locked
                else "")
    where_zh = ("，都发生在记录读写时新增的切换点上" if switch_points_added and not locked else "")
    if final == 0:
        # Each +n/-n pair nets to zero, so lost updates can cancel out: say so.
        return text("Final value 0 — expected 0, yet %s lost%s (their effects cancelled out)"
                    % (_updates(lost_n) + (" was" if lost_n == 1 else " were"), where_en),
                    "最终值 0，预期 0，但丢失了 %d 次更新%s（它们的影响相互抵消）" % (lost_n, where_zh))
    return text("Final value %d — expected 0: %s lost%s" % (final, _updates(lost_n), where_en),
                "最终值 %d，预期 0：丢失了 %d 次更新%s" % (final, lost_n, where_zh))


def switches_only_at_calls_and_jumps(version: str, free_threaded: bool) -> bool:
    """CPython 3.10+ with a GIL checks for a thread switch only at calls, function
    entries and backward jumps (bpo-29988, python/cpython PR #18334); 3.9 checks
    before almost every bytecode."""
    try:
        minor = tuple(int(x) for x in version.split(".")[:2])
    except ValueError:
        return False
    return minor >= (3, 10) and not free_threaded


def verdict(run, p):
    final = run.value("final_value")
    lost = run.lost_updates("ret") if p["traced"] else None
    lock_waits = run.count(K.STATE, S.LOCK_WAIT)
    interval_us = run.value("switch_interval_us")
    figures = {"final_value": final, "expected_value": 0,
               "lost_updates": lost["count"] if lost else None,
               "lock_waits": lock_waits,
               "accesses_traced": run.access_count("ret") if p["traced"] else 0,
               "switch_interval_us": interval_us}
    gated = run.gates
    if final is None and run.stopped:  # stopped before the threads were joined: no final value
        head, figures, notes = _unfinished_texts(run, figures, p)
    else:
        head, figures, notes = race_texts(figures, p, run.interpreter.get("version", "?"),
                                          run.gil_disabled, scheduled=bool(gated))
    own_note = None if run.stopped else locals_note(  # a stopped run's threads did not finish
        figures, run.values("local_count"), run.values("thread_local_count"), p["iterations"])
    if own_note is not None:
        notes.append(own_note)
    if gated:  # scheduled: the order of steps was chosen, not the interpreter's
        notes = _scheduled_notes(run, gated) + notes
        figures = dict(figures, steps=gated.get("steps", 0))
    return Verdict(head, figures, notes)


def _unfinished_texts(run, figures: dict, p: dict):
    """A run that never wrote its final value (stopped while the threads ran): what the
    traced accesses measured until then, never a claim about the end."""
    lost_n, traced = figures["lost_updates"], figures["accesses_traced"]
    now = run.final_value("ret") if p["traced"] else None
    figures = dict(figures, value_when_stopped=now)
    if lost_n is None:
        head = text("No final value: the threads had not ended, and accesses were not traced, "
                    "so no lost update could be counted",
                    "没有最终值：线程尚未结束，且未追踪读写，无法统计丢失的更新")
    elif lost_n:
        head = text("%s lost in %d traced accesses before the end (ret was %s)"
                    % (_updates(lost_n)[0].upper() + _updates(lost_n)[1:], traced, now),
                    "结束前的 %d 次被追踪的读写中丢失了 %d 次更新（ret 当时为 %s）" % (traced, lost_n, now))
    else:
        head = text("No update lost in %d traced accesses before the end (ret was %s)" % (traced, now),
                    "结束前的 %d 次被追踪的读写中没有丢失更新（ret 当时为 %s）" % (traced, now))
    notes = []
    if lost_n:
        notes.append(text(
            "Each lost update is a write computed from a read that another thread's write "
            "had already made stale: the trace links them.",
            "每次丢失的更新，都是基于过期的读取值（其他线程已改写）算出的写入：轨迹中已把它们连起来。"))
    if p["lock"]:
        notes.append(text("With the lock, %d lock waits were recorded before the end."
                          % figures["lock_waits"],
                          "加锁时，结束前记录到 %d 次锁等待。" % figures["lock_waits"]))
    return head, figures, notes


def race_texts(figures: dict, p: dict, version: str, free: bool, scheduled: bool = False):
    """(headline, figures, notes) from this run's figures; background is labelled as such.

    scheduled: every access was a step whose order someone chose (engine.gates), so the
    interpreter's switch points, and the notes about them, do not apply."""
    final, lost_n, lock_waits = figures["final_value"], figures["lost_updates"], figures["lock_waits"]
    calls_only = switches_only_at_calls_and_jumps(version, free)
    head = _headline(final, lost_n, p["lock"], calls_only and p["traced"] and not scheduled)
    measured = ("lost updates: %d" % lost_n) if lost_n is not None else "accesses not traced"
    measured_zh = ("丢失的更新：%d 次" % lost_n) if lost_n is not None else "未追踪读写"
    notes = []
    if p["lock"]:
        cost = ("The cost is waiting: %d lock waits were recorded." % lock_waits if lock_waits else
                "No thread had to wait this time: no switch landed inside the locked lines "
                "(a smaller switch interval makes it happen).")
        cost_zh = ("代价是等待：记录到 %d 次锁等待。" % lock_waits if lock_waits else
                   "这次没有线程需要等待：没有一次线程切换恰好落在加锁的几行代码之间（调小切换间隔就能看到）。")
        notes.append(text("With the lock, one thread at a time ran change(n): final value %d (%s). "
                          % (final, measured) + cost,
                          "加锁后同一时刻只有一个线程执行 change(n)：最终值 %d（%s）。" % (final, measured_zh)
                          + cost_zh))
    elif lost_n:
        notes.append(text(
            "Each lost update is a write computed from a read that another thread's write "
            "had already made stale: the trace links them.",
            "每次丢失的更新，都是基于过期的读取值（其他线程已改写）算出的写入：轨迹中已把它们连起来。"))
    if scheduled:
        return head, figures, notes
    if free:
        if not p["lock"]:
            notes.append(text(
                "This is a free-threaded build: threads really run at once, so nothing orders "
                "their reads and writes of ret. This run: final value %d (%s)." % (final, measured),
                "这是自由线程（无 GIL）构建：线程真正同时运行，对 ret 的读写之间没有任何先后保证。"
                "本次运行：最终值 %d（%s）。" % (final, measured_zh)))
    elif calls_only:
        notes.append(text(
            "Background (CPython's source): Python %s with a GIL switches threads only at calls, "
            "function entries and backward jumps (since 3.10). change(n) has none between reading "
            "ret and writing it, so the blog post's exact code (tracing off) cannot lose an update "
            "here. The language does not promise this, and free-threaded builds do lose updates. "
            "Recording each access is a call, so a traced run adds switch points between a read "
            "and its write: those make the race real." % version,
            "背景（CPython 源码）：带 GIL 的 Python %s 只在函数调用、函数入口和向后跳转处切换线程（3.10 起）。"
            "change(n) 在读 ret 与写 ret 之间没有这样的位置，所以原文的代码（关闭追踪）在这里不会丢失更新"
            "——但语言并不保证这一点，自由线程构建就会丢失更新。追踪每次读写本身就是函数调用，"
            "于是在读和写之间加入了切换点，让竞态真的发生。" % version))
    else:
        zero_untraced = lost_n is None and final == 0
        notes.append(text(
            "Background (CPython's source): Python %s may switch threads after almost any bytecode, "
            "so ret = ret + n can lose an update even untraced. %s" % (version, (
                "This run's final value is 0, which does not show whether any was lost: each "
                "thread adds n and subtracts it again, so lost updates can cancel out."
                if zero_untraced else "This run: final value %d (%s)." % (final, measured))),
            "背景（CPython 源码）：Python %s 几乎在任意一条字节码之后都可能切换线程，所以 ret = ret + n "
            "即使不追踪也可能丢失更新。%s" % (version, (
                "本次最终值为 0，这并不能说明有没有丢失更新：每个线程先加 n 再减 n，丢失的更新可能相互抵消。"
                if zero_untraced else "本次运行：最终值 %d（%s）。" % (final, measured_zh)))))
    return head, figures, notes


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


SCENARIO = Scenario(
    id="race",
    group="threads",
    title=text("Race condition: lost updates to a shared variable", "竞态条件：共享变量的更新丢失"),
    lesson=text(
        "Threads of one process share its global variables and every object; only local "
        "variables (and threading.local data) are each thread's own. ret = ret + n is not an "
        "atomic operation: it reads ret, adds, and writes ret back. If another thread writes in "
        "between, one of the two updates is lost. A Lock makes the read-modify-write happen one "
        "thread at a time. Whether a switch can fall between the read and the write depends on "
        "the interpreter: the verdict says what this run measured.",
        "同一进程的线程共享全局变量和所有对象，只有局部变量（以及 threading.local 的数据）是各线程自己的。"
        "ret = ret + n 不是原子操作：先读 ret，再相加，最后写回。如果另一个线程在中间写入，"
        "两次更新中就会有一次丢失。用 Lock 可以保证同一时刻只有一个线程做这次读-改-写。"
        "读和写之间会不会发生线程切换取决于解释器：结论里给出本次运行实测的结果。"),
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
    source_values={"N": "workers", "USE_LOCK": "lock", "ITERATIONS": "iterations",
                   "SWITCH_INTERVAL": "switch_interval"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    shows=("trace",),
    seed_section="线程锁",
    gates=True,
)
