# The two commands of the README:
#   make demo   set up, then submit the demo region and publish it to SQLite
#   make test   set up, then run the linter and the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint ui bench clean

$(BIN)/migstats: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/migstats

demo: setup
	$(BIN)/migstats demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

ui: setup
	$(BIN)/dagster dev

clean:
	rm -rf $(VENV) .migstats .pytest_cache
