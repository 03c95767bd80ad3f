"""fault-worker: a worker thread or process that raises, exits 3 or segfaults; the runner goes on."""
import ctypes
import os

from engine.params import Param
from engine.scenarios.base import text
import fault_common

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

PARAMS = (
    Param("fault", "choice", "thread-raises", text("Fault", "故障"),
          choices=("thread-raises", "process-raises", "process-exit-3", "process-segfault")),
)


def _raise_in_worker():
    raise ValueError("boom in a worker")


def _segfault():
    ctypes.string_at(0)  # reads address 0: SIGSEGV, no Python exception


def run(ctx, p):
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
