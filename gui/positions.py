"""A run's accesses held as positions in its event array, read from the records when
asked.  [numpy, no Qt]

What the live trace (gui/trace_data.py) keeps instead of copies of each access's fields:
growable columns (Column), positions as runs of consecutive ones (Runs, PositionColumn,
RunsView: a thread's frames are consecutive records in the Session's store), and a field
or a function of fields read at those positions (Gathered, GatheredColumn), answering
what a column of copies answered.  docs/ARCHITECTURE.md "Memory" says what it saves.
"""
import numpy as np


class Column:
    """A growable 1-D array (amortised doubling): append is O(new), view is free."""

    def __init__(self, dtype) -> None:
        self._a = np.zeros(1024, dtype)
        self.n = 0

    def extend(self, values) -> None:
        values = np.asarray(values, self._a.dtype)
        need = self.n + len(values)
        if need > len(self._a):
            grown = np.zeros(max(need, 2 * len(self._a)), self._a.dtype)
            grown[:self.n] = self._a[:self.n]
            self._a = grown
        self._a[self.n:need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self._a[:self.n]

    def reserve(self, capacity: int) -> None:
        """Room for capacity values, reserved as address space (the kernel maps a page when
        it is first written, as the Session's EventStore does): no more copies to grow, and
        no freed smaller generations left in the heap.  Where it is refused, growth as
        before."""
        if capacity <= len(self._a):
            return
        try:
            room = np.empty(capacity, self._a.dtype)
        except MemoryError:
            return
        room[:self.n] = self._a[:self.n]
        self._a = room

    @classmethod
    def of(cls, values: np.ndarray) -> "Column":
        """A column holding values as they are (no copy: they were made for it)."""
        column = cls(values.dtype)
        column._a, column.n = values, len(values)
        return column


def root_of(a: np.ndarray) -> np.ndarray:
    """The array that owns a's memory (a live chunk is a slice of the Session's store)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def offset_in(chunk: np.ndarray, root: np.ndarray):
    """Where chunk starts in root, in records, or None if it is no contiguous slice of it."""
    if root.dtype != chunk.dtype or not len(chunk) or chunk.strides[0] != chunk.dtype.itemsize:
        return None
    delta = chunk.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    start, rest = divmod(delta, chunk.dtype.itemsize)
    if rest or start < 0 or start + len(chunk) > len(root):
        return None
    return start


class Gathered:
    """Something of the accesses at some positions of an event array, read from the records
    when asked (read: positions -> values, a field or a function of fields): what a column
    of copies answered (len, an item, a slice, an index array, np.searchsorted of a
    time-ordered field, min, max, numpy.asarray), at 0 B an access."""

    def __init__(self, read, positions: np.ndarray) -> None:
        self._read, self._pos = read, positions

    def __len__(self) -> int:
        return len(self._pos)

    def __getitem__(self, key):
        return self._read(self._pos[key])

    def __array__(self, dtype=None, copy=None):
        out = self._read(np.asarray(self._pos))
        return out if dtype is None else out.astype(dtype)

    def tolist(self) -> list:
        return np.asarray(self).tolist()

    def searchsorted(self, v, side: str = "left", sorter=None):
        """numpy.searchsorted(self, v) of a field in rising order: a binary search that reads
        about log2(n) records per value, never the whole column."""
        values = np.asarray(v)
        lo = np.zeros(values.shape, np.int64)
        hi = np.full(values.shape, len(self._pos), np.int64)
        last = max(len(self._pos) - 1, 0)
        while True:
            open_ = lo < hi
            if not open_.any():
                break
            mid = (lo + hi) // 2
            probe = self._read(self._pos[np.minimum(mid, last)])
            below = (probe < values) if side == "left" else (probe <= values)
            lo = np.where(open_ & below, mid + 1, lo)
            hi = np.where(open_ & ~below, mid, hi)
        return lo if values.ndim else int(lo)

    def _reduce(self, how):
        if not len(self._pos):
            raise ValueError("zero-size array to reduction operation")
        step = 1 << 17  # a chunk at a time: no 8-byte copy of the whole column
        return how([how(self._read(self._pos[i:i + step])) for i in range(0, len(self._pos), step)])

    def min(self):
        return self._reduce(np.min)

    def max(self):
        return self._reduce(np.max)


class GatheredColumn:
    """What TraceData.t (value, row, is_write, write_t, write_value) is: ``view()`` gives the
    Gathered values at the positions so far, ``n`` their count, as a Column of copies did."""

    __slots__ = ("_read", "_positions")

    def __init__(self, read, positions: Column) -> None:
        self._read, self._positions = read, positions

    @property
    def n(self) -> int:
        return self._positions.n

    def view(self) -> Gathered:
        return Gathered(self._read, self._positions.view())


class Runs:
    """Ascending positions held as runs of consecutive ones (first, count): a thread's
    accesses in a live chunk are its frames' records, consecutive in the store, so a
    queued access costs ~0.2 B here where its position cost 4 (at the end of a long
    race most accesses wait in the queues: 4 B an event at the window's peak)."""

    __slots__ = ("first", "count", "ends")

    def __init__(self, first: np.ndarray, count: np.ndarray) -> None:
        self.first, self.count = first, count
        self.ends = np.cumsum(count)  # accesses up to and including each run

    @classmethod
    def of(cls, positions: np.ndarray) -> "Runs":
        if not len(positions):
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        starts = np.flatnonzero(np.diff(positions) != 1) + 1
        starts = np.concatenate([[0], starts])
        return cls(positions[starts].astype(np.int64), np.diff(np.append(starts, len(positions))))

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def __getitem__(self, key: slice) -> "Runs":
        """The runs of accesses key (a slice: start and stop, no step)."""
        a, b, _ = key.indices(len(self))
        if b <= a:
            return Runs(np.zeros(0, np.int64), np.zeros(0, np.int64))
        r0 = int(np.searchsorted(self.ends, a, "right"))
        r1 = int(np.searchsorted(self.ends, b - 1, "right"))
        ends, count = self.ends[r0:r1 + 1], self.count[r0:r1 + 1]
        begin = ends - count
        new_begin, new_end = np.maximum(begin, a), np.minimum(ends, b)
        return Runs(self.first[r0:r1 + 1] + (new_begin - begin), new_end - new_begin)

    def positions(self, dtype=np.int64) -> np.ndarray:
        n = len(self)
        out = np.repeat((self.first - (self.ends - self.count)).astype(dtype), self.count)
        out += np.arange(n, dtype=dtype)
        return out


class RunsView:
    """Positions held as runs (first, count, ends: accesses up to and including each run),
    indexed as the positions array would be: an item, a slice, an index array, len, max,
    numpy.asarray."""

    __slots__ = ("first", "count", "ends")

    def __init__(self, first: np.ndarray, count: np.ndarray, ends: np.ndarray) -> None:
        self.first, self.count, self.ends = first, count, ends

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def _at(self, k: np.ndarray) -> np.ndarray:
        run = np.searchsorted(self.ends, k, "right")
        return self.first[run] + (k - (self.ends[run] - self.count[run]))

    def __getitem__(self, key):
        if isinstance(key, slice):
            a, b, step = key.indices(len(self))
            if step != 1:
                return self._at(np.arange(a, b, step))
            return Runs(self.first, self.count)[a:b].positions() if b > a else np.zeros(0, np.int64)
        if isinstance(key, (int, np.integer)):
            k = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= k < len(self):
                raise IndexError(key)
            return int(self._at(np.int64(k)))
        k = np.asarray(key, np.int64)
        return self._at(np.where(k < 0, k + len(self), k))

    def __array__(self, dtype=None, copy=None):
        out = Runs(self.first, self.count).positions()
        return out if dtype is None else out.astype(dtype)

    def max(self) -> int:
        return int((self.first + self.count - 1).max())


class PositionColumn:
    """The settled accesses' positions, in time order, as runs of consecutive positions
    (a thread's time slice is its frames' records, consecutive in the store: a long race's
    8M accesses are a few thousand runs, ~0.01 B an access where an int32 is 4); where the
    runs turn out short (8 accesses or fewer on average), a plain Column instead."""

    MIN_RUN = 8

    def __init__(self, dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.first, self.count, self.ends = Column(np.int64), Column(np.int64), Column(np.int64)
        self.plain = None  # the Column of positions, once runs do not pay
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        if self.plain is not None:
            self.plain.extend(values)
            self.n = self.plain.n
            return
        if not len(values):
            return
        runs = Runs.of(np.asarray(values))
        first, count = runs.first, runs.count
        if self.first.n and self.first.view()[-1] + self.count.view()[-1] == first[0]:
            self.count.view()[-1] += count[0]  # goes on where the last run ended
            self.ends.view()[-1] += count[0]
            first, count = first[1:], count[1:]
        self.first.extend(first)
        self.count.extend(count)
        self.ends.extend(self.n + runs.ends[-len(count):] if len(count) else count)
        self.n += len(values)
        if self.n > 4096 and self.first.n * self.MIN_RUN > self.n:
            plain = Column(self.dtype)
            plain.extend(np.asarray(self.view()))
            self.plain = plain
            self.first = self.count = self.ends = None

    def reserve(self, capacity: int) -> None:
        if self.plain is not None:
            self.plain.reserve(capacity)

    def view(self):
        if self.plain is not None:
            return self.plain.view()
        return RunsView(self.first.view(), self.count.view(), self.ends.view())
