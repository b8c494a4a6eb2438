"""Shared plotting utilities: one look for all notebooks, computation kept separate.

* :data:`COLORS`, :data:`CLASS_COLORS`, :func:`class_cmap`, :func:`use_style` -- common style;
* :func:`decision_grid` -- pure function: evaluates a classifier on a grid (testable);
* :func:`plot_decision_boundary`, :func:`scatter_classes`, :func:`plot_line`,
  :func:`plot_history` -- thin drawing layers that take an ``ax``;
* :class:`BlitFigure` -- the one base of every live figure (``<topic>_plots.py``): drawn once,
  then only the moving artists are redrawn; :func:`new_figure`, :func:`canvas_png`.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._validation import as_array, check_positive_float, check_positive_int

__all__ = ["COLORS", "CLASS_COLORS", "class_cmap", "proba_cmap", "use_style", "DecisionGrid", "decision_grid",
           "plot_decision_boundary", "scatter_classes", "plot_line", "plot_history", "check_bounds",
           "check_index", "BlitFigure", "new_figure", "canvas_png"]

#: Named colours (colour-blind friendly, Okabe–Ito palette).
COLORS = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
    "grey": "#7F7F7F",
    # semantic aliases used across the book
    "numpy": "#0072B2", "torch": "#D55E00", "train": "#0072B2", "test": "#E69F00",
}
#: Colours of the classes 0, 1, 2, ... (class −1 of ±1 labels uses entry 0, +1 entry 1).
CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                "#F0E442", "#000000", "#7F7F7F", "#8C564B"]

_STYLE = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": None,  # filled in use_style
    "font.size": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the book's matplotlib style (call once in the first cell of a notebook)."""
    import matplotlib as mpl
    from cycler import cycler

    style = dict(_STYLE)
    style["axes.prop_cycle"] = cycler(color=CLASS_COLORS)
    mpl.rcParams.update(style)


def class_cmap(n_classes: int):
    """A ``ListedColormap`` with the first ``n_classes`` class colours."""
    from matplotlib.colors import ListedColormap

    n = check_positive_int(n_classes, "n_classes")
    if n > len(CLASS_COLORS):
        raise ValueError(f"n_classes must be <= {len(CLASS_COLORS)}, got {n}")
    return ListedColormap(CLASS_COLORS[:n])


def proba_cmap():
    """Diverging colour map from class 0 (p = 0) over white (p = 0.5) to class 1 (p = 1)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("dl_proba", [CLASS_COLORS[0], "#FFFFFF", CLASS_COLORS[1]])


def _class_index(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map arbitrary labels (e.g. −1/+1) to colour indices 0..K−1; returns (index, classes)."""
    classes = np.unique(y)
    return np.searchsorted(classes, y), classes


class DecisionGrid(NamedTuple):
    """Classifier evaluated on a regular grid (input of a contour plot)."""

    xx: np.ndarray  #: (G, G) first coordinate
    yy: np.ndarray  #: (G, G) second coordinate
    zz: np.ndarray  #: (G, G) predict([xx, yy]) reshaped


def check_bounds(bounds) -> tuple[float, float, float, float]:
    """``(x_min, x_max, y_min, y_max)`` as finite floats with x_min < x_max and y_min < y_max."""
    arr = as_array(bounds, "bounds", shape=(4,))
    x_min, x_max, y_min, y_max = (float(v) for v in arr)
    if not (x_min < x_max and y_min < y_max):
        raise ValueError(f"bounds must be (x_min, x_max, y_min, y_max) with x_min < x_max and "
                         f"y_min < y_max, got {tuple(arr.tolist())}")
    return x_min, x_max, y_min, y_max


def _check_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y).reshape(-1)
    if y.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) (one label per row of X), got {y.shape}")
    return y


