# Every set-up step lives here: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint clean sysdeps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Graphviz (SVG/PNG drawings) and Chromium (the HTML drawing test) are optional:
# installed when this is a Debian-like machine where we are root, else those tests skip.
sysdeps:
	@if command -v dot >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing graphviz and chromium (optional, for drawing tests)"; \
	  apt-get install -y -q graphviz chromium >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz chromium >/dev/null 2>&1) || \
	  echo "could not install graphviz/chromium: their tests will be skipped"; \
	else echo "graphviz/chromium not installed: their tests will be skipped"; fi

## make test: the whole test suite (against PyTorch 2.13.0, CPU)
test: $(STAMP) sysdeps
	$(PY) -m pytest -n 2 tests

## make demo: train a CNN on MNIST and write what happened to out/
demo: $(STAMP)
	$(PY) examples/demo.py

## make bench: time glasstorch against PyTorch on the same machine
bench: $(STAMP)
	$(PY) benchmarks/run.py

## make fuzz: the long differential fuzz campaign against torch (FUZZ_CASES, FUZZ_SEED, FUZZ_JOBS)
FUZZ_CASES ?= 100000
FUZZ_SEED ?= 0
FUZZ_JOBS ?= 2
.PHONY: fuzz
fuzz: $(STAMP)
	$(PY) tests/fuzz/campaign.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
