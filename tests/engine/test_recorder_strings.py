"""Interning a new string costs O(1) end to end: Sink -> pipe or ring -> StreamDecoder.

thread-names prints one new line (one new string) per event.  The Sink used to copy its
whole table (``list(dict.items())``) to find the strings not yet announced, for every new
string: n printed lines cost O(n**2) (20k lines: 13.9 s in a run; here, measured before
the fix: 2k strings 0.098 s, 20k strings 37.0 s of CPU, a ratio of 377).  These tests
count what goes over the wire at two sizes (each string exactly once), and check CPU
time grows about tenfold for ten times the strings (measured after: ratio 12).
"""
import os
import tempfile
import time

import pytest

from engine import recorder, ring, wire
from engine.decode import EventStore, StreamDecoder
from engine.wire import K

SMALL, LARGE = 2_000, 20_000


def _string_entries(data: bytes) -> int:
    """String entries in a stream of whole frames (no stream header)."""
    pos, entries = 0, 0
    while pos < len(data):
        ftype, count, _pid, length = wire.FRAME_HEADER.unpack_from(data, pos)
        if ftype == wire.F_STRINGS:
            entries += count
        pos += wire.FRAME_HEADER.size + length
    return entries


def _intern_lines_to_file(n: int):
    """n distinct printed lines interned by a pipe-less Sink writing to a file: (bytes, entries)."""
    with tempfile.TemporaryFile() as f:
        sink = recorder.Sink(f.fileno())
        for i in range(n):
            assert sink.intern("THREAD%d %d" % (i % 8 + 1, i)) == i + 1
        f.seek(0)
        data = f.read()
    return len(data), _string_entries(data)


def test_each_new_string_goes_over_the_wire_once():
    small_bytes, small_entries = _intern_lines_to_file(SMALL)
    large_bytes, large_entries = _intern_lines_to_file(LARGE)
    assert (small_entries, large_entries) == (SMALL, LARGE)  # quadratic: 2.0M and 200M
    assert large_bytes / small_bytes < 12  # linear in the strings (ratio ~10.5: longer ids)


def test_a_known_string_is_not_sent_again():
    with tempfile.TemporaryFile() as f:
        sink = recorder.Sink(f.fileno())
        ids = [sink.intern(text) for text in ("a", "b", "a", "c", "b")]
        f.seek(0)
        entries = _string_entries(f.read())
    assert ids == [1, 2, 1, 3, 2]
    assert entries == 3


def _cpu_seconds_through_ring(n: int) -> float:
    """n new strings interned into a Sink's strings ring and decoded by the Session's
    decoder as the sampler drains it (every 256 strings): CPU seconds, both ends."""
    with tempfile.TemporaryDirectory() as ring_dir:
        r, w = os.pipe()
        try:
            sink = recorder.Sink(w, ring_dir)
            assert sink.ring is not None
            reader = ring.RingReader(sink.ring.path)
            decoder = StreamDecoder(EventStore(capacity=1000))
            t0 = time.process_time()
            for i in range(n):
                sink.intern("THREAD%d %d" % (i % 8 + 1, i))
                if i % 256 == 255:
                    decoder.feed_frames(reader.take())
            decoder.feed_frames(reader.take())
            spent = time.process_time() - t0
            reader.close()
        finally:
            os.close(r)
            os.close(w)
    assert len(decoder.strings) == n
    assert decoder.string(sink.pid, n) == "THREAD%d %d" % ((n - 1) % 8 + 1, n - 1)
    return spent


def test_interning_time_grows_linearly_through_ring_and_decoder():
    small = min(_cpu_seconds_through_ring(SMALL) for _ in range(3))
    large = _cpu_seconds_through_ring(LARGE)
    # ten times the strings: ~10x the CPU time when linear, ~100x when quadratic (the wide
    # margin is for CPU-time noise on a shared machine, not for a bend)
    assert large / small < 30, (small, large)


def _string_frames_one_at_a_time(pid, items) -> list:
    """The loop wire.string_frames replaced: one entry at a time (the reference)."""
    frames, frame, count = [], bytearray(), 0
    for sid, text in items:
        data = text.encode("utf-8", "replace")[:wire.MAX_STRING_BYTES]
        entry = wire.STRING_ENTRY.pack(sid, len(data)) + data
        if len(frame) + len(entry) + wire.FRAME_HEADER.size > wire.MAX_FRAME:
            frames.append(wire.FRAME_HEADER.pack(wire.F_STRINGS, count, pid, len(frame)) + frame)
            frame, count = bytearray(), 0
        frame += entry
        count += 1
    if count:
        frames.append(wire.FRAME_HEADER.pack(wire.F_STRINGS, count, pid, len(frame)) + frame)
    return [bytes(f) for f in frames]


@pytest.mark.parametrize("n", [0, 1, 7, 126, 1000])
def test_string_frames_are_the_bytes_of_one_entry_at_a_time(n):
    """Whole frames at PIPE_BUF, texts cut at MAX_STRING_BYTES (non-ASCII, a lone surrogate,
    empty and long texts included), with no Python step per string."""
    import random
    rnd = random.Random(n)
    items = [(i + 1, "".join(rnd.choice("ab中\udc80x") for _ in range(rnd.choice([0, 3, 40, 500, 900]))))
             for i in range(n)]
    got = wire.string_frames(42, items)
    assert got == _string_frames_one_at_a_time(42, items)
    assert all(len(f) <= wire.MAX_FRAME for f in got)


def test_a_thread_announces_its_printed_lines_with_its_events():
    """Recorder.output: a printed line's text goes out in the same put as the events of the
    flush that carries it (texts first), not in a put of its own; once announced, every
    thread names it by the same id."""
    with tempfile.TemporaryDirectory() as ring_dir:
        r, w = os.pipe()
        try:
            sink = recorder.Sink(w, ring_dir)
            rec = recorder.Recorder(sink, 1)
            puts = []
            real_put = rec._ring.put
            rec._ring.put = lambda frame, n: puts.append(bytes(frame)) or real_put(frame, n)
            for i in list(range(5)) + [0]:
                rec.output("line %d" % i)
            assert puts == []  # nothing announced yet: no put per line
            rec.flush()
            assert len(puts) == 1  # the texts and the events in one put
            assert wire.FRAME_HEADER.unpack_from(puts[0])[0] == wire.F_STRINGS
            reader = ring.RingReader(rec._ring.path)
            store = EventStore(capacity=100)
            decoder = StreamDecoder(store)
            decoder.feed_frames(reader.take())
            ev = store.view()
            ids = [int(b) for b in ev[ev["kind"] == K.OUTPUT]["b"]]
            assert ids[-1] == ids[0] and len(set(ids)) == 5  # the same text, the same id
            assert [decoder.string(sink.pid, i) for i in ids[:5]] == ["line %d" % i for i in range(5)]
            assert sink.intern("line 3") == ids[3]  # announced: the table's id from now on
            reader.close()
        finally:
            os.close(r)
            os.close(w)
