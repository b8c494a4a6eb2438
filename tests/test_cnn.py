"""Tests for dl_helpers.cnn: the layer loop equals torch (forward, gradients, whole training
curves in float64), sizes are checked when the architecture is built, bad specs are named."""
import numpy as np
import pytest
import torch

from dl_helpers.cnn import (DIGITS_CNN, TorchCNN, cnn_forward, cnn_loss_and_grads, cnn_outputs,
                            cnn_predict, init_cnn, train_cnn, train_cnn_torch)
from dl_helpers.data import load_digits_data
from dl_helpers.gradcheck import gradient_check
from dl_helpers.optimizers import SGD, Adam

SPEC2 = (  # a second architecture: two conv blocks, stride and average pooling
    ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
    ("activation", {"name": "tanh"}),
    ("conv2d", {"out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1}),
    ("activation", {"name": "relu"}),
    ("avgpool2d", {"kernel_size": 2}),
    ("flatten", {}),
    ("dense", {"out_features": 5}),
)


def _problem(spec, seed=0, n=6):
    rng = np.random.default_rng(seed)
    params, layers = init_cnn(spec, (1, 8, 8), rng)
    X = rng.normal(size=(n, 1, 8, 8))
    y = rng.integers(0, layers[-1].out_shape[0], size=n)
    return params, layers, X, y


def test_digits_cnn_shapes_and_parameter_count():
    params, layers, X, _ = _problem(DIGITS_CNN)
    assert [l.out_shape for l in layers] == [(8, 8, 8), (8, 8, 8), (8, 4, 4), (128,), (10,)]
    assert sum(a.size for p in params for a in p) == 1370
    model = TorchCNN(params, layers)
    assert sum(p.numel() for p in model.parameters()) == 1370
    assert [o.shape[1:] for o in cnn_outputs(params, layers, X)] == [l.out_shape for l in layers]


@pytest.mark.parametrize("spec", [DIGITS_CNN, SPEC2])
def test_forward_and_gradients_match_torch(spec):
    params, layers, X, y = _problem(spec)
    loss, grads = cnn_loss_and_grads(params, layers, X, y)
    model = TorchCNN(params, layers)
    logits_t = model(torch.tensor(X))
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(y))
    loss_t.backward()
    assert np.max(np.abs(cnn_forward(params, layers, X)[0] - logits_t.detach().numpy())) <= 1e-10
    assert abs(loss - loss_t.item()) <= 1e-12
    for g, p_t in zip((g for gp in grads for g in gp), model.parameters()):
        assert np.max(np.abs(g - p_t.grad.numpy())) <= 1e-10


def test_gradient_check_of_the_whole_network():
    params, layers, X, y = _problem(SPEC2, seed=1)
    _, grads = cnn_loss_and_grads(params, layers, X, y)
    W0 = params[0][0]

    def loss_of(W):
        return cnn_loss_and_grads([(W, params[0][1])] + params[1:], layers, X, y)[0]

    assert gradient_check(loss_of, lambda W: grads[0][0], W0).rel_error < 1e-7


@pytest.mark.parametrize("opt", [SGD(0.1, momentum=0.9), Adam(0.01)], ids=["sgd", "adam"])
def test_training_curves_equal_torch_float64(opt):
    data = load_digits_data(images=True, seed=0)
    X, y = data.X_train[:256], data.y_train[:256]
    params, layers = init_cnn(DIGITS_CNN, (1, 8, 8), np.random.default_rng(0))
    model = TorchCNN(params, layers)
    new_params, losses = train_cnn(params, layers, X, y, opt, epochs=2, batch_size=32, seed=3)
    losses_t = train_cnn_torch(model, X, y, opt, epochs=2, batch_size=32, seed=3)
    assert losses.shape == (16,) and np.max(np.abs(losses - losses_t)) <= 1e-10
    for p, p_t in zip(new_params, model.numpy_params()):
        for a, a_t in zip(p, p_t):
            assert np.max(np.abs(a - a_t)) <= 1e-10
    assert losses[-1] < losses[0]
    assert cnn_predict(new_params, layers, X).shape == (256,)


def test_float32_training_stays_close_to_torch():
    data = load_digits_data(images=True, seed=0)
    X, y = data.X_train[:128].astype(np.float32), data.y_train[:128]
    params, layers = init_cnn(DIGITS_CNN, (1, 8, 8), np.random.default_rng(0), dtype=np.float32)
    model = TorchCNN(params, layers, dtype=torch.float32)
    new_params, losses = train_cnn(params, layers, X, y, SGD(0.1), epochs=2, batch_size=32)
    losses_t = train_cnn_torch(model, X, y, SGD(0.1), epochs=2, batch_size=32)
    assert new_params[0][0].dtype == np.float32
    assert np.max(np.abs(losses - losses_t)) < 1e-5


def test_bad_specs_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"layer 0 \(conv2d\).*stride=2 does not fit"):
        init_cnn([("conv2d", {"out_channels": 2, "kernel_size": 3, "stride": 2})], (1, 8, 8), rng)
    with pytest.raises(ValueError, match=r"layer 1 \(maxpool2d\).*stride=3"):
        init_cnn([("conv2d", {"out_channels": 2, "kernel_size": 3, "padding": 1}),
                  ("maxpool2d", {"kernel_size": 3})], (1, 8, 8), rng)
    with pytest.raises(ValueError, match=r"layer 0 \(conv2d\).*larger than the padded input"):
        init_cnn([("conv2d", {"out_channels": 2, "kernel_size": 9})], (1, 8, 8), rng)
    with pytest.raises(ValueError, match=r"layer 0 \(dense\).*flatten"):
        init_cnn([("dense", {"out_features": 3})], (1, 8, 8), rng)
    with pytest.raises(ValueError, match=r"unknown option.*'kernel'"):
        init_cnn([("conv2d", {"out_channels": 2, "kernel": 3})], (1, 8, 8), rng)
    with pytest.raises(ValueError, match=r"unknown kind of layer 0"):
        init_cnn([("conv3d", {})], (1, 8, 8), rng)
    params, layers, X, y = _problem(DIGITS_CNN)
    with pytest.raises(ValueError, match="channel mismatch"):
        cnn_forward(params, layers, np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"y must be int labels of shape \(6,\)"):
        train_cnn(params, layers, X, y[:3], SGD(0.1), epochs=1, batch_size=2)
