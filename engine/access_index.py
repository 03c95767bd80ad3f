"""Where one variable's reads and writes are among a run's events, in time order.  [numpy]

What ``analysis.RunView.accesses`` holds: a 32-bit position per access (4 B).  Building it
whole-column at a time held a mask per event, a 64-bit position per access, its 32-bit
copy, and for a live run (arrival order) a 64-bit sort key beside them and the reordered
copy: 16 B an access above the records at the peak, a third of the CLI's (bench memory).
Here the events are read a chunk at a time and each access is written once:

- in time order already (a recording, a sorted run): its position, into the result;
- otherwise: one 64-bit key per access, time since the run's first event above its
  position (distinct keys: numpy's in-place sort of them is a stable sort by time), sorted
  in place, then its positions written over the front of that same buffer and the rest
  handed back (``ndarray.resize``: glibc shrinks the block in place).

Peak: 8 B an access for a live run, 4 B for one in order, plus one chunk.
"""
import numpy as np

from .wire import K

CHUNK = 1 << 16  # events read at a time: temporaries of 512 KiB at most, whatever the run's size
_ACCESS_KINDS = (K.VAR_READ, K.VAR_WRITE)


def _kind_mask(kind: np.ndarray) -> np.ndarray:
    hit = kind == _ACCESS_KINDS[0]
    hit |= kind == _ACCESS_KINDS[1]
    return hit


def _chunks_of_positions(events, kind, ids, named_at):
    """(start, positions of the variable's accesses in events[start:start + CHUNK]) per chunk."""
    for start in range(0, len(events), CHUNK):
        part = events[start:start + CHUNK]
        mask = _kind_mask(kind[start:start + CHUNK] if kind is not None else part["kind"])
        if len(ids) <= 4:  # a name has an id per process: a few comparisons beat a gather
            named = np.zeros(len(part), bool)
            for pid, sid in ids:
                named |= (part["pid"] == pid) & (part["b"] == sid)
            mask &= named
            del named
            found = np.flatnonzero(mask)
        else:
            found = np.flatnonzero(mask)
            if len(found):
                found = found[named_at(part, found)]
        if len(found):
            yield start, found


def access_positions(events: np.ndarray, kind, ids: list, named_at, capacity: int,
                     t_range=None) -> np.ndarray:
    """Positions in events of the accesses whose (pid, b) is one of ids, in time order
    (ties in position order: a stable sort by time).

    kind: events["kind"] as a contiguous copy, or None; named_at(part, positions): the
    name test for more than four ids; capacity: at least the number of accesses (the run's
    count of reads and writes); t_range: (first, last) time of the events if they are not
    in time order (None: they are).  int32 positions where they fit."""
    small = len(events) < 2 ** 31 - 1
    dtype = np.int32 if small else np.int64
    if not capacity or not len(events):
        return np.zeros(0, dtype)
    if t_range is None:
        return _in_order(events, kind, ids, named_at, capacity, dtype)
    first, last = t_range
    bits = max(1, int(len(events) - 1).bit_length())
    if (int(last) - int(first)).bit_length() + bits > 62:  # over ~years of ns: a plain argsort
        idx = _in_order(events, kind, ids, named_at, capacity, np.int64)
        order = np.argsort(events["t"][idx], kind="stable")
        return idx[order].astype(dtype)
    t = events["t"]
    key = np.empty(capacity, np.int64)
    filled = 0
    for start, found in _chunks_of_positions(events, kind, ids, named_at):
        found += start
        part = key[filled:filled + len(found)]
        part[:] = t[found]
        part -= first
        part <<= bits
        part |= found
        filled += len(found)
        del part  # no view of key may outlive the loop: key is resized below
    # The keys are distinct, so any sort is stable; a live run's arrive as sorted runs (a
    # thread's batch at a time), which timsort ("stable") merges: 8M keys of a 2-thread race
    # in 0.011 s where quicksort took 0.127 (32M: 0.10 against 0.58).  Its merge buffer is
    # at most half the keys (4 B an access), inside the analysis's peak (lost updates: ~14 B).
    key[:filled].sort(kind="stable")  # in place
    mask = (1 << bits) - 1
    if not small:
        key &= mask
        return _shrunk(key, filled, np.dtype(np.int64))
    for start in range(0, filled, CHUNK):
        end = min(filled, start + CHUNK)
        # the int32 positions go over the front of key: out[start:end] covers
        # key[start / 2:end / 2], keys already read
        key.view(np.int32)[start:end] = key[start:end] & mask
    return _shrunk(key, filled, np.dtype(np.int32))


def _in_order(events, kind, ids, named_at, capacity, dtype) -> np.ndarray:
    idx = np.empty(capacity, dtype)
    filled = 0
    for start, found in _chunks_of_positions(events, kind, ids, named_at):
        part = idx[filled:filled + len(found)]
        part[:] = found
        part += start
        filled += len(found)
        del part  # no view of idx may outlive the loop: idx is resized below
    return _shrunk(idx, filled, idx.dtype)


def _shrunk(buffer: np.ndarray, count: int, dtype: np.dtype) -> np.ndarray:
    """The first count values of type dtype in buffer's memory, the rest of it handed back
    (ndarray.resize: a realloc, which glibc does in place).  buffer must own its memory
    and have no other view."""
    items = max(1, -(-count * dtype.itemsize // buffer.itemsize))
    if items < len(buffer):
        try:
            buffer.resize(items, refcheck=False)
        except (ValueError, SystemError):  # numpy would not: a copy, then the buffer goes
            return buffer.view(dtype)[:count].copy()
    return buffer.view(dtype)[:count]
