# asr — make targets. `make demo` runs the whole job; `make test` runs the tests.
SWIFT ?= swift
APT_PACKAGES := libsndfile1-dev libfftw3-dev libopenblas-dev libsamplerate0-dev pkg-config espeak-ng sox
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps deps-python build test bench fixtures demo clean

## deps: install the Debian packages the build, tests and demo need (root or sudo).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## build: release build of the `asr` binary (.build/release/asr).
build: deps
	$(SWIFT) build -c release

## test: the unit and command-line tests (no Python, no network).
test: deps
	$(SWIFT) test

## deps-python: what the Python peers need (venv); only bench and fixtures use Python.
deps-python:
	@command -v python3 >/dev/null && python3 -c "import venv, ensurepip" 2>/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip; }

## bench: side-by-side benchmarks against the reference tools (makes the venv .venv-py).
bench: deps deps-python build
	scripts/bench/run.sh

## demo: the pipeline as far as it exists today: synthesize speech, compute features.
demo: build
	mkdir -p exp/demo
	espeak-ng -v en-us -w exp/demo/digits.wav "seven three oh nine two"
	.build/release/asr features exp/demo/digits.wav --sample-rate 16000 --mel-bins 80 --out exp/demo/digits-fbank.npy
	.build/release/asr features exp/demo/digits.wav --sample-rate 16000 --type mfcc --deltas 2 --cmvn utterance --out exp/demo/digits-mfcc.npy

## fixtures: regenerate the committed reference fixtures (needs PyPI).
fixtures: deps deps-python
	scripts/fixtures/features/make.sh
	scripts/fixtures/torch/make.sh

clean:
	rm -rf .build
