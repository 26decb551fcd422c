"""What a user who only fits a Markov model loads: the model, not the rest of Touchpath.

A fresh interpreter imports the public entry points; the modules they add on top of
what pandas, NumPy and ``scipy.sparse`` load themselves must all be Touchpath's own,
and none of the heavy optional ones (DuckDB, the Shapley models, the bootstrap, the
comparison's plotting, ``scipy.sparse.csgraph`` / ``scipy.sparse.linalg``). PyArrow is
not in the list: pandas 3 imports it itself when it is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import scipy.sparse as sp

from touchpath.attribution.markov import _can_reach

HEAVY = ("duckdb", "matplotlib", "scipy.sparse.csgraph", "scipy.sparse.linalg",
         "scipy.linalg", "scipy.optimize", "touchpath.attribution.shapley",
         "touchpath.attribution.bootstrap", "touchpath.attribution.compare",
         "touchpath.data.warehouse", "touchpath.data.journeys")


def _added_modules(entry: str) -> tuple[list[str], list[str]]:
    """Modules ``entry`` adds to a process that has pandas, NumPy and scipy.sparse."""
    code = ("import json, sys\n"
            "import numpy, pandas, scipy.sparse\n"
            "before = set(sys.modules)\n"
            f"{entry}\n"
            "added = sorted(set(sys.modules) - before)\n"
            f"print(json.dumps([added, [m for m in {list(HEAVY)!r} if m in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    added, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    return added, heavy


def test_the_markov_entry_points_import_only_touchpath_modules():
    for entry in ("from touchpath.attribution import MarkovChain\n"
                  "from touchpath.data import PathTable",
                  "import touchpath.attribution.markov"):
        added, heavy = _added_modules(entry)
        assert heavy == [], (entry, heavy)
        foreign = [m for m in added if m.split(".")[0] != "touchpath"]
        assert foreign == [], (entry, foreign)
        assert "touchpath.attribution.markov" in added
        assert "duckdb" not in added


def test_the_package_names_stay_functions_after_their_submodules_load():
    """``bootstrap`` and ``compare`` are both submodules and functions of the package."""
    code = ("import touchpath.attribution.compare, touchpath.attribution.bootstrap\n"
            "import touchpath.attribution as a\n"
            "from touchpath.attribution import bootstrap, compare, MarkovChain, make_model\n"
            "print(callable(bootstrap), callable(compare), a.bootstrap is bootstrap,\n"
            "      type(bootstrap).__name__, type(compare).__name__,\n"
            "      make_model('markov2') == MarkovChain(order=2))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["True", "True", "True", "function", "function", "True"]


def test_reachability_walks_the_transitions_backwards():
    # 0 -> 1 -> 2 (target), 2 -> 2, 3 -> 4, 4 -> 3: states 3 and 4 never reach 2;
    # 5 -> 0 reaches it in three steps.
    src = [0, 1, 2, 3, 4, 5]
    dst = [1, 2, 2, 4, 3, 0]
    counts = sp.csr_matrix((np.ones(6), (src, dst)), shape=(6, 6))
    targets = np.array([False, False, True, False, False, False])
    reach = _can_reach(counts.T.tocsr(), targets)
    assert reach.tolist() == [True, True, True, False, False, True]
    assert _can_reach(counts.T.tocsr(), np.zeros(6, dtype=bool)).tolist() == [False] * 6
