"""Big arrays get their own pages from the system and give them back when freed.

glibc's malloc serves a block of 128 KiB or more with its own mmap, but each time such a
block is freed it raises that threshold to the block's size (up to 32 MiB).  After the
first freed temporary of an analysis, every array of a few MB (a bool or int32 column of
a million-event run) comes from the heap instead, and freed heap pages between live
blocks are kept, not returned: the CLI's resident set after a 3.2M-event race analysis was
17 B an event above what its live arrays needed (tracemalloc against VmRSS), and a later
save or question started from that.  Setting the threshold explicitly turns the moving
threshold off, so each array of 1 MiB or more is mapped and unmapped whole.

That turns glibc's moving *trim* threshold off too, and at its default of 128 KiB every
free that leaves more than that at the heap's top hands the top back to the system: the
next block there is faulted in anew, page by page.  The analysis's chunked passes make
and free a 512 KiB temporary per chunk of 64k events (engine/access_index.py,
engine/lost_updates.py, analysis._count_kinds), so each chunk faulted its temporaries in
again: the verdict of an 8.0M-event race took 81,000-90,000 page faults where glibc's own
policy took 5,600 (bench scale: verdict 1.12 s, 0.72 s before this module).  So the top
is kept up to twice the mmap threshold (glibc's own rule while its threshold moves):
9,800 faults.  Blocks that big are mapped anyway, and the window's malloc_trim(0)
(gui/memory.py) still hands back the rest.

glibc only (Linux); elsewhere, or where libc cannot be reached, this does nothing.
Does not touch Qt or numpy: the runner may import it too.
"""
import sys

MMAP_THRESHOLD = 1 << 20  # 1 MiB: a 1M-event temporary is 1-8 MB; smaller ones stay on the heap
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers (malloc.h)
_M_TRIM_THRESHOLD = -1
_done = []


def map_big_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Make glibc map every block of `threshold` bytes or more on its own and keep up to
    twice that free at its heap's top (once per process: the first call's threshold
    stays).  True if glibc accepted both."""
    if _done:
        return _done[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None)  # the process's own symbols: libc's, without a library search
            mallopt = getattr(libc, "mallopt", None)
            ok = bool(mallopt is not None and mallopt(_M_MMAP_THRESHOLD, threshold) == 1
                      and mallopt(_M_TRIM_THRESHOLD, 2 * threshold) == 1)
        except (OSError, AttributeError, ImportError):
            ok = False
    _done.append(ok)
    return ok
