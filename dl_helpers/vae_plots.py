"""Figures for notebook 11 (autoencoder, VAE); computation lives in :mod:`dl_helpers.vae`.

* :func:`plot_bottleneck`, :func:`plot_beta_tradeoff`, :func:`plot_latent`, :func:`image_grid` --
  static figures (return a new Figure);
* :class:`InterpolationRender` -- ``render(alpha)`` for ``interactive()``: the path
  α z₁ + (1 − α) z₂ (Folie (110)) in the latent plane and the decoded digit at α. All images
  are decoded once up front, so a slider move only swaps pixels.
"""
from __future__ import annotations

import numpy as np

from ._validation import as_array
from .plotting import CLASS_COLORS, COLORS, class_cmap

__all__ = ["plot_bottleneck", "plot_beta_tradeoff", "plot_latent", "image_grid", "InterpolationRender"]


def _figure(ncols: int = 1, size=(6.0, 4.0)):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=size, layout="constrained")
    return fig, axes


def plot_bottleneck(study):
    """Test reconstruction error vs bottleneck size k for the autoencoder and PCA (a BottleneckStudy)."""
    fig, ax = _figure()
    ax.plot(study.sizes, study.ae_mse, "o-", color=COLORS["blue"], label="Autoencoder (nichtlinear)")
    ax.plot(study.sizes, study.pca_mse, "s--", color=COLORS["orange"], label="PCA (linear)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(study.sizes, [str(k) for k in study.sizes])
    ax.set_xlabel("Größe des Flaschenhalses k")
    ax.set_ylabel("Rekonstruktionsfehler (MSE pro Pixel, Test)")
    ax.legend()
    return fig


def plot_beta_tradeoff(study):
    """Reconstruction error and KL term on the test set for each β (a BetaStudy)."""
    fig, (a1, a2) = _figure(2, (9.0, 3.6))
    a1.plot(study.betas, study.mse, "o-", color=COLORS["blue"])
    a1.set_ylabel("Rekonstruktionsfehler (MSE pro Pixel)")
    a2.plot(study.betas, study.kl, "o-", color=COLORS["red"])
    a2.set_ylabel(r"KL-Term $D_{KL}(q_\phi(z|x)\,\|\,p(z))$")
    for ax in (a1, a2):
        ax.set_xscale("log")
        ax.set_xlabel(r"Gewicht $\beta$ des KL-Terms")
    return fig


def plot_latent(z, y, *, title: str = "", ax=None):
    """Scatter of 2-D latent codes z (n, 2) coloured by digit label y (n,)."""
    z = as_array(z, "z", shape=(None, 2))
    y = np.asarray(y)
    if ax is None:
        fig, ax = _figure(size=(5.2, 4.4))
    else:
        fig = ax.figure
    sc = ax.scatter(z[:, 0], z[:, 1], c=y, cmap=class_cmap(10), vmin=-0.5, vmax=9.5, s=8, alpha=0.8)
    fig.colorbar(sc, ax=ax, ticks=range(10), label="Ziffer")
    ax.set_xlabel(r"$z_1$")
    ax.set_ylabel(r"$z_2$")
    if title:
        ax.set_title(title)
    return fig


def image_grid(images, *, ncols: int = 10, titles=None, size: float = 0.9):
    """Show 8×8 images (m, 64) in a grid; optional titles (m,)."""
    import matplotlib.pyplot as plt

    images = as_array(images, "images", shape=(None, 64))
    m = images.shape[0]
    nrows = -(-m // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.2), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < m:
            ax.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    return fig


class InterpolationRender:
    """``render(alpha)`` for the interpolation slider (Folie (110)).

    Parameters
    ----------
    alphas : ndarray of shape (m,), the slider's values
    z_path : ndarray of shape (m, 2), α z₁ + (1 − α) z₂ for every α
    images : ndarray of shape (m, 64), the decoded digits along the path
    latent, labels : ndarray of shapes (n, 2) and (n,), the test codes as background
    """

    def __init__(self, alphas, z_path, images, latent, labels):
        import matplotlib.pyplot as plt

        self.alphas = as_array(alphas, "alphas", ndim=1)
        m = self.alphas.shape[0]
        self.z_path = as_array(z_path, "z_path", shape=(m, 2))
        self.images = as_array(images, "images", shape=(m, 64))
        # fixed margins (no constrained layout): the same alpha always gives the same pixels
        self.fig, (ax_z, ax_img) = plt.subplots(1, 2, figsize=(8.4, 3.8), gridspec_kw={"width_ratios": [1.4, 1]})
        self.fig.subplots_adjust(left=0.08, right=0.97, bottom=0.13, top=0.9, wspace=0.25)
        plot_latent(latent, labels, ax=ax_z)
        ax_z.plot(self.z_path[:, 0], self.z_path[:, 1], "-", color=COLORS["black"], lw=1.5)
        i1, i2 = int(np.argmin(np.abs(self.alphas - 1.0))), int(np.argmin(np.abs(self.alphas)))
        ax_z.plot(*self.z_path[i1], "s", color=COLORS["black"], ms=7, label=r"$z_1$ ($\alpha = 1$)")
        ax_z.plot(*self.z_path[i2], "o", color=COLORS["black"], ms=7, label=r"$z_2$ ($\alpha = 0$)")
        ax_z.legend(loc="best", fontsize=8)
        (self._point,) = ax_z.plot([], [], "*", color=CLASS_COLORS[5], ms=18, mec="black")
        ax_img.axis("off")
        self._img = ax_img.imshow(self.images[0].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        self._title = ax_img.set_title("")
        plt.close(self.fig)  # shown through interactive(), not by pyplot

    def __call__(self, alpha: float):
        i = int(np.argmin(np.abs(self.alphas - float(alpha))))
        self._point.set_data([self.z_path[i, 0]], [self.z_path[i, 1]])
        self._img.set_data(self.images[i].reshape(8, 8))
        self._title.set_text(rf"dekodiert bei $\alpha = {self.alphas[i]:.2f}$")
        return self.fig
