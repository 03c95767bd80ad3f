"""Start the window: QApplication, translator, theme; the window's frame paints first.

``python main.py`` calls ``main``.  Nothing heavy is imported here: the window's frame
(title, toolbar, the scenario list) paints first, then the rest of the window is built,
then its pyqtgraph plots (docs/ARCHITECTURE.md "Startup": pyqtgraph's import is about
half of start-up).
"""
import argparse
import os
import signal
import sys
from dataclasses import dataclass

# pyqtgraph picks the first Qt binding it can import; make it the one gilscope pins.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from . import theme as theme_module  # noqa: E402

# The language helpers live in gui/language.py (the window uses them too).
from .language import LANGUAGES, RESOURCES, install_translator, language_from_environment  # noqa: E402


def theme_from_environment(app: QApplication) -> str:
    """GILSCOPE_THEME=light|dark, else the system's colour scheme."""
    wanted = os.environ.get("GILSCOPE_THEME", "")
    if wanted in theme_module.THEMES:
        return wanted
    return "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"


COMMANDS = ("list", "run", "source", "compare", "report", "interpreters")  # engine.cli's; the rest is the window's
RECORDING_SUFFIX = ".gilscope"


@dataclass
class WindowOptions:
    lang: str = ""        # "" : from GILSCOPE_LANG or the system locale
    theme: str = ""       # "" : from GILSCOPE_THEME or the system colour scheme
    recording: str = ""   # a .gilscope file to open ("" : none)


class BadArguments(Exception):
    """Arguments the window does not accept: one line for stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadArguments(message)


def window_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gilscope",
        description="See Python threads, processes and the GIL. With no arguments (or only the "
                    "options below) gilscope opens its window.",
        epilog="Commands that need no window: gilscope list [--params] | run SCENARIO ... | compare ... | "
               "report FILE.gilscope | interpreters; `gilscope COMMAND --help` tells more.")
    parser.add_argument("--lang", choices=LANGUAGES, help="window language (default: the system's)")
    parser.add_argument("--theme", choices=tuple(theme_module.THEMES),
                        help="light or dark (default: the system's)")
    parser.add_argument("recording", nargs="?", metavar="FILE.gilscope",
                        help="a saved recording to open")
    return parser


def parse_window_args(argv) -> WindowOptions:
    """The window's command line.  Raises BadArguments; --help prints and exits (SystemExit)."""
    argv = [a for a in argv if not a.startswith("-psn")]  # macOS Finder adds a process serial number
    args = window_parser().parse_args(argv)
    if args.recording and not args.recording.endswith(RECORDING_SUFFIX) \
            and not os.path.exists(args.recording):
        raise BadArguments("unknown command %r: use %s, or give a %s file"
                           % (args.recording, ", ".join(COMMANDS), RECORDING_SUFFIX))
    return WindowOptions(args.lang or "", args.theme or "", args.recording or "")




def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


def _env_choice(name: str, allowed) -> str:
    return _choice(os.environ.get(name, ""), allowed)


def create_window(argv=(), options: WindowOptions = None):
    """The application and its window, shown; the caller runs the event loop."""
    options = options or WindowOptions()
    app = QApplication.instance() or QApplication([sys.argv[0]] + list(argv))
    app.setApplicationName("gilscope")
    app.setOrganizationName("gilscope")
    from . import gui_thread_gc
    gui_thread_gc.install(app)  # Qt objects in reference cycles die on this thread only
    app.setWindowIcon(QIcon(os.path.join(RESOURCES, "gilscope.svg")))
    from . import settings
    saved = settings.load()
    # The command line, then an explicit environment variable, then the last launch, then
    # the system's language and colour scheme.
    lang = (options.lang or _env_choice("GILSCOPE_LANG", LANGUAGES)
            or _choice(saved["lang"], LANGUAGES) or language_from_environment())
    install_translator(app, lang)
    theme_name = (options.theme or _env_choice("GILSCOPE_THEME", theme_module.THEMES)
                  or _choice(saved["theme"], theme_module.THEMES) or theme_from_environment(app))
    pixel_size = theme_module.default_pixel_size()
    theme_module.apply(app, theme_module.THEMES[theme_name], pixel_size)
    from .main_window import MainWindow
    # The frame first (title, toolbar, the scenario list), painted, then the rest of the
    # window, then the plots (docs/ARCHITECTURE.md "Startup").
    window = MainWindow(lang=lang, theme_name=theme_name, pixel_size=pixel_size, complete=False)
    for action, on in ((window.dark_action, theme_name == "dark"),
                       (window.chinese_action, lang == "zh_CN")):
        action.blockSignals(True)  # the theme and translator are already in place: no redo
        action.setChecked(on)
        action.blockSignals(False)
    screen = app.primaryScreen().availableGeometry()
    window.resize(round(screen.width() * 0.9), round(screen.height() * 0.9))
    if screen.width() <= 1440 or screen.height() <= 900:
        window.showMaximized()  # 1366x768 needs every pixel
    else:
        window.show()
    paint_first(window)
    window.complete()
    settings.restore(window, saved)
    window.remember_settings = True
    if os.environ.get("GILSCOPE_FIRST_RUN_HINT", "1") != "0":  # the tests turn it off
        window.help.show_hint_once()  # the first launch only: F1 exists (gui/help_sheet.py)
    return app, window


FIRST_PAINT_WAIT_MS = 1000  # a window never exposed (minimised at start) waits no longer


def paint_first(window) -> None:
    """Run Qt's event loop until the window has painted once (at most FIRST_PAINT_WAIT_MS):
    the frame is on screen while the rest of the window is built."""
    if window.first_paint_ns:
        return
    loop = QEventLoop()
    window.first_painted.connect(loop.quit)
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, loop.quit)
    if not window.first_paint_ns:
        loop.exec()
    window.first_painted.disconnect(loop.quit)


NO_DISPLAY = ("gilscope: no display found (DISPLAY is not set); the command line works without "
              "one: python main.py list, python main.py run SCENARIO")


def display_missing() -> bool:
    """Linux with neither X11 nor Wayland and no Qt platform chosen: Qt would abort (SIGABRT)
    with a misleading "xcb-cursor0 is needed" text instead of saying there is no display."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv=()) -> int:
    try:
        options = parse_window_args(list(argv))
    except BadArguments as exc:
        print("gilscope: %s (gilscope --help lists what it accepts)" % exc, file=sys.stderr)
        return 2
    if options.recording and not os.path.exists(options.recording):
        print("gilscope: no such file: %s" % options.recording, file=sys.stderr)
        return 2
    if display_missing():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    app, window = create_window((), options)
    if options.recording:  # main.py RUN.gilscope: shown once the event loop runs
        from . import open_recording
        QTimer.singleShot(0, window, lambda: open_recording.open_path(window, options.recording))
    # Ctrl-C in the terminal closes the window (which stops the run); the timer lets
    # Python see the signal while Qt's loop is idle.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    code = app.exec()
    # Delete the window while Python is whole: left to interpreter exit, PySide would
    # delete it during shutdown and pyqtgraph's Python overrides would be called into a
    # half-torn-down interpreter (a segfault after a clean quit).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    heartbeat.stop()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code
