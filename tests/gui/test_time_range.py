"""One time range for every plot with time across (gui.time_range)."""
import pyqtgraph as pg
import shiboken6
from PySide6.QtWidgets import QWidget

from gui.time_range import TimeRange


def _plots(qtbot, n):
    host = QWidget()
    qtbot.addWidget(host)
    plots = [pg.PlotWidget(parent=host) for _ in range(n)]
    return host, plots


def test_moving_any_view_moves_every_view(qtbot):
    host, plots = _plots(qtbot, 3)
    time_range = TimeRange(host)
    for plot in plots:
        time_range.attach(plot.getPlotItem().getViewBox())
    plots[2].getPlotItem().setXRange(2.0, 5.0, padding=0)
    for plot in plots:
        x0, x1 = plot.getPlotItem().viewRange()[0]
        assert (round(x0, 9), round(x1, 9)) == (2.0, 5.0)
    assert time_range.range() == (2.0, 5.0)


def test_the_leading_view_s_limits_bind_every_view(qtbot):
    host, plots = _plots(qtbot, 2)
    leader = plots[0].getPlotItem().getViewBox()
    leader.setLimits(xMin=0.0, xMax=10.0)
    time_range = TimeRange(host)
    time_range.attach(leader)
    time_range.attach(plots[1].getPlotItem().getViewBox())
    plots[1].getPlotItem().setXRange(-50.0, 50.0, padding=0)  # beyond what the leader allows
    follower = tuple(round(x, 9) for x in plots[1].getPlotItem().viewRange()[0])
    assert follower == tuple(round(x, 9) for x in leader.viewRange()[0])
    assert follower[0] >= 0.0 and follower[1] <= 10.0


def test_a_deleted_view_is_dropped_not_called(qtbot):
    host, plots = _plots(qtbot, 3)
    time_range = TimeRange(host)
    for plot in plots:
        time_range.attach(plot.getPlotItem().getViewBox())
    gone = plots.pop()
    shiboken6.delete(gone)
    time_range.set(1.0, 3.0)  # must not touch the deleted view box
    assert tuple(round(x, 9) for x in plots[1].getPlotItem().viewRange()[0]) == (1.0, 3.0)


def test_a_user_move_in_any_view_is_reported(qtbot):
    host, plots = _plots(qtbot, 2)
    time_range = TimeRange(host)
    for plot in plots:
        time_range.attach(plot.getPlotItem().getViewBox())
    with qtbot.waitSignal(time_range.moved_by_user, timeout=1000):
        plots[1].getPlotItem().getViewBox().sigRangeChangedManually.emit([True, False])
