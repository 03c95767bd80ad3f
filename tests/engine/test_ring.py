"""The shared-memory rings: whole frames only, wrap-around, a full ring refuses and counts
(the recorder then uses the pipe), and a flush into a ring makes no system call (so never
hands the GIL over or blocks)."""
import os
import tempfile
import threading

from engine import recorder, ring, thread_sampler, wire
from engine.decode import EventStore, StreamDecoder
from engine.wire import K


def _frame(i: int, size: int) -> bytes:
    body = bytes([i % 251]) * size
    return wire.FRAME_HEADER.pack(wire.F_MESSAGE, 1, 1, size) + body


def test_frames_come_out_whole_and_in_order_across_the_wrap(tmp_path):
    w = ring.RingWriter(str(tmp_path), 1, 7, capacity=1000)
    r = ring.RingReader(w.path)
    sent, got = [], b""
    for i in range(200):  # 200 frames of 12 + 50..90 bytes through a 1000-byte ring
        f = _frame(i, 50 + i % 41)
        assert w.put(f, 0)
        sent.append(f)
        if i % 7 == 6:
            got += r.take()
    got += r.take()
    assert got == b"".join(sent)
    assert r.dropped == 0


def test_a_full_ring_refuses_the_frame_and_counts_its_events(tmp_path):
    w = ring.RingWriter(str(tmp_path), 1, 7, capacity=300)
    r = ring.RingReader(w.path)
    assert w.put(_frame(0, 200), 5)
    assert not w.put(_frame(1, 200), 9)  # no room: refused, never blocks
    assert r.dropped == 9
    assert r.take() == _frame(0, 200)
    assert w.put(_frame(2, 200), 5)  # room again once the reader took it
    assert r.take() == _frame(2, 200)
    r.close()
    assert r.dropped == 9  # still known after the mapping is gone


def test_a_flush_into_a_ring_makes_no_write_call(tmp_path, monkeypatch):
    read_fd, write_fd = os.pipe()
    try:
        sink = recorder.install(write_fd, str(tmp_path))
        rec = sink.recorder("MainThread")

        def no_write(*args):
            raise AssertionError("os.write during a flush into a ring")

        monkeypatch.setattr(os, "write", no_write)
        for i in range(1000):  # several full frames, and state changes that flush at once
            rec.event(K.VALUE, 1, i)
        rec.state(wire.S.LOCK_WAIT)
        rec.state(wire.S.RUNNING)
        rec.flush()
        monkeypatch.undo()
        store = EventStore()
        decoder = StreamDecoder(store)
        names = sorted(os.listdir(str(tmp_path)))
        assert any(ring.is_strings_ring(n) for n in names)
        for name in sorted(names, key=lambda n: not ring.is_strings_ring(n)):
            decoder.feed_frames(ring.RingReader(os.path.join(str(tmp_path), name)).take())
        ev = store.view()
        assert list(ev[ev["kind"] == K.VALUE]["a"]) == list(range(1000))
        cost = ev[ev["kind"] == K.RECORD_COST]
        assert len(cost) and int(cost["b"][-1]) >= 1000  # events recorded so far, reported
        start = ev[ev["kind"] == K.WORKER_START][0]
        assert int(start["a"]) == threading.get_native_id()  # the Session reads /proc by it
        assert decoder.strings[(os.getpid(), int(start["b"]))] == "MainThread"
    finally:
        recorder._sink = None
        os.close(read_fd)
        os.close(write_fd)


def test_ring_dir_is_private_tmpfs_or_none():
    path = thread_sampler.make_ring_dir()
    try:
        if path:
            assert os.path.isdir(path) and (os.stat(path).st_mode & 0o777) == 0o700
    finally:
        if path:
            os.rmdir(path)



def test_what_a_full_ring_refuses_goes_to_the_pipe(tmp_path, monkeypatch):
    """The Session fell behind: the frames take the pipe; nothing recorded is lost."""
    monkeypatch.setattr(ring, "CAPACITY", 8192)  # two frames' room, never drained here
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, wire.stream_header())
        sink = recorder.install(write_fd, str(tmp_path))
        rec = sink.recorder("MainThread")
        for i in range(1000):
            rec.event(K.VALUE, 1, i)
        rec.flush()
        os.close(write_fd)
        write_fd = -1
        store = EventStore()
        decoder = StreamDecoder(store)
        while True:
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            decoder.feed(chunk)
        for name in sorted(os.listdir(str(tmp_path)), key=lambda n: not ring.is_strings_ring(n)):
            reader = ring.RingReader(os.path.join(str(tmp_path), name))
            decoder.feed_frames(reader.take())
            if not ring.is_strings_ring(name):
                assert reader.dropped > 0  # refused by the ring: counted
        ev = store.view()
        assert sorted(ev[ev["kind"] == K.VALUE]["a"]) == list(range(1000))
        assert sink.dropped == 0
    finally:
        recorder._sink = None
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)


