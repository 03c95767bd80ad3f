"""fault-leaves-behind: a run that ends normally but leaves processes running."""
import subprocess
import time

import fault_common
from fault_common import LONG_S, detached_daemon, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has


def run(ctx, p):
    detached_daemon()
    subprocess.Popen(["sleep", str(LONG_S)])
    straggler = ctx.process(time.sleep, "STRAGGLER", (LONG_S,))
    straggler.start()  # never joined; the runner leaves by os._exit, not atexit joins
    ready(ctx, 3)
