"""The timeline: one lane per thread or process, coloured by state over time.

All lanes are one ImageItem (a row per lane, a column per screen pixel) that
timeline_layout.render_lanes recomputes when the view, the width or the data
changed, at most 30 times a second (DESIGN.md, "Timeline drawing").  Between
redraws the last image stays where it is in data coordinates, so a pan moves
it at once and the next redraw only sharpens it.
"""
import math
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from .flow_layout import flow_host
from .phase_marks import PhaseMarks
from .timeline_layout import DEFAULT_PALETTE, N_STATES, LaneIndex, Spans, render_lanes, spans_at

# What the user reads for each state code, in STATE_KEYS order.
STATE_TEXT = (
    QT_TRANSLATE_NOOP("Timeline", "running"),
    QT_TRANSLATE_NOOP("Timeline", "waiting for the GIL"),
    QT_TRANSLATE_NOOP("Timeline", "blocked on a lock"),
    QT_TRANSLATE_NOOP("Timeline", "waiting on a queue"),
    QT_TRANSLATE_NOOP("Timeline", "waiting in join()"),
    QT_TRANSLATE_NOOP("Timeline", "waiting for I/O or a subprocess"),
    QT_TRANSLATE_NOOP("Timeline", "sleeping"),
    QT_TRANSLATE_NOOP("Timeline", "idle (alive, nothing recorded)"),
    QT_TRANSLATE_NOOP("Timeline", "finished"),
    QT_TRANSLATE_NOOP("Timeline", "runnable, pre-empted by the OS"),
    QT_TRANSLATE_NOOP("Timeline", "held at a step by the scheduler"),
)
assert len(STATE_TEXT) == N_STATES

REDRAW_MS = 33         # at most ~30 redraws a second, whatever the event rate
ROWS_PER_LANE = 5      # 4 coloured image rows + 1 transparent: a gap between lanes
FOLLOW_WINDOW_S = 10.0
MIN_VIEW_S = 1e-6      # zoom stops at 1 us for the whole width (~1 ns a pixel)


def _tr(text):
    """A text marked with QT_TRANSLATE_NOOP above, translated (lupdate finds literal calls only)."""
    return QCoreApplication.translate("Timeline", text)


def state_text(code):
    """The translated name of a state code."""
    if 0 <= code < N_STATES:
        return _tr(STATE_TEXT[code])
    return QCoreApplication.translate("Timeline", "unknown state")


def format_duration(ns):
    """A duration in the unit that keeps 3-4 significant digits: 1.25 ms, 37.0 us, 2.50 s."""
    ns = float(ns)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%d ns" % ns


