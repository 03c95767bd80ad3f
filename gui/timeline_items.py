"""The timeline's two pyqtgraph items made cheaper to paint: the lanes' image and the time axis.

Measured in `bench render` (a frame includes the widget's paint): see each class.
"""
import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage


def premultiplied_bgra(img):
    """A straight-alpha RGBA image as QImage.Format_ARGB32_Premultiplied's bytes (B, G, R, A
    on a little-endian machine): the format Qt's raster engine blends without converting."""
    alpha = img[..., 3].astype(np.uint16)
    out = np.empty(img.shape, np.uint8)
    for src, dst in ((0, 2), (1, 1), (2, 0)):
        out[..., dst] = (img[..., src] * alpha + 127) // 255
    out[..., 3] = img[..., 3]
    return out


class LanesImage(pg.ImageItem):
    """pyqtgraph's ImageItem holding the lanes' straight RGBA rows (``image``, what the
    tests and tooltips read), painted from a premultiplied copy.

    ImageItem would paint an RGBA8888 QImage, which Qt converts to premultiplied ARGB32
    for every screen row of the stretched image on every paint (~1 ms a frame at 1366 px).
    """

    _painted = None

    def set_lanes(self, rows, painted) -> None:
        """rows: straight RGBA (h, w, 4); painted: the same as premultiplied B, G, R, A."""
        self._painted = painted
        self.setImage(rows, autoLevels=False)

    def clear(self) -> None:
        self._painted = None
        super().clear()

    def render(self) -> None:  # pyqtgraph override: the QImage from the premultiplied copy
        if (self._painted is None or self.image is None or sys.byteorder != "little"
                or self._painted.shape != self.image.shape):
            super().render()
            return
        self.qimage = pg.functions.ndarray_to_qimage(self._painted,
                                                      QImage.Format.Format_ARGB32_Premultiplied)
        self._renderRequired = False
        self._unrenderable = False


class TimeAxisItem(pg.AxisItem):
    """pyqtgraph's axis, without re-laying out an unchanged label on every pan.

    Every change of the view range sets the label's HTML again (and the axis's height from
    it), even when the unit prefix did not change: about a fifth of a pan frame's paint.
    The ticks are still redrawn (the picture is dropped) whatever the label does.
    """

    _label_html = None

    def _updateLabel(self) -> None:  # pyqtgraph override
        html = self.labelString()
        if html != self._label_html:
            self._label_html = html
            super()._updateLabel()
            return
        self.picture = None
        self.update()
