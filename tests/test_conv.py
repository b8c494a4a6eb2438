"""Tests for dl_helpers.conv beyond the shared layer table (tests/test_layers.py, which checks
every conv/pool/flatten case against torch autograd and finite differences): "the backward
pass is a convolution", the kernel flip, the slides' pooling example, max-pooling ties as in
torch, float32, and errors that name the argument."""
import numpy as np
import pytest
import scipy.signal
import torch

from dl_helpers.conv import (
    avgpool2d_backward, avgpool2d_forward, avgpool2d_forward_torch, conv2d_backward,
    conv2d_forward, conv2d_forward_torch, conv2d_input_grad_as_conv, conv2d_weight_grad_as_conv,
    conv_output_size, convolve2d, correlate2d, flatten_backward, flatten_forward,
    flatten_forward_torch, maxpool2d_backward, maxpool2d_forward, maxpool2d_forward_torch,
)

from layer_checks import run_layer
from test_layers import LAYER_CASES

TOL = 1e-10
#: torch autograd and finite differences for every conv/pool/flatten case run from the shared
#: LAYER_CASES table in tests/test_layers.py; here: what is special about convolutions.
CONV_LAYER_CASES = [c for c in LAYER_CASES if c.name.startswith("conv2d")]


@pytest.mark.parametrize("case", CONV_LAYER_CASES, ids=lambda c: c.name)
def test_backward_is_a_convolution(case):
    """dx = full correlation of dout with the flipped kernel; dW = correlation of x with dout."""
    (x, W, _), opts, _, dout, (dx, dW, _) = run_layer(case, seed=2)
    dx_conv = conv2d_input_grad_as_conv(dout, W, x.shape, **opts)
    dW_conv = conv2d_weight_grad_as_conv(x, dout, W.shape[2:], **opts)
    assert np.max(np.abs(dx - dx_conv)) <= TOL
    assert np.max(np.abs(dW - dW_conv)) <= TOL


def test_input_grad_is_true_convolution_for_one_channel():
    """Stride 1, no padding, one channel: dx = convolve2d(dout, W, 'full') (scipy, with flip)."""
    rng = np.random.default_rng(3)
    x, W = rng.normal(size=(1, 1, 6, 5)), rng.normal(size=(1, 1, 3, 2))
    out, cache = conv2d_forward(x, W, np.zeros(1))
    dout = rng.normal(size=out.shape)
    dx = conv2d_backward(dout, cache)[0][0, 0]
    assert np.max(np.abs(dx - scipy.signal.convolve2d(dout[0, 0], W[0, 0], "full"))) <= TOL
    assert np.max(np.abs(dx - convolve2d(dout[0, 0], W[0, 0], "full"))) <= TOL


def test_correlation_vs_convolution():
    rng = np.random.default_rng(4)
    img, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    for mode in ("valid", "full"):
        assert np.max(np.abs(correlate2d(img, k, mode) - scipy.signal.correlate2d(img, k, mode))) <= TOL
        assert np.max(np.abs(convolve2d(img, k, mode) - scipy.signal.convolve2d(img, k, mode))) <= TOL
    # torch computes the correlation; the convolution is the correlation with the flipped kernel
    t = torch.nn.functional.conv2d(torch.tensor(img)[None, None], torch.tensor(k)[None, None])
    assert np.max(np.abs(correlate2d(img, k) - t[0, 0].numpy())) <= TOL
    assert np.max(np.abs(convolve2d(img, k) - correlate2d(img, k[::-1, ::-1]))) <= TOL
    assert np.max(np.abs(convolve2d(img, k) - correlate2d(img, k))) > 0.1
    # a symmetric kernel does not notice the flip
    sym = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])
    assert np.max(np.abs(convolve2d(img, sym) - correlate2d(img, sym))) <= TOL


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    W = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    out, cache = conv2d_forward(x, W, np.zeros(4, np.float32), padding=1)
    grads = conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    ref = conv2d_forward_torch(torch.tensor(x), torch.tensor(W), torch.zeros(4), padding=1)
    assert np.max(np.abs(out - ref.numpy())) < 1e-4


# ------------------------------------------------------------------------------------ pooling
SLIDE_X = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [3, 2, 4, 7], [1, 0, 3, 5]], dtype=float)


def test_slide_example_4x4():
    out, cache = maxpool2d_forward(SLIDE_X[None, None], 2)
    assert np.array_equal(out[0, 0], [[6, 4], [3, 7]])
    avg, _ = avgpool2d_forward(SLIDE_X[None, None], 2)
    assert np.allclose(avg[0, 0], [[3.75, 2.25], [1.5, 4.75]])
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert np.array_equal(dx[0, 0] != 0, SLIDE_X == np.array([[6, 6, 4, 4]] * 2 + [[3, 3, 7, 7]] * 2))


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 1, 1), (2, 1, 0)])
def test_max_pool_ties_like_torch(k, s, p):
    """Ties: the first maximum in row-major order gets the gradient (torch CPU does the same)."""
    x = np.array([[1, 3, 3, 0], [3, 2, 1, 3], [0, 0, 5, 5], [0, 0, 5, 5]], dtype=float)[None, None]
    for arr in (x, np.zeros((1, 2, 4, 4))):
        out, cache = maxpool2d_forward(arr, k, s, p)
        dout = np.arange(1.0, out.size + 1).reshape(out.shape)
        t = torch.tensor(arr, requires_grad=True)
        maxpool2d_forward_torch(t, k, s, p).backward(torch.tensor(dout))
        assert np.array_equal(maxpool2d_backward(dout, cache), t.grad.numpy())
    out, cache = maxpool2d_forward(np.zeros((1, 1, 2, 2)), 2)
    assert np.array_equal(maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[1, 0], [0, 0]])


