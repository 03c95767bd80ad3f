"""gil-lanes: the gil scenario's run / wait-for-GIL lanes against an independent reading.

Lanes: a runner-like child (standard library only, -I) runs the gil scenario's
probed loop (``engine.probe.Context.cpu_work``, GIL_WAIT on gaps) in 2 threads of
one process, recording into the real Sink; this process decodes the stream as
the Session does and, every second, reads each thread's
/proc/PID/task/TID/schedstat (field 1: ns on a CPU, field 2: ns runnable but
waiting for a CPU).  Per 1 s window and thread, the probe's run share (time in
RUNNING spans / window) is compared with schedstat's (CPU ns / window).  The
overlap is the time both threads' RUNNING spans cover at once, over the wall
time of the two-thread run: with one GIL it should be nil.

Overhead: the probed loop against the same nested loop without the clock reads,
same iteration count, in thread CPU time (waiting for a core is no cost of the
probe), alternated, median of the paired ratios, on every interpreter found.
(Against the seed's flat ``for _ in range(N): x = x ^ 1`` the probed loop is
faster: half the ints its short inner range yields come from CPython's small-int
cache, while the flat loop makes a new int for every one of its N values; that
ratio is shown too, not used as the goal.)
Goals: overhead <= 3 %, overlap <= 0.1 % of wall time, run share within +-0.05.
"""
import os
import subprocess
import sys
import threading
import time

from bench import common

GOAL_OVERHEAD = 0.03
GOAL_OVERLAP = 0.001
GOAL_SHARE = 0.05
WINDOW_NS = 1_000_000_000


# -- child side (standard library only) ---------------------------------------------
def _seed_loop(iterations: int) -> int:
    """The seed's loop as written (every int past 256 it counts through is a new object)."""
    x = 0
    for _ in range(iterations):
        x = x ^ 1
    return x


