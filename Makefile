# Kurs-Workbook "Neuronale Netze / Deep Learning" -- alle Befehle legen .venv selbst an.
#
# Two requirement levels in one venv: requirements.txt (what a student needs for JupyterLab,
# stamp .venv/.installed) and requirements-dev.txt (book, tests, benchmarks; stamp
# .venv/.installed-dev). Python 3.11.5-3.13: the first suitable interpreter of python3, python3.11,
# python3.12, python3.13 is used (the pins resolve on 3.11.5+, 3.12 and 3.13: pip install --dry-run
# --python-version). The system's python3 comes first: where it fits, it is the one the machine
# was set up for (e.g. a local torch wheel for exactly that version).
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 14))' 2>/dev/null \
  && { echo $$p; break; }; done)
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
JOBS      ?= 2
# Optional: a package index for torch, e.g. the CPU-only build (see README.md).
TORCH_INDEX ?=

.PHONY: help venv venv-dev workspace lab lab-instructor book student test test-fast test-site bench clean

help:
	@echo "make lab            - JupyterLab mit deiner Arbeitsmappe (Notebooks ohne Lösungen)"
	@echo "make workspace      - Arbeitsmappe arbeitsmappe/ anlegen/aktualisieren (überschreibt nichts)"
	@echo "make lab-instructor - JupyterLab mit der vollständigen Ausgabe (lecture_nb/, mit Lösungen)"
	@echo "make book           - statische Website nach _build/html bauen (mit Lösungen, eingeklappt)"
	@echo "make student        - Website + Studierenden-Ausgabe ohne Lösungen nach _build/student"
	@echo "make test           - pytest + nbval (alle Notebooks), dann make test-site"
	@echo "make test-site      - Website im Browser (chromium) und Studierenden-Ausgabe prüfen"
	@echo "make bench          - Benchmarks, schreibt _build/bench.json"
	@echo "make clean          - Build-Artefakte löschen (.venv und arbeitsmappe/ bleiben)"

# Pinned install of one requirements file: three pip processes install a third of the pins
# each (--no-deps; about 30 % faster than one pip, which unpacks and byte-compiles one wheel
# after the other), then the normal install resolves the dependencies and fails on a conflict.
# $(1) = requirements file
define pinned_install
	for i in 0 1 2; do grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$$' -e '^-r' $(1) \
	  | awk -v i=$$i 'NR % 3 == i' > $(VENV)/requirements.part$$i.txt; done
	pids=; for i in 0 1 2; do \
	  $(BIN)/python -m pip install -qq --no-deps -r $(VENV)/requirements.part$$i.txt & pids="$$pids $$!"; \
	done; ok=0; for p in $$pids; do wait $$p || ok=1; done; exit $$ok
	$(BIN)/python -m pip install -qq -r $(1)
endef

# (Re-)install only when the requirements or pyproject.toml changed.
$(STAMP): requirements.txt pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  if [ -z "$(PYTHON)" ]; then \
	    echo "Kein passendes Python gefunden: benötigt wird Python 3.11 (ab 3.11.5), 3.12 oder 3.13" >&2; \
	    echo "(gesucht: python3.13, python3.12, python3.11, python3)." >&2; \
	    echo "Installiere eine dieser Versionen (z. B. 'sudo apt install python3.12-venv'," >&2; \
	    echo "unter macOS/Windows von python.org) oder gib sie an: make lab PYTHON=/pfad/zu/python3.12" >&2; \
	    exit 1; \
	  fi; \
	  echo "Lege .venv mit $(PYTHON) an ($$($(PYTHON) --version))"; \
	  $(PYTHON) -m venv $(VENV) || { echo "'$(PYTHON) -m venv' ist fehlgeschlagen: fehlt das Paket python3-venv?" >&2; exit 1; }; \
	fi
	$(BIN)/python -m pip install -qq --upgrade pip
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install -qq torch==2.13.0 --index-url $(TORCH_INDEX))
	$(call pinned_install,requirements.txt)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(call pinned_install,requirements-dev.txt)
	touch $(DEV_STAMP)

venv: $(STAMP)
venv-dev: $(DEV_STAMP)

# The student's work folder: student edition of every notebook; existing files are never
# overwritten (a new course version arrives beside them).
workspace: $(STAMP)
	$(BIN)/python tools/workspace.py

lab: workspace
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/arbeitsmappe

lab-instructor: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/lecture_nb

# Site (tools/site/): vendored MathJax from npm, cached execution, interactive figures as pictures.
book: $(DEV_STAMP)
	$(BIN)/python tools/site/build.py

# Instructor site and student edition from one notebook execution (two Sphinx runs side by side).
student: $(DEV_STAMP)
	$(BIN)/python tools/site/build.py --student

# Built site in Debian's chromium (Playwright) + student edition checks (tests/browser/).
test-site: student
	BROWSER_TESTS=1 $(BIN)/python -m pytest -n $(JOBS) -p no:cacheprovider tests/browser

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --nbval-lax tests lecture_nb
	$(MAKE) test-site

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

# Never touches arbeitsmappe/ (the student's own work) or .venv.
clean:
	rm -rf _build .jupyter_cache .pytest_cache .hypothesis
