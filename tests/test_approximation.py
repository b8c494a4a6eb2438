"""Tests for dl_helpers.approximation (UAT study of notebook 02)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers import approximation as ap
from dl_helpers.network import count_parameters, forward, to_torch


def sin_pi(x):
    return np.sin(np.pi * x)


# ------------------------------------------------------------------ constructive networks
@settings(max_examples=25, deadline=None)
@given(coefs=st.lists(st.floats(-3, 3), min_size=1, max_size=5), n=st.integers(1, 40))
def test_relu_construction_interpolates_at_knots(coefs, n):
    g = np.polynomial.Polynomial(coefs)
    fit = ap.interpolating_network(g, n, "relu", domain=(-1.0, 2.0))
    knots = np.linspace(-1.0, 2.0, n + 1)
    np.testing.assert_allclose(fit(knots), g(knots), atol=1e-9 * (1 + np.abs(g(knots)).max()))
    assert fit.width == n


@pytest.mark.parametrize("n", [3, 10, 57])
def test_relu_construction_error_bound(n):
    # linear interpolation of a C² function: |F − g| ≤ h²/8 · max|g''|, here g'' = −π² sin(πx)
    fit = ap.interpolating_network(sin_pi, n, "relu")
    h = 2.0 / n
    assert fit.max_error <= h**2 / 8 * np.pi**2 + 1e-12


@pytest.mark.parametrize("act", ["step", "sign"])
@pytest.mark.parametrize("n", [1, 4, 25])
def test_staircase_is_exact_at_centres_and_lipschitz_bounded(act, n):
    fit = ap.interpolating_network(sin_pi, n, act)
    h = 2.0 / (n + 1)
    centres = -1.0 + h * (np.arange(n + 1) + 0.5)
    np.testing.assert_allclose(fit(centres), sin_pi(centres), atol=1e-12)
    # every x lies within h/2 of the centre whose value F takes there; Lipschitz constant π
    assert fit.max_error <= np.pi * h / 2 + 1e-12


def test_step_and_sign_build_the_same_function():
    a = ap.interpolating_network("wave", 17, "step")
    b = ap.interpolating_network("wave", 17, "sign")
    inner = np.abs(a.x[:, None] + 1 - (2 / 18) * np.arange(1, 18)).min(axis=1) > 1e-9
    np.testing.assert_allclose(a.y_hat[inner], b.y_hat[inner], atol=1e-12)


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_smooth_staircase_tends_to_hard_staircase(act):
    hard = ap.interpolating_network("bump", 12, "step")
    errs = [np.abs(ap.interpolating_network("bump", 12, act, sharpness=s).y_hat - hard.y_hat)
            for s in (5.0, 50.0, 500.0)]
    # away from the step locations the smooth version converges to the hard one
    far = np.abs(hard.x[:, None] + 1 - (2 / 13) * np.arange(1, 13)).min(axis=1) > 0.02
    sup = [e[far].max() for e in errs]
    assert sup[0] > sup[1] > sup[2]
    assert sup[2] < 1e-6


@pytest.mark.parametrize("act", ["relu", "step", "sigmoid", "tanh"])
def test_constructive_error_decreases_with_width(act):
    errs = ap.error_vs_width("sin", [4, 16, 64], act, method="interpolating").max_error
    assert errs[0] > errs[1] > errs[2]


# ------------------------------------------------------------------ least squares
@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
def test_least_squares_improves_with_width(act):
    small = ap.least_squares_network("wave", 4, act, seed=1)
    large = ap.least_squares_network("wave", 96, act, seed=1)
    assert large.rmse < small.rmse / 10


def test_least_squares_solves_normal_equations():
    ridge = 1e-6
    fit = ap.least_squares_network("abs", 20, "tanh", seed=3, n_fit=300, ridge=ridge)
    x_fit = np.linspace(-1, 1, 300)
    H = ap.hidden_features(x_fit, fit.W1, fit.b1, "tanh")
    r = H @ fit.W2[0] + fit.b2[0] - np.abs(x_fit)
    grad_w = H.T @ r + ridge * fit.W2[0]        # ∇ of ½‖r‖² + ½λ‖W2‖²
    grad_c = r.sum()
    scale = np.linalg.norm(H, 2) ** 2
    assert np.abs(grad_w).max() < 1e-8 * scale
    assert abs(grad_c) < 1e-8 * scale


def test_identity_activation_cannot_approximate_abs():
    # best uniform linear approximation of |x| on [-1, 1] has error 1/2
    fit = ap.least_squares_network("abs", 50, "identity")
    assert fit.max_error >= 0.5 - 1e-9


def test_least_squares_is_deterministic_per_seed():
    a = ap.least_squares_network("sin", 10, "sigmoid", seed=7)
    b = ap.least_squares_network("sin", 10, "sigmoid", seed=7)
    c = ap.least_squares_network("sin", 10, "sigmoid", seed=8)
    np.testing.assert_array_equal(a.y_hat, b.y_hat)
    assert not np.array_equal(a.W1, c.W1)


# ------------------------------------------------------------------ network compatibility
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_fit_is_a_dl_helpers_network_and_matches_torch(act):
    fit = ap.least_squares_network("wave", 25, act, seed=2)
    X = fit.x[:, None]
    out = forward(fit.params, X, [act, "identity"]).A[-1][:, 0]
    np.testing.assert_allclose(out, fit.y_hat, rtol=0, atol=1e-12)
    model = to_torch(fit.params, [act, "identity"])
    with torch.no_grad():
        out_t = model(torch.from_numpy(X)).numpy()[:, 0]
    assert np.abs(out_t - fit.y_hat).max() <= 1e-10
    assert fit.n_parameters == count_parameters([1, 25, 1]) == sum(p.numel() for p in model.parameters())


def test_error_vs_width_shapes_and_parameter_counts():
    study = ap.error_vs_width("bump", [2, 5, 9], "relu", seeds=(0, 1))
    assert study.widths.tolist() == [2, 5, 9]
    assert study.max_error.shape == study.rmse.shape == (3,)
    assert np.all(study.rmse <= study.max_error + 1e-15)
    assert study.n_parameters.tolist() == [count_parameters([1, n, 1]) for n in (2, 5, 9)]


def test_all_named_targets_are_finite_on_default_domain():
    x = np.linspace(-1, 1, 101)
    for name, g in ap.TARGETS.items():
        assert np.all(np.isfinite(g(x))), name
    assert ap.get_target("sin") is ap.TARGETS["sin"]
    assert ap.get_target(np.cos) is np.cos


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(target="sinus", width=3), ValueError, "target"),
    (dict(target="sin", width=0), ValueError, "width"),
    (dict(target="sin", width=2.5), TypeError, "width"),
    (dict(target="sin", width=3, activation="relu6"), ValueError, "activation"),
    (dict(target="sin", width=3, domain=(1.0, -1.0)), ValueError, "domain"),
    (dict(target=lambda x: np.ones(3), width=3), ValueError, "target"),
    (dict(target="sin", width=3, n_grid=1), ValueError, "n_grid"),
])
def test_bad_input_names_the_argument(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ap.least_squares_network(**kwargs)


def test_interpolating_rejects_unsupported_activation():
    with pytest.raises(ValueError, match="activation"):
        ap.interpolating_network("sin", 5, "gelu")


def test_error_vs_width_rejects_bad_method_and_empty_widths():
    with pytest.raises(ValueError, match="method"):
        ap.error_vs_width("sin", [3], method="newton")
    with pytest.raises(ValueError, match="widths"):
        ap.error_vs_width("sin", [])
