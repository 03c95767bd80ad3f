"""The display half of ``gilscope --self-test``, run in its own process.

    gilscope --self-test-display      (started by engine.self_test; prints one JSON line a check)

Qt aborts the process when no platform plugin can open the display, so the
engine's checklist starts this in a child and reports a crash as a failure.
Each check is printed as soon as it is known: what passed before a crash stays
in the report.  The texts are a diagnostic tool's, in English like the CLI's.
"""
import json
import os
import sys
import time

PLOTS_TIMEOUT_S = 30.0
CHINESE_SAMPLE = "中文线程进程"


def emit(name: str, status: str, detail: str, fix: str = "") -> bool:
    print(json.dumps({"name": name, "status": status, "detail": detail,
                      "fix": fix if status != "PASS" else ""}, ensure_ascii=False), flush=True)
    return status == "PASS"


def _wait_for(app, predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    return predicate()


def check_chinese_font() -> tuple:
    """(status, detail, fix): is there an installed font that has glyphs for Chinese text?"""
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    drawing = [f for f in families if all(QFontMetrics(QFont(f)).inFontUcs4(ord(ch)) for ch in CHINESE_SAMPLE)]
    fix = "install a Chinese font: apt-get install fonts-noto-cjk (or fonts-wqy-microhei), then restart gilscope"
    if not drawing:
        return "FAIL", "no installed font draws Chinese: the 中文 window would show empty boxes", fix
    return "PASS", "%d fonts draw Chinese, e.g. %s" % (len(drawing), drawing[0]), ""


def main() -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])  # aborts here without a display
    screen = app.primaryScreen()
    size = screen.size() if screen else None
    emit("Display and Qt platform plugin", "PASS",
         "platform %s, screen %s" % (app.platformName(), "%dx%d" % (size.width(), size.height()) if size else "none"))

    status, detail, fix = check_chinese_font()
    emit("A font that draws Chinese", status, detail, fix)

    from . import app as app_module, language
    os.environ["GILSCOPE_LANG"] = "zh_CN"
    app_, window = app_module.create_window()
    title = window.windowTitle()
    translated = any("\u4e00" <= ch <= "\u9fff" for ch in title)
    qm = os.path.join(language.TRANSLATIONS, "gilscope_zh_CN.qm")
    emit("Chinese translation", "PASS" if translated else "FAIL",
         "window title: %s" % title if translated else "the window stayed English (%s %s)"
         % (qm, "exists" if os.path.exists(qm) else "is missing"),
         "reinstall gilscope: the translation file %s is missing or unreadable" % qm)

    ready = []
    window.plots_ready.connect(lambda: ready.append(True))
    if window.plots is not None:
        ready.append(True)
    ok = _wait_for(app, lambda: bool(ready), PLOTS_TIMEOUT_S)
    emit("The plots (pyqtgraph, OpenGL helpers)", "PASS" if ok else "FAIL",
         "plots built" if ok else "the plots did not load in %.0f s" % PLOTS_TIMEOUT_S,
         "run gilscope from a terminal and read the error; reinstall gilscope (a module of the plots is missing)")

    app.processEvents()
    image = window.grab().toImage().scaled(200, 120)
    colours = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
    drawn = len(colours) >= 8
    emit("The window draws", "PASS" if drawn else "FAIL",
         "%d distinct colours in a %dx%d window" % (len(colours), window.width(), window.height()),
         "update the graphics driver or try QT_QUICK_BACKEND=software / LIBGL_ALWAYS_SOFTWARE=1")
    window.close()
    window.deleteLater()
    app.processEvents()
    QCoreApplication.processEvents()
    return 0
