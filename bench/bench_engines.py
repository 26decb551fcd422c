"""Engines benchmark: Parquet part files -> path table on DuckDB and on Spark local.

Issue "Past one machine": 10M and 100M touchpoints, no warehouse; target on the
2-core machine: 100M touchpoints -> path table on DuckDB under 4 GB peak memory.

The data is generated in chunks of ``CHUNK`` rows with numpy (bounded memory)
as Parquet part files: touchpoints (users n/5, 90 days, 7 channels, 30 % views)
and conversions (n/10, values in cents as DECIMAL(18, 6)). Each engine run is a
fresh child process; its peak memory is the kernel's high-water mark
(``VmHWM`` in ``/proc/<pid>/status``) of that process, and for Spark also of the
JVM it starts (the two summed). DuckDB runs with ``memory_limit`` and spills to
a temporary directory. Spark runs ``local[2]``; its partitions, stages and
shuffle bytes come from the REST API of its own UI on localhost.

``--warehouse`` also times the warehouse's ``build_paths`` (journeys.sql)
against the engine query run on the same warehouse (``paths_warehouse``).

Run: ``python -m bench engines`` (1M touchpoints, both engines), or
``python -m bench engines --rows 100000000 --engines duckdb``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHANNELS = ["search_ads", "short_video", "social_kol", "marketplace_ads", "email_sms",
            "app_push", "owned_site"]
P_CHANNELS = [.25, .2, .15, .15, .1, .1, .05]
DAYS = 90
START = np.datetime64("2024-01-01T00:00:00", "us")
CHUNK = 5_000_000
DUCKDB_MEMORY = "3GB"
TARGET_PEAK_GB = 4.0


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def generate(n: int, out: Path, seed: int = 7) -> tuple[Path, Path]:
    """Write ``out/touchpoints/part-*.parquet`` and ``out/conversions/part-*.parquet``."""
    rng = np.random.default_rng(seed)
    n_users = max(1, n // 5)
    span = DAYS * 86_400 * 1_000_000
    tp_dir, cv_dir = out / "touchpoints", out / "conversions"
    tp_dir.mkdir(parents=True)
    cv_dir.mkdir(parents=True)
    channel_dict = pa.array(CHANNELS)
    interaction_dict = pa.array(["click", "view"])
    for part, lo in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - lo)
        touches = pa.table({
            "event_id": _ids("e", np.arange(lo, lo + m)),
            "user_id": _ids("u", rng.integers(0, n_users, m)),
            "ts": pa.array(START + rng.integers(0, span, m).astype("timedelta64[us]")),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(rng.choice(len(CHANNELS), m, p=P_CHANNELS).astype(np.int8)),
                channel_dict).cast(pa.string()),
            "interaction": pa.DictionaryArray.from_arrays(
                pa.array((rng.random(m) < 0.3).astype(np.int8)),
                interaction_dict).cast(pa.string()),
        })
        pq.write_table(touches, tp_dir / f"part-{part:05d}.parquet", row_group_size=1_000_000)
        del touches
        k = m // 10
        cents = np.round(rng.lognormal(3.5, 0.8, k) * 100).astype(np.int64)
        conversions = pa.table({
            "conversion_id": _ids("c", np.arange(lo // 10, lo // 10 + k)),
            "user_id": _ids("u", rng.integers(0, n_users, k)),
            "ts": pa.array(START + rng.integers(0, span, k).astype("timedelta64[us]")),
            # cents -> units exactly: "12.34" read as DECIMAL(18, 6)
            "value": pc.binary_join_element_wise(
                pa.array(cents // 100).cast(pa.string()),
                pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), 2, "0"), ".")
            .cast(pa.decimal128(18, 6)),
        })
        pq.write_table(conversions, cv_dir / f"part-{part:05d}.parquet")
        del conversions
    return tp_dir, cv_dir


# ------------------------------------------------------------------- children
def _vm_hwm_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


_DUCKDB_CHILD = """
import json, sys, time
from touchpath.data.engines import paths_duckdb
from touchpath.data.journeys import JourneyOptions
tp, cv, tmp, mem = sys.argv[1:5]
t = time.perf_counter()
r = paths_duckdb(tp, cv, JourneyOptions(), memory_limit=mem, temp_directory=tmp, threads=2)
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))
print(json.dumps({"seconds": wall, "query_seconds": r.seconds, "peak_kb": hwm,
                  "paths": r.paths.n_paths, "conversions": r.paths.totals()["conversions"],
                  "nulls": r.paths.totals()["nulls"]}))
