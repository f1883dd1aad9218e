# Quick start: `make demo` then `make test` (Python 3.11 and make; everything else is installed here).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint build verify bench clean

setup: $(STAMP)

$(STAMP): requirements/grader.txt requirements/dev.txt requirements/torch.txt requirements/cluster.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/grader.txt -r requirements/dev.txt
	$(PY) -m pip install --quiet -r requirements/cluster.txt
	$(PY) -m pip install --quiet -r requirements/torch.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

build: $(STAMP)
	$(PY) -m autograder build --out dist

# The main job: build the student release and the Gradescope autograder, then grade the
# reference solution and the untouched template exactly as Gradescope would.
demo: build
	$(PY) -m autograder demo --out dist

# pytest-xdist workers (pyproject.toml: two, a test file each at a time, the slowest first);
# `make test TEST_JOBS=4` on a bigger machine, `TEST_JOBS=0` for one process
TEST_JOBS ?= 2
test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_JOBS)

# ruff's lint rules (pyproject.toml [tool.ruff]); formatting is not enforced
lint: $(STAMP)
	$(PY) -m ruff check .

verify: $(STAMP)
	$(PY) -m autograder verify

bench: $(STAMP)
	$(PY) -m autograder.bench

clean:
	rm -rf dist .pytest_cache .hypothesis
