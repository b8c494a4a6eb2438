# Kurs-Workbook "Neuronale Netze / Deep Learning" -- alle Befehle legen .venv selbst an.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: help venv lab book test test-fast bench clean

help:
	@echo "make lab    - JupyterLab starten (Studierende)"
	@echo "make book   - statische Website nach _build/html bauen"
	@echo "make test   - pytest + nbval (alle Notebooks)"
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

book: $(STAMP)
	$(BIN)/jupyter-book build . --path-output . --warningiserror --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax tests lecture_nb

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .jupyter_cache .pytest_cache .hypothesis
