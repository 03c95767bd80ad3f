"""One run of a comparison on screen: its title, its lanes and its key plot.  [numpy]

The lanes grow as the run's events arrive (gui.live_lanes: O(new events) a
build, at most twice a second per row); the key plot keeps the lowest and
highest value per time bin (gui.key_envelope: O(new points), at most 3000
points drawn).  Time is seconds since the run's first event, so stacked runs
line up at their start.  Events are picked by index from the chunk's columns:
a boolean index into the 32-byte records copies them one by one (~20 ms per
200,000 events, the largest cost of a tick before).
"""
import os
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.wire import K

from .key_envelope import KeyEnvelope
from .live_lanes import LiveLanes
from .timeline import TimelineWidget

LANES_PERIOD_S = 0.5   # live lanes of a row: at most twice a second
MAX_CHUNK = 100_000    # events a row takes in one visit (~10 ms of numpy on this machine)
KEY_PLOT_PX = 90   # five runs stacked fit a 1366x768 screen's compare window two or three at a time
AXIS_PX = 190     # room for "THREAD1 · pid 1234567" left of every plot of every row
LANE_PX = 30      # a lane's height; the row is as tall as its lanes


class RunRow(QWidget):
    """A run's title and Pin button, its lanes, its key plot."""

    pin_toggled = Signal(object, bool)  # this row, pinned or not

    def __init__(self, time_range, theme, pixel_size: int, parent=None) -> None:
        """The widgets only (they take ~0.2 s to build: the compare view keeps a pool of rows
        and shows a run in one with show_run)."""
        super().__init__(parent)
        self._pixel_size, self._theme = pixel_size, theme
        self.lang = "en"
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.pin_button = QPushButton()
        self.pin_button.setCheckable(True)
        self.pin_button.toggled.connect(lambda on: self.pin_toggled.emit(self, on))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.pin_button)
        self.timeline = TimelineWidget(parent=self)
        self.timeline.set_follow(False)
        if theme is not None:
            self.timeline.apply_theme(theme, pixel_size)
        self.timeline.plot_widget.setFixedHeight(LANE_PX * 3 + 45)
        self.key_plot = pg.PlotWidget(parent=self)
        self.key_plot.setFixedHeight(KEY_PLOT_PX)
        item = self.key_plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)  # the lanes are where one zooms and pans
        item.enableAutoRange(x=False)
        item.hideAxis("bottom")  # the lanes above name the time: one axis less to repaint
        self.curve = item.plot([], [], pen=pg.mkPen((31, 119, 180), width=1))
        if theme is not None:
            from . import theme as theme_module
            self.key_plot.setBackground(theme.plot_bg)
            theme_module.style_plot(item, theme, pixel_size)
        # Axes drawn once into a pixmap and blitted until their range or labels change: a
        # redraw of the lanes or the curve repainted every axis's text (a third of a redraw).
        for plot in (item, self.timeline.plot_item):
            for side in ("left", "bottom"):
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        time_range.attach(self.timeline.view_box)
        time_range.attach(item.getViewBox())
        self.timeline.plot_item.getAxis("left").setWidth(AXIS_PX)
        item.getAxis("left").setWidth(AXIS_PX)  # the same left margin: a moment is at one x
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(top)
        layout.addWidget(self.timeline)
        layout.addWidget(self.key_plot)
        self.slot = None

    def show_run(self, slot, scenario, pinned: bool = False, legend: bool = False) -> None:
        """Show this run (a compare slot, or a pinned run) from its start."""
        self.slot, self.scenario, self.pinned = slot, scenario, pinned
        self.final = False
        self.live = LiveLanes()
        self.t0 = None
        self.t_last = None
        self._seen = 0
        self._next_lanes = 0.0
        # The shared variable's value when its accesses are traced, else how many cores were busy.
        values = getattr(slot.combination, "values", None) or {}
        self._key_trace = "trace" in scenario.shows and values.get("traced", True) is not False
        self._key = None  # KeyEnvelope, from the first event on
        plot = self.key_plot.getPlotItem()
        if self._key_trace:
            plot.enableAutoRange(y=True)
        else:  # cores busy: from 0 to every core, so 2 of 2 reads as "all", not as a flat line
            plot.disableAutoRange(axis="y")
            plot.setYRange(0, os.cpu_count() or 1, padding=0.05)
        self.timeline.clear()
        self.curve.setData([], [])
        if self._theme is not None:
            self.curve.setPen(pg.mkPen(self._theme.write if self._key_trace else self._theme.accent,
                                       width=1))
        # One legend and one time axis for the stack, on the first row: fewer axes to repaint.
        self.timeline._legend.setVisible(legend)
        self.timeline._legend_hint.setVisible(legend)
        self.timeline.plot_item.showAxis("bottom", legend)
        self.timeline.plot_widget.setFixedHeight(LANE_PX * 3 + (45 if legend else 12))
        self.pin_button.blockSignals(True)
        self.pin_button.setChecked(pinned)
        self.pin_button.blockSignals(False)
        self.pin_button.setEnabled(pinned)
        self.retranslate(self.lang)
        if slot.session is None and getattr(slot, "result", None) is not None:
            self._take_all(slot.result)  # a pinned or loaded run: all of it at once

    # -- texts ------------------------------------------------------------------------------
    def label(self) -> str:
        return self.slot.combination.label

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.pin_button.setText(self.tr("Pinned") if self.pin_button.isChecked() else self.tr("Pin this run"))
        self.pin_button.setToolTip(self.tr("Keep this run on screen for the next comparison"))
        self.key_plot.getPlotItem().setTitle(
            self.tr("Value of the shared variable") if self._key_trace else self.tr("Cores busy (all programs)"),
            size="%dpx" % max(9, round(self._pixel_size * 0.8)))
        self._show_title()

    def _show_title(self) -> None:
        slot = self.slot
        states = {"waiting": self.tr("waiting"), "running": self.tr("running"), "finished": self.tr("finished"),
                  "failed": self.tr("failed"), "stopped": self.tr("stopped"), "not run": self.tr("not run")}
        head = slot.headline.get(self.lang, slot.headline.get("en", "")) if slot.headline else ""
        if slot.state == "failed" and slot.problem:  # why it failed, e.g. its Python is gone
            head = slot.problem
        pin = "📌 " if self.pinned else ""
        self._set_text(self.title, "%s<b>%s #%d</b> — %s%s" % (pin, _html(self.label()), slot.repeat,
                                                     states.get(slot.state, slot.state),
                                                     (" — " + _html(head)) if head else ""))
        self._set_text(self.pin_button, self.tr("Pinned") if self.pin_button.isChecked()
                       else self.tr("Pin this run"))

    @staticmethod
    def _set_text(widget, text: str) -> None:
        if widget.text() != text:  # a new text re-lays out the row: only when it changed
            widget.setText(text)

    # -- data ---------------------------------------------------------------------------------
    def seconds(self) -> float:
        if self.t0 is None or self.t_last is None:
            return 0.0
        return (self.t_last - self.t0) / 1e9

    def update_from_slot(self) -> None:
        """Take the run's new events (at most MAX_CHUNK: one visit stays short however long
        the row waited); once the run has ended and every event is in, its final spans."""
        if self.final:
            return
        slot, session = self.slot, self.slot.session
        ended = slot.state not in ("waiting", "running")  # first: then every event is stored
        caught_up = True
        if session is not None and slot.state != "waiting":
            events = session.events()
            chunk = events[self._seen:self._seen + MAX_CHUNK]
            self._seen += len(chunk)
            caught_up = self._seen >= len(events)
            if len(chunk):
                self._ingest(chunk, session.strings)
        if slot.state == "waiting":
            pass
        elif not ended or not caught_up:
            now = time.monotonic()
            if now >= self._next_lanes and self.live.lanes:
                t0 = time.monotonic()
                self.live.build(time.perf_counter_ns())
                self._show_lanes()
                self._draw_key()
                self._next_lanes = now + max(LANES_PERIOD_S, 3 * (time.monotonic() - t0))
        else:
            result = getattr(slot, "result", None)
            if result is not None:
                self.live.close(result.view.strings, result.view.t_end)
                self.t_last = max(self.t_last or 0, int(result.view.t_end))
                self._show_lanes()
                self._draw_key()
                self.pin_button.setEnabled(slot.state == "finished")
            self.final = True
        self._show_title()

    def _take_all(self, result) -> None:
        view = result.view
        self._ingest(view.events, view.strings)
        self.live.close(view.strings, view.t_end)
        self.t_last = max(self.t_last or 0, int(view.t_end))
        self._show_lanes()
        self._draw_key()
        self.final = True

    def _ingest(self, chunk: np.ndarray, strings: dict) -> None:
        t = chunk["t"]
        if self.t0 is None:
            self.t0 = int(t.min())
            self._key = KeyEnvelope(self.t0)
        self.t_last = max(self.t_last or 0, int(t.max()))
        self.live.ingest(chunk, strings)
        kinds = chunk["kind"]
        if self._key_trace:
            at = np.flatnonzero(kinds == K.VAR_WRITE)
            if len(at):
                self._key.add(t[at], chunk["a"][at])
        else:
            at = np.flatnonzero(kinds == K.CPU_SAMPLE)
            if len(at):  # one sample per core per moment: their sum is the cores busy then
                times, first = np.unique(t[at], return_inverse=True)
                busy = np.bincount(first, weights=chunk["a"][at] / 10000.0)
                self._key.add(times, busy)

    def _show_lanes(self) -> None:
        if self.live.lanes:
            n = len(self.live.lanes)
            axis = 45 if self.timeline.plot_item.getAxis("bottom").isVisible() else 12
            height = LANE_PX * min(n, 12) + axis  # beyond 12 lanes the names thin out
            if self.timeline.plot_widget.height() != height:
                self.timeline.plot_widget.setFixedHeight(height)
            self.timeline.set_index(self.live.index, self.live.labels(), self.t0 or 0)

    def _draw_key(self) -> None:
        if self._key is None or not self._key.count:
            return
        self.curve.setData(*self._key.points())

    def point_count(self) -> int:
        return self._key.count if self._key is not None else 0


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
