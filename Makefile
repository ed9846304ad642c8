# civicgrid: `make demo` runs the sample city end to end, `make test` runs the tests.
# Both install what they need (Debian packages, .venv, the local PostGIS) by themselves.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# pytest workers for `make test`: one per core of the 2-core reference machine; a test file
# stays on one worker (its module fixtures load its data once), each worker has its own database
TEST_WORKERS ?= 2

.PHONY: setup system venv db demo test lint bench clean notebooks

setup: system venv

system:
	@bash scripts/install-system.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

db: setup
	$(BIN)/civicgrid db up

demo: setup
	$(BIN)/civicgrid demo $(DEMO_ARGS)

test: setup
	$(BIN)/civicgrid db up
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: setup
	$(BIN)/civicgrid db up
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	-$(BIN)/civicgrid db down
	rm -rf .civicgrid build *.egg-info

notebooks: setup
	for n in notebooks/*.py; do $(BIN)/jupytext --to ipynb $$n && $(BIN)/jupyter execute --inplace $${n%.py}.ipynb || exit 1; done
