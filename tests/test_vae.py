"""Tests of dl_helpers.vae: every formula against an independent reference (torch, scipy, closed form)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from dl_helpers import vae
from dl_helpers.data import load_digits_data


def _t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


@pytest.fixture
def gauss():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 3)), rng.normal(scale=0.8, size=(7, 3))


# --------------------------------------------------------------------------- KL (107)
def test_kl_matches_torch_distributions(gauss):
    mu, log_var = gauss
    q = torch.distributions.Normal(_t(mu), torch.exp(0.5 * _t(log_var)))
    p = torch.distributions.Normal(torch.zeros(7, 3, dtype=torch.float64), torch.ones(7, 3, dtype=torch.float64))
    ref = torch.distributions.kl_divergence(q, p).sum(dim=1).numpy()
    np.testing.assert_allclose(vae.kl_std_normal(mu, log_var), ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(vae.kl_std_normal_torch(_t(mu), _t(log_var)).numpy(), ref, rtol=0, atol=1e-10)


def test_kl_matches_monte_carlo(gauss):
    mu, log_var = gauss
    exact = vae.kl_std_normal(mu, log_var)
    mc = vae.kl_monte_carlo(mu, log_var, 200_000, np.random.default_rng(1))
    # standard error of the mean of log q − log p is below 0.01 here; allow 5 of them
    np.testing.assert_allclose(mc, exact, atol=0.05)


def test_kl_is_nonnegative_zero_only_at_prior_and_slide_sign_is_flipped(gauss):
    mu, log_var = gauss
    kl = vae.kl_std_normal(mu, log_var)
    assert np.all(kl > 0)
    assert vae.kl_std_normal(np.zeros(4), np.zeros(4)) == 0.0
    slide_107 = 0.5 * np.sum(1 + log_var - mu ** 2 - np.exp(log_var), axis=1)
    np.testing.assert_allclose(slide_107, -kl, atol=1e-12)


def test_gaussian_log_density_matches_scipy():
    rng = np.random.default_rng(2)
    z, mu, lv = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    ref = multivariate_normal(mu, np.diag(np.exp(lv))).logpdf(z)
    assert abs(vae.gaussian_log_density(z, mu, lv) - ref) < 1e-10


# --------------------------------------------------------------------------- ELBO (106)
def test_gaussian_nll_and_vae_loss_match_torch():
    rng = np.random.default_rng(3)
    x, x_hat = rng.random((5, 6)), rng.random((5, 6))
    mu, lv = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    ref = -torch.distributions.Normal(_t(x_hat), 0.3).log_prob(_t(x)).sum(dim=1).numpy()
    np.testing.assert_allclose(vae.gaussian_nll(x, x_hat, 0.3), ref, atol=1e-10)
    np.testing.assert_allclose(vae.gaussian_nll_torch(_t(x), _t(x_hat), 0.3).numpy(), ref, atol=1e-10)
    loss = vae.vae_loss(x, x_hat, mu, lv, sigma_x=0.3, beta=2.0)
    np.testing.assert_allclose(loss, ref + 2.0 * vae.kl_std_normal(mu, lv), atol=1e-10)
    np.testing.assert_allclose(vae.vae_loss_torch(_t(x), _t(x_hat), _t(mu), _t(lv), sigma_x=0.3, beta=2.0).numpy(),
                               loss, atol=1e-10)


@pytest.fixture
def linear_model():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(5, 2)))
    A = Q * np.array([2.0, 0.7])           # orthogonal columns: the exact posterior is diagonal
    return rng.normal(size=5), A, rng.normal(size=5), 0.5


def test_linear_log_evidence_matches_scipy(linear_model):
    x, A, b, s = linear_model
    ref = multivariate_normal(b, A @ A.T + s ** 2 * np.eye(5)).logpdf(x)
    assert abs(vae.linear_gaussian_log_evidence(x, A, b, s) - ref) < 1e-10


def test_elbo_is_a_lower_bound_with_gap_kl_to_posterior(linear_model):
    x, A, b, s = linear_model
    log_px = vae.linear_gaussian_log_evidence(x, A, b, s)
    m, cov = vae.linear_gaussian_posterior(x, A, b, s)
    assert np.allclose(cov, np.diag(np.diag(cov)), atol=1e-12)
    # at the exact posterior the bound is tight
    assert abs(vae.linear_gaussian_elbo(x, A, b, s, m, np.log(np.diag(cov))) - log_px) < 1e-10
    rng = np.random.default_rng(5)
    for _ in range(5):
        mu, lv = rng.normal(size=2), rng.normal(size=2)
        gap = log_px - vae.linear_gaussian_elbo(x, A, b, s, mu, lv)
        q = torch.distributions.Normal(_t(mu), torch.exp(0.5 * _t(lv)))
        post = torch.distributions.Normal(_t(m), torch.sqrt(_t(np.diag(cov))))
        kl_q_post = float(torch.distributions.kl_divergence(q, post).sum())
        assert gap > 0
        assert abs(gap - kl_q_post) < 1e-10


def test_linear_elbo_reconstruction_term_matches_monte_carlo(linear_model):
    x, A, b, s = linear_model
    mu, lv = np.array([0.3, -0.2]), np.array([-0.5, 0.1])
    eps = np.random.default_rng(6).standard_normal((200_000, 2))
    z = vae.reparameterize(np.broadcast_to(mu, eps.shape), np.broadcast_to(lv, eps.shape), eps)
    rec_mc = -np.mean(vae.gaussian_nll(np.broadcast_to(x, (len(z), 5)), z @ A.T + b, s))
    elbo_mc = rec_mc - float(vae.kl_std_normal(mu, lv))
    assert abs(elbo_mc - vae.linear_gaussian_elbo(x, A, b, s, mu, lv)) < 0.05


# --------------------------------------------------------------------------- reparameterisation (108)/(109)
def test_reparameterize_twins_and_moments():
    rng = np.random.default_rng(7)
    mu, lv = np.full((100_000, 1), 1.5), np.full((100_000, 1), np.log(0.25))
    eps = rng.standard_normal(mu.shape)
    z = vae.reparameterize(mu, lv, eps)
    np.testing.assert_allclose(vae.reparameterize_torch(_t(mu), _t(lv), _t(eps)).numpy(), z, atol=1e-12)
    assert abs(z.mean() - 1.5) < 0.01 and abs(z.std() - 0.5) < 0.01


def test_reparam_gradient_numpy_equals_autograd_through_sample():
    rng = np.random.default_rng(8)
    mu, sigma = rng.normal(size=3), rng.uniform(0.3, 1.5, size=3)
    eps = rng.standard_normal((1000, 3))
    g_mu, g_sigma = vae.reparam_gradient(np.exp, mu, sigma, eps)
    t_mu, t_sigma = vae.reparam_gradient_torch(torch.exp, _t(mu), _t(sigma), _t(eps))
    np.testing.assert_allclose(g_mu, t_mu.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_sigma, t_sigma.numpy(), rtol=1e-12)


def test_reparam_gradient_converges_to_analytic():
    mu, sigma = np.array([0.2, -0.5]), np.array([0.5, 0.8])
    eps = np.random.default_rng(9).standard_normal((400_000, 2))
    g_mu, g_sigma = vae.reparam_gradient(np.exp, mu, sigma, eps)
    e_mu, e_sigma = vae.expected_exp_gradient(mu, sigma)
    np.testing.assert_allclose(g_mu, e_mu, rtol=0.01)
    np.testing.assert_allclose(g_sigma, e_sigma, rtol=0.02)
    # the closed form itself against a centred difference of exp(μ + σ²/2)
    h = 1e-6
    fd_mu = (np.exp(mu + h + sigma ** 2 / 2) - np.exp(mu - h + sigma ** 2 / 2)) / (2 * h)
    fd_sigma = (np.exp(mu + (sigma + h) ** 2 / 2) - np.exp(mu + (sigma - h) ** 2 / 2)) / (2 * h)
    np.testing.assert_allclose(e_mu, fd_mu, rtol=1e-8)
    np.testing.assert_allclose(e_sigma, fd_sigma, rtol=1e-8)


def test_interpolate_endpoints_and_formula():
    z1, z2 = np.array([1.0, 2.0]), np.array([-1.0, 0.0])
    Z = vae.interpolate(z1, z2, np.array([0.0, 0.25, 1.0]))
    np.testing.assert_allclose(Z[0], z2)
    np.testing.assert_allclose(Z[2], z1)
    np.testing.assert_allclose(Z[1], 0.25 * z1 + 0.75 * z2)


@pytest.mark.parametrize("call, match", [
    (lambda: vae.kl_std_normal(np.zeros((2, 3)), np.zeros((2, 2))), "same shape"),
    (lambda: vae.kl_std_normal(np.zeros((2, 3, 1)), np.zeros((2, 3, 1))), "mu must have"),
    (lambda: vae.kl_monte_carlo(np.zeros(2), np.zeros(2), 10, 0), "numpy.random.Generator"),
    (lambda: vae.gaussian_nll(np.zeros((2, 3)), np.zeros((2, 4)), 1.0), "x_hat must have shape"),
    (lambda: vae.gaussian_nll(np.zeros((2, 3)), np.zeros((2, 3)), 0.0), "sigma_x"),
    (lambda: vae.vae_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 1)), np.zeros((2, 1)), beta=-1),
     "beta"),
    (lambda: vae.reparameterize(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 3))), "eps must have shape"),
    (lambda: vae.interpolate(np.zeros(2), np.zeros(3), np.zeros(4)), "z2 must have shape"),
    (lambda: vae.fit_autoencoder(np.zeros((4, 3)), 0), "d_latent"),
    (lambda: vae.seeded_module(vae.AutoEncoder, -1), "seed"),
])
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --------------------------------------------------------------------------- models and studies
@pytest.fixture(scope="module")
def digits():
    return load_digits_data()


def test_training_is_seeded_and_leaves_global_rng_alone(digits):
    torch.manual_seed(123)
    before = torch.get_rng_state().clone()
    threads = torch.get_num_threads()
    r1 = vae.fit_autoencoder(digits.X_train[:300], 2, epochs=3, seed=5)
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.get_num_threads() == threads
    r2 = vae.fit_autoencoder(digits.X_train[:300], 2, epochs=3, seed=5)
    np.testing.assert_array_equal(r1.losses, r2.losses)
    assert r1.losses[-1] < r1.losses[0]


def test_autoencoder_beats_pca_at_small_bottleneck(digits):
    study = vae.bottleneck_study(digits.X_train, digits.X_test, [2], epochs=30)
    assert study.ae_mse[0] < study.pca_mse[0]


def test_pca_mse_matches_svd_projection(digits):
    X, Xt = digits.X_train, digits.X_test
    mean = X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
    P = Vt[:4].T @ Vt[:4]
    ref = np.mean(((Xt - mean) @ P + mean - Xt) ** 2)
    assert abs(vae.pca_reconstruction_mse(X, Xt, 4) - ref) < 1e-10


def test_vae_forward_and_beta_tradeoff(digits):
    study = vae.beta_study(digits.X_train, digits.X_test, [0.2, 5.0], epochs=15)
    assert study.kl[1] < study.kl[0]       # larger β: the code is pulled towards the prior ...
    assert study.mse[1] > study.mse[0]     # ... and reconstructions get worse
