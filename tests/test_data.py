"""Tests of dl_helpers.data: shapes, label sets, determinism, geometric properties, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers import data
from dl_helpers.data import (REGRESSION_TARGETS, load_digits_data, make_blobs, make_gaussian_mixture,
                             make_linearly_separable, make_moons, make_regression_1d, make_spirals,
                             make_xor, regression_target, to_01, to_pm1)

GENERATORS = [make_blobs, make_linearly_separable, make_xor, make_moons, make_spirals,
              make_regression_1d, make_gaussian_mixture]
BINARY = [make_linearly_separable, make_xor, make_moons]


@pytest.mark.parametrize("gen", GENERATORS)
def test_shapes_and_determinism(gen):
    X, y = gen(n_samples=37, seed=3)
    assert X.ndim == 2 and X.shape[0] == 37 and y.shape == (37,)
    assert X.dtype == np.float64 and np.all(np.isfinite(X))
    X2, y2 = gen(n_samples=37, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = gen(n_samples=37, seed=4)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("gen", GENERATORS)
def test_no_global_random_state(gen):
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    gen(n_samples=10, seed=1)
    assert np.random.random() == before


@pytest.mark.parametrize("gen", BINARY)
def test_binary_label_conventions(gen):
    X, y01 = gen(n_samples=40, seed=0)
    assert set(np.unique(y01)) == {0, 1} and y01.dtype == np.int64
    X2, ypm = gen(n_samples=40, seed=0, labels="pm1")
    assert np.array_equal(X, X2) and set(np.unique(ypm)) == {-1, 1}
    assert np.array_equal(ypm, 2 * y01 - 1)


@pytest.mark.parametrize("gen", BINARY)
def test_bad_label_convention(gen):
    with pytest.raises(ValueError, match=r"labels 'pm'.*01.*pm1"):
        gen(labels="pm")


def test_to_pm1_and_to_01():
    assert np.array_equal(to_pm1([0, 1, 1]), [-1, 1, 1])
    assert np.array_equal(to_01([-1, 1]), [0, 1])
    assert np.array_equal(to_pm1(to_pm1([0, 1])), [-1, 1])
    with pytest.raises(ValueError, match=r"\by\b"):
        to_pm1([0, 2])
    with pytest.raises(ValueError, match=r"\by\b"):
        to_01([3, 1])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), margin=st.floats(0.1, 1.0), d=st.integers(2, 4))
def test_linearly_separable_has_margin(seed, margin, d):
    """An LP-free certificate: the perceptron (Novikoff) converges, and the hidden hyperplane has margin."""
    from dl_helpers.perceptron import perceptron_train

    X, y = make_linearly_separable(60, margin=margin, n_features=d, labels="pm1", seed=seed)
    res = perceptron_train(X, y, max_epochs=10_000)
    assert res.converged
    # recover the generator's hyperplane (same draws) and check the margin exactly
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    b = rng.uniform(-0.5, 0.5)
    assert np.min(y * (X @ w + b)) >= margin - 1e-12


def test_xor_truth_table():
    X, y = make_xor(4, noise=0.0)
    assert np.array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert np.array_equal(y, [0, 1, 1, 0])
    X, y = make_xor(400, noise=0.1, seed=1)
    corner = np.round(X).clip(0, 1).astype(int)
    assert np.mean((corner[:, 0] ^ corner[:, 1]) == y) > 0.98


def test_moons_geometry():
    X, y = make_moons(400, noise=0.0, seed=0)
    assert np.allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    assert np.allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    assert abs(np.sum(y == 0) - np.sum(y == 1)) <= 1


def test_spirals_classes_balanced():
    X, y = make_spirals(301, n_classes=3, seed=0)
    assert set(np.unique(y)) == {0, 1, 2}
    assert np.bincount(y).max() - np.bincount(y).min() <= 1
    assert np.abs(X).max() < 1.0 + 1.0  # radius ≤ 1 (noise is angular only)
    assert np.allclose(np.max(np.linalg.norm(X, axis=1)), 1.0)


def test_blobs_centres():
    C = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = make_blobs(1000, centers=C, std=0.5, seed=0)
    for k in range(2):
        assert np.allclose(X[y == k].mean(axis=0), C[k], atol=0.1)
        assert np.allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    X, y = make_blobs(50, centers=4, n_features=3, seed=0)
    assert X.shape == (50, 3) and set(np.unique(y)) == {0, 1, 2, 3}


def test_regression_1d():
    X, y = make_regression_1d(50, func="sin", noise=0.0, x_range=(-2, 2), seed=0)
    assert X.shape == (50, 1) and np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -2 and X.max() <= 2
    assert np.allclose(y, np.sin(X[:, 0]))
    Xn, yn = make_regression_1d(2000, func="cubic", noise=0.2, seed=1)
    resid = yn - regression_target("cubic")(Xn[:, 0])
    assert abs(resid.std() - 0.2) < 0.02
    _, yc = make_regression_1d(10, func=lambda x: 2 * x, noise=0.0, seed=0)
    assert yc.shape == (10,)
    assert set(REGRESSION_TARGETS) >= {"sin", "cubic", "abs", "step"}


def test_gaussian_mixture():
    X, y = make_gaussian_mixture(4000, n_components=8, radius=2.0, std=0.05, seed=0)
    assert set(np.unique(y)) == set(range(8))
    assert np.allclose(np.linalg.norm(X, axis=1), 2.0, atol=0.3)
    M = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    X, y = make_gaussian_mixture(2000, means=M, weights=[3, 1], std=0.1, seed=1)
    assert X.shape == (2000, 3)
    assert abs(np.mean(y == 0) - 0.75) < 0.04


def test_digits():
    d = load_digits_data(test_size=0.25, seed=0)
    assert d.X_train.shape[1] == 64 and d.X_train.shape[0] + d.X_test.shape[0] == 1797
    assert d.X_train.min() >= 0 and d.X_train.max() <= 1
    assert set(np.unique(d.y_train)) == set(range(10))
    # stratified: class frequencies in train and test agree
    assert np.allclose(np.bincount(d.y_train) / len(d.y_train), np.bincount(d.y_test) / len(d.y_test),
                       atol=0.01)
    img = load_digits_data(images=True, n_classes=2, seed=0)
    assert img.X_train.shape[1:] == (1, 8, 8) and set(np.unique(img.y_train)) == {0, 1}
    again = load_digits_data(test_size=0.25, seed=0)
    assert np.array_equal(again.X_test, d.X_test)


@pytest.mark.parametrize("call, match, exc", [
    (lambda: make_blobs(0), r"n_samples", ValueError),
    (lambda: make_blobs(10, std=-1.0), r"\bstd\b", ValueError),
    (lambda: make_moons(10, seed=-1), r"\bseed\b", ValueError),
    (lambda: make_moons(10, seed=None), r"\bseed\b", TypeError),
    (lambda: make_moons(10, seed=1.5), r"\bseed\b", TypeError),
    (lambda: make_xor(10, noise=float("nan")), r"\bnoise\b", ValueError),
    (lambda: make_linearly_separable(10, margin=0.0), r"\bmargin\b", ValueError),
    (lambda: make_spirals(10, n_classes=1), r"n_classes", ValueError),
    (lambda: make_regression_1d(10, func="tan"), r"func 'tan'.*sin", ValueError),
    (lambda: make_regression_1d(10, x_range=(1, 0)), r"x_range", ValueError),
    (lambda: make_gaussian_mixture(10, means=[[0.0], [1.0]], weights=[1.0]), r"weights.*shape",
     ValueError),
    (lambda: make_gaussian_mixture(10, means=[[0.0], [1.0]], weights=[1.0, -1.0]), r"weights",
     ValueError),
    (lambda: load_digits_data(test_size=1.5), r"test_size", ValueError),
    (lambda: load_digits_data(n_classes=11), r"n_classes", ValueError),
    (lambda: load_digits_data(images="yes"), r"images must be True or False", TypeError),
    (lambda: make_blobs(10, box=-1.0), r"\bbox\b", ValueError),
    (lambda: make_regression_1d(10, x_range=("a", 1)), r"x_range must be a pair", TypeError),
    (lambda: make_regression_1d(10, x_range=3.0), r"x_range must be a pair", TypeError),
    (lambda: make_regression_1d(10, func=lambda x: x[:3]), r"func must map .* 10 values",
     ValueError),
    # labels are checked before anything is drawn (else this would try to allocate 10^13 points)
    (lambda: make_moons(10**13, labels="pm"), r"labels 'pm'", ValueError),
    (lambda: make_xor(10**13, labels="pm"), r"labels 'pm'", ValueError),
    (lambda: make_linearly_separable(10**13, labels="pm"), r"labels 'pm'", ValueError),
])
def test_bad_input(call, match, exc):
    with pytest.raises(exc, match=match):
        call()


def test_public_api():
    for name in data.__all__:
        assert hasattr(data, name)
