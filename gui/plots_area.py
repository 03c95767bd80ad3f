"""The live plots, stacked: per-core CPU load, the timeline, and the scenario's own view
(shared-variable trace, queue depth, pool tasks).

Each tick the window hands over only the events that are new since the last one;
every view keeps its own per-kind arrays.  The timeline's lanes are re-derived
from the lane events alone (worker start / state / exit: a small share of all
events) with engine.analysis.spans_of, at most as often as its own cost allows.
"""
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget

from engine.analysis import spans_of
from engine.decode import EVENT_DTYPE
from engine.wire import K

from .cpu_panel import CpuPanel
from .extra_views import QueueView, TaskGantt
from .timeline import TimelineWidget
from .timeline_layout import Spans
from .trace_view import TraceView

LANE_KINDS = (K.WORKER_START, K.STATE, K.WORKER_EXIT)
TIMELINE_MIN_PERIOD_S = 0.1  # live lanes at most 10 times a second


class PlotsArea(QSplitter):
    """CPU | timeline | the scenario's extra views (tabs), one vertical splitter."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.cpu = CpuPanel(theme, pixel_size)
        self.timeline = TimelineWidget()
        # An explicit minimum: the timeline's one-row-per-five-states legend must not set the
        # width of the whole window (at 14 px it asks for 1081 px, more than 1366 allows).
        self.timeline.setMinimumWidth(20 * pixel_size)
        self.trace = TraceView(theme, pixel_size)
        self.queue = QueueView(theme, pixel_size)
        self.tasks = TaskGantt(theme, pixel_size)
        self.extras = QTabWidget()
        self._extra_views = {"trace": self.trace, "queue": self.queue, "tasks": self.tasks}
        self.addWidget(self.cpu)
        self.addWidget(self.timeline)
        self.addWidget(self.extras)
        self.setChildrenCollapsible(False)
        self._theme = theme
        self.timeline.apply_theme(theme, pixel_size)
        self._shows = None
        self.lane_labels = []
        self.reset(0)
        self.retranslate()

    # -- what to show --------------------------------------------------------------
    def show_for(self, scenario) -> None:
        """Tabs for the views this scenario declares (trace, queue, tasks); none: hidden."""
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

    def retranslate(self, lang: str = "en") -> None:
        titles = {"trace": self.tr("Shared variable"), "queue": self.tr("Queue depth"),
                  "tasks": self.tr("Pool tasks")}
        for i, name in enumerate(self._shows or ()):
            self.extras.setTabText(i, titles[name])
        for view in (self.cpu, self.timeline, self.trace, self.queue, self.tasks):
            view.retranslate(lang)

    def apply_theme(self, theme, pixel_size: int) -> None:
        for view in (self.cpu, self.timeline, self.trace, self.queue, self.tasks):
            view.apply_theme(theme, pixel_size)

    # -- a run's data ----------------------------------------------------------------
    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self._lane_parts = []
        self._lane_events = np.zeros(0, EVENT_DTYPE)
        self._lane_index = {}   # (pid, worker) -> lane, in order of first appearance
        self._lane_names = {}   # (pid, worker) -> thread / process name
        self.lane_labels = []
        self._lanes_dirty = False
        self._next_lanes = 0.0
        self.timeline.clear()
        for view in (self.cpu, self.trace, self.queue, self.tasks):
            view.reset(t0_ns)

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        """Events new since the last call (a slice of the Session's store)."""
        self.cpu.ingest(chunk)
        for name in self._shows or ():
            self._extra_views[name].ingest(chunk, strings)
        lanes = chunk[np.isin(chunk["kind"], LANE_KINDS)]
        if not len(lanes):
            return
        self._lane_parts.append(lanes.copy())
        for e in lanes[lanes["kind"] == K.WORKER_START]:
            self._lane_names[(int(e["pid"]), int(e["worker"]))] = strings.get(
                (int(e["pid"]), int(e["b"])), "?")
        pairs = np.unique(np.column_stack([lanes["pid"], lanes["worker"]]), axis=0,
                          return_index=True)[1]
        for i in sorted(pairs):
            self._lane_index.setdefault((int(lanes["pid"][i]), int(lanes["worker"][i])),
                                        len(self._lane_index))
        self._lanes_dirty = True

    def lane_name(self, pid: int, worker: int) -> str:
        """"THREAD1 · pid 1234": how output lines and messages name where they came from."""
        return "%s · pid %d" % (self._lane_names.get((pid, worker), "?"), pid)

    def refresh(self, running: bool = True) -> None:
        """Redraw what changed (the window's timer calls this, <= 30 Hz)."""
        self.cpu.refresh()
        for name in self._shows or ():
            self._extra_views[name].refresh()
        if self._lanes_dirty or running:
            self._refresh_lanes(time.perf_counter_ns() if running else None)

    def _refresh_lanes(self, t_end_ns) -> None:
        now = time.monotonic()
        if now < self._next_lanes or not self._lane_index:
            return
        if self._lane_parts:
            self._lane_events = np.concatenate([self._lane_events] + self._lane_parts)
            self._lane_parts = []
        lanes = [(pid, worker, "%s · pid %d" % (self._lane_names.get((pid, worker), "?"), pid))
                 for (pid, worker), _ in sorted(self._lane_index.items(), key=lambda kv: kv[1])]
        end = t_end_ns if t_end_ns is not None else int(self._lane_events["t"].max())
        derived = spans_of(self._lane_events, lanes, end)
        self.lane_labels = derived["labels"]
        self.timeline.set_spans(Spans.from_mapping(derived), self.lane_labels, self._t0_ns)
        self._lanes_dirty = False
        # Lanes cost grows with the run; never spend more than ~1/4 of the time on them.
        self._next_lanes = now + max(TIMELINE_MIN_PERIOD_S, 3 * (time.monotonic() - now))

    def finish(self, result) -> None:
        """The run ended: redraw everything from the engine's RunView, exactly."""
        self.cpu.finish(result)
        for name in self._shows or ():
            self._extra_views[name].finish(result)
        derived = result.view.spans()
        self.lane_labels = derived["labels"]
        if self.lane_labels:
            self.timeline.set_spans(Spans.from_mapping(derived), self.lane_labels, self._t0_ns)
            if self.timeline.follow():  # the run is over: show all of it
                self.timeline.show_all()
