"""One slider mechanism for every interactive figure: ``interactive(render, **grids)``.

Write each interactive figure once, as the last expression of a notebook cell::

    interactive(render_fit, labels={"width": "Breite n"}, initial={"width": 8},
                width=[1, 2, 4, 8, 16], activation=[("ReLU", "relu"), ("tanh", "tanh")])

``render(**values)`` is a pure function of the control values that returns a matplotlib
``Figure`` or PNG bytes (it may reuse one figure internally). Each keyword grid lists the values
of one control: numbers give a slider over exactly these values, anything else (strings, or
``(display label, value)`` pairs with non-numeric values) a dropdown.

- In a Python kernel (JupyterLab): live ipywidgets -- the controls in one row above one
  ``ipywidgets.Image`` whose picture is replaced on every change (no new figure, no new output).
- In the site build (the environment variable ``DL_HELPERS_SITE_ASSETS`` names a folder; set by
  ``tools/site/build.py`` for the notebook execution): every combination is rendered once,
  palette-quantised (Pillow) and written to ``<folder>/<key>/<i>-<j>-….png``; the cell shows a
  small self-contained HTML control (plain JavaScript, no widget manager) with the same
  controls, values and start values, which swaps the ``src`` of one ``<img>``: only the shown
  picture is downloaded. The Sphinx extension ``tools/site/site_ext.py`` points the pictures'
  paths at the page and copies the picture folders into the site.

The product of the grid sizes is limited to ``MAX_COMBINATIONS`` (every combination becomes one
picture on the site).
"""
from __future__ import annotations

import hashlib
import html
import io
import itertools
import json
import math
import numbers
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["interactive", "Control", "InteractiveWidget", "StaticInteractive", "make_controls",
           "to_png", "compress_png", "MAX_COMBINATIONS", "SITE_ASSETS_ENV", "SITE_BASE"]

#: most pictures one interactive figure may need (product of the grid sizes)
MAX_COMBINATIONS = 200
#: environment variable of the site build: folder that receives the pictures
SITE_ASSETS_ENV = "DL_HELPERS_SITE_ASSETS"
#: placeholder for the pictures' folder in the site HTML (site_ext.py puts the page's path there)
SITE_BASE = "__dl_interactive_base__"
#: longest option label a slider's own readout shows in JupyterLab without cutting it off
READOUT_CHARS = 8
#: palette size of the site's pictures (line plots and heat maps look unchanged)
PNG_COLORS = 128


@dataclass(frozen=True)
class Control:
    """One control: ``options`` are ``(display label, value)`` pairs, ``start`` an index."""
    name: str
    label: str
    options: tuple[tuple[str, Any], ...]
    slider: bool
    start: int


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number_labels(values: list[Any]) -> list[str]:
    """Short, distinct labels: integers as they are, floats with as few digits as needed."""
    for digits in (3, 6, 12, 17):
        labels = [str(v) if isinstance(v, numbers.Integral) else f"{float(v):.{digits}g}"
                  for v in values]
        if len(set(labels)) == len(labels):
            break
    return labels


def _grid_options(name: str, grid: Any) -> tuple[tuple[tuple[str, Any], ...], bool]:
    if isinstance(grid, (str, bytes)) or not hasattr(grid, "__iter__"):
        raise TypeError(f"grid {name!r} must be a list of values or of (label, value) pairs, "
                        f"got {type(grid).__name__}")
    items = list(grid)
    if not items:
        raise ValueError(f"grid {name!r} is empty; give at least one value")
    pairs = [isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in items]
    if any(pairs) and not all(pairs):
        raise ValueError(f"grid {name!r} mixes (label, value) pairs and plain values; "
                         "use one form for the whole grid")
    if all(pairs):
        labels, values = [p[0] for p in items], [p[1] for p in items]
    else:
        bad = [v for v in items if not (_is_number(v) or isinstance(v, str))]
        if bad:
            raise TypeError(f"grid {name!r}: plain values must be numbers or strings, got "
                            f"{bad[0]!r}; give (label, value) pairs for other values")
        values = items
        labels = _number_labels(values) if all(map(_is_number, values)) else list(values)
    for i, v in enumerate(values):
        if any(_same(v, w) for w in values[:i]):
            raise ValueError(f"grid {name!r} lists the value {v!r} twice")
    if len(set(labels)) != len(labels):
        raise ValueError(f"grid {name!r} has duplicate display labels: {labels}")
    return tuple(zip(labels, values)), all(map(_is_number, values))


