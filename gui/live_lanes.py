"""Timeline spans built while a run goes, from its lane events, in O(new events) a tick.  [numpy]

A lane is one worker (a thread, or a process's main thread) named by a uint64
key pid << 32 | worker (engine.analysis.lane_keys).  Each lane event (worker
start, state change, worker exit) starts a span that lasts until the lane's
next event; a lane's last span is open and lasts until now.

engine.analysis.spans_of derives the same spans from the whole recording (a
sort of every lane event: ~190 ms at 2-3M events, and growing, on the GUI
thread).  Here a build sorts only the events that arrived since the last one
and splices them into the LaneIndex from the lane's open span on.  So the spans
at the end of a run are exactly what spans_of gives (a test checks it for every
scenario) and nothing is recomputed when the run ends.

Non-Python children (cp, sleep) record nothing themselves.  As
engine.analysis._with_external_children does, such a child gets a lane from
its parent's proc_spawn / proc_exit: once it has exited (or when the run ends)
without one lane event of its own.
"""
import numpy as np

from engine.analysis import (UNTRACED_START, _kind_mask, lane_event_states, lane_keys,
                             lane_kinds, lane_order_key, spawn_key)
from engine.decode import EVENT_DTYPE
from engine.wire import K

from .lane_index import LaneIndex

CHILD_KINDS = np.array([K.PROC_SPAWN, K.PROC_EXIT, K.THREAD_SPAWN], np.uint16)
INGEST_SLICE = 1 << 18  # events looked at a time (ingest)


