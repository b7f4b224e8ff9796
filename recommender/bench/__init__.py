"""Benchmark of the library against PyPI peers (``implicit``); run by
``scripts/bench_recommender.py``. Needs the ``bench`` extras and ``recbole==1.2.1``."""
