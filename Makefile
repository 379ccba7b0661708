# migsim: `make run` runs the default job, `make test` runs the tests.
# Both create the local virtual environment .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick bench bench-gate lint clean-cache

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q -e examples/migsim-example-behaviour
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m engine.run $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q tests $(ARGS)

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" tests $(ARGS)

bench: $(STAMP)
	$(BIN)/python -m pytest benches --benchmark-only --benchmark-autosave $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check engine kernels tests benches

clean-cache:
	find engine kernels -name '*.nbi' -o -name '*.nbc' | xargs rm -f
