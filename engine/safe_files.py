"""Writing a file the user named: all of it or nothing, through a temporary file nobody can plant.

Every output gilscope writes (--json, --trace, --save, bench results) goes
through ``replaced_atomically``: the bytes go to a new file created with
O_EXCL under an unpredictable name in the target's folder (``tempfile.mkstemp``),
which then replaces the target with one ``os.replace``.  So a reader never sees
half a file, an interrupted or failed write leaves the old file (or none) and
no temporary behind, and a symlink planted at a guessable name such as
``PATH.tmp`` is never followed (the old code opened ``PATH + ".tmp"`` with
O_TRUNC and wrote through such a link onto its target).

A target that exists and is not a regular file (``/dev/null``, ``/dev/stdout``,
a named pipe) is written in place: replacing it would put a regular file where a
device was (as root, ``--json /dev/null`` once turned the machine's /dev/null
into a file).  A symbolic link the user named is followed, as open() follows it:
its target is replaced, the link stays.
"""
import contextlib
import fcntl
import os
import stat
import tempfile

_DEFAULT_UMASK = 0o022


def current_umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _DEFAULT_UMASK


@contextlib.contextmanager
def replaced_atomically(path: str, mode: str = "w", encoding: str = "utf-8", buffering: int = -1):
    """Yield a file object; on a clean exit its content replaces path, else it is removed.

    The new file gets the permissions a plain open() would have given it
    (0666 less the umask), not mkstemp's 0600, so saving works as users expect.
    """
    if "b" in mode:
        encoding = None
    try:
        kind = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        kind = None
    if kind is not None and stat.S_ISDIR(kind):
        raise IsADirectoryError(21, "is a folder", path)
    if kind is not None and not stat.S_ISREG(kind):
        with _written_in_place(path, kind, mode, encoding, buffering) as f:
            yield f
        return
    path = os.path.realpath(path)  # a link the user named: replace its target, keep the link
    folder = os.path.dirname(os.path.abspath(path))
    prefix = "." + os.path.basename(path)[:80] + "."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode, buffering=buffering, encoding=encoding) as f:
            fd = -1  # owned by f from here on
            yield f
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _written_in_place(path: str, kind: int, mode: str, encoding, buffering: int):
    """A device, pipe or socket: opened for writing as it is (nothing to replace).

    A named pipe is opened without waiting: with no reader the open fails at once
    (ENXIO, "No such device or address") instead of hanging the command."""
    flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    if stat.S_ISFIFO(kind):
        fd = os.open(path, flags | os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    else:
        fd = os.open(path, flags)
    with os.fdopen(fd, mode, buffering=buffering, encoding=encoding) as f:
        yield f
