"""What Run and Stop do in the window: start a Session run, feed the plots, show the end.

RunController is an object the window makes and owns (its Qt parent); everything it
touches is given to its constructor (RunWidgets, the SessionAdapter, how to build the
plots) or, for the plots built after the first paint, to ``attach_plots``.  What it says
(the status line, which worker failures deserve a banner) is decided by plain functions
in gui/run_status.py, tested without Qt.
numpy is imported where it is used (after a run), never before the window's first paint:
it costs ~80-100 ms of start-up.
"""
from dataclasses import dataclass
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, QSignalBlocker
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QLabel

from engine.wire import K

from . import run_status
from .busy_warning import BusyWarning
from .interpreter_picker import InterpreterPicker
from .lesson_panel import LessonPanel
from .memory import release_freed_memory
from .param_form import ParamForm
from .problem_banner import ProblemBanner
from .scenario_picker import ScenarioPicker
from .scheduler_panel import SchedulerPanel
from .session_adapter import SessionAdapter

translate = QCoreApplication.translate  # lupdate reads translate("RunControl", "...") calls


@dataclass(frozen=True)
class RunWidgets:
    """The window's widgets a run reads or changes (all made before the controller)."""

    picker: ScenarioPicker          # which scenario
    params: ParamForm               # its knobs
    python_picker: InterpreterPicker  # which Python runs it
    lesson: LessonPanel             # the verdict, the output, the source as run
    scheduler: SchedulerPanel       # "be the scheduler": the steps of a stepped run
    scheduler_action: QAction       # checked: the next Run of a scenario with steps is stepped
    run_action: QAction
    stop_action: QAction
    follow_box: QCheckBox           # "Follow live": a new run is watched live
    busy_warning: BusyWarning       # paused while a run goes (the run itself loads the machine)
    banner: ProblemBanner
    status_label: QLabel


