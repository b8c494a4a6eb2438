"""Tests for dl_helpers.layers: one table of layers, checked against torch autograd and finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_helpers.activations import activation_names
from dl_helpers.conv import (
    avgpool2d_backward, avgpool2d_forward, avgpool2d_forward_torch, conv2d_backward,
    conv2d_forward, conv2d_forward_torch, flatten_backward, flatten_forward,
    flatten_forward_torch, maxpool2d_backward, maxpool2d_forward, maxpool2d_forward_torch,
)
from dl_helpers.layers import (
    ActivationCache, DenseCache, SoftmaxCache, activation_backward, activation_forward,
    activation_forward_torch, dense_backward, dense_forward, dense_forward_torch,
    get_layer_activation, softmax_backward, softmax_forward, softmax_forward_torch,
)
from dl_helpers.attention import attention_backward, attention_forward, attention_forward_torch
from dl_helpers.rnn import (gru_backward, gru_forward, gru_forward_torch, lstm_backward,
                            lstm_forward, lstm_forward_torch, rnn_backward, rnn_forward,
                            rnn_forward_torch)
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


#: conv2d shapes: name -> (N, C_in, C_out, H, W, K_h, K_w, stride, padding, dilation)
CONV_SHAPES = {
    "odd-cin-ne-cout": (2, 3, 4, 7, 7, 3, 3, 1, 0, 1),
    "even-nonsquare-input": (2, 2, 3, 8, 6, 3, 3, 1, 1, 1),
    "stride2": (1, 3, 2, 8, 8, 3, 3, 2, 1, 1),
    "stride2-ignored-border": (2, 2, 2, 7, 8, 3, 3, 2, 0, 1),
    "padding2": (1, 2, 3, 5, 5, 5, 5, 1, 2, 1),
    "1x1": (3, 4, 2, 6, 5, 1, 1, 1, 0, 1),
    "1x1-padding-stride": (1, 2, 2, 4, 4, 1, 1, 2, 1, 1),
    "dilation2": (2, 2, 3, 9, 9, 3, 3, 1, 2, 2),
    "dilation2-stride2": (1, 3, 2, 10, 9, 3, 3, 2, 1, 2),
    "even-nonsquare-kernel": (2, 1, 4, 6, 7, 2, 4, 1, 1, 1),
    "kernel-equals-input": (1, 1, 1, 3, 3, 3, 3, 3, 0, 1),
}
#: pooling options: name -> (kernel_size, stride, padding)
POOL_SHAPES = {"2x2": (2, None, 0), "2x2-pad": (2, 2, 1), "3x3-s2-p1": (3, 2, 1),
               "3x3-s1-overlap": (3, 1, 1), "2x2-s1-overlap": (2, 1, 0), "3x3-s3": (3, 3, 0),
               "3x3-s2-ignored-border": (3, 2, 0)}


def _conv_inputs(n, c_in, c_out, h, w, kh, kw, s, p, d):
    def make(rng):
        return ((rng.normal(size=(n, c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)),
                 rng.normal(size=c_out)), {"stride": s, "padding": p, "dilation": d})
    return make


def _pool_inputs(k, s, p):
    def make(rng):
        return (rng.normal(size=(2, 3, 7, 6)),), {"kernel_size": k, "stride": s, "padding": p}
    return make


def _flatten_inputs(rng):
    return (rng.normal(size=(3, 2, 4, 5)),), {}


def _attention_inputs(masked):
    def make(rng):
        Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
        if not masked:
            return (Q, K, V), {}
        mask = rng.random(size=(2, 3, 5)) < 0.6
        mask[..., 0] = True                       # every query may attend to at least one key
        return (Q, K, V), {"mask": mask}
    return make


def _recurrent_inputs(gates, states):
    """x (N, T, D), the initial state(s) (N, H) and W_ih, W_hh, b_ih, b_hh in torch's layout."""
    def make(rng):
        N, T, D, H = 2, 4, 3, 3
        return (rng.normal(size=(N, T, D)), *(rng.normal(size=(N, H)) for _ in range(states)),
                rng.normal(size=(gates * H, D)), rng.normal(size=(gates * H, H)) / np.sqrt(H),
                rng.normal(size=gates * H), rng.normal(size=gates * H)), {}
    return make


#: The shared table: every layer of dl_helpers.layers, dl_helpers.conv, ... (other modules add
#: theirs the same way).
LAYER_CASES = [
    LayerCase("dense", dense_forward, dense_backward, dense_forward_torch, _dense_inputs),
    LayerCase("softmax", softmax_forward, softmax_backward, softmax_forward_torch,
              _softmax_inputs),
    LayerCase("attention", attention_forward, attention_backward, attention_forward_torch,
              _attention_inputs(masked=False)),
    LayerCase("attention-masked", attention_forward, attention_backward, attention_forward_torch,
              _attention_inputs(masked=True)),
] + [
    LayerCase(f"activation-{name}", activation_forward, activation_backward,
              activation_forward_torch, _activation_inputs(name))
    for name in activation_names(differentiable_only=True) + ["softmax"]
] + [
    LayerCase(f"conv2d-{name}", conv2d_forward, conv2d_backward, conv2d_forward_torch,
              _conv_inputs(*shape))
    for name, shape in CONV_SHAPES.items()
] + [
    LayerCase(f"{kind}-{name}", fwd, bwd, fwd_t, _pool_inputs(*opts))
    for kind, fwd, bwd, fwd_t in [
        ("maxpool2d", maxpool2d_forward, maxpool2d_backward, maxpool2d_forward_torch),
        ("avgpool2d", avgpool2d_forward, avgpool2d_backward, avgpool2d_forward_torch)]
    for name, opts in POOL_SHAPES.items()
] + [
    LayerCase("flatten", flatten_forward, flatten_backward, flatten_forward_torch,
              _flatten_inputs),
] + [
    LayerCase("rnn", rnn_forward, rnn_backward, rnn_forward_torch, _recurrent_inputs(1, 1)),
    LayerCase("lstm", lstm_forward, lstm_backward, lstm_forward_torch, _recurrent_inputs(4, 2)),
    LayerCase("gru", gru_forward, gru_backward, gru_forward_torch, _recurrent_inputs(3, 1)),
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
