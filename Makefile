# migsim: `make run` runs the default job, `make test` runs the tests.
# Both create the local virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick test-ray bench bench-gate bench-history bench-table lint docs clean-cache

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q -e examples/migsim-example-behaviour
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/migsim run $(ARGS)

# the 25 slowest tests are listed at the end (where a run's time goes, e.g. in CI's log)
test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=25 tests examples/migsim-example-behaviour/tests $(ARGS)

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" tests $(ARGS)

# Ray in its own environment (hydra-ray-launcher pins cloudpickle<3, which the joblib
# launcher's joblib>=1.5 cannot use): sharded runs on Ray actors against single-process runs,
# then a real 2-job sweep through the Ray launcher on a local Ray cluster.
test-ray:
	test -x .venv-ray/bin/python || $(PYTHON) -m venv .venv-ray
	.venv-ray/bin/pip install -q -e '.[ray]' pytest
	.venv-ray/bin/python -m pytest -q -p no:cacheprovider tests/test_shards_ray.py
	rm -rf outputs/ray-check
	.venv-ray/bin/migsim run -m hydra/launcher=ray_cluster \
		hydra.launcher.ray.remote.num_cpus=1 world=toy population.size=10000 years=1 \
		progress=false seed=1,2 hydra.sweep.dir=outputs/ray-check
	test "$$(find outputs/ray-check -name manifest.json | wc -l)" -eq 2
	@echo "test-ray: 2 runs through the Ray launcher"

# All benchmarks (~10-15 min on the 2-core machine, incl. 50M people, 100M synthesis, cold
# compile and the default 30-year run); without those, ~2-4 min: make bench ARGS='-m "not huge"'.
bench: $(STAMP)
	$(BIN)/python -m pytest benches -p no:cacheprovider --benchmark-only --benchmark-autosave \
		--benchmark-columns=min,median,rounds $(ARGS)

# Regression gate (~10 s): kernel / NumPy-reference speed ratios vs benches/baseline.json,
# fails only when a ratio drops by more than 40%. Refresh the baseline with ARGS=--update.
bench-gate: $(STAMP)
	$(BIN)/python -m benches.gate $(ARGS)

# Benchmark history, a report and not a gate (~1-2 min): the quick subset saved under
# outputs/bench-history/ and compared with the previous saved run (benches/history.py).
bench-history: $(STAMP)
	$(BIN)/python -m benches.history $(ARGS)

# The performance table of docs/performance.md from benches/results/*.json (benches/table.py)
bench-table: $(STAMP)
	$(BIN)/python -m benches.table --write docs/performance.md docs/memory.md

# The documentation site, strict: any warning (a broken link, a page outside the table of
# contents) fails the build, and --keep-going lists them all. Open docs/_build/html/index.html.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[dev,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	rm -rf docs/_build/html
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check engine kernels tests benches examples
	$(BIN)/ruff format --check engine kernels tests benches examples

clean-cache:
	find engine kernels -name '*.nbi' -o -name '*.nbc' | xargs rm -f
	rm -rf .numba-cache
