"""ingest: events/s from worker recording to decoded numpy arrays in a Session-like reader.

The writer is a runner-like child (standard library only, started with -I): it
writes the stream header, installs the real Sink on the event pipe and records
as fast as it can with ``Recorder.event`` in 1 worker process, 4 worker
processes (forked, as scenario processes are) or 4 threads of one process.  This
process reads exactly as ``Session._read_events`` does: a thread blocking in
``os.read(fd, 1 MiB)`` feeding a ``StreamDecoder`` into an ``EventStore``.

Rate = events decoded / (last decode done - first event's timestamp): both
clocks are CLOCK_MONOTONIC, so the span covers recording, the pipe and decoding.
Baseline: the workers' own recording rate in the same run (from their event
timestamps); ingest / recording near 1.0 means the reader keeps up.
Dropped = events recorded but not in the store (pipe drops + store cap + missing).

Who set the pace: the pipe holds 64 KiB (16 frames), so a writer ahead of the reader
blocks in os.write and its timestamps slow down with it: "ratio 1.00" holds whoever is
slower.  Each writing process therefore reports its recording threads' CPU time; the
writer's CPU share (that time over its own recording span, per process) near 1.0 means
the recorder set the pace (the figure is then its speed on this machine at that moment:
instructions per event are bench record's), well below 1.0 that it waited: on the pipe
(the reader's pace) or for a core (other programs').
"""
import os
import subprocess
import sys
import threading
import time

from bench import common

GOAL_ONE_PROCESS = 1_500_000
MODES = (("1 process", "processes", 1), ("4 processes", "processes", 4), ("4 threads", "threads", 4))


def _record(sink, n: int, name: str, cpu_ns: list) -> None:
    from engine.wire import K
    c0 = time.thread_time_ns()
    rec = sink.recorder(name)
    var_write = K.VAR_WRITE
    for i in range(n):
        rec.event(var_write, 1, i)
    rec.flush()
    cpu_ns.append(time.thread_time_ns() - c0)


