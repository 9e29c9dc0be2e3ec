# hoidap — the two commands that matter: `make serve` (set up, index corpus/, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup index serve test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0   # the local CPU wheel; an unpinned torch pulls CUDA
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

index: setup
	$(BIN)/hoidap index corpus

serve: index
	$(BIN)/hoidap serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check indexer service tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
