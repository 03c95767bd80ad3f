"""The window's command line: --lang, --theme, a recording file, --help, and bad input (exit 2)."""
import os
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402

from gui import app as app_module  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _main(*args):
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # nothing here may open a window
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_help_says_no_arguments_opens_the_window():
    done = _main("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "With no arguments" in text and "opens its window" in text
    assert "--lang" in text and "zh_CN" in text and "gilscope list" in text


def test_window_options_are_parsed_in_one_place():
    options = app_module.parse_window_args(["--lang", "zh_CN", "--theme", "dark"])
    assert (options.lang, options.theme, options.recording) == ("zh_CN", "dark", "")
    assert app_module.parse_window_args([]) == app_module.WindowOptions()
    assert app_module.parse_window_args(["-psn_0_12345"]) == app_module.WindowOptions()
    assert app_module.parse_window_args(["run.gilscope"]).recording == "run.gilscope"
    for bad in (["--lang", "fr"], ["--theme", "pink"], ["rnu"], ["a.gilscope", "b.gilscope"]):
        with pytest.raises(app_module.BadArguments):
            app_module.parse_window_args(bad)


@pytest.mark.parametrize("args, says", [
    (["--lang", "fr"], "invalid choice: 'fr'"),
    (["rnu"], "unknown command 'rnu'"),
    (["missing.gilscope"], "no such file: missing.gilscope"),
])
def test_bad_window_arguments_are_one_line_and_exit_2(args, says):
    done = _main(*args)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_lang_and_theme_options_reach_the_window(qtbot):
    app, window = app_module.create_window((), app_module.WindowOptions(lang="zh_CN", theme="dark"))
    qtbot.addWidget(window)
    assert window.lang == "zh_CN" and window.chinese_action.isChecked()
    assert window.theme.dark and window.dark_action.isChecked()
    assert window.params_box.title() not in ("", "Parameters")  # the Chinese catalogue is in
    window.close()


def test_every_command_line_command_is_routed_to_the_command_line():
    """main.py sends these words to engine.cli and the rest to the window: the lists must be
    the parser's own (a new command, like compare, otherwise opened the window)."""
    import argparse
    sys.path.insert(0, ROOT)
    import main
    from engine import cli
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(main.CLI_COMMANDS) == set(app_module.COMMANDS) == set(sub.choices)
