"""The one table of scenarios.  The picker, `list`, CLI flags and tests iterate it.

Standard library only.  Modules are imported lazily by id, so the runner loads
just the scenario it runs.
"""
import importlib

# (id, module) in the order the picker shows them, grouped by topic there.
TABLE = (
    ("process-basics", "process_basics"),
    ("pool", "pool"),
    ("pool-order", "pool_order"),
    ("subprocess", "subprocess_demo"),
    ("shared-globals", "shared_globals"),
    ("thread-names", "thread_names"),
    ("race", "race"),
    ("deadlock", "deadlock"),
    ("gil", "gil"),
    ("threads-help", "threads_help"),
    ("convoy", "convoy"),
    ("queue-pipeline", "queue_pipeline"),
)
IDS = tuple(sid for sid, _ in TABLE)

class UnknownScenario(KeyError):
    def __str__(self):
        return ("unknown scenario %r; known: %s (your own file: run --file FILE.py)"
                % (self.args[0], ", ".join(IDS)))


def get(ref):
    """The Scenario of a table id, or of a scenario file's path (ending in .py).

    Raises UnknownScenario, or engine.scenario_file.ScenarioFileError for a file that
    cannot be used.  A file is only ever one the user named (run --file, File ▸ Open
    scenario…) and the runner is given; a recording's scenario is never loaded from a
    path it holds (engine/recording.py).
    """
    module = dict(TABLE).get(ref)
    if module is not None:
        return importlib.import_module(__name__ + "." + module).SCENARIO
    from .. import scenario_file
    if scenario_file.is_file_ref(ref):
        return scenario_file.load(ref)
    raise UnknownScenario(ref)


def all_scenarios():
    return [get(sid) for sid in IDS]
