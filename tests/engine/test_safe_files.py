"""Files gilscope writes are created safely (issue 12, part 4).

`--save PATH` used to write PATH + ".tmp" with open(..., "wb"): a symlink planted
at that predictable name was followed and its target overwritten.  Every output
now goes through engine/safe_files.py: an exclusive, unpredictable temporary
file in the target's folder, renamed over the target.
"""
import ast
import os
import stat
import threading
import time

import pytest

from engine import safe_files
from tests.engine.helpers import ROOT, gilscope


def test_a_planted_tmp_symlink_is_not_followed_by_save(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "r.gilscope"
    for name in ("r.gilscope.tmp", "r.json.tmp", "t.json.tmp"):
        os.symlink(victim, tmp_path / name)  # every name the old code would have used
    out = gilscope("run", "race", "--set", "iterations=100", "--save", str(target),
                   "--json", str(tmp_path / "r.json"), "--trace", str(tmp_path / "t.json"))
    assert out.returncode == 0, out.stderr
    assert victim.read_text() == "precious\n"  # old code: the recording was written into it
    assert target.read_bytes().startswith(b"GSCP")


def test_the_new_file_gets_the_permissions_open_would_give(tmp_path):
    old = os.umask(0o027)
    try:
        with safe_files.replaced_atomically(str(tmp_path / "out.json")) as f:
            f.write("{}")
    finally:
        os.umask(old)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o640


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old\n")
    with pytest.raises(RuntimeError):
        with safe_files.replaced_atomically(str(path)) as f:
            f.write("half")
            raise RuntimeError("disk full, say")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


WRITE_MODES = ("w", "wb", "a", "ab", "x", "xb", "w+", "wb+", "r+", "rb+")
# Folders whose code writes files the user named; a scenario writes only inside its own
# private temporary folder (a lesson's `open(..., "w")` is the blog post's code).
CHECKED = ("engine", "gui", "bench")
EXEMPT = {"engine/safe_files.py"}


def _writes(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open" and not (
                node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, int)):  # open(1, "w"): a standard stream
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and mode.value in WRITE_MODES:
                yield node.lineno


def test_no_file_is_opened_for_writing_outside_safe_files():
    found = []
    for top in CHECKED:
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            if os.sep + "scenarios" in folder:
                continue
            for name in names:
                if name.endswith(".py"):
                    rel = os.path.relpath(os.path.join(folder, name), ROOT)
                    if rel not in EXEMPT:
                        found += ["%s:%d" % (rel, line) for line in _writes(os.path.join(folder, name))]
    assert found == [], "write through engine.safe_files.replaced_atomically: %s" % found


def _private_null_device(tmp_path):
    """A node like /dev/null at a private path: the real one must never be at stake."""
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (CI runs as root)")
    return node


def test_a_device_is_written_in_place_not_replaced_by_a_file(tmp_path):
    # Before: `run ... --json /dev/null` as root replaced the machine's /dev/null by a file.
    node = _private_null_device(tmp_path)
    out = gilscope("run", "race", "--set", "iterations=100", "--json", str(node))
    assert out.returncode == 0, out.stderr
    assert stat.S_ISCHR(node.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temporary left


def test_a_named_pipe_is_written_in_place_and_without_a_reader_fails_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError):  # no reader: ENXIO at once, not a hang
        with safe_files.replaced_atomically(str(fifo)) as f:
            f.write("never")
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    deadline = time.monotonic() + 10
    while True:  # the reader's open() must come first, or ours fails as above
        try:
            with safe_files.replaced_atomically(str(fifo)) as f:
                f.write("through the pipe")
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    reader.join(10)
    assert got == ["through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_link_the_user_named_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    os.symlink(real, link)
    with safe_files.replaced_atomically(str(link)) as f:
        f.write("new")
    assert os.path.islink(link) and real.read_text() == "new"


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        with safe_files.replaced_atomically(str(tmp_path)) as f:
            f.write("x")
