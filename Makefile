# Two commands for a newcomer: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Keep compiled modules (and pytest's rewritten test modules) between runs, even where the
# environment turns that off: each run, and each bot process a test starts, compiles less.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-nocov test-fast soak lint bench install clean lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

# Everything, on both cores, with the coverage of bot/ and sandbox/ printed at the end (.ci/run
# checks its floor).
# worksteal: a worker that runs out of tests takes some of the other's, so the long ones queued
# last do not leave a core idle at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist worksteal --cov --cov-report=term

# The same without measuring coverage (measuring every line costs CPU).
test-nocov: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

# The inner loop: unit and integration tests, no Bot API server, no bot process (about 20 s).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e and not slow" -p no:xdist

# The soak test at its full length (about a minute; `make test` runs it shortened).
soak: $(STAMP)
	SOAK_SECONDS=60 $(BIN)/python -m pytest -q tests/test_soak.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench routing

# Re-resolve the pinned versions (needs the package registry).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet -e '.[dev]'
	.lockvenv/bin/pip freeze --exclude-editable | grep -v '^cramp-bot' > constraints.txt
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
