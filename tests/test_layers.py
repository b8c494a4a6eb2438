"""Tests for dl_helpers.layers: one table of layers, checked against torch autograd and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_helpers.activations import activation_names
from dl_helpers.layers import (
    ActivationCache, DenseCache, SoftmaxCache, activation_backward, activation_forward,
    activation_forward_torch, dense_backward, dense_forward, dense_forward_torch,
    get_layer_activation, softmax_backward, softmax_forward, softmax_forward_torch,
)
from dl_helpers import vae
from layer_checks import LayerCase, assert_layer_gradcheck, assert_layer_matches_torch


def _dense_inputs(rng):
    n, d_in, d_out = 4, 3, 5
    return (rng.normal(size=(n, d_in)), rng.normal(size=(d_out, d_in)), rng.normal(size=d_out)), {}


def _activation_inputs(name):
    def make(rng):
        return (rng.normal(size=(4, 3)),), {"name": name}
    return make


def _softmax_inputs(rng):
    return (3.0 * rng.normal(size=(4, 5)),), {}


#: The shared table: every layer of dl_helpers.layers (other modules add theirs the same way).
LAYER_CASES = [
    LayerCase("dense", dense_forward, dense_backward, dense_forward_torch, _dense_inputs),
    LayerCase("softmax", softmax_forward, softmax_backward, softmax_forward_torch,
              _softmax_inputs),
] + [
    LayerCase(f"activation-{name}", activation_forward, activation_backward,
              activation_forward_torch, _activation_inputs(name))
    for name in activation_names(differentiable_only=True) + ["softmax"]
]


def _gauss_inputs(rng):
    return (rng.normal(size=(4, 3)), rng.normal(scale=0.7, size=(4, 3))), {}


def _reparam_inputs(rng):
    arrays, _ = _gauss_inputs(rng)
    return arrays, {"eps": rng.standard_normal((4, 3))}


# dl_helpers.vae (notebook 11): the reparameterisation (109) and the KL term (107) as layers
LAYER_CASES += [
    LayerCase("vae-reparameterize", vae.reparameterize_forward, vae.reparameterize_backward,
              vae.reparameterize_forward_torch, _reparam_inputs),
    LayerCase("vae-kl", vae.kl_forward, vae.kl_backward, vae.kl_forward_torch, _gauss_inputs),
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: c.name)
def test_layer_matches_torch_autograd(case):
    assert_layer_matches_torch(case)


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: c.name)
def test_layer_gradcheck(case):
    assert_layer_gradcheck(case)


# ------------------------------------------------------------------------ behaviour
def test_dense_forward_is_affine_map_and_cache():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.5, -0.5, 0.0])
    out, cache = dense_forward(x, W, b)
    assert np.array_equal(out, [[1.5, 1.5, 3.0]])
    assert isinstance(cache, DenseCache) and cache.x is x and cache.W is W


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3)).astype(np.float32)
    W = rng.normal(size=(4, 3)).astype(np.float32)
    out, cache = dense_forward(x, W, np.zeros(4, np.float32))
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in dense_backward(np.ones_like(out), cache))
    for name in ["sigmoid", "relu", "identity", "softmax"]:
        a, c = activation_forward(out, name)
        assert a.dtype == np.float32
        assert activation_backward(np.ones_like(a), c).dtype == np.float32


def test_softmax_layer_rows_sum_to_one_and_equal_activation_form():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    a, cache = softmax_forward(z)
    assert np.allclose(a.sum(axis=1), 1.0) and np.all(np.isfinite(a))
    a2, cache2 = activation_forward(z, "softmax")
    assert np.array_equal(a, a2)
    da = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2]])
    assert np.array_equal(softmax_backward(da, cache), activation_backward(da, cache2))
    # the vector-Jacobian product is daᵀ J with J = diag(a) − a aᵀ
    J = np.diag(a[1]) - np.outer(a[1], a[1])
    assert np.allclose(softmax_backward(da, cache)[1], da[1] @ J, rtol=0, atol=1e-15)


def test_get_layer_activation():
    assert get_layer_activation("ReLU").name == "relu"
    assert get_layer_activation("softmax").name == "softmax"
    act = get_layer_activation("tanh")
    assert get_layer_activation(act) is act


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize("x, W, b, match", [
    (np.zeros(3), np.zeros((2, 3)), np.zeros(2), r"x must have 2 dimension"),
    (np.zeros((4, 3)), np.zeros(3), np.zeros(2), r"W must have 2 dimension"),
    (np.zeros((4, 3)), np.zeros((2, 3)), np.zeros((2, 1)), r"b must have 1 dimension"),
    (np.zeros((4, 2)), np.zeros((2, 3)), np.zeros(2), r"x must have shape \(n, 3\).*d_out, d_in"),
    (np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(3), r"b must have shape \(2,\)"),
])
def test_dense_forward_rejects_bad_shapes(x, W, b, match):
    with pytest.raises(ValueError, match=match):
        dense_forward(x, W, b)


def test_dense_rejects_bad_types_and_dout():
    with pytest.raises(TypeError, match="x must be a NumPy array"):
        dense_forward(torch.zeros(2, 3), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(TypeError, match="W must be array-like"):
        dense_forward(np.zeros((2, 3)), "W", np.zeros(2))
    out, cache = dense_forward(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer output \(4, 2\)"):
        dense_backward(np.zeros((4, 3)), cache)
    with pytest.raises(TypeError, match="cache must be the DenseCache"):
        dense_backward(np.zeros((4, 2)), (np.zeros((4, 3)), np.zeros((2, 3))))


def test_activation_layer_errors():
    with pytest.raises(ValueError, match="unknown activation 'relu6'; choose one of: .*softmax"):
        activation_forward(np.zeros(3), "relu6")
    with pytest.raises(TypeError, match="activation must be a string"):
        activation_forward(np.zeros(3), 3)
    with pytest.raises(ValueError, match="at least one class"):
        activation_forward(np.zeros((3, 0)), "softmax")
    a, cache = activation_forward(np.zeros((2, 3)), "tanh")
    with pytest.raises(ValueError, match=r"da must have the shape of the layer output \(2, 3\)"):
        activation_backward(np.zeros((3, 2)), cache)
    with pytest.raises(TypeError, match="cache must be the ActivationCache"):
        activation_backward(np.zeros((2, 3)), SoftmaxCache(a))
    assert isinstance(cache, ActivationCache)


def test_softmax_layer_errors():
    with pytest.raises(ValueError, match="z must have 2 dimension"):
        softmax_forward(np.zeros(3))
    with pytest.raises(ValueError, match="at least one class"):
        softmax_forward(np.zeros((2, 0)))
    a, cache = softmax_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"da must have the shape"):
        softmax_backward(np.zeros((2, 2)), cache)
    with pytest.raises(TypeError, match="cache must be the SoftmaxCache"):
        softmax_backward(np.zeros((2, 3)), (a,))


def test_dense_backward_can_skip_the_input_gradient():
    rng = np.random.default_rng(4)
    out, cache = dense_forward(rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=4))
    dout = rng.normal(size=out.shape)
    dx, dW, db = dense_backward(dout, cache)
    none, dW2, db2 = dense_backward(dout, cache, needs_input_grad=False)
    assert none is None and np.array_equal(dW, dW2) and np.array_equal(db, db2)
    with pytest.raises(TypeError, match="needs_input_grad must be True or False"):
        dense_backward(dout, cache, needs_input_grad=0)
