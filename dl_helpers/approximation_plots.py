"""Figures of the universal approximation (notebook 02), on :class:`dl_helpers.plotting.BlitFigure`.

* :class:`WidthFitFigure` -- target g, one-hidden-layer network F and the pointwise error
  |F − g| on a log scale (fixed limits, so a move never needs a full redraw);
* :func:`render_width_fit` -- the slider's render function ``(width, activation, target) -> PNG``.

The numbers come from :func:`dl_helpers.approximation.least_squares_network`.
"""
from __future__ import annotations

import numpy as np

from .approximation import least_squares_network
from .plotting import COLORS, BlitFigure, new_figure

__all__ = ["WidthFitFigure", "render_width_fit"]


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
        self.ax_f.set(xlim=(float(x[0]), float(x[-1])), ylim=(lo - pad, hi + pad))
        self.ax_e.set_xlim(float(x[0]), float(x[-1]))     # new limits: the base redraws fully
        self.target_line.set_data(x, y)
        self.fit_line.set_data(x, fit.y_hat)
        self.err_line.set_data(x, np.maximum(np.abs(fit.error), 1e-300))
        self.max_line.set_ydata([fit.max_error] * 2)
        self.title_f.set_text(f"n = {fit.width} Neuronen, {fit.n_parameters} Parameter")
        self.title_e.set_text(f"max. Fehler {fit.max_error:.3g} (gestrichelt), RMSE {fit.rmse:.3g}")
        self.redraw()

    def render(self, width: int, activation: str = "relu", target: str = "wave",
               seed: int = 0) -> bytes:
        """Slider render function: PNG of the least-squares fit with ``width`` hidden units
        (:func:`dl_helpers.approximation.least_squares_network`)."""
        self.update(least_squares_network(target, width, activation, seed=seed))
        return self.png()


_FIGURE: WidthFitFigure | None = None


def render_width_fit(width: int, activation: str = "relu", target: str = "wave",
                     seed: int = 0) -> bytes:
    """PNG of the fit of ``target`` by a one-hidden-layer network of ``width`` units (notebook 02).

    Grids for :func:`dl_helpers.interactive.interactive`: ``width=[1, 2, 4, 8, 16, 32, 64, 128]``,
    ``activation=["relu", "sigmoid", "tanh", "step"]``, ``target=list(TARGETS)``. One module-level
    figure is reused (same values, same picture).
    """
    global _FIGURE
    if _FIGURE is None:
        _FIGURE = WidthFitFigure()
    return _FIGURE.render(width, activation, target, seed)
