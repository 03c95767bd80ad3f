"""Save and load a run as a .gilscope file: the event stream itself, plus a summary.  [numpy]

The file is the wire format (engine/wire.py): the stream header, string frames
per process, event frames, and a final "session" message.  Loading it goes
through the same StreamDecoder as a live run, so a truncated or corrupt file
fails with a WireError naming the problem.  Nothing read from a file is ever
unpickled or executed: strings, numbers and JSON only.
"""
import json
import os
import stat

import numpy as np

from . import safe_files, scenario_file, scenarios, wire
from .decode import EventStore, StreamDecoder, default_capacity
from .run_data import RunData

MAX_FILE_BYTES = 2 << 30  # a recording beyond 2 GiB is refused, not loaded half-way


class RecordingError(ValueError):
    """The file is not a readable gilscope recording; the message says why."""


def _frame(ftype: int, count: int, pid: int, payload: bytes) -> bytes:
    return wire.FRAME_HEADER.pack(ftype, count, pid, len(payload)) + payload


def encode_events(events: np.ndarray) -> bytes:
    """Events as a run of full event frames (vectorised: no loop per event)."""
    per = wire.MAX_EVENTS_PER_FRAME
    chunks = []
    for start in range(0, len(events), per * 4096):
        block = np.ascontiguousarray(events[start:start + per * 4096])
        n_full, rest = divmod(len(block), per)
        body = block[:n_full * per].view(np.uint8).reshape(n_full, per * wire.RECORD_SIZE)
        header = np.frombuffer(wire.FRAME_HEADER.pack(wire.F_EVENTS, per, 0, per * wire.RECORD_SIZE),
                               np.uint8)
        frames = np.empty((n_full, header.size + body.shape[1]), np.uint8)
        frames[:, :header.size] = header
        frames[:, header.size:] = body
        chunks.append(frames.tobytes())
        if rest:
            tail = block[n_full * per:].tobytes()
            chunks.append(_frame(wire.F_EVENTS, rest, 0, tail))
    return b"".join(chunks)


def save(data: RunData, path: str) -> None:
    """Write a finished (or stopped) run's data (engine.run_data.RunData) to path, atomically (engine/safe_files.py).

    Written part by part as it is encoded, never joined into one bytes object: a save
    holds the time order (8 B an event) and one block of frames, not two copies of the
    run (it held 106 B an event beside the store when it joined everything first)."""
    with safe_files.replaced_atomically(path, "wb") as f:
        for part in _run_parts(data):
            f.write(part)


def encode_run(data: RunData) -> bytes:
    """A finished (or stopped) run as one complete stream: what a .gilscope file holds
    (and what a saved comparison holds once per run, engine/compare_recording.py)."""
    return b"".join(_run_parts(data))


def _run_parts(data: RunData):
    """The pieces of encode_run's stream, in order."""
    by_pid = {}
    for (pid, sid), text in data.strings.items():
        by_pid.setdefault(pid, []).append((sid, text))
    parts = [wire.stream_header()]
    for pid, items in sorted(by_pid.items()):
        payload, count = b"", 0
        for sid, text in items:
            encoded = text.encode("utf-8")[:wire.MAX_STRING_BYTES]
            entry = wire.STRING_ENTRY.pack(sid, len(encoded)) + encoded
            if len(payload) + len(entry) + wire.FRAME_HEADER.size > wire.MAX_FRAME:
                parts.append(_frame(wire.F_STRINGS, count, pid, payload))
                payload, count = b"", 0
            payload += entry
            count += 1
        if count:
            parts.append(_frame(wire.F_STRINGS, count, pid, payload))
    for msg in data.messages:
        parts.append(_frame(wire.F_MESSAGE, 1, int(msg.get("pid", 0)), _json(msg)))
    events = data.events
    # In time order: analysis.RunView then uses the loaded array as it is, without a sorted copy
    # (a stable sort: what the analysis computes from it does not change).
    for block in _events_in_time_order(events):
        parts.append(encode_events(block))
        yield from parts
        parts = []
    summary = {"type": "session", "scenario": data.scenario.id, "params": data.params,
               "interpreter": data.interpreter, "state": data.state,
               "t_end_ns": data.t_end_ns, "dropped": data.dropped,
               "problem": data.problem}
    if data.scenario.ref != data.scenario.id:  # a scenario file: where it was, by name only
        summary["scenario_file"] = data.scenario.ref
    parts.append(_frame(wire.F_MESSAGE, 1, 0, _json(summary)))
    yield from parts


