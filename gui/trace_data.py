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

An access is held as its position in the run's own event array (the Session's store, or
the verdict's view of it), never as copies of its fields: time and value are read from
the records when asked (Gathered).  Copies of t, value and the writes' t and value were
27 B an access, and the end of a long run held them twice (the live trace and the one
built from the verdict): the window peaked at 88-100 B an event above idle at 8M events
(bench scale), 32 of them the records.  Now 4 B (its position) + 4 a write (its position
again, for the value curve); time, value, thread and kind are read for what is drawn.
"""
import collections

import numpy as np

from engine.analysis import lane_keys
from engine.decode import EVENT_DTYPE
from engine.wire import K

from .positions import Column, Gathered, GatheredColumn, PositionColumn, Runs, offset_in, root_of


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


ADD_SLICE = 1 << 18      # events looked at a time by TraceData.add: bounded temporaries
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
    """One thread's accesses not settled yet: columns per arrived piece, in time order.
    A piece is (Runs of its positions in the events, var key per access or None); its
    times are read from the records (t_of: positions -> times) when the queue is cut."""

    __slots__ = ("pieces", "n")

    def __init__(self) -> None:
        self.pieces = collections.deque()  # (Runs, var key or None)
        self.n = 0

    def push(self, piece: tuple) -> None:
        self.pieces.append(piece)
        self.n += len(piece[0])

    def nth_time(self, n: int, t_of):
        """Time of the n-th queued access (1-based), or None if fewer are queued."""
        for runs, _ in self.pieces:
            if n <= len(runs):
                return int(t_of(runs[n - 1:n].positions())[0])
            n -= len(runs)
        return None

    def take_until(self, cut, t_of) -> list:
        """Pop the queued pieces at or before cut (all if cut is None), in order."""
        taken = []
        while self.pieces:
            runs, var = self.pieces[0]
            if cut is None or int(t_of(runs[-1:].positions())[0]) <= cut:
                taken.append(self.pieces.popleft())
                continue
            k = int(Gathered(t_of, runs.positions()).searchsorted(cut, side="right"))
            if k:
                taken.append((runs[:k], None if var is None else var[:k]))
                self.pieces[0] = (runs[k:], None if var is None else var[k:])
            break
        self.n -= sum(len(p[0]) for p in taken)
        return taken


class TraceData:
    """One variable's accesses, settled in time order, with rows, values and lost updates.

    Kept as columns, never 32-byte records: pos (each access's position in the event
    array it came from); t, value, row (its thread's number) and is_write are read from
    that array at pos (GatheredColumn), and write_t and write_value the same at the
    writes' positions (write_pos), for the value curve, with a min/max per VALUE_BLOCK
    writes.  ~6 bytes an access, every step a numpy operation over the new accesses.

    The event array is the one the chunks are slices of (the Session's store, which only
    grows and never moves: docs/ARCHITECTURE.md "Memory").  Chunks of another array (a
    test's, or a store that had to move to grow) are copied into one of the trace's own,
    accesses only, so every position names one array.
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
        self._events = None       # the event array the positions index (see the class doc)
        self._own = None          # Column of records: the trace's own copy, once it needs one
        self._fields = {}         # field name -> the events' column (a strided view)
        self._pos_type = np.int32
        self._row_table = None    # (sorted lane keys, their rows): _row_of's lookup
        self._seen_end = 0        # the events seen so far are self._events[:_seen_end]
        self._clear_settled()

    def _clear_settled(self) -> None:
        self.pos = PositionColumn(self._pos_type)  # where each access is in the events
        self._reserved = False
        self.write_pos = Column(self._pos_type)  # the writes alone, for the value curve
        self.block_min = Column(np.int64)  # min / max of each full VALUE_BLOCK of writes
        self.block_max = Column(np.int64)
        self.lost = LostUpdateTracker()
        self._intervals = None  # row -> (stale reads, lost writes): built when asked

    # What each access was, read from its record (GatheredColumn: view() and n, as the
    # Columns of copies these were).  Properties, so no column holds the data it reads.
    @property
    def t(self) -> GatheredColumn:
        """ns, the recorder's clock."""
        return GatheredColumn(self._t_of, self.pos)

    @property
    def value(self) -> GatheredColumn:
        return GatheredColumn(self._value_of, self.pos)

    @property
    def row(self) -> GatheredColumn:
        """The row of the access's thread (rows: its lane key's)."""
        return GatheredColumn(self._row_of, self.pos)

    @property
    def is_write(self) -> GatheredColumn:
        return GatheredColumn(self._is_write_of, self.pos)

    @property
    def write_t(self) -> GatheredColumn:
        return GatheredColumn(self._t_of, self.write_pos)

    @property
    def write_value(self) -> GatheredColumn:
        return GatheredColumn(self._value_of, self.write_pos)

    def field(self, name: str) -> np.ndarray:
        """The events' column name ("t", "a", ...), indexed by the positions."""
        column = self._fields.get(name)
        if column is None:
            events = self._events if self._events is not None else np.zeros(0, EVENT_DTYPE)
            column = self._fields[name] = events[name]
        return column

    def _t_of(self, pos: np.ndarray) -> np.ndarray:
        return self.field("t")[pos]

    def _value_of(self, pos: np.ndarray) -> np.ndarray:
        return self.field("a")[pos]

    def _is_write_of(self, pos: np.ndarray) -> np.ndarray:
        return self.field("kind")[pos] == K.VAR_WRITE

    def _keys_of(self, pos: np.ndarray) -> np.ndarray:
        """Lane keys (pid << 32 | worker) of the accesses at pos."""
        keys = self.field("pid")[pos].astype(np.uint64) << np.uint64(32)
        return keys | self.field("worker")[pos].astype(np.uint64)

    def _row_of(self, pos: np.ndarray) -> np.ndarray:
        if self._row_table is None or len(self._row_table[0]) != len(self.rows):
            keys = np.array(list(self.rows), np.uint64)
            order = np.argsort(keys)
            self._row_table = (keys[order], np.array(list(self.rows.values()), np.uint16)[order])
        keys, rows = self._row_table
        return rows[np.minimum(np.searchsorted(keys, self._keys_of(pos)), max(len(keys) - 1, 0))]

    def _positions(self, chunk: np.ndarray, pick) -> np.ndarray:
        """Positions in self._events of chunk's accesses (all of chunk, or those at pick)."""
        root = root_of(chunk) if self._own is None else None
        start = offset_in(chunk, root) if root is not None else None
        if start is not None and self._events is None and len(root) < 2 ** 31 - 1:
            self._events, self._fields = root, {}  # the first chunk names the array
        if start is None or root is not self._events:  # another array: the trace's own copy
            self._use_own()
            own = self._own
            first = own.n
            own.extend(chunk if pick is None else chunk[pick])
            self._events, self._fields = own._a, {}
            self._seen_end = own.n
            return np.arange(first, own.n, dtype=self._pos_type)
        self._seen_end = max(self._seen_end, start + len(chunk))
        if pick is None:
            return np.arange(start, start + len(chunk), dtype=self._pos_type)
        return (pick + start).astype(self._pos_type, copy=False)

    def _use_own(self) -> None:
        """From now on the accesses' records are the trace's own (positions kept: the array
        it read so far is copied up to its last position)."""
        if self._own is not None:
            return
        self._own = Column(EVENT_DTYPE)
        if self._events is not None:
            last = max([int(np.asarray(self.pos.view()).max()) if self.pos.n else -1]
                       + [int(p[0].positions().max()) for q in self._pending.values()
                          for p in q.pieces if len(p[0])])
            self._own.extend(self._events[:last + 1])
        self._pos_type = np.int64
        self.pos = Column.of(np.asarray(self.pos.view()).astype(np.int64))
        self.write_pos = Column.of(self.write_pos.view().astype(np.int64))

    def __len__(self) -> int:
        return self.t.n

    @property
    def lane(self) -> np.ndarray:
        """Each settled access's lane key (pid << 32 | worker)."""
        return self._keys_of(np.asarray(self.pos.view()))

    def row_keys(self) -> dict:
        return {row: key for key, row in self.rows.items()}

    def seconds(self, start: int = 0, stop: int = None) -> np.ndarray:
        """Times of accesses [start, stop) in seconds since t0 (what the plots draw)."""
        return (self.t.view()[start:stop] - self.t0_ns) / 1e9

    def add(self, chunk: np.ndarray) -> None:
        """New events (any kinds); keeps the accesses, per thread, and the worker exits.

        The accesses are picked out a column at a time (pid, worker, kind, b) and kept as
        their positions, never as 32-byte records: race's chunks are ~99 % accesses with a
        few samples between, so a record gather copied nearly the whole chunk on every tick.
        Once the variable is chosen, only its accesses are queued, without their name (var None): settling them
        tests nothing again.  A chunk of more than ADD_SLICE events (the window fell behind,
        or a saved run arrives whole) is taken a slice at a time: a pass holds ~30 B of
        temporaries an event it looks at, which for a whole 8M-event run was 30 B an event
        at the window's peak."""
        if len(chunk) > ADD_SLICE:
            for start in range(0, len(chunk), ADD_SLICE):
                self.add(chunk[start:start + ADD_SLICE])
            return
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
        pos = self._positions(chunk, pick)
        # Workers' frames arrive whole: the chunk is runs of one lane. The lanes are the
        # keys that start a run; one mask per lane (threads are few).
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        lanes = set(keys[starts].tolist())
        for key in lanes:
            if len(lanes) == 1:
                piece = (Runs.of(pos), var)
            else:
                mine = keys == key  # one thread's accesses: already in time order
                piece = (Runs.of(pos[mine]), None if var is None else var[mine])
            queue = self._pending.get(key)
            if queue is None:
                queue = self._pending[key] = _LaneQueue()
            queue.push(piece)
            last = int(self._t_of(piece[0][-1:].positions())[0])
            self._seen_t[key] = max(self._seen_t.get(key, 0), last)

    def drop_pending(self) -> None:
        """Forget the accesses not settled yet (4 B each): the end's trace is being built
        from the verdict's arrays (gui.trace_view), so they would never be drawn; replayed()
        gives them back if that build fails."""
        self._pending = {}

    def replayed(self) -> "TraceData":
        """A new trace given again every event this one was given (to settle from the
        start): what is left when the end's trace could not be built after drop_pending."""
        fresh = TraceData(self.t0_ns)
        fresh._exited = set(self._exited)
        if self._events is not None and self._seen_end:
            fresh.add(self._events[:self._seen_end])
        return fresh

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
            nth = self._pending[key].nth_time(per_lane, self._t_of)
            if nth is not None and (cut is None or nth < cut):
                cut = nth
        parts = [(key, self._pending[key].take_until(cut, self._t_of)) for key in lanes]
        parts = [(key, pieces) for key, pieces in parts if pieces]
        if not parts:
            return 0
        if self._var_keys is None:
            self._choose_variable(parts, strings)
        chosen, sizes, firsts = [], [], []  # sizes: (part, accesses) per piece
        for part, (key, pieces) in enumerate(parts):
            for runs, var in pieces:
                pos = runs.positions(self._pos_type)
                if var is not None:  # queued before the choice: the other names go now
                    pos = pos[np.isin(var, self._var_keys)]
                if not len(pos):
                    continue
                if not firsts or firsts[-1][1] != part:  # a thread's pieces are in time order
                    firsts.append((int(self._t_of(pos[:1])[0]), part))
                chosen.append(pos)
                sizes.append((part, len(pos)))
        if not sizes:
            return 0
        # Rows in order of each thread's first access (what a reader of the plot expects):
        # by time, ties to the earlier part, as the stable sort below orders them.
        for _, part in sorted(firsts):
            self.rows.setdefault(parts[part][0], len(self.rows))
        pos = np.concatenate(chosen)
        row = np.concatenate([np.full(n, self.rows[parts[part][0]], np.uint16) for part, n in sizes])
        t = self._t_of(pos)
        if len(firsts) > 1:  # two threads or more: merged in time order
            order = np.argsort(t, kind="stable")  # runs of sorted times: a merge, not a full sort
            t, pos, row = t[order], pos[order], row[order]
        if len(self) and t[0] < self.t.view()[-1]:  # a thread we had not seen yet
            return self._rebuild(pos)
        del t
        self._append(pos, row, self._is_write_of(pos))
        return len(pos)

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

    def _append(self, pos, row, is_write) -> None:
        """Settled accesses at pos (their rows and which are writes: the lost updates' input)."""
        if self._own is None and self._events is not None and not self._reserved:
            # As many positions as the store has room for events, reserved once (address
            # space: only what is written is memory): the columns never copy themselves to
            # grow (a copy held the old and the new column at once, 6 B an access more).
            for column in (self.pos, self.write_pos):
                column.reserve(len(self._events))
            self._reserved = True
        self.pos.extend(pos)
        self.write_pos.extend(pos[is_write])
        self._summarise_blocks()
        if len(self.lost.feed(row, is_write)[0]):
            self._intervals = None

    def _summarise_blocks(self) -> None:
        """min / max of the full VALUE_BLOCKs of writes not summarised yet (values gathered
        512 blocks at a time)."""
        done = self.block_min.n * VALUE_BLOCK  # writes already summarised in full blocks
        full = (self.write_pos.n - done) // VALUE_BLOCK
        values = self.write_value.view()
        for b in range(0, full, 512):  # 128k values (and their positions as intp): ~2 MB
            k = min(full - b, 512)
            blocks = values[done + b * VALUE_BLOCK:done + (b + k) * VALUE_BLOCK].reshape(k, VALUE_BLOCK)
            self.block_min.extend(blocks.min(axis=1))
            self.block_max.extend(blocks.max(axis=1))

    def value_range(self):
        """(least, greatest) value written so far, or None: from the blocks' min / max and
        the writes after the last full block, never a read of every write."""
        if not self.write_pos.n:
            return None
        tail = np.asarray(self.write_value.view()[self.block_min.n * VALUE_BLOCK:])
        lows = [self.block_min.view().min()] if self.block_min.n else []
        highs = [self.block_max.view().max()] if self.block_max.n else []
        lows += [tail.min()] if len(tail) else []
        highs += [tail.max()] if len(tail) else []
        return int(min(lows)), int(max(highs))

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
            keys.extend([r, w])
            # The other thread's last write before w: looked for backwards from w, a block
            # at a time (each twice the last), not over the whole window (row and is_write
            # are read from the records; a window can be a third of the run).
            mine, hi, block = row[w], w, 256
            while hi > r + 1:
                lo = max(r + 1, hi - block)
                others = np.flatnonzero(is_write[lo:hi] & (row[lo:hi] != mine))
                if len(others):
                    keys.append(lo + int(others[-1]))
                    break
                hi, block = lo, block * 2
        return np.unique(np.array(keys, np.int64))

    def _rebuild(self, pos) -> int:
        """Start over with everything in time order (a late thread's first accesses)."""
        merged = np.concatenate([np.asarray(self.pos.view()), pos])
        merged = merged[np.argsort(self._t_of(merged), kind="stable")]
        self._clear_settled()
        self._append(merged, self._row_of(merged), self._is_write_of(merged))
        return len(pos)


def final_trace(view, var: str, rows: dict, t0_ns: int) -> TraceData:
    """The whole run's trace of var at once, from the verdict's own arrays: what a TraceData
    fed every access would hold, built without one.  [no Qt: runs off the GUI thread]

    view: the run's engine.analysis.RunView (its lost updates are the verdict's); rows: the
    threads already shown (lane key -> row), kept where they are.  The positions are the
    verdict's own index (RunView.accesses: shared, not copied); only the writes' positions
    (4 B a write) are made here, from the verdict's is_write."""
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
    accesses = view.accesses(var)
    data._events, data._fields = accesses.events, {}
    pos = accesses.index
    data._pos_type = pos.dtype
    lost = view.lost_updates(var)
    data.pos = Column.of(pos)
    data.write_pos = Column.of(pos[is_write])
    data._summarise_blocks()
    data.lost.write, data.lost.read = Column.of(lost["write"]), Column.of(lost["read"])
    data.lost.n, data.lost.writes = n, data.write_pos.n
    return data
