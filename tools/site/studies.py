"""Kernel-free slider studies for the published site (precomputed at build time).

On a static page a slider that calls Python does nothing. For the studies listed in
``STUDIES`` the site build (Sphinx extension ``site_ext``) replaces the *output* of the
notebook cell that shows the live widget with a small HTML/JS control panel and a picture; the
pictures for every grid point are rendered here at build time with the same pure function the
live widget uses (e.g. ``dl_helpers.init_study_plots.render_study``) and stored as PNG files next to
the page (``_studies/<id>/<i>-<j>-<k>.png``). Moving a control swaps the ``src`` of one
``<img>``: only the shown picture is downloaded, so the page stays light. In JupyterLab the
notebook is unchanged: the same cell shows the live ipywidgets version.

Renders are cached in ``_build/study_cache/`` (key: render function, arguments, hash of the
``dl_helpers`` modules it imports), so warm builds and the student build do not render again.
"""
from __future__ import annotations

import hashlib
import html
import importlib
import io
import itertools
import json
import multiprocessing
import os
import posixpath
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "_build" / "study_cache"
PNG_COLORS = 96


@dataclass(frozen=True)
class Study:
    """One kernel-free study: where it goes and what it shows.

    doc     : Sphinx docname of the notebook page
    match   : regex; the first code cell whose source matches gets the study as its output
    render  : "module:function" returning PNG bytes, called with one keyword per axis
    axes    : axis name -> grid values (display order = control order)
    labels  : axis name -> German control label
    fixed   : extra keyword arguments for ``render``
    """
    id: str
    doc: str
    match: str
    render: str
    axes: dict[str, tuple[Any, ...]]
    labels: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    caption: str = ""
    initial: dict[str, Any] = field(default_factory=dict)   # start values (as the live widget)

    def points(self) -> list[tuple[tuple[int, ...], dict[str, Any]]]:
        names = list(self.axes)
        ranges = [range(len(self.axes[n])) for n in names]
        return [(idx, {**self.fixed, **{n: self.axes[n][i] for n, i in zip(names, idx)}})
                for idx in itertools.product(*ranges)]


_INIT_NOTE = ("Vorberechnete Bilder: auf der Webseite läuft kein Python. In JupyterLab rechnet "
              "dieselbe Zelle live und bietet das feine Raster aller Werte.")

STUDIES: tuple[Study, ...] = (
    Study(
        id="init-study-07",
        doc="lecture_nb/07_initialization",
        match=r"StudyWidget\(",
        render="dl_helpers.init_study_plots:render_study",
        # the notebook's suggestions: tanh c=1 vs c=4 at L=20, ReLU LeCun vs He at L=50,
        # sigmoid with c=16; c=2^-1.5≈0.35 stands for the old heuristic U(±1/√d) (c=1/3)
        axes={"activation": ("sigmoid", "tanh", "relu"),
              "depth": (5, 20, 50),
              "variance_factor": (2.0 ** -1.5, 1.0, 2.0, 4.0, 16.0)},
        labels={"activation": "Aktivierung σ", "depth": "Tiefe L",
                "variance_factor": "c = d·Var(w)"},
        initial={"activation": "tanh", "depth": 20, "variance_factor": 1.0},
        caption=_INIT_NOTE),
    Study(
        id="act-study-06",
        doc="lecture_nb/06_vanishing_gradients_activations",
        match=r"StudyWidget\(",
        render="dl_helpers.init_study_plots:render_study",
        axes={"activation": ("sigmoid", "tanh", "relu", "leaky_relu"),
              "depth": (3, 10, 20)},
        labels={"activation": "Aktivierung σ", "depth": "Tiefe L"},
        fixed={"variance_factor": 1.0},
        initial={"activation": "sigmoid", "depth": 10},
        caption=_INIT_NOTE),
)


# imported by ``_call`` for every picture (``compress_png``): part of every render's inputs
_PNG_MODULE = "dl_helpers.static_widgets"


