"""Compare: one scenario on several Pythons and settings, each combination run N times.  [numpy]

No Qt here: the CLI waits on a Comparison, the window polls it on a timer.
A plan (``plan``) turns what the user asked for -- interpreters by path or by
short version ("3.9", "3.13t"), ``--vary NAME=V1,V2``, ``--set`` -- into
combinations, every value checked by the scenario's own parameter
declarations (the same ones ``run --set`` uses).  Asked-for settings that
cannot run here (a free-threaded build that is not installed, PYTHON_GIL on a
GIL build) are skipped by name, never silently.

A Comparison runs every combination ``repeat`` times on a scheduler thread,
each run a normal Session (guardian, run id, sweep), a bounded number side by
side.  Timing scenarios run one at a time: two runs sharing the cores would
measure each other.  Summaries and the verdict are in engine.compare_verdict.
"""
import os
import re
import threading
import time

from . import interpreters, params as params_module, scenarios

SIDE_BY_SIDE = 2  # runs at once for non-timing scenarios (this machine has 2 cores)
# Scenarios whose figures are times or speedups: a run beside them would take their cores.
TIMING_SCENARIOS = ("gil", "process-basics")
MAX_REPEAT = 50
MAX_RUNS = 200
MAX_VALUES = 16
GIL_KNOB = "PYTHON_GIL"  # an environment setting of free-threaded builds, not a parameter
EVENT_BUDGET = 32_000_000  # events kept over all runs when their events are kept (32 B each)
_SHORT = re.compile(r"^(?:python)?3\.(\d{1,2})(t?)$")


class CompareError(ValueError):
    """Bad input for a comparison; the message says what is wrong in one line."""


def one_at_a_time_reason(scenario_id: str) -> dict:
    """Why a scenario's runs go one at a time (empty when they may share the machine)."""
    if scenario_id not in TIMING_SCENARIOS:
        return {}
    return {"en": "%s measures times and speedups, so its runs go one at a time: a run "
                  "beside it would take the cores it measures." % scenario_id,
            "zh_CN": "%s 测量的是时间和加速倍数，所以逐个运行：同时运行的另一个会占用它要测量的核。"
                     % scenario_id}


# -- interpreters ------------------------------------------------------------------
def resolve_python(text: str, found: list = None):
    """(info, None) for a usable interpreter, or (None, reason) for an absent short version.

    text: a path, a command on PATH, or a short version "3.9" / "3.13t" matched
    against the interpreters engine.interpreters finds.  A path that is not a
    usable Python raises InterpreterError (bad input, as for ``run``).
    """
    text = text.strip()
    if not text:
        raise CompareError("--python: empty; name an interpreter (a path or a version like 3.12)")
    short = _SHORT.match(text)
    if not short:
        return interpreters.probe(text), None
    minor, free = int(short.group(1)), bool(short.group(2))
    for info in _by_version(minor, free, found):
        return info, None
    kind = ("free-threaded (no-GIL) build of Python 3.%d" % minor if free
            else "Python 3.%d" % minor)
    return None, "no %s found here (`gilscope interpreters` lists the Pythons found)" % kind


def _by_version(minor: int, free: bool, found: list = None):
    """Interpreters of version 3.minor (free-threaded or not), probing only likely paths.

    Probing starts a Python; probing every candidate on a busy machine takes
    seconds, so only paths that name the version are probed (pyenv's
    versions/3.9.18/..., python3.9, python3.13t); the probe has the last word.
    """
    if found is None:
        name = re.compile(r"(?<![\d.])3\.%d(?![\d])%s" % (minor, "t" if free else ""))
        found = []
        for path in interpreters.candidates():
            if name.search(path) or name.search(os.path.realpath(path)):
                try:
                    found.append(interpreters.probe(path))
                except interpreters.InterpreterError:
                    continue
    for info in found:
        parts = info["version"].split(".")
        if (parts[0], parts[1]) == ("3", str(minor)) and bool(info.get("free_threaded_build")) == free:
            yield info


