"""`report FILE` is bounded in time and memory, whatever FILE is (issue 12, part 3).

Each case runs `python main.py report FILE` as its own process and reads that
process's own peak resident memory from os.wait4 (ru_maxrss), so the bound is
the CLI's, not pytest's.  Timeouts here are hang guards (a FIFO blocked for
ever, a quadratic loop ran for minutes), not timing claims: each bound is a
factor of ten or more above what the fixed code takes on a loaded machine.
"""
import os
import subprocess

import numpy as np
import pytest

from engine import wire
from engine.decode import EVENT_DTYPE
from engine.recording import encode_events
from tests.engine.helpers import MAIN, PYTHON, ROOT, report_line

MB = 1 << 20
MAX_BYTES_PER_FILE_BYTE = 6  # measured 5.0 (old code 2 GiB peaks: over 3x before the analysis ran)
BASE_RSS = 250 * MB  # the CLI with numpy and the engine loaded, nothing read yet (measured ~90 MB)


MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.monotonic()
try:
    out = subprocess.run(sys.argv[1:-1], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=float(sys.argv[-1]))
    code, err = out.returncode, out.stderr.decode()
except subprocess.TimeoutExpired:
    code, err = None, ""
print(json.dumps({"code": code, "err": err, "seconds": time.monotonic() - t0,
                  "maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def report(path, timeout: float = 120, *extra):
    """(exit code, stderr, peak RSS in bytes, seconds) of `main.py report path`.

    Measured by a small wrapper process: a child's ru_maxrss starts at its
    parent's size when it is spawned (vfork, then exec keeps the maximum), so
    measured from pytest it would include pytest.
    """
    import json
    out = subprocess.run([PYTHON, "-c", MEASURE, PYTHON, MAIN, "report", str(path)]
                         + list(extra) + [str(timeout)],
                         capture_output=True, text=True, timeout=timeout + 60, cwd=ROOT)
    doc = json.loads(out.stdout)
    if doc["code"] is None:
        pytest.fail("report %s still ran after %.0f s" % (path, timeout))
    return doc["code"], doc["err"], doc["maxrss"], doc["seconds"]


def _frame(ftype, count, pid, payload):
    return wire.FRAME_HEADER.pack(ftype, count, pid, len(payload)) + payload


def write_recording(path, strings, events, summary_json: bytes):
    """A recording made by hand: one string frame per pid, events, race's final value, the summary.

    The final value (0) lets race's verdict run to its end on made-up accesses.
    """
    final = np.zeros(1, EVENT_DTYPE)
    final["t"], final["pid"], final["kind"], final["b"] = events["t"].max() + 1, 1, wire.K.VALUE, 99
    strings = dict(strings)
    strings[1] = list(strings.get(1, [])) + [(99, b"final_value")]
    with open(path, "wb") as f:
        f.write(wire.stream_header())
        for pid, items in strings.items():
            payload = b"".join(wire.STRING_ENTRY.pack(sid, len(t)) + t for sid, t in items)
            f.write(_frame(wire.F_STRINGS, len(items), pid, payload))
        f.write(encode_events(events))
        f.write(encode_events(final))
        f.write(_frame(wire.F_MESSAGE, 1, 0, summary_json))


RACE_SUMMARY = (b'{"type":"session","scenario":"race","params":{"iterations":1,"workers":2,'
                b'"lock":false,"traced":true,"switch_interval":0.005}}')


def test_dev_zero_is_refused_at_once():
    code, err, rss, _ = report("/dev/zero", timeout=30)  # old: read it until memory ran out
    assert code == 2 and err == "gilscope: cannot read /dev/zero: not a regular file\n", err
    assert rss < BASE_RSS


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.gilscope"
    os.mkfifo(fifo)
    code, err, _, _ = report(fifo, timeout=30)  # old: blocked in open() for ever
    assert code == 2 and "not a regular file" in err, err


def test_a_sparse_2_gib_file_with_a_bad_first_frame_is_refused_in_little_memory(tmp_path):
    path = tmp_path / "sparse.gilscope"
    with open(path, "wb") as f:
        f.write(wire.stream_header() + _frame(77, 0, 1, b""))
        f.truncate((2 << 30) - 1)  # a hole: takes no disk, reads as zeros
    code, err, rss, _ = report(path, timeout=60)
    assert code == 2 and "unknown frame type 77" in err, err
    assert rss < BASE_RSS, rss  # old: read all 2 GiB first (2.08 GB peak)
    os.truncate(path, (2 << 30) + 1)
    code, err, rss, _ = report(path, timeout=60)
    assert code == 2 and "over 2 GiB" in err, err


def test_a_huge_t_end_is_refused_in_one_line(tmp_path):
    path = tmp_path / "t_end.gilscope"
    events = np.zeros(1, EVENT_DTYPE)
    events["kind"] = wire.K.VALUE
    write_recording(path, {}, events, RACE_SUMMARY[:-1] + b',"t_end_ns":%d}' % (10 ** 30))
    code, err, _, _ = report(path)  # old: OverflowError traceback in the analysis
    assert code == 2 and "bad session summary" in err and "t_end_ns" in err, err


def test_many_external_children_report_in_linear_time(tmp_path):
    """100 000 proc_spawn + proc_exit events: old code scanned every exit for each spawn."""
    n = 100_000
    events = np.zeros(2 * n, EVENT_DTYPE)
    events["t"] = np.arange(2 * n)
    events["pid"] = 1
    events["kind"][:n], events["kind"][n:] = wire.K.PROC_SPAWN, wire.K.PROC_EXIT
    events["a"][:n] = events["a"][n:] = np.arange(1000, 1000 + n)
    events["b"][:n] = 1
    path = tmp_path / "spawns.gilscope"
    write_recording(path, {1: [(1, b"cp")]}, events, RACE_SUMMARY)
    trace = str(tmp_path / "trace.json")  # the trace draws every lane: lanes and spans are built
    code, err, rss, seconds = report(path, 90, "--trace", trace)  # old: over 120 s at this size
    report_line_here("100k external children", seconds, rss, path)
    assert code == 0 and err == "", err
    assert os.path.getsize(trace) > n * 100  # a lane and a slice for each child


def test_many_lanes_racing_on_one_variable_report_in_n_log_n(tmp_path):
    """200 000 reads and writes of `ret` from 100 000 threads: old lost_updates looped per lane."""
    lanes = 100_000
    events = np.zeros(2 * lanes, EVENT_DTYPE)
    events["t"] = np.arange(2 * lanes)
    events["pid"] = 1
    workers = np.arange(1, lanes + 1)
    events["worker"][0::2] = events["worker"][1::2] = workers
    events["kind"][0::2], events["kind"][1::2] = wire.K.VAR_READ, wire.K.VAR_WRITE
    events["b"] = 1
    path = tmp_path / "lanes.gilscope"
    write_recording(path, {1: [(1, b"ret")]}, events, RACE_SUMMARY)
    code, err, rss, seconds = report(path, timeout=90)
    report_line_here("100k racing lanes", seconds, rss, path)
    assert code in (0, 1) and err == "", err  # ran to its verdict


def test_a_large_valid_recording_reports_within_a_stated_memory_bound(tmp_path, request):
    """8M traced accesses (256 MB) saved in time order: report peaks under 6 x the file + the base.

    Loading alone peaks at about the file's size (the event array, allocated once); race's
    lost-update analysis of 8M accesses adds its index arrays (int64 per access).
    """
    n = 8_000_000
    events = np.zeros(n, EVENT_DTYPE)
    events["t"] = np.arange(n) * 100
    events["pid"] = 1
    events["worker"] = 1 + (np.arange(n) % 2)
    events["kind"] = np.where(np.arange(n) % 2, wire.K.VAR_WRITE, wire.K.VAR_READ)
    events["b"] = 1
    path = tmp_path / "large.gilscope"
    write_recording(path, {1: [(1, b"ret")]}, events, RACE_SUMMARY)
    del events
    size = os.path.getsize(path)
    code, err, rss, seconds = report(path, timeout=240)
    report_line(request.config, "report of a %d MB recording: peak RSS %d MB in %.1f s (load %s)"
                % (size // MB, rss // MB, seconds, os.getloadavg()[0]))
    assert code in (0, 1) and err == "", err  # ran to its verdict
    assert rss < MAX_BYTES_PER_FILE_BYTE * size + BASE_RSS, (rss // MB, size // MB)


def report_line_here(what, seconds, rss, path):
    print("%s: %.1f s, peak RSS %d MB, file %d MB, load %.1f"
          % (what, seconds, rss // MB, os.path.getsize(path) // MB, os.getloadavg()[0]))
