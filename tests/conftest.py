"""Shared fixtures for the Touchpath test-suite.

The seed warehouse (:mod:`tests.seed`: ``seeded_db``, ``db_copy``) and the API
keys (``keys``) serve the API tests (``tests/api``), the CLI tests (``tests/cli``) and
the report's (``tests/report``), which ask the same questions through each surface.
The seed data and its hand-worked table are in :mod:`tests.seed`.
"""

import os
import shutil
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

from tests.seed import Keys, seed_warehouse

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Property tests time nothing (speed is checked by bench/), so no per-example
# deadline: a loaded 2-core CI machine must not turn slowness into failures.
# On CI the examples are derandomised, so a red run is reproducible.
settings.register_profile("touchpath", deadline=None, print_blob=True)
settings.register_profile("ci", parent=settings.get_profile("touchpath"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "touchpath")


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
def seeded_db(tmp_path_factory) -> Path:
    """A seeded warehouse file (:mod:`tests.seed`), built once; copy it before writing to it."""
    path = tmp_path_factory.mktemp("wh") / "seed.duckdb"
    seed_warehouse(path)
    return path


@pytest.fixture
def db_copy(seeded_db, tmp_path) -> Path:
    """A private copy of the seeded warehouse for tests that write."""
    target = tmp_path / "wh.duckdb"
    shutil.copyfile(seeded_db, target)
    return target


@pytest.fixture(scope="session")
def keys(tmp_path_factory) -> Keys:
    """A keys file with one ``read`` key (label analyst) and one ``write`` key (loader)."""
    from touchpath.api.security import create_key

    path = tmp_path_factory.mktemp("keys") / "touchpath.keys"
    return Keys(path, create_key(path, "read", "analyst"), create_key(path, "write", "loader"))


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


@pytest.fixture(scope="session")
def plan_db(synth_warehouse):
    """The planning tests' synthetic warehouse: 8,000 users in 2026, seed 5 (only read)."""
    return synth_warehouse(n_users=8000, seed=5)


@pytest.fixture(scope="session")
def plan_found(plan_db):
    """The plan inputs fitted from :func:`plan_db` with first-order Markov, per month."""
    from touchpath.data.warehouse import Warehouse
    from touchpath.service import CurveSettings, plan_inputs

    with Warehouse.open(plan_db, read_only=True) as wh:
        return plan_inputs(wh, CurveSettings(model="markov1"))


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


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``, 2 shuffle partitions, no UI) for the whole run.

    Skips the test when pyspark is not installed (the ``spark`` extra), except on CI (the
    ``CI`` variable set), where it fails: CI installs the extra and Java. Stopped at the end.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("Spark tests cannot run on CI: pyspark is not installed (the spark "
                        "extra)", pytrace=False)
        pytest.skip("pyspark is not installed (pip install 'touchpath[spark]')")
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Spark tests cannot run on CI: no java on PATH", pytrace=False)
        pytest.skip("Spark needs a Java 17 runtime (apt-get install openjdk-17-jre-headless)")
    from touchpath.data.engines import spark_session

    session = spark_session("local[2]", conf={
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.driver.memory": "1g",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
    })
    yield session
    session.stop()


@pytest.fixture(scope="session")
def monitoring_db(tmp_path_factory) -> Path:
    """The constructed quarter of :mod:`tests.seed.monitoring`, built once (copy to write)."""
    from tests.seed.monitoring import load_monitoring
    from touchpath.data.warehouse import Warehouse

    path = tmp_path_factory.mktemp("wh") / "monitoring.duckdb"
    with Warehouse.open(path) as wh:
        load_monitoring(wh)
    return path


@pytest.fixture
def monitoring_copy(monitoring_db, tmp_path) -> Path:
    """A private copy of :func:`monitoring_db` for tests that record plans."""
    target = tmp_path / "monitoring.duckdb"
    shutil.copyfile(monitoring_db, target)
    return target
