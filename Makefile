# The two commands: `make run` starts the line, `make test` checks it. Both set up .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check map schema bench bench-instructions bench-micro clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	@echo "================================================================"
	@echo " WARNING: development mode. IVR_ALLOW_UNSIGNED=1 is set and no"
	@echo " TWILIO_AUTH_TOKEN is needed: Twilio signatures are NOT checked."
	@echo " Never expose this to the internet without TWILIO_AUTH_TOKEN."
	@echo "================================================================"
	IVR_ALLOW_UNSIGNED=1 $(BIN)/flask --app app run --debug --no-debugger --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/python -m ivr.tools.check $(ARGS)

# menus.schema.json from ivr/content/model.py (tests/test_schema.py fails when stale).
schema: $(STAMP)
	$(BIN)/python -m ivr.content.schema > menus.schema.json

map: $(STAMP)
	$(BIN)/cog -I . -r README.md

# A load benchmark: not a test, never run by CI. Needs root or wrk installed.
bench: $(STAMP)
	command -v wrk >/dev/null && command -v valgrind >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq wrk valgrind)
	$(BIN)/python -m bench.run

# Instructions a webhook request executes, for the line and the reference apps (valgrind):
# a few minutes, and the same figures on every run, unlike requests a second.
bench-instructions: $(STAMP)
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	$(BIN)/python -m bench.instructions

# Micro-benchmarks of the pure render functions (pytest-benchmark): the -m here overrides
# pyproject's -m 'not bench', which keeps them out of make test and CI. No speed fails.
bench-micro: $(STAMP)
	$(BIN)/python -m pytest -m bench --benchmark-columns=min,median,mean,stddev,rounds \
		--benchmark-sort=name tests/test_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
