"""Tests for dl_helpers.attention: NumPy attention == torch SDPA (float64), gradients, patches."""
import numpy as np
import pytest
import torch

from dl_helpers.attention import (attention_backward, attention_forward, attention_forward_torch,
                                  image_to_patches, patch_embedding, patch_embedding_torch,
                                  scaled_dot_product_attention)
from dl_helpers.gradcheck import numerical_gradient, rel_error

SHAPES = [((3, 4), (5, 4), (5, 2)), ((2, 6, 8), (2, 6, 8), (2, 6, 8)), ((2, 3, 1, 5), (2, 3, 7, 5), (2, 3, 7, 4))]


def _qkv(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("masked", [False, True])
def test_forward_backward_equal_torch(shapes, masked):
    Q, K, V = _qkv(shapes)
    rng = np.random.default_rng(1)
    mask = None
    if masked:
        mask = rng.random(Q.shape[:-1] + (K.shape[-2],)) < 0.6
        mask[..., 0] = True                                   # every query sees at least one key
    out, cache = attention_forward(Q, K, V, mask)
    dout = rng.normal(size=out.shape)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    tout = attention_forward_torch(tq, tk, tv, None if mask is None else torch.tensor(mask))
    tout.backward(torch.tensor(dout))
    assert np.abs(out - tout.detach().numpy()).max() <= 1e-10
    for ours, t in zip(attention_backward(dout, cache), (tq, tk, tv)):
        assert np.abs(ours - t.grad.numpy()).max() <= 1e-10


def test_gradient_check():
    Q, K, V = _qkv(((3, 4), (5, 4), (5, 2)), seed=2)
    dout = np.random.default_rng(3).normal(size=(3, 2))
    grads = attention_backward(dout, attention_forward(Q, K, V)[1])
    for i, name in enumerate("QKV"):
        def loss(x, i=i):
            args = [Q, K, V]
            args[i] = x
            return float((scaled_dot_product_attention(*args) * dout).sum())
        num = numerical_gradient(loss, [Q, K, V][i])
        assert rel_error(num, grads[i]) < 1e-7, name


def test_rows_are_distributions_and_uniform_for_equal_keys():
    Q, K, V = _qkv(((3, 4), (5, 4), (5, 2)))
    A = attention_forward(Q, K, V)[1].A
    np.testing.assert_allclose(A.sum(-1), 1.0, atol=1e-15)
    out = scaled_dot_product_attention(Q, np.ones((5, 4)), V)   # equal keys: plain mean of V
    np.testing.assert_allclose(out, np.tile(V.mean(0), (3, 1)), atol=1e-14)


@pytest.mark.parametrize("args,match", [
    (((3, 4), (5, 3), (5, 2)), "d_k"),
    (((3, 4), (5, 4), (6, 2)), "V"),
])
def test_bad_shapes(args, match):
    with pytest.raises(ValueError, match=match):
        attention_forward(*_qkv(args))


def test_bad_masks():
    Q, K, V = _qkv(((3, 4), (5, 4), (5, 2)))
    with pytest.raises(TypeError, match="boolean"):
        attention_forward(Q, K, V, np.ones((3, 5)))
    with pytest.raises(ValueError, match="broadcast"):
        attention_forward(Q, K, V, np.ones((4, 5), bool))
    mask = np.ones((3, 5), bool)
    mask[1] = False
    with pytest.raises(ValueError, match="at least one key"):
        attention_forward(Q, K, V, mask)


def test_patches_shape_and_content():
    X = np.arange(2 * 3 * 8 * 12, dtype=float).reshape(2, 3, 8, 12)
    p = image_to_patches(X, 4)
    assert p.shape == (2, 6, 3 * 16)                         # N = 8·12/16 = 6 tokens
    np.testing.assert_array_equal(p[1, 4], X[1, :, 4:8, 4:8].ravel())   # 2nd row, 2nd patch


def test_patch_embedding_equals_conv_twin():
    rng = np.random.default_rng(0)
    n, C, H, W, P, D = 2, 3, 8, 8, 4, 5
    X = rng.normal(size=(n, C, H, W))
    E, cls, pos = rng.normal(size=(D, C * P * P)), rng.normal(size=D), rng.normal(size=(5, D))
    z0 = patch_embedding(X, E, cls, pos, P)
    tz = patch_embedding_torch(*(torch.tensor(a) for a in (X, E, cls, pos)), P)
    assert z0.shape == (n, 5, D)
    assert np.abs(z0 - tz.numpy()).max() <= 1e-12
    np.testing.assert_allclose(z0[:, 0], np.tile(cls + pos[0], (n, 1)))


def test_patch_errors():
    with pytest.raises(ValueError, match="patch_size=3"):
        image_to_patches(np.zeros((1, 1, 8, 8)), 3)
    with pytest.raises(ValueError, match=r"\(D, C·P²\)"):
        patch_embedding(np.zeros((1, 1, 8, 8)), np.zeros((5, 15)), np.zeros(5), np.zeros((5, 5)), 4)
    with pytest.raises(ValueError, match="pos_embedding"):
        patch_embedding(np.zeros((1, 1, 8, 8)), np.zeros((5, 16)), np.zeros(5), np.zeros((4, 5)), 4)
