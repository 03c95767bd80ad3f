"""Give the memory of the last run back to the system when the next one starts.

A big run (a million-iteration race: 4M events, its spans, trace columns and verdict) took
the window from 139 MB to 1.6 GB; once the next small run had replaced every array of it,
the window still held 276 MB.  No Python object kept the old run (tracemalloc: the current
event store and import-time objects only); glibc's allocator kept the freed pages in its
heap and in the arenas of the threads that decoded and analysed the run.  malloc_trim(0)
returns them (276 -> 201 MB, measured).  Only on glibc (Linux): elsewhere this does nothing.

From the first run on, every block of WINDOW_MMAP_THRESHOLD or more is mapped and
unmapped whole (engine/allocator.py; the CLI maps from 1 MiB): the heap then holds no
run-sized hole for malloc_trim to miss.  After a million-iteration race and the next small
run the window came back to 1.38-1.41x its idle size with malloc_trim alone, 1.03-1.04x
with blocks from 1 MiB mapped, 1.07x from 16 MiB (tests/gui/test_memory.py's script).
"""
import ctypes
import ctypes.util
import gc
import threading

from engine.allocator import map_big_blocks

# Blocks this big or bigger are mapped on their own.  Not the CLI's 1 MiB: the live
# window's per-frame arrays of a few MB would then be mapped and faulted in anew every
# frame (bench gui-latency, live race of 8M events: heartbeat p99 830-938 ms at 1 MiB,
# 204-294 ms at 16 MiB or with glibc's own moving threshold).
WINDOW_MMAP_THRESHOLD = 16 << 20

_libc = None


def _glibc():
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
            _libc = lib if lib is not None and hasattr(lib, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc or None


def release_freed_memory() -> bool:
    """Collect unreachable cycles, then hand the allocator's free pages back to the system.
    True if the allocator could be asked (glibc)."""
    map_big_blocks(WINDOW_MMAP_THRESHOLD)
    gc.collect()
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def release_after(thread) -> None:
    """Hand back the pages of a thread's work that nobody wants any more, once it ends.

    A big run's trace or steps still being built when the next run starts (and its arrays
    dropped) would free them after that run's release_freed_memory: the window kept
    ~800 MB after a million-iteration race.  A watcher joins the thread, then trims (no
    gc.collect there: a collection off the GUI thread could finalise Qt objects)."""
    if thread is None or not thread.is_alive():
        return

    def trim() -> None:
        thread.join()
        libc = _glibc()
        if libc is not None:
            libc.malloc_trim(0)

    threading.Thread(target=trim, name="gilscope-release", daemon=True).start()
