"""Every program shown in the Source tab runs as shown: standalone, under the fork,
spawn and forkserver start methods, on every interpreter found, ends, and prints
what the lesson says.

A tiny wrapper sets the start method, then runs the shown file as __main__ with
runpy (as `python file.py` would), so the program itself needs no knob for it.

Cost: a program that never starts a process does not depend on the start method
(checked: it does not import multiprocessing), so it runs once per interpreter.
A program that does runs under every start method on the interpreter running the
tests, and under one start method per other interpreter, rotated so that every
start method also runs on other versions.  GILSCOPE_FULL_MATRIX=1 runs all
(program, start method, interpreter) triples.  Most of the time is waiting
(sleeps, a deadlock's timeout), so the first test runs them all, a few at a
time, and each test then checks its own program's output.
"""
import ast
import concurrent.futures
import os
import subprocess

import pytest

from engine import scenarios
from tests.pythons import WANTED_IDS, by_id, current_python

METHODS = ("fork", "spawn", "forkserver")
TIMEOUT_S = 60
# A program without a START_METHOD constant gets its start method from this wrapper; one
# with the constant (every program that starts processes) sets it itself ("-" here).
WRAPPER = ("import multiprocessing, runpy, sys\n"
           "if sys.argv[1] != '-':\n"
           "    multiprocessing.set_start_method(sys.argv[1])\n"
           "sys.argv = sys.argv[2:]\n"
           "runpy.run_path(sys.argv[0], run_name='__main__')\n")

# Knob values each program runs with here: not the defaults, so the test sees the Source
# tab's substitution (Scenario.shown_source) at work, and small, so the programs end soon.
TEST_VALUES = {
    "process-basics": {"workers": 2, "iterations": 200000},
    "pool": {"workers": 2, "tasks": 5, "iterations": 200000},
    "pool-order": {"workers": 3, "tasks": 9, "chunksize": 0, "unit_ms": 10},
    "subprocess": {"workers": 2, "child_seconds": 0.1},
    "shared-globals": {"workers": 2, "items": 40},
    "thread-names": {"workers": 3, "lines": 7, "switch_interval": 0.001},
    "race": {"workers": 3, "iterations": 20000, "switch_interval": 0.001},
    "deadlock": {"detect_s": 0.3},
    "gil": {"workers": 2, "iterations": 300000, "switch_interval": 0.002},
    "threads-help": {"workers": 3, "wait_ms": 60.0, "digest_mib": 4, "loop": 200000},
    "convoy": {"calls": 150, "call_us": 250},  # at 100 calls a starved CPU thread once hid the convoy
    "queue-pipeline": {"workers": 2, "producers": 2, "items": 25, "maxsize": 4,
                       "consumer_ms": 2.0, "producer_ms": 1.0},
}


def shown(scenario_id: str, method: str, lang: str = "en") -> str:
    """The program the Source tab shows for a run with TEST_VALUES under method."""
    scenario = scenarios.get(scenario_id)
    values = dict(TEST_VALUES[scenario_id])
    if "start_method" in [p.name for p in scenario.params]:
        values["start_method"] = method
    return scenario.shown_source(values, lang)
FULL = os.environ.get("GILSCOPE_FULL_MATRIX") == "1"
# The first test runs every program (user CPU about 30 s; the wall time grows with
# the machine's load, 85 s measured at a load average of 6 on 2 cores).
pytestmark = pytest.mark.timeout(900 if FULL else 400)


def _uses_processes(source: str) -> bool:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
    return "multiprocessing" in names


CONCURRENT_PROGRAMS = 4


def _cases():
    table = by_id()
    mine = current_python()
    mine_id = mine.id
    others = [pid for pid in WANTED_IDS if pid != mine_id]
    cases = []
    for k, sid in enumerate(scenarios.IDS):
        source = scenarios.get(sid).source
        if not _uses_processes(source):
            combos = [(mine_id, "spawn")] + [(pid, "spawn") for pid in others]
        elif FULL:
            combos = [(pid, m) for pid in [mine_id] + others for m in METHODS]
        else:
            combos = [(mine_id, m) for m in METHODS]
            combos += [(pid, METHODS[(k + j) % 3]) for j, pid in enumerate(others)]
        for pid, method in combos:
            info = mine if pid == mine_id else table.get(pid)
            marks = () if info is not None else pytest.mark.skip(
                reason="python%s not found" % pid[2:])
            cases.append(pytest.param(sid, method, info, id="%s-%s-%s" % (sid, method, pid),
                                      marks=marks))
    return cases


def _run_shown(python, scenario_id: str, method: str, folder: str):
    """Run the scenario's shown program in folder; return the CompletedProcess or None
    if it did not end within TIMEOUT_S."""
    source = shown(scenario_id, method)
    own_method = "START_METHOD = " in source
    return _run_shown_text(python, source, "-" if own_method else method, folder,
                           "%s.py" % scenario_id.replace("-", "_"))


