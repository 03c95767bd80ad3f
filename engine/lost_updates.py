"""Lost updates: writes computed from a stale read, and the writes they overwrote.  [numpy]

One variable's reads and writes, in time order, come in *runs*: a thread's time slice
holds thousands of its accesses before another thread's run starts.  Inside a run only
one lane accesses the variable, so every per-lane question is answered from a few passes
over all accesses (no sort of them) and a sort of the runs alone:

- a running maximum over 2i+1 at reads and 2s at a run's start s says, at every
  access, the latest read of its run so far (odd) or, when its run has read nothing
  yet, where its run started (even);
- a lane's latest read before a run comes from the runs grouped by lane (a sort of
  the runs, never of the accesses).

The result is the same arrays the previous implementation (every access grouped by
lane with a stable sort) gave: tests/engine/test_lost_updates.py compares them on
random interleavings and on real runs.  8M accesses in race-like runs: 0.2 s of CPU where
the sort took 0.8 s (measured side by side on a loaded 2-core machine).
"""
import sys

import numpy as np

from .wire import K

_EMPTY = np.zeros(0, np.int64)


CHUNK = 1 << 16  # accesses gathered or tested at a time where only a summary of them is
                 # kept: 512 KiB temporaries, whatever the run's size.  (Chunks of 1M
                 # once fragmented glibc's heap, the window kept ~60 MB more after the next
                 # run: engine/allocator.py now maps every block of 1 MiB or more on its own.)


def access_columns(events: np.ndarray, idx: np.ndarray = None, kind: np.ndarray = None) -> tuple:
    """(is_write, starts, run_lanes) of events[idx] (all events if idx is None): what
    lost_updates_of reads.  starts: where each run of one lane's accesses begins;
    run_lanes: each run's lane key (engine.analysis.lane_keys: pid << 32 | worker).  kind: events["kind"] as a contiguous
    copy, if the caller has one (a gather from it beats one from the 32-byte records).

    The lanes are compared a chunk at a time and only the runs are kept: a lane id per
    access (8 B each) is never held whole."""
    if idx is None:
        idx = np.arange(len(events))
    kinds = events["kind"] if kind is None else kind
    is_write = np.empty(len(idx), bool)
    for lo in range(0, len(idx), CHUNK):  # a chunk at a time: no 2-byte kind per access held
        np.equal(kinds[idx[lo:lo + CHUNK]], K.VAR_WRITE, out=is_write[lo:lo + CHUNK])
    if (sys.byteorder == "little" and events.dtype.itemsize == 32 and events.flags.c_contiguous
            and events.dtype.fields["pid"][1] == 8 and events.dtype.fields["worker"][1] == 12):
        word = events.view(np.uint64).reshape(len(events), 4)[:, 1]  # pid low, worker high
        lane_of = word.__getitem__

        def as_keys(words):  # engine.analysis.lane_keys: pid high, worker low
            return (words << np.uint64(32)) | (words >> np.uint64(32))
    else:
        def lane_of(at):
            return ((events["pid"][at].astype(np.uint64) << np.uint64(32))
                    | events["worker"][at].astype(np.uint64))

        def as_keys(keys):
            return keys
    n = len(idx)
    if not n:
        return is_write, _EMPTY, np.zeros(0, np.uint64)
    starts = [np.zeros(1, np.int64)]
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK + 1)  # one more: the next chunk's first access is compared too
        lane = lane_of(idx[lo:hi])
        changed = np.flatnonzero(lane[1:] != lane[:-1])
        changed += lo + 1
        starts.append(changed)
    starts = np.concatenate(starts)
    return is_write, starts, as_keys(lane_of(idx[starts]))


