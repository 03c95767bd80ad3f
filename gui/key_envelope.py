"""A compare row's key plot kept as the lowest and highest value per time bin.  [numpy]

A traced race writes its shared variable about a hundred thousand times a second
per run; the plot shows at most a few thousand points.  Keeping every point and
sorting them all at each redraw cost the window ~20 ms a row a redraw, growing
with the run.  Here each new chunk of points is folded into a fixed number of
bins (its min and max per bin: O(new points)); when a point falls past the last
bin, every bin doubles its width (pairs merge, O(bins)).  A redraw reads the
bins: at most 2 x BINS points, whatever the length of the run.  The envelope
keeps every extreme: a drop of the counter (a lost update) shows however short.
"""
import numpy as np

BINS = 1500            # drawn as up to 2 points a bin: 3000 points
FIRST_BIN_NS = 100_000  # 0.1 ms: a short run is drawn point for point


class KeyEnvelope:
    """Min and max of a value per time bin, from t0 on; bins widen as time goes on."""

    def __init__(self, t0_ns: int, bins: int = BINS, first_bin_ns: int = FIRST_BIN_NS) -> None:
        if bins < 2 or bins % 2:
            raise ValueError("bins must be an even number >= 2")
        self.t0 = int(t0_ns)
        self.width = int(first_bin_ns)
        self.lo = np.full(bins, np.inf)
        self.hi = np.full(bins, -np.inf)
        self.count = 0  # points folded in

    def add(self, t_ns: np.ndarray, values: np.ndarray) -> None:
        """Fold points in (any order; times before t0 count as t0)."""
        if not len(t_ns):
            return
        rel = np.maximum(np.asarray(t_ns, np.int64) - self.t0, 0)
        last = int(rel.max())
        while last // self.width >= len(self.lo):
            self._widen()
        where = rel // self.width
        values = np.asarray(values, np.float64)
        np.minimum.at(self.lo, where, values)
        np.maximum.at(self.hi, where, values)
        self.count += len(rel)

    def _widen(self) -> None:
        half = len(self.lo) // 2
        lo, hi = self.lo.reshape(half, 2).min(axis=1), self.hi.reshape(half, 2).max(axis=1)
        self.lo[:half], self.lo[half:] = lo, np.inf
        self.hi[:half], self.hi[half:] = hi, -np.inf
        self.width *= 2

    def points(self) -> tuple:
        """(x in seconds since t0, y): each bin holding points gives its min then its max,
        at the bin's middle (one point when they are equal)."""
        held = np.flatnonzero(self.lo <= self.hi)
        if not len(held):
            return np.zeros(0), np.zeros(0)
        x = (held + 0.5) * (self.width / 1e9)
        lo, hi = self.lo[held], self.hi[held]
        two = lo != hi
        xs = np.repeat(x, np.where(two, 2, 1))
        ys = np.empty(len(xs))
        first = np.cumsum(np.where(two, 2, 1)) - np.where(two, 2, 1)
        ys[first] = lo
        ys[first[two] + 1] = hi[two]
        return xs, ys
