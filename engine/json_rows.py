"""JSON text for many similar records at once, built with numpy: no Python object per record.  [numpy]

A record is a row of columns: literal text, integers, fixed-point numbers
(nanoseconds written as microseconds with three decimals), or one string out
of a small table.  A block of records is rendered into one uint8 matrix, a row
per record and each column as wide as its widest value there, with a mask of
the bytes that are real; taking the masked bytes out in one pass leaves the
compact text of every record, one after another.  Integers are written digit
by digit with array arithmetic (one division by ten per digit position), so a
record costs the same few array operations whatever its values.  Blocks are
small enough to stay in the CPU cache and are yielded one by one, so a caller
streams them to a file.

    rows = Rows(len(t_ns))
    rows.text('{"ts":').micros(t_ns).text(',"name":').choice(codes, [b'"a"', b'"b"']).text('}\\n')
    for block in rows.blocks():
        out.write(block)
"""
import json

import numpy as np

BLOCK_ROWS = 16384  # records rendered at once: ~2 MB of matrix, cache-sized
_POW10 = np.array([10 ** k for k in range(20)], dtype=np.uint64)
_TEN = np.uint64(10)
_ZERO = np.uint64(48)


def json_string(text: str) -> bytes:
    """text as a JSON string literal, UTF-8."""
    return json.dumps(text, ensure_ascii=False).encode("utf-8")


def _digit_count(magnitude: np.ndarray, at_least: int = 1) -> np.ndarray:
    """How many decimal digits each uint64 needs (at least at_least)."""
    return np.maximum(np.searchsorted(_POW10[1:], magnitude, side="right") + 1, at_least)


class Rows:
    """Columns of n records, rendered to their JSON text by blocks() or build()."""

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self._columns = []  # (kind, data...)

    # -- columns -------------------------------------------------------------
    def text(self, literal) -> "Rows":
        """The same text in every record."""
        data = literal.encode("utf-8") if isinstance(literal, str) else bytes(literal)
        if data:
            self._columns.append(("text", np.frombuffer(data, np.uint8)))
        return self

    def integers(self, values) -> "Rows":
        """Signed integers in decimal."""
        v = np.asarray(values).astype(np.int64, copy=False)
        negative = v < 0
        # |v| in unsigned arithmetic: -(v + 1) + 1 does not overflow at the most negative int64
        magnitude = np.where(negative, (-(v + 1)).astype(np.uint64) + np.uint64(1), v.astype(np.uint64))
        self._columns.append(("int", magnitude, negative if negative.any() else None))
        return self

    def micros(self, nanoseconds) -> "Rows":
        """Non-negative nanoseconds as microseconds with exactly three decimals (exact)."""
        ns = np.asarray(nanoseconds).astype(np.int64, copy=False)
        if len(ns) and int(ns.min()) < 0:
            raise ValueError("micros() takes non-negative nanoseconds")
        self._columns.append(("micros", ns.astype(np.uint64)))
        return self

    def choice(self, codes, table) -> "Rows":
        """table[codes[i]] in record i; table: a list of str or bytes, already JSON text."""
        table = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in table]
        width = max((len(t) for t in table), default=0)
        if width:
            padded = np.zeros((len(table), width), np.uint8)
            lengths = np.zeros(len(table), np.int64)
            for i, t in enumerate(table):
                padded[i, :len(t)] = np.frombuffer(t, np.uint8)
                lengths[i] = len(t)
            self._columns.append(("choice", np.asarray(codes).astype(np.intp, copy=False),
                                  padded, lengths))
        return self

    # -- output --------------------------------------------------------------
    def build(self) -> bytes:
        """Every record's text, in order, as one bytes object."""
        return b"".join(self.blocks())

    def blocks(self, rows: int = BLOCK_ROWS):
        """The text of records [0, rows), [rows, 2 rows) ... as bytes, one block at a time."""
        for start in range(0, self.n, rows):
            yield self._render(start, min(self.n, start + rows))

    def _render(self, a: int, b: int) -> bytes:
        m = b - a
        plan, width, ragged = [], 0, False
        for col in self._columns:
            kind = col[0]
            if kind == "text":
                w = len(col[1])
            elif kind == "int":
                mag, neg = col[1][a:b], (None if col[2] is None else col[2][a:b])
                count = _digit_count(mag)
                w = int(count.max()) + (1 if neg is not None else 0)
                col = (kind, mag, neg, count)
                ragged = True
            elif kind == "micros":
                whole = col[1][a:b] // np.uint64(1000)
                count = _digit_count(whole)
                w = int(count.max()) + 4
                col = (kind, whole, col[1][a:b] % np.uint64(1000), count)
                ragged = True
            else:
                codes = col[1][a:b]
                lengths = col[3][codes]
                w = int(lengths.max())
                col = (kind, codes, col[2][:, :w], lengths)
                ragged = True
            plan.append((col, width, w))
            width += w
        out = np.empty((m, width), np.uint8)
        keep = np.ones((m, width), bool) if ragged else None
        for col, at, w in plan:
            kind = col[0]
            if kind == "text":
                out[:, at:at + w] = col[1]
            elif kind == "choice":
                out[:, at:at + w] = col[2][col[1]]
                keep[:, at:at + w] = np.arange(w)[None, :] < col[3][:, None]
            elif kind == "int":
                mag, neg, count = col[1], col[2], col[3]
                if neg is not None:
                    digits = w - 1
                    # the sign right before the digits, whose unused leading bytes are masked
                    out[:, at] = 45  # "-"
                    keep[:, at] = neg
                    at += 1
                else:
                    digits = w
                self._digits(out, keep, at, digits, mag, count)
            else:  # micros: whole "." three decimals
                whole, frac, count = col[1], col[2], col[3]
                self._digits(out, keep, at, w - 4, whole, count)
                out[:, at + w - 4] = 46  # "."
                q = frac
                for j in range(at + w - 1, at + w - 4, -1):
                    shifted = q // _TEN
                    out[:, j] = q - shifted * _TEN + _ZERO
                    q = shifted
        if not ragged:
            return out.tobytes()
        # np.compress on the flat views: about twice as fast as out[keep] (both C order)
        return np.compress(keep.ravel(), out.ravel()).tobytes()

    @staticmethod
    def _digits(out, keep, at: int, w: int, magnitude, count) -> None:
        """magnitude right-aligned in out[:, at:at + w], leading zeros masked out."""
        q = magnitude
        for j in range(at + w - 1, at - 1, -1):
            shifted = q // _TEN  # by a constant: numpy divides without a hardware division
            out[:, j] = q - shifted * _TEN + _ZERO
            q = shifted
        keep[:, at:at + w] = np.arange(w)[None, :] >= (w - count)[:, None]
