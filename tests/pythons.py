"""Find the CPython interpreters on this machine, for tests that run the scenario
runner under several of them (the runner supports any CPython >= 3.9, including the
free-threaded 3.13t / 3.14t builds).

    from tests.pythons import find_pythons, python_params

    @pytest.mark.parametrize("python", python_params())
    def test_something(python):       # python: PythonInfo
        subprocess.run([python.path, ...])

`python_params()` always yields one entry per wanted id (py3.9 ... py3.14, py3.13t,
py3.14t); the ones not found here are skipped with "python3.X not found", so a report
shows which interpreters were really covered.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
from typing import NamedTuple

# Interpreters the runner must work with: one test id each.
WANTED_IDS = [f"py3.{minor}" for minor in range(9, 15)] + ["py3.13t", "py3.14t"]

_PROBE = r"""
import json, sys, sysconfig
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(json.dumps({
    "impl": sys.implementation.name,
    "version": list(sys.version_info[:3]),
    "executable": sys.executable,
    "gil_enabled": bool(gil),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
}))
"""


class PythonInfo(NamedTuple):
    path: str                     # the interpreter to run (as found, not resolved)
    version: tuple                # (major, minor, micro)
    gil_enabled: bool             # at run time (a free-threaded build may re-enable it)
    free_threaded: bool = False   # built with --disable-gil (3.13t, 3.14t)

    @property
    def id(self) -> str:
        return "py%d.%d%s" % (self.version[0], self.version[1], "t" if self.free_threaded else "")


def _pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root and os.path.isdir(root):
        return root
    exe = shutil.which("pyenv")
    if exe:
        try:
            out = subprocess.run([exe, "root"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and os.path.isdir(out.stdout.strip()):
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    for guess in (os.path.expanduser("~/.pyenv"), "/root/.pyenv"):
        if os.path.isdir(guess):
            return guess
    return None


def _candidates():
    """Paths worth probing: pyenv's versions, then versioned names on PATH."""
    paths = []
    root = _pyenv_root()
    if root:
        paths += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3")))
    for name in [f"python3.{minor}" for minor in range(9, 15)] + ["python3.13t", "python3.14t"]:
        exe = shutil.which(name)
        if exe:
            paths.append(exe)
    return paths


def probe(path, timeout=20.0):
    """Run `path`; return (PythonInfo, its sys.executable), or None if it is not a
    working CPython. (A pyenv shim for a version that is not selected exits non-zero.)"""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    try:
        out = subprocess.run([path, "-I", "-c", _PROBE], capture_output=True, text=True,
                             timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    try:
        info = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    if info.get("impl") != "cpython":
        return None
    return PythonInfo(path, tuple(info["version"]), info["gil_enabled"], info["free_threaded"]), \
        info["executable"]


@functools.lru_cache(maxsize=None)
def find_pythons(min_version=(3, 9)):
    """CPython interpreters found here, newest first per id, one per real executable."""
    found, seen = [], set()
    for path in _candidates():
        result = probe(path)
        if result is None:
            continue
        info, executable = result
        real = os.path.realpath(executable or path)
        if real in seen or info.version[:2] < tuple(min_version):
            continue
        seen.add(real)
        found.append(info)
    return tuple(found)


def current_python() -> PythonInfo:
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    import sysconfig
    return PythonInfo(sys.executable, tuple(sys.version_info[:3]), bool(gil),
                      bool(sysconfig.get_config_var("Py_GIL_DISABLED")))


def other_pythons():
    """find_pythons() less the interpreter running the tests (and its venv's base)."""
    mine = {os.path.realpath(sys.executable),
            os.path.realpath(getattr(sys, "_base_executable", sys.executable))}
    return [p for p in find_pythons() if os.path.realpath(p.path) not in mine]


def by_id():
    """{id: PythonInfo}, the first found for each id (pyenv before PATH)."""
    table = {}
    for info in find_pythons():
        table.setdefault(info.id, info)
    return table


def python_params(ids=None):
    """pytest.param per wanted id; absent interpreters are skipped, named in the reason."""
    import pytest

    table = by_id()
    params = []
    for pid in ids or WANTED_IDS:
        info = table.get(pid)
        if info is not None:
            params.append(pytest.param(info, id=pid))
        else:
            name = "python" + pid[2:]
            params.append(pytest.param(None, id=pid,
                                       marks=pytest.mark.skip(reason=f"{name} not found")))
    return params
