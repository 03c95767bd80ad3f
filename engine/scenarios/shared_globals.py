"""shared-globals: the blog post author's bug (children append to a global list) and its fixes."""
import os
import time

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None

from ..params import Param, start_method, workers
from .base import Scenario, Verdict, rounded_s, steps_so_far, text
from .shared_globals_texts import FIGURES, POST_NOTE, SOURCE_ZH, cause_note, join_first_note

SOURCE = '''import multiprocessing

N = 3                      # reader/writer pairs
ITEMS = 1000
START_METHOD = "fork"      # how children start: fork, spawn or forkserver

def read_worker(q_in, q_out):
    while True:
        deq = q_in.get()
        if deq is None:
            break
        q_out.put(deq)

def write_worker(q_out, i):
    more = True
    while more:
        deq = q_out.get()
        if deq is not None:
            ret[i].append(deq)   # appends to THIS process's ret
        else:
            more = False
    print("writer %d (module %s) appended %d items to its own ret" % (i, __name__, len(ret[i])))

# Under fork a child starts with a copy of this list; under spawn and forkserver it
# imports this file again (as __mp_main__) and makes a fresh, empty one. Either way
# its appends never reach the parent.
ret = [[] for i in range(N)]

def write_back(q_out, results):  # fix 1: send every item back to the parent
    while True:
        deq = q_out.get()
        results.put(deq)         # the None too: it tells the parent this writer is done
        if deq is None:
            return

def echo(x):                     # fix 2: return the item instead of appending it
    return x

def pipeline(writer, writer_args):   # the blog post's readers and writers
    q_in = [multiprocessing.Queue(1024) for i in range(N)]
    q_out = [multiprocessing.Queue(1024) for i in range(N)]
    readers = [multiprocessing.Process(target=read_worker, args=(q_in[i], q_out[i])) for i in range(N)]
    writers = [multiprocessing.Process(target=writer, args=(q_out[i], writer_args[i])) for i in range(N)]
    for p in readers + writers:
        p.start()
    for i in range(ITEMS):
        q_in[i % N].put(i)
    for q in q_in:
        q.put(None)
    for p in readers:
        p.join()
    for q in q_out:
        q.put(None)
    # Return the queues too: the caller keeps them alive until the writers are joined.
    # Under spawn and forkserver a child unpickles its queue after start() returned;
    # a queue the parent dropped by then is gone (FileNotFoundError in the child).
    return writers, q_in + q_out

if __name__ == "__main__":   # spawn and forkserver children import this file again
    multiprocessing.set_start_method(START_METHOD)
    writers, queues = pipeline(write_worker, range(N))
    for p in writers:
        p.join()
    print(ret)               # [[], [], []]: the parent's own ret was never touched

    results = [multiprocessing.Queue() for i in range(N)]
    writers, queues = pipeline(write_back, results)
    # Read before join: a child does not exit until what it put is in the pipe, and a
    # pipe holds only so much (64 KiB on Linux) until someone reads it.
    collected = [x for q in results for x in iter(q.get, None)]
    for p in writers:
        p.join()
    print("fix 1, a results queue:", len(collected), "items")

    with multiprocessing.Pool(N) as pool:
        print("fix 2, Pool.map:", len(pool.map(echo, range(ITEMS))), "items")
    # Fix 3: memory that really is shared: multiprocessing.Manager().list() (a server
    # process holds the list; every append is a message to it) or shared_memory.
'''


ret = []  # the module global the writers append to, as in the blog post

# Set by run() in the runner.  A forked child sees the parent's value in its copy of
# memory; a spawn or forkserver child imports this module afresh and sees None.
# Every phase's children start by the start_method knob (engine.probe.Context).
_parent_pid = None

JOIN_FIRST_TIMEOUT_S = 2.0  # how long join() before reading may wait before we call it stuck
F_GETPIPE_SZ = 1032         # Linux fcntl: a pipe's buffer size


