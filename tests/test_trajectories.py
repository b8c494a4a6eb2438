"""Tests for dl_helpers.trajectories: NumPy optimisers = torch.optim step for step, stability
limits, Taylor expansion, Adam's bias correction, compare_optimizers."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers import landscapes as ls
from dl_helpers import trajectories as tj
from dl_helpers.optimizers import SGD, Adam, AdamNoBiasCorrection

NAMES = ls.landscape_names()
PARITY_TOL = 1e-10


def test_bad_inputs_name_the_argument():
    q = ls.get_landscape("quadratic")
    with pytest.raises(ValueError, match="x0"):
        tj.run_trajectory(SGD(lr=0.1), q.f, q.grad, np.zeros(3), 5)
    with pytest.raises(ValueError, match="steps"):
        tj.run_trajectory(SGD(lr=0.1), q.f, q.grad, q.x0, -1)
    with pytest.raises(TypeError, match="optimizer"):
        tj.run_trajectory("adam", q.f, q.grad, q.x0, 5)
    with pytest.raises(TypeError, match="make_optimizer"):
        tj.trajectory_torch(lambda p: None, q.f_torch, q.x0, 3)
    with pytest.raises(ValueError, match="beta"):
        tj.momentum_stability_limit(np.eye(2), 1.0)
    with pytest.raises(ValueError, match="symmetric"):
        tj.gd_stability_limit(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="t must"):
        tj.adam_step_ratio(0)


# ------------------------------------------------------------------ NumPy optimisers = torch.optim
OPTIMIZERS = {
    "gd": (SGD(lr=1e-3), lambda p: torch.optim.SGD(p, lr=1e-3)),
    "momentum": (SGD(lr=1e-3, momentum=0.9), lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9)),
    "adam": (Adam(lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_numpy_trajectory_equals_torch_optim(name, opt):
    L = ls.get_landscape(name)
    np_opt, make_torch = OPTIMIZERS[opt]
    a = tj.run_trajectory(np_opt, L.f, L.grad, L.x0, 150)
    b = tj.trajectory_torch(make_torch, L.f_torch, L.x0, 150)
    assert a.path.shape == b.path.shape == (151, 2)
    assert not a.diverged and not b.diverged
    assert np.abs(a.path - b.path).max() <= PARITY_TOL
    assert np.abs(a.losses - b.losses).max() <= PARITY_TOL * max(1.0, np.abs(a.losses).max())


KERNEL_CASES = [
    (SGD(lr=1e-3), lambda p: torch.optim.SGD(p, lr=1e-3)),
    (SGD(lr=1e-3, momentum=0.9, dampening=0.1, weight_decay=0.01),
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (SGD(lr=1e-3, momentum=0.8, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.8, nesterov=True)),
    (Adam(lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
    (Adam(lr=0.02, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1, amsgrad=True),
     lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1,
                                amsgrad=True)),
]


@pytest.mark.parametrize("case", range(len(KERNEL_CASES)))
def test_torch_functional_kernel_equals_torch_optim_class(case):
    """TorchOptimKernel (torch.optim.sgd.sgd / adam.adam) = the torch.optim class, bit for bit."""
    np_opt, make_torch = KERNEL_CASES[case]
    L = ls.get_landscape("rosenbrock")
    a = tj.trajectory_torch(np_opt, L.f_torch, L.x0, 120)
    b = tj.trajectory_torch(make_torch, L.f_torch, L.x0, 120)
    assert a.path.shape == b.path.shape == (121, 2)
    assert np.array_equal(a.path, b.path) and np.array_equal(a.losses, b.losses)
    c = tj.run_trajectory(np_opt, L.f, L.grad, L.x0, 120)
    assert np.abs(c.path - a.path).max() <= PARITY_TOL


@pytest.mark.parametrize("opt", [SGD(lr=1e-3, momentum=0.9), Adam(lr=0.05)])
def test_torch_functional_kernel_falls_back_to_the_class(opt, monkeypatch):
    """A torch version with another functional signature: same trajectory via the class."""
    def wrong_signature(*args, **kwargs):
        raise TypeError("unexpected keyword argument")
    monkeypatch.setattr(tj.TorchOptimKernel, "_functional_step", wrong_signature)
    L = ls.get_landscape("rosenbrock")
    a = tj.trajectory_torch(opt, L.f_torch, L.x0, 30)
    monkeypatch.undo()
    b = tj.trajectory_torch(opt, L.f_torch, L.x0, 30)
    assert np.array_equal(a.path, b.path)


def test_torch_functional_kernel_rejects_bad_input():
    x = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(TypeError, match="optimizer"):
        tj.TorchOptimKernel(AdamNoBiasCorrection(lr=0.1), [x])
    with pytest.raises(TypeError, match="params"):
        tj.TorchOptimKernel(SGD(lr=0.1), [torch.zeros(2)])
    with pytest.raises(ValueError, match="grad"):
        tj.TorchOptimKernel(Adam(lr=0.1), [x]).step()
    with pytest.raises(TypeError, match="optimizer"):
        tj.trajectory_torch("adam", ls.get_landscape("quadratic").f_torch, np.zeros(2), 3)


def test_lecture_momentum_form_gives_the_same_trajectory():
    """Folien (55)-(56): v <- beta v + eta grad, theta <- theta - v equals torch's convention."""
    L = ls.get_landscape("rosenbrock")
    eta, beta = 1e-3, 0.9
    x, v = L.x0.copy(), np.zeros(2)
    path = [x]
    for _ in range(100):
        v = beta * v + eta * L.grad(x)
        x = x - v
        path.append(x)
    traj = tj.run_trajectory(SGD(lr=eta, momentum=beta), L.f, L.grad, L.x0, 100)
    assert np.abs(np.array(path) - traj.path).max() <= PARITY_TOL


