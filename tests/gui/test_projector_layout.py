"""Projector layouts, measured: at 1024x768 with text x1.5 the trace's header is whole and its
plots keep their room (issue 15's last look at the window)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def _big_text_at_1024(qtbot, window):
    window.step_text(+1)
    window.step_text(+1)  # A+ twice: x1.5
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 768, timeout=2000)
    qtbot.wait(150)


def test_the_trace_header_is_two_lines_at_most_and_its_plots_keep_their_room(qtbot, window):
    """The lost-update buttons left the trace's title ~100 px: six lines; the value plot
    was squeezed to a line."""
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    was = (app.font(), app.palette(), app.styleSheet())
    _big_text_at_1024(qtbot, window)
    try:
        _trace_header(qtbot, window)
    finally:  # A+ restyles the application: the tests after this one get its fonts back
        app.setFont(was[0])
        app.setPalette(was[1])
        app.setStyleSheet(was[2])


def _trace_header(qtbot, window):
    from gui.titled_panel import TITLE_MAX_LINES
    from gui.trace_view import CANVAS_MIN_LINES
    window.run_control.choose_scenario("race")
    qtbot.wait(200)
    trace = window.plots.trace
    title = trace.title
    line = title.fontMetrics().lineSpacing()
    assert title.height() >= title.heightForWidth(title.width())  # whole
    assert title.heightForWidth(title.width()) <= TITLE_MAX_LINES * line + 2, title.width()
    assert not trace.extras_beside  # the buttons went under it
    for button in (trace.previous_button, trace.next_button):
        assert button.width() >= button.sizeHint().width()
        assert button.geometry().right() <= trace.width()
    assert trace.canvas.height() >= CANVAS_MIN_LINES * window.pixel_size
