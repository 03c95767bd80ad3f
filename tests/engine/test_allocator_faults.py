"""engine/allocator.py: mapping big blocks on their own must not make the analysis's chunk
temporaries fault in anew each chunk.

With glibc's mmap threshold fixed and its trim threshold left at 128 KiB, each 512 KiB
temporary freed at the heap's top was handed back and faulted in again by the next chunk:
the verdict of an 8.0M-event race took 81,000-90,000 page faults instead of ~5,600 and
1.12 s instead of 0.72 s (bench scale).  Page faults are counted (getrusage), not timed:
a loaded machine does not change them.  Each case runs in a fresh interpreter, since the
allocator's settings are once per process."""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_PROBE = r"""
import json, resource, sys
import numpy as np
from engine import access_index, allocator, lost_updates
mapped = allocator.map_big_blocks(int(sys.argv[1]))
chunk_bytes = max(access_index.CHUNK, lost_updates.CHUNK) * 8  # an int64 per event of a chunk

def faults_per_round(nbytes, rounds):
    keep = np.ones(1000)  # something live below, as in the analysis
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        tmp = np.empty(nbytes // 8, np.int64)
        tmp.fill(1)  # every page touched, as a gather or a mask does
        del tmp
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / rounds

faults_per_round(chunk_bytes, 3)  # the heap grown once
print(json.dumps({"mapped": mapped, "pages": chunk_bytes // 4096,
                  "chunk": faults_per_round(chunk_bytes, 200),
                  "big": faults_per_round(2 * int(sys.argv[1]), 5)}))
"""


def _probe(threshold: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(threshold)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator (Linux)")
@pytest.mark.parametrize("threshold", [1 << 20, 16 << 20], ids=["cli-1MiB", "window-16MiB"])
def test_chunk_temporaries_are_not_faulted_in_anew_each_chunk(threshold):
    found = _probe(threshold)
    if not found["mapped"]:
        pytest.skip("this libc has no mallopt (not glibc)")
    # The control: a block above the threshold is mapped fresh each time, so it faults in
    # every round (fewer faults than pages where the kernel backs it with huge pages).
    assert found["big"] >= 8, found
    # A chunk's temporary reuses the heap's pages: none faulted in steady state.  Before
    # the fix every round faulted all of its 128 pages in again (or, with huge pages, one).
    assert found["chunk"] <= 0.1, found
