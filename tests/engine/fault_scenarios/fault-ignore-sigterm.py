"""fault-ignore-sigterm: a child that ignores SIGTERM and SIGINT; the runner waits on it."""
import subprocess
import sys
import time

from engine.wire import K
import fault_common
from fault_common import LONG_S, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

IGNORING_CHILD = ("import signal, time\n"
                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                  "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                  "time.sleep(%d)\n" % LONG_S)


def run(ctx, p):
    child = subprocess.Popen([sys.executable, "-c", IGNORING_CHILD])
    ctx.rec().event(K.PROC_SPAWN, ctx.intern("ignoring-child"), child.pid)
    time.sleep(0.2)  # let it install its handlers
    ready(ctx, 1)
    child.wait()  # the runner blocks in waitpid, as in subprocess.call