def test_consumed_pages_go_back_to_the_system_and_the_data_stays_whole():
    """A 64 MiB ring holds only its backlog: pages the reader has taken are released
    (a thread of a 1M-iteration race writes 128 MB through its ring; every page it touched
    used to stay resident until the run ended), across the wrap too, without losing a byte."""
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        cap = 4 << 20
        w = ring.RingWriter(d, 1, 7, capacity=cap)
        r = ring.RingReader(w.path)
        sent = got = 0
        frame = _frame(3, 4000)
        for lap in range(3):  # 12 MiB through a 4 MiB ring: two wraps
            for _ in range(cap // len(frame)):  # a ring's worth, wrapping from lap 1 on
                assert w.put(frame, 1)
                sent += len(frame)
            data = r.take()
            assert data == frame * (len(data) // len(frame))
            got += len(data)
            resident = os.stat(w.path).st_blocks * 512
            assert resident <= 64 << 10, "%d KiB still held after the reader took everything" % (
                resident >> 10)
        assert got == sent
        r.close()


def test_a_take_with_a_limit_copies_whole_frames_up_to_it_and_leaves_the_rest(tmp_path):
    """The sampler takes a backlog a limit at a time (ring.TAKE_LIMIT): never a whole ring
    copied at once, every frame whole, across the wrap, in order."""
    w = ring.RingWriter(str(tmp_path), 1, 7, capacity=1000)
    r = ring.RingReader(w.path)
    sent, got = [], b""
    for i in range(300):
        f = _frame(i, 20 + i % 53)
        assert w.put(f, 0)
        sent.append(f)
        if i % 9 == 8:  # about 500 bytes published: taken 150 at a time
            while True:
                part = r.take(150)
                if not part:
                    break
                assert len(part) <= 150 or part in sent  # a frame over the limit comes alone
                pos = 0
                while pos < len(part):  # whole frames only
                    size = wire.FRAME_HEADER.size + wire.FRAME_HEADER.unpack_from(part, pos)[3]
                    assert part[pos:pos + size] in sent
                    pos += size
                assert pos == len(part)
                got += part
    got += r.take()
    assert got == b"".join(sent)
    big = _frame(1, 400)
    assert w.put(big, 0) and r.take(100) == big  # one frame over the limit: taken alone


def test_the_sampler_drains_a_backlog_a_take_limit_at_a_time(tmp_path, monkeypatch):
    """A backlog of many limits is decoded whole when the run finishes, each take within
    the limit."""
    monkeypatch.setattr(ring, "TAKE_LIMIT", 4096)
    taken = []
    real = ring.RingReader.take

    def take(self, limit=None):
        data = real(self, limit)
        taken.append((limit, len(data)))
        return data

    monkeypatch.setattr(ring.RingReader, "take", take)
    store = EventStore(capacity=100_000)
    decoder = StreamDecoder(store)
    w = ring.RingWriter(str(tmp_path), 4242, 1)
    records = bytes(wire.RECORD_SIZE * wire.MAX_EVENTS_PER_FRAME)
    frame = wire.FRAME_HEADER.pack(wire.F_EVENTS, wire.MAX_EVENTS_PER_FRAME, 4242,
                                   len(records)) + records
    for _ in range(100):  # ~400 KB: 100 limits
        assert w.put(frame, wire.MAX_EVENTS_PER_FRAME)

    class _Session:
        problem = ""

    sampler = thread_sampler.ThreadSampler.__new__(thread_sampler.ThreadSampler)
    sampler.session = _Session()
    sampler.session.decoder = decoder
    sampler.readers = {w.path: ring.RingReader(w.path)}
    assert sampler._drain(rounds=None)
    assert len(store) == 100 * wire.MAX_EVENTS_PER_FRAME
    event_takes = [n for limit, n in taken if limit is not None and n]
    assert len(event_takes) >= 100 and max(event_takes) <= 4096
