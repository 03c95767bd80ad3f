"""The window's language: which one to start in, and Qt's translators for it.

Its own module so that the window (gui/main_window.py, the 中文 button) and the app's
start-up (gui/app.py) both use it without importing each other.
"""
import os

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

RESOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources")
TRANSLATIONS = os.path.join(RESOURCES, "translations")
LANGUAGES = ("en", "zh_CN")

_installed = []  # translators currently installed (kept referenced: Qt does not own them)


def language_from_environment() -> str:
    """GILSCOPE_LANG if set, else Simplified Chinese for a Chinese system locale, else English."""
    wanted = os.environ.get("GILSCOPE_LANG", "")
    if wanted in LANGUAGES:
        return wanted
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translator(app: QApplication, lang: str) -> bool:
    """Install gilscope's and Qt's own translations for lang; True if gilscope's was found."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if lang == "en":
        return False
    found = False
    for name, folder in (("gilscope_" + lang, TRANSLATIONS),
                         ("qtbase_" + lang, QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
            found = found or name.startswith("gilscope")
    return found
