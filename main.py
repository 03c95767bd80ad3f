"""gilscope: see Python threads, processes and the GIL.

    python main.py                 the window
    python main.py list            the scenarios
    python main.py run race --json -
"""
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and not argv[0].startswith("-psn"):  # headless sub-commands: no Qt import
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
