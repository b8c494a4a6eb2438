"""Tests for dl_helpers.landscapes: analytic derivatives and torch twins of the test functions,
the regression landscape and its minibatch gradients."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers import landscapes as ls
from dl_helpers import trajectories as tj
from dl_helpers.gradcheck import gradient_check, numerical_gradient
from dl_helpers.losses import mse
from dl_helpers.optimizers import SGD

NAMES = ls.landscape_names()
PARITY_TOL = 1e-10


def _points(rng, L, n=4):
    lo = np.array([L.xlim[0], L.ylim[0]]) * 0.8
    hi = np.array([L.xlim[1], L.ylim[1]]) * 0.8
    return rng.uniform(lo, hi, size=(n, 2))


# ------------------------------------------------------------------ landscapes
@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    L = ls.get_landscape(name)
    for x in _points(np.random.default_rng(1), L):
        res = gradient_check(L.f, L.grad, x)
        assert res.rel_error < 1e-7, (name, x, res.rel_error)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_differences_of_gradient(name):
    L = ls.get_landscape(name)
    for x in _points(np.random.default_rng(2), L):
        num = np.stack([numerical_gradient(lambda z, i=i: L.grad(z)[i], x) for i in range(2)])
        H = L.hessian(x)
        assert np.allclose(H, H.T)
        assert np.abs(H - num).max() <= 1e-6 * max(1.0, np.abs(H).max()), (name, x)


@pytest.mark.parametrize("name", NAMES)
def test_torch_twin_value_and_autograd(name):
    L = ls.get_landscape(name)
    for x in _points(np.random.default_rng(3), L):
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        val = L.f_torch(xt)
        val.backward()
        scale = max(1.0, abs(L.f(x)))
        assert abs(val.item() - L.f(x)) <= PARITY_TOL * scale
        assert np.abs(xt.grad.numpy() - L.grad(x)).max() <= PARITY_TOL * max(1.0, np.abs(L.grad(x)).max())


@pytest.mark.parametrize("name", NAMES)
def test_minimum_is_stationary_and_lowest_on_grid(name):
    L = ls.get_landscape(name)
    assert L.f(L.x_min) == pytest.approx(L.f_min, abs=1e-14)
    assert np.abs(L.grad(L.x_min)).max() < 1e-12
    assert np.all(np.linalg.eigvalsh(L.hessian(L.x_min)) > 0)  # a strict local minimum
    _, _, F = ls.contour_grid(L, 60)
    assert F.min() >= L.f_min - 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_evaluation_equals_pointwise(name):
    L = ls.get_landscape(name)
    pts = _points(np.random.default_rng(4), L, n=6).reshape(2, 3, 2)
    F, G = L.f(pts), L.grad(pts)
    assert F.shape == (2, 3) and G.shape == (2, 3, 2)
    for i in range(2):
        for j in range(3):
            assert F[i, j] == pytest.approx(L.f(pts[i, j]), rel=1e-14, abs=1e-14)
            assert np.allclose(G[i, j], L.grad(pts[i, j]), rtol=1e-14, atol=1e-14)


def test_saddle_has_a_saddle_point_at_origin():
    L = ls.get_landscape("saddle")
    assert np.all(L.grad(np.zeros(2)) == 0)
    lam = np.linalg.eigvalsh(L.hessian(np.zeros(2)))
    assert lam[0] < 0 < lam[1]


@given(l1=st.floats(0.1, 50), l2=st.floats(0.1, 50), angle=st.floats(-3.2, 3.2))
@settings(max_examples=20, deadline=None)
def test_quadratic_hessian_has_the_given_eigenvalues(l1, l2, angle):
    H = ls.quadratic_hessian((l1, l2), angle)
    assert np.allclose(H, H.T)
    assert np.allclose(np.linalg.eigvalsh(H), sorted([l1, l2]), rtol=1e-12)
    L = ls.quadratic((l1, l2), angle)
    x = np.array([0.3, -0.7])
    assert L.f(x) == pytest.approx(0.5 * x @ H @ x, rel=1e-13)


def test_get_landscape_rejects_unknown_name():
    with pytest.raises(ValueError, match="choose one of"):
        ls.get_landscape("himmelblau")


def test_bad_inputs_name_the_argument():
    q = ls.get_landscape("quadratic")
    with pytest.raises(ValueError, match="lambdas"):
        ls.quadratic((1.0, -2.0))
    with pytest.raises(ValueError, match="x"):
        q.f(np.zeros(3))


# ------------------------------------------------------------------ regression + minibatches
@pytest.fixture
def regression_data():
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, size=40)
    return x, 1.5 * x - 0.5 + 0.4 * rng.normal(size=40)


def test_regression_landscape_is_the_mse(regression_data):
    x, y = regression_data
    R = ls.regression_landscape(x, y)
    rng = np.random.default_rng(8)
    for theta in rng.normal(size=(4, 2)):
        assert R.f(theta) == pytest.approx(mse(theta[0] * x + theta[1], y), rel=1e-12)
        assert gradient_check(R.f, R.grad, theta).rel_error < 1e-7
        assert R.f_torch(torch.tensor(theta)).item() == pytest.approx(R.f(theta), rel=1e-12)
    assert np.allclose(R.x_min, np.polyfit(x, y, 1), rtol=1e-10)


def test_full_batch_minibatch_gradient_is_the_gradient(regression_data):
    x, y = regression_data
    R = ls.regression_landscape(x, y)
    theta = np.array([0.3, 2.0])
    g = ls.minibatch_gradient(theta, x, y, len(x), np.random.default_rng(0))
    assert np.allclose(g, R.grad(theta), rtol=1e-12)


def test_minibatch_gradient_is_unbiased_and_variance_shrinks(regression_data):
    x, y = regression_data
    R = ls.regression_landscape(x, y)
    theta = np.array([0.3, 2.0])
    rng = np.random.default_rng(9)
    spreads = []
    for B in (1, 10):
        G = np.array([ls.minibatch_gradient(theta, x, y, B, rng) for _ in range(3000)])
        sem = G.std(axis=0) / np.sqrt(len(G))
        assert np.all(np.abs(G.mean(axis=0) - R.grad(theta)) < 5 * sem)
        spreads.append(G.var(axis=0).sum())
    assert spreads[1] < spreads[0] / 5  # without replacement: factor (m-B)/(B(m-1)) ≈ 1/13


def test_sgd_trajectory_is_reproducible_and_noisy(regression_data):
    x, y = regression_data
    R = ls.regression_landscape(x, y)
    runs = [tj.run_trajectory(SGD(lr=0.1), R.f, ls.make_minibatch_grad(x, y, 4, np.random.default_rng(s)),
                              R.x0, 50) for s in (0, 0, 1)]
    assert np.array_equal(runs[0].path, runs[1].path)
    assert not np.array_equal(runs[0].path, runs[2].path)
    with pytest.raises(ValueError, match="batch_size"):
        ls.minibatch_gradient(R.x0, x, y, 41, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        ls.minibatch_gradient(R.x0, x, y, 4, 0)
