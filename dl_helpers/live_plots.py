"""Slider figures that redraw only what moves (notebooks 00-04).

A slider move must recompute and redraw in well under 100 ms. Clearing the axes and drawing
everything again (and letting the inline backend re-render the figure) takes several hundred
milliseconds. The figures here draw their static part (axes, ticks, labels, data points,
legend) once, keep it as a pixel background and, on every move, only change the data of a few
"animated" artists and draw those on top (matplotlib blitting; works with the Agg backend and
therefore without a GUI). The picture goes to an ``ipywidgets.Image`` via :meth:`BlitFigure.to_png`.

* :class:`BlitFigure` -- the caching/blitting base class (used by
  :class:`dl_helpers.refresher_plots.DifferenceFigure` too);
* :func:`new_figure` -- a figure with its own Agg canvas, without pyplot (never shown twice);
* :class:`PerceptronStepFigure` -- notebook 01: the decision line (20) after update u of the
  perceptron rule (21), the normal vector w and the example that triggered the update;
* :class:`WidthFitFigure` -- notebook 02: target g, one-hidden-layer network F and the
  pointwise error |F − g| on a log scale (fixed limits, so a move never needs a full redraw);
* :class:`TrainingBoundaryFigure` -- notebook 04: probability of class 1 and the decision
  boundary of a 2-D classifier at one training epoch, next to the loss curve.

The numbers come from pure functions elsewhere (``dl_helpers.perceptron.perceptron_train``,
``dl_helpers.approximation.least_squares_network``, ``dl_helpers.training.train``);
these classes only display them.
"""
from __future__ import annotations

import io
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validation import as_array, check_positive_int
from .plotting import COLORS, _check_bounds, decision_grid, proba_cmap, scatter_classes

__all__ = ["BlitFigure", "canvas_png", "fast_png", "new_figure", "PerceptronStepFigure", "WidthFitFigure",
           "TrainingBoundaryFigure"]


def _check_index(value, name: str, last: int) -> int:
    """``value`` as int if it is an integer in ``[0, last]`` (a slider position)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int in [0, {last}], got {value!r}")
    if not 0 <= value <= last:
        raise ValueError(f"{name} must be in [0, {last}], got {value}")
    return int(value)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(6.0, 4.0), dpi: float = 80.0,
               **subplot_kw):
    """A ``Figure`` with its own Agg canvas (no pyplot) and its axes; returns ``(fig, axes)``.

    ``axes`` is a single Axes for ``nrows = ncols = 1``, else an array as from ``subplots``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **subplot_kw)


def canvas_png(fig, compress_level: int = 1) -> bytes:
    """Encode the figure's current Agg pixel buffer as PNG (RGB), without drawing again.

    ``fig.savefig`` would re-render and leave out animated (blitted) artists; this takes the
    pixels exactly as the last draw/blit left them. Levels ≤ 3 (slider updates) use
    :func:`fast_png`; higher levels (static pictures) Pillow's smaller, slower encoder.
    """
    rgba = np.asarray(fig.canvas.buffer_rgba())
    if compress_level <= 3:
        # RGBA as it is: dropping the alpha bytes is a strided copy that costs more (~2 ms
        # for a study figure) than deflating them (opaque, so the picture is the same)
        return fast_png(rgba, compress_level)
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(out, format="PNG", compress_level=compress_level)
    return out.getvalue()


def fast_png(rgb: np.ndarray, compress_level: int = 1) -> bytes:
    """PNG of an (H, W, 3) RGB or (H, W, 4) RGBA uint8 image without row filters: zlib on
    the raw rows.

    Pillow tries filters on every row; for plots (large flat areas) that halves the speed and
    hardly changes the size (a study figure: 5 vs 10 ms, 52 vs 53 KB).
    """
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise ValueError(f"rgb must be a uint8 array of shape (H, W, 3) or (H, W, 4), got "
                         f"{rgb.dtype} {rgb.shape}")
    h, w, channels = rgb.shape
    rows = np.empty((h, 1 + channels * w), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None" per row
    rows[:, 1:].reshape(h, w, channels)[...] = rgb

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data)))

    colour = 2 if channels == 3 else 6  # truecolour, truecolour with alpha
    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)  # 8 bit, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", _zlib_two_halves(rows.data, compress_level))
            + chunk(b"IEND", b""))


