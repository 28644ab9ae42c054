# The two commands of the README. Both set up what they need first (scripts/setup.sh).
.PHONY: demo test fast lint bench setup

setup:
	@bash scripts/setup.sh

demo: setup  ## run the month-close demo workflow on the embedded store (./.glue_nb)
	.venv/bin/glue-nb run notebooks/month_close.py

test:  ## lint and type-check, then the whole test suite, as CI runs it
	@bash scripts/setup.sh --browser
	.venv/bin/ruff check glue_nb tests benchmarks
	.venv/bin/mypy glue_nb
	.venv/bin/python -m pytest

fast: setup  ## the fast lane: no kernels, cluster or browser
	.venv/bin/python -m pytest -m "not kernel and not dask and not browser"

lint: setup
	.venv/bin/ruff check glue_nb tests benchmarks
	.venv/bin/ruff format --check glue_nb tests benchmarks
	.venv/bin/mypy glue_nb

bench: setup  ## all benchmarks (several minutes)
	for b in benchmarks/bench_*.py; do .venv/bin/python $$b || exit 1; done