def _unprobed(iterations: int) -> int:
    """cpu_work's loop without the probe: the same nested ranges, no clock reads."""
    from engine.probe import PROBE_EVERY
    inner = range(PROBE_EVERY)
    x = 0
    for _ in range(max(1, iterations // PROBE_EVERY)):
        for _ in inner:
            x = x ^ 1
    return x


def _calibrate(ctx) -> float:
    """ns per iteration of the probed loop on this interpreter (single thread)."""
    n = 400_000
    t0 = time.perf_counter_ns()
    ctx.cpu_work(n)
    return (time.perf_counter_ns() - t0) / n


def child_main(args) -> int:
    """lanes SECONDS FD: two probed threads on one GIL; overhead N REPEATS: ratios."""
    import json
    from engine import probe, recorder, wire
    from engine.wire import S
    if args[0] == "overhead":
        n, repeats = int(args[1]), int(args[2])
        read_fd, write_fd = os.pipe()
        os.close(read_fd)  # nothing is recorded without a gap; a broken pipe is counted
        recorder.install(write_fd)
        ctx = probe.Context({})
        # CPU time of this thread, not wall time: on a shared machine the wait for a
        # core is no part of what the probe costs.  Alternated, compared in pairs.
        clock = time.thread_time_ns
        unprobed, probed, seed = [], [], []
        for _ in range(repeats):
            t0 = clock()
            _unprobed(n)
            t1 = clock()
            ctx.cpu_work(n, S.PREEMPTED)
            t2 = clock()
            unprobed.append((t1 - t0) / n)
            probed.append((t2 - t1) / n)
        for _ in range(3):  # apart: its int allocations must not disturb the pairs above
            t0 = clock()
            _seed_loop(n)
            seed.append((clock() - t0) / n)
        print(json.dumps({"unprobed_ns": unprobed, "probed_ns": probed, "seed_ns": seed}))
        return 0
    seconds, fd = float(args[1]), int(args[2])
    os.write(fd, wire.stream_header())
    sink = recorder.install(fd)
    ctx = probe.Context({})
    per_iteration = _calibrate(ctx)
    iterations = int(seconds * 1e9 / per_iteration / 2)  # two threads share one GIL
    threads = [ctx.thread(ctx.cpu_work, "LANE%d" % (i + 1), (iterations, S.GIL_WAIT))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sink.flush_all()
    os.close(fd)
    return 0


# -- this side -----------------------------------------------------------------------
def _schedstat(pid: int, tid: int):
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
            on_cpu, runnable, _ = f.read().split()
        return int(on_cpu), int(runnable)
    except (OSError, ValueError):
        return None


def _lanes_run(seconds: float) -> dict:
    import numpy as np
    from engine import analysis
    from engine.decode import EventStore, StreamDecoder
    from engine.wire import K, S
    read_fd, write_fd = os.pipe()
    store = EventStore()
    decoder = StreamDecoder(store)

    def read() -> None:
        while True:
            data = os.read(read_fd, 1 << 20)
            if not data:
                break
            decoder.feed(data)
        os.close(read_fd)

    reader = threading.Thread(target=read, name="bench-reader", daemon=True)
    reader.start()
    child = subprocess.Popen(common.child_command(sys.executable, "gil_lanes", "lanes", seconds, write_fd),
                             pass_fds=(write_fd,), stdin=subprocess.DEVNULL)
    os.close(write_fd)
    tids = {}
    while len(tids) < 2 and child.poll() is None:  # each lane announces its native id
        starts = store.view()
        starts = starts[starts["kind"] == K.WORKER_START]
        tids = {int(e["worker"]): int(e["a"]) for e in starts if int(e["worker"]) != 0}
        time.sleep(0.002)
    samples = []  # (t_ns, {worker: (on_cpu_ns, runnable_ns)})
    next_tick = time.perf_counter_ns()
    while child.poll() is None:
        now = time.perf_counter_ns()
        reading = {w: _schedstat(child.pid, tid) for w, tid in tids.items()}
        if any(r is None for r in reading.values()):
            break  # a thread ended: the two-thread part is over
        samples.append((now, reading))
        next_tick += WINDOW_NS
        time.sleep(max(0.0, (next_tick - time.perf_counter_ns()) / 1e9))
    child.wait(60)
    reader.join(30)
    events = store.view()
    lanes = [lane for lane in analysis.RunView(events, decoder.strings).lanes() if lane[1] != 0]
    spans = analysis.spans_of(events, lanes, int(events["t"].max()))
    ends = events[(events["kind"] == K.STATE) & (events["b"] == S.DONE)]
    t_two_end = int(ends["t"].min())  # both threads ran until the first one finished
    running = [spans["state"] == S.RUNNING]
    per_lane = []
    for i, (pid, worker, _) in enumerate(lanes):
        mask = running[0] & (spans["lane"] == i)
        per_lane.append((worker, spans["t0"][mask], spans["t1"][mask]))
    t_two_start = max(int(t0[0]) for _, t0, _ in per_lane)
    diffs, windows = [], []
    for (ta, ra), (tb, rb) in zip(samples, samples[1:]):
        if tb > t_two_end:
            break
        row = {"t_s": (ta - t_two_start) / 1e9}
        for worker, t0, t1 in per_lane:
            probe_ns = float(np.clip(np.minimum(t1, tb) - np.maximum(t0, ta), 0, None).sum())
            cpu_ns = rb[worker][0] - ra[worker][0]
            row["lane%d" % worker] = {"probe_run_share": probe_ns / (tb - ta),
                                      "schedstat_run_share": cpu_ns / (tb - ta),
                                      "runnable_waiting_share": (rb[worker][1] - ra[worker][1]) / (tb - ta)}
            diffs.append(probe_ns / (tb - ta) - cpu_ns / (tb - ta))
        windows.append(row)
    overlap_ns = _overlap_ns([(t0, t1) for _, t0, t1 in per_lane], t_two_start, t_two_end)
    waits = spans["state"] == S.GIL_WAIT
    gil_wait_ms = (spans["t1"][waits] - spans["t0"][waits]) / 1e6
    return {"windows": windows, "share_diffs": diffs,
            "max_abs_share_diff": max(abs(d) for d in diffs) if diffs else None,
            "mean_share_diff": sum(diffs) / len(diffs) if diffs else None,
            "two_thread_wall_s": (t_two_end - t_two_start) / 1e9,
            "overlap_ns": overlap_ns, "overlap_share": overlap_ns / max(1, t_two_end - t_two_start),
            "gil_waits": int(waits.sum()),
            "gil_wait_ms_median": float(np.median(gil_wait_ms)) if len(gil_wait_ms) else None,
            "events": int(len(events))}


def _overlap_ns(lanes: list, start: int, end: int) -> int:
    """Time within [start, end] covered by running spans of two lanes or more at once."""
    import numpy as np
    t = np.concatenate([np.concatenate([np.clip(t0, start, end), np.clip(t1, start, end)])
                        for t0, t1 in lanes])
    step = np.concatenate([np.concatenate([np.ones(len(t0), np.int64), -np.ones(len(t1), np.int64)])
                           for t0, t1 in lanes])
    order = np.lexsort((step, t))  # at equal times, ends (-1) before starts: touching is no overlap
    t, level = t[order], np.cumsum(step[order])
    return int(((t[1:] - t[:-1]) * (level[:-1] >= 2)).sum())


def _overhead(python: str, n: int, repeats: int) -> dict:
    raw = common.run_json(common.child_command(python, "gil_lanes", "overhead", n, repeats), timeout=120)
    # Each probed loop against the unprobed one timed just before it, median of those
    # ratios: a slow spell (cache, frequency) touches both halves of a pair alike.
    ratios = [p / u for p, u in zip(raw["probed_ns"], raw["unprobed_ns"])]
    return {"overhead": common.median(ratios) - 1.0, "ratios": ratios,
            "overhead_of_fastest": min(raw["probed_ns"]) / min(raw["unprobed_ns"]) - 1.0,
            "vs_seed_loop": common.median(raw["probed_ns"]) / min(raw["seed_ns"]),
            "unprobed_ns_per_iteration": common.median(raw["unprobed_ns"])}


def run(quick: bool = False) -> dict:
    seconds, n, repeats = (2.5, 1_000_000, 3) if quick else (6.0, 3_000_000, 9)
    lanes = _lanes_run(seconds)
    overheads, table = [], []
    for info in (common.interpreters()[:1] if quick else common.interpreters()):
        o = _overhead(info["executable"], n, repeats)
        o.update(version=info["version"], app=info["app"])
        overheads.append(o)
        table.append("probe overhead %-8s %+5.1f %%  (unprobed loop %.1f ns/iteration; "
                     "probed / seed's flat loop %.2f)"
                     % (o["version"] + ("*" if o["app"] else ""), 100 * o["overhead"],
                        o["unprobed_ns_per_iteration"], o["vs_seed_loop"]))
    for w in lanes["windows"]:
        table.append("window at %4.1f s: " % w["t_s"] + "   ".join(
            "%s probe %.3f / schedstat %.3f (runnable %.3f)" % (
                k, v["probe_run_share"], v["schedstat_run_share"], v["runnable_waiting_share"])
            for k, v in w.items() if k != "t_s"))
    table.append("two threads for %.2f s: overlap %.0f us (%.4f %%), %d GIL waits, median %.2f ms"
                 % (lanes["two_thread_wall_s"], lanes["overlap_ns"] / 1e3, 100 * lanes["overlap_share"],
                    lanes["gil_waits"], lanes["gil_wait_ms_median"] or 0))
    app = overheads[0]
    worst = max(overheads, key=lambda o: o["overhead"])
    figures = {"lanes": lanes, "overhead_app": app["overhead"], "overhead_worst": worst["overhead"],
               "overhead_worst_version": worst["version"], "overhead_per_interpreter": overheads}
    baseline = {"unprobed_loop_ns_per_iteration_app": app["unprobed_ns_per_iteration"],
                "independent_reading": "/proc/PID/task/TID/schedstat field 1 (ns on CPU) per 1 s window",
                "overlap_wall_ns": int(lanes["two_thread_wall_s"] * 1e9)}
    goals = [common.goal("probe overhead vs unprobed loop, app interpreter", app["overhead"], "<=",
                         GOAL_OVERHEAD),
             common.goal("probe overhead vs unprobed loop, worst interpreter", worst["overhead"], "<=",
                         GOAL_OVERHEAD),
             common.goal("two threads' running spans overlap / wall", lanes["overlap_share"], "<=",
                         GOAL_OVERLAP),
             common.goal("run share: probe vs schedstat, worst 1 s window (abs. difference)",
                         lanes["max_abs_share_diff"], "<=", GOAL_SHARE)]
    res = common.result("gil-lanes", figures, baseline, goals)
    res["table"] = table
    return res
