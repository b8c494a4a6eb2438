"""Hygiene rules every lecture notebook must follow (see shared STYLE.md).

These are static checks on the committed ``.ipynb`` files; executing the notebooks is
nbval's job (``pytest --nbval-lax lecture_nb``).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "lecture_nb"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
CHECK_TAG = "nbval-check-output"


def _checked(cell) -> bool:
    return cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", [])
REQUIRED_SECTIONS = ("Lernziele", "Aufgaben", "Zusammenfassung")
# Absolute paths: POSIX home/root dirs or Windows drive letters inside string literals.
ABSOLUTE_PATH = re.compile(r"""["'](/(home|root|work|tmp|Users|mnt)/|[A-Za-z]:\\\\)""")


def _toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.add(str(node["file"]).removesuffix(".ipynb"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def test_there_are_notebooks():
    assert NOTEBOOKS, "no lecture notebooks found in lecture_nb/"


def test_toc_entries_exist():
    for entry in _toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".ipynb", ".md")]
        assert any(p.exists() for p in candidates), f"_toc.yml lists {entry}, but no such file exists"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_listed_in_toc(notebook):
    path, _ = notebook
    assert f"lecture_nb/{path.stem}" in _toc_files(), f"{path.name} is not listed in _toc.yml"


def test_python3_kernel(notebook):
    path, nb = notebook
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernelspec is {kernel!r}, expected 'python3'"


def test_outputs_only_in_checked_cells(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not _checked(cell):
            assert not cell.outputs, f"{path.name} cell {i}: stored outputs outside {CHECK_TAG} cells"


def test_checked_cells_have_outputs(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if _checked(cell):
            assert cell.outputs, f"{path.name} cell {i}: {CHECK_TAG} cell without stored output"


def test_required_sections(notebook):
    path, nb = notebook
    headings = " ".join(
        line for c in nb.cells if c.cell_type == "markdown"
        for line in c.source.splitlines() if line.startswith("#")
    )
    for section in REQUIRED_SECTIONS:
        assert section in headings, f"{path.name}: missing section heading '{section}'"


def test_has_exercise_checker(notebook):
    path, nb = notebook
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"\bcheck_\w+\(", code), f"{path.name}: no exercise checker call (check_...())"
    assert "dl_helpers.checks" in code, f"{path.name}: checkers must come from dl_helpers.checks"


def test_solutions_are_tagged(notebook):
    path, nb = notebook
    tagged = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(tagged) >= 3, f"{path.name}: fewer than 3 cells tagged 'solution' (>= 3 exercises)"


def test_no_absolute_paths(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        assert not ABSOLUTE_PATH.search(cell.source), f"{path.name} cell {i}: absolute path"


def test_no_test_machinery_in_cell_source(notebook):
    """nbval markers are cell tags, not comments the student has to read."""
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        assert "NBVAL_" not in cell.source, f"{path.name} cell {i}: nbval comment (use a cell tag)"
