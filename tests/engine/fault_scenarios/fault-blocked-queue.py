"""fault-blocked-queue: a process blocked for good on a full or an empty queue."""
from engine.params import Param
from engine.scenarios.base import text
import fault_common
from fault_common import consume, produce, ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

PARAMS = (
    Param("side", "choice", "producer", text("Side", "一端"), choices=("producer", "consumer")),
)


def run(ctx, p):
    q = ctx.queue("items", maxsize=1)
    target = produce if p["side"] == "producer" else consume
    proc = ctx.process(target, p["side"].upper(), (q,))
    proc.start()
    ready(ctx, 1)
    ctx.join(proc)
