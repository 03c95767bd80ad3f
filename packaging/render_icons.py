"""Render resources/gilscope.svg to the PNG sizes desktop menus look for.

    python packaging/render_icons.py OUT_DIR      -> OUT_DIR/<N>x<N>/apps/gilscope.png

Part of packaging/build.sh (the hicolor icon theme wants PNGs next to the SVG:
some menus and docks do not draw SVG icons).  Uses Qt's own SVG renderer, so no
extra tool is needed.
"""
import os
import sys

SIZES = (32, 48, 64, 128, 256)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SVG = os.path.join(ROOT, "resources", "gilscope.svg")


def render(out_dir: str) -> list:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (fonts, paint engine)
    renderer = QSvgRenderer(SVG)
    if not renderer.isValid():
        raise SystemExit("render_icons: cannot read %s" % SVG)
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        folder = os.path.join(out_dir, "%dx%d" % (size, size), "apps")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "gilscope.png")
        if not image.save(path):
            raise SystemExit("render_icons: cannot write %s" % path)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/render_icons.py OUT_DIR")
    for path in render(sys.argv[1]):
        print(path)
