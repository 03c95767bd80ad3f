"""deadlock: threads take two locks in opposite order and wait for each other for ever."""
import threading
import time

from ..gates import GATE_ACQUIRE, GATE_RELEASE
from ..params import Param, workers
from ..wire import K, S
from .base import Scenario, Verdict, text

SOURCE = '''import threading, time

ORDERED = False           # the "Same lock order" knob: the fix
WAIT = 0.5                # seconds a thread waits for the other to hold its first lock

a = threading.Lock()
b = threading.Lock()
both_hold = threading.Barrier(2, timeout=WAIT)

def worker(first, second):
    with first:
        try:
            both_hold.wait()  # until the other thread holds its first lock too
        except threading.BrokenBarrierError:
            pass              # one lock order: the other thread waits for our first lock
        with second:          # unordered: each waits for the lock the other holds, for ever
            pass

if __name__ == "__main__":
    t1 = threading.Thread(target=worker, args=(a, b), name="THREAD1", daemon=True)
    t2 = threading.Thread(target=worker, args=(a, b) if ORDERED else (b, a), name="THREAD2",
                          daemon=True)
    t1.start(); t2.start()
    deadline = time.monotonic() + 2 * WAIT  # a plain join() would never return
    for t in (t1, t2):
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in (t1, t2) if t.is_alive()]
    # daemon threads: the program can exit although they are blocked for ever
    print("deadlock:", ", ".join(stuck) if stuck else "none")
'''

LOCK_NAMES = "ABCDEFGH"  # one lock per thread, so at most 8 threads


def find_cycle(holder: dict, waiting: dict) -> list:
    """A wait-for cycle as [thread, ...], or [].

    holder: lock -> thread holding it; waiting: thread -> lock it is blocked on.
    Thread T waits for thread holder[waiting[T]]; a walk that comes back to a
    thread it already passed has found threads that wait for each other.
    """
    for start in sorted(waiting):
        path, thread = [], start
        while thread in waiting and thread not in path:
            path.append(thread)
            thread = holder.get(waiting[thread])
        if thread in path:
            return path[path.index(thread):]
    return []


def _take(lock, lock_name, thread_name, table):
    """Acquire, keeping the wait-for table the main thread's detector reads.

    The table is written before blocking and after acquiring, so an entry in
    it is never more than the truth: a cycle in it is a real deadlock.
    """
    table["waiting"][thread_name] = lock_name
    lock.acquire()
    table["holder"][lock_name] = thread_name
    del table["waiting"][thread_name]


def _give(lock, lock_name, table):
    del table["holder"][lock_name]
    lock.release()


def worker(ctx, first, second, hold_s, table):
    name = threading.current_thread().name
    if ctx.gates is not None:
        return _worker_gated(ctx, int(name[len("THREAD"):]), first, second, hold_s, table)
    _take(first[1], first[0], name, table)
    ctx.sleep(hold_s)
    _take(second[1], second[0], name, table)
    _give(second[1], second[0], table)
    _give(first[1], first[0], table)


def _line_of(code: str) -> int:
    """The 1-based line of SOURCE that code starts (where the scheduler shows a thread)."""
    for number, line in enumerate(SOURCE.splitlines(), 1):
        if line.strip().startswith(code):
            return number
    return 0


LINE_FIRST, LINE_SECOND = _line_of("with first"), _line_of("with second")


def _worker_gated(ctx, number, first, second, hold_s, table):
    """Each acquire and release a gate of engine.gates: the user (or a schedule) picks which
    thread takes its next lock step, and can cause the deadlock, or avoid it."""
    gates, name = ctx.gates, "THREAD%d" % number
    try:
        for (lock_name, lock), line in ((first, LINE_FIRST), (second, LINE_SECOND)):
            gates.enter(number, GATE_ACQUIRE, line)
            table["waiting"][name] = lock_name
            got = lock.request()
            gates.leave(number)
            if not got:
                lock.wait_for()  # refused: blocked until the holder releases, maybe never
            table["holder"][lock_name] = name
            del table["waiting"][name]
            if line == LINE_FIRST:
                ctx.sleep(hold_s)
        for (lock_name, lock), line in ((second, LINE_SECOND), (first, LINE_FIRST)):
            gates.enter(number, GATE_RELEASE, line)
            _give(lock, lock_name, table)
            gates.leave(number)
    finally:
        gates.unregister(number)