_ZLIB_POOL: ThreadPoolExecutor | None = None


def _zlib_two_halves(data: memoryview, level: int) -> bytes:
    """``zlib.compress(data, level)``-compatible stream, the two halves deflated in parallel
    (as pigz does: the first half ends with a sync flush, so its blocks are not final; the
    second half is deflated on its own; the Adler-32 checksum covers all of it). zlib releases
    the GIL, so on 2 cores a study figure's PNG takes ~2.5 instead of ~5 ms. Small inputs are
    compressed in one piece."""
    data = memoryview(data).cast("B")
    if len(data) < 1 << 18:
        return zlib.compress(data, level)
    global _ZLIB_POOL
    if _ZLIB_POOL is None:
        _ZLIB_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="png")

    def deflate(part: memoryview, last: bool) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)  # raw deflate, no header
        return c.compress(part) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    half = len(data) // 2
    second = _ZLIB_POOL.submit(deflate, data[half:], True)
    first = deflate(data[:half], False)
    header = zlib.compress(b"", level)[:2]  # the same 2-byte header zlib would write
    return header + first + second.result() + struct.pack(">I", zlib.adler32(data))


class BlitFigure:
    """Static background as cached pixels, moving artists drawn on top (blitting).

    Subclasses build their figure, register every artist that changes with :meth:`animate`
    and call :meth:`redraw` at the end of their ``update``. After changing something static
    (axis limits, a fixed title) they call :meth:`invalidate`; the next :meth:`redraw` then
    draws everything once and stores the new background.

    Parameters
    ----------
    fig : matplotlib Figure
    """

    def __init__(self, fig):
        self.fig = fig
        self._animated: list = []
        self._background = None

    def animate(self, artist):
        """Mark ``artist`` as moving (skipped by the background draw); returns it."""
        artist.set_animated(True)
        self._animated.append(artist)
        return artist

    def invalidate(self) -> None:
        """The static part changed: the next :meth:`redraw` is a full draw."""
        self._background = None

    def _agg_canvas(self):
        """The figure's canvas, re-attached to Agg if it cannot blit (e.g. a bare Figure)."""
        if not hasattr(self.fig.canvas, "copy_from_bbox"):
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self.fig)
        return self.fig.canvas

    def full_redraw(self) -> None:
        """Draw the static part, keep it as background, then draw the moving artists on top."""
        canvas = self._agg_canvas()
        canvas.draw()  # animated artists are skipped here
        self._background = canvas.copy_from_bbox(self.fig.bbox)
        self._draw_animated()

    def _draw_animated(self) -> None:
        for artist in self._animated:
            artist.axes.draw_artist(artist)

    def redraw(self) -> None:
        """Bring the pixel buffer up to date (blit unless the background is stale or resized)."""
        canvas = self._agg_canvas()
        if self._background is None or self._background.get_extents() != tuple(
                int(v) for v in self.fig.bbox.extents):
            self.full_redraw()
        else:
            canvas.restore_region(self._background)
            self._draw_animated()
            canvas.blit(self.fig.bbox)

    def to_png(self, compress_level: int = 1) -> bytes:
        """The current picture as PNG bytes (fast zlib level), e.g. for ``ipywidgets.Image``."""
        if self._background is None:
            self.full_redraw()
        return canvas_png(self.fig, compress_level)

    def _repr_png_(self) -> bytes:
        """``display(obj)`` shows the current picture, moving artists included (a plain
        ``display(obj.fig)`` would leave them out: savefig skips animated artists)."""
        return self.to_png(compress_level=6)