def read_worker(q_in, q_out):
    """The blog post's reader: move items from q_in to q_out until the None sentinel."""
    while True:
        deq = q_in.get()
        if deq is None:
            break
        q_out.put(deq)


def write_worker(ctx, q_out, i):
    """The blog post's writer: append to the global ret, then report this copy's length."""
    global ret
    if len(ret) <= i:  # spawn/forkserver: a fresh import made the module's own empty ret
        ret = [[] for _ in range(i + 1)]
    more = True
    while more:
        deq = q_out.get()
        if deq is not None:
            ret[i].append(deq)
        else:
            more = False
    ctx.value("child_list_length[%d]" % i, len(ret[i]))
    ctx.value("child_saw_parent_globals[%d]" % i, 1 if _parent_pid == os.getppid() else 0)


def put_then_exit(q, count, item_bytes):
    """A child that puts count items (each item_bytes long, or the int itself when 0) and ends."""
    for x in range(count):
        q.put(b"x" * item_bytes if item_bytes else x)


def write_to_queue(ctx, q_out, results):
    """Fix 1: forward every item to the parent through a results queue."""
    while True:
        deq = q_out.get()
        results.put(deq)  # the None sentinel too: it tells the parent this writer is done
        if deq is None:
            return


def write_to_list(ctx, q_out, shared_list):
    """Fix 3a: append to a Manager list proxy: each append is sent to the manager process."""
    while True:
        deq = q_out.get()
        if deq is None:
            return
        shared_list.append(deq)


def write_to_shared_memory(ctx, q_out, shm):
    """Fix 3b: mark item x in a shared memory block that every process maps."""
    while True:
        deq = q_out.get()
        if deq is None:
            return
        shm.buf[deq] = 1


def pool_work(x):
    """Fix 2: return the item instead of appending it somewhere."""
    return x


def _pipeline(ctx, p, tag, writer, writer_args):
    """The blog post's shape: n readers and n writers, items spread i % n, None sentinels.

    writer_args(i) -> the extra arguments of writer i after (ctx, q_out).
    Returns (queues, writer processes) so the caller can read results before join.
    """
    n, items = p["workers"], p["items"]
    q_in = [ctx.queue("%s q_in[%d]" % (tag, i), 1024) for i in range(n)]
    q_out = [ctx.queue("%s q_out[%d]" % (tag, i), 1024) for i in range(n)]
    readers = [ctx.process(read_worker, "READER%d" % (i + 1), (q_in[i], q_out[i])) for i in range(n)]
    writers = [ctx.process(writer, "WRITER%d" % (i + 1), (ctx, q_out[i]) + tuple(writer_args(i)))
               for i in range(n)]
    for proc in readers + writers:
        proc.start()
    for x in range(items):
        q_in[x % n].put(x)
    for q in q_in:
        q.put(None)
    for proc in readers:
        ctx.join(proc)
    for q in q_out:
        q.put(None)
    return q_in + q_out, writers


def _close(queues):
    """Stop the parent's queue feeder threads before the next phase forks again."""
    for q in queues:
        q.q.close()
        q.q.join_thread()


def _join_all(ctx, queues, procs):
    for proc in procs:
        ctx.join(proc)
    _close(queues)


