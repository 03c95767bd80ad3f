"""Per-core CPU load: one trace per core, the last ~30 s, 0-100 %.

Samples come from the Session's psutil sampler (about 10 Hz) as cpu_sample
events; this panel keeps them per core in growing arrays and redraws on the
window's timer.  The header says how many cores were busy lately: with the GIL,
N CPU-bound threads add up to about one.
"""
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QHBoxLayout

from engine.wire import K

from . import theme as theme_module
from .core_split import CoreSplit, shares_of
from .titled_panel import TitledPanel
from .whole_text import WholeLabel

WINDOW_S = 30.0
BUSY_WINDOW_S = 1.0  # "cores busy" averages the last second of samples
MAX_LEGEND_CORES = 16
FEW_SAMPLES = 50


class CpuPanel(TitledPanel):
    """The live per-core load plot."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(parent)
        self._theme, self._px = theme, pixel_size
        # The title and which colour is which core (never over the curves), one wrapping
        # text: at 1024 px and large text a row of fixed labels set the window's width.
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self._title_text, self._key_html = "", ""
        self.compact = False  # a one-line title, the figures beside the plot (set_compact)
        self.line_only = False  # "cores busy" alone, no title and plot (set_line_only)
        self.busy = self.add_to_header(WholeLabel(), top=True, movable=False)
        # Wrapped, never one long line: "cores busy: 2.0 of 2 — other programs: 1.4" at text
        # x1.5 made the window 1220 px wide on a 1024 px screen.
        self.busy.setWordWrap(True)
        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=True, y=False)
        item.setYRange(-8, 110, padding=0)  # 0 and 100 % and their tick labels fit inside the frame
        item.getViewBox().sigResized.connect(self._fit_y_range)
        item.getAxis("left").setTicks([[(0, "0"), (50, "50"), (100, "100")]])
        item.hideButtons()
        self.plot.setMinimumHeight(110)
        body = QHBoxLayout()
        body.addWidget(self.plot, 4)
        # Who the load was: this run / other programs / idle, per core (issue 13, part 4).
        self.split = CoreSplit(theme, pixel_size, self)
        body.addWidget(self.split, 1)
        self._body = body
        self.column.addLayout(body, 1)  # spare height to the plot, never between the texts
        self._curves = {}
        self._t0_ns = 0
        self._linked = False  # True: the time range is another plot's (share_time_axis)
        self.reset(0)
        self.apply_theme(theme)
        self.retranslate()

    def retranslate(self, lang: str = "en") -> None:
        whole = self.tr("CPU load per core (%), measured by psutil")
        self._title_text = self.tr("CPU load %") if self.compact else whole
        self.title.setToolTip(whole)
        self._show_title()
        self.split.retranslate()
        self.busy.setToolTip(self.split.key.toolTip() if self.compact else "")
        item = self.plot.getPlotItem()
        theme_module.axis_label(item, "left", self.tr("load %"), self._theme, self._px)
        theme_module.axis_label(item, "bottom", self.tr("seconds since Run"), self._theme, self._px)
        # Compact: no time axis at all, the timeline right under it shows the same seconds
        # (its ticks were a text line the lanes needed: gil at 1024x768, text x1.5).
        item.getAxis("bottom").showLabel(not self.compact)
        item.showAxis("bottom", not self.compact)
        theme_module.fit_axis_titles(item)  # shown again: whole, or not at all
        self._update_busy()

    def set_compact(self, compact: bool) -> None:
        """A one-line header ("CPU load %" and the core key), "cores busy" under the plot
        in place of the per-core bars, and no time-axis label (the timeline's is right under
        it): at 1024x768 with text x1.5 the header took four lines and the
        lanes under it (what gil, threads-help... are about) got ~130 px."""
        compact = bool(compact) or self.line_only
        if compact == self.compact:
            return
        self.compact = compact
        if compact:  # a line of its own under the plot; the plot takes the bars' width
            self.header.removeWidget(self.busy)
            self.column.addWidget(self.busy)
        else:
            self.column.removeWidget(self.busy)
            self.header.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignTop)
        # The per-core bars and their key (four lines beside the plot) go: the line under
        # the plot says the same in figures ("other programs: 1.3"), its tooltip how.
        self.split.setVisible(not compact)
        self.busy.show()
        self._fit_plot_minimum()
        self.retranslate()

    def set_line_only(self, line_only: bool) -> None:
        """The compact form without its title and plot: "cores busy ... other programs" on
        a line alone, where the lanes of a lanes-first scenario need the plot's height (gil's
        11 lanes at 1024x768 with text x1.5 named every other lane under the plot)."""
        line_only = bool(line_only)
        if line_only == self.line_only:
            return
        self.line_only = line_only
        if line_only:
            self.set_compact(True)
        self.title.setVisible(not line_only)
        self.plot.setVisible(not line_only)

    def min_px(self, compact: bool, line_only: bool = False) -> int:
        """The panel's least height in any form at its current width, whichever it shows
        now: the plots area (gui.plots_area) picks the form from what each would take."""
        width = max(self.width(), 1)
        gap = max(self.column.spacing(), 0)
        busy_text = self.busy.text() or self.tr("cores busy: {0:.1f} of {1}").format(0, 2)
        if line_only:
            return _text_px(self.busy, busy_text, width)
        if compact:
            return (_text_px(self.title, self._title_plain(True), width) + gap
                    + self._plot_min_px(True) + gap + _text_px(self.busy, busy_text, width))
        busy_width = min(self.busy.sizeHint().width(), width // 2)
        title_width = max(width - busy_width - max(self.header.spacing(), 0), 1)
        header = max(_text_px(self.title, self._title_plain(False), title_width),
                     _text_px(self.busy, busy_text, busy_width))
        return header + gap + max(self._plot_min_px(False), self.split.minimumSizeHint().height())

    def _title_plain(self, compact: bool) -> str:
        """The title's text as either form shows it, for measuring (a key entry never splits)."""
        title = self.tr("CPU load %") if compact else self.tr("CPU load per core (%), measured by psutil")
        keys = [self.tr("core {0}").format(core).replace(" ", "\u00a0")
                for core in sorted(self._curves)[:MAX_LEGEND_CORES]]
        return "  ".join([title] + ["━━\u00a0" + key for key in keys])

    def _plot_min_px(self, compact: bool) -> int:
        tick_px = theme_module.readable_px("ticks", self._px)  # 0/50/100, then the time ticks
        return max(60, round(4 * tick_px)) if compact else max(100, round(6 * tick_px))

    def _fit_plot_minimum(self) -> None:
        """Room for the 0/50/100 ticks, the time ticks and the axis label at this text size:
        pyqtgraph drops tick labels that do not fit (at 1366 px and large text, all went).
        Compact, no time axis: the 0/50/100 ticks alone."""
        self.plot.setMinimumHeight(self._plot_min_px(self.compact))

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        self._theme = theme
        self._px = pixel_size or self._px
        self.plot.setBackground(theme.plot_bg)
        theme_module.style_plot(self.plot.getPlotItem(), theme, self._px)
        self._fit_plot_minimum()
        self._fit_y_range()
        for core, curve in self._curves.items():
            curve.setPen(pg.mkPen(theme.series_color(core), width=2))
        self._update_key()
        self.split.apply_theme(theme, self._px)
        self.retranslate()

    def _fit_y_range(self, *_) -> None:
        """0 % and 100 % with half a tick text of room beyond them: pyqtgraph drops a tick
        label that would cross the plot's edge (at 1366 px with big text, "0" and "100" went)."""
        item = self.plot.getPlotItem()
        height = item.getViewBox().height()
        margin_px = 0.45 * theme_module.readable_px("ticks", self._px) + 3
        if height <= 3 * margin_px:
            return
        span = 100.0 * height / (height - 2 * margin_px)
        below = span * margin_px / height
        item.setYRange(-below, 100.0 + below, padding=0)

    def share_time_axis(self, time_range) -> None:
        """Show the seconds the timeline shows (gui.time_range): a moment sits above its lanes."""
        item = self.plot.getPlotItem()
        item.enableAutoRange(x=False)
        item.setMouseEnabled(x=False, y=False)  # the timeline is where one zooms and pans
        time_range.attach(item.getViewBox())
        self._linked = True

    # -- data --------------------------------------------------------------------
    def reset(self, t0_ns: int) -> None:
        """A new run: forget the old samples."""
        self._t0_ns = t0_ns
        self._t_parts, self._core_parts, self._y_parts, self._mine_parts = [], [], [], []
        self._t = np.zeros(0)
        self._core = np.zeros(0, np.uint32)
        self._y = np.zeros(0)
        self._mine = np.zeros(0)  # this run's % of the core; NaN: not measured
        self._dirty = False
        self.split.whole_run = False
        for curve in self._curves.values():
            curve.setData([], [])
        self._update_busy()

    def ingest(self, chunk: np.ndarray) -> None:
        """New events since the last call; keeps only the cpu samples."""
        samples = chunk[chunk["kind"] == K.CPU_SAMPLE]
        if not len(samples):
            return
        self._t_parts.append((samples["t"] - self._t0_ns) / 1e9)
        self._core_parts.append(samples["worker"].copy())
        self._y_parts.append(samples["a"] / 100.0)
        self._mine_parts.append(np.where(samples["aux"] > 0,
                                         (samples["aux"].astype(np.float64) - 1) / 100.0, np.nan))
        self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._t = np.concatenate([self._t] + self._t_parts)
        self._core = np.concatenate([self._core] + self._core_parts)
        self._y = np.concatenate([self._y] + self._y_parts)
        self._mine = np.concatenate([self._mine] + self._mine_parts)
        self._t_parts, self._core_parts, self._y_parts, self._mine_parts = [], [], [], []
        cores = np.unique(self._core)
        for core in cores:
            mine = self._core == core
            curve = self._curve(int(core))
            curve.setData(self._t[mine], self._y[mine])
            # A short run has one or two samples: a line needs two points, so show dots too.
            few = np.count_nonzero(mine) < FEW_SAMPLES
            curve.setSymbol("o" if few else None)
            if few:
                curve.setSymbolSize(6)
                curve.setSymbolBrush(self._theme.series_color(int(core)))
                curve.setSymbolPen(None)
        now = float(self._t.max())
        if not self._linked:
            self.plot.getPlotItem().setXRange(max(0.0, now - WINDOW_S), max(now, 1.0), padding=0)
        self._update_busy()

    def finish(self, result) -> None:
        """The run ended: show all of it if it fits the window."""
        self.refresh()
        self._update_busy(whole_run=True)
        if len(self._t) and not self._linked:
            end = float(self._t.max())
            self.plot.getPlotItem().setXRange(max(0.0, end - WINDOW_S), max(end, 1.0), padding=0.02)

    def _curve(self, core: int):
        curve = self._curves.get(core)
        if curve is None:
            pen = pg.mkPen(self._theme.series_color(core), width=2)
            curve = self.plot.plot([], [], pen=pen)
            self._curves[core] = curve
            self._update_key()
        return curve

    def _update_key(self) -> None:
        shown = sorted(self._curves)[:MAX_LEGEND_CORES]
        self._key_html = "&nbsp;&nbsp;".join(
            '<span style="color:%s">━━</span>&nbsp;%s' % (  # one key entry never splits
                self._theme.series_color(core),
                html.escape(self.tr("core {0}").format(core)).replace(" ", "&nbsp;"))
            for core in shown)
        self._show_title()

    def _show_title(self) -> None:
        key = " &nbsp; " + self._key_html if self._key_html else ""
        self.title.setText(html.escape(self._title_text) + key)

    def _update_busy(self, whole_run: bool = None) -> None:
        """The header's figures and the bars: over the last second while a run goes, over
        the whole run once it ended (whole_run None: as they were)."""
        if whole_run is None:
            whole_run = self.split.whole_run
        if not len(self._t):
            self.busy.setText("")
            self.split.show_shares(np.zeros((0, 3)), whole_run)
            return
        recent = (np.ones(len(self._t), bool) if whole_run
                  else self._t >= self._t.max() - BUSY_WINDOW_S)
        n_cores = int(self._core.max()) + 1
        samples_per_core = max(1, np.count_nonzero(recent) / max(1, n_cores))
        busy = float(self._y[recent].sum()) / 100.0 / samples_per_core
        known = not np.all(np.isnan(self._mine[recent]))
        shares = shares_of(self._core[recent], self._y[recent], self._mine[recent], n_cores)
        self.split.show_shares(shares, whole_run, known)
        text = self.tr("cores busy: {0:.1f} of {1}").format(busy, n_cores)
        if known:
            text += self.tr(" — other programs: {0:.1f}").format(float(shares[:, 1].sum()))
        self.busy.setText(text)

    def split_shares(self) -> np.ndarray:
        """(this run, other programs, idle) per core as the bars show them (tests read it)."""
        return self.split.bars.shares

    def point_count(self) -> int:
        """How many samples the curves hold (tests read it)."""
        return int(sum(len(c.getData()[0]) for c in self._curves.values() if c.getData()[0] is not None))


def _text_px(label, text: str, width: int) -> int:
    """Height of text word-wrapped at width in label's font (never less than one line)."""
    metrics = label.fontMetrics()
    rect = metrics.boundingRect(QRect(0, 0, max(width, 1), 100000),
                                int(Qt.TextFlag.TextWordWrap), text)
    return max(rect.height(), metrics.lineSpacing()) + 1