def _same(a: Any, b: Any) -> bool:
    """Equal grid values (``True`` is not ``1`` here; arrays only by identity)."""
    if a is b:
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. arrays: their equality is not one bool
        return False


def make_controls(render: Callable[..., Any], labels: Mapping[str, str] | None,
                  initial: Mapping[str, Any] | None, grids: Mapping[str, Any]) -> list[Control]:
    """Validate the arguments of :func:`interactive` and return its controls (in order)."""
    if not callable(render):
        raise TypeError(f"render must be callable (render(**values) -> Figure or PNG bytes), "
                        f"got {type(render).__name__}")
    if not grids:
        raise ValueError("give at least one grid, e.g. interactive(render, depth=[1, 5, 10])")
    labels, initial = dict(labels or {}), dict(initial or {})
    for arg, given in (("labels", labels), ("initial", initial)):
        unknown = sorted(set(given) - set(grids))
        if unknown:
            raise ValueError(f"{arg} names unknown controls {unknown}; the grids are: "
                             + ", ".join(grids))
    for name, label in labels.items():
        if not isinstance(label, str):
            raise TypeError(f"labels[{name!r}] must be a string, got {type(label).__name__}")
    controls = []
    for name, grid in grids.items():
        options, slider = _grid_options(name, grid)
        start = 0
        if name in initial:
            hits = [i for i, (_, v) in enumerate(options) if _same(v, initial[name])]
            if not hits:
                raise ValueError(f"initial[{name!r}] = {initial[name]!r} is not in the grid "
                                 f"{[v for _, v in options]}")
            start = hits[0]
        controls.append(Control(name, labels.get(name, name), options, slider, start))
    count = math.prod(len(c.options) for c in controls)
    if count > MAX_COMBINATIONS:
        sizes = " × ".join(f"{c.name}: {len(c.options)}" for c in controls)
        raise ValueError(f"the grids give {count} combinations ({sizes}); at most "
                         f"{MAX_COMBINATIONS} are allowed (each is one picture on the site): "
                         "use fewer values")
    return controls


def to_png(picture: Any) -> bytes:
    """PNG bytes of what ``render`` returned: PNG bytes as they are, a matplotlib Figure saved
    at its own dpi (a figure registered with pyplot is closed afterwards, so the inline backend
    does not show it a second time; a closed figure can still be drawn again)."""
    if isinstance(picture, (bytes, bytearray)):
        if not bytes(picture[:8]) == b"\x89PNG\r\n\x1a\n":
            raise ValueError("render returned bytes that are not a PNG image")
        return bytes(picture)
    from matplotlib.figure import Figure

    if not isinstance(picture, Figure):
        raise TypeError("render must return a matplotlib Figure or PNG bytes, got "
                        f"{type(picture).__name__}")
    buf = io.BytesIO()
    picture.savefig(buf, format="png", dpi=picture.dpi)
    if "matplotlib.pyplot" in sys.modules and getattr(picture, "number", None) is not None:
        sys.modules["matplotlib.pyplot"].close(picture)
    return buf.getvalue()


