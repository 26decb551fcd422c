"""Shared fixtures for the Touchpath test-suite.

``seeded_db`` is a warehouse of the seed data (``tests/api/data/*.csv``), small
enough to work by hand; the API's and the report's tests check numbers against it:

=========  ============================================  ==========  =====
user       touches (2026)                                conversion  value
=========  ============================================  ==========  =====
u1         search 01-02, email 01-05                     01-06       100
u2         social 01-03                                  01-04        50
u3         search 01-10, social 01-11                    01-12        80
u4         email 01-15                                   none (null journey)
u5         —                                             01-20        30 (direct)
u6         tiktok 02-01                                  02-02        40
u7         search 02-10, tiktok 02-12                    02-13        60
u8         —                                             03-20        20 (direct)
=========  ============================================  ==========  =====

Paths: 5 converting journeys worth 330, one null journey (``email``), and 2
direct conversions worth 50. ``conversions_more.csv`` adds u4's conversion on
01-20 worth 70, turning the null ``email`` journey into a converting one.
"""

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Property tests time nothing (speed is checked by bench/), so no per-example
# deadline: a loaded 2-core CI machine must not turn slowness into failures.
# On CI the examples are derandomised, so a red run is reproducible.
settings.register_profile("touchpath", deadline=None, print_blob=True)
settings.register_profile("ci", parent=settings.get_profile("touchpath"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "touchpath")


#: The seed's CSV files, and the order they are loaded in.
SEED_DATA = Path(__file__).parent / "api" / "data"
SEED_ORDER = ("channels", "touchpoints", "conversions", "spend")


def seed_warehouse(path: Path) -> int:
    """Create a warehouse file at ``path`` with the seed CSVs; return its data version."""
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(path) as wh:
        for table in SEED_ORDER:
            wh.ingest(table, SEED_DATA / f"{table}.csv")
        return wh.data_version


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """A seeded warehouse file, built once; copy it before writing to it."""
    path = tmp_path_factory.mktemp("wh") / "seed.duckdb"
    seed_warehouse(path)
    return path


@pytest.fixture
def tiny_paths():
    """A 3-channel toy PathTable small enough to work by hand."""
    from touchpath.data.paths import PathTable

    return PathTable.from_paths(
        [["a", "b", "c"], ["a", "c"], ["b"], ["c", "a"]],
        conversions=[1, 2, 0, 1],
        value=[100.0, 80.0, 0.0, 30.0],
        nulls=[1, 0, 3, 2],
        direct_conversions=2,
        direct_value=40.0,
    )


@pytest.fixture(scope="session")
def synth_warehouse(tmp_path_factory):
    """Factory: ``synth_warehouse(**config)`` is the path of a new DuckDB warehouse
    loaded with ``touchpath.data.synth.generate(SynthConfig(**config))``."""
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    def make(**config):
        path = tmp_path_factory.mktemp("wh") / "synth.duckdb"
        with Warehouse(path) as wh:
            generate(SynthConfig(**config)).load_into(wh)
        return path

    return make


#: A second process that opens a DuckDB file read-write (taking its lock), says so, and waits.
_HOLDER = ("import sys, time, duckdb\n"
           "conn = duckdb.connect(sys.argv[1])\n"
           "print('holding', flush=True)\n"
           "time.sleep(600)\n")


@pytest.fixture
def hold_file():
    """Factory: ``hold_file(path)`` starts a process holding ``path`` open in DuckDB.

    Returns the running :class:`subprocess.Popen` once the lock is taken; every
    holder is stopped at teardown.
    """
    import subprocess
    import sys

    from touchpath.api.testing import stop_process

    procs = []

    def hold(path):
        proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        line = proc.stdout.readline()
        assert line.strip() == "holding", proc.stderr.read()
        return proc

    yield hold
    for proc in procs:
        stop_process(proc)
        proc.stdout.close()
        proc.stderr.close()
