"""gilscope: see Python threads, processes and the GIL.

    python main.py                 the window (also: --lang zh_CN, --theme dark)
    python main.py RUN.gilscope    the window, showing a saved run
    python main.py list            the scenarios
    python main.py run race --json -
    python main.py --help          all of it
"""
import sys

CLI_COMMANDS = ("list", "run", "compare", "report", "interpreters")  # = gui.app.COMMANDS, without Qt


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CLI_COMMANDS:  # headless sub-commands: no Qt import
        from engine import cli
        return cli.main(argv)
    from gui import app  # the window and its own options (gui.app.parse_window_args)
    return app.main(argv)


if __name__ == "__main__":
    sys.exit(main())
