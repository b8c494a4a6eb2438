"""Slider studies that work without a Python kernel (published book) and in JupyterLab alike.

A slider that calls Python does nothing on a static web page. Here the pictures for a grid of
slider values are computed once (when the notebook is executed, e.g. during the book build) and
stored as ``ipywidgets.Image`` children of nested ``ipywidgets.Stack`` containers. Each control
is connected to the stacks of its level with ``ipywidgets.jslink``: that link lives in the
browser, so it survives static embedding of the widget state, and moving a control just switches
which precomputed picture is visible. In JupyterLab the same widget works too (as plain linked
widgets); the notebooks keep their live Python version next to it.

Public API::

    static_grid_widget(render, axes, *, labels=None, colors=128)   -> ipywidgets.VBox
    static_slider_widget(render, values, *, description="", colors=128) -> ipywidgets.VBox
    compress_png(png, colors=128) -> bytes
    select(widget, **choices) -> ipywidgets.Image   (which picture a set of choices shows)

``render`` is a pure function returning PNG bytes, called with one keyword argument per axis,
e.g. ``render(variance_factor=1.0, activation="tanh", depth=8)``. The number of pictures is the
product of the axis lengths: keep grids small (page weight ≈ pictures × PNG size).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

__all__ = ["compress_png", "static_grid_widget", "static_slider_widget", "select"]


def compress_png(png: bytes, colors: int = 128) -> bytes:
    """Quantise a PNG to an adaptive palette of ``colors`` colours (smaller file, same look).

    Parameters
    ----------
    png : bytes
        A PNG image (e.g. from ``fig.savefig(buf, format="png")``).
    colors : int
        Palette size, 2..256. Line plots and histograms look unchanged with 64-128 colours.
    """
    if not isinstance(png, (bytes, bytearray)):
        raise TypeError(f"png must be bytes, got {type(png).__name__}")
    if not isinstance(colors, int) or not 2 <= colors <= 256:
        raise ValueError(f"colors must be an int in 2..256, got {colors!r}")
    from PIL import Image  # matplotlib depends on Pillow

    img = Image.open(io.BytesIO(png)).convert("RGB")
    quant = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quant.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    return data if len(data) < len(png) else bytes(png)


def _control(name: str, values: Sequence[Any], label: str) -> widgets.ValueWidget:
    """A control whose ``index`` trait selects one of ``values``."""
    options = [(str(v), i) for i, v in enumerate(values)]
    style = {"description_width": "initial"}
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        ctl = widgets.SelectionSlider(options=[str(v) for v in values], index=0,
                                      description=label, continuous_update=True, style=style,
                                      layout=widgets.Layout(width="420px"))
    else:
        ctl = widgets.ToggleButtons(options=[o[0] for o in options], index=0,
                                    description=label, style=style)
    ctl.add_class("static-study-control")
    ctl.add_class(f"static-study-{name}")
    return ctl


def static_grid_widget(render: Callable[..., bytes], axes: Mapping[str, Sequence[Any]], *,
                       labels: Mapping[str, str] | None = None, colors: int | None = 128,
                       ) -> widgets.VBox:
    """Controls plus a picture that switches between precomputed renderings in the browser.

    Parameters
    ----------
    render : callable
        ``render(**{axis: value}) -> bytes`` (PNG); called once per grid point.
    axes : mapping name -> sequence
        The control axes in display order; values are numbers (slider) or strings (buttons).
    labels : mapping name -> str, optional
        Control descriptions (default: the axis name).
    colors : int or None
        Palette size for :func:`compress_png`; ``None`` keeps the PNGs as rendered.

    Returns
    -------
    ipywidgets.VBox
        ``children = [*controls, stack]``; the widget has ``.controls`` (dict name -> control),
        ``.axes``, ``.stack`` and ``.links`` (the browser-side ``jslink``s) attributes.
    """
    if not callable(render):
        raise TypeError("render must be callable: render(**values) -> PNG bytes")
    if not isinstance(axes, Mapping) or not axes:
        raise ValueError("axes must be a non-empty mapping name -> sequence of values")
    axes = {str(k): list(v) for k, v in axes.items()}
    for name, values in axes.items():
        if not values:
            raise ValueError(f"axes[{name!r}] is empty; give at least one value")
    labels = dict(labels or {})
    names = list(axes)
    controls = {n: _control(n, axes[n], labels.get(n, n)) for n in names}
    links: list[widgets.Link] = []

    def build(level: int, fixed: dict[str, Any]) -> widgets.Widget:
        name = names[level]
        if level == len(names) - 1:
            children = []
            for v in axes[name]:
                png = render(**fixed, **{name: v})
                if not isinstance(png, (bytes, bytearray)):
                    raise TypeError(f"render must return PNG bytes, got {type(png).__name__}")
                if colors is not None:
                    png = compress_png(bytes(png), colors)
                children.append(widgets.Image(value=bytes(png), format="png",
                                              layout=widgets.Layout(max_width="100%")))
        else:
            children = [build(level + 1, {**fixed, name: v}) for v in axes[name]]
        stack = widgets.Stack(children=children, selected_index=0)
        stack.add_class(f"static-study-stack-{name}")
        links.append(widgets.jslink((controls[name], "index"), (stack, "selected_index")))
        return stack

    stack = build(0, {})
    box = widgets.VBox([*controls.values(), stack])
    box.add_class("static-study")
    box.controls, box.axes, box.stack, box.links = controls, axes, stack, links
    return box


def static_slider_widget(render: Callable[[Any], bytes], values: Sequence[Any], *,
                         description: str = "", colors: int | None = 128) -> widgets.VBox:
    """One control over ``values``; ``render(value) -> PNG bytes`` (see :func:`static_grid_widget`)."""
    if not callable(render):
        raise TypeError("render must be callable: render(value) -> PNG bytes")
    return static_grid_widget(lambda value: render(value), {"value": values},
                              labels={"value": description or "Wert"}, colors=colors)


def select(widget: widgets.VBox, **choices: Any) -> widgets.Image:
    """The ``Image`` that ``widget`` shows for ``choices`` (axis name -> value; others: first)."""
    unknown = set(choices) - set(widget.axes)
    if unknown:
        raise ValueError(f"unknown axis {sorted(unknown)}; choose from: {', '.join(widget.axes)}")
    node = widget.stack
    for name, values in widget.axes.items():
        value = choices.get(name, values[0])
        if value not in values:
            raise ValueError(f"{name}={value!r} is not on the grid {values}")
        node = node.children[values.index(value)]
    return node
