"""Chrome Trace Event JSON that shows in Perfetto (and chrome://tracing) what the window shows.  [numpy]

Tracks, top to bottom as the window has them (program order):

- a process per process of the run, named as the window names it (MainProcess,
  PROCESS1, PoolWorker-4242); a thread track per lane, named like the lane;
- on each lane: its states as slices (``done`` is a mark where the worker
  ended, not a slice to the end of the trace), and each shared-variable read
  and write and each lock request, acquire and release as a zero-length mark;
- flows: from each stale read to the write that overwrote other lanes' updates
  with it (a lost update), and from each lock release to the next acquire of
  that lock by another lane (a hand-off);
- pool tasks and the scenario's phases on tracks of their own ("tasks",
  "phases"), so they never overlap the lane's state slices;
- counters: each shared variable's value per process, one depth track per
  queue (named after it, under the run's main process), each core's load;
- errors and printed lines as instant events on their lane.

The text is built with numpy a block of records at a time (engine/json_rows.py)
and streamed to the file, so an export of millions of events neither calls
json.dumps per event nor builds the whole text in memory.  A file is written
through a new temporary file (O_EXCL, unpredictable name) that replaces the
target only when complete.
"""
import json
import sys

import numpy as np

from . import safe_files
from .analysis import lane_keys, lost_updates
from .json_rows import Rows, json_string
from .wire import K, S, STATE_NAMES

TASKS_TID = 1_000_000    # thread ids of the "tasks" tracks: no lane has a worker id this high
PHASES_TID = 2_000_000   # and of the "phases" tracks
CPU_PID = 0              # the sampled per-core load: a process of its own
ACCESS_KINDS = (K.VAR_READ, K.VAR_WRITE)
LOCK_KINDS = (K.LOCK_REQUEST, K.LOCK_ACQUIRED, K.LOCK_RELEASE)
LOCK_VERBS = {K.LOCK_REQUEST: "request", K.LOCK_ACQUIRED: "acquire", K.LOCK_RELEASE: "release"}
_END = b'{"ph":"M","name":"process_name","pid":0,"tid":0,"args":{"name":"CPU (sampled)"}}\n]}\n'


def write_chrome_trace(view, path: str, phase_labels: dict = None) -> int:
    """Write the trace of a RunView to path (- for standard output); return the bytes written.

    phase_labels: phase name -> label (the scenario's ``phases``, English);
    other phases keep their recorded name.
    """
    if path == "-":
        out = sys.stdout.buffer
        total = sum(out.write(block) for block in trace_blocks(view, phase_labels))
        out.flush()
        return total
    with safe_files.replaced_atomically(path, "wb", buffering=1 << 20) as out:
        return sum(out.write(block) for block in trace_blocks(view, phase_labels))


def phase_labels(scenario) -> dict:
    """The scenario's phase name -> its English label (the window's phase marks)."""
    return {name: label["en"] for name, label in getattr(scenario, "phases", {}).items()}


def trace_blocks(view, phase_labels: dict = None):
    """The trace's JSON text as a sequence of bytes blocks (each record ends with ",\\n")."""
    yield b'{"traceEvents":[\n'
    lanes = view.lanes()
    flows = _FlowIds()
    yield _metadata(view, lanes)
    yield from _states(view, lanes)
    yield from _accesses(view, flows)
    yield from _locks(view, flows)
    yield from _counters(view)
    yield from _tasks(view)
    yield _phases(view, phase_labels or {})
    yield _texts(view)
    yield _END


# -- helpers -------------------------------------------------------------------
def _record(**fields) -> bytes:
    """One record's JSON, for the few records that are not worth a Rows (names, texts)."""
    parts = []
    for key, value in fields.items():
        if isinstance(value, dict):
            inner = ",".join(json_string(k).decode() + ":" + _scalar(v) for k, v in value.items())
            parts.append('"%s":{%s}' % (key, inner))
        else:
            parts.append('"%s":%s' % (key, _scalar(value)))
    return ("{" + ",".join(parts) + "},\n").encode("utf-8")


class _Number(str):
    """Text written as it is: a number already formatted (microseconds with decimals)."""


def _scalar(value) -> str:
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return json_string(value).decode("utf-8")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(int(value))


def _micros(ns: int) -> _Number:
    return _Number("%d.%03d" % divmod(int(ns), 1000))


