"""``gilscope --self-test``: a checklist for a new machine, each failure with its fix.  [numpy, psutil]

    gilscope --self-test                 every check, a line each; exit 0 when none failed
    gilscope --self-test --json          the same as JSON on standard output
    gilscope --self-test --no-display    the engine checks only (a server without a screen)

Engine checks run real scenarios through the real Session (the same path as the
window and the CLI, bundled runner included).  The display checks run in a child
process (``gui.self_test_display``): Qt aborts the whole process when it cannot
open a display, and the checklist must still be printed then.
Statuses: PASS, WARN (works, but something is worth knowing), FAIL (with a fix).
"""
import json
import os
import subprocess
import sys
import time

from . import guardian, interpreters, launcher

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
RUN_TIMEOUT_S = 60.0
FIRST_EVENTS_TIMEOUT_S = 15.0
DISPLAY_TIMEOUT_S = 90.0
LEAK_GRACE_S = 1.0  # a /dev/shm entry unused and still there after this is a leak
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def check(name: str, status: str, detail: str, fix: str = "") -> dict:
    return {"name": name, "status": status, "detail": detail, "fix": fix if status != PASS else ""}


# -- engine checks -----------------------------------------------------------------
def check_guardian() -> dict:
    """The guardian needs Linux and prctl(PR_SET_CHILD_SUBREAPER); try it in a throwaway child."""
    name = "Process guardian (child subreaper)"
    if not guardian.supported():
        return check(name, FAIL, "running scenarios needs Linux for now (%s)" % sys.platform,
                     "use Linux; on this system gilscope can open saved recordings only")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only reports through its exit code
        os._exit(0 if guardian.become_subreaper() else 1)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return check(name, PASS, "prctl(PR_SET_CHILD_SUBREAPER) allowed")
    return check(name, FAIL, "prctl(PR_SET_CHILD_SUBREAPER) refused (a seccomp filter or an old kernel)",
                 "run gilscope outside this sandbox/container, or allow prctl in its seccomp profile")


def _shm_entries() -> set:
    try:
        return set(os.listdir("/dev/shm"))
    except OSError:
        return set()


def _shm_in_use() -> set:
    """Top-level /dev/shm names a live process has mapped or open (another program's, say)."""
    used = set()

    def note(path: str) -> None:
        if path.startswith("/dev/shm/"):
            used.add(path[len("/dev/shm/"):].split("/")[0].split(" (deleted)")[0].strip())

    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/maps" % entry, "rb") as f:
                for line in f:
                    at = line.find(b"/dev/shm/")
                    if at >= 0:
                        note(line[at:].decode("utf-8", "replace"))
            for fd in os.listdir("/proc/%s/fd" % entry):
                note(os.readlink("/proc/%s/fd/%s" % (entry, fd)))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return used


def _shm_leaked(before: set) -> list:
    """Entries made since `before` that no live process uses, still there a moment later.

    Other programs (other gilscope sessions too) create and remove entries meanwhile;
    theirs are in use by a live process or gone shortly after; a leak stays, unused.
    """
    suspects = (_shm_entries() - before) - _shm_in_use()
    if not suspects:
        return []
    time.sleep(LEAK_GRACE_S)
    return sorted((suspects & _shm_entries()) - _shm_in_use())


def _run(scenario: str, given: dict, stop_after_s: float = None, python: str = None) -> dict:
    """Run a scenario to its end (or Stop it after stop_after_s); measure what a user would see."""
    from .session import Session
    shm_before = _shm_entries()
    session = Session(capacity=2_000_000, sample=False)
    t0 = time.monotonic()
    session.start(scenario, given, python=python)
    first_events = None
    seen_processes = 0
    stop_seconds = None
    try:
        while session.poll() == "running":
            now = time.monotonic() - t0
            if first_events is None and len(session.events()):
                first_events = now
            if stop_after_s is not None:
                seen_processes = max(seen_processes, len(guardian.processes_with_run_id(session.run_id)))
                if now >= stop_after_s:
                    stop_seconds = session.stop()
                    break
            if now > RUN_TIMEOUT_S:
                stop_seconds = session.stop()
                break
            time.sleep(0.02)
        if first_events is None and len(session.events()):
            first_events = time.monotonic() - t0
    finally:
        session.close()
    time.sleep(0.2)  # a killed process can take a moment to leave /proc
    survivors = guardian.processes_with_run_id(session.run_id)
    leaked = _shm_leaked(shm_before)
    return {"state": session.state, "problem": session.problem, "first_events_s": first_events,
            "seen_processes": seen_processes, "stop_s": stop_seconds, "survivors": survivors,
            "shm_leaked": leaked, "interpreter": session.interpreter, "session": session}


