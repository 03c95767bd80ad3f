"""Share of each screen pixel each lane spent in each state, by the cheaper of two exact ways.  [numpy]

A timeline frame needs, per lane and pixel, the time in each state inside the pixel.
- Dense (many spans per pixel: the whole run): the block index answers F(x), the time
  per state before x, at the W + 1 pixel edges (gui/lane_index.py, O(W log n) a lane).
- Sparse (zoomed in: about a span a pixel or fewer): the spans in view are laid on the
  pixels directly, the part of a span in its first and last pixel and a run of whole
  pixels between, all lanes in one pass of numpy over the spans in view (bincount, then a
  cumulative sum along each row).  No search per pixel edge and no gather of block rows:
  zoomed in, the spans in view are read in order instead of a random block row an edge.
Both give the same shares (to float rounding), so the choice is only about speed: the
sparse way is taken when the spans in view are at most SPARSE_SPANS_PER_PIXEL a pixel.
"""
import numpy as np

# Above this many spans in view per lane pixel, the per-edge index is cheaper.  Measured
# (process time, 10M spans x 64 lanes, 1600 px): at 0.4 spans a pixel 1.2 ms against
# 2.7 (1M spans), at 1.0 6 ms against 7-10, at 1.5 24 ms against 7 (its temporaries
# outgrow the caches).
SPARSE_SPANS_PER_PIXEL = 1


def pixel_shares(index, edges, lanes):
    """float64 (len(index.states), len(lanes), W): share of each pixel in each state column.

    edges: the W + 1 pixel edges in ns, evenly spaced (gui.timeline_layout.TimeAxis);
    every lane in lanes has spans.
    """
    edges = np.asarray(edges, np.float64)
    width = len(edges) - 1
    t_start, t_end = float(edges[0]), float(edges[-1])
    ns_per_px = (t_end - t_start) / width
    spans = _spans_in_view(index, lanes, t_start, t_end)
    if sum(len(t0) for t0, _, _ in spans) <= SPARSE_SPANS_PER_PIXEL * width * len(lanes):
        return _laid_on_pixels(index, spans, t_start, ns_per_px, width)
    cum = index.cumulative_columns(edges, lanes)              # (S, L, W + 1) ns
    shares = cum[:, :, 1:] - cum[:, :, :-1]
    shares *= 1.0 / ns_per_px
    return shares


def _spans_in_view(index, lanes, t_start, t_end):
    """Per lane, (t0, t1, state) views of the spans overlapping [t_start, t_end).

    Spans never overlap in a lane, so t1 is sorted as t0 is."""
    # Integer keys (a float key made numpy convert the whole lane to float per search:
    # 14 ms a 10M-span frame).  floor/ceil only let in spans that touch the view's ends,
    # which clipping then gives no time.
    first, last = int(np.floor(t_start)), int(np.ceil(t_end))
    out = []
    for lane in lanes:
        ls = index.lanes[lane]
        lo = int(np.searchsorted(ls.t1, first, side="right"))
        hi = int(np.searchsorted(ls.t0, last, side="left"))
        hi = max(hi, lo)
        out.append((ls.t0[lo:hi], ls.t1[lo:hi], ls.state[lo:hi]))
    return out


def _laid_on_pixels(index, spans, t_start, ns_per_px, width):
    """The sparse way: each span's clipped extent in pixel units added to its pixels."""
    n_states, n_lanes, row = len(index.states), len(spans), width + 1
    shares = np.zeros((n_states, n_lanes, row))
    counts = [len(t0) for t0, _, _ in spans]
    if not sum(counts):
        return shares[:, :, :width]
    t0 = np.concatenate([s[0] for s in spans])
    t1 = np.concatenate([s[1] for s in spans])
    column = index._column[np.concatenate([s[2] for s in spans])].astype(np.int64)
    # Row of each span in the flattened (state column, lane, pixel) array.
    base = (column * n_lanes + np.repeat(np.arange(n_lanes), counts)) * row
    x0 = (np.maximum(t0, t_start) - t_start) / ns_per_px     # float pixel positions
    x1 = (np.minimum(t1, t_start + ns_per_px * width) - t_start) / ns_per_px
    np.clip(x0, 0.0, width, out=x0)
    np.clip(x1, x0, width, out=x1)
    p0 = x0.astype(np.int64)                                   # floor: x >= 0
    p1 = x1.astype(np.int64)
    one_pixel = p0 == p1
    # The first pixel gets the part of the span inside it; the last (p1) the part
    # inside that one; the pixels between are whole (a +1 at p0 + 1, -1 at p1, summed).
    first = np.where(one_pixel, x1 - x0, (p0 + 1) - x0)
    last = np.where(one_pixel, 0.0, x1 - p1)
    size = shares.size
    flat = np.bincount(base + p0, first, minlength=size)
    flat += np.bincount(base + p1, last, minlength=size)
    between = (p1 > p0 + 1).astype(np.float64)
    steps = np.bincount(base + np.minimum(p0 + 1, width), between, minlength=size)
    steps -= np.bincount(base + p1, between, minlength=size)
    np.cumsum(steps.reshape(shares.shape), axis=2, out=shares)
    shares += flat.reshape(shares.shape)
    return shares[:, :, :width]
