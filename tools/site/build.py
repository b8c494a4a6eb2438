"""Build the instructor site (``make book``): vendored assets, fresh-enough cache, Jupyter Book.

Steps
1. ``tools/site/vendor.py``: pinned npm packages -> ``_build/site_extra/_vendor`` (cached).
2. Cache invalidation: jupyter-cache keys a notebook on its own cells only and Sphinx re-reads
   only changed sources, so a change in ``dl_helpers`` (which the notebooks import) would leave
   stale pages. We hash ``dl_helpers/**/*.py`` and ``tools/site/*.py`` and, when the hash
   changed since the last build, drop the execution cache and the doctrees.
3. ``jupyter-book build . --path-output . --warningiserror --keep-going`` -> ``_build/html``.
4. Report: pages, wall time, the study page's size.

Usage: ``.venv/bin/python tools/site/build.py [--force]``
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
import vendor  # noqa: E402

BUILD = ROOT / "_build"


def helpers_hash(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    files = sorted([*(root / "dl_helpers").rglob("*.py"), *(root / "tools" / "site").glob("*.py")])
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def invalidate_if_stale(src: Path, build: Path, force: bool = False) -> bool:
    """Drop execution cache + doctrees of the book in ``src`` if dl_helpers changed."""
    stamp = build / ".helpers.sha256"
    current = helpers_hash()
    stale = force or not stamp.exists() or stamp.read_text() != current
    if stale:
        shutil.rmtree(build / ".jupyter_cache", ignore_errors=True)
        shutil.rmtree(build / ".doctrees", ignore_errors=True)
        build.mkdir(parents=True, exist_ok=True)
        stamp.write_text(current)  # entries cached from now on belong to this hash
    return stale


def jupyter_book(src: Path, out: Path) -> None:
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(src), "--path-output", str(out), "--warningiserror",
           "--keep-going"]
    subprocess.run(cmd, check=True, cwd=src)


def main(argv: list[str]) -> int:
    start = time.perf_counter()
    vendor.build()
    BUILD.mkdir(exist_ok=True)
    if invalidate_if_stale(ROOT, BUILD, force="--force" in argv):
        print("build.py: dl_helpers changed (or --force): execution cache cleared")
    jupyter_book(ROOT, ROOT)
    html = BUILD / "html"
    pages = [p for p in html.rglob("*.html")
             if not {"_static", "_sources", "_vendor", "_images"} & set(p.relative_to(html).parts)]
    print(f"build.py: {len(pages)} pages in {html.relative_to(ROOT)}, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
