"""Save and open a whole comparison as one .gilscope file.  [numpy]

The file extends the single-run format (engine/recording.py) without changing
it: the same stream header, then JSON message frames that describe the
comparison, each run followed by its own complete single-run stream::

    GSCP header
    message {"type": "comparison", "format": 1, scenario, repeat, state, ...}
    message {"type": "comparison_combination", "index": i, python, params, varied, env}  x C
    message {"type": "comparison_run", "combination": i, "repeat": r, "bytes": N}      x R
      N bytes: that run's stream exactly as `run --save` writes it (N = 0: not run)

A file whose first frame is not a "comparison" message is a single run, read
by recording.load as before.  ``format`` is the version of this layout: a
newer one is refused by name.  (A gilscope older than comparisons refuses
this file as corrupt when it reaches the first nested stream: it never
misreads it.)  As for single runs: JSON, strings and numbers only; nothing is
unpickled or executed.
"""
import json
import os

from . import recording, scenarios, wire
from .compare import Combination, Plan, RunSlot
from .decode import EventStore, StreamDecoder

FORMAT = 1
_MAX_TEXT = 300  # a skipped setting's reason, cut to keep its frame under wire.MAX_FRAME


def _message(obj: dict) -> bytes:
    data = json.dumps(obj, separators=(",", ":"), default=str).encode()
    if len(data) + wire.FRAME_HEADER.size > wire.MAX_FRAME:
        raise recording.RecordingError("a comparison message is too large to save (%d bytes)"
                                       % len(data))
    return wire.FRAME_HEADER.pack(wire.F_MESSAGE, 1, 0, len(data)) + data


def encode(comparison) -> bytes:
    """The whole comparison (its runs' events kept: Comparison(keep_events=True))."""
    plan = comparison.plan
    skipped = [{"what": s["what"][:_MAX_TEXT], "reason": s["reason"][:_MAX_TEXT]}
               for s in plan.skipped[:8]]
    parts = [wire.stream_header(), _message({
        "type": "comparison", "format": FORMAT, "scenario": plan.scenario.id,
        "repeat": plan.repeat, "concurrency": plan.concurrency, "state": comparison.state,
        "wall_s": round(comparison.wall_s, 3), "skipped": skipped,
        "combinations": len(plan.combinations), "runs": len(comparison.slots)})]
    for combo in plan.combinations:
        parts.append(_message({"type": "comparison_combination", "index": combo.index,
                               "python": combo.python, "params": combo.values,
                               "varied": combo.varied, "env": combo.env}))
    for slot in comparison.slots:
        body = recording.encode_run(slot.data) if slot.data is not None else b""
        parts.append(_message({"type": "comparison_run", "combination": slot.combination.index,
                               "repeat": slot.repeat, "state": slot.state,
                               "problem": slot.problem[:_MAX_TEXT], "bytes": len(body)}))
        parts.append(body)
    return b"".join(parts)


def save(comparison, path: str) -> None:
    """Write the comparison to path, all or nothing."""
    write_atomically(path, encode(comparison))


def write_atomically(path: str, data: bytes) -> None:
    """data replaces path in one rename, through engine.safe_files (O_EXCL, unpredictable
    name: a planted PATH.tmp link is never written through)."""
    from . import safe_files
    with safe_files.replaced_atomically(path, "wb") as f:
        f.write(data)


def is_comparison(path: str) -> bool:
    """True when path starts like a saved comparison (reads at most one frame)."""
    import stat
    try:  # never blocks (a FIFO) nor reads a device: anything but a regular file is not one
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, wire.STREAM_HEADER.size + wire.MAX_FRAME)
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        first, _ = _first_message(head)
    except (recording.RecordingError, wire.WireError):
        return False
    return first is not None and first.get("type") == "comparison"


def _first_message(data: bytes):
    pos = wire.check_stream_header(data)
    msg, end = _read_message(data, pos, "the file")
    return msg, end


def _read_message(data: bytes, pos: int, where: str):
    """(message dict or None if the frame there is not a message, position after it)."""
    hsize = wire.FRAME_HEADER.size
    if len(data) - pos < hsize:
        raise recording.RecordingError("%s is truncated" % where)
    ftype, _, _, length = wire.FRAME_HEADER.unpack_from(data, pos)
    if ftype != wire.F_MESSAGE:
        return None, pos
    if length > wire.MAX_FRAME or len(data) - pos - hsize < length:
        raise recording.RecordingError("%s is truncated or corrupt at byte %d" % (where, pos))
    try:
        msg = json.loads(data[pos + hsize:pos + hsize + length].decode("utf-8"))
    except (ValueError, RecursionError):
        raise recording.RecordingError("%s: unreadable message at byte %d: corrupt" % (where, pos))
    if not isinstance(msg, dict):
        raise recording.RecordingError("%s: message at byte %d is not an object: corrupt" % (where, pos))
    return msg, pos + hsize + length


