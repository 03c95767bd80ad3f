"""gui.pixel_shares: the two ways to a frame's per-pixel state shares agree, and a frame's
work is bounded by its pixels, not by the spans in view.  Pure numpy, no Qt."""
import numpy as np
import pytest

import gui.pixel_shares as pixel_shares_module
from gui.pixel_shares import SPARSE_SPANS_PER_PIXEL, pixel_shares
from gui.timeline_layout import LaneIndex, Spans, TimeAxis


def _random_lanes(rng, n_lanes, n, n_states=4, gaps=True):
    """Spans in time order per lane, with gaps between some, of n_states states."""
    lanes, t0s, t1s, states = [], [], [], []
    for lane in range(n_lanes):
        d = rng.integers(1, 200, n)
        gap = rng.integers(0, 50, n) * (rng.random(n) < 0.3) if gaps else np.zeros(n, np.int64)
        t1 = np.cumsum(d + gap)
        lanes.append(np.full(n, lane, np.int32))
        t0s.append(t1 - d)
        t1s.append(t1)
        states.append(rng.integers(0, n_states, n).astype(np.uint8))
    return Spans(np.concatenate(lanes), np.concatenate(t0s), np.concatenate(t1s),
                 np.concatenate(states))


def _both_ways(index, edges, lanes):
    dense = index.cumulative_columns(edges, lanes)
    dense = (dense[:, :, 1:] - dense[:, :, :-1]) / ((edges[-1] - edges[0]) / (len(edges) - 1))
    spans = pixel_shares_module._spans_in_view(index, lanes, float(edges[0]), float(edges[-1]))
    sparse = pixel_shares_module._laid_on_pixels(index, spans, float(edges[0]),
                                                 (edges[-1] - edges[0]) / (len(edges) - 1),
                                                 len(edges) - 1)
    return dense, sparse


@pytest.mark.parametrize("view, width", [
    ((0, 60_000), 37),            # the whole run: many spans a pixel
    ((10_000, 10_500), 100),      # zoomed: pixels narrower than spans
    ((10_003, 10_010), 7),        # a pixel a nanosecond
    ((-500, 300), 50),            # before the first span
    ((55_000, 90_000), 64),       # past the last span of some lanes
    ((1_234, 5_678), 1),          # one pixel
])
def test_laying_spans_on_pixels_gives_the_index_s_shares(view, width):
    rng = np.random.default_rng(11)
    index = LaneIndex(_random_lanes(rng, 3, 400))
    edges = TimeAxis(view[0], view[1], width).boundaries()
    dense, sparse = _both_ways(index, edges, [0, 1, 2])
    assert sparse.shape == dense.shape == (len(index.states), 3, width)
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-9)


def test_a_frame_s_work_is_bounded_by_its_pixels_not_by_the_spans_in_view(monkeypatch):
    """Zoomed in, the spans in view are laid on pixels (at most SPARSE_SPANS_PER_PIXEL a
    pixel); the whole run of 100x more spans than pixels is answered at the W + 1 pixel
    edges.  Either way the elements a frame touches grow with lanes x pixels."""
    rng = np.random.default_rng(3)
    n_lanes, width = 4, 50
    index = LaneIndex(_random_lanes(rng, n_lanes, 20_000, gaps=False))
    end = int(index.end_time())
    work = []
    laid, queried = pixel_shares_module._laid_on_pixels, index.cumulative_columns
    monkeypatch.setattr(pixel_shares_module, "_laid_on_pixels",
                        lambda idx, spans, *a: (work.append(("spans", sum(len(s[0]) for s in spans))),
                                                laid(idx, spans, *a))[1])
    monkeypatch.setattr(index, "cumulative_columns",
                        lambda xs, lanes: (work.append(("edges", len(xs) * len(lanes))),
                                           queried(xs, lanes))[1])
    for a, b in [(0, end), (0, end // 2), (end // 3, end // 3 + end // 100), (end // 2, end // 2 + 500)]:
        work.clear()
        pixel_shares(index, TimeAxis(a, b, width).boundaries(), list(range(n_lanes)))
        (kind, elements), = work
        assert elements <= SPARSE_SPANS_PER_PIXEL * n_lanes * (width + 1), (a, b, kind, elements)
    # The whole run has 400 spans a pixel: it must not have been laid span by span.
    work.clear()
    pixel_shares(index, TimeAxis(0, end, width).boundaries(), list(range(n_lanes)))
    assert work == [("edges", n_lanes * (width + 1))]
