"""Fixtures of the API tests: API keys, TestClients, servers over the seeded warehouse.

The seed itself (``tests/api/data/*.csv``, the ``seeded_db`` fixture) is shared with
the report's tests and lives in ``tests/conftest.py``, which tabulates it.
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

from tests.conftest import SEED_DATA
from touchpath.api.testing import free_port, stop_process, touchpath_command

#: The seed's CSV files (the API's tests read them from here).
DATA = SEED_DATA

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
