"""Security (issue 9, guarantee 6).

1. Nothing read from disk is unpickled, unmarshalled, shelved, eval'd or exec'd:
   the source of engine/ and gui/ is parsed (ast, so comments and docstrings do
   not count) for those uses; the few that exist are allow-listed with a reason.
2. No listening network socket anywhere: while runs go on, no process of the
   run and not the Session's own process owns a TCP socket in LISTEN or a bound
   UDP socket (/proc/net/{tcp,tcp6,udp,udp6}, cross-checked with psutil).
3. The runner's control channel is the inherited pipe only: the guardian's
   stdin is the very pipe the Session writes "stop" to, and neither the
   guardian nor the runner holds any socket at all.
"""
import ast
import os
import time

import psutil
import pytest

from engine import guardian
from engine.session import Session
from tests.engine.helpers import fault_file
from tests.engine.helpers import ROOT, survivors, table_params, wait_ready, wait_until

SCANNED = ("engine", "gui")
FORBIDDEN_MODULES = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle",
                     "jsonpickle", "joblib", "copyreg"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "execfile"}
# Attribute calls that load or run code or objects: importlib, runpy, numpy's pickle path.
FORBIDDEN_METHODS = {"exec_module", "import_module", "run_path", "run_module", "load_module"}
NETWORK_MODULES = {"socket", "socketserver", "http.server", "xmlrpc.server", "ssl",
                   "PySide6.QtNetwork", "multiprocessing.connection"}

# (file, what) -> why it is safe.  Every entry must still match something (no stale excuses).
ALLOWED = {
    ("engine/scenarios/__init__.py", "import_module"):
        "imports engine.scenarios.<module> for a module name taken from TABLE, a constant in "
        "the same file; an id not in TABLE raises UnknownScenario before any import.",
    ("engine/scenario_file.py", "compile"):
        "the user's own scenario file (run --file FILE.py, File > Open scenario...), named by the "
        "user: compiled to report a syntax error with its line before anything runs.",
    ("engine/scenario_file.py", "exec"):
        "runs that file's top level to read its declarations, as `python FILE.py` would; never "
        "a path taken from a recording, a comparison, the settings or the environment "
        "(tests/engine/test_scenario_file.py checks a recording naming a file does not run it).",
    ("engine/bundled_runner.py", "exec"):
        "the packaged build's stand-in for `python -c CODE`: multiprocessing's helpers and a "
        "scenario's subprocesses start it with code on its command line, exactly as they would "
        "start python; it reads no code from a file, a socket or the environment.",
    ("engine/bundled_runner.py", "compile"):
        "the same `-c CODE`, compiled to run it as __main__.",
    ("gui/scheduler_panel.py", "compile"):
        "compiles a one-line function made from a line of a scenario's shown program (source in "
        "this repository, matched against `v = v + n` first) to show its bytecode; the code is "
        "never run (no exec, no eval).",
}


def _python_files():
    for top in SCANNED:
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            for name in sorted(names):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    yield os.path.relpath(path, ROOT).replace(os.sep, "/"), path