def _verdict(name: str, run: dict, want_state: str, what: str) -> dict:
    fix = "report this with the output of `gilscope run ... --json -`"
    if run["state"] != want_state:
        return check(name, FAIL, "%s: state %s, wanted %s%s" % (
            what, run["state"], want_state, (" — " + run["problem"]) if run["problem"] else ""), fix)
    if run["first_events_s"] is None:
        return check(name, FAIL, "%s: no events arrived" % what,
                     "the runner could not write its event pipe; " + fix)
    if run["survivors"]:
        return check(name, FAIL, "%s: %d process(es) left behind: %s" % (
            what, len(run["survivors"]), run["survivors"]),
            "kill them (kill -9 PID); " + fix)
    if run["shm_leaked"]:
        return check(name, FAIL, "%s: left /dev/shm entries %s" % (what, run["shm_leaked"]),
                     "delete them from /dev/shm; " + fix)
    return None


def check_run_starts(python: str = None) -> dict:
    name = "A run starts and its events arrive"
    run = _run("thread-names", {"workers": "2", "lines": "20"}, python=python)
    failed = _verdict(name, run, "finished", "thread-names")
    if failed:
        return failed
    interp = run["interpreter"]
    return check(name, PASS, "thread-names with %s%s: first events after %.2f s, finished, 0 processes left"
                 % (interp.get("label", "?"), " (bundled)" if interp.get("bundled") else "",
                    run["first_events_s"]))


def check_processes(python: str = None) -> dict:
    name = "Processes, a Pool, a Manager and shared memory"
    run = _run("shared-globals", {"workers": "2", "items": "200"}, python=python)
    failed = _verdict(name, run, "finished", "shared-globals")
    if failed:
        return failed
    figures = run["session"].result().figures
    if figures.get("total_with_shared_memory") in (None, 0):
        return check(name, FAIL, "shared-globals: the shared-memory fix collected nothing",
                     "check that /dev/shm is mounted and writable (mount -t tmpfs tmpfs /dev/shm)")
    return check(name, PASS, "shared-globals finished: Process, Queue, Pool, Manager, shared memory; "
                 "0 processes left, /dev/shm clean")


def check_commands(python: str = None) -> dict:
    name = "Commands (cp, sleep, sh) and a Python child"
    run = _run("subprocess", {"workers": "2", "child_seconds": "0.1"}, python=python)
    failed = _verdict(name, run, "finished", "subprocess")
    if failed:
        return failed
    return check(name, PASS, "subprocess finished: cp, ls through /bin/sh, sleep; 0 processes left")


def check_stop(python: str = None) -> dict:
    name = "Stop ends a run with a child that ignores SIGTERM"
    run = _run("subprocess", {"workers": "2", "child_ignores_sigterm": "on"}, stop_after_s=2.0,
               python=python)
    if run["state"] != "stopped":
        return check(name, FAIL, "subprocess ended as %s before Stop%s" % (
            run["state"], (" — " + run["problem"]) if run["problem"] else ""),
            "report this with the output of `gilscope run subprocess --set child_ignores_sigterm=on`")
    if run["survivors"]:
        return check(name, FAIL, "%d process(es) survived Stop: %s" % (len(run["survivors"]), run["survivors"]),
                     "kill them (kill -9 PID) and report this")
    return check(name, PASS, "stopped in %.2f s with %d processes of the run alive; 0 left"
                 % (run["stop_s"] or 0.0, run["seen_processes"]))


def check_shared_memory_mount() -> dict:
    name = "/dev/shm (shared memory, semaphores)"
    try:
        st = os.statvfs("/dev/shm")
    except OSError as exc:
        return check(name, FAIL, "/dev/shm missing: %s" % exc,
                     "mount it: mount -t tmpfs -o size=256m tmpfs /dev/shm (docker: --shm-size=256m)")
    free_mb = st.f_bavail * st.f_frsize / 2 ** 20
    if not os.access("/dev/shm", os.W_OK):
        return check(name, FAIL, "/dev/shm is not writable", "chmod 1777 /dev/shm")
    if free_mb < 16:
        return check(name, WARN, "only %.0f MB free" % free_mb,
                     "give it more room (docker: --shm-size=256m)")
    return check(name, PASS, "%.0f MB free" % free_mb)


