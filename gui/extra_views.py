"""Queue depth over time (queue scenarios) and the pool's task Gantt (pool scenarios).

Both keep only their own kinds of events, appended per tick, and redraw on the
window's timer; both draw with one item per series (a curve per queue, one
BarGraphItem for all tasks), never one per event.
"""
import html
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics

from engine.wire import K

from . import theme as theme_module
from .phase_marks import PhaseMarks
from .titled_panel import TitledPanel
from .whole_text import WholeLabel

TASK_HATCHES = (Qt.BrushStyle.BDiagPattern, Qt.BrushStyle.FDiagPattern)
MAX_TASK_LABELS = 80  # task labels appear when at most this many tasks are in view
PLOT_MIN_LINES = 7  # the plot is never shorter than this many text lines: its ticks, its
# axis title, a row of phase labels and the data between (shared-globals' queue plot was
# squeezed to a 40 px strip under its phase labels at 1366x768)


class _PlotPanel(TitledPanel):
    """A header line over one pyqtgraph plot, themed."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self._theme, self._px = theme, pixel_size
        self.plot = self.add_body(pg.PlotWidget())
        self.column.setStretchFactor(self.plot, 1)  # spare height to the plot, not the texts
        self.plot.getPlotItem().hideButtons()
        # One row of labels: the timeline above stacks them all; here they would bury the data.
        self.phase_marks = PhaseMarks(self.plot.getPlotItem().getViewBox(), changed=self._make_room,
                                      max_rows=1)
        self._linked = False

    def share_time_axis(self, time_range) -> None:
        """Show the seconds the timeline shows (gui.time_range): a moment, and a phase line,
        is at the same x in every view.  Zooming here zooms the timeline too."""
        item = self.plot.getPlotItem()
        item.enableAutoRange(x=False)  # the timeline decides; autorange would pull it along
        item.setMouseEnabled(x=True, y=False)
        time_range.attach(item.getViewBox())
        self._linked = True

    def _make_room(self) -> None:
        """Phase marks came, went or the plot was resized: redo the y range."""
        self._dirty = True
        self.refresh()

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        self._theme, self._px = theme, pixel_size or self._px
        self.plot.setBackground(theme.plot_bg)
        self.plot.setMinimumHeight(PLOT_MIN_LINES * self._px)
        theme_module.style_plot(self.plot.getPlotItem(), theme, self._px)
        self.phase_marks.apply_theme(theme)
        self.retranslate()

    def retranslate(self, lang: str = "en") -> None:
        theme_module.axis_label(self.plot.getPlotItem(), "bottom", self.tr("seconds since Run"),
                                self._theme, self._px)


MAX_NAMED_QUEUES = 6  # beyond this the queue view names families of queues, not each one
MAX_KEYED_FAMILIES = 12  # the key wraps to two or three lines at most
QUEUE_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)


def queue_family(name: str) -> str:
    """ "bug q_in[2]" -> "bug q_in": queues made in a list are one family in the key
    (shared-globals makes 27 queues in 9 families; 27 colours would name none)."""
    return re.sub(r"\[\d+\]$", "", name).strip() or name


class QueueView(_PlotPanel):
    """Items waiting in each queue, over time (from the depth recorded at every put/get).

    Each family of queues (the same name but its [index]) has one colour and one key entry
    in the header, above the curves; a family's members differ by dash pattern.
    """

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(theme, pixel_size, parent)
        self.key = WholeLabel()  # which colour is which queue family: never over the curves
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.layout().insertWidget(1, self.key)
        self._curves = {}
        self._families = {}  # family -> its colour index, in order of first appearance
        self.reset(0)
        self.apply_theme(theme)

    def retranslate(self, lang: str = "en") -> None:
        super().retranslate(lang)
        puts, gets = getattr(self, "_puts", 0), getattr(self, "_gets", 0)
        unique = sorted(set(getattr(self, "_name", [])))
        if len(unique) > MAX_NAMED_QUEUES:  # a list of 24 names would bury the point
            names = self.tr("{0} queues").format(len(unique))
        else:
            names = ", ".join(unique) or "?"
        self.title.setText(self.tr("Depth of {0}: items waiting after every put and get "
                                   "({1} puts, {2} gets)").format(names, puts, gets))
        theme_module.axis_label(self.plot.getPlotItem(), "left", self.tr("items in queue"),
                                self._theme, self._px)
        self._show_key()

    def _show_key(self) -> None:
        families = getattr(self, "_families", {})
        if not 2 <= len(families) <= MAX_KEYED_FAMILIES:
            self.key.setText("")
            self.key.setVisible(False)
            return
        counts = {}
        for name in self._curves:
            counts[queue_family(name)] = counts.get(queue_family(name), 0) + 1
        parts = []
        for family, i in families.items():
            many = " ×%d" % counts[family] if counts.get(family, 0) > 1 else ""
            parts.append('<span style="color:%s">━━</span>&nbsp;%s%s'
                         % (self._theme.series_color(i), html.escape(family), many))
        self.key.setText("&nbsp;&nbsp; ".join(parts))
        self.key.setVisible(True)

    def _pen(self, name: str):
        family = queue_family(name)
        index = self._families.setdefault(family, len(self._families))
        member = sum(1 for other in self._curves if queue_family(other) == family and other < name)
        return pg.mkPen(self._theme.series_color(index), width=2.5,
                        style=QUEUE_STYLES[member % len(QUEUE_STYLES)])

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        super().apply_theme(theme, pixel_size)
        for name, curve in self._curves.items():
            curve.setPen(self._pen(name))

    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self._parts = []
        self._t = np.zeros(0)
        self._depth = np.zeros(0)
        self._name = []  # queue name per point
        self._puts = self._gets = 0
        self._dirty = False
        for curve in self._curves.values():  # another run's queues: gone, key and all
            self.plot.removeItem(curve)
        self._curves = {}
        self._families = {}
        self.retranslate()

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        kinds = chunk["kind"]
        ev = chunk[(kinds == K.QUEUE_PUT) | (kinds == K.QUEUE_GET)]
        if not len(ev):
            return
        self._puts += int(np.count_nonzero(ev["kind"] == K.QUEUE_PUT))
        self._gets += int(np.count_nonzero(ev["kind"] == K.QUEUE_GET))
        names = [strings.get((int(p), int(b)), "queue") for p, b in zip(ev["pid"], ev["b"])]
        self._parts.append(((ev["t"] - self._t0_ns) / 1e9, ev["a"].astype(float), names))
        self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._t = np.concatenate([self._t] + [p[0] for p in self._parts])
        self._depth = np.concatenate([self._depth] + [p[1] for p in self._parts])
        for p in self._parts:
            self._name.extend(p[2])
        self._parts = []
        names = np.array(self._name)
        for name in sorted(set(self._name)):
            mine = names == name
            order = np.argsort(self._t[mine], kind="stable")
            t, depth = self._t[mine][order], self._depth[mine][order]
            keep = depth >= 0  # -1: the platform cannot tell the depth (macOS)
            self._curve(name).setData(t[keep], depth[keep], stepMode="right")
        if len(self._depth):
            top = max(float(self._depth.max()), 1.0) * 1.05
            top += self.phase_marks.room_above(top)  # phase labels above the highest point
            self.plot.getPlotItem().setYRange(0, top, padding=0)
        self.retranslate()

    def finish(self, result) -> None:
        self.refresh()

    def _curve(self, name: str):
        curve = self._curves.get(name)
        if curve is None:
            curve = self.plot.plot([], [], pen=self._pen(name))
            self._curves[name] = curve
        return curve

    def key_families(self) -> list:
        """The queue families the key names, in its order."""
        return list(self._families) if self.key.isVisibleTo(self) else []

    def point_count(self) -> int:
        return int(len(self._t))


class TaskGantt(_PlotPanel):
    """Pool tasks as bars on the worker process that ran them, labelled with their argument."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(theme, pixel_size, parent)
        self.bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.plot.addItem(self.bars)
        self.plot.getPlotItem().setMouseEnabled(x=True, y=False)
        self.plot.getPlotItem().sigXRangeChanged.connect(lambda *_: self._draw_labels())
        self._labels = []
        self.reset(0)
        self.apply_theme(theme)

    def retranslate(self, lang: str = "en") -> None:
        super().retranslate(lang)
        n = len(getattr(self, "_t0", ()))
        self.title.setText(self.tr("Pool tasks on their worker processes ({0} done): "
                                   "each bar is one call, labelled with its argument").format(n))

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        super().apply_theme(theme, pixel_size)
        for label in self._labels:  # the pool is rebuilt with the new colours and size
            self.plot.removeItem(label)
        self._labels = []
        self._dirty = True
        self.refresh()

    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self._open = {}   # (pid, worker) -> (t0 s, argument)
        self._rows = {}   # pid -> row
        self._t0, self._t1, self._row, self._arg = [], [], [], []
        self._dirty = True

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        kinds = chunk["kind"]
        ev = chunk[(kinds == K.TASK_START) | (kinds == K.TASK_FINISH)]
        for e in ev[np.argsort(ev["t"], kind="stable")]:  # tasks are coarse: few per tick
            key = (int(e["pid"]), int(e["worker"]))
            t = (int(e["t"]) - self._t0_ns) / 1e9
            if e["kind"] == K.TASK_START:
                self._open[key] = (t, int(e["a"]))
            elif key in self._open:
                start, arg = self._open.pop(key)
                self._rows.setdefault(key[0], len(self._rows))
                self._t0.append(start)
                self._t1.append(t)
                self._row.append(self._rows[key[0]])
                self._arg.append(arg)
                self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        row = np.array(self._row, float)
        # Hatched in the text colour, alternating direction from one task to the next: a
        # filled colour would read as a timeline state (gui.state_colours); the label says
        # which call it was.
        ink = QColor(self._theme.plot_fg)
        hatches = [QBrush(ink, TASK_HATCHES[i % len(TASK_HATCHES)]) for i in range(len(self._arg))]
        self.bars.setOpts(x0=np.array(self._t0), x1=np.array(self._t1), y0=row - 0.38,
                          y1=row + 0.38, brushes=hatches, pen=pg.mkPen(self._theme.plot_fg, width=1.5))
        axis = self.plot.getPlotItem().getAxis("left")
        axis.setTicks([[(r, "pid %d" % pid) for pid, r in self._rows.items()]])
        self._fit_rows()
        if self._rows:
            top = len(self._rows) - 0.4
            top += self.phase_marks.room_above(top + 0.6)  # phase labels above the top row
            self.plot.getPlotItem().setYRange(-0.6, top, padding=0)
            if not self._linked:
                self.plot.getPlotItem().setXRange(min(self._t0), max(self._t1), padding=0.02)
        self.retranslate()
        self._draw_labels()

    def finish(self, result) -> None:
        self.refresh()

    def _fit_rows(self) -> None:
        """The plot at least a text line a worker row, below its phase labels' row and above
        its time axis: at 1024x768 with text x1.5 pool-order's six rows shared 90 px, and
        their pid names and task numbers printed over each other.  The plots' owner
        (gui/plots_area.py) gives this minimum first and takes the rest from the lanes."""
        ticks = theme_module.ui_font(theme_module.readable_px("ticks", self._px))
        line = QFontMetrics(ticks).height()
        rows = max(len(self._rows), 1) + 1  # the phase labels' row above the workers
        item = self.plot.getPlotItem()
        # what the plot is beside its rows: the time axis (ticks and title) and margins
        around = self.plot.height() - item.getViewBox().height()
        if around <= 0:  # not laid out yet: two lines of ticks' text and a little
            around = 2 * QFontMetrics(ticks).height() + 12
        self.plot.setMinimumHeight(max(PLOT_MIN_LINES * self._px, rows * line + int(around)))

    def _draw_labels(self) -> None:
        (x0, x1), _ = self.plot.getPlotItem().viewRange()
        shown = [i for i in range(len(self._t0)) if self._t1[i] >= x0 and self._t0[i] <= x1]
        if len(shown) > MAX_TASK_LABELS:
            shown = []
        while len(self._labels) < len(shown):
            label = pg.TextItem(color=self._theme.plot_fg, anchor=(0.5, 0.5),
                                fill=pg.mkBrush(self._theme.plot_bg + "b0"))
            label.setFont(theme_module.ui_font(self._px, 0.8, bold=True))
            self.plot.addItem(label)
            self._labels.append(label)
        for label, i in zip(self._labels, shown):
            label.setText(str(self._arg[i]))
            label.setPos((self._t0[i] + self._t1[i]) / 2, self._row[i])
            label.show()
        for label in self._labels[len(shown):]:
            label.hide()

    def task_count(self) -> int:
        return len(self._t0)
