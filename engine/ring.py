"""A shared-memory ring of event frames per process: recording never waits on transport.

Standard library only (the runner imports it; it may be Python 3.9).

Why not the pipe: ``os.write`` releases the GIL.  A scenario thread that
flushes its buffer into the pipe hands the GIL to another thread and then waits
up to a switch interval to get it back, inside the recorder, and a full pipe
blocks it outright (while it may hold the scenario's lock).  py-spy saw worker
threads inside that write in 68-82 % of its samples.  Copying a frame into a
mapped file is a ``memcpy`` under the GIL: no system call, no GIL hand-off, no
switch point the program did not have.

Rings are files in a directory the Session made (on tmpfs, /dev/shm): one per
recording thread (``<pid>.<worker>.ring``: its only writer is that thread, so a
flush takes no lock and a thread switch in the middle of one makes nobody wait)
and one per process for its string table and messages (``<pid>.s.ring``,
written under the Sink's lock, rarely: a string is announced once).  The one
reader is the Session's sampler thread; it takes the event rings first and the
string rings after, so every string an event names has arrived with it.
Layout: a 64-byte header (magic, capacity, head = bytes ever written, tail =
bytes ever consumed, events refused) then ``capacity`` bytes of data.  The
writer copies a whole frame, then publishes the new head; the reader copies up
to head, then publishes tail.  Only whole frames are ever published.  Stores are
ordered on x86-64 (TSO), the platform gilscope runs on.  A full ring refuses the
frame (bounded memory); the recorder then writes it to the event pipe, which
blocks only while the Session is that far behind (a run never loses what it
recorded); with no pipe either, the frame is dropped and counted.
"""
import mmap
import os
import struct

from .wire import FRAME_HEADER

MAGIC = b"GSRG"
HEADER = 64
_MAGIC_CAP = struct.Struct("<4sxxxxQ")  # at 0: magic, capacity
_U64 = struct.Struct("<Q")
HEAD, TAIL, DROPPED = 16, 24, 32  # offsets of the u64 counters
CAPACITY = 64 << 20  # 64 MiB a thread: 2 s at a million events a second (8 MiB filled in race
# with two busy loops beside, where the Session drained it only ~20 times a second, and the
# threads then blocked in the pipe write: py-spy saw them there in 35-62 % of its samples);
# tmpfs pages are lazy: a ring holds only the pages its thread wrote
STRINGS_CAPACITY = 1 << 20
TAKE_LIMIT = 1 << 20  # bytes a take copies at most (the sampler's drain takes again): a ring
# that filled while the Session was busy (64 MiB) was copied whole, its decoding joined it
# once more, and its pages were resident in the reader until the take returned: at the end
# of an 8M-event race, 7 B an event of the window's peak
SUFFIX = ".ring"
STRINGS_TAG = "s"


def is_strings_ring(name: str) -> bool:
    return name.endswith("." + STRINGS_TAG + SUFFIX)


