"""record: ns per recorded event in a worker, timestamp included, vs the same loop bare.

Each interpreter found runs ``child_main`` (standard library only, started with
-I like the runner): it installs the real ``engine.recorder.Sink`` on a pipe
that a forked child drains, then times, alternately, a loop calling
``Recorder.event`` (perf_counter_ns + bound Struct.pack_into + a 4 KiB os.write
every 127 events) and the same loop with an empty body.  The figure per
interpreter is the median over repeats of (event loop - bare loop) / N.
Goal: <= 0.6 us/event on the app's interpreter, <= 1 us on all.
"""
import os
import sys
import time

from bench import common

GOAL_APP_NS = 600
GOAL_ALL_NS = 1000


def child_main(args) -> int:
    """In the measured interpreter: print {"event_ns": [...], "bare_ns": [...]} per iteration."""
    import json
    from engine import recorder
    from engine.wire import K
    n, repeats = int(args[0]), int(args[1])
    read_fd, write_fd = os.pipe()
    drainer = os.fork()
    if drainer == 0:  # the reader end, as the Session's reader thread would be
        os.close(write_fd)
        while os.read(read_fd, 1 << 20):
            pass
        os._exit(0)
    os.close(read_fd)
    sink = recorder.install(write_fd)
    rec = sink.recorder("bench")
    var_write = K.VAR_WRITE
    event_ns, bare_ns = [], []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for i in range(n):
            pass
        t1 = time.perf_counter_ns()
        for i in range(n):
            rec.event(var_write, 1, i)
        t2 = time.perf_counter_ns()
        bare_ns.append((t1 - t0) / n)
        event_ns.append((t2 - t1) / n)
    rec.flush()
    os.close(write_fd)
    os.waitpid(drainer, 0)
    print(json.dumps({"event_ns": event_ns, "bare_ns": bare_ns, "dropped": sink.dropped,
                      "version": sys.version.split()[0]}))
    return 0


def measure(python: str, n: int, repeats: int) -> dict:
    raw = common.run_json(common.child_command(python, "record", n, repeats), timeout=120)
    net = [e - b for e, b in zip(raw["event_ns"], raw["bare_ns"])]
    return {"ns_per_event": common.median(net), "ns_per_event_min": min(net),
            "ns_per_event_max": max(net), "event_loop_ns": common.median(raw["event_ns"]),
            "bare_loop_ns": common.median(raw["bare_ns"]), "dropped": raw["dropped"],
            "events_per_s_per_thread": 1e9 / common.median(raw["event_ns"])}


def run(quick: bool = False) -> dict:
    n, repeats = (50_000, 3) if quick else (200_000, 9)
    found = common.interpreters()
    per_python, table = [], []
    for info in found:
        m = measure(info["executable"], n, repeats)
        m.update(version=info["version"], executable=info["executable"], app=info["app"],
                 free_threaded=info["free_threaded_build"])
        per_python.append(m)
        table.append("%-8s %-45s %6.0f ns/event (loop %5.0f, bare %4.0f)  %4.2fM events/s/thread"
                     % (m["version"] + ("*" if m["app"] else ""), m["executable"][-45:],
                        m["ns_per_event"], m["event_loop_ns"], m["bare_loop_ns"],
                        m["events_per_s_per_thread"] / 1e6))
    app = per_python[0]
    worst = max(per_python, key=lambda m: m["ns_per_event"])
    figures = {"app_ns_per_event": app["ns_per_event"], "worst_ns_per_event": worst["ns_per_event"],
               "worst_version": worst["version"], "events_per_repeat": n, "repeats": repeats,
               "per_interpreter": per_python}
    baseline = {"app_bare_loop_ns": app["bare_loop_ns"],
                "meaning": "ns_per_event = median over repeats of (loop with Recorder.event - "
                           "the same loop bare) / N, per interpreter"}
    goals = [common.goal("app interpreter: us per event (median)", app["ns_per_event"] / 1000,
                         "<=", GOAL_APP_NS / 1000, "us"),
             common.goal("every interpreter: us per event (worst median)",
                         worst["ns_per_event"] / 1000, "<=", GOAL_ALL_NS / 1000, "us")]
    res = common.result("record", figures, baseline, goals)
    res["table"] = table + ["* the app's interpreter"]
    return res
