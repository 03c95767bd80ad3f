"""A recorder's per-event path: closures over one preallocated frame (engine/recorder.py).

Standard library only (the runner imports it; it may be Python 3.9).
"""
import time
import weakref

from . import wire
from .wire import K


def _check_literals() -> None:
    """record_path writes the record size and the last slot's offset as literals: a constant
    costs nothing per call, a closure cell is copied into every call's frame (3.11+)."""
    last_slot = wire.FRAME_HEADER.size + (wire.MAX_EVENTS_PER_FRAME - 1) * wire.RECORD_SIZE
    if (wire.RECORD_SIZE, last_slot, K.OUTPUT) != (32, 4044, 16):
        raise ImportError("engine.record_path: update the literals in record_path for this wire format")


_check_literals()


def record_path(rec, age: int) -> tuple:
    """(event, event_with_room, event_at, output, offset, restart): rec's per-event path as
    closures over one frame.

    Per event: the clock, one precompiled ``Struct.pack_into`` into the frame, the offset
    moved on, a flush of the frame when it is full (the last slot is kept for the flush's
    cost record) and, in event and output, when its oldest event is age ns old.  These
    flushes send the frame only (``flush_frame``): a batch (engine/batch.py) drains where
    its loop says.  ``event_with_room`` flushes one event earlier, so the one event_at
    after it fits without a flush: a traced lock's request, then its lock_acquired, so
    no flush falls inside the locked section (tests/engine/test_lock_drains.py).  The bytes
    are those the method version wrote (tests/engine/test_recorder_decode.py).
    """
    buf, pid, worker = rec._buf, rec.pid, rec.worker
    hs = wire.FRAME_HEADER.size
    pack, now = wire.RECORD.pack_into, time.perf_counter_ns
    owner = weakref.proxy(rec)  # the closures must not keep their recorder alive
    strings, texts = getattr(rec.sink, "_strings", {}), rec._new_texts
    new_id = getattr(rec.sink, "new_id", None)
    off = hs
    deadline = now() + age

    def event(kind: int, b: int = 0, a: int = 0, aux: int = 0) -> None:
        nonlocal off
        t = now()
        pack(buf, off, t, pid, worker, kind, aux, b, a)
        off += 32  # RECORD_SIZE; 4044: the frame's last slot, kept for the flush (_check_literals)
        if off >= 4044 or t > deadline:
            owner.flush_frame()

    def event_with_room(kind: int, b: int = 0, a: int = 0, aux: int = 0) -> None:
        nonlocal off
        t = now()
        pack(buf, off, t, pid, worker, kind, aux, b, a)
        off += 32
        if off >= 4012 or t > deadline:  # 4012: room for one more before the last slot
            owner.flush_frame()

    def event_at(t: int, kind: int, b: int, a: int, aux: int) -> None:
        nonlocal off
        pack(buf, off, t, pid, worker, kind, aux, b, a)
        off += 32
        if off >= 4044:
            owner.flush_frame()

    def output(text: str) -> None:
        nonlocal off
        sid = strings.get(text)  # announced already, by any thread
        if sid is None:
            sid = texts.get(text)  # this thread's, announced with its next flush
            if sid is None:
                sid = texts[text] = new_id()
        t = now()
        pack(buf, off, t, pid, worker, 16, 0, sid, 0)  # 16: K.OUTPUT (_check_literals)
        off += 32
        if off >= 4044 or t > deadline:
            owner.flush_frame()

    def offset() -> int:
        return off

    def restart(at_ns: int) -> None:
        nonlocal off, deadline
        off = hs
        deadline = at_ns + age

    return event, event_with_room, event_at, output, offset, restart
