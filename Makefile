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
# requirements.txt pins every package: three pip processes install a third of it each
# (--no-deps, no file is shared between two packages), about 30 % faster than one pip, which
# unpacks and byte-compiles one wheel after the other. The normal install afterwards resolves
# the dependencies, adds what the pins leave out and fails on a conflict.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	for i in 0 1 2; do grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$$' requirements.txt \
	  | awk -v i=$$i 'NR % 3 == i' > $(VENV)/requirements.part$$i.txt; done
	pids=; for i in 0 1 2; do \
	  $(BIN)/python -m pip install -qq --no-deps -r $(VENV)/requirements.part$$i.txt & pids="$$pids $$!"; \
	done; ok=0; for p in $$pids; do wait $$p || ok=1; done; exit $$ok
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
