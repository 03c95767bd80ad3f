"""Chrome Trace Event JSON, which Perfetto and chrome://tracing open.  [numpy]

Processes and threads become tracks (with their names), worker states become
slices, shared-variable writes, queue depth and per-core load become counters,
errors and printed lines become instant events.  Written as a stream, one
event per line, so a large run does not build one huge string.
"""
import json

import numpy as np

from .wire import K, STATE_NAMES


def chrome_events(view):
    """Yield trace events (dicts) for a RunView."""
    t0 = view.t_start

    def us(t):
        return (int(t) - t0) / 1000.0

    pids = sorted({pid for pid, _, _ in view.lanes()})
    yield {"ph": "M", "name": "process_name", "pid": 0, "tid": 0, "args": {"name": "CPU (sampled)"}}
    for pid in pids:
        yield {"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "pid %d" % pid}}
    for pid, worker, label in view.lanes():
        yield {"ph": "M", "name": "thread_name", "pid": pid, "tid": worker,
               "args": {"name": label.split(" · ")[0]}}
    spans = view.spans()
    lanes = view.lanes()
    for lane, a, b, state in zip(spans["lane"], spans["t0"], spans["t1"], spans["state"]):
        pid, worker, _ = lanes[int(lane)]
        yield {"ph": "X", "cat": "state", "name": STATE_NAMES.get(int(state), "?"),
               "pid": pid, "tid": worker, "ts": us(a), "dur": (int(b) - int(a)) / 1000.0}
    for e in view.of_kind(K.VAR_WRITE):
        name = view.name(e["pid"], e["b"])
        yield {"ph": "C", "name": name, "pid": int(e["pid"]), "ts": us(e["t"]), "args": {name: int(e["a"])}}
    for e in view.of_kind(K.QUEUE_PUT, K.QUEUE_GET):
        name = "queue " + view.name(e["pid"], e["b"])
        yield {"ph": "C", "name": name, "pid": int(e["pid"]), "ts": us(e["t"]), "args": {"depth": int(e["a"])}}
    times, cores, loads = view.cpu_samples()
    for t in np.unique(times):
        at = times == t
        yield {"ph": "C", "name": "cpu load %", "pid": 0, "ts": us(t),
               "args": {"core %d" % c: float(x) for c, x in zip(cores[at], loads[at])}}
    tasks = view.tasks()
    for pid, a, b, arg in zip(tasks["pid"], tasks["t0"], tasks["t1"], tasks["arg"]):
        yield {"ph": "X", "cat": "task", "name": "task %d" % arg, "pid": int(pid), "tid": 0,
               "ts": us(a), "dur": (int(b) - int(a)) / 1000.0}
    for kind, label in ((K.ERROR, "error"), (K.OUTPUT, "print")):
        for t, pid, worker, text in view.texts(kind):
            yield {"ph": "i", "s": "t", "cat": label, "name": text[:80], "pid": pid, "tid": worker,
                   "ts": us(t), "args": {"text": text}}


def write_chrome_trace(view, path: str) -> None:
    """Write {"traceEvents": [...], "displayTimeUnit": "ms"} to path (- for stdout)."""
    import sys
    if path == "-":
        _write_trace(view, sys.stdout, ensure_ascii=not _utf8(sys.stdout))
        return
    from .safe_files import replaced_atomically
    with replaced_atomically(path, "w") as out:
        _write_trace(view, out, ensure_ascii=False)


def _utf8(stream) -> bool:
    return (getattr(stream, "encoding", "") or "").lower().replace("-", "").startswith("utf8")


def _write_trace(view, out, ensure_ascii: bool) -> None:
    out.write('{"displayTimeUnit": "ms", "traceEvents": [\n')
    first = True
    for event in chrome_events(view):
        out.write(("" if first else ",\n") + json.dumps(event, ensure_ascii=ensure_ascii))
        first = False
    out.write("\n]}\n")
