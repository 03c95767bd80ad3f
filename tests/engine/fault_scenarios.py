"""Fault-injection scenarios for the reliability tests.  Never in the scenario table.

engine/scenarios/__init__.py loads this file only when GILSCOPE_TEST_SCENARIOS=1
(its test hook), so the real runner, guardian and Session run these exactly as
they run a lesson.  Like every scenario module: standard library and engine's
stdlib modules only, Python 3.9 syntax (the runner may be 3.9).

A scenario that must be caught mid-way calls ``_ready``: it records the value
"ready", flushes, and writes the file named by GILSCOPE_TEST_READY (if set), so
a test in another process knows the whole tree is up.
"""
import ctypes
import multiprocessing
import os
import signal
import subprocess
import sys
import time

from engine.params import Param, workers
from engine.scenarios.base import Scenario, Verdict, text
from engine.wire import K

READY_FILE_ENV = "GILSCOPE_TEST_READY"
RUN_ID_ENV = "GILSCOPE_RUN_ID"
LONG_S = 600  # "forever" for a test: far beyond any test's timeout


def _ready(ctx, count):
    ctx.value("ready", count)
    ctx.rec().flush()
    path = os.environ.get(READY_FILE_ENV)
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % count)
        os.replace(path + ".tmp", path)


def _idle_forever():
    while True:
        time.sleep(0.05)


def _verdict(run, p):
    figures = {"errors": run.errors(),
               "proc_exit_codes": [int(b) for b in run.of_kind(K.PROC_EXIT)["b"]],
               "after_fault": run.value("after_fault"),
               "ready": run.value("ready")}
    return Verdict(text("Fault injected", "已注入故障"), figures)


def _scenario(sid, params, run):
    return Scenario(id=sid, group="threads", title=text(sid, sid),
                    lesson=text("Test-only fault injection.", "仅供测试的故障注入。"),
                    params=params, source="", run=run, verdict=_verdict)


# -- a worker that fails ------------------------------------------------------
def _raise_in_worker():
    raise ValueError("boom in a worker")


def _segfault():
    ctypes.string_at(0)  # reads address 0: SIGSEGV, no Python exception


def _fail_worker(ctx, p):
    fault = p["fault"]
    if fault == "thread-raises":
        worker = ctx.thread(_raise_in_worker, "FAULTY")
    elif fault == "process-raises":
        worker = ctx.process(_raise_in_worker, "FAULTY")
    elif fault == "process-exit-3":
        worker = ctx.process(os._exit, "FAULTY", (3,))
    else:
        worker = ctx.process(_segfault, "FAULTY")
    worker.start()
    ctx.join(worker)
    ctx.value("after_fault", 1)  # the runner went on after the worker failed


FAULT_WORKER = _scenario("fault-worker", (
    Param("fault", "choice", "thread-raises", text("Fault", "故障"),
          choices=("thread-raises", "process-raises", "process-exit-3", "process-segfault")),
), _fail_worker)


# -- the runner itself dies ---------------------------------------------------
def _runner_dies(ctx, p):
    if p["with_children"]:  # orphans-to-be: the guardian must still end them
        ctx.process(time.sleep, "ORPHAN", (LONG_S,)).start()
        subprocess.Popen(["sleep", str(LONG_S)])
        _detached_daemon()
    ctx.value("before_death", 1)
    ctx.rec().flush()
    if p["how"] == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(7)


RUNNER_DIES = _scenario("fault-runner-dies", (
    Param("how", "choice", "sigkill", text("How", "方式"), choices=("sigkill", "exit-7")),
    Param("with_children", "bool", True, text("Leave children", "留下子进程")),
), _runner_dies)


# -- threads stuck in one C call that holds the GIL -----------------------------
def _hog(ctx):
    _ready(ctx, 1)  # now: once the C loop runs, no other thread of this process ever does
    sum(range(10 ** 15))  # one C loop: no switch point, the GIL is never offered


def _gil_hog(ctx, p):
    threads = [ctx.thread(_hog, "HOG%d" % (i + 1), (ctx,)) for i in range(p["workers"])]
    for t in threads:
        t.start()
    for t in threads:
        ctx.join(t)


GIL_HOG = _scenario("fault-gil-hog", (workers(default=2, minimum=1, maximum=4),), _gil_hog)


# -- a process blocked on a full or an empty queue -------------------------------
def _produce(q):
    while True:
        q.put(1)  # maxsize 1: the second put blocks for good


def _consume(q):
    while True:
        q.get()  # nobody puts: blocks for good


def _blocked_queue(ctx, p):
    q = ctx.queue("items", maxsize=1)
    target = _produce if p["side"] == "producer" else _consume
    proc = ctx.process(target, p["side"].upper(), (q,))
    proc.start()
    _ready(ctx, 1)
    ctx.join(proc)


