"""Tests for dl_helpers.training: NumPy and torch loops give the same weights (float64)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_helpers.network import from_torch, init_mlp, predict, to_torch
from dl_helpers.optimizers import SGD, Adam
from dl_helpers.training import (
    History, accuracy, evaluate, evaluate_torch, minibatches, train, train_torch,
)

TOL = 1e-10
torch.set_num_threads(1)   # tiny tensors: threads only add contention on the shared machine


def _data(loss: str, n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if loss.startswith("cce"):
        y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)   # 3 classes
    elif loss == "mse":
        y = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]], axis=1)
    elif loss == "logistic":
        y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    else:
        y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X, y


CASES = [  # loss, output width, output activation
    ("cce_with_logits", 3, "identity"),
    ("cce", 3, "softmax"),
    ("bce_with_logits", 1, "identity"),
    ("bce", 1, "sigmoid"),
    ("mse", 2, "identity"),
    ("logistic", 1, "identity"),
]


@pytest.mark.parametrize("loss, d_out, out_act", CASES)
@pytest.mark.parametrize("opt", [SGD(lr=0.1, momentum=0.9), Adam(lr=0.01)], ids=["momentum", "adam"])
def test_numpy_and_torch_training_give_the_same_weights(loss, d_out, out_act, opt):
    X, y = _data(loss)
    acts = ["tanh", "relu", out_act]
    params0 = init_mlp([3, 8, 6, d_out], np.random.default_rng(1), init="glorot_normal")
    kw = dict(epochs=4, batch_size=16, seed=7, X_val=X[:20], y_val=y[:20], progress=False)
    params, hist = train(params0, X, y, acts, loss, opt, **kw)
    model = to_torch(params0, acts)
    hist_t = train_torch(model, X, y, loss, opt, **kw)
    for (W, b), (Wt, bt) in zip(params, from_torch(model)):
        assert np.max(np.abs(W - Wt)) <= TOL and np.max(np.abs(b - bt)) <= TOL
    for key in ("loss", "val_loss"):
        assert np.max(np.abs(np.subtract(getattr(hist, key), getattr(hist_t, key)))) <= TOL
    if loss == "mse":
        assert np.all(np.isnan(hist.accuracy)) and np.all(np.isnan(hist_t.accuracy))
    else:
        assert hist.accuracy == hist_t.accuracy and hist.val_accuracy == hist_t.val_accuracy
    assert len(hist) == 4 and not hist.diverged
    # the starting parameters were not modified
    assert not np.array_equal(params[0].W, params0[0].W)


def test_full_batch_gd_with_eval_train_and_torch_optimizer_object():
    X, y = _data("cce_with_logits", n=40)
    acts = ["tanh", "identity"]
    params0 = init_mlp([3, 5, 3], np.random.default_rng(2))
    params, hist = train(params0, X, y, acts, "cce_with_logits", SGD(0.5), epochs=5,
                               batch_size=None, eval_train=True, progress=False)
    model = to_torch(params0, acts)
    topt = torch.optim.SGD(model.parameters(), lr=0.5)
    hist_t = train_torch(model, X, y, "cce_with_logits", topt, epochs=5, batch_size=None,
                         eval_train=True, progress=False)
    assert np.max(np.abs(np.subtract(hist.loss, hist_t.loss))) <= TOL
    # eval_train: the recorded loss is that of the parameters after the epoch
    assert abs(hist.loss[-1] - evaluate(params, X, y, acts, "cce_with_logits")[0]) < 1e-14
    assert abs(hist_t.loss[-1] - evaluate_torch(model, X, y, "cce_with_logits")[0]) < 1e-14
    assert hist.loss[-1] < hist.loss[0]   # full-batch GD with a small step decreases the loss


def test_training_learns_a_toy_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)                   # XOR-like quadrants
    acts = ["tanh", "identity"]
    params, hist = train(init_mlp([2, 16, 2], rng), X, y, acts, "cce_with_logits",
                               Adam(0.05), epochs=60, batch_size=32, progress=False)
    assert hist.accuracy[-1] > 0.9
    assert accuracy("cce_with_logits", predict(params, X, acts), y) > 0.9


def test_seed_controls_order_and_shuffle_false():
    rng = np.random.default_rng(0)
    b1 = minibatches(10, 4, np.random.default_rng(3))
    b2 = minibatches(10, 4, np.random.default_rng(3))
    assert [len(b) for b in b1] == [4, 4, 2]
    assert all(np.array_equal(a, b) for a, b in zip(b1, b2))
    assert np.array_equal(np.sort(np.concatenate(b1)), np.arange(10))
    assert np.array_equal(np.concatenate(minibatches(10, 4, None)), np.arange(10))
    assert len(minibatches(10, None, rng)) == 1
    X, y = _data("bce_with_logits", n=30)
    p0 = init_mlp([3, 4, 1], np.random.default_rng(0))
    acts = ["tanh", "identity"]
    run = lambda seed, shuffle=True: train(p0, X, y, acts, "bce_with_logits", SGD(0.3),
                                                  epochs=2, batch_size=8, seed=seed,
                                                  shuffle=shuffle, progress=False)[0]
    assert np.array_equal(run(1)[0].W, run(1)[0].W)
    assert not np.array_equal(run(1)[0].W, run(2)[0].W)
    assert np.array_equal(run(1, False)[0].W, run(2, False)[0].W)


def test_float32_training_stays_float32():
    X, y = _data("cce_with_logits", n=32)
    p0 = init_mlp([3, 4, 3], np.random.default_rng(0), dtype=np.float32)
    params, hist = train(p0, X.astype(np.float32), y, ["relu", "identity"],
                               "cce_with_logits", SGD(0.1), epochs=2, batch_size=8, progress=False)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in params)


def test_divergence_stops_and_is_flagged():
    X, y = _data("mse", n=20)
    p0 = init_mlp([3, 8, 2], np.random.default_rng(0))
    with np.errstate(all="ignore"):
        _, hist = train(p0, X * 100, y, ["relu", "identity"], "mse", SGD(10.0),
                              epochs=50, batch_size=None, progress=False)
    assert hist.diverged and len(hist) < 50


def test_callback_and_history():
    X, y = _data("cce_with_logits", n=20)
    seen = []
    train(init_mlp([3, 4, 3], np.random.default_rng(0)), X, y, ["tanh", "identity"],
                "cce_with_logits", SGD(0.1), epochs=3, progress=False,
                callback=lambda epoch, params, hist: seen.append((epoch, len(hist))))
    assert seen == [(1, 1), (2, 2), (3, 3)]
    h = History(loss=[1.0, 0.5], accuracy=[0.5, 0.7])
    assert h.epochs == 2 and set(h.as_dict()) == {"loss", "accuracy"}


def test_accuracy_rules():
    assert accuracy("cce", np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert accuracy("cce_with_logits", np.array([[0.0, 3.0]]), np.array([[0.0, 1.0]])) == 1.0
    assert accuracy("bce", np.array([[0.7], [0.2]]), np.array([1.0, 1.0])) == 0.5
    assert accuracy("bce_with_logits", np.array([-0.1, 2.0]), np.array([0.0, 1.0])) == 1.0
    assert accuracy("logistic", np.array([[0.0], [-1.0]]), np.array([1.0, 1.0])) == 0.5
    assert np.isnan(accuracy("mse", np.zeros((2, 1)), np.zeros(2)))


def test_bad_input():
    X, y = _data("cce_with_logits", n=10)
    p0 = init_mlp([3, 4, 3], np.random.default_rng(0))
    acts = ["tanh", "identity"]
    kw = dict(epochs=1, progress=False)
    with pytest.raises(ValueError, match="y must have 10 rows"):
        train(p0, X, y[:5], acts, "cce_with_logits", SGD(0.1), **kw)
    with pytest.raises(ValueError, match="X contains NaN"):
        train(p0, np.where(X > 1, np.nan, X), y, acts, "cce_with_logits", SGD(0.1), **kw)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\)"):
        train(p0, X[:, :2], y, acts, "cce_with_logits", SGD(0.1), **kw)
    with pytest.raises(ValueError, match="unknown loss"):
        train(p0, X, y, acts, "hinge", SGD(0.1), **kw)
    with pytest.raises(ValueError, match="activations"):
        train(p0, X, y, ["tanh"], "cce_with_logits", SGD(0.1), **kw)
    with pytest.raises(TypeError, match="optimizer"):
        train(p0, X, y, acts, "cce_with_logits", "sgd", **kw)
    with pytest.raises(ValueError, match="batch_size"):
        train(p0, X, y, acts, "cce_with_logits", SGD(0.1), batch_size=0, epochs=1)
    with pytest.raises(TypeError, match="seed"):
        train(p0, X, y, acts, "cce_with_logits", SGD(0.1), seed=None, epochs=1)
    with pytest.raises(TypeError, match="optimizer"):
        train_torch(to_torch(p0, acts), X, y, "cce_with_logits", object(), **kw)
    with pytest.raises(TypeError, match="model"):
        train_torch(p0, X, y, "cce_with_logits", SGD(0.1), **kw)


@pytest.mark.parametrize("bad, match", [
    (dict(shuffle="no"), "shuffle must be True or False"),
    (dict(eval_train=1), "eval_train must be True or False"),
    (dict(progress=None), "progress must be True or False"),
    (dict(y_val=np.zeros(10)), "y_val was given without X_val"),
    (dict(X_val=np.zeros((10, 3))), "X_val was given without y_val"),
])
def test_bad_loop_arguments_numpy_and_torch(bad, match):
    X, y = _data("cce_with_logits", n=10)
    p0 = init_mlp([3, 4, 3], np.random.default_rng(0))
    acts = ["tanh", "identity"]
    kw = dict(epochs=1, progress=False) | bad
    err = TypeError if "True or False" in match else ValueError
    with pytest.raises(err, match=match):
        train(p0, X, y, acts, "cce_with_logits", SGD(0.1), **kw)
    with pytest.raises(err, match=match):
        train_torch(to_torch(p0, acts), X, y, "cce_with_logits", SGD(0.1), **kw)


def test_torch_divergence_stops_and_is_flagged():
    X, y = _data("mse", n=20)
    p0 = init_mlp([3, 8, 2], np.random.default_rng(0))
    hist = train_torch(to_torch(p0, ["relu", "identity"]), X * 100, y, "mse", SGD(10.0),
                       epochs=50, batch_size=None, progress=False, X_val=X, y_val=y)
    assert hist.diverged and len(hist) < 50
