"""The event stream: record layout, frame layout, and the only list of event kinds.

Standard library only (the runner imports it; it may be Python 3.9).

Stream = MAGIC + VERSION header, then frames.  A frame is a 12-byte header
(frame type, item count, pid, payload length) and a payload of at most
MAX_FRAME - 12 bytes.  MAX_FRAME is PIPE_BUF (4096): a write of that size to a
pipe is atomic, so every process of a run (forked scenario children included)
can write frames to the one inherited event pipe without a lock and without
interleaving (POSIX write(2)).

Event record: 32 bytes, little endian, fixed size, so a batch decodes with one
``numpy.frombuffer`` on the GUI side (docs/ARCHITECTURE.md, "Measured design rules").
"""
import struct
from itertools import accumulate, chain, repeat

MAGIC = b"GSCP"
VERSION = 1
STREAM_HEADER = struct.Struct("<4sHH")  # magic, version, reserved

# t_ns, pid, worker, kind, state/aux, b (string id, small int), a (value)
RECORD = struct.Struct("<qIIHHiq")
RECORD_SIZE = RECORD.size  # 32
NUMPY_DTYPE_SPEC = [
    ("t", "<i8"), ("pid", "<u4"), ("worker", "<u4"),
    ("kind", "<u2"), ("aux", "<u2"), ("b", "<i4"), ("a", "<i8"),
]

FRAME_HEADER = struct.Struct("<HHII")  # frame type, count, pid, payload length
MAX_FRAME = 4096
MAX_EVENTS_PER_FRAME = (MAX_FRAME - FRAME_HEADER.size) // RECORD_SIZE  # 127

# Frame types
F_EVENTS = 1    # count records of RECORD
F_STRINGS = 2   # count entries of STRING_ENTRY + utf-8 bytes, ids local to pid
F_MESSAGE = 3   # one UTF-8 JSON object (control: hello, result, error)
STRING_ENTRY = struct.Struct("<iH")  # id, byte length
MAX_STRING_BYTES = 1000

# Event kinds: (code, name, meaning of b, meaning of a).  The one list.  aux is 0 but for
# var_read / var_write, where a scenario may put the access's line in its shown program
# (race does: the window's step-through highlights it in the Source tab).
KINDS = (
    (1, "worker_start", "name id", "native thread id"),
    (2, "worker_exit", "thread CPU us at exit (0: not taken)", "exit code (0 ok)"),
    (3, "state", "state code", "-"),
    (4, "var_read", "variable id", "value"),
    (5, "var_write", "variable id", "value"),
    (6, "lock_request", "lock id", "-"),
    (7, "lock_acquired", "lock id", "-"),
    (8, "lock_release", "lock id", "-"),
    (9, "queue_put", "queue id", "depth after"),
    (10, "queue_get", "queue id", "depth after"),
    (11, "task_submit", "task id", "argument"),
    (12, "task_start", "task id", "argument"),
    (13, "task_finish", "task id", "result"),
    (14, "proc_spawn", "name id", "child pid"),
    (15, "proc_exit", "exit code", "child pid"),
    (16, "output", "text id", "-"),
    (17, "error", "text id", "exit code or -1"),
    (18, "value", "name id", "value"),
    (19, "phase_begin", "phase id", "-"),
    (20, "phase_end", "phase id", "-"),
    (21, "cpu_sample", "core index (aux: 1 + this run's and gilscope's load on it in 1/100 %)",
     "load in 1/100 %"),
    (22, "cpu_time", "native thread id (0: whole process)", "cpu time ns so far"),
    (23, "dropped", "-", "events dropped"),
    (24, "process_start", "name id", "parent pid"),
    (25, "thread_spawn", "name id", "worker id of the new thread"),
    (26, "gate_wait", "gate (engine.gates: read, write, acquire, release)", "source line"),
    (27, "record_cost", "events recorded so far (aux: ns an event costs here)",
     "ns the rest of recording cost so far (flushes, batched events: engine/recorder.py)"),
    (28, "measured_state", "state code (the Session's, from /proc schedstat + probes)", "-"),
)
K = type("K", (), {name.upper(): code for code, name, _, _ in KINDS})
KIND_NAMES = {code: name for code, name, _, _ in KINDS}

# Worker states, drawn as timeline colours.  Order is the legend's order.
STATES = (
    (0, "running"), (1, "gil_wait"), (2, "lock_wait"), (3, "queue_wait"),
    (4, "join_wait"), (5, "io_wait"), (6, "sleeping"), (7, "idle"), (8, "done"),
    (9, "preempted"),  # runnable, but the OS ran something else (not the GIL)
    (10, "gate_wait"),  # held at a gate by the scheduler (the user, a schedule, a replay)
    (11, "preempted_gil"),  # runnable, holding the GIL, while the OS ran something else
)
S = type("S", (), {name.upper(): code for code, name in STATES})
N_STATES = len(STATES)
STATE_NAMES = {code: name for code, name in STATES}

# Worker id 0 is "the process itself" (its main thread); sampler records use pid 0.
PROCESS_WORKER = 0
SAMPLER_PID = 0


def string_frames(pid: int, items) -> list:
    """Whole F_STRINGS frames (each <= MAX_FRAME) announcing (id, text) pairs of pid.

    Built by map, accumulate and join, with no Python step per string: a thread that
    prints a new line each time announces one string per event (thread-names), and a
    loop of encode, pack and append per string cost it about 1.4 us a line."""
    items = list(items)
    if not items:
        return []
    sids, texts = zip(*items)
    datas = list(map(str.encode, texts, repeat("utf-8"), repeat("replace")))
    if max(map(len, datas)) > MAX_STRING_BYTES:
        datas = [d[:MAX_STRING_BYTES] for d in datas]
    heads = list(map(STRING_ENTRY.pack, sids, map(len, datas)))
    ends = list(accumulate(map(len, datas), initial=0))  # payload offsets, heads aside
    room, frames, start = MAX_FRAME - FRAME_HEADER.size, [], 0
    while start < len(datas):
        # the most entries from start whose heads and texts fit one frame's payload
        lo, hi = start + 1, len(datas)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if ends[mid] - ends[start] + STRING_ENTRY.size * (mid - start) <= room:
                lo = mid
            else:
                hi = mid - 1
        payload = b"".join(chain.from_iterable(zip(heads[start:lo], datas[start:lo])))
        frames.append(FRAME_HEADER.pack(F_STRINGS, lo - start, pid, len(payload)) + payload)
        start = lo
    return frames


def stream_header() -> bytes:
    return STREAM_HEADER.pack(MAGIC, VERSION, 0)


class WireError(ValueError):
    """The bytes are not a gilscope stream (wrong magic, version or framing)."""


def check_stream_header(data: bytes) -> int:
    """Validate a stream header; return its size.  Raises WireError."""
    if len(data) < STREAM_HEADER.size:
        raise WireError("stream is shorter than its header (%d bytes)" % len(data))
    magic, version, _ = STREAM_HEADER.unpack_from(data)
    if magic != MAGIC:
        raise WireError("not a gilscope recording (magic %r)" % (magic,))
    if version != VERSION:
        raise WireError("recording version %d, this gilscope reads version %d" % (version, VERSION))
    return STREAM_HEADER.size
