"""Step through a finished run, event by event, forwards and backwards.

The steps are the events a student follows a program by: reads and writes of the shared
variable, lock requests, acquisitions and releases, queue puts and gets, and every change
of a thread's state (a thread switch shows as one thread leaving "running" and another
entering it).  A cursor line marks the step's moment on the timeline and the shared-variable
view, which pan to keep it in sight; the Source tab highlights the line each thread is on
(race records the line of each access in the event's aux field); a line of text says what
happened.  Keys: "." next step, "," previous, Shift for ten at a time.

It works on any finished RunView, a live run's once it ended or an opened recording's.
"""
import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCursor, QTextFormat
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSizePolicy, QTextEdit, QWidget)

from engine.wire import K

from .memory import release_after

STEP_KINDS = (K.VAR_READ, K.VAR_WRITE, K.LOCK_REQUEST, K.LOCK_ACQUIRED, K.LOCK_RELEASE,
              K.QUEUE_PUT, K.QUEUE_GET, K.STATE)
FIND_ON_A_THREAD = 300_000  # steps past which they are gathered off the GUI thread, and only
                            # once the user steps: at 8M (a 1M-iteration race) the copy and
                            # sort took 0.6-2 s there, and held 256 MB past the next run


translate = QCoreApplication.translate  # lupdate reads translate("Scrubber", "...") calls


def describe(kind: int, thread: str, name: str, a: int, b: int) -> str:
    """One step in words (translated)."""
    from .state_names import state_text
    if kind == K.VAR_READ:
        return translate("Scrubber", "{0} read {1} = {2}").format(thread, name, a)
    if kind == K.VAR_WRITE:
        return translate("Scrubber", "{0} wrote {1} = {2}").format(thread, name, a)
    if kind == K.LOCK_REQUEST:
        return translate("Scrubber", "{0} asked for lock {1}").format(thread, name)
    if kind == K.LOCK_ACQUIRED:
        return translate("Scrubber", "{0} took lock {1}").format(thread, name)
    if kind == K.LOCK_RELEASE:
        return translate("Scrubber", "{0} released lock {1}").format(thread, name)
    if kind == K.QUEUE_PUT:
        return translate("Scrubber", "{0} put an item on {1} ({2} waiting)").format(thread, name, a)
    if kind == K.QUEUE_GET:
        return translate("Scrubber", "{0} took an item from {1} ({2} waiting)").format(thread, name, a)
    return translate("Scrubber", "{0} is now {1}").format(thread, state_text(b))


def _steps_of(view) -> np.ndarray:
    """The run's steps in time order (no Qt: it may run on a thread of its own), as an index
    into the run's events (engine.analysis.EventRows): a race's millions of steps cost 4 B
    each here, where a copy of their records held 32 B for as long as the run was shown."""
    ev = view.rows_of_kind(*STEP_KINDS)
    return ev[ev["pid"] != 0]  # the sampler's records are not the program's steps


