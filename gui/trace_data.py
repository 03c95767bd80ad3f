"""The shared-variable trace as live data: accesses settled in time order, lost updates found
incrementally.  [numpy, no Qt]

Events reach the GUI in per-thread batches, so thread A's accesses up to 0.12 s
may arrive after thread B's up to 0.13 s.  An access is *settled* once every
accessing thread still alive has been seen past its time: from then on nothing
can arrive before it, so settled accesses only ever append, and each refresh
sorts and scans only what settled since the last one (never the whole run).

Lost updates follow engine.analysis.lost_updates exactly (a test checks it on
random interleavings cut into random batches): a write is lost when its
thread's last read came before another write.  Per thread we carry the index of
its last read and the write count at that read, so a batch never needs to look
back, except to list the writes a lost update overwrote.
"""
import collections

import numpy as np

from engine.analysis import lane_keys
from engine.wire import K


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

    @classmethod
    def of(cls, values: np.ndarray) -> "Column":
        """A column holding values as they are (no copy: they were made for it)."""
        column = cls(values.dtype)
        column._a, column.n = values, len(values)
        return column


class LostUpdateTracker:
    """engine.analysis.lost_updates, fed in time-ordered batches."""

    def __init__(self) -> None:
        self.n = 0               # accesses seen
        self.writes = 0          # writes seen
        self.last_read = {}      # row -> (global index of its last read, writes up to it)
        self.write = Column(np.int64)  # index of each lost write
        self.read = Column(np.int64)   # index of the stale read it was computed from

    def feed(self, rows: np.ndarray, is_write: np.ndarray) -> tuple:
        """One batch (after all earlier ones, in time order); returns its new (writes, reads).

        rows: a small integer per access naming its thread.  One pass per thread over
        the batch (threads are few), no Python per access.
        """
        base, n = self.n, len(rows)
        if not n:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        wcum = self.writes + np.cumsum(is_write, dtype=np.int64)  # writes up to and including each
        idx = np.arange(n, dtype=np.int64)
        is_read = ~is_write
        new_w, new_r = [], []
        for row in np.flatnonzero(np.bincount(rows)).tolist():
            mine = rows == row
            w = np.flatnonzero(mine & is_write)
            reads = np.where(mine & is_read, idx, -1)
            last = np.maximum.accumulate(reads)  # this thread's latest read so far in the batch
            r_local = last[w]
            carried = self.last_read.get(row)
            r_global = np.where(r_local >= 0, base + r_local, carried[0] if carried else -1)
            wc_at_r = np.where(r_local >= 0, wcum[np.maximum(r_local, 0)], carried[1] if carried else 0)
            stale = (r_global >= 0) & (wcum[w] - 1 - wc_at_r > 0)  # writes strictly between
            new_w.append(base + w[stale])
            new_r.append(r_global[stale])
            i = int(last[-1])
            if i >= 0:
                self.last_read[row] = (base + i, int(wcum[i]))
        self.n += n
        self.writes = int(wcum[-1])
        w, r = np.concatenate(new_w), np.concatenate(new_r)
        order = np.argsort(w, kind="stable")
        w, r = w[order], r[order]
        self.write.extend(w)
        self.read.extend(r)
        return w, r


MAX_SETTLE = 2_000_000  # accesses settled per call at most: callers settle by time budget
VALUE_BLOCK = 256       # writes per min/max block of the value curve (gui.trace_view draws
                        # wide views from the blocks, never from millions of points)


def _column(events: np.ndarray, field: str, pick) -> np.ndarray:
    """One field of events (all of them when pick is None, else those at pick), contiguous."""
    column = events[field]
    return np.ascontiguousarray(column) if pick is None else column[pick]


