"""Timeline data: worker states, state spans per lane, and the block index over them.  [numpy]

Why a timeline frame costs the same at 1k or 10M spans: let F_s(x) be the time
a lane spent in state s before x.  A pixel's weights are F(right edge) -
F(left edge), so a frame needs F at the W+1 pixel edges of each lane, never a
pass over the spans.  LaneIndex cuts each lane into blocks of BLOCK spans and
keeps, per block, its first t0 (searched) and F at its start; F(x) is that
prefix plus the clipped overlap of the block's few spans with (-inf, x).
Exact, O(log n + BLOCK) per edge, 27 bytes a span on top of the spans' 21 (45
if all ten states occur).  A cumulative array per state would cost 8 B x 10 =
80 B a span alone.
"""
from dataclasses import dataclass
import logging
import math

import numpy as np

from engine.wire import N_STATES, S, STATES  # the one table of worker states

log = logging.getLogger(__name__)

# Names and codes as the timeline's code uses them, all from engine/wire.py's table.
STATE_KEYS = tuple(name for _, name in sorted(STATES))
(RUNNING, GIL_WAIT, LOCK_WAIT, QUEUE_WAIT, JOIN_WAIT, IO_WAIT, SLEEPING, IDLE,
 DONE, PREEMPTED, GATE_WAIT, PREEMPTED_GIL) = (
    S.RUNNING, S.GIL_WAIT, S.LOCK_WAIT, S.QUEUE_WAIT, S.JOIN_WAIT, S.IO_WAIT, S.SLEEPING,
    S.IDLE, S.DONE, S.PREEMPTED, S.GATE_WAIT, S.PREEMPTED_GIL)

BLOCK = 4  # spans per block: ~10 % faster a frame than 8, 30 % than 16; 48 B/span (8: 44)
CHUNK_EDGES = 4096  # pixel edges computed at once (lanes x edges), sized for L2
# Live growth: a buffer over 60 % full is moved to a larger one ahead of need, at most
# ~16 MB copied a splice (~8 ms); smaller buffers grow when full (cheap anyway).
GROW_AHEAD_FILL, GROW_AHEAD_BYTES, GROW_AHEAD_MIN = 0.6, 16 << 20, 4096


@dataclass
class Spans:
    """State spans of all lanes, sorted by (lane, t0); in a lane they do not overlap."""
    lane: np.ndarray   # int32, 0..n_lanes-1
    t0: np.ndarray     # int64 ns
    t1: np.ndarray     # int64 ns, >= t0
    state: np.ndarray  # uint8, a STATE_KEYS index

    def __post_init__(self):
        n = len(self.lane)
        if not (len(self.t0) == len(self.t1) == len(self.state) == n):
            raise ValueError("Spans arrays differ in length")

    def __len__(self):
        return len(self.lane)

    @classmethod
    def empty(cls):
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0, np.uint8))

    @classmethod
    def from_mapping(cls, d):
        """From engine.analysis.spans_of's dict (lane, t0, t1, state keys)."""
        return cls(np.asarray(d["lane"], np.int32), np.asarray(d["t0"], np.int64),
                   np.asarray(d["t1"], np.int64), np.asarray(d["state"], np.uint8))

    def nbytes(self):
        return self.lane.nbytes + self.t0.nbytes + self.t1.nbytes + self.state.nbytes


