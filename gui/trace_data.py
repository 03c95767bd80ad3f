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
from engine.decode import EVENT_DTYPE
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


class LostUpdateTracker:
    """engine.analysis.lost_updates, fed in time-ordered batches."""

    def __init__(self) -> None:
        self.n = 0               # accesses seen
        self.writes = 0          # writes seen
        self.last_read = {}      # lane key -> (global index of its last read, writes up to it)
        self.write = Column(np.int64)  # index of each lost write
        self.read = Column(np.int64)   # index of the stale read it was computed from

    def feed(self, keys: np.ndarray, is_write: np.ndarray) -> tuple:
        """One batch (after all earlier ones, in time order); returns its new (writes, reads)."""
        base, n = self.n, len(keys)
        wcum = self.writes + np.cumsum(is_write)  # writes up to and including each access
        idx = np.arange(n)
        new_w, new_r = [], []
        for key in np.unique(keys).tolist():
            mine = keys == key
            reads = np.where(mine & ~is_write, idx, -1)
            last = np.maximum.accumulate(reads)  # this lane's latest read so far in the batch
            w = idx[mine & is_write]
            r_local = last[w]
            carried = self.last_read.get(key)
            r_global = np.where(r_local >= 0, base + r_local, carried[0] if carried else -1)
            wc_at_r = np.where(r_local >= 0, wcum[np.maximum(r_local, 0)], carried[1] if carried else 0)
            has_read = r_global >= 0
            stale = has_read & (wcum[w] - 1 - wc_at_r > 0)  # writes strictly between read and write
            new_w.append(base + w[stale])
            new_r.append(r_global[stale])
            if reads.max() >= 0:
                i = int(reads.max())
                self.last_read[key] = (base + i, int(wcum[i]))
        self.n += n
        self.writes = int(wcum[-1]) if n else self.writes
        w = np.concatenate(new_w) if new_w else np.zeros(0, np.int64)
        order = np.argsort(w, kind="stable")
        w, r = w[order], (np.concatenate(new_r) if new_r else np.zeros(0, np.int64))[order]
        self.write.extend(w)
        self.read.extend(r)
        return w, r


MAX_SETTLE = 150_000  # accesses settled per call: bounds the GUI thread's work per tick