class _ElidedLabel(QLabel):
    """One line that ends in "…" where the bar is too narrow (1024 px, large text), with the
    whole text in its tooltip: the step bar must not grow into the plots' height."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self._fit()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(1, self.width()))
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class Scrubber(QFrame):
    """The step bar under the plots: ◀ ▶, where the cursor is, what happened there."""

    moved = Signal(int)  # the step index now shown
    replay_asked = Signal()  # "Replay this interleaving"

    def __init__(self, parent: QWidget = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        self.back_button = QPushButton("◀")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("▶")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.label = _ElidedLabel()
        self.replay_button = QPushButton()
        self.replay_button.clicked.connect(self.replay_asked.emit)
        self._finding = None  # (thread, [the steps]) while a big run's steps are gathered
        self._find_poll = QTimer(self)
        self._find_poll.setInterval(10)
        self._find_poll.timeout.connect(self._poll_found)
        for widget in (self.back_button, self.next_button):
            row.addWidget(widget)
        row.addWidget(self.label, 1)
        row.addWidget(self.replay_button)
        for keys, delta in (((".",), 1), ((",",), -1), (("Shift+.", ">"), 10),
                            (("Shift+,", "<"), -10)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda d=delta: self.step(d))
        self._cursors = []
        self._views = []        # (view box) the cursor line is drawn on
        self._time_range = None
        self._source = None
        self.index = -1
        self.clear()
        self.retranslate()

    # -- wiring ----------------------------------------------------------------------
    def follow_views(self, view_boxes: list, time_range=None, source: QPlainTextEdit = None) -> None:
        """Draw the cursor on these view boxes; pan time_range to keep it in sight; highlight
        lines in source."""
        for view_box in view_boxes:
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen("#d81b60", width=2, style=Qt.PenStyle.SolidLine))
            line.setZValue(20)
            line.hide()
            view_box.addItem(line, ignoreBounds=True)
            self._cursors.append(line)
        self._time_range = time_range
        self._source = source

    # -- a run -----------------------------------------------------------------------
    def clear(self) -> None:
        self._steps = None
        self._view, self._wanted, self._count = None, None, 0
        self._find_poll.stop()
        if self._finding is not None:  # the previous run's steps: dropped when found
            release_after(self._finding[0])
        self._finding = None
        self.index = -1
        for line in self._cursors:
            line.hide()
        if self._source is not None:
            self._source.setExtraSelections([])
        self.hide()

    def load(self, view, t0_ns: int, replayable: bool = False) -> None:
        """A finished run: its steps, the cursor before the first.  replayable: its order of
        steps can be forced on a new run (engine.interleaving)."""
        self.replay_button.setVisible(replayable)
        self._t0 = int(t0_ns)
        self._view = view
        self._labels = {(pid, worker): label.split(" · ")[0] for pid, worker, label in view.lanes()}
        self.index = -1
        self._find_poll.stop()
        if self._finding is not None:
            release_after(self._finding[0])
        self._finding = None
        self._wanted = None  # a step asked for before a big run's steps were gathered
        self._count = sum(view.count(kind) for kind in STEP_KINDS)
        if self._count <= FIND_ON_A_THREAD:
            self._found(_steps_of(view))
            return
        # A big run: its steps (32 B each, sorted) are gathered only when the user first
        # steps, on a thread; until then the bar says how many there are.
        self._steps, self._t = None, np.zeros(0, np.int64)
        self.setVisible(True)
        self._show()

    def _gather(self) -> None:
        """Start gathering a big run's steps on a thread (once)."""
        if self._finding is not None or self._view is None:
            return
        view, found = self._view, []
        thread = threading.Thread(target=lambda: found.append(_steps_of(view)),
                                  name="gilscope-steps", daemon=True)
        self._finding = (thread, found)
        thread.start()
        self._find_poll.start()

    def ready(self) -> bool:
        """Nothing is being gathered (a big run's steps are, on a thread, from the first step)."""
        return self._finding is None

    def _poll_found(self) -> None:
        if self._finding is None or self._finding[0].is_alive():
            return
        self._find_poll.stop()
        found = self._finding[1]
        self._finding = None
        self._found(found[0] if found else _steps_of(self._view))

    def _found(self, ev: np.ndarray) -> None:
        self._steps = ev
        self._t = ev["t"]
        self.setVisible(len(ev) > 0)
        self._show()
        wanted, self._wanted = self._wanted, None
        if wanted is not None:  # the step asked for while they were gathered
            (self.step if wanted[0] == "step" else self.go_to)(wanted[1])

    def step(self, delta: int) -> None:
        if self._steps is None:
            self._wanted = ("step", delta)
            self._gather()
            return
        if not len(self._steps):
            return
        self.go_to(max(0, min(len(self._steps) - 1, self.index + delta)))

    def go_to(self, index: int) -> None:
        if self._steps is None:
            self._wanted = ("go", index)
            self._gather()
            return
        self.index = int(index)
        self._show()
        self.moved.emit(self.index)

    def retranslate(self, lang: str = None) -> None:
        self.replay_button.setText(translate("Scrubber", "Replay this interleaving"))
        self.replay_button.setToolTip(translate(
            "Scrubber", "Run again, forcing every thread through its steps in this run's order"))
        self.back_button.setToolTip(translate("Scrubber", "Previous step (,  — Shift: ten)"))
        self.next_button.setToolTip(translate("Scrubber", "Next step (.  — Shift: ten)"))
        self._show()

    # -- display ----------------------------------------------------------------------
    def _show(self) -> None:
        if self._steps is None and self._view is not None:  # a big run, not gathered yet
            self.label.setText(translate("Scrubber", "{0} steps: ▶ or the . key steps through the run")
                               .format(self._count))
            return
        if self._steps is None or not len(self._steps):
            self.label.setText("")
            return
        if self.index < 0:
            self.label.setText(translate("Scrubber", "{0} steps: ▶ or the . key steps through the run")
                               .format(len(self._steps)))
            for line in self._cursors:
                line.hide()
            return
        e = self._steps[self.index]
        pid, worker = int(e["pid"]), int(e["worker"])
        thread = self._labels.get((pid, worker), "pid %d" % pid)
        name = self._view.name(pid, e["b"], "")
        seconds = (int(e["t"]) - self._t0) / 1e9
        self.label.setText(translate("Scrubber", "Step {0} of {1} · {2:.6f} s · {3}").format(
            self.index + 1, len(self._steps), seconds,
            describe(int(e["kind"]), thread, name, int(e["a"]), int(e["b"]))))
        for line in self._cursors:
            line.setPos(seconds)
            line.show()
        self._keep_in_sight(seconds)
        self._highlight_lines()

    def _keep_in_sight(self, seconds: float) -> None:
        if self._time_range is None:
            return
        x0, x1 = self._time_range.range()
        if not x0 <= seconds <= x1:
            half = (x1 - x0) / 2
            self._time_range.set(seconds - half, seconds + half)

    def _highlight_lines(self) -> None:
        """Each thread's line: the aux of its latest access at or before the cursor."""
        if self._source is None:
            return
        upto = self._steps[: self.index + 1]
        upto = upto[(upto["aux"] > 0) & np.isin(upto["kind"], (K.VAR_READ, K.VAR_WRITE))]
        lines = {}
        for e in upto[::-1]:
            lines.setdefault((int(e["pid"]), int(e["worker"])), int(e["aux"]))
            if len(lines) >= len(self._labels):
                break
        selections = []
        document = self._source.document()
        current = (int(self._steps[self.index]["pid"]), int(self._steps[self.index]["worker"]))
        for lane, number in lines.items():
            block = document.findBlockByLineNumber(number - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.cursor = QTextCursor(block)
            colour = QColor("#f8bbd0" if lane == current else "#fff3c4")
            selection.format.setBackground(colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selections.append(selection)
        self._source.setExtraSelections(selections)