def _join_first(ctx, p):
    """join() a child before reading what it put: returns when its data fits the pipe."""
    count = max(1, p["items"] // p["workers"])
    q = ctx.queue("join-first", 0)
    child = ctx.process(put_then_exit, "WRITER (join first)", (q.q, count, p["item_bytes"]))
    child.start()
    t0 = time.monotonic()
    ctx.join(child, JOIN_FIRST_TIMEOUT_S)
    returned = not child.is_alive()
    ctx.value("join_first_returned", 1 if returned else 0)
    item = b"x" * p["item_bytes"] if p["item_bytes"] else count - 1
    # What a Queue really sends: the bytes its ForkingPickler makes of the item (dumps only,
    # of the scenario's own data), plus each message's length header.
    from multiprocessing.reduction import ForkingPickler
    ctx.value("join_first_bytes", count * (len(ForkingPickler.dumps(item)) + 4))
    ctx.value("join_first_wait_ms", int((time.monotonic() - t0) * 1000))
    got = 0
    for _ in range(count):  # reading lets the child's feeder thread finish and the child exit
        q.q.get()
        got += 1
    ctx.join(child)
    ctx.value("join_first_items", got)
    _close([q])


def _pipe_buffer_bytes():
    if fcntl is None:
        return 0
    r, w = os.pipe()
    try:
        return fcntl.fcntl(w, F_GETPIPE_SZ)
    except OSError:
        return 0
    finally:
        os.close(r)
        os.close(w)


def run(ctx, p):
    # Imported here, not at import: the GUI lists scenarios before its first paint and never
    # runs them (multiprocessing, the probe and ctypes cost ~40 ms there).
    from multiprocessing import shared_memory
    from ..guardian import RUN_ID_ENV
    from ..probe import Task
    global ret, _parent_pid
    n, items = p["workers"], p["items"]
    ret = [[] for _ in range(n)]
    _parent_pid = os.getpid()
    with ctx.phase("bug"):
        queues, writers = _pipeline(ctx, p, "bug", write_worker, lambda i: (i,))
        _join_all(ctx, queues, writers)
    print(ret)
    for i, part in enumerate(ret):
        ctx.value("parent_list_length[%d]" % i, len(part))

    # The post's own contrast: the same append in one process does reach ret.
    single = [[] for _ in range(3)]
    for i in range(3):
        single[i].append(i * i)   # the post's fun(i): ret[i].append(i*i)
    print(single)
    ctx.value("single_process_total", sum(len(x) for x in single))

    with ctx.phase("join before reading"):
        _join_first(ctx, p)
    ctx.value("pipe_buffer_bytes", _pipe_buffer_bytes())

    with ctx.phase("fix: queue"):
        results = [ctx.queue("results[%d]" % i) for i in range(n)]  # unbounded
        queues, writers = _pipeline(ctx, p, "fix", write_to_queue, lambda i: (results[i],))
        collected = []
        for q in results:  # read everything first: a writer cannot exit with unread items
            for deq in iter(q.get, None):
                collected.append(deq)
        _join_all(ctx, queues + results, writers)
    ctx.value("total_with_queue", len(collected))

    with ctx.phase("fix: pool"):
        pool = ctx.pool(n)
        pool_results = pool.map(Task(pool_work), range(items), chunksize=max(1, items // (4 * n)))
        pool.close()
        pool.join()
    ctx.value("total_with_pool", len(pool_results))
    ctx.value("pool_results_in_input_order", int(pool_results == list(range(items))))

    with ctx.phase("fix: manager"):
        with ctx.mp.Manager() as manager:
            lists = [manager.list() for _ in range(n)]
            queues, writers = _pipeline(ctx, p, "manager", write_to_list, lambda i: (lists[i],))
            _join_all(ctx, queues, writers)
            ctx.value("total_with_manager", sum(len(lst) for lst in lists))

    with ctx.phase("fix: shared memory"):
        # Named with the run id so a leftover can be traced to its run and swept.
        name = "gilscope-%s-ret" % os.environ.get(RUN_ID_ENV, "pid%d" % os.getpid())
        shm = shared_memory.SharedMemory(name=name, create=True, size=items)  # zero-filled
        try:
            queues, writers = _pipeline(ctx, p, "shm", write_to_shared_memory, lambda i: (shm,))
            _join_all(ctx, queues, writers)
            ctx.value("total_with_shared_memory", bytes(shm.buf).count(1))
        finally:
            shm.close()
            shm.unlink()


FIX_NAMES_ZH = {"queue": "队列", "pool": "进程池", "manager": "Manager 列表", "shared_memory": "共享内存"}


def _indexed(run, prefix, n):
    return [run.value("%s[%d]" % (prefix, i)) for i in range(n)]


def verdict(run, p):
    if run.stopped:
        return _stopped_verdict(run, p)
    n, items = p["workers"], p["items"]
    parent = _indexed(run, "parent_list_length", n)
    child = _indexed(run, "child_list_length", n)
    saw = _indexed(run, "child_saw_parent_globals", n)
    fixes = {"queue": run.value("total_with_queue"), "pool": run.value("total_with_pool"),
             "manager": run.value("total_with_manager"),
             "shared_memory": run.value("total_with_shared_memory")}
    figures = {"items": items, "start_method": p["start_method"],
               "parent_list_lengths_bug": parent, "child_list_lengths": child,
               "children_saw_parent_globals": [bool(x) if x is not None else None for x in saw],
               "single_process_total": run.value("single_process_total"),
               "item_bytes": p["item_bytes"],
               "join_first_items": run.value("join_first_items"),
               "join_first_bytes": run.value("join_first_bytes"),
               "pipe_buffer_bytes": run.value("pipe_buffer_bytes"),
               "join_first_returned": bool(run.value("join_first_returned")),
               "join_first_wait_s": _ms_to_s(run.value("join_first_wait_ms"))}
    figures.update(("total_with_" + k, v) for k, v in fixes.items())
    figures["pool_results_in_input_order"] = bool(run.value("pool_results_in_input_order"))
    for k in fixes:
        figures["wall_%s_s" % k] = rounded_s(run.phase_wall_s("fix: " + k.replace("_", " ")))
    child_total = sum(c for c in child if c is not None)
    fixed = [k for k, v in fixes.items() if v == items]
    bug_shown = all(x == 0 for x in parent) and child_total == items
    head = text("Parent's lists: %s; the writers' own lists held %s = %d items. Fixes collected: %s"
                % (parent, " + ".join(str(c) for c in child), child_total,
                   ", ".join("%s %s" % (k.replace("_", " "), v) for k, v in fixes.items())),
                "父进程的列表长度：%s；各写进程自己的列表共有 %s = %d 个数据项。修正后收集到：%s"
                % (parent, " + ".join(str(c) for c in child), child_total,
                   "，".join("%s %s" % (FIX_NAMES_ZH[k], v) for k, v in fixes.items())))
    notes = [cause_note(figures, bug_shown, child_total), POST_NOTE, join_first_note(figures),
             text(
            "What works sends the data back or puts it in memory that is really shared: a results "
            "Queue, Pool.map's return values, a Manager().list() (%s s: every append is a round "
            "trip to the manager process), or a shared_memory block (%s s)."
            % (figures["wall_manager_s"], figures["wall_shared_memory_s"]),
            "可行的做法是把数据送回来，或放进真正共享的内存：结果队列、Pool.map 的返回值、"
            "Manager().list()（%s 秒：每次 append 都要和管理进程往返一次消息），"
            "或 shared_memory 共享内存块（%s 秒）。" % (figures["wall_manager_s"], figures["wall_shared_memory_s"]))]
    return Verdict(head, figures, notes, ok=bug_shown and len(fixed) == len(fixes))


def _stopped_verdict(run, p):
    """Stopped: the values each ended step recorded, and how far the run got."""
    n = p["workers"]
    figures = {"items": p["items"], "start_method": p["start_method"],
               "parent_list_lengths_bug": _indexed(run, "parent_list_length", n),
               "child_list_lengths": _indexed(run, "child_list_length", n)}
    for k in ("queue", "pool", "manager", "shared_memory"):
        figures["total_with_" + k] = run.value("total_with_" + k)
    steps = steps_so_far(run)
    parent, child = figures["parent_list_lengths_bug"], figures["child_list_lengths"]
    if all(x is not None for x in parent + child):
        head = text("Parent's lists: %s; the writers' own lists: %s; %s" % (parent, child, steps["en"]),
                    "父进程的列表长度：%s；各写进程自己的列表：%s；%s" % (parent, child, steps["zh_CN"]))
    else:
        head = text("The writers had not all reported their lists; " + steps["en"],
                    "写进程还没有全部报告它们的列表；" + steps["zh_CN"])
    return Verdict(head, figures, [POST_NOTE])


def _ms_to_s(ms):
    return None if ms is None else round(ms / 1000.0, 3)


PAIRS = workers(default=3, minimum=1, maximum=8)  # the shared worker-count bound
PAIRS.label = text("Reader/writer pairs", "读/写进程对数")
PAIRS.help = text("How many reader processes and as many writer processes (the blog post: 3 and 3).",
                  "读进程的数量，写进程数量相同（原文：各 3 个）。")

# The steps of run() marked on the timeline.
PHASES = {
    "bug": text("the bug: children append to a global", "错误写法：子进程往全局列表追加"),
    "join before reading": text("join() before reading a queue", "先 join 再读队列"),
    "fix: queue": text("fix: a Queue", "修正：Queue"),
    "fix: pool": text("fix: Pool return values", "修正：Pool 返回值"),
    "fix: manager": text("fix: a Manager list", "修正：Manager 列表"),
    "fix: shared memory": text("fix: shared memory", "修正：共享内存"),
}


SCENARIO = Scenario(
    id="shared-globals",
    group="communication",
    title=text("The author's bug: a global list that stays empty", "作者遇到的 bug：始终为空的全局列表"),
    lesson=text(
        "Writer processes append to a global list ret, yet the parent prints [[], [], []]. "
        "Processes do not share memory: a forked child starts with a copy of the parent's "
        "globals; a spawn or forkserver child imports the module again and gets fresh ones. "
        "Either way its changes stay in its own process. The blog post relays a friend's "
        "\"list is not thread-safe\" first; the cause it gives next, no shared memory between "
        "processes, is the right one, and its fix works because a Queue carries the items back. "
        "Each fix runs here for real: a results Queue, Pool return values, a Manager list and "
        "shared memory; and joining a writer before reading its queue is measured.",
        "写进程往全局列表 ret 里追加数据，父进程打印出来却是 [[], [], []]。进程之间不共享内存："
        "fork 出的子进程一开始拿到父进程全局变量的副本；spawn 或 forkserver 启动的子进程会重新导入模块，"
        "得到全新的全局变量（3.14 起 Linux 默认 forkserver）。无论哪种，修改都只留在子进程自己那里。"
        "原文先转述了“list 不是线程安全的”这一说法——这不是原因；原文随后说的“各进程不共享内存”才是原因，"
        "它的修正之所以有效，是因为 Queue 把数据送回了父进程。这里每种修正都真实运行一遍：结果队列、Pool 返回值、"
        "Manager 列表和共享内存；还实测了先 join 写进程再读它的队列会怎样。"),
    params=(
        PAIRS,
        Param("items", "int", 1000, text("Items", "数据项数"),
              text("How many numbers the parent sends through the readers to the writers.",
                   "父进程经由读进程发给写进程的数字个数。"),
              minimum=3, maximum=100000),
        start_method(),
        Param("item_bytes", "int", 0, text("Item size, join before reading", "先 join 测试的数据项大小"),
              text("0: the post's small ints. Larger items overflow the pipe buffer, and join() "
                   "before reading then waits for ever (stopped after %g s here)." % JOIN_FIRST_TIMEOUT_S,
                   "0：原文的小整数。数据项更大时会超出管道缓冲区，先 join 再读就会一直等下去"
                   "（这里 %g 秒后停止等待）。" % JOIN_FIRST_TIMEOUT_S),
              minimum=0, maximum=65536, unit="B"),
    ),
    source=SOURCE,
    source_values={"N": "workers", "ITEMS": "items", "START_METHOD": "start_method"},
    source_comments=SOURCE_ZH,
    run=run,
    verdict=verdict,
    figures=FIGURES,
    phases=PHASES,
    shows=("queue",),
    seed_section="自己遇到的bug，还没有改好",
)
