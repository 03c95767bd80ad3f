"""The runner script: guardian and scenario runner in one file.  Standard library only.

    python -I engine/runner.py '<json spec>'      (any CPython >= 3.9)

    Session (GUI/CLI) ──Popen, new session──> guardian ──fork──> runner ──> threads,
        stdin: control pipe                   (this file,        processes, pools,
        event fd: frames <──────────────────── parent half)      subprocesses ...
        stdout/stderr: raw output

The guardian forks before any thread or scenario import, stays single threaded,
is a child subreaper, and on Stop / control-pipe EOF / SIGTERM / SIGINT / GUI
death / the runner's exit kills the runner's whole tree (guardian.kill_all).
The runner half installs the event sink, runs the scenario on its main thread,
and reports by event frames and small JSON messages.  No cleanup logic lives in
the runner's signal handlers or threads (docs/ARCHITECTURE.md, "Orphans", rule 5).
"""
import json
import os
import select
import signal
import sys

if __name__ == "__main__":  # started as a script, under -I: find the engine package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import guardian  # noqa: E402

STOP_WORD = b"stop"
EXIT_STOPPED = 124  # the guardian's exit code when a run was stopped


def interpreter_info() -> dict:
    import platform
    import sysconfig
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_gil = getattr(sys, "_is_gil_enabled", None)
    return {"version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "free_threaded_build": free_threaded,
            "gil_enabled": bool(is_gil()) if is_gil else True,
            "switch_interval": sys.getswitchinterval(),
            "cpu_count": os.cpu_count() or 1}


# -- guardian half -----------------------------------------------------------
def guardian_main(spec: dict) -> int:
    # The Session's pid comes in the spec: os.getppid() read here, after the interpreter
    # started, may already be init's (or a subreaper's) if the Session died meanwhile.
    gui_pid = spec.get("parent_pid") or os.getppid()
    guardian.become_subreaper()
    wake_r, wake_w = os.pipe()
    flags = {"term": False, "parent": False}

    def on_signal(signum, _frame):  # only a flag and a byte: no cleanup here
        flags["parent" if signum == signal.SIGUSR1 else "term"] = True
        os.write(wake_w, b"!")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, on_signal)
    guardian.set_parent_death_signal(signal.SIGUSR1)
    if os.getppid() != gui_pid:  # the GUI died before the signal was armed
        return EXIT_STOPPED

    guardian_pid = os.getpid()
    runner_pid = os.fork()
    if runner_pid == 0:
        os.close(wake_r)
        os.close(wake_w)
        runner_child(spec, guardian_pid)  # never returns
    os.close(spec["event_fd"])  # the Session's EOF must not wait on us
    control = sys.stdin.fileno()
    runner_status = None
    stopped = False
    while runner_status is None and not stopped:
        try:
            ready, _, _ = select.select([control, wake_r], [], [], 0.1)
        except InterruptedError:
            ready = []
        if control in ready:
            data = os.read(control, 64)
            if not data or STOP_WORD in data:
                stopped = True
        if wake_r in ready:
            os.read(wake_r, 64)
        if flags["term"] or (flags["parent"] and os.getppid() != gui_pid):
            stopped = True
        runner_status = guardian.reap().get(runner_pid, runner_status)
    # One procedure whatever the trigger: what the runner left behind goes too.
    guardian.kill_all(lambda: guardian.descendants(os.getpid()), kill_group=runner_pid)
    if stopped or runner_status is None:
        return EXIT_STOPPED
    return guardian.exit_code_of(runner_status)


# -- runner half ---------------------------------------------------------------
def runner_child(spec: dict, guardian_pid: int) -> None:
    code = 3
    try:
        _start_resource_tracker()  # before the run's own group: kill_group spares it
        os.setpgid(0, 0)
        guardian.set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != guardian_pid:  # the guardian died before the signal was armed
            os._exit(EXIT_STOPPED)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # the control pipe is the guardian's alone
        os.close(devnull)
        code = run_scenario(spec)
    except BaseException:
        # Outside the scenario's own try (the sink, the final messages): said on stderr, whose
        # last line the Session shows beside the exit code, instead of vanishing in os._exit.
        try:
            import traceback
            sys.stderr.write(traceback.format_exc())
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)  # never unwind into the guardian's code; no atexit joins


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, in the guardian's process group.

    Every process of the run shares this one tracker (forked children inherit its
    pipe; spawned and forkserver children are handed it).  Outside the run's group,
    it survives the one killpg that ends the run, sees its pipe close, and unlinks the
    shared memory and semaphores the run left; the guardian then waits for it
    (guardian.TRACKER_GRACE_S)."""
    try:
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
    except Exception:  # no tracker: the run still works, as a run started before 3.8 did
        pass


def run_scenario(spec: dict) -> int:
    from engine import params as params_module
    from engine import probe, recorder, scenarios
    from engine.wire import K, S

    from engine import wire
    os.write(spec["event_fd"], wire.stream_header())
    sink = recorder.install(spec["event_fd"], spec.get("ring_dir"))
    sys.stdout = probe.OutputTap(sys.stdout)
    rec = sink.recorder("MainThread")
    code = 0
    hello = {"type": "hello", "pid": os.getpid()}
    try:
        scenario = scenarios.get(spec["scenario"])
        values = params_module.resolve(scenario.params, spec.get("params", {}))
        if "switch_interval" in values:
            sys.setswitchinterval(values["switch_interval"])
        hello["interpreter"] = interpreter_info()  # with the switch interval in force
        sink.message(hello)
        from engine import gates
        keeper = gates.install(spec)
        if keeper is not None and not scenario.gates:
            raise ValueError("the scenario %s has no gates to schedule" % scenario.id)
        try:
            scenario.run(probe.Context(values, keeper), values)
        finally:
            if keeper is not None:  # the verdict says the run was scheduled, and how far
                sink.message({"type": "gates", "mode": spec["gates"].get("mode", "schedule"),
                              "steps": keeper.steps(), "diverged": keeper.diverged})
    except BaseException as exc:
        if "interpreter" not in hello:
            hello["interpreter"] = interpreter_info()
            sink.message(hello)
        text = probe.error_text(exc)
        rec.event(K.ERROR, sink.intern(text), -1)
        sink.message({"type": "error", "text": text})
        code = 1
    rec.state(S.DONE)
    rec.event(K.WORKER_EXIT, 0, code)
    sink.flush_all()
    sink.message({"type": "done", "code": code, "dropped": sink.dropped})
    return code


def main(argv) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: runner.py '<json spec>' (started by gilscope's Session)\n")
        return 2
    spec = json.loads(argv[1])
    try:
        return guardian_main(spec)
    finally:  # the run's private temporary folder (TMPDIR) goes with the run, however it ended
        import shutil
        if spec.get("tmp_dir"):
            shutil.rmtree(spec["tmp_dir"], ignore_errors=True)
        if spec.get("ring_dir") and spec.get("parent_pid") and os.getppid() != spec["parent_pid"]:
            # The Session is gone and will never drain or remove its rings (engine/ring.py);
            # that includes a Session that died before the guardian armed its parent-death
            # signal (guardian_main's early return), which left an empty rings folder a run.
            shutil.rmtree(spec["ring_dir"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
