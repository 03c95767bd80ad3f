"""A tab widget that lays itself out again only when a size it lays out by changed.

Qt's QTabWidget answers every LayoutRequest from its page by laying out its tab bar and
page again and repainting itself whole (QTabWidget::setUpLayout: update(), then
updateGeometry(), which asks the plots area to lay out and repaint in turn).  A page asks
whenever any label in it gets a new text, even one that keeps its size: in a live race
the shared-variable trace's title says the lost-update count, new every frame, so every
frame repainted the whole tab widget (Fusion's pane included) and the plots area under
the header: about a fifth of a live race frame's instructions (callgrind).  Here a
request goes through only when the tab widget's size, its tab bar's size hint or its
page's size hints differ from the last time it went through; otherwise the geometry Qt
would compute is the one it already has.
"""
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget


class SteadyTabs(QTabWidget):
    """QTabWidget without the relayout and whole repaint of an unchanged layout."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._laid_out_for = None

    def _sizes(self) -> tuple:
        page = self.currentWidget()
        pages = (page.minimumSizeHint(), page.sizeHint(), page.minimumSize(),
                 page.maximumSize()) if page is not None else ()
        return (self.size(), self.count(), self.currentIndex(), self.tabBar().sizeHint(),
                self.tabBar().isVisible()) + pages

    def event(self, event) -> bool:  # Qt override: skip a LayoutRequest that changes nothing
        if event.type() == QEvent.Type.LayoutRequest:
            sizes = self._sizes()
            if sizes == self._laid_out_for:
                return True
            self._laid_out_for = sizes
        elif event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.StyleChange,
                              QEvent.Type.FontChange, QEvent.Type.LanguageChange):
            self._laid_out_for = None  # Qt lays out on these itself; the next request goes through
        return super().event(event)