class TimelineWidget(QWidget):
    """Lanes of thread/process states over time, with zoom, pan, follow-live and hover details."""

    follow_changed = Signal(bool)  # the user panned/zoomed (False) or follow was set

    def __init__(self, parent=None, palette=DEFAULT_PALETTE, follow_window_s=FOLLOW_WINDOW_S):
        super().__init__(parent)
        self.palette = np.asarray(palette, np.uint8)
        self.follow_window_s = follow_window_s
        self.index = LaneIndex()
        self.lane_labels = []
        self.hover_text = ""      # the last tooltip shown (tests read it)
        self._t0_ns = 0
        self._follow = True
        self._version = 0         # bumped by every data change
        self._drawn = None        # (x0, x1, width, version) of the image on screen

        self.plot_widget = pg.PlotWidget()
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        vb = self.view_box = self.plot_item.getViewBox()
        vb.setMouseEnabled(x=True, y=False)  # lanes are fixed; time zooms and pans
        vb.invertY(True)                     # lane 0 on top
        self.image_item = pg.ImageItem(axisOrder="row-major")
        vb.addItem(self.image_item)
        self.phase_marks = PhaseMarks(vb, changed=self._set_lanes)
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget, 1)
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
        self.plot_item.setLabel("bottom", QCoreApplication.translate("Timeline", "time since Run"), units="s")
        self._build_legend()

    def legend_states(self) -> tuple:
        """The state codes the legend names: those in the lanes, or all before any data."""
        shown = tuple(int(c) for c in self.index.states) if self.index.lane_start[-1] else ()
        return shown or tuple(range(N_STATES))

    def _build_legend(self) -> None:
        self._legend_shown = self.legend_states()
        while self._legend_flow.count():
            w = self._legend_flow.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for code in self._legend_shown:
            r, g, b, a = (int(v) for v in self.palette[code])
            swatch = QPixmap(self._swatch_px, self._swatch_px)
            swatch.fill(QColor(r, g, b, max(a, 60)))
            box, text = QLabel(), QLabel(state_text(code))
            box.setPixmap(swatch)
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(box)
            row.addWidget(text, 1)
            self._legend_flow.addWidget(cell)
        # A pixel holding several states is drawn in their time-weighted mix (running
        # + pre-empted looks green): say so right under the colours it explains.
        self._legend_hint.setText(QCoreApplication.translate(
            "Timeline", "A mixed colour is several states within one pixel: hover, or zoom in."))
        self._legend_hint.setVisible(len(self._legend_shown) > 1)

    def apply_theme(self, theme, pixel_size: int = None) -> None:
        from . import theme as theme_module  # the lead's theme; duck-typed Theme
        if (pixel_size or 16) != self._swatch_px:  # legend swatches as tall as the text
            self._swatch_px = pixel_size or 16
            self.retranslate()
        self.plot_widget.setBackground(theme.plot_bg)
        self.phase_marks.apply_theme(theme)
        theme_module.style_plot(self.plot_item, theme, pixel_size or 16)
        self.plot_item.showGrid(x=True, y=False, alpha=theme.grid_alpha)

    # -- drawing ---------------------------------------------------------------------------
    def _set_lanes(self) -> None:
        n = max(len(self.lane_labels), 1)
        top = -self.phase_marks.room_above(n)  # phase labels above lane 0, not over it
        self.view_box.setLimits(yMin=top, yMax=n)
        self.view_box.setYRange(top, n, padding=0)
        self._update_lane_ticks()

    def _update_lane_ticks(self) -> None:
        """Lane names on the left; when rows are shorter than a line of text, every k-th
        (25 lanes in 100 px would print on top of each other).  Tooltips name every lane."""
        n = max(len(self.lane_labels), 1)
        row_px = self.view_box.height() / n
        step = max(1, math.ceil(self._swatch_px * 1.3 / row_px)) if row_px > 0 else 1
        if step == getattr(self, "_tick_step", None) and n == getattr(self, "_tick_lanes", None):
            return
        self._tick_step, self._tick_lanes = step, n
        ticks = [((i + 0.4), label) for i, label in enumerate(self.lane_labels) if i % step == 0]
        self.plot_item.getAxis("left").setTicks([ticks, []])

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
        if not self._timer.isActive():  # coalesce: one redraw per REDRAW_MS at most
            self._timer.start()

    def _view(self):
        (x0, x1), _ = self.view_box.viewRange()
        width = int(round(self.view_box.width() * self.devicePixelRatioF()))
        return float(x0), float(x1), max(width, 0)

    def _redraw(self) -> None:
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
        rows = np.zeros((n, ROWS_PER_LANE) + img.shape[1:], np.uint8)
        rows[:, :ROWS_PER_LANE - 1] = img[:, None]
        self.image_item.setImage(rows.reshape((n * ROWS_PER_LANE,) + img.shape[1:]),
                                 autoLevels=False)
        self.image_item.setRect(QRectF(x0, 0.0, x1 - x0, float(n)))

    # -- hover -------------------------------------------------------------------------------
    def _mouse_moved(self, scene_pos) -> None:
        vb = self.view_box
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        x0, x1, width = self._view()
        text = self.tooltip_at(p.x(), int(np.floor(p.y())), (x1 - x0) / max(width, 1))
        if text != self.hover_text:
            self.hover_text = text
            if text:
                QToolTip.showText(QCursor.pos(), text, self.plot_widget)
            else:
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
        elif not len(near):
            lines.append(QCoreApplication.translate("Timeline", "nothing recorded here"))
        if len(near) > 1:
            share = self.index.time_in_states(lane, t - half, t + half)
            total = max(int(share.sum()), 1)
            parts = ["%d %% %s" % (round(100 * v / total), state_text(code))
                     for code, v in sorted(enumerate(share), key=lambda cv: -cv[1]) if v]
            lines.append(QCoreApplication.translate("Timeline", "this pixel: {0}").format(", ".join(parts)))
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