def _short_name(info: dict) -> str:
    return info["version"] + ("t" if info.get("free_threaded_build") else "")


# -- the plan -------------------------------------------------------------------------
class Combination:
    """One setting to run: an interpreter, the scenario's values, and what varies."""

    def __init__(self, index: int, python: dict, values: dict, varied: list, env: dict) -> None:
        self.index = index
        self.python = python      # engine.interpreters info
        self.values = values      # every parameter, resolved
        self.varied = varied      # [(name, text)] that tell this combination from the others
        # {"PYTHON_GIL": "0"|"1"}: passed as -X gil=N, the same switch (the runner's -I
        # ignores PYTHON* environment variables)
        self.env = env

    @property
    def label(self) -> str:
        return ", ".join(text for _, text in self.varied) or _short_name(self.python)

    def to_json(self) -> dict:
        return {"index": self.index, "label": self.label, "python": self.python,
                "params": self.values, "varied": dict(self.varied), "env": self.env}


class Plan:
    """Every combination, the runs, what was skipped and why, how many run at once."""

    def __init__(self, scenario, combinations: list, repeat: int, skipped: list) -> None:
        self.scenario = scenario
        self.combinations = combinations
        self.repeat = repeat
        self.skipped = skipped  # [{"what": ..., "reason": ...}]
        self.reason = one_at_a_time_reason(scenario.id)
        self.concurrency = 1 if self.reason else SIDE_BY_SIDE

    @property
    def runs(self) -> int:
        return len(self.combinations) * self.repeat


def parse_vary(scenario, items: list) -> list:
    """[(name, [(text, value)])] from ["NAME=V1,V2", ...]; values checked by the declarations."""
    out, names = [], set()
    for item in items:
        if "=" not in item:
            raise CompareError("--vary %s: expected NAME=V1,V2,..." % item)
        name, _, rest = item.partition("=")
        name = name.strip()
        texts = [t.strip() for t in rest.split(",")]
        if not name or not rest.strip() or any(not t for t in texts):
            raise CompareError("--vary %s: expected NAME=V1,V2,... with no empty value" % item)
        if name in names:
            raise CompareError("--vary %s given twice; list all its values in one --vary" % name)
        names.add(name)
        if len(texts) > MAX_VALUES:
            raise CompareError("--vary %s: %d values; at most %d" % (name, len(texts), MAX_VALUES))
        if name == GIL_KNOB:
            values = []
            for t in texts:
                if t not in ("0", "1"):
                    raise CompareError("--vary PYTHON_GIL=%s: expected 0 or 1" % t)
                values.append((t, t))
        else:
            try:
                param = scenario.param(name)
            except KeyError:
                raise params_module.ParamError(
                    "--vary: unknown parameter %r; %s has: %s, and PYTHON_GIL (free-threaded builds)"
                    % (name, scenario.id, ", ".join(p.name for p in scenario.params)))
            values = [(t, param.parse(t)) for t in texts]
        seen = set()
        for t, v in values:
            if repr(v) in seen:
                raise CompareError("--vary %s: %s is listed twice" % (name, t))
            seen.add(repr(v))
        out.append((name, values))
    return out


