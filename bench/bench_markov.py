"""Exact Markov attribution vs ChannelAttribution's simulated ``markov_model``, cold and warm.

Data: journeys walk a random first-order chain (seeded) and are aggregated to
the ChannelAttribution shape (``path`` as ``"a>b>c"``, integer
``total_conversions`` / ``total_null``, ``total_conversion_value``), written once
to a CSV file per data set:

* 6 channels / 300k journeys, 8 / 1M, 12 / 500k and 30 / 2M, orders 1, 2, 3;
* 50 channels / 1M journeys, order 3 (only with ``--all``: the peer takes minutes).

Each case runs in fresh subprocesses, one per side and repeat, as a user calling
once would: the child reads the CSV with pandas, records its resident set and
high-water mark (``VmRSS``, ``VmHWM`` of ``/proc/self/status``), imports the
library (for Touchpath ``from touchpath.attribution import MarkovChain``, the
public way; for the peer ``from ChannelAttribution import markov_model``), and
fits once, timed (**cold**: Touchpath's time includes ``PathTable.from_frame``
turning the DataFrame into a path table, the import is not timed for either
side). The process's high-water mark after that first fit is the **cold peak**
(whole process: interpreter, pandas, the frame, the library and the fit). A
second fit in the same process is the **warm** one: its time, and its own peak
(the mark is reset through ``/proc/self/clear_refs`` just before it; reported as
growth over the resident set at that point). The median over ``--repeats``
processes is reported, with the ratios peer / Touchpath for time and Touchpath /
peer for the cold peak (target: time ratio >= 5, peak ratio <= 1). Accuracy:
the peer's largest per-channel deviation from the exact credit, as a share of
total conversions. Both fits run on one thread, so the CPU time of each fit
(``time.process_time``; ``cold_cpu_x``, ``warm_cpu_x``) is reported beside the
wall-clock ratios: on a shared, loaded machine it is the steadier of the two.

Run: ``python -m bench.bench_markov`` (every case but 50 channels),
``--quick`` (12 and 6 channels, orders 1-3, a few minutes), ``--case 30ch`` or
``--case 12ch:2`` to pick cases, ``--repeats N`` (default 3), ``--all`` to add
50 channels.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATASETS = {  # label: (channels, journeys)
    "6ch": (6, 300_000),
    "8ch": (8, 1_000_000),
    "12ch": (12, 500_000),
    "30ch": (30, 2_000_000),
    "50ch": (50, 1_000_000),
}
ORDERS = (1, 2, 3)
DEFAULT = ["6ch", "8ch", "12ch", "30ch"]
QUICK = ["12ch", "6ch"]
CONTINUE = {8: (0.52, 0.77), 50: (0.55, 0.80)}  # per-channel chance of another touch
JOURNEYS = 1_000_000


def make_frame(n_channels: int, journeys: int = JOURNEYS, seed: int = 1) -> pd.DataFrame:
    """Simulate ``journeys`` walks of a random first-order chain; ChannelAttribution shape."""
    rng = np.random.default_rng(seed)
    lo, hi = CONTINUE.get(n_channels, (0.55, 0.8))
    go = rng.uniform(lo, hi, n_channels)
    conv = rng.uniform(0.02, 0.10, n_channels)
    trans = rng.dirichlet(np.ones(n_channels), size=n_channels) * go[:, None]
    # rows: start, channels; columns: channels, conversion, null
    p = np.zeros((n_channels + 1, n_channels + 2))
    p[0, :n_channels] = rng.dirichlet(np.full(n_channels, 2.0))
    p[1:, :n_channels] = trans
    p[1:, n_channels] = conv
    p[1:, n_channels + 1] = 1.0 - go - conv
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    max_len = 40  # walks still going after 40 touches end as non-conversions
    seq = np.full((journeys, max_len), 255, dtype=np.uint8)
    state = np.zeros(journeys, dtype=np.int64)
    converted = np.zeros(journeys, dtype=bool)
    alive = np.arange(journeys)
    for t in range(max_len):
        nxt = (rng.random(alive.size)[:, None] > cum[state[alive]]).sum(axis=1)
        converted[alive[nxt == n_channels]] = True
        keep = nxt < n_channels
        alive, nxt = alive[keep], nxt[keep]
        seq[alive, t] = nxt
        state[alive] = nxt + 1
        if not alive.size:
            break
    rows = np.ascontiguousarray(seq).view(np.dtype((np.void, max_len))).ravel()
    uniq, inverse = np.unique(rows, return_inverse=True)
    n_conv = np.bincount(inverse, weights=converted, minlength=len(uniq))
    n_null = np.bincount(inverse, weights=~converted, minlength=len(uniq))
    revenue = rng.lognormal(3.5, 0.6, journeys) * converted
    value = np.bincount(inverse, weights=revenue, minlength=len(uniq))
    names = [f"ch{i:02d}" for i in range(n_channels)]
    codes = uniq.view(np.uint8).reshape(len(uniq), max_len)
    paths = [">".join(names[c] for c in r[r != 255]) for r in codes]
    return pd.DataFrame({"path": paths, "total_conversions": n_conv.astype(np.int64),
                         "total_conversion_value": value.round(2),
                         "total_null": n_null.astype(np.int64)})


# ------------------------------------------------------------------------ subprocess side
def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> int:
    """Reset the resident high-water mark; return the current resident set (kB)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kb("VmRSS")


