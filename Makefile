# Everything runs in a project-local virtual environment, created on first use.
#   make lab    JupyterLab on the curriculum (notebooks/)
#   make test   ruff, Chromium for the browser tests (apt, first time only), then the whole test suite
#   make bench  tfedu against numpy, TensorFlow and PyTorch (those installed), graph view timings
#   make browser-deps  Chromium (and Graphviz) from apt, so tests/browser runs instead of skipping

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp's name carries a hash of pyproject.toml: editing the dependencies reinstalls,
# anything else reuses the environment as it is.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PYTEST_WORKERS ?= 2
# Peers (TensorFlow, PyTorch) are not project dependencies: point this at a Python that has them.
BENCH_PYTHON ?= $(BIN)/python
# Jupyter refuses to run as root unless told that it is meant.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

# Compiled Numba kernels are cached here and shared by every test process and notebook kernel.
export TFEDU_CACHE_DIR ?= $(CURDIR)/.cache

.PHONY: env lab test lint bench clean browser-deps

env: $(STAMP)

# Debian's python3 lacks ensurepip unless python3-venv is installed: then pip comes from the
# system's pip instead.
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) -m pip --python $(BIN)/python install pip; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,dev]"
	rm -f $(VENV)/.installed-*
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks/

lint: $(STAMP)
	$(BIN)/ruff check .

# Test workers already use both cores: one thread each for BLAS and Numba avoids oversubscription.
test: lint browser-deps
	@rc=0; OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile -p no:cacheprovider tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing"; fi; \
	exit $$rc

# Browser tests drive Debian's Chromium through the playwright package (a dev dependency);
# Playwright's own browser download is never used.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
browser-deps: $(STAMP)
	command -v chromium >/dev/null && command -v dot >/dev/null || \
	  { $(APT_GET) update -qq && $(APT_GET) install -y -qq chromium graphviz; }
	$(BIN)/python -c "import playwright.sync_api"

# Engine, tf.function and Keras fit against their peers; the graph view in JupyterLab (Chromium).
bench: $(STAMP) browser-deps
	$(BENCH_PYTHON) benchmarks/run.py
	$(BENCH_PYTHON) benchmarks/function_bench.py
	$(BENCH_PYTHON) benchmarks/keras_fit.py
	$(BIN)/python benchmarks/graph_render.py

clean:
	rm -rf $(VENV) .cache .ruff_cache build dist
