"""Find and probe Python interpreters the runner can use.  Standard library only.

A runner interpreter must be CPython >= 3.9 (the runner's own floor).  Probing
runs the candidate once with -I and reads its version and GIL status, so a
free-threaded 3.13t/3.14t build is labelled as such.
"""
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

from . import launcher

MIN_VERSION = (3, 9)
_PROBE = (
    "import json,platform,sys,sysconfig;"
    "g=getattr(sys,'_is_gil_enabled',None);"
    "print(json.dumps({'version':platform.python_version(),"
    "'implementation':platform.python_implementation(),"
    "'executable':sys.executable,"
    "'free_threaded_build':bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    "'gil_enabled':bool(g()) if g else True}))"
)
_cache = {}
PROBE_TIMEOUT_S = 15.0          # a real Python answers in well under a second
PROBE_OUTPUT_MAX = 64 * 1024    # the answer is one line of about 200 bytes
_FIELDS = {"version": str, "implementation": str, "executable": str,
           "free_threaded_build": bool, "gil_enabled": bool}


class InterpreterError(ValueError):
    """The path is not a usable Python for the runner; the message says why."""


def current() -> dict:
    """The interpreter running gilscope itself (no subprocess needed).

    In a frozen build that is the bundled runner executable (``bundled`` True).
    """
    if launcher.is_frozen():
        return bundled()
    return probe(sys.executable)


def bundled() -> dict:
    """The frozen build's own Python, described from inside: the bundle cannot run ``-c PROBE``."""
    import platform
    import sysconfig
    is_gil = getattr(sys, "_is_gil_enabled", None)
    executable = launcher.bundled_runner() or sys.executable
    info = {"version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": executable,
            "real_executable": os.path.realpath(executable),
            "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "gil_enabled": bool(is_gil()) if is_gil else True,
            "bundled": True}
    info["label"] = label(info)
    return info


def probe(path: str) -> dict:
    """Version and GIL status of the Python at path.  Raises InterpreterError."""
    path = os.path.abspath(os.path.expanduser(path)) if os.sep in path else (shutil.which(path) or path)
    if path in _cache:
        return _cache[path]
    if launcher.is_bundled_runner(path):
        return bundled()
    if not os.path.isfile(path):
        raise InterpreterError("interpreter not found: %s" % path)
    if not os.access(path, os.X_OK):
        raise InterpreterError("interpreter is not executable: %s" % path)
    info = _answer(path, _run_probe(path))
    version = tuple(int(x) for x in info["version"].split(".")[:2])
    if info["implementation"] != "CPython":
        raise InterpreterError("%s is %s; gilscope's runner needs CPython" % (path, info["implementation"]))
    if version < MIN_VERSION:
        raise InterpreterError("%s is Python %s; the runner needs Python %d.%d or newer"
                               % (path, info["version"], MIN_VERSION[0], MIN_VERSION[1]))
    # The same binary behind another name (a pyenv shim, a venv link) is one interpreter.
    info["real_executable"] = os.path.realpath(info["executable"])
    info["executable"] = path  # keep the path the user chose (venv symlinks matter)
    info["label"] = label(info)
    _cache[path] = info
    return info


def _run_probe(path: str) -> bytes:
    """The candidate's stdout, bounded: at most PROBE_OUTPUT_MAX bytes and PROBE_TIMEOUT_S.

    It runs in a session of its own and that whole process group is killed at the
    end, however it ended: a timed-out "interpreter" (or a shell script that left a
    child behind) leaves nothing running, and one that floods stdout is cut off
    at the bound instead of being read into memory.
    """
    try:
        proc = subprocess.Popen([path, "-I", "-c", _PROBE], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=launcher.child_environment())
    except OSError as exc:
        raise InterpreterError("%s does not run as Python (%s)" % (path, exc.__class__.__name__))
    from . import guardian
    guardian.own_children.add(proc.pid)
    chunks, size, problem = [], 0, ""
    deadline = time.monotonic() + PROBE_TIMEOUT_S
    try:
        fd = proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                problem = "did not answer within %g s" % PROBE_TIMEOUT_S
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
            size += len(data)
            if size > PROBE_OUTPUT_MAX:
                problem = "printed over %d KiB instead of a short answer" % (PROBE_OUTPUT_MAX // 1024)
                break
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # before wait(): the group id cannot be reused yet
        except OSError:
            pass
        proc.wait()
        guardian.own_children.discard(proc.pid)
        proc.stdout.close()
    if problem:
        raise InterpreterError("%s is not a Python interpreter gilscope can use: it %s"
                               % (path, problem))
    return b"".join(chunks)


def _answer(path: str, out: bytes) -> dict:
    """The probe's JSON line, checked field by field: anything else is a clear error."""
    try:
        info = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError, RecursionError):
        info = None
    if not isinstance(info, dict) or any(not isinstance(info.get(k), t) for k, t in _FIELDS.items()) \
            or not re.match(r"^\d+\.\d+", info["version"]):
        raise InterpreterError("%s is not a Python interpreter gilscope can use "
                               "(its answer to the version probe is not what Python prints)" % path)
    return info


def label(info: dict) -> str:
    mode = "free-threaded" if info.get("free_threaded_build") and not info.get("gil_enabled") else "GIL"
    return "Python %s (%s)" % (info["version"], mode)


def candidates() -> list:
    """Paths that may be Pythons: PATH, the usual install places and pyenv."""
    names = ["python3"] + ["python3.%d%s" % (minor, t) for minor in range(9, 16) for t in ("", "t")]
    found = [launcher.bundled_runner() or sys.executable]
    for name in names:
        path = shutil.which(name)
        if path:
            found.append(path)
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv"), "/root/.pyenv"]
    for root in filter(None, roots):
        found.extend(sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3"))))
    for prefix in ("/usr/bin", "/usr/local/bin", "/opt/python*/bin"):
        found.extend(sorted(glob.glob(os.path.join(prefix, "python3.[0-9]*"))))
    seen, unique = set(), []
    for path in found:
        real = os.path.realpath(path)
        if real not in seen and not path.endswith("-config"):
            seen.add(real)
            unique.append(path)
    return unique


def find_all() -> list:
    """Every usable interpreter (probed), the current one first; others skipped."""
    usable, seen = [], set()
    for path in candidates():
        try:
            info = probe(path)
        except InterpreterError:
            continue
        if info["real_executable"] not in seen:
            seen.add(info["real_executable"])
            usable.append(info)
    return usable
