"""The state palette for colour-blind viewers: every pair of states, and each state against
the plot background, stays apart under simulated protanopia, deuteranopia and tritanopia.

Pure numpy.  Every entry of gui.state_colours.STATE_COLOURS is checked, so a state added
there (or to the engine's STATES, which must have an entry) is checked with no new test.
"""
import itertools

import numpy as np
import pytest

from gui import colour_vision as cv
from gui.state_colours import MIN_DISTANCE, STATE_COLOURS, palette_for
from gui.theme import THEMES
from gui.timeline_layout import DEFAULT_PALETTE, STATE_KEYS


def _seen(vision, background):
    """state -> its colour over the theme's plot background, as `vision` sees it (CIELAB)."""
    bg = cv.hex_rgb(background)
    seen = {k: cv.lab(cv.simulate(cv.over(np.array(c, float), bg), vision))
            for k, c in STATE_COLOURS.items()}
    return seen, cv.lab(cv.simulate(bg, vision))


def smallest_distances(vision, background):
    """(smallest state-to-state CIEDE2000 and its pair, smallest state-to-background and its state)."""
    seen, bg = _seen(vision, background)
    pair = min(itertools.combinations(seen, 2), key=lambda p: cv.ciede2000(seen[p[0]], seen[p[1]]))
    lonely = min(seen, key=lambda k: cv.ciede2000(seen[k], bg))
    return (float(cv.ciede2000(seen[pair[0]], seen[pair[1]])), pair,
            float(cv.ciede2000(seen[lonely], bg)), lonely)


def test_the_simulation_and_distance_are_the_published_ones():
    # Sharma, Wu & Dalal (2005), table 1, pairs 1 and 7.
    assert cv.ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485]) == pytest.approx(2.0425, abs=1e-4)
    assert cv.ciede2000([50, 0, 0], [50, -1, 2]) == pytest.approx(2.3669, abs=1e-4)
    # Machado 2009 rows sum to 1: white and greys look the same to every viewer.
    for vision in cv.VISIONS:
        assert np.allclose(cv.simulate([200, 200, 200], vision), 200, atol=0.6)
    # A dichromat confuses red and green: the distance collapses.
    red, green = [213, 94, 0], [0, 158, 115]
    assert cv.distance(red, green) > 40 and cv.distance(red, green, "deuteranopia") < 25


def test_every_engine_state_has_a_colour_in_the_table():
    assert set(STATE_KEYS) <= set(STATE_COLOURS)
    assert (DEFAULT_PALETTE == palette_for(STATE_KEYS)).all()
    with pytest.raises(KeyError, match="no timeline colour"):
        palette_for(("running", "a state nobody coloured"))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("vision", cv.VISIONS)
def test_states_stay_apart_and_off_the_background(vision, theme):
    pair_d, pair, bg_d, lonely = smallest_distances(vision, THEMES[theme].plot_bg)
    assert pair_d >= MIN_DISTANCE, (vision, theme, pair, pair_d)
    assert bg_d >= MIN_DISTANCE, (vision, theme, lonely, bg_d)


def test_the_old_palette_failed_where_the_issue_said():
    """Under deuteranopia the old "waiting for the GIL" orange and "pre-empted" yellow were
    one colour: the check above catches that pair (it is not a test that cannot fail)."""
    gil_wait, preempted = (0xF5, 0xB0, 0x00), (0xF0, 0xE4, 0x42)
    assert cv.distance(gil_wait, preempted, "deuteranopia") < MIN_DISTANCE
    new_gil, new_pre = STATE_COLOURS["gil_wait"][:3], STATE_COLOURS["preempted"][:3]
    assert cv.distance(new_gil, new_pre, "deuteranopia") >= MIN_DISTANCE


def test_pool_task_bars_do_not_reuse_a_state_colour(qtbot):
    """A task bar is hatched in the plot's text colour, so it cannot be read as a state."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from gui.extra_views import TaskGantt
    from engine.decode import EVENT_DTYPE
    from engine.wire import K
    for theme in THEMES.values():
        view = TaskGantt(theme, 14)
        qtbot.addWidget(view)
        ev = np.zeros(4, EVENT_DTYPE)
        ev["kind"] = [K.TASK_START, K.TASK_FINISH, K.TASK_START, K.TASK_FINISH]
        ev["pid"], ev["worker"], ev["a"] = 5, 1, [3, 3, 4, 4]
        ev["t"] = [0, 10, 20, 30]
        view.ingest(ev, {})
        view.refresh()
        brushes = view.bars.opts["brushes"]
        assert len(brushes) == 2
        for brush in brushes:
            assert brush.style() != Qt.BrushStyle.SolidPattern
            rgb = [brush.color().red(), brush.color().green(), brush.color().blue()]
            for state, colour in STATE_COLOURS.items():
                assert cv.distance(rgb, colour[:3]) >= MIN_DISTANCE, state
