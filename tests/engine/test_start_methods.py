"""Every process scenario runs under fork, spawn and forkserver, on every interpreter found.

The start method is one knob (engine.params.start_method) that engine.probe.Context
uses for every process and pool it starts; a spawn or forkserver child imports the
engine afresh and records into rings of its own pid.  Each run here checks the
scenario's own claim under the method and that every child recorded its own lane.
Sizes are small: the claims hold on a loaded 2-core machine; no wall-clock thresholds.
"""
import pytest

from engine import guardian, scenarios
from engine.params import START_METHODS, ParamError, resolve
from engine.session import Session
from engine.wire import K
from tests.pythons import python_params

# scenario -> the small parameters of one run
PROCESS_SCENARIOS = {
    "process-basics": {"workers": 2, "iterations": 1_000_000},
    "pool": {"workers": 2, "tasks": 4, "iterations": 100_000},
    "pool-order": {"workers": 2, "tasks": 8, "unit_ms": 5},
    "queue-pipeline": {"workers": 2, "items": 20, "consumer_ms": 1.0},
    "gil": {"workers": 2, "iterations": 200_000},
    "shared-globals": {"workers": 2, "items": 30},
}
# subprocess runs commands (fork + exec by subprocess.Popen, os.popen): multiprocessing's
# start method does not apply to it, so it declares no knob.
NOT_MULTIPROCESSING = ("subprocess",)


def test_every_multiprocessing_scenario_declares_the_knob():
    for sid in scenarios.IDS:
        scenario = scenarios.get(sid)
        names = [p.name for p in scenario.params]
        if sid in PROCESS_SCENARIOS:
            knob = scenario.param("start_method")
            assert knob.choices == START_METHODS and knob.default == "fork", sid
            assert knob.label["zh_CN"] == "启动方式", sid
        else:
            assert "start_method" not in names, sid
    assert set(NOT_MULTIPROCESSING).isdisjoint(PROCESS_SCENARIOS)


def test_a_bad_start_method_is_refused_by_name():
    with pytest.raises(ParamError, match="one of fork, spawn, forkserver"):
        resolve(scenarios.get("gil").params, {"start_method": "thread"})


def _run(python, sid, method):
    session = Session(sample=False)
    try:
        session.start(sid, dict(PROCESS_SCENARIOS[sid], start_method=method), python=python.path)
        assert session.wait(180) == "finished", session.problem
        result = session.result()
        assert session.params["start_method"] == method
        return result
    finally:
        session.close()
        assert guardian.processes_with_run_id(session.run_id) == []


def _child_lanes(view):
    """Processes other than the runner that recorded their own start."""
    starts = view.of_kind(K.PROCESS_START)
    return {int(pid) for pid in starts["pid"]}


def _check(sid, method, result):
    f, ok = result.figures, result.verdict.ok
    assert ok, (sid, method, result.verdict.headline["en"])
    children = _child_lanes(result.view)
    if sid in ("gil", "process-basics"):  # the method's cost, measured from the children's lanes
        assert f["start_method"] == method and f["child_start_ms"] > 0
        note = [n["en"] for n in result.verdict.notes if n["en"].startswith("Start method ")]
        assert note == [note[0]] and note[0].startswith("Start method %s: " % method)
        assert "%.1f ms" % f["child_start_ms"] in note[0]
    if sid == "process-basics":
        assert f["children_with_lane"] == 4 and len(children) == 4
        assert f["most_alive_sequential"] == 1
        # A spawned child first starts an interpreter (measured at load 60: about 1 s), so a
        # short job may end before its sibling runs: the note says what was measured.
        assert f["most_alive_parallel"] == 2 if method == "fork" else f["most_alive_parallel"] in (1, 2)
        assert "let %d live at the same time" % f["most_alive_parallel"] in " ".join(
            n["en"] for n in result.verdict.notes)
        above = [n for n in result.verdict.notes if n["en"].startswith("The speedup, ")]
        assert bool(above) == (method != "fork" and f["speedup_parallel"] > 2.2)
        assert sorted(f["printed_parallel"]) == [0, 1]  # a spawned child's print is recorded too
    elif sid == "pool":
        assert sum(f["tasks_per_worker"].values()) == 4 and len(children) == 2
        assert f["failed_task_get_error"] == "ValueError: task 4 failed"
    elif sid == "pool-order":
        assert f["map_keeps_input_order"] and f["files_written"] == 8 and len(children) == 2
    elif sid == "queue-pipeline":
        assert f["items_in"] == f["items_out"] == 20 and f["clean_shutdown"]
        assert f["pipe_items"] == 20
    elif sid == "gil":
        assert len(f["cpu_s_per_process"]) == 2 and len(children) == 2
    elif sid == "shared-globals":
        assert f["parent_list_lengths_bug"] == [0, 0] and sum(f["child_list_lengths"]) == 30
        # fork: the children began with the parent's globals; spawn/forkserver: a fresh import
        assert f["children_saw_parent_globals"] == [method == "fork"] * 2
        for fix in ("queue", "pool", "manager", "shared_memory"):
            assert f["total_with_" + fix] == 30, fix


@pytest.mark.parametrize("method", START_METHODS)
@pytest.mark.parametrize("sid", sorted(PROCESS_SCENARIOS))
def test_each_process_scenario_under_each_method(sid, method):
    """On the interpreter gilscope runs under: every scenario's claim and lanes."""
    from tests.pythons import find_pythons
    import sys
    here = [p for p in find_pythons() if p.version[:2] == sys.version_info[:2]] or find_pythons()
    _check(sid, method, _run(here[0], sid, method))


@pytest.mark.parametrize("method", START_METHODS)
@pytest.mark.parametrize("python", python_params(["py3.9", "py3.10", "py3.11", "py3.12", "py3.13",
                                                  "py3.14"]))
def test_every_interpreter_runs_the_process_scenarios_under_each_method(python, method):
    """Every interpreter found: the two scenarios whose children the method changes most
    (shared-globals: whose globals a child sees; pool: the setup a spawned worker needs)."""
    for sid in ("shared-globals", "pool"):
        _check(sid, method, _run(python, sid, method))
