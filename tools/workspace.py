"""Student work folder (``make workspace``, ``make lab``): ``arbeitsmappe/``.

Puts the student edition of every course notebook (solution cells removed, exercise stubs
kept, outputs cleared: :func:`tools.site.student.student_notebook`) into a persistent,
git-ignored folder. A notebook that is already there is NEVER overwritten: when the course
version changed since it was handed out, the new version arrives beside it as
``NN_name (neue Version YYYY-MM-DD).ipynb`` and the command says so (in German).

``arbeitsmappe/.kursversionen.json`` remembers the hash of the version last handed out per
notebook, so an unchanged course notebook causes nothing, however often the command runs.

Usage: ``python tools/workspace.py [--target DIR]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "site"))
from student import student_notebook, toc_notebooks  # noqa: E402

TARGET = ROOT / "arbeitsmappe"
MANIFEST = ".kursversionen.json"
README = "LIESMICH.md"
README_TEXT = """# Deine Arbeitsmappe

Hier liegen deine eigenen Kopien der Kurs-Notebooks (ohne Musterlösungen). Alles, was du hier
einträgst, gehört dir: `make workspace` und `make lab` überschreiben keine Datei in diesem
Ordner, und `make clean` lässt ihn in Ruhe.

Ändert sich ein Notebook des Kurses, legt `make workspace` die neue Fassung **neben** deine
Datei, z. B. `04_backpropagation (neue Version 2026-12-04).ipynb`. Deine Lösungen kannst du dann
selbst hinüberkopieren.

Tipps zu einer Aufgabe: Jede Prüfzelle gibt bei einem falschen Versuch einen Tipp, bei jedem
weiteren Versuch einen genaueren. `tipp()` (aus `dl_helpers.checks`) zeigt den nächsten Tipp
sofort.
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def student_text(path: Path) -> str:
    """The student edition of the course notebook ``path`` as notebook JSON text."""
    return nbformat.writes(student_notebook(nbformat.read(path, as_version=4))) + "\n"


def _free_name(target: Path, stem: str, today: dt.date) -> Path:
    """``stem (neue Version DATE).ipynb``, with `` 2``, `` 3``, … if that name is taken."""
    base = f"{stem} (neue Version {today.isoformat()})"
    candidate = target / f"{base}.ipynb"
    n = 2
    while candidate.exists():
        candidate = target / f"{base} {n}.ipynb"
        n += 1
    return candidate


def update_workspace(notebooks: list[Path], target: Path = TARGET,
                     today: dt.date | None = None) -> list[str]:
    """Create or update the work folder; return German messages, one per change.

    notebooks : course notebooks (full edition); target : the work folder.
    A file in ``target`` is never overwritten or deleted.
    """
    today = today or dt.date.today()
    target.mkdir(parents=True, exist_ok=True)
    manifest_path = target / MANIFEST
    try:
        handed_out = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        handed_out = {}
    messages = []
    for path in notebooks:
        text = student_text(path)
        digest = _digest(text)
        mine = target / path.name
        if not mine.exists():
            mine.write_text(text, encoding="utf-8")
            messages.append(f"neu: {mine.name}")
        elif handed_out.get(path.name) != digest:
            if path.name in handed_out or _digest(mine.read_text(encoding="utf-8")) != digest:
                beside = _free_name(target, path.stem, today)
                beside.write_text(text, encoding="utf-8")
                messages.append(f"{mine.name}: Der Kurs hat eine neue Fassung. Deine Datei bleibt "
                                f"unverändert; die neue Fassung liegt daneben: „{beside.name}“.")
        handed_out[path.name] = digest
    readme = target / README
    if not readme.exists():
        readme.write_text(README_TEXT, encoding="utf-8")
    manifest_path.write_text(json.dumps(handed_out, indent=1, sort_keys=True) + "\n",
                             encoding="utf-8")
    return messages


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    messages = update_workspace(toc_notebooks(), args.target)
    where = args.target.resolve()
    try:
        where = where.relative_to(Path.cwd())
    except ValueError:
        pass
    for msg in messages:
        print(f"  {msg}")
    if messages:
        print(f"Arbeitsmappe {where}/ aktualisiert ({len(messages)} Änderung(en)); "
              "vorhandene Dateien wurden nicht überschrieben.")
    else:
        print(f"Arbeitsmappe {where}/ ist aktuell.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
