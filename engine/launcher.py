"""How the runner is started, from a source checkout or from a frozen build.  Standard library only.

From source, ``sys.executable`` is a Python: the Session runs
``python -I engine/runner.py '<spec>'`` with whichever interpreter the user picked.

A frozen build (PyInstaller one-folder: ``gilscope`` plus ``gilscope-runner`` in
one folder, sharing ``_internal/``) has no ``python``.  Its ``gilscope-runner``
executable plays the interpreter's roles (see ``engine.bundled_runner``): the
runner script, ``sys.executable -c CODE`` for scenario subprocesses, and
multiprocessing's helpers.  An installed Python the user picks instead runs plain
``.py`` copies of the engine shipped in ``_internal/runner_src/`` (the archive
inside the bundle holds only bytecode for the bundled Python's version).

The bundle's bootloader puts its own library folder on ``LD_LIBRARY_PATH`` and
sets variables of its own; ``child_environment`` gives children the user's
environment back, so a picked ``python3.X`` loads its own ``libpython`` and a
scenario's ``cp``/``sleep``/``sh`` see what the user's shell would.
"""
import os
import sys

RUNNER_EXECUTABLE = "gilscope-runner"
RUNNER_SOURCE_FOLDER = "runner_src"  # inside the bundle's _internal/ (sys._MEIPASS)
_SOURCE_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")

# Set by PyInstaller's bootloader or by Qt's PyInstaller hook, never by a user.
_BUNDLE_VARIABLES = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH", "QTWEBENGINEPROCESS_PATH")
_LIBRARY_PATH_VARIABLES = ("LD_LIBRARY_PATH",)


class LaunchError(ValueError):
    """The run cannot be started this way; the message says why."""


def is_frozen() -> bool:
    """True inside a PyInstaller build (``sys.frozen`` is set by its bootloader)."""
    return bool(getattr(sys, "frozen", False))


def bundle_folder() -> str:
    """The folder holding the frozen executables ("" from source)."""
    return os.path.dirname(os.path.abspath(sys.executable)) if is_frozen() else ""


def bundled_runner() -> str:
    """Path of the frozen runner executable, or "" when not frozen or missing."""
    if not is_frozen():
        return ""
    path = os.path.join(bundle_folder(), RUNNER_EXECUTABLE)
    return path if os.access(path, os.X_OK) else ""


def is_bundled_runner(path: str) -> bool:
    """Is path this build's own executable (the GUI or the runner), not a Python?"""
    if not is_frozen() or not path:
        return False
    real = os.path.realpath(path)
    return real in (os.path.realpath(sys.executable), os.path.realpath(bundled_runner() or sys.executable))


def runner_script() -> str:
    """The runner script an installed Python runs (the shipped sources when frozen)."""
    if is_frozen():
        base = getattr(sys, "_MEIPASS", bundle_folder())
        return os.path.join(base, RUNNER_SOURCE_FOLDER, "engine", "runner.py")
    return _SOURCE_RUNNER


def runner_command(interpreter: dict, spec_json: str, x_options=()) -> list:
    """The argv that starts the guardian/runner for one run.

    interpreter: an ``engine.interpreters`` info dict (``bundled`` True for the
    frozen runner).  x_options: ``-X`` options for the interpreter ("gil=0").
    From a frozen build an installed Python also gets ``-B``: the shipped sources
    may sit in a root-owned /opt, and a root-run Python would leave
    ``__pycache__`` there that package removal then cannot delete.
    Raises LaunchError for -X options the bundled runner cannot take (its
    interpreter's options are fixed when it is built).
    """
    executable = interpreter["executable"]
    if interpreter.get("bundled"):
        if x_options:
            raise LaunchError("the bundled Python takes no -X options (%s); pick an installed Python"
                              % ", ".join(x_options))
        return [executable, "--runner", spec_json]
    flags = ["-I", "-B"] if is_frozen() else ["-I"]
    return [executable] + flags + ["-X" + option for option in x_options] + [runner_script(), spec_json]


def user_environment(environ=None) -> dict:
    """environ (default os.environ) without what a PyInstaller bootloader added.

    The bootloader saves the user's ``LD_LIBRARY_PATH`` as ``LD_LIBRARY_PATH_ORIG``
    before prepending its own folder; the original comes back (or the variable
    goes when there was none).  Its ``_PYI_*`` bookkeeping and Qt's plugin paths
    go too: without them a bundled child's bootloader starts afresh, as it does
    from the user's shell.  Outside a frozen build the environment is returned unchanged (a copy).
    """
    env = dict(os.environ if environ is None else environ)
    if not is_frozen():
        return env
    for name in _LIBRARY_PATH_VARIABLES:
        original = env.pop(name + "_ORIG", None)
        if original is not None:
            env[name] = original
        else:
            env.pop(name, None)
    for name in list(env):
        if name.startswith("_PYI_") or name in _BUNDLE_VARIABLES:
            del env[name]
    return env


def child_environment(extra: dict = None) -> dict:
    """The environment for a process gilscope starts: the user's, plus extra."""
    env = user_environment()
    env.update(extra or {})
    return env


def self_command(*args: str) -> list:
    """argv that runs this gilscope again (main.py from source, the executable when frozen)."""
    if is_frozen():
        return [sys.executable] + list(args)
    main_py = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "main.py")
    return [sys.executable, main_py] + list(args)
