"""Tests for dl_helpers.optimizers: 100 steps NumPy vs torch.optim (float64) on the same problems."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_helpers.network import Layer, init_mlp, loss_and_grads, to_torch
from dl_helpers.optimizers import (
    SGD, Adam, AdamState, AdamW, OPTIMIZERS, RMSprop, SGDState, get_optimizer, tree_leaves,
    tree_map,
)

TOL = 1e-10
torch.set_num_threads(1)   # tiny tensors: threads only add contention on the shared machine

CONFIGS = [
    SGD(lr=0.02),
    SGD(lr=0.02, momentum=0.9),
    SGD(lr=0.02, momentum=0.9, nesterov=True),
    SGD(lr=0.02, momentum=0.5, dampening=0.3, weight_decay=0.1),
    Adam(lr=0.05),
    Adam(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
    Adam(lr=0.05, amsgrad=True),
    AdamW(lr=0.05),
    # RMSprop's step g/√v has length ~η whatever |g| is: near the minimum it hops around it and
    # amplifies last-bit rounding differences (torch uses FMA kernels), so keep η small enough
    # that 100 steps do not reach that regime.
    RMSprop(lr=0.002),
    RMSprop(lr=0.002, alpha=0.9, momentum=0.5, weight_decay=0.1),
]


def _problem(seed=0):
    """A non-quadratic smooth function of a vector: ½xᵀQx − cᵀx + 0.3 Σ(1 − cos x)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(6, 6))
    Q = A @ A.T / 6 + np.eye(6)
    c = rng.normal(size=6)
    grad = lambda x: Q @ x - c + 0.3 * np.sin(x)
    return grad, rng.normal(size=6)


@pytest.mark.parametrize("opt", CONFIGS, ids=repr)
def test_100_steps_match_torch_on_a_vector(opt):
    grad, x0 = _problem()
    x, state = x0.copy(), opt.init(x0)
    xt = torch.tensor(x0, requires_grad=True)
    topt = opt.torch_optimizer([xt])
    worst = 0.0
    for _ in range(100):
        x, state = opt.step(x, grad(x), state)
        topt.zero_grad()
        xt.grad = torch.tensor(grad(xt.detach().numpy()))
        topt.step()
        worst = max(worst, np.max(np.abs(x - xt.detach().numpy())))
    assert worst <= TOL
    assert state.step == 100
    assert np.linalg.norm(x - x0) > 1e-3   # it actually moved


@pytest.mark.parametrize("opt", [CONFIGS[0], CONFIGS[1], CONFIGS[2], CONFIGS[4], CONFIGS[7]],
                         ids=repr)
def test_100_steps_match_torch_on_an_mlp(opt):
    rng = np.random.default_rng(1)
    acts = ["tanh", "identity"]
    params = init_mlp([3, 6, 3], rng, init="glorot_normal")
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 3, size=20)
    model = to_torch(params, acts)
    topt = opt.torch_optimizer(model.parameters())
    state = opt.init(params)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(100):
        _, grads = loss_and_grads(params, X, y, acts, "cce_with_logits")
        params, state = opt.step(params, grads, state)
        topt.zero_grad()
        torch.nn.functional.cross_entropy(model(Xt), yt).backward()
        topt.step()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for (W, b), lin in zip(params, linears):
        assert isinstance(W, np.ndarray)
        assert np.max(np.abs(W - lin.weight.detach().numpy())) <= TOL
        assert np.max(np.abs(b - lin.bias.detach().numpy())) <= TOL


def test_slide_momentum_form_gives_same_trajectory():
    """Folien (55)-(56): v ← βv + η∇L, θ ← θ − v equals torch's form for a constant η."""
    grad, x0 = _problem(3)
    lr, beta = 0.03, 0.8
    x_slide, v = x0.copy(), np.zeros_like(x0)
    opt = SGD(lr=lr, momentum=beta)
    x, state = x0.copy(), opt.init(x0)
    for _ in range(50):
        v = beta * v + lr * grad(x_slide)
        x_slide = x_slide - v
        x, state = opt.step(x, grad(x), state)
    assert np.max(np.abs(x - x_slide)) < 1e-12


def test_adam_first_step_is_lr_times_sign():
    """With bias correction the first Adam step has length ≈ lr in every coordinate."""
    g = np.array([1e-3, -5.0, 200.0])
    x, _ = Adam(lr=0.1).step(np.zeros(3), g, Adam(lr=0.1).init(np.zeros(3)))
    assert np.allclose(x, -0.1 * np.sign(g), rtol=1e-4)


def test_plain_sgd_is_gradient_descent():
    x = np.array([1.0, -2.0])
    g = np.array([0.5, 0.25])
    new, st = SGD(lr=0.1).step(x, g, SGD(lr=0.1).init(x))
    assert np.array_equal(new, x - 0.1 * g) and st.momentum_buffer is None


