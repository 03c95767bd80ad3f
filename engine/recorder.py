"""Per-worker event recording into fixed-size buffers, flushed as whole frames.

Standard library only (the runner imports it; it may be Python 3.9).

One ``Sink`` per process owns the transport and the string table; one
``Recorder`` per thread owns a preallocated frame buffer.  Recording an event is
one ``perf_counter_ns`` and one precompiled ``Struct.pack_into`` into that buffer,
with no lock, in a closure over the buffer (engine/record_path.py).  Counted by callgrind
(``python -m bench record``, net of the bare loop), one ``event`` costs 3,397
instructions on 3.11 (3,611 as a method reading attributes of self), 4,295 on 3.9
(5,826): 1.41-1.64x the same record written inline, the Python call being the rest;
docs/ARCHITECTURE.md "Recording" has every interpreter's figures and VizTracer's
beside them.  A buffer is flushed when it is full, when its oldest event is older
than FLUSH_AGE_NS (so the picture stays live), at every state change and when the
worker ends.

Transport: a flush copies the frame into this process's shared-memory ring
(engine/ring.py) when the Session gave one: a memcpy under the GIL, never a
system call, so a flush neither blocks nor hands the GIL to another thread.
Without a ring (a bench, a platform without /dev/shm) it is one ``os.write`` of
at most PIPE_BUF bytes to the event pipe, which the kernel keeps atomic.

A tight loop (race's accesses) records through ``batch()`` instead (engine/batch.py):
the clock and one ``list.extend`` an event, no Python call per event, packed in bulk
where the loop drains it, at a state change (before the state's time) and at an explicit
``flush`` (a thread's end); a full or aged frame sends the frame only.
A printed line is one call of ``output``; its text goes out with the thread's next flush.

Each flush also records what recording cost this thread (kind record_cost): the
events it recorded one by one, the ns one costs in this process (timed once at
install), and the ns the rest cost: its flushes and its batch's drains (measured in
thread CPU time, so a GIL wait or an OS pre-emption inside one is not counted as
recording; flushes one in FLUSH_TIMED_EVERY, the clock being a system call), plus its
batched events times their cost.  The Session shows their sum per thread.  Memory per
thread is one frame, one batch and its new texts: bounded by design.
"""
import itertools
import os
import sys
import threading
import time
import weakref

from . import batch as batch_path, ring, wire
from .record_path import record_path
from .wire import K

_FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()
FLUSH_AGE_NS = 50_000_000  # a live view may lag the workers by at most this
FLUSH_TIMED_EVERY = 8  # flushes timed in thread CPU time: the first two, then one in this many
_now = time.perf_counter_ns  # CLOCK_MONOTONIC on Linux: comparable across processes
_cpu = time.thread_time_ns  # what recording costs the thread itself (a system call: per flush)
_native_id = getattr(threading, "get_native_id", lambda: 0)  # the Session reads /proc by it


