"""Run every benchmark module in ``bench/`` (each exposes ``main()``), in name order."""

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    """Import and run each ``bench.bench_*`` module's ``main()``."""
    modules = pkgutil.iter_modules(bench.__path__)
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    only = set(sys.argv[1:])
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
