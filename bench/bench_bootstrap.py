"""Bootstrap benchmark: 200 resamples of order-1 Markov on 100k distinct paths (target < 30 s).

Run with ``python -m bench.bench_bootstrap`` (or ``make bench``). The path table
is generated here (8 channels, 1-10 touches, ~1M journeys, seeded), so the
figure does not depend on the warehouse. A linear model is timed beside it:
it is refitted resample by resample too unless it offers ``credit_matrix``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from touchpath.attribution.base import BootstrapDraws
from touchpath.attribution.bootstrap import bootstrap
from touchpath.attribution.registry import make_model
from touchpath.data.paths import PathTable

N_PATHS = 100_000
N_CHANNELS = 8
N_RESAMPLES = 200
TARGET_SECONDS = 30.0


def make_paths(n_paths: int = N_PATHS, n_channels: int = N_CHANNELS,
               seed: int = 0) -> PathTable:
    """``n_paths`` distinct random paths with ~10 journeys each (seeded)."""
    rng = np.random.default_rng(seed)
    names = tuple(f"ch{k}" for k in range(n_channels))
    popularity = rng.dirichlet(np.full(n_channels, 5.0))
    lift = rng.uniform(0.02, 0.12, n_channels)
    candidates = int(n_paths * 3)
    lengths = rng.integers(1, 11, candidates)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    codes = rng.choice(n_channels, size=int(offsets[-1]), p=popularity).astype(np.int32)
    journeys = 1 + rng.poisson(9.0, candidates)
    per_touch = np.bincount(np.repeat(np.arange(candidates), lengths), weights=lift[codes],
                            minlength=candidates)
    p_conv = 1 - np.exp(-per_touch)
    conversions = rng.binomial(journeys, p_conv).astype(float)
    value = conversions * rng.gamma(4.0, 25.0, candidates)
    table = PathTable(names, offsets, codes, conversions, value,
                      journeys - conversions).aggregate()
    if table.n_paths < n_paths:
        raise RuntimeError(f"generated only {table.n_paths} distinct paths")
    return table.select(np.arange(table.n_paths) < n_paths)


def _time(model_spec: str, paths: PathTable,
          n_resamples: int) -> tuple[float, float, BootstrapDraws]:
    model = make_model(model_spec)
    t0 = time.perf_counter()
    model.attribute(paths)
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = bootstrap(model, paths, n_resamples=n_resamples, seed=0, progress=False)
    assert res.bootstrap_ is not None  # bootstrap() always attaches its draws
    return fit, time.perf_counter() - t0, res.bootstrap_


def main() -> None:
    """Time the bootstrap and print the figures."""
    n_resamples = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() \
        else N_RESAMPLES
    t0 = time.perf_counter()
    paths = make_paths()
    print(f"path table: {paths.n_paths:,} distinct paths, {paths.n_channels} channels, "
          f"{paths.journeys.sum():,.0f} journeys, {paths.total_conversions:,.0f} conversions "
          f"(generated in {time.perf_counter() - t0:.1f} s)")
    specs = ["linear"]
    try:
        make_model("markov1")
        specs.insert(0, "markov1")
    except ImportError as exc:
        print(f"markov model unavailable ({exc}); timing the linear model only")
    for spec in specs:
        fit, boot, draws = _time(spec, paths, n_resamples)
        verdict = ""
        if spec == "markov1":
            scaled = boot * N_RESAMPLES / n_resamples
            verdict = (f"  target {N_RESAMPLES} resamples < {TARGET_SECONDS:.0f} s: "
                       f"{'met' if scaled < TARGET_SECONDS else 'MISSED'} ({scaled:.1f} s)")
        print(f"{spec:>8}: one fit {fit:.3f} s; {n_resamples} resamples "
              f"({draws.method}) {boot:.1f} s = {boot / n_resamples * 1e3:.0f} ms"
              f" each{verdict}")


if __name__ == "__main__":
    main()
