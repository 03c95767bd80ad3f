"""fault-sprawl: every kind of process a run can start, all alive at once."""
import multiprocessing
import os
import subprocess
import time

import fault_common
from fault_common import LONG_S, RUN_ID_ENV, consume, detached_daemon, idle_forever, produce, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has


def run(ctx, p):
    from multiprocessing import shared_memory
    detached_daemon()  # before any thread: forking a threaded process is fragile
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
    producer = ctx.process(produce, "PRODUCER", (full,))
    consumer = ctx.process(consume, "CONSUMER", (empty,))
    producer.start()
    consumer.start()
    ctx.value("shared_len", len(shared))
    time.sleep(0.3)  # let the pipeline block and the forkserver child start
    ready(ctx, 6)
    idle_forever(segment, named_lock, command)  # they stay alive with the run
