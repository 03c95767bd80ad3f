"""Which lock a thread waits for and which thread holds it, from the recorded lock events,
and the waits drawn on the timeline: an arrow from the waiting lane to the holder's lane,
labelled with the lock's name, red where the waits close a cycle (a deadlock).

Lock events are few (a request, an acquisition and a release per `with lock:`), so they are
replayed one by one here; the engine's wait-for replay (engine.scenarios.deadlock.
wait_for_graph) follows the same rule: a request waits for the lock's holder of the moment,
the acquisition ends the wait.  The request, acquisition and release carry the lock's name id
in ``b`` (engine.probe.TracedLock).
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication

from engine.scenarios.deadlock import find_cycle
from engine.wire import K

LOCK_KINDS = np.array([K.LOCK_REQUEST, K.LOCK_ACQUIRED, K.LOCK_RELEASE], np.uint16)
MAX_DRAWN = 16  # waits drawn at once: the longest (race with a lock waits thousands of times)


class Wait:
    """One thread's wait for a lock another thread held when it asked."""
    __slots__ = ("lane", "lock", "t0", "t1", "holder")

    def __init__(self, lane, lock, t0, holder) -> None:
        self.lane, self.lock, self.t0, self.t1, self.holder = lane, lock, t0, None, holder

    def duration(self, t_end: int) -> int:
        return (self.t1 if self.t1 is not None else t_end) - self.t0


class LockWaits:
    """The waits of one run; lanes are (pid, worker) keys, locks their names."""

    def __init__(self) -> None:
        self.waits = []     # Wait, in the order their requests were seen
        self._holder = {}   # (pid, lock name) -> lane key holding it
        self._open = {}     # lane key -> its Wait not yet ended
        self._by_lane = {}  # lane key -> [Wait] (tooltips look a lane's waits up)
        self.t_last = 0

    def ingest(self, chunk: np.ndarray, strings: dict) -> None:
        found = chunk[np.isin(chunk["kind"], LOCK_KINDS)]
        if not len(found):
            return
        for e in found[np.argsort(found["t"], kind="stable")]:
            pid, lane, t = int(e["pid"]), (int(e["pid"]), int(e["worker"])), int(e["t"])
            name = strings.get((pid, int(e["b"])), "?")
            lock, kind = (pid, name), int(e["kind"])
            self.t_last = max(self.t_last, t)
            if kind == K.LOCK_REQUEST:
                holder = self._holder.get(lock)
                if holder is not None and holder != lane:  # free: taken at once, no wait
                    wait = Wait(lane, name, t, holder)
                    self.waits.append(wait)
                    self._by_lane.setdefault(lane, []).append(wait)
                    self._open[lane] = wait
            elif kind == K.LOCK_ACQUIRED:
                self._holder[lock] = lane
                wait = self._open.pop(lane, None)
                if wait is not None:
                    wait.t1 = t
            elif self._holder.get(lock) == lane:
                del self._holder[lock]

    def wait_at(self, lane, t_ns: int):
        """The Wait of lane going on at t_ns, or None."""
        for wait in reversed(self._by_lane.get(lane, ())):
            if wait.t0 <= t_ns and (wait.t1 is None or t_ns <= wait.t1):
                return wait
            if wait.t1 is not None and wait.t1 < t_ns:
                return None
        return None

    def cycle(self) -> list:
        """Lane keys that wait for each other for ever (their waits still open), or []."""
        waiting = {lane: (lane[0], wait.lock) for lane, wait in self._open.items()}
        return find_cycle(dict(self._holder), waiting) if waiting else []

    def drawn(self, t_end: int) -> list:
        """The waits worth an arrow: every wait of a cycle, then the longest, MAX_DRAWN in all."""
        in_cycle = set(self.cycle())
        ranked = sorted(self.waits, key=lambda w: (w.lane not in in_cycle or w.t1 is not None,
                                                   -w.duration(t_end)))
        return ranked[:MAX_DRAWN]


def wait_text(wait, names: dict) -> str:
    """"waits for lock B, held by THREAD2" (translated)."""
    return QCoreApplication.translate("LockWaits", "waits for lock {0}, held by {1}").format(
        wait.lock, names.get(wait.holder, "?"))


