"""`make workspace` / tools/workspace.py: the student's work folder arbeitsmappe/.

Student edition of every notebook (no solution code), idempotent, never overwrites a file
there (a changed course notebook arrives beside it), and `make clean` leaves it alone."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import workspace  # noqa: E402

TODAY = dt.date(2026, 12, 4)
NOTEBOOKS = sorted((ROOT / "lecture_nb").glob("*.ipynb"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    target = tmp_path_factory.mktemp("ws") / "arbeitsmappe"
    messages = workspace.update_workspace(NOTEBOOKS, target, TODAY)
    return target, messages


def test_creates_every_notebook_and_a_readme(fresh):
    target, messages = fresh
    assert {p.name for p in target.glob("*.ipynb")} == {p.name for p in NOTEBOOKS}
    assert messages == [f"neu: {p.name}" for p in NOTEBOOKS]
    assert (target / workspace.README).exists()
    assert set(json.loads((target / workspace.MANIFEST).read_text())) == {p.name for p in NOTEBOOKS}


def test_no_solution_code_but_the_stubs(fresh):
    target, _ = fresh
    for path in NOTEBOOKS:
        course = nbformat.read(path, as_version=4)
        mine = nbformat.read(target / path.name, as_version=4)
        solutions = [c.source for c in course.cells if "solution" in c.metadata.get("tags", [])]
        assert not any("solution" in c.metadata.get("tags", []) for c in mine.cells)
        assert len(mine.cells) == len(course.cells) - len(solutions)
        for source in solutions:
            assert source not in [c.source for c in mine.cells], path.name
        # the exercise stubs stay: the answer cell before each solution, with its `...`
        stubs = [course.cells[i - 1].source for i, c in enumerate(course.cells)
                 if "solution" in c.metadata.get("tags", [])]
        mine_sources = [c.source for c in mine.cells]
        assert all("..." in stub and stub in mine_sources for stub in stubs), path.name
        assert all(c.get("outputs", []) == [] for c in mine.cells if c.cell_type == "code")


def test_idempotent(fresh):
    target, _ = fresh
    before = _snapshot(target)
    assert workspace.update_workspace(NOTEBOOKS, target, TODAY) == []
    assert _snapshot(target) == before


def test_students_work_survives_and_a_new_course_version_arrives_beside_it(tmp_path):
    course_dir = tmp_path / "kurs"
    course_dir.mkdir()
    course = course_dir / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], course)
    target = tmp_path / "arbeitsmappe"
    workspace.update_workspace([course], target, TODAY)
    mine = target / course.name
    nb = nbformat.read(mine, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("meine_loesung = 42"))
    nbformat.write(nb, mine)
    students_text = mine.read_text()

    assert workspace.update_workspace([course], target, TODAY) == []     # course unchanged
    assert mine.read_text() == students_text

    changed = nbformat.read(course, as_version=4)
    changed.cells.insert(1, nbformat.v4.new_markdown_cell("Neuer Absatz im Kurs."))
    nbformat.write(changed, course)
    messages = workspace.update_workspace([course], target, TODAY)
    beside = target / f"{course.stem} (neue Version 2026-12-04).ipynb"
    assert mine.read_text() == students_text
    assert beside.exists() and "Neuer Absatz im Kurs." in beside.read_text()
    assert len(messages) == 1 and "neue Fassung" in messages[0] and beside.name in messages[0]
    assert "Deine Datei bleibt unverändert" in messages[0]

    before = _snapshot(target)                                         # delivered only once
    assert workspace.update_workspace([course], target, TODAY) == []
    assert _snapshot(target) == before

    changed.cells.insert(1, nbformat.v4.new_markdown_cell("Noch ein Absatz."))
    nbformat.write(changed, course)                                    # same day, second change
    workspace.update_workspace([course], target, TODAY)
    assert (target / f"{course.stem} (neue Version 2026-12-04) 2.ipynb").exists()
    assert beside.read_text() == before[beside.name].decode()


def test_command_line_speaks_german(tmp_path):
    target = tmp_path / "arbeitsmappe"
    run = [sys.executable, str(ROOT / "tools" / "workspace.py"), "--target", str(target)]
    first = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "neu: 00_mathe_refresher.ipynb" in first and "aktualisiert" in first
    second = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "ist aktuell" in second


def test_make_clean_never_touches_the_work_folder(tmp_path):
    (tmp_path / "arbeitsmappe").mkdir()
    (tmp_path / "arbeitsmappe" / "00_mein.ipynb").write_text("{}")
    (tmp_path / "_build").mkdir()
    subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "clean"], cwd=tmp_path, check=True)
    assert not (tmp_path / "_build").exists()
    assert (tmp_path / "arbeitsmappe" / "00_mein.ipynb").read_text() == "{}"
    assert "arbeitsmappe/" in (ROOT / ".gitignore").read_text().split()


def test_make_without_a_suitable_python_says_so_in_german(tmp_path):
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    run = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "venv", "PYTHON="],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode != 0
    assert "Kein passendes Python gefunden" in run.stderr and "3.12 oder 3.13" in run.stderr
    assert not (tmp_path / ".venv").exists()