def test_trajectory_records_losses_and_start():
    L = ls.get_landscape("quadratic")
    traj = tj.run_trajectory(SGD(lr=0.05), L.f, L.grad, L.x0, 20)
    assert np.array_equal(traj.path[0], L.x0)
    assert np.allclose(traj.losses, L.f(traj.path))
    assert traj.steps == 20 and np.all(np.diff(traj.losses) < 0)


def test_zero_steps():
    L = ls.get_landscape("quadratic")
    traj = tj.run_trajectory(SGD(lr=0.05), L.f, L.grad, L.x0, 0)
    assert traj.path.shape == (1, 2) and traj.losses.shape == (1,)


# ------------------------------------------------------------------ stability limits
@given(l1=st.floats(0.2, 5), l2=st.floats(5, 40), angle=st.floats(0, 3.1))
@settings(max_examples=8, deadline=None)
def test_gd_converges_below_and_diverges_above_two_over_lambda_max(l1, l2, angle):
    L = ls.quadratic((l1, l2), angle)
    H = L.hessian(L.x0)
    eta_max = tj.gd_stability_limit(H)
    assert eta_max == pytest.approx(2.0 / l2, rel=1e-12)
    below = tj.run_trajectory(SGD(lr=0.97 * eta_max), L.f, L.grad, L.x0, 3000)
    above = tj.run_trajectory(SGD(lr=1.03 * eta_max), L.f, L.grad, L.x0, 3000)
    assert not below.diverged and np.linalg.norm(below.final) < 1e-6
    assert above.diverged or np.linalg.norm(above.final) > 1e3


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_limit_is_two_times_one_plus_beta_over_lambda_max(beta):
    L = ls.quadratic((1.0, 10.0), 0.4)
    H = L.hessian(L.x0)
    limit = tj.momentum_stability_limit(H, beta)
    assert limit == pytest.approx(2 * (1 + beta) / 10.0, rel=1e-12)
    below = tj.run_trajectory(SGD(lr=0.97 * limit, momentum=beta), L.f, L.grad, L.x0, 6000)
    above = tj.run_trajectory(SGD(lr=1.03 * limit, momentum=beta), L.f, L.grad, L.x0, 6000)
    assert np.linalg.norm(below.final) < 1e-6
    assert above.diverged


def test_divergent_run_stops_with_finite_values():
    L = ls.get_landscape("quadratic")
    traj = tj.run_trajectory(SGD(lr=0.5), L.f, L.grad, L.x0, 10_000)
    assert traj.diverged and traj.steps < 10_000
    assert np.all(np.isfinite(traj.path)) and np.all(np.isfinite(traj.losses))


# ------------------------------------------------------------------ Taylor (Folien (16)-(17))
def test_second_order_taylor_is_exact_on_quadratic():
    L = ls.quadratic((1.0, 10.0), 0.3)
    etas = np.linspace(0.0, 0.3, 7)
    actual, first, second = tj.taylor_decrease(L, L.x0, etas)
    assert np.allclose(actual, second, rtol=1e-12, atol=1e-12)
    g = L.grad(L.x0)
    assert np.allclose(first, -etas * (g @ g))


def test_first_order_error_is_quadratic_in_eta():
    L = ls.get_landscape("rosenbrock")
    x = np.array([-0.5, 0.8])
    etas = np.array([1e-4, 5e-5])
    actual, first, second = tj.taylor_decrease(L, x, etas)
    err1 = np.abs(actual - first)
    err2 = np.abs(actual - second)
    assert err1[0] / err1[1] == pytest.approx(4.0, rel=1e-2)  # O(η²)
    assert err2[0] / err2[1] == pytest.approx(8.0, rel=5e-2)  # O(η³)
    assert np.all(err2 < err1 * 5e-2)                          # second order much better