"""

_SPARK_CHILD = """
import json, sys, time, urllib.request
from touchpath.data.engines import paths_spark, spark_session
from touchpath.data.journeys import JourneyOptions
tp, cv, tmp, driver_mem, shuffle = sys.argv[1:6]
t0 = time.perf_counter()
spark = spark_session("local[2]", conf={
    "spark.driver.memory": driver_mem, "spark.local.dir": tmp,
    "spark.sql.shuffle.partitions": shuffle, "spark.ui.enabled": "true",
    "spark.ui.port": "0", "spark.ui.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1"})
started = time.perf_counter() - t0
t = time.perf_counter()
r = paths_spark(tp, cv, JourneyOptions(), spark=spark)
wall = time.perf_counter() - t
sc = spark.sparkContext
url = sc.uiWebUrl.replace("0.0.0.0", "127.0.0.1")
stages = json.load(urllib.request.urlopen(f"{url}/api/v1/applications/{sc.applicationId}/stages"))
jvm_pid = sc._jvm.java.lang.ProcessHandle.current().pid()
def hwm(pid):
    return next(int(l.split()[1]) for l in open(f'/proc/{pid}/status') if l.startswith('VmHWM:'))
jvm_kb = hwm(jvm_pid)
py_kb = hwm("self")
spark.stop()
done = [s for s in stages if s.get("status") == "COMPLETE"]
print(json.dumps({
    "seconds": wall, "query_seconds": r.seconds, "startup_seconds": started,
    "peak_kb": jvm_kb + py_kb, "jvm_peak_kb": jvm_kb, "python_peak_kb": py_kb,
    "paths": r.paths.n_paths, "conversions": r.paths.totals()["conversions"],
    "nulls": r.paths.totals()["nulls"],
    "stages": len(done), "tasks": sum(s["numTasks"] for s in done),
    "scan_tasks": max((s["numTasks"] for s in done if s.get("inputBytes", 0) > 0), default=0),
    "shuffle_read_bytes": sum(s.get("shuffleReadBytes", 0) for s in done),
    "shuffle_write_bytes": sum(s.get("shuffleWriteBytes", 0) for s in done),
    "spill_disk_bytes": sum(s.get("diskBytesSpilled", 0) for s in done),
    "shuffle_partitions": int(shuffle)}))
"""


def _child(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"engine run failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_duckdb(tp: Path, cv: Path, tmp: Path) -> dict:
    spill = tmp / "duckdb_spill"
    spill.mkdir(exist_ok=True)
    return _child(_DUCKDB_CHILD, str(tp), str(cv), str(spill), DUCKDB_MEMORY)


def run_spark(tp: Path, cv: Path, tmp: Path, rows: int) -> dict:
    local = tmp / "spark_local"
    local.mkdir(exist_ok=True)
    shuffle = max(4, rows // 1_000_000)  # ~1M rows (~40 MB of shuffle) per partition
    return _child(_SPARK_CHILD, str(tp), str(cv), str(local), "6g", str(shuffle))


_WAREHOUSE_CHILD = """
import json, sys, time
from touchpath.data.engines import paths_warehouse
from touchpath.data.journeys import JourneyOptions, build_paths
from touchpath.data.warehouse import Warehouse
db, = sys.argv[1:2]
out = {}
with Warehouse.open(db, read_only=True) as wh:
    for name, run in (("journeys_sql", lambda: build_paths(wh, JourneyOptions())),
                      ("engine_sql", lambda: paths_warehouse(wh, JourneyOptions()).paths)):
        best = None
        for _ in range(2):
            t = time.perf_counter(); table = run(); s = time.perf_counter() - t
            best = s if best is None else min(best, s)
        out[name] = best
        out[name + "_paths"] = table.n_paths
print(json.dumps(out))
"""


def run_warehouse(tp: Path, cv: Path, tmp: Path) -> dict:
    """Both warehouse queries on a warehouse file holding the generated rows."""
    # Deferred: the warehouse loads only for this comparison.
    from touchpath.data.warehouse import Warehouse

    db = tmp / "bench.duckdb"
    with Warehouse.open(db) as wh:
        for table, cols, src in (
                ("touchpoints", "event_id, user_id, ts, channel, interaction", tp),
                ("conversions", "conversion_id, user_id, ts, value", cv)):
            wh.conn.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_parquet(?)",
                            [str(src / "*.parquet")])
    return _child(_WAREHOUSE_CHILD, str(db))


def demo_warehouse(tmp: Path) -> dict:
    """The same comparison on the demo's synthetic data (``touchpath demo`` size)."""
    # Deferred: the generator loads only for this comparison.
    from touchpath.data.synth import SynthConfig
    from touchpath.data.synth import generate as synth
    from touchpath.data.warehouse import Warehouse

    db = tmp / "demo.duckdb"
    with Warehouse.open(db) as wh:
        synth(SynthConfig()).load_into(wh)
        n = wh.conn.execute("SELECT count(*) FROM touchpoints").fetchone()[0]
    result = _child(_WAREHOUSE_CHILD, str(db))
    result["touchpoints"] = n
    return result


