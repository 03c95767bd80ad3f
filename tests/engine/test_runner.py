"""The runner: standard library only, and working under every CPython found."""
import json
import os
import subprocess
import sys

import pytest

from engine import guardian, scenarios
from engine.session import Session
from engine.wire import K
from tests.pythons import python_params

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PURITY = """
import sys
sys.path.insert(0, %r)
import engine.runner, engine.probe, engine.recorder, engine.guardian, engine.interpreters
import engine.scenarios as table
for sid in table.IDS:
    table.get(sid)
import json
print(json.dumps(sorted(m for m in ("numpy", "psutil", "PySide6", "pyqtgraph", "shiboken6")
                        if m in sys.modules)))
""" % ROOT


@pytest.mark.parametrize("python", python_params())
def test_runner_side_imports_only_the_standard_library(python):
    out = subprocess.run([python.path, "-I", "-c", PURITY], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize("python", python_params())
def test_race_and_gil_run_under(python):
    session = Session(sample=False)
    try:
        session.start("race", {"iterations": 2000, "lock": True}, python=python.path)
        assert session.wait(60) == "finished", session.problem
        result = session.result()
        assert result.figures["final_value"] == 0  # the lock holds on every interpreter
        kinds = result.view.events["kind"]
        # every change(n) of both threads took and gave back the lock, each step recorded
        for kind in (K.LOCK_REQUEST, K.LOCK_ACQUIRED, K.LOCK_RELEASE):
            assert (kinds == kind).sum() == 2 * 2000, kind
        assert session.interpreter["version"].startswith("%d.%d" % python.version[:2])
        session.start("gil", {"workers": 2, "iterations": 200000}, python=python.path)
        assert session.wait(60) == "finished", session.problem
        view = session.result().view
        t_overlap, t_running = view.running_overlap("THREAD")
        _, p_running = view.running_overlap("PROCESS")
        assert t_running > 0 and p_running > 0  # both kinds of worker recorded their running
        if view.interpreter.get("gil_enabled", True):
            # one GIL: threads take turns (a handoff under 1 ms is not recorded as a wait,
            # hence a small share, not 0: see test_scenarios_core)
            assert t_overlap < 0.02 * t_running, (t_overlap, t_running)
    finally:
        session.close()
    assert guardian.processes_with_run_id(session.run_id) == []


def test_every_scenario_declares_its_group_and_runs_headless_listing():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), "list"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    listed = [line.split()[0] for line in out.stdout.splitlines()]
    assert listed == list(scenarios.IDS)