def plan(scenario_id: str, pythons: list, vary: list, given: dict, repeat: int,
         found: list = None) -> Plan:
    """Check everything asked for and lay out the combinations.  Raises CompareError,
    ParamError, UnknownScenario, InterpreterError: bad input, before anything runs."""
    scenario = scenarios.get(scenario_id)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= MAX_REPEAT:
        raise CompareError("--repeat %s: expected a whole number from 1 to %d" % (repeat, MAX_REPEAT))
    knobs = parse_vary(scenario, vary)
    for name, _ in knobs:
        if name in given:
            raise CompareError("%s is both set (--set) and varied (--vary); give one" % name)
    base = params_module.resolve(scenario.params, given)  # --set checked once, up front
    skipped, chosen, seen = [], [], set()
    for text in pythons:
        info, reason = resolve_python(text, found)
        if info is None:
            skipped.append({"what": text, "reason": reason})
            continue
        key = info.get("real_executable", info["executable"])
        if key in seen:
            raise CompareError("--python %s names an interpreter already given" % text)
        seen.add(key)
        chosen.append(info)
    if not pythons:
        chosen.append(interpreters.current())
    if not knobs and len(chosen) + len(skipped) < 2 and repeat < 2:
        # One setting run several times is the spread from run to run: allowed.
        raise CompareError("nothing to compare: give two or more --python, --vary NAME=V1,V2, "
                           "or --repeat N to see one setting's spread")
    combos = [([], {}, {})]  # (varied, given values, env)
    for name, values in knobs:
        combos = [(varied + [(name, "%s=%s" % (name, t))],
                   dict(vals, **({} if name == GIL_KNOB else {name: v})),
                   dict(env, **({name: t} if name == GIL_KNOB else {})))
                  for varied, vals, env in combos for t, v in values]
    combinations = []
    for info in chosen:
        for varied, vals, env in combos:
            if env and not info.get("free_threaded_build"):
                what = "%s with %s" % (_short_name(info), GIL_KNOB)
                if what not in [s["what"] for s in skipped]:
                    skipped.append({"what": what, "reason": "PYTHON_GIL applies to free-threaded "
                                    "builds (3.13t, 3.14t); Python %s has a GIL" % info["version"]})
                continue
            label = ([("python", _short_name(info))] if len(chosen) > 1 or not knobs else [])
            combinations.append(Combination(len(combinations), info, dict(base, **vals),
                                            label + varied, env))
    if not combinations:
        raise CompareError("nothing left to compare: %s" % "; ".join(
            "%s: %s" % (s["what"], s["reason"]) for s in skipped))
    if len(combinations) * repeat > MAX_RUNS:
        raise CompareError("%d combinations x %d repeats = %d runs; at most %d"
                           % (len(combinations), repeat, len(combinations) * repeat, MAX_RUNS))
    return Plan(scenario, combinations, repeat, skipped)


# -- running it ------------------------------------------------------------------------
class RunSlot:
    """One run of one combination: waiting, running, then its figures."""

    def __init__(self, combination: Combination, repeat: int) -> None:
        self.combination = combination
        self.repeat = repeat            # 1-based
        self.state = "waiting"          # waiting | running | finished | failed | stopped | not run
        self.session = None             # engine.session.Session while the run is going
        self.data = None                # engine.run_data.RunData once it ended (kept events)
        self.result = None              # engine.analysis.RunResult (kept with the events)
        self.figures = {}
        self.headline = {}
        self.ok = False
        self.problem = ""
        self.started_at = None          # time.monotonic() at start and end: runs side by side
        self.ended_at = None            # or one at a time, as the plan says
        self.run_id = ""                # the Session's: every process of the run carries it

    def to_json(self, lang: str = "en") -> dict:
        return {"repeat": self.repeat, "state": self.state, "ok": self.ok,
                "headline": self.headline.get(lang, self.headline.get("en", "")),
                "problem": self.problem, "figures": self.figures}


