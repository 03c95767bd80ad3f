"""Find and probe Python interpreters the runner can use.  Standard library only.

A runner interpreter must be CPython >= 3.9 (the runner's own floor).  Probing
runs the candidate once with -I and reads its version and GIL status, so a
free-threaded 3.13t/3.14t build is labelled as such.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

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
    try:
        out = subprocess.run([path, "-I", "-c", _PROBE], capture_output=True, timeout=15,
                             stdin=subprocess.DEVNULL, env=launcher.child_environment())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError("%s does not run as Python (%s)" % (path, exc.__class__.__name__))
    try:
        info = json.loads(out.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise InterpreterError("%s is not a Python interpreter gilscope can use" % path)
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
