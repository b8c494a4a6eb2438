"""Tests of dl_helpers.init_study: the numbers of the slider study against theory."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from scipy.stats import norm

from dl_helpers import init_study, network
from dl_helpers.activations import get_activation
from dl_helpers.init_study import (DEPTH_GRID, HEURISTIC_FACTOR, HIST_BINS, MAX_DEPTH,
                                   STUDY_ACTIVATIONS, VARIANCE_GRID, hist_range,
                                   predicted_z_var, run_study, saturation_intervals,
                                   scheme_factor, study_forward_backward, study_inputs,
                                   study_weights)




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


def test_cached_draws_are_shared_and_deterministic():
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


def test_num_threads_is_restored():
    before = torch.get_num_threads()
    run_study(1.0, "tanh", 2, width=16, batch=8, num_threads=2)
    assert torch.get_num_threads() == before


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


# -- the fast paths of run_study against straightforward references -------------------------

SMALL_NET = {"width": 64, "batch": 96}


@pytest.mark.parametrize("activation", sorted(init_study.HOMOGENEOUS))
@pytest.mark.parametrize("factor", [0.3, 1.0, 5.0])
def test_homogeneous_shortcut_equals_direct_pass(activation, factor):
    """For σ(s z) = s σ(z) run_study rescales one pass at the critical factor; a direct float32
    pass at ``factor`` gives the same statistics (up to float32 rounding)."""
    depth, n_hist = 12, 5
    short = run_study(factor, activation, depth, n_hist=n_hist, **SMALL_NET)
    key = init_study._study_key(factor, activation, depth, SMALL_NET["width"],
                                SMALL_NET["batch"], 0, "normal", n_hist)
    raw = init_study._pass(factor, key, workers=1, cancel=None)
    direct = init_study._result(raw, factor, activation, depth, SMALL_NET["width"],
                                SMALL_NET["batch"], 0, short.hist_layers)
    for field in ("z_var", "a_std", "a_mean_sq", "grad_norm"):
        np.testing.assert_allclose(getattr(short, field), getattr(direct, field), rtol=2e-4,
                                   err_msg=field)
    for field in ("saturated", "dead", "hist_counts"):
        np.testing.assert_allclose(getattr(short, field), getattr(direct, field), atol=2e-3,
                                   err_msg=field)


def test_results_are_cached_read_only_and_clearable():
    a = run_study(1.5, "tanh", 4, **SMALL_NET)
    assert run_study(1.5, "tanh", 4, num_threads=1, **SMALL_NET) is a
    assert not a.grad_norm.flags.writeable and not a.hist_counts.flags.writeable
    init_study.clear_study_cache()
    b = run_study(1.5, "tanh", 4, **SMALL_NET)
    assert b is not a
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)


@pytest.mark.parametrize("value", [0.0, 1e-30, 1e-12, 1.0, 3e20, 1e30])
def test_moments_survive_float32_overflow_and_underflow(value):
    rng = np.random.default_rng(0)
    x = (value * rng.standard_normal(5000)).astype(np.float32)
    total, sq = init_study._moments(torch.from_numpy(x))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose([total, sq], [x64.sum(), (x64 ** 2).sum()], rtol=1e-5,
                               atol=1e-5 * np.abs(x64).sum())


def test_histograms_match_histc_of_clamped_values():
    rng = np.random.default_rng(1)
    rows = [torch.from_numpy((s * rng.standard_normal((64, 32))).astype(np.float32))
            for s in (0.3, 1.0, 4.0)]
    lo, hi = -1.25, 5.0
    got = init_study._histograms(rows, lo, hi)
    for row, counts in zip(rows, got):
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


@pytest.mark.parametrize("activation", STUDY_ACTIVATIONS)
def test_parallel_blocks_give_the_same_numbers(activation):
    """The batch is computed in N_BLOCKS blocks; whether one thread runs them one after the
    other or several in parallel does not change a single bit (fixed blocks and sum order)."""
    results = []
    for threads in (1, 2):
        init_study.clear_study_cache()
        results.append(run_study(3.0, activation, 6, num_threads=threads, **SMALL_NET))
    for field in ("z_var", "a_std", "a_mean_sq", "saturated", "dead", "grad_norm",
                  "hist_counts"):
        np.testing.assert_array_equal(getattr(results[0], field), getattr(results[1], field))
    assert init_study.N_BLOCKS >= 2


# -- fused activations, cancellation, prefetch ------------------------------------------------

def _z_samples(dtype):
    edge = [0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 80.0, -80.0, 1e6, -1e6]
    return torch.cat([torch.linspace(-30, 30, 6001, dtype=dtype), torch.tensor(edge, dtype=dtype)])


@pytest.mark.parametrize("name", sorted(init_study._FUSED))
@pytest.mark.parametrize("dtype, rtol, atol", [(torch.float32, 2e-6, 1e-6),
                                               (torch.float64, 1e-13, 1e-15)])
def test_fused_activation_equals_torch_f_and_df(name, dtype, rtol, atol):
    """The hot loop's hand-fused σ and σ' agree with Activation.f_torch / df_torch, and both
    with a float64 evaluation, to float32 rounding (absolute ~1e-7: in GELU's left tail
    z Φ(z) is tiny, and no float32 formula of Φ there has a small relative error)."""
    act = get_activation(name)
    z = _z_samples(dtype)
    a, d, tmp = (torch.full_like(z, np.nan) for _ in range(3))
    init_study._FUSED[name](z.numpy(), a.numpy(), d.numpy(), tmp.numpy())  # in place
    ref_a = act.f_torch(z)
    torch.testing.assert_close(a, ref_a, rtol=rtol, atol=atol)
    torch.testing.assert_close(d, act.df_torch(z, ref_a), rtol=rtol, atol=atol)
    z64 = z.double()
    a64 = act.f_torch(z64)
    torch.testing.assert_close(a.double(), a64, rtol=rtol, atol=atol)
    torch.testing.assert_close(d.double(), act.df_torch(z64, a64), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(init_study._FROM_OUTPUT))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_derivative_from_output_equals_torch_df(name, dtype):
    """σ'(z) recomputed from a = σ(z) in the backward pass equals df_torch(z, a)."""
    act = get_activation(name)
    z = _z_samples(dtype)
    a = act.f_torch(z)
    out = torch.full_like(z, np.nan)
    init_study._FROM_OUTPUT[name](a.numpy(), out.numpy())
    eps = torch.finfo(dtype).eps
    torch.testing.assert_close(out, act.df_torch(z, a), rtol=4 * eps, atol=4 * eps)