def compress_png(png: bytes, colors: int = PNG_COLORS) -> bytes:
    """Quantise a PNG to an adaptive palette of ``colors`` (2..256) colours; never larger."""
    if not isinstance(png, (bytes, bytearray)):
        raise TypeError(f"png must be bytes, got {type(png).__name__}")
    if isinstance(colors, bool) or not isinstance(colors, int) or not 2 <= colors <= 256:
        raise ValueError(f"colors must be an int in 2..256, got {colors!r}")
    from PIL import Image  # matplotlib depends on Pillow

    # Fast octree without PNG "optimize": 7 ms instead of 50 ms for a study picture, and the
    # file is even smaller (17 vs 19 KB); the site build quantises every picture of every figure.
    img = Image.open(io.BytesIO(png)).convert("RGB")
    quant = img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quant.save(out, format="PNG")
    return out.getvalue() if out.tell() < len(png) else bytes(png)


class InteractiveWidget:
    """The kernel version: ipywidgets controls in a row above one ``ipywidgets.Image``.

    ``controls`` maps name -> ipywidget (SelectionSlider or Dropdown), ``image`` is the
    picture, ``widget`` the container that is displayed; ``values()`` the current values."""

    def __init__(self, render: Callable[..., Any], controls: list[Control]):
        import ipywidgets as W

        self.render = render
        style = {"description_width": "initial"}
        self.controls = {}
        items = []      # what the row shows: the control, or a long-label slider with its readout
        for c in controls:
            item = None
            if c.slider:
                # the slider's own readout cuts labels after about READOUT_CHARS characters
                # ("1 (LeCun/G…"): long labels get a plain Label beside the slider instead
                long = max(len(label) for label, _ in c.options) > READOUT_CHARS
                w = W.SelectionSlider(options=list(c.options), index=c.start,
                                      description=c.label, continuous_update=True, style=style,
                                      readout=not long,
                                      layout=W.Layout(width="auto", min_width="16rem"))
                if long:
                    readout = W.Label(w.label)
                    w.observe(lambda change, r=readout, s=w: setattr(r, "value", s.label),
                              names="value")
                    item = W.HBox([w, readout], layout=W.Layout(align_items="center"))
            else:
                w = W.Dropdown(options=list(c.options), index=c.start, description=c.label,
                               style=style, layout=W.Layout(width="max-content"))
            w.observe(self._on_change, names="value")
            self.controls[c.name] = w
            items.append(item or w)
        row = W.HBox(items,
                     layout=W.Layout(flex_flow="row wrap", align_items="center",
                                     grid_gap="0.25rem 1.5rem"))
        # the picture fits below the controls in about 600 px: keyboard moves of a slider
        # keep both in view
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", max_height="540px",
                                                           width="auto", height="auto"))
        self.widget = W.VBox([row, self.image])
        self.widget.add_class("dl-interactive")
        self.update()

    def values(self) -> dict[str, Any]:
        return {name: w.value for name, w in self.controls.items()}

    def update(self) -> None:
        """Render the current values into the one ``Image`` (called on every change)."""
        self.image.value = to_png(self.render(**self.values()))

    def _on_change(self, change) -> None:
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class StaticInteractive:
    """The site version: pictures of every combination written to ``folder / key``, shown by a
    small HTML control (see module docstring). ``files`` are the written pictures."""

    def __init__(self, render: Callable[..., Any], controls: list[Control], folder: Path):
        self.controls = controls
        names = [c.name for c in controls]
        pictures = {}
        for idx in itertools.product(*(range(len(c.options)) for c in controls)):
            values = {n: c.options[i][1] for n, c, i in zip(names, controls, idx)}
            pictures["-".join(map(str, idx)) + ".png"] = compress_png(to_png(render(**values)))
        h = hashlib.sha256(json.dumps([[c.name, c.label, [lab for lab, _ in c.options]]
                                       for c in controls]).encode())
        for name, png in pictures.items():
            h.update(name.encode() + png)
        self.key = h.hexdigest()[:20]
        target = Path(folder) / self.key
        target.mkdir(parents=True, exist_ok=True)
        self.files = []
        for name, png in pictures.items():
            path = target / name
            if not path.exists() or path.read_bytes() != png:
                tmp = target / f".{name}.{os.getpid()}.tmp"
                tmp.write_bytes(png)
                os.replace(tmp, path)  # a parallel reader never sees half a picture
            self.files.append(path)
        self.start = "-".join(str(c.start) for c in controls)
        self.size = _png_size(pictures[self.start + ".png"])

    def _repr_html_(self) -> str:
        return panel_html(self.controls, f"{SITE_BASE}/{self.key}/", self.size)

    def __repr__(self) -> str:
        return f"<interactive figure: {len(self.files)} pictures in {self.key}>"


