"""The one time range every plot with time across shows (CPU, timeline, queue, tasks).

pyqtgraph's x-links tie view boxes to each other directly, so a view that outlives its
window stays linked to a deleted timeline and calls into it at interpreter exit (round 1's
segfault after "160 passed").  Here one object, owned by the plots area, holds the range;
each view box only talks to it, and a dead view box is dropped, never called.  It is the
same idea as hotspot's single zoom state that every timeline view follows.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Signal


class TimeRange(QObject):
    """Seconds since Run shown across every attached view box.

    The first view box attached leads: its limits (how far one may zoom or pan) decide the
    range, which then goes to every other one, so all show exactly the same seconds.
    """

    changed = Signal(float, float)   # the range, after every view box took it
    moved_by_user = Signal()         # a user zoomed or panned one of the views

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._views = []
        self._range = (0.0, 1.0)
        self._applying = False

    def attach(self, view_box) -> None:
        """Make view_box show this range, and follow it when the user moves view_box."""
        self._views.append(view_box)
        view_box.sigXRangeChanged.connect(self._view_changed)
        view_box.sigRangeChangedManually.connect(self._view_moved_by_user)
        if len(self._views) == 1:
            self._range = tuple(float(x) for x in view_box.viewRange()[0])
        else:
            self._apply(self._range)

    def detach(self, view_box) -> None:
        """Stop sharing with view_box (it moves to another range)."""
        if view_box in self._views:
            self._views.remove(view_box)
            view_box.sigXRangeChanged.disconnect(self._view_changed)
            view_box.sigRangeChangedManually.disconnect(self._view_moved_by_user)

    def range(self) -> tuple:
        return self._range

    def set(self, x0: float, x1: float) -> None:
        """Show [x0, x1] seconds everywhere (clamped by the leading view's limits)."""
        self._take((float(x0), float(x1)), source=None)

    def settle(self) -> None:
        """Bring every view box's own ranges up to date now (its y auto-range, after new data
        or a new x range), before Qt paints.  Left to the paint, the auto-range changes
        the view while it is painted, and Qt paints it all again at once: two paints of
        each plot's axes and grid a frame, the GUI thread's largest cost in a live race."""
        for view_box in self._alive():
            view_box.prepareForPaint()

    # -- internals -----------------------------------------------------------------
    def _alive(self) -> list:
        self._views = [vb for vb in self._views if shiboken6.isValid(vb)]
        return self._views

    def _view_changed(self, view_box, x_range) -> None:
        if not self._applying:
            self._take((float(x_range[0]), float(x_range[1])), source=view_box)

    def _view_moved_by_user(self, *_args) -> None:
        self.moved_by_user.emit()

    def _take(self, x_range: tuple, source) -> None:
        views = self._alive()
        if views and source is not views[0]:
            # The leader first: what it accepts (within its limits) is what all show.
            self._applying = True
            try:
                views[0].setXRange(*x_range, padding=0)
            finally:
                self._applying = False
            x_range = tuple(float(x) for x in views[0].viewRange()[0])
        # Every other view, the one the user moved too when the leader clamped the range.
        self._apply(x_range)
        if x_range != self._range:
            self._range = x_range
            self.changed.emit(*x_range)

    def _apply(self, x_range: tuple) -> None:
        self._applying = True
        try:
            for view_box in self._alive()[1:]:
                if tuple(view_box.viewRange()[0]) != x_range:
                    view_box.setXRange(*x_range, padding=0)
        finally:
            self._applying = False
