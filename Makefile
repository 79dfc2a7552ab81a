# physml: two commands do all set-up on a fresh machine (Python >= 3.11, no GPU needed).
#   make book   create .venv if missing, execute every chapter (active profile), render _build/html
#   make test   the same set-up, then unit + structure tests, every chapter under nbmake (quick
#               profile, 2 at a time), a strict book build from the notebooks nbmake executed,
#               and a browser test of the rendered site (headless Chromium)
#   make format apply the formatter (ruff, 88 columns) to physml/, bookkit/, tests/ and the chapters'
#               code cells (make test checks it)
#   make bench  the speed benchmarks in tests/benchmarks (not part of make test)
#   make chapter CHAPTER=book/foundations/fits-likelihoods-uncertainties.md   one chapter
#   make full   every chapter in the full profile on this machine's GPU(s) (one per GPU at once),
#               records in records/full/ (REDO=1 also reruns those recorded for this commit,
#               BUDGET=<seconds> stops starting chapters that do not fit, CHAPTERS=<.md files>,
#               PER_DEVICE=<n> runs n chapters at once on each GPU)
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The exact pin of the set-up: on these machines it installs the CPU build from local disk.
# physml's own metadata (pyproject.toml) only range-pins torch.
TORCH_PIN := torch==2.13.0
STAMP := $(VENV)/.physml-installed
BUILD := _build
# nbmake skips paths under _build, so the chapters it executes are staged here.
NBRUN := _nbmake
PIP := $(PY) -m pip install -q --disable-pip-version-check

# Chapters run with one torch thread each, two at a time (faster on 2 cores than one with two).
export PHYSML_THREADS ?= 1
# Executions driven by make are not interactive: no progress bars in the rendered outputs.
export PHYSML_PROGRESS ?= 0
# Claims go to _build/claims/<fingerprint of physml and the profile> (bookkit.build.results_dir):
# bookkit sets PHYSML_RESULTS_DIR for the kernels it starts; nbmake's get it from `notebooks`.
export OMP_NUM_THREADS ?= 1
# Plain tracebacks (no ANSI colours) from the notebook kernels.
export IPYTHONDIR := $(CURDIR)/.ci/ipython
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup browser-deps book test bench chapter clean unit notebooks render browser full format

$(STAMP): pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	$(PIP) --upgrade pip
	$(PIP) $(TORCH_PIN)
	$(PIP) -e '.[book,test]'
	@touch $@

setup: $(STAMP)

# The browser test drives Debian's Chromium (no browser download): install it where missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (Debian package) for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install it (Debian: apt-get install chromium) for the browser test"; fi; }

# Render the book from the execution cache; a physml or profile change re-reads every page.
define render
	fp=$$($(PY) -m bookkit fingerprint); \
	$(PY) -m bookkit link-cache >/dev/null && \
	$(PY) -m bookkit scoreboard && \
	all=""; if [ "$$(cat $(BUILD)/.html-fingerprint 2>/dev/null)" != "$$fp" ]; then all=--all; fi; \
	$(BIN)/jupyter-book build . --keep-going $$all $(1) && echo $$fp > $(BUILD)/.html-fingerprint
endef

book: setup
	@$(PY) -m bookkit execute --jobs 2; status=$$?; \
	$(call render,); status2=$$?; \
	echo; echo "Open $(CURDIR)/$(BUILD)/html/index.html"; \
	if [ $$status -ne 0 ]; then echo "make book: some chapters failed (see above)"; fi; \
	exit $$(( status || status2 ))

chapter: setup
	@test -n "$(CHAPTER)" || { echo "usage: make chapter CHAPTER=book/<part>/<chapter>.md"; exit 2; }
	@$(PY) -m bookkit execute $(CHAPTER)

# The formatter (ruff, 88 columns, pyproject.toml) over the code and the chapters' code cells. The .md is
# the source of truth: the pairs are synced first (an edited .md reaches its .ipynb), ruff formats
# the .ipynb, and the second sync writes the change back to the .md.
FORMATTED := physml bookkit tests book
format: setup
	$(BIN)/jupytext --sync $$($(PY) -c "from bookkit.build import chapters; print(*chapters('.'))") >/dev/null
	$(BIN)/ruff format $(FORMATTED)
	$(BIN)/jupytext --sync $$($(PY) -c "from bookkit.build import chapters; print(*chapters('.'))") >/dev/null

unit: setup
	$(BIN)/ruff format --check $(FORMATTED) || { echo "unformatted code: run make format"; exit 1; }
	$(PY) -m pytest -q tests/unit tests/structure tests/bookkit

notebooks: setup
	@export PHYSML_PROFILE=quick; \
	export PHYSML_RESULTS_DIR=$$($(PY) -m bookkit results-dir); \
	rm -rf $(NBRUN) && $(PY) -m bookkit stage $(NBRUN) && \
	{ $(PY) -m pytest -q -p no:cacheprovider --nbmake --overwrite --nbmake-timeout=900 -n 2 $(NBRUN); status=$$?; \
	  $(PY) -m bookkit prime $(NBRUN); exit $$status; }

render: setup
	@export PHYSML_PROFILE=quick; $(call render,-W -n)

browser: setup browser-deps
	PHYSML_PROFILE=quick $(PY) -m pytest -q -p no:cacheprovider tests/browser

test: setup
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory unit || status=1; t1=$$(date +%s); \
	$(MAKE) --no-print-directory notebooks || status=1; t2=$$(date +%s); \
	$(MAKE) --no-print-directory render || status=1; t3=$$(date +%s); \
	$(MAKE) --no-print-directory browser || status=1; t4=$$(date +%s); \
	echo "make test timings: unit+structure $$((t1-start)) s, notebooks $$((t2-t1)) s, book build $$((t3-t2)) s, browser $$((t4-t3)) s"; \
	exit $$status

# The full profile uses the machine: torch's own thread choice, not the one thread per chapter of CI.
full: setup
	@env -u PHYSML_THREADS -u OMP_NUM_THREADS $(PY) -m bookkit full $(if $(REDO),--redo) \
	  $(if $(BUDGET),--budget $(BUDGET)) $(if $(PER_DEVICE),--per-device $(PER_DEVICE)) $(CHAPTERS)

bench: setup
	$(PY) -m pytest -q -s -p no:cacheprovider tests/benchmarks

clean:
	rm -rf $(BUILD) $(NBRUN)
