"""Your own scenario file: `run --file`, `report --file`, `compare --file` (engine/scenario_file.py).

Every mistake in a file is one line and exit code 2, never a traceback; a recording of a
file never runs that file by itself; and nothing in the product reads from tests/.
"""
import ast
import json
import os

import pytest

from engine import scenario_file, scenarios
from tests.engine.helpers import ROOT, gilscope, one_line_error
from tests.pythons import python_params

GOOD = '''
from engine.params import Param
from engine.scenarios.base import text

TITLE = text("Two values", "两个值")
PARAMS = (Param("n", "int", 3, text("N", "N"), minimum=1, maximum=10),)


def _work(ctx, n):
    ctx.value("doubled", 2 * n)


def run(ctx, p):
    t = ctx.thread(_work, "WORKER", (ctx, p["n"]))
    t.start()
    ctx.join(t)
    ctx.value("n_seen", p["n"])
'''

# (file text, what the one-line error must say)
BAD_FILES = [
    ("def run(ctx, p:\n    pass\n", "bad.py line 1"),
    ("X = 1\n", "no run(ctx, p) function"),
    ("run = 3\n", "run must be a function taking two arguments"),
    ("def run(ctx):\n    pass\n", "run must be a function taking two arguments"),
    ("PARAMS = ('workers',)\ndef run(ctx, p):\n    pass\n", "PARAMS item 1 is a str"),
    ("PARAMS = 5\ndef run(ctx, p):\n    pass\n", "PARAMS must be a tuple"),
    ("from engine.params import Param\nPARAMS = (Param('n', 'int', 50, 'N', minimum=1, maximum=9),)\n"
     "def run(ctx, p):\n    pass\n", "ParamError: n=50: expected a whole number from 1 to 9 (line 2)"),
    ("from engine.params import workers\nPARAMS = (workers(), workers())\ndef run(ctx, p):\n    pass\n",
     "PARAMS declares 'workers' twice"),
    ("import no_such_module_here\ndef run(ctx, p):\n    pass\n",
     "ModuleNotFoundError: No module named 'no_such_module_here' (line 1)"),
    ("SHOWS = ('pie',)\ndef run(ctx, p):\n    pass\n", "SHOWS must be a tuple of"),
    ("def run(ctx, p):\n    pass\ndef verdict(run):\n    pass\n", "verdict must be a function"),
]


@pytest.mark.parametrize("body, said", BAD_FILES, ids=[s for _, s in BAD_FILES])
def test_a_bad_scenario_file_is_one_line_and_exit_2(tmp_path, body, said):
    path = tmp_path / "bad.py"
    path.write_text(body)
    line = one_line_error(gilscope("run", "--file", str(path)))
    assert said in line and "bad.py" in line, line


@pytest.mark.parametrize("args, said", [
    (["--file", "/no/such/dir/mine.py"], "cannot read the scenario file /no/such/dir/mine.py"),
    (["--file", "notes.txt"], "a scenario file is Python source ending in .py"),
    (["--file", ""], "--file: empty path"),
    (["mine.py"], "to run your own scenario file, use --file mine.py"),
    (["gil", "--file", "x.py"], "give a scenario id or --file, not both"),
    ([], "a scenario is required: name one (see list) or your own file with --file FILE.py"),
    (["--file", "/dev"], "a scenario file is Python source"),
])
def test_bad_file_arguments_are_one_line_and_exit_2(args, said):
    line = one_line_error(gilscope("run", *args))
    assert said in line, line


def test_a_directory_or_fifo_named_py_is_refused(tmp_path):
    os.mkfifo(str(tmp_path / "pipe.py"))  # must be refused at once, not block on open
    line = one_line_error(gilscope("run", "--file", str(tmp_path / "pipe.py"), timeout=20))
    assert "not a regular file" in line, line