BLOCKED_QUEUE = _scenario("fault-blocked-queue", (
    Param("side", "choice", "producer", text("Side", "一端"), choices=("producer", "consumer")),
), _blocked_queue)


# -- children that ignore SIGTERM and SIGINT -----------------------------------
IGNORING_CHILD = ("import signal, time\n"
                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                  "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                  "time.sleep(%d)\n" % LONG_S)


def _ignore_sigterm(ctx, p):
    child = subprocess.Popen([sys.executable, "-c", IGNORING_CHILD])
    ctx.rec().event(K.PROC_SPAWN, ctx.intern("ignoring-child"), child.pid)
    time.sleep(0.2)  # let it install its handlers
    _ready(ctx, 1)
    child.wait()  # the runner blocks in waitpid, as in subprocess.call


IGNORE_SIGTERM = _scenario("fault-ignore-sigterm", (), _ignore_sigterm)


# -- every kind of process a run can start, all alive at once --------------------
def _detached_daemon():
    """A setsid + double fork daemon: it leaves the runner's session and group."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(LONG_S)
        os._exit(0)
    os.waitpid(pid, 0)


def _sprawl(ctx, p):
    from multiprocessing import shared_memory
    _detached_daemon()  # before any thread: forking a threaded process is fragile
    run_id = os.environ.get(RUN_ID_ENV, "norun")
    segment = shared_memory.SharedMemory(name="gilscope_test_" + run_id, create=True, size=4096)
    pool = ctx.pool(2)
    pool.apply_async(time.sleep, (LONG_S,))
    manager = ctx.mp.Manager()
    shared = manager.list([1, 2, 3])
    forkserver = multiprocessing.get_context("forkserver")
    named_lock = forkserver.Lock()  # a named semaphore in /dev/shm, held by the tracker
    served = forkserver.Process(target=time.sleep, args=(LONG_S,))
    served.start()
    command = subprocess.Popen(["sleep", str(LONG_S)])
    full, empty = ctx.queue("full", maxsize=1), ctx.queue("empty")
    producer = ctx.process(_produce, "PRODUCER", (full,))
    consumer = ctx.process(_consume, "CONSUMER", (empty,))
    producer.start()
    consumer.start()
    ctx.value("shared_len", len(shared))
    time.sleep(0.3)  # let the pipeline block and the forkserver child start
    _ready(ctx, 6)
    _idle_forever()  # segment, named_lock, command ... stay alive in this frame


SPRAWL = _scenario("fault-sprawl", (), _sprawl)


# -- a run that ends normally but leaves processes running ---------------------------
def _leave_behind(ctx, p):
    _detached_daemon()
    subprocess.Popen(["sleep", str(LONG_S)])
    straggler = ctx.process(time.sleep, "STRAGGLER", (LONG_S,))
    straggler.start()  # never joined; the runner leaves by os._exit, not atexit joins
    _ready(ctx, 3)


LEAVES_BEHIND = _scenario("fault-leaves-behind", (), _leave_behind)


# -- a process tree that keeps growing while it is killed -------------------------
def _grow(count):
    for _ in range(count):
        if os.fork() == 0:
            if os.fork() == 0:  # grandchildren too: the tree grows in depth as well
                time.sleep(LONG_S)
                os._exit(0)
            time.sleep(LONG_S)
            os._exit(0)
        time.sleep(0.002)
    time.sleep(LONG_S)


def _fork_tree(ctx, p):
    proc = ctx.process(_grow, "GROWER", (p["count"],))
    proc.start()
    time.sleep(0.1)
    _ready(ctx, 1)
    ctx.join(proc)


FORK_TREE = _scenario("fault-fork-tree", (
    Param("count", "int", 300, text("Forks", "分叉次数"), minimum=1, maximum=1000),
), _fork_tree)


# -- processes that hide from every mark but their ancestry ---------------------------
def _hidden_daemon():
    """setsid + double fork + an empty environment: no run id, no session, no group left."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execve("/bin/sleep", ["sleep", str(LONG_S)], {})
        os._exit(0)
    os.waitpid(pid, 0)


def _hide(ctx, p):
    _hidden_daemon()
    subprocess.Popen(["sleep", str(LONG_S)], env={}, start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.Popen(["sleep", str(LONG_S)], env={})  # keeps the output pipe: a pipe holder
    time.sleep(0.1)
    _ready(ctx, 3)
    _idle_forever()


HIDE = _scenario("fault-hide", (), _hide)


SCENARIOS = {s.id: s for s in (FAULT_WORKER, RUNNER_DIES, GIL_HOG, BLOCKED_QUEUE, IGNORE_SIGTERM,
                               SPRAWL, LEAVES_BEHIND, FORK_TREE, HIDE)}
