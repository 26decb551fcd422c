"""Ingest and path-building benchmark: 10M touchpoints from Parquet.

Target (issue "Foundation", 2-core machine): ingest + build_paths under 20 s
and peak RSS under 4 GB.

The data is generated with vectorised numpy (users, times, channels, click or
view, cost in cents; one conversion per ten touches, lognormal values) and
written as Parquet. The timed part runs in a child process so that its peak
RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss``) excludes the generator.

Run: ``python -m bench.bench_ingest [n_touchpoints]`` (default 10,000,000).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHANNELS = ["search_ads", "short_video", "social_kol", "marketplace_ads", "email_sms",
            "app_push", "owned_site"]
TARGET_SECONDS = 20.0
TARGET_RSS_GB = 4.0
DAYS = 90
START = np.datetime64("2024-01-01T00:00:00", "us")


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    text = pa.array(numbers).cast(pa.string())
    return pa.compute.binary_join_element_wise(prefix, text, "")


def generate(n_touchpoints: int, out: Path, seed: int = 7) -> tuple[Path, Path]:
    """Write touchpoints.parquet and conversions.parquet with ~n/10 conversions."""
    rng = np.random.default_rng(seed)
    n_users = max(1, n_touchpoints // 5)
    span_us = DAYS * 86_400 * 1_000_000
    user = rng.integers(0, n_users, n_touchpoints)
    ts = START + rng.integers(0, span_us, n_touchpoints).astype("timedelta64[us]")
    channel = pa.DictionaryArray.from_arrays(
        pa.array(rng.choice(len(CHANNELS), n_touchpoints, p=[.25, .2, .15, .15, .1, .1, .05])
                 .astype(np.int8)), pa.array(CHANNELS)).cast(pa.string())
    interaction = pa.DictionaryArray.from_arrays(
        pa.array((rng.random(n_touchpoints) < 0.3).astype(np.int8)),
        pa.array(["click", "view"])).cast(pa.string())
    cost = np.round(rng.gamma(2.0, 0.2, n_touchpoints), 2)
    touches = pa.table({
        "event_id": _ids("e", np.arange(n_touchpoints)),
        "user_id": _ids("u", user),
        "ts": pa.array(ts),
        "channel": channel,
        "interaction": interaction,
        "cost": pa.array(cost),
    })
    tp_path = out / "touchpoints.parquet"
    pq.write_table(touches, tp_path)
    del touches
    n_conv = max(1, n_touchpoints // 10)
    conv_user = rng.integers(0, n_users, n_conv)
    conv_ts = START + rng.integers(0, span_us, n_conv).astype("timedelta64[us]")
    value = np.round(rng.lognormal(3.5, 0.8, n_conv), 2)
    conversions = pa.table({
        "conversion_id": _ids("c", np.arange(n_conv)),
        "user_id": _ids("u", conv_user),
        "ts": pa.array(conv_ts),
        "value": pa.array(value),
    })
    cv_path = out / "conversions.parquet"
    pq.write_table(conversions, cv_path)
    return tp_path, cv_path


def _timed_run(directory: str) -> None:
    """Child process: ingest both files into a fresh DuckDB file, build paths."""
    from touchpath.data.journeys import JourneyOptions, build_paths
    from touchpath.data.warehouse import Warehouse

    d = Path(directory)
    db = d / "bench.duckdb"
    db.unlink(missing_ok=True)
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    with Warehouse.open(db) as wh:
        report = wh.ingest("touchpoints", d / "touchpoints.parquet")
        out["ingest_touchpoints_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        wh.ingest("conversions", d / "conversions.parquet")
        out["ingest_conversions_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        paths = build_paths(wh, JourneyOptions(lookback_days=30))
        out["build_paths_s"] = time.perf_counter() - t2
    out["total_s"] = time.perf_counter() - t0
    out["rows"] = float(report.rows_inserted)
    out["paths"] = float(paths.n_paths)
    t = paths.totals()
    out["journeys"] = t["journeys"]
    out["conversions"] = t["conversions"]
    print(json.dumps(out))


def main(n_touchpoints: int | None = None) -> dict[str, float]:
    """Generate the data, time ingest + paths in a child process, print a table."""
    if n_touchpoints is None:
        n_touchpoints = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() \
            else 10_000_000
    with tempfile.TemporaryDirectory(prefix="touchpath_bench_") as tmp:
        g0 = time.perf_counter()
        generate(n_touchpoints, Path(tmp))
        gen_s = time.perf_counter() - g0
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [sys.executable, "-c",
             f"from bench.bench_ingest import _timed_run; _timed_run({tmp!r})"],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark child failed:\n{proc.stderr}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["peak_rss_gb"] = max(usage.ru_maxrss, usage0.ru_maxrss) / 1024 / 1024
    # CPU seconds of the child: on a shared machine wall time also counts waiting.
    result["cpu_s"] = (usage.ru_utime + usage.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    result["generate_s"] = gen_s
    ok_time = result["total_s"] < TARGET_SECONDS
    ok_rss = result["peak_rss_gb"] < TARGET_RSS_GB
    print(f"touchpoints: {n_touchpoints:,}  conversions: {int(result['conversions']):,}"
          f"  journeys: {int(result['journeys']):,}  distinct paths: {int(result['paths']):,}")
    print(f"{'step':<24}{'value':>12}  target")
    print(f"{'generate (untimed)':<24}{gen_s:>11.2f}s")
    print(f"{'ingest touchpoints':<24}{result['ingest_touchpoints_s']:>11.2f}s")
    print(f"{'ingest conversions':<24}{result['ingest_conversions_s']:>11.2f}s")
    print(f"{'build_paths':<24}{result['build_paths_s']:>11.2f}s")
    print(f"{'ingest + paths':<24}{result['total_s']:>11.2f}s  < {TARGET_SECONDS:g} s "
          f"{'ok' if ok_time else 'MISSED'}")
    print(f"{'child CPU (user+sys)':<24}{result['cpu_s']:>11.2f}s  (includes start-up)")
    print(f"{'peak RSS':<24}{result['peak_rss_gb']:>10.2f}GB  < {TARGET_RSS_GB:g} GB "
          f"{'ok' if ok_rss else 'MISSED'}")
    return result


if __name__ == "__main__":
    main()
