"""Benchmark the chain path and the service: `python scripts/bench.py [gas|verify|indexer|anvil
...] [--quick]` (`make bench` runs gas, verify and indexer). See `backend.bench`."""

from backend.bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
