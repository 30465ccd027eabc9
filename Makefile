# Two entry points: `make demo` and `make test`. Both create .venv on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/trondheim_weekday.json

.PHONY: demo test lint imports typecheck unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/ahs-routing plan $(EXAMPLE) --time-limit 5 --seed 1 --pretty

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples

imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src

# A real osrm-routed for tests/travel (scripts/osrm_for_tests.sh: osrm-bindings on Python 3.12, the Oslo
# extract built once and cached). Without one the real-server tests skip; with CI=true they fail instead.
OSRM_ENV := $(VENV)/osrm.env

unit: $(VENV)/.installed-dev
	bash scripts/osrm_for_tests.sh $(OSRM_ENV)
	set -a && . ./$(OSRM_ENV) && set +a && $(BIN)/python -m pytest -q

test: lint imports typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
