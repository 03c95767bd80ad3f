"""Bytes from the event pipe -> numpy arrays, strings and messages.  [numpy]

The hot path: frames are split with one struct unpack each (127 events a
frame), event payloads are joined and decoded with one ``numpy.frombuffer`` per
read, and copied into an EventStore.  No Python object per event.
"""
import json
import os
import threading

import numpy as np

from . import wire

EVENT_DTYPE = np.dtype(wire.NUMPY_DTYPE_SPEC)
assert EVENT_DTYPE.itemsize == wire.RECORD_SIZE


BYTES_PER_EVENT_BUDGET = 160  # a held event's share of memory, all copies (store 32 B, the
                              # verdict's sorted copy and the window's views): the cap is
                              # physical memory / this, so a lesson reaches it only on purpose
MIN_CAPACITY, MAX_CAPACITY = 16_000_000, 1_000_000_000


def default_capacity() -> int:
    """Events a store holds by default: what this machine's memory can hold with the
    verdict and the window's views beside them (24 GiB: ~160M events)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MIN_CAPACITY
    return int(min(MAX_CAPACITY, max(MIN_CAPACITY, memory // BYTES_PER_EVENT_BUDGET)))


class EventStore:
    """A capacity-bounded array of events; drops are counted, never silent.

    The whole capacity is reserved at once as address space (np.empty: the kernel maps a
    page only when an event is written to it), so the store never copies itself to grow:
    resident memory is 32 B a held event, never twice that while doubling, and a view
    stays valid however much comes after.  Where the reservation is refused, it grows
    by doubling as before.
    """

    def __init__(self, capacity: int = None, initial: int = 65536) -> None:
        """initial: where the reservation is refused, the size to start from and double."""
        self.capacity = default_capacity() if capacity is None else capacity
        self.dropped = 0
        self._lock = threading.Lock()  # held for pointer swaps, never for decoding
        self._append_lock = threading.Lock()  # the reader and the sampler both append
        try:
            self._array = np.empty(self.capacity, EVENT_DTYPE)
        except MemoryError:
            self._array = np.empty(min(self.capacity, initial), EVENT_DTYPE)
        self._n = 0

    def append(self, events: np.ndarray) -> None:
        with self._append_lock:
            self._append(events)

    def _append(self, events: np.ndarray) -> None:
        n_new = len(events)
        room = self.capacity - self._n
        if n_new > room:
            self.dropped += n_new - room
            events, n_new = events[:room], room
        if n_new == 0:
            return
        need = self._n + n_new
        if need > len(self._array):
            grown = np.empty(min(self.capacity, max(need, 2 * len(self._array))), EVENT_DTYPE)
            grown[:self._n] = self._array[:self._n]
            with self._lock:
                self._array = grown
        self._array[self._n:need] = events
        with self._lock:
            self._n = need

    def view(self) -> np.ndarray:
        """The events so far (a view: valid until the next append grows the store)."""
        with self._lock:
            return self._array[:self._n]

    def __len__(self) -> int:
        return self._n


class StreamDecoder:
    """Incremental frame parser: feed it bytes as they come, in any split."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.strings = {}   # (pid, id) -> str
        self.messages = []  # decoded JSON control messages, in order
        self._pending = b""
        self._header_seen = False
        self.bytes_in = 0

    def feed(self, data: bytes) -> None:
        self.bytes_in += len(data)
        buf = self._pending + data if self._pending else data
        pos = 0
        if not self._header_seen:
            if len(buf) < wire.STREAM_HEADER.size:
                self._pending = buf
                return
            pos = wire.check_stream_header(buf)
            self._header_seen = True
        pos = self._frames(buf, pos, len(data))
        self._pending = bytes(buf[pos:])

    def feed_frames(self, data: bytes) -> None:
        """Whole frames without a stream header (a process's ring: engine/ring.py)."""
        if self._frames(data, 0, len(data)) != len(data):
            raise wire.WireError("a ring held part of a frame: stream is corrupt")

    def _frames(self, buf, pos: int, n_new: int) -> int:
        """Decode the whole frames of buf from pos; return where the first partial one starts."""
        events = []
        hsize, unpack = wire.FRAME_HEADER.size, wire.FRAME_HEADER.unpack_from
        end = len(buf)
        view = memoryview(buf)
        while end - pos >= hsize:
            ftype, count, pid, length = unpack(buf, pos)
            if length > wire.MAX_FRAME:
                raise wire.WireError("frame of %d bytes at offset %d: stream is corrupt"
                                     % (length, self.bytes_in - n_new + pos))
            if end - pos - hsize < length:
                break
            body = view[pos + hsize:pos + hsize + length]
            if ftype == wire.F_EVENTS:
                if length != count * wire.RECORD_SIZE:
                    raise wire.WireError("event frame length %d != %d records" % (length, count))
                events.append(body)
            elif ftype == wire.F_STRINGS:
                self._strings(pid, count, body)
            elif ftype == wire.F_MESSAGE:
                self._message(pid, body)
            else:
                raise wire.WireError("unknown frame type %d: stream is corrupt" % ftype)
            pos += hsize + length
        if events:
            self.store.append(np.frombuffer(b"".join(events), EVENT_DTYPE))
        return pos

    def _strings(self, pid: int, count: int, body) -> None:
        pos = 0
        for _ in range(count):
            if pos + wire.STRING_ENTRY.size > len(body):
                raise wire.WireError("string frame does not add up: stream is corrupt")
            sid, n = wire.STRING_ENTRY.unpack_from(body, pos)
            pos += wire.STRING_ENTRY.size
            self.strings[(pid, sid)] = bytes(body[pos:pos + n]).decode("utf-8", "replace")
            pos += n
        if pos != len(body):
            raise wire.WireError("string frame does not add up: stream is corrupt")

    def _message(self, pid: int, body) -> None:
        try:
            msg = json.loads(bytes(body).decode("utf-8"))
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            raise wire.WireError("unreadable control message: stream is corrupt")
        if not isinstance(msg, dict):
            raise wire.WireError("control message is not an object: stream is corrupt")
        msg["pid"] = msg.get("pid", pid)
        self.messages.append(msg)

    @property
    def leftover(self) -> int:
        """Bytes of an incomplete frame at the end (a truncated stream if > 0 at EOF)."""
        return len(self._pending)

    def string(self, pid: int, sid: int, default: str = "?") -> str:
        return self.strings.get((int(pid), int(sid)), default)
