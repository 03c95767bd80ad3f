"""gui.trace_view: value labels of accesses a few pixels apart are not printed over each other."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402


def test_value_labels_closer_than_their_width_are_dropped(qtbot):
    from gui import theme
    from gui.trace_view import TraceView
    view = TraceView(theme.LIGHT, 14)
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    view.rows_plot.setXRange(0.0, 1.0, padding=0)
    s = 1_000_000_000
    # Three reads on row 0 within a pixel of each other, one far away; a write on the same
    # row at the same time goes below the row, so it stays.
    t = np.array([0.5, 0.5001, 0.5002, 0.9, 0.5]) * s
    row = np.array([0, 0, 0, 0, 0])
    value = np.array([10, 11, 12, 13, 99])
    is_write = np.array([False, False, False, False, True])
    kept = view._unclashed(np.arange(5), t.astype(np.int64), row, value, is_write)
    assert kept.tolist() == [0, 3, 4]
