"""What the fault-injection scenario files beside this one share (not a scenario: no run()).

The reliability tests run each fault-*.py file as a user runs their own scenario file
(engine/scenario_file.py: `main.py run --file`, Session.start(path)), so the real runner,
guardian and Session run them exactly as they run a lesson.  Like every scenario file:
standard library and engine's stdlib modules only, Python 3.9 syntax (the runner may be
3.9).  The loader puts this folder on sys.path, so `import fault_common` finds this file.

A scenario that must be caught mid-way calls ``ready``: it records the value "ready",
flushes, and writes the file named by GILSCOPE_TEST_READY (if set), so a test in another
process knows the whole tree is up.
"""
import os
import time

from engine.scenarios.base import Verdict, text
from engine.wire import K

READY_FILE_ENV = "GILSCOPE_TEST_READY"
RUN_ID_ENV = "GILSCOPE_RUN_ID"
LONG_S = 600  # "forever" for a test: far beyond any test's timeout
LESSON = text("Test-only fault injection.", "仅供测试的故障注入。")


def ready(ctx, count):
    ctx.value("ready", count)
    ctx.rec().flush()
    path = os.environ.get(READY_FILE_ENV)
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % count)
        os.replace(path + ".tmp", path)


def idle_forever(*keep_alive):
    """Never return; keep_alive: what must live as long as the run (held by this frame)."""
    while True:
        time.sleep(0.05)


def verdict(run, p):
    figures = {"errors": run.errors(),
               "proc_exit_codes": [int(b) for b in run.of_kind(K.PROC_EXIT)["b"]],
               "after_fault": run.value("after_fault"),
               "ready": run.value("ready")}
    return Verdict(text("Fault injected", "已注入故障"), figures)


def produce(q):
    while True:
        q.put(1)  # maxsize 1: the second put blocks for good


def consume(q):
    while True:
        q.get()  # nobody puts: blocks for good


def detached_daemon():
    """A setsid + double fork daemon: it leaves the runner's session and group."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(LONG_S)
        os._exit(0)
    os.waitpid(pid, 0)
