"""Tests of dl_helpers.init_study: the numbers of the slider study against theory."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from dl_helpers import init_study, network
from dl_helpers.activations import get_activation
from dl_helpers.init_study import (DEPTH_GRID, HEURISTIC_FACTOR, HIST_BINS, MAX_DEPTH,
                                   STUDY_ACTIVATIONS, VARIANCE_GRID, hist_range,
                                   predicted_z_var, run_study, saturation_intervals,
                                   scheme_factor, study_forward, study_forward_backward,
                                   study_inputs, study_weights)




@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
def test_lean_loop_equals_network_backward(activation):
    """The study's own forward/backward gives network.forward/backward's numbers (float64)."""
    rng = np.random.default_rng(3)
    depth, d, m = 4, 12, 7
    U = rng.standard_normal((depth, d, d))
    X = rng.standard_normal((m, d))
    G = rng.standard_normal((m, d))
    scale = 0.4
    Zs, As, dWs = study_forward_backward(torch.from_numpy(U), torch.from_numpy(X),
                                         torch.from_numpy(G), activation, scale)
    params = [network.Layer(scale * U[l], np.zeros(d)) for l in range(depth)]
    cache = network.forward(params, X, activation)
    grads = network.backward(params, cache, activation, G / m)
    for l in range(depth):
        np.testing.assert_allclose(Zs[l].numpy(), cache.Z[l], rtol=0, atol=1e-12)
        np.testing.assert_allclose(As[l].numpy(), cache.A[l + 1], rtol=0, atol=1e-12)
        err = np.abs(dWs[l].numpy() - grads[l].W).max() / np.abs(grads[l].W).max()
        assert err <= 1e-10, (activation, l, err)


def test_he_relu_second_moment_stays_constant():
    """He init (c = 2) with ReLU: E[a_l²] = Var(z_l)/2 = E[a_{l-1}²] = E[x²] = 1 for all l.

    At finite width log E[a_l²] performs a random walk (≈ √(5/d) per layer), so we average
    four networks and allow |log E[a_l²]| < 0.5; c = 1 would give log(0.5^10) = -6.9.
    """
    msq = np.mean([run_study(2.0, "relu", 10, width=256, batch=256, seed=s).a_mean_sq
                   for s in range(4)], axis=0)
    assert np.all(np.abs(np.log(msq)) < 0.5), msq
    # a factor away from 2 leaves this fixed point geometrically: ratio c/2 per layer
    msq_small = run_study(1.0, "relu", 10, width=256, batch=256).a_mean_sq
    ratio = np.exp(np.polyfit(np.arange(10), np.log(msq_small), 1)[0])
    assert abs(ratio - 0.5) < 0.05, ratio


def test_tanh_with_factor_below_one_decays_geometrically():
    """tanh, c < 1: tanh(z) ≈ z for small z, so Var(z_{l+1}) ≈ c · Var(z_l) deep in the net."""
    c = 0.5
    res = run_study(c, "tanh", 20, width=256, batch=256)
    ratio = np.exp(np.polyfit(np.arange(10, 20), np.log(res.z_var[10:]), 1)[0])
    assert abs(ratio - c) < 0.03 * c, ratio
    assert res.a_std[-1] < 1e-2 * res.a_std[0]


@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
def test_simulation_matches_mean_field_prediction(activation):
    """Var(z_l) = c · E[a_{l-1}²] with Gaussian z: simulation (mean of 3 networks) and
    prediction agree within 12 % over 4 layers."""
    for c in (0.5, 1.0, 2.0):
        z_var = np.mean([run_study(c, activation, 4, width=512, batch=128, seed=s).z_var
                         for s in range(3)], axis=0)
        rel = np.abs(z_var / predicted_z_var(activation, c, 4) - 1.0)
        assert np.all(rel < 0.12), (activation, c, rel)


def test_predicted_z_var_closed_forms():
    np.testing.assert_allclose(predicted_z_var("relu", 2.0, 6), np.full(6, 2.0), rtol=1e-10)
    np.testing.assert_allclose(predicted_z_var("identity", 0.7, 5), 0.7 ** np.arange(1, 6),
                               rtol=1e-10)
    # sigmoid: E[σ(z)²] >= 1/4, so Var(z) never vanishes
    assert predicted_z_var("sigmoid", 1.0, 30).min() > 0.25


def test_relu_gradients_scale_with_positive_homogeneity():
    """ReLU is positively homogeneous: with the same draws, ‖∂C/∂W_l‖ ∝ c^{(L-1)/2}."""
    L = 8
    g1 = run_study(1.0, "relu", L, width=64, batch=64).grad_norm
    g4 = run_study(4.0, "relu", L, width=64, batch=64).grad_norm
    np.testing.assert_allclose(g4 / g1, 4.0 ** ((L - 1) / 2), rtol=1e-4)


def test_saturation_and_dead_units():
    relu = run_study(2.0, "relu", 3, width=128, batch=512)
    assert abs(relu.saturated[0] - 0.5) < 0.02
    assert relu.dead[0] == 0.0  # a unit negative for all 512 inputs: probability 2^-512
    # tanh with c = 16, inputs N(0, 1): z ~ N(0, 16), saturated where |z| > 2.178
    c = 16.0
    (lo, hi_neg), (t, _) = saturation_intervals("tanh")
    expected = 2 * norm.sf(t / np.sqrt(c))
    res = run_study(c, "tanh", 1, width=256, batch=512)
    assert abs(res.saturated[0] - expected) < 0.01, (res.saturated[0], expected)
    # a negative bias-free ReLU net with a tiny batch: dead = saturated for all samples
    small = run_study(2.0, "relu", 30, width=32, batch=4)
    assert np.all(small.dead <= small.saturated + 1e-12)


def test_saturation_intervals():
    assert saturation_intervals("relu") == ((-np.inf, 0.0),)
    (a, b), (c, d) = saturation_intervals("sigmoid")
    assert a == -np.inf and d == np.inf and np.isclose(-b, c, atol=1e-3)
    # σ'(c) = 0.05 · σ'(0) = 0.0125 at the border
    s = 1 / (1 + np.exp(-c))
    assert abs(s * (1 - s) - 0.0125) < 1e-5


def test_histograms_are_fractions():
    res = run_study(1.0, "tanh", 20, width=64, batch=128, n_hist=6)
    assert res.hist_counts.shape == (len(res.hist_layers), HIST_BINS)
    assert res.hist_layers[0] == 1 and res.hist_layers[-1] == 20
    np.testing.assert_allclose(res.hist_counts.sum(axis=1), 1.0, atol=1e-5)
    assert res.hist_edges[0] == hist_range("tanh")[0]
    # exploding ReLU: the mass lands in the last (clipped) bin
    big = run_study(16.0, "relu", 10, width=64, batch=128)
    assert big.hist_counts[-1, -1] > 0.4


def test_draws_are_deterministic_and_shared_by_depths():
    w10 = study_weights(10, 32, seed=5)
    w20 = study_weights(20, 32, seed=5)
    assert torch.equal(w10, w20[:10])
    assert abs(w20.var().item() - 1.0) < 0.02
    u = study_weights(5, 32, seed=5, distribution="uniform")
    assert u.abs().max() <= np.sqrt(3.0) + 1e-6
    X1, _ = study_inputs(16, 32, seed=1)
    X2, _ = study_inputs(16, 32, seed=2)
    assert not torch.equal(X1, X2)
    a = run_study(1.0, "gelu", 5, width=32, batch=16)
    b = run_study(1.0, "gelu", 5, width=32, batch=16)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)


def test_named_schemes():
    assert scheme_factor("he_normal", 100) == pytest.approx(2.0)
    assert scheme_factor("lecun_uniform", 100) == pytest.approx(1.0)
    assert scheme_factor("glorot_normal", 100, 300) == pytest.approx(0.5)
    assert scheme_factor("heuristic") == pytest.approx(HEURISTIC_FACTOR)
    res = run_study("glorot_uniform", "tanh", 2, width=32, batch=16)
    assert res.variance_factor == pytest.approx(1.0)


def test_grids():
    assert 1.0 in VARIANCE_GRID and 2.0 in VARIANCE_GRID and 16.0 in VARIANCE_GRID
    assert min(VARIANCE_GRID) <= 0.125 and np.all(np.diff(np.log(VARIANCE_GRID)) > 0)
    assert DEPTH_GRID[0] == 1 and DEPTH_GRID[-1] == MAX_DEPTH == 50


@pytest.mark.parametrize("kwargs, match", [
    ({"activation": "relu6"}, "activation"),
    ({"activation": "sign"}, "sign"),
    ({"depth": 51}, "depth"),
    ({"depth": 0}, "depth"),
    ({"variance_factor": -1.0}, "variance_factor"),
    ({"variance_factor": "magic"}, "init scheme"),
    ({"width": 0}, "width"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        run_study(**{"variance_factor": 1.0, "activation": "tanh", "depth": 3, **kwargs})


# -- the statistics of run_study against straightforward float64 references ------------------

SMALL_NET = {"width": 64, "batch": 96}


@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
def test_statistics_equal_a_float64_reference(activation):
    """z_var, a_std, E[a²], saturated and dead fractions from the same float32 pass, recomputed
    in float64 by hand (sample variance of z, population std of a)."""
    depth, factor = 6, 3.0
    res = run_study(factor, activation, depth, **SMALL_NET)
    U = study_weights(depth, SMALL_NET["width"])
    X, _ = study_inputs(SMALL_NET["batch"], SMALL_NET["width"])
    Z, A, D = study_forward(U, X, activation, np.sqrt(factor / SMALL_NET["width"]))
    z, a = Z.double().flatten(1).numpy(), A.double().flatten(1).numpy()
    np.testing.assert_allclose(res.z_var, z.var(axis=1, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(res.a_std, a.std(axis=1), rtol=1e-7)
    np.testing.assert_allclose(res.a_mean_sq, (a ** 2).mean(axis=1), rtol=1e-9)
    sat = D.abs().numpy() < init_study.SAT_TOL * init_study.max_abs_derivative(activation)
    np.testing.assert_array_equal(res.saturated, sat.reshape(depth, -1).mean(axis=1))
    np.testing.assert_array_equal(res.dead, sat.all(axis=1).mean(axis=1))


@pytest.mark.parametrize("value", [0.0, 1e-30, 1e-12, 1.0, 3e20, 1e30])
def test_moments_survive_float32_overflow_and_underflow(value):
    rng = np.random.default_rng(0)
    x = (value * rng.standard_normal(5000)).astype(np.float32)
    mean, msq = init_study._layer_moments(torch.from_numpy(x).reshape(1, 50, 100))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose([mean[0], msq[0]], [x64.mean(), (x64 ** 2).mean()], rtol=1e-9,
                               atol=1e-12 * np.abs(x64).mean())


def test_histograms_match_histc_of_clamped_values():
    depth, factor = 10, 16.0                     # exploding ReLU: mass beyond the range
    res = run_study(factor, "relu", depth, n_hist=4, **SMALL_NET)
    U = study_weights(depth, SMALL_NET["width"])
    X, _ = study_inputs(SMALL_NET["batch"], SMALL_NET["width"])
    _, A, _ = study_forward(U, X, "relu", np.sqrt(factor / SMALL_NET["width"]))
    lo, hi = hist_range("relu")
    for layer, counts in zip(res.hist_layers, res.hist_counts):
        row = A[layer - 1]
        ref = torch.histc(row.clamp(lo, hi), bins=HIST_BINS, min=lo, max=hi).double().numpy()
        np.testing.assert_allclose(counts, ref / row.numel(), atol=1e-12)


@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
def test_saturation_from_derivative_matches_intervals(activation):
    """run_study counts |σ'(z)| < SAT_TOL·max|σ'| from σ'; the z-intervals of
    saturation_intervals describe the same set (up to their grid resolution)."""
    res = run_study(9.0, activation, 3, width=128, batch=256)
    U = study_weights(3, 128)
    X, G = study_inputs(256, 128)
    Zs, _, _ = study_forward_backward(U, X, G, activation, np.sqrt(9.0 / 128))
    for l, z in enumerate(Zs):
        mask = torch.zeros_like(z, dtype=torch.bool)
        for lo, hi in saturation_intervals(activation):
            mask |= (z >= lo) & (z <= hi)
        assert abs(mask.double().mean().item() - res.saturated[l]) < 2e-3, (l, activation)


def test_extreme_factor_does_not_crash():
    """Far outside the slider range the float32 signal overflows; the study still returns
    (non-finite statistics where the numbers are gone, histograms that sum to 1)."""
    res = run_study(1e8, "elu", 30, **SMALL_NET)
    np.testing.assert_allclose(res.hist_counts.sum(axis=1), 1.0)
    assert np.all((res.saturated >= 0) & (res.saturated <= 1))


@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
@pytest.mark.parametrize("factor", [0.5, 2.0, 8.0])
def test_gradient_norms_match_float64(activation, factor):
    """‖∂C/∂W_l‖_F of run_study (float32 pass) against the float64 pass of
    study_forward_backward with the same draws (measured: ≤ 2e-6 relative at depth 10)."""
    depth, width, batch = 10, 128, 256
    res = run_study(factor, activation, depth, width=width, batch=batch)
    U = study_weights(depth, width).double()
    X, G = (t.double() for t in study_inputs(batch, width))
    _, _, dWs = study_forward_backward(U, X, G, activation, np.sqrt(factor / width))
    ref = np.array([torch.linalg.vector_norm(dW).item() for dW in dWs])
    np.testing.assert_allclose(res.grad_norm, ref, rtol=1e-4)
