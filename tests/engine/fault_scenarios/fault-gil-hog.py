"""fault-gil-hog: threads stuck in one C call that holds the GIL."""
from engine.params import workers
import fault_common
from fault_common import ready

LESSON, verdict = fault_common.LESSON, fault_common.verdict  # the names every scenario file has

PARAMS = (workers(default=2, minimum=1, maximum=4),)


def _hog(ctx):
    ready(ctx, 1)  # now: once the C loop runs, no other thread of this process ever does
    sum(range(10 ** 15))  # one C loop: no switch point, the GIL is never offered


def run(ctx, p):
    threads = [ctx.thread(_hog, "HOG%d" % (i + 1), (ctx,)) for i in range(p["workers"])]
    for t in threads:
        t.start()
    for t in threads:
        ctx.join(t)