def _named(pid: np.ndarray, b: np.ndarray, pairs: list) -> np.ndarray:
    """Which accesses name one of pairs (pid, string id): a name has one id a process, so a
    few equality tests (np.isin sorted a 64-bit key an access for it, every tick)."""
    if len(pairs) > 8:
        keys = np.array([(p << 32) | i for p, i in pairs], np.int64)
        return np.isin((pid.astype(np.int64) << 32) | b.astype(np.int64), keys)
    hit = np.zeros(len(pid), bool)
    for p, i in pairs:
        hit |= (pid == p) & (b == i)
    return hit


class _LaneQueue:
    """One thread's accesses not settled yet: columns per arrived piece, in time order."""

    __slots__ = ("pieces", "n")

    def __init__(self) -> None:
        self.pieces = collections.deque()  # (t, var key or None, is_write, value) arrays
        self.n = 0

    def push(self, piece: tuple) -> None:
        self.pieces.append(piece)
        self.n += len(piece[0])

    def nth_time(self, n: int):
        """Time of the n-th queued access (1-based), or None if fewer are queued."""
        for t, *_ in self.pieces:
            if n <= len(t):
                return int(t[n - 1])
            n -= len(t)
        return None

    def take_until(self, cut) -> list:
        """Pop the queued pieces at or before cut (all if cut is None), in order."""
        taken = []
        while self.pieces:
            piece = self.pieces[0]
            t = piece[0]
            if cut is None or t[-1] <= cut:
                taken.append(self.pieces.popleft())
                continue
            k = int(np.searchsorted(t, cut, side="right"))
            if k:
                taken.append(tuple(None if col is None else col[:k] for col in piece))
                self.pieces[0] = tuple(None if col is None else col[k:] for col in piece)
            break
        self.n -= sum(len(p[0]) for p in taken)
        return taken


