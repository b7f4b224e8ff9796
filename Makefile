# Two commands on a fresh machine: `make run` serves the product, `make test` runs the tests.
# Prerequisites: Python 3.11 and Node.js >= 20 with npm.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: setup browser run test test-postgres lint rebuild-index train bench bench-recommender clean

setup: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	# MovieLens 100K for the demo and the benchmark lives in this wheel (GroupLens terms:
	# read in place, never copied); --no-deps keeps its heavy dependencies out.
	$(PY) -m pip install --quiet --no-deps recbole==1.2.1
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (a test tool's own browser download cannot work here);
# without root or apt they are skipped, and say so.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed: the browser tests will be skipped"

run: setup
	DEV_MODE=$${DEV_MODE:-true} DEMO_DATA=$${DEMO_DATA:-true} $(PY) scripts/run.py

# The suite on SQLite, then again, its database tests only, on a throw-away PostgreSQL server
# (Debian's package, installed with apt-get where missing; see scripts/postgres.sh).
test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-postgres

# pytest exits 5 when PYTEST_ARGS picked no test that uses a database.
test-postgres: setup browser
	scripts/postgres.sh run $(PY) -m pytest $(PYTEST_ARGS) || [ $$? = 5 ]

lint: setup
	$(PY) -m ruff check backend recommender scripts tests
	$(PY) -m ruff format --check backend recommender scripts tests
	$(PY) -m mypy

rebuild-index: setup
	$(PY) scripts/rebuild_index.py

train: setup
	$(PY) scripts/train_recommender.py

# The chain and service benchmark (about 9 minutes here; `scripts/bench.py --help` lists the
# stages): writes benchmarks/*.json and *.md and refreshes the README's tables.
# `scripts/bench.py anvil` runs the investigation of anvil's mining modes.
bench: setup
	$(PY) scripts/bench.py

bench-recommender: setup
	$(PY) scripts/bench_recommender.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
