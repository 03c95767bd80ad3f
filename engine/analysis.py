"""Pure functions over recorded events: lanes, spans, lost updates, figures.  [numpy]

RunView is what a scenario's verdict reads; it is built from arrays and a
string table, so it works the same on a live Session, a saved recording, or a
test's synthetic events.  Nothing here starts a process.
"""
import numpy as np

from . import wire
from .access_index import access_positions
from .lost_updates import access_columns, lost_updates_of
from .lost_updates import lost_updates as lost_updates_of_records
from .wire import K, S

# engine.analysis.lost_updates, as callers since round 1 know it (engine/lost_updates.py)
lost_updates = lost_updates_of_records

_LANE_KINDS = np.array([K.WORKER_START, K.STATE, K.WORKER_EXIT], np.uint16)
# A run whose Session measured its threads (engine/thread_sampler.py) draws lanes from
# measured_state events; the probe's own state events are what those were built from.
_MEASURED_LANE_KINDS = np.array([K.WORKER_START, K.MEASURED_STATE, K.WORKER_EXIT], np.uint16)
FEW_KEPT = 16384  # RunView.of_kind keeps answers up to this many events (512 KiB each)


def is_measured(events: np.ndarray) -> bool:
    """True when the Session measured this run's thread states (it marks the run first)."""
    return bool(np.any(events["kind"] == K.MEASURED_STATE))


def lane_kinds(measured: bool) -> np.ndarray:
    return _MEASURED_LANE_KINDS if measured else _LANE_KINDS


def lane_event_mask(events: np.ndarray, measured: bool) -> np.ndarray:
    """The events that make lanes (the sampler's own pid-0 marker never does)."""
    return np.isin(events["kind"], lane_kinds(measured)) & (events["pid"] != 0)


def lane_keys(events: np.ndarray) -> np.ndarray:
    """One uint64 per event naming its lane: pid in the high half, worker low."""
    return (events["pid"].astype(np.uint64) << np.uint64(32)) | events["worker"].astype(np.uint64)


