"""fault-runner-dies: the runner itself dies (SIGKILL or os._exit(7)), maybe leaving children."""
import os
import signal
import subprocess
import time

from engine.params import Param
from engine.scenarios.base import text
import fault_common
from fault_common import LONG_S, detached_daemon

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

PARAMS = (
    Param("how", "choice", "sigkill", text("How", "方式"), choices=("sigkill", "exit-7")),
    Param("with_children", "bool", True, text("Leave children", "留下子进程")),
)


def run(ctx, p):
    if p["with_children"]:  # orphans-to-be: the guardian must still end them
        ctx.process(time.sleep, "ORPHAN", (LONG_S,)).start()
        subprocess.Popen(["sleep", str(LONG_S)])
        detached_daemon()
    ctx.value("before_death", 1)
    ctx.rec().flush()
    if p["how"] == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(7)
