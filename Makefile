# Two entry points: `make demo` and `make test`. Both create .venv on a fresh machine.
# pip runs with -qq: errors only, so that `make demo` on a fresh clone stays within 80 lines.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/trondheim_weekday.json
# Where `make demo` writes the plan JSON, the route map and the Gantt chart (gitignored).
DEMO_OUT ?= out

.PHONY: demo test lint imports typecheck unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e .
	touch $@

# The demo draws a map and a Gantt chart: the `plots` extra.
$(VENV)/.installed-plots: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e ".[plots]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-plots

# A summary a person reads (headline, routes with times, what was left out; at most 80 lines with
# the set-up on a fresh clone, no JSON), and the files it names under $(DEMO_OUT)/.
demo: $(VENV)/.installed-plots
	$(BIN)/ahs-routing plan $(EXAMPLE) --time-limit 5 --seed 1 -o $(DEMO_OUT)/plan.json --map $(DEMO_OUT)/map.html --gantt $(DEMO_OUT)/gantt.png

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
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
