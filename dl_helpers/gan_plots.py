"""Figures for notebook 12 (GANs); computation lives in :mod:`dl_helpers.gan`.

* :func:`plot_saturation` -- both generator losses (113), (114) and their gradients vs D(G(z));
* :func:`plot_optimal_discriminator` -- D* (115) next to the grid argmax and a trained D;
* :func:`plot_run_metrics` -- modes covered, high-quality share and sliced W₁ over training;
* :class:`SnapshotRender` -- ``render(data, step)`` for ``interactive()``: real and generated
  points at one training step (one persistent figure; only the point clouds change).
"""
from __future__ import annotations

import numpy as np

from ._validation import as_array
from .gan import generator_logit_gradient, mode_metrics, sliced_wasserstein
from .plotting import COLORS

__all__ = ["plot_saturation", "plot_optimal_discriminator", "plot_run_metrics", "SnapshotRender",
           "METHOD_LABELS"]

#: Readable names of the training methods of :func:`dl_helpers.gan.train_gan`.
METHOD_LABELS = {"gan": "GAN (nicht-sättigend)", "wgan_clip": "WGAN (Weight Clipping)",
                 "wgan_gp": "WGAN-GP (Gradient Penalty)"}


def _subplots(ncols: int, size):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=size, layout="constrained")


def plot_saturation(n: int = 400):
    """Left: L_G of (113) and (114) for one sample vs D(G(z)); right: |∂L_G/∂s| (s = logit of D)."""
    d = np.linspace(1e-3, 1 - 1e-3, n)
    fig, (a1, a2) = _subplots(2, (9.5, 3.8))
    a1.plot(d, np.log1p(-d), color=COLORS["red"], label=r"ursprünglich (113): $\log(1-D)$")
    a1.plot(d, -np.log(d), color=COLORS["blue"], label=r"nicht-sättigend (114): $-\log D$")
    a1.set_xlabel(r"$D(G(\mathbf{z}))$")
    a1.set_ylabel("Generator-Verlust (wird minimiert)")
    a1.legend(fontsize=9)
    a2.plot(d, np.abs(generator_logit_gradient(d, "saturating")), color=COLORS["red"], label="ursprünglich (113)")
    a2.plot(d, np.abs(generator_logit_gradient(d, "non_saturating")), color=COLORS["blue"],
            label="nicht-sättigend (114)")
    a2.set_yscale("log")
    a2.set_xlabel(r"$D(G(\mathbf{z}))$")
    a2.set_ylabel(r"Betrag des Gradienten nach dem Logit $s$")
    a2.axvspan(0, 0.1, color=COLORS["grey"], alpha=0.15)
    a2.text(0.012, 2e-3, "schlechter\nGenerator", fontsize=9)
    a2.legend(fontsize=9)
    return fig


def plot_optimal_discriminator(x, p_data, p_g, d_star, *, d_grid=None, d_trained=None):
    """Densities (top) and D* = p_data/(p_data + p_g) with its numerical checks (bottom); all arrays (n,)."""
    import matplotlib.pyplot as plt

    x = as_array(x, "x", ndim=1)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7.0, 5.2), sharex=True, layout="constrained")
    a1.plot(x, p_data, color=COLORS["blue"], label=r"$p_{data}$")
    a1.plot(x, p_g, color=COLORS["orange"], label=r"$p_g$")
    a1.set_ylabel("Dichte")
    a1.legend()
    a2.plot(x, d_star, color=COLORS["black"], lw=2.5, label=r"$D^*$ (115)")
    if d_grid is not None:
        a2.plot(x[::8], np.asarray(d_grid)[::8], "o", color=COLORS["green"], ms=4,
                label=r"bestes $D$ auf einem Gitter von Werten")
    if d_trained is not None:
        a2.plot(x, d_trained, "--", color=COLORS["red"], label="trainierter Diskriminator")
    a2.axhline(0.5, color=COLORS["grey"], lw=0.8)
    a2.set_xlabel("x")
    a2.set_ylabel(r"$D(x)$")
    a2.set_ylim(-0.02, 1.02)
    a2.legend(fontsize=9)
    return fig


def plot_run_metrics(runs: dict, means, std: float, real):
    """Modes covered, high-quality share and sliced W₁ to ``real`` (n, 2) over training for several GanRuns."""
    fig, axes = _subplots(3, (11.5, 3.4))
    K = as_array(means, "means", ndim=2).shape[0]
    for name, run in runs.items():
        mm = [mode_metrics(s, means, std) for s in run.samples]
        sw = [sliced_wasserstein(s, real) for s in run.samples]
        label = METHOD_LABELS.get(name, name)
        axes[0].plot(run.steps, [m.modes_covered for m in mm], "o-", label=label)
        axes[1].plot(run.steps, [m.high_quality for m in mm], "o-", label=label)
        axes[2].plot(run.steps, sw, "o-", label=label)
    axes[0].set_ylabel(f"abgedeckte Modi (von {K})")
    axes[0].set_ylim(-0.3, K + 0.3)
    axes[1].set_ylabel("Anteil guter Samples")
    axes[2].set_ylabel("Sliced-Wasserstein-Abstand")
    for ax in axes:
        ax.set_xlabel("Generator-Schritt")
    axes[2].legend(fontsize=8)
    return fig


class SnapshotRender:
    """``render(data, step)`` for the training-step slider.

    Parameters
    ----------
    runs : dict data name -> GanRun (all with the same snapshot steps)
    real : dict data name -> ndarray (n, 2), samples of the true distribution
    means, std : dict data name -> (K, 2) mode means and the modes' standard deviation
    """

    def __init__(self, runs: dict, real: dict, means: dict, std: float):
        import matplotlib.pyplot as plt

        self.runs, self.real, self.means, self.std = runs, real, means, std
        steps = {tuple(r.steps) for r in runs.values()}
        if len(steps) != 1:
            raise ValueError("all runs must share the same snapshot steps")
        self.steps = np.asarray(next(iter(steps)))
        self.fig, self.ax = plt.subplots(figsize=(5.2, 5.2))  # fixed margins: same controls, same pixels
        self.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.08, top=0.92)
        self._real = self.ax.scatter([], [], s=4, color=COLORS["grey"], alpha=0.35, label="echte Daten")
        self._fake = self.ax.scatter([], [], s=5, color=COLORS["red"], alpha=0.6, label="Generator")
        lim = 1.3 * max(float(np.abs(m).max()) for m in means.values()) + 0.3
        self.ax.set_xlim(-lim, lim)
        self.ax.set_ylim(-lim, lim)
        self.ax.set_aspect("equal")
        self.ax.legend(loc="upper right", fontsize=9, markerscale=3)
        plt.close(self.fig)  # shown through interactive(), not by pyplot

    def __call__(self, data: str, step: int):
        i = int(np.argmin(np.abs(self.steps - int(step))))
        samples = self.runs[data].samples[i]
        self._real.set_offsets(self.real[data])
        self._fake.set_offsets(samples)
        mm = mode_metrics(samples, self.means[data], self.std)
        self.ax.set_title(f"Schritt {self.steps[i]}: {mm.modes_covered} von {len(self.means[data])} Modi, "
                          f"{100 * mm.high_quality:.0f} % gute Samples", fontsize=10)
        return self.fig