def _names(view, ev: np.ndarray, prefix_of=None):
    """(codes, JSON name table) for events named by their (pid, b) string: one lookup per
    distinct string id, not per event.  prefix_of(kind) prefixes the name by event kind."""
    keys = (ev["pid"].astype(np.int64) << 32) | (ev["b"].astype(np.int64) & 0xFFFFFFFF)
    if prefix_of is not None:
        keys = keys * 64 + ev["kind"].astype(np.int64)
    uniq, codes = np.unique(keys, return_inverse=True)
    table = []
    for key in uniq.tolist():
        kind = key % 64 if prefix_of is not None else None
        k = key // 64 if prefix_of is not None else key
        name = view.name(k >> 32, k & 0xFFFFFFFF)
        table.append(json_string(prefix_of(kind) + name if prefix_of else name))
    return codes, table


def _distinct_names(view, ev: np.ndarray) -> list:
    """The names events' (pid, b) string ids stand for, sorted (the same name in two processes once)."""
    keys = np.unique((ev["pid"].astype(np.int64) << 32) | (ev["b"].astype(np.int64) & 0xFFFFFFFF))
    return sorted({view.name(k >> 32, k & 0xFFFFFFFF) for k in keys.tolist()})


# -- sections ------------------------------------------------------------------
def _metadata(view, lanes: list) -> bytes:
    out = []
    for pid, name in view.processes():
        out.append(_record(ph="M", name="process_name", pid=pid, tid=0, args={"name": name}))
    for pid, worker, label in lanes:
        out.append(_record(ph="M", name="thread_name", pid=pid, tid=worker,
                           args={"name": label.rsplit(" · pid ", 1)[0]}))
    return b"".join(out)


def _states(view, lanes: list):
    spans = view.spans()
    n = len(spans["lane"])
    if not n:
        return
    done = spans["state"] == S.DONE
    # One mark where each lane ended: its first done span.  A lane may show done more than
    # once (done, then the exit; a measured state laid out after the probe's done).
    again = done.copy()
    done_at = np.flatnonzero(done)
    _, first = np.unique(spans["lane"][done_at], return_index=True)
    again[done_at[first]] = False
    if again.any():
        spans = {k: v[~again] for k, v in spans.items() if k != "labels"}
        done, n = done[~again], n - int(again.sum())
    pids = np.array([pid for pid, _, _ in lanes], np.int64)[spans["lane"]]
    tids = np.array([w for _, w, _ in lanes], np.int64)[spans["lane"]]
    dur = spans["t1"] - spans["t0"]
    dur[done] = 0  # the lane ended here: a mark, not a slice to the end of the trace
    table = [json_string(STATE_NAMES.get(code, "?")) for code in range(max(STATE_NAMES) + 1)]
    rows = (Rows(n).text('{"ph":"X","cat":"state","name":').choice(spans["state"], table)
            .text(',"pid":').integers(pids).text(',"tid":').integers(tids)
            .text(',"ts":').micros(spans["t0"] - view.t_start).text(',"dur":').micros(dur)
            .text('},\n'))
    yield from rows.blocks()


def _marks(view, ev, cat: str, codes, table, flow_ids=None, flow_dir: str = "", value=False):
    """Zero-length slices on the events' lanes (value: with the event's a as an argument)."""
    rows = (Rows(len(ev)).text('{"ph":"X","cat":"%s","name":' % cat).choice(codes, table)
            .text(',"pid":').integers(ev["pid"]).text(',"tid":').integers(ev["worker"])
            .text(',"ts":').micros(ev["t"] - view.t_start).text(',"dur":0'))
    if flow_ids is not None:
        rows.text(',"bind_id":').integers(flow_ids).text(',"flow_%s":true' % flow_dir)
    if value:
        rows.text(',"args":{"value":').integers(ev["a"]).text('}')
    return rows.text('},\n').blocks()


