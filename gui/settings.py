"""What the window remembers between launches (QSettings, an INI file in the user's
config folder): language, theme, text size, the last scenario, the interpreter, and each
scenario's parameters.  A value that no longer fits (a parameter renamed, a bound
changed, an interpreter uninstalled) is dropped, never an error.
"""
import json
import os

from PySide6.QtCore import QSettings


def store() -> QSettings:
    """gilscope's settings file (tests point QSettings.setPath at a temporary folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "gilscope", "gilscope")


def load() -> dict:
    """The saved choices, each "" / {} / 1.0 when not saved."""
    s = store()
    try:
        params = json.loads(s.value("params", "{}") or "{}")
    except (TypeError, ValueError):
        params = {}
    try:
        scale = float(s.value("text_scale", 1.0))
    except (TypeError, ValueError):
        scale = 1.0
    return {"lang": str(s.value("lang", "") or ""), "theme": str(s.value("theme", "") or ""),
            "text_scale": scale, "scenario": str(s.value("scenario", "") or ""),
            "python": str(s.value("python", "") or ""),
            "params": params if isinstance(params, dict) else {}}


def save(window) -> None:
    """Write the window's current choices."""
    s = store()
    s.setValue("lang", window.lang)
    s.setValue("theme", window.theme.name)
    s.setValue("text_scale", round(window.text_scale(), 4))
    s.setValue("scenario", window.picker.current_id())
    s.setValue("python", window.python_picker.python() or "")
    s.setValue("params", json.dumps(window.params.all_values()))
    s.sync()


def restore(window, saved: dict) -> None:
    """Give the window the saved text size, parameters, scenario and interpreter."""
    if saved["text_scale"] and abs(saved["text_scale"] - 1.0) > 0.01:
        window.pixel_size = max(10, min(64, round(window.base_pixel_size * saved["text_scale"])))
        window._restyle()
    window.params.remember(saved["params"])
    if saved["scenario"] and window.picker.scenario(saved["scenario"]) is not None:
        window.run_control.choose_scenario(saved["scenario"])
    elif window.params.scenario is not None:  # the first scenario, with its saved values
        window.run_control.choose_scenario(window.params.scenario.ref)
    if saved["python"] and os.path.exists(saved["python"]):
        window.python_picker.probe_path(saved["python"])  # checked again, off the GUI thread