# ------------------------------------------------------------------ Adam bias correction
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.8, 0.99), (0.0, 0.5)])
def test_adam_step_ratio_matches_simulated_steps(betas):
    g = np.array([0.7, -2.0])
    f = lambda x: float(g @ x)  # noqa: E731 - linear function: constant gradient
    lr = 1e-3
    kw = dict(lr=lr, betas=betas, eps=1e-14)
    with_bc = tj.run_trajectory(Adam(**kw), f, lambda x: g, np.zeros(2), 30)
    without = tj.run_trajectory(AdamNoBiasCorrection(**kw), f, lambda x: g, np.zeros(2), 30)
    t = np.arange(1, 31)
    for traj, bc in ((with_bc, True), (without, False)):
        step = np.abs(np.diff(traj.path, axis=0))  # each coordinate moves by lr * ratio
        expected = lr * tj.adam_step_ratio(t, *betas, bias_correction=bc)
        assert np.allclose(step, expected[:, None], rtol=1e-9)


def test_adam_without_bias_correction_first_step_is_about_3_times_too_large():
    r = tj.adam_step_ratio(np.arange(1, 2001), bias_correction=False)
    assert r[0] == pytest.approx(0.1 / np.sqrt(0.001))
    assert r.max() > 6.5 and r[-1] < 1.2


def test_adam_no_bias_correction_formula():
    rng = np.random.default_rng(5)
    opt = AdamNoBiasCorrection(lr=0.1, betas=(0.9, 0.99), eps=1e-8)
    x, m, v = rng.normal(size=3), np.zeros(3), np.zeros(3)
    params, state = [x], opt.init([x])
    for _ in range(5):
        g = rng.normal(size=3)
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        x = x - 0.1 * m / (np.sqrt(v) + 1e-8)
        params, state = opt.step(params, [g], state)
    assert np.allclose(params[0], x, rtol=1e-14, atol=1e-14)


# ------------------------------------------------------------------ compare_optimizers
def test_compare_optimizers_uses_the_three_optimisers():
    L = ls.get_landscape("rosenbrock")
    trajs = tj.compare_optimizers(L, lr=1e-3, momentum=0.9, adam_lr=0.05, steps=40)
    assert tuple(trajs) == tj.OPTIMIZER_LABELS
    ref = tj.run_trajectory(Adam(lr=0.05), L.f, L.grad, L.x0, 40)
    assert np.array_equal(trajs["Adam"].path, ref.path)
    gd = tj.run_trajectory(SGD(lr=1e-3), L.f, L.grad, L.x0, 40)
    assert np.array_equal(trajs["GD"].path, gd.path)
    with pytest.raises(ValueError, match="momentum"):
        tj.compare_optimizers(L, lr=1e-3, momentum=1.0, adam_lr=0.05)
    assert set(tj.DEFAULT_HPARAMS) == set(ls.LANDSCAPES)


def test_slides_adam_indexing_from_t0_equals_torch_adam():
    """Folien (57)-(61) literally, with the slides' index t = 0, 1, ... and m⁽⁰⁾ = v⁽⁰⁾ = 0:
    m⁽ᵗ⁺¹⁾, v⁽ᵗ⁺¹⁾, m̂⁽ᵗ⁾ = m⁽ᵗ⁺¹⁾/(1 − β₁ᵗ⁺¹), v̂⁽ᵗ⁾ likewise, W⁽ᵗ⁺¹⁾ = W⁽ᵗ⁾ − η m̂⁽ᵗ⁾/(√v̂⁽ᵗ⁾ + ε).
    This is the claim of the 'Hinweis zur Vorlesung' on Adam's bias correction in notebook 05."""
    L = ls.get_landscape("quadratic")
    eta, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    w, m, v = L.x0.copy(), np.zeros(2), np.zeros(2)
    path = [w]
    for t in range(50):
        g = L.grad(w)
        m = b1 * m + (1 - b1) * g                   # (57)
        v = b2 * v + (1 - b2) * g * g               # (58)
        m_hat = m / (1 - b1 ** (t + 1))
        v_hat = v / (1 - b2 ** (t + 1))
        w = w - eta / (np.sqrt(v_hat) + eps) * m_hat   # (61)
        path.append(w)
    ref = tj.trajectory_torch(lambda p: torch.optim.Adam(p, lr=eta, betas=(b1, b2), eps=eps),
                              L.f_torch, L.x0, 50)
    assert np.abs(np.array(path) - ref.path).max() <= 1e-15
