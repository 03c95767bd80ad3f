"""The shared-variable trace: every read and write on its thread's row, the value over time,
and each lost update linked back to the stale read it was computed from.

Arrays in, a few graphics items out: one scatter for reads, one for writes, one
for the lost writes, one line item for all the links (connect="pairs" style
array), and a small reused pool of value labels shown only when few marks are in
view.  The data (gui/trace_data.py) grows by what settled since the last tick;
its lost updates match engine.analysis.lost_updates, which the verdict counts with.
"""
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget

from engine.wire import K

from . import theme as theme_module
from .memory import release_after
from .time_range import TimeRange
from .throttle import Throttle
from .titled_panel import TitledPanel
from .trace_data import VALUE_BLOCK, TraceData, final_trace
from .whole_text import WholeLabel

MARKS_PER_SYMBOL = 2  # marks a row shows per symbol width; beyond it, a sample (lost updates
                      # always shown): more would only overlap, and pyqtgraph's scatter costs
                      # ~8-15 us a spot to update (10k spots: 80-150 ms, a visible stutter)
MAX_MARKS = 2400      # reads and writes drawn at most, whatever the rows and the width
MAX_LABELS = 60      # value labels appear when at most this many marks are in view
LINK_RISE = 0.36     # the link is drawn as a bracket this far above the row
READ_LIFT = 0.13     # reads sit a little above the row, writes a little below: both stay visible
ADOPT_OVER = 300_000   # accesses pending at the end of a run past which the verdict's are taken
RANGE_DRAW_MS = 40     # marks and value curve redrawn at most this often (25 a second)
DRAIN_DRAW_S = 0.1     # after the run, the settling rest is drawn this often, not every slice
BUILD_POLL_MS = 10     # how often the GUI thread looks whether the end's trace is built
CANVAS_MIN_LINES = 8  # the thread rows and the value plot, each with its ticks, never
                      # shorter than this many text lines together (at 1024x768 with text
                      # x1.5 the value plot was a line)
SETTLE_BUDGET_S = 0.012  # a tick settles what fits in this (measured cost per access), so
                         # the window never waits for the trace; after the run, ticks follow
                         # each other at once until all is settled


