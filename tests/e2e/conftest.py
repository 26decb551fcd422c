"""Browser fixtures: Debian's Chromium driven by Playwright against a real `touchpath serve`.

Without Chromium (or Playwright) the browser tests are skipped with the reason,
except on CI (the ``CI`` variable set), where they fail: CI installs Chromium in
``.ci/run`` and must never skip these tests silently.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from touchpath.api.testing import free_port, stop_process, touchpath_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: Screenshots of each section land here (git-ignored), for CI to keep as artifacts.
ARTIFACTS = Path(__file__).parent / "artifacts"
N_USERS = 6000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """A small synthetic warehouse and a read key: ``(db path, keys file, key)``.

    ``touchpath.report.duckdb`` beside it is a copy for the report test (the server holds
    the lock on ``demo.duckdb``).
    """
    from touchpath.api.security import create_key
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    root = tmp_path_factory.mktemp("e2e")
    db = root / "demo.duckdb"
    with Warehouse.open(db) as wh:
        generate(SynthConfig(n_users=N_USERS)).load_into(wh)
    shutil.copyfile(db, root / "report.duckdb")
    keys = root / "touchpath.keys"
    return db, keys, create_key(keys, "read", "browser")


@pytest.fixture(scope="session")
def server(demo, tmp_path_factory):
    """Base URL of a `touchpath serve` process on a free loopback port."""
    db, keys, _ = demo
    yield from serve(db, keys, tmp_path_factory)


def serve(db: Path, keys: Path, tmp_path_factory):
    """Run `touchpath serve` over ``db``; yield its base URL, stop it after."""
    port = free_port()
    env = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys)}
    env.pop("TOUCHPATH_CONFIG", None)
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w+b")
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"touchpath serve exited: {log.read().decode()[-2000:]}")
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "touchpath serve did not come up"
                time.sleep(0.1)
        yield base
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
