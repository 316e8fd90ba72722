# The two commands of the README:
#   make demo   set up, then submit the demo region and publish it to SQLite
#   make test   set up, then run the linter and the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The exact versions (with their hashes) of every package of .[dev]: `make setup` installs
# these, `make lock` writes them again after a change to pyproject.toml's dependencies.
LOCK := requirements.lock
# The tests run on both cores; PYTEST_WORKERS=0 runs them in this one process (a debugger).
PYTEST_WORKERS ?= 2

.PHONY: setup demo test test-fast lint lock typecheck ui portal messages bench clean

$(BIN)/migstats: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/migstats

# The lock again from pyproject.toml's dependencies and dev extra, keeping the versions it
# already names where they still fit; `make lock LOCK_FLAGS=--upgrade` moves every package
# to the newest version the bounds allow. Then `make setup` installs it.
LOCK_FLAGS ?=
# (Written beside it first, and moved in only if it changed, so setup re-runs only then.)
lock: setup
	cp $(LOCK) $(LOCK).new
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" --quiet $(LOCK_FLAGS) -o $(LOCK).new
	if cmp -s $(LOCK).new $(LOCK); then rm $(LOCK).new; else mv $(LOCK).new $(LOCK); fi

# The demo's store: .migstats in the repository (commands run inside it find it too).
MIGSTATS_HOME ?= $(CURDIR)/.migstats

demo: setup
	MIGSTATS_HOME=$(MIGSTATS_HOME) $(BIN)/migstats demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every test, on PYTEST_WORKERS workers (pytest-xdist), a module at a time (its fixtures, such
# as a demo run, are built once), the modules with the most heavy tests first (the order
# tests/conftest.py gives them).
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile \
	--no-loadscope-reorder)

# mypy over schemas/ and pipelines/ (configured in pyproject.toml).
typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest $(XDIST)

# The edit loop (under two minutes): the pure tests, without those marked slow (many
# processes, killed runs), integration (Dagster runs, the demo region, subprocesses, servers,
# a browser) or postgres (a database server).
test-fast: setup
	$(BIN)/pytest $(XDIST) -m "not slow and not integration and not postgres"

# The focal-point portal on http://127.0.0.1:8000 (gunicorn), over the same store.
portal: setup
	MIGSTATS_HOME=$(MIGSTATS_HOME) $(BIN)/migstats portal

# After a change to the portal's texts or a correction in portal/locale/*/LC_MESSAGES/django.po:
# gather the texts again and compile the catalogues (needs GNU gettext: apt-get install gettext).
messages: setup
	cd portal && MIGSTATS_HOME=$(MIGSTATS_HOME) DJANGO_SETTINGS_MODULE=portal.settings \
		../$(BIN)/python -m django makemessages -l fr -l ar --no-obsolete --no-location && \
		MIGSTATS_HOME=$(MIGSTATS_HOME) DJANGO_SETTINGS_MODULE=portal.settings \
		../$(BIN)/python -m django compilemessages

# The Dagster UI on http://127.0.0.1:3000, on the same instance `migstats` runs record to.
ui: setup
	mkdir -p $${DAGSTER_HOME:-$(MIGSTATS_HOME)/dagster}
	MIGSTATS_HOME=$(MIGSTATS_HOME) DAGSTER_HOME=$${DAGSTER_HOME:-$(MIGSTATS_HOME)/dagster} \
		$(BIN)/migstats automation
	MIGSTATS_HOME=$(MIGSTATS_HOME) DAGSTER_HOME=$${DAGSTER_HOME:-$(MIGSTATS_HOME)/dagster} \
		$(BIN)/dagster dev

# The benchmarks (not part of make test): a 7.4-million-row region under .bench/, measured
# against pyarrow, frictionless and a bulk-write floor; writes BENCHMARKS.md.
bench: setup
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .migstats .pytest_cache .bench
