"""The previous engine.analysis.lost_updates (grouping every access by lane with a sort),
kept as a reference: the run-based rewrite must give the same arrays on any input."""
import numpy as np

from engine.analysis import lane_keys
from engine.wire import K


def _lane_codes(acc: np.ndarray) -> np.ndarray:
    """A small integer per access naming its lane (0..lanes-1, in key order).

    The distinct lanes are found among the keys where the lane changes (accesses come in
    runs of one thread's frame), so the n-sized work is one search, not a sort of n keys;
    the codes are 16-bit where they fit, which numpy's stable argsort sorts by radix, O(n)."""
    pid, worker = acc["pid"], acc["worker"]
    if len(acc) and pid.min() == pid.max():  # one process's threads (race): the worker id
        low, high = int(worker.min()), int(worker.max())
        if high - low < 2 ** 15:
            return (worker - np.uint32(low)).astype(np.int16)
    keys = lane_keys(acc)
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    lanes = np.unique(np.concatenate([keys[:1], keys[change]]))
    code = np.searchsorted(lanes, keys)
    return code.astype(np.int16 if len(lanes) < 2 ** 15 else np.int32)


def reference_lost_updates(acc: np.ndarray) -> dict:
    """Writes computed from a stale read: another lane wrote between the read and the write.

    acc: one variable's reads and writes in time order.  Returns index arrays
    into acc: ``write`` (each write computed from a stale read: a lost update),
    ``read`` (the stale read it came from), ``lost`` (the other lanes' writes it
    overwrote unseen), and ``count`` = len(write).  O(n log n) whatever the number of
    lanes: every per-lane question is asked of the accesses grouped by lane (one
    stable radix sort of 16-bit lane codes), never with a pass over all accesses per
    lane.  Positions are 32-bit (a variable's accesses: < 2**31), which halves the
    memory the n-sized temporaries touch.
    """
    n = len(acc)
    empty = np.zeros(0, np.int64)
    if n == 0:
        return {"write": empty, "read": empty, "lost": empty, "count": 0}
    pos_type = np.int32 if n < 2 ** 31 - 1 else np.int64
    is_write = acc["kind"] == K.VAR_WRITE
    code = _lane_codes(acc)
    by_lane = np.argsort(code, kind="stable")  # grouped, time order kept
    if pos_type is np.int32:
        by_lane = by_lane.astype(np.int32)
    lane_sorted = code[by_lane]  # 32-bit indices: fancy indexing (np.take would convert them)
    group_start = np.ones(n, bool)
    group_start[1:] = lane_sorted[1:] != lane_sorted[:-1]
    del lane_sorted
    positions = np.arange(n, dtype=pos_type)
    first_of_group = np.maximum.accumulate(np.where(group_start, positions, 0))
    del group_start
    # Per access: this lane's latest read so far (a position in the grouped order).
    latest = np.maximum.accumulate(np.where(is_write[by_lane], pos_type(-1), positions))
    latest[latest < first_of_group] = -1  # a read of another lane is not ours
    del first_of_group
    last_read = np.empty(n, pos_type)
    last_read[by_lane] = np.where(latest >= 0, by_lane[np.maximum(latest, 0)], -1)
    del latest
    w = np.flatnonzero(is_write & (last_read >= 0))
    r = np.take(last_read, w).astype(np.int64)
    del last_read
    writes_cum = np.cumsum(is_write, dtype=pos_type)  # writes up to and including i
    between = np.take(writes_cum, w - 1) - np.take(writes_cum, r)  # writes strictly between
    del writes_cum
    bad = between > 0
    w_bad, r_bad = w[bad], r[bad]
    del w, r, between
    # The overwritten writes: other lanes' writes strictly inside a stale (read, write)
    # window.  Windows covering each position (a difference array over the few windows,
    # one cumulative sum); then, for the covered writes only, the windows of their own
    # lane covering them, by binary search on keys lane * (n + 1) + position:
    # #(read < p) - #(write <= p).  Lost where some other lane's window covers p.
    diff = np.zeros(n + 1, pos_type)
    np.add.at(diff, r_bad + 1, 1)
    np.add.at(diff, w_bad, -1)
    covered = np.flatnonzero(is_write & (np.cumsum(diff[:n], dtype=pos_type) > 0))
    del diff
    if len(covered):
        stride = np.int64(n + 1)
        window_lane = code[w_bad].astype(np.int64) * stride
        at = code[covered].astype(np.int64) * stride + covered
        cover_own = (np.searchsorted(np.sort(window_lane + r_bad), at, "left")
                     - np.searchsorted(np.sort(window_lane + w_bad), at, "right"))
        cover_all = (np.searchsorted(np.sort(r_bad), covered, "left")
                     - np.searchsorted(np.sort(w_bad), covered, "right"))
        covered = covered[cover_all - cover_own > 0]
    return {"write": w_bad, "read": r_bad, "lost": covered.astype(np.int64),
            "count": int(bad.sum())}
