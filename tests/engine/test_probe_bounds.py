"""`--python` probing is bounded in time and memory and leaves nothing running (issue 12, part 3).

The "interpreters" here are shell scripts pretending to be Python: one floods
stdout, one never answers and leaves a child behind, several print JSON that is
shaped like the probe's answer but wrong.  Each must end in InterpreterError
(CLI: exit 2 and one line), quickly, with no process of its own left alive.
"""
import json
import subprocess

import pytest

from engine import interpreters
from tests.engine.helpers import MAIN, PYTHON, ROOT, one_line_error, wait_until

GOOD = {"version": "3.11.7", "implementation": "CPython", "executable": "/x/python3",
        "free_threaded_build": False, "gil_enabled": True}


def fake_python(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    interpreters._cache.pop(str(path), None)
    return str(path)


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


MEASURE = """
import json, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
print(json.dumps({"code": out.returncode, "err": out.stderr.decode(),
                  "maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def test_an_interpreter_that_floods_stdout_is_cut_off_in_bounded_memory(tmp_path):
    flood = fake_python(tmp_path, "flood", "exec yes 0123456789012345678901234567890123456789")
    out = subprocess.run([PYTHON, "-c", MEASURE, PYTHON, MAIN, "run", "race", "--python", flood],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    doc = json.loads(out.stdout)
    assert doc["code"] == 2 and len(doc["err"].splitlines()) == 1, doc["err"]
    assert "printed over 64 KiB" in doc["err"], doc["err"]
    assert doc["maxrss"] < 250 << 20, doc["maxrss"]  # old: 2.9 GB in 6 s, and growing


def test_a_probe_that_times_out_leaves_nothing_running(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    stuck = fake_python(tmp_path, "stuck", "sleep 600 &\necho $! > %s\nexec sleep 600" % pidfile)
    monkeypatch.setattr(interpreters, "PROBE_TIMEOUT_S", 1.0)
    with pytest.raises(interpreters.InterpreterError, match="did not answer within 1 s"):
        interpreters.probe(stuck)
    left = int(pidfile.read_text())
    assert wait_until(lambda: not _alive(left), 2), "the probe's child %d survived" % left


def test_a_probe_interrupted_by_ctrl_c_leaves_nothing_running(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    stuck = fake_python(tmp_path, "stuck", "sleep 600 &\necho $! > %s\nexec sleep 600" % pidfile)
    real_select = interpreters.select.select

    def ctrl_c_once_started(*args):
        if pidfile.exists() and pidfile.read_text().strip():
            raise KeyboardInterrupt
        return real_select(args[0], args[1], args[2], min(args[3], 0.05))

    monkeypatch.setattr(interpreters.select, "select", ctrl_c_once_started)
    with pytest.raises(KeyboardInterrupt):
        interpreters.probe(stuck)
    left = int(pidfile.read_text())
    assert wait_until(lambda: not _alive(left), 2)


WRONG_ANSWERS = {
    "not-an-object": "[1, 2, 3]",
    "version-a-number": json.dumps(dict(GOOD, version=3.11)),
    "version-not-digits": json.dumps(dict(GOOD, version="three.eleven")),
    "missing-implementation": json.dumps({k: v for k, v in GOOD.items() if k != "implementation"}),
    "gil-a-string": json.dumps(dict(GOOD, gil_enabled="yes")),
    "nested-deep": "[" * 30000,
    "null": "null",
    "empty": "",
}


@pytest.mark.parametrize("answer", sorted(WRONG_ANSWERS))
def test_a_wrong_answer_is_one_clear_line(tmp_path, answer):
    path = fake_python(tmp_path, "python3", "cat <<'END'\n%s\nEND" % WRONG_ANSWERS[answer])
    out = subprocess.run([PYTHON, MAIN, "run", "race", "--python", path], capture_output=True,
                         text=True, timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)
    line = one_line_error(out)  # old: KeyError / ValueError / AttributeError tracebacks
    assert "not a python interpreter gilscope can use" in line.lower(), line


def test_the_right_answer_from_a_script_is_accepted(tmp_path):
    """Control case: the same kind of script with a well-formed answer is taken."""
    path = fake_python(tmp_path, "python3", "cat <<'END'\n%s\nEND" % json.dumps(GOOD))
    assert interpreters.probe(path)["version"] == "3.11.7"