def panel_html(controls: list[Control], base: str, size: tuple[int, int]) -> str:
    """Controls (range inputs, selects), the start picture and the script that swaps it."""
    esc = html.escape
    parts = [f'<div class="dl-interactive" data-base="{esc(base)}">',
             '<div class="dl-interactive-controls">']
    for c in controls:
        label = esc(c.label)
        head = (f'<label class="dl-interactive-control" data-name="{esc(c.name)}">'
                f'<span class="dl-interactive-label">{label}</span>')
        if c.slider:
            texts = [lab for lab, _ in c.options]
            parts.append(f'{head}<input type="range" min="0" max="{len(texts) - 1}" step="1" '
                         f'value="{c.start}" data-labels="{esc(json.dumps(texts))}" '
                         f'aria-valuetext="{esc(texts[c.start])}">'
                         f'<output>{esc(texts[c.start])}</output></label>')
        else:
            options = "".join(f'<option value="{i}"{" selected" if i == c.start else ""}>'
                              f'{esc(lab)}</option>' for i, (lab, _) in enumerate(c.options))
            parts.append(f"{head}<select>{options}</select></label>")
    start = "-".join(str(c.start) for c in controls)
    alt = esc("Abbildung zu: " + ", ".join(c.label for c in controls))
    parts += ["</div>",
              f'<img class="dl-interactive-image" src="{esc(base)}{start}.png" '
              f'width="{size[0]}" height="{size[1]}" alt="{alt}" decoding="async">',
              "</div>", f"<script>{PANEL_JS}</script>"]
    return "\n".join(parts)


PANEL_JS = re.sub(r"\s*\n\s*", " ", """
(function () {
  var root = document.currentScript.previousElementSibling;
  if (!root || !root.classList.contains('dl-interactive')) { return; }
  var img = root.querySelector('img.dl-interactive-image');
  var inputs = Array.prototype.slice.call(root.querySelectorAll('input, select'));
  function show() {
    img.src = root.getAttribute('data-base')
      + inputs.map(function (c) { return c.value; }).join('-') + '.png';
  }
  inputs.forEach(function (c) {
    c.addEventListener(c.tagName === 'SELECT' ? 'change' : 'input', function () {
      if (c.type === 'range') {
        var text = JSON.parse(c.getAttribute('data-labels'))[c.value];
        c.parentNode.querySelector('output').textContent = text;
        c.setAttribute('aria-valuetext', text);
      }
      show();
    });
  });
})();
""").strip()


def interactive(render: Callable[..., Any], *, labels: Mapping[str, str] | None = None,
                initial: Mapping[str, Any] | None = None, **grids: Any):
    """An interactive figure: one control per grid over ``render(**values)``.

    Parameters
    ----------
    render : callable
        ``render(**values) -> matplotlib.figure.Figure or PNG bytes``; pure in the values.
    labels : mapping name -> str, optional
        German control labels (default: the grid's name).
    initial : mapping name -> value, optional
        Start values, each one of its grid's values (default: the first value).
    **grids : list
        One keyword per control: numbers (slider over exactly these values), strings
        (dropdown) or ``(display label, value)`` pairs (slider if all values are numbers).
        At most ``MAX_COMBINATIONS`` combinations in total.

    Returns
    -------
    InteractiveWidget (in a kernel) or StaticInteractive (site build, see module docstring);
    both display themselves as the last expression of a cell.
    """
    controls = make_controls(render, labels, initial, grids)
    folder = os.environ.get(SITE_ASSETS_ENV)
    if folder:
        return StaticInteractive(render, controls, Path(folder))
    return InteractiveWidget(render, controls)
