"""Timeline layout: state spans -> per-pixel state blend, without Qt.  [numpy]

The lanes are drawn as one image, a row per lane and a column per screen pixel,
each pixel blended from the time spent in each state inside it (DESIGN.md,
"Timeline drawing": one item per span, or thick curves, cost 0.1-4 s a frame).

Why a frame costs the same at 1k or 10M spans: let F_s(x) be the time a lane
spent in state s before x.  A pixel's weights are F(right edge) - F(left edge),
so a frame needs F at the W+1 pixel edges of each lane, never a pass over the
spans.  LaneIndex cuts each lane into blocks of BLOCK spans and keeps, per
block, its first t0 (searched) and F at its start; F(x) is that prefix plus the
clipped overlap of the block's few spans with (-inf, x).  Exact, O(log n +
BLOCK) per edge, 27 bytes a span on top of the spans' 21 (45 if all ten states
occur).  A cumulative array per state would cost 8 B x 10 = 80 B a span alone.
"""
from dataclasses import dataclass
import logging

import numpy as np

log = logging.getLogger(__name__)

# Worker states; mirrors engine/wire.py STATES (same codes, same order), which a
# test checks.  The lead will import it from there once both sides are settled.
STATE_KEYS = ("running", "gil_wait", "lock_wait", "queue_wait", "join_wait",
              "io_wait", "sleeping", "idle", "done", "preempted")
(RUNNING, GIL_WAIT, LOCK_WAIT, QUEUE_WAIT, JOIN_WAIT, IO_WAIT, SLEEPING, IDLE,
 DONE, PREEMPTED) = range(len(STATE_KEYS))
N_STATES = len(STATE_KEYS)

# RGBA per state, then the background (last row: where nothing was recorded).
# Okabe-Ito colours, safe for the three common colour-vision deficiencies.
# Running (blue) against waiting for the GIL (orange) is the pair that stays
# apart for every deficiency and in greyscale (contrast 3.2:1); blue stands 6:1
# on white and 3:1 on the dark theme, orange 10:1 on dark (on white, by its hue).
DEFAULT_PALETTE = np.array([
    (0x00, 0x66, 0xA8, 255),  # running: blue (Okabe-Ito #0072B2, darker)
    (0xF5, 0xB0, 0x00, 255),  # gil_wait: orange (Okabe-Ito #E69F00, lighter), pops against running
    (0xD5, 0x5E, 0x00, 255),  # lock_wait: vermillion
    (0xCC, 0x79, 0xA7, 255),  # queue_wait: reddish purple
    (0x88, 0x22, 0x55, 255),  # join_wait: wine
    (0x00, 0x9E, 0x73, 255),  # io_wait: bluish green
    (0x88, 0xCC, 0xEE, 255),  # sleeping: light cyan
    (0x99, 0x99, 0x99, 255),  # idle: mid grey, visible on both themes
    (0x80, 0x80, 0x80, 80),   # done: faint grey, the thread is gone
    (0xF0, 0xE4, 0x42, 255),  # preempted: yellow, same family as GIL wait
    (0, 0, 0, 0),             # background: transparent, the theme shows
], np.uint8)

BLOCK = 4  # spans per block: ~10 % faster a frame than 8, 30 % than 16; 48 B/span (8: 44)
CHUNK_EDGES = 4096  # pixel edges computed at once (lanes x edges), sized for L2


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


class TimeAxis:
    """Time (ns) <-> x pixel for a view [t_start, t_end) drawn width_px wide."""

    def __init__(self, t_start, t_end, width_px):
        self.t_start, self.t_end, self.width_px = int(t_start), int(t_end), int(width_px)

    @property
    def ns_per_px(self):
        """Nanoseconds per pixel; 0.0 for an empty view or no pixels."""
        if self.width_px <= 0 or self.t_end <= self.t_start:
            return 0.0
        return (self.t_end - self.t_start) / self.width_px

    def x_of(self, t_ns):
        """Pixel x (float) of a time; works on arrays."""
        ns = self.ns_per_px
        return (np.asarray(t_ns, np.float64) - self.t_start) / ns if ns else np.zeros_like(
            np.asarray(t_ns, np.float64))

    def t_of(self, x_px):
        """Time (float ns) at pixel x; works on arrays."""
        return self.t_start + np.asarray(x_px, np.float64) * self.ns_per_px

    def boundaries(self):
        """The width_px + 1 pixel edges in ns (float64), first t_start, last t_end."""
        edges = self.t_start + np.arange(self.width_px + 1) * self.ns_per_px
        if self.width_px > 0:
            edges[-1] = self.t_end  # no rounding drift at the right edge
        return edges


