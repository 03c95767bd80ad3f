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
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter

from .theme import ui_font
from .cpu_panel import CpuPanel
from .extra_views import QueueView, TaskGantt
from .live_lanes import LiveLanes
from .lock_waits import MAX_DRAWN, LockWaitMarks, LockWaits, wait_text
from .phase_marks import phase_starts
from .steady_tabs import SteadyTabs
from .timeline import TimelineWidget
from .time_range import TimeRange
from .trace_view import TraceView
from .whole_text import tell_scroll_area

TIMELINE_MIN_PERIOD_S = 0.1  # live lanes at most 10 times a second
LANE_NAMES_SHARE = 0.3  # lane names wider than this share of the plots: shorter names
CPU_ROOM_LINES = 36  # the CPU plot goes where the plots are shorter than this many text px
# (with another view to show): 1366x768 keeps it at normal text (651 px >= 36 x 14)
CPU_SHARE = 0.3       # of the plots' height, the most the CPU panel gets beyond its minimum
EXTRA_SHARE = 0.45    # ... and the scenario's own view, once the lanes have their lines


class PlotsArea(QSplitter):
    """CPU | timeline | the scenario's extra views (tabs), one vertical splitter."""

    def __init__(self, theme, pixel_size: int, parent=None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        # Every view has an owner from the start: a view the scenario does not show is a
        # hidden child of the tab widget, never a top-level window Python alone owns (those
        # outlived the window and crashed the interpreter at exit).
        self.cpu = CpuPanel(theme, pixel_size, parent=self)
        self.timeline = TimelineWidget(parent=self)
        self.extras = SteadyTabs(self)  # no whole repaint per live frame (gui/steady_tabs.py)
        self.trace = TraceView(theme, pixel_size, parent=self.extras)
        self.queue = QueueView(theme, pixel_size, parent=self.extras)
        self.tasks = TaskGantt(theme, pixel_size, parent=self.extras)
        for view in (self.trace, self.queue, self.tasks):
            view.hide()  # until a tab takes it
            _never_widen(view)
        self._extra_views = {"trace": self.trace, "queue": self.queue, "tasks": self.tasks}
        self.addWidget(self.cpu)
        self.addWidget(self.timeline)
        self.addWidget(self.extras)
        self.setChildrenCollapsible(False)
        self._theme = theme
        self.timeline.apply_theme(theme, pixel_size)
        self.lock_marks = LockWaitMarks(self.timeline.view_box)
        self.lock_marks.apply_theme(theme, pixel_size)
        self.timeline.lock_info = self._lock_info
        # One time range for every plot with time across; the timeline leads (its limits).
        self.time_range = TimeRange(self)
        self.time_range.attach(self.timeline.view_box)
        self.time_range.moved_by_user.connect(self.timeline.stop_following)
        for view in (self.cpu, self.queue, self.tasks, self.trace):
            view.share_time_axis(self.time_range)
        self._shows = None
        self._px = pixel_size
        # One owner of the height (_share_height): each part states its minimum and what it
        # wants; asked again whenever one of those changes, at most once per event-loop pass.
        self._share_timer = QTimer(self, singleShot=True, interval=0)
        self._share_timer.timeout.connect(self._share_height)
        self._shared_for = None  # what the last sharing was computed from
        self._cpu_form_for = None  # what the CPU panel's form was last chosen from
        self._user_sized = False  # the user dragged a handle: kept until the content changes
        self.held = False  # True: presentation mode (gui.presentation) sizes the parts itself
        self.splitterMoved.connect(self._user_moved)
        self.timeline.needs_changed.connect(self.request_share)
        self.cpu_wanted = True  # False while stepping (gui.run_control): the load says nothing
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
        self._user_sized = False
        self.retranslate()
        self._share_height()

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

    def resizeEvent(self, event) -> None:  # Qt override: full or short lane names
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._align_time_axes()
        self.request_share()

    def _user_moved(self, *_args) -> None:
        self._user_sized = True

    def request_share(self) -> None:
        """Share the height out again once the current event is handled (coalesced)."""
        if not self._share_timer.isActive():
            self._share_timer.start()

    def _lanes_first(self) -> bool:
        """The lanes are the lesson (no view of the scenario's own: gil, convoy, deadlock...)."""
        return not self.extras.isVisible()

    def _share_height(self) -> None:
        """Give each part its minimum, then the rest by what this scenario needs: the lanes
        a text line each first; then the CPU panel (up to CPU_SHARE) where the lanes are
        the lesson, or the scenario's own view (up to EXTRA_SHARE) where it shows one; what
        is left to the lanes, or to that view.  Where even the minimums do not fit, the
        column scrolls (gui.main_window puts it in a scroll area).  Each part's minimum is
        text lines x its font's height: the timeline's (gui.timeline: axis, phase strip,
        lanes, legend), the CPU panel's and the trace's (their headers' lines and plots)."""
        room = self.room_px()
        if room <= 0 or self.held:
            return
        extra_on = self.extras.isVisible()
        extra_min = self.extras.minimumSizeHint().height() if extra_on else 0
        self._fit_cpu_form(room, extra_min, extra_on)
        cpu_on = self.cpu.isVisibleTo(self)
        handles = self.handleWidth() * (int(cpu_on) + int(extra_on))
        cpu_min = self.cpu.min_px(self.cpu.compact, self.cpu.line_only) if cpu_on else 0
        # Short state names where the full legend would take the lanes' lines.
        full_fits = cpu_min + extra_min + handles + self.timeline.wanted_px(False) <= room
        self.timeline.set_compact(not full_fits)
        lanes_min, lanes_want = self.timeline.min_px(), self.timeline.wanted_px()
        key = (room, self.width(), cpu_on, extra_on, cpu_min, extra_min, lanes_min, lanes_want)
        if key == self._shared_for and self._user_sized:
            return
        self._shared_for = key
        spare = room - handles - cpu_min - extra_min - lanes_min
        lanes = lanes_min + max(0, min(spare, lanes_want - lanes_min))
        spare -= lanes - lanes_min
        cpu, extra = cpu_min, extra_min
        if extra_on:
            extra += max(0, min(spare, round(EXTRA_SHARE * room) - extra_min))
            spare -= extra - extra_min
        if cpu_on and not self.cpu.line_only:  # (a line of text alone: more is a blank band)
            cpu += max(0, min(spare, round(CPU_SHARE * room) - cpu_min))
            spare -= cpu - cpu_min
        if extra_on and not self._lanes_first_with_extra():
            extra += max(spare, 0)
        else:
            lanes += max(spare, 0)
        sizes = [cpu if cpu_on else 0, lanes, extra if extra_on else 0]
        if any(abs(a - b) > 2 for a, b in zip(sizes, self.sizes())):
            self.setSizes(sizes)
        if sum(sizes) + handles > self.height():
            # The minimums grew past what the scroll area gave (the legend in Chinese after
            # a language switch): it sizes this widget again only when asked, and until then
            # the legend was drawn over the time axis.
            tell_scroll_area(self.timeline)

    def _fit_cpu_form(self, room: int, extra_min: int, extra_on: bool) -> None:
        """The CPU panel whole, compact (a one-line header, "cores busy" under the plot), or
        not at all, from what each form takes next to the lanes a text line each (short
        state names) and the scenario's own view at its minimum: the lanes come first, then
        the full legend, then the whole CPU panel; where the lanes are the lesson, the panel
        is at least its "cores busy" line, its plot only where the lanes keep their lines.  Measured from each form's own minimum,
        never from what is shown now, so the choice is the same every time it is asked:
        at 922x691 (a 1024x768 screen's default window) a header held at five lines hid the
        panel and left the race's lanes 19 px each."""
        # Decided once for what it depends on: the strip's rows follow the plot's height,
        # which follows the form chosen, and re-deciding on them could flip it back and forth.
        basis = (room, self.width(), self._px, self._lang, extra_on, extra_min, self.cpu_wanted,
                 len(self.timeline.lane_labels), self.timeline.phase_marks.count(),
                 len(self.cpu._curves))
        if basis == self._cpu_form_for:
            return
        self._cpu_form_for = basis
        lanes = self.timeline.wanted_px(True)
        handle = self.handleWidth()
        others = extra_min + handle * int(extra_on) + handle
        shown = self.cpu_wanted
        compact = True
        if shown and extra_on:
            # A scenario with a view of its own (race, pool...): the CPU panel only where
            # the plots are tall enough for three parts, and never before the lanes' lines.
            shown = (room >= CPU_ROOM_LINES * self._px
                     and self.cpu.min_px(True) + others + lanes <= room)
        line_only = False
        if shown:
            compact = self.cpu.min_px(False) + others + self.timeline.wanted_px(False) > room
            # Lanes first (gil, threads-help): its plot only where the lanes keep their lines.
            line_only = compact and not extra_on and self.cpu.min_px(True) + others + lanes > room
            self.cpu.set_line_only(line_only)
            self.cpu.set_compact(compact)
        if shown != self.cpu.isVisibleTo(self):
            self.cpu.setVisible(shown)

    def _lanes_first_with_extra(self) -> bool:
        """A scenario with a view of its own whose lanes still come first: more lanes than a
        handful (shared-globals' bug and fixes, one lane each) get what is left."""
        return len(self.timeline.lane_labels) > 8

    def room_px(self) -> int:
        """The height the window gives the plots: in a scroll area (gui.main_window) the
        viewport's, not this widget's own (which is at least the views' minimums)."""
        viewport = self.parentWidget()
        if viewport is not None and viewport.objectName() == "qt_scrollarea_viewport":
            return viewport.height()
        return self.height()

    def set_cpu_wanted(self, wanted: bool) -> None:
        """False while stepping (gui.run_control): the load of a paused run says nothing."""
        self.cpu_wanted = wanted
        self.request_share()

    def apply_theme(self, theme, pixel_size: int) -> None:
        for view in (self.cpu, self.timeline, self.trace, self.queue, self.tasks):
            view.apply_theme(theme, pixel_size)
        self.lock_marks.apply_theme(theme, pixel_size)
        self._px = pixel_size
        self._show_lock_waits()
        self._align_time_axes()
        self.request_share()

    def _align_time_axes(self) -> None:
        """Every plot with time across shares one time range (linked) and one left margin,
        wide enough for the longest lane name, so a moment is at the same x in all of them."""
        lanes_axis = self.timeline.plot_item.getAxis("left")
        others = ((self.cpu.plot, ("100",)), (self.queue.plot, ("1000",)),
                  (self.tasks.plot, ("pid 4194304",)))  # the widest tick each can show
        axes = [(plot.getPlotItem().getAxis("left"), texts) for plot, texts in others]
        names, cap_px = self._fitted_lane_names(lanes_axis, LANE_NAMES_SHARE * max(self.width(), 1))
        self.timeline.set_tick_names(None if names == self.lane_labels else names, cap_px)
        font = self.timeline.name_font()
        axes += self.trace.left_axes()  # its thread rows and value plot
        width = max([_axis_width(lanes_axis, names, font)]
                    + [_axis_width(axis, texts) for axis, texts in axes])
        for axis in [lanes_axis] + [axis for axis, _ in axes]:
            if axis.fixedWidth != width:
                axis.setWidth(width)

    def _fitted_lane_names(self, axis, room: float) -> tuple:
        """The lane names the axis shows in room px, and the size cap they need (None: none).
        The first that fits: the full names; without their pid where the name alone is unique
        ("MainThread · pid 16988" took 320 of 460 px at 1024 px with large text); without any
        pid (shared-globals' READER2 of each step: the step's mark says which, the tooltip the
        pid); the same in a smaller font, down to the smallest the lanes use; at that size,
        shortened in the middle, which keeps a name's number ("CONSU…MER2", not "CON…ER2"
        nor "CONSU…")."""
        # Measured in the names' full size: the timeline draws them smaller where lanes are
        # short (gui/timeline.py), and an axis sized for the smaller font dropped every name
        # (pyqtgraph leaves out a label wider than its axis) once the lanes grew again.
        full_px = self.timeline.name_px(capped=False)
        font = ui_font(full_px)
        alone = [label.rsplit(" · pid ", 1)[0] for label in self.lane_labels]
        for names in (self.lane_labels, compact_lane_names(self.lane_labels), alone):
            if _axis_width(axis, names, font) <= room:
                return names, None
        floor_px = min(full_px, self.timeline.smallest_name_px())
        for px in range(full_px - 1, floor_px - 1, -1):
            if _axis_width(axis, alone, ui_font(px)) <= room:
                return alone, px
        font = ui_font(floor_px)
        text_room = int(room - _axis_width(axis, [""], font))
        metrics = QFontMetrics(font)
        return [metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(text_room, 40))
                for name in alone], floor_px

    # -- a run's data ----------------------------------------------------------------
    def reset(self, t0_ns: int) -> None:
        self._t0_ns = t0_ns
        self.live = LiveLanes()
        self.lock_waits = LockWaits()
        self.lock_marks.clear()
        self.lane_labels = []
        self._lanes_dirty = False
        self._next_lanes = 0.0
        self._user_sized = False
        self.request_share()
        self._phases = []  # (name, t_ns) of the labelled phases begun so far
        self.timeline.clear()
        for view in (self.cpu, self.trace, self.queue, self.tasks):
            view.reset(t0_ns)
        for view in (self.cpu, self.queue, self.tasks):
            view.refresh()  # drawn empty now, not at the next run's first events
        self._show_phases()  # none yet: the last run's marks go
        self._align_time_axes()

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        """Events new since the last call (a slice of the Session's store)."""
        self.cpu.ingest(chunk)
        for name in self._shows or ():
            self._extra_views[name].ingest(chunk, strings)
        self.live.ingest(chunk, strings)
        self.lock_waits.ingest(chunk, strings)
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
        # One paint a frame, not two: what this frame's data and range asked the views to
        # redraw is drawn now, and their y ranges are brought up to date (gui/time_range.py).
        self.timeline.draw_due()
        for name in self._shows or ():
            draw_due = getattr(self._extra_views[name], "draw_due", None)
            if draw_due is not None:
                draw_due()
        self.time_range.settle()

    def _refresh_lanes(self, t_now_ns) -> None:
        now = time.monotonic()
        if now < self._next_lanes or not self.live.lanes:
            return
        self.live.build(t_now_ns if t_now_ns is not None else self.live.t_max)
        self._show_lanes()
        self._lanes_dirty = False
        # A build costs the new events only; still, never more than ~1/4 of the time.
        self._next_lanes = now + max(TIMELINE_MIN_PERIOD_S, 3 * (time.monotonic() - now))

    def _show_lanes(self, result=None) -> None:
        labels = self.live.labels()
        changed, self.lane_labels = labels != self.lane_labels, labels
        if result is None:
            self.timeline.set_measurement(self.live.measured, self.timeline.gil,
                                          self.timeline.recording_share)
        else:  # the run is over: what the interpreter was, what recording cost each thread
            from engine.analysis import recording_cost
            cost = recording_cost(result.view)
            shares = {i: cost[key][1] for i, key in enumerate(self.live.lanes) if key in cost}
            self.timeline.set_measurement(result.view.measured, not result.view.gil_disabled,
                                          shares)
        self.timeline.set_index(self.live.index, self.lane_labels, self._t0_ns)
        self._show_lock_waits()
        if changed:
            self._align_time_axes()
            self._user_sized = False  # new lanes: their room comes before a dragged handle
            self.request_share()

    def _lock_info(self, lane: int, t_ns: int) -> str:
        """The timeline's tooltip line for a lane waiting for a lock at t_ns, or ""."""
        if not 0 <= lane < len(self.live.lanes):
            return ""
        wait = self.lock_waits.wait_at(self.live.lanes[lane], t_ns)
        return wait_text(wait, self.live.names) if wait is not None else ""

    def _show_lock_waits(self) -> None:
        """An arrow from each waiting lane to its lock's holder, labelled with the lock; red
        where the waits close a cycle.  Only where they are few (deadlock: one per thread), or
        the cycle's alone: a race with a lock waits thousands of times, and arrows there would
        hide its lesson (its tooltips still name the lock)."""
        waits = self.lock_waits
        if not waits.waits:
            self.lock_marks.clear()
            return
        lane_of = {key: i for i, key in enumerate(self.live.lanes)}
        cycle = set(waits.cycle())
        t_end = self.live.t_max or waits.t_last
        chosen = waits.drawn(t_end) if len(waits.waits) <= MAX_DRAWN else \
            [w for w in waits.waits if w.lane in cycle and w.t1 is None]
        arrows = [((w.t0 - self._t0_ns) / 1e9, lane_of[w.lane], lane_of[w.holder],
                   wait_text(w, self.live.names), w.lane in cycle and w.t1 is None,
                   w.duration(t_end) / 1e9)
                  for w in chosen if w.lane in lane_of and w.holder in lane_of]
        if [a[1:] for a in arrows] != self.lock_marks.shown:  # unchanged: no items rebuilt
            self.lock_marks.set(arrows)

    def finish(self, result) -> None:
        """The run ended: the live spans made final (open spans end with the run), plus lanes
        for children that recorded nothing themselves (cp, sleep)."""
        self.cpu.finish(result)
        for name in self._shows or ():
            self._extra_views[name].finish(result)
        self.live.close(result.view.strings, result.view.t_end)
        self._lanes_dirty = False
        if self.live.lanes:
            self._show_lanes(result)
            self._share_height()  # the lanes are all known now, whatever the ticks saw
            if self.timeline.follow():  # the run is over: show all of it
                self.timeline.show_all()


