# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
#
# One virtualenv, .venv. Each target installs only what it needs: `make demo` the package
# alone; `make test` adds the extras the checks need. A stamp per set of extras records
# what is installed, so changing pyproject.toml or the extras reinstalls, and nothing
# else does. A .venv that is broken or was built by another Python is rebuilt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
comma := ,
#: Extras `make test` installs (the demo needs none).
TEST_EXTRAS := dev,alpaca,plot,dask,frame

# $(call ready,EXTRAS): (re)build .venv if needed, then install the package with EXTRAS
# ("" for none) unless the stamp for EXTRAS is newer than pyproject.toml.
define ready
	@want="$$($(PYTHON) -c 'import sys; print(sys.base_prefix, sys.version)')" || \
	  { echo "$(PYTHON) does not run: set PYTHON=/path/to/python3.11 or later"; exit 1; }; \
	have="$$($(BIN)/python -c 'import sys; print(sys.base_prefix, sys.version)' 2>/dev/null)"; \
	if [ "$$want" != "$$have" ]; then \
	  echo "$(VENV): missing, broken or built by another Python: building it with $(PYTHON)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip; \
	fi
	@stamp='$(VENV)/.installed-$(if $(1),$(subst $(comma),+,$(1)),base)'; \
	if [ ! -f "$$stamp" ] || [ pyproject.toml -nt "$$stamp" ]; then \
	  echo "$(VENV): installing portfolio-rebalancer$(if $(1),[$(1)])"; \
	  $(BIN)/python -m pip install --quiet -e '.$(if $(1),[$(1)])' && touch "$$stamp"; \
	fi
endef

.PHONY: demo test lint typecheck unit bench clean
# The targets share one .venv that `ready` may rebuild: never run them side by side.
.NOTPARALLEL:

demo:
	$(call ready,)
	$(BIN)/portfolio demo

lint:
	$(call ready,$(TEST_EXTRAS))
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(call ready,$(TEST_EXTRAS))
	$(BIN)/mypy

unit:
	$(call ready,$(TEST_EXTRAS))
	$(BIN)/pytest

test: lint typecheck unit

# Benchmarks print figures; they never fail on speed. See docs/performance.md.
# Every benchmark runs, each in a few minutes at most; bench_many.py with a small load
# (2,000 accounts, one round): its full run, the one the docs quote, takes ~10 minutes.
bench:
	$(call ready,$(TEST_EXTRAS)$(comma)bench)
	$(BIN)/python tests/benchmarks/bench_planner.py
	$(BIN)/python tests/benchmarks/bench_backtest.py
	$(BIN)/python tests/benchmarks/bench_backtest_gaps.py
	$(BIN)/python tests/benchmarks/bench_alpaca.py
	$(BIN)/python tests/benchmarks/bench_orders.py
	$(BIN)/python tests/benchmarks/bench_whole_shares.py
	$(BIN)/python tests/benchmarks/bench_many.py 2000 1
	$(BIN)/python tests/benchmarks/bench_models.py
	$(BIN)/python tests/benchmarks/bench_sweep.py
	$(BIN)/python tests/benchmarks/bench_startup.py
	$(BIN)/python tests/benchmarks/bench_tax.py
	$(BIN)/python tests/benchmarks/bench_tax_backtest.py
	$(BIN)/python tests/benchmarks/bench_vectorbt.py
	@if command -v valgrind >/dev/null; then $(BIN)/python tests/benchmarks/bench_instructions.py; \
	  else echo "bench_instructions.py skipped: it counts with valgrind, which is not installed"; fi
	@echo "bench_many.py ran quick (2,000 accounts, 1 round); the full run (20,000 accounts,"
	@echo "3 rounds, ~10 minutes): $(BIN)/python tests/benchmarks/bench_many.py"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
