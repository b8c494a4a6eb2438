"""Student edition (``make student``): notebooks and a site without solutions.

Outputs
    _build/student/lecture_nb/*.ipynb   notebooks to hand out: cells tagged ``solution`` removed
                                        (the exercise stub stays), all outputs cleared
    _build/student/html/                the student site: the instructor build's executed
                                        notebooks (from the jupyter-cache, so nothing runs
                                        again) with the solution cells removed and the output
                                        of the checker cells right after a solution cleared
                                        (it was computed from the solution)

Both use nbconvert preprocessors (``TagRemovePreprocessor``, ``ClearOutputPreprocessor`` and a
small ``Preprocessor`` subclass); the student site source tree is ``_build/student_src/``
(configuration with ``site_edition: student`` -- the Sphinx extension then fails the build if a
solution cell is still present -- and ``execute_notebooks: "off"``). Run ``make book`` first:
the executed notebooks are taken from its cache.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
OUT = BUILD / "student"
SRC = BUILD / "student_src"
SOLUTION_TAG = "solution"
sys.path.insert(0, str(Path(__file__).parent))
from build import toc_files, toc_notebooks  # noqa: E402  (re-exported for the tests)


class ClearCheckerOutputs(Preprocessor):
    """Clear the outputs of the code cells after a ``solution`` cell up to the next Markdown
    cell: the exercise's checker call, whose feedback was produced by the solution."""

    def preprocess(self, nb, resources):
        after_solution = False
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type == "markdown":
                after_solution = False
            elif SOLUTION_TAG in tags:
                after_solution = True
            elif after_solution and cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        return nb, resources


def _remove_solutions() -> TagRemovePreprocessor:
    return TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Hand-out version: solution cells removed, outputs and widget state cleared."""
    nb, res = _remove_solutions().preprocess(nb, {})
    nb, res = ClearOutputPreprocessor(enabled=True).preprocess(nb, res)
    nb.metadata.pop("widgets", None)
    return nb


def student_site_notebook(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Site version: executed outputs kept, solutions removed, checker outputs cleared."""
    nb, res = ClearCheckerOutputs().preprocess(executed, {})
    nb, res = _remove_solutions().preprocess(nb, res)
    return nb


def executed_from_cache(path: Path, rebuild: bool = True) -> nbformat.NotebookNode:
    """The instructor build's executed version of ``path`` (outputs + widget state).

    If the notebook changed since the last instructor build, that build is run again once
    (cached: only changed notebooks execute)."""
    from jupyter_cache import get_cache

    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cache = get_cache(str(ROOT / cfg["execute"]["cache"]))
    nb = nbformat.read(path, as_version=4)
    try:
        _, merged = cache.merge_match_into_notebook(nb)
    except KeyError:
        if not rebuild:
            sys.exit(f"student.py: {path.relative_to(ROOT)} is not in the execution cache of "
                     "the instructor build (`make book`)")
        import build

        print(f"student.py: {path.relative_to(ROOT)} changed since `make book`; rebuilding")
        build.main([])
        return executed_from_cache(path, rebuild=False)
    return merged


def write_student_notebooks() -> list[Path]:
    written = []
    for path in toc_notebooks():
        rel = path.relative_to(ROOT)
        target = OUT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def write_site_source() -> None:
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "off"
    cfg["sphinx"]["config"]["site_edition"] = "student"
    cfg["title"] = f"{cfg.get('title', '')} (Studierenden-Ausgabe)"
    (SRC / "_config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False))
    shutil.copy2(ROOT / "_toc.yml", SRC / "_toc.yml")
    # the book's own pages and assets (Markdown, static files, fragments): no solutions there
    shutil.copytree(ROOT / "book", SRC / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    for entry in toc_files():
        src = ROOT / f"{entry}.ipynb"
        if src.exists():
            dst = SRC / f"{entry}.ipynb"
            dst.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(student_site_notebook(executed_from_cache(src)), dst)
    # build-time helpers: the Sphinx extension and the vendored JS (shared, not copied)
    (SRC / "tools").mkdir()
    (SRC / "tools" / "site").symlink_to(ROOT / "tools" / "site")
    (SRC / "_build").mkdir()
    (SRC / "_build" / "site_extra").symlink_to(BUILD / "site_extra")


def prepare() -> None:
    """Everything before the student site's Sphinx run: hand-out notebooks, site source tree
    (reads the instructor build's execution cache)."""
    import vendor

    vendor.build()
    notebooks = write_student_notebooks()
    print(f"student.py: {len(notebooks)} student notebooks in {OUT.relative_to(ROOT)}")
    write_site_source()


def publish() -> Path:
    """Copy the built student site to ``_build/student/html``."""
    html = OUT / "html"
    shutil.rmtree(html, ignore_errors=True)
    shutil.copytree(SRC / "_build" / "html", html)
    return html


def main(argv: list[str]) -> int:
    import build

    start = time.perf_counter()
    prepare()
    build.jupyter_book(SRC, SRC)
    html = publish()
    print(f"student.py: student site in {html.relative_to(ROOT)}, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