def test_flatten_round_trip_and_torch():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 2, 4, 5))
    out, cache = flatten_forward(x)
    assert np.array_equal(out, flatten_forward_torch(torch.tensor(x)).numpy())
    dx = flatten_backward(out * 2, cache)
    assert np.array_equal(dx, 2 * x)


# ------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("size,k,s,p,d", [
    (8, 3, 1, 0, 1), (8, 3, 1, 1, 1), (7, 3, 2, 1, 1), (32, 5, 2, 2, 1), (6, 1, 1, 0, 1),
    (9, 3, 2, 0, 2), (224, 11, 4, 2, 1), (5, 4, 3, 2, 1),
])
def test_output_size_matches_torch(size, k, s, p, d):
    conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    out = conv(torch.zeros(1, 1, size, size))
    assert conv_output_size(size, k, s, p, d) == out.shape[-1]


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="kernel_size=5.*padded input"):
        conv_output_size(3, 5, padding=0)
    with pytest.raises(ValueError, match=r"W: kernel height 5.*\(1, 1, 3, 8\)"):
        conv2d_forward(np.zeros((1, 1, 3, 8)), np.zeros((1, 1, 5, 5)), np.zeros(1))
    with pytest.raises(ValueError, match="kernel_size"):
        maxpool2d_forward(np.zeros((1, 1, 2, 2)), 3)


def test_exact_rejects_ignored_border():
    assert conv_output_size(8, 3, stride=2) == 3
    with pytest.raises(ValueError, match="stride=2.*last 1 row"):
        conv_output_size(8, 3, stride=2, exact=True)
    with pytest.raises(ValueError, match="stride=3.*last 1 row"):
        conv_output_size(8, 2, stride=3, padding=1, exact=True)     # rest 2 > padding 1
    # only zero padding is left over: nothing of the input is lost
    assert conv_output_size(8, 3, stride=2, padding=1, exact=True) == 4
    assert conv_output_size(224, 7, stride=2, padding=3, exact=True) == 112
    assert conv_output_size(112, 3, stride=2, padding=1, exact=True) == 56


@pytest.mark.parametrize("kwargs,name", [({"size": 0}, "size"), ({"stride": 0}, "stride"),
                                         ({"padding": -1}, "padding"), ({"kernel_size": 2.5}, "kernel_size")])
def test_bad_arguments_are_named(kwargs, name):
    args = {"size": 8, "kernel_size": 3} | kwargs
    with pytest.raises((ValueError, TypeError), match=name):
        conv_output_size(**args)


def test_conv_errors_name_argument_and_sizes():
    x = np.zeros((2, 3, 6, 6))
    with pytest.raises(ValueError, match=r"channel mismatch.*C_in=3.*C_in=2"):
        conv2d_forward(x, np.zeros((4, 2, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"x must have 4 dimension"):
        conv2d_forward(np.zeros((3, 6, 6)), np.zeros((4, 3, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"W must have 4 dimension"):
        conv2d_forward(x, np.zeros((4, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"b must have shape \(4\)"):
        conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="stride"):
        conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(4), stride=0)
    with pytest.raises(TypeError, match="padding"):
        conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(4), padding=1.5)
    out, cache = conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4, 4, 4\)"):
        conv2d_backward(np.zeros((2, 4, 5, 5)), cache)


def test_pool_errors():
    with pytest.raises(ValueError, match="padding=2.*kernel_size=3"):
        maxpool2d_forward(np.zeros((1, 1, 6, 6)), 3, padding=2)
    with pytest.raises(ValueError, match="x must have 4 dimension"):
        avgpool2d_forward(np.zeros((6, 6)), 2)
    with pytest.raises(TypeError, match="kernel_size"):
        maxpool2d_forward(np.zeros((1, 1, 6, 6)), 2.0)
    with pytest.raises(ValueError, match="x contains NaN"):
        maxpool2d_forward(np.full((1, 1, 4, 4), np.nan), 2)


def test_grad_as_conv_rejects_mismatched_shapes():
    W = np.zeros((4, 3, 3, 3))
    with pytest.raises(ValueError, match="x_shape"):
        conv2d_input_grad_as_conv(np.zeros((2, 4, 4, 4)), W, (2, 2, 6, 6))
    with pytest.raises(ValueError, match="batch size"):
        conv2d_weight_grad_as_conv(np.zeros((2, 3, 6, 6)), np.zeros((1, 4, 4, 4)), (3, 3))
