"""The student edition built by ``make student`` (``tools/site/student.py``).

- No solution text in any student artefact: every line of code that occurs only in a cell
  tagged ``solution`` of a source notebook (not in any other cell of that notebook) must not
  appear in any file of ``_build/student/`` (notebooks, HTML, sources, search index).
- Every student notebook runs without error up to its first unsolved exercise: the cells up to
  the first stub (the cell before a removed solution) and the checker cells right after it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from browser_support import ROOT, missing

sys.path.insert(0, str(ROOT / "tools" / "site"))
import student  # noqa: E402

OUT = student.OUT
SOLUTION = student.SOLUTION_TAG
MIN_LINE = 8  # shorter lines ("pass", "w = 1") are too generic to count as leaked text


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def solution_only_lines(nb) -> set[str]:
    solution, other = set(), set()
    for cell in nb.cells:
        lines = {ln.strip() for ln in cell.source.splitlines()}
        (solution if SOLUTION in _tags(cell) else other).update(lines)
    return {ln for ln in solution - other
            if len(ln) >= MIN_LINE and not ln.startswith("#")}


def _notebooks():
    return student.toc_notebooks() or [None]


@pytest.fixture(scope="module")
def student_files() -> dict[Path, str]:
    if not (OUT / "html" / "index.html").exists():
        missing(f"no student edition in {OUT} (run `make student`)")
    files = {}
    for f in OUT.rglob("*"):
        if f.is_file() and f.suffix in {".ipynb", ".html", ".js", ".txt", ".json", ".md", ".py"}:
            files[f] = f.read_text(errors="replace")
    return files


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