def take(records: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """records[idx] for 32-byte event records, copied as rows of four uint64 with np.take
    (numpy copies a structured record field by field, and fancy indexing of rows goes
    through its generic iterator: 12.5 ms for 1M rows where np.take needs 2.9 ms)."""
    if records.dtype.itemsize % 8 or not records.flags.c_contiguous or not len(records):
        return records[idx]
    words = records.view(np.uint64).reshape(len(records), records.dtype.itemsize // 8)
    return np.take(words, idx, axis=0).view(records.dtype).reshape(-1)


class EventRows:
    """Some rows of an event array, named by an index (32-bit where it fits), in the order
    of that index: what ``RunView.accesses`` returns.

    A field is gathered when it is asked for (``rows["t"]``), so holding a variable's
    millions of accesses costs 4 B an access, not a 32-byte copy of each record (that
    copy was a third of the CLI's peak at 8M events, docs/ARCHITECTURE.md "Memory").
    Answers what the verdicts, the trace and the tests ask of an array of records:
    ``len``, a field, one record (``rows[i]``), a slice, mask or index array (more
    rows), iteration, ``numpy.asarray(rows)`` and ``tobytes()`` (a real copy).
    """

    def __init__(self, events: np.ndarray, index: np.ndarray) -> None:
        self.events = events
        small = len(events) < 2 ** 31 - 1
        self.index = index.astype(np.int32) if small and index.dtype != np.int32 else index

    @property
    def dtype(self) -> np.dtype:
        return self.events.dtype

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key):
        if isinstance(key, str):  # fancy indexing: np.take would copy the strided column whole
            return self.events[key][self.index]
        if isinstance(key, (int, np.integer)):
            return self.events[int(self.index[key])]
        return EventRows(self.events, self.index[key])

    def __iter__(self):
        for i in self.index.tolist():
            yield self.events[i]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        rows = take(self.events, self.index.astype(np.intp))
        return rows if dtype is None else rows.astype(dtype)

    def tobytes(self) -> bytes:
        return np.asarray(self).tobytes()


class RunView:
    """Read-only questions about one run, answered from its events."""

    def __init__(self, events: np.ndarray, strings: dict, messages=(), params=None,
                 interpreter=None, t_end: int = None, stopped: bool = False) -> None:
        self.strings = dict(strings)
        # True: the user stopped the run (Session.stop), so phases may have no end and
        # values written at the end are missing: verdicts say what was measured so far.
        self.stopped = bool(stopped)
        # The events as given (a live store is in arrival order, not time order).  Every
        # question takes its own events from these and puts only those in time order: a
        # sorted copy of the whole run (32 B an event, and the sort) is made only if someone
        # asks for ``events`` itself.  Selecting then sorting stably gives the same rows in
        # the same order as selecting from a stably sorted whole.
        # The kind column once, contiguous (2 B an event): every question starts by testing
        # it, and a strided test costs several times a contiguous one; with the count of
        # each kind, a question about a kind the run lacks touches nothing.  Counted before
        # the children's lanes are looked for: a run without a proc_spawn (most) skips that
        # strided pass over every event (0.19 s at 32M events).
        self._kind = np.ascontiguousarray(events["kind"])
        self._kind_count = _count_kinds(self._kind)
        self._raw = events
        if self._kind_count[K.PROC_SPAWN]:
            self._raw = _with_external_children(events, self.strings)
            if self._raw is not events:  # lanes were added: their kinds too
                self._kind = np.ascontiguousarray(self._raw["kind"])
                self._kind_count = _count_kinds(self._kind)
        self._in_order, first, last = _time_order_and_ends(self._raw["t"])
        self.messages = list(messages)
        self.params = params or {}
        self.interpreter = interpreter or {}
        self.t_start = first
        self._t_last = last
        self.t_end = int(t_end if t_end is not None else last)
        self.measured = bool(self._kind_count[K.MEASURED_STATE])

    @property
    def events(self) -> np.ndarray:
        """Every event in time order (a sorted copy of an unordered run, made once)."""
        cached = self.__dict__.get("_events")
        if cached is None:
            raw = self._raw
            cached = raw if self._in_order else take(raw, np.argsort(raw["t"], kind="stable"))
            self._events = cached
        return cached

    def __len__(self) -> int:
        return len(self._raw)

    def _select(self, mask: np.ndarray) -> np.ndarray:
        """The given events where mask is true, in time order (only they are sorted)."""
        idx = np.flatnonzero(mask)
        if not self._in_order and len(idx) > 1:
            idx = in_time_order(self._raw["t"], idx)
        return take(self._raw, idx)

    def where(self, mask_of) -> np.ndarray:
        """The events for which mask_of(events) is true, in time order."""
        if "_events" in self.__dict__:
            ev = self._events
            return ev[mask_of(ev)]
        return self._select(mask_of(self._raw))

    def _lane_events(self) -> np.ndarray:
        """The events lanes are made of, in time order (cached: lanes and spans ask)."""
        cached = self.__dict__.get("_lane_rows")
        if cached is None:
            mask = self._of_kinds_mask(lane_kinds(self.measured).tolist())
            if mask is None:
                cached = self._raw[:0]
            elif "_events" in self.__dict__:
                cached = self._events[lane_event_mask(self._events, self.measured)]
            else:
                cached = self._select(mask & (self._raw["pid"] != 0))
            self._lane_rows = cached
        return cached

    def _of_kinds_mask(self, kinds) -> np.ndarray:
        """Mask over the given events of those of these kinds (None: the run has none)."""
        present = [k for k in kinds if 0 <= k < len(self._kind_count) and self._kind_count[k]]
        if not present:
            return None
        return _kind_mask(self._kind, present)

    # -- basics ------------------------------------------------------------
    def name(self, pid, sid, default: str = "?") -> str:
        return self.strings.get((int(pid), int(sid)), default)

    def of_kind(self, *kinds) -> np.ndarray:
        """The events of these kinds, in time order (a new array: the caller may change it).

        A few (at most FEW_KEPT) are kept, keyed by kinds: the verdict, the window's end of
        run and the export ask for the same rare kinds (phases, starts, exits) again and
        again, and each ask was a pass over every event's kind (~5 ms at 8M events)."""
        kept = self.__dict__.setdefault("_few_of_kind", {})
        found = kept.get(kinds)
        if found is not None:
            return found.copy()
        mask = self._of_kinds_mask(kinds)
        if mask is None:
            return self._raw[:0]
        if "_events" in self.__dict__:
            ev = self._events
            found = ev[_kind_mask(ev["kind"], kinds)]
        else:
            found = self._select(mask)
        if len(found) <= FEW_KEPT:
            kept[kinds] = found.copy()
        return found

    def rows_of_kind(self, *kinds) -> "EventRows":
        """of_kind's events as EventRows, an index into the events (4 B a row, not a 32-byte
        copy): for a caller that keeps them, such as the window's step scrubber."""
        ev = self.__dict__.get("_events", self._raw)
        mask = self._of_kinds_mask(kinds)
        if mask is None:
            return EventRows(ev, np.zeros(0, np.int32))
        if ev is not self._raw:
            mask = _kind_mask(ev["kind"], kinds)
        idx = np.flatnonzero(mask)
        del mask
        if len(ev) < 2 ** 31 - 1:
            idx = idx.astype(np.int32)
        if ev is self._raw and not self._in_order and len(idx) > 1:
            idx = in_time_order(ev["t"], idx)
        return EventRows(ev, idx)

    def named(self, kind: int, name: str) -> np.ndarray:
        """Events of kind whose b is the string id of name (in its own process)."""
        ev = self.of_kind(kind)
        if not len(ev):
            return ev
        return ev[self._is_named(ev, name)]

    def _is_named_at(self, ev: np.ndarray, idx: np.ndarray, name: str) -> np.ndarray:
        """_is_named of ev[idx], reading only the two fields it needs."""
        fields = np.empty(len(idx), [("pid", ev.dtype["pid"]), ("b", ev.dtype["b"])])
        fields["pid"], fields["b"] = ev["pid"][idx], ev["b"][idx]  # strided: not np.take
        return self._is_named(fields, name)

    def _name_ids(self, name: str) -> list:
        """[(pid, string id)] of name in every process that interned it."""
        return [(p, s & 0xFFFFFFFF) for (p, s), text in self.strings.items() if text == name]

    def _is_named(self, ev: np.ndarray, name: str) -> np.ndarray:
        """Mask of events whose (pid, b) is a string id of name; vectorised (millions of accesses)."""
        ids = np.array([(p << 32) | s for p, s in self._name_ids(name)], np.int64)
        if len(ids) <= 4:  # a name has an id per process: a few comparisons beat a sort
            pid, sid = ev["pid"], ev["b"]
            hit = np.zeros(len(ev), bool)
            for key in ids.tolist():
                hit |= (pid == key >> 32) & (sid == key & 0xFFFFFFFF)
            return hit
        keys = (ev["pid"].astype(np.int64) << 32) | (ev["b"].astype(np.int64) & 0xFFFFFFFF)
        return np.isin(keys, ids)

    def count(self, kind: int, b: int = None) -> int:
        """Events of kind (with this b, if given): order does not matter, nothing is sorted."""
        if not 0 <= kind < len(self._kind_count) or not self._kind_count[kind]:
            return 0
        if b is None:
            return int(self._kind_count[kind])
        if self._kind_count[kind] * 8 < len(self._kind):  # few: test b at those alone
            return int(np.count_nonzero(self._raw["b"][np.flatnonzero(self._kind == kind)] == b))
        return int(np.count_nonzero((self._kind == kind) & (self._raw["b"] == b)))

    @property
    def gates(self) -> dict:
        """How a scheduled run was scheduled ({"mode": "step" | "schedule" | "replay",
        "steps": gates passed, "diverged": why a schedule was left, or ""}); {} if it was not."""
        for msg in self.messages:
            if msg.get("type") == "gates":
                return msg
        return {}

    @property
    def gil_disabled(self) -> bool:
        """True when the run's interpreter ran without a GIL (a free-threaded build)."""
        info = self.interpreter
        return bool(info.get("free_threaded_build")) and not info.get("gil_enabled", True)

    @property
    def wall_s(self) -> float:
        return (self.t_end - self.t_start) / 1e9

    # -- measured values -----------------------------------------------------
    def values(self, name: str) -> list:
        return [int(a) for a in self.named(K.VALUE, name)["a"]]

    def value(self, name: str, default=None):
        vals = self.values(name)
        return vals[-1] if vals else default

    def phase_wall_s(self, name: str) -> float:
        """Wall seconds from a phase's first begin to its last end (None if absent)."""
        begin, end = self.named(K.PHASE_BEGIN, name), self.named(K.PHASE_END, name)
        if not len(begin) or not len(end):
            return None
        return (int(end["t"].max()) - int(begin["t"].min())) / 1e9

    def phases_so_far(self) -> tuple:
        """([phases that began and ended], [phases that began, never ended]) in the order
        they began: what a stopped run got through."""
        begun = {}
        for _, pid, _, name in self.texts(K.PHASE_BEGIN):
            begun.setdefault(name, len(begun))
        ended = {name for _, _, _, name in self.texts(K.PHASE_END)}
        order = sorted(begun, key=begun.get)
        return [n for n in order if n in ended], [n for n in order if n not in ended]

    def texts(self, kind: int) -> list:
        ev = self.of_kind(kind)
        return [(int(t), int(p), int(w), self.name(p, b)) for t, p, w, b in
                zip(ev["t"], ev["pid"], ev["worker"], ev["b"])]

    def errors(self) -> list:
        return [text for _, _, _, text in self.texts(K.ERROR)]

    def outputs(self) -> list:
        return self.texts(K.OUTPUT)

    # -- lanes and spans -----------------------------------------------------
    def lanes(self) -> list:
        """[(pid, worker, label)] top to bottom, in order of appearance (see lane_order_key).

        Computed once per view (the trace export and the verdicts ask several times), with
        plain-int loops: 100 000 lanes take about a second, not one per call.
        """
        cached = self.__dict__.get("_lanes")
        if cached is not None:
            return list(cached)
        starts = self._lane_events()
        if not len(starts):
            return []
        keys = lane_keys(starts)
        _, first = np.unique(keys, return_index=True)
        names = {}
        ws = self.of_kind(K.WORKER_START)
        for pid, worker, sid in zip(ws["pid"].tolist(), ws["worker"].tolist(), ws["b"].tolist()):
            names[(pid, worker)] = self.strings.get((pid, sid), "?")
        spawned = spawn_times(self.of_kind(K.PROC_SPAWN, K.THREAD_SPAWN))
        first = np.sort(first)
        found = [(lane_order_key(pid, worker, t, spawned), pid, worker) for pid, worker, t in
                 zip(starts["pid"][first].tolist(), starts["worker"][first].tolist(),
                     starts["t"][first].tolist())]
        found.sort()
        self._lanes = [(pid, worker, "%s · pid %d" % (names.get((pid, worker), "?"), pid))
                       for _, pid, worker in found]
        return list(self._lanes)

    def processes(self) -> list:
        """[(pid, name)] in the lanes' order (program order), named as the window names them.

        A process the run started (a recorded process_start or proc_spawn) is
        called by its main lane's name: PROCESS1, PoolWorker-4242, sequential-0,
        cp.  The run's own process, which nothing started, is Python's
        MainProcess (its main lane is MainThread).
        """
        lanes = self.lanes()
        started = {int(p) for p in self.of_kind(K.PROCESS_START)["pid"]}
        started.update(int(p) for p in self.of_kind(K.PROC_SPAWN)["a"])
        found = {}
        for pid, worker, label in lanes:
            name = label.rsplit(" · pid ", 1)[0]
            if pid not in found or worker == 0:
                found[pid] = name if pid in started else "MainProcess"
        order = list(dict.fromkeys(pid for pid, _, _ in lanes))
        return [(pid, found[pid]) for pid in order]

    def spans(self):
        """Timeline spans: (lane, t0, t1, state) arrays sorted by lane then t0, and labels."""
        lane_events = self._lane_events()
        return spans_of(lane_events, self.lanes(), self.t_end, self.measured)

    def running_overlap(self, label_prefix: str) -> tuple:
        """(ns two or more of these lanes ran at the same instant, ns they ran in all).

        The lanes are those whose label starts with label_prefix ("THREAD", "PROCESS").
        A measure that holds on a loaded machine, unlike a wall-clock speedup: a lane is
        "running" only while its thread was on a CPU (the kernel's schedstat counters, read
        by the Session: engine/thread_sampler.py), so overlapping running spans mean two
        cores really worked at once, and two threads of one GIL process never do.
        """
        spans = self.spans()
        chosen = [i for i, label in enumerate(spans["labels"]) if label.startswith(label_prefix)]
        mask = np.isin(spans["lane"], chosen) & (spans["state"] == S.RUNNING)
        t0, t1 = spans["t0"][mask], spans["t1"][mask]
        return overlap_ns(t0, t1), int((t1 - t0).sum())

    def running_at_once_share(self, label_prefix: str):
        """Of the time at least one of these lanes ran, the share two or more ran at once.

        About 0 for the threads of one GIL process; near 1 for processes that had a core
        each.  None when none of these lanes ran."""
        spans = self.spans()
        chosen = [i for i, label in enumerate(spans["labels"]) if label.startswith(label_prefix)]
        mask = np.isin(spans["lane"], chosen) & (spans["state"] == S.RUNNING)
        t0, t1 = spans["t0"][mask], spans["t1"][mask]
        covered = covered_ns(t0, t1)
        return round(overlap_ns(t0, t1) / covered, 3) if covered else None

    def cpu_split(self):
        """Per CPU sample: time, core, busy %, and this run's % of it (NaN where the
        recording did not measure it: before the split was recorded)."""
        ev = self.of_kind(K.CPU_SAMPLE)
        mine = np.where(ev["aux"] > 0, (ev["aux"].astype(np.float64) - 1) / 100.0, np.nan)
        return ev["t"], ev["worker"], ev["a"] / 100.0, mine

    # -- shared variables ------------------------------------------------------
    def accesses(self, var: str) -> "EventRows":
        """One variable's reads and writes in time order (cached: verdicts ask twice), as
        EventRows: an index into the events, 4 B an access, never a copy of the records."""
        cache = self.__dict__.setdefault("_accesses", {})
        if var not in cache:
            ev = self.__dict__.get("_events", self._raw)
            raw = ev is self._raw
            # A chunk of the events at a time, each access written once, sorted in place
            # (engine/access_index.py): 8 B an access at the peak, 4 B held.
            idx = access_positions(
                ev, self._kind if raw else None, self._name_ids(var),
                lambda part, at: self._is_named_at(part, at, var),
                int(self._kind_count[K.VAR_READ] + self._kind_count[K.VAR_WRITE]),
                None if (self._in_order or not raw) else (self.t_start, self._t_last))
            cache[var] = EventRows(ev, idx)
        return cache[var]

    def final_value(self, var: str, default=None):
        acc = self.accesses(var)
        writes = np.flatnonzero(acc["kind"] == K.VAR_WRITE)
        return int(acc[int(writes[-1])]["a"]) if len(writes) else default

    def access_count(self, var: str) -> int:
        """len(accesses(var))."""
        return len(self.accesses(var))

    def _access_index(self, var: str) -> tuple:
        """(events, positions of var's reads and writes among them in time order)."""
        rows = self.accesses(var)
        return rows.events, rows.index

    def lost_updates(self, var: str) -> dict:
        """lost_updates of var's accesses (cached: the verdict and the window's trace ask)."""
        cache = self.__dict__.setdefault("_lost", {})
        if var not in cache:  # two columns gathered, never the 32-byte records
            cache[var] = lost_updates_of(*self.access_runs(var))
        return cache[var]

    def access_runs(self, var: str) -> tuple:
        """(is_write per access, where each run of one lane's accesses starts, each run's lane
        key) of var's accesses in time order (engine/lost_updates.access_columns), cached."""
        cache = self.__dict__.setdefault("_access_runs", {})
        if var not in cache:
            ev, idx = self._access_index(var)
            cache[var] = access_columns(ev, idx, self._kind if ev is self._raw else None)
        return cache[var]

    def access_field(self, var: str, field: str) -> np.ndarray:
        """One field of var's accesses in time order (accesses(var)[field], without copying
        the 32-byte records: the window's trace takes t and a this way)."""
        return self.accesses(var)[field]

    # -- pools and queues --------------------------------------------------------
    def tasks(self) -> dict:
        """Task spans: pid, t0, t1, argument, result (start/finish paired per worker)."""
        return task_spans(self.of_kind(K.TASK_START, K.TASK_FINISH))

    def queue_depth(self, name: str):
        ev = self.of_kind(K.QUEUE_PUT, K.QUEUE_GET)
        ev = ev[self._is_named(ev, name)] if len(ev) else ev
        return ev["t"], ev["a"], ev["kind"]

    def cpu_samples(self):
        ev = self.of_kind(K.CPU_SAMPLE)
        return ev["t"], ev["worker"], ev["a"] / 100.0


# aux of a worker_start synthesised for a child that records nothing (cp, sleep): it is
# alive but untraced, so its lane shows "idle (alive, nothing recorded)", not "running".
UNTRACED_START = 1


def in_time_order(t: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """idx reordered so that t[idx] rises, ties kept in idx's order (a stable sort).

    Sorted as one int64 key a position: time since the first of them in the high bits, the
    position in idx in the low ones, so the keys are distinct and numpy's in-place sort of
    them is stable.  That holds 8 B a position beside idx where an argsort holds 8 for the
    times, 8 for the order and 4 for its merge buffer (tests/engine/test_run_data.py).
    Times too far apart for the key (over ~4 years of ns at 8M): the argsort."""
    chunk = 1 << 16  # 64k positions: 512 KiB of temporaries
    key = np.empty(len(idx), np.int64)
    for start in range(0, len(idx), chunk):  # a chunk at a time: idx widens to 64 bits to index
        key[start:start + chunk] = t[idx[start:start + chunk]]  # (fancy indexing: np.take
        # would copy the strided column whole)
    if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
        return idx
    bits = max(1, int(len(key) - 1).bit_length())
    low = int(key.min())
    if (int(key.max()) - low).bit_length() + bits > 62:
        return np.take(idx, np.argsort(key, kind="stable"))
    key -= low
    key <<= bits
    for start in range(0, len(key), chunk):  # the positions, a chunk at a time
        key[start:start + chunk] |= np.arange(start, min(len(key), start + chunk), dtype=np.int64)
    key.sort(kind="stable")  # distinct keys in sorted runs: timsort merges them (access_index.py)
    key &= (1 << bits) - 1
    return idx[key]


def _time_order_and_ends(t: np.ndarray, chunk: int = 1 << 16) -> tuple:
    """(t rises, least t, greatest t) (0, 0 for none) in one pass over a strided column, a
    chunk at a time, where a comparison of the whole column and a min and a max were three
    passes over every record (0.3 s at 32M events)."""
    if not len(t):
        return True, 0, 0
    rising, low, high, before = True, int(t[0]), int(t[0]), None
    for start in range(0, len(t), chunk):
        part = np.ascontiguousarray(t[start:start + chunk])
        if rising and (before is not None and part[0] < before or
                       not bool(np.all(part[1:] >= part[:-1]))):
            rising = False
        low, high = min(low, int(part.min())), max(high, int(part.max()))
        before = part[-1]
    return rising, low, high


def _count_kinds(kind: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    """How many events of each kind, a chunk at a time: np.bincount widens its input to
    64 bits, which for the whole run is 8 B an event at the peak (one chunk: 512 KiB)."""
    counts = np.zeros(max(wire.KIND_NAMES) + 1, np.int64)
    for start in range(0, len(kind), chunk):
        part = np.bincount(kind[start:start + chunk], minlength=len(counts))
        counts[:len(part)] += part[:len(counts)]
        if len(part) > len(counts):  # a kind no table names (a crafted file): counted too
            counts = np.concatenate([counts, part[len(counts):]])
    return counts


def _kind_mask(kind: np.ndarray, kinds) -> np.ndarray:
    """kind in kinds, as a few comparisons (np.isin copies and sorts a strided column)."""
    hit = kind == kinds[0]
    for k in kinds[1:]:
        hit |= kind == k
    return hit


def lane_event_states(ev: np.ndarray) -> np.ndarray:
    """The state each lane event begins: a state event's own, done at exit, running at a
    worker's start (idle for an untraced child).  The live lanes and spans_of share it."""
    start = np.where(ev["aux"] == UNTRACED_START, S.IDLE, S.RUNNING)
    is_state = (ev["kind"] == K.STATE) | (ev["kind"] == K.MEASURED_STATE)
    return np.where(is_state, ev["b"],
                    np.where(ev["kind"] == K.WORKER_EXIT, S.DONE, start)).astype(np.uint8)


def spawn_key(e) -> tuple:
    """The lane a proc_spawn or thread_spawn event starts: (pid, worker)."""
    if e["kind"] == K.THREAD_SPAWN:
        return int(e["pid"]), int(e["a"])
    return int(e["a"]), 0


def spawn_times(spawns: np.ndarray) -> dict:
    """(pid, worker) -> when its creator recorded starting it (the first time, if pids repeat)."""
    times = {}
    is_thread = (spawns["kind"] == K.THREAD_SPAWN).tolist()
    for thread, t, pid, a in zip(is_thread, spawns["t"].tolist(), spawns["pid"].tolist(),
                                 spawns["a"].tolist()):
        key = (pid, a) if thread else (a, 0)  # as spawn_key, on plain ints
        if key[0] > 0:
            times.setdefault(key, t)
    return times


def lane_order_key(pid: int, worker: int, first_t: int, spawned: dict) -> tuple:
    """Where a lane goes, top to bottom.

    A lane started by a recorded spawn (a child process, a thread from
    ctx.thread) sorts by when it was spawned: that is the program's order
    (PROCESS1, PROCESS2, ...), while which one records first is a race.
    Every other lane sorts by its first event.
    """
    return (spawned.get((pid, worker), first_t), pid, worker)


def _with_external_children(events: np.ndarray, strings: dict) -> np.ndarray:
    """Give non-Python children (cp, sleep, a shell) a lane of their own.

    They record nothing themselves, so their life is taken from the parent's
    proc_spawn / proc_exit events: a worker_start and worker_exit are
    synthesised under the child's pid, named like the spawn event.  Vectorised
    (one sort, no scan per child): a crafted file with 100 000 spawns and exits
    took minutes with a scan of the exits per spawn.
    """
    spawns = events[events["kind"] == K.PROC_SPAWN]
    if not len(spawns):
        return events
    own = np.unique(events["pid"][np.isin(events["kind"], _LANE_KINDS)]).astype(np.int64)
    child = spawns["a"]
    keep = (child > 0) & (child < 2 ** 32) & ~np.isin(child, own)
    spawns = spawns[keep]
    _, first = np.unique(spawns["a"], return_index=True)  # a pid's first spawn names its lane
    spawns = spawns[np.sort(first)]
    if not len(spawns):
        return events
    for pid, sid, child_pid in zip(spawns["pid"].tolist(), spawns["b"].tolist(),
                                   spawns["a"].tolist()):
        strings[(child_pid, sid)] = strings.get((pid, sid), "child")
    starts = np.zeros(len(spawns), events.dtype)
    starts["t"], starts["pid"], starts["b"] = spawns["t"], spawns["a"], spawns["b"]
    starts["kind"], starts["aux"] = K.WORKER_START, UNTRACED_START
    exits = events[events["kind"] == K.PROC_EXIT]
    exited, first_exit = np.unique(exits["a"], return_index=True)  # a pid's first exit ends it
    at = np.minimum(np.searchsorted(exited, spawns["a"]), max(len(exited) - 1, 0))
    has_exit = (exited[at] == spawns["a"]) if len(exited) else np.zeros(len(spawns), bool)
    ended = exits[first_exit[at[has_exit]]]
    ends = np.zeros(len(ended), events.dtype)
    ends["t"], ends["pid"], ends["a"] = ended["t"], spawns["a"][has_exit], ended["b"]
    ends["kind"] = K.WORKER_EXIT
    return np.concatenate([events, starts, ends])


def spans_of(events: np.ndarray, lanes: list, t_end: int, measured: bool = None):
    """State spans per lane from worker start / state / exit events (vectorised)."""
    if measured is None:
        measured = is_measured(events)
    ev = events[lane_event_mask(events, measured)]
    index = {(pid, worker): i for i, (pid, worker, _) in enumerate(lanes)}
    if not len(ev):
        empty = np.zeros(0, np.int64)
        return {"lane": empty.astype(np.int32), "t0": empty, "t1": empty,
                "state": empty.astype(np.uint8), "labels": [l for _, _, l in lanes]}
    keys = lane_keys(ev)
    order = np.lexsort((ev["t"], keys))
    ev, keys = ev[order], keys[order]
    state = lane_event_states(ev)
    t0 = ev["t"].astype(np.int64)
    t1 = np.empty_like(t0)
    t1[:-1] = t0[1:]
    last = np.ones(len(ev), bool)
    last[:-1] = keys[1:] != keys[:-1]
    t1[last] = max(int(t_end), int(t0.max()))
    lane_of_key = {(np.uint64(pid) << np.uint64(32)) | np.uint64(w): i for (pid, w), i in index.items()}
    uniq, inverse = np.unique(keys, return_inverse=True)
    lane_ids = np.array([lane_of_key.get(k, -1) for k in uniq], np.int32)[inverse]
    keep = (lane_ids >= 0) & (t1 >= t0)
    order = np.lexsort((t0[keep], lane_ids[keep]))
    return {"lane": lane_ids[keep][order], "t0": t0[keep][order], "t1": t1[keep][order],
            "state": state[keep][order], "labels": [l for _, _, l in lanes]}


def overlap_ns(t0: np.ndarray, t1: np.ndarray) -> int:
    """Time covered by two or more of the spans [t0, t1) at once (touching is no overlap)."""
    if len(t0) < 2:
        return 0
    t = np.concatenate([t0, t1]).astype(np.int64)
    step = np.concatenate([np.ones(len(t0), np.int64), -np.ones(len(t1), np.int64)])
    order = np.lexsort((step, t))  # at equal times, ends (-1) before starts
    t, level = t[order], np.cumsum(step[order])
    return int(((t[1:] - t[:-1]) * (level[:-1] >= 2)).sum())


def covered_ns(t0: np.ndarray, t1: np.ndarray) -> int:
    """Time covered by at least one of the spans [t0, t1)."""
    if not len(t0):
        return 0
    order = np.argsort(t0, kind="stable")
    t0, t1 = t0[order].astype(np.int64), t1[order].astype(np.int64)
    reach = np.maximum.accumulate(t1)
    gaps = np.maximum(0, t0[1:] - reach[:-1])  # uncovered time before each span's start
    return int(reach[-1] - t0[0] - gaps.sum())


def task_spans(ev: np.ndarray) -> dict:
    out = {"pid": [], "t0": [], "t1": [], "arg": [], "result": []}
    open_tasks = {}
    for e in ev:
        pid = int(e["pid"])
        if e["kind"] == K.TASK_START:
            open_tasks[pid] = (int(e["t"]), int(e["a"]))
        elif pid in open_tasks:
            t0, arg = open_tasks.pop(pid)
            for k, v in (("pid", pid), ("t0", t0), ("t1", int(e["t"])), ("arg", arg),
                         ("result", int(e["a"]))):
                out[k].append(v)
    return {k: np.array(v, np.int64) for k, v in out.items()}


def recording_cost(view: "RunView") -> dict:
    """(pid, worker) -> (ns spent recording, share of the thread's life), from record_cost events.

    A thread's recorder reports, at each flush, the events it recorded so far, the
    ns an event costs in its process (timed when the process started recording) and
    the measured ns its flushes took: their sum is its time spent recording.
    """
    cached = view.__dict__.get("_recording_cost")  # asked by the verdict and the window
    if cached is not None:
        return dict(cached)
    view._recording_cost = out = _recording_cost(view)
    return dict(out)


def _recording_cost(view: "RunView") -> dict:
    ev = view.of_kind(K.RECORD_COST)
    if not len(ev):
        return {}
    keys = lane_keys(ev)
    last = np.unique(keys[::-1], return_index=True)[1]
    last = len(ev) - 1 - last  # each lane's latest report (events are in time order)
    starts = {(int(e["pid"]), int(e["worker"])): int(e["t"]) for e in view.of_kind(K.WORKER_START)}
    exits = {(int(e["pid"]), int(e["worker"])): int(e["t"]) for e in view.of_kind(K.WORKER_EXIT)}
    out = {}
    for i in last:
        e = ev[i]
        key = (int(e["pid"]), int(e["worker"]))
        ns = int(e["b"]) * int(e["aux"]) + int(e["a"])
        life = exits.get(key, view.t_end) - starts.get(key, view.t_start)
        out[key] = (ns, ns / life if life > 0 else 0.0)
    return out


def python_workers(view: RunView) -> set:
    """pids of the run's own Python processes: those that recorded their own start.

    Classified by start events only.  Any other event is no proof: the Session's
    sampler records CPU time under the pid of every process of the run, `cp` included.
    """
    ev = view.of_kind(K.WORKER_START, K.PROCESS_START)  # a few: never a pass over every column
    own_start = (ev["kind"] == K.PROCESS_START) | (ev["aux"] != UNTRACED_START)
    return set(np.unique(ev["pid"][own_start]).tolist())


def worker_failures(view: RunView) -> list:
    """What went wrong in the run's workers: [(what, pid, worker, detail)], in time order of kind.

    what: "error" (detail: the text a worker raised), "exit" (a Python worker process
    ended with a non-zero code: detail), "signal" (any real process killed by signal
    detail: a SIGKILLed worker may have lost its unflushed events) or "not_ended" (not
    ended when it was joined).  An external command's exit code is what the subprocess
    scenario demonstrates (`cp` of a missing file, os.system("exit 3")), not a failure;
    pid 0 is os.system's shell, never a worker.  Computed once per view (a pass over the
    kinds of every event: the window asks at the end of each run).
    """
    cached = view.__dict__.get("_worker_failures")
    if cached is None:
        view._worker_failures = cached = _worker_failures(view)
    return list(cached)


def _worker_failures(view: RunView) -> list:
    found = [("error", pid, worker, text) for _, pid, worker, text in view.texts(K.ERROR)]
    python = python_workers(view)
    for e in view.of_kind(K.PROC_EXIT):
        code, pid = int(e["b"]), int(e["a"])
        if pid <= 0 or code == 0 or (code > 0 and pid not in python):
            continue
        what = "not_ended" if code == -999 else ("signal" if code < 0 else "exit")
        found.append((what, pid, 0, abs(code)))
    return found


class RunResult:
    """A finished run: its view, its verdict and the figures for --json."""

    def __init__(self, view: RunView, verdict, figures: dict) -> None:
        self.view, self.verdict, self.figures = view, verdict, figures


def result_of(data) -> RunResult:
    """The verdict and figures of a run's data (engine.run_data.RunData: a live Session's
    ``data()`` or engine.recording.load's)."""
    from .scenarios.base import Verdict, text
    from .verdict_labels import label_verdict
    view = RunView(data.events, data.strings, data.messages, data.params, data.interpreter,
                   t_end=data.t_end_ns or None, stopped=data.state == "stopped")
    try:
        verdict = data.scenario.verdict(view, data.params)
    except Exception as exc:  # a verdict bug must not hide the run
        verdict = Verdict(text("The verdict could not be computed: %s" % exc,
                               "无法计算结论：%s" % exc), {}, ok=False)
        verdict.error = str(exc)
    if verdict.error is None:
        label_verdict(verdict, view)
    figures = dict(verdict.figures)
    figures.update(wall_s=round(view.wall_s, 3), events=int(len(view)),
                   dropped=int(data.dropped))
    cost = recording_cost(view)
    if cost:  # the worst thread's share of its life spent recording (recorder + transport)
        figures["recording_share_max"] = round(max(share for _, share in cost.values()), 4)
    return RunResult(view, verdict, figures)
