"""The student edition built by ``make student`` (``tools/site/student.py``).

- No solution text in any student artefact: every line of code that occurs only in cells
  tagged ``solution`` (not in any other cell of any notebook of the book, nor in the book's
  Markdown pages) must not appear in any file of ``_build/student/`` (notebooks, HTML pages,
  page sources, search index; the theme's and vendored assets are not content).
- Every student notebook runs without error up to its first unsolved exercise: the cells up to
  the first stub (the cell before a removed solution) and the checker cells right after it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbclient import NotebookClient

from browser_support import ROOT, missing

sys.path.insert(0, str(ROOT / "tools" / "site"))
import student  # noqa: E402

OUT = student.OUT
SOLUTION = student.SOLUTION_TAG
MIN_LINE = 8  # shorter lines ("pass", "w = 1") are too generic to count as leaked text


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _lines(text: str) -> set[str]:
    return {ln.strip() for ln in text.splitlines()}


def public_text() -> str:
    """What students may see anyway: non-solution cells of all notebooks, the book's pages."""
    parts = []
    for path in student.toc_notebooks():
        parts += [c.source for c in nbformat.read(path, as_version=4).cells
                  if SOLUTION not in _tags(c)]
    parts += [page.read_text(errors="replace") for page in (ROOT / "book").rglob("*.md")]
    return "\n".join(parts)


_PUBLIC: str | None = None


def solution_only_lines(nb) -> set[str]:
    global _PUBLIC
    if _PUBLIC is None:
        _PUBLIC = public_text()
    solution = set()
    for cell in nb.cells:
        if SOLUTION in _tags(cell):
            solution |= _lines(cell.source)
    return {ln for ln in solution
            if len(ln) >= MIN_LINE and not ln.startswith("#") and ln not in _PUBLIC}


def _notebooks():
    return student.toc_notebooks() or [None]


def _visible_texts() -> dict[str, str]:
    files = {}
    for f in OUT.rglob("*"):
        if {"_static", "_vendor"} & set(f.relative_to(OUT).parts):
            continue  # theme and vendored JavaScript: not generated from the notebooks
        if f.is_file() and f.suffix in {".ipynb", ".html", ".js", ".txt", ".json", ".md", ".py"}:
            files[str(f)] = visible_text(f)
    return files


@pytest.fixture(scope="session")
def student_files(tmp_path_factory, worker_id) -> dict[Path, str]:
    """Visible text of every student artefact. Parsing all pages takes seconds: under xdist
    the first worker that needs it stores it in the run's shared temporary folder (one per
    pytest run), the other workers read that copy."""
    if not (OUT / "html" / "index.html").exists():
        missing(f"no student edition in {OUT} (run `make student`)")
    if worker_id == "master":
        texts = _visible_texts()
    else:
        shared = tmp_path_factory.getbasetemp().parent / "student_files.json"
        with FileLock(f"{shared}.lock"):
            if shared.is_file():
                texts = json.loads(shared.read_text())
            else:
                texts = _visible_texts()
                shared.write_text(json.dumps(texts))
    return {Path(name): text for name, text in texts.items()}


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def visible_text(path: Path) -> str:
    """Text of a file as a reader sees it: HTML without tags (highlighted code is split into
    spans), JSON/notebooks with their strings unescaped."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        from bs4 import BeautifulSoup

        return BeautifulSoup(raw, "html.parser").get_text()
    if path.suffix in {".ipynb", ".json"}:
        try:
            return "".join(_strings(json.loads(raw)))
        except ValueError:
            return raw
    return raw


@pytest.mark.parametrize("source", _notebooks(), ids=lambda p: p.name if p else "none")
def test_no_solution_text(source, student_files):
    if source is None:
        missing("no notebooks listed in _toc.yml exist yet")
    nb = nbformat.read(source, as_version=4)
    secrets = solution_only_lines(nb)
    leaks = [(str(f.relative_to(OUT)), line) for line in secrets
             for f, text in student_files.items() if line in text]
    assert not leaks, f"solution text of {source.name} in the student edition: {leaks[:5]}"
    handout = OUT / source.relative_to(ROOT)
    assert handout.exists(), f"missing student notebook {handout}"
    assert not any(SOLUTION in _tags(c) for c in nbformat.read(handout, as_version=4).cells)


def up_to_first_exercise(handout, source) -> nbformat.NotebookNode:
    """Cells of the student notebook ``handout`` up to and including the first exercise.

    The first exercise's stub is the cell right before the first ``solution`` cell of the
    source (found by cell id); the exercise ends before the next Markdown cell (the stub and
    its checker call are included)."""
    cells = handout.cells
    end = len(cells)
    first = next((i for i, c in enumerate(source.cells) if SOLUTION in _tags(c)), None)
    if first is not None and first > 0:
        stub_id = source.cells[first - 1].get("id")
        stub = next((i for i, c in enumerate(cells) if c.get("id") == stub_id), None)
        assert stub is not None, "the exercise stub before the first solution is missing"
        end = next((j for j in range(stub + 1, len(cells)) if cells[j].cell_type == "markdown"),
                   len(cells))
    out = nbformat.from_dict(handout)
    out.cells = cells[:end]
    return out


@pytest.mark.parametrize("source", _notebooks(), ids=lambda p: p.name if p else "none")
def test_student_notebook_runs_to_first_exercise(source):
    if source is None:
        missing("no notebooks listed in _toc.yml exist yet")
    handout = OUT / source.relative_to(ROOT)
    if not handout.exists():
        missing(f"no student notebook {handout} (run `make student`)")
    nb = up_to_first_exercise(nbformat.read(handout, as_version=4),
                              nbformat.read(source, as_version=4))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(source.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
