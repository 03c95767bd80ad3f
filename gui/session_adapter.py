"""A thin QObject over engine.session.Session: polls it on a timer, says what happened.

The Session has no Qt and its threads never touch widgets; this adapter reads it
from the GUI thread only, at most 30 times a second (docs/ARCHITECTURE.md "Timeline drawing": redraw on a
timer, never per event).  engine.session imports numpy and psutil, so it is
imported on first use, after the window has painted.  The verdict of a run with
millions of events takes seconds to compute, so it is computed on a worker
thread while the window goes on (numpy releases the GIL in its sorts).
"""
import threading

from PySide6.QtCore import QObject, QTimer, Signal

POLL_INTERVAL_MS = 33  # ~30 Hz


class SessionAdapter(QObject):
    """Start/stop runs; signals named as facts."""

    run_started = Signal(str)           # scenario id
    events_available = Signal(int)      # events recorded so far (the count only grows)
    run_ended = Signal(str)             # the process tree is gone: finished, stopped or failed;
                                        # the verdict follows in run_finished / run_failed
    run_finished = Signal(object)       # engine.analysis.RunResult; state "finished" or "stopped"
    run_failed = Signal(str, object)    # message for the user, RunResult of what was recorded or None

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._session = None
        self._seen = 0
        self._analysis = None   # the thread computing the verdict, while it runs
        self._outcome = None    # (result, error text) from that thread
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def session(self):
        if self._session is None:
            from engine.session import Session
            self._session = Session()
        return self._session

    @property
    def current_session(self):
        """The Session (or saved run) shown, or None before the first run: never makes one."""
        return self._session

    def use_session(self, session) -> None:
        """Run from now on through session (a bench hands it one of its own; None: a new
        Session at the next run), closing the one in use.  Not while a run is busy."""
        if self.busy:
            raise RuntimeError("use_session while a run is going")
        if self._session is not None:
            self._session.close()
        self._session = session

    @property
    def running(self) -> bool:
        return self._session is not None and self._session.state == "running"

    @property
    def busy(self) -> bool:
        """Running, or computing the verdict of the run that just ended."""
        return self.running or self._analysis is not None

    def start(self, scenario_id: str, values: dict, python: str = None, step: bool = False,
              schedule: list = None) -> bool:
        """Start a run; on bad input or a missing interpreter emit run_failed and return False.

        step: the user is the scheduler (engine.gates): threads wait at each step."""
        from engine import interpreters, params, scenarios
        from engine.scenario_file import ScenarioFileError
        from engine.session import SessionError
        if self.busy:
            return False
        if getattr(self._session, "saved", False):  # a saved run was shown: a new Session runs
            self._session = None
        try:
            scheduled = {}  # only when asked: the plain call stays the plain call
            if step:
                scheduled["step"] = True
            if schedule is not None:
                scheduled.update(schedule=schedule, replay=True)
            self.session.start(scenario_id, values, python=python, **scheduled)
        except (SessionError, params.ParamError, interpreters.InterpreterError) as exc:
            self.run_failed.emit(str(exc), None)
            return False
        except (scenarios.UnknownScenario, ScenarioFileError) as exc:
            self.run_failed.emit(str(exc).strip("'\""), None)
            return False
        except ImportError as exc:  # a scenario module that is missing or broken
            message = self.tr("Scenario {0} could not be loaded: {1}").format(scenario_id, exc)
            self.run_failed.emit(message, None)
            return False
        self._seen = 0
        self.run_started.emit(scenario_id)
        self._timer.start()
        return True

    def show_saved(self, run) -> bool:
        """Play a finished run read from a file (gui.open_recording.SavedRun) through the
        end-of-run path of a live one: run_started, events_available, run_ended, the
        verdict on a worker thread, run_finished.  False while a run is going."""
        if self.busy:
            return False
        if self._session is not None:
            self._session.close()  # the last live run's Session: its run is over
        self._session = run
        self._seen = 0
        self.run_started.emit(run.scenario.id)
        self._timer.start()
        return True

    def step_thread(self, number: int) -> None:
        """Step run: let THREAD<number> through its next gate."""
        if self.running:
            self._session.step_thread(number)

    def run_freely(self, until_notice: bool) -> None:
        """Step run: open the gates until the next lost update or deadlock (or for good)."""
        if self.running:
            self._session.run_freely(until_notice)

    def stop(self) -> float:
        """Stop the run and its whole process tree; run_ended comes before this returns."""
        if not self.running:
            return 0.0
        seconds = self._session.stop()
        self._tick()
        return seconds

    def close(self) -> None:
        """The window is closing: stop any run and release the Session's threads."""
        self._timer.stop()
        if self._session is not None:
            self._session.close()

    def _tick(self) -> None:
        if self._analysis is not None:
            if not self._analysis.is_alive():
                self._report()
            return
        session = self._session
        state = session.poll()
        n = len(session.events())
        if n != self._seen:
            self._seen = n
            self.events_available.emit(n)
        if state == "running":
            return
        self.run_ended.emit(state)
        self._outcome = None
        self._analysis = threading.Thread(target=self._analyse, name="gilscope-verdict", daemon=True)
        self._analysis.start()

    def _analyse(self) -> None:
        try:
            result = self._session.data().result()
            answer_window_questions(result.view)
            self._outcome = (result, "")
        except Exception as exc:  # never a traceback in the window: say what broke
            self._outcome = (None, str(exc) or exc.__class__.__name__)

    def _report(self) -> None:
        self._timer.stop()
        self._analysis = None
        result, error = self._outcome or (None, "?")
        self._outcome = None  # the window keeps the result it wants; the previous run's
                              # millions of events must not stay alive here after the next
        session = self._session
        if result is None:
            self.run_failed.emit(self.tr("The run ended but its events could not be analysed: {0}")
                                 .format(error), None)
        elif session.state == "failed":
            self.run_failed.emit(session.problem or self.tr("The run failed."), result)
        else:
            self.run_finished.emit(result)


def answer_window_questions(view) -> None:
    """What the window's end of run asks of every run (its lanes for the step bar, each
    thread's recording cost for the timeline's legend, the worker failures for the banner,
    whether it can be replayed, its phases), answered here on the verdict's thread: each
    is a pass over every event (at 8M events ~0.1 s together) that the GUI thread then
    finds kept on the view (the rare kinds they read by RunView.of_kind)."""
    from engine import interleaving
    from engine.analysis import recording_cost, worker_failures
    from engine.wire import K
    view.lanes()
    recording_cost(view)
    worker_failures(view)
    interleaving.has_gated_steps(view)  # the replay button
    view.of_kind(K.PHASE_BEGIN)  # presentation mode's steps (gui/presentation.run_phases)
    view.of_kind(K.PHASE_END)
