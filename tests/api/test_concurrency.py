"""Loopback tests: readers during an ingest see one whole data version; a real server."""

import random
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.api.conftest import (
    COUNTS_A,
    COUNTS_B,
    DATA,
    live_server,
    make_settings,
    touchpath_serve,
)

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
    from touchpath.api.main import create_app

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
    with touchpath_serve(db_copy, keys, tmp_path) as served:
        base = served.base
        r = httpx.get(f"{base}/v1/health", timeout=5)
        assert r.status_code == 200 and r.json()["counts"] == COUNTS_A
        r = httpx.get(f"{base}/v1/attribution?model=first_touch", headers=keys.headers("read"))
        assert r.status_code == 200 and r.json()["total_conversions"] == 5
        assert httpx.get(f"{base}/v1/attribution").status_code == 401
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Touchpath API"


#: Time budget of the server below; its compare would take about ten times longer.
BUDGET_S = 2.0
#: Five models refitted on every resample x 1000 resamples: 5000 fits of a few ms each.
EXPENSIVE = "/v1/attribution/compare?models=markov1,markov2,markov3,markov4,markov_auto&ci=1000"


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    """A small synthetic world (1,000 users): a Markov refit on it takes a few ms."""
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    path = tmp_path_factory.mktemp("synth") / "synth.duckdb"
    with Warehouse.open(path) as wh:
        generate(SynthConfig(n_users=1000)).load_into(wh)
    return path


def test_a_long_read_and_a_waiting_ingest_do_not_hold_up_health(synth_db, keys, tmp_path):
    """Health and cheap reads answer at once; the long read stops at its budget (503)."""
    read, write = keys.headers("read"), keys.headers("write")
    extra = b"conversion_id,user_id,ts,value\nextra-1,u-extra,2026-01-05T10:00:00Z,10\n"
    got: dict[str, dict] = {}

    with touchpath_serve(synth_db, keys, tmp_path, TOUCHPATH_MAX_BOOTSTRAP_WORK="5000",
                         TOUCHPATH_REQUEST_TIME_BUDGET_S=str(BUDGET_S)) as served:
        base = served.base
        before = httpx.get(f"{base}/v1/health", timeout=5).json()
        assert httpx.get(f"{base}/v1/paths?limit=1", headers=read, timeout=60).status_code == 200

        # one connected client per request, made before anything is timed
        clients = {name: httpx.Client(base_url=base, timeout=120)
                   for name in ("compare", "ingest", "cheap", "health")}
        for c in clients.values():
            c.get("/v1/health")

        def timed(name: str, call) -> None:
            t0 = time.monotonic()
            r = call(clients[name])
            got[name] = {"r": r, "start": t0, "end": time.monotonic()}

        def compare() -> None:
            timed("compare", lambda c: c.get(EXPENSIVE, headers=read))

        def ingest() -> None:
            timed("ingest", lambda c: c.post("/v1/ingest/conversions", headers=write,
                                             files={"file": ("extra.csv", extra, "text/csv")}))

        def cheap() -> None:  # a cached read: it must pass the waiting ingest
            timed("cheap", lambda c: c.get("/v1/paths?limit=1", headers=read))

        threads = [threading.Thread(target=f, daemon=True) for f in (compare, ingest, cheap)]
        threads[0].start()
        time.sleep(1.0)  # the compare holds the read side by now
        threads[1].start()
        time.sleep(0.3)  # the ingest waits for the compare
        threads[2].start()
        health: list[tuple[float, float]] = []
        c = clients["health"]
        while threads[0].is_alive() or threads[1].is_alive():
            t0 = time.monotonic()
            assert c.get("/v1/health").status_code == 200
            health.append((t0, time.monotonic() - t0))
            time.sleep(0.05)
        for t in threads:
            t.join(60)
        after = c.get("/v1/health").json()
        for c in clients.values():
            c.close()

    comp, ing, chp = got["compare"], got["ingest"], got["cheap"]
    # the long read ran to its budget and was stopped, with the reason and when to retry
    assert comp["r"].status_code == 503, comp["r"].text[:300]
    assert comp["r"].headers["retry-after"] == "2"
    assert comp["r"].json()["reason"].startswith("stopped after ")
    long_read = comp["end"] - comp["start"]
    assert BUDGET_S * 0.9 <= long_read < BUDGET_S + 10
    # the ingest waited behind it (it cannot finish before the compare let go) ...
    assert ing["r"].status_code == 200, ing["r"].text[:300]
    assert ing["end"] > comp["start"] + BUDGET_S * 0.9, "the ingest did not wait for the read"
    # ... and went in once the compare was stopped
    assert ing["end"] - comp["end"] < 10
    # health, asked while the ingest waited, never waited itself
    waiting = [s for t0, s in health if ing["start"] <= t0 <= comp["end"]]
    assert len(waiting) >= 3, health
    assert max(waiting) < min(0.5, long_read / 5), waiting
    # the cached read sent while the ingest waited was not queued behind it
    assert chp["r"].status_code == 200 and chp["end"] - chp["start"] < 0.5
    assert chp["end"] < comp["end"]
    # health shows the ingest once it is done
    assert after["counts"]["conversions"] == before["counts"]["conversions"] + 1
    assert after["data_version"] == before["data_version"] + 1