def test_functional_no_in_place_mutation_and_structure():
    params = init_mlp([2, 3, 1], np.random.default_rng(0))
    grads = [Layer(np.ones_like(W), np.ones_like(b)) for W, b in params]
    before = [(W.copy(), b.copy()) for W, b in params]
    for opt in (SGD(0.1, momentum=0.9), Adam(0.1), RMSprop(0.1, momentum=0.1)):
        state = opt.init(params)
        new, state2 = opt.step(params, grads, state)
        new, state3 = opt.step(new, grads, state2)
        assert all(isinstance(l, Layer) for l in new)
        assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
                   for (W, b), (W0, b0) in zip(params, before))
        assert all(np.all(g == 1) for g in tree_leaves(grads))
        assert state.step == 0 and state2.step == 1 and state3.step == 2
    a_state = Adam(0.1).init(params)
    assert isinstance(a_state, AdamState) and all(np.all(m == 0) for m in tree_leaves(a_state.exp_avg))


def test_float32_stays_float32():
    x = np.ones(4, dtype=np.float32)
    g = np.full(4, 0.5, dtype=np.float32)
    for opt in (SGD(0.1), SGD(0.1, momentum=0.9), Adam(0.1)):
        new, _ = opt.step(x, g, opt.init(x))
        assert new.dtype == np.float32


def test_tree_map_keeps_types():
    tree = [Layer(np.ones(2), np.zeros(1)), (np.ones(3),)]
    out = tree_map(lambda a: a * 2, tree)
    assert isinstance(out, list) and isinstance(out[0], Layer) and isinstance(out[1], tuple)
    assert len(tree_leaves(out)) == 3


def test_get_optimizer():
    assert get_optimizer("Adam", lr=0.5) == Adam(lr=0.5)
    assert set(OPTIMIZERS) == {"sgd", "adam", "adamw", "rmsprop"}
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'.*sgd"):
        get_optimizer("lbfgs")


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(lr=0), "lr"),
    (lambda: SGD(lr=-1), "lr"),
    (lambda: SGD(lr="0.1"), "lr"),
    (lambda: SGD(lr=0.1, momentum=-0.5), "momentum"),
    (lambda: SGD(lr=0.1, nesterov=True), "nesterov"),
    (lambda: SGD(lr=0.1, weight_decay=float("nan")), "weight_decay"),
    (lambda: Adam(lr=0.1, betas=(0.9, 1.0)), r"betas\[1\]"),
    (lambda: Adam(lr=0.1, betas=0.9), "betas"),
    (lambda: Adam(lr=0.1, eps=0), "eps"),
    (lambda: RMSprop(lr=0.1, alpha=1.5), "alpha"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_bad_step_arguments():
    opt = SGD(0.1)
    x = np.zeros(3)
    with pytest.raises(ValueError, match="shape"):
        opt.step(x, np.zeros(2), opt.init(x))
    with pytest.raises(ValueError, match="NaN"):
        opt.step(x, np.array([0.0, np.nan, 1.0]), opt.init(x))
    with pytest.raises(ValueError, match="structure"):
        opt.step([x, x], [x], opt.init([x, x]))
    with pytest.raises(TypeError, match="state"):
        opt.step(x, x, Adam().init(x))
    with pytest.raises(TypeError, match="torch"):
        opt.step(torch.zeros(3), x, opt.init(x))
    assert isinstance(opt.init(x), SGDState)


@pytest.mark.parametrize("shape", [(2,), (3, 4), (40,), (20, 30)])   # both sides of _SMALL
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_step_rejects_nonfinite_grads_of_any_size(shape, dtype, bad):
    opt = Adam(0.1)
    p = np.zeros(shape, dtype=dtype)
    g = np.ones(shape, dtype=dtype)
    g.flat[g.size // 2] = bad
    for params, grads in [(p, g), ([p], [g]), ([Layer(p, p)], [Layer(g, g)])]:
        with pytest.raises(ValueError, match="grads leaf .* contains NaN or inf"):
            opt.step(params, grads, opt.init(params))


@pytest.mark.parametrize("n", [2, 100])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_accepts_huge_finite_grads_whose_sum_overflows(n, dtype):
    # The finiteness test sums the entries first; an overflowing sum must not be mistaken for
    # an inf entry.
    big = np.finfo(dtype).max
    p = np.zeros(n, dtype=dtype)
    g = np.full(n, big, dtype=dtype)
    new_p, _ = SGD(1e-300 if dtype == np.float64 else 1e-30).step(p, g, SGD(1.0).init(p))
    assert np.all(np.isfinite(new_p))


def test_step_state_type_error_names_optimizer_and_state():
    x = np.zeros(2)
    for opt, other in [(SGD(0.1), Adam()), (Adam(), SGD(0.1)), (AdamW(), RMSprop()),
                       (RMSprop(), Adam())]:
        with pytest.raises(TypeError, match=rf"state must be the \w+State from "
                                            rf"{type(opt).__name__}\.init, got \w+State"):
            opt.step(x, x, other.init(x))
