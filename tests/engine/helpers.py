"""Shared helpers for the engine tests: scenario runs, survivors, /dev/shm, fault files, CLI.

The shared fixtures (session, sampled_session, fault_hook) are in tests/engine/conftest.py.

"Processes of a run" are found the way gilscope's own sweep finds them: by the
run id every process of the run inherits in its environment
(guardian.processes_with_run_id), whatever its parent, session or group.
"""
import importlib.util
import os
import statistics
import subprocess
import sys
import time

import pytest

from engine import guardian, scenarios
from engine.wire import K

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(ROOT, "main.py")
PYTHON = sys.executable
GONE_WITHIN_S = 2.0   # issue 9: every process of a run is gone within 2 s
STOP_WITHIN_S = 1.0   # issue 9: Stop always works within 1 s
READY_FILE_ENV = "GILSCOPE_TEST_READY"


# -- which scenarios exist yet ------------------------------------------------------
def scenario_exists(scenario_id: str) -> bool:
    """True when the table's module for scenario_id is on disk (others write them)."""
    module = dict(scenarios.TABLE)[scenario_id]
    return importlib.util.find_spec("engine.scenarios." + module) is not None


def needs_scenario(scenario_id: str):
    """Skip, by name, a test whose scenario module is not written yet."""
    return pytest.mark.skipif(not scenario_exists(scenario_id),
                              reason="scenario %s not written yet" % scenario_id)


def existing_scenarios() -> list:
    return [sid for sid in scenarios.IDS if scenario_exists(sid)]


def table_params() -> list:
    """One pytest.param per table scenario; those not written yet are skipped by name."""
    return [pytest.param(sid, id=sid, marks=needs_scenario(sid)) for sid in scenarios.IDS]


# The fault-injection scenarios: scenario files, run as a user runs their own
# (`run --file`, Session.start(path)); see fault_scenarios/fault_common.py.
FAULT_DIR = os.path.join(ROOT, "tests", "engine", "fault_scenarios")


def fault_file(name: str) -> str:
    """The path of the fault scenario file `name` ("fault-sprawl" ...)."""
    path = os.path.join(FAULT_DIR, name + ".py")
    assert os.path.isfile(path), path
    return path


# -- running a scenario to its end (the session fixtures: tests/engine/conftest.py) --------
def run_finished(session, scenario: str, wait_s: float = 60, **params):
    """Run scenario with params on session; it must finish (not fail, not time out)."""
    session.start(scenario, params)
    assert session.wait(wait_s) == "finished", session.problem
    return session.result()


def run_shown(session, scenario: str, **params):
    """run_finished, and the scenario's verdict says it showed its lesson (Verdict.ok)."""
    result = run_finished(session, scenario, **params)
    assert result.verdict.ok, result.verdict.headline["en"]
    return result


# -- waiting on a live run ----------------------------------------------------------
def wait_until(predicate, timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def has_value(session, name: str) -> bool:
    """The run recorded ctx.value(name, ...) (its frame already reached the Session)."""
    ev = session.events()
    ev = ev[ev["kind"] == K.VALUE]
    strings = session.decoder.strings
    return any(strings.get((int(p), int(b))) == name for p, b in zip(ev["pid"], ev["b"]))


def count_state(session, state: int) -> int:
    """How many times any worker of the run entered state so far."""
    ev = session.events()
    return int(((ev["kind"] == K.STATE) & (ev["b"] == state)).sum())


def has_state(session, state: int) -> bool:
    return count_state(session, state) > 0


def wait_ready(session, timeout: float = 20.0) -> None:
    """Wait for a fault scenario's "ready" value; fail with the run's own words if it ends."""
    ok = wait_until(lambda: has_value(session, "ready") or session.poll() != "running", timeout)
    assert ok and session.state == "running", (session.state, session.problem,
                                               list(session.output)[-5:])


# -- survivors and shared memory ----------------------------------------------------------
def describe(pid: int) -> str:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        cmd = "?"
    return "pid %d: %s" % (pid, cmd[:150])


def survivors(run_id: str, within: float = GONE_WITHIN_S) -> list:
    """Processes of the run still alive `within` s from now, described; then killed.

    Killing them keeps one failure from spilling into later tests (a survivor of
    a SIGKILLed GUI is no descendant of pytest, so conftest would not see it).
    """
    assert run_id
    wait_until(lambda: not guardian.processes_with_run_id(run_id), within, 0.02)
    left = [describe(pid) for pid in guardian.processes_with_run_id(run_id)]
    if left:
        guardian.kill_all(lambda: guardian.processes_with_run_id(run_id), reap_children=False)
    return left


def shm_of_run(run_id: str) -> set:
    """/dev/shm files (segments, named semaphores) mapped by any live process of the run.

    Matched by inode: glibc's sem_open maps a temporary file and links it to the
    semaphore's name, so /proc/PID/maps shows "sem.XXXXXX (deleted)" for a named
    semaphore that is very much alive under "sem.mp-...".
    """
    inodes = set()
    for pid in guardian.processes_with_run_id(run_id):
        try:
            with open("/proc/%d/maps" % pid) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith("/dev/shm/"):
                inodes.add(int(fields[4]))
    found = set()
    for entry in os.scandir("/dev/shm"):
        try:
            if entry.inode() in inodes or run_id in entry.name:
                found.add(entry.path)
        except OSError:
            continue
    return found


def shm_left(paths, within: float = GONE_WITHIN_S) -> list:
    """Those of paths still in /dev/shm `within` s from now."""
    wait_until(lambda: not any(os.path.exists(p) for p in paths), within, 0.02)
    return sorted(p for p in paths if os.path.exists(p))


# -- the command line ------------------------------------------------------------------------
def gilscope(*args, env=None, timeout: float = 60):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([PYTHON, MAIN] + list(args), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env=full_env, cwd=ROOT)


def one_line_error(completed) -> str:
    """The single stderr line of a bad-input exit; asserts the whole contract."""
    assert completed.returncode == 2, (completed.returncode, completed.stderr)
    assert "Traceback" not in completed.stderr, completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gilscope: "), completed.stderr
    return lines[0]


# -- measurements at the mercy of the machine ------------------------------------------------
def measure_until(run_once, good, what: str, tries: int = 3):
    """Run a timing-dependent measurement until good(result), at most `tries` times.

    Speedups and races depend on what else the machine runs.  A busy moment gets
    a retry; when every try misses and the whole machine is saturated, the test
    says so by name (a skip) instead of failing on the neighbours' load.
    Returns the results, the good one last when there is one.
    """
    results = [run_once()]
    while not good(results[-1]) and len(results) < tries:
        results.append(run_once())
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if not good(results[-1]) and load > cores:
        pytest.skip("machine saturated (load %.1f on %d cores): %s not seen in %d runs"
                    % (load, cores, what, len(results)))
    return results


# -- short settings for long use ----------------------------------------------------------
def shortest_params(scenario) -> dict:
    """Every number at its minimum (the least work); bools and choices at their defaults."""
    return {p.name: p.minimum for p in scenario.params if p.kind in ("int", "float")}


def report_line(config, line: str) -> None:
    """Show a measured figure in the pytest run's own output, past output capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


def summary(values) -> str:
    if not values:
        return "none measured"
    return "median %.3f s, worst %.3f s over %d" % (statistics.median(values), max(values),
                                                   len(values))
