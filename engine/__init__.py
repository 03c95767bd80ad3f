"""gilscope's engine: runs scenarios in a separate process tree and records them.

    GUI / CLI process                         guardian ─fork─> runner (any CPython >= 3.9)
    ┌──────────────────────────────┐  control  ┌────────────────────────────────────┐
    │ Session (session.py)         │ ────────> │ runner.py: scenario.run(ctx)       │
    │  reader thread: decode.py    │  events   │  probe.py: traced threads, locks,  │
    │  sampler thread: psutil      │ <──────── │   queues, processes, pools         │
    │  analysis.py -> verdict      │  frames   │  recorder.py: per-thread buffers,  │
    └──────────────────────────────┘           │   atomic <= PIPE_BUF frames        │
                                               └────────────────────────────────────┘
Import rule: wire, params, recorder, probe, guardian, runner, interpreters and
scenarios/ are standard library only and Python 3.9 compatible (the runner
imports them); decode, session, analysis, export and recording use numpy and
psutil and run only on the GUI/CLI side.  Nothing in engine/ imports Qt or gui/.
"""