class PerceptronStepFigure(BlitFigure):
    """Decision line of the perceptron after each single update (notebook 01).

    Parameters
    ----------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)            labels in {−1, +1}
    result : PerceptronResult            from ``perceptron_train`` (uses ``w_steps``,
                                         ``b_steps``, ``step_index``)
    figsize, dpi : figure size and resolution (a move takes ~10 ms at dpi 90)
    padding : float                      margin around the data in data units
    """

    def __init__(self, X, y, result, *, figsize=(6.4, 4.2), dpi: float = 90.0,
                 padding: float = 1.0):
        from matplotlib.patches import FancyArrowPatch

        from .perceptron import misclassified

        X = as_array(X, "X", shape=(None, 2))
        y = as_array(y, "y", shape=(X.shape[0],))
        for name in ("w_steps", "b_steps", "step_index"):
            if not hasattr(result, name):
                raise TypeError(f"result must be the result of perceptron_train (no {name!r})")
        if np.asarray(result.w_steps).shape[1:] != (2,):
            raise ValueError("result must come from 2-D data (w_steps of shape (U+1, 2))")
        self.X, self.y, self.result = X, y, result
        self._misclassified = misclassified
        fig, ax = new_figure(figsize=figsize, dpi=dpi)
        super().__init__(fig)
        self.ax = ax
        lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), xlabel="$x_1$", ylabel="$x_2$")
        ax.set_aspect("equal", adjustable="box")
        scatter_classes(ax, X, y, labels={-1: "Klasse $-1$", 1: "Klasse $+1$"}, legend=False, s=32)
        self.line = self.animate(ax.plot([], [], color="k", lw=1.5,
                                         label="Entscheidungsgrenze (20)")[0])
        self.marker = self.animate(ax.plot([], [], "o", ms=13, mfc="none", mec=COLORS["red"],
                                           mew=2, label="löst das Update aus")[0])
        self.arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=14,
                                     color="k", lw=1.2)
        ax.add_patch(self.animate(self.arrow))
        self.arrow_label = self.animate(ax.text(0, 0, r"$\mathbf{w}$", fontsize=11))
        self.title = self.animate(ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center",
                                          va="bottom", fontsize=11))
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        fig.tight_layout()
        fig.subplots_adjust(top=0.9)

    @property
    def n_updates(self) -> int:
        return int(np.asarray(self.result.step_index).size)

    def update(self, step: int) -> int:
        """Show the state after update ``step`` (0 = start, w = 0); returns the error count."""
        step = _check_index(step, "step", self.n_updates)
        w = np.asarray(self.result.w_steps[step], dtype=np.float64)
        b = float(self.result.b_steps[step])
        (x_lo, x_hi), (y_lo, y_hi) = self.ax.get_xlim(), self.ax.get_ylim()
        norm2 = float(w @ w)
        if norm2 == 0.0:                                   # w = 0: no line yet
            self.line.set_data([], [])
            self.arrow.set_visible(False)
            self.arrow_label.set_visible(False)
        else:
            if abs(w[1]) > 1e-12 * abs(w[0]):
                xs = np.array([x_lo, x_hi])
                self.line.set_data(xs, -(w[0] * xs + b) / w[1])
            else:                                          # vertical line x1 = −b / w1
                self.line.set_data([-b / w[0]] * 2, [y_lo, y_hi])
            centre = self.X.mean(axis=0)                   # anchor w where the data are
            foot = centre - (w @ centre + b) / norm2 * w
            tip = foot + w / np.sqrt(norm2)
            self.arrow.set_positions(tuple(foot), tuple(tip))
            self.arrow_label.set_position(tuple(tip + 0.15 * w / np.sqrt(norm2)))
            self.arrow.set_visible(True)
            self.arrow_label.set_visible(True)
        if step > 0:
            i = int(self.result.step_index[step - 1])
            self.marker.set_data([self.X[i, 0]], [self.X[i, 1]])
        else:
            self.marker.set_data([], [])
        n_err = int(np.sum(self._misclassified(self.X, self.y, w, b)))
        self.title.set_text(f"Update {step}/{self.n_updates}: {n_err} Fehler")
        self.redraw()
        return n_err