class Sink:
    """This process's end of the event pipe, its string table and its workers."""

    def __init__(self, fd: int, ring_dir=None) -> None:
        self.fd = fd
        self.pid = os.getpid()
        self.broken = False
        self.dropped = 0  # lost on the pipe; a ring counts its own (RingWriter.dropped)
        self.ring_dir = ring_dir
        self.ring = self._open_ring()
        self.event_ns = 0  # what one event costs to record here (timed by calibrate)
        self.batch_ns = 0  # what one batched event costs here (engine/batch.py)
        self._lock = threading.Lock()  # worker ids, messages, the strings ring; never per event
        self._strings = {}  # str -> id, local to this pid
        self._texts = {}    # id -> str: what a forked child announces again under its pid
        self._ids = itertools.count(1)
        self._next_worker = 1
        self._local = threading.local()
        self._recorders = weakref.WeakSet()

    # -- strings ---------------------------------------------------------
    def intern(self, text: str) -> int:
        """Return the id of text in this process's table, announcing it once.

        No lock on a GIL build: thread-names' threads, each printing new lines, were waiting
        for the table's lock in 45-55 % of py-spy's samples (a thread switched out inside the
        announcement held it; the other blocked on it, then waited a switch interval for the
        GIL).  The id is taken by ``next`` and claimed by ``dict.setdefault``, each atomic
        under the GIL; the thread that claimed it announces it, into its own ring when it
        has one (its only writer), before any event of its own that names it."""
        sid = self._strings.get(text)
        if sid is not None:
            return sid
        new = self.new_id()
        sid = self._strings.setdefault(text, new)
        if sid == new:
            self._texts[sid] = text
            self._send_strings(((sid, text),))
        return sid

    def new_id(self) -> int:
        """A string id never given before in this process."""
        if _FREE_THREADED:  # next() on a shared counter is not atomic without the GIL
            with self._lock:
                return next(self._ids)
        return next(self._ids)

    def announced(self, items) -> None:
        """(text, id) pairs a thread has just announced itself (Recorder.own_text): from now
        on every thread may name them."""
        for text, sid in items:
            self._texts[sid] = text
            self._strings.setdefault(text, sid)

    def _send_strings(self, items) -> None:
        """Announce (id, text) pairs: string frames into the calling thread's own ring, or
        under the lock into the process's strings ring or the pipe.

        Only the new ones are sent: a run that prints n distinct lines costs O(n) here,
        not O(n**2) (tests/engine/test_recorder_strings.py counts the bytes at two sizes)."""
        rec = getattr(self._local, "rec", None)
        own = rec._ring if rec is not None and rec.sink is self and rec.pid == self.pid else None
        for data in wire.string_frames(self.pid, items):
            if own is not None and own.put(data, 0):
                continue
            with self._lock:  # the strings ring has one writer at a time
                self.write_frame(data, 0)

    # -- frames ----------------------------------------------------------
    def _write(self, ftype: int, count: int, payload) -> None:
        header = wire.FRAME_HEADER.pack(ftype, count, self.pid, len(payload))
        self.write_frame(header + bytes(payload), count if ftype == wire.F_EVENTS else 0)

    def _open_ring(self, tag=ring.STRINGS_TAG, capacity: int = ring.STRINGS_CAPACITY):
        if not self.ring_dir:
            return None
        try:
            return ring.RingWriter(self.ring_dir, self.pid, tag, capacity)
        except (OSError, ValueError):  # the Session's directory is gone: use the pipe
            return None

    def thread_ring(self, worker: int):
        """A ring of the calling thread's own (None: frames go to the pipe)."""
        if self.ring is None:
            return None
        return self._open_ring(worker, ring.CAPACITY)

    def write_frame(self, frame, n_events: int) -> None:
        """One whole frame into the strings ring (caller holds _lock), or one write to the
        pipe (<= PIPE_BUF bytes, so atomic)."""
        if self.ring is not None and self.ring.put(frame, n_events):
            return
        self.write_pipe(frame, n_events)

    def write_pipe(self, frame, n_events: int) -> None:
        """One write of one whole frame to the event pipe: without a ring, or when a ring is
        full (the Session fell far behind: then waiting beats losing what was recorded)."""
        if self.broken:
            self.dropped += n_events
            return
        try:
            os.write(self.fd, frame)
        except OSError:  # the reader is gone (Stop, GUI closed): drop, counted
            self.broken = True
            self.dropped += n_events

    def message(self, obj) -> None:
        """Send a small JSON control message (hello, result, error)."""
        import json
        data = json.dumps(obj, separators=(",", ":")).encode()
        if len(data) + wire.FRAME_HEADER.size > wire.MAX_FRAME:
            data = json.dumps({"type": obj.get("type"), "truncated": True}).encode()
        with self._lock:  # the strings ring has one writer at a time
            self._write(wire.F_MESSAGE, 1, data)

    # -- workers ---------------------------------------------------------
    def reserve_worker(self) -> int:
        """A worker id taken now, so ids follow the order threads were created in.

        A thread that takes its id when it first runs gets one in scheduling
        order, and THREAD3 may come out before THREAD2.
        """
        with self._lock:
            wid = self._next_worker
            self._next_worker += 1
        return wid

    def recorder(self, name=None, worker=None) -> "Recorder":
        """The calling thread's recorder, created (and announced) on first use."""
        rec = getattr(self._local, "rec", None)
        if rec is None or rec.sink is not self or rec.pid != self.pid:
            thread = threading.current_thread()
            if thread is threading.main_thread():
                wid = wire.PROCESS_WORKER
            elif worker is not None:
                wid = worker
            else:
                wid = self.reserve_worker()
            rec = Recorder(self, wid)
            self._local.rec = rec
            self._recorders.add(rec)
            # The calling thread's own id from the kernel: Thread.native_id of a forked
            # child's main thread still names the parent's.
            rec.event(K.WORKER_START, self.intern(name or thread.name), _native_id())
            rec.flush()  # the Session reads this thread's /proc counters from now on
        return rec

    def flush_all(self) -> None:
        for rec in list(self._recorders):
            rec.flush()

    def calibrate(self, n: int = 2000, repeats: int = 5) -> int:
        """Time recording events here (best of repeats): the per-event cost reported.

        In this thread's CPU time, not wall time: on a loaded machine a repeat that the OS
        pre-empted came out several times too long, and a race run beside two busy loops
        reported 146 % of a thread's life as recording."""
        rec = Recorder(_NullSink(), 0)
        best = None
        cpu = time.thread_time_ns
        for _ in range(repeats):
            t0 = cpu()
            for _ in range(n):
                rec.event(K.VALUE, 1, 2)
            t = (cpu() - t0) // n
            best = t if best is None else min(best, t)
        self.event_ns = int(best)
        self.batch_ns = batch_path.calibrate(n, repeats)
        return self.event_ns

    def after_fork_in_child(self) -> None:
        """A forked child inherits the parent's buffers and table: reset both."""
        self.pid = os.getpid()
        self.ring = self._open_ring()  # the parent's ring has one writer: the parent
        self._lock = threading.Lock()
        self._next_worker = 1
        for rec in list(self._recorders):
            rec.discard()  # those events are the parent's to flush
        self._recorders = weakref.WeakSet()
        self._local = threading.local()
        self._send_strings(sorted(self._texts.items()))  # ids stay valid, now under the child's pid


