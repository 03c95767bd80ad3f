"""gui.timeline_layout: the time axis, the exact per-pixel state blend, spans under the cursor.

Pure numpy: no Qt here.  Expected colours are worked out by hand from a palette of
round numbers, so a table row reads as the arithmetic it checks.
"""
import subprocess
import sys

import numpy as np
import pytest

from gui.timeline_layout import (DEFAULT_PALETTE, GIL_WAIT, MIN_SHOWN_SHARE, N_STATES, RUNNING, STATE_KEYS,
                                 LaneIndex, Spans, TimeAxis, render_lanes, spans_at)

# Opaque, easy to blend by hand: running red, GIL wait blue, background white.
PAL = np.zeros((N_STATES + 1, 4), np.uint8)
PAL[:, 3] = 255
PAL[RUNNING] = (200, 0, 0, 255)
PAL[GIL_WAIT] = (0, 0, 200, 255)
PAL[-1] = (255, 255, 255, 255)
R, G = RUNNING, GIL_WAIT


def spans(*rows):
    """Spans from (lane, t0, t1, state) rows, sorted as the contract says."""
    rows = sorted(rows)
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return Spans(np.array(cols[0], np.int32), np.array(cols[1], np.int64),
                 np.array(cols[2], np.int64), np.array(cols[3], np.uint8))


# -- TimeAxis ------------------------------------------------------------------------------
@pytest.mark.parametrize("t_start, t_end, width, t, x", [
    (0, 100, 10, 0, 0.0),
    (0, 100, 10, 50, 5.0),
    (0, 100, 10, 100, 10.0),
    (1000, 1100, 4, 1025, 1.0),
    (1000, 1100, 4, 900, -4.0),       # left of the view: negative, not clamped
    (0, 1_000_000_000, 1600, 500_000_000, 800.0),
])
def test_time_axis_maps_both_ways(t_start, t_end, width, t, x):
    axis = TimeAxis(t_start, t_end, width)
    assert axis.x_of(t) == pytest.approx(x)
    assert axis.t_of(x) == pytest.approx(t)


@pytest.mark.parametrize("t_start, t_end, width, ns_per_px", [
    (0, 100, 10, 10.0), (0, 100, 0, 0.0), (50, 50, 10, 0.0), (60, 50, 10, 0.0), (0, 3, 2, 1.5)])
def test_time_axis_scale_and_degenerate_views(t_start, t_end, width, ns_per_px):
    axis = TimeAxis(t_start, t_end, width)
    assert axis.ns_per_px == ns_per_px
    edges = axis.boundaries()
    assert len(edges) == max(width, 0) + 1
    if width > 0:
        assert edges[0] == t_start and edges[-1] == t_end


# -- exact time in state ---------------------------------------------------------------------
def _random_spans(rng, n_lanes, n_max, gaps=True, n_states=N_STATES):
    rows = []
    for lane in range(n_lanes):
        t = int(rng.integers(0, 30))
        for _ in range(int(rng.integers(0, n_max))):
            if gaps and rng.random() < 0.3:
                t += int(rng.integers(1, 20))
            d = int(rng.integers(0, 50))  # zero-length spans too
            rows.append((lane, t, t + d, int(rng.integers(0, n_states))))
            t += d
    return spans(*rows)


def _brute_force(sp, lane, a, b):
    m = sp.lane == lane
    over = np.clip(np.minimum(sp.t1[m], b) - np.maximum(sp.t0[m], a), 0, None)
    return np.bincount(sp.state[m], weights=over, minlength=N_STATES)  # float: edges may be


@pytest.mark.parametrize("block", [1, 2, 3, 8, 16])
def test_time_in_states_is_exact_at_partial_edges(block):
    rng = np.random.default_rng(block)
    for _ in range(40):
        sp = _random_spans(rng, int(rng.integers(1, 5)), 60)
        index = LaneIndex(sp, n_lanes=5, block=block)
        for _ in range(15):
            lane = int(rng.integers(0, 5))
            a = int(rng.integers(-20, 1500))
            b = a + int(rng.integers(0, 600))
            got = index.time_in_states(lane, a, b)
            assert got.dtype == np.int64
            assert np.array_equal(got, _brute_force(sp, lane, a, b).astype(np.int64))