def child_main(args) -> int:
    """Runner-like writer: mode (processes|threads), workers, events per worker, event fd."""
    from engine import recorder, wire
    mode, workers, n, fd = args[0], int(args[1]), int(args[2]), int(args[3])
    os.write(fd, wire.stream_header())
    sink = recorder.install(fd)
    cpu_ns = []
    if mode == "threads":
        threads = [threading.Thread(target=_record, args=(sink, n, "T%d" % i, cpu_ns))
                   for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sink.message({"type": "done", "dropped": sink.dropped, "cpu_ns": sum(cpu_ns)})
    else:
        pids = []
        for i in range(workers):
            pid = os.fork()
            if pid == 0:
                _record(recorder.sink(), n, "P%d" % i, cpu_ns)
                recorder.sink().message({"type": "done", "dropped": recorder.sink().dropped,
                                         "cpu_ns": sum(cpu_ns)})
                os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
    os.close(fd)
    return 0


class _Reader:
    """Session._read_events, timed: the decode loop on its own thread."""

    def __init__(self, fd: int) -> None:
        from engine.decode import EventStore, StreamDecoder
        self.store = EventStore()
        self.decoder = StreamDecoder(self.store)
        self.fd = fd
        self.t_last_decoded = 0
        self.cpu_ns = 0
        self.reads = 0
        self.thread = threading.Thread(target=self._read, name="bench-reader", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                data = os.read(self.fd, 1 << 20)
                if not data:
                    return
                self.decoder.feed(data)
                self.reads += 1
                self.t_last_decoded = time.perf_counter_ns()
        finally:
            self.cpu_ns = time.thread_time_ns()
            os.close(self.fd)


def measure(mode: str, workers: int, n: int) -> dict:
    import numpy as np
    from engine.wire import K
    read_fd, write_fd = os.pipe()
    reader = _Reader(read_fd)
    try:
        child = subprocess.run(common.child_command(sys.executable, "ingest", mode, workers, n, write_fd),
                               pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=300)
    finally:
        os.close(write_fd)
    reader.thread.join(60)
    if child.returncode != 0:
        raise RuntimeError("ingest writer failed: %s" % child.stderr.strip()[-2000:])
    ev = reader.store.view()
    data = ev[ev["kind"] == K.VAR_WRITE]
    t_first = int(data["t"].min())
    decoded = len(data)
    expected = workers * n
    in_workers = sum(m.get("dropped", 0) for m in reader.decoder.messages if m.get("type") == "done")
    span_ns = reader.t_last_decoded - t_first
    # Each worker's own recording span, from its first to its last timestamp.
    keys = (data["pid"].astype(np.uint64) << np.uint64(32)) | data["worker"].astype(np.uint64)
    rec_rates = []
    for key in np.unique(keys):
        t = data["t"][keys == key]
        rec_rates.append(len(t) * 1e9 / max(1, int(t.max()) - int(t.min())))
    t_last_event = int(data["t"].max())
    # The writer's CPU share, per writing process: its recording threads' CPU time over its
    # events' span (near 1: the recorder set the pace; below: it waited for the pipe or a core).
    writer_shares = []
    for m in reader.decoder.messages:
        if m.get("type") == "done" and m.get("cpu_ns") is not None:
            t = data["t"][data["pid"] == m["pid"]]
            if len(t) > 1:
                writer_shares.append(m["cpu_ns"] / max(1, int(t.max()) - int(t.min())))
    return {"events": decoded, "expected": expected,
            "dropped": int(expected - decoded) + int(reader.store.dropped) + int(in_workers),
            "events_per_s": decoded * 1e9 / span_ns,
            "recording_events_per_s": decoded * 1e9 / max(1, t_last_event - t_first),
            "per_worker_recording_events_per_s": rec_rates,
            "decode_lag_ms": (reader.t_last_decoded - t_last_event) / 1e6,
            # The reader blocks in os.read until the first frame: its CPU time is all decoding.
            "reader_cpu_share": reader.cpu_ns / max(1, span_ns),
            "writer_cpu_share": (sum(writer_shares) / len(writer_shares)
                                 if writer_shares else None),
            "reads": reader.reads, "bytes": reader.decoder.bytes_in}


def run(quick: bool = False) -> dict:
    n_one, n_each, repeats = (300_000, 100_000, 1) if quick else (4_000_000, 1_000_000, 3)
    figures, table = {}, []
    for label, mode, workers in MODES:
        n = n_one if workers == 1 else n_each
        runs = [measure(mode, workers, n) for _ in range(repeats)]
        best = sorted(runs, key=lambda r: r["events_per_s"])[len(runs) // 2]  # the median run
        best["repeats_events_per_s"] = [r["events_per_s"] for r in runs]
        best["dropped"] = sum(r["dropped"] for r in runs)
        figures[label] = best
        table.append("%-12s %5.2fM events/s ingested  (recorded %5.2fM/s, ratio %.2f)  "
                     "dropped %d  reader CPU %3.0f %%  writer CPU %3.0f %%  lag %.1f ms"
                     % (label, best["events_per_s"] / 1e6, best["recording_events_per_s"] / 1e6,
                        best["events_per_s"] / best["recording_events_per_s"], best["dropped"],
                        100 * best["reader_cpu_share"], 100 * (best["writer_cpu_share"] or 0),
                        best["decode_lag_ms"]))
    one = figures["1 process"]
    baseline = {label: {"recording_events_per_s": f["recording_events_per_s"],
                        "ingest_over_recording": f["events_per_s"] / f["recording_events_per_s"]}
                for label, f in figures.items()}
    goals = [common.goal("1 worker process: events/s decoded", round(one["events_per_s"]),
                         ">=", GOAL_ONE_PROCESS, "events/s"),
             common.goal("events dropped (all modes, all repeats)",
                         sum(f["dropped"] for f in figures.values()), "<=", 0)]
    res = common.result("ingest", figures, baseline, goals)
    res["table"] = table
    return res
