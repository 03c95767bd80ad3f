"""Entry script of the frozen ``gilscope-runner`` executable (see engine/bundled_runner.py)."""
import sys

from engine.bundled_runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