def test_time_in_states_table():
    index = LaneIndex(spans((0, 0, 10, R), (0, 10, 30, G), (0, 40, 50, R)))
    for a, b, running, waiting in [(0, 50, 20, 20), (5, 15, 5, 5), (30, 40, 0, 0),
                                   (25, 45, 5, 5), (-100, 0, 0, 0), (50, 900, 0, 0), (7, 7, 0, 0)]:
        got = index.time_in_states(0, a, b)
        assert (got[R], got[G]) == (running, waiting), (a, b)
        assert got.sum() == running + waiting


# -- blending ------------------------------------------------------------------------------------
WHITE, RED, BLUE = (255, 255, 255, 255), (200, 0, 0, 255), (0, 0, 200, 255)


def mix(*parts):
    """Expected pixel: (weight, colour) parts, rounded the way render_lanes rounds."""
    return tuple(int(np.rint(sum(w * c[i] for w, c in parts))) for i in range(4))


@pytest.mark.parametrize("name, rows, view, width, expected", [
    ("a span covering half a pixel",
     [(0, 0, 5, R)], (0, 10), 1, [[mix((0.5, RED), (0.5, WHITE))]]),
    ("a span crossing a pixel boundary",
     [(0, 5, 15, R)], (0, 20), 2, [[mix((0.5, RED), (0.5, WHITE)), mix((0.5, RED), (0.5, WHITE))]]),
    ("two states in one pixel, 30/70",
     [(0, 0, 3, R), (0, 3, 10, G)], (0, 10), 1, [[mix((0.3, RED), (0.7, BLUE))]]),
    ("many spans per pixel",
     [(0, t, t + 1, R if t % 4 else G) for t in range(40)], (0, 40), 2,
     [[mix((0.75, RED), (0.25, BLUE))] * 2]),
    ("one span over many pixels",
     [(0, -100, 100, G)], (0, 10), 3, [[BLUE] * 3]),
    ("a view right of all data",
     [(0, 0, 10, R)], (20, 30), 2, [[WHITE] * 2]),
    ("a lane without spans next to one with",
     [(1, 0, 10, R)], (0, 10), 1, [[WHITE], [RED]]),
    ("a zero-length view: no time in any pixel",
     [(0, 0, 10, R)], (5, 5), 3, [[WHITE] * 3]),
    ("no pixels",
     [(0, 0, 10, R)], (0, 10), 0, [[]]),
])
def test_render_lanes_blend(name, rows, view, width, expected):
    index = LaneIndex(spans(*rows), n_lanes=len(expected))
    img = render_lanes(index, view[0], view[1], width, PAL)
    assert img.dtype == np.uint8 and img.shape == (len(expected), width, 4), name
    assert [[tuple(int(v) for v in px) for px in lane] for lane in img] == expected, name


def test_render_with_a_transparent_background_keeps_colour_and_halves_alpha():
    pal = PAL.copy()
    pal[-1] = (0, 0, 0, 0)
    img = render_lanes(LaneIndex(spans((0, 0, 5, R))), 0, 10, 1, pal)
    assert tuple(img[0, 0]) == (200, 0, 0, 128)


def test_a_span_far_narrower_than_its_pixel_is_still_seen_when_alone_there():
    # 1 ns running in a 1 ms pixel, nothing else: time-weighted it would be 0.0001 %
    # opaque, so a pixel where something happened would look empty.  Next to it, a pixel a
    # quarter covered or more keeps its true share; an empty pixel stays background.
    pal = PAL.copy()
    pal[-1] = (0, 0, 0, 0)
    index = LaneIndex(spans((0, 500_000, 500_001, R), (0, 1_000_000, 1_600_000, G)))
    img = render_lanes(index, 0, 3_000_000, 3, pal)
    assert tuple(img[0, 0]) == (200, 0, 0, int(np.rint(255 * MIN_SHOWN_SHARE)))
    assert tuple(img[0, 1]) == (0, 0, 200, 153)  # 60 % of the pixel: its true share
    assert tuple(img[0, 2]) == (0, 0, 0, 0)


def test_render_of_no_lanes_is_empty():
    assert render_lanes(LaneIndex(Spans.empty()), 0, 10, 5).shape == (0, 5, 4)