class _CancelAfter:
    """Stands in for a threading.Event that gets set after ``n`` checks (from any thread)."""

    def __init__(self, n):
        self.n, self.lock = n, threading.Lock()

    def is_set(self):
        with self.lock:
            self.n -= 1
            return self.n < 0


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("checks", [0, 3, 9, 15])  # depth 6, 2 blocks: forward, then backward
def test_cancelled_pass_stops_cleanly(threads, checks):
    """A cancelled pass raises StudyCancelled (also when only one of the parallel blocks sees
    it: the barrier of the other is broken, nothing hangs) and caches nothing; the next pass
    gives the same numbers as an undisturbed one."""
    init_study.clear_study_cache()
    key = init_study._study_key(2.0, "tanh", 6, SMALL_NET["width"], SMALL_NET["batch"], 0,
                                "normal", 8)
    with pytest.raises(init_study.StudyCancelled):
        init_study._study(key, threads, _CancelAfter(checks))
    assert init_study._RESULTS.get(key) is None
    again = run_study(2.0, "tanh", 6, num_threads=threads, **SMALL_NET)
    init_study.clear_study_cache()
    fresh = run_study(2.0, "tanh", 6, num_threads=threads, **SMALL_NET)
    np.testing.assert_array_equal(again.grad_norm, fresh.grad_norm)
    np.testing.assert_array_equal(again.hist_counts, fresh.hist_counts)


def test_prefetch_fills_the_cache_in_the_background():
    init_study.clear_study_cache()
    settings = [(1.5, "tanh", 6), (3.0, "gelu", 6), (1.5, "tanh", 6)]
    assert init_study.prefetch_study(settings, **SMALL_NET) == 2  # duplicates once
    init_study._PREFETCH.thread.join()
    key = init_study._study_key(3.0, "gelu", 6, SMALL_NET["width"], SMALL_NET["batch"], 0,
                                "normal", 8)
    prefetched = init_study._RESULTS.get(key)
    assert prefetched is not None
    assert run_study(3.0, "gelu", 6, **SMALL_NET) is prefetched
    assert init_study.prefetch_study(settings, **SMALL_NET) == 0  # all cached already
    init_study.clear_study_cache()
    fresh = run_study(3.0, "gelu", 6, **SMALL_NET)
    np.testing.assert_array_equal(prefetched.grad_norm, fresh.grad_norm)
    np.testing.assert_array_equal(prefetched.z_var, fresh.z_var)


def test_delayed_prefetch_stopped_in_its_wait_computes_nothing():
    init_study.clear_study_cache()
    settings = [(1.5, "tanh", 6), (3.0, "gelu", 6)]
    assert init_study.prefetch_study(settings, delay=30.0, **SMALL_NET) == 2
    waiting = init_study._PREFETCH
    init_study.stop_prefetch()  # returns at once, not after the 30 s
    assert not waiting.thread.is_alive() and init_study._PREFETCH is None
    assert init_study.prefetch_study(settings, **SMALL_NET) == 2  # none was computed
    init_study.clear_study_cache()
    with pytest.raises(ValueError, match="delay"):
        init_study.prefetch_study(settings, delay=-1.0, **SMALL_NET)


@pytest.mark.parametrize("target", [0, 3])  # the running pass, a queued one
def test_run_study_stops_a_running_prefetch(target):
    """run_study waits for the prefetched pass it asks for, or cancels the prefetch; either
    way the prefetch thread has ended and the result is right."""
    init_study.clear_study_cache()
    settings = [(c, "sigmoid", 20) for c in (0.5, 1.0, 2.0, 4.0)]
    init_study.prefetch_study(settings, width=128, batch=256)
    running = init_study._PREFETCH
    c = settings[target][0]
    got = run_study(c, "sigmoid", 20, width=128, batch=256)
    assert init_study._PREFETCH is None and not running.thread.is_alive()
    init_study.clear_study_cache()
    ref = run_study(c, "sigmoid", 20, width=128, batch=256)
    np.testing.assert_array_equal(got.grad_norm, ref.grad_norm)
    np.testing.assert_array_equal(got.a_std, ref.a_std)
