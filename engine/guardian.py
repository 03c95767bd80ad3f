"""Finding and killing every process a run started.  Standard library only.

The guardian is the runner script's own parent half (see runner.py): single
threaded, runs no scenario code, a child subreaper, so every process the run
starts, however it detaches (double fork, setsid), stays its descendant.  One
kill procedure serves every trigger (docs/ARCHITECTURE.md "Measured design rules",
Orphans: zero survivors in ~1,700 measured runs, 0.04 s median stop).

Platforms: Linux is covered here (/proc, prctl).  macOS has no subreaper,
PDEATHSIG or /proc: there the same guardian would watch the GUI with kqueue
NOTE_EXIT and sweep by run id (``processes_with_run_id`` via sysctl/psutil);
Windows would put the runner in a job object with kill-on-job-close.  Neither
is built yet: ``supported()`` says so and the Session refuses to start a run.
"""
import ctypes
import ctypes.util
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
TRACKER_GRACE_S = 0.3  # time the resource tracker gets to unlink shm/semaphores
RUN_ID_ENV = "GILSCOPE_RUN_ID"
# Children this process started itself and waits for (guardians, interpreter probes): an
# adopted-orphan sweep never touches or reaps them.
own_children = set()


def supported() -> bool:
    return sys.platform.startswith("linux")


_libc = []


def _load_libc():
    """libc, loaded once.  "libc.so.6" first: ctypes.util.find_library runs ldconfig (a
    subprocess) on every call, which a Session would otherwise pay at every start."""
    if not _libc:
        try:
            _libc.append(ctypes.CDLL("libc.so.6", use_errno=True))
        except OSError:
            _libc.append(ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True))
    return _libc[0]


def _prctl(option: int, value: int) -> bool:
    try:
        return _load_libc().prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError):
        return False


def become_subreaper() -> bool:
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_parent_death_signal(sig: int) -> bool:
    return _prctl(PR_SET_PDEATHSIG, int(sig))


def _proc_table(with_start: bool = False):
    """{pid: (ppid, state)} for every process, read from /proc (with_start: (ppid, state, start))."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(b")") + 2:].split()
        if with_start:  # field 22 of /proc/PID/stat: start time in clock ticks after boot
            table[int(entry)] = (int(fields[1]), fields[0], int(fields[19]))
        else:
            table[int(entry)] = (int(fields[1]), fields[0])
    return table


def descendants(root: int, table=None):
    """Live (non-zombie) descendants of root, via /proc ppid links."""
    table = _proc_table() if table is None else table
    children = {}
    for pid, row in table.items():
        children.setdefault(row[0], []).append(pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        if table[pid][1] != b"Z":
            found.append(pid)
    return found


def start_time(pid: int) -> int:
    """When pid started, in clock ticks after boot (-1 if it is gone): pid plus this names a process."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        return int(stat[stat.rfind(b")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return -1


def state_of(pid: int) -> bytes:
    """The one-letter state of pid (b"T": stopped, b"Z": zombie), b"" if it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        return stat[stat.rfind(b")") + 2:].split()[0]
    except (OSError, IndexError):
        return b""


def adopted_orphans(since: int, not_these=()) -> list:
    """Processes reparented to this process (a child subreaper) and all they started.

    When a run's guardian dies unasked, every process of its run is reparented to
    the nearest living subreaper ancestor: the Session's process, which becomes a
    subreaper for that reason.  They are found by that link, whatever they did to
    their environment, session or process group.  since: the guardian's start
    time; a child of ours started before it, or named in not_these (children this
    process started itself), is not the run's.  Live processes only.
    """
    me = os.getpid()
    table = _proc_table(with_start=True)
    found = []
    for pid, (ppid, state, started) in table.items():
        if ppid != me or pid in not_these or started < since:
            continue
        if state != b"Z":
            found.append(pid)
        found.extend(descendants(pid, table))
    return found


def reap_adopted(since: int, not_these=()) -> int:
    """Collect exited adopted orphans (same rule as adopted_orphans), never our own children."""
    me, reaped = os.getpid(), 0
    for pid, (ppid, state, started) in _proc_table(with_start=True).items():
        if ppid == me and state == b"Z" and pid not in not_these and started >= since:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    reaped += 1
            except ChildProcessError:
                pass
    return reaped


def _cmdline(pid: int) -> bytes:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def is_resource_tracker(pid: int) -> bool:
    return b"resource_tracker" in _cmdline(pid)


def processes_with_run_id(run_id: str):
    """Every live process whose environment carries this run's id (any parent)."""
    needle = ("%s=%s\0" % (RUN_ID_ENV, run_id)).encode()
    found = []
    for pid, (_, state) in _proc_table().items():
        if state == b"Z" or pid == os.getpid():
            continue
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read() + b"\0"
        except OSError:
            continue
        if needle in env:
            found.append(pid)
    return found


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass  # already gone


def reap() -> dict:
    """Collect every exited child (adopted orphans too): {pid: wait status}."""
    done = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done[pid] = status


def kill_all(find, kill_group=None, reap_children=True) -> int:
    """SIGKILL everything find() returns until a pass finds nothing.

    find: () -> list of pids.  kill_group: a process group to SIGKILL first, in one
    system call: a process with SIGKILL pending can neither fork nor run another
    instruction of its own, so a spawn storm stops at once, and the killer is not
    pre-empted by each dying process as it is when it signals hundreds one at a time
    (measured: 0.4-1.5 s between two passes over ~520 processes at load 40).  The
    group must not hold a resource tracker (the runner starts its tracker outside the
    run's group).  A resource tracker found by the walk is spared for up to
    TRACKER_GRACE_S so it can unlink shared memory and semaphores (killing it leaks
    /dev/shm entries until reboot).  Returns the number of kills sent.
    """
    if kill_group is not None:
        try:
            os.killpg(kill_group, signal.SIGKILL)
        except OSError:
            pass
    kills, tracker_deadline = 0, None
    tracker_of = {}  # pid -> is it a resource tracker: its command line is read once, not per pass
    while True:
        if reap_children:
            reap()
        pids = find()
        if not pids:
            return kills
        for pid in pids:
            if pid not in tracker_of:
                tracker_of[pid] = is_resource_tracker(pid)
        trackers = [p for p in pids if tracker_of[p]]
        others = [p for p in pids if p not in trackers]
        for pid in others:
            _signal(pid, signal.SIGKILL)
            kills += 1
        for pid in trackers:
            _signal(pid, signal.SIGCONT)  # it was frozen with the group
        if trackers and not others:
            if tracker_deadline is None:
                tracker_deadline = time.monotonic() + TRACKER_GRACE_S
            elif time.monotonic() > tracker_deadline:
                for pid in trackers:
                    _signal(pid, signal.SIGKILL)
                    kills += 1
        time.sleep(0.005)


def exit_code_of(status: int) -> int:
    """A wait status as a shell-style exit code (128 + signal for a kill)."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)