def _count_before(is_write: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Writes among is_write[:p] for each p of at, a chunk at a time (no n-sized count kept)."""
    out = np.zeros(len(at), np.int64)
    order = np.argsort(at, kind="stable")
    ordered = at[order]
    # int32 counts when they fit: the cumsum writes half the bytes (it is most of the cost)
    counts = np.zeros(min(CHUNK, len(is_write)) + 1,
                      np.int32 if len(is_write) < 2 ** 31 else np.int64)
    done = 0
    for lo in range(0, len(is_write) + 1, CHUNK):
        chunk = is_write[lo:lo + CHUNK]
        i0, i1 = np.searchsorted(ordered, [lo, lo + CHUNK])
        if i1 > i0:
            np.cumsum(chunk, out=counts[1:len(chunk) + 1])
            out[order[i0:i1]] = done + counts[ordered[i0:i1] - lo]
        done += int(np.count_nonzero(chunk))
    return out


def _previous_read_of_lane(run_lane: np.ndarray, run_last_read: np.ndarray, n: int) -> np.ndarray:
    """Per run: its lane's latest read in the runs before it (-1: none).  A sort of the runs."""
    order = np.argsort(run_lane, kind="stable")
    lane = run_lane[order]
    first = np.ones(len(lane), bool)
    first[1:] = lane[1:] != lane[:-1]
    # A running maximum that starts again at each lane: lane g's values lifted by g * (n + 1)
    # sit above every value of the lanes before it, -1 ("no read") included.
    lift = (np.cumsum(first) - 1).astype(np.int64) * (n + 1)
    latest = np.maximum.accumulate(run_last_read[order] + lift) - lift
    before = np.empty(len(lane), np.int64)
    before[0] = -1
    before[1:] = latest[:-1]
    before[first] = -1
    out = np.empty(len(lane), np.int64)
    out[order] = before
    return out


def lost_updates(acc: np.ndarray) -> dict:
    """lost_updates_of one variable's reads and writes (event records in time order, or
    engine.analysis.EventRows: an index into them)."""
    if hasattr(acc, "index") and hasattr(acc, "events"):
        return lost_updates_of(*access_columns(acc.events, acc.index))
    return lost_updates_of(*access_columns(acc))


class LostUpdates(dict):
    """lost_updates_of's answer: ``write``, ``read`` and ``count`` at once, ``lost`` when first
    asked (then kept).

    The verdicts read the count, the trace the writes and reads; only the story of a
    stepped run reads ``lost`` (engine/interleaving.py).  In a long race the overwritten
    writes are half of all accesses: 55 % of this analysis's time and an int64 each (8 B an
    access, 2-4 B an event) for an answer nobody asked for.  The columns it is made from
    are kept (the view caches them anyway: RunView.access_runs), never the 4-byte running
    maximum: that is made again when ``lost`` is asked."""

    def __init__(self, write, read, columns) -> None:
        super().__init__(write=write, read=read, count=int(len(write)))
        self._columns = columns  # (is_write, starts, run_lanes), or None: lost is in already

    def __missing__(self, key):
        if key != "lost" or self._columns is None:
            raise KeyError(key)
        self._add_lost()
        return dict.__getitem__(self, key)

    def _add_lost(self) -> None:
        if self._columns is not None:
            is_write, starts, run_lanes = self._columns
            self._columns = None
            mark, previous_read = _marks(is_write, starts, run_lanes)
            self["lost"] = _overwritten(is_write, mark, starts, previous_read,
                                        self["write"], self["read"])

    # Every other way of reading the dict sees "lost" too.
    def __contains__(self, key) -> bool:
        return key == "lost" or dict.__contains__(self, key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        self._add_lost()
        return dict.keys(self)

    def items(self):
        self._add_lost()
        return dict.items(self)

    def values(self):
        self._add_lost()
        return dict.values(self)

    def __iter__(self):
        self._add_lost()
        return dict.__iter__(self)

    def __len__(self) -> int:  # "lost" counts before it is made
        return dict.__len__(self) + (self._columns is not None)

    def __eq__(self, other) -> bool:
        self._add_lost()
        return dict.__eq__(self, other)

    __hash__ = None


def _marks(is_write: np.ndarray, starts: np.ndarray, run_lanes: np.ndarray, keep: bool = True,
           visit=None) -> tuple:
    """(mark, previous_read): at each access the latest read of its run so far as 2i+1, else
    its run's start s as 2s (mark, int32 where it fits); per run, its lane's latest read in
    the runs before it (-1: none).

    mark is 2i+1 at a read i, 2s at a run start s that is a write, -1 elsewhere, then its
    running maximum.  Made a chunk at a time, each chunk finished while it is in the cache
    (numbered, writes marked, run starts set, running maximum, carried over): one pass
    over memory where four whole-column passes were, and np.putmask where a boolean
    assignment took 2-3 times as long.  visit(lo, part) sees each chunk's marks; keep
    False: they are not kept (mark is None), so a caller that needs only what it visits
    holds one chunk of them, not 4 B an access."""
    n = len(is_write)
    pos = np.int32 if 2 * n + 1 < 2 ** 31 else np.int64
    mark = np.empty(n if keep else min(n, CHUNK), pos)
    write_starts = starts[is_write[starts]]
    ends = np.empty(len(starts), np.int64)
    ends[:-1] = starts[1:] - 1
    ends[-1] = n - 1
    at_end = np.empty(len(starts), np.int64)
    odd = np.arange(1, 2 * min(n, CHUNK) + 1, 2, dtype=pos)  # 2i+1 of a chunk's i, from 0
    carry = -1
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        part = mark[lo:hi] if keep else mark[:hi - lo]
        np.add(odd[:hi - lo], 2 * lo, out=part)
        np.putmask(part, is_write[lo:hi], -1)
        s0, s1 = np.searchsorted(write_starts, [lo, hi])
        at = write_starts[s0:s1]
        part[at - lo] = 2 * at
        np.maximum.accumulate(part, out=part)
        if carry > part[0]:  # the running maximum goes on from the chunk before
            np.maximum(part, carry, out=part)
        carry = int(part[-1])
        e0, e1 = np.searchsorted(ends, [lo, hi])
        at_end[e0:e1] = part[ends[e0:e1] - lo]
        if visit is not None:
            visit(lo, part)
    run_last_read = np.where(at_end & 1, at_end >> 1, -1)
    return (mark if keep else None), _previous_read_of_lane(run_lanes, run_last_read, n)


def lost_updates_of(is_write: np.ndarray, starts: np.ndarray, run_lanes: np.ndarray) -> dict:
    """Writes computed from a stale read: another write came between the read and the write.

    One variable's reads and writes in time order: is_write per access, and where its
    runs of one lane start and their lanes (access_columns).  Returns index arrays into the
    accesses (a LostUpdates): ``write`` (each write whose lane's last read came before some
    other write: a lost update, ascending), ``read`` (the stale read it came from),
    ``lost`` (the other lanes' writes strictly between such a read and write: overwritten
    unseen, ascending; made when first asked) and ``count`` = len(write).  O(n) passes
    plus sorts of the runs and of the lost updates' windows: never a sort of the accesses.
    The running-maximum column (_marks) is read a chunk at a time as it is made, never
    held whole (4 B an access: it was a third of the analysis's peak).
    """
    n = len(is_write)
    if n == 0:
        found = LostUpdates(_EMPTY, _EMPTY, None)
        found["lost"] = _EMPTY
        return found
    same, first = [_EMPTY], [_EMPTY]

    def visit(lo: int, part: np.ndarray) -> None:
        hi = lo + len(part)
        # A write after a read of its own run is stale only if a write (its own) came
        # between: everything between its run's latest read and it is a write of its own.
        after_write = is_write[lo:hi].copy()
        after_write[1:] &= is_write[lo:hi - 1]
        after_write[0] &= bool(lo) and bool(is_write[lo - 1])
        twice = np.flatnonzero(after_write)
        twice = twice[(part[twice] & 1).astype(bool)]
        same.append(np.stack([twice + lo, part[twice] >> 1]).astype(np.int64))
        # A write before any read of its run (only writes are even): its lane's read is in
        # an earlier run, and other lanes' runs came between; stale when one of them (or
        # its own) wrote.  Kept with the run start its mark names.
        even = np.flatnonzero((part & 1) == 0)
        first.append(np.stack([even + lo, part[even] >> 1]).astype(np.int64))

    _, previous_read = _marks(is_write, starts, run_lanes, keep=False, visit=visit)
    same = np.concatenate([p.reshape(2, -1) for p in same], axis=1)
    first = np.concatenate([p.reshape(2, -1) for p in first], axis=1)
    w_same, r_same = same[0], same[1]
    first_writes = first[0]
    run = np.searchsorted(starts, first[1])  # the run that starts there
    r_first = previous_read[run]
    has_read = r_first >= 0
    w_first, r_first = first_writes[has_read], r_first[has_read]
    if len(w_first):
        # writes strictly between: those before w, less those up to and including r
        # one pass of counting for both ends (each pass is a cumsum over every access)
        counts = _count_before(is_write, np.concatenate([w_first, r_first + 1]))
        stale = counts[:len(w_first)] - counts[len(w_first):] > 0
        del counts
        w_first, r_first = w_first[stale], r_first[stale]
    write = np.concatenate([w_same, w_first]).astype(np.int64)
    read = np.concatenate([r_same, r_first]).astype(np.int64)
    order = np.argsort(write, kind="stable")
    return LostUpdates(write[order], read[order], (is_write, starts, run_lanes))


def _overwritten(is_write, mark, starts, previous_read, write, read) -> np.ndarray:
    """Writes strictly inside a stale (read, write) window of another lane, ascending.

    The union of the windows (few, each possibly long) lists the candidates; a candidate
    lies in windows of its own lane only when its own last read is such a window's read,
    so only those are counted window by window."""
    if not len(write):
        return _EMPTY
    lo, hi = read + 1, write  # the window's accesses: [lo, hi)
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi)
    new = np.ones(len(lo), bool)
    new[1:] = lo[1:] >= reach[:-1]
    u_lo = lo[new]
    u_hi = reach[np.r_[np.flatnonzero(new)[1:] - 1, len(lo) - 1]]
    lengths = np.maximum(u_hi - u_lo, 0)
    total = int(lengths.sum())
    if not total:
        return _EMPTY
    # The candidates a chunk of the union at a time (positions, masks and reads of a
    # chunk: a few MB), never an 8-byte position per access of the whole union: in a
    # long race the windows cover a third of the run.
    ends = np.cumsum(lengths)
    stride = np.int64(len(is_write) + 1)
    own_windows = np.sort(read * stride + write)  # its lane's windows are those of its read
    sorted_read, sorted_write = np.sort(read), np.sort(write)
    # Parts kept as int32 where positions fit: joined into the int64 result, the parts
    # and the result together are 12 B a lost write at the join, not 16.
    part_type = np.int32 if len(is_write) < 2 ** 31 else np.int64
    kept = []
    begins = ends - lengths  # each interval's first place in the union's numbering
    for c in range(0, total, CHUNK):
        c1 = min(total, c + CHUNK)
        # the intervals this chunk of the union's numbering [c, c1) overlaps, clipped to it
        i0, i1 = np.searchsorted(ends, [c, c1 - 1], "right")
        first = np.maximum(begins[i0:i1 + 1], c)
        pieces = np.minimum(ends[i0:i1 + 1], c1) - first
        k = np.repeat(u_lo[i0:i1 + 1] + (first - begins[i0:i1 + 1]) - (np.cumsum(pieces) - pieces),
                      pieces)
        k += np.arange(c1 - c, dtype=np.int64)  # now the accesses themselves, ascending
        candidates = k[is_write[k]]
        del k
        if len(candidates):
            kept.append(_not_own_only(candidates, mark, starts, previous_read, own_windows,
                                      sorted_read, sorted_write, stride).astype(part_type))
    out = np.empty(sum(len(part) for part in kept), np.int64)
    return np.concatenate(kept, out=out) if kept else out


def _not_own_only(candidates, mark, starts, previous_read, own_windows, sorted_read,
                  sorted_write, stride) -> np.ndarray:
    """The candidates (writes inside some stale window) that lie in a window of another
    lane: those whose own last read opens no such window, and the others counted."""
    # Each candidate's own last read: in its run (odd mark) or its lane's before the run.
    m = mark[candidates].astype(np.int64)
    own_read = np.where(m & 1, m >> 1, -1)
    even = np.flatnonzero((m & 1) == 0)
    if len(even):
        own_read[even] = previous_read[np.searchsorted(starts, m[even] >> 1)]
    del m, even
    # Is it a stale read?  Looked up among the stale reads (as many as lost updates), not
    # in a mask over every access (1 B an access).
    at = np.minimum(np.searchsorted(sorted_read, own_read), len(sorted_read) - 1)
    suspect = np.flatnonzero((own_read >= 0) & (sorted_read[at] == own_read))
    del at
    if not len(suspect):
        return candidates
    p, r_p = candidates[suspect], own_read[suspect]
    own = (np.searchsorted(own_windows, r_p * stride + stride - 1, "right")
           - np.searchsorted(own_windows, r_p * stride + p, "right"))
    every = (np.searchsorted(sorted_read, p, "left")
             - np.searchsorted(sorted_write, p, "right"))
    keep = np.ones(len(candidates), bool)
    keep[suspect] = every - own > 0
    return candidates[keep]
