"""Exact Markov attribution vs ChannelAttribution's simulated ``markov_model``.

Data: journeys walk a random first-order chain (seeded) and are aggregated to
the ChannelAttribution shape (``path`` as ``"a>b>c"``, integer
``total_conversions`` / ``total_null``, ``total_conversion_value``):

* 8 channels, 1M journeys (about 105k distinct paths), orders 1, 2, 3;
* 50 channels, 1M journeys (about 350k distinct paths), order 3.

Both sides get the same DataFrame, read from the same file, each in a fresh
subprocess. Timed: the fit only; for Touchpath ``PathTable.from_frame`` plus
``MarkovChain(order).attribute``, for the peer its ``markov_model`` call at its
defaults (``var_value`` and ``var_null`` given, ``sep=">"``). The best of
``repeats`` runs is reported. Peak memory: the process's resident-set high-water
mark during one fit minus its resident set just before it (the mark is reset
through ``/proc/self/clear_refs``), so C++ allocations of the peer count too;
with several repeats the measured fit is the second, so one-time set-up (Arrow
compute kernels, allocator arenas) is left out for both sides. Accuracy: the
peer's largest per-channel deviation from our exact credit, as a share of total
conversions and relative to the channel's credit.

Run: ``python -m bench.bench_markov`` (the 50-channel peer fit takes minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CASES = [  # (label, channels, order, repeats)
    ("8ch", 8, 1, 3),
    ("8ch", 8, 2, 3),
    ("8ch", 8, 3, 3),
    ("50ch", 50, 3, 1),
]
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
def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> int:
    """Reset the resident high-water mark; return the current resident set (kB)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _rss_kb("VmRSS")


def _worker(side: str, data: str, order: int, repeats: int) -> dict:
    frame = pd.read_pickle(data)
    if side == "ours":
        from touchpath.attribution.markov import MarkovChain
        from touchpath.data.paths import PathTable

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

    times = []
    if repeats > 1:  # warm-up: one-time kernel and allocator set-up stays out of the peak
        t0 = time.perf_counter()
        fit()
        times.append(time.perf_counter() - t0)
        repeats -= 1
    base = _reset_peak()
    t0 = time.perf_counter()
    credit = fit()
    times.append(time.perf_counter() - t0)
    peak = _rss_kb("VmHWM") - base
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        fit()
        times.append(time.perf_counter() - t0)
    return {"time": min(times), "peak_mb": peak / 1024, "credit": credit.to_dict()}


def _run(side: str, data: Path, order: int, repeats: int) -> dict:
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "bench.bench_markov", "--worker", side, str(data), str(order),
           str(repeats)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{side} order {order} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate the data, run every case on both sides, print the table."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="touchpath-bench-") as tmp:
        files: dict[int, Path] = {}
        for label, n_ch, order, repeats in CASES:
            if n_ch not in files:
                frame = make_frame(n_ch)
                files[n_ch] = Path(tmp) / f"paths_{n_ch}.pkl"
                frame.to_pickle(files[n_ch])
                print(f"{label}: {len(frame):,} distinct paths, "
                      f"{int(frame.total_conversions.sum() + frame.total_null.sum()):,} "
                      "journeys", flush=True)
            ours = _run("ours", files[n_ch], order, repeats)
            peer = _run("peer", files[n_ch], order, repeats)
            exact = pd.Series(ours["credit"])
            sim = pd.Series(peer["credit"]).reindex(exact.index)
            total = float(exact.sum())
            gap = (sim - exact).abs()
            rows.append({
                "data": label, "order": order,
                "ours_s": ours["time"], "peer_s": peer["time"],
                "speedup": peer["time"] / ours["time"],
                "ours_peak_MB": ours["peak_mb"], "peer_peak_MB": peer["peak_mb"],
                "peer_err_%total": 100 * gap.max() / total,
                "peer_err_%channel": 100 * (gap / exact).max(),
            })
            print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3f"),
                  flush=True)
    table = pd.DataFrame(rows)
    print("\nExact Markov (Touchpath) vs ChannelAttribution markov_model, fit time only")
    print(table.to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        side, data, order, repeats = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        result = _worker(side, data, order, repeats)
        sys.stdout.write("\n" + json.dumps(result) + "\n")
    else:
        main()