def helpers_hash(render: str | None = None) -> str:
    """Hash of the dl_helpers source files ``render`` depends on (all if ``render`` is None).

    The dependencies are the ``dl_helpers`` modules loaded after importing the render
    function's module and the PNG compressor's module, so an edit elsewhere in the package
    does not invalidate the pictures. (Both are imported here, so the key does not depend on
    what the calling process happened to import before.)"""
    import sys

    files = sorted((ROOT / "dl_helpers").rglob("*.py"))
    if render is not None:
        importlib.import_module(render.split(":")[0])
        try:
            importlib.import_module(_PNG_MODULE)
        except ImportError:
            pass
        loaded = {Path(m.__file__).resolve() for name, m in list(sys.modules.items())
                  if (name == "dl_helpers" or name.startswith("dl_helpers."))
                  and getattr(m, "__file__", None)}
        files = [f for f in files if f.resolve() in loaded] or files
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _key(render: str, kwargs: dict[str, Any], helpers: str) -> str:
    blob = json.dumps([render, sorted(kwargs.items()), helpers], default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _call(render: str, kwargs: dict[str, Any]) -> bytes:
    module, func = render.split(":")
    png = getattr(importlib.import_module(module), func)(**kwargs)
    try:
        from dl_helpers.static_widgets import compress_png
        png = compress_png(png, PNG_COLORS)
    except ImportError:
        pass
    return png


def _one_thread() -> None:
    """Worker initialiser: two workers on two cores, so no intra-op threads each."""
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass


def _render_to(path: str, render: str, kwargs: dict[str, Any]) -> str:
    tmp = Path(f"{path}.{os.getpid()}.tmp")
    tmp.write_bytes(_call(render, kwargs))
    os.replace(tmp, path)  # another build reading the cache never sees half a picture
    return path


def _cache_files(study: Study) -> list[tuple[tuple[int, ...], Path, dict[str, Any]]]:
    helpers = helpers_hash(study.render)
    return [(idx, CACHE / f"{_key(study.render, kwargs, helpers)}.png", kwargs)
            for idx, kwargs in study.points()]


def render_all(study: Study, out_dir: Path, workers: int | None = None) -> dict[str, int]:
    """Write ``<i>-<j>-….png`` for every grid point of ``study`` into ``out_dir``.

    Returns {"rendered": n, "cached": n, "bytes": total size}.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    todo, cached, total = [], 0, 0
    jobs = []
    for idx, cache_file, kwargs in _cache_files(study):
        jobs.append((idx, cache_file))
        if cache_file.exists():
            cached += 1
        else:
            todo.append((str(cache_file), study.render, kwargs))
    if todo:
        workers = workers or min(2, os.cpu_count() or 1, len(todo))
        if workers > 1:
            # spawn, not fork: the Sphinx process runs threads, an asyncio loop and ZeroMQ
            # sockets of the notebook executor, which a forked child must not inherit
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, initializer=_one_thread,
                                     mp_context=ctx) as pool:
                list(pool.map(_render_to, *zip(*todo)))
        else:
            for args in todo:
                _render_to(*args)
    for idx, cache_file in jobs:
        target = out_dir / ("-".join(map(str, idx)) + ".png")
        data = cache_file.read_bytes()
        target.write_bytes(data)
        total += len(data)
    return {"rendered": len(todo), "cached": cached, "bytes": total}


def prerender(selected: tuple[Study, ...] = STUDIES) -> int:
    """Fill the render cache for every grid point of ``selected`` in this process (one thread).

    ``tools/site/build.py`` runs this in a side process while the notebooks execute, so the
    Sphinx build only copies the cached pictures. Returns the number of pictures rendered."""
    _one_thread()
    CACHE.mkdir(parents=True, exist_ok=True)
    rendered = 0
    for study in selected:
        for _, cache_file, kwargs in _cache_files(study):
            if not cache_file.exists():
                _render_to(str(cache_file), study.render, kwargs)
                rendered += 1
    return rendered


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def panel_html(study: Study, page_doc: str, initial: dict[str, Any] | None = None) -> str:
    """HTML (controls + picture + tiny inline script) for ``study`` on page ``page_doc``."""
    base = posixpath.relpath(f"_studies/{study.id}", posixpath.dirname(page_doc) or ".")
    initial = {**study.initial, **(initial or {})}
    start = [values.index(initial[n]) if initial.get(n) in values else min(1, len(values) - 1)
             for n, values in study.axes.items()]
    parts = [f'<div class="static-study" id="{study.id}" data-base="{html.escape(base)}/">']
    for (name, values), i0 in zip(study.axes.items(), start):
        label = html.escape(study.labels.get(name, name))
        labels = json.dumps([_fmt(v) for v in values])
        if all(isinstance(v, (int, float)) for v in values):
            parts.append(
                f'<div class="static-study-control" data-axis="{name}">'
                f'<label>{label} <input type="range" min="0" max="{len(values) - 1}" step="1" '
                f'value="{i0}" data-labels=\'{html.escape(labels)}\' aria-label="{label}">'
                f'<output>{html.escape(_fmt(values[i0]))}</output></label></div>')
        else:
            buttons = "".join(
                f'<button type="button" value="{i}" class="{"active" if i == i0 else ""}" '
                f'aria-pressed="{"true" if i == i0 else "false"}">{html.escape(_fmt(v))}</button>'
                for i, v in enumerate(values))
            parts.append(f'<div class="static-study-control" data-axis="{name}" '
                         f'data-index="{i0}"><span class="static-study-label">{label}</span> '
                         f'{buttons}</div>')
    first = "-".join(map(str, start))
    alt = html.escape(f"Vorberechnetes Bild der Studie ({study.id})")
    parts.append(f'<img class="static-study-image" src="{html.escape(base)}/{first}.png" '
                 f'alt="{alt}">')
    if study.caption:
        parts.append(f'<p class="static-study-caption">{html.escape(study.caption)}</p>')
    parts.append("</div>")
    parts.append(f"<script>{STUDY_JS}</script>")
    return "\n".join(parts)


STUDY_JS = re.sub(r"\s*\n\s*", " ", """
(function () {
  var root = document.currentScript.previousElementSibling;
  if (!root || !root.classList.contains('static-study')) { return; }
  var img = root.querySelector('img.static-study-image');
  var controls = Array.prototype.slice.call(root.querySelectorAll('.static-study-control'));
  function index(c) {
    var r = c.querySelector('input[type=range]');
    return r ? r.value : c.getAttribute('data-index');
  }
  function update() {
    img.src = root.getAttribute('data-base') + controls.map(index).join('-') + '.png';
  }
  controls.forEach(function (c) {
    var r = c.querySelector('input[type=range]');
    if (r) {
      var labels = JSON.parse(r.getAttribute('data-labels'));
      r.addEventListener('input', function () {
        c.querySelector('output').textContent = labels[r.value]; update();
      });
    }
    Array.prototype.forEach.call(c.querySelectorAll('button'), function (b) {
      b.addEventListener('click', function () {
        c.setAttribute('data-index', b.value);
        Array.prototype.forEach.call(c.querySelectorAll('button'), function (o) {
          o.classList.toggle('active', o === b); o.setAttribute('aria-pressed', o === b);
        });
        update();
      });
    });
  });
})();
""").strip()


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    count = prerender()
    print(f"studies.py: {count} study picture(s) rendered in {time.perf_counter() - start:.0f} s")
