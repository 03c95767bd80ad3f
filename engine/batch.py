"""A batched recording path for tight loops: an event is one ``list.extend`` by (t, a).

Standard library only (the runner imports it; it may be Python 3.9).

``Recorder.event_at`` is a Python call per event: a frame, seven integers converted by
``Struct.pack_into``, an offset kept in a closure cell (3,381 instructions an event on 3.11,
bench ``record``).  A loop that records every access (race: four a pass) spent most of
its thread's CPU time there.  Here the loop declares the events of one pass once, as a
cycle of (kind, b, aux), and records each event as its time and value:

    t = now(); add((t, a))   # the cycle's next event

That is the whole per-event path: the clock, a 2-tuple and ``list.extend`` (C; the tuple,
freed at once, comes back from the free list, where appending the tuple itself kept one
alive an event: 1.3x the time), with no Python frame.  Every ``passes`` passes, or when the oldest pending event is FLUSH_AGE_NS old, the
loop calls ``drain``: one ``Struct.pack`` of every time and
value (C speed), copied by strided memoryview assignment into a template of the records
that already holds pid, worker, kind, aux and b, cut into whole frames and put into the
thread's ring at once.  The bytes are exactly those ``event_at`` writes
(tests/engine/test_batch.py).  Besides the loop's spots only ``Recorder.flush`` (a
thread's end) and a state change (before the state's time) drain; a full or aged frame
sends itself alone.  So the loop decides where drains fall: race with its lock drains
after the release only, never inside the locked section (tests/engine/test_lock_drains.py).

Switch points: the clock and ``extend`` are C calls, and every 3.10+ GIL build checks for
a thread switch when one returns (``list.append`` would not be checked on 3.11+: its
specialised instruction skips the check).  Each event's clock and extend stand right
after its own access, where the old recording call was, so the share of a pass's time
that lies between a read and its write, and with it how often a switch lands there
(race's lost updates), stays about what it was (docs/ARCHITECTURE.md "Recording").

What it costs is reported with the recorder's other costs (record_cost): the events
drained times the ns one batched event costs in this process (timed once, in thread CPU
time, by Sink.calibrate) plus the measured thread CPU time of every drain.
"""
import struct
import time

from . import wire

BATCH_EVENTS = 4 * wire.MAX_EVENTS_PER_FRAME  # pending at most about four whole frames (~16 KiB)
_FRAME_BYTES = wire.MAX_EVENTS_PER_FRAME * wire.RECORD_SIZE
_WORDS = wire.RECORD_SIZE // 8  # the record as four 8-byte words: t, pid|worker, kind|aux|b, a
_cpu = time.thread_time_ns


def signed64(value: int) -> int:
    """value (0 <= value < 2**64) as a signed 64-bit word."""
    return value - (1 << 64) if value >= 1 << 63 else value


def word_of(kind: int, b: int, aux: int = 0) -> int:
    """The record's third word: kind (u16), aux (u16), b (i32)."""
    return signed64((kind & 0xFFFF) | (aux & 0xFFFF) << 16 | (b & 0xFFFFFFFF) << 32)


class Batch(object):
    """One thread's batched events for one loop (its Recorder's ``batch(cycle)``); one writer:
    that thread.  cycle: the (kind, b, aux) of each event of one pass, in order."""

    __slots__ = ("_rec", "_pending", "add", "passes", "events", "drain_ns", "_age", "_k",
                 "_template", "_times", "_room")

    def __init__(self, rec, cycle, age_ns: int, spots: int = 1) -> None:
        self._rec = rec
        self._pending = []
        self.add = self._pending.extend  # add((t, a)): the whole per-event path
        self._k = k = len(cycle)
        self.passes = max(1, BATCH_EVENTS // k)  # passes the loop may add before it drains
        # spots: the places in a pass that count down the room and drain when it runs out.
        # A room of 1 more than a multiple of spots moves each drain on to the next place.
        self._room = spots * (self.passes - 1) + 1
        self.events = 0     # drained so far
        self.drain_ns = 0   # thread CPU ns the drains took
        self._age = age_ns
        key = (rec.pid & 0xFFFFFFFF) | (rec.worker & 0xFFFFFFFF) << 32
        one = b"".join(struct.pack("<qQqq", 0, key, word_of(kind, b, aux), 0) for kind, b, aux in cycle)
        self._template = one * self.passes  # the records of a full batch, times and values 0
        self._times = {}  # passes -> Struct packing that many passes' times and values

    def drain(self) -> tuple:
        """Hand every whole pending pass's events to the transport.  Returns (room, due): how
        many counts down (one a spot passed) before the loop drains again, and the
        perf_counter_ns by which it must."""
        pending, k2 = self._pending, 2 * self._k  # two values an event: t, a
        whole = len(pending) // k2 * k2  # whole passes only: a part pass waits for the rest
        if whole:
            c0 = _cpu()
            frames, step = [], self.passes * k2
            for i in range(0, whole, step):  # a loop that ran on past its drain holds more
                frames += self._frames(pending[i:min(whole, i + step)])
            del pending[:whole]  # the same list: ``add`` is bound to it
            n = whole // 2
            self._rec.send_frames(frames, n)
            self.events += n
            self.drain_ns += _cpu() - c0
        return self._room, time.perf_counter_ns() + self._age

    def _frames(self, values: list) -> list:
        n = len(values) // 2
        pack = self._times.get(n)
        if pack is None:
            pack = self._times[n] = struct.Struct("<%dq" % (2 * n))
        values = memoryview(pack.pack(*values)).cast("q")  # t1, a1, t2, a2, ...
        out = bytearray(self._template[:n * wire.RECORD_SIZE])
        words = memoryview(out).cast("q")
        words[0::_WORDS] = values[0::2]  # each record's time
        words[3::_WORDS] = values[1::2]  # and value
        pid = self._rec.pid
        return [wire.FRAME_HEADER.pack(wire.F_EVENTS, len(chunk) // wire.RECORD_SIZE, pid, len(chunk))
                + chunk for chunk in (bytes(out[i:i + _FRAME_BYTES])
                                      for i in range(0, len(out), _FRAME_BYTES))]

    def discard(self) -> None:
        del self._pending[:]


def calibrate(n: int = 2000, repeats: int = 5) -> int:
    """ns of thread CPU time one batched event costs here (its clock call, the tuple and the
    append), best of repeats, as Sink.calibrate times one ``event``."""
    now, best = time.perf_counter_ns, None
    for _ in range(repeats):
        pending = []
        add = pending.extend
        c0 = _cpu()
        for i in range(n):
            t = now()
            add((t, i))
        t = (_cpu() - c0) // n
        best = t if best is None else min(best, t)
    return int(best)
