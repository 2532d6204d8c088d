# streamcnn: every job runs inside .venv, which `make setup` creates and fills.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MODEL  ?=
ARGS   ?=

.PHONY: setup test test-slow demo bench clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes, so a second `make setup` is instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m streamcnn.hls.aptypes   # Xilinx's ap_types headers, from the hls4ml wheel
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest -q $(ARGS)

test-slow: setup
	$(BIN)/python -m pytest -q -m slow $(ARGS)

demo: setup
	$(BIN)/streamcnn demo $(MODEL)

bench: setup
	$(BIN)/streamcnn bench --csim $(MODEL)

clean:
	rm -rf build .pytest_cache