def test_render_matches_a_per_pixel_brute_force():
    rng = np.random.default_rng(7)
    sp = _random_spans(rng, 3, 200, n_states=3)
    index = LaneIndex(sp, n_lanes=3)
    img = render_lanes(index, 100, 1900, 37, PAL)
    edges = TimeAxis(100, 1900, 37).boundaries()
    for lane in range(3):
        for x in range(37):
            w = _brute_force(sp, lane, edges[x], edges[x + 1]) / (edges[x + 1] - edges[x])
            if 0 < w.sum() < MIN_SHOWN_SHARE:  # a faint pixel is drawn at the least shown share
                w *= MIN_SHOWN_SHARE / w.sum()
            want = sum(w[s] * PAL[s].astype(float) for s in range(N_STATES)) + (1 - w.sum()) * PAL[-1]
            assert np.abs(img[lane, x].astype(int) - want).max() <= 1, (lane, x)


def test_default_palette_tells_running_from_gil_wait_in_greyscale():
    # A lecturer's projector, or a reader who cannot tell the hues apart: luminance alone
    # must separate the two states the gil scenario is about.
    def luminance(rgb):
        c = np.asarray(rgb[:3], float) / 255
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ (0.2126, 0.7152, 0.0722))
    def contrast(a, b):
        la, lb = luminance(a), luminance(b)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    running, waiting = DEFAULT_PALETTE[RUNNING], DEFAULT_PALETTE[GIL_WAIT]
    assert contrast(running, waiting) >= 3.0  # WCAG's minimum for graphics
    for background in ((255, 255, 255), (0x11, 0x12, 0x14)):  # the light and dark plot themes
        assert contrast(running, background) >= 3.0
    assert contrast(waiting, (0x11, 0x12, 0x14)) >= 3.0  # on white, orange shows by its hue
    assert DEFAULT_PALETTE.shape == (N_STATES + 1, 4)


def _lab(rgb, cvd=None):
    """CIELAB of sRGB rows, optionally as a protan/deutan viewer sees them (Machado 2009)."""
    c = np.atleast_2d(np.asarray(rgb, float))[:, :3] / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if cvd is not None:
        c = np.clip(c @ np.asarray(cvd).T, 0, 1)
    xyz = c @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                        [0.0193, 0.1192, 0.9505]]).T / (0.95047, 1.0, 1.08883)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def test_io_wait_is_no_blend_of_the_common_state_pairs():
    """Running + pre-empted looks green in a pixel: green must not also mean "waiting for I/O",
    or a room reads CPU-bound processes as I/O-bound. No mix of running with a wait state (or
    of GIL wait with pre-empted) may look like io_wait, nor may another state's own colour,
    for normal, protan or deutan vision."""
    from gui.timeline_layout import (DONE, IDLE, IO_WAIT, JOIN_WAIT, LOCK_WAIT, PREEMPTED,
                                     QUEUE_WAIT, SLEEPING)
    pal = DEFAULT_PALETTE.astype(float)
    pairs = [(RUNNING, s) for s in (GIL_WAIT, PREEMPTED, LOCK_WAIT, QUEUE_WAIT, SLEEPING, IDLE,
                                    JOIN_WAIT)] + [(GIL_WAIT, PREEMPTED)]
    share = np.linspace(0, 1, 51)[:, None]
    mixes = np.vstack([share * pal[a] + (1 - share) * pal[b] for a, b in pairs]
                      + [pal[[s for s in range(N_STATES) if s not in (IO_WAIT, DONE)]]])
    views = (None, [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                    [-0.003882, -0.048116, 1.051998]],
             [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
              [-0.011820, 0.042940, 0.968881]])
    for cvd in views:
        nearest = np.sqrt(((_lab(mixes, cvd) - _lab(pal[IO_WAIT], cvd)) ** 2).sum(1)).min()
        assert nearest >= 25, (cvd is not None, nearest)  # CIELAB delta E: clearly another colour
    luminance = float((_lab(pal[IO_WAIT])[0, 0] + 16) / 116) ** 3
    for background in (1.0, 0.0063):  # white and the dark plot background #111214
        assert (max(luminance, background) + 0.05) / (min(luminance, background) + 0.05) >= 3.0


# -- spans under the cursor ---------------------------------------------------------------------
SP = spans((0, 0, 10, R), (0, 10, 30, G), (0, 40, 50, R), (1, 5, 6, G))