def check_index(value, name: str, last: int) -> int:
    """``value`` as int if it is an integer in ``[0, last]`` (a slider position)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int in [0, {last}], got {value!r}")
    if not 0 <= value <= last:
        raise ValueError(f"{name} must be in [0, {last}], got {value}")
    return int(value)


def decision_grid(predict: Callable[[np.ndarray], np.ndarray], X, *, grid_size: int = 200,
                  padding: float = 0.5, bounds=None) -> DecisionGrid:
    """Evaluate ``predict`` on a grid covering the data (pure function, no drawing).

    Parameters
    ----------
    predict : callable, ndarray (N, 2) -> ndarray (N,) or (N, 1)
        Class labels, scores or probabilities for N points.
    X : ndarray of shape (n, 2)
        Data that the grid must cover.
    grid_size : int
        Number of grid points G per axis.
    padding : float
        Margin around the data.
    bounds : (x_min, x_max, y_min, y_max), optional
        Explicit extent instead of data + padding.

    Returns
    -------
    DecisionGrid
    """
    if not callable(predict):
        raise TypeError(f"predict must be callable (points (N, 2) -> values (N,)), "
                        f"got {type(predict).__name__}")
    X = as_array(X, "X", shape=(None, 2))
    g = check_positive_int(grid_size, "grid_size", minimum=2)
    padding = check_positive_float(padding, "padding", allow_zero=True)
    if bounds is None:
        if X.shape[0] == 0:
            raise ValueError("X must contain at least one point (or give bounds)")
        lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
        x_min, x_max, y_min, y_max = lo[0], hi[0], lo[1], hi[1]
    else:
        x_min, x_max, y_min, y_max = check_bounds(bounds)
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, g), np.linspace(y_min, y_max, g))
    pts = np.c_[xx.ravel(), yy.ravel()]
    z = np.asarray(predict(pts), dtype=np.float64)
    if z.size != pts.shape[0]:
        raise ValueError(f"predict must return one value per point (shape ({pts.shape[0]},)), "
                         f"got shape {z.shape}")
    return DecisionGrid(xx, yy, z.reshape(xx.shape))


def scatter_classes(ax, X, y, *, s: float = 25, alpha: float = 0.9, edgecolor: str = "white",
                    labels: dict | None = None, legend: bool = True):
    """Scatter 2-D points coloured by class.

    Parameters
    ----------
    ax : matplotlib Axes
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)  class labels (0/1, ±1 or 0..K−1)
    labels : dict, optional  legend text per class value, default ``"Klasse <value>"``
    """
    X = as_array(X, "X", shape=(None, 2))
    y = _check_labels(y, X.shape[0])
    idx, classes = _class_index(y)
    for k, c in enumerate(classes):
        m = idx == k
        text = (labels or {}).get(c, f"Klasse {c:g}" if np.issubdtype(type(c), np.number) else str(c))
        ax.scatter(X[m, 0], X[m, 1], s=s, alpha=alpha, color=CLASS_COLORS[k % len(CLASS_COLORS)],
                   edgecolor=edgecolor, linewidth=0.5, label=text)
    if legend:
        ax.legend(loc="best")
    return ax


def plot_decision_boundary(ax, predict: Callable[[np.ndarray], np.ndarray], X, y=None, *,
                           grid_size: int = 200, padding: float = 0.5, proba: bool = False,
                           threshold: float | None = None, bounds=None, title: str | None = None,
                           legend: bool = True):
    """Colour the decision regions of a 2-D classifier and scatter the data.

    Parameters
    ----------
    ax : matplotlib Axes
    predict : callable, ndarray (N, 2) -> ndarray (N,)
        Class labels (default) or, with ``proba=True``, the probability of class 1 (then a
        continuous colour map and the 0.5 contour are drawn).
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,), optional
        Labels for the scatter plot.
    threshold : float, optional
        Draw the contour ``predict = threshold`` (default 0.5 with ``proba``, none otherwise).
    bounds : (x_min, x_max, y_min, y_max), optional

    Returns
    -------
    DecisionGrid
        The evaluated grid (e.g. for tests or further plots).
    """
    if y is not None:  # checked before the grid is evaluated
        _check_labels(y, as_array(X, "X", shape=(None, 2)).shape[0])
    if threshold is not None:
        threshold = float(as_array(threshold, "threshold", shape=()))
    grid = decision_grid(predict, X, grid_size=grid_size, padding=padding, bounds=bounds)
    if proba:
        ax.contourf(grid.xx, grid.yy, np.clip(grid.zz, 0, 1), levels=np.linspace(0, 1, 11),
                    cmap=proba_cmap(), alpha=0.35, vmin=0, vmax=1)
        threshold = 0.5 if threshold is None else threshold
    else:
        classes = np.unique(grid.zz if y is None else np.r_[np.unique(grid.zz), np.unique(y)])
        idx = np.searchsorted(classes, grid.zz)
        ax.contourf(grid.xx, grid.yy, idx, levels=np.arange(len(classes) + 1) - 0.5,
                    cmap=class_cmap(max(len(classes), 1)), alpha=0.25)
    if threshold is not None:
        ax.contour(grid.xx, grid.yy, grid.zz, levels=[threshold], colors="k", linewidths=1.5)
    if y is not None:
        scatter_classes(ax, X, y, legend=legend)
    ax.set_xlim(grid.xx.min(), grid.xx.max())
    ax.set_ylim(grid.yy.min(), grid.yy.max())
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return grid


def plot_line(ax, w, b, *, theta: float = 0.0, x_range=None, **kw):
    """Draw the line w1 x1 + w2 x2 + b = θ (Folien (19)/(20)) across the current x-limits.

    Vertical lines (w2 = 0) are handled; returns the Line2D (or None if w = 0).
    """
    w = as_array(w, "w", shape=(2,))
    b = float(as_array(b, "b", shape=()))
    theta = float(as_array(theta, "theta", shape=()))
    lo, hi = ax.get_xlim() if x_range is None else as_array(x_range, "x_range", shape=(2,))
    kw.setdefault("color", "k")
    kw.setdefault("linewidth", 1.5)
    if w[1] != 0:
        x1 = np.array([lo, hi])
        x2 = -(w[0] / w[1]) * x1 - (float(b) - theta) / w[1]
        (line,) = ax.plot(x1, x2, **kw)
    elif w[0] != 0:
        line = ax.axvline((theta - float(b)) / w[0], **kw)
    else:
        return None
    ax.set_xlim(lo, hi)
    return line


def plot_history(ax, history: dict[str, np.ndarray] | np.ndarray, *, xlabel: str = "Epoche",
                 ylabel: str = "Loss", logy: bool = False, title: str | None = None):
    """Plot one or several curves (e.g. train/test loss) over epochs.

    ``history`` is an array (one curve) or a dict name → array (legend entries).
    """
    curves = {"": history} if not isinstance(history, dict) else history
    for name, values in curves.items():
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        ax.plot(np.arange(v.size), v, label=name or None,
                color=COLORS.get(name, None) if name else None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if isinstance(history, dict) and len(history) > 1:
        ax.legend()
    return ax


class BlitFigure:
    """A figure drawn once and then updated by blitting (the base of every live figure).

    The static part (axes, ticks, labels, data points, legends) is rendered once and kept as a
    pixel background; a slider move changes the data of a few "animated" artists, restores
    the background and draws only those on top (matplotlib blitting with the Agg backend, no
    GUI needed). When an axis limit changes (or :meth:`invalidate` is called) the next
    :meth:`redraw` is a full one -- unless that axis itself was animated
    (``self.animate(ax.yaxis)``: its ticks, labels and grid lines move with the data; only
    for axes whose data artists are all animated, since static ones would not follow). :meth:`png` encodes the current pixels with Pillow.

    Subclasses build ``fig`` (e.g. with :func:`new_figure`), register moving artists with
    :meth:`animate`, and end their ``update(...)`` with :meth:`redraw`.
    """

    def __init__(self, fig):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if not hasattr(fig.canvas, "copy_from_bbox"):
            FigureCanvasAgg(fig)
        self.fig = fig
        self._animated: list = []
        self._background = None
        self._limits = None

    def animate(self, artist):
        """Mark ``artist`` as moving (left out of the background); returns it."""
        artist.set_animated(True)
        self._animated.append(artist)
        self._animated.sort(key=lambda a: a.get_zorder())  # matplotlib's drawing order
        return artist

    def invalidate(self) -> None:
        """Something static changed (a title, a label): the next redraw is a full one."""
        self._background = None

    def full_redraw(self) -> None:
        """Draw everything now (e.g. after changing a label by hand)."""
        self.invalidate()
        self.redraw()

    def _axis_limits(self) -> tuple:
        """Limits of every axis drawn into the background (an animated axis -- ticks and tick
        labels redrawn on every move -- may change its limits without a full redraw)."""
        return tuple((None if ax.xaxis.get_animated() else ax.get_xlim(),
                      None if ax.yaxis.get_animated() else ax.get_ylim()) for ax in self.fig.axes)

    def redraw(self) -> None:
        """Bring the pixel buffer up to date (blit, or a full draw if the static part changed)."""
        canvas = self.fig.canvas
        limits = self._axis_limits()
        if self._background is None or limits != self._limits:
            canvas.draw()  # animated artists are skipped here
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._limits = limits
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            if artist.get_visible():
                self.fig.draw_artist(artist)

    def png(self, compress_level: int = 1) -> bytes:
        """The current picture as PNG bytes (Pillow; level 1 is fast, 6 is small)."""
        if self._background is None:
            self.redraw()
        return canvas_png(self.fig, compress_level)

    def _repr_png_(self) -> bytes:
        """``display(obj)`` shows the current picture with its moving artists (a plain
        ``display(obj.fig)`` would leave them out: savefig skips animated artists)."""
        return self.png(compress_level=6)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(6.0, 4.0), dpi: float = 80.0,
               **subplot_kw):
    """A ``Figure`` with its own Agg canvas (no pyplot, so never shown twice); ``(fig, axes)``.

    ``axes`` is a single Axes for ``nrows = ncols = 1``, else an array as from ``subplots``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **subplot_kw)


def canvas_png(fig, compress_level: int = 1) -> bytes:
    """PNG (RGB) of the figure's Agg pixel buffer as the last draw/blit left it (no redraw)."""
    import io

    from PIL import Image

    rgba = fig.canvas.buffer_rgba()
    w, h = fig.canvas.get_width_height(physical=True)
    out = io.BytesIO()
    Image.frombuffer("RGBA", (w, h), rgba, "raw", "RGBA", 0, 1).convert("RGB").save(
        out, format="PNG", compress_level=compress_level)
    return out.getvalue()
