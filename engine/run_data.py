"""One run's data as plain data: what every reader of a run takes.  [numpy]

A live run (engine/session.py: ``Session.data()``, a view of what it holds so far, or
all of it once the run ended) and a saved one (engine/recording.py: ``load``) both come
out as a RunData; the verdicts (``engine.analysis.result_of``), the report and its JSON
(engine/cli.py), a save (``engine.recording.save``), the compare runs
(engine/compare*.py) and the window (gui/) read it, never the Session that made it.
The Session is the run's lifecycle (its processes, its pipes, its sampler); this is
what the run left.

Nothing here is a Python object per event: ``events`` is the store's own array (a view,
no copy: 32 B an event, docs/ARCHITECTURE.md "Memory"), ``strings`` and ``messages``
are the decoder's own table and list.
"""
import numpy as np

class RunData:
    """A run's events, names, messages, settings and end, as plain attributes.

    events: the event records (engine.decode.EVENT_DTYPE), in arrival order for a live
        run, in time order for a recording (engine.analysis.RunView copes with both);
    strings: (pid, string id) -> text, as the processes interned them;
    messages: the runner's control messages (hello, done, error, gates, session), in order;
    scenario: the engine.scenarios Scenario that ran; params: its resolved parameters;
    interpreter: what engine.interpreters said of the Python that ran it;
    state: finished | stopped | failed (running while a live view);
    t_start_ns, t_end_ns: perf_counter_ns when the run started and ended (0: unknown;
        a recording knows only its end, so its start is its first event);
    dropped: events lost anywhere (in the workers and at the store's cap);
    problem: what went wrong, in words ("" if nothing);
    output: the raw stdout/stderr lines kept (a recording keeps none: the printed lines
        the workers recorded are events).
    """

    def __init__(self, events: np.ndarray, strings: dict, messages: list, scenario,
                 params: dict = None, interpreter: dict = None, state: str = "finished",
                 t_start_ns: int = 0, t_end_ns: int = 0, dropped: int = 0, problem: str = "",
                 output=()) -> None:
        self.events = events
        self.strings = strings
        self.messages = messages
        self.scenario = scenario
        self.params = params or {}
        self.interpreter = interpreter or {}
        self.state = state
        self.t_start_ns = int(t_start_ns)
        self.t_end_ns = int(t_end_ns)
        self.dropped = int(dropped)
        self.problem = problem
        self.output = list(output)

    @property
    def stopped(self) -> bool:
        """The user stopped the run: phases may lack an end, the verdict says so."""
        return self.state == "stopped"

    def __len__(self) -> int:
        return len(self.events)

    def result(self):
        """The measured verdict (engine.analysis.RunResult): computed on each call."""
        from . import analysis
        return analysis.result_of(self)


def dropped_in_runner(messages: list) -> int:
    """Events the workers dropped (their pipe was gone), from their done messages."""
    return sum(m.get("dropped", 0) for m in messages if m.get("type") == "done")
