"""HTTP API benchmark: bounded loopback load against a real ``touchpath serve``.

Demo-sized data (the generator's default world, 100k users) is loaded into a
temporary warehouse; ``touchpath serve`` runs it in its own process on a free
127.0.0.1 port. Eight client threads (one ``httpx.Client`` each) then run two
phases of about 10 s each:

1. ``GET /v1/attribution?model=markov`` (order 1) — a cached read: the first
   request computes, the others are answered from the result cache;
2. ``POST /v1/budget/plan`` over 12 channels given as curves (8 segments each,
   max change ±30%, two group caps) — every request has a different budget,
   so every request builds and solves the LP (CBC) and nothing is cached.

Targets (issue): p99 under 50 ms for cached reads, under 500 ms for the plan.
Latencies are client-side wall times, loopback only.
"""

import os
import random
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from touchpath.api.testing import free_port, stop_process, touchpath_command

N_CLIENTS = 8
PHASE_SECONDS = 10.0
N_PLAN_CHANNELS = 12


def _curves(seed: int = 11) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(N_PLAN_CHANNELS):
        slopes = np.sort(rng.uniform(0.3, 6.0, size=8))[::-1]
        out.append({
            "channel": f"ch{i:02d}",
            "group": ["search", "social", "marketplace", "owned"][i % 4],
            "previous_spend": float(rng.uniform(50_000, 150_000)),
            "segments": [{"width": float(rng.uniform(20_000, 60_000)), "slope": float(s)}
                         for s in slopes],
        })
    return out


def _load(base: str, headers: dict, make_request, seconds: float) -> np.ndarray:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        rng = random.Random(k)
        local = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                r = make_request(c, rng)
                local.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    with lock:
                        errors.append(f"{r.status_code}: {r.text[:200]}")
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(N_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return np.array(latencies) * 1000.0


def _report(name: str, ms: np.ndarray, seconds: float, target_ms: float) -> None:
    p50, p99 = np.percentile(ms, [50, 99])
    verdict = "meets" if p99 < target_ms else "MISSES"
    print(f"{name}: {len(ms)} requests in {seconds:.0f} s ({len(ms) / seconds:.0f}/s), "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ms.max():.1f} ms "
          f"-> {verdict} p99 < {target_ms:.0f} ms", flush=True)


def main() -> None:
    from touchpath.api.security import create_key
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    with tempfile.TemporaryDirectory(prefix="touchpath-bench-api-") as tmp:
        db, keys = Path(tmp) / "wh.duckdb", Path(tmp) / "keys"
        t0 = time.perf_counter()
        data = generate(SynthConfig())
        with Warehouse.open(db) as wh:
            data.load_into(wh)
            counts = wh.counts()
        print(f"demo data: {counts} (generated and loaded in "
              f"{time.perf_counter() - t0:.1f} s)", flush=True)
        key = create_key(keys, "read", "bench")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPATH_")}
        proc = subprocess.Popen([*touchpath_command(), "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--db", str(db), "--keys-file", str(keys),
                                 "--log-level", "warning"], env=env, cwd=tmp)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/v1/health", timeout=1)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("touchpath serve did not start") from None
                    time.sleep(0.2)
            headers = {"Authorization": f"Bearer {key}"}
            url = "/v1/attribution?model=markov&order=1"
            t0 = time.perf_counter()
            first = httpx.get(base + url, headers=headers, timeout=300)
            first.raise_for_status()
            print(f"first (uncached) GET {url}: {(time.perf_counter() - t0) * 1000:.0f} ms",
                  flush=True)
            ms = _load(base, headers, lambda c, rng: c.get(url), PHASE_SECONDS)
            _report(f"cached GET /v1/attribution, {N_CLIENTS} clients", ms, PHASE_SECONDS, 50)

            curves = _curves()
            body = {"quarter": "2027Q1", "max_change": 0.3, "curves": curves,
                    "group_caps": [{"group": "social", "max_share": 0.4},
                                   {"group": "search", "max_share": 0.5}]}

            def plan(c: httpx.Client, rng: random.Random) -> httpx.Response:
                budget = round(rng.uniform(900_000, 1_300_000), 2)
                return c.post("/v1/budget/plan", json={**body, "budget": budget})

            ms = _load(base, headers, plan, PHASE_SECONDS)
            _report(f"POST /v1/budget/plan ({N_PLAN_CHANNELS} channels, LP solved each "
                    f"request), {N_CLIENTS} clients", ms, PHASE_SECONDS, 500)
            t0 = time.perf_counter()
            r = httpx.post(f"{base}/v1/budget/plan", headers=headers, timeout=300,
                           json={"budget": 1_000_000, "quarter": "2027Q1"})
            print(f"plan from the warehouse (curves fitted, first request): "
                  f"{(time.perf_counter() - t0) * 1000:.0f} ms, status {r.status_code}, "
                  f"{len(r.json().get('channels', []))} channels", flush=True)
        finally:
            stop_process(proc)


if __name__ == "__main__":
    main()