class TraceView(TitledPanel):
    """Reads and writes of the most used shared variable, by thread, and its value."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self._theme, self._px = theme, pixel_size
        self.previous_button = self.add_to_header(QPushButton())
        self.previous_button.clicked.connect(self.show_previous_lost)
        self.lost_position = self.add_to_header(QLabel())  # "k of N": which lost update is shown
        self.next_button = self.add_to_header(QPushButton())
        self.next_button.clicked.connect(self.show_next_lost)
        self.legend = self.add_body(WholeLabel())  # wraps, never cut; also the title's tooltip
        self.legend.setTextFormat(Qt.TextFormat.RichText)  # its marks drawn in their colours
        self.legend.setStyleSheet("color: %s" % theme.muted)
        # Before the first read or write (no run yet), a sentence in the plots' place, not
        # empty axes titled "of ?" and "value of ?"; both in one stack, so the panel's
        # minimum height (and the plots area's sharing) is the same before and after.
        self.body_stack = self.add_body(QStackedWidget())
        self.column.setStretchFactor(self.body_stack, 1)  # spare height to the plots, not texts
        self.canvas = pg.GraphicsLayoutWidget()
        self.body_stack.addWidget(self.canvas)
        self.empty_note = WholeLabel()
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_stack.addWidget(self.empty_note)
        self.rows_plot = self.canvas.addPlot(row=0, col=0)
        self.value_plot = self.canvas.addPlot(row=1, col=0)
        # Both plots show the seconds the timeline shows (share_time_axis); until a plots
        # area gives its range, a range of their own (one object, not an x-link).
        self.time_range = None
        self._shared = False
        self.share_time_axis(TimeRange(self), shared=False)
        self.canvas.ci.layout.setRowStretchFactor(0, 3)
        self.canvas.ci.layout.setRowStretchFactor(1, 2)
        for plot in (self.rows_plot, self.value_plot):
            plot.hideButtons()
        self.rows_plot.setMouseEnabled(x=True, y=False)
        self.links = pg.PlotDataItem(connect="finite")
        self.reads = pg.ScatterPlotItem(symbol="o", hoverable=True, tip=self._tip)
        self.writes = pg.ScatterPlotItem(symbol="s", hoverable=True, tip=self._tip)
        self.overwritten = pg.ScatterPlotItem(symbol="x")
        self.lost_marks = pg.ScatterPlotItem(symbol="s", hoverable=True, tip=self._tip)
        self.stale_marks = pg.ScatterPlotItem(symbol="o")
        for item in (self.links, self.reads, self.writes, self.overwritten, self.stale_marks,
                     self.lost_marks):
            self.rows_plot.addItem(item)
        self.value_curve = pg.PlotDataItem()
        self.value_lost = pg.ScatterPlotItem(symbol="o")
        self.value_plot.addItem(self.value_curve)
        # Millions of writes: _value_series sends only the view's min/max per pixel column.
        self.value_plot.addItem(self.value_lost)
        self._per_access_s = 2e-7  # measured settle cost per access (starts at a guess)
        self._labels = []
        self._drain = QTimer(self)  # after the run: settle the rest a slice per tick
        self._drain.setInterval(0)  # one slice per event-loop pass: input and paints in between
        self._drain.timeout.connect(self._drain_tick)
        self._building = None  # (thread, [its TraceData or exception]) while the end's is built
        self._build_poll = QTimer(self)  # the GUI thread only looks whether it is done
        self._build_poll.setInterval(BUILD_POLL_MS)
        self._build_poll.timeout.connect(self._poll_build)
        # A zoom, a pan or the following timeline moves the range many times a second:
        # the marks and the curve are redrawn once per RANGE_DRAW_MS, for the latest range.
        self._range_throttle = Throttle(self, RANGE_DRAW_MS, self._draw_range)
        self.rows_plot.sigXRangeChanged.connect(lambda *_: self._schedule_range())
        self.rows_plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
        self.value_plot.getViewBox().sigRangeChangedManually.connect(self._user_moved)
        self.reset(0)
        self.apply_theme(theme)

    def share_time_axis(self, time_range, shared: bool = True) -> None:
        """Show the seconds time_range holds (the plots area's, which the timeline leads): a
        lost update zoomed here is zoomed on the timeline too, and the reverse."""
        if self.time_range is not None:
            for plot in (self.rows_plot, self.value_plot):
                self.time_range.detach(plot.getViewBox())
        self.time_range, self._shared = time_range, shared
        for plot in (self.rows_plot, self.value_plot):
            plot.enableAutoRange(x=False)
            time_range.attach(plot.getViewBox())

    def left_axes(self) -> list:
        """The left axes and the widest tick each shows (the plots area aligns them)."""
        names = [name for name in self._names.values()] or ["THREAD16"]
        values = self.data.value_range()  # (the writes' values are read from the run's records)
        widest = str(values[0]) if values else "-100000"
        if values and len(str(values[1])) > len(widest):
            widest = str(values[1])
        return [(self.rows_plot.getAxis("left"), names), (self.value_plot.getAxis("left"), [widest])]

    # -- appearance ----------------------------------------------------------------
    def apply_theme(self, theme, pixel_size: int = None) -> None:
        self._theme, self._px = theme, pixel_size or self._px
        t = theme
        self.canvas.setBackground(t.plot_bg)
        self.canvas.setMinimumHeight(CANVAS_MIN_LINES * self._px)
        self.legend.setStyleSheet("color: %s" % t.muted)
        self.empty_note.setStyleSheet("color: %s; background: %s" % (t.muted, t.plot_bg))
        for plot in (self.rows_plot, self.value_plot):
            theme_module.style_plot(plot, t, self._px)
        size = max(6, round(self._px * 0.55))
        self.reads.setPen(pg.mkPen(t.read, width=1.5))
        self.reads.setBrush(pg.mkBrush(None))
        self.reads.setSize(size)
        self.writes.setPen(pg.mkPen(t.write, width=1))
        self.writes.setBrush(pg.mkBrush(t.write))
        self.writes.setSize(size)
        self.lost_marks.setPen(pg.mkPen(t.bad, width=2))
        self.lost_marks.setBrush(pg.mkBrush(t.bad))
        self.lost_marks.setSize(size * 1.4)
        self.stale_marks.setPen(pg.mkPen(t.bad, width=2.5))
        self.stale_marks.setBrush(pg.mkBrush(None))
        self.stale_marks.setSize(size * 1.5)
        self.overwritten.setPen(pg.mkPen(t.warn, width=2))
        self.overwritten.setBrush(pg.mkBrush(t.warn))
        self.overwritten.setSize(size * 1.3)
        self.links.setPen(pg.mkPen(t.bad, width=2))
        self.value_curve.setPen(pg.mkPen(t.accent, width=2))
        self.value_lost.setPen(pg.mkPen(t.bad, width=1))
        self.value_lost.setBrush(pg.mkBrush(t.bad))
        self.value_lost.setSize(size * 1.1)
        for label in self._labels:  # the pool is rebuilt with the new colour and size
            self.rows_plot.removeItem(label)
        self._labels = []
        self.retranslate()
        self._draw_marks()

    def retranslate(self, lang: str = "en") -> None:
        name = self.data.var
        self._show_count()
        self.empty_note.setText(self.tr(
            "Nothing recorded yet. Press Run: every read and write of the shared variable "
            "appears here, on its thread's row, with each lost update linked to its stale read."))
        self.body_stack.setCurrentWidget(self.canvas if name else self.empty_note)
        self.next_button.setText(self.tr("Next lost update ▶"))
        self.next_button.setToolTip(self.tr("Zoom in on the next lost update and the stale read it came from"))
        self.previous_button.setText(self.tr("◀ Previous"))
        self.previous_button.setToolTip(self.tr("Zoom in on the previous lost update"))
        theme_module.axis_label(self.value_plot, "left", self.tr("value of {0}").format(name or ""),
                                self._theme, self._px)
        theme_module.axis_label(self.value_plot, "bottom", self.tr("seconds since Run"),
                                self._theme, self._px)

    def _show_count(self) -> None:
        """The texts that say how many lost updates: what a live frame of a race changes.
        Only these (a text set again, even the same, re-laid the header out and repainted
        what lies under it; an axis label set again regenerated the value plot's axes)."""
        name = self.data.var
        count = self.lost_count()
        if name:
            head = self.tr("Reads ○ and writes ■ of {0} by thread: {1} lost updates").format(name, count)
        else:
            head = self.tr("Reads ○ and writes ■ by thread: no run yet")
        # The marks themselves, in their colours, name what they are: no colour is named
        # (under deuteranopia "red" and "orange" were one olive).
        mark = '<span style="color:%s">%s</span>'
        legend = self.tr("{0} lost update, bracketed back to its stale read {1}; {2} the write it "
                         "overwrote").format(mark % (self._theme.bad, "■"), "○",
                                             mark % (self._theme.warn, "×"))
        self.title.setText("<b>%s</b>" % head)
        self.title.setToolTip("%s<br>%s" % (head, legend))
        if self.legend.text() != (legend if count else ""):
            self.legend.setText(legend if count else "")
        self.legend.setVisible(bool(count))
        self.next_button.setEnabled(bool(count))
        self.previous_button.setEnabled(bool(count))
        shown = self._lost_cursor + 1 if 0 <= self._lost_cursor < count else 0
        self.lost_position.setText(self.tr("{0} of {1}").format(shown, count) if shown else "")
        self.lost_position.setVisible(bool(shown))

    def show_next_lost(self) -> None:
        """Zoom to the next lost update: its stale read, the writes between, its write, with values."""
        self._show_lost(+1)

    def show_previous_lost(self) -> None:
        self._show_lost(-1)

    def _show_lost(self, step: int) -> None:
        """Zoom every plot with time across (the timeline too) on lost update cursor + step."""
        count = self.lost_count()
        if not count:
            return
        self._lost_cursor = (self._lost_cursor + step) % count
        r = int(self.data.lost.read.view()[self._lost_cursor])
        w = int(self.data.lost.write.view()[self._lost_cursor])
        t = self.data.t.view()
        first, last = max(0, r - 4), min(len(t) - 1, w + 4)
        x0, x1 = (t[first] - self._t0_ns) / 1e9, (t[last] - self._t0_ns) / 1e9
        pad = max(x1 - x0, 1e-7) * 0.05
        self._following = False
        self.time_range.moved_by_user.emit()  # the timeline stops following the run
        self.time_range.set(x0 - pad, x1 + pad)
        self.retranslate()

    # -- data ------------------------------------------------------------------------
    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self.data = TraceData(t0_ns)
        self._names = {}      # (pid, worker) -> thread name
        self._strings = {}
        self._lost_drawn = 0
        self._lost_cursor = -1
        self._ended = False
        self._following = True  # live: the rows plot shows everything so far
        self._next_refresh = 0.0
        self._rows_shown = -1
        self._lost_shown = -1
        for item in (self.reads, self.writes, self.lost_marks, self.stale_marks, self.overwritten,
                     self.value_lost):
            item.clear()
        self.links.setData([], [])
        self.value_curve.setData([], [])
        for label in self._labels:
            label.hide()
        if hasattr(self, "_drain"):
            self._drain.stop()
            self._build_poll.stop()
            if self._building is not None:  # the previous run's build: dropped when it ends
                release_after(self._building[0])
            self._building = None
        if hasattr(self, "title"):
            self.retranslate()

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        kinds = chunk["kind"]
        for e in chunk[kinds == K.WORKER_START]:  # a few per run
            pid = int(e["pid"])
            self._names[(pid, int(e["worker"]))] = strings.get((pid, int(e["b"])), "?")
        self.data.add(chunk)
        self._strings = strings

    def refresh(self, force: bool = False, draw: bool = True) -> None:
        """Settle what fits in SETTLE_BUDGET_S and draw it; throttled by its own cost."""
        now = time.monotonic()
        if self._building is not None or (not force and now < self._next_refresh):
            return  # (the end's whole trace is being built: settling here would be thrown away)
        limit = max(20_000, int(SETTLE_BUDGET_S / self._per_access_s))
        moved = self.data.settle(self._strings, everything=self._ended, limit=limit)
        if moved > 10_000:  # the cost per access, as this machine has it now
            self._per_access_s = 0.7 * self._per_access_s + 0.3 * (time.monotonic() - now) / moved
        if (not moved and not force) or not draw:
            return
        self._draw_new()
        # Keep the window responsive with millions of accesses: at most ~1/4 of the time here.
        self._next_refresh = now + 3 * (time.monotonic() - now)

    def finish(self, result) -> None:
        """The run is over: nothing precedes what is pending now.

        A long tail (the window fell behind a fast run) is built whole from the verdict's
        own arrays on a thread of its own (gui.trace_data.final_trace: O(n) gathers, the
        lost updates the verdict's by construction); this thread only swaps it in when it
        is done, so the window stays live (at 8M accesses the copies took 0.8 s here).
        A short tail settles over a few ticks, drawn at most every DRAIN_DRAW_S.
        """
        self._ended = True
        if self.data.pending > ADOPT_OVER and result is not None and self.data.var:
            self._build_final(result.view)
            return
        self._drain_rest()

    def _drain_rest(self) -> None:
        self._next_draw = 0.0
        self._drain_tick()

    def _build_final(self, view) -> None:
        built, var, rows, t0 = [], self.data.var, dict(self.data.rows), self._t0_ns

        def build() -> None:
            try:
                built.append(final_trace(view, var, rows, t0))
            except Exception as exc:  # the live data settles instead: never a lost trace
                built.append(exc)

        thread = threading.Thread(target=build, name="gilscope-trace-end", daemon=True)
        self._building = (thread, built)
        thread.start()
        self.data.drop_pending()  # never drawn now: 4 B an access less at the window's peak
        self._build_poll.start()

    def _poll_build(self) -> None:
        if self._building is None or self._building[0].is_alive():
            return
        self._build_poll.stop()
        built = self._building[1][0]
        self._building = None
        if isinstance(built, Exception):  # the accesses settle here instead, from the start
            self.data = self.data.replayed()
            self._lost_drawn = self._rows_shown = self._lost_shown = -1
            self._drain_rest()
            return
        self.data = built
        self._lost_drawn = self._rows_shown = self._lost_shown = -1  # all of it is new
        self._draw_new()
        self._draw_range()

    def _drain_tick(self) -> None:
        now = time.monotonic()
        draw = now >= self._next_draw
        self.refresh(force=True, draw=draw)
        if draw:
            self._next_draw = now + DRAIN_DRAW_S
        if self.data.pending:
            self._drain.start()
        else:
            self._drain.stop()
            self._draw_new()
            self._draw_range()

    def settled(self) -> bool:
        """The run ended and every access is in the trace (tests wait for it)."""
        return self._ended and self._building is None and not self.data.pending

    def _draw_new(self) -> None:
        d = self.data
        if not len(d):
            return
        lost_w, lost_r = d.lost.write.view(), d.lost.read.view()
        t, row, value = d.t.view(), d.row.view(), d.value.view()
        if len(lost_w) != self._lost_drawn:  # lost updates are few: redraw them whole
            self._lost_drawn = len(lost_w)
            row_w, row_r = row[lost_w].astype(float), row[lost_r].astype(float)  # (not all rows)
            xw, xr = (t[lost_w] - self._t0_ns) / 1e9, (t[lost_r] - self._t0_ns) / 1e9
            self.lost_marks.setData(x=xw, y=row_w - READ_LIFT, data=lost_w)
            self.stale_marks.setData(x=xr, y=row_r + READ_LIFT)
            self.value_lost.setData(x=xw, y=value[lost_w].astype(float))
            up = row_r + LINK_RISE
            gap = np.full(len(lost_w), np.nan)
            self.links.setData(np.column_stack([xr, xr, xw, xw, gap]).ravel(),
                               np.column_stack([row_r + READ_LIFT, up, up,
                                                row_w - READ_LIFT, gap]).ravel())
        if len(d.rows) != self._rows_shown:  # a new thread: its row and name
            self._rows_shown = len(d.rows)
            labels = {r: self._names.get((key >> 32, key & 0xFFFFFFFF), "?") for key, r in d.rows.items()}
            self.rows_plot.getAxis("left").setTicks([[(i, labels[i]) for i in sorted(labels)]])
            self.rows_plot.setYRange(-0.6, max(1, len(d.rows)) - 0.4, padding=0)
            self.retranslate()  # the variable's name, known now, in the title and axis
        if len(lost_w) != self._lost_shown:
            self._lost_shown = len(lost_w)
            self._show_count()
        if self._following and not self._shared:  # alone: show everything so far
            before = tuple(self.rows_plot.viewRange()[0])
            self.time_range.set((t[0] - self._t0_ns) / 1e9, (t[-1] - self._t0_ns) / 1e9)
            if before != tuple(self.rows_plot.viewRange()[0]):
                return  # the range change schedules the redraw already
        self._schedule_range()

    def _schedule_range(self) -> None:
        """Redraw the marks at most once per RANGE_DRAW_MS, as soon as the loop is back
        (gui/throttle.py): a throttle, not a debounce (a drag redraws too)."""
        self._range_throttle.request()

    def draw_due(self) -> None:
        """Draw now the marks due as soon as the loop is back (end of a live frame)."""
        self._range_throttle.draw_due()

    def _draw_range(self) -> None:
        """The view's marks and value curve (after a zoom, a pan, or new accesses)."""
        self._range_throttle.done()
        self._draw_marks()
        self.value_curve.setData(*self._value_series())
        for plot in (self.rows_plot, self.value_plot):  # their y ranges now, not while
            plot.getViewBox().prepareForPaint()        # painted (a second paint: time_range)

    def _value_series(self) -> tuple:
        """The value of the variable over the x range in view, at most ~2 points a pixel column:
        each column's min and max (as pyqtgraph's "peak" downsampling draws it), from the
        per-block min/max when the view holds many blocks a column."""
        d = self.data
        wt, wv = d.write_t.view(), d.write_value.view()
        if not len(wt):
            return np.zeros(0), np.zeros(0)
        (x0, x1), _ = self.rows_plot.viewRange()
        lo, hi = np.int64(self._t0_ns + x0 * 1e9), np.int64(self._t0_ns + x1 * 1e9)
        i0, i1 = np.searchsorted(wt, np.array([lo, hi], np.int64))
        i0, i1 = max(int(i0) - 1, 0), min(int(i1) + 1, len(wt))  # the lines in from the edges
        columns = max(200, int(self.value_plot.getViewBox().width()))
        if i1 - i0 <= 4 * columns:
            return (wt[i0:i1] - self._t0_ns) / 1e9, wv[i0:i1].astype(float)
        edges = np.linspace(float(wt[i0]), float(wt[i1 - 1]), columns + 1)[:-1].astype(np.int64)
        block = VALUE_BLOCK
        b0, b1 = -(-i0 // block), min(i1 // block, d.block_min.n)
        if b1 - b0 > 4 * columns:  # many blocks a column: the blocks' min/max, then the tail
            starts = np.unique(np.searchsorted(wt[b0 * block:b1 * block:block], edges))
            starts = starts[starts < b1 - b0]
            low = np.minimum.reduceat(d.block_min.view()[b0:b1], starts)
            high = np.maximum.reduceat(d.block_max.view()[b0:b1], starts)
            x = wt[(b0 + starts) * block]
            tail = slice(b1 * block, i1)
        else:  # (wt and wv read the run's records: each range read once)
            times, values = wt[i0:i1], wv[i0:i1]
            starts = np.unique(np.searchsorted(times, edges))
            starts = starts[starts < i1 - i0]
            low = np.minimum.reduceat(values, starts)
            high = np.maximum.reduceat(values, starts)
            x = times[starts]
            tail = slice(0, 0)
        xs = np.concatenate([np.repeat(x, 2), wt[tail]])
        ys = np.concatenate([np.column_stack([low, high]).ravel(), wv[tail]])
        return (xs - self._t0_ns) / 1e9, ys.astype(float)

    def _draw_marks(self) -> None:
        """Marks in view only, sampled past a few per pixel; value labels when few are in view."""
        d = self.data
        if not len(d):
            return
        (x0, x1), _ = self.rows_plot.viewRange()
        t = d.t.view()
        # int64 bounds: float ones would make numpy convert all of t to float first (O(n))
        bounds = np.array([self._t0_ns + x0 * 1e9, self._t0_ns + x1 * 1e9]).clip(-2 ** 62, 2 ** 62)
        i0, i1 = (int(i) for i in np.searchsorted(t, bounds.astype(np.int64)))
        symbols = max(200, int(self.rows_plot.getViewBox().width())) / max(1.0, self.reads.opts["size"])
        limit = min(MAX_MARKS, int(MARKS_PER_SYMBOL * symbols * max(1, len(d.rows))))
        if i1 - i0 > limit:
            # A random sample, not a stride: a stride aliases with the read-write-read-write
            # rhythm and shows only one kind.  Seeded, so a redraw does not flicker.
            shown = np.unique(np.random.default_rng(0).integers(i0, i1, limit))
        else:
            shown = np.arange(i0, i1)
        is_write = d.is_write.view()[shown]
        row = d.row.view()
        writes, reads = shown[is_write], shown[~is_write]
        over = writes[d.overwritten(writes)]
        for item, chosen, lift in ((self.writes, writes, -READ_LIFT), (self.reads, reads, READ_LIFT),
                                   (self.overwritten, over, -READ_LIFT)):
            item.setData(x=(t[chosen] - self._t0_ns) / 1e9, y=row[chosen].astype(float) + lift,
                         data=chosen)
        self._draw_labels(shown if i1 - i0 <= MAX_LABELS else d.lost_story(i0, i1, MAX_LABELS // 3))

    def _draw_labels(self, idx: np.ndarray) -> None:
        while len(self._labels) < len(idx):
            label = pg.TextItem(color=self._theme.plot_fg, anchor=(0.5, 1.1))
            label.setFont(theme_module.ui_font(self._px, 0.85))
            self.rows_plot.addItem(label)
            self._labels.append(label)
        t, row, value = self.data.t.view(), self.data.row.view(), self.data.value.view()
        is_write = self.data.is_write.view()
        idx = self._unclashed(idx, t, row, value, is_write)
        for label, i in zip(self._labels, idx.tolist()):
            label.setText(str(int(value[i])))
            # Read values above the row, written values below it: they never collide.
            label.setAnchor((0.5, -0.1) if is_write[i] else (0.5, 1.1))
            lift = -READ_LIFT if is_write[i] else READ_LIFT
            label.setPos((t[i] - self._t0_ns) / 1e9, float(row[i]) + lift)
            label.show()
        for label in self._labels[len(idx):]:
            label.hide()

    def _unclashed(self, idx, t, row, value, is_write) -> np.ndarray:
        """The labels that do not overlap one placed before them on the same row and side:
        several lost updates within a few pixels would print their values over each other."""
        (x0, x1), _ = self.rows_plot.viewRange()
        px_per_s = self.rows_plot.getViewBox().width() / max(x1 - x0, 1e-12)
        metrics = QFontMetrics(theme_module.ui_font(self._px, 0.85))
        right_edge, kept = {}, []
        for i in idx.tolist():
            half = (metrics.horizontalAdvance(str(int(value[i]))) + 6) / 2
            x = (t[i] - self._t0_ns) / 1e9 * px_per_s
            side = (int(row[i]), bool(is_write[i]))
            if x - half >= right_edge.get(side, -np.inf):
                right_edge[side] = x + half
                kept.append(i)
        return np.array(kept, np.int64)

    def _user_moved(self, *_args) -> None:
        self._following = False

    def _tip(self, x, y, data) -> str:
        i = int(data)
        d = self.data
        key = d.row_keys().get(int(d.row.view()[i]), 0)
        who = self._names.get((key >> 32, key & 0xFFFFFFFF), "?")
        verb = self.tr("wrote") if d.is_write.view()[i] else self.tr("read")
        text = self.tr("{0} {1} {2} = {3} at {4:.6f} s").format(who, verb, d.var,
                                                                int(d.value.view()[i]), x)
        lost = d.lost.write.view()
        k = int(np.searchsorted(lost, i))
        if k < len(lost) and lost[k] == i:
            text += "\n" + self.tr("lost update: computed from a stale read")
        return text

    def mark_count(self) -> int:
        """Accesses of the traced variable so far (tests read it)."""
        return len(self.data)

    def lost_count(self) -> int:
        return self.data.lost.write.n
