"""The service package: its defaults load alone, its workflows on first use.

Checked in fresh interpreters (what is already imported here proves nothing).
"""

import json
import subprocess
import sys

HEAVY = ("numpy", "pandas", "duckdb", "scipy", "pulp")


def _run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_defaults_load_without_the_workflows_and_the_numerical_stack():
    out = _run("import json, sys\n"
               "from touchpath.service import DEFAULTS, LocalMemo\n"
               f"print(json.dumps({{'max_change': DEFAULTS.max_change, 'loaded': sorted("
               f"m for m in {HEAVY!r} if m in sys.modules)}}))")
    assert out == {"max_change": 0.3, "loaded": []}


def test_a_workflow_is_loaded_on_first_use_and_keeps_its_name():
    """``lifecycle`` names a submodule and a workflow: after importing the submodule (as
    ``planning`` does) ``service.lifecycle`` is still the workflow."""
    out = _run("import json\n"
               "import touchpath.service.planning\n"
               "from touchpath import service\n"
               "from touchpath.service import lifecycle\n"
               "print(json.dumps([service.lifecycle.__module__, lifecycle.__name__,\n"
               "                  service.plan.__module__, service.roi_table.__module__,\n"
               "                  sorted(set(service.__all__) - set(dir(service)))]))")
    assert out == ["touchpath.service.lifecycle", "lifecycle", "touchpath.service.planning",
                   "touchpath.service.roi", []]


def test_an_unknown_name_is_an_attribute_error():
    out = _run("import json\nfrom touchpath import service\n"
               "try:\n    service.no_such_workflow\nexcept AttributeError as e:\n"
               "    print(json.dumps(str(e)))")
    assert out == "module 'touchpath.service' has no attribute 'no_such_workflow'"
