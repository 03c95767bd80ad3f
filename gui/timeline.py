"""The timeline: one lane per thread or process, coloured by state over time.

All lanes are one ImageItem (a row per lane, a column per screen pixel) that
timeline_layout.render_lanes recomputes when the view, the width or the data
changed, at most 30 times a second (docs/ARCHITECTURE.md, "Timeline drawing").  Between
redraws the last image stays where it is in data coordinates, so a pan moves
it at once and the next redraw only sharpens it.
"""
import math
import types

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QSizePolicy, QToolButton, QToolTip, QVBoxLayout,
                               QWidget)

from .flow_layout import flow_host
from .phase_marks import PhaseMarks
from .state_names import STATE_SHORT, _tr, state_how, state_text
from .timeline_layout import DEFAULT_PALETTE, N_STATES, LaneIndex, Spans, render_lanes, spans_at
from .throttle import Throttle
from .timeline_items import LanesImage, TimeAxisItem, premultiplied_bgra
from .whole_text import text_height

REDRAW_MS = 33         # at most ~30 redraws a second, whatever the event rate
ROWS_PER_LANE = 5      # 4 coloured image rows + 1 transparent: a gap between lanes
FOLLOW_WINDOW_S = 10.0
HINT_MIN_LANE_LINES = 16  # a timeline shorter than this many lane lines drops its hint line
FEW_LANES = 3          # a timeline keeps room for at least this many lanes a line tall
NAMED_ROW_SHARE = 0.9  # a lane this share of a line tall still has its name (its text fits)
# Where lanes are a little short of a line, their names get smaller, down to this share of
# the lane-name size (never under theme's smallest readable size), before every other name
# is left out: threads-help's 16 lanes at 1024x768 with text x1.5 were named every other.
NAME_SHRINK_SHARE = 0.75
MIN_VIEW_S = 1e-6      # zoom stops at 1 us for the whole width (~1 ns a pixel)


def _line_px(text_px: int) -> int:
    """The height a lane needs for a name of text_px to be printed: a text line and a little."""
    return int(math.ceil(text_px * 1.3))


def format_duration(ns):
    """A duration in the unit that keeps 3-4 significant digits: 1.25 ms, 37.0 us, 2.50 s."""
    ns = float(ns)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%d ns" % ns



# pyqtgraph keeps its SI prefix (s, ms, µs as the view zooms); in Chinese the unit is said in
# words inside full-width brackets (docs/glossary.md).
_CHINESE_SECONDS = {"": "秒", "m": "毫秒", "µ": "微秒", "u": "微秒", "n": "纳秒", "k": "千秒"}


def _label_with_chinese_unit(axis) -> str:
    unit = _CHINESE_SECONDS.get(axis.labelUnitPrefix, axis.labelUnitPrefix + "秒")
    style = ";".join("%s: %s" % item for item in axis.labelStyle.items())
    return "<span style='%s'>%s（%s）</span>" % (style, axis.labelText, unit)


