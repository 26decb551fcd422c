"""Loopback tests: readers during an ingest see one whole data version; a real server."""

import os
import random
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest

from api.testing import free_port, stop_process, touchpath_command
from tests.api.conftest import COUNTS_A, COUNTS_B, DATA, live_server, make_settings

N_THREADS, N_REQUESTS = 16, 50

#: Two response curves for the budget plans among the mixed requests.
CURVES = [
    {"channel": "a", "segments": [{"width": 100, "slope": 4.0}, {"width": 100, "slope": 1.0}]},
    {"channel": "b", "segments": [{"width": 100, "slope": 3.0}, {"width": 100, "slope": 2.0}]},
]
BUDGETS = (150, 200, 250, 300, 350)


def greedy_revenue(budget: float) -> float:
    """Revenue of spending ``budget`` on the steepest segments first (concave curves)."""
    segments = sorted((s["slope"], s["width"]) for c in CURVES for s in c["segments"])[::-1]
    revenue, left = 0.0, budget
    for slope, width in segments:
        take = min(width, left)
        revenue, left = revenue + slope * take, left - take
    return revenue


def check(kind: str, body: dict, versions: dict[int, str]) -> str:
    """Which state ('A' or 'B') a response shows; fails unless it matches its data_version."""
    state = versions[body["data_version"]]
    if kind == "health":
        assert body["counts"] == (COUNTS_A if state == "A" else COUNTS_B)
    elif kind == "attribution":
        email = next(c for c in body["channels"] if c["channel"] == "email")
        assert (body["total_conversions"], email["conversions"]) == (
            (5, 1) if state == "A" else (6, 2))
    elif kind == "paths":
        t = body["totals"]
        assert (t["path_conversions"], t["nulls"]) == ((5, 1) if state == "A" else (6, 0))
    elif kind == "roi":
        total = sum(r["attributed_conversions"] for r in body["rows"])
        assert total == pytest.approx(7 if state == "A" else 8)
    elif kind == "plan":
        assert body["status"] == "optimal"
        assert body["total_spend"] == pytest.approx(body["budget"])
        assert body["expected_revenue"] == pytest.approx(greedy_revenue(body["budget"]))
    return state


def test_readers_see_whole_versions_while_an_ingest_runs(db_copy, keys):
    from api.main import create_app

    app = create_app(make_settings(db_copy, keys))
    h = keys.headers("read")
    done = Counter()
    lock = threading.Lock()
    halfway = threading.Event()
    errors: list[str] = []
    seen: list[str] = []
    went_back: list[int] = []

    with live_server(app) as base:
        with httpx.Client(base_url=base, timeout=10) as c:
            v0 = c.get("/v1/health").json()["data_version"]
        versions = {v0: "A", v0 + 1: "B"}

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            mine: list[str] = []
            with httpx.Client(base_url=base, timeout=20, headers=h) as c:
                for _ in range(N_REQUESTS):
                    kind = rng.choice(["health", "attribution", "paths", "roi", "plan"])
                    lb = rng.randint(10, 40)
                    url = {"health": "/v1/health",
                           "attribution": f"/v1/attribution?model=last_touch&lookback_days={lb}",
                           "paths": f"/v1/paths?lookback_days={lb}",
                           "roi": "/v1/roi?period=quarter&model=last_touch",
                           "plan": "/v1/budget/plan"}[kind]
                    try:
                        if kind == "plan":
                            r = c.post(url, json={"budget": rng.choice(BUDGETS),
                                                  "spend_all": True, "curves": CURVES})
                        else:
                            r = c.get(url)
                        assert r.status_code == 200, (url, r.status_code, r.text[:200])
                        state = check(kind, r.json(), versions)
                    except Exception as exc:  # collected, reported below
                        with lock:
                            errors.append(f"{kind}: {exc!r}")
                        continue
                    mine.append(state)
                    with lock:
                        seen.append(state)
                        done["n"] += 1
                        if done["n"] >= N_THREADS * N_REQUESTS // 4:
                            halfway.set()
            # One client's requests are sequential: once it saw B it never sees A again.
            if "B" in mine and "A" in mine[mine.index("B"):]:
                with lock:
                    went_back.append(seed)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(N_THREADS)]
        start = time.monotonic()
        for t in threads:
            t.start()
        assert halfway.wait(60)
        files = {"file": ("more.csv", (DATA / "conversions_more.csv").read_bytes(), "text/csv")}
        with httpx.Client(base_url=base, timeout=30) as c:
            r = c.post("/v1/ingest/conversions", files=files, headers=keys.headers("write"))
        assert r.status_code == 200 and r.json()["data_version"] == v0 + 1
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - start
        with httpx.Client(base_url=base, timeout=10) as c:
            assert c.get("/v1/health").json()["counts"] == COUNTS_B

    assert not errors, errors[:5]
    assert len(seen) == N_THREADS * N_REQUESTS
    # Both versions were served: the ingest really ran in the middle of the load.
    assert seen.count("A") > 0 and seen.count("B") > 0
    assert went_back == []
    assert elapsed < 60


def test_touchpath_serve_answers_on_loopback(db_copy, keys, tmp_path):
    port = free_port()
    env = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys.path)}
    env.pop("TOUCHPATH_CONFIG", None)
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db_copy), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                r = httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "touchpath serve did not come up"
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["counts"] == COUNTS_A
        r = httpx.get(f"{base}/v1/attribution?model=first_touch", headers=keys.headers("read"))
        assert r.status_code == 200 and r.json()["total_conversions"] == 5
        assert httpx.get(f"{base}/v1/attribution").status_code == 401
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Touchpath API"
    finally:
        stop_process(proc)
    assert proc.returncode is not None


def test_keys_create_prints_key_once_and_stores_hash(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app
    from api.security import KeyStore

    path = tmp_path / "k"
    runner = CliRunner()
    out = runner.invoke(app, ["keys", "create", "--role", "write", "--label", "ci",
                              "--keys-file", str(path)])
    assert out.exit_code == 0, out.output
    key = out.stdout.strip().splitlines()[0]
    assert key.startswith("tp_") and key not in path.read_text()
    assert KeyStore(path).lookup(key).role.value == "write"
    bad = runner.invoke(app, ["keys", "create", "--role", "admin", "--keys-file", str(path)])
    assert bad.exit_code != 0