class LoadedComparison:
    """A comparison read back: plan and slots as a live Comparison has them, ended."""

    done = True  # as Comparison.done: nothing runs

    def __init__(self, plan: Plan, slots: list, state: str, wall_s: float, path: str = "") -> None:
        self.plan, self.slots, self.state, self.wall_s = plan, slots, state, wall_s
        self.path = path

    def stop(self) -> float:
        """As Comparison.stop: nothing to stop."""
        return 0.0


def load(path: str) -> LoadedComparison:
    """Read a saved comparison.  Raises recording.RecordingError for anything not right."""
    try:
        size = os.path.getsize(path)
        if size > recording.MAX_FILE_BYTES:
            raise recording.RecordingError("%s is %d bytes; recordings over 2 GiB are not loaded"
                                           % (path, size))
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise recording.RecordingError("cannot read %s: %s" % (path, exc.strerror or exc))
    try:
        head, pos = _first_message(data)
    except wire.WireError as exc:
        raise recording.RecordingError("%s: %s" % (path, exc))
    if not head or head.get("type") != "comparison":
        raise recording.RecordingError("%s is a single run, not a comparison" % path)
    try:
        return _build(data, pos, head, path)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError,
            scenarios.UnknownScenario) as exc:
        if isinstance(exc, recording.RecordingError):
            raise
        raise recording.RecordingError("%s: bad comparison description (%s)" % (path, exc))


def _build(data: bytes, pos: int, head: dict, path: str) -> LoadedComparison:
    if int(head.get("format", 0)) != FORMAT:
        raise recording.RecordingError("%s: comparison format %s; this gilscope reads format %d"
                                       % (path, head.get("format"), FORMAT))
    scenario = scenarios.get(head["scenario"])
    combos = []
    for i in range(int(head["combinations"])):
        msg, pos = _read_message(data, pos, path)
        if not msg or msg.get("type") != "comparison_combination" or int(msg["index"]) != i:
            raise recording.RecordingError("%s: combination %d is missing: corrupt" % (path, i))
        combos.append(Combination(i, dict(msg["python"]), dict(msg["params"]),
                                  [(str(n), str(t)) for n, t in msg["varied"]], dict(msg["env"])))
    if not combos:
        raise recording.RecordingError("%s: a comparison of nothing: corrupt" % path)
    plan = Plan(scenario, combos, int(head["repeat"]), list(head.get("skipped") or []))
    plan.concurrency = int(head.get("concurrency", plan.concurrency))
    slots = []
    for k in range(int(head["runs"])):
        msg, pos = _read_message(data, pos, path)
        if not msg or msg.get("type") != "comparison_run":
            raise recording.RecordingError("%s: run %d is missing: corrupt" % (path, k + 1))
        n = int(msg["bytes"])
        if n < 0 or pos + n > len(data):
            raise recording.RecordingError("%s is truncated (run %d)" % (path, k + 1))
        slot = RunSlot(combos[int(msg["combination"])], int(msg["repeat"]))
        slot.state = str(msg.get("state", "not run"))
        slot.problem = str(msg.get("problem", ""))
        if n:
            _fill(slot, _load_run(data[pos:pos + n], "%s, run %d" % (path, k + 1)))
        pos += n
        slots.append(slot)
    if pos != len(data):
        raise recording.RecordingError("%s has %d bytes after its last run: corrupt"
                                       % (path, len(data) - pos))
    return LoadedComparison(plan, slots, str(head.get("state", "done")), float(head.get("wall_s", 0)),
                            path)


def _fill(slot: RunSlot, run) -> None:
    result = run.result()
    if result.verdict.error:
        raise recording.RecordingError("its events do not hold what %s records (%s): corrupt"
                                       % (run.scenario.id, result.verdict.error))
    slot.data, slot.result = run, result
    slot.figures, slot.headline = result.figures, result.verdict.headline
    slot.ok = bool(result.verdict.ok) and run.state == "finished"
    slot.problem = run.problem
    slot.state = run.state


def _load_run(data: bytes, where: str):
    """One nested run's stream -> engine.run_data.RunData, checked as recording.load checks a file."""
    store = EventStore(max(1, len(data) // wire.RECORD_SIZE + 1))
    decoder = StreamDecoder(store)
    try:
        decoder.feed(data)
    except wire.WireError as exc:
        raise recording.RecordingError("%s: %s" % (where, exc))
    if decoder.leftover:
        raise recording.RecordingError("%s is truncated" % where)
    summaries = [m for m in decoder.messages if m.get("type") == "session"]
    if not summaries:
        raise recording.RecordingError("%s has no session summary: corrupt" % where)
    kinds = {int(k) for k in set(store.view()["kind"].tolist())}
    if kinds - set(wire.KIND_NAMES):
        raise recording.RecordingError("%s holds events of unknown kinds: corrupt" % where)
    try:
        return recording.run_data_of(store, decoder, summaries[-1])
    except (KeyError, TypeError, ValueError, OverflowError, scenarios.UnknownScenario) as exc:
        raise recording.RecordingError("%s: bad session summary (%s)" % (where, exc))
