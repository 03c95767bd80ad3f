"""fault-fork-tree: a process tree that keeps growing while it is killed."""
import os
import time

from engine.params import Param
from engine.scenarios.base import text
import fault_common
from fault_common import LONG_S, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

PARAMS = (Param("count", "int", 300, text("Forks", "分叉次数"), minimum=1, maximum=1000),)


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


def run(ctx, p):
    proc = ctx.process(_grow, "GROWER", (p["count"],))
    proc.start()
    time.sleep(0.1)
    ready(ctx, 1)
    ctx.join(proc)
