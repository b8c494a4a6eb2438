"""Figures of network training (notebook 04), on :class:`dl_helpers.plotting.BlitFigure`.

* :class:`TrainingBoundaryFigure` -- probability of class 1 and the decision boundary of a 2-D
  classifier at one training epoch, next to the loss curve. With ``predict_at`` (epoch ->
  classifier) its :meth:`~TrainingBoundaryFigure.render` ``(epoch) -> PNG`` is the slider's
  render function.

The numbers come from :func:`dl_helpers.training.train_numpy` (snapshots kept by the notebook).
"""
from __future__ import annotations

import numpy as np

from ._validation import as_array, check_positive_int
from .plotting import (COLORS, BlitFigure, check_bounds, check_index, decision_grid, new_figure,
                       proba_cmap, scatter_classes)

__all__ = ["TrainingBoundaryFigure"]


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
    predict_at : callable, optional       epoch -> ``predict`` (see below); needed by :meth:`render`

    :meth:`update` takes ``epoch`` (int in [0, E]; 0 = before training, no marker) and
    ``predict``, a callable mapping points of shape (N, 2) to the probability of class 1,
    shape (N,), e.g. ``lambda P: softmax(predict(params, P, acts))[:, 1]``.
    """

    def __init__(self, X, y, loss, *, bounds=None, grid_size: int = 100,
                 figsize=(11.0, 4.2), dpi: float = 80.0, predict_at=None):
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
        self.bounds = check_bounds(bounds)
        self.grid_size = check_positive_int(grid_size, "grid_size", minimum=2)
        if predict_at is not None and not callable(predict_at):
            raise TypeError("predict_at must be callable: epoch -> predict ((N, 2) -> (N,))")
        self.X, self.loss, self.predict_at = X, loss, predict_at
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
        ax_l.set(xlabel="Epoche", ylabel="Verlust (log. Skala)", title="Trainingsverlauf")
        self.marker = self.animate(ax_l.plot([], [], "o", color="k")[0])
        fig.tight_layout()

    @property
    def n_epochs(self) -> int:
        return int(self.loss.size)

    def update(self, epoch: int, predict) -> None:
        """Show the classifier ``predict`` ((N, 2) -> p(class 1), (N,)) after ``epoch`` epochs."""
        import contourpy

        epoch = check_index(epoch, "epoch", self.n_epochs)
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

    def render(self, epoch: int) -> bytes:
        """Slider render function: PNG after ``epoch`` epochs (uses ``predict_at(epoch)``)."""
        if self.predict_at is None:
            raise ValueError("render needs predict_at (epoch -> predict) in the constructor")
        self.update(epoch, self.predict_at(epoch))
        return self.png()
