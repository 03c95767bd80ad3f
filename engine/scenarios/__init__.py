"""The one table of scenarios.  The picker, `list`, CLI flags and tests iterate it.

Standard library only.  Modules are imported lazily by id, so the runner loads
just the scenario it runs.
"""
import importlib
import importlib.util
import os
import sys

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

# Test hook, off unless GILSCOPE_TEST_SCENARIOS=1: get() then also accepts the
# fault-injection scenarios of tests/engine/fault_scenarios.py (a worker that
# segfaults, a runner that kills itself, a C call holding the GIL ...) so the
# reliability tests drive the real runner with them.  Only that one file of
# this checkout is loaded; they are never listed, picked or in IDS.
TEST_SCENARIOS_ENV = "GILSCOPE_TEST_SCENARIOS"
_TEST_MODULE_NAME = "gilscope_fault_scenarios"
_TEST_MODULE_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tests", "engine", "fault_scenarios.py")


class UnknownScenario(KeyError):
    def __str__(self):
        return "unknown scenario %r; known: %s" % (self.args[0], ", ".join(IDS))


def get(scenario_id):
    """The Scenario declared by scenario_id's module.  Raises UnknownScenario."""
    module = dict(TABLE).get(scenario_id)
    if module is None:
        found = _test_scenario(scenario_id)
        if found is None:
            raise UnknownScenario(scenario_id)
        return found
    return importlib.import_module(__name__ + "." + module).SCENARIO


def _test_scenario(scenario_id):
    """A fault-injection scenario, only with the test hook on (see TEST_SCENARIOS_ENV)."""
    if os.environ.get(TEST_SCENARIOS_ENV) != "1" or not os.path.isfile(_TEST_MODULE_PATH):
        return None
    module = sys.modules.get(_TEST_MODULE_NAME)
    if module is None:
        spec = importlib.util.spec_from_file_location(_TEST_MODULE_NAME, _TEST_MODULE_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[_TEST_MODULE_NAME] = module  # pool tasks pickle its functions by name
        spec.loader.exec_module(module)
    return module.SCENARIOS.get(scenario_id)


def all_scenarios():
    return [get(sid) for sid in IDS]
