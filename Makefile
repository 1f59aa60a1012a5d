# Cellgate: `make demo` serves a demo prison, `make test` runs every test. Both install first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -c 'import sys; sys.exit("Cellgate needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# face_recognition's own metadata asks for a dlib source build; dlib-bin (above) replaces it.
	$(PY) -m pip install --quiet --no-deps face-recognition==1.3.0
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/cellgate demo

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

bench: install
	@for b in bench/*.py; do echo "# $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
