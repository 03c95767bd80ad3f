"""Light and dark palettes, fonts large enough to project, CJK glyphs when installed.

Pure Qt (no pyqtgraph import): the window paints with it before the plots load.
Plot views read colours from the Theme they are given (``apply_theme``).
"""
import os
from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory

# Fonts with Latin and Simplified Chinese glyphs, best first; the UI family comes
# first in the family list and Qt falls back along it glyph by glyph.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback")
UI_FAMILIES = ("Noto Sans", "Segoe UI", "Helvetica Neue", "DejaVu Sans", "Liberation Sans")
MONO_FAMILIES = ("Noto Sans Mono CJK SC", "JetBrains Mono", "DejaVu Sans Mono", "Consolas",
                 "Menlo", "Liberation Mono")

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and on a projector.
SERIES_LIGHT = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
SERIES_DARK = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#0072B2", "#FFFFFF", "#D55E00")


@dataclass(frozen=True)
class Theme:
    """Colours for widgets and plots; one light, one dark."""

    name: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    disabled: str  # fainter than muted: a disabled Stop must look off from the back row
    accent: str
    plot_bg: str
    plot_fg: str
    grid_alpha: float
    good: str
    bad: str
    warn: str
    read: str
    write: str
    series: tuple = field(default=SERIES_LIGHT)

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    def series_color(self, i: int) -> str:
        return self.series[i % len(self.series)]


LIGHT = Theme("light", window="#f4f4f2", base="#ffffff", alt_base="#ecebe7", text="#1a1a1a",
              muted="#5b5b5b", disabled="#a3a3a0", accent="#0a58ca", plot_bg="#ffffff", plot_fg="#222222",
              grid_alpha=0.25, good="#1b7f3b", bad="#c0182b", warn="#b35c00",
              read="#0072B2", write="#1a1a1a", series=SERIES_LIGHT)
DARK = Theme("dark", window="#1e1f22", base="#26282c", alt_base="#30333a", text="#ececec",
             muted="#a8a8a8", disabled="#66686d", accent="#6ea8fe", plot_bg="#111214", plot_fg="#dddddd",
             grid_alpha=0.3, good="#5fd38d", bad="#ff6b6b", warn="#ffb454",
             read="#56B4E9", write="#f0f0f0", series=SERIES_DARK)
THEMES = {"light": LIGHT, "dark": DARK}


def _first_available(wanted, available) -> list:
    have = {f.lower(): f for f in available}
    return [have[w.lower()] for w in wanted if w.lower() in have]


def font_families() -> tuple:
    """(ui families, mono families): installed ones from the preference lists."""
    available = QFontDatabase.families()
    cjk = _first_available(CJK_FAMILIES, available)[:1]
    ui = _first_available(UI_FAMILIES, available)[:1] + cjk
    mono = _first_available(MONO_FAMILIES, available)[:1] + cjk
    return ui, mono


def default_pixel_size() -> int:
    """A font size readable from the back of a room: 1/60 of the screen height, 14-40 px."""
    screen = QGuiApplication.primaryScreen()
    height = screen.availableGeometry().height() if screen else 768
    return max(14, min(40, round(height / 60)))


# The smallest readable sizes (px) on a projected 1024x768 picture; the text-size steps
# only ever make them larger.  Every view takes its size from readable_px, so the verdict,
# the lane names and the axis ticks keep these at every window size.
SMALLEST_PX = {"headline": 20, "lane_names": 13, "ticks": 12, "body": 13}
# Each text's size relative to the body text (the A+/A- size).
TEXT_SCALE = {"headline": 1.35, "lane_names": 1.0, "ticks": 0.9, "body": 1.0}
# A+ / A- step along these multiples of the starting size: A+ twice is x1.5, four times x2.
TEXT_STEPS = (0.75, 0.875, 1.0, 1.25, 1.5, 1.75, 2.0)


def readable_px(role: str, pixel_size: int) -> int:
    """The pixel size of a kind of text at body size pixel_size, never under its smallest."""
    return max(SMALLEST_PX[role], round(pixel_size * TEXT_SCALE[role]))


def ui_font(pixel_size: int, scale: float = 1.0, bold: bool = False) -> QFont:
    font = QFont()
    families, _ = font_families()
    if families:
        font.setFamilies(families)
    font.setPixelSize(max(8, round(pixel_size * scale)))
    font.setBold(bold)
    return font


def mono_font(pixel_size: int) -> QFont:
    font = QFont()
    _, families = font_families()
    font.setFamilies(families or ["monospace"])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPixelSize(pixel_size)
    return font


def palette_of(theme: Theme) -> QPalette:
    pal = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, colour in ((role.Window, theme.window), (role.Base, theme.base),
                      (role.AlternateBase, theme.alt_base), (role.Text, theme.text),
                      (role.WindowText, theme.text), (role.Button, theme.alt_base),
                      (role.ButtonText, theme.text), (role.ToolTipBase, theme.base),
                      (role.ToolTipText, theme.text), (role.Highlight, theme.accent),
                      (role.HighlightedText, "#ffffff"), (role.Link, theme.accent),
                      (role.PlaceholderText, theme.muted), (role.BrightText, theme.bad)):
        pal.setColor(r, QColor(colour))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(group.Disabled, r, QColor(theme.disabled))
    # Fusion draws frames, check boxes and splitter handles from these: keep them visible
    # on both palettes (a black box on a black window disappears on a projector).
    edge = QColor(theme.muted)
    pal.setColor(role.Light, edge.lighter(150) if theme.dark else QColor("#ffffff"))
    pal.setColor(role.Midlight, edge if theme.dark else QColor("#e3e3e0"))
    pal.setColor(role.Mid, edge.darker(130) if theme.dark else QColor("#b8b8b4"))
    pal.setColor(role.Dark, edge.darker(200) if theme.dark else QColor("#8c8c88"))
    return pal


