"""The live plots, stacked: per-core CPU load, the timeline, and the scenario's own view
(shared-variable trace, queue depth, pool tasks).

Each tick the window hands over only the events that are new since the last one;
every view keeps its own per-kind arrays.  The timeline's spans grow by the new
lane events alone (gui.live_lanes: O(new events) a tick, at most 10 times a
second), and the spans at the end of the run are those same ones, made final.
"""
import math
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QSplitter, QTabWidget

from .cpu_panel import CpuPanel
from .extra_views import QueueView, TaskGantt
from .live_lanes import LiveLanes
from .phase_marks import phase_starts
from .timeline import TimelineWidget
from .time_range import TimeRange
from .trace_view import TraceView

TIMELINE_MIN_PERIOD_S = 0.1  # live lanes at most 10 times a second


class PlotsArea(QSplitter):
    """CPU | timeline | the scenario's extra views (tabs), one vertical splitter."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        # Every view has an owner from the start: a view the scenario does not show is a
        # hidden child of the tab widget, never a top-level window Python alone owns (those
        # outlived the window and crashed the interpreter at exit).
        self.cpu = CpuPanel(theme, pixel_size, parent=self)
        self.timeline = TimelineWidget(parent=self)
        self.extras = QTabWidget(self)
        self.trace = TraceView(theme, pixel_size, parent=self.extras)
        self.queue = QueueView(theme, pixel_size, parent=self.extras)
        self.tasks = TaskGantt(theme, pixel_size, parent=self.extras)
        for view in (self.trace, self.queue, self.tasks):
            view.hide()  # until a tab takes it
        self._extra_views = {"trace": self.trace, "queue": self.queue, "tasks": self.tasks}
        self.addWidget(self.cpu)
        self.addWidget(self.timeline)
        self.addWidget(self.extras)
        self.setChildrenCollapsible(False)
        self._theme = theme
        self.timeline.apply_theme(theme, pixel_size)
        # One time range for every plot with time across; the timeline leads (its limits).
        self.time_range = TimeRange(self)
        self.time_range.attach(self.timeline.view_box)
        self.time_range.moved_by_user.connect(self.timeline.stop_following)
        for view in (self.cpu, self.queue, self.tasks):
            view.share_time_axis(self.time_range)
        self._shows = None
        self._phase_texts = {}  # the scenario's phase labels: name -> {"en":..., "zh_CN":...}
        self._lang = "en"
        self.lane_labels = []
        self.reset(0)
        self.retranslate()

    # -- what to show --------------------------------------------------------------
    def show_for(self, scenario) -> None:
        """Tabs for the views this scenario declares (trace, queue, tasks); none: hidden."""
        self._phase_texts = scenario.phases
        shows = tuple(s for s in scenario.shows if s in self._extra_views)
        if shows == self._shows:
            return
        self._shows = shows
        self.extras.clear()
        for name in shows:
            self.extras.addTab(self._extra_views[name], "")
        self.extras.setVisible(bool(shows))
        # CPU small, timeline large; the scenario's own view shares the rest.
        total = max(self.height(), 600)
        shares = (0.2, 0.32, 0.48) if shows else (0.3, 0.7, 0.0)
        self.setSizes([round(total * f) for f in shares])
        self.retranslate()

    def retranslate(self, lang: str = None) -> None:
        """Texts in lang (None: the language already in use)."""
        lang = self._lang = lang or self._lang
        self._show_phases()
        titles = {"trace": self.tr("Shared variable"), "queue": self.tr("Queue depth"),
                  "tasks": self.tr("Pool tasks")}
        for i, name in enumerate(self._shows or ()):
            self.extras.setTabText(i, titles[name])
        for view in (self.cpu, self.timeline, self.trace, self.queue, self.tasks):
            view.retranslate(lang)

    def apply_theme(self, theme, pixel_size: int) -> None:
        for view in (self.cpu, self.timeline, self.trace, self.queue, self.tasks):
            view.apply_theme(theme, pixel_size)
        self._align_time_axes()

    def _align_time_axes(self) -> None:
        """Every plot with time across shares one time range (linked) and one left margin,
        wide enough for the longest lane name, so a moment is at the same x in all of them."""
        lanes_axis = self.timeline.plot_item.getAxis("left")
        others = ((self.cpu.plot, ("100",)), (self.queue.plot, ("1000",)),
                  (self.tasks.plot, ("pid 4194304",)))  # the widest tick each can show
        axes = [(plot.getPlotItem().getAxis("left"), texts) for plot, texts in others]
        width = max([_axis_width(lanes_axis, self.lane_labels)]
                    + [_axis_width(axis, texts) for axis, texts in axes])
        for axis in [lanes_axis] + [axis for axis, _ in axes]:
            if axis.fixedWidth != width:
                axis.setWidth(width)

    # -- a run's data ----------------------------------------------------------------
    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self.live = LiveLanes()
        self.lane_labels = []
        self._lanes_dirty = False
        self._next_lanes = 0.0
        self._phases = []  # (name, t_ns) of the labelled phases begun so far
        self.timeline.clear()
        for view in (self.cpu, self.trace, self.queue, self.tasks):
            view.reset(t0_ns)
        self._show_phases()  # none yet: the last run's marks go
        self._align_time_axes()

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        """Events new since the last call (a slice of the Session's store)."""
        self.cpu.ingest(chunk)
        for name in self._shows or ():
            self._extra_views[name].ingest(chunk, strings)
        self.live.ingest(chunk, strings)
        self._lanes_dirty = self._lanes_dirty or bool(len(chunk))
        if self._phase_texts:
            seen = {name for name, _ in self._phases}
            new = [(n, t) for n, t in phase_starts(chunk, strings, self._phase_texts) if n not in seen]
            if new:
                self._phases = sorted(self._phases + new, key=lambda phase: phase[1])
                self._show_phases()

    def _show_phases(self) -> None:
        """The labelled phases' starts on the timeline, in the current language."""
        marks = []
        for name, t in self._phases:
            texts = self._phase_texts.get(name, {})
            marks.append((texts.get(self._lang, texts.get("en", name)), (t - self._t0_ns) / 1e9))
        for view in (self.timeline, self.queue, self.tasks):  # the views with time across
            view.phase_marks.set(marks)

    def lane_name(self, pid: int, worker: int) -> str:
        """"THREAD1 · pid 1234": how output lines and messages name where they came from."""
        return "%s · pid %d" % (self.live.names.get((pid, worker), "?"), pid)

    def refresh(self, running: bool = True) -> None:
        """Redraw what changed (the window's timer calls this, <= 30 Hz)."""
        self.cpu.refresh()
        for name in self._shows or ():
            self._extra_views[name].refresh()
        if self._lanes_dirty or running:
            self._refresh_lanes(time.perf_counter_ns() if running else None)

    def _refresh_lanes(self, t_now_ns) -> None:
        now = time.monotonic()
        if now < self._next_lanes or not self.live.lanes:
            return
        self.live.build(t_now_ns if t_now_ns is not None else self.live.t_max)
        self._show_lanes()
        self._lanes_dirty = False
        # A build costs the new events only; still, never more than ~1/4 of the time.
        self._next_lanes = now + max(TIMELINE_MIN_PERIOD_S, 3 * (time.monotonic() - now))

    def _show_lanes(self) -> None:
        labels = self.live.labels()
        changed, self.lane_labels = labels != self.lane_labels, labels
        self.timeline.set_index(self.live.index, self.lane_labels, self._t0_ns)
        if changed:
            self._align_time_axes()

    def finish(self, result) -> None:
        """The run ended: the live spans made final (open spans end with the run), plus lanes
        for children that recorded nothing themselves (cp, sleep)."""
        self.cpu.finish(result)
        for name in self._shows or ():
            self._extra_views[name].finish(result)
        self.live.close(result.view.strings, result.view.t_end)
        self._lanes_dirty = False
        if self.live.lanes:
            self._show_lanes()
            if self.timeline.follow():  # the run is over: show all of it
                self.timeline.show_all()


def _axis_width(axis, texts) -> int:
    """Pixels a pyqtgraph left axis needs for these tick texts and its label (its own rule)."""
    metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
    width = max((metrics.horizontalAdvance(text) for text in texts), default=0)
    width += axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"])
    if axis.label.isVisible():
        width += axis.label.boundingRect().height() * 0.8
    return int(math.ceil(width)) + 2