class _Grow:
    """A growable array (x1.5 when full) so live appends cost O(new spans)."""

    def __init__(self, shape_tail=(), dtype=np.int64):
        self.a = np.zeros((0,) + shape_tail, dtype)
        self.n = 0

    def set_len(self, n):
        if n > len(self.a):
            # 1/8 slack from the start: the first live append must not copy a 10M-span index.
            self.reserve(max(n + n // 8 + 16, len(self.a) + len(self.a) // 2))
        self.n = n

    def reserve(self, cap):
        """Move to a buffer of cap rows (the first n kept)."""
        new = np.empty((cap,) + self.a.shape[1:], self.a.dtype)
        new[:self.n] = self.a[:self.n]
        self.a = new

    def view(self):
        return self.a[:self.n]


_PAD = np.iinfo(np.int64).max // 4  # t0 = t1 of the padding after a lane's last span: after any x


class LaneSpans:
    """One lane's spans in time order: views into a caller's Spans, or arrays grown in place.

    A live run splices each lane (restates its open last span, appends after it),
    so a lane that was spliced once owns growable copies; a Spans given whole is
    only viewed, never copied.
    """
    __slots__ = ("t0", "t1", "state", "_grow")

    def __init__(self, t0=None, t1=None, state=None):
        self.t0 = np.zeros(0, np.int64) if t0 is None else t0
        self.t1 = np.zeros(0, np.int64) if t1 is None else t1
        self.state = np.zeros(0, np.uint8) if state is None else state
        self._grow = None

    def __len__(self):
        return len(self.t0)

    def splice(self, first, t0, t1, state):
        """Keep spans [0, first), then these."""
        if self._grow is None:
            self._grow = tuple(_Grow((), a.dtype) for a in (self.t0, self.t1, self.state))
            for g, a in zip(self._grow, (self.t0, self.t1, self.state)):
                g.set_len(len(a))
                g.a[:len(a)] = a
        n = first + len(t0)
        for g, new in zip(self._grow, (t0, t1, state)):
            g.n = min(g.n, first)  # what is dropped need not be copied when the array grows
            g.set_len(n)
            g.a[first:n] = new
        self.t0, self.t1, self.state = (g.view() for g in self._grow)

    def buffers(self):
        """The growable arrays behind this lane (none while it only views a Spans)."""
        return self._grow or ()


class LaneIndex:
    """Block index over Spans: exact time-in-state queries in O(log n + BLOCK) per edge.

    A block row holds the block's t0[B], t1[B], the time per state before the
    block, and the state columns of its spans (bytes packed into int64 columns).
    A query reads one contiguous row: at full view every pixel edge lands in a
    different block, and separate t0/t1/state/prefix arrays cost a cache and TLB
    miss each: gathering from four arrays took ~15 ms of a 10M-span frame, one
    row per edge takes 3.5 ms.
    Only the states that occur get a prefix column (2 in a GIL run, not 10).
    The spans are held per lane (LaneSpans), so a live run's splice costs O(new spans).
    """

    def __init__(self, spans=None, n_lanes=None, block=BLOCK):
        self.block = block
        self._spans = Spans.empty()  # all spans in one Spans; None: to be built from the lanes
        self.lanes = []              # per lane: LaneSpans
        self.n_lanes = 0
        self.lane_start = np.zeros(1, np.int64)  # spans of lane L: [lane_start[L], lane_start[L+1])
        self.states = np.zeros(0, np.intp)       # state codes that occur, in column order
        self._first = []  # per lane: t0 of each block's first span (_Grow), searched
        self._rows = []   # per lane: block rows (_Grow, (n_blocks, ncol) int64)
        self._scratch = {}
        self._set_states(())
        if spans is not None:
            self.update(spans, n_lanes)

    @property
    def spans(self):
        """All spans as one Spans sorted by (lane, t0); after live splices, built on demand."""
        if self._spans is None:
            lanes = self.lanes
            self._spans = Spans(np.repeat(np.arange(len(lanes), dtype=np.int32),
                                          [len(ls) for ls in lanes]),
                                np.concatenate([ls.t0 for ls in lanes] or [np.zeros(0, np.int64)]),
                                np.concatenate([ls.t1 for ls in lanes] or [np.zeros(0, np.int64)]),
                                np.concatenate([ls.state for ls in lanes] or [np.zeros(0, np.uint8)]))
        return self._spans

    def end_time(self):
        """The latest t1 of any lane (ns), or None when there are no spans."""
        ends = [int(ls.t1[-1]) for ls in self.lanes if len(ls)]
        return max(ends) if ends else None

    def _set_states(self, codes):
        B = self.block
        self.states = np.array(sorted(codes), np.intp)
        self._column = np.zeros(256, np.uint8)
        self._column[self.states] = np.arange(len(self.states))
        self._c_pre, self._c_state = 2 * B, 2 * B + len(self.states)
        self._ncol = self._c_state + -(-B // 8)
        self._first = [_Grow() for _ in self._first]
        self._rows = [_Grow((self._ncol,)) for _ in self._rows]

    # -- building ------------------------------------------------------------------
    def update(self, spans, n_lanes=None):
        """Take a new Spans: the old ones plus spans appended while a run goes.

        Live data only grows: a new Spans may restate each lane's last (open) span
        and append after it.  So only the blocks from the old last span on are
        recomputed; a lane whose retained part disagrees is rebuilt whole, and a
        state seen for the first time (a new column) rebuilds everything.
        """
        n_lanes = int(n_lanes if n_lanes is not None else
                      (int(spans.lane[-1]) + 1 if len(spans) else 0))
        if spans is self._spans and n_lanes == self.n_lanes:
            return
        start = np.searchsorted(spans.lane, np.arange(n_lanes + 1)).astype(np.int64)
        B, redo, lanes, seen = self.block, {}, [], np.zeros(256, bool)
        for lane in range(n_lanes):
            a, b = int(start[lane]), int(start[lane + 1])
            new = LaneSpans(spans.t0[a:b], spans.t1[a:b], spans.state[a:b])
            old = self.lanes[lane] if lane < len(self.lanes) else LaneSpans()
            keep = max(0, len(old) - 1)  # the last old span may be restated: redo its block
            if len(new) < len(old) or not _same_prefix(old, new, keep):
                keep = 0
            redo[lane] = keep // B
            seen[new.state[redo[lane] * B:]] = True
            lanes.append(new)
        self._spans, self.lanes = spans, lanes
        self._reindex(n_lanes, redo, seen)

    def splice(self, parts, n_lanes):
        """Change lanes in place: {lane: (first, t0, t1, state)} keeps the lane's spans
        [0, first) and puts these after them.  O(spans from first on), the live path."""
        while len(self.lanes) < n_lanes:
            self.lanes.append(LaneSpans())
        redo, seen = {}, np.zeros(256, bool)
        for lane, (first, t0, t1, state) in parts.items():
            n_old = len(self.lanes[lane])
            first = min(int(first), n_old)
            self.lanes[lane].splice(first, t0, t1, state)
            # A block's prefix comes from the block before it: redo the block holding
            # the old last span even when nothing before `first` changed.
            redo[lane] = max(0, min(first, n_old - 1)) // self.block
            seen[state] = True
        self._spans = None
        self._reindex(n_lanes, redo, seen)
        self._grow_ahead()

    def _grow_ahead(self):
        """Live lanes fill at one pace, so their buffers would all grow (a copy each) in the
        same splice: 100 ms at 5M spans on 16 lanes.  Grow the fullest early instead, a
        bounded number of bytes a splice."""
        grows = [g for lane in range(self.n_lanes) for g in
                 (self._first[lane], self._rows[lane]) + tuple(self.lanes[lane].buffers())]
        full = [g for g in grows if len(g.a) >= GROW_AHEAD_MIN and g.n > GROW_AHEAD_FILL * len(g.a)]
        budget = GROW_AHEAD_BYTES
        for g in sorted(full, key=lambda g: g.n / len(g.a), reverse=True):
            if budget <= 0:
                break
            g.reserve(len(g.a) + len(g.a) // 2)
            budget -= g.a.nbytes

    def reorder(self, order):
        """Put lane order[i] at position i: a permutation of references, no span is copied."""
        order = [int(i) for i in order]
        self.lanes = [self.lanes[i] for i in order]
        self._first = [self._first[i] for i in order]
        self._rows = [self._rows[i] for i in order]
        np.cumsum([len(ls) for ls in self.lanes], out=self.lane_start[1:])
        self._spans = None

    def _reindex(self, n_lanes, redo, seen):
        """Index the lanes in redo ({lane: first block to recompute}) after a change."""
        del self.lanes[n_lanes:]
        self.n_lanes = n_lanes
        self.lane_start = np.zeros(n_lanes + 1, np.int64)
        np.cumsum([len(ls) for ls in self.lanes], out=self.lane_start[1:])
        while len(self._first) < n_lanes:
            self._first.append(_Grow())
            self._rows.append(_Grow((self._ncol,)))
        del self._first[n_lanes:], self._rows[n_lanes:]
        if not set(np.flatnonzero(seen)) <= set(self.states.tolist()):
            self._set_states(set(np.flatnonzero(seen).tolist()) | set(self.states.tolist()))
            redo = dict.fromkeys(range(n_lanes), 0)
        for lane, fb in redo.items():
            self._index_lane(lane, fb)

    def _index_lane(self, lane, from_block):
        """(Re)compute the block rows of a lane from block from_block on."""
        B = self.block
        ls = self.lanes[lane]
        nb = -(-len(ls) // B)
        first, rows = self._first[lane], self._rows[lane]
        fb = min(from_block, nb, first.n)
        base = rows.a[fb, self._c_pre:self._c_state].copy() if 0 < fb < rows.n else 0
        first.set_len(nb)
        rows.set_len(nb)
        if nb == fb:
            return
        a = fb * B
        t0, t1, st = ls.t0[a:], ls.t1[a:], ls.state[a:]
        if len(t0) > 1 and np.any(t1[:-1] > t0[1:]):
            # The contract says spans of a lane never overlap; the engine makes them so.
            # Overlap would count time twice: warn, draw anyway (render clips to 100 %).
            log.warning("timeline: overlapping spans in lane %d", lane)
        m, nbn, S = len(t0), nb - fb, len(self.states)
        first.a[fb:nb] = t0[::B]
        out = rows.a[fb:nb]
        flat = np.full(nbn * B, _PAD, np.int64)  # a partial last block is padded
        for col, arr in ((0, t0), (B, t1)):
            flat[:m] = arr
            out[:, col:col + B] = flat.reshape(nbn, B)
        col_of = self._column[st]
        cols = np.zeros(nbn * B, np.uint8)  # state columns, padded like t0/t1
        cols[:m] = col_of
        packed = np.zeros((nbn, (self._ncol - self._c_state) * 8), np.uint8)
        packed[:, :B] = cols.reshape(nbn, B)
        out[:, self._c_state:] = packed.view(np.int64)
        # Per block, time per state column: one bincount; float sums of integer ns
        # are exact below 2**53 ns (104 days) per block.
        key = np.arange(m) // B * S + col_of
        sums = np.bincount(key, weights=(t1 - t0), minlength=nbn * S)
        sums = np.rint(sums).astype(np.int64).reshape(nbn, S)
        pre = out[:, self._c_pre:self._c_state]
        pre[0] = base  # exclusive prefix: block k holds the time of blocks < k
        np.cumsum(sums[:-1], axis=0, out=pre[1:])
        pre[1:] += base

    def nbytes(self):
        """Bytes held by the index itself (not the spans, not the per-frame scratch)."""
        return (self.lane_start.nbytes + sum(g.a.nbytes for g in self._first)
                + sum(g.a.nbytes for g in self._rows))

    # -- queries ---------------------------------------------------------------------
    def _work(self, name, shape, dtype):
        """A scratch array reused across frames: fresh 5-20 MB temporaries each frame
        cost page faults (about a third of a 10M-span frame, measured)."""
        n = math.prod(shape)
        buf = self._scratch.get(name)
        if buf is None or buf.size < n or buf.dtype != dtype:
            buf = self._scratch[name] = np.empty(n, dtype)
        return buf[:n].reshape(shape)

    def cumulative_columns(self, xs, lanes):
        """Time per state column before each of xs: float64 (len(states), len(lanes), len(xs)).

        xs must be sorted (float or int ns); every lane must have spans.
        """
        xs = np.asarray(xs)
        out = np.empty((len(self.states), len(lanes), len(xs)))
        # A few lanes at a time, so the block rows and temporaries (~150 B per edge)
        # stay in L2: all 64 lanes at once streamed 30 MB a frame through L3 and took
        # twice as long on a busy machine.
        step = max(1, CHUNK_EDGES // max(len(xs), 1))
        for c in range(0, len(lanes), step):
            self._cumulative_chunk(xs, lanes[c:c + step], out[:, c:c + step])
        return out

    def _cumulative_chunk(self, xs, lanes, out):
        m, B, R, S = len(xs), self.block, len(lanes), len(self.states)
        rows = self._work("rows", (R, m, self._ncol), np.int64)
        # Integer keys: a block starts at or before x exactly when it starts at or before
        # floor(x), and float keys made numpy compare as floats, twice as slow.
        keys = xs if xs.dtype.kind in "iu" else np.floor(xs).astype(np.int64)
        for r, lane in enumerate(lanes):
            first = self._first[lane].view()
            # Search only the blocks the view reaches: zoomed in, a few hundred of a lane's
            # 40k, which stay in cache.
            lo = max(int(np.searchsorted(first, keys[0], side="right")) - 1, 0)
            hi = int(np.searchsorted(first, keys[-1], side="right"))
            k = np.searchsorted(first[lo:hi], keys, side="right")
            k += lo - 1
            np.maximum(k, 0, out=k)  # before the first span: block 0 contributes nothing
            # mode="clip" (k is in range anyway): with the default "raise" numpy takes into
            # a copy of out and copies it back (a third of a frame's instructions).
            np.take(self._rows[lane].a, k, axis=0, out=rows[r], mode="clip")
        # Within the block: the clipped overlap of each span with (-inf, x).  Earlier
        # blocks end before x and later ones start after it (no overlap in a lane).
        # Temporaries are (B, R, m), block position first, so the sums over the block
        # add contiguous rows: numpy reduces a short last axis row by row, and
        # matmul wakes OpenBLAS threads that spin (both measured 2-4x slower).
        # The rows' t0, t1 and prefix columns as float planes (column, lane, edge), cast in
        # one pass: ufuncs casting the strided int64 columns on the fly went through numpy's
        # buffers in 8-value pieces (1.6M small copies in twelve 1M-span frames).
        planes = self._work("planes", (self._c_state, R, m), np.float64)
        np.copyto(planes, rows[..., :self._c_state].transpose(2, 0, 1), casting="unsafe")
        over = self._work("over", (B, R, m), np.float64)
        np.minimum(planes[B:2 * B], xs, out=over)
        np.subtract(over, planes[:B], out=over)
        np.maximum(over, 0, out=over)
        out[...] = planes[self._c_pre:self._c_state]
        total = over.sum(axis=0)
        if S > 1:
            col = rows[..., self._c_state:].view(np.uint8)[..., :B].transpose(2, 0, 1)
            mask = self._work("mask", (B, R, m), bool)
            part = self._work("part", (B, R, m), np.float64)
            for c in range(S - 1):
                np.equal(col, c, out=mask)
                np.multiply(over, mask, out=part)
                sub = part.sum(axis=0)
                out[c] += sub
                total -= sub
        out[S - 1] += total  # the last column: what the others did not take

    def cumulative(self, xs, lanes=None):
        """Time per state before each of xs: float64 (len(lanes), len(xs), N_STATES)."""
        lanes = list(range(self.n_lanes)) if lanes is None else [int(x) for x in lanes]
        out = np.zeros((N_STATES, len(lanes), len(np.asarray(xs))), np.float64)
        live = [i for i, lane in enumerate(lanes) if self._first[lane].n]
        if live and out.shape[2]:
            out[np.ix_(self.states, live)] = self.cumulative_columns(xs, [lanes[i] for i in live])
        return out.transpose(1, 2, 0)

    def time_in_states(self, lane, a, b):
        """Exact ns spent in each state within [a, b) on a lane: int64 (N_STATES,)."""
        if b <= a:
            return np.zeros(N_STATES, np.int64)
        f = self.cumulative(np.array([a, b], np.int64), [lane])[0]
        return np.rint(f[1] - f[0]).astype(np.int64)


def _same_prefix(old, new, keep):
    """Cheap check that a lane's spans [0, keep) are unchanged: a few samples up to the join."""
    if keep == 0:
        return True
    probe = np.unique(np.linspace(0, keep - 1, 9).astype(np.int64))
    return all(np.array_equal(getattr(old, k)[probe], getattr(new, k)[probe])
               for k in ("t0", "t1", "state"))
