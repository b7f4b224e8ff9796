"""Benchmark the recommender against implicit: `python scripts/bench_recommender.py [--quick]`.

Needs the `bench` extras and `pip install --no-deps recbole==1.2.1` (MovieLens 100K).
"""

from recommender.bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