class WidthFitFigure(BlitFigure):
    """Target g, network F and the pointwise error |F − g| of a one-hidden-layer fit (notebook 02).

    The error panel has a fixed logarithmic y-range (``err_ylim``), so widths from 1 to
    several hundred fit without rescaling. The function panel's y-range follows the target
    (a new target costs one full redraw).

    Parameters
    ----------
    figsize, dpi : figure size and resolution
    err_ylim : (float, float)   y-range of the error panel (log scale)
    """

    def __init__(self, *, figsize=(10.0, 3.6), dpi: float = 80.0,
                 err_ylim: tuple[float, float] = (1e-5, 10.0)):
        fig, (ax_f, ax_e) = new_figure(1, 2, figsize=figsize, dpi=dpi)
        super().__init__(fig)
        self.ax_f, self.ax_e = ax_f, ax_e
        self.target_line = self.animate(ax_f.plot([], [], color=COLORS["grey"], lw=3, alpha=0.5,
                                                  label="Ziel $g$")[0])
        self.fit_line = self.animate(ax_f.plot([], [], color=COLORS["red"], lw=1.5,
                                               label="Netz $F$")[0])
        ax_f.set(xlabel="$x$", ylabel="Funktionswert")
        # the legend moves with the lines (drawn last, so curves never hide it)
        self.animate(ax_f.legend(loc="upper right", fontsize=9, framealpha=0.85, frameon=True))
        ax_e.set_yscale("log")
        ax_e.set(xlabel="$x$", ylabel=r"$|F(x) - g(x)|$", ylim=err_ylim)
        self.err_line = self.animate(ax_e.plot([], [], color=COLORS["blue"], lw=1.2,
                                               label=r"$|F - g|$")[0])
        self.max_line = self.animate(ax_e.axhline(1.0, color=COLORS["red"], ls="--", lw=1))
        kw = dict(ha="center", va="bottom", fontsize=11)
        self.title_f = self.animate(ax_f.text(0.5, 1.02, "", transform=ax_f.transAxes, **kw))
        self.title_e = self.animate(ax_e.text(0.5, 1.02, "", transform=ax_e.transAxes, **kw))
        self._limits = None
        fig.tight_layout()
        fig.subplots_adjust(top=0.88)

    def update(self, fit) -> None:
        """Show ``fit`` (a :class:`dl_helpers.approximation.OneHiddenLayerFit`)."""
        for name in ("x", "y", "y_hat", "error", "width", "max_error", "rmse", "n_parameters"):
            if not hasattr(fit, name):
                raise TypeError(f"fit must be a OneHiddenLayerFit (no attribute {name!r}), "
                                f"got {type(fit).__name__}")
        x, y = np.asarray(fit.x), np.asarray(fit.y)
        lo, hi = float(y.min()), float(y.max())
        pad = 0.25 * max(hi - lo, 1e-3)
        limits = ((float(x[0]), float(x[-1])), (lo - pad, hi + pad))
        if limits != self._limits:                         # new target: new axis ranges
            self.ax_f.set(xlim=limits[0], ylim=limits[1])
            self.ax_e.set_xlim(limits[0])
            self._limits = limits
            self.invalidate()
        self.target_line.set_data(x, y)
        self.fit_line.set_data(x, fit.y_hat)
        self.err_line.set_data(x, np.maximum(np.abs(fit.error), 1e-300))
        self.max_line.set_ydata([fit.max_error] * 2)
        self.title_f.set_text(f"n = {fit.width} Neuronen, {fit.n_parameters} Parameter")
        self.title_e.set_text(f"max. Fehler {fit.max_error:.3g} (gestrichelt), RMSE {fit.rmse:.3g}")
        self.redraw()