def run(ctx, p):
    n = p["workers"]
    locks = [(LOCK_NAMES[i], ctx.lock(LOCK_NAMES[i])) for i in range(n)]
    table = {"holder": {}, "waiting": {}}
    threads = []
    for i in range(n):
        # A ring: thread i wants lock i, then lock i+1.  Ordered: lowest letter first.
        pair = [locks[i], locks[(i + 1) % n]]
        if p["ordered"]:
            pair.sort(key=lambda named: named[0])
        threads.append(ctx.thread(worker, "THREAD%d" % (i + 1),
                                  (ctx, pair[0], pair[1], p["hold_ms"] / 1000.0, table)))
        if ctx.gates is not None:
            ctx.gates.register(i + 1)
    with ctx.phase("threads"):
        for t in threads:
            t.start()
        cycle = _watch(ctx, threads, table, p["detect_s"])
    if cycle:
        # Python cannot stop a thread blocked in acquire(): the run ends here and
        # the runner's os._exit takes the stuck threads with it.
        print("Deadlock: " + "; ".join("%s holds %s and waits for %s" % (
            thread, ", ".join(sorted(k for k, v in table["holder"].items() if v == thread)),
            table["waiting"].get(thread)) for thread in cycle))
    else:
        print("all %d threads finished" % n)
    ctx.value("deadlock_detected", 1 if cycle else 0)
    ctx.value("threads_alive", sum(1 for t in threads if t.is_alive()))


def _watch(ctx, threads, table, detect_s):
    """Join with a timeout; if threads are still alive, look for a wait-for cycle."""
    while True:
        deadline = time.monotonic() + detect_s
        for t in threads:
            ctx.join(t, max(0.0, deadline - time.monotonic()))
        if not any(t.is_alive() for t in threads):
            return []
        # holder first: a lock seen held was still held when waiting was read
        cycle = find_cycle(dict(table["holder"]), dict(table["waiting"]))
        if cycle:
            return cycle


def wait_for_graph(run):
    """Who holds which lock and waits for which, replayed from the recorded lock events."""
    names = {(int(e["pid"]), int(e["worker"])): run.name(e["pid"], e["b"])
             for e in run.of_kind(K.WORKER_START)}
    holder, waiting = {}, {}
    for e in run.of_kind(K.LOCK_REQUEST, K.LOCK_ACQUIRED, K.LOCK_RELEASE):
        thread, lock = names.get((int(e["pid"]), int(e["worker"])), "?"), run.name(e["pid"], e["b"])
        if e["kind"] == K.LOCK_REQUEST:
            waiting[thread] = lock
        elif e["kind"] == K.LOCK_ACQUIRED:
            holder[lock] = thread
            waiting.pop(thread, None)
        elif holder.get(lock) == thread:
            del holder[lock]
    last_state = {}
    for e in run.of_kind(K.STATE, K.WORKER_EXIT):
        state = S.DONE if e["kind"] == K.WORKER_EXIT else int(e["b"])
        last_state[names.get((int(e["pid"]), int(e["worker"])), "?")] = state
    return holder, waiting, last_state