class _FlowIds:
    """Flow ids, unique in one trace."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, n: int) -> np.ndarray:
        ids = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return ids


def _accesses(view, flows: _FlowIds):
    """Reads and writes as marks; each lost update a flow from its stale read to its write."""
    acc = view.of_kind(*ACCESS_KINDS)
    if not len(acc):
        return
    codes, table = _names(view, acc, lambda kind: "write " if kind == K.VAR_WRITE else "read ")
    # each variable's lost updates, as indexes into acc (its accesses keep acc's time order)
    source, target = [], []
    for name in _distinct_names(view, acc):
        where = np.flatnonzero(view._is_named(acc, name))
        found = lost_updates(acc[where])
        source.append(where[found["read"]])
        target.append(where[found["write"]])
    source = np.concatenate(source) if source else np.zeros(0, np.int64)
    target = np.concatenate(target) if target else np.zeros(0, np.int64)
    source, first = np.unique(source, return_index=True)  # a read feeds one flow (two writes: the first)
    target = target[first]
    ids = flows.take(len(source))
    plain = np.ones(len(acc), bool)
    plain[source] = plain[target] = False
    yield from _marks(view, acc[plain], "access", codes[plain], table, value=True)
    stale = [t[:-1] + b' (stale)"' for t in table]
    lost = [t[:-1] + b' (lost update)"' for t in table]
    yield from _marks(view, acc[source], "lost update", codes[source], stale, ids, "out", True)
    yield from _marks(view, acc[target], "lost update", codes[target], lost, ids, "in", True)


def _locks(view, flows: _FlowIds):
    """Lock requests, acquires and releases as marks; a flow from each release to the next
    acquire of the same lock (by name) on another lane: the hand-off."""
    ev = view.of_kind(*LOCK_KINDS)
    if not len(ev):
        return
    codes, table = _names(view, ev, lambda kind: LOCK_VERBS[kind] + " ")
    keys = lane_keys(ev)
    source, target = [], []
    for name in _distinct_names(view, ev):
        mine = view._is_named(ev, name)
        rel = np.flatnonzero(mine & (ev["kind"] == K.LOCK_RELEASE))
        acq = np.flatnonzero(mine & (ev["kind"] == K.LOCK_ACQUIRED))
        if not len(rel) or not len(acq):
            continue
        nxt = np.searchsorted(ev["t"][acq], ev["t"][rel], side="left")
        ok = nxt < len(acq)
        rel, nxt = rel[ok], acq[nxt[ok]]
        other = keys[rel] != keys[nxt]
        rel, nxt = rel[other], nxt[other]
        # several releases before one acquire: the last one handed the lock over
        nxt_rev, last = np.unique(nxt[::-1], return_index=True)
        source.append(rel[::-1][last])
        target.append(nxt_rev)
    source = np.concatenate(source) if source else np.zeros(0, np.int64)
    target = np.concatenate(target) if target else np.zeros(0, np.int64)
    ids = flows.take(len(source))
    plain = np.ones(len(ev), bool)
    plain[source] = plain[target] = False
    yield from _marks(view, ev[plain], "lock", codes[plain], table)
    yield from _marks(view, ev[source], "lock hand-off", codes[source], table, ids, "out")
    yield from _marks(view, ev[target], "lock hand-off", codes[target], table, ids, "in")


def _counters(view):
    """Variables' values per process, one depth track per queue, each core's load."""
    writes = view.of_kind(K.VAR_WRITE)
    if len(writes):
        codes, table = _names(view, writes)
        yield from (Rows(len(writes)).text('{"ph":"C","name":').choice(codes, table)
                    .text(',"pid":').integers(writes["pid"]).text(',"ts":')
                    .micros(writes["t"] - view.t_start).text(',"args":{"value":')
                    .integers(writes["a"]).text('}},\n').blocks())
    queue_ev = view.of_kind(K.QUEUE_PUT, K.QUEUE_GET)
    if len(queue_ev):
        main_pid = view.processes()[0][0] if view.lanes() else int(queue_ev["pid"][0])
        codes, table = _names(view, queue_ev)
        # one track per queue name, whichever process put or got: the window's queue plot
        by_name = sorted(set(table))
        index = {t: i for i, t in enumerate(by_name)}
        codes = np.array([index[t] for t in table], np.intp)[codes]
        # Perfetto names the track 'queue "NAME" depth' (the event's name, then the argument's)
        tracks = [json_string('queue "%s"' % view_name) for view_name in
                  (json.loads(t) for t in by_name)]
        yield from (Rows(len(queue_ev)).text('{"ph":"C","name":').choice(codes, tracks)
                    .text(',"pid":%d,"ts":' % main_pid).micros(queue_ev["t"] - view.t_start)
                    .text(',"args":{"depth":').integers(queue_ev["a"]).text('}},\n').blocks())
    times, cores, loads = view.cpu_samples()
    if len(times):
        load = view.of_kind(K.CPU_SAMPLE)["a"]  # 1/100 %
        keys = [json_string("core %d" % c) for c in range(int(cores.max()) + 1)]
        yield from (Rows(len(times)).text('{"ph":"C","name":"cpu load %%","pid":%d,"ts":' % CPU_PID)
                    .micros(times - view.t_start).text(',"args":{').choice(cores, keys).text(':')
                    .integers(load // 100).text('.').integers(load % 100 // 10)
                    .integers(load % 10).text('}},\n').blocks())


def _rows_apart(t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """A track row per interval such that intervals on one row never overlap (greedy, by start)."""
    row = np.zeros(len(t0), np.int64)
    ends = []
    for i in np.argsort(t0, kind="stable").tolist():
        for r, end in enumerate(ends):
            if end <= t0[i]:
                break
        else:
            r = len(ends)
            ends.append(0)
        ends[r] = int(t1[i])
        row[i] = r
    return row


def _tasks(view):
    tasks = view.tasks()
    n = len(tasks["pid"])
    if not n:
        return
    tids = np.zeros(n, np.int64)
    names = []
    for pid in np.unique(tasks["pid"]).tolist():
        mine = np.flatnonzero(tasks["pid"] == pid)
        tids[mine] = TASKS_TID + _rows_apart(tasks["t0"][mine], tasks["t1"][mine])
        for tid in np.unique(tids[mine]).tolist():
            label = "tasks" if tid == TASKS_TID else "tasks %d" % (tid - TASKS_TID + 1)
            names.append(_record(ph="M", name="thread_name", pid=pid, tid=tid, args={"name": label}))
    yield b"".join(names)
    yield from (Rows(n).text('{"ph":"X","cat":"task","name":"task ').integers(tasks["arg"])
                .text('","pid":').integers(tasks["pid"]).text(',"tid":').integers(tids)
                .text(',"ts":').micros(tasks["t0"] - view.t_start)
                .text(',"dur":').micros(tasks["t1"] - tasks["t0"])
                .text(',"args":{"argument":').integers(tasks["arg"])
                .text(',"result":').integers(tasks["result"]).text('}},\n').blocks())


def _phases(view, labels: dict) -> bytes:
    """Each phase a slice from its begin to its end on a "phases" track of its process."""
    ev = view.of_kind(K.PHASE_BEGIN, K.PHASE_END)
    open_at, found = {}, []
    for t, pid, worker, kind, b in zip(ev["t"].tolist(), ev["pid"].tolist(), ev["worker"].tolist(),
                                       ev["kind"].tolist(), ev["b"].tolist()):
        key = (pid, worker, b)
        if kind == K.PHASE_BEGIN:
            open_at.setdefault(key, []).append(t)
        elif open_at.get(key):
            found.append((pid, open_at[key].pop(), t, view.name(pid, b)))
    for (pid, _, b), starts in open_at.items():  # never ended (a stopped run): up to the last event
        found.extend((pid, t, max(t, view.t_end), view.name(pid, b)) for t in starts)
    out = []
    for pid in sorted({f[0] for f in found}):
        mine = [f for f in found if f[0] == pid]
        rows = _rows_apart(np.array([f[1] for f in mine]), np.array([f[2] for f in mine]))
        for tid in sorted(set(rows.tolist())):
            out.append(_record(ph="M", name="thread_name", pid=pid, tid=PHASES_TID + tid,
                               args={"name": "phases"}))
        for (_, t0, t1, name), row in zip(mine, rows.tolist()):
            label = labels.get(name, name)
            out.append(_record(ph="X", cat="phase", name=label, pid=pid, tid=PHASES_TID + row,
                               ts=_micros(t0 - view.t_start), dur=_micros(t1 - t0),
                               args={"phase": name}))
    return b"".join(out)


def _texts(view) -> bytes:
    out = []
    for kind, label in ((K.ERROR, "error"), (K.OUTPUT, "print")):
        for t, pid, worker, text in view.texts(kind):
            out.append(_record(ph="i", s="t", cat=label, name=text[:80], pid=pid, tid=worker,
                               ts=_micros(t - view.t_start), args={"text": text}))
    return b"".join(out)
