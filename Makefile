# Every set-up step lives here: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two stamps: the runtime extras (all `make demo` needs) and the test stack on top.
RUNTIME := $(VENV)/.installed-runtime
TESTSTACK := $(VENV)/.installed-test
# PyTorch is only the tests' reference, pinned to torch==2.13.0. Where pip would take the
# multi-GB CUDA build, point it at PyTorch's CPU wheels: make test TORCH_INDEX=<that index's URL>
# (nothing is probed or fetched from outside pip's own indexes unless you say so).
TORCH_INDEX ?=

.PHONY: test test-strict-device demo bench bench-ddp notebooks lint clean sysdeps

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all]'
	touch $(RUNTIME)

$(TESTSTACK): $(RUNTIME)
	$(PY) -m pip install -q $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) -e '.[all,test]'
	touch $(TESTSTACK)

## make sysdeps: apt-get install graphviz (the `dot` program, for SVG/PNG drawings) and
## chromium (the HTML drawing test). Optional and never run by another target: without
## them, the tests that need them skip and say why. Needs root on a Debian-like system.
sysdeps:
	apt-get update -q
	apt-get install -y -q graphviz chromium

## make test: the whole test suite (against PyTorch 2.13.0, CPU)
test: $(TESTSTACK)
	$(PY) -m pytest -n 2 tests
	$(MAKE) test-strict-device

## make test-strict-device: the op, nn and autograd tables again, on the strict stand-in device
test-strict-device: $(TESTSTACK)
	GLASSTORCH_STRICT_DEVICE=1 $(PY) -m pytest -n 2 --tb=short tests/ops tests/nn tests/autograd tests/device tests/test_kernels.py

## make demo: train a CNN on MNIST and write what happened to out/
demo: $(RUNTIME)
	GLASSTORCH_MALLOPT=1 $(PY) examples/demo.py  # malloc tuned, as in the benchmarks

## make bench: time glasstorch against PyTorch on the same machine
bench: $(TESTSTACK)
	$(PY) benchmarks/run.py

## make notebooks: run every notebook with outputs into out/notebooks/ (and HTML)
notebooks: $(RUNTIME)
	$(PY) -m pip install -q -e '.[notebooks]'
	$(PY) notebooks/run_all.py

## make bench-ddp: data-parallel scaling on 2 ranks, glasstorch (MPI) against torch (gloo)
bench-ddp: $(TESTSTACK)
	$(PY) benchmarks/ddp.py

## make fuzz: the long differential fuzz campaign against torch (FUZZ_CASES, FUZZ_SEED, FUZZ_JOBS)
FUZZ_CASES ?= 100000
FUZZ_SEED ?= 0
FUZZ_JOBS ?= 2
.PHONY: fuzz
fuzz: $(TESTSTACK)
	$(PY) tests/fuzz/campaign.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS)

lint: $(TESTSTACK)
	$(VENV)/bin/ruff check src tests examples benchmarks notebooks

clean:
	rm -rf $(VENV) out .pytest_cache
