"""Run the benchmark modules in ``bench/`` (each exposes ``main()``), in name order.

``python -m bench`` runs them all at their default (small) sizes;
``python -m bench engines markov`` only those (``engines`` = ``bench_engines``);
flags after the names go to the one module named, e.g.
``python -m bench engines --rows 100000000 --engines duckdb``.
"""

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    """Import and run each selected ``bench.bench_*`` module's ``main()``."""
    modules = pkgutil.iter_modules(bench.__path__)
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    args = sys.argv[1:]
    split = next((k for k, a in enumerate(args) if a.startswith("-")), len(args))
    picked, flags = args[:split], args[split:]
    only = {a if a.startswith("bench_") else f"bench_{a}" for a in picked}
    if flags and len(only) != 1:
        print("flags go to one benchmark: python -m bench NAME --flag ...", file=sys.stderr)
        return 2
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        run = importlib.import_module(f"bench.{name}").main
        if flags:
            run(flags)
        else:
            run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
