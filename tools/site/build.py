"""Build the instructor site (``make book``): vendored assets, fresh-enough cache, Jupyter Book.

Steps
1. ``tools/site/vendor.py``: pinned npm packages -> ``_build/site_extra/_vendor`` (cached).
2. Cache invalidation: jupyter-cache keys a notebook on its own cells only and Sphinx re-reads
   only changed sources, so a change in ``dl_helpers`` (which the notebooks import) would leave
   stale pages. We hash ``dl_helpers/**/*.py`` and, when the hash changed since the last
   build, drop the execution cache and the doctrees; when only ``tools/site/*`` changed (the
   Sphinx extension), only the doctrees (pages are re-read, outputs come from the cache).
3. Execution before Sphinx: the notebooks of the table of contents that are not in the cache
   are executed by jupyter-cache's parallel executor (one process per core, each notebook in
   its own folder as MyST-NB would) and stored in the cache MyST-NB reads. Inside the Sphinx
   process, notebook execution stalled now and then for minutes on this machine (kernel idle,
   nbclient's ZeroMQ wait not woken until the cell timeout); separate processes also halve
   the cold build on two cores. A notebook that fails here is executed again by MyST-NB, so
   the build reports the error as usual. The executions run with ``DL_HELPERS_SITE_ASSETS``
   set: every ``dl_helpers.interactive.interactive`` figure renders all its combinations into
   the picture store ``_build/interactive/`` and shows a kernel-free HTML control instead of
   live widgets (``site_ext.py`` copies the pictures into the site). The store is dropped
   together with the execution cache.
4. ``jupyter-book build . --path-output . --warningiserror --keep-going`` -> ``_build/html``.
   With ``--student`` (``make student``) the student edition (``student.py``) is built from
   the same execution, its Sphinx run next to this one (Sphinx uses one core).

Usage: ``.venv/bin/python tools/site/build.py [--force] [--student]``
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
import vendor  # noqa: E402
import yaml  # noqa: E402

from dl_helpers.interactive import SITE_ASSETS_ENV  # noqa: E402

BUILD = ROOT / "_build"
INTERACTIVE = BUILD / "interactive"   # picture store of the interactive figures


def tree_hash(files) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def helpers_hash() -> str:
    return tree_hash((ROOT / "dl_helpers").rglob("*.py"))


def tools_hash() -> str:
    return tree_hash([*(p for p in (ROOT / "tools" / "site").iterdir() if p.is_file()),
                      ROOT / "_config.yml"])


def invalidate_if_stale(build: Path, force: bool = False) -> bool:
    """Drop the execution cache (dl_helpers changed) and/or the doctrees (tools changed)."""
    build.mkdir(parents=True, exist_ok=True)
    stale = False
    for name, current, folders in (("helpers", helpers_hash(),
                                    (".jupyter_cache", ".doctrees", INTERACTIVE.name)),
                                   ("tools", tools_hash(), (".doctrees",))):
        stamp = build / f".{name}.sha256"
        if force or not stamp.exists() or stamp.read_text() != current:
            for folder in folders:
                shutil.rmtree(build / folder, ignore_errors=True)
            stamp.write_text(current)  # what is cached from now on belongs to this hash
            stale = stale or name == "helpers"
    return stale


def toc_files(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``file:``/``root:`` entry of the table of contents (without suffix)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(toc.read_text()))
    return found


def toc_notebooks() -> list[Path]:
    paths = [ROOT / f"{entry}.ipynb" for entry in toc_files()]
    return [p for p in paths if p.exists()]


def pre_execute() -> list[str]:
    """Execute uncached notebooks of the book in parallel into the jupyter-cache.

    Returns the notebooks that failed (MyST-NB executes them again and reports the error)."""
    import logging

    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    cache = get_cache(str(ROOT / cfg["cache"]))
    notebooks = toc_notebooks()
    uris = []
    for nb in notebooks:
        uris.append(cache.add_nb_to_project(str(nb)).uri)
    todo = [r.uri for r in cache.list_unexecuted(filter_uris=uris)] if hasattr(
        cache, "list_unexecuted") else uris
    if not todo:
        return []
    logger = logging.getLogger("build.py")
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    executor = load_executor("local-parallel", cache=cache, logger=logger)
    result = executor.run_and_cache(filter_uris=todo, timeout=cfg.get("timeout", 300),
                                    allow_errors=bool(cfg.get("allow_errors", False)))
    failed = [*result.excepted, *result.errored]
    print(f"build.py: executed {len(result.succeeded)} notebook(s) in "
          f"{time.perf_counter() - start:.0f} s" + (f"; FAILED: {failed}" if failed else ""))
    return [str(f) for f in failed]


def _jupyter_book_cmd(src: Path, out: Path) -> list[str]:
    jb = Path(sys.executable).with_name("jupyter-book")
    return [str(jb), "build", str(src), "--path-output", str(out), "--warningiserror",
            "--keep-going"]


def jupyter_book(src: Path, out: Path) -> None:
    subprocess.run(_jupyter_book_cmd(src, out), check=True, cwd=src)


def both_editions() -> None:
    """Instructor site and student edition: the two Sphinx runs (one core each) side by side.

    The student source tree is written first (it reads the execution cache); the student
    build's log goes to ``_build/student.log`` and is printed once it is done."""
    import student

    student.prepare()
    log_path = BUILD / "student.log"
    with open(log_path, "w") as log:
        other = subprocess.Popen(_jupyter_book_cmd(student.SRC, student.SRC), cwd=student.SRC,
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            jupyter_book(ROOT, ROOT)
        finally:
            code = other.wait()
            print("---- student edition (jupyter-book build, _build/student.log) ----")
            print(log_path.read_text(errors="replace"), flush=True)
    if code:
        raise subprocess.CalledProcessError(code, "jupyter-book build _build/student_src")
    html = student.publish()
    print(f"build.py: student site in {html.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    """``build.py [--force] [--student]``: ``--student`` also builds the student edition
    (``tools/site/student.py``) from the same execution, the two Sphinx runs side by side."""
    start = time.perf_counter()
    vendor.build()
    BUILD.mkdir(exist_ok=True)
    # every notebook kernel (here and in Sphinx) inherits it: interactive figures for the site
    os.environ[SITE_ASSETS_ENV] = str(INTERACTIVE)
    if invalidate_if_stale(BUILD, force="--force" in argv):
        print("build.py: dl_helpers changed (or --force): execution cache cleared")
    failed = pre_execute()
    if "--student" in argv and not failed:
        both_editions()
    else:
        jupyter_book(ROOT, ROOT)
        if "--student" in argv:
            import student

            student.main([])
    html = BUILD / "html"
    pages = [p for p in html.rglob("*.html")
             if not {"_static", "_sources", "_vendor", "_images"} & set(p.relative_to(html).parts)]
    print(f"build.py: {len(pages)} pages in {html.relative_to(ROOT)}, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