def _worker(side: str, data: str, order: int) -> dict:
    """One cold and one warm fit in this (fresh) process; sizes in MB, times in s."""
    frame = pd.read_csv(data)
    loaded_rss, loaded_hwm = _status_kb("VmRSS"), _status_kb("VmHWM")
    t0 = time.perf_counter()
    if side == "ours":
        from touchpath.attribution import MarkovChain
        from touchpath.data import PathTable

        def fit() -> pd.Series:
            pt = PathTable.from_frame(frame, sep=">")
            res = MarkovChain(order=order).attribute(pt)
            return pd.Series(res.conversions, index=list(res.channels))
    else:
        from ChannelAttribution import markov_model

        def fit() -> pd.Series:
            out = markov_model(frame, "path", "total_conversions",
                               var_value="total_conversion_value", var_null="total_null",
                               order=order, sep=">", verbose=False, flg_pro=False)
            return out.set_index("channel_name")["total_conversions"]
    import_s = time.perf_counter() - t0
    imported_rss = _status_kb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    credit = fit()
    cold_s, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
    cold_hwm = _status_kb("VmHWM")
    base = _reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    fit()
    warm_s, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
    warm_growth = _status_kb("VmHWM") - base
    mb = 1 / 1024
    return {"import_s": import_s, "cold_s": cold_s, "warm_s": warm_s,
            "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu,
            "loaded_rss_mb": loaded_rss * mb, "loaded_hwm_mb": loaded_hwm * mb,
            "import_rss_mb": (imported_rss - loaded_rss) * mb,
            "cold_peak_mb": cold_hwm * mb, "cold_fit_mb": (cold_hwm - imported_rss) * mb,
            "warm_fit_mb": warm_growth * mb, "credit": credit.to_dict()}


def _run(side: str, data: Path, order: int) -> dict:
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "bench.bench_markov", "--worker", side, str(data), str(order)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{side} order {order} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _cases(picks: list[str]) -> list[tuple[str, int]]:
    """``["12ch", "30ch:3"]`` -> ``[("12ch", 1), ("12ch", 2), ..., ("30ch", 3)]``."""
    out = []
    for pick in picks:
        label, _, order = pick.partition(":")
        if label not in DATASETS:
            raise SystemExit(f"unknown case {label!r}; choose from {', '.join(DATASETS)}")
        out += [(label, int(order))] if order else [(label, k) for k in ORDERS]
    return out


def main(argv: list[str] | None = None) -> None:
    """Generate the data, run every case cold and warm on both sides, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_markov")
    parser.add_argument("--quick", action="store_true", help="12 and 6 channels only")
    parser.add_argument("--all", action="store_true", help="add 50 channels, order 3")
    parser.add_argument("--case", action="append", default=[],
                        help="data set and optional order, e.g. 30ch or 12ch:2 (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per side")
    args = parser.parse_args([] if argv is None else argv)
    picks = args.case or (QUICK if args.quick else DEFAULT)
    cases = _cases(picks) + ([("50ch", 3)] if args.all else [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="touchpath-bench-") as tmp:
        files: dict[str, Path] = {}
        for label, order in cases:
            if label not in files:
                n_ch, journeys = DATASETS[label]
                frame = make_frame(n_ch, journeys)
                files[label] = Path(tmp) / f"paths_{label}.csv"
                frame.to_csv(files[label], index=False)
                print(f"{label}: {len(frame):,} distinct paths, "
                      f"{int(frame.total_conversions.sum() + frame.total_null.sum()):,} "
                      "journeys", flush=True)
                del frame
            ours, peer = [], []
            for _ in range(args.repeats):  # interleaved, so load drifts hit both sides
                ours.append(_run("ours", files[label], order))
                peer.append(_run("peer", files[label], order))
            exact = pd.Series(ours[0]["credit"])
            sim = pd.Series(peer[0]["credit"]).reindex(exact.index)
            row = {"data": label, "order": order}
            for key in ("cold_s", "cold_cpu_s", "cold_peak_mb", "cold_fit_mb", "warm_s",
                        "warm_cpu_s", "warm_fit_mb"):
                row[f"tp_{key}"] = _median(ours, key)
                row[f"ca_{key}"] = _median(peer, key)
            row["cold_x"] = row["ca_cold_s"] / row["tp_cold_s"]
            row["warm_x"] = row["ca_warm_s"] / row["tp_warm_s"]
            row["cold_cpu_x"] = row["ca_cold_cpu_s"] / row["tp_cold_cpu_s"]
            row["warm_cpu_x"] = row["ca_warm_cpu_s"] / row["tp_warm_cpu_s"]
            row["peak_ratio"] = row["tp_cold_peak_mb"] / row["ca_cold_peak_mb"]
            row["tp_import_mb"] = _median(ours, "import_rss_mb")
            row["ca_import_mb"] = _median(peer, "import_rss_mb")
            row["ca_err_%total"] = 100 * float((sim - exact).abs().max() / exact.sum())
            rows.append(row)
            print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3f"),
                  flush=True)
    table = pd.DataFrame(rows)
    print(f"\nExact Markov (Touchpath) vs ChannelAttribution markov_model, fresh processes, "
          f"median of {args.repeats}; tp = Touchpath, ca = ChannelAttribution;")
    print("cold = first fit after import (peak: whole-process VmHWM; fit: its growth), "
          "warm = second fit")
    cols = ["data", "order", "tp_cold_s", "ca_cold_s", "cold_x", "cold_cpu_x",
            "tp_cold_peak_mb", "ca_cold_peak_mb", "peak_ratio", "tp_warm_s", "ca_warm_s",
            "warm_x", "warm_cpu_x", "tp_warm_fit_mb", "ca_warm_fit_mb", "tp_cold_fit_mb",
            "ca_cold_fit_mb", "tp_import_mb", "ca_import_mb", "ca_err_%total"]
    print(table[cols].to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        result = _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        sys.stdout.write("\n" + json.dumps(result) + "\n")
    else:
        main(sys.argv[1:])
