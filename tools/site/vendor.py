"""Fetch the site's JavaScript assets from the npm registry (pinned) and lay them out locally.

The published book must not request anything from another host. MathJax is therefore
downloaded at build time with ``npm pack NAME@VERSION``
(the ordinary npm client), checked against the pinned sha512 integrity, unpacked, and the few
files the site needs are copied to ``_build/site_extra/_vendor/``. Sphinx copies that folder
into the HTML output via ``html_extra_path`` (``_config.yml``); ``mathjax_path`` points into
it. Not under ``book/_static``: Jupyter Book would add every ``*.js`` found there as a
``<script>`` to every page. (The site needs no require.js and no ipywidgets manager: the
interactive figures are plain HTML, see ``dl_helpers/interactive.py``.)

Usage (repository root)::

    .venv/bin/python tools/site/vendor.py            # idempotent; tarballs cached in _build/npm

Layout of ``_build/site_extra/_vendor/``::

    mathjax/           tex-mml-chtml.js + the components it loads on demand (fonts, extensions)
"""
from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "_build" / "npm"
OUT = ROOT / "_build" / "site_extra" / "_vendor"

# name, version, npm integrity (sha512 of the tarball, as `npm pack --json` reports it)
PACKAGES = {
    "mathjax": ("3.2.2", "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="),
}

# what is copied out of each package (paths inside the tarball's "package/" folder)
MATHJAX_PARTS = ["es5/tex-mml-chtml.js", "es5/input", "es5/output/chtml", "es5/a11y",
                 "es5/ui", "es5/sre", "es5/adaptors", "LICENSE"]


def tarball_name(name: str, version: str) -> str:
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(name: str) -> Path:
    """Return the verified tarball of ``name`` (download with ``npm pack`` if not cached)."""
    version, expected = PACKAGES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    tgz = CACHE / tarball_name(name, version)
    if not tgz.exists() or integrity(tgz) != expected:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("vendor.py: `npm` not found; install Node.js/npm (Debian: apt-get install npm)")
        subprocess.run([npm, "pack", f"{name}@{version}", "--silent"], cwd=CACHE, check=True,
                       stdout=subprocess.DEVNULL)
    got = integrity(tgz)
    if got != expected:
        tgz.unlink()
        sys.exit(f"vendor.py: integrity mismatch for {name}@{version}: {got} != {expected}")
    return tgz


def unpack(tgz: Path) -> Path:
    dest = CACHE / tgz.name.removesuffix(".tgz")
    if not (dest / "package" / "package.json").exists():
        shutil.rmtree(dest, ignore_errors=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(dest, filter="data")
    return dest / "package"


def copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dst)


def build() -> Path:
    stamp = OUT / ".versions"
    wanted = "\n".join(f"{n}@{v} {i}" for n, (v, i) in sorted(PACKAGES.items())) + "\n"
    if stamp.exists() and stamp.read_text() == wanted:
        return OUT
    shutil.rmtree(OUT, ignore_errors=True)
    mathjax = unpack(fetch("mathjax"))
    for part in MATHJAX_PARTS:
        copy(mathjax / part, OUT / "mathjax" / part.removeprefix("es5/"))
    write_favicon_ico(OUT.parent / "favicon.ico")
    stamp.write_text(wanted)
    return OUT


def write_favicon_ico(path: Path) -> None:
    """Root favicon.ico (drawn like book/_static/favicon.svg): pages without an icon link,
    e.g. the redirect index.html, make the browser ask for /favicon.ico (else a console 404)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, 63, 63), radius=12, fill="#1f4e79")
    for a, b in (((18, 20), (46, 32)), ((18, 44), (46, 32))):
        d.line((a, b), fill="white", width=3)
    for x, y in ((18, 20), (18, 44), (46, 32)):
        d.ellipse((x - 6, y - 6, x + 6, y + 6), fill="white")
    img.save(path, format="ICO", sizes=[(16, 16), (32, 32), (64, 64)])


if __name__ == "__main__":
    out = build()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"vendor assets in {out.relative_to(ROOT)} ({size / 1e6:.1f} MB)")
