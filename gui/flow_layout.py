"""A layout that places its items left to right and wraps them to the next row when the
width runs out (Qt's "Flow Layout" example), so a legend never sets a window's width."""
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Rows of items, as many per row as the width allows; height follows from the width."""

    def __init__(self, parent=None, h_spacing: int = 12, v_spacing: int = 2) -> None:
        super().__init__(parent)
        self._items = []
        self._h_spacing, self._v_spacing = h_spacing, v_spacing

    # -- QLayout's item list -----------------------------------------------------------------
    def addItem(self, item) -> None:  # Qt override
        self._items.append(item)

    def count(self) -> int:  # Qt override
        return len(self._items)

    def itemAt(self, index: int):  # Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # Qt override
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # -- sizes -----------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:  # Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # Qt override
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # Qt override
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # Qt override
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # Qt override: the widest item, not the whole row
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, move: bool) -> int:
        """Lay the items out in rect (or only measure); returns the height they need."""
        items = [item for item in self._items if not item.isEmpty()]
        spots, height = self._spots([item.sizeHint() for item in items], rect)
        if move:
            for item, spot in zip(items, spots):
                item.setGeometry(spot)
        return height

    def height_for_sizes(self, sizes: list, width: int) -> int:
        """The height items of these sizes (QSize) would need at this width: what the
        layout would be with other texts in its cells (the legend's short names)."""
        return self._spots(sizes, QRect(0, 0, width, 0))[1]

    def _spots(self, sizes: list, rect: QRect) -> tuple:
        """([QRect] for items of these sizes, left to right, wrapping), height they need."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row_height, spots = area.x(), area.y(), 0, []
        for hint in sizes:
            if x > area.x() and x + hint.width() > area.right() + 1:  # wrap
                x, y, row_height = area.x(), y + row_height + self._v_spacing, 0
            spots.append(QRect(QPoint(x, y), hint))
            x += hint.width() + self._h_spacing
            row_height = max(row_height, hint.height())
        return spots, y + row_height - rect.y() + m.bottom()


def flow_host(parent=None) -> tuple:
    """A widget with a FlowLayout, sized by its width: (widget, layout)."""
    host = QWidget(parent)
    layout = FlowLayout(host)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    host.setSizePolicy(policy)
    return host, layout