class Recorder:
    """One thread's recorder: preallocated frame, lock-free appends.

    ``event``, ``event_at`` and ``output`` are closures made per recorder (record_path), not methods:
    what they need per event (the buffer, pid, worker, the offset) are closure cells, which
    cost an indexed load, where an attribute of self costs a type lookup on 3.9 and 3.10.
    """

    __slots__ = ("sink", "pid", "worker", "_buf", "_events", "_first_ns", "_flush_ns", "_flushes", "_timed",
                 "_ring", "_batch", "_new_texts",
                 "event", "event_with_room", "event_at", "output", "_offset", "_restart",
                 "__weakref__")

    def __init__(self, sink: Sink, worker: int) -> None:
        self.sink = sink
        self.pid = sink.pid
        self.worker = worker
        self._buf = bytearray(wire.FRAME_HEADER.size + wire.MAX_EVENTS_PER_FRAME * wire.RECORD_SIZE)
        self._events = 0    # recorded and flushed so far
        self._flush_ns = 0  # thread CPU time of the other timed flushes so far
        self._flushes = self._timed = 0  # flushes so far; the others timed
        self._batch = None  # engine.batch.Batch, made by batch()
        self._new_texts = {}  # text -> id: this thread's texts, announced with its next flush
        c0 = _cpu()
        self._ring = sink.thread_ring(worker) if hasattr(sink, "thread_ring") else None
        (self.event, self.event_with_room, self.event_at, self.output, self._offset,
         self._restart) = record_path(self, FLUSH_AGE_NS)
        # thread CPU time of making the ring (a file, a mapping) and, added, of the first
        # flush (its first page): each counted as itself
        self._first_ns = _cpu() - c0

    # event(kind, b=0, a=0, aux=0): record one event now.  Every recorded fact goes through it
    # or event_at; it is the single gate a future step mode ("you are the scheduler") will
    # hold: every shared-variable read and write passes through it.
    # event_at(t, kind, b, a, aux): an event that happened at time t (probe gaps, measured
    # afterwards, race's accesses); every argument given, so 3.9 and 3.10 take their fast call.
    # output(text): a line this thread printed (OutputTap), with its text's id: a new text is
    # announced with the thread's next flush, in the same put as the events naming it, not
    # in a put of its own at once (thread-names' threads, each printing new lines, spent
    # about half their time announcing them one at a time: py-spy).

    def state(self, state: int, at=None) -> None:
        """Record a state change and flush, so the Session labels this thread's time at once.

        The batch drains first, before the state's time is taken: a drain is never inside
        the span the state begins (a lock wait would show packing as waiting)."""
        if self._batch is not None:
            self._batch.drain()
        if at is None:
            self.event(K.STATE, state)
        else:
            self.event_at(at, K.STATE, state, 0, 0)
        self.flush_frame()

    def batch(self, cycle, spots: int = 1) -> "batch_path.Batch":
        """A batched path for a tight loop whose passes record the events cycle names, as
        (kind, b, aux) each, and drain at spots places a pass (engine/batch.py).  One a
        thread: drained by ``flush`` and before every state change, so the thread's end and
        a wait carry its pending events (a full frame's own flush does not drain it)."""
        if self._batch is not None:
            self._batch.drain()
        self._batch = batch_path.Batch(self, tuple(cycle), FLUSH_AGE_NS, spots)
        return self._batch

    def send_frames(self, frames: list, n_events: int) -> None:
        """Whole frames into this thread's ring in one put, or one pipe write each."""
        if self._ring is not None and self._ring.put(b"".join(frames), n_events):
            return
        for frame in frames:  # no ring, or a full one: the pipe (each frame <= PIPE_BUF)
            ftype, n = wire.FRAME_HEADER.unpack_from(frame)[:2]
            n = n if ftype == wire.F_EVENTS else 0
            if self._ring is not None:
                self.sink.write_pipe(frame, n)
            else:
                self.sink.write_frame(frame, n)

    def _cost_beyond_events(self) -> int:
        """ns recording cost this thread beyond its events recorded one by one."""
        b = self._batch
        extra = 0 if b is None else b.drain_ns + b.events * getattr(self.sink, "batch_ns", 0)
        flushes = self._first_ns
        if self._timed:
            flushes += self._flush_ns * (self._flushes - 1) // self._timed
        return flushes + extra

    def flush(self) -> None:
        """Send everything recorded: the batch's whole passes, then the frame (a thread's
        end, a phase's end, a task's; a state change drains before its time is taken)."""
        if self._batch is not None:
            self._batch.drain()
        self.flush_frame()

    def flush_frame(self) -> None:
        """Send the frame only: what a full or aged frame does on its own (record_path), so
        a flush that falls where a loop does not drain (a lock's request, inside a locked
        section) never packs the batch; the batch drains where its loop says."""
        # Timed in thread CPU time: the first flush, the second and one in FLUSH_TIMED_EVERY
        # after (reading that clock is a system call, 1-3 us, twice a flush: most of an
        # untimed flush's cost).  The first counts as itself (a new ring's first page); the
        # others' mean counts for every other flush.  The batch's drain times itself.
        self._flushes += 1
        timed = self._flushes <= 2 or self._flushes % FLUSH_TIMED_EVERY == 0
        c0 = _cpu() if timed else 0
        t0 = _now()
        off = self._offset()
        hs = wire.FRAME_HEADER.size
        if off > hs:
            n = (off - hs) // wire.RECORD_SIZE
            self._events += n
            # What recording has cost this thread up to the previous flush (this one is
            # timed below and reported with the next).
            wire.RECORD.pack_into(self._buf, off, t0, self.pid, self.worker, K.RECORD_COST,
                                  min(self.sink.event_ns, 0xFFFF), min(self._events, 0x7FFFFFFF),
                                  self._cost_beyond_events())
            off += wire.RECORD_SIZE
            wire.FRAME_HEADER.pack_into(self._buf, 0, wire.F_EVENTS, n + 1, self.pid, off - hs)
            frame = memoryview(self._buf)[:off]
            texts = self._new_texts
            if texts:  # the texts first: the Session knows each before an event names it
                self.send_frames(wire.string_frames(self.pid, ((i, t) for t, i in texts.items()))
                                 + [bytes(frame)], n + 1)
                self.sink.announced(texts.items())
                texts.clear()
            elif self._ring is not None:  # this thread's own ring: no lock, no system call
                if not self._ring.put(frame, n + 1):
                    self.sink.write_pipe(frame, n + 1)  # full: the pipe, rather than lose it
            else:
                self.sink.write_frame(frame, n + 1)
        if timed:
            if self._flushes == 1:
                self._first_ns += _cpu() - c0
            else:
                self._flush_ns += _cpu() - c0
                self._timed += 1
        self._restart(_now())  # an empty frame, due again FLUSH_AGE_NS from now

    def discard(self) -> None:
        self._new_texts.clear()
        if self._batch is not None:
            self._batch.discard()
        self._restart(_now())