class _Grow:
    """A growable array (x1.5 when full) so live appends cost O(new spans)."""

    def __init__(self, shape_tail=(), dtype=np.int64):
        self.a = np.zeros((0,) + shape_tail, dtype)
        self.n = 0

    def set_len(self, n):
        if n > len(self.a):
            # 1/8 slack from the start: the first live append must not copy a 10M-span index.
            cap = max(n + n // 8 + 16, len(self.a) + len(self.a) // 2)
            new = np.empty((cap,) + self.a.shape[1:], self.a.dtype)
            new[:self.n] = self.a[:self.n]
            self.a = new
        self.n = n

    def view(self):
        return self.a[:self.n]


_PAD = np.iinfo(np.int64).max // 4  # t0 = t1 of the padding after a lane's last span: after any x


class LaneIndex:
    """Block index over Spans: exact time-in-state queries in O(log n + BLOCK) per edge.

    A block row holds the block's t0[B], t1[B], the time per state before the
    block, and the state columns of its spans (bytes packed into int64 columns).
    A query reads one contiguous row: at full view every pixel edge lands in a
    different block, and separate t0/t1/state/prefix arrays cost a cache and TLB
    miss each: gathering from four arrays took ~15 ms of a 10M-span frame, one
    row per edge takes 3.5 ms.
    Only the states that occur get a prefix column (2 in a GIL run, not 10).
    """

    def __init__(self, spans=None, n_lanes=None, block=BLOCK):
        self.block = block
        self.spans = Spans.empty()
        self.n_lanes = 0
        self.lane_start = np.zeros(1, np.int64)  # spans of lane L: [lane_start[L], lane_start[L+1])
        self.states = np.zeros(0, np.intp)       # state codes that occur, in column order
        self._first = []  # per lane: t0 of each block's first span (_Grow), searched
        self._rows = []   # per lane: block rows (_Grow, (n_blocks, ncol) int64)
        self._scratch = {}
        self._set_states(())
        if spans is not None:
            self.update(spans, n_lanes)

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
        old, old_start = self.spans, self.lane_start
        n_lanes = int(n_lanes if n_lanes is not None else
                      (int(spans.lane[-1]) + 1 if len(spans) else 0))
        if spans is old and n_lanes == self.n_lanes:
            return
        start = np.searchsorted(spans.lane, np.arange(n_lanes + 1)).astype(np.int64)
        B, redo, seen = self.block, [], np.zeros(256, bool)
        for lane in range(n_lanes):
            n_new = int(start[lane + 1] - start[lane])
            n_old = int(old_start[lane + 1] - old_start[lane]) if lane + 1 < len(old_start) else 0
            keep = max(0, n_old - 1)  # the last old span may be restated: redo its block
            if n_new < n_old or not _same_prefix(old, spans, int(old_start[lane]) if n_old else 0,
                                                 int(start[lane]), keep):
                keep = 0
            fb = keep // B
            seen[spans.state[start[lane] + fb * B:start[lane + 1]]] = True
            redo.append(fb)
        self.spans, self.lane_start, self.n_lanes = spans, start, n_lanes
        while len(self._first) < n_lanes:
            self._first.append(_Grow())
            self._rows.append(_Grow((self._ncol,)))
        del self._first[n_lanes:], self._rows[n_lanes:]
        if not set(np.flatnonzero(seen)) <= set(self.states.tolist()):
            self._set_states(set(np.flatnonzero(seen).tolist()) | set(self.states.tolist()))
            redo = [0] * n_lanes
        for lane, fb in enumerate(redo):
            self._index_lane(lane, fb)

    def _index_lane(self, lane, from_block):
        """(Re)compute the block rows of a lane from block from_block on."""
        B = self.block
        s0, s1 = int(self.lane_start[lane]), int(self.lane_start[lane + 1])
        nb = -(-(s1 - s0) // B)
        first, rows = self._first[lane], self._rows[lane]
        fb = min(from_block, nb, first.n)
        base = rows.a[fb, self._c_pre:self._c_state].copy() if 0 < fb < rows.n else 0
        first.set_len(nb)
        rows.set_len(nb)
        if nb == fb:
            return
        a = s0 + fb * B
        t0, t1, st = self.spans.t0[a:s1], self.spans.t1[a:s1], self.spans.state[a:s1]
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
        n = int(np.prod(shape))
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
        for r, lane in enumerate(lanes):
            k = np.searchsorted(self._first[lane].view(), xs, side="right") - 1
            np.maximum(k, 0, out=k)  # before the first span: block 0 contributes nothing
            np.take(self._rows[lane].a, k, axis=0, out=rows[r])
        # Within the block: the clipped overlap of each span with (-inf, x).  Earlier
        # blocks end before x and later ones start after it (no overlap in a lane).
        # Temporaries are (B, R, m), block position first, so the sums over the block
        # add contiguous rows: numpy reduces a short last axis row by row, and
        # matmul wakes OpenBLAS threads that spin (both measured 2-4x slower).
        over = self._work("over", (B, R, m), np.float64)
        np.minimum(rows[..., B:2 * B].transpose(2, 0, 1), xs, out=over, casting="unsafe")
        np.subtract(over, rows[..., :B].transpose(2, 0, 1), out=over)
        np.maximum(over, 0, out=over)
        out[...] = rows[..., self._c_pre:self._c_state].transpose(2, 0, 1)
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


def _same_prefix(old, new, o, s, keep):
    """Cheap check that a lane's spans [0, keep) are unchanged: a few samples up to the join."""
    if keep == 0:
        return True
    probe = np.unique(np.linspace(0, keep - 1, 9).astype(np.int64))
    return all(np.array_equal(a[o + probe], b[s + probe]) for a, b in
               ((old.t0, new.t0), (old.t1, new.t1), (old.state, new.state)))


def render_lanes(index, t_start, t_end, width_px, palette=DEFAULT_PALETTE):
    """RGBA image (n_lanes, width_px, 4) uint8: each pixel the time-weighted blend of states.

    palette: (N_STATES + 1, 4) uint8 RGBA, the last row the background (where no
    span is).  Blending is in premultiplied alpha, so a transparent background
    leaves a half-covered pixel the state's colour at half opacity.
    A zero-length view has no time in any pixel: all background.
    """
    n_lanes, width_px = index.n_lanes, max(int(width_px), 0)
    img = np.empty((n_lanes, width_px, 4), np.uint8)
    img[:] = palette[-1]
    axis = TimeAxis(t_start, t_end, width_px)
    live = np.flatnonzero(np.diff(index.lane_start) > 0)
    if axis.ns_per_px == 0.0 or not len(live):
        return img
    pal = np.asarray(palette, np.float64)
    pre = np.empty_like(pal)                                    # premultiplied RGB, alpha
    pre[:, :3] = pal[:, :3] * pal[:, 3:] / 255.0
    pre[:, 3] = pal[:, 3]
    cum = index.cumulative_columns(axis.boundaries(), live)    # (S present, L, W+1)
    frac = cum[:, :, 1:] - cum[:, :, :-1]                       # (S, L, W) ns
    frac *= 1.0 / axis.ns_per_px                                # ns -> share of the pixel
    covered = frac.sum(axis=0)
    if covered.max() > 1.0 + 1e-9:
        # Overlapping spans (a broken contract) could exceed a pixel: scale, never wrap.
        scale = np.maximum(covered, 1.0)
        frac /= scale
        covered /= scale
    acc = np.zeros(covered.shape + (4,))                        # premultiplied RGBA
    for c, code in enumerate(index.states):  # not frac @ palette: OpenBLAS threads spin
        acc += frac[c][..., None] * pre[code]
    if pre[-1, 3] > 0:
        acc += (1.0 - covered)[..., None] * pre[-1]
    acc = acc.reshape(-1, 4)
    alpha = acc[:, 3].copy()
    acc *= (255.0 / np.maximum(alpha, 1e-9))[:, None]           # back to straight alpha
    acc[:, 3] = alpha
    np.rint(acc, out=acc)
    np.clip(acc, 0, 255, out=acc)
    if len(live) == n_lanes:
        img.reshape(-1, 4)[...] = acc
    else:
        img[live] = acc.reshape(len(live), width_px, 4)
    return img


def spans_at(index, lane, t_start, t_end, max_n=64):
    """The spans of one lane overlapping [t_start, t_end] (a point when equal), at most max_n.

    Returns a Spans of views, in time order.
    """
    sp = index.spans
    s0, s1 = int(index.lane_start[lane]), int(index.lane_start[lane + 1])
    # Spans never overlap in a lane, so t1 is sorted too: first span ending after
    # t_start, last span starting at or before t_end.
    lo = s0 + int(np.searchsorted(sp.t1[s0:s1], t_start, side="right"))
    hi = s0 + int(np.searchsorted(sp.t0[s0:s1], t_end, side="right"))
    hi = min(hi, lo + max(0, int(max_n)))
    if hi <= lo:
        return Spans.empty()
    return Spans(sp.lane[lo:hi], sp.t0[lo:hi], sp.t1[lo:hi], sp.state[lo:hi])
