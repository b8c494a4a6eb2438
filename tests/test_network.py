"""Tests for dl_helpers.network: NumPy forward/backward against torch float64 and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_helpers.activations import activation_names
from dl_helpers.gradcheck import gradient_check, numerical_gradient, rel_error
from dl_helpers.layers import activation_backward, activation_forward, dense_backward, dense_forward
from dl_helpers.losses import LOSSES
from dl_helpers.network import (
    ForwardCache, Layer, augment, backward, backward_augmented, count_parameters, forward,
    check_loss_output, check_X, from_torch, init_mlp, loss_and_grads, output_delta, predict,
    resolve_activations, split_augmented, to_torch,
)

TOL_TORCH = 1e-10
torch.set_num_threads(1)   # tiny tensors: threads only add contention on the shared machine
TOL_GRADCHECK = 1e-7
DIFFERENTIABLE = activation_names(differentiable_only=True)   # identity … gelu
SMOOTH = ["identity", "sigmoid", "tanh", "gelu"]               # C^2: safe for finite differences


def random_network(seed: int, activations_pool=DIFFERENTIABLE, allow_softmax=True):
    """Random widths (depth 1–4, widths 1–6), activations, parameters and a batch."""
    rng = np.random.default_rng(seed)
    L = int(rng.integers(1, 5))
    widths = [int(w) for w in rng.integers(1, 7, size=L + 1)]
    acts = [str(a) for a in rng.choice(activations_pool, size=L)]
    if allow_softmax and rng.random() < 0.3:
        acts[-1] = "softmax"
    params = [Layer(rng.normal(size=(o, i)), rng.normal(size=o))
              for i, o in zip(widths[:-1], widths[1:])]
    X = rng.normal(size=(int(rng.integers(1, 9)), widths[0]))
    return rng, widths, acts, params, X


def flatten(params) -> np.ndarray:
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in params])


def unflatten(theta: np.ndarray, widths) -> list[Layer]:
    out, k = [], 0
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        W = theta[k:k + d_in * d_out].reshape(d_out, d_in)
        k += d_in * d_out
        out.append(Layer(W, theta[k:k + d_out]))
        k += d_out
    return out


# ----------------------------------------------------------------------------- NumPy vs torch
@pytest.mark.parametrize("seed", range(40))
def test_forward_and_gradients_match_torch(seed):
    rng, widths, acts, params, X = random_network(seed)
    cache = forward(params, X, acts)
    assert len(cache.Z) == len(params) and len(cache.A) == len(params) + 1
    assert cache.A[0] is not None and np.array_equal(cache.A[0], X)
    for l, (W, _) in enumerate(params):
        assert cache.Z[l].shape == (X.shape[0], W.shape[0])

    model = to_torch(params, acts)
    Xt = torch.tensor(X, requires_grad=True)
    out = model(Xt)
    assert np.max(np.abs(out.detach().numpy() - cache.A[-1])) <= TOL_TORCH

    dA_out = rng.normal(size=cache.A[-1].shape)      # arbitrary upstream gradient ∂C/∂α^(L)
    (out * torch.tensor(dA_out)).sum().backward()
    grads = backward(params, cache, acts, dA_out)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for g, lin in zip(grads, linears):
        assert g.W.shape == lin.weight.shape and g.b.shape == lin.bias.shape
        assert np.max(np.abs(g.W - lin.weight.grad.numpy())) <= TOL_TORCH
        assert np.max(np.abs(g.b - lin.bias.grad.numpy())) <= TOL_TORCH


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("seed", range(3))
def test_loss_and_grads_match_torch(loss, seed):
    rng = np.random.default_rng(100 + seed)
    loss_obj = LOSSES[loss]
    K = 3 if loss_obj.targets in ("labels", "real") else 1
    out_act = {"identity": "identity", "sigmoid": "sigmoid", "softmax": "softmax"}[
        loss_obj.output_activation]
    widths = [4, 5, K]
    acts = ["tanh", out_act]
    params = init_mlp(widths, rng, init="glorot_normal")
    params = [Layer(W, rng.normal(size=b.shape)) for W, b in params]
    X = rng.normal(size=(9, 4))
    y = {"labels": rng.integers(0, K, size=9), "real": rng.normal(size=(9, K)),
         "01": rng.integers(0, 2, size=9).astype(float),
         "pm1": rng.choice([-1.0, 1.0], size=9)}[loss_obj.targets]
    value, grads = loss_and_grads(params, X, y, acts, loss)
    model = to_torch(params, acts)
    lt = loss_obj.value_torch(model(torch.tensor(X)), torch.tensor(y))
    lt.backward()
    assert abs(lt.item() - value) <= TOL_TORCH
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for g, lin in zip(grads, linears):
        assert np.max(np.abs(g.W - lin.weight.grad.numpy())) <= TOL_TORCH
        assert np.max(np.abs(g.b - lin.bias.grad.numpy())) <= TOL_TORCH


# ----------------------------------------------------------------------------- gradient check
@pytest.mark.parametrize("seed", range(12))
def test_backward_passes_gradient_check(seed):
    rng, widths, acts, params, X = random_network(1000 + seed, activations_pool=SMOOTH)
    G = rng.normal(size=(X.shape[0], widths[-1]))

    def cost(theta):  # C = Σ G ∘ α^(L): its gradient w.r.t. α^(L) is G
        return float(np.sum(G * forward(unflatten(theta, widths), X, acts).A[-1]))

    def grad(theta):
        p = unflatten(theta, widths)
        return flatten(backward(p, forward(p, X, acts), acts, G))

    res = gradient_check(cost, grad, flatten(params))
    assert res.rel_error < TOL_GRADCHECK, res.rel_error


@pytest.mark.parametrize("loss", ["mse", "cce_with_logits", "bce_with_logits", "cce", "logistic"])
def test_loss_and_grads_gradient_check(loss):
    rng = np.random.default_rng(7)
    widths = [3, 6, 4, 3 if loss.startswith("cce") or loss == "mse" else 1]
    acts = ["tanh", "sigmoid", "softmax" if loss == "cce" else "identity"]
    params = [Layer(rng.normal(size=(o, i)), rng.normal(size=o))
              for i, o in zip(widths[:-1], widths[1:])]
    X = rng.normal(size=(10, 3))
    y = {"mse": rng.normal(size=(10, 3)), "cce_with_logits": rng.integers(0, 3, 10),
         "cce": rng.integers(0, 3, 10), "bce_with_logits": rng.integers(0, 2, 10).astype(float),
         "logistic": rng.choice([-1.0, 1.0], 10)}[loss]
    res = gradient_check(
        lambda t: loss_and_grads(unflatten(t, widths), X, y, acts, loss)[0],
        lambda t: flatten(loss_and_grads(unflatten(t, widths), X, y, acts, loss)[1]),
        flatten(params))
    assert res.rel_error < TOL_GRADCHECK, res.rel_error


def test_relu_network_gradient_check_away_from_kinks():
    rng = np.random.default_rng(3)
    widths = [4, 8, 8, 2]
    acts = ["relu", "leaky_relu", "identity"]
    params = init_mlp(widths, rng)
    params = [Layer(W, rng.normal(scale=0.1, size=b.shape)) for W, b in params]
    X = rng.normal(size=(6, 4))
    cache = forward(params, X, acts)
    assert min(np.abs(z).min() for z in cache.Z[:-1]) > 1e-4   # no kink within ±eps
    y = rng.integers(0, 2, 6)
    res = gradient_check(
        lambda t: loss_and_grads(unflatten(t, widths), X, y, acts, "cce_with_logits")[0],
        lambda t: flatten(loss_and_grads(unflatten(t, widths), X, y, acts, "cce_with_logits")[1]),
        flatten(params))
    assert res.rel_error < TOL_GRADCHECK


def test_skript_equations_1_to_3_elementwise():
    """Skript §3 eqs (1)–(3) component by component for one sample (column-vector form)."""
    rng = np.random.default_rng(5)
    W1, b1 = rng.normal(size=(3, 2)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(2, 3)), rng.normal(size=2)
    x = rng.normal(size=2)
    y = rng.normal(size=2)
    sig = lambda z: 1 / (1 + np.exp(-z))
    # C = ½‖σ(W2 σ(W1 x + b1) + b2) − y‖²
    z1 = W1 @ x + b1; a1 = sig(z1); z2 = W2 @ a1 + b2; a2 = sig(z2)
    dC_da2 = a2 - y
    delta2 = sig(z2) * (1 - sig(z2)) * dC_da2          # (1)
    dW2 = np.outer(delta2, a1)                          # (2)  δ_n X_{n-1}^T
    dC_da1 = W2.T @ delta2                              # (3)  W_n^T δ_n
    delta1 = a1 * (1 - a1) * dC_da1                     # (1) again
    dW1 = np.outer(delta1, x)
    params = [Layer(W1, b1), Layer(W2, b2)]
    grads = loss_and_grads(params, x[None], y[None], ["sigmoid", "sigmoid"], "mse")[1]
    # mse has the 1/(2m) factor with m = 1, i.e. C = ½‖·‖²
    assert np.allclose(grads[1].W, dW2, rtol=0, atol=1e-14)
    assert np.allclose(grads[0].W, dW1, rtol=0, atol=1e-14)
    assert np.allclose(grads[1].b, delta2, rtol=0, atol=1e-14)
    num = numerical_gradient(
        lambda w: 0.5 * np.sum((sig(W2 @ sig(w.reshape(3, 2) @ x + b1) + b2) - y) ** 2),
        W1.ravel())
    assert rel_error(num.reshape(3, 2), dW1) < TOL_GRADCHECK


# ----------------------------------------------------------------------------- augmented form
@pytest.mark.parametrize("seed", range(10))
def test_augmented_form_equals_standard_form(seed):
    rng, widths, acts, params, X = random_network(2000 + seed)
    cache = forward(params, X, acts)
    G = rng.normal(size=cache.A[-1].shape)
    std = backward(params, cache, acts, G)
    aug = backward_augmented(params, cache, acts, G)
    for g, ga, (W, _) in zip(std, aug, params):
        assert ga.shape == (W.shape[0], W.shape[1] + 1)
        assert np.max(np.abs(ga[:, :-1] - g.W)) <= 1e-12
        assert np.max(np.abs(ga[:, -1] - g.b)) <= 1e-12   # bias column: input X̃ has a 1 there
    for g, back in zip(std, split_augmented(aug)):
        assert np.max(np.abs(back.W - g.W)) <= 1e-12 and np.max(np.abs(back.b - g.b)) <= 1e-12


def test_augment_roundtrip_and_forward():
    rng, widths, acts, params, _ = random_network(77)
    W_aug = augment(params)
    for Wt, (W, b) in zip(W_aug, params):
        X_aug = np.concatenate([rng.normal(size=(3, W.shape[1])), np.ones((3, 1))], axis=1)
        assert np.allclose(X_aug @ Wt.T, X_aug[:, :-1] @ W.T + b, atol=1e-13)
    for (W, b), back in zip(params, split_augmented(W_aug)):
        assert np.array_equal(W, back.W) and np.array_equal(b, back.b)


# ----------------------------------------------------------------------------- counting, torch
@pytest.mark.parametrize("widths", [[2, 1], [2, 2, 1], [784, 256, 256, 10], [3, 7, 5, 7, 3]])
def test_count_parameters_equals_torch_numel(widths):
    expected = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    params = init_mlp(widths, np.random.default_rng(0))
    model = to_torch(params, ["relu"] * (len(widths) - 2) + ["identity"])
    assert count_parameters(widths) == expected
    assert count_parameters(widths) == sum(p.numel() for p in model.parameters())
    assert count_parameters(widths) == sum(W.size + b.size for W, b in params)


@pytest.mark.parametrize("act", DIFFERENTIABLE + ["sign", "step", "softmax"])
def test_torch_roundtrip(act):
    rng = np.random.default_rng(1)
    params = init_mlp([3, 4, 2], rng, init="glorot_uniform")
    params = [Layer(W, rng.normal(size=b.shape)) for W, b in params]
    acts = [act, "identity"]
    model = to_torch(params, acts)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    back, back_acts = from_torch(model, return_activations=True)
    assert back_acts == acts
    for (W, b), (W2, b2) in zip(params, back):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)
    X = rng.normal(size=(5, 3))
    with torch.no_grad():
        out = model(torch.tensor(X)).numpy()
    assert np.max(np.abs(out - predict(params, X, acts))) <= TOL_TORCH
    # the copy is independent of the NumPy arrays
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert np.array_equal(params[0].W, back[0].W)


def test_from_torch_linear_without_activation_is_identity():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 2).double(),
                                torch.nn.Tanh())
    params, acts = from_torch(model, return_activations=True)
    assert acts == ["identity", "tanh"]
    assert [p.W.shape for p in params] == [(4, 3), (2, 4)]


def test_init_mlp_shapes_dtype_and_seed():
    p1 = init_mlp([5, 4, 3], np.random.default_rng(0))
    p2 = init_mlp([5, 4, 3], np.random.default_rng(0))
    assert [l.W.shape for l in p1] == [(4, 5), (3, 4)]
    assert all(np.array_equal(a.W, b.W) for a, b in zip(p1, p2))
    assert all(np.all(l.b == 0) for l in p1)
    p32 = init_mlp([5, 4, 3], np.random.default_rng(0), dtype=np.float32)
    assert all(l.W.dtype == np.float32 and l.b.dtype == np.float32 for l in p32)
    big = init_mlp([400, 300], np.random.default_rng(0), init="he_normal")[0].W
    assert abs(big.var() / (2 / 400) - 1) < 0.05


def test_float32_is_kept_end_to_end():
    rng = np.random.default_rng(0)
    params = init_mlp([6, 5, 3], rng, dtype=np.float32)
    acts = ["relu", "identity"]
    X = rng.normal(size=(4, 6)).astype(np.float32)
    cache = forward(params, X, acts)
    assert all(z.dtype == np.float32 for z in cache.Z)
    value, grads = loss_and_grads(params, X, rng.integers(0, 3, 4), acts, "cce_with_logits")
    assert all(g.W.dtype == np.float32 and g.b.dtype == np.float32 for g in grads)
    for act in ["sigmoid", "tanh", "gelu", "elu", "leaky_relu"]:
        c = forward(params, X, [act, "softmax"])
        g = backward(params, c, [act, "softmax"], np.ones((4, 3), np.float32))
        assert c.A[-1].dtype == np.float32 and g[0].W.dtype == np.float32


def test_output_delta_shapes():
    out = np.array([[0.2], [-1.0]])
    value, d = output_delta("bce_with_logits", out, np.array([1.0, 0.0]))
    assert d.shape == (2, 1) and np.isfinite(value)


def test_inputs_are_not_modified():
    rng, widths, acts, params, X = random_network(5)
    copies = [(W.copy(), b.copy()) for W, b in params]
    X0 = X.copy()
    cache = forward(params, X, acts)
    backward(params, cache, acts, np.ones_like(cache.A[-1]))
    assert np.array_equal(X, X0)
    assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
               for (W, b), (W0, b0) in zip(params, copies))


# ----------------------------------------------------------------------------- bad input
@pytest.fixture
def net():
    rng = np.random.default_rng(0)
    params = init_mlp([3, 4, 2], rng)
    return params, ["relu", "identity"], rng.normal(size=(5, 3))


def test_mismatched_activations_length(net):
    params, acts, X = net
    with pytest.raises(ValueError, match="activations"):
        forward(params, X, ["relu"])


def test_unknown_activation_lists_choices(net):
    params, _, X = net
    with pytest.raises(ValueError, match="relu6.*sigmoid"):
        forward(params, X, ["relu6", "identity"])


def test_wrong_X_shape(net):
    params, acts, X = net
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\)"):
        forward(params, X[:, :2], acts)
    with pytest.raises(ValueError, match="X must have 2 dimension"):
        forward(params, X[0], acts)
    with pytest.raises(TypeError, match="X"):
        forward(params, "abc", acts)


def test_nan_input(net):
    params, acts, X = net
    X = X.copy()
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        forward(params, X, acts)
    bad = [Layer(params[0].W.copy(), params[0].b), params[1]]
    bad[0].W[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"params\[0\].W contains NaN"):
        forward(bad, X[:1] * 0, acts)


def test_mismatched_widths_in_params(net):
    params, acts, X = net
    bad = [params[0], Layer(np.ones((2, 5)), np.zeros(2))]
    with pytest.raises(ValueError, match=r"params\[1\].W must have 4 columns"):
        forward(bad, X, acts)
    with pytest.raises(ValueError, match=r"params\[0\].b"):
        forward([Layer(params[0].W, np.zeros(3)), params[1]], X, acts)


def test_bad_widths():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="widths"):
        init_mlp([3], rng)
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        count_parameters([3, 0, 2])
    with pytest.raises(TypeError, match="widths"):
        count_parameters("3,4")
    with pytest.raises(TypeError, match="rng"):
        init_mlp([3, 2], 0)
    with pytest.raises(ValueError, match="init|scheme"):
        init_mlp([3, 2], rng, init="magic")


def test_unknown_loss_and_logits_misuse(net):
    params, acts, X = net
    y = np.array([0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loss_and_grads(params, X, y, acts, "hinge")
    with pytest.raises(ValueError, match="identity"):
        loss_and_grads(params, X, y, ["relu", "softmax"], "cce_with_logits")
    with pytest.raises(ValueError, match="y must have 5 rows"):
        loss_and_grads(params, X, y[:3], acts, "cce_with_logits")


def test_backward_checks_cache_and_dA(net):
    params, acts, X = net
    cache = forward(params, X, acts)
    with pytest.raises(ValueError, match="dA_out must have the shape"):
        backward(params, cache, acts, np.ones((5, 3)))
    with pytest.raises(TypeError, match="cache"):
        backward(params, (cache.Z, cache.A), acts, np.ones((5, 2)))
    with pytest.raises(ValueError, match="dA_out contains NaN"):
        backward(params, cache, acts, np.full((5, 2), np.nan))
    assert isinstance(cache, ForwardCache)


def test_to_torch_dtype_and_copies():
    params = init_mlp([3, 4, 2], np.random.default_rng(1))
    m32 = to_torch(params, ["tanh", "identity"], dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in m32.parameters())
    W_before = params[0].W.copy()
    with torch.no_grad():
        m32[0].weight.add_(1.0)               # changing the model leaves params untouched
    assert np.array_equal(params[0].W, W_before)
    with pytest.raises(ValueError, match=r"dtype must be torch.float32 or torch.float64"):
        to_torch(params, ["tanh", "identity"], dtype=np.float32)


def test_forward_backward_do_not_modify_inputs():
    rng = np.random.default_rng(2)
    params = init_mlp([3, 5, 2], rng)
    X = rng.normal(size=(4, 3))
    dA = rng.normal(size=(4, 2))
    before = [a.copy() for a in (X, dA, *params[0], *params[1])]
    for acts in (["relu", "identity"], ["sigmoid", "softmax"]):
        cache = forward(params, X, acts)
        backward(params, cache, acts, dA)
        backward_augmented(params, cache, acts, dA)
    for b, a in zip(before, (X, dA, *params[0], *params[1])):
        assert np.array_equal(a, b)


# ----------------------------------------------------------------------------- the layer loop
def test_forward_and_backward_are_the_layer_loop():
    """forward/backward equal dense + activation layers chained by hand (dl_helpers.layers)."""
    rng, widths, acts, params, X = random_network(11, allow_softmax=False)
    cache = forward(params, X, acts)
    a, caches = X, []
    for (W, b), act in zip(params, acts):
        z, dc = dense_forward(a, W, b)
        a, ac = activation_forward(z, act)
        caches.append((dc, ac))
    assert np.array_equal(a, cache.A[-1])
    G = rng.normal(size=a.shape)
    grads = backward(params, cache, acts, G)
    da = G
    for l in reversed(range(len(params))):
        dc, ac = caches[l]
        da, dW, db = dense_backward(activation_backward(da, ac), dc)
        assert np.array_equal(dW, grads[l].W) and np.array_equal(db, grads[l].b)


def test_loss_and_grads_return_output_and_diverged_output(net):
    params, acts, X = net
    y = np.array([0, 1, 0, 1, 1])
    value, grads, out = loss_and_grads(params, X, y, acts, "cce_with_logits", return_output=True)
    assert np.array_equal(out, predict(params, X, acts))
    assert value == loss_and_grads(params, X, y, acts, "cce_with_logits")[0]
    huge = [Layer(W * 1e200, b) for W, b in params]          # output overflows to inf
    with np.errstate(over="ignore", invalid="ignore"):
        value, grads = loss_and_grads(huge, X, y, acts, "cce_with_logits")
    assert np.isnan(value)
    assert all(g.W.shape == p.W.shape and np.all(np.isnan(g.W)) for g, p in zip(grads, params))
    with pytest.raises(TypeError, match="return_output must be True or False"):
        loss_and_grads(params, X, y, acts, "cce_with_logits", return_output=1)


def test_cce_needs_a_softmax_output(net):
    """Issue 15: sigmoid outputs are not distributions; cce says which activation it needs."""
    params, _, X = net
    y = np.array([0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match=r"'cce' expects rows of class probabilities.*softmax.*"
                                         r"activations\[-1\] = 'sigmoid'"):
        loss_and_grads(params, X, y, ["tanh", "sigmoid"], "cce")
    value, _ = loss_and_grads(params, X, y, ["tanh", "softmax"], "cce")
    assert np.isfinite(value)


def test_public_validation_helpers(net):
    params, acts, X = net
    assert check_X(X.tolist(), params).dtype == np.float64
    assert check_X(X, [Layer(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
                   ).dtype == np.float32
    with pytest.raises(ValueError, match=r"X_val must have shape \(n, 3\)"):
        check_X(X[:, :2], params, "X_val")
    check_loss_output("mse", resolve_activations(acts, 2))
    with pytest.raises(ValueError, match="expects raw outputs"):
        check_loss_output("bce_with_logits", ["relu", "sigmoid"])
