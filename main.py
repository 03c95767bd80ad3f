"""gilscope: see Python threads, processes and the GIL.

    python main.py                 the window
    python main.py RUN.gilscope    the window, showing a saved run
    python main.py list            the scenarios
    python main.py run race --json -
"""
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opens_recording = bool(argv) and argv[0].endswith(".gilscope")  # the window shows it
    if argv and not argv[0].startswith("-psn") and not opens_recording:  # headless: no Qt
        try:
            from engine import cli  # numpy and friends: Ctrl-C may land in these imports
        except KeyboardInterrupt:
            sys.stderr.write("gilscope: interrupted\n")
            return 130
        return cli.main(argv)
    from gui import app
    return app.main(argv)


if __name__ == "__main__":
    sys.exit(main())
