"""Recorder -> pipe -> StreamDecoder, in one process and across a fork."""
import os
import threading

import numpy as np
import pytest

from engine import recorder, wire
from engine.decode import EventStore, StreamDecoder
from engine.wire import K


def _drain(fd, decoder):
    while True:
        data = os.read(fd, 1 << 16)
        if not data:
            return
        decoder.feed(data)


def test_threads_get_their_own_worker_ids_and_names():
    r, w = os.pipe()
    os.write(w, wire.stream_header())
    sink = recorder.install(w)
    decoder = StreamDecoder(EventStore())
    reader = threading.Thread(target=_drain, args=(r, decoder))
    reader.start()

    def worker(name):
        rec = sink.recorder(name)
        for i in range(1000):
            rec.event(K.VALUE, sink.intern("i"), i)
        rec.flush()

    threads = [threading.Thread(target=worker, args=("T%d" % i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.close(w)
    reader.join(5)
    os.close(r)
    ev = decoder.store.view()
    starts = ev[ev["kind"] == K.WORKER_START]
    names = sorted(decoder.string(p, b) for p, b in zip(starts["pid"], starts["b"]))
    assert names == ["T0", "T1", "T2", "T3"]
    assert len(set(starts["worker"].tolist())) == 4
    values = ev[ev["kind"] == K.VALUE]
    assert len(values) == 4000 and sink.dropped == 0




def test_roundtrip_contents():
    r, w = os.pipe()
    os.write(w, wire.stream_header())
    sink = recorder.install(w)
    rec = sink.recorder("MainThread")
    vid = sink.intern("ret")
    for i in range(300):  # more than two frames
        rec.event(K.VAR_WRITE, vid, i)
    rec.flush()
    os.close(w)
    store = EventStore()
    decoder = StreamDecoder(store)
    _drain(r, decoder)
    os.close(r)
    ev = store.view()
    writes = ev[ev["kind"] == K.VAR_WRITE]
    assert list(writes["a"]) == list(range(300))
    assert np.all(np.diff(ev["t"]) >= 0)
    assert decoder.string(os.getpid(), vid) == "ret"
    assert decoder.leftover == 0


def test_forked_child_reannounces_strings_under_its_pid():
    r, w = os.pipe()
    os.write(w, wire.stream_header())
    sink = recorder.install(w)
    vid = sink.intern("shared-name")  # interned before the fork, used after it
    pid = os.fork()
    if pid == 0:
        try:
            rec = recorder.current("child")
            rec.event(K.VALUE, vid, 7)
            rec.flush()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    os.close(w)
    decoder = StreamDecoder(EventStore())
    _drain(r, decoder)
    os.close(r)
    ev = decoder.store.view()
    child_values = ev[(ev["kind"] == K.VALUE) & (ev["pid"] == pid)]
    assert len(child_values) == 1
    assert decoder.string(pid, child_values["b"][0]) == "shared-name"


def test_store_drops_are_counted_not_silent():
    store = EventStore(capacity=100)
    from engine.decode import EVENT_DTYPE
    store.append(np.zeros(80, EVENT_DTYPE))
    store.append(np.zeros(50, EVENT_DTYPE))
    assert len(store) == 100 and store.dropped == 30


@pytest.mark.parametrize("split", [1, 7, 12, 33, 4095, 4096, 5000])
def test_decoder_accepts_any_split(split):
    r, w = os.pipe()
    os.write(w, wire.stream_header())
    sink = recorder.install(w)
    rec = sink.recorder("MainThread")
    for i in range(500):
        rec.event(K.VALUE, sink.intern("v"), i)
    rec.flush()
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    decoder = StreamDecoder(EventStore())
    for i in range(0, len(data), split):
        decoder.feed(data[i:i + split])
    ev = decoder.store.view()
    assert list(ev[ev["kind"] == K.VALUE]["a"]) == list(range(500))
