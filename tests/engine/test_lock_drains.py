"""race with the lock: the recorder never packs its batch inside a locked section or a lock wait.

A drain (engine/batch.py: packing up to ~500 pending accesses into the thread's ring) that
falls between a thread's lock acquire and its release lengthens the locked section, and
one inside a lock-wait span is recording shown as waiting: the lanes would show waits the
recorder made (issue 13, part 2).  This runs race's own traced loop in two threads, in
this process, recording into per-thread rings as the runner does (a pipe write would hand
the GIL over), logs every drain that moved events, and reads the recorded events: per
thread, no drain overlaps a locked section (lock_acquired .. lock_release) or a lock wait
(state lock_wait .. the next state), and no flush (its record_cost event) lies inside a
locked section.
"""
import glob
import os
import shutil
import sys
import tempfile
import threading
import time

import pytest

from engine import batch as batch_path
from engine import probe, recorder, ring, wire
from engine.scenarios import race
from engine.wire import K, S


class _Ctx(object):
    """What race's traced loop asks of a scenario context."""

    def intern(self, text: str) -> int:
        return recorder.sink().intern(text)

    def rec(self) -> recorder.Recorder:
        return recorder.current()


def _events(data: bytes) -> list:
    """Every event record (t, pid, worker, kind, aux, b, a) in the event frames of data."""
    out, pos = [], 0
    while pos < len(data):
        ftype, count, _pid, length = wire.FRAME_HEADER.unpack_from(data, pos)
        pos += wire.FRAME_HEADER.size
        if ftype == wire.F_EVENTS:
            out += [wire.RECORD.unpack_from(data, pos + i * wire.RECORD_SIZE) for i in range(count)]
        pos += length
    return out


def _spans(events: list, start, end) -> list:
    """(t0, t1) from each event matching start to the next matching end (same worker)."""
    spans, opened = [], None
    for e in events:
        if opened is None and start(e):
            opened = e[0]
        elif opened is not None and end(e):
            spans.append((opened, e[0]))
            opened = None
    return spans


def _inside(t0: int, t1: int, spans: list) -> bool:
    return any(t0 < b and t1 > a for a, b in spans)


def run_locked_race(iterations: int, switch_s: float, drains: list) -> list:
    """Two threads run race's traced loop with a TracedLock, recorded into a file; drains
    gets (worker, t0, t1, events) of every drain that moved events.  Returns the events."""
    saved_sink, saved_interval = recorder._sink, sys.getswitchinterval()
    real_drain = batch_path.Batch.drain

    def logged_drain(self):
        before, t0 = self.events, time.perf_counter_ns()
        out = real_drain(self)
        if self.events != before:
            drains.append((self._rec.worker, t0, time.perf_counter_ns(), self.events - before))
        return out

    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    rings = tempfile.mkdtemp(prefix="gilscope-lockdrains-", dir=base)
    fd = os.open(os.path.join(rings, "pipe"), os.O_WRONLY | os.O_CREAT, 0o600)  # a full ring's route
    try:
        sink = recorder.install(fd, rings, event_ns=0, batch_ns=0)
        lock = probe.TracedLock(threading.Lock(), sink.intern("lock"))
        batch_path.Batch.drain = logged_drain
        sys.setswitchinterval(switch_s)  # many hand-overs of the lock in a short run

        def worker(n):
            race._own.count = 0  # what race's _worker sets before its loop
            race._loop(_Ctx(), n, iterations, lock, True)
            recorder.current().flush()

        threads = [threading.Thread(target=worker, args=(5 + 3 * i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        batch_path.Batch.drain = real_drain
        data = b""
        for path in sorted(glob.glob(os.path.join(rings, "*" + ring.SUFFIX))):
            reader = ring.RingReader(path)
            data += reader.take()
            reader.close()
        with open(os.path.join(rings, "pipe"), "rb") as f:
            data += f.read()
        return _events(data)
    finally:
        batch_path.Batch.drain = real_drain
        sys.setswitchinterval(saved_interval)
        recorder._sink = saved_sink
        os.close(fd)
        shutil.rmtree(rings, ignore_errors=True)


ITERATIONS = 6000  # a thread: ~47 drains of 127 passes each
SWITCH_S = 0.001   # the lock changes hands a few dozen times


@pytest.mark.timeout(60)
def test_no_drain_inside_a_locked_section_or_a_lock_wait():
    drains = []
    events = run_locked_race(ITERATIONS, SWITCH_S, drains)
    workers = sorted({e[2] for e in events if e[3] == K.LOCK_ACQUIRED})
    assert len(workers) == 2
    waits = sum(1 for e in events if e[3] == K.STATE and e[5] == S.LOCK_WAIT)
    assert waits >= 5, "the threads never waited for the lock: the test saw nothing"
    assert len(drains) >= 2 * ITERATIONS // 127, len(drains)
    for w in workers:
        mine = sorted((e for e in events if e[2] == w), key=lambda e: e[0])
        locked = _spans(mine, lambda e: e[3] == K.LOCK_ACQUIRED, lambda e: e[3] == K.LOCK_RELEASE)
        waiting = _spans(mine, lambda e: e[3] == K.STATE and e[5] == S.LOCK_WAIT,
                         lambda e: e[3] == K.STATE)
        assert len(locked) == ITERATIONS
        bad = [d for d in drains if d[0] == w and _inside(d[1], d[2], locked)]
        assert not bad, "%d of %d drains inside a locked section" % (len(bad), len(drains))
        bad = [d for d in drains if d[0] == w and _inside(d[1], d[2], waiting)]
        assert not bad, "%d of %d drains inside a lock wait" % (len(bad), len(drains))
        flushes = [e[0] for e in mine if e[3] == K.RECORD_COST]
        assert flushes
        bad = [t for t in flushes if _inside(t, t + 1, locked)]
        assert not bad, "%d of %d flushes inside a locked section" % (len(bad), len(flushes))
    # every access recorded, none lost by the moves
    assert sum(1 for e in events if e[3] in (K.VAR_READ, K.VAR_WRITE)) == 2 * 4 * ITERATIONS
