"""The frozen build's stand-in for ``python``: the roles an interpreter plays for a run.  Standard library only.

A frozen ``gilscope-runner`` (packaging/gilscope.spec) starts here.  Its argv says
which role it plays:

    gilscope-runner --runner '<spec>'           the runner script (engine/runner.py)
    gilscope-runner [-I -B -S -E -s -u] -c CODE  a scenario's ``[sys.executable, "-c", CODE]``
    gilscope-runner --multiprocessing-fork ...  multiprocessing spawn / forkserver children,
    gilscope-runner -B -S -I -c 'from multiprocessing.resource_tracker import main; main(5)'
                                                and its helpers: freeze_support() takes these

``multiprocessing.freeze_support()`` runs first: with interpreter flags in front
of ``-c`` the helpers' command lines would otherwise reach our own parser, and
the resource tracker would be relaunched forever (shared memory then leaks).

Before any role runs, ``os.environ`` goes back to the user's (the bootloader
prepended its library folder to LD_LIBRARY_PATH): every process a scenario starts
(``cp``, ``sleep``, ``sh``, another ``python``) inherits the user's environment.
The process itself keeps the libraries it has already loaded.
"""
import multiprocessing
import os
import sys

USAGE = ("usage: gilscope-runner --runner '<json spec>' | -c CODE  "
         "(started by gilscope, not by hand)\n")
_IGNORED_FLAGS = {"-I", "-B", "-S", "-E", "-s", "-u", "-P", "-q"}


def run_code(code: str, args: list) -> int:
    """``python -c CODE args...``: CODE runs as __main__; its SystemExit is the exit code."""
    import types
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main_module
    sys.argv = ["-c"] + list(args)
    exec(compile(code, "<string>", "exec"), main_module.__dict__)
    return 0


def restore_user_environment() -> None:
    """os.environ as the user's shell had it (see engine.launcher.user_environment)."""
    from engine import launcher
    user = launcher.user_environment(dict(os.environ))
    os.environ.clear()
    os.environ.update(user)


def main(argv: list) -> int:
    multiprocessing.freeze_support()  # exits here when argv is a multiprocessing helper's
    restore_user_environment()
    args = list(argv[1:])
    if args[:1] == ["--runner"] and len(args) == 2:
        from engine import runner
        return runner.main(["runner.py", args[1]])
    while args and args[0] in _IGNORED_FLAGS:
        args.pop(0)
    if args[:1] == ["-c"] and len(args) >= 2:
        return run_code(args[1], args[2:])
    sys.stderr.write(USAGE)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