class LockWaitMarks:
    """Arrows from a waiting lane to the lane holding its lock, on the timeline's view box:
    one line item for every arrow, one scatter item for the heads, a label per arrow (at most
    MAX_DRAWN: never one item per event)."""

    def __init__(self, view_box) -> None:
        self._view_box = view_box
        self.lines = pg.PlotDataItem(connect="pairs")
        self.heads = pg.ScatterPlotItem(pxMode=True)
        for item in (self.lines, self.heads):
            item.setZValue(20)
            view_box.addItem(item)
        self._labels = []
        # Each label right of its arrow, or left of it where it would pass the right edge
        # (deadlock's at 1024x768, text x1.5, were cut): re-placed when the view moves.
        view_box.sigXRangeChanged.connect(self._fit_labels)
        view_box.sigResized.connect(self._fit_labels)
        self._colours = ("#444444", "#c0182b")
        self._px = 14
        self._fill = (255, 255, 255, 225)
        self.shown = []  # (waiting lane index, holder lane index, lock, in a cycle) drawn now

    def apply_theme(self, theme, pixel_size: int) -> None:
        self._colours, self._px = (theme.plot_fg, theme.bad), pixel_size
        bg = pg.mkColor(theme.plot_bg)
        self._fill = (bg.red(), bg.green(), bg.blue(), 225)  # the label reads over any lane

    def clear(self) -> None:
        self.set([])

    def set(self, arrows: list) -> None:
        """arrows: (t_s, from lane, to lane, label text, in a cycle, the wait's length in s)."""
        self.shown = [tuple(a[1:]) for a in arrows]
        for label in self._labels:
            self._view_box.removeItem(label)
        self._labels = []
        if not arrows:
            self.lines.setData([], [])
            self.heads.setData([], [])
            return
        xs, ys, spots = [], [], []
        for t_s, lane, holder, text, cyclic, span_s in arrows:
            colour = self._colours[1 if cyclic else 0]
            # Waits that begin together (a deadlock's) are drawn apart along their span,
            # so two arrows between the same lanes are not one line.
            t_s += span_s * (0.1 + 0.25 * (len(xs) // 2 % 3))
            down = holder > lane  # lane 0 is on top (the y axis is inverted)
            y0, y1 = lane + 0.4, holder + (0.05 if down else 0.75)
            xs += [t_s, t_s]
            ys += [y0, y1]
            spots.append({"pos": (t_s, y1), "symbol": "t" if down else "t1", "size": self._px * 0.9,
                          "brush": pg.mkBrush(colour), "pen": pg.mkPen(colour)})
            label = pg.TextItem(text, color=self._colours[0], anchor=(0, 0.5), border=pg.mkPen(colour),
                                fill=pg.mkBrush(self._fill))
            label.setFont(_font(self._px))
            label.setPos(t_s, lane + 0.4)
            label.setZValue(21)
            self._view_box.addItem(label)
            self._labels.append(label)
        self.lines.setData(xs, ys, pen=pg.mkPen(self._colours[1] if any(a[4] for a in arrows)
                                                else self._colours[0], width=2))
        self.heads.setData(spots)
        self._fit_labels()

    def _fit_labels(self, *_args) -> None:
        width = self._view_box.width()
        (x0, x1), _ = self._view_box.viewRange()
        if width <= 0 or x1 <= x0:
            return
        for label in self._labels:
            at = (label.pos().x() - x0) * width / (x1 - x0)
            wide = label.boundingRect().width()
            # Right of the arrow; else as far left as needed to end at the right edge.
            anchor = (min(1.0, max(0.0, (at + wide - width) / max(wide, 1.0))), 0.5)
            if abs(label.anchor[0] - anchor[0]) > 1e-3:
                label.setAnchor(anchor)

    def label_texts(self) -> list:
        return [label.toPlainText() for label in self._labels]


def _font(pixel_size: int):
    from .theme import ui_font
    return ui_font(max(10, int(pixel_size * 0.85)))
