"""The command line whatever happens to its standard streams, and Ctrl-C (issue 12, part 3).

- Files asked for (--json FILE, --trace FILE, --save FILE) are written before
  anything is printed: a reader that leaves (`| true`), a full disk on stdout
  (/dev/full) or a closed stdout cannot cost them.  When something asked for
  cannot be delivered (--json - to a closed stdout), the exit code is 1 and one
  line says so.
- A terminal that cannot show the verdict's characters (PYTHONIOENCODING=ascii)
  gets them escaped, never a traceback.
- Ctrl-C, wherever it lands (start-up imports, the run, a second one during
  Stop, the verdict print), ends in one stderr line and exit code 130.
"""
import json
import os
import signal
import subprocess
import sys

import pytest

from engine import cli
from tests.engine.helpers import MAIN, PYTHON, ROOT, fault_file, wait_until

RACE = ["run", "race", "--set", "iterations=200"]


def _outputs(tmp_path):
    paths = {"json": tmp_path / "r.json", "trace": tmp_path / "t.json",
             "save": tmp_path / "r.gilscope"}
    args = []
    for flag, path in paths.items():
        args += ["--" + flag, str(path)]
    return paths, args


def _assert_written(paths):
    assert json.loads(paths["json"].read_text())["scenario"] == "race"
    assert json.loads(paths["trace"].read_text())["traceEvents"]
    assert paths["save"].read_bytes().startswith(b"GSCP")
    left = [p.name for p in paths["json"].parent.iterdir() if p.name.endswith(".tmp")]
    assert left == []  # no temporary file stays next to the outputs