def _events_in_time_order(events: np.ndarray, block: int = wire.MAX_EVENTS_PER_FRAME * 1024,
                          bucket: int = 1 << 18):
    """The events in time order (a stable sort), 130k (4 MiB) at a time.

    An unordered run (a live one: arrival order) is sorted a band of times at a time:
    the bands' bounds come from a sample of the times, each event's band is found in one
    pass (1 B an event), and each band's events are sorted alone.  The whole run's order
    (8 B an event, and the sort's buffers beside it: 16 B an event above the records,
    bench memory) is never held; a band is about ``bucket`` events, 16 bands at most
    unless a band would exceed that.
    Events of equal time fall in one band, in position order: the same order as a stable
    sort of all of them."""
    t = events["t"]
    if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):
        for start in range(0, len(events), block):
            yield events[start:start + block]
        return
    bounds = _band_bounds(t, max(bucket, -(-len(t) // 16)))
    if not len(bounds):
        order = np.argsort(t, kind="stable")
        for start in range(0, len(order), block):
            yield np.take(events, order[start:start + block])
        return
    # Each event's band (1 B an event: at most 255 bounds), in one pass over the times;
    # then a band's events are found in that contiguous column, not in the records.
    band = np.empty(len(t), np.uint8)
    for start in range(0, len(t), block):
        band[start:start + block] = np.searchsorted(bounds, t[start:start + block], "right")
    for b in range(len(bounds) + 1):
        idx = np.flatnonzero(band == b)
        idx = idx[np.argsort(t[idx], kind="stable")]
        for start in range(0, len(idx), block):
            yield np.take(events, idx[start:start + block])


def _band_bounds(t: np.ndarray, size: int) -> np.ndarray:
    """Distinct times that cut t into bands [bound_i, bound_i+1) of about size events each,
    from an evenly spaced sample of t (none: t is one band)."""
    if len(t) <= size:
        return np.zeros(0, t.dtype)
    step = max(1, len(t) // 65536)
    sample = np.sort(t[::step])
    per = max(1, size // step)
    return np.unique(sample[per::per])[:255]


def _json(obj) -> bytes:
    data = json.dumps(obj, separators=(",", ":"), default=str).encode()
    if len(data) + wire.FRAME_HEADER.size > wire.MAX_FRAME:
        raise RecordingError("a message is too large to save (%d bytes)" % len(data))
    return data


def run_data_of(store: EventStore, decoder: StreamDecoder, summary: dict, scenario=None) -> RunData:
    """A decoded recording as a RunData: its events, its strings and messages, and what its
    session summary says.  Raises KeyError, TypeError, ValueError, OverflowError or
    scenarios.UnknownScenario for a bad summary (the callers say it of their file)."""
    t_end_ns = _int64(summary.get("t_end_ns"), "t_end_ns")
    events = store.view()
    # A recording knows when its run ended, not when Run was pressed: its first event.
    t_start_ns = int(events["t"].min()) if len(events) else 0
    return RunData(events, decoder.strings, decoder.messages, scenario or _scenario_of(summary),
                   summary.get("params") or {}, summary.get("interpreter") or {},
                   summary.get("state", "finished"), t_start_ns, t_end_ns,
                   _int64(summary.get("dropped"), "dropped"), summary.get("problem", ""))


def _scenario_of(summary: dict):
    """A built-in scenario by its id.  A recording of a scenario file names the file but never
    loads it: opening a recording must not run code from a path the recording chose."""
    if scenario_file.is_file_ref(summary["scenario"]):
        raise scenarios.UnknownScenario(summary["scenario"])
    return scenarios.get(summary["scenario"])


class ScenarioFileNeeded(RecordingError):
    """A recording of a scenario file, loaded without that file (load(..., scenario=))."""

    def __init__(self, recording: str, path: str) -> None:
        super().__init__("%s is a recording of the scenario file %s: name that file too "
                         "(report --file %s), or open it first" % (recording, path, path))
        self.path = path


MAX_STRINGS = 1_000_000   # a real run interns names and printed lines: far fewer
MAX_MESSAGES = 10_000     # hello / done / error per process: far fewer
READ_CHUNK = 1 << 20      # the file is decoded as it is read, never held whole


def load(path: str, capacity: int = None, scenario=None) -> RunData:
    """Read a recording.  Raises RecordingError for anything not right about it.

    Bounded in time and memory whatever the file is: only a regular file is
    read (a FIFO, /dev/zero or a terminal is refused at once, without
    blocking), at most MAX_FILE_BYTES of it, in READ_CHUNK pieces decoded as
    they come, so a file that goes wrong early is refused early.  The event
    array is allocated once at the size the file can hold (no growth copies):
    loading peaks at about the file's size plus the interpreter.
    scenario: the Scenario of a recording made from a scenario file (loaded by the caller
    from a file the user named; its id must be the recording's).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise RecordingError("cannot read %s: %s" % (path, exc.strerror or exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RecordingError("cannot read %s: not a regular file" % path)
        if info.st_size > MAX_FILE_BYTES:
            raise RecordingError("%s is %d bytes; recordings over 2 GiB are not loaded"
                                 % (path, info.st_size))
        most_events = info.st_size // wire.RECORD_SIZE + 1
        if capacity is None:
            capacity = default_capacity()
        store = EventStore(min(capacity, most_events), initial=min(capacity, most_events))
        decoder = StreamDecoder(store)
        _decode_file(fd, path, decoder, info.st_size)
    finally:
        os.close(fd)
    if decoder.leftover:
        raise RecordingError("%s is truncated (%d bytes of an incomplete frame at the end)"
                             % (path, decoder.leftover))
    summaries = [m for m in decoder.messages if m.get("type") == "session"]
    if not summaries:
        raise RecordingError("%s has no session summary: truncated or not saved by gilscope" % path)
    kinds = np.unique(store.view()["kind"])
    unknown = [int(k) for k in kinds if int(k) not in wire.KIND_NAMES]
    if unknown:
        raise RecordingError("%s holds events of unknown kinds %s: corrupt" % (path, unknown[:5]))
    summary = summaries[-1]
    if scenario is not None and scenario.id != summary.get("scenario"):
        raise RecordingError("%s is a recording of %s, not of %s" % (
            path, summary.get("scenario"), os.path.basename(scenario.ref)))
    if scenario is None and summary.get("scenario_file"):
        raise ScenarioFileNeeded(path, str(summary["scenario_file"]))
    try:
        return run_data_of(store, decoder, summary, scenario)
    except (KeyError, TypeError, ValueError, OverflowError, scenarios.UnknownScenario) as exc:
        raise RecordingError("%s: bad session summary (%s)" % (path, exc))


def _decode_file(fd: int, path: str, decoder, size: int) -> None:
    remaining = size  # a file that grows while read is read only as far as its size said
    while remaining > 0:
        try:
            data = os.read(fd, min(READ_CHUNK, remaining))
        except OSError as exc:
            raise RecordingError("cannot read %s: %s" % (path, exc.strerror or exc))
        if not data:
            break
        remaining -= len(data)
        try:
            decoder.feed(data)
        except wire.WireError as exc:
            raise RecordingError("%s: %s" % (path, exc))
        if len(decoder.strings) > MAX_STRINGS or len(decoder.messages) > MAX_MESSAGES:
            raise RecordingError("%s holds over %d strings or %d messages: not a recording gilscope "
                                 "saved" % (path, MAX_STRINGS, MAX_MESSAGES))


def _int64(value, what: str) -> int:
    """A time or count from the summary: a whole number a numpy int64 holds, else ValueError."""
    number = int(value or 0)
    if not 0 <= number < 2 ** 63:
        raise ValueError("%s %d is out of range" % (what, number))
    return number