class TrainingBoundaryFigure(BlitFigure):
    """p(class 1) of a 2-D classifier, its 0.5 contour and the loss at one epoch (notebook 04).

    Left: the probability of class 1 on a fixed grid over ``bounds`` (colours from class 0 over
    white to class 1), the decision boundary p = 0.5 and the data; right: the loss per epoch
    (log scale) with a marker at the epoch shown. Axes, ticks and the loss curve are drawn once;
    a move redraws the probability image, the data on top of it, the boundary, legend, title
    and marker.

    Parameters
    ----------
    X : ndarray of shape (n, 2)           training inputs
    y : ndarray of shape (n,)             class labels (e.g. 0/1)
    loss : ndarray of shape (E,)          loss after epochs 1..E (``History.loss``), all > 0
    bounds : (x_min, x_max, y_min, y_max), optional   extent of the grid (default: data ± 0.5)
    grid_size : int                       grid points G per axis
    figsize, dpi : figure size and resolution

    :meth:`update` takes ``epoch`` (int in [0, E]; 0 = before training, no marker) and
    ``predict``, a callable mapping points of shape (N, 2) to the probability of class 1,
    shape (N,), e.g. ``lambda P: softmax(predict(params, P, acts))[:, 1]``.
    """

    def __init__(self, X, y, loss, *, bounds=None, grid_size: int = 100,
                 figsize=(11.0, 4.2), dpi: float = 80.0):
        from matplotlib.collections import LineCollection

        X = as_array(X, "X", shape=(None, 2))
        if X.shape[0] == 0:
            raise ValueError("X must contain at least one point")
        as_array(y, "y", shape=(X.shape[0],))
        loss = as_array(loss, "loss", ndim=1)
        if loss.size == 0 or not np.all(loss > 0):
            raise ValueError(f"loss must be a non-empty array of positive values (log scale), "
                             f"got {loss.size} values, min {loss.min() if loss.size else None}")
        if bounds is None:
            lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
            bounds = (lo[0], hi[0], lo[1], hi[1])
        self.bounds = _check_bounds(bounds)
        self.grid_size = check_positive_int(grid_size, "grid_size", minimum=2)
        self.X, self.loss = X, loss
        fig, (ax_p, ax_l) = new_figure(1, 2, figsize=figsize, dpi=dpi)
        super().__init__(fig)
        self.ax_p, self.ax_l = ax_p, ax_l
        g = self.grid_size
        self.image = self.animate(ax_p.imshow(np.full((g, g), 0.5), origin="lower",
                                              extent=self.bounds, cmap=proba_cmap(), vmin=0,
                                              vmax=1, alpha=0.35, aspect="auto"))
        scatter_classes(ax_p, X, np.asarray(y), legend=False)
        for points in ax_p.collections:                     # above the image
            self.animate(points)
        self.boundary = self.animate(ax_p.add_collection(
            LineCollection([], colors="k", linewidths=1.5), autolim=False))
        for spine in ax_p.spines.values():                  # the frame too
            self.animate(spine)
        self.animate(ax_p.legend(loc="best"))
        ax_p.set(xlim=self.bounds[:2], ylim=self.bounds[2:], xlabel="$x_1$", ylabel="$x_2$")
        self.title = self.animate(ax_p.set_title(f"Wahrscheinlichkeit für Klasse 1, "
                                                 f"Epoche {loss.size}"))
        ax_l.semilogy(np.arange(1, loss.size + 1), loss, color=COLORS["blue"])
        ax_l.set(xlabel="Epoche", ylabel="Loss (log. Skala)", title="Trainingsverlauf")
        self.marker = self.animate(ax_l.plot([], [], "o", color="k")[0])
        fig.tight_layout()

    @property
    def n_epochs(self) -> int:
        return int(self.loss.size)

    def update(self, epoch: int, predict) -> None:
        """Show the classifier ``predict`` ((N, 2) -> p(class 1), (N,)) after ``epoch`` epochs."""
        import contourpy

        epoch = _check_index(epoch, "epoch", self.n_epochs)
        grid = decision_grid(predict, self.X, grid_size=self.grid_size, bounds=self.bounds)
        zz = as_array(grid.zz, "predict(points)")
        self.image.set_data(zz)
        # the 0.5 level line as ax.contour computes it, but into the existing collection
        points, _ = contourpy.contour_generator(grid.xx, grid.yy, zz, name="mpl2014",
                                                line_type="SeparateCode").lines(0.5)
        self.boundary.set_segments(points)
        self.title.set_text(f"Wahrscheinlichkeit für Klasse 1, Epoche {epoch}")
        if epoch > 0:
            self.marker.set_data([epoch], [self.loss[epoch - 1]])
        else:
            self.marker.set_data([], [])
        self.redraw()
