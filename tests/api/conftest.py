"""Fixtures of the API tests: a small seeded warehouse, API keys, TestClients.

The seed data (``tests/api/data/*.csv``) is small enough to work by hand:

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

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from touchpath.api.testing import free_port, stop_process, touchpath_command

DATA = Path(__file__).parent / "data"
SEED_ORDER = ("channels", "touchpoints", "conversions", "spend")

#: Row counts of the seeded warehouse ("state A") and after conversions_more.csv ("state B").
COUNTS_A = {"channels": 4, "conversions": 7, "spend": 5, "touchpoints": 9}
COUNTS_B = {**COUNTS_A, "conversions": 8}


@dataclass(frozen=True)
class Keys:
    path: Path
    read: str
    write: str

    def headers(self, role: str = "read", style: str = "bearer") -> dict[str, str]:
        key = self.read if role == "read" else self.write
        if style == "bearer":
            return {"Authorization": f"Bearer {key}"}
        return {"X-API-Key": key}


def seed_warehouse(path: Path) -> int:
    """Create a warehouse file at ``path`` with the seed CSVs; return its data version."""
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(path) as wh:
        for table in SEED_ORDER:
            wh.ingest(table, DATA / f"{table}.csv")
        return wh.data_version


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """A seeded warehouse file, built once; copy it before writing to it."""
    path = tmp_path_factory.mktemp("wh") / "seed.duckdb"
    seed_warehouse(path)
    return path


@pytest.fixture(scope="session")
def keys(tmp_path_factory) -> Keys:
    from touchpath.api.security import create_key

    path = tmp_path_factory.mktemp("keys") / "touchpath.keys"
    return Keys(path, create_key(path, "read", "analyst"), create_key(path, "write", "loader"))


@pytest.fixture
def db_copy(seeded_db, tmp_path) -> Path:
    """A private copy of the seeded warehouse for tests that write."""
    target = tmp_path / "wh.duckdb"
    shutil.copyfile(seeded_db, target)
    return target


def make_settings(db: Path, keys: Keys, **extra):
    from touchpath.api.settings import Settings

    return Settings(db=str(db), api_keys_file=keys.path, **extra)


@pytest.fixture(scope="module")
def ro_client(tmp_path_factory, seeded_db, keys):
    """A client over a module-private copy of the seed (for tests that only read)."""
    from touchpath.api.main import create_app

    target = tmp_path_factory.mktemp("ro") / "wh.duckdb"
    shutil.copyfile(seeded_db, target)
    with TestClient(create_app(make_settings(target, keys))) as client:
        yield client


@pytest.fixture
def client(db_copy, keys):
    """A client over a private copy of the seed (tests may write)."""
    from touchpath.api.main import create_app

    with TestClient(create_app(make_settings(db_copy, keys))) as c:
        yield c


@pytest.fixture
def read_h(keys) -> dict[str, str]:
    return keys.headers("read")


@pytest.fixture
def write_h(keys) -> dict[str, str]:
    return keys.headers("write")


@contextmanager
def live_server(app):
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass(frozen=True)
class Served:
    """A ``touchpath serve`` process on loopback."""

    base: str
    proc: subprocess.Popen

    def peak_rss_kib(self) -> int:
        """The server process's peak resident memory so far (``VmHWM``), in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise RuntimeError("VmHWM not in /proc/<pid>/status")


@contextmanager
def touchpath_serve(db: Path, keys: Keys, cwd: Path, **env: str):
    """Run ``touchpath serve`` on a free loopback port over ``db``; yield a :class:`Served`.

    ``env`` adds environment variables (e.g. ``TOUCHPATH_MAX_UPLOAD_BYTES``,
    ``TMPDIR``); ``TOUCHPATH_CONFIG`` of the test run is not passed on.
    """
    port = free_port()
    environ = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys.path), **env}
    environ.pop("TOUCHPATH_CONFIG", None)
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--log-level", "warning"],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "touchpath serve did not come up"
                time.sleep(0.1)
        yield Served(base, proc)
    finally:
        stop_process(proc)