# -- the process-wide sink ---------------------------------------------------
_sink = None  # type: Sink


class _NullSink(object):
    """Where calibration events go: nowhere."""
    pid = 0
    event_ns = 0

    def write_frame(self, frame, n_events: int) -> None:
        pass


def install(fd: int, ring_dir=None, event_ns=None, batch_ns=None) -> Sink:
    """Make fd (and ring_dir's ring, if given) this process's event sink (the runner calls this
    once; a spawned child too, with the runner's event_ns: the same interpreter on the same
    machine, as a forked child inherits it, not timed again while its siblings start)."""
    global _sink
    _sink = Sink(fd, ring_dir)
    if event_ns is None:
        _sink.calibrate()
    else:
        _sink.event_ns = int(event_ns)
        _sink.batch_ns = int(batch_ns) if batch_ns is not None else batch_path.calibrate()
    return _sink


def installed_pid() -> int:
    """The pid whose sink this process holds (0: none; a spawned child starts with none)."""
    return _sink.pid if _sink is not None else 0


def thread_cpu_us() -> int:
    """The calling thread's CPU time so far in us (worker_exit's b): the same kernel count the
    Session reads from /proc schedstat, taken by the thread itself when it ends, which the
    Session can no longer read once the thread is gone."""
    return min(time.thread_time_ns() // 1000, 0x7FFFFFFF)


def sink() -> Sink:
    if _sink is None:
        raise RuntimeError("no event sink installed in this process")
    return _sink


def current(name=None, worker=None) -> Recorder:
    """The calling thread's recorder (worker: an id from Sink.reserve_worker).

    Every traced lock step, queue step and printed line asks: the usual answer, a recorder
    this thread already has, takes no further Python call."""
    s = _sink
    if s is not None:
        rec = getattr(s._local, "rec", None)
        if rec is not None and rec.sink is s and rec.pid == s.pid:
            return rec
    return sink().recorder(name, worker)


def _after_fork_in_child() -> None:
    if _sink is not None:
        _sink.after_fork_in_child()


if hasattr(os, "register_at_fork"):  # POSIX; spawn children call install() afresh
    os.register_at_fork(after_in_child=_after_fork_in_child)