def verdict(run, p):
    holder, waiting, last_state = wait_for_graph(run)
    cycle = find_cycle(holder, waiting)
    edges = [{"thread": t, "holds": sorted(k for k, v in holder.items() if v == t),
              "waits_for": waiting[t], "held_by": holder.get(waiting[t])} for t in sorted(waiting)]
    in_lock_wait = sorted(t for t, s in last_state.items() if s == S.LOCK_WAIT)
    finished = sorted(t for t, s in last_state.items() if s == S.DONE and t.startswith("THREAD"))
    checked = run.value("deadlock_detected")
    # Stopped before the main thread's check: the cycle in the wait-for graph replayed from
    # the recorded lock events, every thread of it still in lock wait, is the measure.
    detected = checked == 1 if checked is not None else bool(run.stopped)
    deadlocked = bool(detected and cycle and set(cycle) <= set(in_lock_wait))
    figures = {"deadlocked": deadlocked, "wait_for": edges, "cycle": cycle,
               "lanes_in_lock_wait": in_lock_wait, "threads_finished": finished,
               "threads_phase_s": round(run.phase_wall_s("threads") or 0.0, 3)}
    if deadlocked:
        said = "; ".join("%s holds %s and waits for %s" % (e["thread"], ", ".join(e["holds"]), e["waits_for"])
                         for e in edges if e["thread"] in cycle)
        said_zh = "；".join("%s 持有 %s，等待 %s" % (e["thread"], "、".join(e["holds"]), e["waits_for"])
                           for e in edges if e["thread"] in cycle)
        head = text("Deadlock: " + said, "死锁：" + said_zh)
        notes = [_unchecked_note(cycle, p["detect_s"])] if checked is None else [text(
            "Each thread holds a lock the next one needs and waits for one the previous holds, so "
            "none can go on: every lane in the cycle stays in lock wait. Python does not detect this and cannot "
            "stop a thread blocked in acquire(); here the main thread noticed it after %.2f s (a "
            "join timeout, then a cycle in the wait-for graph) and the run ended the process."
            % figures["threads_phase_s"],
            "每个线程都持有下一个线程需要的锁，又在等上一个线程持有的锁，谁也无法继续：等待环中的每条泳道都一直停在锁等待。"
            "Python 不会检测死锁，也无法停止阻塞在 acquire() 中的线程；这里主线程在 %.2f 秒后发现了它"
            "（join 超时，再在等待图中找到等待环），运行随后结束了整个进程。" % figures["threads_phase_s"]),
            text("The fix: every thread takes the locks in one global order (A before B). Turn on "
                 "'Same lock order' to see it finish.",
                 "修正方法：所有线程按同一个全局顺序获取锁（先 A 后 B）。打开“相同的加锁顺序”即可看到程序正常结束。")]
    elif checked is None:  # stopped: threads that had not finished may still have gone on
        head = text("No deadlock when stopped: %d of %d threads finished, %d waiting for a lock"
                    % (len(finished), p["workers"], len(in_lock_wait)),
                    "停止时没有死锁：%d 个线程中有 %d 个已结束，%d 个在等锁"
                    % (p["workers"], len(finished), len(in_lock_wait)))
        notes = [text("When the run was stopped, the recorded lock events held no cycle of waits: "
                      "no thread waited, through others, for a lock it held itself.",
                      "运行被停止时，记录的加锁事件中没有等待环：没有线程（经由其他线程）在等自己持有的锁。")]
    else:
        head = text("No deadlock: all %d threads finished" % p["workers"] if len(finished) == p["workers"] else
                    "No deadlock: %d of %d threads finished" % (len(finished), p["workers"]),
                    ("没有死锁：%d 个线程全部正常结束" % p["workers"] if len(finished) == p["workers"] else
                     "没有死锁：%d 个线程中有 %d 个正常结束" % (p["workers"], len(finished))))
        notes = [text(
            "With one lock order (A before B) a thread that holds a lock never waits for a lower "
            "one, so no cycle of waits can form: a thread may wait, but the one it waits for can "
            "always go on." if p["ordered"] else
            "The threads did not block each other this time: one got both locks before the other "
            "took its first. A longer hold time makes the deadlock certain.",
            "所有线程按同一顺序（先 A 后 B）获取锁时，持有锁的线程不会再去等更靠前的锁，等待就不可能形成等待环："
            "线程可能需要等，但它等的那个线程总能继续。" if p["ordered"] else
            "这一次线程没有互相阻塞：一个线程在另一个获取第一把锁之前就拿到了两把锁。加长持有时间会让死锁必然发生。")]
    if run.gates:
        if not deadlocked and not p["ordered"]:  # the order was chosen: no advice on timing
            notes = [text("This order of steps let each thread take both its locks without the "
                          "other holding one it needed: no cycle formed. A deadlock needs each "
                          "thread to take its first lock before either asks for its second.",
                          "这样的步骤顺序让每个线程获取两把锁时，都没有遇到另一个线程持有它需要的锁：没有形成等待环。"
                          "要造成死锁，需要每个线程都先获取第一把锁，然后才有线程请求第二把。")]
        notes = _scheduled_notes(run, run.gates, cycle if deadlocked else []) + notes
        figures["steps"] = run.gates.get("steps", 0)
    return Verdict(head, figures, notes,
                   ok=deadlocked or len(finished) == p["workers"] or checked is None)


def _unchecked_note(cycle: list, detect_s: float) -> dict:
    """A deadlock found in the recorded events of a run stopped before the program's check."""
    return text(
        "The run was stopped before the main thread's check (a join timeout of %g s): the "
        "wait-for graph replayed from the recorded lock events has a cycle (%s), and every "
        "thread in it was in lock wait when stopped. Python does not detect this and cannot "
        "stop a thread blocked in acquire(): it would have waited for ever."
        % (detect_s, " → ".join(cycle + cycle[:1])),
        "运行在主线程检查之前（join 超时 %g 秒）就被停止了：由记录的加锁事件重建的等待图中有等待环（%s），"
        "停止时环中的每个线程都在等锁。Python 不会检测死锁，也无法停止阻塞在 acquire() 中的线程：它们会一直等下去。"
        % (detect_s, " → ".join(cycle + cycle[:1])))


