"""A compare row's key plot: per-bin min and max, however the points arrive.  [numpy only]"""
import numpy as np
import pytest

from gui.key_envelope import KeyEnvelope


def _brute(t, v, t0, width, bins):
    """Min and max per bin of the final width, from every point at once."""
    where = np.maximum(t - t0, 0) // width
    lo, hi = np.full(bins, np.inf), np.full(bins, -np.inf)
    np.minimum.at(lo, where, v)
    np.maximum.at(hi, where, v)
    return lo, hi


@pytest.mark.parametrize("seed", range(5))
def test_chunks_in_any_order_give_the_bins_of_all_points_at_once(seed):
    rng = np.random.default_rng(seed)
    n = 20_000
    t = np.sort(rng.integers(1_000, 3_000_000_000, n)).astype(np.int64)
    v = rng.normal(size=n)
    env = KeyEnvelope(t0_ns=1_000, bins=100, first_bin_ns=1_000)
    order = rng.permutation(n)  # threads' frames arrive out of time order
    for part in np.array_split(order, 37):
        env.add(t[part], v[part])
    assert env.count == n
    assert int(t.max() - 1_000) // env.width < 100 <= 2 * (int(t.max() - 1_000) // env.width + 1)
    lo, hi = _brute(t, v, 1_000, env.width, 100)
    assert np.array_equal(env.lo, lo) and np.array_equal(env.hi, hi)


def test_a_drop_shorter_than_a_bin_is_kept():
    """The counter falls once (a lost update): decimating by taking every k-th point could
    miss it; the envelope cannot."""
    t = np.arange(100_000, dtype=np.int64) * 1_000
    v = np.arange(100_000, dtype=np.float64)
    v[54_321] = 5.0
    env = KeyEnvelope(t0_ns=0)
    env.add(t, v)
    x, y = env.points()
    assert len(x) <= 2 * len(env.lo) and 5.0 in y
    assert np.all(np.diff(x) >= 0)


def test_points_are_exact_while_each_bin_holds_one_point():
    env = KeyEnvelope(t0_ns=0, bins=10, first_bin_ns=10)
    env.add(np.array([5, 25, 95]), np.array([1.0, 2.0, 3.0]))
    x, y = env.points()
    assert list(y) == [1.0, 2.0, 3.0]
    assert np.allclose(x, np.array([5, 25, 95]) / 1e9)


def test_an_odd_number_of_bins_is_refused():
    with pytest.raises(ValueError):
        KeyEnvelope(0, bins=7)