def _gb(kb: int) -> float:
    return kb / 1024 / 1024


def report(engine: str, rows: int, r: dict) -> None:
    print(f"  {engine:7s} {rows:>12,} touchpoints: {r['seconds']:7.1f} s "
          f"({rows / r['seconds']:,.0f} rows/s), peak {_gb(r['peak_kb']):.2f} GB, "
          f"{r['paths']:,} paths, {r['conversions']:,.0f} conversions, {r['nulls']:,.0f} nulls",
          flush=True)
    if engine == "spark":
        mb = 1024 * 1024
        print(f"          startup {r['startup_seconds']:.1f} s; JVM peak "
              f"{_gb(r['jvm_peak_kb']):.2f} GB + Python {_gb(r['python_peak_kb']):.2f} GB; "
              f"{r['stages']} stages, {r['tasks']} tasks; input scan {r['scan_tasks']} "
              f"partitions; shuffle "
              f"{r['shuffle_partitions']} partitions, written "
              f"{r['shuffle_write_bytes'] / mb:,.0f} MB, read {r['shuffle_read_bytes'] / mb:,.0f}"
              f" MB; spilled {r['spill_disk_bytes'] / mb:,.0f} MB", flush=True)
        per = r["shuffle_write_bytes"] / max(1, r["shuffle_partitions"]) / mb
        print(f"          on a cluster: {r['scan_tasks']} scan tasks and "
              f"{r['shuffle_partitions']} shuffle tasks (~{per:,.0f} MB each, hashed by "
              f"user) spread over the executors' cores; raise "
              f"spark.sql.shuffle.partitions to keep ~100 MB per task", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench engines", description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000],
                        help="touchpoints per case (default 1,000,000)")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"],
                        choices=["duckdb", "spark"])
    parser.add_argument("--warehouse", action="store_true",
                        help="also time build_paths vs the engine query on a warehouse "
                             "(demo data and each case)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to write the data (default a temporary directory)")
    args = parser.parse_args([] if argv is None else argv)
    engines = list(args.engines)
    if "spark" in engines:
        try:
            # Deferred: Spark is optional; without it the bench runs DuckDB only.
            import pyspark  # noqa: F401
        except ImportError:
            print("  spark: pyspark is not installed (pip install 'touchpath[spark]'): skipped")
            engines.remove("spark")
    load = os.getloadavg()
    print(f"  machine: {os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}; DuckDB memory_limit {DUCKDB_MEMORY}", flush=True)
    base = Path(tempfile.mkdtemp(prefix="tp_engines_", dir=args.dir))
    try:
        if args.warehouse:
            r = demo_warehouse(base)
            print(f"  warehouse, demo data ({r['touchpoints']:,} touchpoints): journeys.sql "
                  f"{r['journeys_sql']:.2f} s, engine SQL {r['engine_sql']:.2f} s "
                  f"({r['journeys_sql_paths']:,} / {r['engine_sql_paths']:,} paths)", flush=True)
        for rows in args.rows:
            case = base / f"n{rows}"
            t = time.perf_counter()
            tp, cv = generate(rows, case)
            size = sum(f.stat().st_size for f in case.rglob("*.parquet")) / 1024 / 1024
            print(f"  generated {rows:,} touchpoints + {rows // 10:,} conversions "
                  f"({size:,.0f} MB of Parquet) in {time.perf_counter() - t:.0f} s", flush=True)
            for engine in engines:
                r = (run_duckdb(tp, cv, case) if engine == "duckdb"
                     else run_spark(tp, cv, case, rows))
                report(engine, rows, r)
                if engine == "duckdb" and rows >= 100_000_000:
                    ok = _gb(r["peak_kb"]) < TARGET_PEAK_GB
                    print(f"          target peak < {TARGET_PEAK_GB:.0f} GB: "
                          f"{'met' if ok else 'MISSED'}", flush=True)
            if args.warehouse:
                r = run_warehouse(tp, cv, case)
                print(f"  warehouse, {rows:,} touchpoints: journeys.sql "
                      f"{r['journeys_sql']:.2f} s, engine SQL {r['engine_sql']:.2f} s", flush=True)
            shutil.rmtree(case, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(sys.argv[1:])
