# The two commands a reader needs: `make book` and `make test`.
# Both create (or reuse) the virtual environment in .venv first.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
# CI installs the exact versions it tested with: `make test CONSTRAINTS=constraints.txt`.
CONSTRAINTS ?=
PIP_CONSTRAINT_FLAGS := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
# full on a CUDA machine, smoke elsewhere; override with `make book PROFILE=full`.
PROFILE ?= $(shell $(PY) -m companion.book.pipeline default-profile)

export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0

.PHONY: book test execute html unit nbval book-checks notebooks reader-check browser-check lint clean gpu-prepare gpu-check

book: execute html  ## execute every chapter, then build _build/html

# The tests run JOBS notebooks at once, one CPU thread each (torch and
# TensorFlow): on a small CI machine that beats one notebook on every core,
# and both executions of a chapter must use the same threads to agree.
JOBS ?= 1

test: export OMP_NUM_THREADS := 1
test: export TF_NUM_INTRAOP_THREADS := 1
test: export TF_NUM_INTEROP_THREADS := 1
test: JOBS := 2
test: unit  ## unit tests, every chapter in the smoke profile, metrics, determinism, nbval
	$(MAKE) execute PROFILE=smoke JOBS=$(JOBS)
	$(MAKE) nbval book-checks JOBS=$(JOBS)

# With UV set to a uv executable (CI sets it), uv builds the venv: the same
# requirements and constraints, several times faster than pip. Without it, pip.
UV ?=
$(VENV)/.installed: requirements.txt pyproject.toml
ifneq ($(strip $(UV)),)
	test -x $(PY) || $(UV) venv --quiet --seed --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(PY) -r requirements.txt -e . $(PIP_CONSTRAINT_FLAGS)
else
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e . $(PIP_CONSTRAINT_FLAGS)
endif
	touch $@

execute: $(VENV)/.installed
	$(PY) -m companion.book.pipeline execute --profile $(PROFILE) --jobs $(JOBS)

html: $(VENV)/.installed
	$(PY) -m companion.book.pipeline html

# Two workers under `make test`: 79 s against about 4 minutes serial once the GPU
# check's dry run (which waits on pip and a kernel) joined the suite.
unit: $(VENV)/.installed
	$(PY) -m pytest tests --ignore=tests/book --ignore=tests/reader --ignore=tests/browser -q -n $(JOBS)

# nbval re-executes each executed notebook and compares the outputs of the
# cells tagged nbval-check-output (each chapter's summary of recorded metrics)
# with those papermill stored: the same seed and profile must reproduce them.
# Its re-run records metrics into a folder of its own, which tests/book
# compares with the first run's, field by field.
# The slowest chapters start first (by the seconds their first run recorded), so
# that neither worker is left alone with a long chapter at the end.
nbval: $(VENV)/.installed
	rm -rf _build/nbval-metrics
	COMPANION_METRICS_DIR=$(CURDIR)/_build/nbval-metrics \
	  $(PY) -m pytest --nbval-lax -p no:cacheprovider -q -n $(JOBS) --dist loadscope \
	  --no-loadscope-reorder $$($(PY) -m companion.book.pipeline longest-first)

book-checks: $(VENV)/.installed
	$(PY) -m pytest tests/book -q

# After `make html`: load every page in headless Chromium (Debian's chromium,
# or $CHROMIUM) and check math, images, internal links and synced tabs, with a
# screenshot of each page in _build/screenshots. MathJax is served from a local
# copy that npm fetches once into _build/browser.
browser-check: $(VENV)/.installed
	$(PY) -m pytest tests/browser -q -p no:cacheprovider

# notebooks/<chapter>.ipynb: each chapter as a plain notebook whose first cell
# installs the package in Colab; the launch buttons open these (committed) files.
notebooks: $(VENV)/.installed
	$(PY) -m companion.book.notebooks

# A reader's machine: a fresh venv from requirements.txt alone runs one generated
# notebook end to end (smoke profile). Slow the first time: it installs everything.
reader-check: $(VENV)/.installed
	$(PY) -m pytest tests/reader -q -s -p no:cacheprovider

# The full profile on a borrowed GPU machine with no internet (README, "GPU").
# Here, with a registry and the data: wheels, data and the model into _gpu/.
gpu-prepare: $(VENV)/.installed
	$(PY) tools/gpu/prepare.py
# There, from the root of a tree that carries _gpu/: install, run every chapter
# in the full profile, check the rules, write the report into GPU_OUT.
GPU_PYTHON ?= python3
GPU_OUT ?= $(or $(OUT),_build/gpu-check)
gpu-check:
	$(GPU_PYTHON) tools/gpu/check.py --out $(GPU_OUT)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf _build
