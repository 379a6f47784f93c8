# The two commands: `make run` starts the line, `make test` checks it. Both set up .venv:
# `make run` with what the line needs to run (requirements.txt), `make test` and the other
# tools add the development tools (requirements-dev.txt) to the same .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test quick lint check map schema bench bench-instructions bench-micro bench-report clean

define make_venv
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
endef

$(RUN_STAMP): requirements.txt
	$(make_venv)
	$(PIP) -r requirements.txt
	touch $(RUN_STAMP)

# The development tools include the runtime (-r requirements.txt): both stamps are new.
$(STAMP): requirements.txt requirements-dev.txt
	$(make_venv)
	$(PIP) -r requirements-dev.txt
	touch $(RUN_STAMP) $(STAMP)

run: $(RUN_STAMP)
	@echo "================================================================"
	@echo " WARNING: development mode. IVR_ALLOW_UNSIGNED=1 is set and no"
	@echo " TWILIO_AUTH_TOKEN is needed: Twilio signatures are NOT checked."
	@echo " Never expose this to the internet without TWILIO_AUTH_TOKEN."
	@echo "================================================================"
	IVR_ALLOW_UNSIGNED=1 $(BIN)/flask --app app run --debug --no-debugger --host 127.0.0.1 --port 5000

# Everything, as CI runs it (.ci/run): ruff, mypy, and every test.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The developer's quick run, 49-60 s measured on 2 cores, most runs near 50 s (a core
# taken by another job makes it longer): ruff and the tests, without mypy, the tests that
# start real servers (marked servers: gunicorn, Redis, Chromium), the slowest (marked
# slow) and with a tenth of the property tests' examples, in two processes (pytest-xdist).
# An empty PYTHONDONTWRITEBYTECODE lets pytest keep the tests as it rewrote their asserts
# (__pycache__), instead of rewriting them on every run. make test before pushing.
quick: $(STAMP)
	$(BIN)/ruff check .
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -m 'not bench and not servers and not slow' \
		--hypothesis-profile quick -p no:benchmark -n 2 --dist loadfile

check: $(STAMP)
	$(BIN)/python -m ivr.tools.check $(ARGS)

# menus.schema.json from ivr/content/model.py (tests/test_schema.py fails when stale).
schema: $(STAMP)
	$(BIN)/python -m ivr.content.schema > menus.schema.json

map: $(STAMP)
	$(BIN)/cog -I . -r README.md

# After an edit of menus.yaml or a reviewer's import: the check, then all that is made from
# the content, anew: the schema, the README's map and table of languages, and the golden
# calls. Read the diff it lists before committing: the golden calls show what callers hear.
.PHONY: content
content: check schema map
	$(BIN)/python -m pytest tests/test_golden.py --snapshot-update
	-git status --short -- menus.schema.json README.md tests/golden

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

# The usage report on a made-up year of a busy line (1,000 calls a day): seconds, no fail.
bench-report: $(STAMP)
	$(BIN)/python -m bench.usage_report

# Micro-benchmarks of the pure render functions (pytest-benchmark): the -m here overrides
# pyproject's -m 'not bench', which keeps them out of make test and CI. No speed fails.
bench-micro: $(STAMP)
	$(BIN)/python -m pytest -m bench --benchmark-columns=min,median,mean,stddev,rounds \
		--benchmark-sort=name tests/test_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
