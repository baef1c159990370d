# The two commands a reader needs: `make book` and `make test`.
# Both create (or reuse) the virtual environment in .venv first.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
# CI installs the exact versions it tested with: `make test CONSTRAINTS=constraints.txt`.
CONSTRAINTS ?=
PIP_CONSTRAINT_FLAGS := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
# full on a CUDA machine, smoke elsewhere; override with `make book PROFILE=full`.
PROFILE ?= $(shell $(PY) -m companion.pipeline default-profile)

export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0

.PHONY: book test execute html unit nbval book-checks lint clean

book: execute html  ## execute every chapter, then build _build/html

test: unit  ## unit tests, every chapter in the smoke profile, metrics, determinism, nbval
	$(MAKE) execute PROFILE=smoke
	$(MAKE) nbval book-checks

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e . $(PIP_CONSTRAINT_FLAGS)
	touch $@

execute: $(VENV)/.installed
	$(PY) -m companion.pipeline execute --profile $(PROFILE)

html: $(VENV)/.installed
	$(PY) -m companion.pipeline html

unit: $(VENV)/.installed
	$(PY) -m pytest tests --ignore=tests/book -q

# nbval re-executes each executed notebook and compares the outputs of the
# cells tagged nbval-check-output (each chapter's summary of recorded metrics)
# with those papermill stored: the same seed and profile must reproduce them.
# Its re-run records metrics into a folder of its own, which tests/book
# compares with the first run's, field by field.
nbval: $(VENV)/.installed
	rm -rf _build/nbval-metrics
	COMPANION_METRICS_DIR=$(CURDIR)/_build/nbval-metrics \
	  $(PY) -m pytest --nbval-lax -p no:cacheprovider -q _build/executed/book

book-checks: $(VENV)/.installed
	$(PY) -m pytest tests/book -q

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf _build