class LiveLanes:
    """The lanes of one run and their spans (in ``index``), grown chunk by chunk."""

    def __init__(self) -> None:
        self.index = LaneIndex()
        self.lanes = []   # (pid, worker) per lane, top to bottom: by first event time
        self._arrival = {}  # (pid, worker) -> n: the n-th lane to arrive (breaks ties)
        self.names = {}   # (pid, worker) -> thread or process name
        self.t_max = None  # the latest lane event time seen (ns)
        self._keys = np.zeros(0, np.uint64)    # known lane keys, sorted
        self._lane_of = np.zeros(0, np.int32)  # the lane of each of _keys
        self._pids = set()    # pids that record lane events of their own
        self._spawned = {}    # child pid -> (t, parent pid, name id): no lane yet
        self._spawn_time = {}  # (pid, worker) -> first spawn time: orders lanes (lane_order_key)
        self._seen_children = set()
        self._exits = {}      # child pid -> (t, exit code), the first proc_exit seen
        self._pending = []    # lane events not yet in the index
        # Measured lanes (engine/thread_sampler.py): the Session's marker is the run's first
        # event, so the mode is known before any lane event arrives.
        self.measured = False

    def labels(self) -> list:
        """"THREAD1 · pid 1234" per lane, as engine.analysis.RunView.lanes names them."""
        return ["%s · pid %d" % (self.names.get(key, "?"), key[0]) for key in self.lanes]

    # -- taking events -------------------------------------------------------------
    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        """New events of any kind; their lanes and names are known at once, spans after build().

        Taken INGEST_SLICE events at a time: the kind tests hold a few bytes an event they
        look at (np.isin's were ~12), which for a run's whole backlog at once (a window that
        fell behind, a saved run) was that much an event at the window's peak."""
        if len(chunk) > INGEST_SLICE:
            for start in range(0, len(chunk), INGEST_SLICE):
                self.ingest(chunk[start:start + INGEST_SLICE], strings)
            return
        kinds = chunk["kind"]
        if not self.measured and np.any(kinds == K.MEASURED_STATE):
            self.measured = True
        lane_events = chunk[_kind_mask(kinds, lane_kinds(self.measured)) & (chunk["pid"] != 0)]
        if len(lane_events):
            self._add(lane_events, strings)
        for e in chunk[_kind_mask(kinds, CHILD_KINDS)]:  # a few per run
            if e["kind"] == K.THREAD_SPAWN:
                self._spawn_time.setdefault(spawn_key(e), int(e["t"]))
                continue
            child = int(e["a"])
            if e["kind"] == K.PROC_SPAWN:
                if child > 0:
                    self._spawn_time.setdefault(spawn_key(e), int(e["t"]))
                if child > 0 and child not in self._seen_children:  # a reused pid: the first
                    self._spawned[child] = (int(e["t"]), int(e["pid"]), int(e["b"]))
                self._seen_children.add(child)
            else:
                self._exits.setdefault(child, (int(e["t"]), int(e["b"])))
            if child in self._spawned and child in self._exits:
                self._child_lane(child, strings)

    def _add(self, ev: np.ndarray, strings: dict) -> None:
        keys = lane_keys(ev)
        pos = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        known = self._keys[pos] == keys if len(self._keys) else np.zeros(len(keys), bool)
        if not known.all():
            new, first = np.unique(keys[~known], return_index=True)
            new = new[np.argsort(first)]  # lanes numbered in order of arrival
            for key in new.tolist():
                self.lanes.append((key >> 32, key & 0xFFFFFFFF))
                self._arrival[self.lanes[-1]] = len(self._arrival)
                self._pids.add(key >> 32)
            every = np.concatenate([self._keys, new])
            lane_of = np.concatenate([self._lane_of, np.arange(len(self._keys), len(every),
                                                               dtype=np.int32)])
            order = np.argsort(every)
            self._keys, self._lane_of = every[order], lane_of[order]
        for e in ev[ev["kind"] == K.WORKER_START]:
            pid, worker = int(e["pid"]), int(e["worker"])
            self.names[(pid, worker)] = strings.get((pid, int(e["b"])), "?")
        self._pending.append(ev)
        t = int(ev["t"].max())
        self.t_max = t if self.t_max is None else max(self.t_max, t)

    def _child_lane(self, child: int, strings: dict) -> None:
        """A lane for a child that recorded nothing itself: its life from spawn to exit."""
        t, parent, name_id = self._spawned.pop(child)
        if child in self._pids:  # it did record: its own lane says more
            return
        ended = self._exits.get(child)
        ev = np.zeros(1 if ended is None else 2, EVENT_DTYPE)
        ev["pid"], ev["t"][0], ev["kind"][0], ev["b"][0] = child, t, K.WORKER_START, name_id
        ev["aux"][0] = UNTRACED_START
        if ended is not None:
            ev["t"][1], ev["kind"][1], ev["a"][1] = ended[0], K.WORKER_EXIT, ended[1]
        self._add(ev, {(child, name_id): strings.get((parent, name_id), "child")})

    # -- spans -----------------------------------------------------------------------
    def build(self, t_now: int) -> None:
        """Splice the events taken since the last build into the index; open spans end at t_now
        (or at the latest event, if that is later)."""
        end = max(int(t_now), self.t_max if self.t_max is not None else int(t_now))
        parts = {}
        if self._pending:
            ev = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending)
            self._pending = []
            lane = self._lane_of[np.searchsorted(self._keys, lane_keys(ev))]
            # Lanes by a stable sort (a radix sort for 16-bit ids); each lane's events
            # arrive in time order, so the sort by time below is seldom needed.
            order = np.argsort(lane.astype(np.uint16) if len(self.lanes) < 2 ** 16 else lane,
                               kind="stable")
            lane, t, state = lane[order], ev["t"][order], lane_event_states(ev)[order]
            cut = np.flatnonzero(lane[1:] != lane[:-1]) + 1
            for a, b in zip(np.r_[0, cut].tolist(), np.r_[cut, len(lane)].tolist()):
                parts[int(lane[a])] = self._lane_part(int(lane[a]), t[a:b], state[a:b], end)
        for n, ls in enumerate(self.index.lanes):
            if n not in parts and len(ls):  # no news: the open span grows to now
                parts[n] = (len(ls) - 1, ls.t0[-1:], np.array([end], np.int64), ls.state[-1:])
        if parts or len(self.lanes) != self.index.n_lanes:
            self.index.splice(parts, len(self.lanes))
            self._order_by_start()

    def _order_by_start(self) -> None:
        """Lanes top to bottom by their first event, as RunView.lanes orders them (arrival
        order is a matter of which buffer was flushed first)."""
        starts = [lane_order_key(key[0], key[1], int(ls.t0[0]) if len(ls) else 2 ** 62,
                                 self._spawn_time)
                  for ls, key in zip(self.index.lanes, self.lanes)]
        order = sorted(range(len(starts)), key=starts.__getitem__)
        if order == list(range(len(order))):
            return
        self.index.reorder(order)
        self.lanes = [self.lanes[i] for i in order]
        position = np.empty(len(order), np.int32)
        position[order] = np.arange(len(order), dtype=np.int32)
        self._lane_of = position[self._lane_of]

    def _lane_part(self, lane: int, t: np.ndarray, state: np.ndarray, end: int) -> tuple:
        """(first, t0, t1, state): the lane's spans from position first on, with new events."""
        if len(t) > 1 and np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            t, state = t[order], state[order]
        ls = self.index.lanes[lane] if lane < len(self.index.lanes) else None
        first = 0
        if ls is not None and len(ls):
            # The events whose spans change: from the span holding the first new event on.
            # In order (nearly always) that is the open span alone; a late event re-sorts
            # the lane's tail, the earlier recorded first at equal times as spans_of does.
            p = int(np.searchsorted(ls.t0, t[0], side="right"))
            first = max(p - 1, 0)
            t = np.concatenate([ls.t0[first:], t])
            state = np.concatenate([ls.state[first:], state])
            if p < len(ls):
                order = np.argsort(t, kind="stable")
                t, state = t[order], state[order]
        t1 = np.empty_like(t)
        t1[:-1] = t[1:]
        t1[-1] = end
        return first, t, t1, state

    def close(self, strings: dict, t_end: int) -> None:
        """The run ended at t_end: lanes for children still without one, all spans final."""
        for child in list(self._spawned):
            self._child_lane(child, strings)
        self.build(t_end)
