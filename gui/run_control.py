"""What Run and Stop do in the window: start a Session run, feed the plots, show the end.

A mixin of MainWindow (kept apart so each file stays readable): it uses the
window's picker, params, python_picker, lesson, plots, banner and status label.  What
it says (the status line, which worker failures deserve a banner) is decided by plain
functions in gui/run_status.py, tested without Qt.
numpy is imported where it is used (after a run), never before the window's first paint:
it costs ~80-100 ms of start-up.
"""
from PySide6.QtCore import QCoreApplication, QSignalBlocker

from engine.wire import K

from . import run_status
from .memory import release_freed_memory
from .session_adapter import SessionAdapter

translate = QCoreApplication.translate  # lupdate reads translate("RunControl", "...") calls


class RunControl:
    """Run / Stop / scenario choice / messages."""

    def init_run_control(self) -> None:
        self.adapter = SessionAdapter(self)
        self.adapter.run_started.connect(self._on_started)
        self.adapter.events_available.connect(self._on_events)
        self.adapter.run_ended.connect(self._on_ended)
        self.adapter.run_finished.connect(self._on_finished)
        self.adapter.run_failed.connect(self._on_failed)
        self.state = "idle"  # idle | running | finished | stopped | failed
        self.stepping = False  # the user is the scheduler of the current run
        self.replaying = None  # the view of the run being replayed, while a replay runs
        self.run_scenario = None
        self.last_result = None
        self.stop_seconds = None
        self._seen = 0
        self._raw_seen = 0
        self.stop_action.setEnabled(False)

    # -- choosing --------------------------------------------------------------------
    def choose_scenario(self, sid: str) -> None:
        """Make sid the scenario: highlighted in the list, its form, its lesson, the one Run runs.

        Every way of choosing (a click, Ctrl+digit, a call) comes through here, so the three
        always agree.
        """
        scenario = self.picker.scenario(sid)
        if scenario is None:
            return
        if self.picker.current_id() != sid:
            with QSignalBlocker(self.picker):  # no second, re-entrant choose_scenario
                self.picker.select(sid)
        if self.adapter.running:  # a new choice ends the old run, as a lecturer expects
            self.stop()
        self.params.set_scenario(scenario)
        self.lesson.set_scenario(scenario)
        self.lesson.set_source_values(self.params.values())  # the Source tab shows the knobs
        self.scheduler_action.setEnabled(bool(scenario.gates))
        self.scheduler.hide()
        if self.plots is not None:
            if self.run_scenario is not None and self.run_scenario is not scenario:
                # The last run was another scenario's: its lanes, pids, CPU curves and phase
                # marks would read as this one's (race lanes under "Deadlock"): they go.
                self.plots.reset(0)
                self.run_scenario = None
                release_freed_memory()
            self.plots.show_for(scenario)
            self.scrubber.clear()
        self.state = "idle"
        self.hide_problem()
        self.show_state()

    # -- running ---------------------------------------------------------------------
    def run(self) -> None:
        if self.adapter.busy:
            return
        scenario = self.picker.scenario(self.picker.current_id())
        if scenario is None:
            self.show_problem(translate("RunControl", "Choose a scenario first."))
            return
        if self.params.scenario is not scenario:  # the form must be the highlighted scenario's
            self.choose_scenario(scenario.ref)
        self.load_plots()
        self.hide_problem()
        self.run_scenario = scenario
        self.plots.show_for(scenario)
        self.stepping = bool(scenario.gates and self.scheduler_action.isChecked())
        self.adapter.start(scenario.ref, self.params.values(), self.python_picker.python(),
                           step=self.stepping)

    def replay_last(self) -> None:
        """Run the last run's scenario again, its threads forced through the same steps."""
        from engine import interleaving
        result, scenario = self.last_result, self.run_scenario
        if self.adapter.busy or result is None or not self._replayable(result):
            return
        schedule = interleaving.schedule_of(result.view, scenario)
        self.hide_problem()
        self.stepping = False
        self.replaying = result.view
        self.adapter.start(scenario.ref, dict(result.view.params), self.python_picker.python(),
                           schedule=schedule)

    def _replayable(self, result) -> bool:
        from engine import interleaving
        scenario = self.run_scenario
        if scenario is None or not scenario.gates:
            return False
        return bool(len(interleaving.gated_steps(result.view)))

    def stop(self) -> None:
        if self.adapter.running:
            self.stop_seconds = self.adapter.stop()  # reports run_finished before it returns

    def end_run_on_close(self) -> None:
        """The window is closing: stop the run and the Session's threads."""
        self.adapter.close()

    def _on_started(self, _sid: str) -> None:
        session = self.adapter.session
        self._seen = self._raw_seen = 0
        self.state, self.last_result, self.stop_seconds = "running", None, None
        self.plots.reset(session.t_start_ns)
        self.scrubber.clear()
        release_freed_memory()  # the last run's arrays are gone now: their pages too
        self.follow_box.setChecked(True)  # a new run is watched live
        self.plots.timeline.set_follow(True)
        self.lesson.set_running()
        self.lesson.set_source_values(session.params)  # the program as this run ran it
        # Stepping, the CPU load says nothing (the threads wait for the user): its room goes
        # to the lanes, which the scheduler panel above them would otherwise squeeze.
        self.plots.set_cpu_wanted(not self.stepping)
        if self.stepping:
            scenario = self.run_scenario
            self.scheduler.reset(scenario.source, "deadlock" if scenario.id == "deadlock" else "update")
            self.scheduler.show()
        else:
            self.scheduler.hide()
        self.run_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self.busy_warning.pause()
        self.show_state()

    def _on_events(self, _n: int) -> None:
        session = self.adapter.session
        events = session.events()
        chunk = events[self._seen:]
        self._seen = len(events)
        strings = session.strings
        self.plots.ingest(chunk, strings)
        if self.stepping:
            self.scheduler.ingest(chunk, strings)
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
        self.lesson.add_output(lines)

    def _on_ended(self, state: str) -> None:
        """The process tree is gone; the verdict is being computed (quick unless the run was huge)."""
        self.state = state
        self.stop_action.setEnabled(False)
        if self.stepping:
            self._on_events(0)  # the last steps the threads took
            self.scheduler.finish()
        self.show_state()

    def _on_finished(self, result) -> None:
        self.state = self.adapter.session.state
        self._end(result)

    def _on_failed(self, message: str, result) -> None:
        self.state = "failed"
        self.show_problem(translate("RunControl", "The run failed: {0}").format(message))
        if result is not None:
            self._end(result, failed=True)
        else:
            self.lesson.set_result(None, "failed")
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
        self.lesson.set_result(result, self.state)
        if not failed:
            said = run_status.end_of_run_warning(result.view, session.problem,
                                                 self.plots.lane_name, translate)
            if said:
                self.show_problem(said, warning=True)
        self._buttons_idle()
        self.show_state()

    def _worker_failures(self, view) -> list:
        """Failures in the run's workers, in words (gui/run_status.py decides which count)."""
        return run_status.worker_failure_texts(view, self.plots.lane_name, translate)

    def _buttons_idle(self) -> None:
        self.run_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        if self.plots is not None:
            self.busy_warning.watch()

    # -- messages --------------------------------------------------------------------
    def show_problem(self, message: str, warning: bool = False) -> None:
        colour = self.theme.warn if warning else self.theme.bad
        self.banner.setText("⚠ " + message)
        self.banner.setStyleSheet("QLabel { background: %s; color: white; padding: 8px; "
                                  "border-radius: 4px; font-weight: bold; }" % colour)
        self.banner.show()

    def hide_problem(self) -> None:
        self.banner.hide()

    def problem_text(self) -> str:
        return "" if self.banner.isHidden() else self.banner.text()

    def show_state(self) -> None:
        session = self.adapter._session
        counted = session is not None and self.state != "idle"
        scenario = self.picker.scenario(self.picker.current_id())
        title = scenario.title.get(self.lang, scenario.title["en"]) if scenario is not None else ""
        wall = self.last_result.figures.get("wall_s", 0) if self.last_result else 0
        self.status_label.setText(run_status.status_text(
            self.state, self.adapter.busy, len(session.events()) if counted else 0,
            session.dropped() if counted else 0, title, self.python_picker.currentText(),
            wall, self.stop_seconds, translate))
