# The two commands a newcomer needs: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?=

.PHONY: run test test-dates lint bench clean

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
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite starts its own PostgreSQL server for the storage tests; .ci/ensure-postgres installs
# Debian's package if it is missing (as root or with sudo), or says what to install.
test: lint
	@.ci/ensure-postgres
	$(BIN)/pytest

# The whole suite again at other dates, hours and machine time zones, under libfaketime (Debian's
# `faketime` package: `apt-get install faketime`). Every process the tests start (Synapse, the
# Discord double) runs at the faked time too. Each line: machine time zone, then the local moment.
# The turn of a year, Europe's spring-forward night (London jumps 01:00 -> 02:00 a minute in),
# a midsummer afternoon, a leap day at the retention sweep's 03:17 UTC, and a zone 14 hours ahead.
TEST_DATES := \
	"UTC|2026-12-31 23:59:30" \
	"Europe/London|2027-03-28 00:59:00" \
	"UTC|2027-06-15 13:00:00" \
	"UTC|2028-02-29 03:17:00" \
	"Pacific/Kiritimati|2027-01-01 00:30:00"

test-dates: $(VENV)/.installed-test
	@command -v faketime >/dev/null || { echo "make test-dates needs libfaketime: apt-get install faketime"; exit 2; }
	@for run in $(TEST_DATES); do \
		zone=$${run%%|*}; moment=$${run#*|}; \
		echo "== the suite at $$moment ($$zone)"; \
		TZ=$$zone faketime "$$moment" $(BIN)/pytest -q -p no:cacheprovider || exit 1; \
	done

bench: $(VENV)/.installed-test
	@.ci/ensure-postgres
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
