# streamcnn: every job runs inside .venv, which `make setup` creates and fills.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MODEL  ?=
ARGS   ?=

.PHONY: setup test test-slow demo bench bench-fold bench-cse gen sim synth report models clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes, so a second `make setup` is instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m streamcnn.hls.aptypes   # Xilinx's ap_types headers, from the hls4ml wheel
	touch $(STAMP)

# One pytest worker per CPU (JOBS=1 runs in this process); each file stays on one worker.
JOBS ?= auto
test: setup
	$(BIN)/python -m pytest -q --durations=30 -n $(JOBS) --dist loadgroup $(ARGS)   # slowest tests shown

test-slow: setup
	$(BIN)/python -m pytest -q -m slow $(ARGS)

# demo: the shipped trained SVHN QP6 (or MODEL=...) against QKeras, bit for bit
demo: setup
	$(BIN)/streamcnn demo $(if $(MODEL),$(MODEL),models/qp6.h5)

bench: setup
	$(BIN)/streamcnn bench --csim $(MODEL)

# bench-fold: the default config's folding (ReuseFactor: auto) against fully parallel on the
# trained SVHN QP6 (or MODEL=...): Yosys LUT/FF/DSP, estimated fmax, simulated latency and II
bench-fold: setup
	$(BIN)/streamcnn bench --images 1000 --fold --cache build/report/yosys-cache \
		$(if $(MODEL),$(MODEL),models/qp6.h5)

# bench-cse: each MAC's two-input adders before and after sharing pair sums across outputs
bench-cse: setup
	$(BIN)/streamcnn bench --images 10 --cse $(if $(MODEL),$(MODEL),models/qp6.h5)

# gen: the default model (or MODEL=...) -> BUILD/ (IR, HLS project, Verilog core);
# sim: RTL simulation of 1,000 synthetic SVHN test images (or, for MODEL=..., 1,000 inputs on
# that model's own input grid), checked against the golden model.
GEN_MODEL := $(if $(MODEL),$(MODEL),models/qp6.h5)
BUILD     ?= build/$(basename $(notdir $(GEN_MODEL)))
SIM       ?= verilator
IMAGES    ?= 1000

gen: setup
	$(BIN)/streamcnn convert $(GEN_MODEL) -o $(BUILD)

sim: gen
	$(BIN)/streamcnn data $(if $(MODEL),--like $(BUILD),--dataset synth --split test) -n $(IMAGES) -o $(BUILD)/images.npz
	$(BIN)/streamcnn rtlsim $(BUILD) --input $(BUILD)/images.npz --sim $(SIM) -o $(BUILD)/rtlsim.npy

# synth: Yosys (open) or, with TOOL=vivado, Vivado's out-of-context build of fpga/build.tcl;
# without vivado on PATH that is a dry run listing the commands it would run.
TOOL ?= yosys
synth: gen
	$(BIN)/streamcnn synth $(BUILD) --tool $(TOOL) $(if $(filter vivado,$(TOOL)),$(if $(shell command -v vivado),,--dry-run),--cache build/yosys-cache)

# report: results/README.md and plots for every shipped model: RTL simulation and Yosys
# synthesis, each cached in results/<model>.json under the hash of the Verilog measured.
# A model whose Verilog changed is synthesised again (minutes each); ONLY=qp6,q6 limits that.
# The jobs run on Dask: a LocalCluster here, or SCHEDULER=tcp://HOST:8786 (see README, Scans).
ONLY ?=
SCHEDULER ?=
report: setup
	$(BIN)/streamcnn report --models $(ZOO) -o results --readme README.md $(if $(ONLY),--only $(ONLY)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# The shipped model family on the synthetic set, in warm-start order (each Q<p> from the
# next wider, each pruned model from its unpruned twin, AQ searched from BF); existing
# models are kept. Epoch budgets fit a working session on 2 cores; early stopping usually
# ends sooner. AQ's AutoQKeras search (about 10 s a trial here) is spelt out in full.
ZOO       := models
ZOO_ORDER := bf bp q16 qp16 q8 qp8 q6 qp6 q4 qp4 q3 qp3 q2 qp2 q1 qp1 aq aqp
AQ_SEARCH := --search-trials 40 --search-epochs 3 --search-images 20000 --search-mode bayesian
models: setup
	@for v in $(ZOO_ORDER); do \
	  test -f $(ZOO)/$$v.h5 && continue; \
	  if [ $$v = bf ]; then e=30; else e=15; fi; \
	  if [ $$v = aq ]; then s="$(AQ_SEARCH)"; else s=; fi; \
	  $(BIN)/streamcnn train --variant $$v --dataset synth --epochs $$e --prune-epochs 8 $$s \
	    -o $(ZOO)/$$v.h5 || exit 1; \
	done
	$(BIN)/python -m streamcnn.zoo.table $(ZOO)

clean:
	rm -rf build .pytest_cache