def test_a_reader_that_leaves_at_once_costs_no_file(tmp_path):
    """`main.py run race --trace t.json --save r.gilscope --json r.json | true` (issue 12)."""
    paths, args = _outputs(tmp_path)
    proc = subprocess.Popen([PYTHON, MAIN] + RACE + args, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # what `| true` does: the pipe's reader is gone before the verdict
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(120) == 0, err
    assert "Traceback" not in err, err
    _assert_written(paths)


def test_stdout_on_dev_full_fails_in_one_line_and_keeps_the_files(tmp_path):
    paths, args = _outputs(tmp_path)
    with open("/dev/full", "w") as full:
        out = subprocess.run([PYTHON, MAIN] + RACE + args, cwd=ROOT, stdin=subprocess.DEVNULL,
                             stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert out.stderr.splitlines() == ["gilscope: cannot write the verdict to standard output: "
                                       "No space left on device"], out.stderr
    _assert_written(paths)


def _with_stdout_closed(args, env=None):
    """Run main.py with file descriptor 1 closed (sh: `exec >&-`)."""
    return subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", PYTHON, MAIN] + args, cwd=ROOT,
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=120, env=env)


def test_a_closed_stdout_still_runs_and_writes_the_files(tmp_path):
    paths, args = _outputs(tmp_path)
    out = _with_stdout_closed(RACE + args)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    _assert_written(paths)


def test_json_to_a_closed_stdout_is_a_failure_said_in_one_line():
    out = _with_stdout_closed(RACE + ["--json", "-"])
    assert out.returncode == 1, out.stderr
    lines = out.stderr.splitlines()
    assert lines[-1] == ("gilscope: cannot write the result to standard output: "
                         "standard output is closed"), out.stderr
    assert "Traceback" not in out.stderr


def test_an_ascii_terminal_gets_the_chinese_verdict_escaped_and_valid_json():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    text = subprocess.run([PYTHON, MAIN] + RACE + ["--lang", "zh_CN"], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert text.returncode == 0 and b"Traceback" not in text.stderr, text.stderr
    assert text.stdout.startswith(b"race \\u2014 "), text.stdout[:80]
    doc = subprocess.run([PYTHON, MAIN] + RACE + ["--lang", "zh_CN", "--json", "-"], cwd=ROOT,
                         env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert doc.returncode == 0 and b"Traceback" not in doc.stderr, doc.stderr
    doc.stdout.decode("ascii")  # the JSON escapes what ascii cannot hold ...
    headline = json.loads(doc.stdout)["verdict"]["headline"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in headline), headline  # ... and means it


def test_list_into_a_reader_that_leaves_exits_0_without_a_traceback():
    proc = subprocess.Popen([PYTHON, MAIN, "list", "--params"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(60) == 0 and err == b"", err


# -- Ctrl-C ----------------------------------------------------------------------------------
INTERRUPT_DURING_IMPORT = """
import builtins, os, signal, sys
sys.path.insert(0, %r)
real_import = builtins.__import__
def import_then_ctrl_c(name, *args, **kwargs):
    if name == "numpy":  # the CLI's first heavy import: Ctrl-C lands inside it
        builtins.__import__ = real_import
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = import_then_ctrl_c
import main
sys.exit(main.main(["run", "race"]))
""" % ROOT


def test_ctrl_c_during_start_up_imports_is_one_line_and_130():
    out = subprocess.run([PYTHON, "-c", INTERRUPT_DURING_IMPORT], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL, cwd=ROOT)
    assert out.returncode == 130, out.stderr
    assert out.stderr == "gilscope: interrupted\n", out.stderr


def test_ctrl_c_twice_during_a_run_stops_it_reports_and_exits_130(fault_hook, tmp_path):
    """The second Ctrl-C comes while Stop is still killing a tree of a dozen processes."""
    saved = tmp_path / "r.gilscope"
    cli_proc = subprocess.Popen([PYTHON, MAIN, "run", "--file", fault_file("fault-sprawl"), "--save", str(saved)],
                                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: os.path.exists(fault_hook) or cli_proc.poll() is not None, 30)
        cli_proc.send_signal(signal.SIGINT)
        cli_proc.send_signal(signal.SIGINT)
        out, err = cli_proc.communicate(timeout=30)
    finally:
        if cli_proc.poll() is None:
            cli_proc.kill()
            cli_proc.communicate()
    assert cli_proc.returncode == 130, err
    assert len(err.splitlines()) == 1 and err.startswith("gilscope: stopped in "), err
    assert out.startswith("fault-sprawl"), out
    assert saved.read_bytes().startswith(b"GSCP")


@pytest.mark.parametrize("command", ["race", "gil"])
def test_ctrl_c_on_a_real_lesson_exits_130(command):
    """Issue 12: a stopped gil or race run exited 1 (its verdict is "not ok") after Ctrl-C."""
    args = {"race": ["--set", "iterations=1000000"],
            "gil": ["--set", "iterations=500000000"]}[command]
    proc = subprocess.Popen([PYTHON, MAIN, "run", command] + args, cwd=ROOT, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: _has_grandchild(proc.pid) or proc.poll() is not None, 30)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert len(err.splitlines()) == 1 and err.startswith("gilscope: stopped in "), err


def _has_grandchild(pid: int) -> bool:
    """The CLI's guardian has forked its runner: the run is under way."""
    import psutil
    try:
        return any(child.children() for child in psutil.Process(pid).children())
    except psutil.Error:
        return False


class _InterruptingStdout:
    """A stdout on which Ctrl-C lands while the verdict is printed."""
    encoding = "utf-8"

    def write(self, text):
        raise KeyboardInterrupt

    def flush(self):
        pass

    def reconfigure(self, **kwargs):
        pass

    def fileno(self):
        return 1


def test_ctrl_c_during_the_verdict_print_is_one_line_and_130(tmp_path, monkeypatch, capsys):
    saved = tmp_path / "r.gilscope"
    monkeypatch.setattr(sys, "stdout", _InterruptingStdout())
    code = cli.main(RACE + ["--save", str(saved)])
    err = capsys.readouterr().err
    assert code == 130, err
    assert err == "gilscope: interrupted\n", err
    assert saved.read_bytes().startswith(b"GSCP")  # written before the print began
