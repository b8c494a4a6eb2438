"""Figures of notebooks 11 and 12: they draw, and a render called twice with the same values gives the same picture."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dl_helpers import gan, gan_plots, vae, vae_plots  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


def test_interpolation_render_is_a_pure_function_of_alpha():
    rng = np.random.default_rng(0)
    alphas = np.linspace(1, 0, 5)
    path = vae.interpolate(np.array([1.0, 1.0]), np.array([-1.0, 0.0]), alphas)
    render = vae_plots.InterpolationRender(alphas, path, rng.random((5, 64)), rng.normal(size=(30, 2)),
                                           rng.integers(0, 10, 30))
    first = _png(render(0.5))
    _png(render(1.0))
    assert _png(render(0.5)) == first
    assert _png(render(1.0)) != first


def test_snapshot_render_is_a_pure_function_of_its_controls():
    ring, grid = gan.ring_means(), gan.grid_means(3, 2.0)
    runs = {"ring": gan.train_gan(ring, steps=4, n_snapshots=3, n_show=40),
            "grid": gan.train_gan(grid, steps=4, n_snapshots=3, n_show=40)}
    rng = np.random.default_rng(1)
    real = {k: gan.sample_mixture(m, 100, 0.1, rng) for k, m in (("ring", ring), ("grid", grid))}
    render = gan_plots.SnapshotRender(runs, real, {"ring": ring, "grid": grid}, 0.1)
    first = _png(render("ring", 2))
    _png(render("grid", 4))
    assert _png(render("ring", 2)) == first


def test_snapshot_render_rejects_runs_with_different_steps():
    ring = gan.ring_means()
    runs = {"a": gan.train_gan(ring, steps=4, n_snapshots=3, n_show=10),
            "b": gan.train_gan(ring, steps=6, n_snapshots=3, n_show=10)}
    with pytest.raises(ValueError, match="same snapshot steps"):
        gan_plots.SnapshotRender(runs, {}, {"a": ring, "b": ring}, 0.1)


def test_static_figures_draw():
    import matplotlib.pyplot as plt

    figs = [
        vae_plots.plot_bottleneck(vae.BottleneckStudy(np.array([2, 4]), np.array([0.04, 0.03]),
                                                      np.array([0.05, 0.04]))),
        vae_plots.plot_beta_tradeoff(vae.BetaStudy(np.array([0.5, 2.0]), np.array([0.04, 0.05]),
                                                   np.array([4.0, 2.0]))),
        vae_plots.image_grid(np.zeros((3, 64)), ncols=2, titles=["a", "b", "c"]),
        gan_plots.plot_saturation(),
        gan_plots.plot_optimal_discriminator(np.linspace(0, 1, 5), np.ones(5), np.ones(5), np.full(5, 0.5),
                                             d_grid=np.full(5, 0.5), d_trained=np.full(5, 0.5)),
    ]
    ring = gan.ring_means()
    run = gan.train_gan(ring, steps=2, n_snapshots=2, n_show=20)
    figs.append(gan_plots.plot_run_metrics({"gan": run}, ring, 0.1, gan.sample_mixture(ring, 50, 0.1,
                                                                                    np.random.default_rng(2))))
    for fig in figs:
        assert len(_png(fig)) > 300
        plt.close(fig)
