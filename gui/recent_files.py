"""Recordings opened or saved lately (File ▸ Open recent), kept in the user's settings.

Its own module so that whatever saves a recording (gui/export_actions.py,
gui/compare_export.py) can remember it without importing gui/open_recording.py,
which imports them in turn (an import cycle).
"""
import os

from PySide6.QtCore import QSettings

RECENT_KEY = "recent_recordings"
MAX_RECENT = 8
SETTINGS_FILE = None  # tests point this at a file of their own; None: the user's settings


def settings() -> QSettings:
    if SETTINGS_FILE:
        return QSettings(SETTINGS_FILE, QSettings.Format.IniFormat)
    return QSettings("gilscope", "gilscope")


def recent() -> list:
    """Recordings opened or saved lately, newest first, those still on disk."""
    paths = settings().value(RECENT_KEY, []) or []
    if isinstance(paths, str):  # QSettings gives a one-item list back as a string
        paths = [paths]
    return [p for p in paths if os.path.isfile(p)][:MAX_RECENT]


def remember(path: str) -> None:
    path = os.path.abspath(path)
    store = settings()
    store.setValue(RECENT_KEY, [path] + [p for p in recent() if p != path][:MAX_RECENT - 1])
    store.sync()