class RunController(QObject):
    """Run / Stop / scenario choice / replay, and what the window says about them."""

    def __init__(self, adapter: SessionAdapter, ui: RunWidgets, load_plots: Callable[[], None],
                 language: Callable[[], str], parent: QObject) -> None:
        """load_plots: build the plots now if they are not yet (they come to attach_plots);
        language: the window's language now ("en", "zh_CN"), for the scenario's title."""
        super().__init__(parent)
        self.adapter = adapter
        self.ui = ui
        self._load_plots = load_plots
        self._language = language
        self.plots = None      # gui.plots_area.PlotsArea, once attach_plots gave it
        self.scrubber = None   # gui.scrubber.Scrubber, made with the plots
        self.state = "idle"    # idle | running | finished | stopped | failed
        self.stepping = False  # the user is the scheduler of the current run
        self.replaying = None  # the view of the run being replayed, while a replay runs
        self.run_scenario = None  # the scenario of the run shown (live or opened)
        self.last_result = None   # its engine.analysis.RunResult, once computed
        self.stop_seconds: Optional[float] = None  # how long the last Stop took
        self._seen = 0      # events of the run already given to the plots
        self._raw_seen = 0  # raw stdout/stderr lines already given to the lesson
        adapter.run_started.connect(self._on_started)
        adapter.events_available.connect(self._on_events)
        adapter.run_ended.connect(self._on_ended)
        adapter.run_finished.connect(self._on_finished)
        adapter.run_failed.connect(self._on_failed)
        ui.stop_action.setEnabled(False)

    def attach_plots(self, plots, scrubber) -> None:
        """The plots and the step-through bar, built (once) after the window's first paint."""
        self.plots, self.scrubber = plots, scrubber
        scrubber.replay_asked.connect(self.replay_last)

    # -- choosing --------------------------------------------------------------------
    def choose_scenario(self, sid: str) -> None:
        """Make sid the scenario: highlighted in the list, its form, its lesson, the one Run runs.

        Every way of choosing (a click, Ctrl+digit, a call) comes through here, so the three
        always agree.
        """
        scenario = self.ui.picker.scenario(sid)
        if scenario is None:
            return
        if self.ui.picker.current_id() != sid:
            with QSignalBlocker(self.ui.picker):  # no second, re-entrant choose_scenario
                self.ui.picker.select(sid)
        if self.adapter.running:  # a new choice ends the old run, as a lecturer expects
            self.stop()
        self.ui.params.set_scenario(scenario)
        self.ui.lesson.set_scenario(scenario)
        self.ui.lesson.set_source_values(self.ui.params.values())  # the Source tab shows the knobs
        self.ui.scheduler_action.setEnabled(bool(scenario.gates))
        self.ui.scheduler.hide()
        if self.plots is not None:
            if self.run_scenario is not None and self.run_scenario is not scenario:
                # The last run was another scenario's: its lanes, pids, CPU curves and phase
                # marks would read as this one's (race lanes under "Deadlock"): they go.
                self.plots.reset(0)
                self.plots.set_cpu_wanted(True)  # hidden while that run was stepped
                self.run_scenario = None
                release_freed_memory()
            self.plots.show_for(scenario)
            self.scrubber.clear()
        self.state = "idle"
        self.ui.banner.hide_problem()
        self.show_state()

    # -- running ---------------------------------------------------------------------
    def run(self) -> None:
        if self.adapter.busy:
            return
        scenario = self.ui.picker.scenario(self.ui.picker.current_id())
        if scenario is None:
            self.ui.banner.show_problem(translate("RunControl", "Choose a scenario first."))
            return
        if self.ui.params.scenario is not scenario:  # the form must be the highlighted scenario's
            self.choose_scenario(scenario.ref)
        self._load_plots()
        self.ui.banner.hide_problem()
        self.run_scenario = scenario
        self.plots.show_for(scenario)
        self.stepping = bool(scenario.gates and self.ui.scheduler_action.isChecked())
        self.adapter.start(scenario.ref, self.ui.params.values(), self.ui.python_picker.python(),
                           step=self.stepping)

    def replay_last(self) -> None:
        """Run the last run's scenario again, its threads forced through the same steps."""
        from engine import interleaving
        result, scenario = self.last_result, self.run_scenario
        if self.adapter.busy or result is None or not self._replayable(result):
            return
        schedule = interleaving.schedule_of(result.view, scenario)
        self.ui.banner.hide_problem()
        self.stepping = False
        self.replaying = result.view
        self.adapter.start(scenario.ref, dict(result.view.params), self.ui.python_picker.python(),
                           schedule=schedule)

    def _replayable(self, result) -> bool:
        from engine import interleaving
        scenario = self.run_scenario
        if scenario is None or not scenario.gates:
            return False
        return interleaving.has_gated_steps(result.view)

    def show_saved(self, run) -> bool:
        """Show a saved run (gui.open_recording.SavedRun) as a live run of it ends; False
        while a run is going."""
        self.run_scenario = run.scenario
        return self.adapter.show_saved(run)

    def stop(self) -> None:
        if self.adapter.running:
            self.stop_seconds = self.adapter.stop()  # reports run_finished before it returns

    def close(self) -> None:
        """The window is closing: stop the run and the Session's threads."""
        self.adapter.close()

    def _on_started(self, _sid: str) -> None:
        session = self.adapter.session
        self._seen = self._raw_seen = 0
        self.state, self.last_result, self.stop_seconds = "running", None, None
        self.plots.reset(session.t_start_ns)
        self.scrubber.clear()
        release_freed_memory()  # the last run's arrays are gone now: their pages too
        self.ui.follow_box.setChecked(True)  # a new run is watched live
        self.plots.timeline.set_follow(True)
        self.ui.lesson.set_running()
        self.ui.lesson.set_source_values(session.params)  # the program as this run ran it
        # Stepping, the CPU load says nothing (the threads wait for the user): its room goes
        # to the lanes, which the scheduler panel above them would otherwise squeeze.
        self.plots.set_cpu_wanted(not self.stepping)
        if self.stepping:
            scenario = self.run_scenario
            self.ui.scheduler.reset(scenario.source, "deadlock" if scenario.id == "deadlock" else "update")
            self.ui.scheduler.show()
        else:
            self.ui.scheduler.hide()
        self.ui.run_action.setEnabled(False)
        self.ui.stop_action.setEnabled(True)
        self.ui.busy_warning.pause()
        self.show_state()

    def _on_events(self, _n: int) -> None:
        session = self.adapter.session
        events = session.events()
        chunk = events[self._seen:]
        self._seen = len(events)
        strings = session.strings
        self.plots.ingest(chunk, strings)
        if self.stepping:
            self.ui.scheduler.ingest(chunk, strings)
        self._show_output(chunk, strings)
        self.plots.refresh(running=self.adapter.running)
        self.show_state()

    def _show_output(self, chunk, strings: dict) -> None:
        printed = chunk[chunk["kind"] == K.OUTPUT]
        printed = printed[printed["t"].argsort(kind="stable")]
        lines = [(self.plots.lane_name(int(e["pid"]), int(e["worker"])),
                  strings.get((int(e["pid"]), int(e["b"])), "")) for e in printed]
        try:
            raw = list(self.adapter.session.output)
        except RuntimeError:  # the output thread appended while we copied: next tick
            raw = []
        if len(raw) > self._raw_seen:
            tag = translate("RunControl", "stdout/stderr")
            lines.extend((tag, line) for line in raw[self._raw_seen:])
            self._raw_seen = len(raw)
        self.ui.lesson.add_output(lines)

    def _on_ended(self, state: str) -> None:
        """The process tree is gone; the verdict is being computed (quick unless the run was huge)."""
        self.state = state
        self.ui.stop_action.setEnabled(False)
        if self.stepping:
            self._on_events(0)  # the last steps the threads took
            self.ui.scheduler.finish()
        self.show_state()

    def _on_finished(self, result) -> None:
        self.state = self.adapter.session.state
        self._end(result)

    def _on_failed(self, message: str, result) -> None:
        self.state = "failed"
        self.ui.banner.show_problem(translate("RunControl", "The run failed: {0}").format(message))
        if result is not None:
            self._end(result, failed=True)
        else:
            self.ui.lesson.set_result(None, "failed")
            self._buttons_idle()
            self.show_state()

    def _end(self, result, failed: bool = False) -> None:
        self.last_result = result
        session = self.adapter.session
        if self._seen < len(session.events()):
            self._on_events(len(session.events()))
        self.plots.finish(result)
        if self.replaying is not None:  # say whether the replay took the recording's steps
            from engine import interleaving
            interleaving.check_replay(result, self.replaying)
            self.replaying = None
        self.scrubber.load(result.view, session.t_start_ns, replayable=self._replayable(result))
        self.ui.lesson.set_result(result, self.state)
        if not failed:
            said = run_status.end_of_run_warning(result.view, session.problem,
                                                 self.plots.lane_name, translate)
            if said:
                self.ui.banner.show_problem(said, warning=True)
        self._buttons_idle()
        self.show_state()

    def _buttons_idle(self) -> None:
        self.ui.run_action.setEnabled(True)
        self.ui.stop_action.setEnabled(False)
        if self.plots is not None:
            self.ui.busy_warning.watch()

    def show_state(self) -> None:
        """The status line, for the run's state now (gui/run_status.py words it)."""
        session = self.adapter.current_session
        counted = session is not None and self.state != "idle"
        scenario = self.ui.picker.scenario(self.ui.picker.current_id())
        title = scenario.title.get(self._language(), scenario.title["en"]) if scenario is not None else ""
        wall = self.last_result.figures.get("wall_s", 0) if self.last_result else 0
        self.ui.status_label.setText(run_status.status_text(
            self.state, self.adapter.busy, len(session.events()) if counted else 0,
            session.dropped() if counted else 0, title, self.ui.python_picker.currentText(),
            wall, self.stop_seconds, translate))
