"""The compare window: one scenario on several Pythons or one varied knob, runs stacked.

Each run is a row: its lanes (gui.timeline) and its key plot (the shared variable's
value for a scenario that traces one, else how many cores were busy), all on one
time axis (gui.time_range: zoom one, zoom all; x = seconds since that run began).
Under the rows, a table of every run's figures and the comparative verdict
(engine.compare_verdict, from the measured figures).  The comparison itself runs
on engine.compare's scheduler thread; this window only reads it, on a timer.
"Pin this run" keeps a finished run (or the main window's last run) on screen
for the next comparison.
"""
import os
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QTableWidget, QVBoxLayout, QWidget)

from .compare_knobs import Finder, KnobsMixin
from .compare_results import Pinned, short, show_results
from .compare_rows import RunRow

POOL_ROWS = 6         # rows built ahead while the window is idle
TICK_MS = 50           # a tick visits one row: with two runs streaming, each 10 times a second
MAX_REPEAT_IN_WINDOW = 10


class CompareView(KnobsMixin, QWidget):
    """Controls on top; runs stacked; the table and the verdict under them."""

    def __init__(self, main_window=None, theme=None, pixel_size: int = 16, parent=None) -> None:
        super().__init__(parent)
        self.main_window = main_window
        self.theme, self.pixel_size = theme, pixel_size
        self.lang = getattr(main_window, "lang", "en")
        self.comparison = None
        self.rows = []       # RunRow, in the order shown (pinned ones first)
        self.pool = []       # RunRow built and hidden, for the next runs
        self.pinned = []     # compare_results.Pinned
        self.time_range = None
        self._auto_range = True
        self._stop_seconds = 0.0
        self._range_end, self._shown = 0.0, None
        self._turn = 0  # round robin: which row the next tick visits
        self.opening = False  # a saved comparison is being read (gui.compare_files)
        self.export_folder = ""
        self._found = []
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._finder = Finder(self)
        self._finder.found.connect(self._add_found)
        self._finder.start()
        if main_window is not None:
            main_window.picker.scenario_chosen.connect(lambda _sid: self._fill_vary())
        self.retranslate()
        QTimer.singleShot(200, self, self.build_pool)  # not after self is gone

    # -- building ----------------------------------------------------------------------
    def _build(self) -> None:
        self.pythons_label, self.vary_label, self.repeat_label = QLabel(), QLabel(), QLabel()
        self.pythons = QListWidget()
        self.pythons.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.pythons.setMaximumHeight(84)  # four Pythons; it scrolls for more
        self.free_note = QLabel()
        self.free_note.setWordWrap(True)
        self.vary_name = QComboBox()
        self.vary_name.currentIndexChanged.connect(self._vary_chosen)
        self.vary_values = QLineEdit()
        self.repeat = QSpinBox()
        self.repeat.setRange(1, MAX_REPEAT_IN_WINDOW)
        self.compare_button, self.stop_button = QPushButton(), QPushButton()
        self.pin_last_button = QPushButton()
        self.compare_button.clicked.connect(self.start_compare)
        self.stop_button.clicked.connect(self.stop_compare)
        self.pin_last_button.clicked.connect(self.pin_main_window_run)
        self.stop_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        # Pythons on the left, the knob and the buttons on the right: the runs below get the
        # height (at 1366x768 one row more shows than with everything stacked).
        vary = QHBoxLayout()
        for w in (self.vary_label, self.vary_name, self.vary_values):
            vary.addWidget(w)
        vary.setStretch(2, 1)
        buttons = QHBoxLayout()
        for w in (self.repeat_label, self.repeat, self.compare_button, self.stop_button,
                  self.pin_last_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        knobs = QVBoxLayout()
        knobs.addLayout(vary)
        knobs.addLayout(buttons)
        knobs.addWidget(self.free_note)
        knobs.addStretch(1)
        pythons = QVBoxLayout()
        pythons.addWidget(self.pythons_label)
        pythons.addWidget(self.pythons)
        top = QHBoxLayout()
        top.addLayout(pythons, 1)
        top.addLayout(knobs, 1)
        self.controls_host = QWidget()
        controls = QVBoxLayout(self.controls_host)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addLayout(top)
        controls.addWidget(self.status)

        self.rows_host = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_host)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.rows_host)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        verdict_scroll = QScrollArea()
        verdict_scroll.setWidgetResizable(True)
        verdict_scroll.setWidget(self.verdict)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.scroll)
        self.split.addWidget(self.table)
        self.split.addWidget(verdict_scroll)
        self.split.setChildrenCollapsible(False)
        self._sized = False
        layout = QVBoxLayout(self)
        from .compare_files import CompareMenu
        self.file_menu = CompareMenu(self)  # open, save, export (gui.compare_files)
        layout.setMenuBar(self.file_menu.bar)
        layout.addWidget(self.controls_host)
        layout.addWidget(self.split, 1)

    def showEvent(self, event) -> None:  # Qt override: the runs get most of the height
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            h = max(self.split.height(), 400)
            self.split.setSizes([round(h * 0.7), round(h * 0.13), round(h * 0.17)])

    def retranslate(self, lang: str = None) -> None:
        self.lang = lang or self.lang
        self.setWindowTitle(self.tr("gilscope — compare runs"))
        self.pythons_label.setText(self.tr("Pythons to compare (tick two or more, or vary one knob):"))
        self.vary_label.setText(self.tr("Vary:"))
        self.vary_values.setPlaceholderText(self.tr("values, comma-separated (e.g. off,on)"))
        self.repeat_label.setText(self.tr("Runs each:"))
        self.compare_button.setText(self.tr("Compare"))
        self.stop_button.setText(self.tr("Stop"))
        self.pin_last_button.setText(self.tr("Pin the window's last run"))
        self.pin_last_button.setToolTip(self.tr("Keep the main window's last finished run here, "
                                                "to compare with the next ones"))
        self._fill_vary()
        self._show_free_note()
        for row in self.rows:
            row.retranslate(self.lang)
        self._show_results()

    # -- what is shown ---------------------------------------------------------------------
    def scenario(self):
        from engine import scenarios
        picker = getattr(self.main_window, "picker", None)
        chosen = picker.scenario(picker.current_id()) if picker else None  # a scenario file too
        return chosen or scenarios.get("race")

    def shown_scenario(self):
        """The scenario of the runs on screen: the comparison's (live or opened), else the
        main window's."""
        return self.comparison.plan.scenario if self.comparison is not None else self.scenario()

    # -- comparing ------------------------------------------------------------------------------
    def start_compare(self) -> bool:
        """Plan from the controls and start; a bad choice is said in the status line."""
        from engine import compare, interpreters, params, scenarios
        if self.comparison is not None and not self.comparison.done:
            return False
        scenario = self.scenario()
        given = dict(self.main_window.params.values()) if self.main_window else {}
        name = self.vary_name.currentData()
        vary = ["%s=%s" % (name, self.vary_values.text())] if name else []
        given.pop(name, None)
        pythons = self.checked_pythons()
        # A Python removed since the window looked for them is skipped by name, not a failure.
        gone = [{"what": p, "reason": self.tr("not found any more (removed since the window looked "
                                              "for Pythons)")}
                for p in pythons if not (os.path.isfile(p) and os.access(p, os.X_OK))]
        left = [p for p in pythons if p not in {g["what"] for g in gone}]
        try:
            if pythons and not left:
                raise compare.CompareError(self.tr("Nothing left to compare."))
            plan = compare.plan(scenario.ref, left, vary, given, self.repeat.value())
        except (compare.CompareError, params.ParamError, interpreters.InterpreterError,
                scenarios.UnknownScenario) as exc:
            self.status.setText(" ".join(t for t in (str(exc).strip("'\""), self._skipped_text(gone)) if t))
            return False
        plan.skipped[:0] = gone
        self._clear_rows()
        self.comparison = compare.Comparison(plan, keep_events=True)
        self._new_time_range()
        for pin in self.pinned:
            self._add_row(pin, pinned=True)
        self._range_end, self._shown = 0.0, None
        self.comparison.start()
        self._started = time.monotonic()
        self.compare_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        reason = plan.reason.get(self.lang, plan.reason["en"]) if plan.reason else ""
        self.status.setText(" ".join(t for t in (self.tr("Comparing…"), reason, self._skipped_text()) if t))
        self._timer.start()
        return True

    def show_loaded(self, loaded) -> bool:
        """A saved comparison (engine.compare_recording.LoadedComparison): its runs stacked as
        they were, its table and its verdict, from its own events.  False if one runs here."""
        if self.busy():
            self.status.setText(self.tr("Stop the comparison before opening a saved one."))
            return False
        self._clear_rows()
        self.comparison = loaded
        self._new_time_range()
        for pin in self.pinned:
            self._add_row(pin, pinned=True)
        self._range_end, self._shown = 0.0, None
        self.repeat.setValue(min(loaded.plan.repeat, MAX_REPEAT_IN_WINDOW))
        self._fill_vary()  # the main window may show the comparison's scenario now
        varied = [name for name, _ in loaded.plan.combinations[0].varied if name != "python"]
        if len(varied) == 1 and self.scenario().id == loaded.plan.scenario.id:
            # the knob it varied, with its values: Compare runs it again
            texts = [dict(c.varied)[varied[0]].partition("=")[2] for c in loaded.plan.combinations]
            self.set_vary(varied[0], ",".join(dict.fromkeys(texts)))
        executables = {c.python.get("executable") for c in loaded.plan.combinations}
        for i in range(self.pythons.count()):  # its Pythons ticked, where this machine has them
            item = self.pythons.item(i)
            on = len(executables) > 1 and item.data(Qt.ItemDataRole.UserRole) in executables
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.status.setText(" ".join(t for t in (self.tr("Opening…"), self._skipped_text()) if t))
        self._timer.start()
        return True

    def busy(self) -> bool:
        """A comparison is running in this view."""
        return self.comparison is not None and not self.comparison.done

    def stop_compare(self) -> None:
        """Stop every run now; the rows take their last events over the next ticks."""
        if self.comparison is not None and not self.comparison.done:
            self._stop_seconds = self.comparison.stop()
            self._say_ended()
        self._tick()

    def _say_ended(self) -> None:
        self.status.setText(" ".join(t for t in (self._ended_text(), self._skipped_text()) if t))

    def _skipped_text(self, skipped: list = None) -> str:
        """Settings asked for that could not run here (the comparison's), by name, with why."""
        if skipped is None:
            skipped = self.comparison.plan.skipped if self.comparison is not None else []
        if not skipped:
            return ""
        return self.tr("Skipped: {0}.").replace("{0}", "; ".join(
            "%s — %s" % (s["what"], s["reason"]) for s in skipped))

    def _ended_text(self) -> str:
        path = getattr(self.comparison, "path", "")
        if path:
            return (self.tr("Opened {0}: {1} runs of {2}, saved after {3} s.")
                    .replace("{0}", os.path.basename(path))
                    .replace("{1}", str(len(self.comparison.slots)))
                    .replace("{2}", self.comparison.plan.scenario.id)
                    .replace("{3}", "%.1f" % self.comparison.wall_s))
        if self.comparison.state == "stopped":
            return (self.tr("Stopped in {0} s: every process of every run ended.")
                    .replace("{0}", "%.2f" % self._stop_seconds))
        return self.tr("{0} runs in {1} s.").replace(
            "{0}", str(len(self.comparison.slots))).replace("{1}", "%.1f" % self.comparison.wall_s)

    def _new_time_range(self) -> None:
        """One time range for the view's life: the rows in the pool stay attached to it."""
        if self.time_range is None:
            from .time_range import TimeRange
            self.time_range = TimeRange(self)
            self.time_range.moved_by_user.connect(self._user_moved)
        self._auto_range = True

    def _user_moved(self) -> None:
        self._auto_range = False

    def _clear_rows(self) -> None:
        for row in self.rows:
            row.hide()
            self.pool.append(row)
        self.rows = []

    def build_pool(self, count: int = POOL_ROWS) -> None:
        """Build rows ahead, one an event-loop turn, while the window waits for Compare: a
        row's plots take ~0.2 s to build, which must not stall the window while runs stream."""
        if len(self.pool) + len(self.rows) >= count:
            return
        self._new_time_range()
        self.pool.append(self._make_row())
        QTimer.singleShot(50, self, lambda: self.build_pool(count))  # not after self is gone

    def _make_row(self):
        row = RunRow(self.time_range, self.theme, self.pixel_size, parent=self.rows_host)
        row.pin_toggled.connect(self._pin_toggled)
        row.hide()
        return row

    def _add_row(self, slot, pinned: bool = False) -> None:
        row = self.pool.pop(0) if self.pool else self._make_row()
        row.lang = self.lang
        row.show_run(slot, self.shown_scenario(), pinned=pinned, legend=not self.rows)
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        row.show()
        self.rows.append(row)

    def _tick(self) -> None:
        added = self._add_started_row()
        # One row a tick takes its new events (round robin over the rows not final yet):
        # each tick stays one row's work, so the window answers between them.
        live = [r for r in self.rows if not r.final]
        if live and not added:  # showing a new row was this tick's work
            live[self._turn % len(live)].update_from_slot()
            self._turn += 1
        longest = max([row.seconds() for row in self.rows] or [0.0])
        finished = self._finished()
        if self._auto_range and self.time_range is not None and longest > 0:
            # The range grows in steps, not every tick: each change re-lays out and
            # repaints every row's axes (the most costly part of a tick).
            if finished:
                self.time_range.set(0.0, longest * 1.02)
            elif longest > self._range_end:
                self._range_end = max(0.5, longest * 1.6)
                self.time_range.set(0.0, self._range_end)
        if finished:
            self._timer.stop()
            self.compare_button.setEnabled(True)
            self.stop_button.setEnabled(False)
            self._say_ended()
        shown = tuple((id(r.slot), r.slot.state, r.final) for r in self.rows)
        if shown != self._shown:  # the table and the verdict change only when a run ends
            self._shown = shown
            self._show_results()

    def _add_started_row(self) -> bool:
        """A row for the next run that started: one a tick, as runs start (a row's widgets
        take a while to build; all at once they would stall the window).  True if added."""
        if self.comparison is None:
            return False
        have = {id(r.slot) for r in self.rows}
        for slot in self.comparison.slots:
            if id(slot) not in have and slot.state not in ("waiting", "not run"):
                self._add_row(slot)
                return True
        return False

    def _finished(self) -> bool:
        """The comparison ended and every run that ran is on screen, final."""
        if self.comparison is None or not self.comparison.done:
            return False
        have = {id(r.slot) for r in self.rows}
        ran = [s for s in self.comparison.slots if s.state != "not run"]
        return all(id(s) in have for s in ran) and all(r.final for r in self.rows)

    # -- pinning -----------------------------------------------------------------------------
    def _pin_toggled(self, row, on: bool) -> None:
        if on and row.slot.result is not None:
            pin = Pinned(row.label(), row.slot.result, row.slot.repeat)
            self.pinned.append(pin)
            row.pin = pin
        elif not on and getattr(row, "pin", None) in self.pinned:
            self.pinned.remove(row.pin)

    def pin_main_window_run(self) -> bool:
        result = self.main_window.run_control.last_result if self.main_window is not None else None
        if result is None:
            self.status.setText(self.tr("The main window has no finished run to pin yet."))
            return False
        view = result.view
        scenario = self.scenario()
        changed = ["%s=%s" % (p.name, short(view.params.get(p.name))) for p in scenario.params
                   if view.params.get(p.name) != p.default]
        label = " ".join([view.interpreter.get("version", "?")] + changed)
        pin = Pinned(label, result)
        self.pinned.append(pin)
        if self.time_range is None:
            self._new_time_range()
        self._add_row(pin, pinned=True)
        self._tick()
        return True

    # -- the table and the verdict -------------------------------------------------------------
    def _shown_slots(self) -> list:
        return [r.slot for r in self.rows]

    def _show_results(self) -> None:
        slots = [s for s in self._shown_slots() if s.state not in ("waiting", "running")]
        show_results(self.table, self.verdict, self.shown_scenario(), slots, self.comparison, self.lang)

    def closeEvent(self, event) -> None:  # Qt override: closing stops every run
        self.stop_compare()
        super().closeEvent(event)


class CompareWindow(QWidget):
    """The compare view in a window of its own, owned by the main window."""

    def __init__(self, main_window) -> None:
        super().__init__(main_window, Qt.WindowType.Window)
        self.view = CompareView(main_window, main_window.theme, main_window.pixel_size, parent=self)
        from .compare_files import DropOpener
        self.drops = DropOpener(self, main_window)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        screen = self.screen().availableGeometry()  # never taller than the screen (1366x768)
        self.resize(min(1200, screen.width()), min(900, screen.height()))
        self.setWindowTitle(self.view.windowTitle())

    def retranslate(self, lang: str) -> None:
        self.view.retranslate(lang)
        self.setWindowTitle(self.view.windowTitle())

    def closeEvent(self, event) -> None:  # Qt override
        self.view.stop_compare()
        super().closeEvent(event)