def _run_shown_text(python, source: str, method: str, folder: str, name: str = "program.py"):
    program = os.path.join(folder, name)
    with open(program, "w") as f:
        f.write(source)
    wrapper = os.path.join(folder, "start_method_wrapper.py")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"  # children's lines in the order they were printed
    try:
        return subprocess.run([python.path, "-I", wrapper, method, program],
                              cwd=folder, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Every case's program, run a few at a time: (scenario, method, python id) -> future."""
    pool = concurrent.futures.ThreadPoolExecutor(CONCURRENT_PROGRAMS)
    futures = {}
    for case in _cases():
        sid, method, python = case.values
        if python is None:
            continue
        folder = str(tmp_path_factory.mktemp("%s-%s-%s" % (sid, method, python.id)))
        futures[(sid, method, python.id)] = pool.submit(_run_shown, python, sid, method, folder)
    # All have ended before any test checks one: no test leaves a process running.
    pool.shutdown(wait=True)
    return futures


def shown_output(launched, scenario_id: str, method: str, python) -> list:
    out = launched[(scenario_id, method, python.id)].result()
    if out is None:
        pytest.fail("%s under %s did not end within %d s" % (scenario_id, method, TIMEOUT_S))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    return out.stdout.splitlines()


def _constant(source: str, name: str):
    """A top-level NAME = literal of the shown program (the values it runs with)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def check(scenario_id: str, lines: list, python, method: str) -> None:
    """What the lesson says the program prints."""
    source = shown(scenario_id, method)
    c = lambda name: _constant(source, name)  # noqa: E731
    if scenario_id == "race":
        final = int(lines[-1])
        if python.version[:2] >= (3, 10) and python.gil_enabled:
            assert final == 0  # no switch point between the read and the write
    elif scenario_id == "deadlock":
        assert lines == ["deadlock: THREAD1, THREAD2"]
    elif scenario_id == "thread-names":
        assert lines[0] == "MainThread" and lines[-1] == "end MainThread"
        for i in range(c("N")):
            name = "THREAD%d" % (i + 1)
            mine = [line for line in lines if line.split()[0] == name]
            assert mine == [name] + ["%s %d" % (name, n) for n in range(c("LINES"))] + [name]
    elif scenario_id == "process-basics":
        n = c("N")
        numbers = sorted(int(line) for line in lines if line.isdigit())
        assert numbers == sorted(list(range(n)) * 2)
        exits = [line.split() for line in lines if len(line.split()) == 2]
        assert len(exits) == n and all(code == "0" for _, code in exits)
    elif scenario_id == "pool":
        tasks = c("TASKS")
        assert lines[-2] == str([i * i for i in range(tasks)])
        assert lines[-1] == "get() of the failed task: task %d failed" % tasks
        assert any(line.startswith("join() before close(): ") for line in lines)
        assert "apply_async after close(): Pool not running" in lines
        assert sorted(int(line) for line in lines if line.isdigit()) == list(range(tasks))
    elif scenario_id == "pool-order":
        cubes = [i ** 3 for i in range(1, c("TASKS") + 1)]
        assert lines[0] == str(cubes)                       # map: input order
        assert sorted(ast.literal_eval(lines[1])) == cubes  # imap_unordered: every result
        assert lines[2] == "%d files written" % c("TASKS")
    elif scenario_id == "gil":
        assert lines[0] == "logical CPUs: %d" % os.cpu_count()
        assert lines[1].startswith("speedup with threads: ")
        assert lines[2].startswith("speedup with processes: ")
    elif scenario_id == "queue-pipeline":
        assert lines[-1].startswith("items handled: %d " % c("ITEMS"))
    elif scenario_id == "shared-globals":
        n, items = c("N"), c("ITEMS")
        assert str([[] for _ in range(n)]) in lines
        writers = [line.split() for line in lines if line.startswith("writer ")]
        assert len(writers) == n
        # the children's module: a copy of __main__ under fork, a fresh import otherwise
        module = "__main__)" if method == "fork" else "__mp_main__)"
        assert all(w[3] == module for w in writers), writers
        assert sum(int(w[5]) for w in writers) == items
        assert "fix 1, a results queue: %d items" % items in lines
        assert "fix 2, Pool.map: %d items" % items in lines
    elif scenario_id == "subprocess":
        assert lines[:2] == ["Exit code 0", "Exit code 1"]
        assert "os.system: 768 3" in lines
        assert "os.popen read: hello" in lines and "os.popen close: 768" in lines
        assert lines[-1] == "done"
    elif scenario_id == "threads-help":
        assert [line.split(":")[0] for line in lines] == ["wait", "digest", "loop"]
        wait_speedup = float(lines[0].rsplit(" ", 1)[1])
        assert wait_speedup > 1.5  # the threads' sleeps overlap whatever the load
    elif scenario_id == "convoy":
        alone = float(lines[0].split()[1])
        beside = float(lines[1].split()[-2])
        assert lines[0].startswith("alone: ") and lines[1].startswith("beside a CPU-bound thread: ")
        if python.gil_enabled:
            assert beside > alone  # each call waits for the GIL (measured: 0.06 s against 1.2 s)
    else:
        pytest.fail("no expectation written for the shown program of %s" % scenario_id)


@pytest.mark.parametrize("scenario_id, method, python", _cases())
def test_shown_program_runs_as_shown(scenario_id, method, python, launched):
    lines = shown_output(launched, scenario_id, method, python)
    check(scenario_id, lines, python, method)


def test_every_shown_process_program_has_the_main_guard():
    """spawn and forkserver import the main file again: starting processes at import fails."""
    for sid in scenarios.IDS:
        source = scenarios.get(sid).source
        if _uses_processes(source):
            assert 'if __name__ == "__main__":' in source, sid


# The blog post's own program (print ret -> print(ret)), without the guard.
POST_PROGRAM_UNGUARDED = '''import multiprocessing

def read_worker(q_in, q_out):
    while True:
        deq = q_in.get()
        if deq is None:
            break
        q_out.put(deq)

def write_worker(q_out, i):
    global ret
    more = True
    while more:
        deq = q_out.get()
        if deq is not None:
            ret[i].append(deq)
        else:
            more = False

ret = [[] for i in range(3)]
q_in = [multiprocessing.Queue(1024) for i in range(3)]
q_out = [multiprocessing.Queue(1024) for i in range(3)]
read_process = [multiprocessing.Process(target=read_worker, args=(q_in[i], q_out[i])) for i in range(3)]
for p in read_process:
    p.start()
write_process = [multiprocessing.Process(target=write_worker, args=(q_out[i], i)) for i in range(3)]
for p in write_process:
    p.start()
for i in range(1000):
    q_in[i % 3].put(i)
for q in q_in:
    q.put(None)
for p in read_process:
    p.join()
for q in q_out:
    q.put(None)
for p in write_process:
    p.join()
print(ret)
'''


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_without_the_guard_spawned_children_die_and_the_bug_shows_for_the_wrong_reason(method, tmp_path):
    """Why the guard: a spawn/forkserver child imports the main file again, and starting
    processes while it does so raises RuntimeError; the parent still prints [[], [], []],
    though no child appended anything (they all died)."""
    folder = str(tmp_path)
    out = _run_shown_text(current_python(), POST_PROGRAM_UNGUARDED, method, folder)
    assert out is not None, "did not end within %d s" % TIMEOUT_S
    assert out.stdout.splitlines()[-1] == "[[], [], []]"
    assert "RuntimeError" in out.stderr and "bootstrapping phase" in out.stderr
    fork = _run_shown_text(current_python(), POST_PROGRAM_UNGUARDED, "fork", folder)
    assert fork.stdout.splitlines()[-1] == "[[], [], []]" and "RuntimeError" not in fork.stderr


# Knobs the shown program has no constant for, and why (every other knob is shown).
NOT_SHOWN = {
    ("race", "traced"): "recording every read and write is the tool's, not the program's",
    ("deadlock", "workers"): "the program shows the post's two threads and two locks",
    ("deadlock", "hold_ms"): "the program waits on a Barrier instead of holding for a time",
    ("subprocess", "child_ignores_sigterm"): "a child the runner adds to show Stop; not the post's",
    ("shared-globals", "item_bytes"): "the program reads before join; the knob measures the other order",
}


def test_the_source_tab_shows_the_runs_knob_values():
    """Every knob is a constant of the shown program set to the run's value, or is listed
    in NOT_SHOWN with its reason."""
    for sid in scenarios.IDS:
        scenario = scenarios.get(sid)
        values = dict(TEST_VALUES[sid])
        if "start_method" in [p.name for p in scenario.params]:
            values["start_method"] = "forkserver"
        source = scenario.shown_source(values)
        full = dict((p.name, p.default) for p in scenario.params)
        full.update(values)
        shown_params = set()
        for const, param in scenario.source_values.items():
            expected = full[param] if isinstance(param, str) else param(full)
            assert _constant(source, const) == expected, (sid, const)
            if isinstance(param, str):
                shown_params.add(param)
        for param in scenario.params:
            if param.name in shown_params:
                continue
            # a derived constant (chunksize 0 -> None, wait_ms -> seconds) names no param:
            # it must change with its knob
            other = dict(full, **{param.name: _another_value(param, full[param.name])})
            changed = scenario.shown_source(other) != source
            assert changed or (sid, param.name) in NOT_SHOWN, (sid, param.name)


def _another_value(param, value):
    if param.kind == "bool":
        return not value
    if param.kind == "choice":
        return [c for c in param.choices if c != value][0]
    return param.maximum if value != param.maximum else param.minimum


def test_the_source_tab_in_chinese_has_chinese_comments_and_the_same_program():
    import io
    import re
    import tokenize
    for sid in scenarios.IDS:
        en, zh = shown(sid, "spawn"), shown(sid, "spawn", "zh_CN")
        assert ast.dump(ast.parse(en)) == ast.dump(ast.parse(zh)), sid
        comments = [t.string for t in tokenize.generate_tokens(io.StringIO(zh).readline)
                    if t.type == tokenize.COMMENT]
        assert comments, sid
        english_only = [c for c in comments if not re.search("[\u4e00-\u9fff]", c)]
        assert english_only == [], (sid, english_only)
