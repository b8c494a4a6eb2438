# Kurs-Workbook "Neuronale Netze / Deep Learning" -- alle Befehle legen .venv selbst an.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help venv lab book student test test-fast test-site bench clean

help:
	@echo "make lab    - JupyterLab starten (Studierende)"
	@echo "make book   - statische Website nach _build/html bauen (mit Lösungen, eingeklappt)"
	@echo "make student - Website + Studierenden-Ausgabe: Notebooks + Website ohne Lösungen nach _build/student"
	@echo "make test   - pytest + nbval (alle Notebooks), dann make test-site"
	@echo "make test-site - Website im Browser (chromium) und Studierenden-Ausgabe prüfen"
	@echo "make bench  - Benchmarks, schreibt _build/bench.json"
	@echo "make clean  - Build-Artefakte löschen (.venv bleibt)"

# (Re-)install only when requirements.txt or pyproject.toml changed.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab lecture_nb

# Site (tools/site/): vendored JS from npm, cached execution, kernel-free studies.
book: $(STAMP)
	$(BIN)/python tools/site/build.py

# Instructor site and student edition from one notebook execution (two Sphinx runs side by side).
student: $(STAMP)
	$(BIN)/python tools/site/build.py --student

# Built site in Debian's chromium (Playwright) + student edition checks (tests/browser/).
test-site: student
	BROWSER_TESTS=1 $(BIN)/python -m pytest -n $(JOBS) -p no:cacheprovider tests/browser

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax tests lecture_nb
	$(MAKE) test-site

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .jupyter_cache .pytest_cache .hypothesis