@pytest.mark.parametrize("lane, a, b, max_n, want", [
    (0, 5, 5, 10, [(0, 10)]),                         # a point inside a span
    (0, 10, 10, 10, [(10, 30)]),                      # a boundary belongs to the span it starts
    (0, 35, 35, 10, []),                              # a gap
    (0, 0, 50, 10, [(0, 10), (10, 30), (40, 50)]),
    (0, 0, 50, 2, [(0, 10), (10, 30)]),               # at most max_n, earliest first
    (0, 29, 41, 10, [(10, 30), (40, 50)]),
    (0, -5, -1, 10, []), (0, 50, 60, 10, []),         # before and after the data
    (1, 0, 100, 10, [(5, 6)]),
])
def test_spans_at(lane, a, b, max_n, want):
    got = spans_at(LaneIndex(SP), lane, a, b, max_n)
    assert list(zip(got.t0.tolist(), got.t1.tolist())) == want
    assert set(got.lane.tolist()) <= {lane}


# -- live growth ---------------------------------------------------------------------------------
def _grow_steps(rng, n_lanes, steps):
    """Spans as a live run sees them: each step restates every lane's open span and appends."""
    t = np.zeros(n_lanes, np.int64)
    done = [[] for _ in range(n_lanes)]
    for step in range(steps):
        for lane in range(n_lanes):
            for _ in range(int(rng.integers(0, 12))):
                d = int(rng.integers(1, 40))
                state = int(rng.choice([R, G, 2 + step % 3]))  # new states appear over time
                done[lane].append((lane, int(t[lane]), int(t[lane]) + d, state))
                t[lane] += d
        now = int(t.max()) + 5
        open_spans = [(lane, int(t[lane]), now, R) for lane in range(n_lanes)]
        yield spans(*[r for rows in done for r in rows], *open_spans), n_lanes


def test_update_with_appended_spans_equals_a_fresh_index():
    rng = np.random.default_rng(3)
    index = LaneIndex(block=4)
    for sp, n_lanes in _grow_steps(rng, 4, 25):
        index.update(sp, n_lanes)
        fresh = LaneIndex(sp, n_lanes, block=4)
        end = int(sp.t1.max())
        assert np.array_equal(render_lanes(index, 0, end, 50, PAL), render_lanes(fresh, 0, end, 50, PAL))
        for lane in range(n_lanes):
            assert np.array_equal(index.time_in_states(lane, 3, end - 2),
                                  fresh.time_in_states(lane, 3, end - 2))


def test_update_rebuilds_a_lane_whose_past_changed():
    index = LaneIndex(spans((0, 0, 10, R), (0, 10, 20, G), (0, 20, 30, R)), block=1)
    changed = spans((0, 0, 10, G), (0, 10, 20, G), (0, 20, 30, R), (0, 30, 40, G))
    index.update(changed)
    assert index.time_in_states(0, 0, 40)[G] == 30
    index.update(spans((0, 0, 5, R)))  # fewer spans: a new run's data
    assert index.time_in_states(0, 0, 40)[R] == 5 and index.time_in_states(0, 0, 40)[G] == 0


def test_new_lanes_can_appear():
    index = LaneIndex(spans((0, 0, 10, R)), n_lanes=1)
    index.update(spans((0, 0, 10, R), (2, 0, 10, G)), n_lanes=3)
    assert index.n_lanes == 3
    assert index.time_in_states(2, 0, 10)[G] == 10 and index.time_in_states(1, 0, 10).sum() == 0


@pytest.mark.parametrize("n_states", [2, N_STATES])  # a GIL run; every state at once
def test_memory_per_span_stays_under_goal(n_states):
    n_lanes, n = 16, 10_000
    t1 = np.cumsum(np.full((n_lanes, n), 1000), axis=1)
    sp = Spans(np.repeat(np.arange(n_lanes, dtype=np.int32), n), (t1 - 1000).ravel(), t1.ravel(),
               np.tile(np.arange(n) % n_states, n_lanes).astype(np.uint8))
    index = LaneIndex(sp)
    assert (sp.nbytes() + index.nbytes()) / len(sp) <= 80


# -- contracts with the rest of the program ---------------------------------------------------
def test_state_codes_mirror_the_wire_module():
    wire = pytest.importorskip("engine.wire")
    assert tuple(name for _, name in wire.STATES) == STATE_KEYS
    assert [code for code, _ in wire.STATES] == list(range(N_STATES))


def test_layout_imports_no_qt():
    code = ("import sys, gui.timeline_layout; "
            "print(sorted(m for m in sys.modules if 'PySide' in m or 'pyqtgraph' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == "[]"
