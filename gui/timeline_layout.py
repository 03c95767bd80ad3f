"""Timeline layout: state spans -> per-pixel state blend, without Qt.  [numpy]

The lanes are drawn as one image, a row per lane and a column per screen pixel,
each pixel blended from the time spent in each state inside it (docs/ARCHITECTURE.md,
"Timeline drawing": one item per span, or thick curves, cost 0.1-4 s a frame).
How that stays cheap at 10M spans: gui/pixel_shares.py (which of two exact ways a frame
takes) and gui/lane_index.py (LaneIndex).
"""
import numpy as np

from .pixel_shares import pixel_shares
from .state_colours import palette_for

from .lane_index import (BLOCK, CHUNK_EDGES, DONE, GIL_WAIT, IDLE, IO_WAIT, JOIN_WAIT,
                         LOCK_WAIT, N_STATES, PREEMPTED, QUEUE_WAIT, RUNNING, SLEEPING, STATE_KEYS,
                         LaneIndex, LaneSpans, Spans)

# The timeline's one import: its own functions, and the lane index and state codes it draws
# from (gui/lane_index.py) named here too, so the timeline and its tests need one module.
__all__ = ["render_lanes", "spans_at", "DEFAULT_PALETTE", "MIN_SHOWN_SHARE",
           "BLOCK", "CHUNK_EDGES", "DONE", "GIL_WAIT", "IDLE", "IO_WAIT", "JOIN_WAIT", "LOCK_WAIT",
           "N_STATES", "PREEMPTED", "QUEUE_WAIT", "RUNNING", "SLEEPING", "STATE_KEYS",
           "LaneIndex", "LaneSpans", "Spans"]

# RGBA per state in STATE_KEYS order, then the background (last row: where nothing was
# recorded).  The colours, and why they stay apart for colour-blind viewers: gui/state_colours.
DEFAULT_PALETTE = palette_for(STATE_KEYS)
# Spans covering less of a pixel than this are drawn as covering this much (render_lanes).
MIN_SHOWN_SHARE = 0.25


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


def render_lanes(index, t_start, t_end, width_px, palette=DEFAULT_PALETTE):
    """RGBA image (n_lanes, width_px, 4) uint8: each pixel the time-weighted blend of states.

    palette: (N_STATES + 1, 4) uint8 RGBA, the last row the background (where no
    span is).  Blending is in premultiplied alpha, so a transparent background
    leaves a half-covered pixel the state's colour at half opacity.
    A pixel where spans cover less than MIN_SHOWN_SHARE of the time is drawn as if
    they covered that share (their states' mix kept): a 1 us span alone in a 1 ms
    pixel would otherwise be 0.1 % opaque, invisible, though something happened there.
    A zero-length view has no time in any pixel: all background.
    """
    n_lanes, width_px = index.n_lanes, max(int(width_px), 0)
    img = np.empty((n_lanes, width_px, 4), np.uint8)
    # Filled as one 32-bit value a pixel: a 4-byte colour broadcast over (lanes, pixels, 4)
    # was copied 4 bytes at a time, a numpy call per pixel.
    img.view(np.uint32)[...] = np.ascontiguousarray(palette[-1], np.uint8).view(np.uint32)[0]
    axis = TimeAxis(t_start, t_end, width_px)
    live = np.flatnonzero(np.diff(index.lane_start) > 0)
    if axis.ns_per_px == 0.0 or not len(live):
        return img
    pal = np.asarray(palette, np.float64)
    pre = np.empty_like(pal)                                    # premultiplied RGB, alpha
    pre[:, :3] = pal[:, :3] * pal[:, 3:] / 255.0
    pre[:, 3] = pal[:, 3]
    frac = pixel_shares(index, axis.boundaries(), live)        # (S present, L, W) shares
    covered = frac.sum(axis=0)
    if covered.max() > 1.0 + 1e-9:
        # Overlapping spans (a broken contract) could exceed a pixel: scale, never wrap.
        scale = np.maximum(covered, 1.0)
        frac /= scale
        covered /= scale
    faint = (covered > 0.0) & (covered < MIN_SHOWN_SHARE)
    if faint.any():
        lift = np.ones_like(covered)
        lift[faint] = MIN_SHOWN_SHARE / covered[faint]
        frac *= lift
        covered[faint] = MIN_SHOWN_SHARE
    _blend(frac, covered, pre[index.states], pre[-1], img if len(live) == n_lanes else None,
           live, img)
    return img


def _blend(frac, covered, pre_states, pre_background, whole, live, img):
    """Premultiplied sum of the state colours weighted by frac, the background under the
    rest, back to straight alpha, into img's rows `live`.

    One channel at a time over (lanes, pixels) float64 planes: the (lanes, pixels, 4)
    temporaries of a per-pixel RGBA sum streamed ~40 MB a 10M-span frame (8 ms; this: 1).
    """
    shape = covered.shape
    rest = 1.0 - covered
    tmp, plane = np.empty(shape), np.empty(shape)
    out = whole if whole is not None else np.empty(shape + (4,), np.uint8)

    def weighted(k):
        plane.fill(0.0)
        for c in range(len(pre_states)):
            if pre_states[c, k]:
                np.multiply(frac[c], pre_states[c, k], out=tmp)
                np.add(plane, tmp, out=plane)
        if pre_background[k]:
            np.multiply(rest, pre_background[k], out=tmp)
            np.add(plane, tmp, out=plane)
        return plane

    alpha = weighted(3)
    np.rint(alpha, out=tmp)
    np.clip(tmp, 0, 255, out=tmp)
    out[..., 3] = tmp
    inverse = np.maximum(alpha, 1e-9)
    np.divide(255.0, inverse, out=inverse)                      # premultiplied -> straight
    for k in range(3):
        channel = weighted(k)
        channel *= inverse
        np.rint(channel, out=channel)
        np.clip(channel, 0, 255, out=channel)
        out[..., k] = channel
    if whole is None:
        img[live] = out


def spans_at(index, lane, t_start, t_end, max_n=64):
    """The spans of one lane overlapping [t_start, t_end] (a point when equal), at most max_n.

    Returns a Spans of views, in time order.
    """
    ls = index.lanes[lane]
    # Spans never overlap in a lane, so t1 is sorted too: first span ending after
    # t_start, last span starting at or before t_end.
    lo = int(np.searchsorted(ls.t1, t_start, side="right"))
    hi = int(np.searchsorted(ls.t0, t_end, side="right"))
    hi = min(hi, lo + max(0, int(max_n)))
    if hi <= lo:
        return Spans.empty()
    return Spans(np.full(hi - lo, lane, np.int32), ls.t0[lo:hi], ls.t1[lo:hi], ls.state[lo:hi])