class TimelineWidget(QWidget):
    """Lanes of thread/process states over time, with zoom, pan, follow-live and hover details."""

    follow_changed = Signal(bool)  # the user panned/zoomed (False) or follow was set
    needs_changed = Signal()  # min_px()/wanted_px() changed: the owner of the height re-shares

    def __init__(self, parent=None, palette=DEFAULT_PALETTE, follow_window_s=FOLLOW_WINDOW_S):
        super().__init__(parent)
        self.palette = np.asarray(palette, np.uint8)
        self.follow_window_s = follow_window_s
        self.index = LaneIndex()
        self.lane_labels = []
        self._tick_names = None   # shorter names on the axis (PlotsArea decides), or None
        self._name_cap_px = None  # names' largest size where the axis is short of width, or None
        self.hover_text = ""      # the last tooltip shown (tests read it)
        self.measured = True      # lanes from /proc schedstat + probes (engine/thread_sampler.py)
        self.gil = True           # False: a free-threaded run, no GIL to wait for
        self.recording_share = {}  # lane -> share of the thread's life spent recording
        self.lock_info = None     # (lane, t_ns) -> "waits for lock B, held by THREAD2" or ""
        self._t0_ns = 0
        self._follow = True
        self._version = 0         # bumped by every data change
        self._drawn = None        # (x0, x1, width, version) of the image on screen

        self.plot_widget = pg.PlotWidget(axisItems={"bottom": TimeAxisItem(orientation="bottom")})
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        vb = self.view_box = self.plot_item.getViewBox()
        vb.setMouseEnabled(x=True, y=False)  # lanes are fixed; time zooms and pans
        vb.invertY(True)                     # lane 0 on top
        self.image_item = LanesImage(axisOrder="row-major")
        vb.addItem(self.image_item)
        self.phase_marks = PhaseMarks(vb, changed=self._set_lanes)
        self._throttle = Throttle(self, REDRAW_MS, self._redraw)
        # Heights are fitted after the event that changed them, never inside a resize: a
        # minimum raised while pyqtgraph's view resized re-entered its resize, and its scene
        # stayed at the old size (the lanes 30 px short of the widget, the axis cut).
        self._refit_timer = QTimer(self, singleShot=True, interval=0)
        self._refit_timer.timeout.connect(self._refit)
        vb.sigXRangeChanged.connect(self._request_redraw)
        vb.sigResized.connect(self._request_redraw)
        vb.sigResized.connect(self._update_lane_ticks)
        vb.sigRangeChangedManually.connect(self.stop_following)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)

        # The legend wraps to the width it gets: at 1366 px and large text, five states a
        # row would not fit, and a fixed grid would set the width of the whole window.
        self._legend, self._legend_flow = flow_host()
        self._legend_flow.setContentsMargins(4, 0, 4, 0)
        self._swatch_px = 14
        self._legend_shown = None  # the state codes the legend names now
        self._legend_cells = []  # (cell, its text label, state code)
        self._legend_px_known = {}  # legend_px's answers until the legend, a font or a style changes
        self.compact = False  # short state names in the legend (the owner decides: set_compact)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)  # min_px/wanted_px add up the parts' heights, nothing between
        layout.addWidget(self.plot_widget, 1)
        # The keys, said where they work, and a visible button for the most needed one.
        # The button is the legend's first cell (no row of its own at 1024 px); the keys
        # are a line of their own when they fit on one, else in the button's tooltip.
        self.fit_button = QToolButton(self._legend)
        self.fit_button.clicked.connect(self.show_all)
        self.fit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the lanes
        self.keys_label = QLabel()
        self.keys_label.setContentsMargins(4, 0, 4, 0)
        keys_policy = self.keys_label.sizePolicy()  # shown only where it fits: never sets a width
        keys_policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.keys_label.setSizePolicy(keys_policy)
        layout.addWidget(self.keys_label)
        layout.addWidget(self._legend)
        self._legend_hint = QLabel()
        self._legend_hint.setWordWrap(True)  # never sets the window's width
        self._legend_hint.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self._legend_hint)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys, +/-, F, Home
        self.clear()
        self.retranslate()

    # -- public API ----------------------------------------------------------------------
    def set_spans(self, spans: Spans, lane_labels: list, t0_ns: int) -> None:
        """Show these spans (all lanes so far); t0_ns is the run's start, x = 0 s."""
        if int(t0_ns) != self._t0_ns or len(lane_labels) < self.index.n_lanes:
            self.index = LaneIndex()  # another run: nothing carries over
        self._t0_ns = int(t0_ns)
        self.index.update(spans, n_lanes=len(lane_labels))
        self._data_changed(lane_labels)

    def set_index(self, index: LaneIndex, lane_labels: list, t0_ns: int) -> None:
        """Show a LaneIndex that a live run keeps growing (gui.live_lanes): the same object
        each call, told here that it changed."""
        self.index = index
        self._t0_ns = int(t0_ns)
        self._data_changed(lane_labels)

    def _data_changed(self, lane_labels: list) -> None:
        if list(lane_labels) != self.lane_labels:
            self.lane_labels = list(lane_labels)
            self._set_lanes()
        self._version += 1
        end_s = self._data_end_s()
        # Let the user scroll a little past both ends, not into empty hours.
        self.view_box.setLimits(xMin=-0.05 * max(end_s, 1.0), xMax=end_s + max(1.0, 0.5 * end_s),
                                minXRange=MIN_VIEW_S)
        if self._follow:
            self._show_latest()
        self._request_redraw()
        self._update_legend()

    def set_measurement(self, measured: bool, gil: bool = True, recording_share=None) -> None:
        """How this run's lanes were measured (the legend and hover text say it)."""
        recording_share = dict(recording_share or {})
        if (measured, gil, recording_share) != (self.measured, self.gil, self.recording_share):
            self.measured, self.gil, self.recording_share = measured, gil, recording_share
            self._build_legend()

    def _update_legend(self) -> None:
        if self.legend_states() != self._legend_shown:
            self._build_legend()

    def set_follow(self, on: bool) -> None:
        """Follow live: keep the last follow_window_s seconds in view as data grows."""
        on = bool(on)
        changed = on != self._follow
        self._follow = on
        if on:
            self._show_latest()
        if changed:
            self.follow_changed.emit(on)

    def follow(self) -> bool:
        return self._follow

    def clear(self) -> None:
        """Forget all lanes and spans (a new run starts)."""
        self.index = LaneIndex()
        self.lane_labels = []
        self._t0_ns = 0
        self._version += 1
        self._drawn = None
        self.image_item.clear()
        self.phase_marks.clear()
        self._set_lanes()
        self._update_legend()
        self.view_box.setXRange(0.0, self.follow_window_s, padding=0)

    def show_all(self) -> None:
        """Zoom out to the whole run (turns follow off)."""
        self.set_follow(False)
        self.view_box.setXRange(0.0, max(self._data_end_s(), MIN_VIEW_S), padding=0)

    # -- theme and language (same names as the other plot views) --------------------------
    def retranslate(self, lang: str = "en") -> None:
        axis = self.plot_item.getAxis("bottom")
        if lang == "zh_CN":  # 时间（毫秒）, not "时间 (ms)": the glossary's unit style
            axis.labelString = types.MethodType(_label_with_chinese_unit, axis)
        elif "labelString" in vars(axis):
            del axis.labelString  # pyqtgraph's own "time since Run (ms)"
        self.plot_item.setLabel("bottom", QCoreApplication.translate("Timeline", "time since Run"), units="s")
        self._fit_button_text()
        self.fit_button.setToolTip(QCoreApplication.translate("Timeline", "Show the whole run (Home)"))
        self.keys_label.setText(QCoreApplication.translate(
            "Timeline", "Keys: ← → move, + − zoom, Home whole run, F follow live"))
        self.fit_button.setToolTip(self.fit_button.toolTip() + "\n" + self.keys_label.text() + "\n"
                                   + QCoreApplication.translate("Timeline", "Mouse: drag to move, wheel to zoom"))
        self._fit_keys_label()
        self._build_legend()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_legend_height()  # the legend is no pyqtgraph view: at once is safe
            self._request_refit()
        self._fit_keys_label()
        self._fit_hint()

    def _fit_hint(self) -> None:
        """The mixed-colour hint only where there is room: a short timeline keeps its lanes
        (hovering a pixel says the same, state by state)."""
        wanted = len(self._legend_shown or ()) > 1 or self.measured or not self.gil
        self._legend_hint.setVisible(wanted and self._room_to_spare())

    def _room_to_spare(self) -> bool:
        """True where the timeline is tall enough for a line of text a lane, the phase labels
        and a few lines more: only then the keys and the hint take lines of their own.
        shared-globals' 28 lanes at 1366x768 got 1.5 px each under them."""
        lanes = max(len(self.lane_labels), HINT_MIN_LANE_LINES - 8)
        wanted = (lanes + 8) * self.lane_line_px() + self.phase_marks.strip_px()
        # ... and every lane still a line once the hint (wrapped at this width) and the keys'
        # line are under the legend: threads-help's 16 lanes at 922x691 named every other
        # one under a four-line hint (eight lines were too few for those, axis and legend).
        width = max(self.width(), 1)
        below = (text_height(self._legend_hint, width - 8) + self.keys_label.sizeHint().height()
                 + self.axis_px() + self.legend_px())
        full = len(self.lane_labels) * self.lane_line_px() + self.phase_marks.strip_px() + below
        return self.height() >= max(wanted, full)

    def _fit_keys_label(self) -> None:
        """The keys on one line beside the button, or only in its tooltip: wrapped to three
        lines (1024 px, large text) they took the lanes' room."""
        room = self.width() - 16
        fits = self.keys_label.fontMetrics().horizontalAdvance(self.keys_label.text()) <= room
        # ... and only where the timeline is tall enough: squeezed (the scheduler panel above
        # it, a short window) the line was drawn over the time axis.  The button's tooltip
        # still lists the keys.
        self.keys_label.setVisible(fits and self._room_to_spare())

    def legend_states(self) -> tuple:
        """The state codes the legend names: those in the lanes, or all before any data."""
        shown = tuple(int(c) for c in self.index.states) if self.index.lane_start[-1] else ()
        return shown or tuple(range(N_STATES))

    def _build_legend(self) -> None:
        self._legend_px_known = {}
        self._legend_shown = self.legend_states()
        while self._legend_flow.count():
            w = self._legend_flow.takeAt(0).widget()
            if w is not None and w is not self.fit_button:
                w.hide()  # until the event loop deletes it, it would print over the new cells
                w.deleteLater()
        self._legend_flow.addWidget(self.fit_button)
        self._legend_cells = []
        for code in self._legend_shown:
            r, g, b, a = (int(v) for v in self.palette[code])
            swatch = QPixmap(self._swatch_px, self._swatch_px)
            swatch.fill(QColor(r, g, b, max(a, 60)))
            box, text = QLabel(), QLabel(self._state_word(code, self.compact))
            box.setPixmap(swatch)
            cell = QWidget()
            cell.setToolTip(state_text(code) + "\n" + state_how(code, self.measured))
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(box)
            row.addWidget(text, 1)
            self._legend_flow.addWidget(cell)
            self._legend_cells.append((cell, text, code))
        # A pixel holding several states is drawn in their time-weighted mix, a colour no
        # state has (gui.state_colours): say so right under the colours it explains.
        hint = [QCoreApplication.translate(
            "Timeline", "A mixed colour is several states within one pixel: hover, or zoom in.")]
        if self.measured:
            hint.append(QCoreApplication.translate(
                "Timeline", "States are measured: time on a CPU and on the run queue from the "
                            "kernel (/proc schedstat), blocking calls from gilscope's probes; hover "
                            "a colour for how."))
        if not self.gil:
            hint.append(QCoreApplication.translate(
                "Timeline", "Free-threaded build: there is no GIL, so no thread waits for one."))
        self._legend_hint.setText(" ".join(hint))
        self._fit_hint()
        self._request_refit()

    @staticmethod
    def _state_word(code: int, compact: bool) -> str:
        return _tr(STATE_SHORT[code]) if compact else state_text(code)

    def set_compact(self, compact: bool) -> None:
        """Short state names and an icon-only Whole-run button (full texts in tooltips):
        where the lanes need the legend's rows (gui.plots_area decides)."""
        compact = bool(compact)
        if compact == self.compact:
            return
        self.compact = compact
        self._fit_button_text()
        for _cell, text, code in self._legend_cells:
            text.setText(self._state_word(code, compact))
        self._fit_hint()
        self._request_refit()

    def _request_refit(self) -> None:
        if not self._refit_timer.isActive():
            self._refit_timer.start()

    def _refit(self) -> None:
        """The legend's and the plot's minimum heights for what they now hold; the owner of
        the height (gui.plots_area) is told."""
        self._fit_legend_height()
        self._fit_plot_minimum()
        self._fit_hint()
        self.needs_changed.emit()

    def _fit_button_text(self) -> None:
        self.fit_button.setText(self._fit_word(self.compact))

    @staticmethod
    def _fit_word(compact: bool) -> str:
        whole = QCoreApplication.translate("Timeline", "⤢ Whole run")
        return whole.split(" ", 1)[0] if compact else whole  # the icon alone, then

    # -- the height it needs (gui.plots_area shares the height out) --------------------------
    def legend_px(self, compact: bool = None, width: int = None) -> int:
        """The legend's height at this width (None: its own), with short names or full ones."""
        if self._legend.isHidden():
            return 0
        compact = self.compact if compact is None else compact
        width = max(self.width() if width is None else width, 1)
        # Asked ~25 times at the end of a run (sharing the height, fitting the hint and the
        # keys), each measuring every cell (~3 ms): the answer is kept per width and texts.
        key = (compact, width, self.fit_button.text(), tuple(t.text() for _, t, _ in self._legend_cells))
        known = self._legend_px_known.get(key)
        if known is not None:
            return known
        sizes = [self._resized(self.fit_button, self.fit_button.text(), self._fit_word(compact))]
        for cell, text, code in self._legend_cells:
            text.ensurePolished()  # a new cell's font is the style sheet's only once polished
            cell.ensurePolished()
            sizes.append(self._resized(cell, text.text(), self._state_word(code, compact)))
        if len(self._legend_px_known) > 64:  # a window resized by hand: many widths
            self._legend_px_known = {}
        self._legend_px_known[key] = px = self._legend_flow.height_for_sizes(sizes, width)
        return px

    def changeEvent(self, event) -> None:  # Qt override: a new font or style sizes the cells anew
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange,
                            QEvent.Type.LanguageChange):
            self._legend_px_known = {}
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # Qt override: shown, the cells are polished anew
        self._legend_px_known = {}
        super().showEvent(event)

    @staticmethod
    def _resized(widget, now: str, then: str):
        """widget's size hint were its text `then` instead of `now` (one line each)."""
        widget.ensurePolished()
        hint = widget.sizeHint()
        metrics = widget.fontMetrics()
        hint.setWidth(hint.width() + metrics.horizontalAdvance(then) - metrics.horizontalAdvance(now))
        return hint

    def _fit_legend_height(self) -> None:
        """The legend as tall as its rows at this width, never less: a flow layout's
        height-for-width is only a wish to the box layout, and at 1366x768 the rows went
        over the time axis when the splitter gave the timeline less."""
        if self._legend.isHidden() or self.width() <= 0:
            return
        height = self.legend_px()
        if (self._legend.minimumHeight(), self._legend.maximumHeight()) != (height, height):
            self._legend.setFixedHeight(height)

    def axis_px(self) -> int:
        """The plot's height that is not lanes: the time axis under them and the margins.
        From the axis's own height, never from the laid-out plot: read while a resize is
        pending, that grew the timeline's minimum, which grew the timeline, and so on."""
        return int(math.ceil(self.plot_item.getAxis("bottom").height())) + 2

    def lanes_min_px(self) -> int:
        """Every lane at least half a text line (names then every other lane), and a few
        lanes a line tall: what a student must still be able to tell apart."""
        n = max(len(self.lane_labels), 1)
        line = self.lane_line_px()
        # Half a line each over all lanes, rounded up once: rounded up per lane, 29 lanes
        # (shared-globals) asked 14 px more than that and the column scrolled by 1 px.
        return max(int(math.ceil(n * line / 2)), FEW_LANES * line)

    def lanes_wanted_px(self) -> int:
        """Every lane a text line tall (each named)."""
        return max(len(self.lane_labels), FEW_LANES) * self.lane_line_px()

    def min_px(self, compact: bool = None) -> int:
        return (self.axis_px() + self.phase_marks.strip_px() + self.lanes_min_px()
                + self.legend_px(compact))

    def wanted_px(self, compact: bool = None) -> int:
        return (self.axis_px() + self.phase_marks.strip_px() + self.lanes_wanted_px()
                + self.legend_px(compact))

    def _fit_plot_minimum(self) -> None:
        """The plot never shorter than its axis, the phase strip and lanes_min_px."""
        wanted = self.axis_px() + self.phase_marks.strip_px() + self.lanes_min_px()
        if wanted != self.plot_widget.minimumHeight():
            self.plot_widget.setMinimumHeight(wanted)

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        from . import theme as theme_module  # the lead's theme; duck-typed Theme
        self._legend_px_known = {}
        if (pixel_size or 16) != self._swatch_px:  # legend swatches as tall as the text
            self._swatch_px = pixel_size or 16
            self.retranslate()
        self.plot_widget.setBackground(theme.plot_bg)
        self.phase_marks.apply_theme(theme)
        theme_module.style_plot(self.plot_item, theme, pixel_size or 16)
        # Lane names are what the lesson points at: as large as the body text, not tick-sized.
        lane_px = theme_module.readable_px("lane_names", pixel_size or 16)
        self.plot_item.getAxis("left").setTickFont(theme_module.ui_font(lane_px))
        self._lane_px = lane_px
        self._tick_step = self._tick_name_px = None  # re-space the names for the new size
        self._update_lane_ticks()
        # Never squeezed below its lanes and the time axis (at 1024x768 with large text the
        # queue view below took it all).
        self._request_refit()
        self.plot_item.showGrid(x=True, y=False, alpha=theme.grid_alpha)

    # -- drawing ---------------------------------------------------------------------------
    def _set_lanes(self) -> None:
        n = max(len(self.lane_labels), 1)
        top = -self.phase_marks.room_above(n)  # phase labels above lane 0, not over it
        self.view_box.setLimits(yMin=top, yMax=n)
        self.view_box.setYRange(top, n, padding=0)
        self._update_lane_ticks()
        self._fit_keys_label()  # more lanes or phase labels: the lines below may have to go
        self._fit_hint()
        self._request_refit()

    def set_tick_names(self, names, cap_px: int = None) -> None:
        """Shorter lane names for the axis (None: the full ones), drawn at most cap_px high
        (None: the lane-name size); tooltips keep the full names."""
        names = list(names) if names else None
        if (names, cap_px) != (self._tick_names, self._name_cap_px):
            self._tick_names, self._name_cap_px = names, cap_px
            self._tick_step = None
            self._update_lane_ticks()

    def lane_line_px(self) -> int:
        """The height a lane needs for its name to be printed (a text line and a little)."""
        return _line_px(getattr(self, "_lane_px", self._swatch_px))

    def _update_lane_ticks(self) -> None:
        """Lane names on the left; when rows are shorter than a line of text, every k-th
        (25 lanes in 100 px would print on top of each other).  Tooltips name every lane."""
        n = max(len(self.lane_labels), 1)
        row_px = (self.view_box.height() - self.phase_marks.strip_px()) / n  # the strip is no lane
        name_px = self._fitted_name_px(row_px)
        step = max(1, math.ceil(NAMED_ROW_SHARE * _line_px(name_px) / row_px)) if row_px > 0 else 1
        if (step, n, name_px) == (getattr(self, "_tick_step", None),
                                  getattr(self, "_tick_lanes", None),
                                  getattr(self, "_tick_name_px", None)):
            return
        if name_px != getattr(self, "_tick_name_px", None):
            from . import theme as theme_module
            self.plot_item.getAxis("left").setTickFont(theme_module.ui_font(name_px))
        self._tick_step, self._tick_lanes, self._tick_name_px = step, n, name_px
        names = self._tick_names if self._tick_names and len(self._tick_names) == n else self.lane_labels
        ticks = [((i + 0.4), label) for i, label in enumerate(names) if i % step == 0]
        self.plot_item.getAxis("left").setTicks([ticks, []])

    def name_px(self, capped: bool = True) -> int:
        """The lane names' full pixel size: the lane-name size, or the narrower cap PlotsArea
        set for a narrow plot (capped=False: the uncapped size)."""
        full = getattr(self, "_lane_px", self._swatch_px)
        return min(full, self._name_cap_px) if capped and self._name_cap_px else full

    def name_font(self, capped: bool = True):
        """The lane names' font at their full size (the axis's width is measured in it)."""
        from . import theme as theme_module
        return theme_module.ui_font(self.name_px(capped))

    def smallest_name_px(self) -> int:
        """The smallest size lane names are drawn in: NAME_SHRINK_SHARE of their size, and
        never under the smallest readable size."""
        from . import theme as theme_module
        return max(theme_module.SMALLEST_PX["lane_names"],
                   int(math.ceil(self.name_px(capped=False) * NAME_SHRINK_SHARE)))

    def _fitted_name_px(self, row_px: float) -> int:
        """The lane names' pixel size: the lane-name size, or, where a row is shorter than its
        line, the largest size down to NAME_SHRINK_SHARE of it whose line fits the row."""
        full = self.name_px()
        if row_px <= 0 or NAMED_ROW_SHARE * _line_px(full) <= row_px:
            return full
        floor = min(full, self.smallest_name_px())
        fits = full
        while fits > floor and NAMED_ROW_SHARE * _line_px(fits) > row_px:
            fits -= 1
        return fits

    def _data_end_s(self) -> float:
        end = self.index.end_time()
        return 0.0 if end is None else (end - self._t0_ns) / 1e9

    def _show_latest(self) -> None:
        end = self._data_end_s()
        self.view_box.setXRange(max(0.0, end - self.follow_window_s),
                                max(end, self.follow_window_s), padding=0)

    def stop_following(self, *args) -> None:
        """The user zoomed or panned (here or in a view sharing the time range)."""
        self.set_follow(False)

    def _request_redraw(self, *args) -> None:
        """One redraw per REDRAW_MS at most, and one for a burst of updates (gui/throttle.py)."""
        self._throttle.request()

    def draw_due(self) -> None:
        """Redraw now if a redraw is due as soon as the loop is back (end of a live frame)."""
        self._throttle.draw_due()

    def _view(self):
        (x0, x1), _ = self.view_box.viewRange()
        width = int(round(self.view_box.width() * self.devicePixelRatioF()))
        return float(x0), float(x1), max(width, 0)

    def _redraw(self) -> None:
        self._throttle.done()
        x0, x1, width = self._view()
        key = (x0, x1, width, self._version)
        if key == self._drawn or width == 0 or self.index.n_lanes == 0:
            return
        self._drawn = key
        t_start = self._t0_ns + int(round(x0 * 1e9))
        t_end = self._t0_ns + int(round(x1 * 1e9))
        self.draw_image(render_lanes(self.index, t_start, t_end, width, self.palette), x0, x1)

    def draw_image(self, img, x0, x1) -> None:
        """Put a render_lanes image (n_lanes, width, 4) on the view between x0 and x1 s."""
        n = img.shape[0]
        shape = (n * ROWS_PER_LANE,) + img.shape[1:]
        rows = np.zeros((n, ROWS_PER_LANE) + img.shape[1:], np.uint8)
        rows[:, :ROWS_PER_LANE - 1] = img[:, None]
        painted = np.zeros_like(rows)
        painted[:, :ROWS_PER_LANE - 1] = premultiplied_bgra(img)[:, None]
        self.image_item.set_lanes(rows.reshape(shape), painted.reshape(shape))
        self.image_item.setRect(QRectF(x0, 0.0, x1 - x0, float(n)))

    # -- hover -------------------------------------------------------------------------------
    def _mouse_moved(self, scene_pos) -> None:
        vb = self.view_box
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        x0, x1, width = self._view()
        if p.y() < 0:  # the phase labels' strip above the lanes: a label's whole text
            text = self.phase_marks.label_at(scene_pos)
        else:
            text = self.tooltip_at(p.x(), int(np.floor(p.y())), (x1 - x0) / max(width, 1))
        self.hover_text = text
        # Shown at every move, not only when the text changes: a tooltip that timed out or
        # was hidden came back only on another span, so it seemed to appear at random.
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plot_widget)
        elif QToolTip.isVisible():
            QToolTip.hideText()

    def tooltip_at(self, x_s: float, lane: int, pixel_s: float = 0.0) -> str:
        """What the tooltip says at x_s seconds on a lane: lane, state, start and duration.

        When the pixel under the cursor (pixel_s wide) holds several spans, it also
        gives the share of each state in it, which is what the blended colour shows.
        """
        if not 0 <= lane < self.index.n_lanes:
            return ""
        t = self._t0_ns + int(round(x_s * 1e9))
        half = int(pixel_s * 1e9 / 2)
        under = spans_at(self.index, lane, t, t, 1)
        near = spans_at(self.index, lane, t - half, t + half, 2)
        lines = [self.lane_labels[lane] if lane < len(self.lane_labels) else ""]
        if len(under):
            t0, t1 = int(under.t0[0]), int(under.t1[0])
            lines.append(state_text(int(under.state[0])))
            lines.append(QCoreApplication.translate("Timeline", "from {0} for {1}").format(
                "%.6f s" % ((t0 - self._t0_ns) / 1e9), format_duration(t1 - t0)))
            lines.append(state_how(int(under.state[0]), self.measured))
        waits = self.lock_info(lane, t) if self.lock_info is not None else ""
        if waits:
            lines.append(waits)
        elif not len(near):
            lines.append(QCoreApplication.translate("Timeline", "nothing recorded here"))
        if len(near) > 1:
            share = self.index.time_in_states(lane, t - half, t + half)
            total = max(int(share.sum()), 1)
            parts = ["%d %% %s" % (round(100 * v / total), state_text(code))
                     for code, v in sorted(enumerate(share), key=lambda cv: -cv[1]) if v]
            lines.append(QCoreApplication.translate("Timeline", "this pixel: {0}").format(", ".join(parts)))
        if lane in self.recording_share:
            lines.append(QCoreApplication.translate(
                "Timeline", "recording cost this thread {0} of its time").format(
                "%.2f %%" % (100 * self.recording_share[lane])))
        return "\n".join(lines)

    # -- keyboard (a lecturer drives it from the keyboard) --------------------------------
    def keyPressEvent(self, event) -> None:
        key, vb = event.key(), self.view_box
        (x0, x1), _ = vb.viewRange()
        span = x1 - x0
        if key == Qt.Key.Key_F:
            self.set_follow(not self._follow)
        elif key == Qt.Key.Key_Home:
            self.show_all()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.set_follow(False)
            step = span * 0.2 * (1 if key == Qt.Key.Key_Right else -1)
            vb.setXRange(x0 + step, x1 + step, padding=0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            self.set_follow(False)
            f = 0.5 if key != Qt.Key.Key_Minus else 2.0
            mid = (x0 + x1) / 2
            vb.setXRange(mid - span * f / 2, mid + span * f / 2, padding=0)
        else:
            super().keyPressEvent(event)
