"""``touchpath --help`` stays light: the commands declare the service's defaults without
loading pandas, DuckDB, SciPy or the solvers (each command imports them when it runs).

Checked in a fresh interpreter, as a user's shell starts one.
"""

import json
import subprocess
import sys

import pytest

#: Modules of the numerical stack and the server that a help text must not load.
HEAVY = ("numpy", "pandas", "duckdb", "scipy", "pyarrow", "pulp", "matplotlib", "fastapi")

_PROBE = f"""
import json, sys
from touchpath.cli import main
sys.argv = ["touchpath", *json.loads(sys.argv[1])]
code = None
try:
    main()
except SystemExit as stop:
    code = stop.code
print(json.dumps({{"code": code, "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["attribute", "--help"],
                                  ["roi", "--help"], ["demo", "--help"], ["report", "--help"]])
def test_help_loads_no_numerical_stack(args):
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], capture_output=True,
                          text=True, timeout=60, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "loaded": []}, done.stderr
    assert "Usage: touchpath" in done.stdout