def _findings(tree):
    """(line, what) for every risky use in one module's syntax tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES or alias.name in NETWORK_MODULES:
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES or node.module in NETWORK_MODULES:
                yield node.lineno, node.module
            for alias in node.names:  # from multiprocessing import connection, from X import pickle
                full = node.module + "." + alias.name
                if alias.name in FORBIDDEN_MODULES or full in NETWORK_MODULES:
                    yield node.lineno, full
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                yield node.lineno, func.id
            elif isinstance(func, ast.Attribute):
                if func.attr in FORBIDDEN_METHODS:
                    yield node.lineno, func.attr
                elif func.attr == "load" and isinstance(func.value, ast.Name) \
                        and func.value.id in ("np", "numpy"):
                    yield node.lineno, "numpy.load"  # allow_pickle is one keyword away


def test_no_pickle_marshal_shelve_eval_or_exec_of_anything():
    found, used = [], set()
    for rel, path in _python_files():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=rel)
        for line, what in _findings(tree):
            if (rel, what) in ALLOWED:
                used.add((rel, what))
            else:
                found.append("%s:%d: %s" % (rel, line, what))
    assert found == [], "risky uses not on the allow-list:\n" + "\n".join(found)
    assert used == set(ALLOWED), "allow-list entries that match nothing: %s" % (set(ALLOWED) - used)


def test_the_scanner_sees_what_it_must_refuse():
    """The scan itself works: each forbidden form in a sample is reported."""
    sample = ("import pickle\nfrom marshal import loads\nimport shelve\neval('1')\nexec('x=1')\n"
              "import numpy as np\nnp.load('f', allow_pickle=True)\nimport socket\n"
              "from multiprocessing import connection\nimportlib.import_module(name)\n"
              "app.exec()\n")
    whats = sorted(what for _, what in _findings(ast.parse(sample)))
    assert whats == sorted(["pickle", "marshal", "shelve", "eval", "exec", "numpy.load",
                            "socket", "multiprocessing.connection", "import_module"])


# -- sockets of live runs -------------------------------------------------------------------
def _socket_inodes(pid: int) -> set:
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def _inet_sockets() -> dict:
    """{inode: (protocol, local address, state)} for TCP LISTEN and every bound UDP socket."""
    found = {}
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open("/proc/net/" + proto) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if proto.startswith("udp") or state == "0A":  # 0A: TCP_LISTEN
                found[inode] = (proto, local, state)
    return found


def _listening(pids) -> list:
    """Listening/bound inet sockets owned by any of pids, from /proc and from psutil."""
    pids = set(pids)
    table = _inet_sockets()
    found = ["pid %d: %s" % (pid, table[i])
             for pid in pids for i in _socket_inodes(pid) if i in table]
    try:
        found += ["pid %d: %s (psutil)" % (c.pid, c.laddr) for c in psutil.net_connections("inet")
                  if c.pid in pids and (c.status == psutil.CONN_LISTEN or c.type == 2)]
    except psutil.AccessDenied:
        pass
    return found


def test_no_listening_socket_with_every_kind_of_process_alive(fault_hook):
    session = Session()
    try:
        session.start(fault_file("fault-sprawl"), {})  # Manager and forkserver: both serve on AF_UNIX
        wait_ready(session)
        pids = guardian.processes_with_run_id(session.run_id) + [os.getpid()]
        assert len(pids) > 10
        assert _listening(pids) == []
    finally:
        session.close()
    assert survivors(session.run_id) == []


@pytest.mark.parametrize("scenario_id", table_params())
def test_no_listening_socket_during_each_lesson(scenario_id):
    session = Session()
    try:
        session.start(scenario_id, {})
        deadline = time.monotonic() + 0.4
        seen = set()
        while time.monotonic() < deadline and session.poll() == "running":
            pids = guardian.processes_with_run_id(session.run_id) + [os.getpid()]
            seen.update(pids)
            assert _listening(pids) == []
            time.sleep(0.05)
        assert len(seen) >= 2  # at least the guardian and the runner were looked at
    finally:
        session.close()


def test_the_socket_check_sees_a_listener():
    """The check itself works: a TCP listener and a bound UDP socket of this process are seen."""
    import socket
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        found = _listening([os.getpid()])
    assert len([f for f in found if "psutil" not in f]) == 2, found


# -- the control channel ---------------------------------------------------------------------
def _fd_targets(pid: int) -> dict:
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
    return out


def test_the_control_channel_is_the_inherited_pipe_only():
    session = Session(sample=False)
    try:
        session.start("gil", {"workers": 1, "iterations": 500_000_000})  # busy for minutes
        guardian_pid = session._proc.pid
        # "hello" is sent after the runner gave up the control pipe (stdin -> /dev/null)
        assert wait_until(lambda: any(m.get("type") == "hello" for m in session.decoder.messages),
                          10)
        runner_pid = psutil.Process(guardian_pid).children()[0].pid
        control_inode = os.fstat(session._proc.stdin.fileno()).st_ino
        cmdline = psutil.Process(guardian_pid).cmdline()
        guardian_fds, runner_fds = _fd_targets(guardian_pid), _fd_targets(runner_pid)
        assert session.poll() == "running"
    finally:
        session.close()
    assert "-I" in cmdline  # isolated: no PYTHONPATH, user site or cwd can inject code
    assert guardian_fds[0] == "pipe:[%d]" % control_inode  # stdin: the Session's own pipe
    assert runner_fds[0] == os.devnull  # the runner cannot read the control pipe
    for who, fds in (("guardian", guardian_fds), ("runner", runner_fds)):
        sockets = {fd: t for fd, t in fds.items() if t.startswith("socket:")}
        assert sockets == {}, (who, sockets)
        assert all(t.startswith("pipe:") or t.startswith("/") for t in fds.values()), (who, fds)
