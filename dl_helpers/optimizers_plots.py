"""Figures of notebook 05 (optimisers), on :class:`dl_helpers.plotting.BlitFigure`.

* :class:`TrajectoryPlot` -- contours of a :class:`~dl_helpers.landscapes.Landscape` drawn once,
  one path per optimiser (and its loss curve) redrawn on each move;
* :func:`render_trajectories` -- the slider's render function ``(lr, ...) -> PNG``.

The trajectories come from :mod:`dl_helpers.trajectories` (``compare_optimizers``,
``run_trajectory``); this module only draws them.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ._validation import check_choice, check_positive_float, check_positive_int
from .landscapes import Landscape, contour_grid, get_landscape
from .plotting import CLASS_COLORS, BlitFigure, new_figure
from .trajectories import DEFAULT_HPARAMS, OPTIMIZER_LABELS, Trajectory, compare_optimizers

__all__ = ["TrajectoryPlot", "render_trajectories"]


class TrajectoryPlot(BlitFigure):
    """Contour plot of a landscape with one line per optimiser; :meth:`update` moves the lines.

    Everything static (contours, minimum, start, axes, ticks, legend) is drawn once and kept as a
    pixel background; a slider move only restores that background and draws the changed
    ``Line2D`` objects on top (matplotlib "blitting", which also works with the Agg backend).
    The loss axis therefore has fixed limits (``steps`` on the x-axis, ``loss_ylim`` on the log
    y-axis); :meth:`set_steps` changes the x-range (one full redraw).

    Parameters
    ----------
    landscape : Landscape
    labels : sequence of str        one line per label (e.g. ``OPTIMIZER_LABELS``)
    steps : int                     x-range of the loss axis
    show_loss : bool                add a second axis with f(x⁽ᵗ⁾) − f_min on a log scale
    loss_ylim : (float, float)      fixed y-range of the loss axis
    figsize : tuple of float
    dpi : float                     80 keeps a redraw well below 100 ms on a slow machine
    n_grid : int                    contour grid resolution

    Use :meth:`update` (the figure's Agg buffer is current afterwards), then :meth:`png`
    (PNG bytes) or ``display(plot)`` (not ``display(plot.fig)``: the
    lines are animated artists, which a normal ``savefig`` skips).
    """

    def __init__(self, landscape: Landscape, labels: Sequence[str], *, steps: int = 300,
                 show_loss: bool = True, loss_ylim: tuple[float, float] = (1e-12, 1e4),
                 figsize: tuple[float, float] = (9.0, 3.6), dpi: float = 80.0, n_grid: int = 100):
        from matplotlib.colors import LogNorm

        if not isinstance(landscape, Landscape):
            raise TypeError(f"landscape must be a Landscape, got {type(landscape).__name__}")
        if isinstance(labels, str) or not len(labels):
            raise ValueError(f"labels must be a non-empty sequence of names, got {labels!r}")
        self.landscape, self.labels, self.show_loss = landscape, list(labels), show_loss
        L = landscape
        if show_loss:
            fig, (self.ax, self.ax_loss) = new_figure(1, 2, figsize=figsize, dpi=dpi,
                                                      gridspec_kw={"width_ratios": [1.25, 1]})
        else:
            fig, self.ax = new_figure(figsize=figsize, dpi=dpi)
            self.ax_loss = None
        super().__init__(fig)
        X, Y, F = contour_grid(L, n_grid)
        F = F - L.f_min
        if L.log_levels:
            levels = np.logspace(np.log10(max(F.min(), 1e-3)), np.log10(F.max()), 18)
            self.ax.contour(X, Y, F + 1e-12, levels=levels, norm=LogNorm(), colors="0.7",
                            linewidths=0.6)
        else:
            self.ax.contour(X, Y, F, levels=18, colors="0.7", linewidths=0.6)
        self.ax.plot(*L.x_min, marker="*", color="k", ms=11, ls="none", label="Minimum")
        self.ax.plot(*L.x0, "o", color="k", ms=5, label="Start")
        self.ax.set(xlim=L.xlim, ylim=L.ylim, xlabel="$x_1$", ylabel="$x_2$")
        self.lines, self.loss_lines = {}, {}
        for i, lab in enumerate(self.labels):
            c = CLASS_COLORS[i % len(CLASS_COLORS)]
            lw = max(2.6 - 0.6 * i, 1.0)  # earlier lines thicker: overlapping paths stay visible
            (self.lines[lab],) = self.ax.plot([], [], "-", lw=lw, color=c, label=lab)
            self.animate(self.lines[lab])
            if self.ax_loss is not None:
                (self.loss_lines[lab],) = self.ax_loss.plot([], [], color=c, label=lab)
                self.animate(self.loss_lines[lab])
        self.ax.legend(loc="best", fontsize=8, framealpha=0.8)
        self.status = self.animate(self.ax.text(
            0.02, 0.02, "", transform=self.ax.transAxes, fontsize=9, color="#D55E00",
            bbox=dict(facecolor="white", alpha=0.8, edgecolor="none")))
        if self.ax_loss is not None:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set(xlabel="Schritt $t$", ylabel=r"$f(x^{(t)}) - f_{\min}$", ylim=loss_ylim)
            self.ax_loss.grid(alpha=0.3)
        self.set_steps(steps)
        self.fig.tight_layout()

    # ---------------------------------------------------------------- drawing
    def set_steps(self, steps: int) -> None:
        """Set the x-range of the loss axis to [0, steps] (the static background is redrawn)."""
        steps = check_positive_int(steps, "steps")
        self.steps = steps
        if self.ax_loss is not None:
            self.ax_loss.set_xlim(0, steps)
        self.invalidate()

    def update(self, trajectories: Mapping[str, Trajectory], title: str | None = None,
               note: str = "") -> None:
        """Show ``trajectories`` (label → Trajectory); labels not given are hidden.

        ``note`` is a short text in the lower left corner (cheap: drawn with the lines, e.g. the
        current hyper-parameters); runs that diverged are listed there too. A new ``title``
        costs a full redraw.

        Redraws only the lines (background restored from the cache) unless the static part
        changed (first call, new ``title``, :meth:`set_steps`, resized figure).
        """
        unknown = set(trajectories) - set(self.lines)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; this plot has: {list(self.lines)}")
        diverged = []
        for lab, line in self.lines.items():
            traj = trajectories.get(lab)
            path = np.empty((0, 2)) if traj is None else traj.path
            line.set_data(path[:, 0], path[:, 1])
            if traj is not None and traj.diverged:
                diverged.append(lab)
            if self.ax_loss is not None:
                gap = np.empty(0) if traj is None else np.maximum(traj.losses - self.landscape.f_min, 1e-300)
                self.loss_lines[lab].set_data(np.arange(gap.size), gap)
        parts = [note] if note else []
        if diverged:
            parts.append("divergiert: " + ", ".join(diverged))
        self.status.set_text("\n".join(parts))
        if title is not None and title != self.ax.get_title():
            self.ax.set_title(title, fontsize=10)
            self.invalidate()
        self.redraw()


_PLOTS: dict[tuple[str, int], TrajectoryPlot] = {}


def render_trajectories(lr: float | None = None, momentum: float | None = None,
                        adam_lr: float | None = None, landscape: str = "quadratic",
                        steps: int | None = None, lr_factor: float = 1.0) -> bytes:
    """PNG of GD, momentum and Adam on ``landscape`` (the sliders of notebook 05).

    Hyper-parameters left at None take the landscape's ``DEFAULT_HPARAMS``; GD and momentum use
    the learning rate ``lr_factor * lr`` (so one ``lr_factor`` grid serves landscapes whose η₀
    differ by orders of magnitude). Grids for :func:`dl_helpers.interactive.interactive`:
    ``lr=[0.05, 0.1, 0.15, 0.18, 0.2, 0.21, 0.25, 0.29]`` on ``"quadratic"`` (λ_max = 10: GD is
    stable below η = 0.2, momentum β = 0.5 below 0.3), or ``landscape=landscape_names()`` with
    ``lr_factor=[0.25, 0.5, 1.0, 2.0, 4.0]``. One figure per (landscape, steps) is reused.
    """
    hp = DEFAULT_HPARAMS[check_choice(landscape, "landscape", DEFAULT_HPARAMS)]
    lr = check_positive_float(lr_factor, "lr_factor") * (hp["lr"] if lr is None else lr)
    steps = hp["steps"] if steps is None else steps
    momentum = hp["momentum"] if momentum is None else momentum
    adam_lr = hp["adam_lr"] if adam_lr is None else adam_lr
    L = get_landscape(landscape)
    plot = _PLOTS.get((landscape, steps))
    if plot is None:
        plot = _PLOTS[(landscape, steps)] = TrajectoryPlot(
            L, OPTIMIZER_LABELS, steps=steps, loss_ylim=hp["loss_ylim"])
    trajs = compare_optimizers(L, lr=lr, momentum=momentum, adam_lr=adam_lr, steps=steps)
    plot.update(trajs, note=f"η = {lr:.3g}, β = {momentum:.2f}, η_Adam = {adam_lr:.3g}")
    return plot.png()
