"""The timeline's colour for each thread/process state: one table, keyed by state.  [numpy]

Chosen so that every pair of states, and every state against the plot background of
both themes, stays apart for normal vision and for simulated protanopia, deuteranopia
and tritanopia (Machado et al. 2009, severity 1.0; distance CIEDE2000 >= MIN_DISTANCE,
checked for every entry by tests/gui/test_state_colours.py).  The colours came from a
search over an sRGB grid (colours with a luminance contrast of at least 1.7
against white and 2.2 against the dark plot) that maximised the smallest such distance with running (blue),
waiting for the GIL (orange), idle (grey) and finished (faint grey) fixed; each found
colour was then given to the state it suits.

A new state (engine.wire STATES, gui.lane_index STATE_KEYS) needs an entry here; the
slots below for states being added ("preempted_gil", "recording") are already
checked against all the others.

Blended pixels: where one screen pixel holds several states, the timeline paints the
time-weighted mix of their colours (gui.timeline_layout.render_lanes).  A mix is not in
this table and has no meaning of its own: half running (blue) and half waiting for the
GIL (orange) reads as a dull olive-grey, which is why no state has such a colour;
hovering names the share of each state in that pixel, and zooming in separates them.
"""
import numpy as np

MIN_DISTANCE = 10.0  # CIEDE2000; about 2 is "just noticeable", 10 reads as another colour

# state key -> RGBA (straight alpha).  Order does not matter: palette_for orders by key.
STATE_COLOURS = {
    "running": (0x00, 0x66, 0xA8, 255),      # blue: the one colour of useful work
    "gil_wait": (0xF5, 0xB0, 0x00, 255),     # orange: runnable, but another thread holds the GIL
    "preempted": (0x00, 0xD7, 0xFF, 255),    # cyan: runnable, the OS ran something else
    "preempted_gil": (0x75, 0x89, 0xB0, 255),  # slate blue: pre-empted with the GIL held
    "lock_wait": (0xD7, 0x4E, 0x00, 255),    # vermillion: blocked on a lock (deadlock's colour)
    "queue_wait": (0x9C, 0x75, 0x62, 255),   # tan: waiting on a queue
    "join_wait": (0x9C, 0x13, 0x00, 255),    # dark red: waiting in join()
    "io_wait": (0x9C, 0x62, 0xFF, 255),      # violet: I/O or a subprocess; no mix of running
    "sleeping": (0x9C, 0xC4, 0x89, 255),     # sage green: sleeping
    "recording": (0x62, 0x62, 0x62, 255),    # dark grey: the recorder's own work
    "gate_wait": (0x96, 0x1E, 0x78, 255),    # plum: held at a gate by the scheduler (the user)
    "idle": (0x99, 0x99, 0x99, 255),         # mid grey: alive, nothing recorded
    "done": (0x80, 0x80, 0x80, 110),         # faint grey: the thread is gone
}
BACKGROUND = (0, 0, 0, 0)  # where nothing was recorded: transparent, the theme shows


def palette_for(keys) -> np.ndarray:
    """(len(keys) + 1, 4) uint8 RGBA in the order of keys, the background last."""
    missing = [k for k in keys if k not in STATE_COLOURS]
    if missing:
        raise KeyError("no timeline colour for state(s) %s: add them to STATE_COLOURS" % missing)
    return np.array([STATE_COLOURS[k] for k in keys] + [BACKGROUND], np.uint8)
