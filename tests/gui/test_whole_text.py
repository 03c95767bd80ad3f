"""A wrapped label measured while it is laid out asks for no new layout pass.

gui/whole_text.text_height used to drop a label's held minimum height, measure, and set it
back: two geometry changes, each a new LayoutRequest for the layouts above.  A titled
panel measures its title on every LayoutRequest (gui/titled_panel.fit_header), so after a
race the window laid out and repainted its plots again on every pass of the event loop,
forever (~400 times a second while idle, the GUI thread's timers starved meanwhile).
Counted in layout passes, not time.
"""
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from gui.titled_panel import TitledPanel
from gui.whole_text import WholeLabel, text_height

PASSES = 30


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _panel(qtbot, title: str):
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    panel = TitledPanel()
    panel.add_to_header(QPushButton("Previous"))
    panel.add_to_header(QPushButton("Next"))
    column.addWidget(panel)
    host.resize(420, 200)
    host.show()
    panel.title.setText(title)
    for _ in range(5):  # settle: the first passes do lay out
        QCoreApplication.processEvents()
    return host, panel


def test_an_idle_titled_panel_is_not_laid_out_again_and_again(qtbot):
    host, panel = _panel(qtbot, "Reads and writes of counter by thread: 31 lost updates, "
                                "each bracketed back to its stale read " * 2)
    assert panel.title.minimumHeight() > 0  # the title holds the height of its lines
    requests = _LayoutRequests()
    panel.installEventFilter(requests)
    for _ in range(PASSES):
        QCoreApplication.processEvents()
    panel.removeEventFilter(requests)
    # The old code: one new LayoutRequest every pass (30 of 30).
    assert requests.count <= 2


def test_the_twin_measures_what_dropping_the_held_minimum_measured(qtbot):
    label = WholeLabel()
    qtbot.addWidget(label)
    label.setText("a wrapped text of several words that needs a few lines at this width " * 3)
    label.resize(160, 40)
    label.setMinimumHeight(400)  # held while it was narrow: more than it needs now
    for width in (120, 200, 400, 900):
        label.setMinimumHeight(0)
        expected = label.heightForWidth(width)
        label.setMinimumHeight(400)
        assert text_height(label, width) == expected
    assert label.minimumHeight() == 400
    rich = WholeLabel()
    qtbot.addWidget(rich)
    rich.setText("<b>bold</b> and <span style='font-size:20pt'>large</span> words " * 6)
    rich.setMinimumHeight(300)
    for width in (150, 600):
        rich.setMinimumHeight(0)
        expected = rich.heightForWidth(width)
        rich.setMinimumHeight(300)
        assert text_height(rich, width) == expected
