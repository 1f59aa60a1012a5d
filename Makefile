# Cellgate: `make demo` serves a demo prison, `make test` runs every test. Both install first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench clean messages

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

# The one text catalogue of every surface: extract what the kiosk, the tablet API and the back
# office say (babel.cfg), then add the new words to the Estonian and Russian catalogues for
# translating. Service refusals are extracted too: templates with named values, which every
# surface says in its reader's language (backoffice/errors.py, backoffice/surface/refusals.py).
CATALOGUES := backoffice/translations
REFUSALS := -k ServiceError -k InvalidInput -k Conflict -k NotFound -k Forbidden -k NC_:1c,2
messages: install
	mkdir -p var
	$(VENV)/bin/pybabel -q extract -F babel.cfg $(REFUSALS) --no-location --sort-output \
		--project Cellgate -o var/messages.pot .
	for lang in et ru; do \
		$(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete \
			-i var/messages.pot -d $(CATALOGUES) -l $$lang || exit 1; \
	done

bench: install
	@for b in bench/*.py; do echo "# $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