def check_other_pythons() -> dict:
    name = "Other Pythons for the interpreter picker"
    found = [info for info in interpreters.find_all() if not info.get("bundled")
             and os.path.realpath(info["executable"]) != os.path.realpath(sys.executable)]
    if not found:
        return check(name, WARN, "none found besides %s" % (
            "the bundled one" if launcher.is_frozen() else "this one"),
            "optional: install python3 (apt-get install python3) to compare versions")
    return check(name, PASS, ", ".join("%s (%s)" % (i["label"], i["executable"]) for i in found))


# -- display checks (in a child process) ---------------------------------------------
def check_display() -> list:
    """Run gui.self_test_display in a child; one result a line of its JSON output."""
    name = "Display and Qt platform plugin"
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                                 or os.environ.get("QT_QPA_PLATFORM")):
        return [check(name, FAIL, "no display: neither DISPLAY nor WAYLAND_DISPLAY is set",
                      "run it on the desktop, or under a virtual screen: xvfb-run -a gilscope --self-test; "
                      "--no-display checks the engine only")]
    try:
        out = subprocess.run(launcher.self_command("--self-test-display"), capture_output=True,
                             timeout=DISPLAY_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return [check(name, FAIL, "the window did not come up in %.0f s" % DISPLAY_TIMEOUT_S,
                      "check that the display server answers (xdpyinfo)")]
    results = []
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and "status" in item:
            results.append(item)
    if out.returncode != 0 and not any(r["status"] == FAIL for r in results):
        tail = [l for l in out.stderr.decode("utf-8", "replace").splitlines() if l.strip()][-3:]
        results.insert(0, check(name, FAIL, "the display check died (exit %d): %s" % (
            out.returncode, " | ".join(tail) or "no message"), _display_fix(tail)))
    return results


def _display_fix(stderr_tail: list) -> str:
    text = " ".join(stderr_tail)
    if "xcb-cursor" in text or "xcb" in text:
        return ("install Qt's X11 libraries: apt-get install libxcb-cursor0 libxkbcommon-x11-0 "
                "libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libegl1")
    if "could not connect to display" in text or "cannot open display" in text.lower():
        return "check DISPLAY (echo $DISPLAY) and that you may use it (xhost, XAUTHORITY)"
    return "run gilscope from a terminal and read Qt's message; QT_DEBUG_PLUGINS=1 shows more"


# -- the checklist -------------------------------------------------------------------
def run_checks(display: bool = True, python: str = None) -> list:
    results = [check_guardian(), check_shared_memory_mount()]
    if results[0]["status"] != FAIL:
        for fn in (check_run_starts, check_processes, check_commands, check_stop):
            try:
                results.append(fn(python))
            except Exception as exc:  # one broken check must not hide the others
                results.append(check(fn.__name__, FAIL, "%s: %s" % (type(exc).__name__, exc),
                                     "report this with the text above"))
    results.append(check_other_pythons())
    if display:
        results.extend(check_display())
    return results


def print_checklist(results: list, out=None) -> None:
    out = out or sys.stdout
    for r in results:
        out.write("[%s] %s: %s\n" % (r["status"], r["name"], r["detail"]))
        if r["fix"]:
            out.write("       fix: %s\n" % r["fix"])
    failed = sum(r["status"] == FAIL for r in results)
    out.write("%d checks, %d failed, %d warnings\n"
              % (len(results), failed, sum(r["status"] == WARN for r in results)))


def main(argv: list) -> int:
    args = list(argv)
    unknown = [a for a in args if a not in ("--json", "--no-display")]
    if unknown:
        sys.stderr.write("gilscope: --self-test takes --json and --no-display, not %s\n" % " ".join(unknown))
        return EXIT_BAD_INPUT
    t0 = time.monotonic()
    results = run_checks(display="--no-display" not in args)
    if "--json" in args:
        json.dump({"checks": results, "seconds": round(time.monotonic() - t0, 2),
                   "bundled": launcher.is_frozen()}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_checklist(results)
    return EXIT_FAILED if any(r["status"] == FAIL for r in results) else EXIT_OK