CHECK_MARK_DARK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "resources", "check_dark.svg")
# The toolbar's overflow button ("»", where a narrow window puts what does not fit): Fusion
# draws it in a fixed dark grey, which on the dark toolbar could not be seen at all
MORE_DARK = os.path.join(os.path.dirname(CHECK_MARK_DARK), "more_dark.svg")


def style_sheet(theme: Theme, pixel_size: int) -> str:
    """Check boxes and the toolbar's overflow button the dark theme can show: Fusion outlines
    boxes in the window colour made darker, which on a dark window is no outline at all (an
    empty box was invisible), and draws the overflow arrows in a fixed dark grey."""
    if not theme.dark:
        return ""
    side = max(12, round(pixel_size * 0.85))
    return ("QCheckBox::indicator { width: %dpx; height: %dpx; border: 2px solid %s; "
            "border-radius: 3px; background: %s; }"
            "QCheckBox::indicator:checked { background: %s; border-color: %s; image: url(%s); }"
            "QCheckBox::indicator:disabled { border-color: %s; }"
            "QToolButton#qt_toolbar_ext_button { qproperty-icon: url(%s); }"
            % (side, side, theme.muted, theme.base, theme.accent, theme.accent,
               CHECK_MARK_DARK.replace(os.sep, "/"), theme.disabled, MORE_DARK.replace(os.sep, "/")))


_style = None  # the application's style, set once by apply()


class _ProjectorStyle(QProxyStyle):
    """Fusion, with a toolbar overflow button ("»") as wide as a text line is tall: Fusion's
    is 12 px at every text size, too small to find on a projector, and a narrow window puts
    the interpreter, language and theme choices behind it."""

    def pixelMetric(self, metric, option=None, widget=None) -> int:  # Qt override
        size = super().pixelMetric(metric, option, widget)
        if metric == QStyle.PixelMetric.PM_ToolBarExtensionExtent:
            return max(size, round(QApplication.font().pixelSize() * 1.5))
        return size


def apply(app: QApplication, theme: Theme, pixel_size: int) -> None:
    """Style, palette and font for the whole application."""
    global _style
    if _style is None:  # once: a style sheet's style wraps it, so app.style() is not it
        # the same look on every platform, and it honours the palette; kept here as well as
        # by the application, which owns it (QApplication.setStyle takes it)
        _style = _ProjectorStyle(QStyleFactory.create("Fusion"))
        app.setStyle(_style)
    app.setPalette(palette_of(theme))
    app.setFont(ui_font(pixel_size))
    app.setStyleSheet(style_sheet(theme, pixel_size))


def keep_plain_units(axis) -> None:
    """Ticks in the label's own unit (seconds), never "ms" or "(x0.001)", at any zoom.

    pyqtgraph's enableAutoSIPrefix(False) first computes a prefix scale from the CURRENT
    range (x1000 for a sub-second view) and then never updates it again: so reset it.
    """
    axis.enableAutoSIPrefix(False)
    axis.autoSIPrefixScale = 1.0
    axis.labelUnitPrefix = ""
    axis.picture = None  # cached tick strings were drawn with the old scale
    axis._updateLabel()


def style_plot(plot_item, theme: Theme, pixel_size: int) -> None:
    """Axis colours and tick fonts of a pyqtgraph PlotItem (passed in: no import here)."""
    tick_font = ui_font(readable_px("ticks", pixel_size))
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        axis.setPen(theme.plot_fg)
        axis.setTextPen(theme.plot_fg)
        axis.setTickFont(tick_font)
        keep_plain_units(axis)
    plot_item.showGrid(x=True, y=True, alpha=theme.grid_alpha)


def axis_label(plot_item, side: str, text: str, theme: Theme, pixel_size: int) -> None:
    """Label an axis in the theme's colour at a readable size.  A left or bottom title shows
    only while the plot is long enough for the whole of it: a cut title ("items in que",
    shared-globals' queue plot at 1366x768) is worse than none under a panel title that
    already says what the curves are."""
    plot_item.setLabel(side, text, **{"color": theme.plot_fg,
                                      "font-size": "%dpx" % round(pixel_size * 0.9)})
    if side in ("left", "bottom"):
        view_box = plot_item.getViewBox()
        if not getattr(view_box, "fits_labels", False):
            view_box.fits_labels = True
            view_box.sigResized.connect(lambda *_: fit_axis_titles(plot_item))
        fit_axis_titles(plot_item)


def fit_axis_titles(plot_item) -> None:
    """The left title shows where the plot is as tall as its text, the bottom one where it
    is as wide ("seconds since R" under the CPU plot beside its key at 1024 px, text x1.5)."""
    view_box = plot_item.getViewBox()
    for side, room in (("left", view_box.height()), ("bottom", view_box.width())):
        axis = plot_item.getAxis(side)
        fits = axis.label.boundingRect().width() <= room + 2
        if axis.labelText and axis.isVisible() and axis.label.isVisible() != fits:
            axis.showLabel(fits)