def _scheduled_notes(run, gated: dict, cycle: list) -> list:
    """Which steps closed the cycle, when the order of lock steps was chosen."""
    from ..interleaving import gated_steps
    who = {"step": ("you chose", "由你选择"), "schedule": ("a schedule set", "由给定的调度顺序决定"),
           "replay": ("a replayed recording set", "由重放的录制决定")}[gated.get("mode", "schedule")]
    notes = [text("Every lock request and release was a step whose order %s (%d steps)."
                  % (who[0], gated.get("steps", 0)),
                  "每次请求和释放锁都是一步，顺序%s（共 %d 步）。" % (who[1], gated.get("steps", 0)))]
    if not cycle:
        return notes
    steps = gated_steps(run)
    names = {(int(e["pid"]), int(e["worker"])): run.name(e["pid"], e["b"])
             for e in run.of_kind(K.WORKER_START)}
    acquired = {(int(e["pid"]), int(e["worker"]), int(e["b"])) for e in run.of_kind(K.LOCK_ACQUIRED)}
    refused = []  # (step, thread, lock): requests that never got their lock
    for i, e in enumerate(steps):
        key = (int(e["pid"]), int(e["worker"]), int(e["b"]))
        if e["kind"] == K.LOCK_REQUEST and key not in acquired and names.get(key[:2]) in cycle:
            refused.append((i + 1, names.get(key[:2]), run.name(e["pid"], e["b"])))
    if refused:
        en = "; ".join("step %d: %s asked for %s, which the other held" % r for r in refused)
        zh = "；".join("第 %d 步：%s 请求 %s，而它正被另一个线程持有" % r for r in refused)
        notes.insert(0, text("These choices caused the deadlock: %s. From then on each waits "
                             "for the other." % en, "造成死锁的是这些选择：%s。此后它们互相等待。" % zh))
    return notes


THREADS = workers(default=2, minimum=2, maximum=len(LOCK_NAMES))
THREADS.label = text("Threads (and locks)", "线程数（锁数相同）")
THREADS.help = text("Thread i takes lock i, then lock i+1 (the last one wraps to A).",
                    "第 i 个线程先获取第 i 把锁，再获取第 i+1 把（最后一个线程回到 A）。")

# What each verdict figure is, for the window (the CLI and --json keep the names).
FIGURES = {
    "deadlocked": text("Deadlocked", "发生死锁"),
    "wait_for": text("Who waits for whom", "谁在等谁"),
    "cycle": text("Cycle", "等待环"),
    "lanes_in_lock_wait": text("Threads left waiting for a lock", "仍在等锁的线程数"),
    "threads_finished": text("Threads that finished", "完成的线程数"),
    "threads_phase_s": text("Threads ran until done or deadlock found (s)", "线程运行到结束或发现死锁（秒）"),
    "steps": text("Steps scheduled", "调度的步数"),
}


SCENARIO = Scenario(
    id="deadlock",
    group="threads",
    title=text("Deadlock: two locks, opposite order", "死锁：两把锁，相反的顺序"),
    lesson=text(
        "THREAD1 takes lock A, then B; THREAD2 takes B, then A. If each gets its first lock before "
        "the other asks for it, each waits for a lock the other holds, for ever: a deadlock. "
        "Nothing crashes and no error is raised; the program just stops moving. The fix is a "
        "single lock order for every thread (both take A, then B).",
        "THREAD1 先获取锁 A 再获取 B；THREAD2 先获取 B 再获取 A。如果双方都在对方请求之前拿到了自己的第一把锁，"
        "就会各自等待对方持有的锁，永远等下去：这就是死锁。程序不会崩溃，也没有异常，只是不再前进。"
        "修正方法是所有线程使用同一个加锁顺序（都先获取 A 再获取 B）。"),
    params=(
        THREADS,
        Param("ordered", "bool", False, text("Same lock order", "相同的加锁顺序"),
              text("Every thread takes the locks in alphabetical order: the fix.",
                   "所有线程都按字母顺序获取锁：这就是修正方法。")),
        Param("hold_ms", "float", 50.0, text("Hold before the second lock", "获取第二把锁前的持有时间"),
              text("How long a thread holds its first lock before asking for the second.",
                   "线程拿到第一把锁后，等多久再请求第二把。"),
              minimum=0.0, maximum=2000.0, unit="ms"),
        Param("detect_s", "float", 0.5, text("Detection timeout", "检测超时"),
              text("The main thread's join timeout before it looks for a wait-for cycle.",
                   "主线程 join 的超时时间，超时后它会在等待图中查找等待环。"),
              minimum=0.05, maximum=30.0, unit="s"),
    ),
    source=SOURCE,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    seed_section="线程锁",
    gates=True,
)