class Comparison:
    """Runs a Plan: start(), then poll the slots; stop() ends every run it started."""

    def __init__(self, the_plan: Plan, keep_events: bool = False, sample: bool = True,
                 session_factory=None) -> None:
        self.plan = the_plan
        self.keep_events = keep_events
        self.sample = sample
        # Runs in repeat order: every combination once, then again, so a stop in the
        # middle leaves each combination with about as many runs as the others.
        self.slots = [RunSlot(c, r + 1) for r in range(the_plan.repeat) for c in the_plan.combinations]
        self.state = "idle"  # idle | running | done | stopped
        self.wall_s = 0.0
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread = None
        self._t0 = 0.0

    def _new_session(self):
        from .session import Session
        capacity = 16_000_000
        if self.keep_events:  # every run's events are kept: share a budget between them
            capacity = max(1_000_000, min(capacity, EVENT_BUDGET // max(1, len(self.slots))))
        if self._session_factory:
            return self._session_factory(capacity)
        return Session(capacity=capacity, sample=self.sample)

    def start(self) -> None:
        self.state = "running"
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._schedule, name="gilscope-compare", daemon=True)
        self._thread.start()

    def wait(self, timeout: float = None) -> str:
        """Block until every run ended (or timeout); KeyboardInterrupt passes through."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._thread is not None and self._thread.is_alive():
            if deadline is not None and time.monotonic() > deadline:
                break
            self._thread.join(0.05)
        return self.state

    def stop(self) -> float:
        """End every running run and every process it started; the rest are not run."""
        t0 = time.monotonic()
        self._halt.set()
        if self._thread is not None:
            self._thread.join()
        return time.monotonic() - t0

    @property
    def done(self) -> bool:
        return self.state in ("done", "stopped")

    def counts(self) -> dict:
        with self._lock:
            out = {}
            for slot in self.slots:
                out[slot.state] = out.get(slot.state, 0) + 1
            return out

    def _schedule(self) -> None:
        try:
            while not self._halt.is_set():
                running = [s for s in self.slots if s.state == "running"]
                for slot in running:
                    if slot.session.poll() != "running":
                        self._collect(slot)
                running = [s for s in self.slots if s.state == "running"]
                waiting = [s for s in self.slots if s.state == "waiting"]
                if not running and not waiting:
                    break
                for slot in waiting[:max(0, self.plan.concurrency - len(running))]:
                    self._launch(slot)
                self._halt.wait(0.01)
        finally:
            stopped = self._halt.is_set()
            for slot in self.slots:
                if slot.state == "running":
                    slot.session.stop()
                    self._collect(slot)
                elif slot.state == "waiting":
                    slot.state = "not run"
            self.wall_s = time.monotonic() - self._t0
            self.state = "stopped" if stopped else "done"

    def _launch(self, slot: RunSlot) -> None:
        session = self._new_session()
        slot.session, slot.started_at = session, time.monotonic()
        slot.run_id = ""
        try:
            session.start(self.plan.scenario.ref, slot.combination.values,
                          python=slot.combination.python["executable"],
                          x_options=["gil=%s" % v for k, v in slot.combination.env.items()
                                     if k == GIL_KNOB])
        except Exception as exc:  # the plan was checked: this is the machine's problem
            slot.state, slot.problem = "failed", "run %d of %s could not start: %s" % (
                slot.repeat, slot.combination.label, exc)
            slot.session = None
            return
        slot.state, slot.run_id = "running", session.run_id

    def _collect(self, slot: RunSlot) -> None:
        session = slot.session
        slot.ended_at = time.monotonic()
        _take_runtime_gil(session)
        data = session.data()
        result = data.result()
        with self._lock:
            slot.figures = result.figures
            slot.headline = result.verdict.headline
            slot.ok = bool(result.verdict.ok) and session.state == "finished"
            slot.problem = session.problem
            if self.keep_events:
                # before the state: a reader that sees it ended finds them
                slot.result, slot.data = result, data
            else:
                session.close()
                slot.session = None
            slot.state = session.state
        if self.keep_events:
            session.close()  # threads released; its events stay for the window and --save


def _take_runtime_gil(session) -> None:
    """The GIL as the run had it: PYTHON_GIL can re-enable it in a free-threaded build,
    so the runner's own report (its hello message) beats the probe's."""
    for msg in session.messages:
        if msg.get("type") == "hello" and isinstance(msg.get("interpreter"), dict):
            if "gil_enabled" in msg["interpreter"]:
                session.interpreter = dict(session.interpreter,
                                           gil_enabled=bool(msg["interpreter"]["gil_enabled"]))
            return
