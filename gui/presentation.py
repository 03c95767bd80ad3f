"""Presentation mode: the window as a lecturer projects it, one key in and out (F9).

Entering puts the scenario list, the parameter form, the lesson panel, the scenario's
own tabs, the step bar and the status bar out of the way; the verdict headline goes
across the top in large type, and the timeline takes the height that is left, so its
lanes are taller.  Left / Right (and Page Up / Page Down, which presenter remotes send)
step through the scenario's phases as recorded (probe.phase: a PHASE_BEGIN and
PHASE_END event each), zooming the shared time range (gui/time_range.py) to each one;
Home shows the whole run again.  Leaving gives back exactly the layout that was there:
which widgets were shown and every splitter's sizes.

Installed on the main window by one call (``install(window)``), like the File menu.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout

from engine.wire import K

from . import theme as theme_module

translate = QCoreApplication.translate  # lupdate reads translate("Presentation", "...") calls

TOGGLE_KEYS = ("F9", "Ctrl+Shift+P")
NEXT_KEYS = ("Right", "PgDown")
PREVIOUS_KEYS = ("Left", "PgUp")
WHOLE_RUN_KEYS = ("Home",)
VIEW_KEYS = ("V",)     # the scenario's own view (race's shared variable) back, and away
HEADLINE_SCALES = (2.0, 1.8, 1.6)  # the verdict headline, times the window's text size: the
HEADLINE_MAX_LINES = 2              # largest that fits these lines, else the smallest
STEP_LINE_SCALE = 1.3  # the "step 2 of 3" line under it
CPU_SHARE = 0.22       # of the plots' height: the CPU load stays, small; the lanes get the rest
WITH_VIEW_SHARES = (0.14, 0.46, 0.40)  # CPU, lanes, the scenario's own view when it is shown
PHASE_MARGIN = 0.04    # each side of a phase when zoomed to it, a share of its length


def run_phases(view, t0_ns: int, labels: dict) -> list:
    """[(name, x0 s, x1 s)] of a finished run's phases in the order they began.

    labels: the scenario's labelled phases (name -> texts); when it has some, only those
    are steps (gil: one worker, threads, processes), else every phase recorded.  A phase
    runs from its first begin to its last end; one never ended (a stopped run) runs to
    the end of the run.
    """
    begins = view.of_kind(K.PHASE_BEGIN)
    names = []
    for pid, b in zip(begins["pid"].tolist(), begins["b"].tolist()):
        name = view.name(pid, b)
        if name not in names and (not labels or name in labels):
            names.append(name)
    found = []
    for name in names:
        start = int(view.named(K.PHASE_BEGIN, name)["t"].min())
        ends = view.named(K.PHASE_END, name)
        end = int(ends["t"].max()) if len(ends) else int(view.t_end)
        found.append((name, (start - t0_ns) / 1e9, (max(end, start) - t0_ns) / 1e9))
    return sorted(found, key=lambda phase: phase[1])


class Presentation(QObject):
    """The presentation layout of one window, and its keys."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.active = False
        self.step = -1          # -1: the whole run; else the index in self.phases
        self.phases = []        # [(name, x0, x1)] of the last finished run
        self._saved = None      # the layout to give back on leaving
        self.toggle_action = self._action(TOGGLE_KEYS, self.toggle)
        self.next_action = self._action(NEXT_KEYS, lambda: self.go(self.step + 1))
        self.previous_action = self._action(PREVIOUS_KEYS, lambda: self.go(self.step - 1))
        self.whole_run_action = self._action(WHOLE_RUN_KEYS, lambda: self.go(-1))
        self.view_action = self._action(VIEW_KEYS, self.toggle_view)
        self._step_actions = (self.next_action, self.previous_action, self.whole_run_action,
                              self.view_action)
        for action in self._step_actions:
            action.setEnabled(False)  # the timeline's own arrow keys pan when not presenting
        self.header = QFrame()
        self.header.setObjectName("presentation_header")
        self.header.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(self.header)
        column.setContentsMargins(12, 6, 12, 6)
        self.headline = QLabel()
        self.step_label = QLabel()
        for label in (self.headline, self.step_label):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            column.addWidget(label)
        self.header.hide()
        self.header.installEventFilter(self)
        window.plots_layout.insertWidget(0, self.header)
        adapter = window.adapter
        adapter.run_started.connect(self._run_started)
        # Connected after the window's own slots: the verdict and last_result are set first.
        adapter.run_finished.connect(self._run_ended)
        adapter.run_failed.connect(self._run_ended)
        window.picker.scenario_chosen.connect(self._scenario_chosen)
        window.installEventFilter(self)
        window.plots_ready.connect(lambda: window.plots.timeline.installEventFilter(self))
        # Where a lecturer looks for it: next to Full screen (the toolbar's first items
        # never go to its overflow menu).
        window.toolbar.insertAction(window.smaller_action, self.toggle_action)
        self.retranslate()

    def _action(self, keys: tuple, slot) -> QAction:
        action = QAction(self._window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self._window.addAction(action)
        return action

    def eventFilter(self, watched, event) -> bool:  # Qt override
        kind = event.type()
        if watched is self._window:  # language or text size changed
            if kind in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):
                # After the window's own texts (the verdict).  With self as the context: a
                # window deleted meanwhile takes the call with it (a bare bound method ran on
                # deleted actions: "Internal C++ object (QAction) already deleted", CI).
                QTimer.singleShot(0, self, self.retranslate)
        elif watched is self.header:  # another width: the headline's size is chosen again
            if kind == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
                QTimer.singleShot(0, self, self._show_texts)
        elif self.active and kind == QEvent.Type.Resize:  # the timeline: its key line
            QTimer.singleShot(0, self, self._window.plots.timeline.keys_label.hide)  # (arrows pan) stays away
        return False

    def retranslate(self) -> None:
        self.toggle_action.setText(translate("Presentation", "Present"))
        self.toggle_action.setToolTip(translate(
            "Presentation", "Presentation mode: large verdict, tall lanes, arrow keys step "
                            "through the phases (F9 in and out)"))
        self.next_action.setText(translate("Presentation", "Next phase"))
        self.next_action.setToolTip(translate(
            "Presentation", "Presentation mode: zoom to the next phase of the run"))
        self.previous_action.setText(translate("Presentation", "Previous phase"))
        self.previous_action.setToolTip(translate(
            "Presentation", "Presentation mode: zoom to the previous phase of the run"))
        self.whole_run_action.setText(translate("Presentation", "Whole run"))
        self.whole_run_action.setToolTip(translate(
            "Presentation", "Presentation mode: show the whole run"))
        self.view_action.setText(translate("Presentation", "Scenario's view"))
        self.view_action.setToolTip(translate(
            "Presentation", "Presentation mode: show or hide the scenario's own view "
                            "(shared variable, queue depth, pool tasks) under the lanes"))
        self._show_texts()

    # -- in and out ------------------------------------------------------------------
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def _hideable(self) -> list:
        w = self._window
        return [w.left, w.lesson, w.plots.extras, w.scrubber, w.statusBar()]

    def enter(self) -> None:
        if self.active:
            return
        w = self._window
        w.load_plots()
        self._saved = {
            "hidden": [(widget, widget.isHidden()) for widget in self._hideable()],
            "sizes": [(splitter, splitter.sizes())
                      for splitter in (w.split, w.left, w.lesson.split, w.plots)],
            "follow": w.plots.timeline.follow(),
            "range": w.plots.time_range.range(),
        }
        self.active = True
        for widget in self._hideable():
            widget.hide()
        w.busy_warning.pause()  # the headline says "Distorted" when it was; no banner on screen
        self.header.show()
        self._keys_line_hidden = w.plots.timeline.keys_label.isHidden()
        w.plots.held = True  # the plots' heights are this mode's until it ends
        self._give_lanes_the_height()
        w.plots.timeline.keys_label.hide()  # "← → move": not while the arrows step phases
        for action in self._step_actions:
            action.setEnabled(True)
        self.phases = self._phases_now()
        self.step = -1
        self._show_texts()

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        for action in self._step_actions:
            action.setEnabled(False)
        self.header.hide()
        saved, self._saved = self._saved, None
        for widget, hidden in saved["hidden"]:
            widget.setHidden(hidden)
        for splitter, sizes in saved["sizes"]:
            splitter.setSizes(sizes)
        # The plots sit in a scroll area (gui.main_window) that resizes them when the event
        # loop next runs, rescaling their sizes a few px: once more after that.
        plots, plot_sizes = saved["sizes"][-1]

        def give_back() -> None:
            plots.setSizes(plot_sizes)
            plots.held = False  # the plots area shares its height out again from now on
        QTimer.singleShot(0, plots, give_back)
        if not self._window.adapter.busy:
            self._window.busy_warning.watch()
        timeline = self._window.plots.timeline
        timeline.keys_label.setHidden(self._keys_line_hidden)
        if saved["follow"]:
            timeline.set_follow(True)
        elif self.step >= 0:  # the user stepped: the view they had before goes back too
            self._window.plots.time_range.set(*saved["range"])

    def _give_lanes_the_height(self) -> None:
        plots = self._window.plots
        total = sum(plots.sizes())
        if plots.extras.isHidden():
            cpu = round(total * CPU_SHARE)
            plots.setSizes([cpu, total - cpu, 0])
        else:
            plots.setSizes([round(total * share) for share in WITH_VIEW_SHARES])

    def toggle_view(self) -> None:
        """V: the scenario's own view under the lanes, or away (race's lost updates are
        read there; gil has none)."""
        extras = self._window.plots.extras
        if not self.active or extras.count() == 0:
            return
        extras.setHidden(not extras.isHidden())
        self._give_lanes_the_height()
        self._show_texts()

    def _scenario_chosen(self, _sid: str) -> None:
        """Another scenario (Ctrl+1..): its tabs come back with it; keep them away."""
        if self.active:
            QTimer.singleShot(0, self, self._rehide)

    def _rehide(self) -> None:
        if self.active:
            self._window.plots.extras.hide()
            self._give_lanes_the_height()
            self._show_texts()

    # -- phases ----------------------------------------------------------------------
    def _phases_now(self) -> list:
        w = self._window
        result = w.run_control.last_result
        if result is None or w.adapter.busy:
            return []
        scenario = w.run_control.run_scenario or w.picker.scenario(w.picker.current_id())
        labels = getattr(scenario, "phases", None) or {}
        return run_phases(result.view, w.adapter.session.t_start_ns, labels)

    def go(self, step: int) -> None:
        """Show phase `step` (0-based), or the whole run for -1; clamped to the phases."""
        if not self.active:
            return
        step = max(-1, min(step, len(self.phases) - 1))
        self.step = step
        timeline = self._window.plots.timeline
        if step < 0:
            timeline.show_all()
        else:
            _, x0, x1 = self.phases[step]
            margin = max((x1 - x0) * PHASE_MARGIN, 1e-4)
            timeline.set_follow(False)
            self._window.plots.time_range.set(x0 - margin, x1 + margin)
        self._show_texts()

    def _run_started(self, _sid: str) -> None:
        self.phases, self.step = [], -1
        self._show_texts()

    def _run_ended(self, *_args) -> None:
        self.phases, self.step = self._phases_now(), -1
        self._show_texts()

    def phase_label(self, name: str) -> str:
        w = self._window
        scenario = w.run_control.run_scenario or w.picker.scenario(w.picker.current_id())
        texts = (getattr(scenario, "phases", None) or {}).get(name, {})
        return texts.get(w.lang, texts.get("en", name))

    # -- the header ------------------------------------------------------------------
    def _show_texts(self) -> None:
        if not self.active:
            return
        w = self._window
        px = w.pixel_size
        self.headline.setText(w.lesson.verdict_text())
        self.headline.setFont(self._headline_font(px))
        self.step_label.setFont(theme_module.ui_font(round(px * STEP_LINE_SCALE)))
        self.headline.setStyleSheet(w.lesson.headline.styleSheet())
        keys = (translate("Presentation", "← → phases, Home whole run, F9 leaves") if self.phases
                else translate("Presentation", "F9 leaves"))
        if w.plots.extras.count():
            keys = translate("Presentation", "V: {0}").format(
                w.plots.extras.tabText(w.plots.extras.currentIndex())) + ", " + keys
        w.plots.timeline.keys_label.hide()  # a new language or size showed it again
        if not self.phases:
            line = translate("Presentation", "The whole run") if w.run_control.last_result is not None else ""
        elif self.step < 0 and len(self.phases) == 1:
            line = translate("Presentation", "The whole run: one phase")
        elif self.step < 0:
            line = translate("Presentation", "The whole run: {0} phases").format(len(self.phases))
        else:
            line = translate("Presentation", "Phase {0} of {1}: {2}").format(
                self.step + 1, len(self.phases), self.phase_label(self.phases[self.step][0]))
        self.step_label.setText("   ·   ".join(part for part in (line, keys) if part))
        self.step_label.setStyleSheet("color: %s" % w.theme.muted)


    def _headline_font(self, px: int):
        """The largest headline size at which the verdict fits HEADLINE_MAX_LINES lines of
        the header: shared-globals' verdict took three lines (a sixth of 768 px) at 2x."""
        width = max(self.header.contentsRect().width() - 24, 200)
        for scale in HEADLINE_SCALES:
            font = theme_module.ui_font(round(px * scale), bold=True)
            metrics = QFontMetrics(font)
            height = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap,
                                          self.headline.text()).height()
            if height <= HEADLINE_MAX_LINES * metrics.lineSpacing():
                break
        return font


def install(window) -> Presentation:
    window.presentation = Presentation(window)
    return window.presentation
