"""gilscope: see Python threads, processes and the GIL.

    python main.py                 the window (also: --lang zh_CN, --theme dark)
    python main.py RUN.gilscope    the window, showing a saved run
    python main.py list            the scenarios
    python main.py run race --json -
    python main.py --self-test     a checklist for a new machine (exit 0: all passed)
    python main.py --help          all of it
"""
import sys

CLI_COMMANDS = ("list", "run", "source", "compare", "report", "interpreters")  # = gui.app.COMMANDS, without Qt


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--self-test"]:
        from engine import self_test
        return self_test.main(argv[1:])
    if argv[:1] == ["--self-test-display"]:  # self_test's child: Qt may abort it
        from gui import self_test_display
        return self_test_display.main()
    if argv and argv[0] in CLI_COMMANDS:  # headless sub-commands: no Qt import
        try:
            from engine import cli  # numpy and friends: Ctrl-C may land in these imports
        except KeyboardInterrupt:
            sys.stderr.write("gilscope: interrupted\n")
            return 130
        return cli.main(argv)
    from gui import app  # the window and its own options (gui.app.parse_window_args)
    return app.main(argv)


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # A frozen gilscope is its own sys.executable: if anything in this process starts a
        # multiprocessing helper (resource tracker, spawn), its argv comes back here first.
        import multiprocessing
        multiprocessing.freeze_support()
    sys.exit(main())
