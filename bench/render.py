"""Timeline frame time and index memory at 1M and 10M spans.  `python -m bench.render [--quick]`

A frame is what the widget does on a zoom or pan: render_lanes for a 1600 px
wide view, then TimelineWidget.draw_image (ImageItem.setImage), and the widget
painted: its plot's viewport repainted at once (QWidget.repaint: the image, the
axes with their tick texts, the lane labels), as the screen shows it (offscreen).  Three views: the whole run, 1 % of it, and
that 1 % window panned (each pan frame shifted by a tenth of the window, so no
frame repeats the last).  Goals, the paint included: <= 5 ms a frame at 1M spans, <= 20 ms at 10M; <= 80
bytes a span resident for the spans plus the index (the index's resident growth,
VmRSS, not its arrays' arithmetic).
Also: time to build the index, and to update it after 1 % more spans arrive.

Times are wall-clock medians: on a busy machine they include waiting for a CPU,
so `cpu` (process time, median) is printed beside them.
"""
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from gui.timeline_layout import GIL_WAIT, RUNNING, LaneIndex, Spans, render_lanes  # noqa: E402

WIDTH_PX = 1600
GOAL_MS = {1_000_000: 5.0, 10_000_000: 20.0}
GOAL_BYTES_PER_SPAN = 80.0


def synth(n_spans, n_lanes, grow=0.0, seed=0):
    """Lanes alternating running / waiting for the GIL, 20 us - 2 ms each span.

    Returns (spans, grown): grown has `grow` (a fraction) more spans per lane and
    restates each lane's last span longer, as a live update does (the open span).
    """
    rng = np.random.default_rng(seed)
    n = max(1, n_spans // n_lanes)
    extra = int(round(n * grow))
    d = rng.integers(20_000, 2_000_000, (n_lanes, n + extra))
    t1 = np.cumsum(d, axis=1)
    t0 = t1 - d
    state = np.where((np.arange(n + extra)[None, :] + np.arange(n_lanes)[:, None]) % 2,
                     GIL_WAIT, RUNNING).astype(np.uint8)

    def pack(cols, open_end=False):
        a0, a1 = t0[:, :cols].copy(), t1[:, :cols].copy()
        if open_end:  # the last span is still going: it ends "now", mid-way
            a1[:, -1] = (a0[:, -1] + a1[:, -1]) // 2
        return Spans(np.repeat(np.arange(n_lanes, dtype=np.int32), cols), a0.ravel(), a1.ravel(),
                     state[:, :cols].copy().ravel())

    return pack(n, open_end=bool(extra)), (pack(n + extra) if extra else None)


def _median_ms(times):
    return float(np.median(times) * 1e3)


def _rss() -> int:
    """This process's resident bytes (VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _frames(index, widget, views, image_item):
    wall, cpu = [], []
    viewport = widget.plot_widget.viewport()
    for a, b in views:
        w0, c0 = time.perf_counter(), time.process_time()
        img = render_lanes(index, a, b, WIDTH_PX)
        widget.draw_image(img, a / 1e9, b / 1e9)
        widget.view_box.setXRange(a / 1e9, b / 1e9, padding=0)  # the axes follow the view
        viewport.repaint()  # the paint itself: image, axes, labels
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    # setImage drops the QImage; only the paint makes it again: so the frames painted.
    assert image_item.qimage is not None and image_item.qimage.width() == WIDTH_PX, image_item.qimage
    return _median_ms(wall), _median_ms(cpu)


def measure(n_spans, n_lanes, frames, widget):
    """Figures for one data size: frame times per view, bytes a span, build/extend times."""
    spans, grown = synth(n_spans, n_lanes, grow=0.01)
    rss0 = _rss()
    t = time.perf_counter()
    index = LaneIndex(spans)
    build_ms = (time.perf_counter() - t) * 1e3
    index_resident = max(_rss() - rss0, index.nbytes())  # never below what its arrays hold
    out = {"spans": len(spans), "lanes": n_lanes, "build_ms": build_ms,
           "bytes_per_span": (spans.nbytes() + index_resident) / len(spans),
           "bytes_per_span_arithmetic": (spans.nbytes() + index.nbytes()) / len(spans),
           "index_bytes_per_span": index_resident / len(spans)}
    start, end = int(spans.t0.min()), int(spans.t1.max())
    span = end - start
    win = span // 100
    at = start + int(span * 0.4)
    views = {"full": [(start, end)] * frames,
             "zoom 1%": [(at, at + win)] * frames,
             "pan 1%": [(at + k * win // 10, at + k * win // 10 + win) for k in range(1, frames + 1)]}
    item = widget.image_item
    _frames(index, widget, views["full"][:2], item)  # warm up scratch buffers and Qt
    for name, vs in views.items():
        out[name + " ms"], out[name + " cpu ms"] = _frames(index, widget, vs, item)
    t = time.perf_counter()
    index.update(grown)
    out["extend_ms"] = (time.perf_counter() - t) * 1e3
    # The grown index must draw what a fresh one draws: the update is exact, not close.
    fresh = LaneIndex(grown)
    assert np.array_equal(render_lanes(index, start, end, 400), render_lanes(fresh, start, end, 400))
    goal = GOAL_MS.get(n_spans)
    out["goal_ms"] = goal
    out["ok"] = ((goal is None or all(out[v + " ms"] <= goal for v in views))
                 and out["bytes_per_span"] <= GOAL_BYTES_PER_SPAN)
    return out


def run(quick: bool = False) -> dict:
    """Measure; quick uses 100k spans (a few seconds).  Returns the figures per size."""
    import pyqtgraph as pg
    from gui.timeline import TimelineWidget
    app = pg.mkQApp()  # noqa: F841 (the widget needs it)
    widget = TimelineWidget()
    widget.resize(WIDTH_PX + 200, 600)
    widget.show()  # a shown widget paints (offscreen: into its backing store)
    app.processEvents()  # shown and laid out before the first frame
    sizes = [(100_000, 16)] if quick else [(1_000_000, 16), (10_000_000, 64)]
    results = [measure(n, lanes, 5 if quick else 21, widget) for n, lanes in sizes]
    widget.deleteLater()
    return {"width_px": WIDTH_PX, "load_avg": os.getloadavg()[0], "results": results,
            "ok": all(r["ok"] for r in results)}


def table(figures) -> str:
    cols = ("full", "zoom 1%", "pan 1%")
    lines = ["timeline frames, %d px wide (ms: wall median / cpu median); load average %.1f"
             % (figures["width_px"], figures["load_avg"]),
             "%-11s %6s" % ("spans", "lanes") + "".join("%16s" % c for c in cols)
             + "%8s %9s %10s %5s" % ("B/span", "build ms", "extend ms", "ok")]
    for r in figures["results"]:
        lines.append("%-11s %6d" % ("{:,}".format(r["spans"]), r["lanes"])
                     + "".join("%9.1f /%5.1f" % (r[c + " ms"], r[c + " cpu ms"]) for c in cols)
                     + "%8.1f %9.0f %10.1f %5s" % (r["bytes_per_span"], r["build_ms"],
                                                   r["extend_ms"], "yes" if r["ok"] else "NO"))
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(quick="--quick" in sys.argv[1:])))
