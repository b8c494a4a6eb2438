"""Tests of dl_helpers.perceptron: rule (21), convergence, XOR failure, criterion gradient (23)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers.data import make_linearly_separable, make_xor
from dl_helpers.gradcheck import numerical_gradient
from dl_helpers.perceptron import (decision_line, misclassified, perceptron_criterion, perceptron_predict,
                                   perceptron_train)


@pytest.fixture
def separable():
    return make_linearly_separable(80, margin=0.4, labels="pm1", seed=2)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_converges_on_separable_data(separable, mode):
    X, y = separable
    res = perceptron_train(X, y, lr=1.0, max_epochs=1000, mode=mode)
    assert res.converged and res.errors[-1] == 0
    assert np.array_equal(perceptron_predict(X, res.w, res.b), y)
    assert res.w_history.shape == (res.epochs + 1, 2) and res.b_history.shape == (res.epochs + 1,)
    assert res.errors.shape == (res.epochs + 1,) and res.errors[0] == len(y)  # w = 0: all in F
    assert np.array_equal(res.w_history[-1], res.w) and res.b_history[-1] == res.b
    assert res.w_steps.shape == (res.n_updates + 1, 2)


def test_online_rule_by_hand():
    X = np.array([[1.0, 2.0], [-1.0, -1.0], [2.0, 0.5]])
    y = np.array([1, -1, 1])
    res = perceptron_train(X, y, lr=0.5, max_epochs=1)
    # w=0,b=0: x0 misclassified (0 ≤ 0) → w = 0.5·x0 = (0.5, 1), b = 0.5
    # x1: y(w·x+b) = −(−1.5 + 0.5) = 1 > 0 ok; x2: 1·(1 + 0.5 + 0.5) > 0 ok
    assert np.allclose(res.w_steps[1], [0.5, 1.0]) and res.b_steps[1] == 0.5
    assert res.n_updates == 1 and list(res.step_index) == [0]
    assert res.converged


def test_batch_rule_is_folien_21():
    X = np.array([[1.0, 2.0], [-1.0, -1.0], [2.0, 0.5]])
    y = np.array([1, -1, 1])
    res = perceptron_train(X, y, lr=0.1, max_epochs=1, mode="batch")
    # all three are in F at w = 0: w = η Σ y_i x_i, b = η Σ y_i
    assert np.allclose(res.w_history[1], 0.1 * (y @ X))
    assert res.b_history[1] == pytest.approx(0.1 * y.sum())
    assert list(res.step_index) == [-1]


def test_learning_rate_irrelevant_from_zero_start(separable):
    """With w0 = 0, b0 = 0 every iterate scales with η: the same predictions for every η."""
    X, y = separable
    a = perceptron_train(X, y, lr=1.0)
    b = perceptron_train(X, y, lr=0.01)
    assert a.epochs == b.epochs and np.allclose(a.w * 0.01, b.w) and np.isclose(a.b * 0.01, b.b)


def test_xor_never_converges():
    X, y = make_xor(4, noise=0.0, labels="pm1")
    for mode in ("online", "batch"):
        res = perceptron_train(X, y, max_epochs=200, mode=mode)
        assert not res.converged and res.epochs == 200
        assert np.all(res.errors[1:] >= 1)  # at least one of the four points is always wrong


def test_shuffle_is_seeded(separable):
    X, y = separable
    a = perceptron_train(X, y, shuffle=True, seed=5)
    b = perceptron_train(X, y, shuffle=True, seed=5)
    c = perceptron_train(X, y, shuffle=False)
    assert np.array_equal(a.w_steps, b.w_steps)
    assert not np.array_equal(a.step_index, c.step_index) or a.n_updates != c.n_updates


def test_without_bias_boundary_through_origin():
    X, y = make_linearly_separable(50, labels="pm1", seed=0)
    res = perceptron_train(X, y, fit_bias=False, max_epochs=5)
    assert np.all(res.b_history == 0.0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000))
def test_novikoff_bound(seed):
    """Online perceptron makes at most (R/γ)² mistakes (augmented x̃ = (x, 1), margin γ of (w*, b*))."""
    X, y = make_linearly_separable(40, margin=0.5, labels="pm1", seed=seed)
    rng = np.random.default_rng(seed)
    w = rng.normal(size=2)
    w /= np.linalg.norm(w)
    b = rng.uniform(-0.5, 0.5)
    u = np.r_[w, b]
    Xa = np.c_[X, np.ones(len(X))]
    gamma = np.min(y * (Xa @ u)) / np.linalg.norm(u)
    R = np.max(np.linalg.norm(Xa, axis=1))
    res = perceptron_train(X, y, max_epochs=10_000)
    assert res.converged and res.n_updates <= (R / gamma) ** 2


def test_criterion_and_its_gradient_folien_23():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.choice([-1, 1], 30)
    w, b = np.array([0.3, -0.7]), 0.1
    F = misclassified(X, y, w, b)
    assert 0 < F.sum() < 30
    L = perceptron_criterion(X, y, w, b)
    assert L == pytest.approx(-np.sum(y[F] * (X[F] @ w + b))) and L >= 0
    grad_w = numerical_gradient(lambda v: perceptron_criterion(X, y, v, b), w)
    assert np.allclose(grad_w, -(y[F] @ X[F]), atol=1e-6)  # (23): ∇_w L = −Σ_F y_i x_i


def test_predict_convention_at_zero():
    assert list(perceptron_predict(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([1.0, 0.0]), 0.0)) == [1, 1]


def test_decision_line_folien_20():
    w, b, theta = np.array([2.0, -1.0]), 0.5, 1.0
    x1 = np.linspace(-1, 1, 5)
    x2 = decision_line(w, b, x1, theta)
    assert np.allclose(w[0] * x1 + w[1] * x2 + b, theta)
    with pytest.raises(ValueError, match=r"w\[1\]"):
        decision_line(np.array([1.0, 0.0]), 0.0, x1)


def test_bad_input():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"\by\b.*-1 and \+1.*to_pm1"):
        perceptron_train(X, [0, 1, 1])
    with pytest.raises(ValueError, match=r"\by\b.*shape"):
        perceptron_train(X, [1, -1])
    with pytest.raises(ValueError, match=r"\bX\b.*dimension"):
        perceptron_train(np.zeros(3), [1, -1, 1])
    with pytest.raises(ValueError, match=r"\blr\b"):
        perceptron_train(X, [1, -1, 1], lr=0)
    with pytest.raises(ValueError, match=r"max_epochs"):
        perceptron_train(X, [1, -1, 1], max_epochs=0)
    with pytest.raises(ValueError, match=r"mode 'sgd'"):
        perceptron_train(X, [1, -1, 1], mode="sgd")
    with pytest.raises(ValueError, match=r"\bw\b.*shape"):
        perceptron_predict(X, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"\bX\b.*NaN"):
        perceptron_predict(np.array([[np.nan, 0.0]]), np.zeros(2), 0.0)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(shuffle="yes"), TypeError, r"shuffle must be True or False"),
    (dict(fit_bias=None), TypeError, r"fit_bias must be True or False"),
    (dict(w0=np.zeros(3)), ValueError, r"\bw0\b.*shape"),
    (dict(b0=np.nan), ValueError, r"\bb0\b must be a finite scalar"),
    (dict(b0="zero"), TypeError, r"\bb0\b must be a finite scalar"),
    (dict(b0=[0.0, 1.0]), ValueError, r"\bb0\b must be a finite scalar"),
])
def test_bad_train_options(kw, exc, match):
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    with pytest.raises(exc, match=match):
        perceptron_train(X, [1, -1], **kw)


def test_bad_scalars_are_named():
    X = np.zeros((2, 2))
    with pytest.raises(TypeError, match=r"\bb must be a finite scalar"):
        perceptron_predict(X, np.zeros(2), "x")
    with pytest.raises(ValueError, match=r"\btheta must be a finite scalar"):
        decision_line(np.array([1.0, 1.0]), 0.0, np.zeros(2), theta=np.inf)
    with pytest.raises(ValueError, match=r"\bx1 contains NaN"):
        decision_line(np.array([1.0, 1.0]), 0.0, np.array([np.nan]))


def test_train_does_not_modify_caller_arrays():
    X = np.array([[1.0, 2.0], [-1.0, -0.5], [0.5, -1.0]])
    y = np.array([1, -1, -1])
    w0 = np.array([0.1, -0.2])
    copies = X.copy(), y.copy(), w0.copy()
    res = perceptron_train(X, y, w0=w0, max_epochs=20)
    assert res.n_updates > 0
    for before, after in zip(copies, (X, y, w0)):
        assert np.array_equal(before, after)
