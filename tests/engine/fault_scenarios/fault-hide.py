"""fault-hide: processes that hide from every mark but their ancestry."""
import os
import subprocess
import time

import fault_common
from fault_common import LONG_S, idle_forever, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has


def _hidden_daemon():
    """setsid + double fork + an empty environment: no run id, no session, no group left."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execve("/bin/sleep", ["sleep", str(LONG_S)], {})
        os._exit(0)
    os.waitpid(pid, 0)


def run(ctx, p):
    _hidden_daemon()
    subprocess.Popen(["sleep", str(LONG_S)], env={}, start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.Popen(["sleep", str(LONG_S)], env={})  # keeps the output pipe: a pipe holder
    time.sleep(0.1)
    ready(ctx, 3)
    idle_forever()
