"""gilscope's benchmarks: ``python -m bench [NAME ...] [--quick]`` (see README.md, "Performance").

Each bench is a module with ``run(quick=False) -> dict`` (bench/common.py builds
the dict: figures, the baseline measured in the same run, goals) and is listed
once, here.  Child processes import ``bench.<module>.child_main`` under ``-I``,
so this package and those functions are standard library only, Python 3.9 syntax.
pytest does not collect this package; tests/test_bench_quick.py runs it.
"""

# (name, module) in the order `python -m bench` runs them: engine first, then the window.
BENCHES = (
    ("record", "record"),
    ("ingest", "ingest"),
    ("export", "export"),
    ("gil-lanes", "gil_lanes"),
    ("fidelity", "fidelity"),
    ("memory", "memory"),
    ("render", "render"),
    ("gui-latency", "gui_latency"),
    ("compare-view", "compare_view"),
    ("startup", "startup"),
)
