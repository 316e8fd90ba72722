# The two commands of the README:
#   make demo   set up, then submit the demo region and publish it to SQLite
#   make test   set up, then run the linter and the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-fast lint ui portal messages bench clean

$(BIN)/migstats: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/migstats

# The demo's store: .migstats in the repository (commands run inside it find it too).
MIGSTATS_HOME ?= $(CURDIR)/.migstats

demo: setup
	MIGSTATS_HOME=$(MIGSTATS_HOME) $(BIN)/migstats demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# The edit loop: everything but the tests marked slow (many processes, killed runs).
test-fast: setup
	$(BIN)/pytest -m "not slow"

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