def _never_widen(view) -> None:
    """A view's one-line texts (the trace's header and legend) may be cut at the right, but
    never set the window's width: at 1024 px with large Chinese text the race legend made
    the window 1277 px wide, past the screen."""
    for label in view.findChildren(QLabel):
        if not label.wordWrap():
            policy = label.sizePolicy()
            policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
            label.setSizePolicy(policy)


def compact_lane_names(labels: list) -> list:
    """"NAME · pid 1234" -> "NAME" where no other lane has that name, else "NAME · 1234"."""
    names = [label.rsplit(" · pid ", 1)[0] for label in labels]
    return [name if names.count(name) == 1 else label.replace(" · pid ", " · ")
            for name, label in zip(names, labels)]


def _axis_width(axis, texts, font=None) -> int:
    """Pixels a pyqtgraph left axis needs for these tick texts and its label (its own rule),
    in font (default: the axis's tick font)."""
    metrics = QFontMetrics(font or axis.style["tickFont"] or axis.font())
    width = max((metrics.horizontalAdvance(text) for text in texts), default=0)
    width += axis.style["tickTextOffset"][0] + max(0, axis.style["tickLength"])
    if axis.label.isVisible():
        width += axis.label.boundingRect().height() * 0.8
    return int(math.ceil(width)) + 2
