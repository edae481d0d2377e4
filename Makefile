# The two commands a newcomer needs: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?=

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's declaration changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
ifeq ($(strip $(CONFIG)),)
	$(BIN)/kindred console
else
	$(BIN)/kindred run --config $(CONFIG)
endif

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
