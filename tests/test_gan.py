"""Tests of dl_helpers.gan: every formula against an independent reference (torch, scipy, closed form)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm, wasserstein_distance

from dl_helpers import gan


def _t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


@pytest.fixture
def outputs():
    rng = np.random.default_rng(0)
    return rng.uniform(0.05, 0.95, 9), rng.uniform(0.05, 0.95, 6)


# --------------------------------------------------------------------------- (111)–(114)
def test_value_and_losses_match_torch(outputs):
    d_real, d_fake = outputs
    bce_real = float(F.binary_cross_entropy(_t(d_real), torch.ones(9, dtype=torch.float64)))
    bce_fake = float(F.binary_cross_entropy(_t(d_fake), torch.zeros(6, dtype=torch.float64)))
    assert abs(gan.discriminator_loss(d_real, d_fake) - (bce_real + bce_fake)) < 1e-10
    assert abs(gan.gan_value(d_real, d_fake) + bce_real + bce_fake) < 1e-10
    assert abs(float(gan.gan_value_torch(_t(d_real), _t(d_fake))) - gan.gan_value(d_real, d_fake)) < 1e-10
    assert abs(float(gan.discriminator_loss_torch(_t(d_real), _t(d_fake)))
               - gan.discriminator_loss(d_real, d_fake)) < 1e-10
    assert abs(float(gan.generator_loss_saturating_torch(_t(d_fake)))
               - gan.generator_loss_saturating(d_fake)) < 1e-10
    assert abs(gan.generator_loss_saturating(d_fake) - np.mean(np.log(1 - d_fake))) < 1e-12
    assert abs(float(gan.generator_loss_non_saturating_torch(_t(d_fake)))
               - gan.generator_loss_non_saturating(d_fake)) < 1e-10
    assert abs(gan.generator_loss_non_saturating(d_fake) + np.mean(np.log(d_fake))) < 1e-12


@pytest.mark.parametrize("kind, loss", [("saturating", lambda s: torch.log1p(-torch.sigmoid(s))),
                                        ("non_saturating", lambda s: -F.logsigmoid(s))])
def test_generator_logit_gradient_matches_autograd(kind, loss):
    s = torch.linspace(-6, 6, 25, dtype=torch.float64, requires_grad=True)
    loss(s).sum().backward()
    d = torch.sigmoid(s).detach().numpy()
    np.testing.assert_allclose(gan.generator_logit_gradient(d, kind), s.grad.numpy(), atol=1e-10)


def test_saturating_gradient_vanishes_for_a_bad_generator():
    d = np.array([1e-4, 0.5])
    sat, non = gan.generator_logit_gradient(d, "saturating"), gan.generator_logit_gradient(d, "non_saturating")
    assert abs(sat[0]) < 1e-3 and abs(non[0]) > 0.99
    assert sat[1] == non[1] == -0.5


# --------------------------------------------------------------------------- optimal D (115)
@pytest.fixture
def densities():
    x = np.linspace(-6, 8, 1401)
    return x, norm.pdf(x, 0, 1), 0.5 * norm.pdf(x, 2, 0.7) + 0.5 * norm.pdf(x, -1, 1.5)


def test_optimal_discriminator_maximises_pointwise_value(densities):
    x, p, q = densities
    d_grid = np.linspace(1e-4, 1 - 1e-4, 20001)
    best = d_grid[np.argmax(gan.pointwise_value(d_grid, p, q), axis=0)]
    assert np.max(np.abs(best - gan.optimal_discriminator(p, q))) < 1e-4
    assert np.allclose(gan.optimal_discriminator(p, p), 0.5)


def test_value_at_optimal_d_is_minus_log4_plus_2jsd(densities):
    x, p, q = densities
    dx = x[1] - x[0]
    p, q = p / (p.sum() * dx), q / (q.sum() * dx)   # Riemann sums exactly 1: the identity is exact
    d_star = gan.optimal_discriminator(p, q)
    v = dx * np.sum(p * np.log(d_star) + q * np.log1p(-d_star))
    jsd = gan.jensen_shannon(p, q, dx)
    assert abs(v - (-np.log(4) + 2 * jsd)) < 1e-10
    assert abs(jsd - jensenshannon(p, q) ** 2) < 1e-6   # scipy normalises the densities itself
    assert gan.jensen_shannon(p, p, dx) == 0.0


# --------------------------------------------------------------------------- WGAN
def test_wgan_losses_and_penalty_match_torch():
    rng = np.random.default_rng(1)
    f_real, f_fake = rng.normal(size=8), rng.normal(size=5)
    assert abs(gan.wgan_critic_loss(f_real, f_fake) - float(gan.wgan_critic_loss_torch(_t(f_real), _t(f_fake)))) < 1e-12
    assert abs(gan.wgan_generator_loss(f_fake) - float(gan.wgan_generator_loss_torch(_t(f_fake)))) < 1e-12
    g = rng.normal(size=(6, 2))
    assert abs(gan.gradient_penalty(g) - float(gan.gradient_penalty_torch(_t(g)))) < 1e-12


def test_critic_gradients_against_closed_form():
    class Quadratic(torch.nn.Module):
        def forward(self, x):
            return 0.5 * (x ** 2).sum(dim=1)

    x = _t(np.random.default_rng(2).normal(size=(5, 2)))
    g = gan.critic_gradients_torch(Quadratic(), x)
    np.testing.assert_allclose(g.numpy(), x.numpy(), atol=1e-12)
    assert abs(gan.gradient_penalty(g.numpy()) - np.mean((np.linalg.norm(x.numpy(), axis=1) - 1) ** 2)) < 1e-12


@pytest.mark.parametrize("n, m", [(50, 50), (40, 73), (1, 9)])
def test_wasserstein_1d_matches_scipy(n, m):
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(size=n), rng.normal(1.0, 2.0, size=m)
    assert abs(gan.wasserstein_1d(x, y) - wasserstein_distance(x, y)) < 1e-10


def test_sliced_wasserstein_reduces_to_1d_and_scales_shift():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 1)), rng.normal(size=(45, 1))
    assert abs(gan.sliced_wasserstein(x, y) - wasserstein_distance(x[:, 0], y[:, 0])) < 1e-10
    X = rng.normal(size=(200, 2))
    c = np.array([3.0, -4.0])
    # a shift by c moves every projection by |θ·c|; the mean over evenly spaced θ is 2‖c‖/π
    assert abs(gan.sliced_wasserstein(X, X + c, n_projections=2000) - 2 * np.linalg.norm(c) / np.pi) < 1e-3
    assert gan.sliced_wasserstein(X, X) == 0.0


# --------------------------------------------------------------------------- toy data, metrics, training
def test_mixtures_and_mode_metrics():
    ring, grid = gan.ring_means(8, 2.0), gan.grid_means(5, 2.0)
    assert ring.shape == (8, 2) and np.allclose(np.linalg.norm(ring, axis=1), 2.0)
    assert grid.shape == (25, 2) and np.allclose(grid.mean(axis=0), 0)
    X = gan.sample_mixture(ring, 4000, 0.05, np.random.default_rng(4))
    full = gan.mode_metrics(X, ring, 0.05)
    assert full.modes_covered == 8 and full.high_quality > 0.98   # 3σ in 2-D holds 98.9 %
    collapsed = gan.mode_metrics(np.tile(ring[:2], (500, 1)), ring, 0.05)
    assert collapsed.modes_covered == 2 and collapsed.high_quality == 1.0
    far = gan.mode_metrics(np.zeros((10, 2)), ring, 0.05)
    assert far.modes_covered == 0 and far.high_quality == 0.0


def test_train_gan_is_seeded_and_snapshots_shape():
    ring = gan.ring_means()
    torch.manual_seed(7)
    before = torch.get_rng_state().clone()
    a = gan.train_gan(ring, method="gan", steps=20, n_snapshots=3, n_show=50, seed=1)
    assert torch.equal(torch.get_rng_state(), before)
    b = gan.train_gan(ring, method="gan", steps=20, n_snapshots=3, n_show=50, seed=1)
    assert a.samples.shape == (3, 50, 2) and list(a.steps) == [0, 10, 20]
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.d_loss, b.d_loss)


def test_weight_clipping_bounds_every_critic_weight():
    run = gan.train_gan(gan.ring_means(), method="wgan_clip", steps=5, n_snapshots=2, n_show=10, clip=0.05)
    assert max(float(p.detach().abs().max()) for p in run.critic.parameters()) <= np.float32(0.05)


@pytest.mark.parametrize("call, match", [
    (lambda: gan.gan_value(np.array([0.5, 1.0]), np.array([0.5])), "strictly between 0 and 1"),
    (lambda: gan.generator_logit_gradient(np.array([0.5]), "minimax"), "unknown kind"),
    (lambda: gan.optimal_discriminator(np.ones(3), np.ones(4)), "p_g must have shape"),
    (lambda: gan.optimal_discriminator(np.array([0.0]), np.array([0.0])), "p_data \\+ p_g > 0"),
    (lambda: gan.wasserstein_1d(np.array([]), np.array([1.0])), "at least one sample"),
    (lambda: gan.sliced_wasserstein(np.zeros((3, 3)), np.zeros((3, 3))), "1 or 2 columns"),
    (lambda: gan.mode_metrics(np.zeros((3, 2)), np.zeros((2, 3)), 0.1), "means must have shape"),
    (lambda: gan.train_gan(gan.ring_means(), method="vanilla"), "unknown method"),
    (lambda: gan.sample_mixture(gan.ring_means(), 5, 0.1, 3), "numpy.random.Generator"),
])
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