class TraceData:
    """One variable's accesses, settled in time order, with rows, values and lost updates."""

    def __init__(self, t0_ns: int = 0) -> None:
        self.t0_ns = t0_ns
        self.var = ""
        self._var_keys = None     # (pid << 32 | string id) of the chosen variable's name
        self._pending = {}        # lane key -> deque of its access chunks not settled yet
        self._seen_t = {}         # lane key -> latest access time seen
        self._exited = set()      # lane keys whose worker exited: they hold nothing back
        self.rows = {}            # lane key -> row, in order of first access
        self._clear_settled()

    def _clear_settled(self) -> None:
        self.t = Column(np.int64)         # ns, the recorder's clock
        self.row = Column(np.float64)
        self.is_write = Column(np.bool_)
        self.value = Column(np.int64)
        self.lane = Column(np.uint64)
        self.write_t = Column(np.int64)   # the writes alone, for the value-over-time curve
        self.write_value = Column(np.int64)
        self.lost = LostUpdateTracker()
        self._intervals = None  # lane key -> (stale reads, lost writes): built when asked

    def __len__(self) -> int:
        return self.t.n

    def seconds(self, start: int = 0, stop: int = None) -> np.ndarray:
        """Times of accesses [start, stop) in seconds since t0 (what the plots draw)."""
        return (self.t.view()[start:stop] - self.t0_ns) / 1e9

    def add(self, chunk: np.ndarray) -> None:
        """New events (any kinds); keeps the accesses, per thread, and the worker exits."""
        kinds = chunk["kind"]
        for key in lane_keys(chunk[kinds == K.WORKER_EXIT]).tolist():
            self._exited.add(key)
        acc = chunk[(kinds == K.VAR_READ) | (kinds == K.VAR_WRITE)]
        if not len(acc):
            return
        keys = lane_keys(acc)
        for key in np.unique(keys).tolist():
            mine = acc[keys == key]  # one thread's accesses: already in time order
            self._pending.setdefault(key, collections.deque()).append(mine)
            self._seen_t[key] = max(self._seen_t.get(key, 0), int(mine["t"][-1]))

    @property
    def pending(self) -> int:
        """Accesses received but not in the trace yet."""
        return sum(len(c) for chunks in self._pending.values() for c in chunks)

    def settle(self, strings: dict, everything: bool = False, limit: int = MAX_SETTLE) -> int:
        """Move at most about limit accesses nobody can precede any more into the trace.

        Returns how many moved.  everything: the run is over and nothing more will
        come (call again while ``pending``).  The work is proportional to what moves,
        never to what waits: each thread's pending accesses are a queue in time order.
        """
        lanes = [key for key, chunks in self._pending.items() if chunks]
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
            nth = _nth_time(self._pending[key], per_lane)
            if nth is not None and (cut is None or nth < cut):
                cut = nth
        parts = [_take_until(self._pending[key], cut) for key in lanes]
        batch = np.concatenate([p for p in parts if len(p)] or [np.zeros(0, EVENT_DTYPE)])
        if not len(batch):
            return 0
        if self._var_keys is None:
            self._choose_variable(batch, strings)
        keys = (batch["pid"].astype(np.int64) << 32) | batch["b"].astype(np.int64)
        batch = batch[np.isin(keys, self._var_keys)]
        batch = batch[np.argsort(batch["t"], kind="stable")]
        if not len(batch):
            return 0
        if len(self) and batch["t"][0] < self.t.view()[-1]:  # a thread we had not seen yet
            return self._rebuild(batch)
        self._append(batch)
        return len(batch)

    def _choose_variable(self, pending: np.ndarray, strings: dict) -> None:
        """The most accessed variable name so far; every process's string ids for it."""
        keys = (pending["pid"].astype(np.int64) << 32) | pending["b"].astype(np.int64)
        uniq, counts = np.unique(keys, return_counts=True)
        names = [strings.get((k >> 32, k & 0xFFFFFFFF), "?") for k in uniq.tolist()]
        totals = {}
        for name, count in zip(names, counts.tolist()):
            totals[name] = totals.get(name, 0) + count
        self.var = max(totals, key=totals.get)
        ids = [(p << 32) | s for (p, s), text in strings.items() if text == self.var]
        self._var_keys = np.array(sorted(set(ids) | {k for k, n in zip(uniq.tolist(), names)
                                                     if n == self.var}), np.int64)

    def _append(self, batch: np.ndarray) -> None:
        keys = lane_keys(batch)
        for key in keys[np.sort(np.unique(keys, return_index=True)[1])].tolist():
            self.rows.setdefault(key, len(self.rows))
        uniq, inverse = np.unique(keys, return_inverse=True)
        is_write = batch["kind"] == K.VAR_WRITE
        self.t.extend(batch["t"])
        self.row.extend(np.array([self.rows[k] for k in uniq.tolist()], float)[inverse])
        self.is_write.extend(is_write)
        self.value.extend(batch["a"])
        self.lane.extend(keys)
        self.write_t.extend(batch["t"][is_write])
        self.write_value.extend(batch["a"][is_write])
        if len(self.lost.feed(keys, is_write)[0]):
            self._intervals = None

    def overwritten(self, idx: np.ndarray) -> np.ndarray:
        """Which of the accesses idx are writes a lost update overwrote (another thread's write
        between the lost write and its stale read), as a mask.

        Kept as intervals, not a list: one lost update can overwrite thousands of writes.
        """
        if self._intervals is None:
            w, r = self.lost.write.view(), self.lost.read.view()
            lanes = self.lane.view()[w]
            self._intervals = {}
            for key in np.unique(lanes).tolist():
                mine = lanes == key  # one thread's stale reads never overlap: sorted by read
                order = np.argsort(r[mine], kind="stable")
                self._intervals[key] = (r[mine][order], w[mine][order])
        idx = np.asarray(idx, np.int64)
        hit = np.zeros(len(idx), bool)
        if not len(idx):
            return hit
        lane = self.lane.view()[idx]
        candidates = self.is_write.view()[idx]
        for key, (reads, writes) in self._intervals.items():
            k = np.searchsorted(reads, idx, side="right") - 1  # the last stale read before idx
            inside = (k >= 0) & (idx < writes[np.maximum(k, 0)])
            hit |= candidates & inside & (lane != key)
        return hit

    def lost_story(self, i0: int, i1: int, most: int) -> np.ndarray:
        """The accesses that tell each lost update in [i0, i1) in values: the stale read, the
        other thread's last write it overwrote, the lost write.  Empty past `most` updates."""
        lost_w, lost_r = self.lost.write.view(), self.lost.read.view()
        k0, k1 = np.searchsorted(lost_w, [i0, i1])
        if k1 - k0 > most:
            return np.zeros(0, np.int64)
        lane, is_write = self.lane.view(), self.is_write.view()
        keys = []
        for w, r in zip(lost_w[k0:k1].tolist(), lost_r[k0:k1].tolist()):
            others = np.flatnonzero(is_write[r + 1:w] & (lane[r + 1:w] != lane[w]))
            keys.extend([r, w] + ([r + 1 + int(others[-1])] if len(others) else []))
        return np.unique(np.array(keys, np.int64))

    def _rebuild(self, batch: np.ndarray) -> int:
        """Start over with everything in time order (a late thread's first accesses)."""
        old = np.zeros(len(self), batch.dtype)
        old["t"] = self.t.view()
        keys = self.lane.view()
        old["pid"] = (keys >> np.uint64(32)).astype(np.uint32)
        old["worker"] = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        old["kind"] = np.where(self.is_write.view(), K.VAR_WRITE, K.VAR_READ)
        old["a"] = self.value.view()
        merged = np.concatenate([old, batch])
        self._clear_settled()
        self._append(merged[np.argsort(merged["t"], kind="stable")])
        return len(batch)


def _nth_time(chunks, n: int):
    """Time of the n-th queued access (1-based), or None if fewer are queued."""
    for chunk in chunks:
        if n <= len(chunk):
            return int(chunk["t"][n - 1])
        n -= len(chunk)
    return None


def _take_until(chunks, cut) -> np.ndarray:
    """Pop the queued accesses at or before cut (all if cut is None), in order."""
    taken = []
    while chunks:
        chunk = chunks[0]
        if cut is None or chunk["t"][-1] <= cut:
            taken.append(chunks.popleft())
            continue
        n = int(np.searchsorted(chunk["t"], cut, side="right"))
        if n:
            taken.append(chunk[:n])
            chunks[0] = chunk[n:]
        break
    return np.concatenate(taken) if len(taken) > 1 else (taken[0] if taken else np.zeros(0, EVENT_DTYPE))