class TraceData:
    """One variable's accesses, settled in time order, with rows, values and lost updates.

    Kept as plain columns (never 32-byte records): t, row (a thread's number), is_write,
    value; the writes alone again for the value curve, with a min/max per VALUE_BLOCK
    writes.  ~27 bytes an access, every step a numpy operation over the new accesses.
    """

    def __init__(self, t0_ns: int = 0) -> None:
        self.t0_ns = t0_ns
        self.var = ""
        self._var_keys = None     # (pid << 32 | string id) of the chosen variable's name
        self._var_pairs = []      # the same as (pid, string id) pairs: a few equality tests
        self._pending = {}        # lane key -> _LaneQueue of its accesses not settled yet
        self._seen_t = {}         # lane key -> latest access time seen
        self._exited = set()      # lane keys whose worker exited: they hold nothing back
        self.rows = {}            # lane key -> row, in order of first access
        self._clear_settled()

    def _clear_settled(self) -> None:
        self.t = Column(np.int64)         # ns, the recorder's clock
        self.row = Column(np.uint16)
        self.is_write = Column(np.bool_)
        self.value = Column(np.int64)
        self.write_t = Column(np.int64)   # the writes alone, for the value-over-time curve
        self.write_value = Column(np.int64)
        self.block_min = Column(np.int64)  # min / max of each full VALUE_BLOCK of writes
        self.block_max = Column(np.int64)
        self.lost = LostUpdateTracker()
        self._intervals = None  # row -> (stale reads, lost writes): built when asked

    def __len__(self) -> int:
        return self.t.n

    @property
    def lane(self) -> np.ndarray:
        """Each settled access's lane key (pid << 32 | worker)."""
        keys = np.zeros(max(len(self.rows), 1), np.uint64)
        for key, row in self.rows.items():
            keys[row] = key
        return keys[self.row.view()]

    def row_keys(self) -> dict:
        return {row: key for key, row in self.rows.items()}

    def seconds(self, start: int = 0, stop: int = None) -> np.ndarray:
        """Times of accesses [start, stop) in seconds since t0 (what the plots draw)."""
        return (self.t.view()[start:stop] - self.t0_ns) / 1e9

    def add(self, chunk: np.ndarray) -> None:
        """New events (any kinds); keeps the accesses, per thread, and the worker exits.

        The accesses are picked out a column at a time (t, pid, worker, kind, b, a), never
        as 32-byte records: race's chunks are ~99 % accesses with a few samples between, so
        a record gather copied nearly the whole chunk on every tick.  Once the variable is
        chosen, only its accesses are queued, without their name (var None): settling them
        tests nothing again."""
        kinds = chunk["kind"]
        exits = kinds == K.WORKER_EXIT
        if exits.any():
            self._exited.update(lane_keys(chunk[exits]).tolist())
        # VAR_READ and VAR_WRITE are adjacent kinds: one subtraction and one test (unsigned,
        # so smaller kinds wrap round and fail it) where two tests and an "or" were.
        is_acc = (kinds - np.uint16(K.VAR_READ)) <= np.uint16(K.VAR_WRITE - K.VAR_READ)
        if not is_acc.any():
            return
        pick = None if is_acc.all() else np.flatnonzero(is_acc)
        pid, b = _column(chunk, "pid", pick), _column(chunk, "b", pick)
        if self._var_keys is not None:  # chosen: the other variables' accesses go now
            keep = _named(pid, b, self._var_pairs)
            if not keep.all():
                pick = np.flatnonzero(keep) if pick is None else pick[keep]
                if not len(pick):
                    return
                pid, b = pid[keep], b[keep]
            var = None
        else:  # the name of each, until the most accessed one is chosen (settle)
            var = (pid.astype(np.int64) << 32) | b.astype(np.int64)
        keys = _column(chunk, "worker", pick).astype(np.uint64)
        keys |= pid.astype(np.uint64) << np.uint64(32)  # lane_keys, from the picked columns
        t = _column(chunk, "t", pick)
        is_write = _column(chunk, "kind", pick) == K.VAR_WRITE
        value = _column(chunk, "a", pick)
        # Workers' frames arrive whole: the chunk is runs of one lane. The lanes are the
        # keys that start a run; one mask per lane (threads are few).
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        lanes = set(keys[starts].tolist())
        for key in lanes:
            if len(lanes) == 1:
                piece = (t, var, is_write, value)
            else:
                mine = keys == key  # one thread's accesses: already in time order
                piece = (t[mine], None if var is None else var[mine], is_write[mine], value[mine])
            queue = self._pending.get(key)
            if queue is None:
                queue = self._pending[key] = _LaneQueue()
            queue.push(piece)
            self._seen_t[key] = max(self._seen_t.get(key, 0), int(piece[0][-1]))

    @property
    def pending(self) -> int:
        """Accesses received but not in the trace yet."""
        return sum(q.n for q in self._pending.values())

    def settle(self, strings: dict, everything: bool = False, limit: int = MAX_SETTLE) -> int:
        """Move at most about limit accesses nobody can precede any more into the trace.

        Returns how many moved.  everything: the run is over and nothing more will
        come (call again while ``pending``).  The work is proportional to what moves,
        never to what waits: each thread's pending accesses are a queue in time order.
        """
        lanes = [key for key, queue in self._pending.items() if queue.n]
        if not lanes:
            return 0
        if everything:
            horizon = None
        else:
            alive = [t for key, t in self._seen_t.items() if key not in self._exited]
            horizon = min(alive) if alive else None
        per_lane = max(1, limit // len(lanes))
        cut = horizon
        for key in lanes:  # the oldest per_lane of each thread at most: a time-ordered prefix
            nth = self._pending[key].nth_time(per_lane)
            if nth is not None and (cut is None or nth < cut):
                cut = nth
        parts = [(key, self._pending[key].take_until(cut)) for key in lanes]
        parts = [(key, pieces) for key, pieces in parts if pieces]
        if not parts:
            return 0
        if self._var_keys is None:
            self._choose_variable(parts, strings)
        columns, sizes, firsts = [[], [], []], [], []  # sizes: (part, accesses) per piece
        for part, (key, pieces) in enumerate(parts):
            for t, var, is_write, value in pieces:
                if var is not None:  # queued before the choice: the other names go now
                    keep = np.isin(var, self._var_keys)
                    if not keep.all():
                        t, is_write, value = t[keep], is_write[keep], value[keep]
                if not len(t):
                    continue
                if not firsts or firsts[-1][1] != part:  # a thread's pieces are in time order
                    firsts.append((int(t[0]), part))
                for column, values in zip(columns, (t, is_write, value)):
                    column.append(values)
                sizes.append((part, len(t)))
        if not sizes:
            return 0
        # Rows in order of each thread's first access (what a reader of the plot expects):
        # by time, ties to the earlier part, as the stable sort below orders them.
        for _, part in sorted(firsts):
            self.rows.setdefault(parts[part][0], len(self.rows))
        t, is_write, value = (np.concatenate(c) for c in columns)
        row = np.concatenate([np.full(n, self.rows[parts[part][0]], np.uint16) for part, n in sizes])
        if len(firsts) > 1:  # two threads or more: merged in time order
            order = np.argsort(t, kind="stable")  # runs of sorted times: a merge, not a full sort
            t, is_write, value, row = t[order], is_write[order], value[order], row[order]
        if len(self) and t[0] < self.t.view()[-1]:  # a thread we had not seen yet
            return self._rebuild(t, row, is_write, value)
        self._append(t, row, is_write, value)
        return len(t)

    def _choose_variable(self, parts: list, strings: dict) -> None:
        """The most accessed variable name so far; every process's string ids for it."""
        keys = np.concatenate([piece[1] for _, pieces in parts for piece in pieces])
        uniq, counts = np.unique(keys, return_counts=True)
        names = [strings.get((k >> 32, k & 0xFFFFFFFF), "?") for k in uniq.tolist()]
        totals = {}
        for name, count in zip(names, counts.tolist()):
            totals[name] = totals.get(name, 0) + count
        self.var = max(totals, key=totals.get)
        ids = [(p << 32) | s for (p, s), text in strings.items() if text == self.var]
        self._var_keys = np.array(sorted(set(ids) | {k for k, n in zip(uniq.tolist(), names)
                                                     if n == self.var}), np.int64)
        self._var_pairs = [(k >> 32, k & 0xFFFFFFFF) for k in self._var_keys.tolist()]

    def _append(self, t, row, is_write, value) -> None:
        self.t.extend(t)
        self.row.extend(row)
        self.is_write.extend(is_write)
        self.value.extend(value)
        self.write_t.extend(t[is_write])
        self.write_value.extend(value[is_write])
        done = self.block_min.n * VALUE_BLOCK  # writes already summarised in full blocks
        full = (self.write_value.n - done) // VALUE_BLOCK
        if full:
            blocks = self.write_value.view()[done:done + full * VALUE_BLOCK].reshape(full, VALUE_BLOCK)
            self.block_min.extend(blocks.min(axis=1))
            self.block_max.extend(blocks.max(axis=1))
        if len(self.lost.feed(row, is_write)[0]):
            self._intervals = None

    def overwritten(self, idx: np.ndarray) -> np.ndarray:
        """Which of the accesses idx are writes a lost update overwrote (another thread's write
        between the lost write and its stale read), as a mask.

        Kept as intervals, not a list: one lost update can overwrite thousands of writes.
        """
        if self._intervals is None:
            w, r = self.lost.write.view(), self.lost.read.view()
            rows = self.row.view()[w]
            self._intervals = {}
            for row in np.unique(rows).tolist():
                mine = rows == row  # one thread's stale reads never overlap: sorted by read
                order = np.argsort(r[mine], kind="stable")
                self._intervals[row] = (r[mine][order], w[mine][order])
        idx = np.asarray(idx, np.int64)
        hit = np.zeros(len(idx), bool)
        if not len(idx):
            return hit
        rows = self.row.view()[idx]
        candidates = self.is_write.view()[idx]
        for row, (reads, writes) in self._intervals.items():
            k = np.searchsorted(reads, idx, side="right") - 1  # the last stale read before idx
            inside = (k >= 0) & (idx < writes[np.maximum(k, 0)])
            hit |= candidates & inside & (rows != row)
        return hit

    def lost_story(self, i0: int, i1: int, most: int) -> np.ndarray:
        """The accesses that tell each lost update in [i0, i1) in values: the stale read, the
        other thread's last write it overwrote, the lost write.  Empty past `most` updates."""
        lost_w, lost_r = self.lost.write.view(), self.lost.read.view()
        k0, k1 = np.searchsorted(lost_w, [i0, i1])
        if k1 - k0 > most:
            return np.zeros(0, np.int64)
        row, is_write = self.row.view(), self.is_write.view()
        keys = []
        for w, r in zip(lost_w[k0:k1].tolist(), lost_r[k0:k1].tolist()):
            others = np.flatnonzero(is_write[r + 1:w] & (row[r + 1:w] != row[w]))
            keys.extend([r, w] + ([r + 1 + int(others[-1])] if len(others) else []))
        return np.unique(np.array(keys, np.int64))

    def _rebuild(self, t, row, is_write, value) -> int:
        """Start over with everything in time order (a late thread's first accesses)."""
        old = (self.t.view().copy(), self.row.view().copy(), self.is_write.view().copy(),
               self.value.view().copy())
        merged = [np.concatenate([a, b]) for a, b in zip(old, (t, row, is_write, value))]
        order = np.argsort(merged[0], kind="stable")
        self._clear_settled()
        self._append(*(column[order] for column in merged))
        return len(t)




def final_trace(view, var: str, rows: dict, t0_ns: int) -> TraceData:
    """The whole run's trace of var at once, from the verdict's own arrays: what a TraceData
    fed every access would hold, built without one.  [no Qt: runs off the GUI thread]

    view: the run's engine.analysis.RunView (its lost updates are the verdict's); rows: the
    threads already shown (lane key -> row), kept where they are.  Only columns are
    gathered (t, value: 16 B an access), never the 32-byte records; the row of each access
    comes from the runs of one thread's accesses, not from a lane key per access."""
    data = TraceData(t0_ns)
    data.var = var
    data.rows = dict(rows)
    is_write, starts, run_lanes = view.access_runs(var)
    n = len(is_write)
    if not n:
        return data
    uniq, first = np.unique(run_lanes, return_index=True)
    for key in uniq[np.argsort(first)].tolist():  # new threads in order of first access
        data.rows.setdefault(key, len(data.rows))
    keys = np.array(list(data.rows), np.uint64)
    order = np.argsort(keys)
    row_of_key = np.array(list(data.rows.values()), np.uint16)[order]
    row_of_run = row_of_key[np.searchsorted(keys[order], run_lanes)]
    row = np.repeat(row_of_run, np.diff(np.append(starts, n)))
    t = view.access_field(var, "t").astype(np.int64, copy=False)
    value = view.access_field(var, "a").astype(np.int64, copy=False)
    lost = view.lost_updates(var)
    data.t, data.row, data.is_write, data.value = (Column.of(c) for c in (t, row, is_write, value))
    data.write_t, data.write_value = Column.of(t[is_write]), Column.of(value[is_write])
    full = data.write_value.n // VALUE_BLOCK
    blocks = data.write_value.view()[:full * VALUE_BLOCK].reshape(full, VALUE_BLOCK)
    data.block_min, data.block_max = Column.of(blocks.min(axis=1)), Column.of(blocks.max(axis=1))
    data.lost.write, data.lost.read = Column.of(lost["write"]), Column.of(lost["read"])
    data.lost.n, data.lost.writes = n, data.write_t.n
    return data
