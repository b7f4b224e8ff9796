"""Benchmarks of the chain path and the service (`scripts/bench.py`, `make bench`): gas beside
peers and the floor, verification under load, indexer catch-up, and anvil's mining modes."""
