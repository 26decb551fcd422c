"""Fixtures of the API tests: settings, TestClients and servers over the seed.

The seed warehouse (``seeded_db``, ``db_copy``) and the API keys (``keys``) are
shared with the CLI tests and live in ``tests/conftest.py``; the seed data and
its hand-worked table in :mod:`tests.seed`.
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

from tests.seed import COUNTS_A, COUNTS_B, DATA, Keys, seed_warehouse
from touchpath.api.testing import free_port, stop_process, touchpath_command

#: Re-exported for the API tests that import them from here.
__all__ = ["COUNTS_A", "COUNTS_B", "DATA", "Keys", "live_server", "make_settings",
           "seed_warehouse", "touchpath_serve"]


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