def test_a_file_runs_in_the_runner_with_its_params_and_the_default_verdict(tmp_path):
    path = tmp_path / "two_values.py"
    path.write_text(GOOD)
    out = gilscope("run", "--file", str(path), "--set", "n=4", "--json", "-")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["scenario"] == "two_values"
    assert doc["figures"]["doubled"] == 8 and doc["figures"]["n_seen"] == 4  # measured in the run
    assert doc["verdict"]["ok"] is True
    bad = one_line_error(gilscope("run", "--file", str(path), "--set", "n=40"))
    assert "n=40" in bad, bad


def test_an_exception_in_run_is_the_run_s_failure_not_a_traceback(tmp_path):
    path = tmp_path / "raises.py"
    path.write_text("def run(ctx, p):\n    raise ValueError('inside run')\n")
    out = gilscope("run", "--file", str(path))
    assert out.returncode == 1, out.stderr
    assert "ValueError: inside run" in out.stdout and "Traceback" not in out.stderr


def test_a_recording_of_a_file_never_runs_the_file_by_itself(tmp_path):
    """report of such a recording needs --file: a recording must not choose code to run."""
    path = tmp_path / "marks.py"
    marker = tmp_path / "imported"
    path.write_text("open(%r, 'a').write('x')\n" % str(marker) + GOOD)
    saved = tmp_path / "r.gilscope"
    out = gilscope("run", "--file", str(path), "--save", str(saved))
    assert out.returncode == 0, out.stderr
    marker.unlink()
    line = one_line_error(gilscope("report", str(saved)))
    assert "is a recording of the scenario file %s" % path in line, line
    assert not marker.exists()  # the file was not run to say so
    good = gilscope("report", str(saved), "--file", str(path))
    assert good.returncode == 0 and "doubled" in good.stdout, good.stderr
    other = tmp_path / "other.py"
    other.write_text(GOOD)
    line = one_line_error(gilscope("report", str(saved), "--file", str(other)))
    assert "is a recording of marks, not of other.py" in line, line


def test_compare_takes_a_file_too(tmp_path):
    path = tmp_path / "two_values.py"
    path.write_text(GOOD)
    out = gilscope("compare", "--file", str(path), "--vary", "n=1,2", "--json", "-", timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scenario"] == "two_values"


@pytest.mark.parametrize("python", python_params(["py3.9"]))
def test_a_file_runs_under_python_3_9(tmp_path, python):
    """The loader is runner code: standard library only, 3.9 syntax."""
    path = tmp_path / "two_values.py"
    path.write_text(GOOD)
    out = gilscope("run", "--file", str(path), "--python", python.path, "--json", "-")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["interpreter"]["version"].startswith("3.9") and doc["figures"]["doubled"] == 6


def test_the_table_and_a_file_ref_do_not_mix():
    assert not any(scenario_file.is_file_ref(sid) for sid in scenarios.IDS)
    with pytest.raises(scenarios.UnknownScenario):
        scenarios.get("no-such-scenario")


# -- the product never reads from tests/ ----------------------------------------------------
def _docstrings(tree) -> set:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _reaches_into_tests(tree) -> list:
    """(line, what) of every import of tests.* and every path string naming tests/."""
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tests":
                    yield node.lineno, "import " + alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            yield node.lineno, "from " + node.module
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
            if text == "tests" or text.startswith("tests/") or "/tests/" in text:
                yield node.lineno, repr(text)


def test_nothing_in_engine_or_gui_imports_or_reads_from_tests():
    found = []
    for top in ("engine", "gui"):
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            for name in sorted(n for n in names if n.endswith(".py")):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read())
                found += ["%s:%d: %s" % (os.path.relpath(path, ROOT), line, what)
                          for line, what in _reaches_into_tests(tree)]
    assert found == []


def test_the_tests_reach_check_sees_what_it_must_refuse():
    sample = ('"""Docs may say tests/engine/x.py."""\nimport tests.engine.helpers\n'
              'from tests import pythons\np = os.path.join(ROOT, "tests", "x.py")\n'
              'q = "/a/tests/x.py"\n')
    whats = sorted(what for _, what in _reaches_into_tests(ast.parse(sample)))
    assert whats == sorted(["import tests.engine.helpers", "from tests", "'tests'", "'/a/tests/x.py'"])