class RingWriter:
    """A writer's end of a ring: one thread's events, or a process's strings (under a lock)."""

    def __init__(self, directory: str, pid: int, tag, capacity: int = CAPACITY) -> None:
        self.path = os.path.join(directory, "%d.%s%s" % (pid, tag, SUFFIX))
        fd = os.open(self.path + ".new", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(fd, HEADER + capacity)
            self._mm = mmap.mmap(fd, HEADER + capacity)
        finally:
            os.close(fd)
        _MAGIC_CAP.pack_into(self._mm, 0, MAGIC, capacity)
        os.rename(self.path + ".new", self.path)  # the reader never sees a half-made header
        self.capacity = capacity
        self.dropped = 0
        self._head = 0

    def put(self, frame, n_events: int) -> bool:
        """Copy one whole frame in; False (and counted) if the reader is too far behind.

        One writer only (no lock): the thread that owns the ring, or the Sink under its lock."""
        n = len(frame)
        mm, cap = self._mm, self.capacity
        head = self._head
        if head + n - _U64.unpack_from(mm, TAIL)[0] > cap:
            self.dropped += n_events
            _U64.pack_into(mm, DROPPED, self.dropped)
            return False
        pos = head % cap
        first = cap - pos
        if n <= first:
            mm[HEADER + pos:HEADER + pos + n] = frame
        else:
            mm[HEADER + pos:HEADER + cap] = frame[:first]
            mm[HEADER:HEADER + n - first] = frame[first:]
        self._head = head = head + n
        _U64.pack_into(mm, HEAD, head)  # publish: after the data
        return True


class RingReader:
    """The Session's end of one process's ring."""

    def __init__(self, path: str) -> None:
        with open(path, "r+b") as f:
            self._mm = mmap.mmap(f.fileno(), 0)
        magic, cap = _MAGIC_CAP.unpack_from(self._mm, 0)
        if magic != MAGIC or cap + HEADER != len(self._mm):
            self._mm.close()
            raise ValueError("%s is not a gilscope ring" % path)
        self.path = path
        self._dropped_at_close = 0
        self.capacity = cap
        self._tail = _U64.unpack_from(self._mm, TAIL)[0]
        self._release = getattr(mmap, "MADV_REMOVE", None)  # Linux; the reader is never 3.9-only

    def take(self, limit: int = None) -> bytes:
        """Every whole frame published since the last take (b"" if none); with a limit, the
        first of them that fit in limit bytes (at least one frame): the rest stays for the
        next take."""
        mm, cap = self._mm, self.capacity
        if mm.closed:  # the run is over and its rings closed: nothing more comes
            return b""
        head = _U64.unpack_from(mm, HEAD)[0]
        n = head - self._tail
        if n <= 0:
            return b""
        if limit is not None and n > limit:
            n = self._whole_frames(n, limit)
            head = self._tail + n
        pos = self._tail % cap
        if pos + n <= cap:
            data = mm[HEADER + pos:HEADER + pos + n]
        else:
            data = mm[HEADER + pos:HEADER + cap] + mm[HEADER:HEADER + n - (cap - pos)]
        if self._release is not None:
            self._release_pages(HEADER + pos, min(n, cap - pos))
            if pos + n > cap:
                self._release_pages(HEADER, n - (cap - pos))
        self._tail = head
        _U64.pack_into(mm, TAIL, head)  # publish: the writer may now reuse the space
        return data

    def _whole_frames(self, n: int, limit: int) -> int:
        """Bytes of the whole frames from the tail on that fit in limit (at least one), of
        the n published: their headers read in place (a frame is at most 4 KiB)."""
        size = 0
        while size < n:
            header = self._peek(self._tail + size, FRAME_HEADER.size)
            frame = FRAME_HEADER.size + FRAME_HEADER.unpack(header)[3]
            if size and size + frame > limit:
                break
            size += frame
        return min(size, n)

    def _peek(self, offset: int, length: int) -> bytes:
        """length bytes at the ring's offset (bytes ever written), across the wrap."""
        cap, pos = self.capacity, offset % self.capacity
        if pos + length <= cap:
            return self._mm[HEADER + pos:HEADER + pos + length]
        return self._mm[HEADER + pos:HEADER + cap] + self._mm[HEADER:HEADER + length - (cap - pos)]

    def _release_pages(self, start: int, length: int) -> None:
        """Hand the whole pages of a consumed range back to the system (tmpfs frees them).

        A ring is large (a burst must not block its thread) but what it holds at once is
        small: without this, every page a thread ever wrote stayed resident in the runner,
        in this process's mapping and in /dev/shm until the run ended (64 MiB a thread).
        The consumed range's pages are the last the writer reuses (a whole lap later), so
        the cost is one page fault per 4 KiB written.  Done before the tail is published:
        until then the writer cannot be writing there.
        """
        first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
        end = (start + length) // mmap.PAGESIZE * mmap.PAGESIZE
        if end > first:
            try:
                self._mm.madvise(self._release, first, end - first)
            except OSError:  # a file system that cannot punch holes: keep the pages
                self._release = None

    @property
    def dropped(self) -> int:
        if self._mm.closed:
            return self._dropped_at_close
        return _U64.unpack_from(self._mm, DROPPED)[0]

    def close(self) -> None:
        if not self._mm.closed:
            self._dropped_at_close = self.dropped
            self._mm.close()
