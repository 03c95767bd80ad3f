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
    ("queue-pipeline", "queue_pipeline"),
)
IDS = tuple(sid for sid, _ in TABLE)


class UnknownScenario(KeyError):
    def __str__(self):
        return "unknown scenario %r; known: %s" % (self.args[0], ", ".join(IDS))


def get(scenario_id):
    """The Scenario declared by scenario_id's module.  Raises UnknownScenario."""
    module = dict(TABLE).get(scenario_id)
    if module is None:
        raise UnknownScenario(scenario_id)
    return importlib.import_module(__name__ + "." + module).SCENARIO


def all_scenarios():
    return [get(sid) for sid in IDS]
