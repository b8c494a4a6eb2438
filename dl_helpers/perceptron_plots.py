"""Figures of the perceptron (notebook 01), built on :class:`dl_helpers.plotting.BlitFigure`.

* :class:`PerceptronStepFigure` -- the decision line (Folie (20)) after update u of the
  perceptron rule (21), the normal vector w and the example that triggered the update.
  ``PerceptronStepFigure(X, y, result).render(step=u)`` is the slider's render function
  (grid: ``range(result.n_updates + 1)``).

The numbers come from :func:`dl_helpers.perceptron.perceptron_train`; this module only draws.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_array
from .perceptron import misclassified
from .plotting import COLORS, BlitFigure, check_index, new_figure, scatter_classes

__all__ = ["PerceptronStepFigure"]


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

        X = as_array(X, "X", shape=(None, 2))
        y = as_array(y, "y", shape=(X.shape[0],))
        for name in ("w_steps", "b_steps", "step_index"):
            if not hasattr(result, name):
                raise TypeError(f"result must be the result of perceptron_train (no {name!r})")
        if np.asarray(result.w_steps).shape[1:] != (2,):
            raise ValueError("result must come from 2-D data (w_steps of shape (U+1, 2))")
        self.X, self.y, self.result = X, y, result
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
        step = check_index(step, "step", self.n_updates)
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
        n_err = int(np.sum(misclassified(self.X, self.y, w, b)))
        self.title.set_text(f"Update {step}/{self.n_updates}: {n_err} Fehler")
        self.redraw()
        return n_err

    def render(self, step: int) -> bytes:
        """Slider render function: PNG of the state after update ``step`` (0 … n_updates)."""
        self.update(step)
        return self.png()
