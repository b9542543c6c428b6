# Every set-up step lives here: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

## make test: the whole test suite (against PyTorch 2.13.0, CPU)
test: $(STAMP)
	$(PY) -m pytest -n 2 tests

## make demo: train a CNN on MNIST and write what happened to out/
demo: $(STAMP)
	$(PY) examples/demo.py

## make bench: time glasstorch against PyTorch on the same machine
bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
